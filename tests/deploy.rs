//! `strata deploy` against a fake Bedrock Agent control plane on 127.0.0.1
//! (`tests/support/fake_bedrock_agent.rs`, which checks every request against the service
//! model and records the operation sequence).
#![cfg(feature = "runtime")]

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use strata::deploy::{Action, DeployError, DeployOptions, Deployer};
use strata::model::Project;

mod support {
    pub mod aws;
    pub mod botocore;
    pub mod cli;
    pub mod deploy_cli;
    pub mod fake_bedrock_agent;
    pub mod fake_http;
}

use support::aws::sdk_config;
use support::fake_bedrock_agent::{
    agent_nodes, lock, start, Fake, Shared, FIRST_DEPLOY, READS, SERVICE_MODEL,
};

const AGENT_ROLE: &str = "arn:aws:iam::123456789012:role/StrataAgentRole";
const FLOW_ROLE: &str = "arn:aws:iam::123456789012:role/StrataFlowRole";

// ---------------------------------------------------------------------------------------------
// Helpers

fn fast() -> DeployOptions {
    DeployOptions {
        poll_interval: Duration::from_millis(2),
        timeout: Duration::from_secs(10),
        ..DeployOptions::default()
    }
}

async fn deployer(endpoint: &str, options: DeployOptions) -> Deployer {
    let config = sdk_config(endpoint).await;
    Deployer::new(aws_sdk_bedrockagent::Client::new(&config), options)
}

fn project() -> Project {
    let template = strata::templates::find("support-triage").expect("template");
    let mut project =
        strata::templates::instantiate(template, "support-triage").expect("template loads");
    project.agents[0].agent_resource_role_arn = Some(AGENT_ROLE.into());
    project.flows[0].execution_role_arn = Some(FLOW_ROLE.into());
    project
}

async fn setup(options: DeployOptions) -> (Shared, Deployer) {
    let fake: Shared = Arc::new(Mutex::new(Fake::default()));
    let endpoint = start(fake.clone()).await;
    (fake, deployer(&endpoint, options).await)
}

