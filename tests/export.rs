//! Export and import, end to end: exported CloudFormation validated against the official
//! resource schemas, exported requests against the botocore shapes, round trips both ways,
//! a golden YAML snapshot, determinism, and refusal of projects with errors.
//!
//! The corpus is every starter template plus every `tests/fixtures/ok_*.json` (documents the
//! compiler accepts), and `tests/export_fixtures/` (hand-written CloudFormation).

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use strata::diagnostic::Code;
use strata::export::{
    export_agent_json, export_cloudformation, export_flow_json, ExportError, FLOW_ROLE_PLACEHOLDER,
};
use strata::import::{import, import_document, ImportFormat};
use strata::model::{load, FlowDefinition, Project};
use strata::nodes::NodeConfiguration;
use strata::templates::{instantiate, TEMPLATES};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_json(rel: &str) -> Value {
    serde_json::from_str(&read(&root().join(rel))).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// (label, project) for every template and every fixture the compiler accepts.
fn corpus() -> Vec<(String, Project)> {
    let mut out: Vec<(String, Project)> = TEMPLATES
        .iter()
        .map(|t| {
            let p = instantiate(t, t.name).unwrap_or_else(|e| panic!("{}: {e}", t.name));
            (format!("template {}", t.name), p)
        })
        .collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures"))
        .expect("tests/fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("ok_") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    for f in files {
        let name = f
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("x")
            .to_owned();
        let p = load(&read(&f), &name)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .project;
        out.push((format!("fixture {name}"), p));
    }
    out
}

/// Whether a project has a node CloudFormation cannot express (CHAT prompts).
fn cfn_expressible(p: &Project) -> bool {
    !matches!(
        export_cloudformation(p),
        Err(ExportError::FlowNotInCloudFormation { .. })
            | Err(ExportError::AgentNotInCloudFormation { .. })
    )
}

// ---------------------------------------------------------------------------------------
// The official CloudFormation resource schemas.

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
    let schema = read_json(&format!("tests/data/cfn-schemas/{file}"));
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

fn cfn_validators() -> BTreeMap<&'static str, jsonschema::Validator> {
    [
        ("AWS::Bedrock::Flow", "aws-bedrock-flow.json"),
        ("AWS::Bedrock::FlowVersion", "aws-bedrock-flowversion.json"),
        ("AWS::Bedrock::FlowAlias", "aws-bedrock-flowalias.json"),
        ("AWS::Bedrock::Agent", "aws-bedrock-agent.json"),
        ("AWS::Bedrock::AgentAlias", "aws-bedrock-agentalias.json"),
    ]
    .into_iter()
    .map(|(t, f)| (t, resource_validator(f)))
    .collect()
}

