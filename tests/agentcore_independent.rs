//! AgentCore on agents written independently of this repository: each document of
//! `tests/data/independent/` (see its README for where each came from) goes through the product
//! as a user would take it — `strata import` (with the values a stack would get for the
//! template's parameters), `strata validate`, `strata export --format agentcore-cfn-yaml`,
//! `agentcore-cfn-json` and `agentcore-json` with `--report` — and then: every template passes
//! the official resource schemas and the pinned cfn-lint, every request the service model's
//! shapes, the report names each Classic feature the agent uses, and importing the export
//! keeps what maps. Lambda groups get a handler bound first, as the adapter needs one.

mod support {
    pub mod botocore;
    pub mod cfn_lint;
    pub mod cfn_schema;
    pub mod cli;
}

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use strata::agentcore::adapter::needs_adapter;
use strata::import::import;
use strata::model::agent::{Agent, ApiSchema, FunctionSchema};
use strata::model::{load, Project};
use support::botocore::Shapes;
use support::cfn_lint::lint;
use support::cfn_schema::{cfn_validators, validate_template};
use support::cli::{path_str, run};

const ACCOUNT: &str = "123456789012";

fn corpus(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/independent")
        .join(file)
}

/// What one corpus document became, for the entry's own checks.
struct Shipped {
    /// The project `strata import` wrote (with the handlers the test bound).
    project: Project,
    /// `--format agentcore-json`: the requests.
    requests: Value,
    /// `--format agentcore-cfn-json`: the template.
    template: Value,
    /// `--report FILE.json`: the migration report's items of the agent.
    report: Vec<Value>,
    /// The agent imported back from the agentcore-json export.
    round_trip: Agent,
}

impl Shipped {
    fn agent(&self) -> &Agent {
        &self.project.agents[0]
    }

    /// The report item whose feature is `feature`.
    fn item(&self, feature: &str) -> &Value {
        self.report
            .iter()
            .find(|i| i["feature"] == feature)
            .unwrap_or_else(|| panic!("no report item {feature:?} in {:#?}", self.report))
    }

    fn became(&self, feature: &str) -> &str {
        self.item(feature)["outcome"]["became"]
            .as_str()
            .unwrap_or_else(|| panic!("{feature}: {}", self.item(feature)))
    }

    fn no_equivalent(&self, feature: &str) -> &str {
        self.item(feature)["outcome"]["noEquivalent"]
            .as_str()
            .unwrap_or_else(|| panic!("{feature}: {}", self.item(feature)))
    }

    fn target(&self, name: &str) -> &Value {
        self.requests["createGatewayTargets"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["name"] == name))
            .unwrap_or_else(|| panic!("no target {name}: {}", self.requests))
    }

    fn harness_tool_types(&self) -> Vec<&str> {
        self.requests["createHarness"]["tools"]
            .as_array()
            .map(|ts| ts.iter().filter_map(|t| t["type"].as_str()).collect())
            .unwrap_or_default()
    }
}

