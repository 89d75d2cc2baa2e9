//! What the app's export dialog and deploy view speak with the host: the deploy request (the
//! CLI's `strata deploy` options as data), the plan as rows, the steps an apply streams, and
//! cfn-lint's findings. Plain data in camelCase JSON, built for wasm too, so the page reads the
//! very types the shell sends.

use crate::model::agent::AgentTarget;
use crate::model::{Agent, Project};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a deploy goes. Each target plans and applies on its own control plane; the view
/// lists [`DeployTarget::ALL`], so a new target is a variant here and its host code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeployTarget {
    /// Amazon Bedrock AgentCore through its control plane (`strata deploy --target
    /// agentcore`): per agent a harness, its gateway and gateway targets, its endpoints.
    #[serde(rename = "agentcore")]
    AgentCore,
    /// Bedrock Agents and Flows through the Bedrock Agent control plane (`strata deploy
    /// --target classic`).
    Classic,
}

impl DeployTarget {
    /// Every target, in the order the view lists them.
    pub const ALL: [DeployTarget; 2] = [DeployTarget::AgentCore, DeployTarget::Classic];

    /// The name `strata deploy --target` takes.
    pub fn id(self) -> &'static str {
        match self {
            DeployTarget::AgentCore => "agentcore",
            DeployTarget::Classic => "classic",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            DeployTarget::AgentCore => "Amazon Bedrock AgentCore (agents)",
            DeployTarget::Classic => "Bedrock Agents and Flows (classic)",
        }
    }

    /// Where a deploy of `project` (or of its agent `agent`) goes unless told otherwise: the
    /// agent's own target; for the whole project, the target its agents agree on, else the
    /// project's `agentTarget` (Classic when it names none). A target Strata does not know is
    /// an error naming it.
    pub fn default_for(project: &Project, agent: Option<&str>) -> Result<DeployTarget, String> {
        let of = |target: Option<AgentTarget>, stated: &str| match target {
            Some(AgentTarget::Agentcore) => Ok(DeployTarget::AgentCore),
            Some(AgentTarget::Classic) => Ok(DeployTarget::Classic),
            None => Err(format!(
                "agentTarget {stated:?} is neither agentcore nor classic"
            )),
        };
        let stated = |a: Option<&Agent>| {
            a.and_then(|a| a.agent_target.as_ref())
                .or(project.agent_target.as_ref())
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default()
        };
        if let Some(name) = agent {
            let a = project.agent(name);
            return match a {
                Some(a) => of(project.agent_target(a), &stated(Some(a))),
                None => Err(format!("the project has no agent named {name:?}")),
            };
        }
        let mut targets = project.agents.iter().map(|a| project.agent_target(a));
        match targets.next() {
            Some(first) if targets.all(|t| t == first) => {
                of(first, &stated(project.agents.first()))
            }
            _ => of(
                project
                    .agent_target
                    .as_ref()
                    .map_or(Some(AgentTarget::UNSTATED), |t| t.get()),
                &stated(None),
            ),
        }
    }

    /// Whether a deploy of `request`'s scope to this target needs a gateway role: AgentCore
    /// puts the tools of an agent's Lambda and OpenAPI action groups behind a gateway. An
    /// agent that cannot be exported needs none (the plan says why it is refused).
    pub fn needs_gateway(self, project: &Project, agent: Option<&str>) -> bool {
        if self != DeployTarget::AgentCore {
            return false;
        }
        project
            .agents
            .iter()
            .filter(|a| match agent {
                Some(name) => a.agent_name == name,
                None => project.agent_target(a) == Some(AgentTarget::Agentcore),
            })
            .any(|a| {
                crate::agentcore::migrate(project, a).is_ok_and(|m| m.requests.gateway.is_some())
            })
    }
}