fn validate_template(
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
                ["AWS::IAM::Role", "AWS::Lambda::Permission"].contains(&kind),
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

#[test]
fn exported_templates_match_the_official_resource_schemas() {
    let validators = cfn_validators();
    let mut checked = 0;
    for (label, p) in corpus() {
        if !cfn_expressible(&p) {
            continue;
        }
        let t = export_cloudformation(&p).unwrap_or_else(|e| panic!("{label}: {e}"));
        checked += validate_template(&label, &t.to_value(), &validators);
        // The YAML text is the same template.
        let yaml = strata::import::cloudformation::yaml_to_json(&t.to_yaml()).expect("yaml");
        assert_eq!(yaml, t.to_value(), "{label}: YAML and JSON differ");
    }
    assert!(checked >= 30, "only {checked} resources checked");
}

#[test]
fn the_schema_check_catches_mistakes() {
    let validators = cfn_validators();
    let flow = &validators["AWS::Bedrock::Flow"];
    let bad = json!({
        "Name": "f", "ExecutionRoleArn": {"Fn::GetAtt": ["R", "Arn"]},
        "Definition": {"Nodes": [{"Name": "P", "Type": "Prompt", "Configuration": {"Prompt": {"SourceConfiguration": {"Inline": {
            "TemplateType": "CHAT", "ModelId": "m", "TemplateConfiguration": {"Chat": {"Messages": []}}}}}}}]}
    });
    assert!(!flow.is_valid(&bad));
    assert!(!flow.is_valid(&json!({"Name": "f", "ExecutionRoleArn": "x", "definition": {}})));
    assert!(flow.is_valid(&json!({"Name": "f", "ExecutionRoleArn": {"Fn::GetAtt": ["R", "Arn"]}})));
}

// ---------------------------------------------------------------------------------------
// The botocore shapes of the requests.

/// A small checker of a value against botocore shapes: required and unknown members,
/// unions, enums, lengths, list sizes, numeric ranges and (anchored) patterns.
struct Shapes {
    shapes: serde_json::Map<String, Value>,
}

impl Shapes {
    fn load() -> Shapes {
        let model = read_json("tests/data/botocore/bedrock-agent.service-2.json");
        Shapes {
            shapes: model["shapes"].as_object().expect("shapes").clone(),
        }
    }

    fn check(&self, shape: &str, v: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(s) = self.shapes.get(shape) else {
            errors.push(format!("{at}: unknown shape {shape}"));
            return;
        };
        let num = |k: &str| s.get(k).and_then(Value::as_f64);
        match s["type"].as_str().unwrap_or("") {
            "structure" => {
                if s.get("document") == Some(&json!(true)) {
                    return;
                }
                let Some(obj) = v.as_object() else {
                    errors.push(format!("{at}: expected an object ({shape})"));
                    return;
                };
                let members = s["members"].as_object().cloned().unwrap_or_default();
                for r in s
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let r = r.as_str().unwrap_or("");
                    if !obj.contains_key(r) {
                        errors.push(format!("{at}: missing required member {r} ({shape})"));
                    }
                }
                if s.get("union") == Some(&json!(true)) && obj.len() != 1 {
                    errors.push(format!("{at}: a union takes exactly one member ({shape})"));
                }
                for (k, child) in obj {
                    match members.get(k) {
                        Some(m) => self.check(
                            m["shape"].as_str().unwrap_or(""),
                            child,
                            &format!("{at}.{k}"),
                            errors,
                        ),
                        None => errors.push(format!("{at}: unknown member {k} ({shape})")),
                    }
                }
            }
            "list" => {
                let Some(items) = v.as_array() else {
                    errors.push(format!("{at}: expected a list ({shape})"));
                    return;
                };
                if num("max").is_some_and(|m| items.len() as f64 > m) {
                    errors.push(format!("{at}: more than {:?} items ({shape})", num("max")));
                }
                if num("min").is_some_and(|m| (items.len() as f64) < m) {
                    errors.push(format!("{at}: fewer than {:?} items ({shape})", num("min")));
                }
                let member = s["member"]["shape"].as_str().unwrap_or("");
                for (i, item) in items.iter().enumerate() {
                    self.check(member, item, &format!("{at}[{i}]"), errors);
                }
            }
            "map" => {
                let Some(obj) = v.as_object() else {
                    errors.push(format!("{at}: expected a map ({shape})"));
                    return;
                };
                let key = s["key"]["shape"].as_str().unwrap_or("");
                let value = s["value"]["shape"].as_str().unwrap_or("");
                for (k, child) in obj {
                    self.check(
                        key,
                        &Value::String(k.clone()),
                        &format!("{at} key {k:?}"),
                        errors,
                    );
                    self.check(value, child, &format!("{at}.{k}"), errors);
                }
            }
            "string" => {
                let Some(text) = v.as_str() else {
                    errors.push(format!("{at}: expected a string ({shape})"));
                    return;
                };
                if let Some(values) = s.get("enum").and_then(Value::as_array) {
                    if !values.iter().any(|e| e == v) {
                        errors.push(format!("{at}: {text:?} is not one of {values:?}"));
                    }
                }
                let len = text.chars().count() as f64;
                if num("min").is_some_and(|m| len < m) || num("max").is_some_and(|m| len > m) {
                    errors.push(format!(
                        "{at}: length {len} outside {:?}..{:?} ({shape})",
                        num("min"),
                        num("max")
                    ));
                }
                if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                    let anchored =
                        format!("^(?:{})$", p.trim_start_matches('^').trim_end_matches('$'));
                    if let Ok(re) = regex::Regex::new(&anchored) {
                        if !re.is_match(text) {
                            errors.push(format!("{at}: {text:?} does not match /{p}/ ({shape})"));
                        }
                    }
                }
            }
            "integer" | "long" => match v.as_i64() {
                Some(n) => {
                    if num("min").is_some_and(|m| (n as f64) < m)
                        || num("max").is_some_and(|m| n as f64 > m)
                    {
                        errors.push(format!("{at}: {n} out of range ({shape})"));
                    }
                }
                None => errors.push(format!("{at}: expected an integer ({shape})")),
            },
            "float" | "double" => match v.as_f64() {
                Some(n) => {
                    if num("min").is_some_and(|m| n < m) || num("max").is_some_and(|m| n > m) {
                        errors.push(format!("{at}: {n} out of range ({shape})"));
                    }
                }
                None => errors.push(format!("{at}: expected a number ({shape})")),
            },
            "boolean" => {
                if !v.is_boolean() {
                    errors.push(format!("{at}: expected a boolean ({shape})"));
                }
            }
            "timestamp" | "blob" => {}
            other => errors.push(format!("{at}: unhandled shape type {other}")),
        }
    }

    fn assert_valid(&self, label: &str, shape: &str, v: &Value) {
        let mut errors = Vec::new();
        self.check(shape, &fill_placeholders(v), shape, &mut errors);
        assert!(errors.is_empty(), "{label}:\n{}", errors.join("\n"));
    }
}

