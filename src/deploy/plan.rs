//! Reading the account and working out the plan. Nothing here changes anything.

use super::diff::diff;
use super::local::LocalAgent;
use super::wire::{substitute, with, without, RawResponse};
use super::{
    Action, AgentPlan, AliasPlan, ChildPlan, DeployError, Deployer, FlowPlan, Plan, Scope,
};
use crate::export::agent_alias_placeholder;
use crate::model::Project;
use aws_sdk_bedrockagent::config::http::HttpResponse;
use aws_sdk_bedrockagent::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockagent::types::{
    ActionGroupSummary, AgentCollaboratorSummary, AgentKnowledgeBaseSummary, AgentStatus,
    FlowStatus,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::future::Future;

/// The draft version every agent edit goes to.
pub(crate) const DRAFT: &str = "DRAFT";

/// An AWS error as a [`DeployError::Aws`], with the service's code and message when it sent one.
pub(crate) fn aws_error<E>(
    operation: &str,
    resource: &str,
    err: &SdkError<E, HttpResponse>,
    done: &[String],
) -> DeployError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    DeployError::Aws {
        operation: operation.to_owned(),
        resource: resource.to_owned(),
        message: crate::providers::sdk_error::code_and_message(err),
        done: super::Done(done.to_vec()),
    }
}

/// Awaits one SDK call (or the items of a paginator, collected); a failure becomes an
/// [`aws_error`] naming `operation` and `resource`, with what was `done` so far.
pub(crate) async fn sent<T, E>(
    operation: &str,
    resource: &str,
    done: &[String],
    call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
) -> Result<T, DeployError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    call.await
        .map_err(|e| aws_error(operation, resource, &e, done))
}

/// Every item of a paginated List call (its `items().send().try_collect()`), keyed by `entry`.
pub(crate) async fn listed<T, E, V>(
    operation: &str,
    resource: &str,
    items: impl Future<Output = Result<Vec<T>, SdkError<E, HttpResponse>>>,
    entry: impl Fn(&T) -> (String, V),
) -> Result<BTreeMap<String, V>, DeployError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    Ok(sent(operation, resource, &[], items)
        .await?
        .iter()
        .map(entry)
        .collect())
}

/// A Get call sent with a [`RawResponse`] (the SDK's types drop members the diff needs):
/// the typed reply and the raw JSON member `member` (the whole reply when `None`).
pub(crate) async fn raw_get<T, E, F>(
    operation: &str,
    resource: &str,
    done: &[String],
    member: Option<&str>,
    call: impl FnOnce(RawResponse) -> F,
) -> Result<(T, Value), DeployError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
{
    let raw = RawResponse::default();
    let out = sent(operation, resource, done, call(raw.clone())).await?;
    let json = raw.take().unwrap_or(Value::Null);
    let json = match member {
        Some(key) => json.get(key).cloned().unwrap_or(Value::Null),
        None => json,
    };
    Ok((out, json))
}

/// An action group of a ListAgentActionGroups page: name → id.
fn group_entry(s: &ActionGroupSummary) -> (String, String) {
    (
        s.action_group_name().to_owned(),
        s.action_group_id().to_owned(),
    )
}

/// A knowledge base of a ListAgentKnowledgeBases page, as the body that associates it: id → body.
fn kb_entry(s: &AgentKnowledgeBaseSummary) -> (String, Value) {
    let mut m = Map::new();
    m.insert("knowledgeBaseId".into(), s.knowledge_base_id().into());
    if let Some(d) = s.description() {
        m.insert("description".into(), d.into());
    }
    m.insert(
        "knowledgeBaseState".into(),
        s.knowledge_base_state().as_str().into(),
    );
    (s.knowledge_base_id().to_owned(), Value::Object(m))
}

/// A collaborator of a ListAgentCollaborators page, as the body that associates it:
/// name → (id, body).
fn collaborator_entry(s: &AgentCollaboratorSummary) -> (String, (String, Value)) {
    let mut m = Map::new();
    m.insert(
        "agentDescriptor".into(),
        json!({ "aliasArn": s.agent_descriptor().and_then(|d| d.alias_arn()) }),
    );
    m.insert("collaboratorName".into(), s.collaborator_name().into());
    m.insert(
        "collaborationInstruction".into(),
        s.collaboration_instruction().into(),
    );
    m.insert(
        "relayConversationHistory".into(),
        s.relay_conversation_history().as_str().into(),
    );
    (
        s.collaborator_name().to_owned(),
        (s.collaborator_id().to_owned(), Value::Object(m)),
    )
}