async fn deploy(d: &Deployer, project: &Project) -> Result<strata::deploy::Applied, DeployError> {
    let plan = d.plan(project).await?;
    d.apply(&plan).await
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn first_deploy_creates_everything_in_order() {
    let (fake, d) = setup(fast()).await;
    let project = project();
    let plan = d.plan(&project).await.expect("plan");
    assert!(plan.has_changes());
    assert_eq!(plan.agents[0].action, Action::Create);
    assert_eq!(plan.flows[0].action, Action::Create);
    let text = plan.to_string();
    assert!(text.contains("+ agent BillingAgent: create"), "{text}");
    assert!(text.contains("+ flow triage: create"), "{text}");
    let applied = d.apply(&plan).await.expect("deploy");
    lock(&fake).log.assert_clean();
    let f = lock(&fake);
    assert_eq!(f.log.mutations(), FIRST_DEPLOY);
    // Reads before anything changes, polls between prepare and alias.
    assert_eq!(&f.log.calls[..2], ["ListAgents", "ListFlows"]);
    let prepare = f.log.position("PrepareAgent");
    let alias = f.log.position("CreateAgentAlias");
    let polls = f.log.calls[prepare..alias]
        .iter()
        .filter(|c| *c == "GetAgent")
        .count();
    assert_eq!(
        polls, 3,
        "PREPARING, PREPARING, PREPARED: {:?}",
        f.log.calls
    );
    let prepare_flow = f.log.position("PrepareFlow");
    assert_eq!(
        f.log.calls[prepare_flow + 1..prepare_flow + 3],
        ["GetFlow", "GetFlow"]
    );
    // The flow's Agent node carries the alias this deploy created.
    let agent_alias = &applied.agent_aliases[0].1;
    assert_eq!(f.alias_arns, vec![agent_alias.clone()]);
    let flow = f.flows.values().next().expect("a flow");
    let mut nodes = Vec::new();
    agent_nodes(&flow.json["definition"], &mut nodes);
    assert_eq!(nodes[0]["agentAliasArn"], json!(agent_alias));
    assert_eq!(flow.json["executionRoleArn"], FLOW_ROLE);
    assert_eq!(applied.flow_aliases[0].0, "triage");
    assert!(applied
        .done
        .iter()
        .any(|l| l.starts_with("created agent BillingAgent")));
}

#[tokio::test]
async fn second_deploy_changes_nothing() {
    let (fake, d) = setup(fast()).await;
    let project = project();
    deploy(&d, &project).await.expect("first deploy");
    let first = lock(&fake).log.calls.len();
    let plan = d.plan(&project).await.expect("plan");
    assert!(!plan.has_changes(), "{plan}");
    assert!(plan.to_string().contains("Nothing to change."), "{plan}");
    let applied = d.apply(&plan).await.expect("second deploy");
    assert!(applied.done.is_empty(), "{:?}", applied.done);
    lock(&fake).log.assert_clean();
    let f = lock(&fake);
    let later: Vec<&String> = f.log.calls[first..].iter().collect();
    assert!(
        later.iter().all(|c| READS.contains(&c.as_str())),
        "{later:?}"
    );
    assert_eq!(f.agents.len(), 1);
    assert_eq!(f.flows.len(), 1);
}

#[tokio::test]
async fn dry_run_plan_only_reads() {
    let (fake, d) = setup(fast()).await;
    let project = project();
    let plan = d.plan(&project).await.expect("plan");
    assert!(plan.has_changes());
    let f = lock(&fake);
    assert!(f.log.mutations().is_empty(), "{:?}", f.log.calls);
    assert_eq!(f.log.calls, ["ListAgents", "ListFlows"]);
}

#[tokio::test]
async fn changed_instruction_updates_only_the_agent() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    deploy(&d, &project).await.expect("first deploy");
    let first = lock(&fake).log.calls.len();
    project.agents[0].instruction =
        Some("You are the billing assistant. Always look up the order first, then answer.".into());
    let plan = d.plan(&project).await.expect("plan");
    let Action::Update(changes) = &plan.agents[0].action else {
        panic!("agent should update: {plan}");
    };
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].path, "instruction");
    assert!(
        plan.to_string().contains("~ agent BillingAgent: update"),
        "{plan}"
    );
    assert_eq!(plan.flows[0].action, Action::Unchanged);
    d.apply(&plan).await.expect("deploy");
    lock(&fake).log.assert_clean();
    let f = lock(&fake);
    let later = f.log.mutations_since(first);
    assert_eq!(later, ["UpdateAgent", "PrepareAgent", "UpdateAgentAlias"]);
}

