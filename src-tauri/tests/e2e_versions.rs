//! Versions and aliases end to end in the real window (tauri-driver → WebKitWebDriver): a
//! version made with a description is listed; after one node changes, the comparison with the
//! working copy marks exactly that node and shows its changed field; an alias is set, moved and
//! rolled back (checked in the app's run store); a run through the alias from the run panel
//! runs the version the alias points at and is recorded with the alias.

mod support {
    pub mod app;
    pub mod project;
}

use serde_json::json;
use support::app::{launch, App};
use support::project::{app_store, save_template_with_files, triage_with_files};

/// What the comparison marks: `[name, mark]` per node or connection.
async fn marked(app: &App) -> serde_json::Value {
    app.js(
        "return [...document.querySelectorAll('#diff-canvas [data-diff]')] \
         .map(e => [e.dataset.node || e.dataset.connection, e.dataset.diff]);",
        vec![],
    )
    .await
}

/// Waits for the comparison to show the changed field `field` (a dotted path).
async fn until_changed_field(app: &App, field: &str) {
    let css = format!("#diff-fields .diff-field[data-field={field:?}]");
    app.until_shown(&css, "the changed field").await;
}

async fn alias_at(app: &App, version: u32) {
    app.until(
        &format!(
            "document.querySelector('.alias-row[data-alias=\"live\"][data-version=\"{version}\"]')"
        ),
        &format!("live at version {version}"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_diff_alias_and_run_an_alias_in_the_real_app() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = triage_with_files(dir.path());
    let launched = launch(dir.path(), &file).await;
    let app = &launched.app;
    app.until_node("Classify").await;

    // Version 1, with a description.
    app.click("#tab-versions").await;
    app.set_field("#version-description", "first cut").await;
    app.click("#version-create").await;
    app.until_text_has(
        ".version-row[data-version=\"1\"]",
        "first cut",
        "version 1 listed with its description",
    )
    .await;

    // One node changes: Classify's temperature.
    app.click("g.node[data-node=\"Classify\"] text.title").await;
    app.set_field(
        ".form-field[data-field=\"sourceConfiguration.inline.inferenceConfiguration.text.temperature\"] input",
        "0.4",
    )
    .await;

    // The comparison with the working copy marks exactly that node.
    app.click(".version-row[data-version=\"1\"] .version-diff")
        .await;
    app.until(
        "document.querySelectorAll('#diff-canvas g.node').length > 5",
        "the comparison on the canvas",
    )
    .await;
    let marked = marked(app).await;
    assert_eq!(marked, json!([["Classify", "changed"]]));
    assert_eq!(app.count("#diff-changes li").await, 1, "one difference");
    app.click("#diff-canvas g.node[data-node=\"Classify\"] text.title")
        .await;
    until_changed_field(
        app,
        "configuration.prompt.sourceConfiguration.inline.inferenceConfiguration.text.temperature",
    )
    .await;
    let row = app
        .js(
            "return document.querySelector('#diff-fields .diff-field').textContent;",
            vec![],
        )
        .await;
    assert!(row.as_str().is_some_and(|r| r.contains("0.4")), "{row}");
    app.screenshot("app-versions-diff.png").await;
    app.click("#diff-close").await;
    app.until_shown(
        "#canvas g.node[data-node=\"Classify\"]",
        "the editable canvas again",
    )
    .await;

    // Version 2 holds the change; `live` is set on 1, moved to 2, rolled back to 1.
    app.set_field("#version-description", "warmer classifier")
        .await;
    app.click("#version-create").await;
    app.until_shown(".version-row[data-version=\"2\"]", "version 2")
        .await;
    app.set_field("#alias-name", "live").await;
    app.choose("#alias-version", "1").await;
    app.click("#alias-set").await;
    alias_at(app, 1).await;
    app.choose(".alias-row[data-alias=\"live\"] .alias-target", "2")
        .await;
    app.click(".alias-row[data-alias=\"live\"] .alias-move")
        .await;
    alias_at(app, 2).await;
    let s = app_store(dir.path()).await;
    let live = |s: strata::store::Store| async move {
        s.get_alias("triage", "triage", "live")
            .await
            .expect("the alias")
            .map(|a| a.version)
    };
    assert_eq!(live(s.clone()).await, Some(2));
    app.click(".alias-row[data-alias=\"live\"] .alias-rollback")
        .await;
    alias_at(app, 1).await;
    assert_eq!(live(s.clone()).await, Some(1));

    // Run the alias from the run panel: version 1 runs, recorded with the alias.
    app.choose("#run-target", "a:live").await;
    app.choose("#run-input", "bug").await;
    app.choose("#run-provider", "replay").await;
    app.click("#run").await;
    app.until_run_end("succeeded").await;
    let runs = s
        .list_runs(strata::store::RunFilter::default())
        .await
        .expect("runs");
    let newest = runs.first().expect("a recorded run");
    assert_eq!(newest.alias.as_deref(), Some("live"));
    app.screenshot("app-versions-run-alias.png").await;
    launched.close().await;
}

/// A prompt node's maximum of tokens, under its `prompt` configuration.
const MAX_TOKENS: &str = "sourceConfiguration/inline/inferenceConfiguration/text/maxTokens";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_node_inside_a_loop_body_is_marked_in_the_real_app() {
    let dir = tempfile::tempdir().expect("a folder");
    let (file, project) =
        save_template_with_files(dir.path(), "refine-loop", "refine", "refine.strata.json");
    // Version 1 had Improve, inside the Loop's body, answer in at most 256 tokens.
    let mut older: serde_json::Value = serde_json::from_str(&project.to_json()).expect("json");
    *older
        .pointer_mut(&format!("/flows/0/definition/nodes/1/configuration/loop/definition/nodes/1/configuration/prompt/{MAX_TOKENS}"))
        .expect("Improve's maxTokens") = json!(256);
    let older = strata::model::load(&older.to_string(), "refine")
        .expect("loads")
        .project;
    strata::session::versions::create_version(&app_store(dir.path()).await, &older, "refine", "v1")
        .await
        .expect("version 1");

    let launched = launch(dir.path(), &file).await;
    let app = &launched.app;
    app.until_node("Refine").await;
    app.click("#tab-versions").await;
    app.click(".version-row[data-version=\"1\"] .version-diff")
        .await;
    app.until_shown(
        "#diff-canvas .loop-region[data-loop=\"Refine\"] g.node[data-node=\"Refine/Improve\"]",
        "the Loop's body on the comparison",
    )
    .await;
    let marked = marked(app).await;
    assert_eq!(marked, json!([["Refine/Improve", "changed"]]));
    app.click("#diff-canvas g.node[data-node=\"Refine/Improve\"] text.title")
        .await;
    let field = format!("configuration.prompt.{}", MAX_TOKENS.replace('/', "."));
    until_changed_field(app, &field).await;
    app.screenshot("app-versions-loop-diff.png").await;
    launched.close().await;
}
