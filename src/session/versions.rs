//! Versions and aliases the way every front end makes, lists, compares and moves them (the
//! `strata version` and `strata alias` commands, the desktop app's Versions panel): a version
//! is made only of a flow that can run, an alias name is checked before it is stored, and a
//! comparison's side is a recorded version or the working copy.

use super::{version_snapshot, Error};
use crate::export::{FlowHistory, History, RecordedVersion};
use crate::lifecycle::VersionInfo;
use crate::lifecycle::{flow_diff, snapshot, AliasInfo, FlowDiff, FlowVersions, Side, Snapshot};
use crate::model::Project;
use crate::store::{AliasMove, Store, VersionOutcome};

/// Records `flow` of `project` as its next version (or names the version that already holds
/// exactly this). A flow with errors is refused with every error: a version must run.
pub async fn create_version(
    store: &Store,
    project: &Project,
    flow: &str,
    description: &str,
) -> Result<VersionOutcome, Error> {
    let compiled = crate::compile::compile(project);
    if compiled.plan(flow).is_none() {
        return Err(Error::FlowHasErrors {
            flow: flow.to_owned(),
            errors: compiled.errors().cloned().collect(),
        });
    }
    let snap = working_copy(project, flow)?;
    let value = serde_json::to_value(&snap).map_err(|e| Error::Snapshot {
        version: 0,
        message: e.to_string(),
    })?;
    Ok(store
        .create_version(&project.name, flow, &value, description)
        .await?)
}

/// The flow and what it uses, as the document holds them now.
fn working_copy(project: &Project, flow: &str) -> Result<Snapshot, Error> {
    snapshot(project, flow).ok_or_else(|| Error::NoFlow {
        project: project.name.clone(),
        flow: flow.to_owned(),
    })
}

/// One side of a comparison.
pub async fn side_snapshot(
    store: &Store,
    project: &Project,
    flow: &str,
    side: Side,
) -> Result<Snapshot, Error> {
    match side {
        Side::Draft => working_copy(project, flow),
        Side::Version { number } => version_snapshot(store, project, flow, number).await,
    }
}

/// The difference from `older` to `newer`, laid out for one canvas.
pub async fn compare(
    store: &Store,
    project: &Project,
    flow: &str,
    older: Side,
    newer: Side,
) -> Result<FlowDiff, Error> {
    let a = side_snapshot(store, project, flow, older).await?;
    let b = side_snapshot(store, project, flow, newer).await?;
    Ok(flow_diff(&a, &b))
}

/// A flow's versions and aliases, each alias with where a rollback would take it.
pub async fn flow_versions(
    store: &Store,
    project: &Project,
    flow: &str,
) -> Result<FlowVersions, Error> {
    let versions = store
        .list_versions(&project.name, flow)
        .await?
        .into_iter()
        .map(|v| VersionInfo {
            number: v.number,
            description: v.description,
            created_at_ms: v.created_at_ms,
        })
        .collect();
    let mut aliases = Vec::new();
    for a in store.list_aliases(&project.name, flow).await? {
        let previous = store.rollback_target(&project.name, flow, &a.name).await?;
        aliases.push(AliasInfo {
            name: a.name,
            version: a.version,
            updated_at_ms: a.updated_at_ms,
            previous,
        });
    }
    Ok(FlowVersions {
        flow: flow.to_owned(),
        versions,
        aliases,
    })
}

/// Points alias `name` at `version` (creating or moving it); says where it pointed before.
pub async fn set_alias(
    store: &Store,
    project: &Project,
    flow: &str,
    name: &str,
    version: u32,
) -> Result<AliasMove, Error> {
    if !crate::model::names::Pattern::ResourceName.matches(name) {
        return Err(Error::AliasName {
            name: name.to_owned(),
        });
    }
    let before = store.get_alias(&project.name, flow, name).await?;
    store.set_alias(&project.name, flow, name, version).await?;
    Ok(AliasMove {
        name: name.to_owned(),
        from: before.map(|b| b.version),
        to: version,
    })
}

/// Points alias `name` back at the version it pointed at before its last move.
pub async fn rollback_alias(
    store: &Store,
    project: &Project,
    flow: &str,
    name: &str,
) -> Result<AliasMove, Error> {
    Ok(store.rollback_alias(&project.name, flow, name).await?)
}