#[tokio::test]
async fn a_failed_call_names_the_resource_and_what_was_done() {
    let (fake, d) = setup(fast()).await;
    lock(&fake).fail = Some(("CreateFlow", "ValidationException"));
    let err = deploy(&d, &project()).await.expect_err("CreateFlow fails");
    let DeployError::Aws {
        operation,
        resource,
        message,
        done,
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(operation, "CreateFlow");
    assert_eq!(resource, "flow \"triage\"");
    assert!(message.contains("ValidationException"), "{message}");
    assert!(done
        .0
        .iter()
        .any(|l| l.starts_with("created agent BillingAgent")));
    assert!(done
        .0
        .iter()
        .any(|l| l.starts_with("created alias live of agent BillingAgent")));
    let text = err.to_string();
    assert!(
        text.contains("CreateFlow failed for flow \"triage\""),
        "{text}"
    );
    assert!(
        text.contains("already done: created agent BillingAgent"),
        "{text}"
    );
}

#[tokio::test]
async fn a_prepare_that_never_finishes_times_out() {
    let options = DeployOptions {
        poll_interval: Duration::from_millis(5),
        timeout: Duration::from_millis(150),
        ..DeployOptions::default()
    };
    let (fake, d) = setup(options).await;
    lock(&fake).never_prepare = true;
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let d = d.with_progress(Arc::new(move |l: &str| {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(l.to_owned())
    }));
    let err = deploy(&d, &project()).await.expect_err("times out");
    let DeployError::Timeout {
        resource, status, ..
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(resource, "agent \"BillingAgent\"");
    assert_eq!(status, "PREPARING");
    assert!(err.to_string().contains("timeout"), "{err}");
    assert!(
        err.to_string().contains("already done: created agent"),
        "{err}"
    );
    let f = lock(&fake);
    assert!(!f.log.calls.iter().any(|c| c == "CreateAgentAlias"));
    assert!(!f.log.calls.iter().any(|c| c == "CreateFlow"));
    let lines = lines.lock().unwrap_or_else(|p| p.into_inner());
    assert!(
        lines.iter().any(|l| l.contains("PREPARING, waiting")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_failed_flow_prepare_shows_the_validations() {
    let (fake, d) = setup(fast()).await;
    lock(&fake).flow_fails = true;
    let err = deploy(&d, &project()).await.expect_err("prepare fails");
    let DeployError::PrepareFailed {
        resource,
        reasons,
        done,
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(resource, "flow \"triage\"");
    assert_eq!(reasons, "Error: Node Billing: the agent alias is not ready");
    assert!(done.0.iter().any(|l| l.starts_with("created flow triage")));
    assert!(!lock(&fake)
        .log
        .calls
        .iter()
        .any(|c| c == "CreateFlowVersion"));
}

/// The support-triage project plus a supervisor, listed first, whose collaborators are the
/// project's BillingAgent and an agent alias deployed elsewhere.
fn supervisor_project() -> Project {
    let mut project = project();
    let supervisor: strata::model::Agent = serde_json::from_value(json!({
        "agentName": "Supervisor",
        "foundationModel": "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "instruction": "You route each customer question to the right specialist and combine their answers.",
        "agentResourceRoleArn": AGENT_ROLE,
        "agentCollaboration": "SUPERVISOR",
        "collaborators": [
            {"collaboratorName": "billing", "agentDescriptor": {"projectAgent": "BillingAgent"},
             "collaborationInstruction": "Ask billing about invoices and refunds.",
             "relayConversationHistory": "TO_COLLABORATOR"},
            {"collaboratorName": "shipping",
             "agentDescriptor": {"aliasArn": "arn:aws:bedrock:us-east-1:123456789012:agent-alias/SHIPAGENT1/SHIPALIAS1"},
             "collaborationInstruction": "Ask shipping where an order is."}
        ]
    }))
    .expect("a supervisor");
    project.agents.insert(0, supervisor);
    project
}

#[tokio::test]
async fn supervisors_are_deployed_after_their_collaborators_aliases() {
    let (fake, d) = setup(fast()).await;
    let project = supervisor_project();
    let plan = d.plan(&project).await.expect("plan");
    let names: Vec<&str> = plan.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["BillingAgent", "Supervisor"], "collaborators first");
    let text = plan.to_string();
    assert!(text.contains("+ collaborator billing: create"), "{text}");
    let applied = d.apply(&plan).await.expect("deploy");
    lock(&fake).log.assert_clean();
    {
        let f = lock(&fake);
        let mut expected: Vec<&str> = FIRST_DEPLOY[..5].to_vec();
        expected.extend([
            "CreateAgent",
            "AssociateAgentCollaborator",
            "AssociateAgentCollaborator",
            "PrepareAgent",
            "CreateAgentAlias",
        ]);
        expected.extend(&FIRST_DEPLOY[5..]);
        assert_eq!(f.log.mutations(), expected);
        let billing_alias = &applied.agent_aliases[0];
        assert_eq!(billing_alias.0, "BillingAgent");
        let supervisor = f
            .agents
            .values()
            .find(|a| a.json["agentName"] == "Supervisor")
            .expect("supervisor");
        assert_eq!(supervisor.json["agentCollaboration"], "SUPERVISOR");
        let by_name: BTreeMap<String, &Value> = supervisor
            .collaborators
            .values()
            .map(|c| (c["collaboratorName"].as_str().unwrap_or("").to_owned(), c))
            .collect();
        assert_eq!(
            by_name["billing"]["agentDescriptor"]["aliasArn"],
            json!(billing_alias.1)
        );
        assert_eq!(
            by_name["billing"]["relayConversationHistory"],
            "TO_COLLABORATOR"
        );
        assert_eq!(
            by_name["shipping"]["agentDescriptor"]["aliasArn"],
            "arn:aws:bedrock:us-east-1:123456789012:agent-alias/SHIPAGENT1/SHIPALIAS1"
        );
    }

    // Deploying again changes nothing; a changed instruction updates that collaborator only.
    let plan = d.plan(&project).await.expect("plan");
    assert!(!plan.has_changes(), "{plan}");
    let mut changed = project.clone();
    changed.agents[0].collaborators[0].collaboration_instruction =
        "Ask billing about invoices, refunds and payment methods.".into();
    let first = lock(&fake).log.calls.len();
    let plan = d.plan(&changed).await.expect("plan");
    let supervisor = &plan.agents[1];
    assert!(matches!(
        supervisor.collaborators[0].action,
        Action::Update(_)
    ));
    assert_eq!(supervisor.collaborators[1].action, Action::Unchanged);
    d.apply(&plan).await.expect("deploy");
    lock(&fake).log.assert_clean();
    let f = lock(&fake);
    let later = f.log.mutations_since(first);
    assert_eq!(
        later,
        [
            "UpdateAgentCollaborator",
            "PrepareAgent",
            "UpdateAgentAlias"
        ]
    );
}

#[tokio::test]
async fn a_cycle_of_collaborators_is_refused_before_any_call() {
    let (fake, d) = setup(fast()).await;
    let mut project = supervisor_project();
    let billing = project
        .agents
        .iter_mut()
        .find(|a| a.agent_name == "BillingAgent")
        .expect("billing");
    billing.agent_collaboration = serde_json::from_value(json!("SUPERVISOR")).expect("enum");
    billing.collaborators = serde_json::from_value(json!([
        {"collaboratorName": "back", "agentDescriptor": {"projectAgent": "Supervisor"},
         "collaborationInstruction": "Hand back to the supervisor."}
    ]))
    .expect("collaborators");
    let err = d.plan(&project).await.expect_err("a cycle");
    let text = err.to_string();
    assert!(text.contains("cycle of collaborators"), "{text}");
    assert!(text.contains("nothing was changed"), "{text}");
    assert!(lock(&fake).log.calls.is_empty());
}

#[tokio::test]
async fn a_project_guardrail_is_sent_by_its_identifier_and_refused_without_one() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    // The template's agent names the guardrail by the identifier of its deployed copy;
    // name it by the project's name for it instead.
    let name = project.guardrails[0].name.clone();
    let identifier = project.guardrails[0]
        .guardrail_identifier
        .clone()
        .expect("the template's guardrail is deployed");
    if let Some(g) = project.agents[0].guardrail_configuration.as_mut() {
        g.guardrail_identifier = Some(name.clone());
    }
    deploy(&d, &project).await.expect("deploy");
    lock(&fake).log.assert_clean();
    {
        let f = lock(&fake);
        let agent = f.agents.values().next().expect("an agent");
        assert_eq!(
            agent.json["guardrailConfiguration"]["guardrailIdentifier"],
            json!(identifier)
        );
    }
    // Not deployed yet: nothing is sent, and the error says what to do.
    project.guardrails[0].guardrail_identifier = None;
    let calls = lock(&fake).log.calls.len();
    let err = d.plan(&project).await.expect_err("no identifier");
    let text = err.to_string();
    assert!(
        matches!(&err, DeployError::Unresolved { placeholder, .. } if placeholder == "${SupportGuardGuardrailId}"),
        "{text}"
    );
    assert!(text.contains("guardrailIdentifier"), "{text}");
    assert_eq!(lock(&fake).log.calls.len(), calls);
}

#[tokio::test]
async fn missing_roles_fail_before_any_call() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    project.flows[0].execution_role_arn = None;
    let err = d.plan(&project).await.expect_err("no flow role");
    assert!(matches!(err, DeployError::MissingRole { .. }), "{err}");
    assert!(err.to_string().contains("executionRoleArn"), "{err}");
    assert!(err.to_string().contains("--role-arn"), "{err}");
    assert!(lock(&fake).log.calls.is_empty());
    // --role-arn fills it.
    let d = deployer(
        &start(fake.clone()).await,
        DeployOptions {
            role_arn: Some(FLOW_ROLE.into()),
            ..fast()
        },
    )
    .await;
    deploy(&d, &project).await.expect("deploys with --role-arn");
    lock(&fake).log.assert_clean();
}

#[tokio::test]
async fn client_tokens_are_deterministic() {
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let (fake, d) = setup(fast()).await;
        deploy(&d, &project()).await.expect("deploy");
        let f = lock(&fake);
        tokens.push(f.tokens.keys().cloned().collect::<Vec<_>>());
    }
    assert_eq!(tokens[0], tokens[1]);
    assert_eq!(tokens[0].len(), 1);
}

#[test]
fn the_service_model_check_catches_mistakes() {
    let model = &*SERVICE_MODEL;
    model.assert_routes(&[
        ("PUT", "/agents/", Some("CreateAgent")),
        ("POST", "/agents/ID00000001/", Some("PrepareAgent")),
        (
            "PUT",
            "/flows/ID00000002/aliases/ALIAS1",
            Some("UpdateFlowAlias"),
        ),
        ("DELETE", "/agents/", None),
        ("GET", "/nowhere", None),
    ]);
    // The agent id travels in the URI: the body must not be asked for it.
    let errors = model.body_errors(
        "UpdateAgent",
        &json!({"agentName": "a", "foundationModel": "anthropic.claude-v2",
                "agentResourceRoleArn": AGENT_ROLE, "projectAgent": "x"}),
    );
    assert_eq!(
        errors,
        ["UpdateAgent: unknown member projectAgent (UpdateAgentRequest)"]
    );
    let errors = model.body_errors("CreateAgent", &Value::Null);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("missing required member agentName")),
        "{errors:?}"
    );
    assert_eq!(
        model.body_errors("DeleteEverything", &json!({})),
        ["DeleteEverything: not an operation of the model"]
    );
}

