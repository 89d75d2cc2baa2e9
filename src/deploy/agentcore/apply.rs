//! Applying an AgentCore plan: per agent Gateway → GatewayTargets → Harness →
//! HarnessEndpoints, each write followed by a wait until the resource is READY.

use super::plan::NOT_COMPARED;
use super::{
    resource_name, Action, AgentCoreDeployer, AgentPlan, Applied, Kind, Plan, ResourcePlan,
};
use crate::deploy::journal::Journal;
use crate::deploy::plan::{bad_response, sent};
use crate::deploy::wait::{until_ready, Pace, Poll, Status};
use crate::deploy::wire::{substitute, with, without, JsonBody};
use crate::deploy::DeployError;
use aws_sdk_bedrockagentcorecontrol::types::{
    GatewayStatus, HarnessEndpointStatus, HarnessStatus, TargetStatus,
};
use aws_sdk_bedrockagentcorecontrol::Client;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The state of one apply: what has been done so far and where the agents can be invoked.
struct Run<'a> {
    j: Journal<'a, Client>,
    harnesses: Vec<(String, String)>,
    endpoints: Vec<(String, String, String)>,
}

/// The UpdateHarness body for a CreateHarness body: no name or tags, and the members the
/// update wraps in `{optionalValue}` (so that `null` can clear them) wrapped.
fn update_harness_body(create: &Value) -> Value {
    let mut body = without(create, &["harnessName", "tags", "clientToken"]);
    for key in ["memory", "environmentArtifact", "authorizerConfiguration"] {
        if let Some(value) = body.get(key).cloned() {
            body = with(&body, key, json!({ "optionalValue": value }));
        }
    }
    body
}

