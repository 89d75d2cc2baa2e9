//! `strata eval` on deployed aliases: an agent-alias variant and a flow-alias variant run through
//! the real SDK against a fake Bedrock Agent Runtime on 127.0.0.1, which answers InvokeAgent and
//! InvokeFlow with event streams and checks each request's path and body against the service
//! model (`tests/eval_fixtures/agent_runtime_invoke.json`, copied from botocore). The child gets test
//! credentials in its own environment only; nothing here reaches AWS.
#![cfg(feature = "runtime")]

use axum::response::Response;
use serde_json::{json, Value};
use std::path::Path;

mod support {
    pub mod aws;
    pub mod cli;
    pub mod eval_report;
    pub mod fake_http;
    pub mod flows;
}

use support::aws::{event, event_stream};
use support::fake_http::{received, serve, Received};
use support::flows::MODEL;

const ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS12345";
const FLOW: &str = "FLOW123456";
const FLOW_ALIAS: &str = "FALIAS1234";

fn model() -> Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval_fixtures/agent_runtime_invoke.json"),
    )
    .expect("the service model excerpt");
    serde_json::from_str(&text).expect("JSON")
}

/// The request's body members are members of the operation's input shape, and its required
/// body members are there (path members are checked through the path).
fn check_body(model: &Value, shape: &str, body: &Value) -> Result<(), String> {
    let shape = &model["shapes"][shape];
    let members = shape["members"].as_object().ok_or("no members")?;
    let object = body
        .as_object()
        .ok_or(format!("body {body} is no object"))?;
    for key in object.keys() {
        if !members.contains_key(key) || members[key].get("location").is_some() {
            return Err(format!("{key} is not a body member"));
        }
    }
    for required in shape["required"].as_array().into_iter().flatten() {
        let name = required.as_str().unwrap_or_default();
        if members[name].get("location").is_none() && !object.contains_key(name) {
            return Err(format!("required {name} missing"));
        }
    }
    Ok(())
}

/// The path the operation's `requestUri` gives with these labels.
fn path_of(model: &Value, operation: &str, labels: &[(&str, &str)]) -> String {
    let mut uri = model["operations"][operation]["http"]["requestUri"]
        .as_str()
        .expect("requestUri")
        .to_owned();
    for (label, value) in labels {
        uri = uri.replace(&format!("{{{label}}}"), value);
    }
    uri
}

fn stream(frames: Vec<Vec<u8>>) -> Response {
    event_stream(&frames, "s")
}

fn agent_trace(inner: Value) -> Vec<u8> {
    event(
        "trace",
        &json!({"agentId": "AGENT12345", "agentAliasId": "ALIAS12345", "agentVersion": "1",
                "sessionId": "s", "eventTime": "2024-05-01T10:00:00Z", "trace": inner}),
    )
}

/// One agent turn: a model call of 300 + 30 tokens that calls `orders.lookup`, then the reply.
fn agent_turn(turn: usize) -> Response {
    let id = format!("t-{turn}");
    stream(vec![
        agent_trace(json!({"orchestrationTrace": {"modelInvocationInput": {
            "traceId": id, "text": "prompt", "type": "ORCHESTRATION", "foundationModel": MODEL}}})),
        agent_trace(json!({"orchestrationTrace": {"modelInvocationOutput": {
            "traceId": id, "rawResponse": {"content": "raw"},
            "metadata": {"usage": {"inputTokens": 300, "outputTokens": 30}}}}})),
        agent_trace(json!({"orchestrationTrace": {"invocationInput": {
            "traceId": id, "invocationType": "ACTION_GROUP",
            "actionGroupInvocationInput": {"actionGroupName": "orders", "function": "lookup",
                "parameters": [{"name": "order", "type": "string", "value": "42"}]}}}})),
        event(
            "chunk",
            &json!({"bytes": aws_smithy_types::base64::encode(format!("agent reply {turn}"))}),
        ),
    ])
}

/// The flow's answer: its Prompt node's Converse call of 100 + 10 tokens, then the output.
fn flow_answer(input: &Value) -> Response {
    let now = "2024-05-01T10:00:00Z";
    stream(vec![
        event(
            "flowTraceEvent",
            &json!({"trace": {"nodeInputTrace": {
            "nodeName": "Reply", "timestamp": now,
            "fields": [{"nodeInputName": "message", "content": {"document": input}}]}}}),
        ),
        event(
            "flowTraceEvent",
            &json!({"trace": {"nodeActionTrace": {
            "nodeName": "Reply", "timestamp": now, "requestId": "r-1",
            "serviceName": "bedrock-runtime", "operationName": "Converse",
            "operationRequest": {"modelId": MODEL},
            "operationResponse": {"usage": {"inputTokens": 100, "outputTokens": 10}}}}}),
        ),
        event(
            "flowOutputEvent",
            &json!({"nodeName": "Answer", "nodeType": "FlowOutputNode",
            "content": {"document": format!("flow answer to {}", input)}}),
        ),
        event(
            "flowCompletionEvent",
            &json!({"completionReason": "SUCCESS"}),
        ),
    ])
}

