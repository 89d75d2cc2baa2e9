//! The app as a debugger, end to end in the real window (tauri-driver → WebKitWebDriver): a
//! template run with its replay file lights every node up; a node's last output opens in the
//! inspector; "Run from here" re-runs only what follows (counted by the model calls the
//! recording served, in the run store); a breakpoint pauses and Continue finishes; an agent's
//! confirmation answered in the form finishes the run; the runs list shows the runs and opening
//! one paints it on the canvas again.

mod support {
    pub mod app;
    pub mod project;
}

use serde_json::json;
use std::path::Path;
use support::app::launch;
use support::project::{app_store, triage_with_files};

/// Model calls (`nodeAction` events with a model) and reused nodes of the newest run.
async fn newest_run(dir: &Path) -> (String, usize, Vec<String>) {
    let store = app_store(dir).await;
    let runs = store
        .list_runs(strata::store::RunFilter::default())
        .await
        .expect("runs");
    let newest = runs.first().expect("a recorded run");
    let events = store.run_events(&newest.id).await.expect("events");
    let calls = events
        .iter()
        .filter(|e| e.kind == "nodeAction" && e.event["request"].get("modelId").is_some())
        .count();
    let reused = events
        .iter()
        .filter(|e| e.kind == "nodeReused")
        .filter_map(|e| e.event["node"].as_str().map(str::to_owned))
        .collect();
    (newest.id.to_string(), calls, reused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_inspect_rerun_break_confirm_and_reopen_in_the_real_app() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = triage_with_files(dir.path());
    let launched = launch(dir.path(), &file).await;
    let app = &launched.app;
    app.until_node("Classify").await;

    // F5's button with the sample `bug` and the template's replay file (the default path).
    app.run_replay("bug", "replays/triage.yaml").await;
    app.until_run_end("succeeded").await;
    for node in ["FlowInput", "Classify", "Route", "DocsAnswer", "BugReply"] {
        app.until_node_run(node, "done").await;
    }
    app.until_node_run("Billing", "skipped").await;
    app.screenshot("run-finished.png").await;
    let (first, calls, _) = newest_run(dir.path()).await;
    assert_eq!(calls, 2, "Classify and DocsAnswer each call a model once");

    // A node's last output, in the inspector.
    app.select_node("Classify").await;
    app.until_text_has("#node-run", "BUG", "Classify's output in the inspector")
        .await;

    // Run from here: DocsAnswer and what follows run again; Classify is reused, not called.
    app.select_node("DocsAnswer").await;
    app.click("#debug-run-from").await;
    app.until_run_end("succeeded").await;
    let (second, calls, reused) = newest_run(dir.path()).await;
    assert_ne!(second, first, "a new run");
    assert_eq!(calls, 1, "only DocsAnswer called its model");
    assert!(reused.contains(&"Classify".to_owned()), "{reused:?}");

    // A breakpoint before DocsAnswer pauses the run; Continue finishes it.
    app.click("#debug-breakpoint").await;
    app.click("#run").await;
    app.until(
        "document.querySelector('#pause-form') && document.querySelector('#pause-continue')",
        "the breakpoint's form",
    )
    .await;
    app.until_node_run("DocsAnswer", "paused").await;
    app.screenshot("breakpoint.png").await;
    app.click("#pause-continue").await;
    app.until_run_end("succeeded").await;
    app.click("#debug-breakpoint").await; // off again

    // The billing sample: the agent asks to confirm the refund; approved in the form.
    app.choose("#run-input", "billing").await;
    app.click("#run").await;
    app.until_shown("#pause-form .action .parameters", "the confirmation form")
        .await;
    let shown = app.text("#pause-form").await;
    assert!(shown.contains("refund"), "the action named: {shown}");
    app.screenshot("confirmation.png").await;
    // A lone confirmation is answered by the click itself.
    app.click("#pause-form .approve").await;
    app.until_run_end("succeeded").await;
    app.until_node_run("BillingReply", "done").await;

    // The timeline of the last run, then the runs list, and one opened again.
    app.click("#tab-timeline").await;
    app.until(
        "document.querySelectorAll('#timeline .tl-row').length >= 5",
        "the timeline's rows",
    )
    .await;
    app.screenshot("timeline.png").await;
    app.click("#tab-runs").await;
    app.click("#runs-refresh").await;
    app.until(
        "document.querySelectorAll('#runs-history .run-row').length >= 4",
        "four runs listed",
    )
    .await;
    app.js(
        "const row = document.querySelector(`#runs-history .run-row[data-run=\"${arguments[0]}\"] .run-open`); row.click();",
        vec![json!(first)],
    )
    .await;
    app.until(
        "document.querySelector('g.node[data-node=\"BugReply\"]').dataset.run === 'done' && document.querySelector('g.node[data-node=\"BillingReply\"]').dataset.run !== 'done'",
        "the first run painted again",
    )
    .await;
    app.screenshot("runs-history.png").await;
    launched.close().await;
}
