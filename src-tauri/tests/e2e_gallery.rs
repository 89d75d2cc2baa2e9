//! The gallery end to end in the real desktop app (tauri-driver → WebKitWebDriver): New opens
//! it, and each template becomes a new unsaved project showing its nodes; the customer-support
//! example opens and runs before its first save (its replay and help-centre documents come
//! from the app's own folder); a recent file reopens from the gallery, one deleted since is
//! greyed.
//!
//! Needs `tauri-driver`, `WebKitWebDriver` and, without a `DISPLAY`, `Xvfb`; the UI must be
//! built first (`ui/build.sh`). Screenshots go to the test's temporary folder
//! (`gallery.png` is the one in docs/screenshots/app-gallery.png).

mod support {
    pub mod app;
    pub mod project;
}

use serde_json::json;
use support::app::{launch, App};
use support::project::save_template;

/// Every node of the project's first flow (Loop bodies too) is drawn on the canvas.
async fn shows_first_flow(app: &App, project: &strata::model::Project, what: &str) {
    let flow = project.flows.first().expect("a flow");
    let names: Vec<String> = flow
        .definition
        .all_nodes()
        .iter()
        .map(|(_, n)| n.name.clone())
        .collect();
    app.until(
        &format!(
            "{names}.every(n => document.querySelector(`g.node[data-node=\"${{n}}\"]`)) \
             && document.querySelectorAll('g.node').length === {count}",
            names = json!(names),
            count = names.len()
        ),
        what,
    )
    .await;
}

/// New, then the gallery's card `name`.
async fn open_card(app: &App, name: &str, screenshot: Option<&str>) {
    app.click("#new").await;
    let card = format!(".gallery-card[data-entry=\"{name}\"]");
    app.until(
        &format!("document.querySelector('{card} .thumb .thumb-box')"),
        &format!("the {name} card with its thumbnail"),
    )
    .await;
    if let Some(file) = screenshot {
        app.until_count(".recent-file", 2, "the recent files").await;
        // The picture once the page has painted what it now holds.
        app.painted().await;
        app.screenshot(file).await;
    }
    app.click(&card).await;
    app.until(
        "!document.getElementById('gallery')",
        "the gallery to close",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gallery_opens_each_template_runs_an_example_unsaved_and_reopens_a_recent_file() {
    let dir = tempfile::tempdir().expect("a folder");
    let (file, mine) = save_template(dir.path(), "refine-loop", "mine", "mine.strata.json");
    // A recent file deleted since: listed, greyed, not openable.
    let gone = dir.path().join("gone.strata.json");
    std::fs::create_dir_all(dir.path().join("app-data")).expect("the app's folder");
    std::fs::write(
        dir.path().join("app-data/recent.json"),
        json!([gone.display().to_string()]).to_string(),
    )
    .expect("a recent list");

    let launched = launch(dir.path(), &file).await;
    let app = &launched.app;
    shows_first_flow(app, &mine, "the opened file's nodes").await;

    // Each template: a new unsaved project showing its nodes.
    for (i, t) in strata::templates::TEMPLATES.iter().enumerate() {
        let shot = (i == 0).then_some("gallery.png");
        open_card(app, t.name, shot).await;
        let project = strata::templates::instantiate(t, t.name).expect("loads");
        shows_first_flow(app, &project, &format!("{}'s nodes", t.name)).await;
        app.until(
            &format!(
                "document.title === {:?}",
                format!("{} (unsaved) — Strata", t.name)
            ),
            "an unsaved project",
        )
        .await;
    }

    // The example: opened unsaved, it runs with its replay and help-centre documents.
    open_card(app, "customer-support", None).await;
    let example = strata::gallery::find("customer-support").expect("the example");
    shows_first_flow(app, &example.project, "the example's nodes").await;
    app.run_replay("help", "replays/triage.yaml").await;
    app.until_run_end("succeeded").await;
    for node in ["Classify", "HelpCentre", "HelpReply"] {
        app.until_node_run(node, "done").await;
    }
    app.screenshot("example-run.png").await;
    assert!(
        dir.path()
            .join("app-data/unsaved/customer-support/help/refund-policy.md")
            .is_file(),
        "the example's documents in the app's own folder"
    );
    assert!(
        app.read("document.title")
            .await
            .as_str()
            .is_some_and(|t| t.contains("(unsaved)")),
        "still unsaved"
    );

    // A recent file reopens from the gallery; the one gone is greyed and cannot be opened.
    app.click("#new").await;
    let greyed = format!(
        ".recent-file.missing[data-path={:?}]:disabled",
        gone.display().to_string()
    );
    app.until(
        &format!("document.querySelector({greyed:?})"),
        "the gone file greyed",
    )
    .await;
    let recent = format!(".recent-file[data-path={:?}]", file.display().to_string());
    app.until(
        &format!("document.querySelector({recent:?})"),
        "the file among the recent ones",
    )
    .await;
    app.click(&recent).await;
    app.until(
        "document.title === 'mine.strata.json — Strata'",
        "the recent file opened",
    )
    .await;
    shows_first_flow(app, &mine, "the reopened file's nodes").await;
    launched.close().await;
}
