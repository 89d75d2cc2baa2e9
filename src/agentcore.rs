//! Amazon Bedrock AgentCore: a project agent shipped as a managed harness
//! (`CreateHarness`, `AWS::BedrockAgentCore::Harness`) with its Lambda action groups behind a
//! gateway (`CreateGateway`, one `CreateGatewayTarget` per group), its return-of-control groups
//! as `inline_function` tools, `AMAZON.CodeInterpreter` as the managed code interpreter, and a
//! harness endpoint where Classic has an alias.
//!
//! One mapping, [`migrate`], makes both the requests and the migration report: what each Classic
//! feature the agent uses became, or why AgentCore has no equivalent. The CloudFormation template
//! ([`template`]), the compiler's diagnostics for agents that target AgentCore and the CLI all
//! read it, so nothing a Classic agent says is dropped in silence. Pure, like [`crate::export`].

pub mod adapter;
mod gateway;
mod harness;
pub mod limits;
pub mod openapi_target;
pub mod report;
pub mod requests;
pub mod template;

pub use harness::{recorded_aliases, RecordedAlias};
pub use report::{MigrationItem, Outcome};
pub use requests::*;

use crate::export::{alphanumeric, ensure_valid, ExportError, Result};
use crate::model::{Agent, Project};

/// The requests that ship an agent to AgentCore, with the report of what changed on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    pub requests: AgentCoreRequests,
    /// Each Classic feature the agent uses: what it became, or why it has no equivalent.
    pub report: Vec<MigrationItem>,
}

/// Why an agent cannot be shipped to AgentCore at all (nothing is written then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The agent field it is about (`foundationModel`, `actionGroups[billing]`, …).
    pub field: String,
    pub reason: String,
}

/// The CreateHarness / CreateGateway / CreateGatewayTarget / CreateHarnessEndpoint requests of
/// the project agent `agent_name`. Refuses a project the compiler finds errors in, an agent
/// whose names or values AgentCore's model refuses, and an agent AgentCore cannot run (see
/// [`migrate`]), before anything is written.
pub fn agentcore_requests(project: &Project, agent_name: &str) -> Result<AgentCoreRequests> {
    Ok(export_migration(project, agent_name)?.requests)
}

/// [`agentcore_requests`] with the migration report.
pub fn export_migration(project: &Project, agent_name: &str) -> Result<Migration> {
    export_migration_with(project, agent_name, &crate::export::History::default())
}

/// [`export_migration`] with the versions and aliases recorded for the project's flows: a
/// harness endpoint per alias whose flow version runs the agent ([`recorded_aliases`]), else
/// the one `live` endpoint.
pub fn export_migration_with(
    project: &Project,
    agent_name: &str,
    history: &crate::export::History,
) -> Result<Migration> {
    let mut migration = export_migration_alone(project, agent_name)?;
    let aliases = recorded_aliases(history, agent_name);
    if let Some(agent) = project.agent(agent_name) {
        let Migration { requests, report } = &mut migration;
        harness::endpoints_for_aliases(agent, &aliases, requests, report);
    }
    Ok(migration)
}

fn export_migration_alone(project: &Project, agent_name: &str) -> Result<Migration> {
    let agent = project
        .agent(agent_name)
        .ok_or_else(|| ExportError::UnknownAgent {
            agent: agent_name.to_owned(),
        })?;
    ensure_valid(project)?;
    // The compiler checks AgentCore's limits only for agents that target AgentCore; an agent
    // exported to AgentCore must respect them whatever its target.
    let mut limits = crate::diagnostic::Diagnostics::default();
    limits::check_agent(project, agent, &mut limits);
    if let Some(d) = limits.into_vec().into_iter().find(|d| d.is_error()) {
        return Err(ExportError::NotForAgentCore {
            agent: agent_name.to_owned(),
            reason: format!("{} ({})", d.message, d.code),
        });
    }
    // An agent that targets Classic is not checked against AgentCore's limits by the
    // compiler; exporting it to AgentCore must still respect them.
    migrate(project, agent).map_err(|r| ExportError::NotForAgentCore {
        agent: agent_name.to_owned(),
        reason: format!("{}: {}", r.field, r.reason),
    })
}

/// Maps `agent` to AgentCore, without compiling the project first (the compiler calls this to
/// turn the report into diagnostics). Refuses an agent without a model, with a custom
/// orchestration, or with an action group whose tools cannot be derived.
pub fn migrate(project: &Project, agent: &Agent) -> std::result::Result<Migration, Refusal> {
    let mut report = Vec::new();
    let tools = gateway::tools(project, agent, &mut report)?;
    let harness = harness::harness(project, agent, &tools, &mut report)?;
    let requests = AgentCoreRequests {
        agent: agent.agent_name.clone(),
        harness,
        gateway: tools.gateway,
        targets: tools.targets,
        endpoints: harness::endpoints(agent),
    };
    report::unmapped(project, agent, &requests, &mut report);
    Ok(Migration { requests, report })
}

/// The harness name of an agent: `HarnessName` is `[a-zA-Z][a-zA-Z0-9_]{0,39}`, so `-`
/// becomes `_` (the compiler reports a name that still does not fit).
pub fn harness_name(agent: &str) -> String {
    agent.replace('-', "_")
}

/// The gateway name of an agent: `GatewayName` is `([0-9a-zA-Z][-]?){1,48}`, so `_` becomes `-`.
pub fn gateway_name(agent: &str) -> String {
    agent.replace('_', "-")
}

/// The gateway target of an action group: `TargetName` is `([0-9a-zA-Z][-]?){1,100}`.
pub fn target_name(action_group: &str) -> String {
    action_group.replace('_', "-")
}

/// The name the gateway gives a tool of a target (`<target>___<tool>`), as the model sees it.
pub fn gateway_tool_name(action_group: &str, tool: &str) -> String {
    format!("{}___{tool}", target_name(action_group))
}

/// The name of an `inline_function` tool: the same `<group>__<function>` a local run and
/// Classic use, so the instruction's mentions of it stay true.
pub fn inline_tool_name(action_group: &str, function: &str) -> String {
    format!("{action_group}__{function}")
}

/// The endpoint every exported harness gets (Classic's alias of the same name).
pub const ENDPOINT_NAME: &str = crate::export::cloudformation::ALIAS_NAME;

/// Which placeholder: `${<Agent><what>}`, e.g. `${SupportGatewayId}`.
pub fn placeholder(agent: &str, what: &str) -> String {
    format!("${{{}{what}}}", alphanumeric(agent))
}

/// `${<Agent>HarnessId}`: the id CreateHarness returns, used by CreateHarnessEndpoint.
pub fn harness_id_placeholder(agent: &str) -> String {
    placeholder(agent, "HarnessId")
}

/// `${<Agent>GatewayId}`: the id CreateGateway returns, used by CreateGatewayTarget.
pub fn gateway_id_placeholder(agent: &str) -> String {
    placeholder(agent, "GatewayId")
}

/// `${<Agent>GatewayArn}`: the ARN CreateGateway returns, named by the harness's gateway tool.
pub fn gateway_arn_placeholder(agent: &str) -> String {
    placeholder(agent, "GatewayArn")
}

/// `${<Agent>ExecutionRoleArn}`: the role the harness runs as, when the agent names none.
pub fn execution_role_placeholder(agent: &str) -> String {
    placeholder(agent, "ExecutionRoleArn")
}

/// `${<Agent>GatewayRoleArn}`: the role the gateway calls the Lambda functions with.
pub fn gateway_role_placeholder(agent: &str) -> String {
    placeholder(agent, "GatewayRoleArn")
}