pub(crate) fn bad_response(
    operation: &str,
    resource: &str,
    what: &str,
    done: &[String],
) -> DeployError {
    DeployError::BadResponse {
        operation: operation.to_owned(),
        resource: resource.to_owned(),
        what: what.to_owned(),
        done: super::Done(done.to_vec()),
    }
}

impl ChildPlan {
    /// A child the account does not have yet.
    fn create((name, body): (String, Value)) -> ChildPlan {
        ChildPlan {
            name,
            action: Action::Create,
            id: None,
            body,
        }
    }

    /// A child the account has as `id` and the project no longer wants.
    fn delete(name: &str, id: &str) -> ChildPlan {
        ChildPlan {
            name: name.to_owned(),
            action: Action::Delete,
            id: Some(id.to_owned()),
            body: Value::Null,
        }
    }

    /// A child the account has as `id`: updated when `wanted` differs from `remote`.
    fn existing(name: String, id: &str, body: Value, wanted: &Value, remote: &Value) -> ChildPlan {
        ChildPlan {
            name,
            action: action_of(diff(wanted, remote)),
            id: Some(id.to_owned()),
            body,
        }
    }
}

impl AliasPlan {
    /// An alias the account does not have yet.
    fn create(name: String) -> AliasPlan {
        AliasPlan {
            name,
            action: Action::Create,
            id: None,
            arn: None,
        }
    }
}

fn action_of(changes: Vec<super::Change>) -> Action {
    if changes.is_empty() {
        Action::Unchanged
    } else {
        Action::Update(changes)
    }
}

impl Deployer {
    /// Reads what exists and works out what a deploy of `project` would do. Only read
    /// operations are called; local problems (no role, unresolved placeholders, project
    /// errors) are reported before any call.
    pub async fn plan(&self, project: &Project) -> Result<Plan, DeployError> {
        self.plan_scoped(project, &Scope::Project).await
    }

    /// [`Deployer::plan`] of what `scope` covers: the whole project, or one agent with the
    /// project agents it calls as collaborators (and no flows).
    pub async fn plan_scoped(&self, project: &Project, scope: &Scope) -> Result<Plan, DeployError> {
        let local = self.local(project, scope)?;
        let remote_agents = if local.agents.is_empty() {
            BTreeMap::new()
        } else {
            self.list_agents().await?
        };
        let mut agents = Vec::new();
        let mut known_aliases = BTreeMap::new();
        for agent in local.agents {
            let remote = remote_agents.get(&agent.name);
            let plan = self.plan_agent(agent, remote, &known_aliases).await?;
            if let Some(arn) = &plan.alias.arn {
                known_aliases.insert(agent_alias_placeholder(&plan.name), arn.clone());
            }
            agents.push(plan);
        }
        let remote_flows = if local.flows.is_empty() {
            BTreeMap::new()
        } else {
            self.list_flows().await?
        };
        let mut flows = Vec::new();
        for (name, body) in local.flows {
            flows.push(
                self.plan_flow(&name, body, remote_flows.get(&name), &known_aliases)
                    .await?,
            );
        }
        Ok(Plan {
            project: project.name.clone(),
            agents,
            flows,
        })
    }

    /// ListAgents, every page: agent name → id.
    async fn list_agents(&self) -> Result<BTreeMap<String, String>, DeployError> {
        let items = self.client.list_agents().into_paginator().items();
        listed("ListAgents", "agents", items.send().try_collect(), |s| {
            (s.agent_name().to_owned(), s.agent_id().to_owned())
        })
        .await
    }

    /// ListFlows, every page: flow name → id.
    async fn list_flows(&self) -> Result<BTreeMap<String, String>, DeployError> {
        let items = self.client.list_flows().into_paginator().items();
        listed("ListFlows", "flows", items.send().try_collect(), |s| {
            (s.name().to_owned(), s.id().to_owned())
        })
        .await
    }

    /// GetAgent: the raw `agent` object and its status.
    pub(crate) async fn get_agent(
        &self,
        id: &str,
        resource: &str,
        done: &[String],
    ) -> Result<(Value, AgentStatus), DeployError> {
        let get = self.client.get_agent().agent_id(id).customize();
        let (out, json) = raw_get("GetAgent", resource, done, Some("agent"), |raw| {
            get.interceptor(raw).send()
        })
        .await?;
        let agent = out
            .agent()
            .ok_or_else(|| bad_response("GetAgent", resource, "agent", done))?;
        Ok((json, agent.agent_status().clone()))
    }

