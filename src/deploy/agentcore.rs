//! `strata deploy --target agentcore`: a project's agents made real in Amazon Bedrock
//! AgentCore through its control plane (`aws-sdk-bedrockagentcorecontrol`).
//!
//! The same two steps as the Classic deploy ([`super::Deployer`]). [`AgentCoreDeployer::plan`]
//! only reads (ListGateways, GetGateway, ListGatewayTargets, GetGatewayTarget, ListHarnesses,
//! GetHarness, ListHarnessEndpoints), finds every resource by name, and says per resource
//! create / update (with the members that differ) / unchanged / delete.
//! [`AgentCoreDeployer::apply`] then changes what the plan says, per agent in dependency
//! order — Gateway → its GatewayTargets → Harness (its `agentcore_gateway` tool gets the
//! Gateway's ARN) → HarnessEndpoints (pointed at the harness version this deploy left) — and
//! waits after each write until the resource is READY (Get* polls with backoff, `deploy/wait.rs`).
//!
//! What is sent is exactly what `strata export --format agentcore-json` writes, with the
//! placeholders filled: the roles from the project or [`DeployOptions::role_arn`] /
//! [`DeployOptions::gateway_role_arn`], the gateway and harness ids and ARNs from this deploy.
//! Deploying twice changes nothing the second time; client tokens are derived from project,
//! resource and content. Roles are never created here (the CloudFormation export does that).
//! Deleted are only children of the agent's own gateway and harness that the project no longer
//! has (gateway targets, harness endpoints other than `DEFAULT`); never a gateway or a harness.

mod apply;
mod local;
mod plan;

use super::{write_action, write_nothing_to_change};
use aws_sdk_bedrockagentcorecontrol::Client;
use std::fmt;

pub use super::Action;

pub use local::{agents, documents, documents_with};

/// The kinds of AgentCore resource a deploy makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gateway,
    GatewayTarget,
    Harness,
    HarnessEndpoint,
}

impl Kind {
    /// The kind as a plan line and an error name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Gateway => "gateway",
            Kind::GatewayTarget => "gateway target",
            Kind::Harness => "harness",
            Kind::HarnessEndpoint => "harness endpoint",
        }
    }
}

/// One resource of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourcePlan {
    pub kind: Kind,
    /// The name the resource is found by (gateway and target `name`, `harnessName`,
    /// `endpointName`).
    pub name: String,
    pub action: Action,
    /// The remote id, when it exists (for an endpoint: its name).
    pub(crate) id: Option<String>,
    /// The remote ARN, when it exists.
    pub(crate) arn: Option<String>,
    /// The remote harness version (harness) or target version (endpoint), when it exists.
    pub(crate) version: Option<String>,
    /// The create request body (export JSON, roles filled, URI members removed).
    pub(crate) body: serde_json::Value,
}

/// Everything one agent goes through, in the order it is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentPlan {
    /// The project agent.
    pub name: String,
    /// The gateway holding the agent's tools, when it has any.
    pub gateway: Option<ResourcePlan>,
    /// The gateway's targets (the deletes last).
    pub targets: Vec<ResourcePlan>,
    pub harness: ResourcePlan,
    /// The harness's endpoints (the deletes last).
    pub endpoints: Vec<ResourcePlan>,
    /// The placeholders the harness's gateway tools hold for the gateway's ARN.
    pub(crate) gateway_arn_refs: Vec<String>,
}

impl AgentPlan {
    /// Every resource, in apply order.
    pub fn resources(&self) -> impl Iterator<Item = &ResourcePlan> {
        self.gateway
            .iter()
            .chain(&self.targets)
            .chain(std::iter::once(&self.harness))
            .chain(&self.endpoints)
    }
}

/// What a deploy to AgentCore will do, read from the account before anything changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub project: String,
    pub agents: Vec<AgentPlan>,
}

impl Plan {
    /// Whether applying the plan changes anything.
    pub fn has_changes(&self) -> bool {
        self.agents
            .iter()
            .any(|a| a.resources().any(|r| r.action.changes()))
    }
}

fn write_resource(f: &mut fmt::Formatter<'_>, indent: &str, r: &ResourcePlan) -> fmt::Result {
    let what = format!("{} {}", r.kind.as_str(), r.name);
    write_action(f, indent, &what, &r.action)
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for a in &self.agents {
            writeln!(f, "agent {} → AgentCore", a.name)?;
            if let Some(g) = &a.gateway {
                write_resource(f, "  ", g)?;
            }
            for t in &a.targets {
                write_resource(f, "    ", t)?;
            }
            write_resource(f, "  ", &a.harness)?;
            for e in &a.endpoints {
                write_resource(f, "    ", e)?;
            }
        }
        write_nothing_to_change(f, self.has_changes())
    }
}

/// What one deploy created or changed, in order, and where each agent can be invoked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// One line per change made, e.g. `created harness BillingAgent (BillingAgent-abcdef0123)`.
    pub done: Vec<String>,
    /// `(agent name, harness ARN)` per agent.
    pub harnesses: Vec<(String, String)>,
    /// `(agent name, endpoint name, endpoint ARN)` per harness endpoint.
    pub endpoints: Vec<(String, String, String)>,
}

/// Plans and applies AgentCore deploys with one AgentCore control-plane client.
pub type AgentCoreDeployer = super::Deployer<Client>;

/// `agent "A" › kind "name"`: how errors and progress lines name a resource.
pub(crate) fn resource_name(agent: &str, kind: Kind, name: &str) -> String {
    format!("agent {agent:?} › {} {name:?}", kind.as_str())
}
