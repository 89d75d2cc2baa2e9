//! The Gateway adapter round trip with the customer-support example's real handlers: a Gateway
//! tool call (arguments as the event, the tool name in the Lambda client context) goes in, the
//! Classic action-group event reaches the unchanged handler, and its answer comes back as the
//! Gateway tool result. Python runs the generated adapter exactly as Lambda would import it.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use strata::agentcore::adapter::{adapter_files, adapters, AdapterFile};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customer-support")
}

fn support_adapters() -> Vec<AdapterFile> {
    let text = std::fs::read_to_string(example_dir().join("support.strata.json"))
        .expect("the example project");
    let project = strata::model::load(&text, "support")
        .expect("the example loads")
        .project;
    let agent = project
        .agents
        .iter()
        .find(|a| a.agent_name == "Support")
        .expect("the Support agent");
    let all = adapter_files(&project, Some("Support")).expect("every group is bound");
    assert_eq!(
        all,
        adapters(&project, agent, &|g| strata::agentcore::target_name(
            &g.action_group_name
        ))
        .expect("the same")
    );
    all
}

/// A Lambda package: the adapter and the handlers' folder, as the README says to deploy it.
fn package(adapter: &AdapterFile) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let handlers = example_dir().join("handlers");
    for entry in std::fs::read_dir(&handlers).expect("handlers folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "py") {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name")))
                .expect("copy handler");
        }
    }
    let name = adapter.path.rsplit('/').next().expect("file name");
    std::fs::write(dir.path().join(name), &adapter.text).expect("write adapter");
    dir
}

/// Calls the adapter's entry point the way Lambda would for a Gateway tool call and returns
/// (the Classic event the user's handler received, the handler's own answer, the result).
fn call(adapter: &AdapterFile, tool: &str, arguments: Value) -> (Value, Value, Value) {
    let dir = package(adapter);
    let (module, function) = adapter
        .entry_point
        .split_once('.')
        .expect("module.function");
    let driver = format!(
        r#"
import json, sys, types, importlib
adapter = importlib.import_module({module:?})
user = importlib.import_module(adapter.CONFIG["handlerModule"])
real = getattr(user, adapter.CONFIG["handlerFunction"])
seen = {{}}
def spy(event, context):
    seen["event"] = json.loads(json.dumps(event))
    seen["answer"] = real(event, context)
    return seen["answer"]
setattr(user, adapter.CONFIG["handlerFunction"], spy)
context = types.SimpleNamespace(
    aws_request_id="req-1",
    client_context=types.SimpleNamespace(custom={{"bedrockAgentCoreToolName": sys.argv[1], "bedrockAgentCoreSessionId": "sess-7"}}),
)
result = getattr(adapter, {function:?})(json.loads(sys.argv[2]), context)
print(json.dumps({{"event": seen.get("event"), "answer": seen.get("answer"), "result": result}}))
"#
    );
    let v = python_json(&driver, &[tool, &arguments.to_string()], dir.path(), &[]);
    (v["event"].clone(), v["answer"].clone(), v["result"].clone())
}

fn group<'a>(all: &'a [AdapterFile], name: &str) -> &'a AdapterFile {
    all.iter()
        .find(|a| a.action_group == name)
        .expect("the group's adapter")
}

fn result_json(result: &Value) -> Value {
    let text = result["content"][0]["text"]
        .as_str()
        .expect("a text content block");
    serde_json::from_str(text).expect("the handler's body is JSON")
}

#[test]
fn every_lambda_group_of_the_example_gets_an_adapter_and_return_control_none() {
    let all = support_adapters();
    let names: Vec<&str> = all.iter().map(|a| a.action_group.as_str()).collect();
    assert_eq!(names, ["billing", "subscriptions", "notifications"]);
    assert_eq!(all[0].path, "adapters/Support/billing_gateway.py");
    assert_eq!(all[0].entry_point, "billing_gateway.handler");
    assert_eq!(all[0].handler_file, "handlers/billing.py");
}

