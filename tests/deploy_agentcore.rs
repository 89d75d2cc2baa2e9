//! `strata deploy --target agentcore` against a fake AgentCore control plane on 127.0.0.1
//! (`tests/support/fake_agentcore.rs`, shared with the app's e2e tests).
//!
//! The fake keeps gateways, gateway targets, harnesses (with versions) and harness endpoints
//! in memory and checks every request it gets: the route and the body against the botocore
//! service model (`tests/data/botocore/bedrock-agentcore-control.service-2.excerpt.json`: required
//! members, unknown members, unions, enums, patterns, lengths), no unfilled placeholders, names
//! unique, and the dependency order (a target only on a READY gateway, a harness's gateway tool
//! only on a READY gateway it issued, an endpoint only on a READY harness and at a version that
//! harness has). Its own replies are checked against the model's output shapes too. Lists are
//! paged one item at a time, so every List goes through the SDK's paginator. Statuses move by
//! poll count, never by time: a create answers CREATING for two Get polls, then READY.
#![cfg(feature = "runtime")]

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use strata::deploy::agentcore::{Action, AgentCoreDeployer, Kind, ResourcePlan};
use strata::deploy::{DeployError, DeployOptions};

mod support {
    pub mod aws;
    pub mod botocore;
    pub mod cli;
    pub mod deploy_cli;
    pub mod fake_agentcore;
    pub mod fake_http;
}

use support::aws::sdk_config;
use support::fake_agentcore::*;

const HARNESS_ROLE: &str = "arn:aws:iam::123456789012:role/StrataHarnessRole";
const GATEWAY_ROLE: &str = "arn:aws:iam::123456789012:role/StrataGatewayRole";

// ---------------------------------------------------------------------------------------------
// Helpers

fn fast() -> DeployOptions {
    DeployOptions {
        role_arn: Some(HARNESS_ROLE.into()),
        gateway_role_arn: Some(GATEWAY_ROLE.into()),
        poll_interval: Duration::from_millis(2),
        timeout: Duration::from_secs(10),
        ..DeployOptions::default()
    }
}

async fn deployer(endpoint: &str, options: DeployOptions) -> AgentCoreDeployer {
    let config = sdk_config(endpoint).await;
    AgentCoreDeployer::new(
        aws_sdk_bedrockagentcorecontrol::Client::new(&config),
        options,
    )
}

async fn setup(options: DeployOptions) -> (Shared, AgentCoreDeployer) {
    let fake: Shared = Arc::new(Mutex::new(Fake::default()));
    let endpoint = start(fake.clone()).await;
    (fake, deployer(&endpoint, options).await)
}

/// `project` deployed to an empty fake account: (fake, deployer).
async fn deployed(project: &strata::model::Project) -> (Shared, AgentCoreDeployer) {
    let (fake, d) = setup(fast()).await;
    let plan = d.plan(project, None).await.expect("plan");
    d.apply(&plan).await.expect("first deploy");
    (fake, d)
}

/// Asserts that a new plan of `project` changes nothing.
async fn assert_unchanged(d: &AgentCoreDeployer, project: &strata::model::Project) {
    let plan = d.plan(project, None).await.expect("plan again");
    assert!(!plan.has_changes(), "{plan}");
}

/// Each resource's name and what the plan does with it.
fn actions(resources: &[ResourcePlan]) -> Vec<(&str, &Action)> {
    resources
        .iter()
        .map(|r| (r.name.as_str(), &r.action))
        .collect()
}

/// The support-triage template with its agents shipped to AgentCore: BillingAgent has a Lambda
/// action group (`orders`, behind a gateway) and the user-input group.
fn project() -> strata::model::Project {
    let template = strata::templates::find("support-triage").expect("template");
    let mut project =
        strata::templates::instantiate(template, "support-triage").expect("template loads");
    project.agent_target = Some(strata::lenient::Lenient::Known(
        strata::model::agent::AgentTarget::Agentcore,
    ));
    // The template's BillingAgent names Classic itself; these tests ship it to AgentCore.
    for agent in &mut project.agents {
        agent.agent_target = None;
    }
    project
}