/// The placeholders an export leaves for the user, filled the way a user would.
fn fill_placeholders(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with("${") && s.ends_with('}') => {
            let filled = if s == FLOW_ROLE_PLACEHOLDER || s.ends_with("RoleArn}") {
                "arn:aws:iam::123456789012:role/strata"
            } else if s.ends_with("AliasArn}") {
                "arn:aws:bedrock:us-east-1:123456789012:agent-alias/ABCDEFGHIJ/KLMNOPQRST"
            } else {
                "ABCDEFGHIJ"
            };
            Value::String(filled.to_owned())
        }
        Value::Array(items) => Value::Array(items.iter().map(fill_placeholders).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), fill_placeholders(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn exported_requests_match_the_botocore_shapes() {
    let shapes = Shapes::load();
    let mut checked = 0;
    for (label, p) in corpus() {
        for f in &p.flows {
            let v = export_flow_json(&p, &f.name).unwrap_or_else(|e| panic!("{label}: {e}"));
            shapes.assert_valid(&format!("{label} flow {}", f.name), "CreateFlowRequest", &v);
            checked += 1;
        }
        for a in &p.agents {
            let r = export_agent_json(&p, &a.agent_name).unwrap_or_else(|e| panic!("{label}: {e}"));
            let l = format!("{label} agent {}", a.agent_name);
            shapes.assert_valid(&l, "CreateAgentRequest", &r.create_agent);
            for g in &r.action_groups {
                shapes.assert_valid(&l, "CreateAgentActionGroupRequest", g);
            }
            for k in &r.knowledge_bases {
                shapes.assert_valid(&l, "AssociateAgentKnowledgeBaseRequest", k);
            }
            for c in &r.collaborators {
                shapes.assert_valid(&l, "AssociateAgentCollaboratorRequest", c);
            }
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} exports checked");
}

#[test]
fn the_shape_check_catches_mistakes() {
    let shapes = Shapes::load();
    let mut errors = Vec::new();
    let bad = json!({"name": "f", "executionRoleArn": "arn:aws:iam::123456789012:role/r",
        "definition": {"nodes": [{"name": "In", "type": "Input", "projectAgent": "x"}], "connections": []}});
    shapes.check("CreateFlowRequest", &bad, "req", &mut errors);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("unknown member projectAgent")),
        "{errors:?}"
    );
    errors.clear();
    shapes.check(
        "CreateFlowRequest",
        &json!({"name": "f"}),
        "req",
        &mut errors,
    );
    assert!(errors
        .iter()
        .any(|e| e.contains("missing required member executionRoleArn")));
}

// ---------------------------------------------------------------------------------------
// Round trips.

fn strip_definition(def: &mut FlowDefinition) {
    for n in &mut def.nodes {
        if let Some(NodeConfiguration::LambdaFunction(c)) = &mut n.configuration {
            c.local_handler = None;
        }
        if let Some(NodeConfiguration::Loop(l)) = &mut n.configuration {
            strip_definition(&mut l.definition);
        }
    }
}

/// What the export formats carry: no canvas, samples, local settings or project resources.
fn carried(mut p: Project) -> Project {
    p.canvas.clear();
    p.knowledge_bases.clear();
    p.guardrails.clear();
    p.model_profiles.clear();
    for f in &mut p.flows {
        f.samples.clear();
        strip_definition(&mut f.definition);
    }
    for a in &mut p.agents {
        a.local = Default::default();
        for g in &mut a.action_groups {
            g.local_handler = None;
        }
    }
    p.flows.sort_by(|a, b| a.name.cmp(&b.name));
    p.agents.sort_by(|a, b| a.agent_name.cmp(&b.agent_name));
    p
}

#[test]
fn import_after_cloudformation_export_gives_back_the_project() {
    let mut checked = 0;
    for (label, p) in corpus() {
        if !cfn_expressible(&p) {
            continue;
        }
        let t = export_cloudformation(&p).unwrap_or_else(|e| panic!("{label}: {e}"));
        for (form, text) in [("YAML", t.to_yaml()), ("JSON", t.to_json())] {
            let i = import(&text, "fallback").unwrap_or_else(|e| panic!("{label} {form}: {e}"));
            assert_eq!(i.format, ImportFormat::CloudFormation);
            assert!(i.warnings.is_empty(), "{label} {form}: {:?}", i.warnings);
            assert_eq!(
                carried(i.project.clone()),
                carried(p.clone()),
                "{label} {form}"
            );
            // Imported flows are laid out: every node has a position.
            for f in &i.project.flows {
                for (_, n) in f.definition.all_nodes() {
                    assert!(
                        i.project.canvas[&f.name].contains_key(&n.name),
                        "{label}: {}",
                        n.name
                    );
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} projects round-tripped");
}

#[test]
fn import_after_flow_json_export_gives_back_the_flow() {
    for (label, p) in corpus() {
        for f in &p.flows {
            let v = export_flow_json(&p, &f.name).unwrap_or_else(|e| panic!("{label}: {e}"));
            let back =
                import_document(&v.to_string(), "x").unwrap_or_else(|e| panic!("{label}: {e}"));
            let mut expected = carried(p.clone())
                .flows
                .into_iter()
                .find(|g| g.name == f.name)
                .expect("flow");
            // The one thing CreateFlow cannot carry: which project agent a node runs.
            for n in &mut expected.definition.nodes {
                if let Some(NodeConfiguration::Agent(c)) = &mut n.configuration {
                    if let Some(a) = c.project_agent.take() {
                        c.agent_alias_arn = strata::export::agent_alias_placeholder(&a);
                    }
                }
            }
            assert_eq!(carried(back).flows, vec![expected], "{label}");
        }
    }
}

#[test]
fn export_after_import_of_create_flow_json_is_equivalent() {
    for name in [
        "ok_docs_playlist_create_flow",
        "ok_do_while_loop",
        "ok_lambda_then_agent_alias",
    ] {
        let text = read(&root().join(format!("tests/fixtures/{name}.json")));
        let original: Value = serde_json::from_str(&text).expect("json");
        let p = import_document(&text, name).expect("imports");
        let flow_name = p.flows[0].name.clone();
        let exported = export_flow_json(&p, &flow_name).expect("exports");
        assert_eq!(exported, original, "{name}");
    }
}

/// The agent a `Fn::GetAtt <Alias>.AgentAliasArn` leads to, by name.
fn alias_target(template: &Value, v: &Value) -> Option<String> {
    let alias = v["Fn::GetAtt"][0].as_str()?;
    let agent = template["Resources"][alias]["Properties"]["AgentId"]["Fn::GetAtt"][0].as_str()?;
    template["Resources"][agent]["Properties"]["AgentName"]
        .as_str()
        .map(str::to_owned)
}

/// Agent-alias references replaced by the agent's name, so two templates compare by meaning.
fn by_meaning(template: &Value, v: &Value) -> Value {
    match v {
        Value::Object(m) if m.contains_key("Fn::GetAtt") => match alias_target(template, v) {
            Some(agent) => json!({ "alias of agent": agent }),
            None => v.clone(),
        },
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, c)| (k.clone(), by_meaning(template, c)))
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|c| by_meaning(template, c)).collect())
        }
        // YAML's `0` and an exported `0.0` are the same number.
        Value::Number(n) => json!(n.as_f64()),
        other => other.clone(),
    }
}

