//! Agents exported to Amazon Bedrock AgentCore: the customer-support example and a varied
//! agent (OpenAPI, return of control, code interpreter, prompt overrides, tags, a key, a role
//! of its own). Every request is checked against the service model's shapes
//! (`tests/data/botocore/bedrock-agentcore-control…excerpt.json`), every template against the
//! official resource schemas and the pinned cfn-lint; the migration report names what has no
//! equivalent, and an agent that cannot ship is refused before anything is written.

mod support {
    pub mod botocore;
    pub mod cfn_lint;
    pub mod cfn_schema;
    pub mod cli;
    pub mod json;
    pub mod tree;
}

use serde_json::{json, Value};
use std::path::Path;
use strata::agentcore::{agentcore_requests, export_migration, Outcome};
use strata::export::{render, ExportError, Format, History};
use strata::model::{load, Project};
use support::botocore::Shapes;
use support::cfn_lint::lint;
use support::cfn_schema::{cfn_validators, validate_template};
use support::cli::{path_str, run};
use support::json::strings;
use support::tree::folder_with;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example_path() -> std::path::PathBuf {
    root().join("examples/customer-support/support.strata.json")
}

fn example() -> Project {
    let text = std::fs::read_to_string(example_path()).expect("example");
    load(&text, "support").expect("loads").project
}

const SHIPPING: &str = r#"{"openapi": "3.0.0", "info": {"title": "Shipping", "version": "1"},
  "paths": {"/parcels/{parcelId}": {"get": {"operationId": "trackParcel",
    "description": "Says where a parcel is and when it arrives.",
    "parameters": [{"name": "parcelId", "in": "path", "required": true,
      "description": "The parcel's tracking number.", "schema": {"type": "string"}}],
    "responses": {"200": {"description": "Where it is"}}}}}}"#;

/// The example with a second agent that uses what the example does not.
fn varied() -> Project {
    let mut p = serde_json::to_value(example()).expect("json");
    let agent = json!({
        "agentName": "shipping-desk",
        "foundationModel": "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "instruction": "You answer questions about parcels. Use shipping__trackParcel to look one up; ask for the tracking number when it is missing.",
        "description": "Tracks parcels",
        "customerEncryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012",
        "agentResourceRoleArn": "arn:aws:iam::123456789012:role/ShippingDesk",
        "tags": {"team": "logistics"},
        "promptOverrideConfiguration": {"promptConfigurations": [
            {"promptType": "ORCHESTRATION", "promptCreationMode": "OVERRIDDEN", "promptState": "ENABLED",
             "basePromptTemplate": "{\"anthropic_version\": \"bedrock-2023-05-31\", \"system\": \"$instruction$ You may use $tools$. Known: $prompt_session_attributes$\", \"messages\": [{\"role\": \"user\", \"content\": \"$question$\"}]}",
             "inferenceConfiguration": {"temperature": 0.1, "topP": 0.9, "topK": 50, "maximumLength": 1024, "stopSequences": ["</answer>"]},
             "parserMode": "DEFAULT"},
            {"promptType": "PRE_PROCESSING", "promptCreationMode": "DEFAULT", "promptState": "ENABLED", "parserMode": "DEFAULT"}
        ]},
        "actionGroups": [
            {"actionGroupName": "shipping", "description": "Parcel tracking",
             "actionGroupExecutor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:shipping"},
             "apiSchema": {"payload": SHIPPING}},
            {"actionGroupName": "desk", "description": "Things the desk application does",
             "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
             "functionSchema": {"functions": [{"name": "open_ticket", "description": "Opens a ticket for a parcel that is lost",
                "parameters": {"parcel": {"type": "string", "description": "The tracking number", "required": true},
                               "notes": {"type": "array", "description": "What the customer said"}}}]}},
            {"actionGroupName": "code", "parentActionGroupSignature": "AMAZON.CodeInterpreter"}
        ],
        "local": {"maxIterations": 12}
    });
    p["agents"].as_array_mut().expect("agents").push(agent);
    serde_json::from_value(p).expect("project")
}

