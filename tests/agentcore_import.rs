//! Importing AgentCore harness definitions: `import(export(agent))` keeps what maps (the
//! customer-support agent through the agentcore-json document and the AgentCore template; a
//! hand-written harness template through a second export), every piece with no place is a
//! warning naming it, and `strata chat` runs an imported harness agent with the replay
//! provider: the Lambda target through a bound local handler, the inline function as return of
//! control.

use serde_json::Value;
use std::path::{Path, PathBuf};
use strata::export::{render, Format, History};
use strata::import::{import, ImportFormat, Imported};
use strata::model::agent::{Agent, AgentTarget};
use strata::model::lenient::Lenient;
use strata::model::{load, Project};

mod support {
    pub mod cli;
    pub mod flows;
}

use support::cli::Run;
use support::flows::agent_flow;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    root().join("tests/import_fixtures/agentcore")
}

fn support_project() -> Project {
    let text =
        std::fs::read_to_string(root().join("examples/customer-support/support.strata.json"))
            .expect("the example");
    load(&text, "support").expect("loads").project
}

fn exported(p: &Project, format: Format, agent: &str) -> String {
    render(p, format, Some(agent), &History::default())
        .unwrap_or_else(|e| panic!("{format:?}: {e}"))
        .text
}

/// What an AgentCore harness carries of an agent, in a form two agents compare by: the agent
/// without what the export reports as having no equivalent, action groups in name order.
fn mapped(a: &Agent) -> Value {
    let mut a = a.clone();
    a.description = None;
    a.guardrail_configuration = None;
    a.knowledge_bases.clear();
    a.agent_target = None;
    a.local.user_facing = None;
    if let Some(m) = &mut a.memory_configuration {
        m.session_summary_configuration = None;
    }
    // AMAZON.UserInput: a harness ends its turn with the question instead.
    a.action_groups
        .retain(|g| g.parent_action_group_signature.is_none());
    a.action_groups
        .sort_by(|x, y| x.action_group_name.cmp(&y.action_group_name));
    for g in &mut a.action_groups {
        g.local_handler = None;
        // Inline functions carry their own descriptions, not their group's.
        if g.returns_control() {
            g.description = None;
        }
        if let Some(strata::model::agent::FunctionSchema::Functions(fs)) = &mut g.function_schema {
            for f in fs {
                f.require_confirmation = None;
            }
        }
    }
    serde_json::to_value(&a).expect("agent")
}

fn only_agent(i: &Imported) -> &Agent {
    assert_eq!(i.project.agents.len(), 1, "{:?}", i.project.agents);
    let a = &i.project.agents[0];
    assert_eq!(
        a.agent_target,
        Some(Lenient::Known(AgentTarget::Agentcore)),
        "an imported harness targets AgentCore"
    );
    a
}

#[test]
fn the_support_agent_comes_back_from_its_agentcore_json_export() {
    let p = support_project();
    let text = exported(&p, Format::AgentcoreJson, "Support");
    let i = import(&text, "support").expect("imports");
    assert_eq!(i.format, ImportFormat::AgentCore);
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    let back = only_agent(&i);
    assert_eq!(mapped(back), mapped(&p.agents[0]));
    // The return-of-control group is still one, the Lambda groups keep their functions.
    let large = back
        .action_groups
        .iter()
        .find(|g| g.action_group_name == "large_refunds")
        .expect("large_refunds");
    assert!(large.returns_control());
}

#[test]
fn the_support_agent_comes_back_from_its_agentcore_template() {
    let p = support_project();
    for format in [Format::AgentcoreCfnYaml, Format::AgentcoreCfnJson] {
        let text = exported(&p, format, "Support");
        let i = import(&text, "support").expect("imports");
        assert_eq!(i.format, ImportFormat::CloudFormation);
        assert!(i.warnings.is_empty(), "{format:?}: {:?}", i.warnings);
        assert_eq!(mapped(only_agent(&i)), mapped(&p.agents[0]), "{format:?}");
    }
}

fn hand_written() -> Imported {
    let text =
        std::fs::read_to_string(fixtures().join("orders.harness.yaml")).expect("the fixture");
    import(&text, "orders").expect("imports")
}

#[test]
fn a_hand_written_harness_template_imports_with_every_loss_named() {
    let i = hand_written();
    let a = only_agent(&i);
    assert_eq!(a.agent_name, "OrderDesk");
    assert_eq!(
        a.foundation_model.as_deref(),
        Some("anthropic.claude-3-5-sonnet-20240620-v1:0")
    );
    let instruction = a.instruction.as_deref().expect("instruction");
    assert!(
        instruction.contains("orders__lookupOrder") && !instruction.contains("orders___"),
        "the gateway's tool names are the local ones again: {instruction}"
    );
    assert_eq!(a.local.max_iterations, Some(6));
    let memory = a.memory_configuration.as_ref().expect("memory");
    assert_eq!(memory.enabled_memory_types, ["SESSION_SUMMARY"]);
    assert_eq!(memory.storage_days, Some(14));
    assert_eq!(a.tags.get("team").map(String::as_str), Some("desk"));
    assert_eq!(a.agent_resource_role_arn, None, "the template's own role");

    let names: Vec<&str> = a
        .action_groups
        .iter()
        .map(|g| g.action_group_name.as_str())
        .collect();
    assert_eq!(names, ["orders", "returns"]);
    let orders = &a.action_groups[0];
    assert_eq!(
        orders.action_group_executor,
        Some(strata::model::agent::ActionGroupExecutor::Lambda(
            "${GetAtt:OrdersFunction.Arn}".into()
        ))
    );
    let f = &orders
        .function_schema
        .as_ref()
        .expect("functions")
        .functions()[0];
    assert_eq!(f.name, "lookupOrder");
    assert_eq!(f.parameters["orderId"].required, Some(true));
    assert_eq!(f.parameters["includeLines"].param_type.as_str(), "boolean");
    assert!(a.action_groups[1].returns_control());

    let warned = |at: &str, words: &str| {
        assert!(
            i.warnings
                .iter()
                .any(|w| w.at.contains(at) && w.message.contains(words)),
            "no warning at {at} saying {words:?}: {:#?}",
            i.warnings
        );
    };
    warned("tools[2]", "remote_mcp");
    warned("allowedTools", "no equivalent");
    warned("temperature", "not imported");
    warned("DeskProd", "\"prod\"");
    warned("lambdaArn", "${GetAtt:OrdersFunction.Arn}");
    warned("OrdersFunction", "AWS::Lambda::Function");
    assert_eq!(i.warnings.len(), 6, "{:#?}", i.warnings);
}

