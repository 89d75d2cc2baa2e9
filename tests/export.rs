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
    export_agent_json, export_cloudformation, export_cloudformation_with, export_flow_json,
    ExportError, FlowHistory, History, RecordedVersion, FLOW_ROLE_PLACEHOLDER,
};
use strata::import::{import, import_document, ImportError, ImportFormat};
use strata::model::{load, FlowDefinition, Project};
use strata::nodes::NodeConfiguration;
use strata::templates::{instantiate, TEMPLATES};

mod support {
    pub mod botocore;
    pub mod cfn_lint;
    pub mod cfn_schema;
    pub mod cli;
    pub mod json;
    pub mod tree;
}

use support::botocore::Shapes;
use support::cfn_lint::lint;
use support::cfn_schema::{cfn_validators, validate_template};
use support::cli::{self, Run};
use support::json::strings;
use support::tree::folder_with;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (label, project) for every template and every fixture the compiler accepts.
fn corpus() -> Vec<(String, Project)> {
    let mut out: Vec<(String, Project)> = TEMPLATES
        .iter()
        .map(|t| {
            let p = classic(instantiate(t, t.name).unwrap_or_else(|e| panic!("{}: {e}", t.name)));
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

/// Checks an exported request against its shape, placeholders filled as a user would.
fn assert_valid(shapes: &Shapes, label: &str, shape: &str, v: &Value) {
    let mut errors = Vec::new();
    shapes.check(shape, &fill_placeholders(v), shape, &mut errors);
    assert!(errors.is_empty(), "{label}:\n{}", errors.join("\n"));
}

/// The placeholders an export leaves for the user, filled the way a user would.
fn fill_placeholders(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with("${") && s.ends_with('}') => {
            let filled = if s.ends_with("GuardrailId}") {
                "abcdefgh1234"
            } else if s == FLOW_ROLE_PLACEHOLDER || s.ends_with("RoleArn}") {
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
    let shapes = Shapes::bedrock_agent();
    let mut checked = 0;
    for (label, p) in corpus() {
        for f in &p.flows {
            let v = export_flow_json(&p, &f.name).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_valid(
                &shapes,
                &format!("{label} flow {}", f.name),
                "CreateFlowRequest",
                &v,
            );
            checked += 1;
        }
        for a in &p.agents {
            let r = export_agent_json(&p, &a.agent_name).unwrap_or_else(|e| panic!("{label}: {e}"));
            let l = format!("{label} agent {}", a.agent_name);
            assert_valid(&shapes, &l, "CreateAgentRequest", &r.create_agent);
            for g in &r.action_groups {
                assert_valid(&shapes, &l, "CreateAgentActionGroupRequest", g);
            }
            for k in &r.knowledge_bases {
                assert_valid(&shapes, &l, "AssociateAgentKnowledgeBaseRequest", k);
            }
            for c in &r.collaborators {
                assert_valid(&shapes, &l, "AssociateAgentCollaboratorRequest", c);
            }
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} exports checked");
}

#[test]
fn the_shape_check_catches_mistakes() {
    let shapes = Shapes::bedrock_agent();
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

/// What the export formats carry: no canvas, samples, local settings or model profiles.
/// (Guardrails and knowledge bases a template does not create travel in its Metadata.)
fn carried(mut p: Project) -> Project {
    // Agents that target AgentCore have their own template (`agentcore-cfn-yaml`); the
    // project template holds none of them, and the target itself is Strata's.
    let classic: Vec<bool> = p
        .agents
        .iter()
        .map(|a| p.agent_target(a) != Some(strata::model::agent::AgentTarget::Agentcore))
        .collect();
    let mut keep = classic.into_iter();
    p.agents.retain(|_| keep.next().unwrap_or(true));
    p.agent_target = None;
    for a in &mut p.agents {
        a.agent_target = None;
    }
    p.canvas.clear();
    // Where agents ship is Strata's choice, not part of a Classic template.
    p.agent_target = None;
    p.knowledge_bases.sort_by(|a, b| a.name.cmp(&b.name));
    p.guardrails.sort_by(|a, b| a.name.cmp(&b.name));
    p.model_profiles.clear();
    for f in &mut p.flows {
        f.samples.clear();
        strip_definition(&mut f.definition);
    }
    for a in &mut p.agents {
        a.local = Default::default();
        a.agent_target = None;
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
            // What CreateFlow cannot carry: which project agent a node runs, and which project
            // knowledge base (without a Bedrock id yet) a node searches.
            for n in &mut expected.definition.nodes {
                if let Some(NodeConfiguration::Agent(c)) = &mut n.configuration {
                    if let Some(a) = c.project_agent.take() {
                        c.agent_alias_arn = strata::export::agent_alias_placeholder(&a);
                    }
                }
                if let Some(NodeConfiguration::KnowledgeBase(c)) = &mut n.configuration {
                    let unplaced = p
                        .knowledge_bases
                        .iter()
                        .any(|k| k.name == c.knowledge_base_id && k.knowledge_base_id.is_none());
                    if unplaced {
                        c.knowledge_base_id =
                            strata::export::knowledge_base_placeholder(&c.knowledge_base_id);
                    }
                }
                // A project guardrail without a Bedrock identifier: its placeholder.
                let guardrail =
                    if let Some(NodeConfiguration::KnowledgeBase(c)) = &mut n.configuration {
                        c.guardrail_configuration.as_mut()
                    } else if let Some(NodeConfiguration::Prompt(c)) = &mut n.configuration {
                        c.guardrail_configuration.as_mut()
                    } else {
                        None
                    };
                if let Some(g) = guardrail {
                    let named = g
                        .guardrail_identifier
                        .as_deref()
                        .and_then(|id| p.guardrail(id));
                    if let Some(found) = named {
                        g.guardrail_identifier = Some(match &found.guardrail_identifier {
                            Some(id) => id.clone(),
                            None => strata::export::guardrail_placeholder(&found.name),
                        });
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

/// What a `Ref` or `Fn::GetAtt` points at, by meaning: the kind of resource, the name the
/// project knows it by (an alias or a version by what it belongs to), and the attribute
/// (`Ref`'s default attribute spelled out). A `Ref` to a parameter is the parameter.
fn target_of(template: &Value, v: &Value) -> Option<Value> {
    let m = v.as_object().filter(|m| m.len() == 1)?;
    let (resource, attribute) = match (m.get("Ref"), m.get("Fn::GetAtt")) {
        (Some(Value::String(r)), _) => (r.as_str(), None),
        (_, Some(Value::Array(parts))) if parts.len() == 2 => {
            (parts[0].as_str()?, Some(parts[1].as_str()?))
        }
        _ => return None,
    };
    let Some(r) = template["Resources"].get(resource) else {
        return Some(json!({ "parameter": resource }));
    };
    let kind = r["Type"].as_str()?;
    let props = &r["Properties"];
    let owner = |member: &str| -> Option<Value> { target_of(template, &props[member]) };
    let (name, default) = match kind {
        "AWS::Bedrock::Agent" => (props["AgentName"].clone(), "AgentId"),
        "AWS::Bedrock::AgentAlias" => (owner("AgentId")?["name"].clone(), "AgentAliasId"),
        "AWS::Bedrock::Guardrail" => (props["Name"].clone(), "GuardrailArn"),
        "AWS::Bedrock::GuardrailVersion" => {
            (owner("GuardrailIdentifier")?["name"].clone(), "Version")
        }
        "AWS::Bedrock::KnowledgeBase" => (props["Name"].clone(), "KnowledgeBaseId"),
        "AWS::Bedrock::Flow" => (props["Name"].clone(), "Arn"),
        _ => (Value::String(resource.to_owned()), ""),
    };
    Some(json!({ "resource": kind, "name": name, "attribute": attribute.unwrap_or(default) }))
}

/// References replaced by what they point at, so two templates compare by meaning.
fn by_meaning(template: &Value, v: &Value) -> Value {
    if let Some(target) = target_of(template, v) {
        return target;
    }
    match v {
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

/// The configuration of node `name` of `flow`.
#[track_caller]
fn configuration(flow: &strata::model::Flow, name: &str) -> NodeConfiguration {
    flow.definition
        .node(name)
        .and_then(|n| n.configuration.clone())
        .unwrap_or_else(|| panic!("no node {name} with a configuration"))
}

#[test]
fn export_after_import_of_a_cloudformation_template_is_equivalent() {
    let text = read(&root().join("tests/export_fixtures/billing_stack.yaml"));
    let original = strata::import::cloudformation::yaml_to_json(&text).expect("yaml");
    let i = import(&text, "billing").expect("imports");
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    let flow = &i.project.flows[0];
    let NodeConfiguration::Agent(c) = configuration(flow, "Ask") else {
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
    classic(
        instantiate(
            strata::templates::find("support-triage").expect("template"),
            "support-triage",
        )
        .expect("loads"),
    )
}

/// A template's project with its agents on Agents Classic, whatever new projects default to:
/// these tests are about the Classic exports (tests/agentcore_*.rs cover AgentCore's).
fn classic(mut p: Project) -> Project {
    p.agent_target = Some(strata::model::lenient::Lenient::Known(
        strata::model::agent::AgentTarget::Classic,
    ));
    p
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
    let sids = strings(agent_role, "Sid");
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

/// The error a hostile document must end in: its kind with where it points, and a piece of
/// its message.
#[derive(Debug)]
enum Refusal {
    /// Not a document import knows.
    NotRecognised(&'static str),
    /// JSON the project loader refused as no project or flow.
    LoadNotRecognised(&'static str),
    /// A syntax error at (line, column), from the YAML reader or the JSON loader.
    Syntax(usize, usize, &'static str),
    LoadSyntax(usize, usize, &'static str),
    /// A member without the shape Bedrock gives it, at this path.
    Shape(&'static str, &'static str),
    /// A resource import cannot read.
    Unsupported(&'static str, &'static str),
}

impl Refusal {
    fn fits(&self, error: &ImportError) -> bool {
        use strata::model::LoadError;
        match (self, error) {
            (Refusal::NotRecognised(m), ImportError::NotRecognised(message))
            | (
                Refusal::LoadNotRecognised(m),
                ImportError::Load(LoadError::NotRecognised(message)),
            ) => message.contains(m),
            (
                Refusal::Syntax(l, c, m),
                ImportError::Syntax {
                    line,
                    column,
                    message,
                },
            )
            | (
                Refusal::LoadSyntax(l, c, m),
                ImportError::Load(LoadError::Syntax {
                    line,
                    column,
                    message,
                }),
            ) => (l, c) == (line, column) && message.contains(m),
            (Refusal::Shape(path, m), ImportError::Shape { at, message }) => {
                at == path && message.contains(m)
            }
            (Refusal::Unsupported(r, m), ImportError::Unsupported { resource, message }) => {
                resource == r && message.contains(m)
            }
            _ => false,
        }
    }
}

#[test]
fn hostile_documents_end_in_errors_not_panics() {
    use Refusal::*;
    let deep = "[".repeat(10_000);
    let not_a_template = "a YAML document that is not a CloudFormation template (no Resources)";
    let not_an_object = "the document is not a JSON object";
    let neither = "not a Strata project (no schemaVersion) nor a Bedrock flow";
    let no_resources = "a template needs a Resources object";
    let cases: Vec<(&str, Refusal)> = vec![
        ("", NotRecognised(not_a_template)),
        ("null", LoadNotRecognised(not_an_object)),
        ("[]", LoadNotRecognised(not_an_object)),
        ("{}", LoadNotRecognised(neither)),
        ("42", LoadNotRecognised(not_an_object)),
        ("\"x\"", LoadNotRecognised(not_an_object)),
        ("Resources: 5", Shape("Resources", no_resources)),
        ("Resources: {}", NotRecognised("the template has no AWS::Bedrock::Flow, Agent, Guardrail or KnowledgeBase resource")),
        (
            "Resources: {A: {Type: AWS::Bedrock::Flow, Properties: {Definition: {Nodes: 5}}}}",
            Shape("Resources.A.Properties.Definition.nodes", "invalid type: integer `5`, expected a sequence"),
        ),
        // One closing brace too many: the YAML reader stops there.
        (
            "Resources: {A: {Type: AWS::Bedrock::Flow, Properties: {DefinitionString: '{'}}}}",
            Syntax(1, 80, "misplaced bracket"),
        ),
        (
            "Resources: {A: {Type: AWS::Bedrock::Flow, Properties: {DefinitionString: '{'}}}",
            Shape("Resources.A.Properties.DefinitionString", "EOF while parsing an object"),
        ),
        (
            "Resources: {A: {Type: AWS::Bedrock::Flow, Properties: {DefinitionS3Location: {Bucket: b, Key: k}}}}",
            Unsupported("A", "the flow definition is an S3 object (DefinitionS3Location s3://b/k), which import cannot fetch"),
        ),
        // A tag glued to the closing bracket ends there (a tag has no flow indicators), so
        // the action group is an empty `!GetAtt`.
        (
            "Resources: {A: {Type: AWS::Bedrock::Agent, Properties: {AgentName: !Ref X, ActionGroups: [!GetAtt]}}}",
            Shape("Resources.A.Properties.actionGroups[0]", "expected struct ActionGroup"),
        ),
        (
            "Resources: {A: {Type: AWS::Bedrock::Agent, Properties: {AgentName: !Ref X, ActionGroups: [!GetAtt ]}}}",
            Shape("Resources.A.Properties.actionGroups[0]", "expected struct ActionGroup"),
        ),
        (
            "Resources: {A: {Type: AWS::Bedrock::Agent, Properties: {AgentName: a, AgentCollaborators: [{AgentDescriptor: 5}]}}}",
            Shape("Resources.A.Properties.collaborators[0].agentDescriptor", "invalid type: integer `5`, expected struct AgentDescriptor"),
        ),
        ("Resources: !!binary aGVsbG8=", Shape("Resources", no_resources)),
        ("{\"agent\": []}", LoadNotRecognised(neither)),
        ("{\"agent\": {}}", Shape("agent", "missing field `agentName`")),
        (
            "{\"createAgent\": {\"agentName\": 1}}",
            Shape("createAgent.agentName", "invalid type: integer `1`, expected a string"),
        ),
        ("- a\n- b", NotRecognised(not_a_template)),
        ("a: &x [*x]", Syntax(1, 8, "Recursive reference not allowed here")),
        (&deep, LoadSyntax(1, 128, "recursion limit exceeded")),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(text, expected)| {
            let shown: String = text.chars().take(100).collect();
            match import(text, "x") {
                Err(e) if expected.fits(&e) => None,
                Err(e) => Some(format!("{shown:?}: expected {expected:?}, got {e:?}")),
                Ok(_) => Some(format!("{shown:?}: expected {expected:?}, but it imported")),
            }
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn project_knowledge_bases_without_an_id_become_parameters() {
    let mut p = support_triage();
    p.knowledge_bases = vec![strata::model::KnowledgeBase {
        documents: Some("docs".into()),
        ..strata::model::KnowledgeBase::named("faq")
    }];
    let node = p.flows[0].definition.node_mut("DocsAnswer").expect("node");
    if let Some(NodeConfiguration::KnowledgeBase(c)) = &mut node.configuration {
        c.knowledge_base_id = "faq".into();
    }
    let t = export_cloudformation(&p).expect("exports");
    // Import knows the parameter for what it is: the project knowledge base, whole.
    let back = import(&t.to_yaml(), "x").expect("imports");
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    assert_eq!(carried(back.project), carried(p.clone()));
    let t = t.to_value();
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

// ---------------------------------------------------------------------------------------
// AWS's own linter.

#[test]
fn the_lint_check_catches_mistakes() {
    // A Flow without its required ExecutionRoleArn, and an agent alias whose agent id
    // cannot be one: cfn-lint must say so, or the check above would prove nothing.
    let (_dir, file) = folder_with(
        "broken.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: f\n  A:\n    Type: AWS::Bedrock::AgentAlias\n    Properties:\n      AgentAliasName: live\n      AgentId: not-an-id\n",
    );
    if let Some(findings) = lint(&[file]) {
        for found in [" E3003 ", "not-an-id"] {
            assert!(
                findings.iter().any(|f| f.contains(found)),
                "{found}: {findings:?}"
            );
        }
    }
}

#[test]
fn cfn_lint_finds_nothing_in_exported_templates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for (i, (label, p)) in corpus().into_iter().enumerate() {
        if !cfn_expressible(&p) {
            continue;
        }
        let t = export_cloudformation(&p).unwrap_or_else(|e| panic!("{label}: {e}"));
        let stem = format!("{i:02}-{}", label.replace(' ', "-"));
        for (ext, text) in [("yaml", t.to_yaml()), ("json", t.to_json())] {
            let path = dir.path().join(format!("{stem}.{ext}"));
            std::fs::write(&path, text).expect("write");
            files.push(path);
        }
    }
    assert!(files.len() >= 20, "only {} templates", files.len());
    if let Some(findings) = lint(&files) {
        assert!(findings.is_empty(), "cfn-lint:\n{}", findings.join("\n"));
    }
}

// ---------------------------------------------------------------------------------------
// Recorded versions and aliases.

fn recorded(number: u32, description: &str, flow: &strata::model::Flow) -> RecordedVersion {
    RecordedVersion {
        number,
        description: description.into(),
        flow: flow.clone(),
    }
}

#[test]
fn recorded_versions_and_aliases_become_flow_versions_and_aliases() {
    let p = support_triage();
    // Version 1 read the whole input document where the flow now reads one field.
    let mut older = p.flows[0].clone();
    let classify = older.definition.node_mut("Classify").expect("Classify");
    assert_ne!(classify.inputs[0].expression, "$.data");
    classify.inputs[0].expression = "$.data".into();
    let mut flows = BTreeMap::new();
    flows.insert(
        "triage".to_owned(),
        FlowHistory {
            versions: vec![
                recorded(1, "first cut", &older),
                recorded(2, "", &p.flows[0]),
            ],
            aliases: [("live".to_owned(), 2), ("previous".to_owned(), 1)]
                .into_iter()
                .collect(),
        },
    );
    let history = History { flows };
    let t = export_cloudformation_with(&p, &history).expect("exports");
    let v = t.to_value();
    let r = &v["Resources"];
    assert_eq!(r["TriageFlowVersion1"]["Type"], "AWS::Bedrock::FlowVersion");
    assert!(r["TriageFlowVersion1"].get("DependsOn").is_none());
    assert_eq!(r["TriageFlowVersion2"]["DependsOn"], "TriageFlowVersion1");
    let d1 = r["TriageFlowVersion1"]["Properties"]["Description"]
        .as_str()
        .expect("description");
    assert!(
        d1.starts_with("Flow triage version 1 (definition ") && d1.ends_with("): first cut"),
        "{d1}"
    );
    assert!(
        r.get("TriageFlowVersion").is_none(),
        "no unrecorded version"
    );
    assert!(r.get("TriageFlowAlias").is_none(), "no implicit live alias");
    assert_eq!(r["TriageFlowAliasLive"]["Properties"]["Name"], "live");
    assert_eq!(
        r["TriageFlowAliasLive"]["Properties"]["RoutingConfiguration"],
        json!([{"FlowVersion": {"Fn::GetAtt": ["TriageFlowVersion2", "Version"]}}])
    );
    assert_eq!(
        r["TriageFlowAliasPrevious"]["Properties"]["RoutingConfiguration"],
        json!([{"FlowVersion": {"Fn::GetAtt": ["TriageFlowVersion1", "Version"]}}])
    );
    assert_eq!(
        v["Outputs"]["TriageFlowAliasPreviousArn"]["Value"],
        json!({"Fn::GetAtt": ["TriageFlowAliasPrevious", "Arn"]})
    );
    // Version 1 was recorded from another definition: said, once.
    assert_eq!(t.notes.len(), 1, "{:?}", t.notes);
    assert!(t.notes[0].contains("version 1"), "{}", t.notes[0]);
    validate_template("history", &v, &cfn_validators());
    // The history never changes the project import reads back.
    let back = import(&t.to_yaml(), "x").expect("imports");
    assert_eq!(carried(back.project), carried(p.clone()));
    // Deterministic, and the same as no history when there is none for the flow.
    assert_eq!(
        export_cloudformation_with(&p, &history)
            .expect("exports")
            .to_yaml(),
        t.to_yaml()
    );
    assert_eq!(
        export_cloudformation_with(&p, &History::default())
            .expect("exports")
            .to_yaml(),
        export_cloudformation(&p).expect("exports").to_yaml()
    );
    let (_dir, file) = folder_with("history.yaml", t.to_yaml());
    if let Some(findings) = lint(&[file]) {
        assert!(findings.is_empty(), "cfn-lint:\n{}", findings.join("\n"));
    }
}

#[test]
fn bad_recorded_aliases_are_named() {
    let p = support_triage();
    let one = |aliases: &[(&str, u32)]| History {
        flows: [(
            "triage".to_owned(),
            FlowHistory {
                versions: vec![recorded(1, "", &p.flows[0])],
                aliases: aliases.iter().map(|(a, n)| ((*a).to_owned(), *n)).collect(),
            },
        )]
        .into_iter()
        .collect(),
    };
    assert_eq!(
        export_cloudformation_with(&p, &one(&[("live", 3)])).unwrap_err(),
        ExportError::AliasWithoutVersion {
            flow: "triage".into(),
            alias: "live".into(),
            version: 3
        }
    );
    assert!(matches!(
        export_cloudformation_with(&p, &one(&[("two words", 1)])),
        Err(ExportError::AliasName { .. })
    ));
}

#[test]
fn cli_export_with_a_data_dir_carries_versions_and_aliases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let project = dir.path().join("support.strata.json");
    std::fs::write(&project, support_triage().to_json()).expect("write");
    let strata = |args: &[&str]| {
        let out = Run::of(cli::strata().args(args).env_remove("STRATA_DATA_DIR"));
        out.exits(0);
        out.stdout
    };
    let file = project.to_str().expect("utf-8");
    let data_dir = data.to_str().expect("utf-8");
    strata(&[
        "version",
        "create",
        file,
        "--description",
        "first",
        "--data-dir",
        data_dir,
    ]);
    let mut p = support_triage();
    p.flows[0].description = Some("second cut".into());
    std::fs::write(&project, p.to_json()).expect("write");
    strata(&["version", "create", file, "--data-dir", data_dir]);
    strata(&["alias", "set", file, "live", "2", "--data-dir", data_dir]);
    strata(&["alias", "set", file, "stable", "1", "--data-dir", data_dir]);

    let yaml = strata(&[
        "export",
        file,
        "--format",
        "cfn-yaml",
        "--data-dir",
        data_dir,
    ]);
    let t = strata::import::cloudformation::yaml_to_json(&yaml).expect("yaml");
    let versions = resources_of(&t, "AWS::Bedrock::FlowVersion");
    assert_eq!(versions.len(), 2);
    let aliases: BTreeMap<String, Value> = resources_of(&t, "AWS::Bedrock::FlowAlias")
        .into_iter()
        .map(|a| {
            (
                a["Properties"]["Name"].as_str().unwrap_or("").to_owned(),
                a["Properties"]["RoutingConfiguration"][0]["FlowVersion"]["Fn::GetAtt"][0].clone(),
            )
        })
        .collect();
    assert_eq!(aliases["live"], "TriageFlowVersion2");
    assert_eq!(aliases["stable"], "TriageFlowVersion1");
    validate_template("cli history", &t, &cfn_validators());

    // The request formats have no place for versions: said, not ignored.
    Run::of(cli::strata().args([
        "export",
        file,
        "--format",
        "flow-json",
        "--data-dir",
        data_dir,
    ]))
    .exits(2)
    .stderr_has("CloudFormation templates only");

    // Without a data dir: the one version and the `live` alias, as before.
    let plain = strata(&["export", file, "--format", "cfn-json"]);
    let t: Value = serde_json::from_str(&plain).expect("json");
    assert_eq!(resources_of(&t, "AWS::Bedrock::FlowVersion").len(), 1);
    assert_eq!(
        t["Resources"]["TriageFlowAlias"]["Properties"]["Name"],
        "live"
    );
}

// ---------------------------------------------------------------------------------------
// Import coverage: hand-written documents with every node type and every agent feature.

fn fixture(name: &str) -> String {
    read(&root().join("tests/import_fixtures").join(name))
}

/// Every node type used in a project's flows, loop bodies included.
fn node_types(p: &Project) -> std::collections::BTreeSet<String> {
    p.flows
        .iter()
        .flat_map(|f| f.definition.all_nodes())
        .map(|(_, n)| n.node_type.as_str().to_owned())
        .collect()
}

fn all_node_types() -> std::collections::BTreeSet<String> {
    strata::nodes::REGISTRY
        .iter()
        .map(|k| strata::model::lenient::StrEnum::as_str(k.node_type).to_owned())
        .collect()
}

fn assert_compiles(label: &str, p: &Project) {
    let compiled = strata::compile::compile(p);
    let errors: Vec<String> = compiled.errors().map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "{label}:\n{}", errors.join("\n"));
}

/// import(export(p)) == p through CloudFormation, YAML and JSON, and cfn-lint is content.
fn assert_cloudformation_round_trip(label: &str, p: &Project) {
    let t = export_cloudformation(p).unwrap_or_else(|e| panic!("{label}: {e}"));
    validate_template(label, &t.to_value(), &cfn_validators());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for (form, text) in [("yaml", t.to_yaml()), ("json", t.to_json())] {
        let back = import(&text, "x").unwrap_or_else(|e| panic!("{label} {form}: {e}"));
        assert!(
            back.warnings.is_empty(),
            "{label} {form}: {:?}",
            back.warnings
        );
        assert_eq!(carried(back.project), carried(p.clone()), "{label} {form}");
        let file = dir.path().join(format!("round-trip.{form}"));
        std::fs::write(&file, text).expect("write");
        files.push(file);
    }
    if let Some(findings) = lint(&files) {
        assert!(
            findings.is_empty(),
            "{label}: cfn-lint:\n{}",
            findings.join("\n")
        );
    }
}

#[test]
fn get_flow_json_with_every_node_type_round_trips() {
    let text = fixture("get_flow_every_node_type.json");
    let i = import(&text, "fallback").expect("imports");
    assert_eq!(
        i.format,
        ImportFormat::Flow(strata::model::SourceFormat::GetFlowResponse)
    );
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    let p = i.project;
    assert_eq!(node_types(&p), all_node_types());
    assert_compiles("GetFlow", &p);
    // Reference §1.2: Input, Output, Iterator nodes without `configuration` are read as they are.
    let flow = &p.flows[0];
    for name in ["FlowInput", "Items", "RefundOut", "BatchOut"] {
        let node = flow.definition.node(name).expect(name);
        assert!(node.configuration.is_none(), "{name}");
    }
    assert!(flow
        .definition
        .node("AnswerOut")
        .expect("AnswerOut")
        .configuration
        .is_some());

    // export(import(x)) is x without what only a response carries.
    let mut expected: Value = serde_json::from_str(&text).expect("json");
    for k in [
        "id",
        "arn",
        "status",
        "createdAt",
        "updatedAt",
        "version",
        "validations",
    ] {
        expected.as_object_mut().expect("object").remove(k);
    }
    assert_eq!(export_flow_json(&p, &flow.name).expect("exports"), expected);
    assert_cloudformation_round_trip("GetFlow", &p);
}

#[test]
fn get_agent_json_with_every_agent_feature_round_trips() {
    let text = fixture("get_agent_every_feature.json");
    let i = import(&text, "fallback").expect("imports");
    assert_eq!(i.format, ImportFormat::Agent);
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    let p = i.project;
    assert_compiles("GetAgent", &p);
    let a = &p.agents[0];
    use strata::model::agent::{ActionGroupExecutor, ApiSchema};
    let groups = &a.action_groups;
    assert_eq!(groups.len(), 3);
    assert!(matches!(groups[0].api_schema, Some(ApiSchema::Payload(_))));
    assert!(matches!(
        groups[0].action_group_executor,
        Some(ActionGroupExecutor::Lambda(_))
    ));
    assert!(groups[1].returns_control());
    let functions = groups[1].function_schema.as_ref().expect("functions");
    assert!(functions.functions()[0].requires_confirmation());
    assert_eq!(
        groups[2]
            .parent_action_group_signature
            .as_ref()
            .map(|s| s.as_str()),
        Some("AMAZON.UserInput")
    );
    assert_eq!(a.knowledge_bases[0].knowledge_base_id, "KBMANUAL01");
    assert_eq!(a.collaborators[0].collaborator_name, "refunds");
    assert!(a.memory_configuration.is_some());
    assert_eq!(
        a.prompt_override_configuration
            .as_ref()
            .map(|o| o.prompt_configurations.len()),
        Some(3)
    );
    assert_eq!(
        a.guardrail_configuration
            .as_ref()
            .and_then(|g| g.guardrail_version.as_deref()),
        Some("2")
    );

    // export(import(x)): the requests carry exactly what the response said, minus what
    // only a response has.
    let original: Value = serde_json::from_str(&text).expect("json");
    let r = export_agent_json(&p, "Concierge").expect("exports");
    let mut agent = original["agent"].clone();
    for k in [
        "agentId",
        "agentArn",
        "agentVersion",
        "agentStatus",
        "createdAt",
        "updatedAt",
        "preparedAt",
    ] {
        agent.as_object_mut().expect("object").remove(k);
    }
    assert_eq!(r.create_agent, agent);
    let group_names: Vec<&str> = r
        .action_groups
        .iter()
        .filter_map(|g| g["actionGroupName"].as_str())
        .collect();
    assert_eq!(group_names, ["orders", "refunds", "ask-user"]);
    assert_eq!(
        r.action_groups[0]["apiSchema"],
        original["actionGroups"][0]["agentActionGroup"]["apiSchema"]
    );
    assert_eq!(
        r.action_groups[1]["functionSchema"],
        original["actionGroups"][1]["functionSchema"]
    );
    assert_eq!(
        r.action_groups[2]["parentActionGroupSignature"],
        "AMAZON.UserInput"
    );
    assert_eq!(
        r.collaborators[0]["agentDescriptor"],
        original["agentCollaboratorSummaries"][0]["agentDescriptor"]
    );
    assert_eq!(r.knowledge_bases[0]["knowledgeBaseId"], "KBMANUAL01");
    // And through the request bundle Strata writes.
    let again = import(&r.to_value().to_string(), "x").expect("imports");
    assert_eq!(again.format, ImportFormat::AgentRequests);
    assert_eq!(carried(again.project), carried(p.clone()));
    assert_cloudformation_round_trip("GetAgent", &p);
}

#[test]
fn cloudformation_yaml_and_json_with_every_node_type_import_alike() {
    let yaml_text = fixture("cfn_every_node_type.yaml");
    let json_text = fixture("cfn_every_node_type.json");
    let yaml = import(&yaml_text, "support").expect("YAML imports");
    let json = import(&json_text, "support").expect("JSON imports");
    for i in [&yaml, &json] {
        assert_eq!(i.format, ImportFormat::CloudFormation);
        // The one `!Sub` the project cannot hold as a value: said where.
        let at: Vec<&str> = i.warnings.iter().map(|w| w.at.as_str()).collect();
        assert_eq!(
            at,
            ["Resources.RefundsAgent.Properties.description"],
            "{:?}",
            i.warnings
        );
    }
    let p = yaml.project.clone();
    assert_eq!(
        carried(json.project.clone()).flows,
        carried(p.clone()).flows
    );
    assert_eq!(
        carried(json.project.clone()).agents,
        carried(p.clone()).agents
    );
    assert_eq!(json.project.guardrails, p.guardrails);
    assert_eq!(json.project.knowledge_bases, p.knowledge_bases);
    assert_eq!(node_types(&p), all_node_types());
    assert_compiles("CloudFormation", &p);

    // References became the project's names.
    let flow = &p.flows[0];
    assert!(flow.execution_role_arn.is_none(), "the template's own role");
    let NodeConfiguration::Agent(c) = configuration(flow, "Concierge") else {
        panic!("Concierge is an Agent node");
    };
    assert_eq!(c.project_agent.as_deref(), Some("Concierge"));
    let NodeConfiguration::KnowledgeBase(kb) = configuration(flow, "Lookup") else {
        panic!("Lookup is a KnowledgeBase node");
    };
    assert_eq!(kb.knowledge_base_id, "manuals");
    let g = kb.guardrail_configuration.expect("guardrail");
    assert_eq!(g.guardrail_identifier.as_deref(), Some("desk-guard"));
    assert_eq!(g.guardrail_version.as_deref(), Some("1"));
    let concierge = p.agent("Concierge").expect("Concierge");
    assert_eq!(
        concierge.collaborators[0]
            .agent_descriptor
            .project_agent
            .as_deref(),
        Some("Refunds")
    );
    assert_eq!(concierge.knowledge_bases[0].knowledge_base_id, "manuals");
    assert!(concierge.agent_resource_role_arn.is_none());
    assert_eq!(p.guardrails.len(), 1);
    let guard = &p.guardrails[0];
    assert_eq!(guard.name, "desk-guard");
    assert_eq!(
        guard.content_policy_config.as_ref().expect("content")["tierConfig"]["tierName"],
        "CLASSIC"
    );
    let manuals = &p.knowledge_bases[0];
    assert!(
        manuals.role_arn.is_none(),
        "a role parameter is the deployer's to give"
    );
    assert_eq!(
        manuals.storage_configuration.as_ref().expect("storage")["type"],
        "OPENSEARCH_SERVERLESS"
    );

    // export(import(x)) means what x means: every Bedrock resource compared by meaning,
    // but for the roles (regenerated) and the one value kept as text.
    let original = strata::import::cloudformation::yaml_to_json(&yaml_text).expect("yaml");
    let exported = export_cloudformation(&p).expect("exports").to_value();
    let meaning = |t: &Value, kind: &str, name_key: &str| -> BTreeMap<String, Value> {
        resources_of(t, kind)
            .into_iter()
            .map(|r| {
                let mut props = by_meaning(t, &r["Properties"]);
                let m = props.as_object_mut().expect("properties");
                for k in [
                    "ExecutionRoleArn",
                    "AgentResourceRoleArn",
                    "RoleArn",
                    "Description",
                ] {
                    m.remove(k);
                }
                (
                    r["Properties"][name_key].as_str().unwrap_or("").to_owned(),
                    props,
                )
            })
            .collect()
    };
    for (kind, name_key) in [
        ("AWS::Bedrock::Flow", "Name"),
        ("AWS::Bedrock::Agent", "AgentName"),
        ("AWS::Bedrock::Guardrail", "Name"),
        ("AWS::Bedrock::KnowledgeBase", "Name"),
    ] {
        assert_eq!(
            meaning(&exported, kind, name_key),
            meaning(&original, kind, name_key),
            "{kind}"
        );
    }
    // import(export(p)) == p, once the value kept as text is given a real one (as the
    // warning asks: cfn-lint rightly objects to `${AWS::Region}` outside Fn::Sub).
    let mut p = p;
    let refunds = p
        .agents
        .iter_mut()
        .find(|a| a.agent_name == "Refunds")
        .expect("Refunds");
    assert_eq!(
        refunds.description.as_deref(),
        Some("${Sub:Refund specialist for ${AWS::Region}}")
    );
    refunds.description = Some("Refund specialist".into());
    assert_cloudformation_round_trip("CloudFormation", &p);
}

#[test]
fn a_definition_in_s3_is_a_clear_error() {
    let text = "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: f\n      ExecutionRoleArn: arn:aws:iam::123456789012:role/r\n      DefinitionS3Location: {Bucket: flows-bucket, Key: support/flow.json}\n";
    match import(text, "x") {
        Err(e @ strata::import::ImportError::Unsupported { .. }) => {
            let message = e.to_string();
            assert!(message.starts_with("resource F:"), "{message}");
            assert!(
                message.contains("s3://flows-bucket/support/flow.json"),
                "{message}"
            );
            assert!(message.contains("cannot fetch"), "{message}");
        }
        other => panic!("expected a clear refusal, got {other:?}"),
    }
}

#[test]
fn cloudformation_variables_left_in_a_sub_definition_are_warned() {
    let template = json!({
        "Resources": {"F": {"Type": "AWS::Bedrock::Flow", "Properties": {
            "Name": "f", "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
            "DefinitionString": {"Fn::Sub": "{\"Nodes\": [{\"Name\": \"Call\", \"Type\": \"LambdaFunction\", \"Configuration\": {\"LambdaFunction\": {\"LambdaArn\": \"arn:aws:lambda:${AWS::Region}:123456789012:function:f\"}}}], \"Connections\": []}"}
        }}}
    });
    let i = import(&template.to_string(), "x").expect("imports");
    assert_eq!(i.warnings.len(), 1, "{:?}", i.warnings);
    assert!(
        i.warnings[0].at.ends_with("DefinitionString"),
        "{}",
        i.warnings[0]
    );
    assert!(
        i.warnings[0].message.contains("${AWS::Region}"),
        "{}",
        i.warnings[0]
    );
}

#[test]
fn draft_flows_with_empty_references_import_and_are_then_refused_by_name() {
    // Reference §1.2: the API saves drafts whose ARNs and ids are empty strings; import takes
    // them as they are, the compiler names each, and export refuses until they are filled.
    let mut doc: Value =
        serde_json::from_str(&fixture("get_flow_every_node_type.json")).expect("json");
    let nodes = doc["definition"]["nodes"].as_array_mut().expect("nodes");
    for n in nodes.iter_mut() {
        match n["name"].as_str() {
            Some("Concierge") => n["configuration"]["agent"]["agentAliasArn"] = json!(""),
            Some("Enrich") => n["configuration"]["lambdaFunction"]["lambdaArn"] = json!(""),
            Some("Lookup") => n["configuration"]["knowledgeBase"]["knowledgeBaseId"] = json!(""),
            _ => {}
        }
    }
    let i = import(&doc.to_string(), "draft").expect("a draft imports");
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    let compiled = strata::compile::compile(&i.project);
    let flagged: std::collections::BTreeSet<String> = compiled
        .errors()
        .filter_map(|d| d.location.node.clone())
        .collect();
    for node in ["Concierge", "Enrich", "Lookup"] {
        assert!(flagged.contains(node), "{node} not flagged: {flagged:?}");
    }
    assert!(matches!(
        export_cloudformation(&i.project),
        Err(ExportError::Invalid { .. })
    ));
}

#[test]
fn a_guardrail_the_template_can_neither_create_nor_name_is_refused() {
    let mut p = support_triage();
    let g = &mut p.guardrails[0];
    g.guardrail_identifier = None;
    g.blocked_outputs_messaging = None;
    if let Some(c) = p.agents[0].guardrail_configuration.as_mut() {
        c.guardrail_identifier = Some("support-guard".into());
    }
    match export_cloudformation(&p) {
        Err(ExportError::GuardrailNotInCloudFormation { guardrail, what }) => {
            assert_eq!(guardrail, "support-guard");
            assert!(what.contains("identifier"), "{what}");
        }
        other => panic!("expected a refusal naming the guardrail, got {other:?}"),
    }
    // The request JSON says what to fill in instead.
    let r = export_agent_json(&p, "BillingAgent").expect("exports");
    assert_eq!(
        r.create_agent["guardrailConfiguration"]["guardrailIdentifier"],
        "${SupportGuardGuardrailId}"
    );
}

#[test]
fn a_template_over_cloudformations_resource_limit_gets_a_note() {
    let mut p = support_triage();
    let flow = p.flows[0].clone();
    assert!(export_cloudformation(&p).expect("exports").notes.is_empty());
    // Each flow adds at least its Flow resource.
    for i in 0..strata::export::cloudformation::RESOURCE_LIMIT {
        let mut f = flow.clone();
        f.name = format!("{}{i}", flow.name);
        p.flows.push(f);
    }
    let t = export_cloudformation(&p).expect("exports");
    assert!(t.resources.len() > strata::export::cloudformation::RESOURCE_LIMIT);
    assert!(
        t.notes.iter().any(|n| n.contains("more than the 500")),
        "{:?}",
        t.notes
    );
}