/// The requests with each placeholder replaced by a value of the shape the deploy step gets
/// back from AgentCore, so patterns are checked too.
/// `p` exported in `format` (for `agent`, or all), without recorded versions.
fn rendered(p: &Project, format: Format, agent: Option<&str>) -> String {
    render(p, format, agent, &History::default())
        .expect("renders")
        .text
}

fn filled(v: &Value) -> Value {
    let mut text = v.to_string();
    for agent in ["Support", "ShippingDesk"] {
        let lower = agent.to_ascii_lowercase();
        for (what, value) in [
            ("GatewayId", format!("{lower}-abcdefghij")),
            (
                "GatewayArn",
                format!(
                    "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/{lower}-abcdefghij"
                ),
            ),
            ("HarnessId", format!("{agent}-abcdefghij")),
            (
                "ExecutionRoleArn",
                format!("arn:aws:iam::123456789012:role/{agent}Harness"),
            ),
            (
                "GatewayRoleArn",
                format!("arn:aws:iam::123456789012:role/{agent}Gateway"),
            ),
        ] {
            text = text.replace(&format!("${{{agent}{what}}}"), &value);
        }
    }
    assert!(!text.contains("${"), "a placeholder left: {text}");
    serde_json::from_str(&text).expect("json")
}

fn check_requests(shapes: &Shapes, doc: &Value, label: &str) -> usize {
    let doc = filled(doc);
    let mut requests = vec![(
        "CreateHarnessRequest",
        format!("{label}.createHarness"),
        &doc["createHarness"],
    )];
    if !doc["createGateway"].is_null() {
        requests.push((
            "CreateGatewayRequest",
            format!("{label}.createGateway"),
            &doc["createGateway"],
        ));
    }
    for (shape, member) in [
        ("CreateGatewayTargetRequest", "createGatewayTargets"),
        ("CreateHarnessEndpointRequest", "createHarnessEndpoints"),
    ] {
        let each = doc[member]
            .as_array()
            .unwrap_or_else(|| panic!("no {member}"));
        for (i, request) in each.iter().enumerate() {
            requests.push((shape, format!("{label}.{member}[{i}]"), request));
        }
    }
    let mut errors = vec![];
    for (shape, at, request) in &requests {
        shapes.check(shape, request, at, &mut errors);
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    requests.len()
}

#[test]
fn the_example_agent_ships_as_a_harness_with_a_gateway() {
    let p = example();
    let r = agentcore_requests(&p, "Support").expect("exports");
    let doc = r.to_value();
    assert_eq!(doc["createHarness"]["harnessName"], "Support");
    assert_eq!(
        doc["createHarness"]["model"]["bedrockModelConfig"]["modelId"],
        "anthropic.claude-3-5-sonnet-20240620-v1:0"
    );
    assert_eq!(doc["createHarness"]["maxIterations"], json!(8));
    assert_eq!(
        doc["createHarness"]["memory"]["managedMemoryConfiguration"],
        json!({"strategies": ["SUMMARIZATION"], "eventExpiryDuration": 30})
    );
    let tools = doc["createHarness"]["tools"].as_array().expect("tools");
    let kinds: Vec<&str> = tools
        .iter()
        .map(|t| t["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["agentcore_gateway", "inline_function"]);
    assert_eq!(tools[1]["name"], "large_refunds__request_large_refund");
    // The instruction names the tools as the gateway does.
    let prompt = doc["createHarness"]["systemPrompt"][0]["text"]
        .as_str()
        .expect("prompt");
    assert!(prompt.contains("billing___get_invoice") && !prompt.contains("billing__get_invoice"));
    assert!(prompt.contains("large_refunds__request_large_refund"));
    let targets = strings(&doc["createGatewayTargets"], "name");
    assert_eq!(targets, ["billing", "subscriptions", "notifications"]);
    assert_eq!(doc["createHarnessEndpoints"][0]["endpointName"], "live");
    assert_eq!(
        check_requests(&Shapes::agentcore_control(), &doc, "Support"),
        6
    );
}

#[test]
fn every_request_of_a_varied_agent_passes_the_service_model() {
    let p = varied();
    let shapes = Shapes::agentcore_control();
    let r = agentcore_requests(&p, "shipping-desk").expect("exports");
    let doc = r.to_value();
    check_requests(&shapes, &doc, "shipping-desk");
    let h = &doc["createHarness"];
    assert_eq!(h["harnessName"], "shipping_desk");
    assert_eq!(
        h["executionRoleArn"],
        "arn:aws:iam::123456789012:role/ShippingDesk"
    );
    assert_eq!(
        h["model"]["bedrockModelConfig"],
        json!({"modelId": "us.anthropic.claude-3-5-haiku-20241022-v1:0", "maxTokens": 1024,
               "temperature": 0.1, "topP": 0.9, "apiFormat": "converse_stream"})
    );
    // The template flattened: its system text, $instruction$ filled in, Classic's variables out.
    let prompt = h["systemPrompt"][0]["text"].as_str().expect("prompt");
    assert!(prompt.starts_with("You answer questions about parcels. Use shipping___trackParcel"));
    assert!(!prompt.contains('$'), "{prompt}");
    let kinds = strings(&h["tools"], "type");
    assert_eq!(
        kinds,
        [
            "agentcore_gateway",
            "inline_function",
            "agentcore_code_interpreter"
        ]
    );
    assert_eq!(
        h["tools"][1]["config"]["inlineFunction"]["inputSchema"]["properties"]["notes"],
        json!({"type": "array", "items": {}, "description": "What the customer said"})
    );
    assert_eq!(
        h["environment"]["agentCoreRuntimeEnvironment"]["lifecycleConfiguration"],
        Value::Null,
        "the agent states no idle TTL"
    );
    let target = &doc["createGatewayTargets"][0];
    assert_eq!(
        target["targetConfiguration"]["mcp"]["lambda"]["toolSchema"]["inlinePayload"][0]
            ["inputSchema"],
        json!({"type": "object", "properties": {"parcelId": {"type": "string", "description": "The parcel's tracking number."}}, "required": ["parcelId"]})
    );
    assert_eq!(
        doc["createGateway"]["kmsKeyArn"],
        "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"
    );
}

#[test]
fn the_report_names_what_has_no_equivalent() {
    let m = export_migration(&example(), "Support").expect("exports");
    let missing: Vec<&str> = m
        .report
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::NoEquivalent(_)))
        .map(|i| i.feature.as_str())
        .collect();
    for feature in [
        "guardrail supportguard",
        "knowledge base HELPCTR001",
        "memory maxRecentSessions",
        "action group billing: requireConfirmation of refund",
    ] {
        assert!(missing.contains(&feature), "{feature} not in {missing:?}");
    }
    let m = export_migration(&varied(), "shipping-desk").expect("exports");
    let features: Vec<&str> = m.report.iter().map(|i| i.feature.as_str()).collect();
    for feature in [
        "PRE_PROCESSING prompt override",
        "session attributes",
        "orchestration topK and stopSequences",
        "agentResourceRoleArn",
        "customerEncryptionKeyArn",
        "action group code (AMAZON.CodeInterpreter)",
    ] {
        assert!(features.contains(&feature), "{feature} not in {features:?}");
    }
}

#[test]
fn templates_pass_the_resource_schemas_and_cfn_lint() {
    let validators = cfn_validators();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = vec![];
    let p = varied();
    for (label, agent) in [
        ("all", None),
        ("support", Some("Support")),
        ("shipping", Some("shipping-desk")),
    ] {
        for format in [Format::AgentcoreCfnJson, Format::AgentcoreCfnYaml] {
            let r = render(&p, format, agent, &History::default())
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            let path = dir.path().join(&r.file_name).with_extension(format!(
                "{label}.{}",
                if format == Format::AgentcoreCfnJson {
                    "json"
                } else {
                    "yaml"
                }
            ));
            std::fs::write(&path, &r.text).expect("write");
            files.push(path);
            if format == Format::AgentcoreCfnJson {
                let t: Value = serde_json::from_str(&r.text).expect("json");
                let checked = validate_template(label, &t, &validators);
                assert!(checked >= 3, "{label}: {checked}");
            }
        }
    }
    let t: Value =
        serde_json::from_str(&rendered(&p, Format::AgentcoreCfnJson, None)).expect("json");
    let res = &t["Resources"];
    assert_eq!(
        res["SupportHarness"]["Type"],
        "AWS::BedrockAgentCore::Harness"
    );
    assert_eq!(
        res["SupportGateway"]["Type"],
        "AWS::BedrockAgentCore::Gateway"
    );
    assert_eq!(
        res["SupportBillingTarget"]["Properties"]["GatewayIdentifier"],
        json!({"Fn::GetAtt": ["SupportGateway", "GatewayIdentifier"]})
    );
    assert_eq!(
        res["SupportLiveEndpoint"]["Properties"]["HarnessId"],
        json!({"Fn::GetAtt": ["SupportHarness", "HarnessId"]})
    );
    // Least privilege: the exact model and function ARNs; no role where the agent names one.
    let harness_policy = res["SupportHarnessRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"]
        .to_string();
    assert!(harness_policy.contains("foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"));
    assert!(harness_policy.contains("bedrock-agentcore:InvokeGateway"));
    let gateway_policy =
        &res["SupportGatewayRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0];
    assert_eq!(
        gateway_policy["Resource"],
        json!([
            "arn:aws:lambda:us-east-1:123456789012:function:support-billing",
            "arn:aws:lambda:us-east-1:123456789012:function:support-subscriptions",
            "arn:aws:lambda:us-east-1:123456789012:function:support-notifications"
        ])
    );
    assert!(res.get("ShippingDeskHarnessRole").is_none());
    assert_eq!(
        res["ShippingDeskHarness"]["Properties"]["ExecutionRoleArn"],
        "arn:aws:iam::123456789012:role/ShippingDesk"
    );
    assert_eq!(
        res["ShippingDeskHarness"]["Properties"]["Tags"],
        json!([{"Key": "team", "Value": "logistics"}])
    );
    // A tool's JSON Schema is data: its member names keep their case.
    assert!(
        res["ShippingDeskHarness"]["Properties"]["Tools"][1]["Config"]["InlineFunction"]
            ["InputSchema"]["properties"]
            .is_object()
    );
    assert!(
        res["ShippingDeskShippingTarget"]["Properties"]["TargetConfiguration"]["Mcp"]["Lambda"]
            ["ToolSchema"]["InlinePayload"][0]["InputSchema"]["Properties"]["parcelId"]["Type"]
            == "string"
    );
    if let Some(findings) = lint(&files) {
        assert!(findings.is_empty(), "cfn-lint:\n{}", findings.join("\n"));
    }
}

#[test]
fn an_agent_without_a_model_is_refused_before_anything_is_written() {
    let mut p = example();
    p.agents[0].foundation_model = None;
    // Classic refuses it too (the compiler), so make the reason AgentCore's own: a custom
    // orchestration.
    let err = agentcore_requests(&p, "Support").unwrap_err();
    assert!(
        matches!(
            err,
            ExportError::Invalid { .. } | ExportError::NotForAgentCore { .. }
        ),
        "{err}"
    );

    let mut p = example();
    p.agents[0].orchestration_type = Some(strata::model::lenient::Lenient::Known(
        strata::model::agent::OrchestrationType::CustomOrchestration,
    ));
    p.agents[0].custom_orchestration = Some(
        json!({"executor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:loop"}}),
    );
    let (dir, project) = folder_with("p.strata.json", p.to_json());
    let out = dir.path().join("out.yaml");
    let report = dir.path().join("report.json");
    export_support(&project, &out, &report)
        .exits(1)
        .stderr_has("cannot be exported to AgentCore: orchestrationType");
    assert!(!out.exists() && !report.exists());
}

/// `strata export PROJECT --format agentcore-cfn-yaml --agent Support --out OUT --report REPORT`.
fn export_support(project: &Path, out: &Path, report: &Path) -> support::cli::Run {
    run(&[
        "export",
        path_str(project),
        "--format",
        "agentcore-cfn-yaml",
        "--agent",
        "Support",
        "--out",
        path_str(out),
        "--report",
        path_str(report),
    ])
}

#[test]
fn the_cli_prints_the_report_and_writes_it_with_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("support.yaml");
    let report = dir.path().join("report.json");
    export_support(&example_path(), &out, &report)
        .exits(0)
        .stderr_has("! guardrail supportguard: no AgentCore equivalent");
    assert!(std::fs::read_to_string(&out)
        .expect("template")
        .contains("AWS::BedrockAgentCore::Harness"));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    assert_eq!(written[0]["agent"], "Support");
    assert!(written[0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|i| i["outcome"]["noEquivalent"].is_string()));
    // --name still picks the agent; agentcore-json writes the requests document.
    run(&[
        "export",
        path_str(&example_path()),
        "--format",
        "agentcore-json",
        "--name",
        "Support",
    ])
    .exits(0)
    .stdout_has("\"createHarness\"");
}

