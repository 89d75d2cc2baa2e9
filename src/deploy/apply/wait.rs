//! Waiting for Bedrock agents, agent aliases and flows: their status polls, for the deploy's
//! one poll loop ([`until_ready`], steady pace).

use super::Run;
use crate::deploy::plan::bad_response;
use crate::deploy::wait::{reasons, until_ready, Pace, Poll};
use crate::deploy::{DeployError, Done};
use aws_sdk_bedrockagent::types::{AgentAliasStatus, AgentStatus, FlowStatus};
use serde_json::Value;

/// What an agent wait is for.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum AgentWait {
    /// Done once the agent is out of CREATING / UPDATING.
    Settled,
    /// Done once PREPARED.
    Prepared,
}

/// PrepareAgent / PrepareFlow / an alias ended FAILED, with the reasons Bedrock gave.
fn prepare_failed(resource: &str, reasons: String, done: &[String]) -> DeployError {
    DeployError::PrepareFailed {
        resource: resource.to_owned(),
        reasons,
        done: Done(done.to_vec()),
    }
}

impl Run<'_> {
    pub(super) async fn wait_agent(
        &self,
        id: &str,
        resource: &str,
        wait: AgentWait,
    ) -> Result<(), DeployError> {
        let d = self.j.d;
        until_ready(d, Pace::Steady, resource, self.done(), || async {
            let (json, status) = d.get_agent(id, resource, self.done()).await?;
            Ok(match status {
                AgentStatus::Prepared => Poll::Ready(()),
                AgentStatus::Failed => {
                    let given = json.get("failureReasons").and_then(Value::as_array);
                    let given = given.into_iter().flatten().filter_map(Value::as_str);
                    let reasons = reasons(status.as_str(), given);
                    return Err(prepare_failed(resource, reasons, self.done()));
                }
                AgentStatus::Creating
                | AgentStatus::Updating
                | AgentStatus::Preparing
                | AgentStatus::Versioning => Poll::Waiting(status.as_str().to_owned()),
                _ if wait == AgentWait::Settled => Poll::Ready(()),
                _ => Poll::Waiting(status.as_str().to_owned()),
            })
        })
        .await
    }

    pub(super) async fn wait_agent_alias(
        &self,
        agent_id: &str,
        alias_id: &str,
        resource: &str,
    ) -> Result<(), DeployError> {
        let d = self.j.d;
        until_ready(d, Pace::Steady, resource, self.done(), || async {
            let get = d.client.get_agent_alias().agent_id(agent_id);
            let get = get.agent_alias_id(alias_id).send();
            let out = self.j.sent("GetAgentAlias", resource, get).await?;
            let alias = out.agent_alias().ok_or_else(|| {
                bad_response("GetAgentAlias", resource, "agentAlias", self.done())
            })?;
            let status = alias.agent_alias_status();
            Ok(match status {
                AgentAliasStatus::Prepared => Poll::Ready(()),
                AgentAliasStatus::Failed => {
                    let given = alias.failure_reasons().iter().map(String::as_str);
                    let reasons = reasons(status.as_str(), given);
                    return Err(prepare_failed(resource, reasons, self.done()));
                }
                _ => Poll::Waiting(status.as_str().to_owned()),
            })
        })
        .await
    }

    pub(super) async fn wait_flow(&self, id: &str, resource: &str) -> Result<(), DeployError> {
        let d = self.j.d;
        until_ready(d, Pace::Steady, resource, self.done(), || async {
            let (_, status, validations) = d.get_flow(id, resource, self.done()).await?;
            Ok(match status {
                FlowStatus::Prepared => Poll::Ready(()),
                FlowStatus::Failed => {
                    let reasons = if validations.is_empty() {
                        "status Failed (no validations given)".to_owned()
                    } else {
                        validations.join("; ")
                    };
                    return Err(prepare_failed(resource, reasons, self.done()));
                }
                _ => Poll::Waiting(status.as_str().to_owned()),
            })
        })
        .await
    }
}