fn answer(request: &Received) -> Response {
    let model = model();
    let agent_prefix = path_of(
        &model,
        "InvokeAgent",
        &[("agentId", "AGENT12345"), ("agentAliasId", "ALIAS12345")],
    );
    let (agent_prefix, _) = agent_prefix
        .split_once("{sessionId}")
        .expect("the session label");
    let flow_path = path_of(
        &model,
        "InvokeFlow",
        &[
            ("flowIdentifier", FLOW),
            ("flowAliasIdentifier", FLOW_ALIAS),
        ],
    );
    let refuse = |why: String| {
        support::fake_http::aws_error(400, "ValidationException", &format!("fake: {why}"))
    };
    if request.method != "POST" {
        return refuse(format!("method {}", request.method));
    }
    if request.path.starts_with(agent_prefix) && request.path.ends_with("/text") {
        if let Err(why) = check_body(&model, "InvokeAgentRequest", &request.body) {
            return refuse(why);
        }
        let text = request.body["inputText"].as_str().unwrap_or_default();
        let turn = if text.contains("second") { 2 } else { 1 };
        return agent_turn(turn);
    }
    if request.path == flow_path {
        if let Err(why) = check_body(&model, "InvokeFlowRequest", &request.body) {
            return refuse(why);
        }
        let input = &request.body["inputs"][0];
        if let Err(why) = check_body(&model, "FlowInput", input) {
            return refuse(why);
        }
        if input["nodeName"] != "FlowInputNode" || input["nodeOutputName"] != "document" {
            return refuse(format!("input {input}"));
        }
        return flow_answer(&input["content"]["document"]);
    }
    refuse(format!("no operation at {}", request.path))
}

/// `strata eval SUITE --json` against the fake at `endpoint`, with test credentials and its
/// run store in `data`.
async fn eval_json(
    data: std::path::PathBuf,
    suite: std::path::PathBuf,
    endpoint: String,
) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        support::cli::strata()
            .env("STRATA_DATA_DIR", &data)
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "test-secret")
            .arg("eval")
            .arg(&suite)
            .args([
                "--json",
                "--endpoint-url",
                &endpoint,
                "--region",
                "us-east-1",
            ])
            .output()
            .expect("strata runs")
    })
    .await
    .expect("the child")
}

fn suite(dir: &Path) -> std::path::PathBuf {
    let project = support::flows::project(json!({"nodes": [], "connections": []}));
    std::fs::write(
        dir.join("shop.strata.json"),
        serde_json::to_vec_pretty(&project).expect("JSON"),
    )
    .expect("the project");
    let text = format!(
        "suite: aliases
project: shop.strata.json
variants:
  - name: deployed-agent
    agentAlias: {ARN}
  - name: deployed-flow
    flowAlias: {{flowId: {FLOW}, aliasId: {FLOW_ALIAS}}}
cases:
  - id: one
    input: where is my order?
    turns: [first question, second question]
    expect:
      - contains: answer
  - id: two
    input: refund please
    expect:
      - maxModelCalls: 1
"
    );
    let path = dir.join("aliases.eval.yaml");
    std::fs::write(&path, text).expect("the suite");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_and_flow_aliases_are_evaluated_through_the_sdk() {
    let (endpoint, log) = serve(answer).await;
    let dir = tempfile::tempdir().expect("a folder");
    let path = suite(dir.path());
    let out = eval_json(dir.path().join("data"), path, endpoint).await;
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    let report: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}\n{stdout}\n{stderr}"));
    // Case two on the agent: one model call per turn, one turn → passes; case one on the flow:
    // "flow answer to …" contains "answer" → passes; the agent's "agent reply 2" does not.
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let requests = received(&log);
    assert!(
        requests.iter().all(|r| r.body["enableTrace"] == true),
        "{requests:?}"
    );
    let agent_calls: Vec<&Received> = requests
        .iter()
        .filter(|r| r.path.starts_with("/agents/"))
        .collect();
    assert_eq!(agent_calls.len(), 3, "two turns for case one, one for two");
    assert_eq!(agent_calls[0].body["inputText"], "first question");
    let session = |r: &Received| r.path.split('/').nth(6).map(str::to_owned);
    assert_eq!(
        session(agent_calls[0]),
        session(agent_calls[1]),
        "a case's turns share a session"
    );
    assert_ne!(session(agent_calls[0]), session(agent_calls[2]));
    let flow_calls: Vec<&Received> = requests
        .iter()
        .filter(|r| r.path.starts_with("/flows/"))
        .collect();
    assert_eq!(flow_calls.len(), 2);

    let variant = |name: &str| support::eval_report::variant(&report, name);
    let price = |input: u64, output: u64| {
        strata::pricing::cost(None, MODEL, input, output).expect("priced")
    };
    // (variant, kind, model calls, tokens in and out of each call, pass rate)
    for (name, kind, calls, tokens_in, tokens_out, pass_rate) in [
        ("deployed-agent", "agent-alias", 3, 300, 30, 0.5),
        ("deployed-flow", "flow-alias", 2, 100, 10, 1.0),
    ] {
        let v = variant(name);
        assert_eq!(v["kind"], kind, "{name}");
        assert_eq!(v["modelCalls"], calls, "{name}");
        assert_eq!(v["inputTokens"], calls * tokens_in, "{name}");
        assert_eq!(v["outputTokens"], calls * tokens_out, "{name}");
        let cost = v["costUsd"].as_f64().expect("priced");
        let expected = calls as f64 * price(tokens_in, tokens_out);
        assert!((cost - expected).abs() < 1e-12, "{name}: {cost}");
        assert_eq!(v["passRate"], pass_rate, "{name}");
    }

    let case = |id: &str, variant: &str| support::eval_report::case(&report, id, variant);
    assert_eq!(case("one", "deployed-agent")["output"], "agent reply 2");
    assert_eq!(
        case("two", "deployed-flow")["output"],
        "flow answer to \"refund please\""
    );
    // Every case is a run in the store, its trace kept.
    let run_id = case("one", "deployed-agent")["runId"]
        .as_str()
        .expect("a run id")
        .to_owned();
    let shown = support::cli::strata()
        .env("STRATA_DATA_DIR", dir.path().join("data"))
        .args(["runs", "show", &run_id, "--json"])
        .output()
        .expect("strata runs");
    let shown = String::from_utf8(shown.stdout).expect("UTF-8");
    assert!(shown.contains("orders"), "{shown}");
}

