//! Flows that use an AgentCore agent: an Agent node on a project agent that targets AgentCore
//! exports as a LambdaFunction node (same inputs; its one output `functionResponse`, which the
//! connections follow) calling a generated function that calls InvokeHarness; a node that names
//! an alias keeps it. The template passes the resource schemas and cfn-lint; the CreateFlow
//! request passes the service model; the generated handler, run by python3 against a stand-in
//! boto3, sends an InvokeHarness request the data-plane model accepts and returns the reply.

use serde_json::{json, Value};
use std::path::Path;
use strata::export::{export_cloudformation, export_flow_json};
use strata::model::{load, Project};

mod support {
    pub mod botocore;
    pub mod cfn_lint;
    pub mod cfn_schema;
    pub mod python;
}

use support::botocore::Shapes;
use support::cfn_schema::{cfn_validators, validate_template};
use support::python::python_json;

fn project() -> Project {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/warn_agent_node_on_agent_core.json");
    let text = std::fs::read_to_string(&path).expect("fixture");
    load(&text, "fixture").expect("loads").project
}

fn node<'a>(nodes: &'a Value, name: &str) -> &'a Value {
    nodes
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["name"] == name || n["Name"] == name)
        .unwrap_or_else(|| panic!("node {name}"))
}

#[test]
fn the_create_flow_request_has_a_lambda_node_with_the_same_ports() {
    let p = project();
    let req = export_flow_json(&p, "answer").expect("exports");
    let nodes = &req["definition"]["nodes"];
    let helper = node(nodes, "Helper");
    assert_eq!(helper["type"], "LambdaFunction");
    assert_eq!(
        helper["configuration"],
        json!({"lambdaFunction": {"lambdaArn": "${OrderHelperHarnessInvokerArn}"}})
    );
    let original = &p.flows[0].definition.nodes[1];
    assert_eq!(
        helper["inputs"],
        serde_json::to_value(&original.inputs).expect("inputs"),
        "the inputs stay"
    );
    assert_eq!(
        helper["outputs"],
        json!([{"name": "functionResponse", "type": "String"}])
    );
    let out = req["definition"]["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .find(|c| c["name"] == "HelperToOut")
        .expect("connection");
    assert_eq!(
        out["configuration"]["data"]["sourceOutput"],
        "functionResponse"
    );
    // The node that names an alias keeps it.
    let classic = node(nodes, "ClassicHelper");
    assert_eq!(classic["type"], "Agent");
    assert_eq!(
        classic["configuration"]["agent"]["agentAliasArn"],
        "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS67890"
    );
    assert!(strata::export::placeholders(&req.to_string())
        .contains(&"${OrderHelperHarnessInvokerArn}".to_owned()));

    // The request passes the service model, with the placeholders filled as a user would.
    let filled = req
        .to_string()
        .replace(
            "${OrderHelperHarnessInvokerArn}",
            "arn:aws:lambda:us-east-1:123456789012:function:invoker",
        )
        .replace(
            strata::export::FLOW_ROLE_PLACEHOLDER,
            "arn:aws:iam::123456789012:role/flow",
        );
    let mut errors = vec![];
    Shapes::bedrock_agent().check(
        "CreateFlowRequest",
        &serde_json::from_str(&filled).expect("json"),
        "CreateFlowRequest",
        &mut errors,
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // Locally nothing changed: the project still holds an Agent node.
    assert_eq!(original.node_type.as_str(), "Agent");
}

fn template() -> Value {
    export_cloudformation(&project())
        .expect("exports")
        .to_value()
}

#[test]
fn the_template_holds_the_invoker_with_a_least_privilege_role() {
    let t = template();
    let res = &t["Resources"];
    let flow = &res["AnswerFlow"]["Properties"];
    let helper = node(&flow["Definition"]["Nodes"], "Helper");
    assert_eq!(helper["Type"], "LambdaFunction");
    assert_eq!(
        helper["Configuration"]["LambdaFunction"]["LambdaArn"],
        json!({"Fn::GetAtt": ["OrderHelperAgentHarnessInvoker", "Arn"]})
    );
    // The agent itself ships to AgentCore (its own template), not as a Classic agent here.
    assert!(
        !res.as_object()
            .expect("resources")
            .values()
            .any(|r| r["Type"] == "AWS::Bedrock::Agent"),
        "{res}"
    );
    let notes = export_cloudformation(&project()).expect("exports").notes;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("agentcore-cfn-yaml --agent OrderHelper")),
        "{notes:?}"
    );
    let invoker = &res["OrderHelperAgentHarnessInvoker"];
    assert_eq!(invoker["Type"], "AWS::Lambda::Function");
    assert_eq!(
        invoker["Properties"]["Environment"]["Variables"]["HARNESS_ARN"],
        json!({"Ref": "OrderHelperAgentHarnessArn"})
    );
    assert!(
        t["Parameters"]["OrderHelperAgentHarnessArn"]["AllowedPattern"]
            .as_str()
            .is_some_and(|p| p.contains(":harness/"))
    );
    let statements = &res["OrderHelperAgentHarnessInvokerRole"]["Properties"]["Policies"][0]
        ["PolicyDocument"]["Statement"];
    assert_eq!(
        statements[0],
        json!({"Sid": "InvokeHarness", "Effect": "Allow",
               "Action": ["bedrock-agentcore:InvokeHarness"],
               "Resource": [{"Ref": "OrderHelperAgentHarnessArn"}]})
    );
    // The flow role may call the invoker, and the alias the other node keeps; nothing else.
    let flow_policy =
        &res["AnswerFlowRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    let by_sid = |sid: &str| {
        flow_policy
            .as_array()
            .expect("statements")
            .iter()
            .find(|s| s["Sid"] == sid)
            .cloned()
            .unwrap_or_else(|| panic!("{sid} in {flow_policy}"))
    };
    assert_eq!(
        by_sid("InvokeFunctions")["Resource"],
        json!([{"Fn::GetAtt": ["OrderHelperAgentHarnessInvoker", "Arn"]}])
    );
    assert_eq!(
        by_sid("InvokeAgents")["Resource"],
        json!(["arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS67890"])
    );
}