/// One deploy as a front end asks for it: `strata deploy`'s options. Credentials are never
/// part of it: they come from the standard AWS chain (the profile names which entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployRequest {
    pub target: DeployTarget,
    pub region: String,
    #[serde(default)]
    pub profile: Option<String>,
    /// The role for every flow and agent that names none in the project.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// AgentCore: the role of every gateway the project gives none (default: `role_arn`).
    #[serde(default)]
    pub gateway_role_arn: Option<String>,
    /// Endpoint override for the control plane (e.g. a local fake).
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// Deploy only this agent (with the project agents it calls as collaborators).
    #[serde(default)]
    pub agent: Option<String>,
    /// Seconds one wait (a prepare, an alias) may take.
    pub timeout_secs: u64,
    /// Seconds between two status polls while waiting.
    pub poll_interval_secs: f64,
    /// AgentCore: values for placeholders deploy cannot fill itself, by name without `${…}`
    /// (an OpenAPI target's `<Agent><Group>ApiKeyProviderArn`).
    #[serde(default)]
    pub values: std::collections::BTreeMap<String, String>,
}

impl Default for DeployRequest {
    fn default() -> DeployRequest {
        DeployRequest {
            target: DeployTarget::Classic,
            region: String::new(),
            profile: None,
            role_arn: None,
            gateway_role_arn: None,
            endpoint_url: None,
            agent: None,
            timeout_secs: 600,
            poll_interval_secs: 3.0,
            values: std::collections::BTreeMap::new(),
        }
    }
}

/// What a deploy does to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
    Delete,
}

impl RowAction {
    pub fn label(self) -> &'static str {
        match self {
            RowAction::Create => "create",
            RowAction::Update => "update",
            RowAction::Unchanged => "unchanged",
            RowAction::Delete => "delete",
        }
    }
}

/// One member of an update: where, what the account has (`None`: unset), what the project
/// wants (`None`: the member goes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    pub path: String,
    #[serde(default)]
    pub before: Option<Value>,
    #[serde(default)]
    pub after: Option<Value>,
}

/// One resource of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanRow {
    /// The resource as steps and errors name it: `agent "Billing" › action group "Refunds"`.
    pub resource: String,
    /// `agent`, `action group`, `knowledge base`, `collaborator`, `agent alias`, `flow`,
    /// `flow alias`.
    pub kind: String,
    pub name: String,
    pub action: RowAction,
    /// Field by field, for an update.
    #[serde(default)]
    pub changes: Vec<FieldChange>,
    /// Steps that go with the resource besides its action (`prepare`, `new version`).
    #[serde(default)]
    pub also: Vec<String>,
}

/// A plan as the deploy view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    /// Identifies the plan the host keeps for Apply.
    pub id: u64,
    pub project: String,
    pub target: DeployTarget,
    pub rows: Vec<PlanRow>,
    /// Whether applying it changes anything.
    pub has_changes: bool,
    /// The plan as `strata deploy --dry-run` prints it.
    pub text: String,
}

/// Where a deployed agent or flow can be invoked: an alias a deploy made or kept, or an
/// AgentCore harness and its endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployedAlias {
    /// `agent` or `flow` (their alias), `harness`, or `harness endpoint` (named
    /// `agent › endpoint`).
    pub kind: String,
    pub name: String,
    pub arn: String,
}

/// What an apply streams to the front end, in order; it ends with `finished`, `failed` or
/// `cancelled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DeployMessage {
    /// A step of one resource: under way, or done.
    Step {
        resource: String,
        done: bool,
        line: String,
    },
    Finished {
        done: Vec<String>,
        aliases: Vec<DeployedAlias>,
    },
    /// The deploy stopped; `resource` is the plan row it stopped at (none for the project).
    Failed {
        #[serde(default)]
        resource: Option<String>,
        message: String,
        done: Vec<String>,
    },
    /// Cancelled by the person; `done` lists what had been changed.
    Cancelled { done: Vec<String> },
}

/// One cfn-lint finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LintFinding {
    /// The rule, e.g. `E3002`.
    pub rule: String,
    /// `Error`, `Warning` or `Informational`.
    pub level: String,
    /// 1-based line in the template.
    pub line: u64,
    pub message: String,
}

/// cfn-lint over an exported template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LintReport {
    /// cfn-lint ran; no findings means the template passed.
    Linted {
        version: String,
        findings: Vec<LintFinding>,
    },
    /// The pinned cfn-lint is not installed; `hint` says how to install it.
    NotInstalled { hint: String },
    /// It is installed but could not run or answered with something unreadable.
    Failed { message: String },
}
