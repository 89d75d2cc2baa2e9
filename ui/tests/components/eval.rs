//! Component tests of the Evaluate view: the suites beside the project listed with their
//! variants, the request `eval_start` gets, progress filling the grid as cases finish, the
//! report (metrics, recommendation, a row per case × variant), a case's run opened on the
//! canvas, cancelling, and the hint for a project never saved.

use super::events::{install_channel_stub, send};
use super::*;
use serde_json::json;
use strata::eval::report::{CaseResult, Check, Report, VariantName};

const BILLING_RUN: &str = include_str!("runs/support-triage-billing.jsonl");
const PROJECT: &str = "/work/shop/triage.strata.json";

/// A saved support-triage project with one suite beside it, and a `Channel` class whose
/// instances are kept in `window.__CHANNELS__`.
async fn saved_page() -> Page {
    install_shell_stub();
    let suites = json!([{
        "path": "/work/shop/triage.eval.yaml", "file": "triage.eval.yaml", "name": "triage",
        "variants": [{"name": "flow", "kind": "flow"}, {"name": "agent", "kind": "agent"}],
        "cases": ["refund", "password"], "problem": null,
    }]);
    let events: Vec<Value> = BILLING_RUN
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event line"))
        .collect();
    let recorded = json!({
        "listing": {"runId": "run-1", "flow": "triage", "status": "succeeded", "provider": "eval",
                    "startedAtMs": 1_796_340_064_951u64, "durationMs": 81, "inputTokens": 43,
                    "outputTokens": 2, "costUsd": 0.0000115},
        "inputs": {}, "events": events,
    });
    js_sys::eval(&format!(
        r#"
        window.__STUB__.startup_document = "{PROJECT}";
        window.__STUB__.open = {{ path: "{PROJECT}", text: {template} }};
        window.__STUB__.eval_suites = {suites};
        window.__STUB__.eval_start = "eval-1";
        window.__STUB__.run_get = {recorded};
        "#,
        template = Value::String(TEMPLATE.to_owned()),
    ))
    .expect("the stub installs");
    install_channel_stub();
    Page::mount_new().await
}

fn calls_of(cmd: &str) -> Vec<Value> {
    calls().into_iter().filter(|c| c["cmd"] == cmd).collect()
}

fn result(id: &str, variant: &str, pass: bool, run: &str) -> CaseResult {
    CaseResult {
        id: id.into(),
        variant: variant.into(),
        repeat: 0,
        pass,
        checks: vec![Check {
            kind: "contains".into(),
            pass,
            detail: if pass {
                "found"
            } else {
                "\"RF-1\" not in the output"
            }
            .into(),
        }],
        run_id: Some(run.into()),
        latency_ms: if variant == "flow" { 120 } else { 900 },
        cost_usd: Some(if variant == "flow" { 0.001 } else { 0.004 }),
        output: json!("the <b>answer</b>"),
        model_calls: 1,
        input_tokens: 100,
        output_tokens: 10,
        path: vec!["Classify".into()],
        failure: None,
    }
}

