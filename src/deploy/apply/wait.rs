//! Waiting for Bedrock: one poll loop, with a timeout, shared by agents, agent aliases and
//! flows.

use super::Run;
use crate::deploy::plan::{bad_response, sent};
use crate::deploy::{DeployError, Done};
use aws_sdk_bedrockagent::types::{AgentAliasStatus, AgentStatus, FlowStatus};
use serde_json::Value;
use std::future::Future;
use tokio::time::Instant;

/// What an agent wait is for.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum AgentWait {
    /// Done once the agent is out of CREATING / UPDATING.
    Settled,
    /// Done once PREPARED.
    Prepared,
}

/// What one status poll of a resource being waited for found.
enum Poll {
    Done,
    /// Failed, with the reasons Bedrock gave.
    Failed(String),
    /// Still on its way, in this status.
    Waiting(String),
}

impl Run<'_> {
    fn timeout(&self, resource: &str, status: &str) -> DeployError {
        DeployError::Timeout {
            resource: resource.to_owned(),
            status: status.to_owned(),
            seconds: self.d.options.timeout.as_secs(),
            done: Done(self.applied.done.clone()),
        }
    }

    /// Polls `poll` every [`DeployOptions::poll_interval`] until it says done or failed, or
    /// until [`DeployOptions::timeout`] has passed; each wait says the status it saw.
    ///
    /// [`DeployOptions::poll_interval`]: super::DeployOptions::poll_interval
    /// [`DeployOptions::timeout`]: super::DeployOptions::timeout
    async fn wait<F, P>(&self, resource: &str, mut poll: P) -> Result<(), DeployError>
    where
        P: FnMut() -> F,
        F: Future<Output = Result<Poll, DeployError>>,
    {
        let started = Instant::now();
        loop {
            let status = match poll().await? {
                Poll::Done => return Ok(()),
                Poll::Failed(reasons) => {
                    return Err(DeployError::PrepareFailed {
                        resource: resource.to_owned(),
                        reasons,
                        done: Done(self.applied.done.clone()),
                    })
                }
                Poll::Waiting(status) => status,
            };
            if started.elapsed() >= self.d.options.timeout {
                return Err(self.timeout(resource, &status));
            }
            let line = format!("{resource}: {status}, waiting…");
            self.d.step(resource, false, &line);
            tokio::time::sleep(self.d.options.poll_interval).await;
        }
    }

    pub(super) async fn wait_agent(
        &self,
        id: &str,
        resource: &str,
        wait: AgentWait,
    ) -> Result<(), DeployError> {
        self.wait(resource, || async {
            let (json, status) = self.d.get_agent(id, resource, self.done()).await?;
            Ok(match status {
                AgentStatus::Prepared => Poll::Done,
                AgentStatus::Failed => Poll::Failed(
                    json.get("failureReasons")
                        .and_then(Value::as_array)
                        .map(|r| {
                            r.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join("; ")
                        })
                        .filter(|r| !r.is_empty())
                        .unwrap_or_else(|| "status FAILED (no reason given)".to_owned()),
                ),
                AgentStatus::Creating
                | AgentStatus::Updating
                | AgentStatus::Preparing
                | AgentStatus::Versioning => Poll::Waiting(status.as_str().to_owned()),
                _ if wait == AgentWait::Settled => Poll::Done,
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
        self.wait(resource, || async {
            let get = self.d.client.get_agent_alias().agent_id(agent_id);
            let get = get.agent_alias_id(alias_id).send();
            let out = sent("GetAgentAlias", resource, self.done(), get).await?;
            let alias = out.agent_alias().ok_or_else(|| {
                bad_response("GetAgentAlias", resource, "agentAlias", self.done())
            })?;
            let status = alias.agent_alias_status();
            Ok(match status {
                AgentAliasStatus::Prepared => Poll::Done,
                AgentAliasStatus::Failed => {
                    let reasons = alias.failure_reasons().join("; ");
                    Poll::Failed(if reasons.is_empty() {
                        "status FAILED (no reason given)".to_owned()
                    } else {
                        reasons
                    })
                }
                _ => Poll::Waiting(status.as_str().to_owned()),
            })
        })
        .await
    }

    pub(super) async fn wait_flow(&self, id: &str, resource: &str) -> Result<(), DeployError> {
        self.wait(resource, || async {
            let (_, status, validations) = self.d.get_flow(id, resource, self.done()).await?;
            Ok(match status {
                FlowStatus::Prepared => Poll::Done,
                FlowStatus::Failed => Poll::Failed(if validations.is_empty() {
                    "status Failed (no validations given)".to_owned()
                } else {
                    validations.join("; ")
                }),
                _ => Poll::Waiting(status.as_str().to_owned()),
            })
        })
        .await
    }
}