const FIRST_DEPLOY: &[&str] = &[
    "CreateGateway",
    "CreateGatewayTarget",
    "CreateHarness",
    "CreateHarnessEndpoint",
];

/// How many `op` calls stand between the first `from` and the first `to`.
fn polls_between(f: &Fake, op: &str, from: &str, to: &str) -> usize {
    let (a, b) = (f.log.position(from), f.log.position(to));
    f.log.calls[a..b].iter().filter(|c| *c == op).count()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn dry_run_on_an_empty_account_plans_creates_and_only_reads() {
    let (fake, d) = setup(fast()).await;
    let plan = d.plan(&project(), None).await.expect("plan");
    assert!(plan.has_changes());
    let agent = &plan.agents[0];
    assert_eq!(agent.name, "BillingAgent");
    let kinds: Vec<(Kind, &str, &Action)> = agent
        .resources()
        .map(|r| (r.kind, r.name.as_str(), &r.action))
        .collect();
    assert_eq!(
        kinds,
        [
            (Kind::Gateway, "BillingAgent", &Action::Create),
            (Kind::GatewayTarget, "orders", &Action::Create),
            (Kind::Harness, "BillingAgent", &Action::Create),
            (Kind::HarnessEndpoint, "live", &Action::Create),
        ]
    );
    let text = plan.to_string();
    for line in [
        "agent BillingAgent → AgentCore",
        "  + gateway BillingAgent: create",
        "    + gateway target orders: create",
        "  + harness BillingAgent: create",
        "    + harness endpoint live: create",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    let f = lock(&fake);
    assert!(f.log.mutations().is_empty(), "{:?}", f.log.calls);
    assert_eq!(f.log.calls, ["ListGateways", "ListHarnesses"]);
    drop(f);
    lock(&fake).log.assert_clean();
}

#[tokio::test]
async fn apply_creates_in_dependency_order_and_waits_until_each_is_ready() {
    let (fake, d) = setup(fast()).await;
    let plan = d.plan(&project(), None).await.expect("plan");
    let applied = d.apply(&plan).await.expect("deploy");
    lock(&fake).log.assert_clean();
    let f = lock(&fake);
    assert_eq!(f.log.mutations(), FIRST_DEPLOY);
    // CREATING, CREATING, READY: three polls after each create before the next write.
    assert_eq!(
        polls_between(&f, "GetGateway", "CreateGateway", "CreateGatewayTarget"),
        3
    );
    assert_eq!(
        polls_between(
            &f,
            "GetGatewayTarget",
            "CreateGatewayTarget",
            "CreateHarness"
        ),
        3
    );
    assert_eq!(
        polls_between(&f, "GetHarness", "CreateHarness", "CreateHarnessEndpoint"),
        3
    );
    assert_eq!(
        f.log.calls.last().map(String::as_str),
        Some("GetHarnessEndpoint")
    );
    // The harness's gateway tool names the gateway this deploy made; the endpoint serves
    // the harness's version; every role is the one given.
    let gateway = f.gateways.values().next().expect("a gateway");
    let harness = f.harnesses.values().next().expect("a harness");
    let tool_arns: Vec<&Value> = harness.res.json["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.pointer("/config/agentCoreGateway/gatewayArn"))
        .collect();
    assert_eq!(tool_arns, [&gateway.res.json["gatewayArn"]]);
    assert_eq!(gateway.res.json["roleArn"], GATEWAY_ROLE);
    assert_eq!(harness.res.json["executionRoleArn"], HARNESS_ROLE);
    let endpoint = &harness.endpoints["live"].json;
    assert_eq!(endpoint["targetVersion"], "1");
    assert_eq!(endpoint["liveVersion"], "1");
    assert_eq!(
        applied.harnesses,
        [(
            "BillingAgent".to_owned(),
            harness.res.json["arn"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        )]
    );
    assert_eq!(applied.endpoints[0].1, "live");
    assert_eq!(
        Some(applied.endpoints[0].2.as_str()),
        endpoint["arn"].as_str()
    );
    assert!(
        applied.done[0].starts_with("created gateway BillingAgent"),
        "{:?}",
        applied.done
    );
    assert_eq!(
        f.tokens.len(),
        3,
        "a client token per create that takes one"
    );
}

#[tokio::test]
async fn the_requests_sent_are_the_export_with_its_placeholders_filled() {
    let project = project();
    let (fake, _d) = deployed(&project).await;
    lock(&fake).log.assert_clean();
    let f = lock(&fake);
    let gateway = f.gateways.values().next().expect("a gateway");
    let mut text = strata::agentcore::agentcore_requests(&project, "BillingAgent")
        .expect("the export")
        .to_value()
        .to_string();
    for (placeholder, value) in [
        (
            strata::agentcore::execution_role_placeholder("BillingAgent"),
            HARNESS_ROLE,
        ),
        (
            strata::agentcore::gateway_role_placeholder("BillingAgent"),
            GATEWAY_ROLE,
        ),
        (
            strata::agentcore::gateway_arn_placeholder("BillingAgent"),
            gateway.res.json["gatewayArn"].as_str().unwrap_or_default(),
        ),
    ] {
        text = text.replace(&placeholder, value);
    }
    let export: Value = serde_json::from_str(&text).expect("JSON");
    let sent = |op: &str| -> Value {
        let (_, body) = f.bodies.iter().find(|(o, _)| o == op).expect(op);
        let mut body = body.clone();
        body.as_object_mut().map(|m| m.remove("clientToken"));
        body
    };
    let without = |v: &Value, key: &str| -> Value {
        let mut v = v.clone();
        v.as_object_mut().map(|m| m.remove(key));
        v
    };
    assert_eq!(sent("CreateGateway"), export["createGateway"]);
    // URI members travel in the path, not the body.
    assert_eq!(
        sent("CreateGatewayTarget"),
        without(&export["createGatewayTargets"][0], "gatewayIdentifier")
    );
    assert_eq!(sent("CreateHarness"), export["createHarness"]);
    let mut endpoint = without(&export["createHarnessEndpoints"][0], "harnessId");
    endpoint["targetVersion"] = json!("1");
    assert_eq!(sent("CreateHarnessEndpoint"), endpoint);
}

#[tokio::test]
async fn an_endpoint_the_project_no_longer_has_is_deleted_but_never_default() {
    let project = project();
    let (fake, d) = deployed(&project).await;
    {
        let mut f = lock(&fake);
        let harness = f.harnesses.values_mut().next().expect("a harness");
        for name in ["DEFAULT", "old"] {
            let mut json = harness.endpoints["live"].json.clone();
            json["endpointName"] = json!(name);
            let arn = json["arn"]
                .as_str()
                .unwrap_or_default()
                .replace("/live", &format!("/{name}"));
            json["arn"] = json!(arn);
            harness
                .endpoints
                .insert(name.to_owned(), Res::new(json, &[]));
        }
    }
    let first = lock(&fake).log.calls.len();
    let plan = d.plan(&project, None).await.expect("plan");
    assert_eq!(
        actions(&plan.agents[0].endpoints),
        [("live", &Action::Unchanged), ("old", &Action::Delete)]
    );
    assert!(
        plan.to_string()
            .contains("    - harness endpoint old: delete"),
        "{plan}"
    );
    d.apply(&plan).await.expect("deploy");
    lock(&fake).log.assert_clean();
    let f = lock(&fake);
    assert_eq!(f.log.mutations_since(first), ["DeleteHarnessEndpoint"]);
    let harness = f.harnesses.values().next().expect("a harness");
    let left: Vec<&String> = harness.endpoints.keys().collect();
    assert_eq!(left, ["DEFAULT", "live"]);
}

#[tokio::test]
async fn a_second_deploy_is_all_unchanged_and_writes_nothing() {
    let project = project();
    let (fake, d) = deployed(&project).await;
    let first = lock(&fake).log.calls.len();
    let plan = d.plan(&project, None).await.expect("plan again");
    assert!(!plan.has_changes(), "{plan}");
    assert!(plan.agents[0]
        .resources()
        .all(|r| r.action == Action::Unchanged));
    assert!(plan.to_string().contains("Nothing to change."), "{plan}");
    assert!(
        plan.to_string()
            .contains("  harness BillingAgent: unchanged"),
        "{plan}"
    );
    let applied = d.apply(&plan).await.expect("second deploy");
    assert!(applied.done.is_empty(), "{:?}", applied.done);
    assert_eq!(applied.endpoints.len(), 1, "the endpoint is still reported");
    lock(&fake).log.assert_clean();
    let f = lock(&fake);
    assert_eq!(
        f.log.mutations_since(first),
        Vec::<String>::new(),
        "{:?}",
        &f.log.calls[first..]
    );
    assert_eq!((f.gateways.len(), f.harnesses.len()), (1, 1));
}

#[tokio::test]
async fn a_recorded_alias_becomes_a_harness_endpoint_and_live_goes() {
    let project = project();
    let (fake, d) = deployed(&project).await;
    // The flow's version 1 runs BillingAgent in its Agent node; alias `prod` names it.
    let flow = project.flow("triage").expect("the template's flow").clone();
    let history = strata::export::History {
        flows: [(
            "triage".to_owned(),
            strata::export::FlowHistory {
                versions: vec![strata::export::RecordedVersion {
                    number: 1,
                    description: String::new(),
                    flow,
                }],
                aliases: [("prod".to_owned(), 1)].into_iter().collect(),
            },
        )]
        .into_iter()
        .collect(),
    };
    let first = lock(&fake).log.calls.len();
    let plan = d
        .plan_with(&project, None, &history)
        .await
        .expect("plan with the alias");
    assert_eq!(
        actions(&plan.agents[0].endpoints),
        [("prod", &Action::Create), ("live", &Action::Delete)],
        "{plan}"
    );
    let applied = d.apply(&plan).await.expect("deploys the alias's endpoint");
    assert_eq!(
        applied
            .endpoints
            .iter()
            .map(|e| e.1.as_str())
            .collect::<Vec<_>>(),
        ["prod"]
    );
    lock(&fake).log.assert_clean();
    {
        let f = lock(&fake);
        assert_eq!(
            f.log.mutations_since(first),
            ["CreateHarnessEndpoint", "DeleteHarnessEndpoint"]
        );
        let harness = f.harness_named("BillingAgent").expect("the harness");
        assert!(harness.endpoints.contains_key("prod"));
        assert!(!harness.endpoints.contains_key("live"));
    }
    let again = d.plan_with(&project, None, &history).await.expect("plan");
    assert!(!again.has_changes(), "{again}");
}

#[tokio::test]
async fn a_changed_instruction_updates_the_harness_and_moves_its_endpoint() {
    let mut project = project();
    let (fake, d) = deployed(&project).await;
    let first = lock(&fake).log.calls.len();
    project.agents[0].instruction =
        Some("You are the billing assistant. Always look up the order first, then answer.".into());
    let plan = d.plan(&project, None).await.expect("plan");
    let agent = &plan.agents[0];
    let Action::Update(changes) = &agent.harness.action else {
        panic!("the harness should update: {plan}");
    };
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0].path.starts_with("systemPrompt[0]"),
        "{changes:?}"
    );
    assert_eq!(
        agent.gateway.as_ref().map(|g| &g.action),
        Some(&Action::Unchanged)
    );
    assert_eq!(agent.targets[0].action, Action::Unchanged);
    let Action::Update(moved) = &agent.endpoints[0].action else {
        panic!("the endpoint should follow: {plan}");
    };
    assert_eq!(moved[0].path, "targetVersion");
    let text = plan.to_string();
    assert!(text.contains("  ~ harness BillingAgent: update"), "{text}");
    assert!(text.contains("Always look up the order first"), "{text}");
    assert!(
        text.contains("    ~ harness endpoint live: update"),
        "{text}"
    );
    d.apply(&plan).await.expect("deploy");
    lock(&fake).log.assert_clean();
    {
        let f = lock(&fake);
        assert_eq!(
            f.log.mutations_since(first),
            ["UpdateHarness", "UpdateHarnessEndpoint"]
        );
        let harness = f.harnesses.values().next().expect("a harness");
        assert_eq!(harness.res.json["harnessVersion"], "2");
        assert_eq!(harness.endpoints["live"].json["liveVersion"], "2");
    }
    assert_unchanged(&d, &project).await;
}

#[tokio::test]
async fn a_changed_group_updates_its_target_and_drift_updates_the_gateway() {
    let mut project = project();
    let (fake, d) = deployed(&project).await;
    project.agents[0].action_groups[0].description = Some("Look up orders and refund them".into());
    // Someone edited the gateway by hand.
    for g in lock(&fake).gateways.values_mut() {
        g.res.json["description"] = json!("edited by hand");
    }
    let first = lock(&fake).log.calls.len();
    let plan = d.plan(&project, None).await.expect("plan");
    let agent = &plan.agents[0];
    let paths = |action: &Action| -> Vec<String> {
        match action {
            Action::Update(changes) => changes.iter().map(|c| c.path.clone()).collect(),
            other => panic!("an update, not {other:?}: {plan}"),
        }
    };
    let gateway = agent.gateway.as_ref().expect("a gateway");
    assert_eq!(paths(&gateway.action), ["description"]);
    assert_eq!(paths(&agent.targets[0].action), ["description"]);
    assert_eq!(agent.harness.action, Action::Unchanged, "{plan}");
    assert!(
        plan.to_string()
            .contains("description: \"edited by hand\" → \"Tools of agent BillingAgent"),
        "{plan}"
    );
    d.apply(&plan).await.expect("deploy");
    lock(&fake).log.assert_clean();
    let f = lock(&fake);
    assert_eq!(
        f.log.mutations_since(first),
        ["UpdateGateway", "UpdateGatewayTarget"]
    );
    let later = &f.log.calls[first..];
    let after = later
        .iter()
        .position(|c| c == "UpdateGatewayTarget")
        .unwrap_or_default();
    assert_eq!(
        later[after..]
            .iter()
            .filter(|c| *c == "GetGatewayTarget")
            .count(),
        2,
        "UPDATING, READY: {later:?}"
    );
}

#[tokio::test]
async fn a_removed_action_group_deletes_its_target() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    let mut second = project.agents[0].action_groups[0].clone();
    second.action_group_name = "refunds".into();
    project.agents[0].action_groups.push(second);
    let plan = d.plan(&project, None).await.expect("plan");
    assert_eq!(plan.agents[0].targets.len(), 2);
    d.apply(&plan).await.expect("first deploy");
    // Two targets: the second plan lists them over two pages.
    let first = lock(&fake).log.calls.len();
    project.agents[0].action_groups.pop();
    let plan = d.plan(&project, None).await.expect("plan");
    assert_eq!(
        actions(&plan.agents[0].targets)[1],
        ("refunds", &Action::Delete),
        "{plan}"
    );
    assert!(
        plan.to_string()
            .contains("    - gateway target refunds: delete"),
        "{plan}"
    );
    d.apply(&plan).await.expect("deploy");
    lock(&fake).log.assert_clean();
    let f = lock(&fake);
    let later = &f.log.calls[first..];
    assert_eq!(
        later.iter().filter(|c| *c == "ListGatewayTargets").count(),
        2,
        "one page a target: {later:?}"
    );
    assert!(f
        .log
        .mutations_since(first)
        .contains(&"DeleteGatewayTarget".to_owned()));
    assert_eq!(f.gateways.values().next().map(|g| g.targets.len()), Some(1));
}

#[tokio::test]
async fn the_customer_support_example_deploys_and_redeploys_unchanged() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/customer-support/support.strata.json");
    let text = std::fs::read_to_string(&path).expect("the example");
    let mut project = strata::import::import(&text, "support")
        .expect("the example loads")
        .project;
    project.agent_target = Some(strata::lenient::Lenient::Known(
        strata::model::agent::AgentTarget::Agentcore,
    ));
    let (fake, d) = setup(fast()).await;
    let plan = d.plan(&project, None).await.expect("plan");
    let targets: Vec<&str> = plan.agents[0]
        .targets
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        targets,
        ["billing", "subscriptions", "notifications"],
        "{plan}"
    );
    d.apply(&plan).await.expect("deploy");
    lock(&fake).log.assert_clean();
    let first = lock(&fake).log.calls.len();
    assert_unchanged(&d, &project).await;
    let f = lock(&fake);
    let later = &f.log.calls[first..];
    assert_eq!(
        later.iter().filter(|c| *c == "ListGatewayTargets").count(),
        3,
        "three pages of one target: {later:?}"
    );
    assert_eq!(f.gateways.values().next().map(|g| g.targets.len()), Some(3));
}

