//! Agent, KnowledgeBase and Lex nodes against a fake Bedrock Agent Runtime on 127.0.0.1.
//!
//! The fake speaks the real wire format: InvokeAgent answers with an
//! `application/vnd.amazon.eventstream` body of `chunk` (base64 `bytes`), `trace`,
//! `returnControl` and exception messages, framed with CRCs by `tests/support/aws.rs`;
//! Retrieve and RetrieveAndGenerate answer JSON. The real SDK is pointed at it with test
//! credentials, an empty environment and no retries. Nothing here reaches AWS.
#![cfg(feature = "runtime")]

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use strata::model::Project;
use strata::providers::agent_runtime::{AgentRuntimeClient, AgentRuntimeError, AgentSessionState};
use strata::providers::bedrock::BedrockSettings;
use strata::providers::BoxFuture;
use strata::run::{AskUser, ReturnControl, RunContext, RunEvent, RunResult, RunStatus};

mod support {
    pub mod aws;
    pub mod fake_http;
    pub mod flows;
    pub mod runs;
}

use support::aws::{crc32, event, event_stream, exception, sdk_config};
use support::fake_http::{json_reply, received, serve, Log, Received};
use support::flows::{data, input_node, output_node, project, MODEL};
use support::runs::{failed, run, scripted};

const ALIAS_ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS12345";

// ---------------------------------------------------------------------------------------------
// InvokeAgent's event stream

fn chunk(text: &str) -> Vec<u8> {
    event(
        "chunk",
        &json!({"bytes": aws_smithy_types::base64::encode(text)}),
    )
}

fn trace(inner: Value) -> Vec<u8> {
    event(
        "trace",
        &json!({"agentId": "AGENT12345", "agentAliasId": "ALIAS12345", "agentVersion": "1",
                "sessionId": "s", "eventTime": "2024-05-01T10:00:00Z", "trace": inner}),
    )
}

// ---------------------------------------------------------------------------------------------
// A scripted fake

#[derive(Debug, Clone)]
enum Reply {
    /// An InvokeAgent event stream made of these frames.
    Stream(Vec<Vec<u8>>),
    /// A JSON body with a status.
    Json(u16, Value),
}

impl Reply {
    fn to_response(&self, request: &Received) -> Response {
        match self {
            Reply::Stream(frames) => {
                let session = request.path.split('/').nth(6).unwrap_or("none");
                event_stream(frames, session)
            }
            Reply::Json(status, body) => {
                let mut response = json_reply(*status, body);
                if *status >= 400 {
                    if let Some(kind) = body.get("__type").and_then(Value::as_str) {
                        response.headers_mut().insert(
                            "x-amzn-errortype",
                            HeaderValue::from_str(kind).expect("error type"),
                        );
                    }
                }
                response
            }
        }
    }
}

/// Answers the replies in order (the last one again when they run out) and records requests.
async fn fake(replies: Vec<Reply>) -> (String, Log) {
    let queue = Mutex::new(VecDeque::from(replies));
    serve(move |request| {
        let reply = {
            let mut q = queue.lock().expect("queue");
            if q.len() > 1 {
                q.pop_front()
            } else {
                q.front().cloned()
            }
        };
        match reply {
            Some(reply) => reply.to_response(request),
            None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    })
    .await
}

/// A client that can reach nothing but the fake.
async fn client_for(endpoint: &str) -> AgentRuntimeClient {
    AgentRuntimeClient::from_sdk_config(&sdk_config(endpoint).await)
}

// ---------------------------------------------------------------------------------------------
// Flows

fn agent_node(alias: &str, with_attributes: bool) -> Value {
    let mut inputs = vec![json!({"name": "agentInputText", "type": "String",
                                 "expression": "$.data"})];
    if with_attributes {
        inputs.push(json!({"name": "sessionAttributes", "type": "Object",
                           "expression": "$.data.session"}));
    }
    json!({"name": "Helper", "type": "Agent",
           "configuration": {"agent": {"agentAliasArn": alias}},
           "inputs": inputs,
           "outputs": [{"name": "agentResponse", "type": "String"}]})
}

/// An Agent node Helper for the project agent `name` (no alias: it runs locally).
fn project_agent_node(name: &str) -> Value {
    let mut node = agent_node("", false);
    node["configuration"]["agent"]["projectAgent"] = json!(name);
    node
}

/// FlowInput.message → `agent` (the node Helper) → Answer.
fn flow_around(mut agent: Value) -> Project {
    agent["inputs"][0]["expression"] = json!("$.data.message");
    project(json!({
        "nodes": [input_node("Object"), agent, output_node("Answer", "String")],
        "connections": [data("FlowInput", "document", "Helper", "agentInputText"),
                        data("Helper", "agentResponse", "Answer", "document")]}))
}

/// FlowInput.message → Agent → Output.
fn agent_flow() -> Project {
    flow_around(agent_node(ALIAS_ARN, false))
}

fn context(client: AgentRuntimeClient, project_dir: &Path) -> RunContext {
    RunContext::new(scripted("[]"), project_dir)
        .with_run_id("run-1")
        .with_agent_runtime(client)
}

/// Runs flow `main` of `flow` on `document` against a fake answering `replies`, in an
/// empty project folder, with the [`context`] that `extend` makes of it: the run's result
/// and events, and the requests the fake received.
async fn run_on_fake(
    replies: Vec<Reply>,
    flow: &Project,
    document: Value,
    extend: impl FnOnce(RunContext) -> RunContext,
) -> (RunResult, Vec<RunEvent>, Log) {
    let (url, log) = fake(replies).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = extend(context(client_for(&url).await, dir.path()));
    let (result, events) = run(flow, "main", document, ctx).await;
    (result, events, log)
}

fn actions<'a>(events: &'a [RunEvent], node: &str) -> Vec<(&'a str, &'a Value, &'a Value)> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::NodeAction {
                node: n,
                operation_name,
                request,
                response,
                ..
            } if &**n == node => Some((operation_name.as_str(), request.value(), response.value())),
            _ => None,
        })
        .collect()
}

