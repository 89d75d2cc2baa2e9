//! Component tests of the pause form, the debug controls and the agent chat panel: a run is
//! started against the stubbed shell, and what the shell would stream (a pause, the end of a
//! run, a chat turn) is sent on the channel the page gave it.

use super::files::choose;
use super::*;
use serde_json::json;
use strata::model::DataType;
use strata::providers::Usage;
use strata::session::protocol::{Pause, PauseKind, RunMessage, RunResultSummary};
use strata::trace::agent::{AgentTraceEvent, InvocationInput, Observation, Rationale, StepTrace};
use strata::trace::event::{Content, FlowOutputRecord, InputField, InputFieldSource};
use strata::trace::{RunEvent, RunStatus};

/// Gives the stub Tauri's `Channel` class: the page sets `onmessage`, a test calls it.
fn install_channel() {
    js_sys::eval(
        "window.__TAURI__.core.Channel = class { constructor() { this.onmessage = null; } };",
    )
    .expect("the channel class installs");
}

/// Sends `message` on the channel of the last `cmd` call, as the shell would.
fn deliver(cmd: &str, message: &RunMessage) {
    let text = serde_json::to_string(message).expect("json");
    js_sys::eval(&format!(
        "(() => {{ const c = window.__CALLS__.filter(c => c.cmd === {cmd:?}).pop(); c.args.onMessage.onmessage({text}); }})()"
    ))
    .expect("delivered");
}

fn calls_of(cmd: &str) -> Vec<Value> {
    calls().into_iter().filter(|c| c["cmd"] == cmd).collect()
}