#[tokio::test]
async fn a_validation_exception_names_the_resource_and_what_was_done() {
    let (fake, d) = setup(fast()).await;
    lock(&fake).fail = Some(("CreateGatewayTarget", "ValidationException"));
    let plan = d.plan(&project(), None).await.expect("plan");
    let err = d.apply(&plan).await.expect_err("CreateGatewayTarget fails");
    let DeployError::Aws {
        operation,
        resource,
        message,
        done,
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(operation, "CreateGatewayTarget");
    assert_eq!(
        resource,
        "agent \"BillingAgent\" › gateway target \"orders\""
    );
    assert!(message.contains("ValidationException"), "{message}");
    assert!(
        done.0[0].starts_with("created gateway BillingAgent"),
        "{done:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(
            "CreateGatewayTarget failed for agent \"BillingAgent\" › gateway target \"orders\""
        ),
        "{text}"
    );
    assert!(!lock(&fake).log.calls.iter().any(|c| c == "CreateHarness"));
}

#[tokio::test]
async fn a_harness_that_ends_create_failed_is_reported_by_name_and_retried_next_time() {
    let (fake, d) = setup(fast()).await;
    lock(&fake).harness_fails = true;
    let project = project();
    let plan = d.plan(&project, None).await.expect("plan");
    let err = d.apply(&plan).await.expect_err("the harness fails");
    let DeployError::Failed {
        resource,
        status,
        reasons,
        done,
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(
        resource,
        "agent \"BillingAgent\" › harness \"BillingAgent\""
    );
    assert_eq!(status, "CREATE_FAILED");
    assert_eq!(reasons, "the execution role cannot be assumed");
    assert!(done
        .0
        .iter()
        .any(|l| l.starts_with("created harness BillingAgent")));
    assert!(!lock(&fake)
        .log
        .calls
        .iter()
        .any(|c| c == "CreateHarnessEndpoint"));
    // Deploying again updates the failed harness rather than leaving it.
    let plan = d.plan(&project, None).await.expect("plan");
    let Action::Update(changes) = &plan.agents[0].harness.action else {
        panic!("a failed harness is updated: {plan}");
    };
    assert_eq!(changes.last().map(|c| c.path.as_str()), Some("status"));
    d.apply(&plan).await.expect("the retry deploys");
    lock(&fake).log.assert_clean();
}

#[tokio::test]
async fn a_harness_that_never_gets_ready_times_out_naming_it() {
    // Long enough that the gateway and its target, which get ready after a few polls, never
    // time out on a loaded machine; the stuck harness always does.
    let options = DeployOptions {
        poll_interval: Duration::from_millis(20),
        timeout: Duration::from_secs(2),
        ..fast()
    };
    let (fake, d) = setup(options).await;
    lock(&fake).harness_stuck = true;
    let plan = d.plan(&project(), None).await.expect("plan");
    let err = d.apply(&plan).await.expect_err("times out");
    assert!(
        matches!(&err, DeployError::Timeout { resource, status, .. }
            if resource == "agent \"BillingAgent\" › harness \"BillingAgent\"" && status == "CREATING"),
        "{err}"
    );
}

#[tokio::test]
async fn missing_roles_fail_before_any_call() {
    let (fake, d) = setup(DeployOptions {
        role_arn: None,
        gateway_role_arn: None,
        ..fast()
    })
    .await;
    let err = d.plan(&project(), None).await.expect_err("no role");
    assert!(
        matches!(&err, DeployError::MissingRole { member, .. } if member == "executionRoleArn"),
        "{err}"
    );
    assert!(err.to_string().contains("--role-arn"), "{err}");
    assert!(lock(&fake).log.calls.is_empty());
}

#[tokio::test]
async fn agents_are_chosen_by_target_or_by_name() {
    let (fake, d) = setup(fast()).await;
    let mut classic = project();
    classic.agent_target = None;
    let err = d
        .plan(&classic, None)
        .await
        .expect_err("no AgentCore agent");
    assert!(matches!(err, DeployError::NoAgentCoreAgent { .. }), "{err}");
    assert!(err.to_string().contains("--agent"), "{err}");
    // Named, a Classic agent is deployed to AgentCore all the same.
    let plan = d.plan(&classic, Some("BillingAgent")).await.expect("plan");
    assert_eq!(plan.agents.len(), 1);
    let err = d.plan(&classic, Some("Nobody")).await.expect_err("unknown");
    assert!(err.to_string().contains("Nobody"), "{err}");
    lock(&fake).log.assert_clean();
}

#[test]
fn the_service_model_check_catches_mistakes() {
    let model = &*MODEL;
    model.assert_routes(&[
        ("POST", "/harnesses", Some("CreateHarness")),
        ("PATCH", "/harnesses/H-0123456789", Some("UpdateHarness")),
        (
            "GET",
            "/gateways/g-0123456789/targets/T000000001/",
            Some("GetGatewayTarget"),
        ),
    ]);
    let errors = model.body_errors(
        "CreateHarness",
        &json!({"harnessName": "1bad", "executionRoleArn": HARNESS_ROLE,
                "tools": [{"type": "lambda"}], "model": {}}),
    );
    for wrong in [
        "does not match",
        "\"lambda\" is not one of",
        "a union takes exactly one member",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(wrong)),
            "{wrong}: {errors:?}"
        );
    }
    // The harness id travels in the URI; a name does not go in an update.
    assert_eq!(
        model.body_errors("UpdateHarness", &json!({"harnessName": "H"})),
        ["UpdateHarness: unknown member harnessName (UpdateHarnessRequest)"]
    );
    let errors = model.body_errors("CreateGateway", &json!({"name": "g"}));
    assert_eq!(errors.len(), 2, "{errors:?}");
}

