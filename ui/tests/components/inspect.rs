//! Component tests of inspecting a run: the inspector's Run section (outputs, Copy, the
//! per-item picker, agent steps), the timeline, the raw event list of a 10,000-event run, the
//! runs history (open repaints the canvas) and comparing two runs.
//!
//! The runs are real: `runs/*.jsonl` are `strata run --json` of the templates with their
//! replay files (`batch-summaries` with sample `two`; `support-triage` with sample `billing`
//! and its answers file), served by the stubbed shell's `runs_list` and `run_get`.

use super::*;
use serde_json::json;

const BATCH_RUN: &str = include_str!("runs/batch-summaries.jsonl");
const BILLING_RUN: &str = include_str!("runs/support-triage-billing.jsonl");
const BATCH_TEMPLATE: &str = include_str!("../../../templates/batch-summaries.strata.json");

fn events_of(lines: &str) -> Vec<Value> {
    lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event line"))
        .collect()
}

/// A recorded run as `run_get` gives it.
fn recorded(id: &str, flow: &str, events: Vec<Value>) -> Value {
    json!({
        "listing": {"runId": id, "flow": flow, "status": "succeeded", "provider": "replay",
                    "startedAtMs": 1_796_340_064_951u64, "durationMs": 81, "inputTokens": 43,
                    "outputTokens": 2, "costUsd": 0.0000115},
        "inputs": {},
        "events": events,
    })
}

/// The stubbed shell lists `runs` (newest first) and gives each by its id.
fn install_runs(runs: &[Value]) {
    let listings: Vec<Value> = runs.iter().map(|r| r["listing"].clone()).collect();
    let by_id: serde_json::Map<String, Value> = runs
        .iter()
        .map(|r| {
            (
                r["listing"]["runId"].as_str().expect("id").to_owned(),
                r.clone(),
            )
        })
        .collect();
    js_sys::eval(&format!(
        "window.__STUB__.runs_list = {listings}; window.__RUNS__ = {runs};",
        listings = Value::Array(listings),
        runs = Value::Object(by_id),
    ))
    .expect("the runs stub installs");
    super::intercept(
        "run_get",
        r#"if (!(args.runId in window.__RUNS__)) throw { code: "notFound", message: "no run " + args.runId };
           return window.__RUNS__[args.runId];"#,
    );
}

/// An editor page with the batch-summaries template (an Iterator) instead of support-triage.
async fn batch_page() -> Page {
    install_shell_stub();
    js_sys::eval(&format!(
        "window.__STUB__.new_from_template = {};",
        json!({"path": null, "text": BATCH_TEMPLATE})
    ))
    .expect("stub");
    Page::mount_new().await
}

/// Opens the panel tab `id` (timeline, events, runs) unless it is open.
async fn open_tab(page: &Page, id: &str) {
    if !page
        .one(&format!("#tab-{id}"))
        .class_list()
        .contains("open")
    {
        page.click(&format!("#tab-{id}"));
    }
    let panel = match id {
        "timeline" => "#timeline, #timeline-empty",
        "events" => "#event-list",
        _ => "#runs-history",
    };
    page.until_shown(panel, "the panel").await;
}