fn text(body: &Value, key: &str) -> String {
    body.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl Run<'_> {
    fn done(&self) -> &[String] {
        &self.j.done
    }

    /// Says that a change of `plan` is under way (nothing when it has none).
    fn start(&self, resource: &str, plan: &ResourcePlan) {
        let verb = match plan.action {
            Action::Create => "creating",
            Action::Update(_) => "updating",
            Action::Delete => "deleting",
            Action::Unchanged => return,
        };
        let line = format!("{verb} {} {}…", plan.kind.as_str(), plan.name);
        self.j.d.step(resource, false, &line);
    }

    async fn agent(&mut self, plan: &AgentPlan) -> Result<(), DeployError> {
        let agent = plan.name.as_str();
        let mut known = BTreeMap::new();
        if let Some(gateway) = &plan.gateway {
            let (id, arn) = self.gateway(agent, gateway).await?;
            for r in &plan.gateway_arn_refs {
                known.insert(r.clone(), arn.clone());
            }
            for target in &plan.targets {
                self.target(agent, &gateway.name, &id, target).await?;
            }
        }
        let (harness_id, harness_arn, version) = self.harness(agent, &plan.harness, &known).await?;
        for endpoint in &plan.endpoints {
            self.endpoint(agent, &harness_id, &version, endpoint)
                .await?;
        }
        self.harnesses.push((agent.to_owned(), harness_arn));
        Ok(())
    }

    /// Creates or updates the gateway and waits until it is READY: its id and ARN.
    async fn gateway(
        &mut self,
        agent: &str,
        plan: &ResourcePlan,
    ) -> Result<(String, String), DeployError> {
        let client = &self.j.d.client;
        let resource = resource_name(agent, Kind::Gateway, &plan.name);
        self.start(&resource, plan);
        let name = plan.name.as_str();
        let role = text(&plan.body, "roleArn");
        let authorizer = text(&plan.body, "authorizerType");
        let id = match (&plan.action, &plan.id) {
            (Action::Unchanged, Some(id)) => match &plan.arn {
                Some(arn) => return Ok((id.clone(), arn.clone())),
                None => id.clone(),
            },
            (Action::Update(_), Some(id)) => {
                let call = client
                    .update_gateway()
                    .gateway_identifier(id)
                    .name(name)
                    .role_arn(&role)
                    .authorizer_type(authorizer.as_str().into())
                    .customize()
                    .interceptor(JsonBody::new(&without(&plan.body, NOT_COMPARED)))
                    .send();
                let line = format!("updated gateway {name} ({id})");
                self.j.write("UpdateGateway", &resource, call, line).await?;
                id.clone()
            }
            _ => {
                let (token, body) = self
                    .j
                    .tokened(&format!("agent {agent} gateway {name}"), &plan.body);
                let call = client
                    .create_gateway()
                    .name(name)
                    .role_arn(&role)
                    .authorizer_type(authorizer.as_str().into())
                    .client_token(token)
                    .customize()
                    .interceptor(JsonBody::new(&body))
                    .send();
                let out = self.j.sent("CreateGateway", &resource, call).await?;
                let id = out.gateway_id().to_owned();
                if id.is_empty() {
                    return Err(bad_response(
                        "CreateGateway",
                        &resource,
                        "gatewayId",
                        self.done(),
                    ));
                }
                self.j
                    .record(&resource, format!("created gateway {name} ({id})"));
                id
            }
        };
        let done = self.done().to_vec();
        let arn = until_ready(self.j.d, Pace::Backoff, &resource, &done, || async {
            let call = client.get_gateway().gateway_identifier(&id).send();
            let out = sent("GetGateway", &resource, &done, call).await?;
            let status = out.status();
            let reasons = out.status_reasons().iter().map(String::as_str);
            Status {
                text: status.as_str(),
                ready: *status == GatewayStatus::Ready,
                pending: matches!(status, GatewayStatus::Creating | GatewayStatus::Updating),
            }
            .poll(&resource, &done, reasons, || {
                Ok(Poll::Ready(out.gateway_arn().to_owned()))
            })
        })
        .await?;
        Ok((id, arn))
    }

    async fn target(
        &mut self,
        agent: &str,
        gateway: &str,
        gateway_id: &str,
        plan: &ResourcePlan,
    ) -> Result<(), DeployError> {
        let client = &self.j.d.client;
        let resource = resource_name(agent, Kind::GatewayTarget, &plan.name);
        self.start(&resource, plan);
        let name = plan.name.as_str();
        let id = match (&plan.action, &plan.id) {
            (Action::Unchanged, _) => return Ok(()),
            (Action::Delete, Some(id)) => {
                let call = client
                    .delete_gateway_target()
                    .gateway_identifier(gateway_id)
                    .target_id(id)
                    .send();
                let line = format!("deleted target {name} of gateway {gateway}");
                self.j
                    .write("DeleteGatewayTarget", &resource, call, line)
                    .await?;
                return Ok(());
            }
            (Action::Update(_), Some(id)) => {
                let call = client
                    .update_gateway_target()
                    .gateway_identifier(gateway_id)
                    .target_id(id)
                    .name(name)
                    .customize()
                    .interceptor(JsonBody::new(&without(&plan.body, NOT_COMPARED)))
                    .send();
                let line = format!("updated target {name} of gateway {gateway}");
                self.j
                    .write("UpdateGatewayTarget", &resource, call, line)
                    .await?;
                id.clone()
            }
            _ => {
                let what = format!("agent {agent} gateway {gateway} target {name}");
                let (token, body) = self.j.tokened(&what, &plan.body);
                let call = client
                    .create_gateway_target()
                    .gateway_identifier(gateway_id)
                    .name(name)
                    .client_token(token)
                    .customize()
                    .interceptor(JsonBody::new(&body))
                    .send();
                let out = self.j.sent("CreateGatewayTarget", &resource, call).await?;
                let id = out.target_id().to_owned();
                self.j.record(
                    &resource,
                    format!("created target {name} of gateway {gateway} ({id})"),
                );
                id
            }
        };
        let done = self.done().to_vec();
        until_ready(self.j.d, Pace::Backoff, &resource, &done, || async {
            let get = client.get_gateway_target().gateway_identifier(gateway_id);
            let out = sent(
                "GetGatewayTarget",
                &resource,
                &done,
                get.target_id(&id).send(),
            )
            .await?;
            let status = out.status();
            let reasons = out.status_reasons().iter().map(String::as_str);
            Status {
                text: status.as_str(),
                ready: *status == TargetStatus::Ready,
                pending: matches!(
                    status,
                    TargetStatus::Creating | TargetStatus::Updating | TargetStatus::Synchronizing
                ),
            }
            .poll(&resource, &done, reasons, || Ok(Poll::Ready(())))
        })
        .await
    }

    /// Creates or updates the harness and waits until it is READY: its id, ARN and version.
    async fn harness(
        &mut self,
        agent: &str,
        plan: &ResourcePlan,
        known: &BTreeMap<String, String>,
    ) -> Result<(String, String, String), DeployError> {
        let client = &self.j.d.client;
        let resource = resource_name(agent, Kind::Harness, &plan.name);
        self.start(&resource, plan);
        let name = plan.name.as_str();
        let mut body = plan.body.clone();
        substitute(&mut body, known);
        let id = match (&plan.action, &plan.id, &plan.arn, &plan.version) {
            (Action::Unchanged, Some(id), Some(arn), Some(version)) => {
                return Ok((id.clone(), arn.clone(), version.clone()))
            }
            // Its version is read below.
            (Action::Unchanged, Some(id), _, _) => id.clone(),
            (Action::Update(_), Some(id), _, _) => {
                let call = client
                    .update_harness()
                    .harness_id(id)
                    .customize()
                    .interceptor(JsonBody::new(&update_harness_body(&body)))
                    .send();
                let line = format!("updated harness {name} ({id})");
                self.j.write("UpdateHarness", &resource, call, line).await?;
                id.clone()
            }
            _ => {
                let (token, body) = self
                    .j
                    .tokened(&format!("agent {agent} harness {name}"), &body);
                let call = client
                    .create_harness()
                    .harness_name(name)
                    .execution_role_arn(text(&body, "executionRoleArn"))
                    .client_token(token)
                    .customize()
                    .interceptor(JsonBody::new(&body))
                    .send();
                let out = self.j.sent("CreateHarness", &resource, call).await?;
                let id = out
                    .harness()
                    .map(|h| h.harness_id().to_owned())
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| {
                        bad_response("CreateHarness", &resource, "harnessId", self.done())
                    })?;
                self.j
                    .record(&resource, format!("created harness {name} ({id})"));
                id
            }
        };
        let done = self.done().to_vec();
        let (arn, version) = until_ready(self.j.d, Pace::Backoff, &resource, &done, || async {
            let call = client.get_harness().harness_id(&id).send();
            let out = sent("GetHarness", &resource, &done, call).await?;
            let harness = out
                .harness()
                .ok_or_else(|| bad_response("GetHarness", &resource, "harness", &done))?;
            let status = harness.status();
            Status {
                text: status.as_str(),
                ready: *status == HarnessStatus::Ready,
                pending: matches!(status, HarnessStatus::Creating | HarnessStatus::Updating),
            }
            .poll(&resource, &done, harness.failure_reason(), || {
                let version = harness.harness_version().ok_or_else(|| {
                    bad_response("GetHarness", &resource, "harnessVersion", &done)
                })?;
                Ok(Poll::Ready((harness.arn().to_owned(), version.to_owned())))
            })
        })
        .await?;
        Ok((id, arn, version))
    }

    async fn endpoint(
        &mut self,
        agent: &str,
        harness_id: &str,
        version: &str,
        plan: &ResourcePlan,
    ) -> Result<(), DeployError> {
        let client = &self.j.d.client;
        let resource = resource_name(agent, Kind::HarnessEndpoint, &plan.name);
        self.start(&resource, plan);
        let name = plan.name.as_str();
        let body = with(
            &without(&plan.body, &["tags", "clientToken"]),
            "targetVersion",
            Value::String(version.to_owned()),
        );
        match &plan.action {
            Action::Unchanged => {
                if let Some(arn) = &plan.arn {
                    self.endpoints
                        .push((agent.to_owned(), name.to_owned(), arn.clone()));
                }
                return Ok(());
            }
            Action::Delete => {
                let call = client
                    .delete_harness_endpoint()
                    .harness_id(harness_id)
                    .endpoint_name(name)
                    .send();
                let line = format!("deleted endpoint {name} of harness {agent}");
                self.j
                    .write("DeleteHarnessEndpoint", &resource, call, line)
                    .await?;
                return Ok(());
            }
            Action::Update(_) => {
                let call = client
                    .update_harness_endpoint()
                    .harness_id(harness_id)
                    .endpoint_name(name)
                    .customize()
                    .interceptor(JsonBody::new(&without(&body, &["endpointName"])))
                    .send();
                let line = format!("pointed endpoint {name} at version {version}");
                self.j
                    .write("UpdateHarnessEndpoint", &resource, call, line)
                    .await?;
            }
            Action::Create => {
                // The harness id in the token: an endpoint of a new harness is a new request.
                let what = format!("agent {agent} harness {harness_id} endpoint {name}");
                let (token, tokened) = self.j.tokened(&what, &body);
                let call = client
                    .create_harness_endpoint()
                    .harness_id(harness_id)
                    .endpoint_name(name)
                    .client_token(token)
                    .customize()
                    .interceptor(JsonBody::new(&tokened))
                    .send();
                let line = format!("created endpoint {name} at version {version}");
                self.j
                    .write("CreateHarnessEndpoint", &resource, call, line)
                    .await?;
            }
        }
        let done = self.done().to_vec();
        let arn = until_ready(self.j.d, Pace::Backoff, &resource, &done, || async {
            let get = client.get_harness_endpoint().harness_id(harness_id);
            let out = sent(
                "GetHarnessEndpoint",
                &resource,
                &done,
                get.endpoint_name(name).send(),
            )
            .await?;
            let endpoint = out
                .endpoint()
                .ok_or_else(|| bad_response("GetHarnessEndpoint", &resource, "endpoint", &done))?;
            let status = endpoint.status();
            Status {
                text: status.as_str(),
                ready: *status == HarnessEndpointStatus::Ready,
                pending: matches!(
                    status,
                    HarnessEndpointStatus::Creating | HarnessEndpointStatus::Updating
                ),
            }
            .poll(&resource, &done, endpoint.failure_reason(), || {
                // Ready, but still serving another version: wait for the one just set.
                Ok(match endpoint.live_version() {
                    Some(live) if live != version => {
                        Poll::Waiting(format!("READY at version {live}"))
                    }
                    _ => Poll::Ready(endpoint.arn().to_owned()),
                })
            })
        })
        .await?;
        self.endpoints
            .push((agent.to_owned(), name.to_owned(), arn));
        Ok(())
    }
}

impl AgentCoreDeployer {
    /// Makes the changes `plan` lists (it should come from [`AgentCoreDeployer::plan`] just
    /// before). On failure the error names the resource and operation and lists what was done.
    pub async fn apply(&self, plan: &Plan) -> Result<Applied, DeployError> {
        let mut run = Run {
            j: Journal::new(self, &plan.project),
            harnesses: Vec::new(),
            endpoints: Vec::new(),
        };
        for agent in &plan.agents {
            run.agent(agent).await?;
        }
        Ok(Applied {
            done: run.j.done,
            harnesses: run.harnesses,
            endpoints: run.endpoints,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_wraps_what_update_harness_wraps() {
        let create = json!({"harnessName": "H", "executionRoleArn": "arn", "tags": {"a": "b"},
                            "memory": {"disabled": {}}, "maxIterations": 5});
        assert_eq!(
            update_harness_body(&create),
            json!({"executionRoleArn": "arn", "memory": {"optionalValue": {"disabled": {}}},
                   "maxIterations": 5})
        );
    }
}