// ---------------------------------------------------------------------------------------------
// The command line

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use support::deploy_cli::{project_file, strata_deploy};

    /// A fake control plane (as `fake` sets it up), its endpoint, and `project` written to a
    /// temporary folder: (fake, endpoint, folder, project file).
    async fn fake_and_project(
        fake: Fake,
        project: &strata::model::Project,
    ) -> (Shared, String, tempfile::TempDir, std::path::PathBuf) {
        let fake: Shared = Arc::new(Mutex::new(fake));
        let endpoint = start(fake.clone()).await;
        let (dir, path) = project_file(project);
        (fake, endpoint, dir, path)
    }

    const ROLES: [&str; 4] = [
        "--role-arn",
        HARNESS_ROLE,
        "--gateway-role-arn",
        GATEWAY_ROLE,
    ];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_project_target_is_the_default_and_a_second_deploy_changes_nothing() {
        let (fake, endpoint, _dir, file) = fake_and_project(Fake::default(), &project()).await;
        strata_deploy(&endpoint, &file, &[&ROLES[..], &["--dry-run"]].concat())
            .await
            .exits(0)
            .stdout_has("agent BillingAgent → AgentCore")
            .stdout_has("+ harness endpoint live: create");
        assert!(lock(&fake).log.mutations().is_empty());

        strata_deploy(&endpoint, &file, &[&ROLES[..], &["--yes"]].concat())
            .await
            .exits(0)
            .stdout_has("Deployed to AgentCore (4 change(s))")
            .stdout_has("  agent BillingAgent: arn:aws:bedrock-agentcore:us-east-1:123456789012:harness/BillingAgent-")
            .stdout_has("    endpoint live: arn:aws:bedrock-agentcore:")
            .stderr_has("CREATING, waiting…");
        assert_eq!(lock(&fake).log.mutations(), FIRST_DEPLOY);
        lock(&fake).log.assert_clean();

        strata_deploy(&endpoint, &file, &[&ROLES[..], &["--yes"]].concat())
            .await
            .exits(0)
            .stdout_has("Nothing to change.");
        assert_eq!(lock(&fake).log.mutations(), FIRST_DEPLOY);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn target_agentcore_and_agent_pick_a_classic_projects_agent() {
        let mut classic = project();
        classic.agent_target = None;
        let (fake, endpoint, _dir, file) = fake_and_project(Fake::default(), &classic).await;
        let args = [
            &ROLES[..],
            &[
                "--target",
                "agentcore",
                "--agent",
                "BillingAgent",
                "--dry-run",
            ],
        ]
        .concat();
        strata_deploy(&endpoint, &file, &args)
            .await
            .exits(0)
            .stdout_has("+ harness BillingAgent: create");
        // With Classic, --agent limits the Classic deploy to that agent: it goes to the Bedrock
        // Agent control plane (which this fake does not answer).
        strata_deploy(
            &endpoint,
            &file,
            &[
                "--target",
                "classic",
                "--agent",
                "BillingAgent",
                "--dry-run",
                "--role-arn",
                HARNESS_ROLE,
            ],
        )
        .await
        .exits(1)
        .stderr_has("ListAgents failed");
        // Without --target, a project that names no target deploys to Classic (the same
        // fake answers no Bedrock Agent route).
        strata_deploy(&endpoint, &file, &["--dry-run", "--role-arn", HARNESS_ROLE])
            .await
            .exits(1)
            .stderr_has("ListAgents failed");
        assert!(lock(&fake).log.mutations().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_deploy_exits_1_naming_the_resource_and_what_was_done() {
        let failing = Fake {
            fail: Some(("CreateHarness", "ValidationException")),
            ..Fake::default()
        };
        let (_fake, endpoint, _dir, file) = fake_and_project(failing, &project()).await;
        strata_deploy(&endpoint, &file, &[&ROLES[..], &["--yes"]].concat())
            .await
            .exits(1)
            .stderr_has("CreateHarness failed for agent \"BillingAgent\" › harness \"BillingAgent\": ValidationException")
            .stderr_has("already done: created gateway BillingAgent");
        // No role: refused before any call.
        strata_deploy(&endpoint, &file, &["--yes"])
            .await
            .exits(1)
            .stderr_has("executionRoleArn");
    }
}