// ---------------------------------------------------------------------------------------------
// What the app's deploy view uses: steps per resource, deletes, one agent

/// The steps an apply reports, kept in order.
fn recording(d: Deployer) -> (Deployer, Arc<Mutex<Vec<strata::deploy::Step>>>) {
    let steps = Arc::new(Mutex::new(Vec::new()));
    let sink = steps.clone();
    let d = d.with_steps(Arc::new(move |s: &strata::deploy::Step| {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(s.clone())
    }));
    (d, steps)
}

#[tokio::test]
async fn every_step_and_error_names_a_row_of_the_plan() {
    let (fake, d) = setup(fast()).await;
    let (d, steps) = recording(d);
    let plan = d.plan(&project()).await.expect("plans");
    let rows: Vec<String> = plan.rows().into_iter().map(|r| r.resource).collect();
    assert_eq!(
        rows,
        [
            "agent \"BillingAgent\"",
            "agent \"BillingAgent\" › action group \"orders\"",
            "agent \"BillingAgent\" › action group \"askUser\"",
            "agent \"BillingAgent\" › alias \"live\"",
            "flow \"triage\"",
            "flow \"triage\" › alias \"live\"",
        ]
    );
    d.apply(&plan).await.expect("applies");
    let steps = steps.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for s in &steps {
        assert!(rows.contains(&s.resource), "{s:?} names no row");
    }
    let done: Vec<&str> = steps
        .iter()
        .filter(|s| s.done)
        .map(|s| s.resource.as_str())
        .collect();
    assert_eq!(done.len(), FIRST_DEPLOY.len(), "{steps:#?}");
    assert!(steps.iter().any(|s| !s.done && s.line.contains("waiting")));

    // A failure names its row too.
    let mut changed = project();
    changed.flows[0].description = Some("Triage, reworded".into());
    lock(&fake).fail = Some(("UpdateFlow", "ValidationException"));
    let plan = d.plan(&changed).await.expect("plans");
    let err = d.apply(&plan).await.expect_err("UpdateFlow fails");
    assert_eq!(err.resource(), Some("flow \"triage\""));
    assert!(rows.iter().any(|r| Some(r.as_str()) == err.resource()));
}