fn resources_of<'a>(template: &'a Value, kind: &str) -> Vec<&'a Value> {
    template["Resources"]
        .as_object()
        .expect("Resources")
        .values()
        .filter(|r| r["Type"] == kind)
        .collect()
}

#[test]
fn export_after_import_of_a_cloudformation_template_is_equivalent() {
    let text = read(&root().join("tests/export_fixtures/billing_stack.yaml"));
    let original = strata::import::cloudformation::yaml_to_json(&text).expect("yaml");
    let i = import(&text, "billing").expect("imports");
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    let flow = &i.project.flows[0];
    let Some(NodeConfiguration::Agent(c)) = &flow
        .definition
        .node("Ask")
        .and_then(|n| n.configuration.clone())
    else {
        panic!("Ask is an Agent node");
    };
    assert_eq!(c.project_agent.as_deref(), Some("Billing"));
    assert_eq!(c.agent_alias_arn, "");
    assert!(
        flow.execution_role_arn.is_none(),
        "the template's own role is regenerated"
    );

    let exported = export_cloudformation(&i.project)
        .expect("exports")
        .to_value();
    validate_template("billing stack", &exported, &cfn_validators());
    for kind in ["AWS::Bedrock::Flow", "AWS::Bedrock::Agent"] {
        let mut a = by_meaning(&original, &resources_of(&original, kind)[0]["Properties"]);
        let mut b = by_meaning(&exported, &resources_of(&exported, kind)[0]["Properties"]);
        for v in [&mut a, &mut b] {
            let m = v.as_object_mut().expect("properties");
            m.remove("ExecutionRoleArn");
            m.remove("AgentResourceRoleArn");
        }
        assert_eq!(a, b, "{kind}");
    }
}