#[test]
fn a_gateway_call_reaches_the_billing_handler_as_the_classic_event_and_comes_back() {
    let all = support_adapters();
    let billing = group(&all, "billing");
    let (event, answer, result) = call(
        billing,
        "billing___get_invoice",
        json!({"invoice_id": "INV-1042"}),
    );
    assert_eq!(
        event,
        json!({
            "messageVersion": "1.0",
            "agent": {"name": "Support", "id": "Support", "alias": "TSTALIASID", "version": "DRAFT"},
            "inputText": "",
            "sessionId": "sess-7",
            "actionGroup": "billing",
            "function": "get_invoice",
            "parameters": [{"name": "invoice_id", "type": "string", "value": "INV-1042"}],
            "sessionAttributes": {},
            "promptSessionAttributes": {},
        })
    );
    assert_eq!(answer["response"]["function"], "get_invoice");
    assert_eq!(result["isError"], false);
    let body = result_json(&result);
    assert_eq!(body["total"], "352.50");
    assert_eq!(body["refundable"], "352.50");
    assert_eq!(
        body,
        serde_json::from_str::<Value>(
            answer["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
                .as_str()
                .expect("the handler's body")
        )
        .expect("JSON body"),
        "the tool result carries the handler's body unchanged"
    );
}

#[test]
fn numbers_reach_the_handler_as_classic_strings_with_their_declared_type() {
    let all = support_adapters();
    let (event, _, result) = call(
        group(&all, "billing"),
        "billing___refund",
        json!({"invoice_id": "INV-1042", "amount": 12.5, "reason": "double charge"}),
    );
    assert_eq!(event["function"], "refund");
    assert_eq!(
        event["parameters"],
        json!([
            {"name": "amount", "type": "number", "value": "12.5"},
            {"name": "invoice_id", "type": "string", "value": "INV-1042"},
            {"name": "reason", "type": "string", "value": "double charge"},
        ])
    );
    assert_eq!(result["isError"], false);
    assert_eq!(result_json(&result)["refund_id"], "RF-1042-1250");
}

#[test]
fn a_reprompt_is_text_for_the_model_and_a_failure_is_an_error_result() {
    let all = support_adapters();
    let (_, answer, result) = call(
        group(&all, "subscriptions"),
        "subscriptions___get_plan",
        json!({"customer_id": "C-0000"}),
    );
    assert_eq!(
        answer["response"]["functionResponse"]["responseState"],
        "REPROMPT"
    );
    assert_eq!(result["isError"], false);
    assert!(result_json(&result)["error"]
        .as_str()
        .is_some_and(|e| e.contains("C-0000")));

    // The handler answers FAILURE for a function it does not know; the Gateway only sends
    // tools of its schema, so reach it through a tool the adapter knows but call it under a
    // target prefix written with the older two-underscore delimiter.
    let (event, _, result) = call(
        group(&all, "subscriptions"),
        "subscriptions__get_plan",
        json!({"customer_id": "C-2291"}),
    );
    assert_eq!(event["function"], "get_plan");
    assert_eq!(result_json(&result)["plan"], "Team");

    let (event, _, result) = call(group(&all, "billing"), "billing___cancel", json!({}));
    assert_eq!(event, Value::Null, "the handler is not called");
    assert_eq!(result["isError"], true);
    let text = result["content"][0]["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("get_invoice") && text.contains("refund"),
        "{text}"
    );
}

#[test]
fn the_notifications_handler_sees_no_session_attributes_behind_a_gateway() {
    // What the migration report says: a Gateway keeps no session attributes, so the handler
    // that needs `customer_email` answers that it has none.
    let all = support_adapters();
    let (event, _, result) = call(
        group(&all, "notifications"),
        "notifications___send_email",
        json!({"subject": "Your refund", "body": "Refunded 12.50 USD on INV-1042."}),
    );
    assert_eq!(event["sessionAttributes"], json!({}));
    assert_eq!(result["isError"], false);
    assert!(result_json(&result)["error"]
        .as_str()
        .is_some_and(|e| e.contains("No email address")));
}

mod support {
    pub mod cli;
    pub mod python;
    pub mod tree;
}

use support::cli::Run;
use support::python::python_json;
use support::tree::folder_with;

/// `strata export PROJECT --format agentcore-cfn-yaml --out OUT`.
fn export_agentcore(project: &Path, out: &Path) -> Run {
    Run::of(
        support::cli::strata()
            .arg("export")
            .arg(project)
            .args(["--format", "agentcore-cfn-yaml", "--out"])
            .arg(out),
    )
}

#[test]
fn the_cli_writes_the_adapters_beside_the_template() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("support.agentcore.yaml");
    export_agentcore(&example_dir().join("support.strata.json"), &out).exits(0);
    for a in support_adapters() {
        let written = std::fs::read_to_string(dir.path().join(&a.path)).expect("adapter written");
        assert_eq!(written, a.text, "{}", a.path);
    }
}