/// Takes `file` through import, validate and the three AgentCore exports, and checks what
/// every entry must satisfy.
fn ship(file: &str, parameters: &[(&str, &str)]) -> Shipped {
    let dir = tempfile::tempdir().expect("tempdir");
    let project_path = dir.path().join("p.strata.json");
    let source = corpus(file);
    let mut args = vec![
        "import".to_owned(),
        path_str(&source).to_owned(),
        "--out".into(),
        path_str(&project_path).to_owned(),
    ];
    for (k, v) in [("AWS::Region", "us-east-1"), ("AWS::AccountId", ACCOUNT)]
        .iter()
        .chain(parameters)
    {
        args.push("--parameter".into());
        args.push(format!("{k}={v}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args)
        .exits(0)
        .stdout_has("imported 0 flows and 1 agent");

    // The user's handlers: the adapter wraps the Classic handler of each Lambda target.
    let text = std::fs::read_to_string(&project_path).expect("project");
    let mut project = load(&text, "p").expect("loads").project;
    for g in project.agents[0].action_groups.iter_mut() {
        if needs_adapter(g) {
            g.local_handler = Some(format!(
                "handlers/{}.py:lambda_handler",
                g.action_group_name
            ));
        }
    }
    std::fs::write(&project_path, project.to_json()).expect("write");
    run(&["validate", path_str(&project_path)]).exits(0);

    let validators = cfn_validators();
    let mut templates = vec![];
    let mut outputs = serde_json::Map::new();
    for (format, ext) in [
        ("agentcore-cfn-yaml", "yaml"),
        ("agentcore-cfn-json", "json"),
        ("agentcore-json", "requests.json"),
    ] {
        // A folder each: the export writes the Gateway adapters beside the template.
        let folder = dir.path().join(format);
        std::fs::create_dir(&folder).expect("folder");
        let out = folder.join(format!("out.{ext}"));
        let report = folder.join("report.json");
        run(&[
            "export",
            path_str(&project_path),
            "--format",
            format,
            "--out",
            path_str(&out),
            "--report",
            path_str(&report),
        ])
        .exits(0)
        .stderr_has("on AgentCore:");
        let written = std::fs::read_to_string(&out).expect("export");
        if ext != "requests.json" {
            templates.push(out.clone());
        }
        if ext != "yaml" {
            outputs.insert(format.into(), serde_json::from_str(&written).expect("json"));
        }
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
        outputs.insert(format!("{format}.report"), report);
    }
    let template = outputs["agentcore-cfn-json"].clone();
    let checked = validate_template(file, &template, &validators);
    assert!(checked >= 2, "{file}: {checked} resources checked");
    let requests = outputs["agentcore-json"].clone();
    check_requests(&requests, file);
    if let Some(findings) = lint(&templates) {
        assert!(findings.is_empty(), "cfn-lint:\n{}", findings.join("\n"));
    }

    let report = outputs["agentcore-json.report"][0]["items"]
        .as_array()
        .expect("items")
        .clone();
    assert_eq!(
        Value::Array(report.clone()),
        outputs["agentcore-cfn-yaml.report"][0]["items"],
        "one report, whatever the format"
    );
    let agent = &project.agents[0];
    let features: Vec<&str> = report
        .iter()
        .filter_map(|i| i["feature"].as_str())
        .collect();
    let named = |what: &str| features.iter().any(|f| f.contains(what));
    for g in &agent.action_groups {
        assert!(
            named(&format!("action group {} ", g.action_group_name)),
            "{file}: action group {} not in the report {features:?}",
            g.action_group_name
        );
    }
    for kb in &agent.knowledge_bases {
        assert!(named(&kb.knowledge_base_id), "{file}: {features:?}");
    }
    for c in &agent.collaborators {
        assert!(named(&c.collaborator_name), "{file}: {features:?}");
    }
    if let Some(g) = agent
        .guardrail_configuration
        .as_ref()
        .and_then(|g| g.guardrail_identifier.as_deref())
    {
        assert!(named(g), "{file}: {features:?}");
    }

    let back = import(&requests.to_string(), "back").expect("the export imports");
    assert_eq!(back.project.agents.len(), 1, "{file}");
    let round_trip = back.project.agents[0].clone();
    keeps_what_maps(agent, &round_trip, &requests, file);
    Shipped {
        project,
        requests,
        template,
        report,
        round_trip,
    }
}

/// Every request against the service model, with each placeholder given a value of the shape
/// deploy fills in, so patterns are checked too.
fn check_requests(doc: &Value, label: &str) {
    let shapes = Shapes::agentcore_control();
    let mut text = doc.to_string();
    let mut errors = vec![];
    while let Some(start) = text.find("${") {
        let Some(len) = text[start..].find('}') else {
            break;
        };
        let name = text[start + 2..start + len].to_owned();
        let value = if name.ends_with("GatewayId") {
            "gw-abcdefghij".to_owned()
        } else if name.ends_with("GatewayArn") {
            format!("arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:gateway/gw-abcdefghij")
        } else if name.ends_with("HarnessId") {
            "h-abcdefghij".to_owned()
        } else if name.ends_with("RoleArn") {
            format!("arn:aws:iam::{ACCOUNT}:role/{name}")
        } else if name.ends_with("ApiKeyProviderArn") {
            format!("arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:token-vault/default/apikeycredentialprovider/{name}")
        } else {
            errors.push(format!(
                "{label}: a placeholder deploy does not fill: {name}"
            ));
            String::new()
        };
        text.replace_range(start..=start + len, &value);
    }
    let doc: Value = serde_json::from_str(&text).expect("json");
    shapes.check(
        "CreateHarnessRequest",
        &doc["createHarness"],
        &format!("{label}.createHarness"),
        &mut errors,
    );
    if !doc["createGateway"].is_null() {
        shapes.check(
            "CreateGatewayRequest",
            &doc["createGateway"],
            &format!("{label}.createGateway"),
            &mut errors,
        );
    }
    for (i, t) in doc["createGatewayTargets"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        shapes.check(
            "CreateGatewayTargetRequest",
            t,
            &format!("{label}.createGatewayTargets[{i}]"),
            &mut errors,
        );
    }
    for (i, e) in doc["createHarnessEndpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        shapes.check(
            "CreateHarnessEndpointRequest",
            e,
            &format!("{label}.createHarnessEndpoints[{i}]"),
            &mut errors,
        );
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// import(export(agent)) keeps what a harness carries: the name, model, the instruction's
/// text, memory, and each group that became a tool with its functions or document.
fn keeps_what_maps(a: &Agent, back: &Agent, requests: &Value, file: &str) {
    assert_eq!(back.agent_name, a.agent_name.replace('-', "_"), "{file}");
    assert_eq!(back.foundation_model, a.foundation_model, "{file}");
    let instruction = a.instruction.as_deref().unwrap_or("").trim();
    let first_line = instruction.lines().next().unwrap_or("");
    assert!(
        back.instruction
            .as_deref()
            .unwrap_or("")
            .contains(first_line),
        "{file}: {:?}",
        back.instruction
    );
    assert_eq!(
        back.memory_configuration.is_some(),
        a.memory_configuration.is_some(),
        "{file}"
    );
    let s3_targets: Vec<&str> = requests["createGatewayTargets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            t.pointer("/targetConfiguration/mcp/openApiSchema/s3")
                .is_some()
        })
        .filter_map(|t| t["name"].as_str())
        .collect();
    for g in &a.action_groups {
        if g.parent_action_group_signature.as_ref().map(|s| s.as_str()) == Some("AMAZON.UserInput")
        {
            continue;
        }
        if let Some(signature) = &g.parent_action_group_signature {
            // A built-in tool comes back under the harness tool's name.
            assert!(
                back.action_groups
                    .iter()
                    .any(|b| b.parent_action_group_signature.as_ref() == Some(signature)),
                "{file}: {} lost: {back:#?}",
                signature.as_str()
            );
            continue;
        }
        let name = g.action_group_name.replace('_', "-");
        if s3_targets.contains(&name.as_str()) {
            // A document in S3 cannot be read offline: the import says so (a warning).
            continue;
        }
        let found = back
            .action_groups
            .iter()
            .find(|b| b.action_group_name == g.action_group_name || b.action_group_name == name);
        let found = found
            .unwrap_or_else(|| panic!("{file}: group {} lost: {back:#?}", g.action_group_name));
        match (&g.function_schema, &g.api_schema) {
            (Some(FunctionSchema::Functions(fs)), _) => {
                let Some(FunctionSchema::Functions(back_fs)) = &found.function_schema else {
                    panic!("{file}: {found:#?}")
                };
                let names: Vec<&str> = fs.iter().map(|f| f.name.as_str()).collect();
                let back_names: Vec<&str> = back_fs.iter().map(|f| f.name.as_str()).collect();
                assert_eq!(names, back_names, "{file}");
                for (f, b) in fs.iter().zip(back_fs) {
                    let keys = f.parameters.keys().collect::<Vec<_>>();
                    let back_keys = b.parameters.keys().collect::<Vec<_>>();
                    assert_eq!(keys, back_keys, "{file}: {}", f.name);
                }
            }
            (None, Some(ApiSchema::Payload(doc))) => {
                let same = match &found.api_schema {
                    Some(ApiSchema::Payload(back_doc)) => back_doc == doc,
                    // A Lambda target of an OpenAPI group comes back as its functions.
                    None => found.function_schema.is_some(),
                    Some(ApiSchema::S3(_)) => false,
                };
                assert!(same, "{file}: {found:#?}");
            }
            _ => assert_eq!(
                found.parent_action_group_signature, g.parent_action_group_signature,
                "{file}"
            ),
        }
    }
}

#[test]
fn cost_explorer_billing_agent_s3_openapi_groups_become_openapi_targets() {
    let s = ship(
        "cost-explorer-billing-agent.yaml",
        &[("SourceBucket", "billing-agent-artifacts")],
    );
    assert_eq!(
        s.agent().agent_name,
        "aws-billing-agentv3",
        "the parameter's Default"
    );
    for (group, key) in [
        ("SavingsPlanAgent", "SavingsPlan_OpenAPI.json"),
        ("AWSBillingAgent", "BillingAgent_OpenAPI.json"),
    ] {
        let t = s.target(group);
        assert_eq!(
            t["targetConfiguration"]["mcp"]["openApiSchema"]["s3"]["uri"],
            format!("s3://billing-agent-artifacts/{key}")
        );
        assert_eq!(
            t["credentialProviderConfigurations"][0]["credentialProviderType"],
            "API_KEY"
        );
        let why = s.became(&format!("action group {group} (OpenAPI)"));
        assert!(
            why.contains("is not called") && why.contains("servers URL"),
            "{why}"
        );
        // The provider ARN is a parameter of the template, never a value in it.
        let parameter = format!("AwsBillingAgentv3{group}ApiKeyProviderArn");
        assert_eq!(s.template["Parameters"][&parameter]["Type"], "String");
    }
    assert!(s
        .became("action group UserInputAction (AMAZON.UserInput)")
        .contains("ends its turn"));
    // The gateway's role reads the documents and nothing else of the bucket.
    let policy = s.template["Resources"]["AwsBillingAgentv3GatewayRole"]["Properties"]["Policies"]
        [0]["PolicyDocument"]["Statement"]
        .to_string();
    assert!(policy.contains("s3:::billing-agent-artifacts/BillingAgent_OpenAPI.json"));
    assert!(
        !policy.contains("lambda:InvokeFunction"),
        "no Lambda is called: {policy}"
    );
    assert!(s.round_trip.action_groups.is_empty(), "{:#?}", s.round_trip);
    let back = import(&s.requests.to_string(), "back").expect("imports");
    assert!(
        back.warnings.iter().any(|w| w
            .message
            .contains("kept in S3 (s3://billing-agent-artifacts/SavingsPlan_OpenAPI.json)")),
        "{:?}",
        back.warnings
    );
}

#[test]
fn hr_assistant_openapi_groups_and_orchestration_override() {
    let s = ship(
        "hr-assistant-agent.yaml",
        &[(
            "BedrockHRFunction.Arn",
            "arn:aws:lambda:us-east-1:123456789012:function:hr-agent",
        )],
    );
    assert_eq!(
        s.requests["createGatewayTargets"].as_array().map(Vec::len),
        Some(4)
    );
    assert!(s
        .became("orchestration basePromptTemplate")
        .contains("$instruction$ filled in"));
    let prompt = s.requests["createHarness"]["systemPrompt"][0]["text"]
        .as_str()
        .expect("prompt");
    assert!(
        prompt.contains("specializing in HR-related inquiries"),
        "{prompt}"
    );
    assert!(!prompt.contains("$instruction$"), "{prompt}");
    assert!(s
        .no_equivalent(
            "orchestration template variables $tools$, $model_instructions$, $conversation_history$, $question$, $thought$, $bot_response$"
        )
        .contains("fixed text"));
    assert_eq!(
        s.requests["createHarness"]["model"]["bedrockModelConfig"]["temperature"],
        json!(0.0)
    );
}

#[test]
fn hcls_statistician_function_schemas_become_lambda_targets_with_adapters() {
    let s = ship(
        "hcls-statistician-agent.yaml",
        &[(
            "AgentRole",
            "arn:aws:iam::123456789012:role/StatisticianAgentRole",
        )],
    );
    let lambda_targets: Vec<&Value> = s.requests["createGatewayTargets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter(|t| t.pointer("/targetConfiguration/mcp/lambda").is_some())
        .collect();
    assert!(!lambda_targets.is_empty());
    for t in &lambda_targets {
        let arn = t["targetConfiguration"]["mcp"]["lambda"]["lambdaArn"]
            .as_str()
            .expect("arn");
        assert!(
            arn.starts_with("arn:aws:lambda:us-east-1:123456789012:function:"),
            "{arn}"
        );
    }
    assert_eq!(
        s.requests["createHarness"]["executionRoleArn"],
        "arn:aws:iam::123456789012:role/StatisticianAgentRole"
    );
    let adapters = strata::agentcore::adapter::adapter_files(&s.project, None).expect("adapters");
    assert_eq!(adapters.len(), lambda_targets.len());
}

#[test]
fn hcls_clinical_evidence_researcher_inline_openapi_and_a_knowledge_base() {
    let s = ship(
        "hcls-clinical-evidence-researcher.yaml",
        &[
            (
                "AgentRole",
                "arn:aws:iam::123456789012:role/EvidenceAgentRole",
            ),
            ("AWS::StackName", "clinical-evidence"),
        ],
    );
    let kb = &s.agent().knowledge_bases[0].knowledge_base_id;
    assert_eq!(
        kb, "clinical-evidence-ncbiKnowledgebase",
        "the template's knowledge base"
    );
    let why = s.no_equivalent(&format!("knowledge base {kb}"));
    assert!(why.contains("Retrieve"), "{why}");
    assert!(
        why.contains("does not create"),
        "a project knowledge base: {why}"
    );
    assert!(
        why.contains("managed knowledge bases only"),
        "a VECTOR one: {why}"
    );
    // The document names no server: the Lambda handler is the API, so a Lambda target.
    let t = s.target("queryPubMed");
    assert!(
        t.pointer("/targetConfiguration/mcp/lambda").is_some(),
        "{t}"
    );
    assert!(s
        .became("action group queryPubMed (Lambda)")
        .contains("names no server URL"));
}

#[test]
fn hcls_clinical_trial_protocol_assistant_collaborators_and_guardrail_are_reported() {
    let s = ship(
        "hcls-clinical-trial-protocol-assistant.yaml",
        &[
            (
                "AgentIAMRoleArn",
                "arn:aws:iam::123456789012:role/ProtocolAgentRole",
            ),
            (
                "ClinicalStudySearchAgentAliasArn",
                "arn:aws:bedrock:us-east-1:123456789012:agent-alias/STUDYAGENT/ALIASAAAAA",
            ),
            (
                "ClinicalTrialProtocolGeneratorAgentAliasArn",
                "arn:aws:bedrock:us-east-1:123456789012:agent-alias/PROTOAGENT/ALIASBBBBB",
            ),
        ],
    );
    // Fn::If on a condition the given role decides; the guardrail's own version is its draft.
    assert_eq!(
        s.agent().agent_resource_role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/ProtocolAgentRole")
    );
    let g = s
        .agent()
        .guardrail_configuration
        .as_ref()
        .expect("guardrail");
    assert_eq!(g.guardrail_version.as_deref(), Some("DRAFT"));
    assert!(s
        .no_equivalent("guardrail ClinicalTrialProtocolGuardrail")
        .contains("ApplyGuardrail"));
    assert!(s
        .no_equivalent("agentCollaboration SUPERVISOR")
        .contains("own harness"));
    for c in [
        "Clinical-Study-Search-Agent",
        "Clinical-Trial-Protocol-Generator-Agent",
    ] {
        s.no_equivalent(&format!("collaborator {c}"));
    }
    assert!(
        s.requests["createGateway"].is_null(),
        "no tools behind a gateway"
    );
}

#[test]
fn return_of_control_groups_become_inline_functions() {
    let s = ship("hr-assistant-return-of-control.json", &[]);
    assert_eq!(
        s.harness_tool_types(),
        ["inline_function", "inline_function"]
    );
    let tool = &s.requests["createHarness"]["tools"][1];
    assert_eq!(tool["name"], "VacationsActionGroup__reserve_vacation_time");
    assert_eq!(
        tool["config"]["inlineFunction"]["inputSchema"]["required"],
        json!(["employee_id", "end_date", "start_date"])
    );
    assert!(s.round_trip.action_groups[0].returns_control());
}

#[test]
fn code_interpreter_becomes_the_managed_interpreter() {
    let s = ship("code-interpreter-assistant.json", &[]);
    assert_eq!(s.harness_tool_types(), ["agentcore_code_interpreter"]);
    assert!(s
        .became("action group code-interpreter (AMAZON.CodeInterpreter)")
        .contains("AWS-managed"));
}

#[test]
fn session_summary_memory_becomes_managed_memory() {
    let s = ship("travel-assistant-with-memory.json", &[]);
    assert_eq!(
        s.requests["createHarness"]["memory"]["managedMemoryConfiguration"],
        json!({"strategies": ["SUMMARIZATION"], "eventExpiryDuration": 30})
    );
    let t = s.target("BookingManagerActionGroup");
    let tools = t["targetConfiguration"]["mcp"]["lambda"]["toolSchema"]["inlinePayload"]
        .as_array()
        .expect("tools");
    assert_eq!(tools.len(), 3);
}

/// An agent Bedrock's own OpenAPI rules refuse (operations without an operationId, an enum)
/// is refused by validate and by the export, each problem located, and nothing is written.
#[test]
fn insurance_claims_agent_is_refused_where_bedrock_would_refuse_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("claims.strata.json");
    run(&[
        "import",
        path_str(&corpus("insurance-claims-agent.yaml")),
        "--out",
        path_str(&project),
        "--parameter",
        "AWS::AccountId=123456789012",
    ])
    .exits(0);
    run(&["validate", path_str(&project)])
        .exits(1)
        .stdout_has("operation GET /listClaims has no operationId")
        .stdout_has("action group \"ClaimsActionGroup\"");
    let out = dir.path().join("claims.yaml");
    let report = dir.path().join("report.json");
    run(&[
        "export",
        path_str(&project),
        "--format",
        "agentcore-cfn-yaml",
        "--out",
        path_str(&out),
        "--report",
        path_str(&report),
    ])
    .exits(1)
    .stderr_has("export refused");
    assert!(!out.exists() && !report.exists());
}

#[test]
fn a_parameter_without_a_value_is_refused_naming_it() {
    run(&[
        "import",
        path_str(&corpus("hcls-statistician-agent.yaml")),
        "--parameter",
        "AgentRole",
    ])
    .exits(2)
    .stderr_has("--parameter \"AgentRole\": expected NAME=VALUE");
}
