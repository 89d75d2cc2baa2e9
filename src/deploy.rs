//! `strata deploy`: a project's agents and flows made real in an AWS account through the
//! Bedrock Agent control plane (`aws-sdk-bedrockagent`).
//!
//! Two steps. [`Deployer::plan`] only reads (ListAgents, GetAgent, ListAgentActionGroups,
//! GetAgentActionGroup, ListAgentKnowledgeBases, ListAgentCollaborators, ListAgentAliases,
//! GetAgentAlias, ListFlows, GetFlow, ListFlowAliases) and says, per resource, create /
//! update (with the members that differ) / unchanged. [`Deployer::apply`] then changes what
//! the plan says, in the order Bedrock needs: agents that are project collaborators before
//! the supervisors using them, and per agent CreateAgent/UpdateAgent → action groups →
//! knowledge-base associations → collaborators (AssociateAgentCollaborator with the alias
//! ARNs made earlier in the run) → PrepareAgent (wait PREPARED) → the `live` alias (wait
//! PREPARED); then per flow CreateFlow/UpdateFlow (Agent nodes get the alias ARNs) →
//! PrepareFlow (wait Prepared) → CreateFlowVersion → the `live` flow alias pointed at the new
//! version.
//!
//! What is sent is exactly what `strata export` writes ([`crate::export::export_agent_json`],
//! [`crate::export::export_flow_json`]), with the placeholders filled: role ARNs from the
//! project or [`DeployOptions::role_arn`], alias ARNs from this deploy. Deploying twice
//! changes nothing the second time; client tokens are derived from project, resource and
//! content, so a retried call does not create twins. Roles are never created here (the
//! CloudFormation export does that): a missing role fails before anything is changed.

pub mod agentcore;
mod apply;
pub mod diff;
pub mod host;
mod journal;
mod local;
mod plan;
mod rows;
mod wait;
mod wire;

pub use diff::Change;

use crate::export::ExportError;
use aws_sdk_bedrockagent::Client;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How a deploy behaves.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The role for every flow and agent that names none in the project (for AgentCore: the
    /// harness execution role, and the gateway role unless `gateway_role_arn` is given).
    pub role_arn: Option<String>,
    /// AgentCore only: the role of every gateway that names none.
    pub gateway_role_arn: Option<String>,
    /// The alias name created for every agent and flow.
    pub alias_name: String,
    /// Time between two status polls while waiting for a prepare or an alias.
    pub poll_interval: Duration,
    /// The longest one wait (one prepare, one alias) may take.
    pub timeout: Duration,
    /// AgentCore only: values for the export's placeholders that deploy cannot fill itself,
    /// keyed by placeholder name without `${…}` (`strata deploy --value NAME=VALUE`), e.g. an
    /// OpenAPI target's `<Agent><Group>ApiKeyProviderArn`.
    pub values: std::collections::BTreeMap<String, String>,
}

impl Default for DeployOptions {
    fn default() -> DeployOptions {
        DeployOptions {
            role_arn: None,
            gateway_role_arn: None,
            alias_name: crate::export::cloudformation::ALIAS_NAME.to_owned(),
            poll_interval: Duration::from_secs(3),
            timeout: Duration::from_secs(600),
            values: std::collections::BTreeMap::new(),
        }
    }
}

/// Receives one progress line at a time (the CLI prints them on stderr).
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// Receives each [`Step`] of an apply as it happens (the app marks the plan's rows with them).
pub type Steps = Arc<dyn Fn(&Step) + Send + Sync>;

/// One step of an apply: the resource, named as [`DeployError::resource`] and the plan's rows
/// name it (`agent "Billing" › action group "Refunds"`), and what happened to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub resource: String,
    /// Whether the resource is done (`false`: a call or a wait on it is under way).
    pub done: bool,
    /// The line the CLI prints.
    pub line: String,
}

/// What a plan covers: the whole project, or one agent with the project agents it calls as
/// collaborators (they are deployed first, as in a whole deploy) and no flows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Project,
    Agent(String),
}