#[test]
fn a_hand_written_harness_survives_an_export_and_import_again() {
    let mut p = hand_written().project;
    // The deployed function, as a user fills in the CloudFormation reference.
    if let Some(strata::model::agent::ActionGroupExecutor::Lambda(arn)) =
        &mut p.agents[0].action_groups[0].action_group_executor
    {
        *arn = "arn:aws:lambda:us-east-1:123456789012:function:orders".into();
    }
    for format in [Format::AgentcoreJson, Format::AgentcoreCfnYaml] {
        let text = exported(&p, format, "OrderDesk");
        let again = import(&text, "orders").expect("imports");
        assert!(
            again.warnings.is_empty(),
            "{format:?}: {:?}",
            again.warnings
        );
        assert_eq!(
            mapped(only_agent(&again)),
            mapped(&p.agents[0]),
            "{format:?}"
        );
    }
}

#[test]
fn a_bare_create_harness_request_imports_and_says_where_the_gateway_tools_are() {
    let request = serde_json::json!({
        "harnessName": "Helper",
        "executionRoleArn": "arn:aws:iam::123456789012:role/helper",
        "model": {"openAiModelConfig": {"modelId": "gpt-4o", "apiKeyArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/openai"}},
        "systemPrompt": [{"text": "You answer questions about the weather, briefly and only from the forecast."}],
        "tools": [{"type": "agentcore_gateway", "name": "gw", "config": {"agentCoreGateway": {"gatewayArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-abcdefghij"}}}],
        "hooks": [{"name": "audit"}]
    });
    let i = import(&request.to_string(), "helper").expect("imports");
    assert_eq!(i.format, ImportFormat::AgentCore);
    let a = only_agent(&i);
    assert_eq!(a.foundation_model.as_deref(), Some("gpt-4o"));
    assert_eq!(
        a.agent_resource_role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/helper")
    );
    let messages: Vec<&str> = i.warnings.iter().map(|w| w.message.as_str()).collect();
    for warned in ["openAiModelConfig", "gateway's targets", "hooks"] {
        assert!(
            messages.iter().any(|m| m.contains(warned)),
            "{warned}: {messages:?}"
        );
    }
    // A harness without a name is refused, saying where.
    let err = import(r#"{"createHarness": {"model": {}}}"#, "x").unwrap_err();
    assert!(
        err.to_string().contains("createHarness.harnessName"),
        "{err}"
    );
}

#[test]
fn strata_chat_runs_an_imported_harness_with_a_bound_handler_and_return_of_control() {
    let out = Run::of(support::cli::strata().current_dir(fixtures()).args([
        "chat",
        "orders.harness.yaml",
        "--agent",
        "OrderDesk",
        "--replay",
        "orders.replay.yaml",
        "--answers",
        "orders.answers.yaml",
        "--handler",
        "orders=handlers/orders.py:handler",
    ]));
    let stdout = &out.exits(0).stdout;
    assert!(
        stdout.contains(r#"{"order": "A-1001", "status": "shipped", "group": "orders"}"#),
        "the gateway target ran the bound handler with the Classic event: {stdout}"
    );
    assert!(
        stdout.contains("RETURN_CONTROL returns.file_return"),
        "{stdout}"
    );
    assert!(
        stdout.contains("OrderDesk> Return R-77 is filed for order A-1001."),
        "{stdout}"
    );
}

#[test]
fn a_flow_runs_an_imported_harness_agent_through_its_agent_node() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("handlers")).expect("handlers dir");
    std::fs::copy(
        fixtures().join("handlers/orders.py"),
        dir.path().join("handlers/orders.py"),
    )
    .expect("copy handler");
    let mut p = serde_json::to_value(&hand_written().project).expect("project");
    // The template's function, bound by its logical id as for any imported stack.
    p["handlers"] = serde_json::json!([
        {"name": "OrdersFunction", "file": "handlers/orders.py", "function": "handler"}
    ]);
    p["flows"] = serde_json::json!([{
        "name": "ask",
        "definition": agent_flow("Desk", serde_json::json!({"projectAgent": "OrderDesk"})),
    }]);
    std::fs::write(dir.path().join("desk.strata.json"), p.to_string()).expect("project");
    std::fs::write(
        dir.path().join("ask.replay.yaml"),
        "- contains: \"Where is order A-1001\"\n  text: Looking.\n  toolUse:\n    - name: orders__lookupOrder\n      input: {orderId: A-1001}\n- text: Order A-1001 has shipped.\n",
    )
    .expect("replay");
    Run::of(support::cli::strata_in(dir.path()).args([
        "run",
        "desk.strata.json",
        "--input",
        "\"Where is order A-1001?\"",
        "--replay",
        "ask.replay.yaml",
    ]))
    .exits(0)
    .stdout_has(r#""status": "shipped""#)
    .stdout_has("output FlowOutputNode: Order A-1001 has shipped.");
}