/// Opens run `id` from the Runs panel and waits for the canvas to show it.
async fn open_run(page: &Page, id: &str) {
    open_tab(page, "runs").await;
    let row = format!(r#".run-row[data-run="{id}"] .run-open"#);
    page.until_shown(&row, "the run's row").await;
    page.click(&row);
    until("the run on the canvas", || {
        page.all("g.node")
            .iter()
            .any(|n| n.get_attribute("data-run").as_deref() == Some("done"))
    })
    .await;
}

/// Selects `node` by its timeline row.
async fn select(page: &Page, node: &str) {
    open_tab(page, "timeline").await;
    let row = format!(r#".tl-row[data-node="{node}"]"#);
    page.until_shown(&row, "the node's timeline row").await;
    page.click(&row);
    until("the node selected", || {
        !page
            .all(&format!(r#"g.node.selected[data-node="{node}"]"#))
            .is_empty()
    })
    .await;
}

fn run_state(page: &Page, node: &str) -> String {
    page.all(&format!(r#"g.node[data-node="{node}"]"#))
        .first()
        .and_then(|n| n.get_attribute("data-run"))
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn the_inspector_shows_a_selected_node_s_run_copies_it_and_shows_agent_steps() {
    let page = Page::open().await;
    install_runs(&[recorded("run-b", "triage", events_of(BILLING_RUN))]);
    open_run(&page, "run-b").await;
    select(&page, "Classify").await;
    until("Classify's outputs", || {
        page.text("#node-run .node-run-outputs pre.json")
            .contains(r#""modelCompletion": "BILLING""#)
    })
    .await;
    assert!(page
        .text("#node-run .node-run-inputs pre.json")
        .contains("I was charged twice for order A-1001"));
    // A top-level node has no picker.
    assert!(page.all("#pass-picker").is_empty());

    // Copy puts the JSON shown on the clipboard.
    js_sys::eval(
        r#"Object.defineProperty(navigator, "clipboard", { configurable: true,
             value: { writeText: async (t) => { window.__COPIED__ = t; } } });"#,
    )
    .expect("clipboard stub");
    page.click("#node-run .node-run-outputs .copy");
    until("the copy", || {
        js_sys::eval("window.__COPIED__")
            .ok()
            .and_then(|v| v.as_string())
            .is_some_and(|t| t == page.text("#node-run .node-run-outputs pre.json"))
    })
    .await;
    until("Copied", || {
        page.text("#node-run .node-run-outputs .copy") == "Copied"
    })
    .await;

    // The Agent node's steps read as rows.
    select(&page, "Billing").await;
    page.until_shown("#agent-steps li", "the agent's steps")
        .await;
    let kinds: Vec<String> = page.attrs("#agent-steps li", "data-kind");
    for kind in [
        "rationale",
        "action-call",
        "action-result",
        "guardrail",
        "model-call",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    let calls: Vec<String> = page
        .all(r#"#agent-steps li[data-kind="action-call"]"#)
        .iter()
        .map(|l| l.text_content().unwrap_or_default())
        .collect();
    assert!(calls[0].contains("called orders.lookupOrder"), "{calls:?}");
    assert!(calls[0].contains("orderId = A-1001"), "{calls:?}");
    assert!(page
        .text("#node-run .node-run-outputs pre.json")
        .contains("refunded"));
}

#[wasm_bindgen_test]
async fn text_from_a_run_is_shown_as_text_never_as_markup() {
    let page = Page::open().await;
    let run = BILLING_RUN.replace(
        r#""document":"BILLING""#,
        r#""document":"<img id=\"injected\" src=\"x\"><b>BILLING</b>""#,
    );
    install_runs(&[recorded("run-x", "triage", events_of(&run))]);
    open_run(&page, "run-x").await;
    select(&page, "Classify").await;
    until("the outputs", || {
        page.text("#node-run .node-run-outputs pre.json")
            .contains("<b>BILLING</b>")
    })
    .await;
    open_tab(&page, "events").await;
    page.until_shown("li.event", "the events").await;
    assert!(page.all("#injected").is_empty());
    assert!(page.all(".inspector b, #event-list b").is_empty());
}

#[wasm_bindgen_test]
async fn an_iterator_s_node_has_a_picker_per_item() {
    let page = batch_page().await;
    install_runs(&[recorded("run-1", "summaries", events_of(BATCH_RUN))]);
    open_run(&page, "run-1").await;
    select(&page, "Summarise").await;
    page.until_shown("#pass-picker", "the picker").await;
    let options: Vec<String> = page
        .all("#pass-picker option")
        .iter()
        .map(|o| o.text_content().unwrap_or_default())
        .collect();
    assert_eq!(
        options,
        ["item 0 of EachDocument", "item 1 of EachDocument"]
    );
    let outputs = || page.text("#node-run .node-run-outputs pre.json");
    let inputs = || page.text("#node-run .node-run-inputs pre.json");
    // The last item shows first.
    until("item 1", || {
        outputs().contains("Flows follow a fixed graph")
    })
    .await;
    assert!(inputs().contains("Flows are deterministic graphs"));
    let picker = page.one("#pass-picker");
    picker
        .dyn_ref::<web_sys::HtmlSelectElement>()
        .expect("a select")
        .set_value("0");
    picker
        .dispatch_event(&web_sys::Event::new("change").expect("event"))
        .expect("dispatch");
    until("item 0", || {
        outputs().contains("Strata is a tool for drawing")
    })
    .await;
    assert!(inputs().contains("Strata draws Bedrock flows."));
}

#[wasm_bindgen_test]
async fn the_timeline_has_one_row_per_node_with_its_model_calls() {
    let page = batch_page().await;
    install_runs(&[recorded("run-1", "summaries", events_of(BATCH_RUN))]);
    open_run(&page, "run-1").await;
    open_tab(&page, "timeline").await;
    until("the rows", || page.all(".tl-row").len() == 5).await;
    let mut rows: Vec<String> = page.attrs(".tl-row", "data-node");
    rows.sort();
    let mut nodes = page.node_names();
    nodes.sort();
    assert_eq!(rows, nodes);
    // Every node ran to its end; the Prompt inside the Iterator made two model calls.
    for row in page.all(".tl-row") {
        assert_eq!(row.get_attribute("data-status").as_deref(), Some("done"));
    }
    assert_eq!(
        page.all(r#".tl-row[data-node="Summarise"] .tl-call"#).len(),
        2
    );
    assert!(page
        .all(r#".tl-row[data-node="FlowInput"] .tl-call"#)
        .is_empty());
}

/// A run of 10,000 events: the Input, then 3,332 items of three events each through the
/// Prompt inside the Iterator, and the end.
fn ten_thousand_events() -> Vec<Value> {
    let mut events = vec![
        json!({"event": "runStarted", "atMs": 0, "runId": "run-big", "flow": "summaries", "inputs": {}}),
        json!({"event": "nodeStarted", "atMs": 0, "node": "FlowInput"}),
        json!({"event": "nodeOutput", "atMs": 0, "node": "FlowInput", "fields": []}),
    ];
    for i in 0..3332u64 {
        let chain = json!([{"nodeName": "EachDocument", "index": i, "type": "Iterator"}]);
        events.push(json!({"event": "nodeStarted", "atMs": i, "node": "Summarise", "executionChain": chain}));
        events.push(json!({"event": "nodeInput", "atMs": i, "node": "Summarise", "executionChain": chain,
            "fields": [{"nodeInputName": "document", "content": {"document": format!("doc {i}")}, "type": "String",
                        "source": {"nodeName": "EachDocument", "outputFieldName": "arrayItem", "expression": "$.data"}}]}));
        events.push(json!({"event": "nodeOutput", "atMs": i + 1, "node": "Summarise", "executionChain": chain,
            "fields": [{"nodeOutputName": "modelCompletion", "content": {"document": format!("summary {i}")}, "next": []}]}));
    }
    events.push(
        json!({"event": "runFinished", "atMs": 3333, "status": "succeeded", "outputs": [],
        "usage": {"inputTokens": 0, "outputTokens": 0}, "durationMs": 3333}),
    );
    assert_eq!(events.len(), 10_000);
    events
}

#[wasm_bindgen_test]
async fn a_10000_event_run_keeps_the_raw_list_to_one_page_of_rows() {
    let page = batch_page().await;
    install_runs(&[recorded("run-big", "summaries", ten_thousand_events())]);
    open_run(&page, "run-big").await;
    open_tab(&page, "events").await;
    until("the newest page", || {
        page.text("#events-page") == "page 50 of 50 · 10000 events"
    })
    .await;
    let indices = |page: &Page| -> Vec<usize> {
        page.all("li.event")
            .iter()
            .filter_map(|e| e.get_attribute("data-index")?.parse().ok())
            .collect()
    };
    // The newest page: the last 200 events, whose last is the run's end.
    let shown = indices(&page);
    assert_eq!(shown.len(), 200);
    assert_eq!(shown.last(), Some(&9999));
    assert!(page.text(r#"li.event[data-index="9999"] .event-kind"#) == "runFinished");
    page.click("#events-first");
    until("the first page", || indices(&page).first() == Some(&0)).await;
    assert_eq!(indices(&page).len(), 200);
    // A row opens to its whole JSON, in the trace vocabulary.
    page.click(r#"li.event[data-index="1"]"#);
    until("the row's JSON", || {
        page.text(r#"li.event[data-index="1"] pre.json"#)
            .contains(r#""event": "nodeStarted""#)
    })
    .await;
    // Only the selected node's events: 3 per item.
    select(&page, "Summarise").await;
    open_tab(&page, "events").await;
    page.click("#events-only-selected");
    until("the node's events", || {
        page.text("#events-page") == "page 50 of 50 · 9996 events"
    })
    .await;
    assert!(page.all("li.event").len() <= 200);
    // 3,332 items are picked by number, not from a list of 3,332 options.
    assert!(page.all("#pass-picker").is_empty());
    page.until_shown("#pass-number", "the number picker").await;
    until("the last item", || {
        page.text("#node-run .node-run-outputs pre.json")
            .contains("summary 3331")
    })
    .await;
    type_into(&page.one("#pass-number"), "8", true);
    until("item 7", || {
        page.text("#node-run .node-run-outputs pre.json")
            .contains("summary 7")
    })
    .await;
    assert_eq!(page.text(".pass-label"), "item 7 of EachDocument");
}

#[wasm_bindgen_test]
async fn the_runs_list_comes_from_the_shell_and_opening_one_repaints_the_canvas() {
    let page = Page::open().await;
    let mut failed = recorded("run-a", "triage", vec![]);
    failed["listing"]["status"] = json!("failed");
    failed["listing"]["costUsd"] = Value::Null;
    install_runs(&[
        recorded("run-c", "retired", events_of(BILLING_RUN)),
        recorded("run-b", "triage", events_of(BILLING_RUN)),
        failed,
    ]);
    // Nothing painted before a run is opened.
    assert_eq!(run_state(&page, "Classify"), "");
    open_tab(&page, "runs").await;
    until("three rows", || page.all(".run-row").len() == 3).await;
    let asked = calls()
        .into_iter()
        .find(|c| c["cmd"] == "runs_list")
        .expect("runs_list called");
    assert_eq!(asked["args"]["projectName"], "support-triage");
    let columns = [
        ("status", "succeeded"),
        ("flow", "triage"),
        ("start", "2026-12-03 23:21:04"),
        ("duration", "81 ms"),
        ("tokens", "45"),
        ("cost", "$0.0000"),
    ];
    for (column, shown) in columns {
        let cell = format!(r#".run-row[data-run="run-b"] .run-{column}"#);
        assert_eq!(page.text(&cell), shown, "{column}");
    }
    assert_eq!(page.text(r#".run-row[data-run="run-a"] .run-cost"#), "–");
    open_run(&page, "run-b").await;
    for node in ["FlowInput", "Classify", "Route", "Billing", "BillingReply"] {
        assert_eq!(run_state(&page, node), "done", "{node}");
    }
    for node in ["DocsAnswer", "BugReply", "OtherReply"] {
        assert_eq!(run_state(&page, node), "skipped", "{node}");
    }
    assert!(calls()
        .iter()
        .any(|c| c["cmd"] == "run_get" && c["args"]["runId"] == "run-b"));
    // A run the store no longer has says so.
    js_sys::eval(r#"delete window.__RUNS__["run-a"];"#).expect("stub");
    page.click(r#".run-row[data-run="run-a"] .run-open"#);
    until("the error", || page.text("#runs-error") == "no run run-a").await;
    // A run of a flow the project no longer has still opens, and says so.
    page.click(r#".run-row[data-run="run-c"] .run-open"#);
    until("the missing flow", || {
        page.text("#runs-error")
            .starts_with(r#"This project has no flow named "retired" now"#)
    })
    .await;
}

#[wasm_bindgen_test]
async fn comparing_two_runs_shows_the_nodes_whose_outputs_differ_side_by_side() {
    let page = batch_page().await;
    let changed = BATCH_RUN.replace("Flows follow a fixed graph", "Flows follow a CHANGED graph");
    install_runs(&[
        recorded("run-2", "summaries", events_of(&changed)),
        recorded("run-1", "summaries", events_of(BATCH_RUN)),
    ]);
    open_tab(&page, "runs").await;
    until("two rows", || page.all(".run-tick").len() == 2).await;
    assert!(page
        .one("#runs-compare")
        .get_attribute("disabled")
        .is_some());
    page.click(r#".run-row[data-run="run-1"] .run-tick"#);
    page.click(r#".run-row[data-run="run-2"] .run-tick"#);
    until("Compare enabled", || {
        page.one("#runs-compare")
            .get_attribute("disabled")
            .is_none()
    })
    .await;
    page.click("#runs-compare");
    page.until_shown("#comparison", "the comparison").await;
    let differing: Vec<String> = page.attrs("#comparison tr.diff", "data-node");
    assert_eq!(differing, ["Summarise", "Gather", "FlowOutput"]);
    assert_eq!(
        page.text(".comparison-summary"),
        "3 node(s) differ; 2 produced the same outputs."
    );
    let left = page.text(r#"tr.diff[data-node="Summarise"] .diff-left"#);
    let right = page.text(r#"tr.diff[data-node="Summarise"] .diff-right"#);
    assert!(
        left.contains("fixed graph") && !left.contains("CHANGED"),
        "{left}"
    );
    assert!(right.contains("CHANGED graph"), "{right}");
    assert!(left.contains("item 1 of EachDocument"), "{left}");
}
