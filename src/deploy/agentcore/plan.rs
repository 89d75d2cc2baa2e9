//! Reading the account and working out the AgentCore plan. Nothing here changes anything.
//! Resources are found by name with the SDK's paginators; each one that exists is read
//! whole (raw JSON) and compared member by member with the request the project wants.

use super::local::{Local, LocalAgent};
use super::{Action, AgentCoreDeployer, AgentPlan, Kind, Plan, ResourcePlan};
use crate::deploy::diff::{diff, Change};
use crate::deploy::plan::{bad_response, listed, raw_get};
use crate::deploy::wire::{substitute, without};
use crate::deploy::DeployError;
use crate::model::Project;
use aws_sdk_bedrockagentcorecontrol::types::{GatewayStatus, HarnessStatus, TargetStatus};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The endpoint AgentCore may make itself; never planned for deletion.
pub(crate) const DEFAULT_ENDPOINT: &str = "DEFAULT";

/// Request members that are not part of the resource as read back.
pub(crate) const NOT_COMPARED: &[&str] = &["clientToken", "tags"];

fn action_of(changes: Vec<Change>) -> Action {
    if changes.is_empty() {
        Action::Unchanged
    } else {
        Action::Update(changes)
    }
}

/// A failed status as one more difference, so that deploying again retries the resource.
fn with_status(mut changes: Vec<Change>, status: &str, failed: bool) -> Vec<Change> {
    if failed {
        changes.push(Change {
            path: "status".into(),
            before: Some(Value::String(status.to_owned())),
            after: Value::String("READY".into()),
        });
    }
    changes
}

impl ResourcePlan {
    /// A resource not read from the account yet (no ARN or version known).
    fn new(
        kind: Kind,
        name: String,
        action: Action,
        id: Option<String>,
        body: Value,
    ) -> ResourcePlan {
        ResourcePlan {
            kind,
            name,
            action,
            id,
            arn: None,
            version: None,
            body,
        }
    }

    fn create(kind: Kind, local: Local) -> ResourcePlan {
        ResourcePlan::new(kind, local.name, Action::Create, None, local.body)
    }

    /// A resource that exists as `id`: `changes` are the members that differ, plus its status
    /// when it is `failed` (so that deploying again retries it).
    fn found(
        kind: Kind,
        local: Local,
        id: String,
        changes: Vec<Change>,
        (status, failed): (&str, bool),
    ) -> ResourcePlan {
        let action = action_of(with_status(changes, status, failed));
        ResourcePlan::new(kind, local.name, action, Some(id), local.body)
    }

    fn delete(kind: Kind, name: String, id: String) -> ResourcePlan {
        ResourcePlan::new(kind, name, Action::Delete, Some(id), Value::Null)
    }
}

impl AgentCoreDeployer {
    /// Reads what exists and works out what deploying the project's AgentCore agents (`only`,
    /// or every agent whose target is AgentCore) would do. Only read operations are called;
    /// local problems (no role, unfilled placeholders, project errors) come before any call.
    pub async fn plan(&self, project: &Project, only: Option<&str>) -> Result<Plan, DeployError> {
        self.plan_with(project, only, &crate::export::History::default())
            .await
    }

    /// [`AgentCoreDeployer::plan`] with the project's recorded versions and aliases: a harness
    /// endpoint per alias whose flow version runs the agent, else `live`.
    pub async fn plan_with(
        &self,
        project: &Project,
        only: Option<&str>,
        history: &crate::export::History,
    ) -> Result<Plan, DeployError> {
        let documents = super::documents_with(project, only, history)?;
        self.plan_documents(&project.name, &documents).await
    }

    /// [`AgentCoreDeployer::plan`] for request documents as `strata export --format
    /// agentcore-json` writes them: `(agent, document)`.
    pub async fn plan_documents(
        &self,
        project: &str,
        documents: &[(String, Value)],
    ) -> Result<Plan, DeployError> {
        let locals = documents
            .iter()
            .map(|(agent, document)| self.local(agent, document))
            .collect::<Result<Vec<_>, _>>()?;
        let gateways = if locals.iter().any(|l| l.gateway.is_some()) {
            let items = self.client.list_gateways().into_paginator().items();
            listed(
                "ListGateways",
                "gateways",
                items.send().try_collect(),
                |s| (s.name().to_owned(), s.gateway_id().to_owned()),
            )
            .await?
        } else {
            BTreeMap::new()
        };
        let harnesses = if locals.is_empty() {
            BTreeMap::new()
        } else {
            let items = self.client.list_harnesses().into_paginator().items();
            listed(
                "ListHarnesses",
                "harnesses",
                items.send().try_collect(),
                |s| (s.harness_name().to_owned(), s.harness_id().to_owned()),
            )
            .await?
        };
        let mut agents = Vec::new();
        for local in locals {
            agents.push(self.plan_agent(local, &gateways, &harnesses).await?);
        }
        Ok(Plan {
            project: project.to_owned(),
            agents,
        })
    }