fn answers(answer: &'static str, asked: Arc<Mutex<Vec<(String, String)>>>) -> AskUser {
    Arc::new(
        move |node: String, question: String| -> BoxFuture<'static, Option<String>> {
            asked.lock().expect("asked").push((node, question));
            Box::pin(async move { Some(answer.to_owned()) })
        },
    )
}

/// Runs [`agent_flow`] on `{"message": message}` against a fake answering `replies`, with a
/// handler that answers every question of the agent with `answer`: the result, the events,
/// the requests and the (node, question) pairs it was asked.
async fn run_asking(
    replies: Vec<Reply>,
    message: &str,
    answer: &'static str,
) -> (RunResult, Vec<RunEvent>, Log, Vec<(String, String)>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let ask = answers(answer, asked.clone());
    let doc = json!({ "message": message });
    let (result, events, log) =
        run_on_fake(replies, &agent_flow(), doc, |ctx| ctx.with_ask_user(ask)).await;
    let asked = asked.lock().expect("asked").clone();
    (result, events, log, asked)
}

fn rationale(text: &str) -> Value {
    json!({"orchestrationTrace": {"rationale": {"traceId": "t-1", "text": text}}})
}

fn model_output(input: i64, output: i64) -> Value {
    json!({"orchestrationTrace": {"modelInvocationOutput": {"traceId": "t-1",
        "rawResponse": {"content": "raw"},
        "metadata": {"usage": {"inputTokens": input, "outputTokens": output}}}}})
}

/// An agent's streamed turn: a rationale trace, a model-output trace with these (input,
/// output) tokens, then the answer in `chunks`.
fn traced_reply(thought: &str, (input, output): (i64, i64), chunks: &[&str]) -> Reply {
    let mut frames = vec![
        trace(rationale(thought)),
        trace(model_output(input, output)),
    ];
    frames.extend(chunks.iter().map(|c| chunk(c)));
    Reply::Stream(frames)
}

#[test]
fn the_frame_crc_is_the_standard_one() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

// ---------------------------------------------------------------------------------------------
// InvokeAgent

