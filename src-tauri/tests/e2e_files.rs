//! The real desktop app, end to end, for issue 12's editor items: New with unsaved changes asks
//! (Cancel keeps the edits, Don't save drops them and their recovery copy); flows are added,
//! renamed and deleted (deleting asks) and saved as such; Copy and Paste duplicate a node.
//!
//! The native Edit menu is out of WebDriver's reach, so Copy and Paste go through their keys,
//! which the page owns (`Action::menu_owns_chord`); the menu item sends the same action.
//!
//! Needs `tauri-driver`, `WebKitWebDriver` and, without a `DISPLAY`, `Xvfb`; the UI must be
//! built first (`ui/build.sh`), since the app embeds it. Screenshots go to the test's
//! temporary folder.

mod support {
    pub mod app;
    pub mod project;
}

use support::app::{launch, App};
use support::project::triage;

/// New, then the gallery's blank card: with unsaved edits, the app asks first.
async fn new_asks(app: &App) {
    app.click("#new").await;
    app.click(".gallery-card[data-entry=\"blank\"]").await;
    app.until_shown("#unsaved", "the unsaved prompt").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_asks_and_flows_are_added_renamed_and_deleted_in_the_real_app() {
    let dir = tempfile::tempdir().unwrap();
    let (file, start) = triage(dir.path());
    let recovery = dir.path().join("app-data").join("recovery.json");

    let launched = launch(dir.path(), &file).await;
    let app = &launched.app;
    app.until_node("Classify").await;
    let nodes = start.flows[0].definition.nodes.len() as u64;

    // Copy and paste a node: one more, the copy selected.
    app.select_node("Route").await;
    app.until_shown("g.node.selected[data-node=\"Route\"]", "Route selected")
        .await;
    for key in ["c", "v"] {
        app.ctrl(key).await;
    }
    app.until(
        &format!(
            "document.querySelectorAll('g.node').length === {}",
            nodes + 1
        ),
        "the pasted node",
    )
    .await;
    app.until_unsaved(true, "the unsaved mark").await;
    // The autosave keeps the unsaved edits where a crash cannot lose them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !recovery.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "no recovery copy at {recovery:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // New (a card of its gallery) asks first; Cancel keeps the edits.
    new_asks(app).await;
    app.screenshot("unsaved-prompt.png").await;
    app.click("#unsaved-cancel").await;
    app.until("!document.getElementById('unsaved')", "the prompt to go")
        .await;
    assert_eq!(
        app.count("g.node").await,
        nodes + 1,
        "Cancel kept the edits"
    );
    assert!(recovery.exists(), "Cancel kept the recovery copy");

    // Add a flow, rename it, save: the file has both flows.
    app.click("#flow-add").await;
    app.until(
        "document.querySelectorAll('#flow option').length === 2 && document.getElementById('flow').value === 'flow'",
        "the new flow, shown",
    )
    .await;
    app.click("#flow-rename").await;
    app.until(
        "document.activeElement && document.activeElement.id === 'dialog-path'",
        "the rename field focused",
    )
    .await;
    app.answer_dialog("review").await;
    app.until(
        "document.getElementById('flow').value === 'review'",
        "the renamed flow",
    )
    .await;
    app.screenshot("flows.png").await;
    app.save().await;
    let saved = strata::model::load(&std::fs::read_to_string(&file).unwrap(), "x")
        .unwrap()
        .project;
    let names: Vec<&str> = saved.flows.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["triage", "review"]);
    assert!(saved.canvas.contains_key("review") && !saved.canvas.contains_key("flow"));
    assert!(!recovery.exists(), "a save drops the recovery copy");

    // Delete it: asked first, then gone.
    app.click("#flow-delete").await;
    app.until_shown("#dialog-ok", "the question").await;
    app.click("#dialog-ok").await;
    app.until_count("#flow option", 1, "one flow left").await;

    // New again: Don't save gives the changes up, with their recovery copy.
    new_asks(app).await;
    app.click("#unsaved-discard").await;
    app.until(
        "!document.getElementById('unsaved') && !document.title.startsWith('● ')",
        "the new project",
    )
    .await;
    assert!(!recovery.exists(), "nothing left to recover");
    launched.close().await;
}