/// What one resource will go through.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// It does not exist yet.
    Create,
    /// It exists and these members differ.
    Update(Vec<Change>),
    /// It exists as the project wants it.
    Unchanged,
    /// The account has it under the agent and the project no longer does (an action group,
    /// a knowledge-base association or a collaborator; for AgentCore a gateway target or a
    /// harness endpoint of the agent's own gateway or harness); apply removes it.
    Delete,
}

impl Action {
    /// Whether applying it calls a mutating operation.
    pub fn changes(&self) -> bool {
        !matches!(self, Action::Unchanged)
    }
}

/// A child resource of an agent (action group, knowledge-base association, collaborator).
#[derive(Debug, Clone, PartialEq)]
pub struct ChildPlan {
    /// Action-group name, knowledge-base id, or collaborator name.
    pub name: String,
    pub action: Action,
    /// The remote id, when it exists.
    pub(crate) id: Option<String>,
    /// The request body (export JSON, placeholders filled).
    pub(crate) body: serde_json::Value,
}

/// The `live` alias of an agent or a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasPlan {
    pub name: String,
    pub action: Action,
    pub(crate) id: Option<String>,
    pub(crate) arn: Option<String>,
}

/// Everything one agent goes through.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentPlan {
    pub name: String,
    pub action: Action,
    pub action_groups: Vec<ChildPlan>,
    pub knowledge_bases: Vec<ChildPlan>,
    /// AssociateAgentCollaborator / UpdateAgentCollaborator, after the collaborators' own
    /// aliases (project agents are deployed before the supervisors that use them).
    pub collaborators: Vec<ChildPlan>,
    /// Whether PrepareAgent runs (something changed, or DRAFT is not prepared).
    pub prepare: bool,
    pub alias: AliasPlan,
    pub(crate) id: Option<String>,
    pub(crate) body: serde_json::Value,
}

/// Everything one flow goes through.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowPlan {
    pub name: String,
    pub action: Action,
    /// Whether PrepareFlow runs.
    pub prepare: bool,
    /// Whether a new numbered version is made for the alias.
    pub new_version: bool,
    pub alias: AliasPlan,
    pub(crate) id: Option<String>,
    pub(crate) body: serde_json::Value,
}

/// What a deploy will do, read from the account before anything changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub project: String,
    pub agents: Vec<AgentPlan>,
    pub flows: Vec<FlowPlan>,
}

impl Plan {
    /// Whether applying the plan changes anything.
    pub fn has_changes(&self) -> bool {
        self.agents.iter().any(|a| {
            a.action.changes()
                || a.prepare
                || a.alias.action.changes()
                || a.action_groups.iter().any(|g| g.action.changes())
                || a.knowledge_bases.iter().any(|k| k.action.changes())
                || a.collaborators.iter().any(|c| c.action.changes())
        }) || self
            .flows
            .iter()
            .any(|f| f.action.changes() || f.prepare || f.new_version || f.alias.action.changes())
    }
}

pub(crate) fn write_action(
    f: &mut fmt::Formatter<'_>,
    indent: &str,
    what: &str,
    action: &Action,
) -> fmt::Result {
    match action {
        Action::Create => writeln!(f, "{indent}+ {what}: create"),
        Action::Unchanged => writeln!(f, "{indent}  {what}: unchanged"),
        Action::Delete => writeln!(f, "{indent}- {what}: delete"),
        Action::Update(changes) => {
            writeln!(f, "{indent}~ {what}: update")?;
            for c in changes {
                writeln!(f, "{indent}      {c}")?;
            }
            Ok(())
        }
    }
}

