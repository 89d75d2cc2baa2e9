//! The deploy's host layer: what `strata deploy` and the app's deploy view decide the same way —
//! the AWS settings and deploy options a [`DeployRequest`] makes, the credentials check, the
//! deployer of the request's target, the plan ([`DeployRequest::plan`] → [`Planned`]) and its
//! apply — and how an apply's steps and result read as [`DeployMessage`]s.

use super::agentcore::{self, AgentCoreDeployer};
use super::{Applied, DeployError, DeployOptions, Deployer, Plan, Scope, Step, Steps};
use crate::export::History;
use crate::model::Project;
use crate::providers::bedrock::BedrockSettings;
use crate::session::ship::{DeployMessage, DeployRequest, DeployTarget, DeployedAlias, PlanView};
use std::fmt;
use std::time::Duration;

/// The rest of what to do without AWS credentials: deploy has no offline stand-in.
pub const DEPLOY_ELSEWHERE: &str =
    ", or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (--dry-run reads the account too)";

/// Why a deployer could not be made.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("a region is needed (e.g. us-east-1)")]
    NoRegion,
    /// The poll interval is not a duration (negative, not a number, too large).
    #[error("{seconds}: {source}")]
    PollInterval {
        seconds: f64,
        source: std::time::TryFromFloatSecsError,
    },
    /// No credentials: what is missing and what to do.
    #[error("{0}")]
    Credentials(String),
}

impl DeployRequest {
    /// Where and as whom to call AWS.
    pub fn settings(&self) -> BedrockSettings {
        let given = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        BedrockSettings {
            region: Some(self.region.trim().to_owned()),
            profile: given(&self.profile),
            endpoint_url: given(&self.endpoint_url),
        }
    }

    /// The deploy's options: role, waits.
    pub fn options(&self) -> Result<DeployOptions, HostError> {
        let poll_interval =
            Duration::try_from_secs_f64(self.poll_interval_secs).map_err(|source| {
                HostError::PollInterval {
                    seconds: self.poll_interval_secs,
                    source,
                }
            })?;
        Ok(DeployOptions {
            role_arn: self.role_arn.clone().filter(|r| !r.trim().is_empty()),
            gateway_role_arn: self
                .gateway_role_arn
                .clone()
                .filter(|r| !r.trim().is_empty()),
            timeout: Duration::from_secs(self.timeout_secs),
            poll_interval,
            values: self.values.clone(),
            ..DeployOptions::default()
        })
    }

    /// What the plan covers.
    pub fn scope(&self) -> Scope {
        match &self.agent {
            Some(agent) => Scope::Agent(agent.clone()),
            None => Scope::Project,
        }
    }

    /// A deployer for the request, once the AWS chain gives credentials
    /// ([`BedrockSettings::load_checked`]); its steps are discarded until
    /// [`Deployer::with_steps`].
    pub async fn deployer(&self) -> Result<Deployer, HostError> {
        let config = self.config().await?;
        let client = aws_sdk_bedrockagent::Client::new(&config);
        Ok(Deployer::new(client, self.options()?))
    }

    /// A deployer to AgentCore for the request (harnesses, gateways, their targets and
    /// endpoints), with the same settings and checks as [`DeployRequest::deployer`].
    pub async fn agentcore_deployer(&self) -> Result<AgentCoreDeployer, HostError> {
        let config = self.config().await?;
        let client = aws_sdk_bedrockagentcorecontrol::Client::new(&config);
        Ok(AgentCoreDeployer::new(client, self.options()?))
    }

    /// Reads the account and works out what deploying `project` to the request's target
    /// would do. A project with errors is refused first, before credentials are looked for;
    /// then settings and credentials ([`PlanError::Host`]); then the target's own plan.
    pub async fn plan(&self, project: &Project) -> Result<Planned, PlanError> {
        self.plan_with(project, &History::default()).await
    }