/// The recorded versions and aliases of every flow of `project`: what a CloudFormation export
/// carries (`strata export --data-dir` and the app's export dialog both read them here).
pub async fn history(store: &Store, project: &Project) -> Result<History, Error> {
    let mut out = History::default();
    for flow in &project.flows {
        let mut h = FlowHistory::default();
        for v in store.list_versions(&project.name, &flow.name).await? {
            let snap: Snapshot =
                serde_json::from_value(v.snapshot).map_err(|e| Error::Snapshot {
                    version: v.number,
                    message: format!("{}/{}: {e}", project.name, flow.name),
                })?;
            h.versions.push(RecordedVersion {
                number: v.number,
                description: v.description,
                flow: snap.flow,
            });
        }
        for a in store.list_aliases(&project.name, &flow.name).await? {
            h.aliases.insert(a.name, a.version);
        }
        out.flows.insert(flow.name.clone(), h);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::fixtures::triage;

    #[tokio::test]
    async fn versions_compare_move_and_roll_back() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path()).await.expect("store");
        let p = triage();
        let one = create_version(&store, &p, "triage", "first")
            .await
            .expect("v1");
        assert_eq!((one.number, one.created), (1, true));
        let mut q = p.clone();
        q.flows[0]
            .definition
            .nodes
            .retain(|n| n.name != "OtherReply");
        q.flows[0]
            .definition
            .connections
            .retain(|c| c.target != "OtherReply");
        // A flow with errors makes no version.
        let mut broken = q.clone();
        broken.flows[0].definition.connections.clear();
        let refused = create_version(&store, &broken, "triage", "x").await;
        assert!(
            matches!(refused, Err(Error::FlowHasErrors { .. })),
            "{refused:?}"
        );
        let two = create_version(&store, &q, "triage", "no other")
            .await
            .expect("v2");
        assert_eq!(two.number, 2);

        let d = compare(
            &store,
            &q,
            "triage",
            Side::Version { number: 1 },
            Side::Draft,
        )
        .await
        .expect("diff");
        assert_eq!(d.nodes.len(), 1, "{:?}", d.nodes);
        assert!(compare(
            &store,
            &q,
            "triage",
            Side::Version { number: 2 },
            Side::Draft
        )
        .await
        .expect("diff")
        .changes
        .is_empty());
        let missing = compare(
            &store,
            &q,
            "triage",
            Side::Version { number: 9 },
            Side::Draft,
        )
        .await;
        assert!(
            matches!(missing, Err(Error::NoVersion { version: 9, .. })),
            "{missing:?}"
        );

        let bad = set_alias(&store, &p, "triage", "no spaces", 1).await;
        assert!(matches!(bad, Err(Error::AliasName { .. })), "{bad:?}");
        let made = set_alias(&store, &p, "triage", "live", 1)
            .await
            .expect("set");
        assert_eq!((made.from, made.to), (None, 1));
        let moved = set_alias(&store, &p, "triage", "live", 2)
            .await
            .expect("move");
        assert_eq!((moved.from, moved.to), (Some(1), 2));
        let listed = flow_versions(&store, &p, "triage").await.expect("list");
        assert_eq!(listed.versions.len(), 2);
        assert_eq!(listed.versions[1].description, "no other");
        assert_eq!(listed.aliases.len(), 1);
        assert_eq!(listed.aliases[0].previous, Some(1));
        let back = rollback_alias(&store, &p, "triage", "live")
            .await
            .expect("back");
        assert_eq!((back.from, back.to), (Some(2), 1));
        let listed = flow_versions(&store, &p, "triage").await.expect("list");
        assert_eq!(
            (listed.aliases[0].version, listed.aliases[0].previous),
            (1, None)
        );
    }

    #[tokio::test]
    async fn an_export_carries_the_recorded_versions_and_aliases() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path()).await.expect("store");
        let p = triage();
        let empty = history(&store, &p).await.expect("history");
        assert!(empty.flows["triage"].versions.is_empty());
        create_version(&store, &p, "triage", "first")
            .await
            .expect("v1");
        set_alias(&store, &p, "triage", "live", 1)
            .await
            .expect("alias");
        let h = history(&store, &p).await.expect("history");
        let triage = &h.flows["triage"];
        assert_eq!(triage.versions.len(), 1);
        assert_eq!(triage.versions[0].description, "first");
        assert_eq!(triage.versions[0].flow, p.flows[0]);
        assert_eq!(triage.aliases.get("live"), Some(&1));
        // As the shell hands it to the page, and into the template both hosts render.
        let json = serde_json::to_string(&h).expect("serialises");
        let read: History = serde_json::from_str(&json).expect("reads back");
        assert_eq!(read, h);
        let format = crate::export::Format::Cloudformation;
        let text = crate::export::render(&p, format, None, &read)
            .expect("renders")
            .text;
        assert!(text.contains("AWS::Bedrock::FlowVersion"), "{text}");
        assert!(text.contains("AWS::Bedrock::FlowAlias"), "{text}");
        assert!(text.contains("Name: live"), "{text}");
    }
}