#[tokio::test]
async fn invoke_agent_reads_chunks_and_traces_from_the_event_stream() {
    let reply = traced_reply(
        "Look up the invoice.",
        (120, 30),
        &["Your invoice ", "is paid. ✓"],
    );
    let (url, log) = fake(vec![reply]).await;
    let client = client_for(&url).await;
    let state = AgentSessionState {
        session_attributes: [("customer".to_owned(), "42".to_owned())].into(),
        ..AgentSessionState::default()
    };
    let turn = client
        .invoke_agent(ALIAS_ARN, "session-1", "Is my invoice paid?", &state, true)
        .await
        .expect("the turn succeeds");
    assert_eq!(turn.completion, "Your invoice is paid. ✓");
    assert_eq!(turn.session_id, "session-1");
    assert_eq!(turn.input_required, None);
    assert_eq!(turn.return_control, None);
    assert_eq!(turn.usage.input_tokens, 120);
    assert_eq!(turn.usage.output_tokens, 30);
    assert_eq!(turn.traces.len(), 2);
    assert_eq!(
        turn.traces[0]["trace"]["orchestrationTrace"]["rationale"]["text"],
        "Look up the invoice."
    );
    assert_eq!(turn.traces[0]["agentAliasId"], "ALIAS12345");
    assert_eq!(turn.traces[0]["eventTime"], "2024-05-01T10:00:00Z");
    assert_eq!(
        turn.traces[1]["trace"]["orchestrationTrace"]["modelInvocationOutput"]["metadata"]["usage"]
            ["inputTokens"],
        120
    );
    let requests = received(&log);
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].path,
        "/agents/AGENT12345/agentAliases/ALIAS12345/sessions/session-1/text"
    );
    assert_eq!(requests[0].body["inputText"], "Is my invoice paid?");
    assert_eq!(requests[0].body["enableTrace"], true);
    assert_eq!(
        requests[0].body["sessionState"]["sessionAttributes"],
        json!({"customer": "42"})
    );
}

#[tokio::test]
async fn malformed_alias_arns_fail_before_any_call() {
    let (url, log) = fake(vec![Reply::Stream(vec![chunk("never")])]).await;
    let client = client_for(&url).await;
    let e = client
        .invoke_agent(
            "arn:aws:bedrock:us-east-1:1:agent/X",
            "s1",
            "hi",
            &AgentSessionState::default(),
            false,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AgentRuntimeError::BadAliasArn { .. }), "{e}");
    assert!(received(&log).is_empty());
}

#[tokio::test]
async fn a_flow_runs_an_agent_alias_end_to_end_with_a_prompt_before_it() {
    let reply = traced_reply("The user wants a refund.", (50, 10), &["Refund issued."]);
    let (url, log) = fake(vec![reply]).await;
    let prompt = json!({"name": "Rewrite", "type": "Prompt",
        "configuration": {"prompt": {"sourceConfiguration": {"inline": {
            "templateType": "TEXT",
            "templateConfiguration": {"text": {"text": "Rewrite politely: {{message}}"}},
            "modelId": MODEL}}}},
        "inputs": [{"name": "message", "type": "String", "expression": "$.data.message"}],
        "outputs": [{"name": "modelCompletion", "type": "String"}]});
    let p = project(json!({
        "nodes": [input_node("Object"), prompt, agent_node(ALIAS_ARN, false), output_node("Answer", "String")],
        "connections": [data("FlowInput", "document", "Rewrite", "message"),
                        data("Rewrite", "modelCompletion", "Helper", "agentInputText"),
                        data("Helper", "agentResponse", "Answer", "document")]}));
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = RunContext::new(
        scripted("- text: Could you refund order 7, please?\n  usage: {inputTokens: 5, outputTokens: 7}\n"),
        dir.path(),
    )
    .with_run_id("run-1")
    .with_agent_runtime(client_for(&url).await);
    let (result, events) = run(&p, "main", json!({"message": "refund order 7 now"}), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("Answer"), Some(&json!("Refund issued.")));
    // The prompt's tokens and the agent's.
    assert_eq!(result.usage.input_tokens, 55);
    assert_eq!(result.usage.output_tokens, 17);
    let requests = received(&log);
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].path,
        "/agents/AGENT12345/agentAliases/ALIAS12345/sessions/run-1-Helper/text"
    );
    assert_eq!(
        requests[0].body["inputText"],
        "Could you refund order 7, please?"
    );
    let agent_actions = actions(&events, "Helper");
    assert_eq!(agent_actions.len(), 1);
    let (operation, request, response) = agent_actions[0];
    assert_eq!(operation, "InvokeAgent");
    assert_eq!(request["agentAliasArn"], ALIAS_ARN);
    assert_eq!(response["completion"], "Refund issued.");
    assert_eq!(
        response["traces"][0]["trace"]["orchestrationTrace"]["rationale"]["text"],
        "The user wants a refund."
    );
    assert!(events.iter().any(|e| matches!(e,
        RunEvent::NodeAction { node, service_name, .. }
            if &**node == "Helper" && service_name == "bedrock-agent-runtime")));
}