    /// [`DeployRequest::plan`] with the versions and aliases recorded for the project's flows
    /// (AgentCore: a harness endpoint per alias whose flow version runs the agent).
    pub async fn plan_with(
        &self,
        project: &Project,
        history: &History,
    ) -> Result<Planned, PlanError> {
        crate::export::ensure_valid(project).map_err(|e| PlanError::Deploy(e.into()))?;
        let plan = match self.target {
            DeployTarget::Classic => {
                let deployer = self.deployer().await?;
                let plan = deployer.plan_scoped(project, &self.scope()).await?;
                Target::Classic(deployer, plan)
            }
            DeployTarget::AgentCore => {
                let deployer = self.agentcore_deployer().await?;
                let plan = deployer
                    .plan_with(project, self.agent.as_deref(), history)
                    .await?;
                Target::AgentCore(deployer, plan)
            }
        };
        Ok(Planned(plan))
    }

    async fn config(&self) -> Result<aws_config::SdkConfig, HostError> {
        if self.region.trim().is_empty() {
            return Err(HostError::NoRegion);
        }
        self.settings()
            .load_checked(DEPLOY_ELSEWHERE)
            .await
            .map_err(HostError::Credentials)
    }
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Settings or credentials.
    #[error(transparent)]
    Host(#[from] HostError),
    /// The project (it has errors, an agent cannot ship) or the account.
    #[error(transparent)]
    Deploy(#[from] DeployError),
}

/// A plan read from the account, with the deployer that applies it.
#[derive(Debug)]
pub struct Planned(Target);

#[derive(Debug)]
enum Target {
    Classic(Deployer, Plan),
    AgentCore(AgentCoreDeployer, agentcore::Plan),
}

/// What an apply did, per target.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Classic(Applied),
    AgentCore(agentcore::Applied),
}

impl Planned {
    /// Whether applying it changes anything.
    pub fn has_changes(&self) -> bool {
        match &self.0 {
            Target::Classic(_, plan) => plan.has_changes(),
            Target::AgentCore(_, plan) => plan.has_changes(),
        }
    }

    /// The plan as the deploy view shows it; `id` identifies it for Apply.
    pub fn view(&self, id: u64) -> PlanView {
        match &self.0 {
            Target::Classic(_, plan) => plan.view(id, DeployTarget::Classic),
            Target::AgentCore(_, plan) => plan.view(id),
        }
    }

    /// The plan whose apply sends each step to `steps` (they are discarded until then).
    pub fn with_steps(self, steps: Steps) -> Planned {
        Planned(match self.0 {
            Target::Classic(d, plan) => Target::Classic(d.with_steps(steps), plan),
            Target::AgentCore(d, plan) => Target::AgentCore(d.with_steps(steps), plan),
        })
    }

    /// Makes the changes the plan lists, each step going to [`Planned::with_steps`]'s.
    pub async fn apply(&self) -> Result<Outcome, DeployError> {
        match &self.0 {
            Target::Classic(deployer, plan) => deployer.apply(plan).await.map(Outcome::Classic),
            Target::AgentCore(deployer, plan) => deployer.apply(plan).await.map(Outcome::AgentCore),
        }
    }
}

/// The plan as `strata deploy --dry-run` prints it.
impl fmt::Display for Planned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Target::Classic(_, plan) => plan.fmt(f),
            Target::AgentCore(_, plan) => plan.fmt(f),
        }
    }
}