/// An OpenAPI group whose document names its server becomes an OpenAPI gateway target: the
/// gateway calls that server with an API key from a credential provider given as a template
/// parameter; the group's Lambda is not called, so it needs no adapter and no invoke right.
#[test]
fn an_openapi_group_with_a_server_becomes_an_openapi_target() {
    let served = SHIPPING.replacen(
        r#""paths""#,
        r#""servers": [{"url": "https://parcels.example.com/v2"}],
  "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "x-parcels-key"}}},
  "paths""#,
        1,
    );
    let mut p = varied();
    let desk = p
        .agents
        .iter_mut()
        .find(|a| a.agent_name == "shipping-desk")
        .expect("agent");
    desk.action_groups[0].api_schema = Some(strata::model::agent::ApiSchema::Payload(served));
    let m = export_migration(&p, "shipping-desk").expect("exports");
    let doc = m.requests.to_value();
    let target = &doc["createGatewayTargets"][0];
    assert!(
        target["targetConfiguration"]["mcp"]["openApiSchema"]["inlinePayload"]
            .as_str()
            .is_some_and(|d| d.contains("parcels.example.com"))
    );
    assert_eq!(
        target["credentialProviderConfigurations"][0],
        json!({"credentialProviderType": "API_KEY", "credentialProvider": {"apiKeyCredentialProvider": {
            "providerArn": "${ShippingDeskShippingApiKeyProviderArn}",
            "credentialParameterName": "x-parcels-key", "credentialLocation": "HEADER"}}})
    );
    let mut filled_doc = doc.clone();
    let provider = "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/parcels";
    filled_doc["createGatewayTargets"][0]["credentialProviderConfigurations"][0]
        ["credentialProvider"]["apiKeyCredentialProvider"]["providerArn"] = json!(provider);
    check_requests(&Shapes::agentcore_control(), &filled_doc, "served");
    let item = m
        .report
        .iter()
        .find(|i| i.feature == "action group shipping (OpenAPI)")
        .expect("the group's line");
    let Outcome::Became(why) = &item.outcome else {
        panic!("{item:?}")
    };
    assert!(why.contains("https://parcels.example.com/v2") && why.contains("is not called"));
    // The instruction names the tool as the gateway does.
    let prompt = doc["createHarness"]["systemPrompt"][0]["text"].to_string();
    assert!(prompt.contains("shipping___trackParcel"), "{prompt}");
    assert!(
        strata::agentcore::adapter::adapter_files(&p, Some("shipping-desk"))
            .expect("adapters")
            .is_empty()
    );

    let text = rendered(&p, Format::AgentcoreCfnJson, Some("shipping-desk"));
    let t: Value = serde_json::from_str(&text).expect("json");
    validate_template("served", &t, &cfn_validators());
    assert_eq!(
        t["Resources"]["ShippingDeskShippingTarget"]["Properties"]
            ["CredentialProviderConfigurations"][0]["CredentialProvider"]
            ["ApiKeyCredentialProvider"]["ProviderArn"],
        json!({"Ref": "ShippingDeskShippingApiKeyProviderArn"})
    );
    assert_eq!(
        t["Parameters"]["ShippingDeskShippingApiKeyProviderArn"]["Type"],
        "String"
    );
    let gateway_policy =
        t["Resources"]["ShippingDeskGatewayRole"]["Properties"]["Policies"][0].to_string();
    assert!(
        !gateway_policy.contains("lambda:InvokeFunction"),
        "{gateway_policy}"
    );
    assert!(gateway_policy.contains("bedrock-agentcore:GetResourceApiKey"));
    let (_dir, path) = folder_with("served.json", &text);
    if let Some(findings) = lint(&[path]) {
        assert!(findings.is_empty(), "cfn-lint:\n{}", findings.join("\n"));
    }
}