/// The plan's last line when it changes nothing.
pub(crate) fn write_nothing_to_change(f: &mut fmt::Formatter<'_>, changes: bool) -> fmt::Result {
    if changes {
        Ok(())
    } else {
        writeln!(f, "Nothing to change.")
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for a in &self.agents {
            write_action(f, "", &format!("agent {}", a.name), &a.action)?;
            for g in &a.action_groups {
                write_action(f, "  ", &format!("action group {}", g.name), &g.action)?;
            }
            for k in &a.knowledge_bases {
                write_action(f, "  ", &format!("knowledge base {}", k.name), &k.action)?;
            }
            for c in &a.collaborators {
                write_action(f, "  ", &format!("collaborator {}", c.name), &c.action)?;
            }
            if a.prepare {
                writeln!(f, "  * prepare agent {}", a.name)?;
            }
            let what = format!("agent alias {}", a.alias.name);
            match a.alias.action {
                Action::Update(_) => writeln!(f, "  ~ {what}: update (new version)")?,
                _ => write_action(f, "  ", &what, &a.alias.action)?,
            }
        }
        for fl in &self.flows {
            write_action(f, "", &format!("flow {}", fl.name), &fl.action)?;
            if fl.prepare {
                writeln!(f, "  * prepare flow {}", fl.name)?;
            }
            if fl.new_version {
                writeln!(f, "  + flow version: create")?;
            }
            let what = format!("flow alias {}", fl.alias.name);
            match fl.alias.action {
                Action::Update(_) => writeln!(f, "  ~ {what}: update (to the new version)")?,
                _ => write_action(f, "  ", &what, &fl.alias.action)?,
            }
        }
        write_nothing_to_change(f, self.has_changes())
    }
}

/// What one deploy created or changed, in order, plus the resulting alias ARNs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// One line per change made, e.g. `created agent BillingAgent (ABCDEFGHIJ)`.
    pub done: Vec<String>,
    /// `(agent name, alias ARN)` per agent.
    pub agent_aliases: Vec<(String, String)>,
    /// `(flow name, alias ARN)` per flow.
    pub flow_aliases: Vec<(String, String)>,
}

/// The steps already made when a deploy stopped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Done(pub Vec<String>);

impl fmt::Display for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            write!(f, "nothing had been changed")
        } else {
            write!(f, "already done: {}", self.0.join("; "))
        }
    }
}

/// Why a deploy failed. Every variant names the resource; the ones after the first change
/// also say what had already been done.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeployError {
    /// The project could not be exported (it has errors, …).
    #[error(transparent)]
    Export(#[from] ExportError),
    /// A flow or agent has no role and no `--role-arn` was given. Nothing was changed.
    #[error("{resource} has no {member}; set it in the project or give a role for those without one (`--role-arn`, or the deploy view's role field; roles are created by the CloudFormation export, not by deploy); nothing was changed")]
    MissingRole { resource: String, member: String },
    /// Something deploy does not handle yet. Nothing was changed.
    #[error("{resource}: {what} is not supported by deploy yet; nothing was changed")]
    Unsupported { resource: String, what: String },
    /// A placeholder would be sent as is (a project knowledge base or guardrail without a
    /// Bedrock id).
    #[error("{resource}: {placeholder} has no value (give the project's knowledge base its knowledgeBaseId or guardrail its guardrailIdentifier, or create it first, e.g. with the CloudFormation export); nothing was changed")]
    Unresolved {
        resource: String,
        placeholder: String,
    },
    /// An AWS call failed.
    #[error("{operation} failed for {resource}: {message}; {done}")]
    Aws {
        operation: String,
        resource: String,
        message: String,
        done: Done,
    },
    /// PrepareAgent / PrepareFlow / an alias ended FAILED.
    #[error("{resource} failed to prepare: {reasons}; {done}")]
    PrepareFailed {
        resource: String,
        reasons: String,
        done: Done,
    },
    /// An AgentCore resource ended in a failed status while deploy waited for it to be ready.
    #[error("{resource} ended {status}: {reasons}; {done}")]
    Failed {
        resource: String,
        status: String,
        reasons: String,
        done: Done,
    },
    /// An AgentCore request still holds a placeholder deploy cannot fill (deploy fills the
    /// roles and the ids of the gateway and harness it makes). Nothing was changed.
    #[error("{resource}: {placeholder} has no value (give it one in the project, e.g. the Lambda ARN of an action group; give a value deploy cannot know, such as an API key credential provider ARN, with `--value NAME=VALUE`; or create it first with the CloudFormation export); nothing was changed")]
    Unfilled {
        resource: String,
        placeholder: String,
    },
    /// No agent of the project targets AgentCore and none was named. Nothing was changed.
    #[error("project {project:?} has no agent that targets AgentCore (set \"agentTarget\": \"agentcore\" on the project or an agent, or pass --agent NAME); nothing was changed")]
    NoAgentCoreAgent { project: String },
    /// A wait did not end in time.
    #[error("{resource} was still {status} after {seconds}s (timeout); {done}")]
    Timeout {
        resource: String,
        status: String,
        seconds: u64,
        done: Done,
    },
    /// Bedrock answered without something it always sends.
    #[error("{operation} for {resource}: the response has no {what}; {done}")]
    BadResponse {
        operation: String,
        resource: String,
        what: String,
        done: Done,
    },
}