async fn open_evaluate(page: &Page) {
    page.click("#tab-evaluate");
    until("the suite listed", || {
        page.all("#eval-suite option").len() == 1 && page.all(".eval-variant input").len() == 2
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_suite_runs_with_live_progress_its_report_and_a_case_opens_on_the_canvas() {
    let page = saved_page().await;
    open_evaluate(&page).await;
    assert_eq!(calls_of("eval_suites")[0]["args"]["projectPath"], PROJECT);
    // Leave nothing out, repeat once, three at once.
    let concurrency = page.one("#eval-concurrency");
    js_sys::Reflect::set(&concurrency, &"value".into(), &"3".into()).expect("value");
    concurrency
        .dispatch_event(&web_sys::Event::new("change").expect("event"))
        .expect("dispatch");
    page.click("#eval-run");
    until("eval_start", || calls_of("eval_start").len() == 1).await;
    let request = &calls_of("eval_start")[0]["args"]["request"];
    assert_eq!(
        *request,
        json!({"suitePath": "/work/shop/triage.eval.yaml", "variants": ["flow", "agent"],
               "repeat": 1, "concurrency": 3})
    );
    assert_eq!(
        page.one("#eval-status")
            .get_attribute("data-state")
            .as_deref(),
        Some("running")
    );

    send(
        &json!({"kind": "started", "evaluationId": "eval-1", "suite": "triage",
        "variants": [{"name": "flow", "kind": "flow"}, {"name": "agent", "kind": "agent"}],
        "cases": ["refund", "password"], "repeats": 1, "total": 4}),
    );
    until("the grid", || page.all(".eval-cell").len() == 4).await;
    assert!(page
        .all(".eval-cell")
        .iter()
        .all(|c| c.get_attribute("data-state").as_deref() == Some("pending")));
    let results = [
        result("refund", "flow", true, "run-1"),
        result("refund", "agent", false, "run-2"),
        result("password", "flow", true, "run-3"),
        result("password", "agent", true, "run-4"),
    ];
    send(&json!({"kind": "caseFinished", "result": results[1]}));
    let cell = r#".eval-cell[data-case="refund"][data-variant="agent"]"#;
    until("a failed cell", || {
        page.one(cell).get_attribute("data-state").as_deref() == Some("fail")
    })
    .await;
    assert_eq!(
        page.text(r#".eval-count[data-variant="agent"]"#),
        "agent 1/2 done, 0 passed"
    );
    assert_eq!(page.text("#eval-status"), "1 of 4 cases done…");
    for r in [&results[0], &results[2], &results[3]] {
        send(&json!({"kind": "caseFinished", "result": r}));
    }
    until("every cell", || {
        page.all(r#".eval-cell[data-state="pending"]"#).is_empty()
    })
    .await;

    let variants = ["flow", "agent"].map(|name| VariantName {
        name: name.into(),
        kind: name.into(),
    });
    let report = Report::new("triage", &variants, results.to_vec());
    let choice = report
        .recommendation
        .clone()
        .expect("a recommendation")
        .choice;
    send(&json!({"kind": "finished", "report": report, "judgeCostUsd": 0.0}));
    page.until_shown("#eval-recommendation", "the report").await;
    assert_eq!(
        page.one("#eval-status")
            .get_attribute("data-state")
            .as_deref(),
        Some("finished")
    );
    assert_eq!(choice, "flow");
    assert!(page
        .text("#eval-recommendation")
        .contains("Recommendation: flow"));
    assert_eq!(page.all("#eval-metrics tbody tr").len(), 2);
    assert!(page
        .text(r#"#eval-metrics tr[data-variant="agent"] .eval-pass-rate"#)
        .starts_with("50% ("));
    assert_eq!(page.all(".eval-case").len(), 4);
    // A model's output is text, never markup.
    assert!(page.all(".eval-output b").is_empty());
    assert!(page.text(".eval-output").contains("<b>answer</b>"));

    // Open the first case's run: the recorded run is asked for and painted on the canvas.
    page.click(r#".eval-case[data-case="refund"][data-variant="flow"] .eval-open"#);
    until("run_get", || !calls_of("run_get").is_empty()).await;
    assert_eq!(calls_of("run_get")[0]["args"]["runId"], "run-1");
    until("the run on the canvas", || {
        page.all("g.node")
            .iter()
            .any(|n| n.get_attribute("data-run").as_deref() == Some("done"))
    })
    .await;
    // A grid cell opens its run too.
    page.click(&format!("{cell} button"));
    until("the second run_get", || calls_of("run_get").len() == 2).await;
    assert_eq!(calls_of("run_get")[1]["args"]["runId"], "run-2");
}

#[wasm_bindgen_test]
async fn an_evaluation_is_cancelled_and_unticked_variants_are_left_out() {
    let page = saved_page().await;
    open_evaluate(&page).await;
    page.click(r#".eval-variant[data-variant="agent"] input"#);
    page.click("#eval-run");
    until("eval_start", || calls_of("eval_start").len() == 1).await;
    assert_eq!(
        calls_of("eval_start")[0]["args"]["request"]["variants"],
        json!(["flow"])
    );
    send(
        &json!({"kind": "started", "evaluationId": "eval-1", "suite": "triage",
        "variants": [{"name": "flow", "kind": "flow"}], "cases": ["refund", "password"],
        "repeats": 1, "total": 2}),
    );
    until("the grid", || page.all(".eval-cell").len() == 2).await;
    page.click("#eval-cancel");
    until("eval_cancel", || calls_of("eval_cancel").len() == 1).await;
    assert_eq!(calls_of("eval_cancel")[0]["args"]["evaluationId"], "eval-1");
    send(&json!({"kind": "cancelled", "done": 0, "total": 2}));
    until("cancelled", || {
        page.one("#eval-status")
            .get_attribute("data-state")
            .as_deref()
            == Some("cancelled")
    })
    .await;
    assert_eq!(
        page.text("#eval-message"),
        "Cancelled: 0 of 2 cases had finished."
    );
    // Every variant unticked: nothing is asked of the shell.
    page.click(r#".eval-variant[data-variant="flow"] input"#);
    page.click("#eval-run");
    until("the message", || {
        page.text("#eval-message") == "Tick at least one variant."
    })
    .await;
    assert_eq!(calls_of("eval_start").len(), 1);
}

#[wasm_bindgen_test]
async fn a_project_never_saved_is_told_where_suites_live() {
    let page = Page::open().await;
    page.click("#tab-evaluate");
    until("the hint", || {
        page.text("#eval-hint")
            .starts_with("Save the project to evaluate it")
    })
    .await;
}
