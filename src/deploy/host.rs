//! The deploy's host layer: what `strata deploy` and the app's deploy view decide the same way —
//! the AWS settings and deploy options a [`DeployRequest`] makes, the credentials check, the
//! deployer — and how an apply's steps and result read as [`DeployMessage`]s.

use super::agentcore::AgentCoreDeployer;
use super::{Applied, DeployError, DeployOptions, Deployer, Scope, Step};
use crate::providers::bedrock::BedrockSettings;
use crate::session::ship::{DeployMessage, DeployRequest, DeployedAlias};
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
