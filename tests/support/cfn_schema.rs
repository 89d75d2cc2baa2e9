//! The official CloudFormation resource schemas (`tests/data/cfn-schemas/`) as validators of
//! the `Properties` of an exported template's resources.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// An intrinsic function where the schema expects a value: `{"Ref": …}` or `{"Fn::…": …}`.
fn intrinsic_schema() -> Value {
    json!({
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "patternProperties": { "^(Ref|Fn::[A-Za-z]+)$": {} },
        "additionalProperties": false
    })
}

/// Lets every string-typed place of a schema also hold an intrinsic function.
fn allow_intrinsics(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for child in m.values_mut() {
                allow_intrinsics(child);
            }
            if m.get("type") == Some(&json!("string")) {
                let original = Value::Object(m.clone());
                *v = json!({ "anyOf": [original, intrinsic_schema()] });
            }
        }
        Value::Array(items) => items.iter_mut().for_each(allow_intrinsics),
        _ => {}
    }
}

/// A validator of a resource's `Properties` built from a provider schema: its
/// `definitions`, `properties`, `required` and `additionalProperties`, as draft-07.
fn resource_validator(file: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cfn-schemas")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut definitions = schema["definitions"].clone();
    let mut properties = schema["properties"].clone();
    allow_intrinsics(&mut definitions);
    allow_intrinsics(&mut properties);
    let s = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "definitions": definitions,
        "properties": properties,
        "required": schema.get("required").cloned().unwrap_or(json!([])),
        "additionalProperties": schema.get("additionalProperties").cloned().unwrap_or(json!(false)),
    });
    jsonschema::draft7::new(&s).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// A validator for each Bedrock resource type Strata exports.
pub fn cfn_validators() -> BTreeMap<&'static str, jsonschema::Validator> {
    [
        ("AWS::Bedrock::Flow", "aws-bedrock-flow.json"),
        ("AWS::Bedrock::FlowVersion", "aws-bedrock-flowversion.json"),
        ("AWS::Bedrock::FlowAlias", "aws-bedrock-flowalias.json"),
        ("AWS::Bedrock::Agent", "aws-bedrock-agent.json"),
        ("AWS::Bedrock::AgentAlias", "aws-bedrock-agentalias.json"),
        ("AWS::Bedrock::Guardrail", "aws-bedrock-guardrail.json"),
        (
            "AWS::Bedrock::GuardrailVersion",
            "aws-bedrock-guardrailversion.json",
        ),
        (
            "AWS::Bedrock::KnowledgeBase",
            "aws-bedrock-knowledgebase.json",
        ),
        (
            "AWS::BedrockAgentCore::Harness",
            "aws-bedrockagentcore-harness.json",
        ),
        (
            "AWS::BedrockAgentCore::HarnessEndpoint",
            "aws-bedrockagentcore-harnessendpoint.json",
        ),
        (
            "AWS::BedrockAgentCore::Gateway",
            "aws-bedrockagentcore-gateway.json",
        ),
        (
            "AWS::BedrockAgentCore::GatewayTarget",
            "aws-bedrockagentcore-gatewaytarget.json",
        ),
    ]
    .into_iter()
    .map(|(t, f)| (t, resource_validator(f)))
    .collect()
}

/// Checks every resource of `template` against its schema (IAM roles and Lambda permissions
/// aside) and says how many were checked.
pub fn validate_template(
    label: &str,
    template: &Value,
    validators: &BTreeMap<&str, jsonschema::Validator>,
) -> usize {
    let mut checked = 0;
    let resources = template["Resources"].as_object().expect("Resources");
    for (id, r) in resources {
        let kind = r["Type"].as_str().unwrap_or("");
        let Some(v) = validators.get(kind) else {
            assert!(
                [
                    "AWS::IAM::Role",
                    "AWS::Lambda::Permission",
                    "AWS::Lambda::Function",
                    "AWS::Logs::LogGroup"
                ]
                .contains(&kind),
                "{label}: unexpected resource type {kind}"
            );
            continue;
        };
        let errors: Vec<String> = v
            .iter_errors(&r["Properties"])
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{label}: {id} ({kind}):\n{}",
            errors.join("\n")
        );
        checked += 1;
    }
    checked
}