#[tokio::test]
async fn an_action_group_the_project_dropped_is_deleted() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    deploy(&d, &project).await.expect("first deploy");
    let dropped = project.agents[0].action_groups.remove(0);
    let plan = d.plan(&project).await.expect("plans");
    let group = &plan.agents[0].action_groups;
    assert!(
        group
            .iter()
            .any(|g| g.name == dropped.action_group_name && g.action == Action::Delete),
        "{plan}"
    );
    assert!(plan.to_string().contains(&format!(
        "- action group {}: delete",
        dropped.action_group_name
    )));
    let first = lock(&fake).log.calls.len();
    d.apply(&plan).await.expect("applies");
    assert_eq!(
        lock(&fake).log.mutations_since(first),
        ["DeleteAgentActionGroup", "PrepareAgent", "UpdateAgentAlias"]
    );
    lock(&fake).log.assert_clean();
    let again = d.plan(&project).await.expect("plans again");
    assert!(!again.has_changes(), "{again}");
}

#[tokio::test]
async fn one_agent_is_deployed_with_its_project_collaborators_and_no_flow() {
    let (fake, d) = setup(fast()).await;
    let project = supervisor_project();
    let scope = strata::deploy::Scope::Agent("Supervisor".into());
    let plan = d.plan_scoped(&project, &scope).await.expect("plans");
    let agents: Vec<&str> = plan.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(agents, ["BillingAgent", "Supervisor"]);
    assert!(plan.flows.is_empty());
    d.apply(&plan).await.expect("applies");
    {
        let f = lock(&fake);
        assert!(
            !f.log.calls.iter().any(|c| c.contains("Flow")),
            "{:?}",
            f.log.calls
        );
        assert_eq!(f.agents.len(), 2);
    }
    lock(&fake).log.assert_clean();

    let only_billing = strata::deploy::Scope::Agent("BillingAgent".into());
    let plan = d.plan_scoped(&project, &only_billing).await.expect("plans");
    assert_eq!(plan.agents.len(), 1);
    assert!(!plan.has_changes(), "{plan}");

    let unknown = strata::deploy::Scope::Agent("Nobody".into());
    let err = d
        .plan_scoped(&project, &unknown)
        .await
        .expect_err("refused");
    assert_eq!(err.to_string(), "the project has no agent named \"Nobody\"");
}

