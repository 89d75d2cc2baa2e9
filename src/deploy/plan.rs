//! Reading the account and working out the plan. Nothing here changes anything.

use super::diff::diff;
use super::wire::RawResponse;
use super::{Action, AgentPlan, AliasPlan, ChildPlan, DeployError, Deployer, FlowPlan, Plan};
use crate::export::{agent_alias_placeholder, ensure_valid, export_agent_json, export_flow_json};
use crate::model::Project;
use aws_sdk_bedrockagent::config::http::HttpResponse;
use aws_sdk_bedrockagent::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockagent::types::{AgentStatus, FlowStatus};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

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
    let message = match err.code() {
        Some(code) => format!("{code}: {}", err.message().unwrap_or("(no message)")),
        None => DisplayErrorContext(err).to_string(),
    };
    DeployError::Aws {
        operation: operation.to_owned(),
        resource: resource.to_owned(),
        message,
        done: super::Done(done.to_vec()),
    }
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

/// The object members of `value` without `keys`.
pub(crate) fn without(value: &Value, keys: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

/// `value` with `key` set (when it is an object).
pub(crate) fn with(value: &Value, key: &str, member: Value) -> Value {
    let mut out = value.clone();
    if let Value::Object(map) = &mut out {
        map.insert(key.to_owned(), member);
    }
    out
}

/// Every string equal to a placeholder replaced by its value.
pub(crate) fn substitute(value: &mut Value, values: &BTreeMap<String, String>) {
    match value {
        Value::String(s) => {
            if let Some(v) = values.get(s.as_str()) {
                *s = v.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| substitute(v, values)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, values)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Member `key` of `body` as text (empty when absent).
pub(crate) fn str_of<'v>(body: &'v Value, key: &str) -> &'v str {
    body.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The first `${…}` placeholder in `value` that is not in `allowed`.
fn unresolved(value: &Value, allowed: &[String]) -> Option<String> {
    match value {
        Value::String(s) => {
            (s.starts_with("${") && s.ends_with('}') && !allowed.contains(s)).then(|| s.clone())
        }
        Value::Array(items) => items.iter().find_map(|v| unresolved(v, allowed)),
        Value::Object(map) => map.values().find_map(|v| unresolved(v, allowed)),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

fn check_resolved(resource: &str, value: &Value, allowed: &[String]) -> Result<(), DeployError> {
    match unresolved(value, allowed) {
        Some(placeholder) => Err(DeployError::Unresolved {
            resource: resource.to_owned(),
            placeholder,
        }),
        None => Ok(()),
    }
}

fn action_of(changes: Vec<super::Change>) -> Action {
    if changes.is_empty() {
        Action::Unchanged
    } else {
        Action::Update(changes)
    }
}

/// The local half of a plan: every request body, checked, before any call.
struct Local {
    agents: Vec<LocalAgent>,
    flows: Vec<(String, Value)>,
}

/// One agent's request bodies: CreateAgent, then `(name, body)` per action group, per
/// knowledge-base association and per collaborator (whose alias ARN may still be the
/// placeholder of a project agent deployed earlier in the same run).
struct LocalAgent {
    name: String,
    body: Value,
    groups: Vec<(String, Value)>,
    kbs: Vec<(String, Value)>,
    collaborators: Vec<(String, Value)>,
}

/// The project's agents with every project collaborator before the supervisors that use
/// it, so a supervisor is associated with aliases that already exist. Otherwise in project
/// order. A cycle of collaborators is refused: neither side's alias could exist first.
fn collaborators_first(project: &Project) -> Result<Vec<&crate::model::Agent>, DeployError> {
    fn visit<'p>(
        project: &'p Project,
        agent: &'p crate::model::Agent,
        path: &mut Vec<&'p str>,
        out: &mut Vec<&'p crate::model::Agent>,
    ) -> Result<(), DeployError> {
        if out.iter().any(|a| a.agent_name == agent.agent_name) {
            return Ok(());
        }
        if path.contains(&agent.agent_name.as_str()) {
            path.push(&agent.agent_name);
            return Err(DeployError::Unsupported {
                resource: format!("agent {:?}", agent.agent_name),
                what: format!("a cycle of collaborators ({})", path.join(" → ")),
            });
        }
        path.push(&agent.agent_name);
        for c in &agent.collaborators {
            let sub = c
                .agent_descriptor
                .project_agent
                .as_deref()
                .filter(|_| {
                    c.agent_descriptor
                        .alias_arn
                        .as_deref()
                        .is_none_or(str::is_empty)
                })
                .and_then(|name| project.agent(name));
            if let Some(sub) = sub {
                visit(project, sub, path, out)?;
            }
        }
        path.pop();
        out.push(agent);
        Ok(())
    }
    let mut out = Vec::new();
    for agent in &project.agents {
        visit(project, agent, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

impl Deployer {
    fn local(&self, project: &Project) -> Result<Local, DeployError> {
        ensure_valid(project)?;
        let aliases: Vec<String> = project
            .agents
            .iter()
            .map(|a| agent_alias_placeholder(&a.agent_name))
            .collect();
        let mut agents = Vec::new();
        for agent in collaborators_first(project)? {
            let resource = format!("agent {:?}", agent.agent_name);
            let requests = export_agent_json(project, &agent.agent_name)?;
            let role = agent
                .agent_resource_role_arn
                .clone()
                .or_else(|| self.options.role_arn.clone())
                .ok_or_else(|| DeployError::MissingRole {
                    resource: resource.clone(),
                    member: "agentResourceRoleArn".to_owned(),
                })?;
            let body = with(
                &requests.create_agent,
                "agentResourceRoleArn",
                Value::String(role),
            );
            check_resolved(&resource, &body, &[])?;
            let mut groups = Vec::new();
            for (g, spec) in requests.action_groups.iter().zip(&agent.action_groups) {
                let body = without(g, &["agentId", "agentVersion"]);
                let name = spec.action_group_name.clone();
                check_resolved(&format!("{resource} › action group {name:?}"), &body, &[])?;
                groups.push((name, body));
            }
            let mut kbs = Vec::new();
            for k in &requests.knowledge_bases {
                let body = without(k, &["agentId", "agentVersion"]);
                let name = body
                    .get("knowledgeBaseId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                check_resolved(&format!("{resource} › knowledge base {name:?}"), &body, &[])?;
                kbs.push((name, body));
            }
            let mut collaborators = Vec::new();
            for c in &requests.collaborators {
                let body = without(c, &["agentId", "agentVersion"]);
                let name = str_of(&body, "collaboratorName").to_owned();
                check_resolved(
                    &format!("{resource} › collaborator {name:?}"),
                    &body,
                    &aliases,
                )?;
                collaborators.push((name, body));
            }
            agents.push(LocalAgent {
                name: agent.agent_name.clone(),
                body,
                groups,
                kbs,
                collaborators,
            });
        }
        let mut flows = Vec::new();
        for flow in &project.flows {
            let resource = format!("flow {:?}", flow.name);
            let role = flow
                .execution_role_arn
                .clone()
                .or_else(|| self.options.role_arn.clone())
                .ok_or_else(|| DeployError::MissingRole {
                    resource: resource.clone(),
                    member: "executionRoleArn".to_owned(),
                })?;
            let body = with(
                &export_flow_json(project, &flow.name)?,
                "executionRoleArn",
                Value::String(role),
            );
            check_resolved(&resource, &body, &aliases)?;
            flows.push((flow.name.clone(), body));
        }
        Ok(Local { agents, flows })
    }

    /// Reads what exists and works out what a deploy of `project` would do. Only read
    /// operations are called; local problems (no role, unresolved placeholders, project
    /// errors) are reported before any call.
    pub async fn plan(&self, project: &Project) -> Result<Plan, DeployError> {
        let local = self.local(project)?;
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

    async fn list_agents(&self) -> Result<BTreeMap<String, String>, DeployError> {
        let mut out = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_agents()
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| aws_error("ListAgents", "agents", &e, &[]))?;
            for s in page.agent_summaries() {
                out.insert(s.agent_name().to_owned(), s.agent_id().to_owned());
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                    token = Some(t.to_owned())
                }
                _ => return Ok(out),
            }
        }
    }

    async fn list_flows(&self) -> Result<BTreeMap<String, String>, DeployError> {
        let mut out = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_flows()
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| aws_error("ListFlows", "flows", &e, &[]))?;
            for s in page.flow_summaries() {
                out.insert(s.name().to_owned(), s.id().to_owned());
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                    token = Some(t.to_owned())
                }
                _ => return Ok(out),
            }
        }
    }

    /// GetAgent: the raw `agent` object and its status.
    pub(crate) async fn get_agent(
        &self,
        id: &str,
        resource: &str,
        done: &[String],
    ) -> Result<(Value, AgentStatus), DeployError> {
        let raw = RawResponse::default();
        let out = self
            .client
            .get_agent()
            .agent_id(id)
            .customize()
            .interceptor(raw.clone())
            .send()
            .await
            .map_err(|e| aws_error("GetAgent", resource, &e, done))?;
        let agent = out
            .agent()
            .ok_or_else(|| bad_response("GetAgent", resource, "agent", done))?;
        let json = raw
            .take()
            .and_then(|v| v.get("agent").cloned())
            .unwrap_or(Value::Null);
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
            let child = |(name, body): (String, Value)| ChildPlan {
                name,
                action: Action::Create,
                id: None,
                body,
            };
            return Ok(AgentPlan {
                name: name.to_owned(),
                action: Action::Create,
                action_groups: groups.into_iter().map(child).collect(),
                knowledge_bases: kbs.into_iter().map(child).collect(),
                collaborators: collaborators.into_iter().map(child).collect(),
                prepare: true,
                alias: AliasPlan {
                    name: alias_name,
                    action: Action::Create,
                    id: None,
                    arn: None,
                },
                id: None,
                body,
            });
        };
        let (remote, status) = self.get_agent(id, &resource, &[]).await?;
        let action = action_of(diff(&without(&body, &["tags", "clientToken"]), &remote));

        let mut remote_groups = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_agent_action_groups()
                .agent_id(id)
                .agent_version(DRAFT)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| aws_error("ListAgentActionGroups", &resource, &e, &[]))?;
            for s in page.action_group_summaries() {
                remote_groups.insert(
                    s.action_group_name().to_owned(),
                    s.action_group_id().to_owned(),
                );
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                    token = Some(t.to_owned())
                }
                _ => break,
            }
        }
        let mut action_groups = Vec::new();
        for (group, body) in groups {
            let Some(group_id) = remote_groups.get(&group) else {
                action_groups.push(ChildPlan {
                    name: group,
                    action: Action::Create,
                    id: None,
                    body,
                });
                continue;
            };
            let what = format!("{resource} › action group {group:?}");
            let raw = RawResponse::default();
            self.client
                .get_agent_action_group()
                .agent_id(id)
                .agent_version(DRAFT)
                .action_group_id(group_id)
                .customize()
                .interceptor(raw.clone())
                .send()
                .await
                .map_err(|e| aws_error("GetAgentActionGroup", &what, &e, &[]))?;
            let remote = raw
                .take()
                .and_then(|v| v.get("agentActionGroup").cloned())
                .unwrap_or(Value::Null);
            // The response calls the signature `parentActionSignature`.
            let mut compare = without(&body, &["clientToken", "parentActionGroupSignature"]);
            if let Some(sig) = body.get("parentActionGroupSignature") {
                compare = with(&compare, "parentActionSignature", sig.clone());
            }
            action_groups.push(ChildPlan {
                name: group,
                action: action_of(diff(&compare, &remote)),
                id: Some(group_id.clone()),
                body,
            });
        }

        let mut remote_kbs = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_agent_knowledge_bases()
                .agent_id(id)
                .agent_version(DRAFT)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| aws_error("ListAgentKnowledgeBases", &resource, &e, &[]))?;
            for s in page.agent_knowledge_base_summaries() {
                let mut m = Map::new();
                m.insert("knowledgeBaseId".into(), s.knowledge_base_id().into());
                if let Some(d) = s.description() {
                    m.insert("description".into(), d.into());
                }
                m.insert(
                    "knowledgeBaseState".into(),
                    s.knowledge_base_state().as_str().into(),
                );
                remote_kbs.insert(s.knowledge_base_id().to_owned(), Value::Object(m));
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                    token = Some(t.to_owned())
                }
                _ => break,
            }
        }
        let knowledge_bases: Vec<ChildPlan> = kbs
            .into_iter()
            .map(|(kb, body)| match remote_kbs.get(&kb) {
                Some(remote) => ChildPlan {
                    action: action_of(diff(&body, remote)),
                    id: Some(kb.clone()),
                    name: kb,
                    body,
                },
                None => ChildPlan {
                    name: kb,
                    action: Action::Create,
                    id: None,
                    body,
                },
            })
            .collect();

        let collaborators = self
            .plan_collaborators(id, &resource, collaborators, known_aliases)
            .await?;

        let prepare = action.changes()
            || action_groups.iter().any(|g| g.action.changes())
            || knowledge_bases.iter().any(|k| k.action.changes())
            || collaborators.iter().any(|c| c.action.changes())
            || status != AgentStatus::Prepared;

        let mut alias = AliasPlan {
            name: alias_name.clone(),
            action: Action::Create,
            id: None,
            arn: None,
        };
        let aliases = self
            .client
            .list_agent_aliases()
            .agent_id(id)
            .send()
            .await
            .map_err(|e| aws_error("ListAgentAliases", &resource, &e, &[]))?;
        if let Some(found) = aliases
            .agent_alias_summaries()
            .iter()
            .find(|s| s.agent_alias_name() == alias_name)
        {
            let got = self
                .client
                .get_agent_alias()
                .agent_id(id)
                .agent_alias_id(found.agent_alias_id())
                .send()
                .await
                .map_err(|e| aws_error("GetAgentAlias", &resource, &e, &[]))?;
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
        let mut remote = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_agent_collaborators()
                .agent_id(id)
                .agent_version(DRAFT)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| aws_error("ListAgentCollaborators", resource, &e, &[]))?;
            for s in page.agent_collaborator_summaries() {
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
                remote.insert(
                    s.collaborator_name().to_owned(),
                    (s.collaborator_id().to_owned(), Value::Object(m)),
                );
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                    token = Some(t.to_owned())
                }
                _ => break,
            }
        }
        Ok(collaborators
            .into_iter()
            .map(|(name, body)| {
                let mut wanted = body.clone();
                substitute(&mut wanted, known_aliases);
                match remote.get(&name) {
                    Some((collaborator_id, remote)) => ChildPlan {
                        action: action_of(diff(&wanted, remote)),
                        id: Some(collaborator_id.clone()),
                        name,
                        body,
                    },
                    None => ChildPlan {
                        name,
                        action: Action::Create,
                        id: None,
                        body,
                    },
                }
            })
            .collect())
    }

    /// GetFlow: the raw response and the typed status and validations.
    pub(crate) async fn get_flow(
        &self,
        id: &str,
        resource: &str,
        done: &[String],
    ) -> Result<(Value, FlowStatus, Vec<String>), DeployError> {
        let raw = RawResponse::default();
        let out = self
            .client
            .get_flow()
            .flow_identifier(id)
            .customize()
            .interceptor(raw.clone())
            .send()
            .await
            .map_err(|e| aws_error("GetFlow", resource, &e, done))?;
        let validations = out
            .validations()
            .iter()
            .map(|v| format!("{}: {}", v.severity().as_str(), v.message()))
            .collect();
        Ok((
            raw.take().unwrap_or(Value::Null),
            out.status().clone(),
            validations,
        ))
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
                alias: AliasPlan {
                    name: alias_name,
                    action: Action::Create,
                    id: None,
                    arn: None,
                },
                id: None,
                body,
            });
        };
        let (remote, status, _) = self.get_flow(id, &resource, &[]).await?;
        let mut desired = without(&body, &["tags", "clientToken"]);
        substitute(&mut desired, known_aliases);
        let action = action_of(diff(&desired, &remote));
        let prepare = action.changes() || status != FlowStatus::Prepared;
        let aliases = self
            .client
            .list_flow_aliases()
            .flow_identifier(id)
            .send()
            .await
            .map_err(|e| aws_error("ListFlowAliases", &resource, &e, &[]))?;
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
            None => AliasPlan {
                name: alias_name,
                action: Action::Create,
                id: None,
                arn: None,
            },
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