#[tokio::test]
async fn session_attributes_go_into_the_session_state() {
    let p = project(json!({
        "nodes": [input_node("Object"), {
            "name": "Helper", "type": "Agent",
            "configuration": {"agent": {"agentAliasArn": ALIAS_ARN}},
            "inputs": [
                {"name": "agentInputText", "type": "String", "expression": "$.data.message"},
                {"name": "sessionAttributes", "type": "Object", "expression": "$.data.session"},
                {"name": "promptAttributes", "type": "Object", "expression": "$.data.prompt"}],
            "outputs": [{"name": "agentResponse", "type": "String"}]}, output_node("Answer", "String")],
        "connections": [data("FlowInput", "document", "Helper", "agentInputText"),
                        data("FlowInput", "document", "Helper", "sessionAttributes"),
                        data("FlowInput", "document", "Helper", "promptAttributes"),
                        data("Helper", "agentResponse", "Answer", "document")]}));
    let doc = json!({"message": "hi", "session": {"tier": "gold", "id": 7},
                     "prompt": {"today": "Monday"}});
    let ok = vec![Reply::Stream(vec![chunk("ok")])];
    let (result, events, log) = run_on_fake(ok, &p, doc, |ctx| ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    let body = &received(&log)[0].body;
    assert_eq!(
        body["sessionState"]["sessionAttributes"],
        json!({"tier": "gold", "id": "7"})
    );
    assert_eq!(
        body["sessionState"]["promptSessionAttributes"],
        json!({"today": "Monday"})
    );
}

#[tokio::test]
async fn an_agent_asking_through_user_input_return_control_gets_the_answer() {
    let replies = vec![
        Reply::Stream(vec![
            trace(rationale("I need the order number.")),
            event(
                "returnControl",
                &json!({"invocationId": "inv-1", "invocationInputs": [
                    {"functionInvocationInput": {
                        "actionGroup": "UserInputAction", "function": "AMAZON.UserInput",
                        "actionInvocationType": "RESULT",
                        "parameters": [{"name": "question", "type": "string",
                                        "value": "Which order number?"}]}}]}),
            ),
        ]),
        Reply::Stream(vec![chunk("Order 7 is refunded.")]),
    ];
    let (result, events, log, asked) = run_asking(replies, "refund please", "order 7").await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(
        result.output("Answer"),
        Some(&json!("Order 7 is refunded."))
    );
    assert_eq!(
        asked,
        [("Helper".to_owned(), "Which order number?".to_owned())]
    );
    let requests = received(&log);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, requests[1].path, "the same session");
    let state = &requests[1].body["sessionState"];
    assert_eq!(state["invocationId"], "inv-1");
    assert_eq!(
        state["returnControlInvocationResults"],
        json!([{"functionResult": {"actionGroup": "UserInputAction",
            "function": "AMAZON.UserInput",
            "responseBody": {"TEXT": {"body": "order 7"}}}}])
    );
    assert_eq!(actions(&events, "Helper").len(), 2);
}

#[tokio::test]
async fn an_ask_user_observation_is_answered_with_the_next_input_text() {
    let replies = vec![
        Reply::Stream(vec![
            trace(
                json!({"orchestrationTrace": {"observation": {"traceId": "t-2",
                "type": "ASK_USER", "finalResponse": {"text": "What is your email?"}}}}),
            ),
            chunk("What is your email?"),
        ]),
        Reply::Stream(vec![chunk("Thanks, sent.")]),
    ];
    let (result, events, log, asked) =
        run_asking(replies, "send the invoice", "me@example.com").await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("Answer"), Some(&json!("Thanks, sent.")));
    assert_eq!(asked[0].1, "What is your email?");
    let requests = received(&log);
    assert_eq!(requests[1].body["inputText"], "me@example.com");
    assert_eq!(requests[1].path, requests[0].path);
}

#[tokio::test]
async fn without_an_ask_user_handler_the_node_fails_with_the_question() {
    let replies = vec![Reply::Stream(vec![
        trace(
            json!({"orchestrationTrace": {"observation": {"traceId": "t-2",
            "type": "ASK_USER", "finalResponse": {"text": "Which account?"}}}}),
        ),
        chunk("Which account?"),
    ])];
    let doc = json!({"message": "close it"});
    let (result, events, _) = run_on_fake(replies, &agent_flow(), doc, |ctx| ctx).await;
    assert_eq!(result.status, RunStatus::Failed);
    let error = failed(&events, "Helper").expect("the agent node fails");
    assert!(
        error.contains("the agent asked: \"Which account?\""),
        "{error}"
    );
}