#[test]
fn the_template_passes_the_resource_schemas_and_cfn_lint() {
    let t = template();
    let checked = validate_template("agentcore flow", &t, &cfn_validators());
    assert!(checked >= 3, "{checked}");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("flow.template.json");
    std::fs::write(&file, t.to_string()).expect("write");
    let yaml_file = dir.path().join("flow.template.yaml");
    std::fs::write(
        &yaml_file,
        export_cloudformation(&project())
            .expect("exports")
            .to_yaml(),
    )
    .expect("write");
    if let Some(findings) = support::cfn_lint::lint(&[file, yaml_file]) {
        assert!(findings.is_empty(), "{}", findings.join("\n"));
    }
}

/// Runs the handler inline in the template with a stand-in boto3 whose client records the
/// InvokeHarness call and streams `events`; returns (request, handler result).
fn run_invoker(code: &str, events: Value) -> (Value, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("index.py"), code).expect("write");
    std::fs::write(
        dir.path().join("boto3.py"),
        r#"import json, os
calls = []
class Client:
    def invoke_harness(self, **request):
        calls.append(request)
        return {"stream": iter(json.loads(os.environ["EVENTS"]))}
def client(service):
    assert service == "bedrock-agentcore", service
    return Client()
"#,
    )
    .expect("write");
    let driver = r#"
import json, boto3, index
event = {"messageVersion": "1.0", "flow": {"flowArn": "f", "flowAliasArn": "a"},
         "node": {"name": "Helper", "inputs": [{"name": "agentInputText", "type": "String", "expression": "$.data", "value": "Where is order A-1?"}]}}
result = index.handler(event, None)
print(json.dumps({"request": boto3.calls[0], "result": result}))
"#;
    let events = events.to_string();
    let env = [
        (
            "HARNESS_ARN",
            "arn:aws:bedrock-agentcore:us-east-1:123456789012:harness/OrderHelper-abcdefghij",
        ),
        ("EVENTS", events.as_str()),
    ];
    let v = python_json(driver, &[], dir.path(), &env);
    (v["request"].clone(), v["result"].clone())
}

#[test]
fn the_generated_handler_sends_a_valid_invoke_harness_request_and_returns_the_reply() {
    let t = template();
    let code = t["Resources"]["OrderHelperAgentHarnessInvoker"]["Properties"]["Code"]["ZipFile"]
        .as_str()
        .expect("inline code")
        .to_owned();
    let events = json!([
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Let me look."}}},
        {"messageStop": {"stopReason": "tool_use"}},
        {"messageStart": {"role": "user"}},
        {"messageStop": {"stopReason": "tool_result"}},
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Order A-1 "}}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "ships today."}}},
        {"messageStop": {"stopReason": "end_turn"}}
    ]);
    let (request, result) = run_invoker(&code, events);
    assert_eq!(result, "Order A-1 ships today.");
    assert_eq!(
        request["messages"],
        json!([{"role": "user", "content": [{"text": "Where is order A-1?"}]}])
    );
    let mut errors = vec![];
    Shapes::agentcore_data().check(
        "InvokeHarnessRequest",
        &request,
        "InvokeHarnessRequest",
        &mut errors,
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn importing_the_template_gives_the_agent_node_back() {
    let p = project();
    let yaml = export_cloudformation(&p).expect("exports").to_yaml();
    let i = strata::import::import(&yaml, "fixture").expect("imports");
    let (back, original) = (&i.project.flows[0].definition, &p.flows[0].definition);
    assert_eq!(
        back.nodes[1], original.nodes[1],
        "the LambdaFunction node calling the generated function is the Agent node again"
    );
    assert_eq!(back.connections, original.connections);
    // A node that keeps its Classic alias comes back as that alias (export never wrote which
    // project agent it stood for).
    assert_eq!(back.nodes[2].name, "ClassicHelper");
    assert!(
        !i.warnings.iter().any(|w| w.at.contains("HarnessInvoker")),
        "the generated function is export's own: {:?}",
        i.warnings
    );
}

#[test]
fn a_classic_supervisor_of_an_agentcore_agent_is_refused_naming_it() {
    let mut v = serde_json::to_value(project()).expect("project");
    v["agents"].as_array_mut().expect("agents").push(json!({
        "agentName": "Boss",
        "agentTarget": "classic",
        "foundationModel": "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "instruction": "You route order questions to the order helper and answer from what it says.",
        "agentCollaboration": "SUPERVISOR",
        "local": {"userFacing": false},
        "collaborators": [{
            "collaboratorName": "helper",
            "collaborationInstruction": "Ask it about orders.",
            "agentDescriptor": {"projectAgent": "OrderHelper"}
        }]
    }));
    let p: Project = serde_json::from_value(v).expect("project");
    let errors: Vec<_> = strata::compile::compile(&p)
        .diagnostics
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let err = export_cloudformation(&p).expect_err("refused").to_string();
    assert!(
        err.contains("Boss") && err.contains("OrderHelper") && err.contains("AgentCore"),
        "{err}"
    );
}
