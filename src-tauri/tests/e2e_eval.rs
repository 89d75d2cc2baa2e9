//! The Evaluate view end to end in the real window (tauri-driver → WebKitWebDriver): the
//! customer-support example's suite (`triage.eval.yaml`, the triage flow against the Support
//! agent, every reply from a recording) is listed beside the project, runs with the grid
//! filling in to the end, shows the metrics and the recommendation, and a case's run opens on
//! the canvas from the run store.

mod support {
    pub mod app;
    pub mod project;
}

use support::app::launch;
use support::project::copy_example;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suite_runs_in_the_evaluate_view_and_a_case_opens_on_the_canvas() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = copy_example(dir.path(), "customer-support", "support.strata.json");
    let suite = strata::eval::suite::Suite::parse(
        &std::fs::read_to_string(file.with_file_name("triage.eval.yaml")).expect("the suite"),
    )
    .expect("the example suite reads");
    let jobs = suite.cases.len() * suite.variants.len();
    let launched = launch(dir.path(), &file).await;
    let app = &launched.app;
    app.until_node("Classify").await;

    app.click("#tab-evaluate").await;
    app.until(
        "document.querySelectorAll('#eval-suite option').length === 1 && \
         document.querySelector('#eval-suite option').textContent === 'triage.eval.yaml' && \
         document.querySelectorAll('.eval-variant input').length === 2",
        "the example's suite and its two variants",
    )
    .await;
    app.click("#eval-run").await;
    app.until(
        "document.querySelector('#eval-status').dataset.state === 'finished'",
        "the evaluation to finish",
    )
    .await;
    // The progress ran to its end: every cell of the grid has a verdict.
    assert_eq!(app.count(".eval-cell").await, jobs as u64);
    assert_eq!(app.count(".eval-cell[data-state=\"pending\"]").await, 0);
    assert_eq!(app.count(".eval-case").await, jobs as u64);
    assert_eq!(app.count("#eval-metrics tbody tr").await, 2);
    let recommendation = app
        .js(
            "const r = document.querySelector('#eval-recommendation'); \
             return r ? [r.dataset.choice, r.textContent] : null;",
            vec![],
        )
        .await;
    let choice = recommendation[0].as_str().expect("a recommendation");
    assert!(
        suite.variants.iter().any(|v| v.name == choice),
        "{recommendation}"
    );
    assert!(
        recommendation[1]
            .as_str()
            .is_some_and(|t| t.contains(&format!("Recommendation: {choice}"))),
        "{recommendation}"
    );

    // A flow case's run, from the run store, on the canvas.
    app.click(".eval-case[data-variant=\"flow\"] .eval-open")
        .await;
    app.until_node_run("Classify", "done").await;
    app.screenshot("app-evaluate.png").await;
    launched.close().await;
}