#[tokio::test]
async fn a_throttling_exception_in_the_stream_fails_the_node_naming_the_alias() {
    let replies = vec![Reply::Stream(vec![
        chunk("partial "),
        exception("throttlingException", &json!({"message": "Rate exceeded"})),
    ])];
    let doc = json!({"message": "hi"});
    let (result, events, _) = run_on_fake(replies, &agent_flow(), doc, |ctx| ctx).await;
    assert_eq!(result.status, RunStatus::Failed);
    let error = failed(&events, "Helper").expect("the agent node fails");
    assert!(
        error.contains(ALIAS_ARN)
            && error.contains("ThrottlingException")
            && error.contains("Rate exceeded"),
        "{error}"
    );
}

#[tokio::test]
async fn an_http_error_names_the_alias_too() {
    let replies = vec![Reply::Json(
        404,
        json!({"__type": "ResourceNotFoundException", "message": "no such alias"}),
    )];
    let doc = json!({"message": "hi"});
    let (_, events, _) = run_on_fake(replies, &agent_flow(), doc, |ctx| ctx).await;
    let error = failed(&events, "Helper").expect("the agent node fails");
    assert!(
        error.contains(ALIAS_ARN) && error.contains("ResourceNotFoundException"),
        "{error}"
    );
}

#[tokio::test]
async fn other_returned_actions_fail_clearly() {
    let replies = vec![Reply::Stream(vec![event(
        "returnControl",
        &json!({"invocationId": "inv-2", "invocationInputs": [
            {"functionInvocationInput": {"actionGroup": "Billing", "function": "refund",
                                         "parameters": []}}]}),
    )])];
    let doc = json!({"message": "hi"});
    let (_, events, _) = run_on_fake(replies, &agent_flow(), doc, |ctx| ctx).await;
    let error = failed(&events, "Helper").expect("the agent node fails");
    assert!(
        error.contains("action group Billing (function refund)"),
        "{error}"
    );
}

/// Answers every returned action: confirms it and gives `body` as its result, recording the
/// payloads it was shown.
fn confirm_all(body: &'static str, shown: Arc<Mutex<Vec<(String, Value)>>>) -> ReturnControl {
    Arc::new(
        move |node: String, payload: Value| -> BoxFuture<'static, Option<Vec<Value>>> {
            shown.lock().expect("shown").push((node, payload.clone()));
            let results = payload["invocationInputs"]
                .as_array()
                .map(|inputs| {
                    inputs
                        .iter()
                        .filter_map(|i| i.get("functionInvocationInput"))
                        .map(|f| {
                            json!({"functionResult": {
                                "actionGroup": f["actionGroup"], "function": f["function"],
                                "confirmationState": "CONFIRM",
                                "responseBody": {"TEXT": {"body": body}}}})
                        })
                        .collect()
                })
                .unwrap_or_default();
            Box::pin(async move { Some(results) })
        },
    )
}

#[tokio::test]
async fn returned_actions_are_answered_by_whoever_runs_the_flow() {
    let replies = vec![
        Reply::Stream(vec![event(
            "returnControl",
            &json!({"invocationId": "inv-7", "invocationInputs": [
                {"functionInvocationInput": {"actionGroup": "Billing", "function": "refund",
                 "actionInvocationType": "USER_CONFIRMATION_AND_RESULT",
                 "parameters": [{"name": "amount", "type": "number", "value": "900"}]}}]}),
        )]),
        Reply::Stream(vec![chunk("Refund R-9 issued.")]),
    ];
    let shown = Arc::new(Mutex::new(Vec::new()));
    let confirm = confirm_all("refund R-9 done", shown.clone());
    let doc = json!({"message": "refund me"});
    let (result, events, log) = run_on_fake(replies, &agent_flow(), doc, |ctx| {
        ctx.with_return_control(confirm)
    })
    .await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("Answer"), Some(&json!("Refund R-9 issued.")));
    let shown = shown.lock().expect("shown").clone();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].0, "Helper");
    assert_eq!(shown[0].1["invocationId"], "inv-7");
    let requests = received(&log);
    assert_eq!(requests.len(), 2);
    let state = &requests[1].body["sessionState"];
    assert_eq!(state["invocationId"], "inv-7");
    let answered = &state["returnControlInvocationResults"][0]["functionResult"];
    assert_eq!(answered["actionGroup"], "Billing");
    assert_eq!(answered["function"], "refund");
    assert_eq!(answered["confirmationState"], "CONFIRM");
    assert_eq!(answered["responseBody"]["TEXT"]["body"], "refund R-9 done");
    assert!(
        requests[1].body.get("inputText").is_none(),
        "the results go without text: {}",
        requests[1].body
    );
}