/// What the CLI prints after an apply.
impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Classic(applied) => {
                writeln!(f, "Deployed ({} change(s)). Aliases:", applied.done.len())?;
                for (agent, arn) in &applied.agent_aliases {
                    writeln!(f, "  agent {agent}: {arn}")?;
                }
                for (flow, arn) in &applied.flow_aliases {
                    writeln!(f, "  flow {flow}: {arn}")?;
                }
            }
            Outcome::AgentCore(applied) => {
                writeln!(
                    f,
                    "Deployed to AgentCore ({} change(s)). Harnesses and endpoints:",
                    applied.done.len()
                )?;
                for (agent, arn) in &applied.harnesses {
                    writeln!(f, "  agent {agent}: {arn}")?;
                    for (_, endpoint, arn) in applied.endpoints.iter().filter(|e| &e.0 == agent) {
                        writeln!(f, "    endpoint {endpoint}: {arn}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl From<&Outcome> for DeployMessage {
    fn from(outcome: &Outcome) -> DeployMessage {
        match outcome {
            Outcome::Classic(applied) => DeployMessage::from(applied),
            Outcome::AgentCore(applied) => {
                let place = |kind: &str, name: String, arn: &String| DeployedAlias {
                    kind: kind.to_owned(),
                    name,
                    arn: arn.clone(),
                };
                let mut aliases = Vec::new();
                for (agent, arn) in &applied.harnesses {
                    aliases.push(place("harness", agent.clone(), arn));
                    for (_, endpoint, arn) in applied.endpoints.iter().filter(|e| &e.0 == agent) {
                        aliases.push(place(
                            "harness endpoint",
                            format!("{agent} › {endpoint}"),
                            arn,
                        ));
                    }
                }
                DeployMessage::Finished {
                    done: applied.done.clone(),
                    aliases,
                }
            }
        }
    }
}

impl From<&Step> for DeployMessage {
    fn from(step: &Step) -> DeployMessage {
        DeployMessage::Step {
            resource: step.resource.clone(),
            done: step.done,
            line: step.line.clone(),
        }
    }
}

impl From<&Applied> for DeployMessage {
    fn from(applied: &Applied) -> DeployMessage {
        let alias = |kind: &str, (name, arn): &(String, String)| DeployedAlias {
            kind: kind.to_owned(),
            name: name.clone(),
            arn: arn.clone(),
        };
        let agents = applied.agent_aliases.iter().map(|a| alias("agent", a));
        let flows = applied.flow_aliases.iter().map(|f| alias("flow", f));
        DeployMessage::Finished {
            done: applied.done.clone(),
            aliases: agents.chain(flows).collect(),
        }
    }
}

impl From<&DeployError> for DeployMessage {
    fn from(error: &DeployError) -> DeployMessage {
        DeployMessage::Failed {
            resource: error.resource().map(str::to_owned),
            message: error.to_string(),
            done: error.done().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::agent::AgentTarget;

    fn classic_deployer() -> Deployer {
        let config = aws_sdk_bedrockagent::Config::builder()
            .behavior_version(aws_sdk_bedrockagent::config::BehaviorVersion::latest())
            .build();
        Deployer::new(
            aws_sdk_bedrockagent::Client::from_conf(config),
            DeployOptions {
                role_arn: Some("arn:aws:iam::123456789012:role/R".into()),
                ..DeployOptions::default()
            },
        )
    }

    /// The support-triage template with its agent shipped to AgentCore: the flow's Agent node
    /// reaches it through its harness.
    fn reaching_a_harness() -> Project {
        let template = crate::templates::find("support-triage").expect("the template");
        let mut project = crate::templates::instantiate(template, "triage").expect("loads");
        project.agents[0].agent_target =
            Some(crate::lenient::Lenient::Known(AgentTarget::Agentcore));
        project
    }

    #[tokio::test]
    async fn a_classic_flow_reaching_a_harness_needs_its_invoker_before_any_call() {
        // The client has no endpoint and no credentials: a call would fail differently.
        let err = classic_deployer()
            .plan_scoped(&reaching_a_harness(), &Scope::Project)
            .await
            .expect_err("the invoker's ARN is not known to deploy");
        assert_eq!(err.resource(), Some("flow \"triage\""), "{err}");
        assert!(
            err.to_string().contains("${BillingAgentHarnessInvokerArn}"),
            "{err}"
        );
        assert!(err.done().is_empty());
    }

    #[test]
    fn the_default_target_is_where_the_agents_go() {
        let mut project = reaching_a_harness();
        let target = |p: &Project, agent| DeployTarget::default_for(p, agent);
        assert_eq!(target(&project, None), Ok(DeployTarget::AgentCore));
        assert_eq!(
            target(&project, Some("BillingAgent")),
            Ok(DeployTarget::AgentCore)
        );
        assert!(DeployTarget::AgentCore.needs_gateway(&project, None));
        assert!(!DeployTarget::Classic.needs_gateway(&project, None));
        project.agents[0].agent_target = Some(crate::lenient::Lenient::Known(AgentTarget::Classic));
        assert_eq!(target(&project, None), Ok(DeployTarget::Classic));
        project.agents[0].agent_target = Some(crate::lenient::Lenient::Unknown("mainframe".into()));
        let err = target(&project, Some("BillingAgent")).expect_err("unknown");
        assert!(err.contains("\"mainframe\""), "{err}");
        assert!(target(&project, Some("Nobody")).is_err());
    }
}