#[test]
fn an_unbound_lambda_group_refuses_the_export_before_anything_is_written() {
    let (dir, project) = folder_with("p.strata.json", serde_json::to_string(&json!({
            "schemaVersion": 1, "name": "p", "agentTarget": "agentcore",
            "agents": [{
                "agentName": "Orders",
                "foundationModel": "anthropic.claude-3-5-sonnet-20240620-v1:0",
                "instruction": "You answer questions about orders. Look the order up before you answer and quote it exactly.",
                "actionGroups": [{
                    "actionGroupName": "orders",
                    "description": "Look up orders",
                    "actionGroupExecutor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:orders"},
                    "functionSchema": {"functions": [{"name": "lookup", "description": "Get an order by its id",
                        "parameters": {"id": {"type": "string", "description": "The order id", "required": true}}}]}
                }]
            }]
        }))
        .expect("json"));
    let out = dir.path().join("out/t.yaml");
    std::fs::create_dir_all(dir.path().join("out")).expect("dir");
    export_agentcore(&project, &out)
        .exits(1)
        .stderr_has("action group \"orders\"")
        .stderr_has("no handler is bound");
    assert!(!out.exists(), "nothing is written");
    assert!(!dir.path().join("out/adapters").exists());
}

#[test]
fn an_openapi_group_gets_the_classic_api_event_and_its_status_decides_the_error() {
    let project = strata::model::load(
        &json!({
            "schemaVersion": 1, "name": "p",
            "agents": [{"agentName": "Shop", "foundationModel": "m", "actionGroups": [{
                "actionGroupName": "orders",
                "actionGroupExecutor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:orders"},
                "apiSchema": {"payload": "openapi: 3.0.0\ninfo: {title: o, version: '1'}\npaths:\n  /orders/{id}/notes:\n    post:\n      operationId: addNote\n      description: Add a note to an order\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}, description: The order}\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema:\n              type: object\n              properties:\n                text: {type: string, description: The note}\n                urgent: {type: boolean, description: Whether it is urgent}\n      responses:\n        '200': {description: ok}\n"},
                "localHandler": "echo.py:handler"
            }]}]
        })
        .to_string(),
        "p",
    )
    .expect("loads")
    .project;
    let all = adapter_files(&project, None).expect("adapter");
    let a = &all[0];
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("echo.py"),
        r#"import json
def handler(event, context):
    status = 404 if event["parameters"][0]["value"] == "missing" else 200
    return {"messageVersion": "1.0", "response": {"actionGroup": event["actionGroup"],
        "apiPath": event["apiPath"], "httpMethod": event["httpMethod"], "httpStatusCode": status,
        "responseBody": {"application/json": {"body": json.dumps({"seen": event})}}}}
"#,
    )
    .expect("handler");
    std::fs::write(dir.path().join("orders_gateway.py"), &a.text).expect("adapter");
    let call = |id: &str| -> Value {
        let driver = r#"
import json, sys, types, orders_gateway
ctx = types.SimpleNamespace(client_context=types.SimpleNamespace(custom={"bedrockAgentCoreToolName": "orders___addNote"}))
print(json.dumps(orders_gateway.handler({"id": sys.argv[1], "text": "call back", "urgent": True}, ctx)))
"#;
        python_json(driver, &[id], dir.path(), &[])
    };
    let result = call("A-1");
    assert_eq!(result["isError"], false);
    let seen = &result_json(&result)["seen"];
    assert_eq!(seen["apiPath"], "/orders/{id}/notes");
    assert_eq!(seen["httpMethod"], "POST");
    assert_eq!(
        seen["parameters"],
        json!([{"name": "id", "type": "string", "value": "A-1"}])
    );
    assert_eq!(
        seen["requestBody"],
        json!({"content": {"application/json": {"properties": [
            {"name": "text", "type": "string", "value": "call back"},
            {"name": "urgent", "type": "boolean", "value": "true"}
        ]}}})
    );
    assert_eq!(
        call("missing")["isError"],
        true,
        "an HTTP 404 is an error result"
    );
}