    async fn plan_agent(
        &self,
        local: LocalAgent,
        gateways: &BTreeMap<String, String>,
        harnesses: &BTreeMap<String, String>,
    ) -> Result<AgentPlan, DeployError> {
        let LocalAgent {
            name: agent,
            gateway,
            targets,
            harness,
            endpoints,
            gateway_arn_refs,
        } = local;
        let mut known = BTreeMap::new();
        let (gateway, targets) = match gateway {
            None => (None, Vec::new()),
            Some(local) => match gateways.get(&local.name) {
                None => (
                    Some(ResourcePlan::create(Kind::Gateway, local)),
                    targets
                        .into_iter()
                        .map(|t| ResourcePlan::create(Kind::GatewayTarget, t))
                        .collect(),
                ),
                Some(id) => {
                    let gateway = self.plan_gateway(&agent, local, id).await?;
                    if let Some(arn) = &gateway.arn {
                        for r in &gateway_arn_refs {
                            known.insert(r.clone(), arn.clone());
                        }
                    }
                    let targets = self
                        .plan_targets(&agent, &gateway.name, id, targets)
                        .await?;
                    (Some(gateway), targets)
                }
            },
        };
        let harness = match harnesses.get(&harness.name) {
            None => ResourcePlan::create(Kind::Harness, harness),
            Some(id) => self.plan_harness(&agent, harness, id, &known).await?,
        };
        let endpoints = match &harness.id {
            None => endpoints
                .into_iter()
                .map(|e| ResourcePlan::create(Kind::HarnessEndpoint, e))
                .collect(),
            Some(id) => self.plan_endpoints(&agent, id, &harness, endpoints).await?,
        };
        Ok(AgentPlan {
            name: agent,
            gateway,
            targets,
            harness,
            endpoints,
            gateway_arn_refs,
        })
    }

    async fn plan_gateway(
        &self,
        agent: &str,
        local: Local,
        id: &str,
    ) -> Result<ResourcePlan, DeployError> {
        let resource = super::resource_name(agent, Kind::Gateway, &local.name);
        let get = self.client.get_gateway().gateway_identifier(id).customize();
        let (out, remote) = raw_get("GetGateway", &resource, &[], None, |raw| {
            get.interceptor(raw).send()
        })
        .await?;
        let status = out.status();
        let failed = matches!(
            status,
            GatewayStatus::Failed | GatewayStatus::UpdateUnsuccessful
        );
        let changes = diff(&without(&local.body, NOT_COMPARED), &remote);
        let status = (status.as_str(), failed);
        Ok(ResourcePlan {
            arn: Some(out.gateway_arn().to_owned()),
            ..ResourcePlan::found(Kind::Gateway, local, id.to_owned(), changes, status)
        })
    }

    async fn plan_targets(
        &self,
        agent: &str,
        gateway: &str,
        gateway_id: &str,
        targets: Vec<Local>,
    ) -> Result<Vec<ResourcePlan>, DeployError> {
        let what = super::resource_name(agent, Kind::Gateway, gateway);
        let list = self
            .client
            .list_gateway_targets()
            .gateway_identifier(gateway_id);
        let items = list.into_paginator().items();
        let mut remote = listed(
            "ListGatewayTargets",
            &what,
            items.send().try_collect(),
            |s| (s.name().to_owned(), s.target_id().to_owned()),
        )
        .await?;
        let mut plans = Vec::new();
        for local in targets {
            let Some(id) = remote.remove(&local.name) else {
                plans.push(ResourcePlan::create(Kind::GatewayTarget, local));
                continue;
            };
            let resource = super::resource_name(agent, Kind::GatewayTarget, &local.name);
            let get = self
                .client
                .get_gateway_target()
                .gateway_identifier(gateway_id);
            let get = get.target_id(&id).customize();
            let (out, remote) = raw_get("GetGatewayTarget", &resource, &[], None, |raw| {
                get.interceptor(raw).send()
            })
            .await?;
            let status = out.status();
            let failed = matches!(
                status,
                TargetStatus::Failed
                    | TargetStatus::UpdateUnsuccessful
                    | TargetStatus::SynchronizeUnsuccessful
            );
            let changes = diff(&without(&local.body, NOT_COMPARED), &remote);
            let status = (status.as_str(), failed);
            plans.push(ResourcePlan::found(
                Kind::GatewayTarget,
                local,
                id,
                changes,
                status,
            ));
        }
        plans.extend(
            remote
                .into_iter()
                .map(|(name, id)| ResourcePlan::delete(Kind::GatewayTarget, name, id)),
        );
        Ok(plans)
    }