/// History with three aliases on the example's flow, whose Agent node runs Support: `prod`
/// (version 1), `beta-2` (version 2, renamed to fit the endpoint pattern) and `2nd` (no
/// endpoint name can hold it).
fn aliased_history(p: &Project) -> History {
    let flow = p.flow("triage").expect("the example's flow").clone();
    let versions = (1..=2)
        .map(|number| strata::export::RecordedVersion {
            number,
            description: format!("v{number}"),
            flow: flow.clone(),
        })
        .collect();
    let aliases = [("prod", 1), ("beta-2", 2), ("2nd", 2)]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .collect();
    History {
        flows: [(
            "triage".to_owned(),
            strata::export::FlowHistory { versions, aliases },
        )]
        .into_iter()
        .collect(),
    }
}

#[test]
fn a_harness_endpoint_per_recorded_alias_passes_the_schema_cfn_lint_and_the_model() {
    let p = example();
    let history = aliased_history(&p);
    let aliases = strata::agentcore::recorded_aliases(&history, "Support");
    let names: Vec<&str> = aliases.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["2nd", "beta-2", "prod"]);
    assert!(strata::agentcore::recorded_aliases(&history, "Nobody").is_empty());

    // The requests: one endpoint per alias AgentCore can name, each passing the model.
    let m = strata::agentcore::export_migration_with(&p, "Support", &history).expect("exports");
    let endpoints: Vec<&str> = m
        .requests
        .endpoints
        .iter()
        .map(|e| e.endpoint_name.as_str())
        .collect();
    assert_eq!(endpoints, ["beta_2", "prod"]);
    assert!(m.requests.endpoints[1]
        .description
        .as_deref()
        .is_some_and(|d| d.contains("flow triage (version 1)")));
    check_requests(
        &Shapes::agentcore_control(),
        &m.requests.to_value(),
        "Support",
    );
    let unnamed = m
        .report
        .iter()
        .find(|i| i.feature.starts_with("alias 2nd"))
        .expect("the alias no endpoint can be named after is reported");
    assert!(matches!(unnamed.outcome, Outcome::NoEquivalent(_)));
    assert!(m
        .report
        .iter()
        .any(|i| i.feature.starts_with("alias prod") && matches!(i.outcome, Outcome::Became(_))));

    // The template: a HarnessEndpoint per alias on the harness's version, no `live`.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = vec![];
    for format in [Format::AgentcoreCfnJson, Format::AgentcoreCfnYaml] {
        let r = render(&p, format, Some("Support"), &history).expect("renders");
        let path = dir.path().join(&r.file_name);
        std::fs::write(&path, &r.text).expect("write");
        files.push(path);
    }
    let r = render(&p, Format::AgentcoreCfnJson, Some("Support"), &history).expect("renders");
    let t: Value = serde_json::from_str(&r.text).expect("json");
    validate_template("aliases", &t, &cfn_validators());
    let res = &t["Resources"];
    assert!(res.get("SupportLiveEndpoint").is_none());
    for id in ["SupportBeta2Endpoint", "SupportProdEndpoint"] {
        assert_eq!(
            res[id]["Type"], "AWS::BedrockAgentCore::HarnessEndpoint",
            "{id}: {res:#}"
        );
        assert_eq!(
            res[id]["Properties"]["TargetVersion"],
            json!({"Fn::GetAtt": ["SupportHarness", "Version"]})
        );
    }
    assert_eq!(
        res["SupportProdEndpoint"]["Properties"]["EndpointName"],
        "prod"
    );
    // Without recorded aliases: the one `live` endpoint, as before.
    let plain = rendered(&p, Format::AgentcoreJson, Some("Support"));
    assert!(plain.contains("\"endpointName\": \"live\""));
    if let Some(findings) = lint(&files) {
        assert!(findings.is_empty(), "cfn-lint:\n{}", findings.join("\n"));
    }
}