impl DeployError {
    /// The resource the error is about, named as the plan's rows and [`Step`]s name it;
    /// `None` when it is about the whole project (it could not be exported).
    pub fn resource(&self) -> Option<&str> {
        match self {
            DeployError::Export(_) | DeployError::NoAgentCoreAgent { .. } => None,
            DeployError::MissingRole { resource, .. }
            | DeployError::Failed { resource, .. }
            | DeployError::Unfilled { resource, .. }
            | DeployError::Unsupported { resource, .. }
            | DeployError::Unresolved { resource, .. }
            | DeployError::Aws { resource, .. }
            | DeployError::PrepareFailed { resource, .. }
            | DeployError::Timeout { resource, .. }
            | DeployError::BadResponse { resource, .. } => Some(resource),
        }
    }

    /// What had been changed when the deploy stopped.
    pub fn done(&self) -> &[String] {
        match self {
            DeployError::Aws { done, .. }
            | DeployError::PrepareFailed { done, .. }
            | DeployError::Failed { done, .. }
            | DeployError::Timeout { done, .. }
            | DeployError::BadResponse { done, .. } => &done.0,
            DeployError::Export(_)
            | DeployError::Unfilled { .. }
            | DeployError::NoAgentCoreAgent { .. }
            | DeployError::MissingRole { .. }
            | DeployError::Unsupported { .. }
            | DeployError::Unresolved { .. } => &[],
        }
    }
}

/// Plans and applies deploys with one client: `Deployer` (the default) with the Bedrock Agent
/// client deploys to Classic, [`agentcore::AgentCoreDeployer`] with the AgentCore control-plane
/// client to AgentCore. Both report their steps the same way.
#[derive(Clone)]
pub struct Deployer<C = Client> {
    pub(crate) client: C,
    pub(crate) options: DeployOptions,
    pub(crate) progress: Steps,
}

impl<C> fmt::Debug for Deployer<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deployer")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<C> Deployer<C> {
    /// A deployer on a client; progress is discarded until [`Deployer::with_progress`] or
    /// [`Deployer::with_steps`].
    pub fn new(client: C, options: DeployOptions) -> Deployer<C> {
        Deployer {
            client,
            options,
            progress: Arc::new(|_| {}),
        }
    }

    /// Sends progress lines (changes made, waits, polls) to `progress`.
    pub fn with_progress(self, progress: Progress) -> Deployer<C> {
        self.with_steps(Arc::new(move |step: &Step| progress(&step.line)))
    }

    /// Sends each step, with the resource it is about, to `steps`.
    pub fn with_steps(mut self, steps: Steps) -> Deployer<C> {
        self.progress = steps;
        self
    }

    /// Reports a step of `resource`: under way, or `done`.
    pub(crate) fn step(&self, resource: &str, done: bool, line: &str) {
        (self.progress)(&Step {
            resource: resource.to_owned(),
            done,
            line: line.to_owned(),
        });
    }
}