/// The editor with a run of the `billing` sample started as `run_1`.
async fn page_with_a_run() -> Page {
    let page = Page::open().await;
    install_channel();
    js_sys::eval(r#"window.__STUB__.run_start = "run_1";"#).expect("stub");
    choose(&page.one("#run-input"), "billing");
    page.click("#run");
    until("run_start", || !calls_of("run_start").is_empty()).await;
    page
}

fn finished() -> RunMessage {
    RunMessage::Finished { result: summary() }
}

fn summary() -> RunResultSummary {
    RunResultSummary {
        run_id: "run_1".to_owned(),
        status: RunStatus::Succeeded,
        outputs: vec![],
        usage: Usage::default(),
        duration_ms: 5,
        cost_usd: Some(0.0),
        unpriced: vec![],
        price_source: "built-in prices".to_owned(),
        recorded_to: None,
    }
}

/// A control's `disabled` property (the page sets the property, not the attribute).
fn disabled(element: &Element) -> bool {
    js_sys::Reflect::get(element, &"disabled".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

fn text(page: &Page, selector: &str) -> String {
    page.one(selector).text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_confirmation_shows_its_action_exactly_and_approve_answers_it() {
    let page = page_with_a_run().await;
    let payload = json!({"invocationId": "inv-1", "invocationInputs": [
        {"functionInvocationInput": {"actionGroup": "orders", "actionInvocationType": "USER_CONFIRMATION",
          "agentId": "Support", "function": "refundOrder",
          "parameters": [{"name": "orderId", "type": "string", "value": "<b>A-1001</b>"},
                         {"name": "amount", "type": "number", "value": "12.50"}]}}]});
    deliver(
        "run_start",
        &RunMessage::Paused {
            pause: Pause {
                id: 4,
                node: "Support".to_owned(),
                kind: PauseKind::ReturnControl { payload },
            },
        },
    );
    page.until_shown("#pause-form", "the pause form").await;
    assert_eq!(text(&page, "#pause-form .group"), "orders");
    assert_eq!(text(&page, "#pause-form .operation"), "refundOrder");
    let rows: Vec<Vec<String>> = page
        .all("#pause-form tr.parameter")
        .iter()
        .map(|row| {
            ["name", "type", "value"]
                .iter()
                .map(|c| {
                    row.query_selector(&format!(".{c}"))
                        .ok()
                        .flatten()
                        .and_then(|e| e.text_content())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [
            ["orderId", "string", "<b>A-1001</b>"],
            ["amount", "number", "12.50"]
        ]
    );
    // The model's markup is text, not elements.
    assert!(page.all("#pause-form b").is_empty());
    page.click("#pause-form .approve");
    until("run_answer", || !calls_of("run_answer").is_empty()).await;
    let sent = &calls_of("run_answer")[0]["args"];
    assert_eq!(
        *sent,
        json!({"runId": "run_1", "pauseId": 4, "answer": {"kind": "results", "results": [
            {"functionResult": {"actionGroup": "orders", "function": "refundOrder", "confirmationState": "CONFIRM"}}
        ]}})
    );
    until("the form to close", || page.all("#pause-form").is_empty()).await;
}

#[wasm_bindgen_test]
async fn a_question_with_markup_shows_as_text_and_decline_answers_none() {
    let page = page_with_a_run().await;
    let question = "<img src=x onerror=\"window.__HIT__=1\">Which order?";
    deliver(
        "run_start",
        &RunMessage::Paused {
            pause: Pause {
                id: 2,
                node: "Support".to_owned(),
                kind: PauseKind::AskUser {
                    question: question.to_owned(),
                },
            },
        },
    );
    page.until_shown("#pause-question", "the question").await;
    assert_eq!(text(&page, "#pause-question"), question);
    assert!(page.all("#pause-form img").is_empty());
    page.click("#pause-decline");
    until("run_answer", || !calls_of("run_answer").is_empty()).await;
    assert_eq!(
        calls_of("run_answer")[0]["args"]["answer"],
        json!({"kind": "reply", "text": null})
    );
}

#[wasm_bindgen_test]
async fn a_breakpoint_sends_the_edited_inputs_and_refuses_a_wrong_type() {
    let page = page_with_a_run().await;
    let input = InputField {
        node_input_name: "message".into(),
        content: Content {
            document: json!("charged twice"),
        },
        data_type: DataType::String,
        source: InputFieldSource {
            node_name: "FlowInput".into(),
            output_field_name: "document".into(),
            expression: "$.data.message".into(),
        },
    };
    deliver(
        "run_start",
        &RunMessage::Paused {
            pause: Pause {
                id: 1,
                node: "Classify".to_owned(),
                kind: PauseKind::Breakpoint {
                    inputs: vec![input.clone()],
                },
            },
        },
    );
    page.until_shown(
        r#".pause-input[data-input="message"] textarea"#,
        "the breakpoint form",
    )
    .await;
    let field = page.one(r#".pause-input[data-input="message"] textarea"#);
    // Not JSON: an error on the field, nothing sent.
    type_into(&field, "charged once", false);
    page.click("#pause-continue");
    let field_error = || {
        page.all(".pause-input .field-error")
            .first()
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    };
    until("the JSON error", || field_error().contains("not JSON")).await;
    // JSON of the wrong type: refused too.
    type_into(&field, "42", false);
    page.click("#pause-continue");
    until("the type error", || {
        field_error().contains("expected String, got Number")
    })
    .await;
    assert!(calls_of("run_answer").is_empty());
    type_into(&field, r#""charged once""#, false);
    page.click("#pause-continue");
    until("run_answer", || !calls_of("run_answer").is_empty()).await;
    let mut edited = input;
    edited.content.document = json!("charged once");
    assert_eq!(
        calls_of("run_answer")[0]["args"],
        json!({"runId": "run_1", "pauseId": 1, "answer": {"kind": "continue",
               "inputs": [serde_json::to_value(&edited).expect("json")], "step": false}})
    );
}

/// Selects `node` through the find box.
async fn select(page: &Page, node: &str) {
    page.press_ctrl("f");
    page.until_shown("#find-input", "the find box").await;
    type_into(&page.one("#find-input"), node, false);
    let item = format!(r#"#find li[data-node="{node}"]"#);
    page.until_shown(&item, "the find list").await;
    mouse(&page.one(&item), "mousedown");
    let selected = format!(r#"g.node.selected[data-node="{node}"]"#);
    page.until_shown(&selected, "the node selected").await;
}

#[wasm_bindgen_test]
async fn run_from_here_sends_debug_from_with_the_breakpoints_and_pins() {
    let page = page_with_a_run().await;
    let output: RunEvent = serde_json::from_value(json!({"event": "nodeOutput", "atMs": 3,
        "node": "Classify", "fields": [{"nodeOutputName": "modelCompletion",
        "content": {"document": "billing"}, "next": []}]}))
    .expect("an event");
    deliver(
        "run_start",
        &RunMessage::Events {
            events: vec![output],
        },
    );
    deliver("run_start", &finished());
    select(&page, "Classify").await;
    until("run from here enabled", || {
        page.all("#debug-run-from")
            .first()
            .is_some_and(|b| !disabled(b))
    })
    .await;
    page.click("#debug-breakpoint");
    page.until_shown(
        r#"g.node[data-node="Classify"] .breakpoint-mark"#,
        "the breakpoint mark",
    )
    .await;
    // Pin the node's last output, then edit the pinned value.
    page.click("#debug-pin");
    let pin_value = || {
        page.all("#debug-pin-value")
            .first()
            .and_then(|e| {
                e.dyn_ref::<web_sys::HtmlTextAreaElement>()
                    .map(|t| t.value())
            })
            .unwrap_or_default()
    };
    until("the pinned output", || pin_value().contains("billing")).await;
    type_into(&page.one("#debug-pin-value"), "[1]", true);
    until("the pin's error", || {
        text(&page, "#debug-controls").contains("a pin is an object")
    })
    .await;
    type_into(
        &page.one("#debug-pin-value"),
        r#"{"modelCompletion": "refund"}"#,
        true,
    );
    page.until_shown(r#"g.node[data-node="Classify"] .pin-mark"#, "the pin mark")
        .await;
    page.click("#debug-run-from");
    until("a second run_start", || calls_of("run_start").len() == 2).await;
    let debug = &calls_of("run_start")[1]["args"]["request"]["debug"];
    assert_eq!(debug["from"], json!({"runId": "run_1", "node": "Classify"}));
    assert_eq!(debug["breakpoints"], json!(["Classify"]));
    assert_eq!(
        debug["pins"],
        json!({"Classify": {"modelCompletion": "refund"}})
    );
    // The project file is not touched: nothing was saved.
    assert!(calls_of("save").is_empty() && calls_of("save_as").is_empty());
}

#[wasm_bindgen_test]
async fn the_chat_panel_sends_a_message_and_shows_the_steps_and_the_reply() {
    let page = Page::open().await;
    install_channel();
    js_sys::eval(r#"window.__STUB__.chat_start = "chat_1";"#).expect("stub");
    page.one("#chat-panel")
        .set_attribute("open", "")
        .expect("open");
    type_into(
        &page.one("#chat-panel .provider-first"),
        "replays/support.yaml",
        false,
    );
    page.click("#chat-start");
    until("chat_start", || !calls_of("chat_start").is_empty()).await;
    let started = &calls_of("chat_start")[0]["args"];
    assert_eq!(
        started["provider"],
        json!({"kind": "replay", "path": "replays/support.yaml"})
    );
    assert!(started["agent"].as_str().is_some_and(|a| !a.is_empty()));
    until("the message field", || {
        page.all("#chat-message")
            .first()
            .is_some_and(|e| !disabled(e))
    })
    .await;
    type_into(&page.one("#chat-message"), "Refund order A-1001", false);
    page.click("#chat-send");
    until("chat_send", || !calls_of("chat_send").is_empty()).await;
    assert_eq!(calls_of("chat_send")[0]["args"]["chatId"], "chat_1");
    assert_eq!(
        calls_of("chat_send")[0]["args"]["text"],
        "Refund order A-1001"
    );
    let step = |trace| RunEvent::AgentTrace {
        at_ms: 1,
        node: "Support".into(),
        trace,
    };
    deliver(
        "chat_send",
        &RunMessage::Events {
            events: vec![
                step(AgentTraceEvent::OrchestrationTrace(StepTrace::Rationale(
                    Rationale {
                        trace_id: "t".to_owned(),
                        text: "Look the order up.".to_owned(),
                    },
                ))),
                step(AgentTraceEvent::OrchestrationTrace(
                    StepTrace::InvocationInput(InvocationInput {
                        trace_id: "t".to_owned(),
                        invocation_type: "ACTION_GROUP".to_owned(),
                        action_group_invocation_input: Some(json!({
                            "actionGroupName": "orders", "function": "lookup",
                            "parameters": [{"name": "orderId", "type": "string", "value": "A-1001"}]})),
                        knowledge_base_lookup_input: None,
                        agent_collaborator_invocation_input: None,
                    }),
                )),
                step(AgentTraceEvent::OrchestrationTrace(StepTrace::Observation(
                    Observation {
                        trace_id: "t".to_owned(),
                        observation_type: "ACTION_GROUP".to_owned(),
                        action_group_invocation_output: Some(json!({"text": "paid twice"})),
                        knowledge_base_lookup_output: None,
                        final_response: None,
                        reprompt_response: None,
                        agent_collaborator_invocation_output: None,
                    },
                ))),
            ],
        },
    );
    deliver(
        "chat_send",
        &RunMessage::Finished {
            result: RunResultSummary {
                outputs: vec![FlowOutputRecord {
                    node: "Support".to_owned(),
                    document: json!("Refunded <b>one</b> charge."),
                }],
                ..summary()
            },
        },
    );
    page.until_shown(".chat-row.agent", "the reply").await;
    let rows: Vec<(String, String)> = page
        .all(".chat-row")
        .iter()
        .map(|r| {
            (
                r.get_attribute("data-kind").unwrap_or_default(),
                r.text_content().unwrap_or_default(),
            )
        })
        .collect();
    let rows: Vec<(&str, &str)> = rows.iter().map(|(k, t)| (k.as_str(), t.as_str())).collect();
    assert_eq!(
        rows[1..],
        [
            ("you", "Refund order A-1001"),
            ("rationale", "thinking: Look the order up."),
            ("action-call", "called orders.lookup: orderId = A-1001"),
            ("action-result", "action result: paid twice"),
            ("agent", "Refunded <b>one</b> charge."),
        ]
    );
    assert_eq!(rows[0].0, "session");
    assert!(page.all(".chat-rows b").is_empty());
}

#[wasm_bindgen_test]
async fn return_of_control_takes_a_typed_result_and_asks_every_confirmation_first() {
    let page = page_with_a_run().await;
    let payload = json!({"invocationId": "inv-2", "invocationInputs": [
        {"apiInvocationInput": {"actionGroup": "crm", "actionInvocationType": "RESULT",
          "apiPath": "/customers/{id}", "httpMethod": "GET",
          "parameters": [{"name": "id", "type": "string", "value": "7"}]}},
        {"functionInvocationInput": {"actionGroup": "orders", "actionInvocationType": "USER_CONFIRMATION",
          "function": "refundOrder", "parameters": [{"name": "orderId", "type": "string", "value": "A-1"}]}}]});
    deliver(
        "run_start",
        &RunMessage::Paused {
            pause: Pause {
                id: 9,
                node: "Support".to_owned(),
                kind: PauseKind::ReturnControl { payload },
            },
        },
    );
    until("two actions", || page.all("#pause-form .action").len() == 2).await;
    assert_eq!(
        text(&page, r#"#pause-form .action[data-action="0"] .operation"#),
        "GET /customers/{id}"
    );
    type_into(
        &page.one(r#"#pause-form .action[data-action="0"] textarea"#),
        r#"{"name": "Ann"}"#,
        false,
    );
    // The refund is neither approved nor denied yet: nothing is sent.
    page.click("#pause-send");
    page.until_shown("#pause-error", "the message").await;
    assert!(text(&page, "#pause-error").contains("orders.refundOrder(orderId=A-1)"));
    assert!(calls_of("run_answer").is_empty());
    page.click(r#"#pause-form .action[data-action="1"] .deny"#);
    page.click("#pause-send");
    until("run_answer", || !calls_of("run_answer").is_empty()).await;
    assert_eq!(
        calls_of("run_answer")[0]["args"]["answer"],
        json!({"kind": "results", "results": [
            {"apiResult": {"actionGroup": "crm", "apiPath": "/customers/{id}", "httpMethod": "GET",
                           "httpStatusCode": 200, "responseBody": {"application/json": {"body": "{\"name\": \"Ann\"}"}}}},
            {"functionResult": {"actionGroup": "orders", "function": "refundOrder", "confirmationState": "DENY"}}
        ]})
    );
}