/// FlowInput.message → Helper (project agent `Support`) → Answer, with the agent given.
fn local_agent_flow(agent: Value) -> Project {
    let mut p = flow_around(project_agent_node("Support"));
    p.agents = vec![serde_json::from_value(agent).expect("agent")];
    p
}

/// The project agent `Support` whose action group `large_refunds` returns control for its
/// function `issue_refund`, which takes `parameters`.
fn refunding_agent(parameters: Value) -> Value {
    json!({
        "agentName": "Support", "foundationModel": MODEL,
        "instruction": "You are the support assistant of an online shop; you issue large refunds.",
        "actionGroups": [{"actionGroupName": "large_refunds",
            "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
            "functionSchema": {"functions": [{"name": "issue_refund", "description": "Issue a refund",
                "parameters": parameters}]}}]})
}

/// Whether an agent trace among `events` mentions `text`.
fn traced(events: &[RunEvent], text: &str) -> bool {
    events.iter().any(
        |e| matches!(e, RunEvent::AgentTrace { trace, .. } if trace.to_string().contains(text)),
    )
}

#[tokio::test]
async fn a_local_agent_in_a_flow_pauses_for_return_of_control_and_resumes() {
    let p = local_agent_flow(refunding_agent(
        json!({"amount": {"type": "number", "description": "Dollars", "required": true}}),
    ));
    let provider = scripted(
        "- toolUse: [{name: large_refunds__issue_refund, input: {amount: 900}}]\n- text: Refund sent.\n",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let shown = Arc::new(Mutex::new(Vec::new()));
    let ctx = RunContext::new(provider, dir.path())
        .with_run_id("run-1")
        .with_return_control(confirm_all("refund R-1 issued", shown.clone()));
    let (result, events) = run(&p, "main", json!({"message": "refund 900"}), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("Answer"), Some(&json!("Refund sent.")));
    let shown = shown.lock().expect("shown").clone();
    let input = &shown[0].1["invocationInputs"][0]["functionInvocationInput"];
    assert_eq!(input["function"], "issue_refund");
    assert_eq!(input["parameters"][0]["value"], "900");
    // The result reached the model as the tool's observation.
    assert!(traced(&events, "refund R-1 issued"), "{events:#?}");
}

#[tokio::test]
async fn a_local_agent_pause_without_anyone_to_answer_fails_the_node_clearly() {
    let p = local_agent_flow(refunding_agent(json!({})));
    let provider = scripted("- toolUse: [{name: large_refunds__issue_refund, input: {}}]\n");
    let dir = tempfile::tempdir().expect("temp dir");
    let (result, events) = run(
        &p,
        "main",
        json!({"message": "refund"}),
        RunContext::new(provider, dir.path()),
    )
    .await;
    assert_eq!(result.status, RunStatus::Failed);
    let error = failed(&events, "Helper").expect("the agent node fails");
    assert!(
        error.contains("large_refunds (function issue_refund)")
            && error.contains("nobody answered"),
        "{error}"
    );
}

#[tokio::test]
async fn a_local_agent_searches_a_bedrock_knowledge_base_through_retrieve() {
    let (url, log) = fake(vec![Reply::Json(
        200,
        json!({"retrievalResults": [
            {"content": {"text": "Refunds take 5 business days.", "type": "TEXT"},
             "location": {"type": "S3", "s3Location": {"uri": "s3://help/refunds.md"}},
             "score": 0.81}]}),
    )])
    .await;
    let p = local_agent_flow(json!({
        "agentName": "Support", "foundationModel": MODEL,
        "instruction": "You are the support assistant of an online shop; answer from the help centre.",
        "knowledgeBases": [{"knowledgeBaseId": "KBHELP1234", "description": "The help centre"}]}));
    let provider = scripted(
        "- toolUse: [{name: knowledge_base_KBHELP1234, input: {searchQuery: refund time}}]\n- text: Five business days.\n",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = RunContext::new(provider, dir.path())
        .with_run_id("run-1")
        .with_agent_runtime(client_for(&url).await);
    let (result, events) = run(
        &p,
        "main",
        json!({"message": "how long do refunds take?"}),
        ctx,
    )
    .await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    let requests = received(&log);
    assert_eq!(requests[0].path, "/knowledgebases/KBHELP1234/retrieve");
    assert_eq!(requests[0].body["retrievalQuery"]["text"], "refund time");
    assert!(traced(&events, "s3://help/refunds.md"), "{events:#?}");
}

#[tokio::test]
async fn a_project_agent_without_an_alias_runs_locally_not_on_aws() {
    let (url, log) = fake(vec![Reply::Stream(vec![chunk("never")])]).await;
    let mut p = flow_around(project_agent_node("BillingAgent"));
    p.agents = vec![serde_json::from_value(json!({
        "agentName": "BillingAgent",
        "foundationModel": MODEL,
        "instruction": "You are the billing assistant of an online shop; answer billing questions."}))
    .expect("agent")];
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = RunContext::new(scripted("- text: Local answer."), dir.path())
        .with_run_id("run-1")
        .with_agent_runtime(client_for(&url).await);
    let (_, events) = run(&p, "main", json!({"message": "hi"}), ctx).await;
    assert_eq!(failed(&events, "Helper"), None, "{events:#?}");
    assert!(events.iter().any(|e| matches!(e,
        RunEvent::FlowOutput { node, document, .. } if &**node == "Answer" && document == &json!("Local answer."))));
    assert!(received(&log).is_empty(), "a project agent never calls AWS");
}

// ---------------------------------------------------------------------------------------------
// Knowledge bases

fn kb_flow(model: Option<&str>) -> Project {
    let mut config = json!({"knowledgeBaseId": "KB12345678", "numberOfResults": 3});
    let output = if let Some(m) = model {
        config["modelId"] = json!(m);
        config["promptTemplate"] = json!({"textPromptTemplate": "Answer from $search_results$"});
        json!({"name": "outputText", "type": "String"})
    } else {
        json!({"name": "retrievalResults", "type": "Array"})
    };
    let out_name = output["name"].as_str().unwrap_or_default().to_owned();
    let out_type = output["type"].as_str().unwrap_or_default().to_owned();
    project(json!({
        "nodes": [input_node("Object"),
            {"name": "Docs", "type": "KnowledgeBase",
             "configuration": {"knowledgeBase": config},
             "inputs": [{"name": "retrievalQuery", "type": "String", "expression": "$.data.q"}],
             "outputs": [output]},
            {"name": "Answer", "type": "Output", "configuration": {"output": {}},
             "inputs": [{"name": "document", "type": out_type, "expression": "$.data"}]}],
        "connections": [data("FlowInput", "document", "Docs", "retrievalQuery"),
                        data("Docs", &out_name, "Answer", "document")]}))
}

#[tokio::test]
async fn a_knowledge_base_node_retrieves() {
    let replies = vec![Reply::Json(
        200,
        json!({"retrievalResults": [
            {"content": {"text": "Refunds take 5 days.", "type": "TEXT"},
             "location": {"type": "S3", "s3Location": {"uri": "s3://docs/refunds.md"}},
             "score": 0.75, "metadata": {"page": 2}}]}),
    )];
    let doc = json!({"q": "how long do refunds take"});
    let (result, events, log) = run_on_fake(replies, &kb_flow(None), doc, |ctx| ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(
        result.output("Answer"),
        Some(
            &json!([{"content": {"text": "Refunds take 5 days.", "type": "TEXT"},
            "location": {"type": "S3", "s3Location": {"uri": "s3://docs/refunds.md"}},
            "score": 0.75, "metadata": {"page": 2}}])
        )
    );
    let requests = received(&log);
    assert_eq!(requests[0].path, "/knowledgebases/KB12345678/retrieve");
    assert_eq!(
        requests[0].body["retrievalQuery"]["text"],
        "how long do refunds take"
    );
    assert_eq!(
        requests[0].body["retrievalConfiguration"]["vectorSearchConfiguration"]["numberOfResults"],
        3
    );
    assert_eq!(actions(&events, "Docs")[0].0, "Retrieve");
}

#[tokio::test]
async fn a_knowledge_base_node_with_a_model_retrieves_and_generates() {
    let replies = vec![Reply::Json(
        200,
        json!({"output": {"text": "About five days."}, "sessionId": "kb-session",
               "citations": []}),
    )];
    let doc = json!({"q": "refund time?"});
    let (result, events, log) = run_on_fake(replies, &kb_flow(Some(MODEL)), doc, |ctx| ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("Answer"), Some(&json!("About five days.")));
    let requests = received(&log);
    assert_eq!(requests[0].path, "/retrieveAndGenerate");
    let body = &requests[0].body;
    assert_eq!(body["input"], json!({"text": "refund time?"}));
    let config = &body["retrieveAndGenerateConfiguration"];
    assert_eq!(config["type"], "KNOWLEDGE_BASE");
    let kb = &config["knowledgeBaseConfiguration"];
    assert_eq!(kb["knowledgeBaseId"], "KB12345678");
    assert_eq!(kb["modelArn"], MODEL);
    assert_eq!(
        kb["generationConfiguration"]["promptTemplate"]["textPromptTemplate"],
        "Answer from $search_results$"
    );
    assert_eq!(
        kb["retrievalConfiguration"]["vectorSearchConfiguration"]["numberOfResults"],
        3
    );
}

#[tokio::test]
async fn a_project_knowledge_base_is_found_by_name() {
    let mut p = kb_flow(None);
    p.knowledge_bases = vec![serde_json::from_value(
        json!({"name": "KB12345678", "knowledgeBaseId": "DEPLOYED01"}),
    )
    .expect("knowledge base")];
    let replies = vec![Reply::Json(200, json!({"retrievalResults": []}))];
    let (result, _, log) = run_on_fake(replies, &p, json!({"q": "x"}), |ctx| ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded);
    assert_eq!(
        received(&log)[0].path,
        "/knowledgebases/DEPLOYED01/retrieve"
    );
}

// ---------------------------------------------------------------------------------------------
// Lex

fn lex_flow() -> Project {
    project(json!({
        "nodes": [input_node("Object"),
            {"name": "Bot", "type": "Lex",
             "configuration": {"lex": {
                 "botAliasArn": "arn:aws:lex:us-east-1:123456789012:bot-alias/BOT1234567/ALIASLEX01",
                 "localeId": "en_US"}},
             "inputs": [{"name": "inputText", "type": "String", "expression": "$.data.text"}],
             "outputs": [{"name": "predictedIntent", "type": "String"}]},
            output_node("Intent", "String")],
        "connections": [data("FlowInput", "document", "Bot", "inputText"),
                        data("Bot", "predictedIntent", "Intent", "document")]}))
}

#[tokio::test]
async fn lex_answers_from_a_fixture_and_says_where_to_put_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let client = AgentRuntimeClient::lazy(BedrockSettings::default());
    let flow = lex_flow();
    let ask_bot = |text: &str| {
        let ctx = context(client.clone(), dir.path());
        run(&flow, "main", json!({ "text": text }), ctx)
    };
    let (result, events) = ask_bot("I want a pizza").await;
    assert_eq!(result.status, RunStatus::Failed);
    let error = failed(&events, "Bot").expect("the Lex node fails");
    let expected = dir.path().join(".strata/lex/ALIASLEX01.json");
    assert!(
        error.contains("Lex has no local equivalent: add a fixture at")
            && error.contains(&expected.display().to_string()),
        "{error}"
    );

    std::fs::create_dir_all(dir.path().join(".strata/lex")).expect("mkdir");
    std::fs::write(
        &expected,
        json!({"utterances": {"pizza": "OrderPizza", "cancel": "Cancel"}}).to_string(),
    )
    .expect("write fixture");
    let (result, events) = ask_bot("I want a pizza").await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("Intent"), Some(&json!("OrderPizza")));
    let (result, _) = ask_bot("what's the weather").await;
    assert_eq!(result.output("Intent"), Some(&json!("FallbackIntent")));
}

#[tokio::test]
async fn a_project_knowledge_base_with_documents_runs_locally() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("docs")).expect("mkdir");
    std::fs::write(
        dir.path().join("docs/refunds.md"),
        "# Refunds\n\nRefunds take five business days to reach your card.\n",
    )
    .expect("write doc");
    std::fs::write(
        dir.path().join("docs/shipping.md"),
        "# Shipping\n\nWe ship to Norway and Sweden.\n",
    )
    .expect("write doc");
    let local_kb = json!({"name": "KB12345678", "documents": "docs"});
    let client = AgentRuntimeClient::lazy(BedrockSettings::default());

    let mut p = kb_flow(None);
    p.knowledge_bases = vec![serde_json::from_value(local_kb.clone()).expect("kb")];
    let (result, events) = run(
        &p,
        "main",
        json!({"q": "how long do refunds take"}),
        context(client.clone(), dir.path()),
    )
    .await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    let results = result.output("Answer").expect("results");
    assert!(
        results[0]["content"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("five business days")),
        "{results:#}"
    );

    let mut p = kb_flow(Some(MODEL));
    p.knowledge_bases = vec![serde_json::from_value(local_kb).expect("kb")];
    let ctx = RunContext::new(
        scripted("- contains: five business days\n  text: Five business days.\n"),
        dir.path(),
    )
    .with_agent_runtime(client);
    let (result, events) = run(&p, "main", json!({"q": "how long do refunds take"}), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("Answer"), Some(&json!("Five business days.")));
}