    async fn plan_agent(
        &self,
        local: LocalAgent,
        remote_id: Option<&String>,
        known_aliases: &BTreeMap<String, String>,
    ) -> Result<AgentPlan, DeployError> {
        let LocalAgent {
            name,
            body,
            groups,
            kbs,
            collaborators,
        } = local;
        let name = name.as_str();
        let resource = format!("agent {name:?}");
        let alias_name = self.options.alias_name.clone();
        let Some(id) = remote_id else {
            return Ok(AgentPlan {
                name: name.to_owned(),
                action: Action::Create,
                action_groups: groups.into_iter().map(ChildPlan::create).collect(),
                knowledge_bases: kbs.into_iter().map(ChildPlan::create).collect(),
                collaborators: collaborators.into_iter().map(ChildPlan::create).collect(),
                prepare: true,
                alias: AliasPlan::create(alias_name),
                id: None,
                body,
            });
        };
        let (remote, status) = self.get_agent(id, &resource, &[]).await?;
        let action = action_of(diff(&without(&body, &["tags", "clientToken"]), &remote));

        let list = self.client.list_agent_action_groups().agent_id(id);
        let pages = list.agent_version(DRAFT).into_paginator().items();
        let items = pages.send().try_collect();
        let remote_groups = listed("ListAgentActionGroups", &resource, items, group_entry).await?;
        let mut action_groups = Vec::new();
        let gone = |remote: &str| groups.iter().all(|(name, _)| name != remote);
        let deleted: Vec<ChildPlan> = remote_groups
            .iter()
            .filter(|(name, _)| gone(name))
            .map(|(name, id)| ChildPlan::delete(name, id))
            .collect();
        for (group, body) in groups {
            let Some(group_id) = remote_groups.get(&group) else {
                action_groups.push(ChildPlan::create((group, body)));
                continue;
            };
            let what = format!("{resource} › action group {group:?}");
            let get = self.client.get_agent_action_group().agent_id(id);
            let get = get
                .agent_version(DRAFT)
                .action_group_id(group_id)
                .customize();
            let (_, remote) = raw_get(
                "GetAgentActionGroup",
                &what,
                &[],
                Some("agentActionGroup"),
                |raw| get.interceptor(raw).send(),
            )
            .await?;
            // The response calls the signature `parentActionSignature`.
            let mut compare = without(&body, &["clientToken", "parentActionGroupSignature"]);
            if let Some(sig) = body.get("parentActionGroupSignature") {
                compare = with(&compare, "parentActionSignature", sig.clone());
            }
            action_groups.push(ChildPlan::existing(
                group, group_id, body, &compare, &remote,
            ));
        }
        action_groups.extend(deleted);

        let list = self.client.list_agent_knowledge_bases().agent_id(id);
        let pages = list.agent_version(DRAFT).into_paginator().items();
        let items = pages.send().try_collect();
        let remote_kbs = listed("ListAgentKnowledgeBases", &resource, items, kb_entry).await?;
        let deleted: Vec<ChildPlan> = remote_kbs
            .keys()
            .filter(|id| kbs.iter().all(|(kb, _)| kb != *id))
            .map(|id| ChildPlan::delete(id, id))
            .collect();
        let mut knowledge_bases: Vec<ChildPlan> = kbs
            .into_iter()
            .map(|(kb, body)| match remote_kbs.get(&kb) {
                Some(remote) => ChildPlan::existing(kb.clone(), &kb, body.clone(), &body, remote),
                None => ChildPlan::create((kb, body)),
            })
            .collect();
        knowledge_bases.extend(deleted);

        let collaborators = self
            .plan_collaborators(id, &resource, collaborators, known_aliases)
            .await?;

        let prepare = action.changes()
            || action_groups.iter().any(|g| g.action.changes())
            || knowledge_bases.iter().any(|k| k.action.changes())
            || collaborators.iter().any(|c| c.action.changes())
            || status != AgentStatus::Prepared;

        let mut alias = AliasPlan::create(alias_name.clone());
        let list = self.client.list_agent_aliases().agent_id(id).send();
        let aliases = sent("ListAgentAliases", &resource, &[], list).await?;
        if let Some(found) = aliases
            .agent_alias_summaries()
            .iter()
            .find(|s| s.agent_alias_name() == alias_name)
        {
            let get = self.client.get_agent_alias().agent_id(id);
            let get = get.agent_alias_id(found.agent_alias_id()).send();
            let got = sent("GetAgentAlias", &resource, &[], get).await?;
            let a = got
                .agent_alias()
                .ok_or_else(|| bad_response("GetAgentAlias", &resource, "agentAlias", &[]))?;
            alias.id = Some(a.agent_alias_id().to_owned());
            alias.arn = Some(a.agent_alias_arn().to_owned());
            alias.action = if prepare {
                Action::Update(Vec::new())
            } else {
                Action::Unchanged
            };
        }
        Ok(AgentPlan {
            name: name.to_owned(),
            action,
            action_groups,
            knowledge_bases,
            collaborators,
            prepare,
            alias,
            id: Some(id.clone()),
            body,
        })
    }