#[test]
fn cloudformation_references_that_are_not_agents_become_warnings() {
    let text = read(&root().join("tests/export_fixtures/billing_stack.yaml")).replace(
        "Lambda: arn:aws:lambda:us-east-1:123456789012:function:orders",
        "Lambda: !Ref OrdersFunctionArn",
    );
    let i = import(&text, "billing").expect("imports");
    assert_eq!(i.warnings.len(), 1, "{:?}", i.warnings);
    assert!(
        i.warnings[0]
            .at
            .contains("actionGroups[0].actionGroupExecutor"),
        "{}",
        i.warnings[0]
    );
    let g = &i.project.agents[0].action_groups[0];
    assert_eq!(
        g.action_group_executor,
        Some(strata::model::agent::ActionGroupExecutor::Lambda(
            "${Ref:OrdersFunctionArn}".into()
        ))
    );
}

#[test]
fn definition_string_with_substitutions_imports() {
    let template = json!({
        "Resources": {
            "A": {"Type": "AWS::Bedrock::Agent", "Properties": {"AgentName": "Helper"}},
            "AAlias": {"Type": "AWS::Bedrock::AgentAlias", "Properties": {"AgentAliasName": "x", "AgentId": {"Ref": "A"}}},
            "F": {"Type": "AWS::Bedrock::Flow", "Properties": {
                "Name": "f", "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
                "DefinitionString": "{\"Nodes\": [{\"Name\": \"Ask\", \"Type\": \"Agent\", \"Configuration\": {\"Agent\": {\"AgentAliasArn\": \"${Alias}\"}}}], \"Connections\": []}",
                "DefinitionSubstitutions": {"Alias": {"Fn::GetAtt": ["AAlias", "AgentAliasArn"]}}
            }}
        }
    });
    let p = import_document(&template.to_string(), "x").expect("imports");
    let Some(NodeConfiguration::Agent(c)) = &p.flows[0].definition.nodes[0].configuration else {
        panic!("an Agent node");
    };
    assert_eq!(c.project_agent.as_deref(), Some("Helper"));
}