#[test]
fn without_credentials_an_alias_case_fails_in_one_line() {
    let dir = tempfile::tempdir().expect("a folder");
    let path = suite(dir.path());
    let out = support::cli::strata()
        .env("STRATA_DATA_DIR", dir.path().join("data"))
        .arg("eval")
        .arg(&path)
        .args([
            "--json",
            "--variant",
            "deployed-flow",
            "--region",
            "us-east-1",
        ])
        .output()
        .expect("strata runs");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).expect("the --json report");
    let failures = &report["variants"][0]["failures"];
    assert_eq!(failures["provider"], 2, "{report:#}");
    assert!(
        stdout
            .contains("no AWS credentials (none in the environment, ~/.aws or instance metadata)"),
        "{stdout}"
    );
}

/// The agent behind the alias asks to confirm a refund and for its result (return of control);
/// answered, it says the refund's id. The answers must come back on the same invocation.
fn returning(request: &Received) -> Response {
    let model = model();
    if let Err(why) = check_body(&model, "InvokeAgentRequest", &request.body) {
        return support::fake_http::aws_error(400, "ValidationException", &format!("fake: {why}"));
    }
    let state = &request.body["sessionState"];
    match state["returnControlInvocationResults"].as_array() {
        None => stream(vec![event(
            "returnControl",
            &json!({"invocationId": "inv-7", "invocationInputs": [
                {"functionInvocationInput": {"actionGroup": "billing", "function": "refund",
                 "actionInvocationType": "USER_CONFIRMATION_AND_RESULT",
                 "parameters": [{"name": "invoice", "type": "string", "value": "INV-1"}]}}]}),
        )]),
        Some(results) => {
            let result = &results[0]["functionResult"];
            let said = format!(
                "{} {} {} {}",
                state["invocationId"].as_str().unwrap_or("?"),
                result["function"].as_str().unwrap_or("?"),
                result["confirmationState"].as_str().unwrap_or("?"),
                result["responseBody"]["TEXT"]["body"]
                    .as_str()
                    .unwrap_or("?")
            );
            stream(vec![event(
                "chunk",
                &json!({"bytes": aws_smithy_types::base64::encode(said)}),
            )])
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_alias_gets_the_cases_answers_and_says_when_they_run_out() {
    let (endpoint, log) = serve(returning).await;
    let dir = tempfile::tempdir().expect("a folder");
    suite(dir.path());
    let text = format!(
        "project: shop.strata.json
variants:
  - name: deployed-agent
    agentAlias: {ARN}
cases:
  - id: answered
    input: refund INV-1
    answers: [CONFIRM, refunded as RF-9]
    expect:
      - equals: inv-7 refund CONFIRM refunded as RF-9
  - id: unanswered
    input: refund INV-1
    expect:
      - contains: RF-9
"
    );
    let path = dir.path().join("answers.eval.yaml");
    std::fs::write(&path, text).expect("the suite");
    let out = eval_json(dir.path().join("data"), path, endpoint).await;
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}\n{stdout}"));
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let case = |id: &str| support::eval_report::case(&report, id, "deployed-agent");
    assert_eq!(case("answered")["pass"], true, "{report:#}");
    let unanswered = case("unanswered");
    assert_eq!(unanswered["pass"], false);
    let detail = unanswered["checks"][0]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(
        detail.contains(
            "returned control (billing refund), and the case's answers ran out (0 given)"
        ),
        "{unanswered:#}"
    );
    // The answered case: the payload, then its results on the same invocation.
    let requests = received(&log);
    assert_eq!(
        requests.len(),
        3,
        "two calls for the answered case, one for the other"
    );
    let results = &requests
        .iter()
        .find(|r| r.body["sessionState"]["invocationId"] == "inv-7")
        .expect("the answers sent")
        .body;
    assert!(results.get("inputText").is_none(), "{results}");
}