    /// ListAgentCollaborators, each compared by name with what the project wants. A
    /// collaborator whose alias is a project agent's not deployed yet can only differ.
    async fn plan_collaborators(
        &self,
        id: &str,
        resource: &str,
        collaborators: Vec<(String, Value)>,
        known_aliases: &BTreeMap<String, String>,
    ) -> Result<Vec<ChildPlan>, DeployError> {
        let list = self.client.list_agent_collaborators().agent_id(id);
        let pages = list.agent_version(DRAFT).into_paginator().items();
        let items = pages.send().try_collect();
        let remote = listed(
            "ListAgentCollaborators",
            resource,
            items,
            collaborator_entry,
        )
        .await?;
        let deleted: Vec<ChildPlan> = remote
            .iter()
            .filter(|(name, _)| collaborators.iter().all(|(c, _)| c != *name))
            .map(|(name, (id, _))| ChildPlan::delete(name, id))
            .collect();
        let mut planned: Vec<ChildPlan> = collaborators
            .into_iter()
            .map(|(name, body)| {
                let mut wanted = body.clone();
                substitute(&mut wanted, known_aliases);
                match remote.get(&name) {
                    Some((id, remote)) => ChildPlan::existing(name, id, body, &wanted, remote),
                    None => ChildPlan::create((name, body)),
                }
            })
            .collect();
        planned.extend(deleted);
        Ok(planned)
    }

    /// GetFlow: the raw response and the typed status and validations.
    pub(crate) async fn get_flow(
        &self,
        id: &str,
        resource: &str,
        done: &[String],
    ) -> Result<(Value, FlowStatus, Vec<String>), DeployError> {
        let get = self.client.get_flow().flow_identifier(id).customize();
        let (out, json) = raw_get("GetFlow", resource, done, None, |raw| {
            get.interceptor(raw).send()
        })
        .await?;
        let validations = out
            .validations()
            .iter()
            .map(|v| format!("{}: {}", v.severity().as_str(), v.message()))
            .collect();
        Ok((json, out.status().clone(), validations))
    }

    async fn plan_flow(
        &self,
        name: &str,
        body: Value,
        remote_id: Option<&String>,
        known_aliases: &BTreeMap<String, String>,
    ) -> Result<FlowPlan, DeployError> {
        let resource = format!("flow {name:?}");
        let alias_name = self.options.alias_name.clone();
        let Some(id) = remote_id else {
            return Ok(FlowPlan {
                name: name.to_owned(),
                action: Action::Create,
                prepare: true,
                new_version: true,
                alias: AliasPlan::create(alias_name),
                id: None,
                body,
            });
        };
        let (remote, status, _) = self.get_flow(id, &resource, &[]).await?;
        let mut desired = without(&body, &["tags", "clientToken"]);
        substitute(&mut desired, known_aliases);
        let action = action_of(diff(&desired, &remote));
        let prepare = action.changes() || status != FlowStatus::Prepared;
        let list = self.client.list_flow_aliases().flow_identifier(id).send();
        let aliases = sent("ListFlowAliases", &resource, &[], list).await?;
        let found = aliases
            .flow_alias_summaries()
            .iter()
            .find(|s| s.name() == alias_name);
        let new_version = prepare || found.is_none();
        let alias = match found {
            Some(a) => AliasPlan {
                name: alias_name,
                action: if new_version {
                    Action::Update(Vec::new())
                } else {
                    Action::Unchanged
                },
                id: Some(a.id().to_owned()),
                arn: Some(a.arn().to_owned()),
            },
            None => AliasPlan::create(alias_name),
        };
        Ok(FlowPlan {
            name: name.to_owned(),
            action,
            prepare,
            new_version,
            alias,
            id: Some(id.clone()),
            body,
        })
    }
}