// ---------------------------------------------------------------------------------------------
// The command line

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use support::cli::Run;
    use support::deploy_cli::project_file;

    /// `strata deploy … --target classic ARGS…` (the template's agents target AgentCore; these
    /// tests are of the Classic deploy).
    async fn strata_deploy(endpoint: &str, file: &std::path::Path, args: &[&str]) -> Run {
        let args = [&["--target", "classic"], args].concat();
        support::deploy_cli::strata_deploy(endpoint, file, &args).await
    }

    /// A fake control plane (as `fake` sets it up), its endpoint, and the project written to
    /// a temporary folder: (fake, endpoint, folder, project file).
    async fn fake_and_project(
        fake: Fake,
    ) -> (Shared, String, tempfile::TempDir, std::path::PathBuf) {
        let fake: Shared = Arc::new(Mutex::new(fake));
        let endpoint = start(fake.clone()).await;
        let (dir, path) = project_file(&project());
        (fake, endpoint, dir, path)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dry_run_prints_the_plan_and_changes_nothing() {
        let (fake, endpoint, _dir, file) = fake_and_project(Fake::default()).await;
        strata_deploy(&endpoint, &file, &["--dry-run"])
            .await
            .exits(0)
            .stdout_has("+ agent BillingAgent: create")
            .stdout_has("+ flow alias live: create");
        let f = lock(&fake);
        assert!(f.log.mutations().is_empty(), "{:?}", f.log.calls);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refuses_without_yes_when_stdin_is_not_a_terminal_then_deploys_with_yes() {
        let (fake, endpoint, _dir, file) = fake_and_project(Fake::default()).await;
        strata_deploy(&endpoint, &file, &[])
            .await
            .exits(2)
            .stderr_has("not a terminal")
            .stderr_has("--yes");
        assert!(lock(&fake).log.mutations().is_empty());

        strata_deploy(&endpoint, &file, &["--yes"])
            .await
            .exits(0)
            .stdout_has("flow triage: arn:aws:bedrock:");
        assert_eq!(lock(&fake).log.mutations(), FIRST_DEPLOY);
        lock(&fake).log.assert_clean();

        strata_deploy(&endpoint, &file, &["--yes"])
            .await
            .exits(0)
            .stdout_has("Nothing to change.");
        assert_eq!(lock(&fake).log.mutations(), FIRST_DEPLOY);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_deploy_exits_1_and_says_what_was_done() {
        let failing = Fake {
            fail: Some(("CreateFlow", "ValidationException")),
            ..Fake::default()
        };
        let (_fake, endpoint, _dir, file) = fake_and_project(failing).await;
        strata_deploy(&endpoint, &file, &["--yes"])
            .await
            .exits(1)
            .stderr_has("CreateFlow failed for flow \"triage\"")
            .stderr_has("already done: created agent BillingAgent");
    }
}