// ---------------------------------------------------------------------------------------
// Golden output, determinism, refusal, bad input.

fn support_triage() -> Project {
    instantiate(
        strata::templates::find("support-triage").expect("template"),
        "support-triage",
    )
    .expect("loads")
}

#[test]
fn support_triage_yaml_snapshot() {
    let t = export_cloudformation(&support_triage()).expect("exports");
    insta::assert_snapshot!("support_triage_yaml", t.to_yaml());
}

#[test]
fn exports_are_deterministic() {
    for (label, p) in corpus() {
        let again = load(&p.to_json(), "x").expect("reloads").project;
        if cfn_expressible(&p) {
            let a = export_cloudformation(&p).expect("exports");
            let b = export_cloudformation(&again).expect("exports");
            assert_eq!(a.to_yaml(), b.to_yaml(), "{label}");
            assert_eq!(a.to_json(), b.to_json(), "{label}");
        }
        for f in &p.flows {
            let a = serde_json::to_string_pretty(&export_flow_json(&p, &f.name).expect("exports"))
                .expect("json");
            let b =
                serde_json::to_string_pretty(&export_flow_json(&again, &f.name).expect("exports"))
                    .expect("json");
            assert_eq!(a, b, "{label}");
        }
    }
}

#[test]
fn projects_with_errors_are_refused_with_their_diagnostics() {
    let text = read(&root().join("tests/fixtures/err_missing_default_condition.json"));
    let p = load(&text, "broken").expect("loads").project;
    let flow = p.flows[0].name.clone();
    for result in [
        export_flow_json(&p, &flow).map(|_| ()),
        export_cloudformation(&p).map(|_| ()),
    ] {
        match result {
            Err(ExportError::Invalid { diagnostics }) => {
                assert!(diagnostics
                    .iter()
                    .any(|d| d.code == Code::MissingDefaultCondition));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    let mut p = support_triage();
    p.agents[0].instruction = Some("too short".into());
    assert!(matches!(
        export_agent_json(&p, "BillingAgent"),
        Err(ExportError::Invalid { .. })
    ));
    let e = export_cloudformation(&p).unwrap_err();
    assert!(e.to_string().contains("AgentInstructionLength"), "{e}");
}

#[test]
fn chat_prompts_are_refused_in_cloudformation_only() {
    let text = read(&root().join("tests/fixtures/ok_chat_prompt_tool_configuration.json"));
    let p = load(&text, "chat").expect("loads").project;
    match export_cloudformation(&p) {
        Err(ExportError::FlowNotInCloudFormation { flow, node, what }) => {
            assert_eq!(flow, "chat");
            assert!(p.flows[0].definition.node(&node).is_some());
            assert!(what.contains("CHAT"), "{what}");
        }
        other => panic!("expected a refusal naming the node, got {other:?}"),
    }
    assert!(export_flow_json(&p, "chat").is_ok());
}

#[test]
fn unknown_flows_and_agents_are_named() {
    let p = support_triage();
    assert_eq!(
        export_flow_json(&p, "nope").unwrap_err(),
        ExportError::UnknownFlow {
            flow: "nope".into()
        }
    );
    assert!(matches!(
        export_agent_json(&p, "nope"),
        Err(ExportError::UnknownAgent { .. })
    ));
}

#[test]
fn iam_roles_grant_only_what_the_nodes_use() {
    let t = export_cloudformation(&support_triage())
        .expect("exports")
        .to_value();
    let role = &t["Resources"]["TriageFlowRole"]["Properties"];
    let statements = role["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements");
    let actions: Vec<String> = statements
        .iter()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .map(|a| a.as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "bedrock:InvokeModel",
            "bedrock:Retrieve",
            "bedrock:RetrieveAndGenerate",
            "bedrock:InvokeAgent"
        ]
    );
    let invoke_agent = statements
        .iter()
        .find(|s| s["Sid"] == "InvokeAgents")
        .expect("agents");
    assert_eq!(
        invoke_agent["Resource"],
        json!([{"Fn::GetAtt": ["BillingAgentAlias", "AgentAliasArn"]}])
    );
    let node = &t["Resources"]["TriageFlow"]["Properties"]["Definition"]["Nodes"][5];
    assert_eq!(
        node["Configuration"]["Agent"]["AgentAliasArn"],
        json!({"Fn::GetAtt": ["BillingAgentAlias", "AgentAliasArn"]})
    );
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
        "bedrock.amazonaws.com"
    );
    let agent_role = &t["Resources"]["BillingAgentRole"]["Properties"]["Policies"][0]
        ["PolicyDocument"]["Statement"];
    let sids: Vec<&str> = agent_role
        .as_array()
        .expect("statements")
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(sids, ["InvokeModels", "ApplyGuardrails"]);
    assert_eq!(
        t["Resources"]["BillingAgentOrdersPermission"]["Type"],
        "AWS::Lambda::Permission"
    );
    assert_eq!(
        t["Resources"]["BillingAgent"]["Properties"]["AutoPrepare"],
        true
    );
}

#[test]
fn hostile_documents_end_in_errors_not_panics() {
    let deep = "[".repeat(10_000);
    let cases = [
        "", "null", "[]", "{}", "42", "\"x\"", "Resources: 5", "Resources: {}",
        "Resources: {A: {Type: AWS::Bedrock::Flow, Properties: {Definition: {Nodes: 5}}}}",
        "Resources: {A: {Type: AWS::Bedrock::Flow, Properties: {DefinitionString: '{'}}}}",
        "Resources: {A: {Type: AWS::Bedrock::Flow, Properties: {DefinitionS3Location: {Bucket: b, Key: k}}}}",
        "Resources: {A: {Type: AWS::Bedrock::Agent, Properties: {AgentName: !Ref X, ActionGroups: [!GetAtt]}}}",
        "Resources: {A: {Type: AWS::Bedrock::Agent, Properties: {AgentName: a, AgentCollaborators: [{AgentDescriptor: 5}]}}}",
        "Resources: !!binary aGVsbG8=", "{\"agent\": []}", "{\"agent\": {}}", "{\"createAgent\": {\"agentName\": 1}}",
        "- a\n- b", "a: &x [*x]", &deep,
    ];
    for c in cases {
        let _ = import(c, "x");
    }
}

#[test]
fn project_knowledge_bases_without_an_id_become_parameters() {
    let mut p = support_triage();
    p.knowledge_bases = vec![strata::model::KnowledgeBase {
        name: "faq".into(),
        description: None,
        knowledge_base_id: None,
        documents: Some("docs".into()),
    }];
    let node = p.flows[0].definition.node_mut("DocsAnswer").expect("node");
    if let Some(NodeConfiguration::KnowledgeBase(c)) = &mut node.configuration {
        c.knowledge_base_id = "faq".into();
    }
    let t = export_cloudformation(&p).expect("exports").to_value();
    assert_eq!(t["Parameters"]["FaqKnowledgeBaseId"]["Type"], "String");
    let kb = &t["Resources"]["TriageFlow"]["Properties"]["Definition"]["Nodes"][3];
    assert_eq!(
        kb["Configuration"]["KnowledgeBase"]["KnowledgeBaseId"],
        json!({"Ref": "FaqKnowledgeBaseId"})
    );
    validate_template("faq", &t, &cfn_validators());
    let flow = export_flow_json(&p, "triage").expect("exports");
    assert_eq!(
        flow["definition"]["nodes"][3]["configuration"]["knowledgeBase"]["knowledgeBaseId"],
        "${FaqKnowledgeBaseId}"
    );
}
