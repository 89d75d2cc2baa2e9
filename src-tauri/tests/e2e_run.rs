//! The app as a debugger, end to end in the real window (tauri-driver → WebKitWebDriver): a
//! template run with its replay file lights every node up; a node's last output opens in the
//! inspector; "Run from here" re-runs only what follows (counted by the model calls the
//! recording served, in the run store); a breakpoint pauses and Continue finishes; an agent's
//! confirmation answered in the form finishes the run; the runs list shows the runs and opening
//! one paints it on the canvas again.

mod support {
    pub mod app;
}

use serde_json::json;
use std::path::Path;
use support::app::{launch, App};

/// The support-triage template saved with the files it brings (replays, answers, handlers).
fn project(dir: &Path) -> std::path::PathBuf {
    let template = strata::templates::find("support-triage").expect("the template");
    let project = strata::templates::instantiate(template, "triage").expect("a project");
    let file = dir.join("triage.strata.json");
    std::fs::write(&file, project.to_json()).expect("the project file");
    strata::templates::write_missing_files(template, dir).expect("the template's files");
    file
}

/// Model calls (`nodeAction` events with a model) and reused nodes of the newest run.
async fn newest_run(dir: &Path) -> (String, usize, Vec<String>) {
    let store = strata::store::Store::open(&dir.join("app-data").join("runs"))
        .await
        .expect("the app's run store");
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

async fn choose(app: &App, select: &str, value: &str) {
    app.until(&format!("document.querySelector({select:?})"), select)
        .await;
    app.js(
        "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
         s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![json!(select), json!(value)],
    )
    .await;
}

async fn finished(app: &App, state: &str) {
    app.until(
        &format!("document.querySelector('#run-totals[data-state=\"{state}\"]')"),
        &format!("the run to end {state}"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_inspect_rerun_break_confirm_and_reopen_in_the_real_app() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = project(dir.path());
    let launched = launch(dir.path(), &file).await;
    let app = &launched.app;
    app.until(
        "document.querySelector('g.node[data-node=\"Classify\"]')",
        "the template's nodes",
    )
    .await;

    // F5's button with the sample `bug` and the template's replay file (the default path).
    choose(app, "#run-input", "bug").await;
    choose(app, "#run-provider", "replay").await;
    app.until(
        "document.querySelector('#run-replay').value === 'replays/triage.yaml'",
        "the replay file proposed",
    )
    .await;
    app.click("#run").await;
    finished(app, "succeeded").await;
    for node in ["FlowInput", "Classify", "Route", "DocsAnswer", "BugReply"] {
        app.until(
            &format!(
                "document.querySelector('g.node[data-node=\"{node}\"]').dataset.run === 'done'"
            ),
            &format!("{node} done"),
        )
        .await;
    }
    app.until(
        "document.querySelector('g.node[data-node=\"Billing\"]').dataset.run === 'skipped'",
        "the billing branch skipped",
    )
    .await;
    app.screenshot("run-finished.png").await;
    let (first, calls, _) = newest_run(dir.path()).await;
    assert_eq!(calls, 2, "Classify and DocsAnswer each call a model once");

    // A node's last output, in the inspector.
    app.click("g.node[data-node=\"Classify\"] text.title").await;
    app.until(
        "document.querySelector('#node-run') && document.querySelector('#node-run').textContent.includes('BUG')",
        "Classify's output in the inspector",
    )
    .await;

    // Run from here: DocsAnswer and what follows run again; Classify is reused, not called.
    app.click("g.node[data-node=\"DocsAnswer\"] text.title")
        .await;
    app.click("#debug-run-from").await;
    finished(app, "succeeded").await;
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
    app.until(
        "document.querySelector('g.node[data-node=\"DocsAnswer\"]').dataset.run === 'paused'",
        "DocsAnswer paused",
    )
    .await;
    app.screenshot("breakpoint.png").await;
    app.click("#pause-continue").await;
    finished(app, "succeeded").await;
    app.click("#debug-breakpoint").await; // off again

    // The billing sample: the agent asks to confirm the refund; approved in the form.
    choose(app, "#run-input", "billing").await;
    app.click("#run").await;
    app.until(
        "document.querySelector('#pause-form .action .parameters')",
        "the confirmation form",
    )
    .await;
    let shown = app
        .js(
            "return document.querySelector('#pause-form').textContent;",
            vec![],
        )
        .await;
    let shown = shown.as_str().unwrap_or_default().to_owned();
    assert!(shown.contains("refund"), "the action named: {shown}");
    app.click("#pause-form .approve").await;
    app.click("#pause-send").await;
    finished(app, "succeeded").await;
    app.until(
        "document.querySelector('g.node[data-node=\"BillingReply\"]').dataset.run === 'done'",
        "the billing reply",
    )
    .await;

    // The runs list, and one opened again.
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
