//! The Versions panel's commands: one-line adapters over the host layer's versions and
//! aliases (`strata::session::versions`, as `strata version` and `strata alias` use them), on
//! the project as the page holds it and the app's run store.

use crate::files::AppError;
use crate::run::Runs;
use std::sync::Arc;
use strata::export::History;
use strata::lifecycle::{FlowDiff, FlowVersions, Side};
use strata::model::Project;
use strata::session::versions;
use strata::store::{AliasMove, Store, VersionOutcome};

type Runner<'a> = tauri::State<'a, Arc<Runs>>;

fn project(text: &str) -> Result<Project, AppError> {
    strata::model::load(text, "project")
        .map(|l| l.project)
        .map_err(|source| AppError::Load {
            path: "the project".to_owned(),
            source,
        })
}

fn failed(e: strata::session::Error) -> AppError {
    AppError::Version {
        message: e.to_string(),
    }
}

pub async fn list(store: &Store, text: &str, flow: &str) -> Result<FlowVersions, AppError> {
    versions::flow_versions(store, &project(text)?, flow)
        .await
        .map_err(failed)
}

pub async fn create(
    store: &Store,
    text: &str,
    flow: &str,
    description: &str,
) -> Result<VersionOutcome, AppError> {
    versions::create_version(store, &project(text)?, flow, description)
        .await
        .map_err(failed)
}

pub async fn compare(
    store: &Store,
    text: &str,
    flow: &str,
    older: Side,
    newer: Side,
) -> Result<FlowDiff, AppError> {
    versions::compare(store, &project(text)?, flow, older, newer)
        .await
        .map_err(failed)
}

/// What the export dialog renders a CloudFormation template with: every flow's recorded
/// versions and aliases, as `strata export --data-dir` reads them.
pub async fn history(store: &Store, text: &str) -> Result<History, AppError> {
    versions::history(store, &project(text)?)
        .await
        .map_err(failed)
}

#[tauri::command]
pub async fn versions_list(
    project_text: String,
    flow: String,
    runs: Runner<'_>,
) -> Result<FlowVersions, AppError> {
    list(runs.run_store()?, &project_text, &flow).await
}

#[tauri::command]
pub async fn version_create(
    project_text: String,
    flow: String,
    description: String,
    runs: Runner<'_>,
) -> Result<VersionOutcome, AppError> {
    create(runs.run_store()?, &project_text, &flow, &description).await
}

#[tauri::command]
pub async fn versions_compare(
    project_text: String,
    flow: String,
    older: Side,
    newer: Side,
    runs: Runner<'_>,
) -> Result<FlowDiff, AppError> {
    compare(runs.run_store()?, &project_text, &flow, older, newer).await
}

#[tauri::command]
pub async fn alias_set(
    project_text: String,
    flow: String,
    name: String,
    version: u32,
    runs: Runner<'_>,
) -> Result<AliasMove, AppError> {
    let store = runs.run_store()?;
    versions::set_alias(store, &project(&project_text)?, &flow, &name, version)
        .await
        .map_err(failed)
}

#[tauri::command]
pub async fn alias_rollback(
    project_text: String,
    flow: String,
    name: String,
    runs: Runner<'_>,
) -> Result<AliasMove, AppError> {
    let store = runs.run_store()?;
    versions::rollback_alias(store, &project(&project_text)?, &flow, &name)
        .await
        .map_err(failed)
}

#[tauri::command]
pub async fn versions_history(project_text: String, runs: Runner<'_>) -> Result<History, AppError> {
    history(runs.run_store()?, &project_text).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_panel_makes_lists_and_compares_versions() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path()).await.expect("store");
        let template = strata::templates::find("support-triage").expect("template");
        let p = strata::templates::instantiate(template, "t").expect("project");
        let text = p.to_json();
        let made = create(&store, &text, "triage", "first").await.expect("v1");
        assert_eq!(made.number, 1);
        let listed = list(&store, &text, "triage").await.expect("list");
        assert_eq!(listed.versions[0].description, "first");
        let against = |number| {
            compare(
                &store,
                &text,
                "triage",
                Side::Version { number },
                Side::Draft,
            )
        };
        assert!(against(1).await.expect("diff").changes.is_empty());
        let bad = create(&store, "not json", "triage", "").await;
        assert_eq!(bad.map_err(|e| e.code()), Err("load"));
        let missing = against(4).await.expect_err("no version 4");
        assert_eq!(missing.code(), "version");
        assert!(missing.to_string().contains("no version 4"), "{missing}");
    }

    #[tokio::test]
    async fn the_export_dialog_gets_the_recorded_versions() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path()).await.expect("store");
        let template = strata::templates::find("support-triage").expect("template");
        let text = strata::templates::instantiate(template, "t")
            .expect("project")
            .to_json();
        create(&store, &text, "triage", "first").await.expect("v1");
        let h = history(&store, &text).await.expect("history");
        assert_eq!(h.flows["triage"].versions[0].description, "first");
        let bad = history(&store, "not json").await;
        assert_eq!(bad.map_err(|e| e.code()), Err("load"));
    }
}