    async fn plan_harness(
        &self,
        agent: &str,
        local: Local,
        id: &str,
        known: &BTreeMap<String, String>,
    ) -> Result<ResourcePlan, DeployError> {
        let resource = super::resource_name(agent, Kind::Harness, &local.name);
        let get = self.client.get_harness().harness_id(id).customize();
        let (out, remote) = raw_get("GetHarness", &resource, &[], Some("harness"), |raw| {
            get.interceptor(raw).send()
        })
        .await?;
        let harness = out
            .harness()
            .ok_or_else(|| bad_response("GetHarness", &resource, "harness", &[]))?;
        let status = harness.status();
        let failed = matches!(
            status,
            HarnessStatus::CreateFailed | HarnessStatus::UpdateFailed
        );
        let mut desired = without(&local.body, NOT_COMPARED);
        substitute(&mut desired, known);
        let changes = diff(&desired, &remote);
        let status = (status.as_str(), failed);
        Ok(ResourcePlan {
            arn: Some(harness.arn().to_owned()),
            version: harness.harness_version().map(str::to_owned),
            ..ResourcePlan::found(Kind::Harness, local, id.to_owned(), changes, status)
        })
    }

    /// The harness's endpoints by name. An endpoint follows its harness: when the harness
    /// changes, the endpoint is pointed at the version the change makes.
    async fn plan_endpoints(
        &self,
        agent: &str,
        harness_id: &str,
        harness: &ResourcePlan,
        endpoints: Vec<Local>,
    ) -> Result<Vec<ResourcePlan>, DeployError> {
        let what = super::resource_name(agent, Kind::Harness, &harness.name);
        let list = self.client.list_harness_endpoints().harness_id(harness_id);
        let items = list.into_paginator().items();
        let mut remote = listed(
            "ListHarnessEndpoints",
            &what,
            items.send().try_collect(),
            |e| {
                let mut json = json!({ "endpointName": e.endpoint_name() });
                if let Some(d) = e.description() {
                    json["description"] = Value::String(d.to_owned());
                }
                let status = e.status().as_str().to_owned();
                let version = e.target_version().map(str::to_owned);
                (
                    e.endpoint_name().to_owned(),
                    (json, e.arn().to_owned(), version, status),
                )
            },
        )
        .await?;
        let mut plans = Vec::new();
        for local in endpoints {
            let Some((json, arn, version, status)) = remote.remove(&local.name) else {
                plans.push(ResourcePlan::create(Kind::HarnessEndpoint, local));
                continue;
            };
            let mut changes = diff(&without(&local.body, NOT_COMPARED), &json);
            let wanted = match &harness.action {
                Action::Unchanged => harness.version.clone().map(Value::String),
                Action::Create | Action::Update(_) | Action::Delete => {
                    Some(Value::String("the harness's new version".into()))
                }
            };
            if let Some(wanted) = wanted.filter(|w| version.as_deref() != w.as_str()) {
                changes.push(Change {
                    path: "targetVersion".into(),
                    before: version.clone().map(Value::String),
                    after: wanted,
                });
            }
            let failed = status == "CREATE_FAILED" || status == "UPDATE_FAILED";
            let id = local.name.clone();
            plans.push(ResourcePlan {
                arn: Some(arn),
                version,
                ..ResourcePlan::found(Kind::HarnessEndpoint, local, id, changes, (&status, failed))
            });
        }
        plans.extend(
            remote
                .into_iter()
                .filter(|(name, _)| name != DEFAULT_ENDPOINT)
                .map(|(name, _)| ResourcePlan::delete(Kind::HarnessEndpoint, name.clone(), name)),
        );
        Ok(plans)
    }
}
