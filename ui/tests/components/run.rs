//! Component tests of the run panel and the live canvas: the request the page sends to
//! `run_start`, a typed input refused before any call, a run's messages painting the nodes,
//! connections and totals, and a burst of 10,000 events applied in a few view updates.

use super::events::{keydown, send};
use super::*;
use serde_json::json;

/// The stub's `Channel` class (each channel kept in order), and a run id for `run_start`.
fn install_channel_stub() {
    super::events::install_channel_stub();
    js_sys::eval(r#"window.__STUB__.run_start = "run-7";"#).expect("the run stub installs");
}

fn set(page: &Page, selector: &str, value: &str, event: &str) {
    let el = page.one(selector);
    js_sys::Reflect::set(&el, &"value".into(), &value.into()).expect("value");
    el.dispatch_event(&web_sys::Event::new(event).expect("event"))
        .expect("dispatch");
}

fn press(key: &str) {
    web_sys::window()
        .expect("window")
        .dispatch_event(&keydown(key, false))
        .expect("dispatch");
}

fn run_starts() -> Vec<Value> {
    calls()
        .into_iter()
        .filter(|c| c["cmd"] == "run_start")
        .collect()
}

fn attr(page: &Page, selector: &str, name: &str) -> Option<String> {
    page.all(selector)
        .first()
        .and_then(|e| e.get_attribute(name))
}

fn node_state(page: &Page, node: &str) -> Option<String> {
    attr(page, &format!(r#"g.node[data-node="{node}"]"#), "data-run")
}

/// A page with a run started from the billing sample, its channel open.
async fn started() -> Page {
    let page = Page::open().await;
    install_channel_stub();
    set(&page, "#run-input", "billing", "change");
    press("F5");
    until("run_start", || run_starts().len() == 1).await;
    page
}

#[wasm_bindgen_test]
async fn the_run_panel_starts_a_run_with_the_request_the_host_expects() {
    let page = Page::open().await;
    install_channel_stub();
    set(&page, "#run-input", "billing", "change");
    set(&page, "#run-concurrency", "4", "change");
    set(&page, "#run-timeout", "30", "change");
    set(&page, "#run-record", "replays/new.yaml", "change");
    assert_eq!(
        page.one("#run-replay")
            .dyn_into::<web_sys::HtmlInputElement>()
            .expect("input")
            .value(),
        "replays/triage.yaml",
        "the replay defaults to where the templates keep theirs"
    );
    page.click("#run");
    until("run_start", || run_starts().len() == 1).await;
    let args = &run_starts()[0]["args"];
    assert_eq!(
        args["request"],
        json!({
            "flow": "triage",
            "input": {"kind": "sample", "name": "billing"},
            "provider": {"kind": "replay", "path": "replays/triage.yaml"},
            "iteratorConcurrency": 4,
            "timeoutSecs": 30,
            "record": "replays/new.yaml",
            "debug": {}
        })
    );
    assert_eq!(args["onMessage"], "__CHANNEL__:0");
    assert_eq!(args["projectPath"], Value::Null);
    let sent = strata::model::load(args["projectText"].as_str().expect("text"), "t")
        .expect("the project text loads");
    assert_eq!(sent.project.flows[0].name, "triage");
    until("the Cancel button", || {
        page.one("#run-cancel").get_attribute("disabled").is_none()
    })
    .await;
    // Esc cancels the live run by its id.
    send(&json!([{"kind": "started", "runId": "run-7", "provider": "replay"}]));
    until("the run id", || {
        press("Escape");
        calls()
            .iter()
            .any(|c| c["cmd"] == "run_cancel" && c["args"]["runId"] == "run-7")
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_typed_input_of_the_wrong_type_is_refused_before_any_call() {
    let page = Page::open().await;
    install_channel_stub();
    // The flow's first sample is proposed; the typed document is chosen.
    assert_eq!(page.select("#run-input").value(), "billing");
    set(&page, "#run-input", "", "change");
    page.until_shown("#run-document", "the typed document's field")
        .await;
    set(&page, "#run-document", r#""just text""#, "input");
    page.click("#run");
    until("the inline error", || {
        page.all("#run-form-error").first().is_some_and(|e| {
            e.text_content().unwrap_or_default()
                == "node FlowInput: output document is declared Object but the input is String"
        })
    })
    .await;
    set(&page, "#run-document", "{not json", "input");
    page.click("#run");
    until("the JSON error", || {
        page.all("#run-form-error").first().is_some_and(|e| {
            e.text_content()
                .unwrap_or_default()
                .starts_with("the input is not JSON")
        })
    })
    .await;
    assert!(run_starts().is_empty(), "{:?}", calls());
    // A document of the right type goes.
    set(&page, "#run-document", r#"{"message": "hi"}"#, "input");
    page.click("#run");
    until("run_start", || run_starts().len() == 1).await;
    assert_eq!(
        run_starts()[0]["args"]["request"]["input"],
        json!({"kind": "document", "document": {"message": "hi"}})
    );
    assert!(page.all("#run-form-error").is_empty());
}

#[wasm_bindgen_test]
async fn a_run_s_messages_paint_the_nodes_the_connections_and_the_totals() {
    let page = started().await;
    let haiku = "anthropic.claude-3-haiku-20240307-v1:0";
    send(&json!([
        {"kind": "started", "runId": "run-7", "provider": "replay"},
        {"kind": "events", "events": [
            json!({"event": "runStarted", "atMs": 0, "runId": "run-7", "flow": "triage", "inputs": {}}),
            json!({"event": "nodeStarted", "atMs": 0, "node": "FlowInput"}),
            json!({"event": "nodeOutput", "atMs": 1, "node": "FlowInput", "fields": [
                {"nodeOutputName": "document", "content": {"document": {}},
                 "next": [{"nodeName": "Classify", "inputFieldName": "message"}]}]}),
            json!({"event": "nodeStarted", "atMs": 2, "node": "Classify"}),
            json!({"event": "nodeAction", "atMs": 400, "node": "Classify",
                "serviceName": "bedrock-runtime", "operationName": "Converse",
                "request": {"modelId": haiku}, "response": {},
                "usage": {"inputTokens": 1000, "outputTokens": 1000}, "latencyMs": 398}),
            json!({"event": "nodeOutput", "atMs": 402, "node": "Classify", "fields": [
                {"nodeOutputName": "modelCompletion", "content": {"document": "BILLING"},
                 "next": [{"nodeName": "Route", "inputFieldName": "kind"}]}]}),
        ]},
    ]));
    until("Classify done", || {
        node_state(&page, "Classify").as_deref() == Some("done")
    })
    .await;
    assert_eq!(node_state(&page, "Billing"), Some("waiting".to_owned()));
    assert_eq!(
        attr(&page, "#run-totals", "data-state").as_deref(),
        Some("running")
    );
    send(&json!([
        {"kind": "events", "events": [
            {"event": "nodeStarted", "atMs": 403, "node": "Route"},
            {"event": "conditionResult", "atMs": 404, "node": "Route", "satisfiedConditions": ["isBilling"]},
            {"event": "nodeSkipped", "atMs": 404, "node": "DocsAnswer", "reason": "Route.isBug was not chosen (Route chose isBilling)"},
            {"event": "nodeSkipped", "atMs": 404, "node": "OtherReply", "reason": "Route.default was not chosen (Route chose isBilling)"},
            {"event": "nodeStarted", "atMs": 405, "node": "Billing"},
            {"event": "nodeFailed", "atMs": 900, "node": "Billing",
             "error": "node Billing: the handler crashed; check handlers/billing.py"},
            {"event": "runFinished", "atMs": 901, "status": "failed", "outputs": [],
             "usage": {"inputTokens": 1000, "outputTokens": 1000}, "durationMs": 901},
        ]},
        {"kind": "finished", "result": {"runId": "run-7", "status": "failed", "outputs": [],
            "usage": {"inputTokens": 1000, "outputTokens": 1000}, "durationMs": 901,
            "costUsd": 0.0015, "priceSource": "built-in table (us-east-1 on-demand)"}},
    ]));
    until("the run to end", || {
        attr(&page, "#run-totals", "data-state").as_deref() == Some("failed")
    })
    .await;
    assert_eq!(node_state(&page, "FlowInput").as_deref(), Some("done"));
    assert_eq!(node_state(&page, "Route").as_deref(), Some("done"));
    assert_eq!(node_state(&page, "Billing").as_deref(), Some("failed"));
    assert_eq!(node_state(&page, "DocsAnswer").as_deref(), Some("skipped"));
    let failed = page.one(r#"g.node[data-node="Billing"] .run-badge"#);
    let text = failed.text_content().unwrap_or_default();
    assert!(text.contains("node Billing: the handler crashed"), "{text}");
    assert!(
        text.contains("check handlers/billing.py"),
        "the hint: {text}"
    );
    let skipped = page.one(r#"g.node[data-node="DocsAnswer"] .run-badge title"#);
    assert_eq!(
        skipped.text_content().unwrap_or_default(),
        "Route.isBug was not chosen (Route chose isBilling)"
    );
    let classify = page
        .one(r#"g.node[data-node="Classify"] .run-badge"#)
        .text_content()
        .unwrap_or_default();
    assert!(
        classify.contains("400 ms")
            && classify.contains("2000 tok")
            && classify.contains("$0.0015"),
        "{classify}"
    );
    let mark = |name: &str| {
        attr(
            &page,
            &format!(r#"path.connection[data-connection="{name}"]"#),
            "data-run",
        )
    };
    assert_eq!(mark("RouteIsBillingToBilling").as_deref(), Some("fired"));
    assert_eq!(mark("RouteIsBugToDocsAnswer"), None);
    assert_eq!(mark("ClassifyToRouteKind").as_deref(), Some("carried"));
    assert_eq!(
        mark("FlowInputToClassifyMessage").as_deref(),
        Some("carried")
    );
    assert_eq!(mark("FlowInputToDocsAnswerRetrievalQuery"), None);
    let totals = page.one("#run-totals").text_content().unwrap_or_default();
    assert_eq!(
        totals,
        "failed 901 ms · 1000 in / 1000 out tokens · $0.0015 · prices: built-in table (us-east-1 on-demand)"
    );
    assert!(page.one("#run-cancel").get_attribute("disabled").is_some());
}

#[wasm_bindgen_test]
async fn a_burst_of_ten_thousand_events_is_applied_in_a_few_view_updates() {
    let page = started().await;
    // 100 messages of 100 events each, as an Iterator of 5,000 items says them, then the end.
    let mut messages = vec![json!({"kind": "started", "runId": "run-7", "provider": "replay"})];
    let mut events = vec![];
    for i in 0..5_000u64 {
        events.push(
            json!({"event": "nodeStarted", "atMs": i, "node": "Classify",
            "executionChain": [{"nodeName": "Items", "index": i, "type": "Iterator"}]}),
        );
        events.push(
            json!({"event": "nodeOutput", "atMs": i + 1, "node": "Classify", "fields": [
            {"nodeOutputName": "modelCompletion", "content": {"document": "x"},
             "next": [{"nodeName": "Route", "inputFieldName": "kind"}]}]}),
        );
    }
    for chunk in events.chunks(100) {
        messages.push(json!({"kind": "events", "events": chunk}));
    }
    messages.push(json!({"kind": "events", "events": [
        {"event": "runFinished", "atMs": 5001, "status": "succeeded", "outputs": [],
         "usage": {"inputTokens": 0, "outputTokens": 0}, "durationMs": 5001}]}));
    messages.push(
        json!({"kind": "finished", "result": {"runId": "run-7", "status": "succeeded",
        "outputs": [], "usage": {"inputTokens": 0, "outputTokens": 0}, "durationMs": 5001,
        "costUsd": 0.0, "priceSource": "built-in table (us-east-1 on-demand)"}}),
    );
    assert_eq!(messages.len(), 103);
    send(&Value::Array(messages));
    until("the run to end", || {
        attr(&page, "#run-totals", "data-state").as_deref() == Some("succeeded")
    })
    .await;
    assert_eq!(
        attr(&page, "#run-totals", "data-events").as_deref(),
        Some("10001")
    );
    let updates: u64 = attr(&page, "#run-totals", "data-updates")
        .and_then(|u| u.parse().ok())
        .expect("the update count");
    assert!(
        (1..=3).contains(&updates),
        "103 messages sent in one burst took {updates} view updates"
    );
    assert_eq!(node_state(&page, "Classify").as_deref(), Some("done"));
    let badge = page
        .one(r#"g.node[data-node="Classify"] .run-badge"#)
        .text_content()
        .unwrap_or_default();
    assert!(badge.contains("×5000"), "{badge}");
    assert_eq!(
        attr(
            &page,
            r#"path.connection[data-connection="ClassifyToRouteKind"]"#,
            "data-run"
        )
        .as_deref(),
        Some("carried")
    );
}
