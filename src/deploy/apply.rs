//! Applying a plan: the mutating calls, in Bedrock's order, with the waits between them.

use super::journal::Journal;
use super::plan::{bad_response, DRAFT};
use super::wire::{str_of, substitute, without, JsonBody};
use super::{Action, AgentPlan, Applied, DeployError, Deployer, FlowPlan, Plan};
use crate::export::agent_alias_placeholder;
use aws_sdk_bedrockagent::types::{
    AgentDescriptor, FlowAliasRoutingConfigurationListItem, KnowledgeBaseState,
    RelayConversationHistory,
};
use aws_sdk_bedrockagent::Client;
use serde_json::Value;
use std::collections::BTreeMap;

mod wait;

use wait::AgentWait;

/// The state of one apply: what has been done so far and the alias ARNs made.
struct Run<'a> {
    j: Journal<'a, Client>,
    agent_aliases: Vec<(String, String)>,
    flow_aliases: Vec<(String, String)>,
}

fn str_member<'v>(body: &'v Value, key: &str) -> Option<&'v str> {
    body.get(key).and_then(Value::as_str)
}

impl Run<'_> {
    fn done(&self) -> &[String] {
        &self.j.done
    }

    /// The placeholder of every agent alias made so far → its ARN.
    fn agent_aliases(&self) -> BTreeMap<String, String> {
        self.agent_aliases
            .iter()
            .map(|(agent, arn)| (agent_alias_placeholder(agent), arn.clone()))
            .collect()
    }

    async fn agent(&mut self, plan: &AgentPlan) -> Result<(), DeployError> {
        let client = &self.j.d.client;
        let resource = format!("agent {:?}", plan.name);
        let name = plan.name.as_str();
        let role = str_member(&plan.body, "agentResourceRoleArn").unwrap_or_default();
        let model = str_member(&plan.body, "foundationModel");
        let id = match (&plan.action, &plan.id) {
            (Action::Unchanged, Some(id)) => id.clone(),
            (Action::Update(_), Some(id)) => {
                let body = without(&plan.body, &["tags", "clientToken"]);
                let call = client
                    .update_agent()
                    .agent_id(id)
                    .agent_name(name)
                    .set_foundation_model(model.map(str::to_owned))
                    .agent_resource_role_arn(role)
                    .customize()
                    .interceptor(JsonBody::new(&body))
                    .send();
                let line = format!("updated agent {name} ({id})");
                self.j.write("UpdateAgent", &resource, call, line).await?;
                self.wait_agent(id, &resource, AgentWait::Settled).await?;
                id.clone()
            }
            _ => {
                let (token, body) = self.j.tokened(&format!("agent {name}"), &plan.body);
                let call = client
                    .create_agent()
                    .agent_name(name)
                    .client_token(token)
                    .customize()
                    .interceptor(JsonBody::new(&body))
                    .send();
                let out = self.j.sent("CreateAgent", &resource, call).await?;
                let id = out
                    .agent()
                    .map(|a| a.agent_id().to_owned())
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| {
                        bad_response("CreateAgent", &resource, "agent id", self.done())
                    })?;
                self.j
                    .record(&resource, format!("created agent {name} ({id})"));
                self.wait_agent(&id, &resource, AgentWait::Settled).await?;
                id
            }
        };

        for g in &plan.action_groups {
            let what = format!("{resource} › action group {:?}", g.name);
            match (&g.action, &g.id) {
                (Action::Unchanged, _) | (Action::Delete, None) => {}
                (Action::Delete, Some(group_id)) => {
                    let call = client
                        .delete_agent_action_group()
                        .agent_id(&id)
                        .agent_version(DRAFT)
                        .action_group_id(group_id)
                        .skip_resource_in_use_check(true)
                        .send();
                    let line = format!("deleted action group {} of agent {name}", g.name);
                    self.j
                        .write("DeleteAgentActionGroup", &what, call, line)
                        .await?;
                }
                (Action::Update(_), Some(group_id)) => {
                    let call = client
                        .update_agent_action_group()
                        .agent_id(&id)
                        .agent_version(DRAFT)
                        .action_group_id(group_id)
                        .action_group_name(&g.name)
                        .customize()
                        .interceptor(JsonBody::new(&without(&g.body, &["clientToken"])))
                        .send();
                    let line = format!("updated action group {} of agent {name}", g.name);
                    self.j
                        .write("UpdateAgentActionGroup", &what, call, line)
                        .await?;
                }
                _ => {
                    let (token, body) = self
                        .j
                        .tokened(&format!("agent {name} group {}", g.name), &g.body);
                    let call = client
                        .create_agent_action_group()
                        .agent_id(&id)
                        .agent_version(DRAFT)
                        .action_group_name(&g.name)
                        .client_token(token)
                        .customize()
                        .interceptor(JsonBody::new(&body))
                        .send();
                    let line = format!("created action group {} of agent {name}", g.name);
                    self.j
                        .write("CreateAgentActionGroup", &what, call, line)
                        .await?;
                }
            }
        }

        for k in &plan.knowledge_bases {
            let what = format!("{resource} › knowledge base {:?}", k.name);
            let description = str_member(&k.body, "description").unwrap_or_default();
            let state = str_member(&k.body, "knowledgeBaseState").map(KnowledgeBaseState::from);
            // UpdateAgentKnowledgeBase and AssociateAgentKnowledgeBase take the same members.
            macro_rules! with_members {
                ($call:expr) => {
                    $call
                        .agent_id(&id)
                        .agent_version(DRAFT)
                        .knowledge_base_id(&k.name)
                        .description(description)
                        .set_knowledge_base_state(state)
                };
            }
            match &k.action {
                Action::Unchanged => {}
                Action::Delete => {
                    let call = client
                        .disassociate_agent_knowledge_base()
                        .agent_id(&id)
                        .agent_version(DRAFT)
                        .knowledge_base_id(&k.name)
                        .send();
                    let line = format!("disassociated knowledge base {} from agent {name}", k.name);
                    self.j
                        .write("DisassociateAgentKnowledgeBase", &what, call, line)
                        .await?;
                }
                Action::Update(_) => {
                    let call = with_members!(client.update_agent_knowledge_base()).send();
                    let line = format!("updated knowledge base {} of agent {name}", k.name);
                    self.j
                        .write("UpdateAgentKnowledgeBase", &what, call, line)
                        .await?;
                }
                Action::Create => {
                    let call = with_members!(client.associate_agent_knowledge_base()).send();
                    let line = format!("associated knowledge base {} with agent {name}", k.name);
                    self.j
                        .write("AssociateAgentKnowledgeBase", &what, call, line)
                        .await?;
                }
            }
        }

        let aliases = self.agent_aliases();
        for c in &plan.collaborators {
            let what = format!("{resource} › collaborator {:?}", c.name);
            if c.action == Action::Delete {
                if let Some(collaborator_id) = &c.id {
                    let call = client
                        .disassociate_agent_collaborator()
                        .agent_id(&id)
                        .agent_version(DRAFT)
                        .collaborator_id(collaborator_id)
                        .send();
                    let line = format!("disassociated collaborator {} from agent {name}", c.name);
                    self.j
                        .write("DisassociateAgentCollaborator", &what, call, line)
                        .await?;
                }
                continue;
            }
            let mut body = c.body.clone();
            substitute(&mut body, &aliases);
            let alias_arn = body
                .pointer("/agentDescriptor/aliasArn")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if alias_arn.starts_with("${") {
                // The collaborator is a project agent that this run did not deploy (it is
                // ordered first, so only a failure before it could cause this).
                return Err(bad_response(
                    "AssociateAgentCollaborator",
                    &what,
                    &format!("alias ARN for {alias_arn}"),
                    self.done(),
                ));
            }
            let descriptor = AgentDescriptor::builder().alias_arn(&alias_arn).build();
            let instruction = str_of(&body, "collaborationInstruction");
            let relay = body
                .get("relayConversationHistory")
                .and_then(Value::as_str)
                .map(RelayConversationHistory::from);
            // UpdateAgentCollaborator and AssociateAgentCollaborator take the same members.
            macro_rules! with_members {
                ($call:expr) => {
                    $call
                        .agent_id(&id)
                        .agent_version(DRAFT)
                        .agent_descriptor(descriptor)
                        .collaborator_name(&c.name)
                        .collaboration_instruction(instruction)
                        .set_relay_conversation_history(relay)
                };
            }
            match (&c.action, &c.id) {
                (Action::Unchanged, _) => {}
                (Action::Update(_), Some(collaborator_id)) => {
                    let call = with_members!(client.update_agent_collaborator())
                        .collaborator_id(collaborator_id)
                        .send();
                    let line = format!("updated collaborator {} of agent {name}", c.name);
                    self.j
                        .write("UpdateAgentCollaborator", &what, call, line)
                        .await?;
                }
                _ => {
                    let token = self
                        .j
                        .token(&format!("agent {name} collaborator {}", c.name), &body);
                    let call = with_members!(client.associate_agent_collaborator())
                        .client_token(token)
                        .send();
                    let line = format!(
                        "associated collaborator {} ({alias_arn}) with agent {name}",
                        c.name
                    );
                    self.j
                        .write("AssociateAgentCollaborator", &what, call, line)
                        .await?;
                }
            }
        }

        if plan.prepare {
            let call = client.prepare_agent().agent_id(&id).send();
            self.j.sent("PrepareAgent", &resource, call).await?;
            self.j
                .d
                .step(&resource, false, &format!("preparing agent {name}…"));
            self.wait_agent(&id, &resource, AgentWait::Prepared).await?;
            self.j.record(&resource, format!("prepared agent {name}"));
        }

        let alias_resource = format!("{resource} › alias {:?}", plan.alias.name);
        let arn = match (&plan.alias.action, &plan.alias.id, &plan.alias.arn) {
            (Action::Unchanged, _, Some(arn)) => arn.clone(),
            (Action::Update(_), Some(alias_id), Some(arn)) => {
                let call = client
                    .update_agent_alias()
                    .agent_id(&id)
                    .agent_alias_id(alias_id)
                    .agent_alias_name(&plan.alias.name)
                    .send();
                self.j
                    .sent("UpdateAgentAlias", &alias_resource, call)
                    .await?;
                self.wait_agent_alias(&id, alias_id, &alias_resource)
                    .await?;
                self.j.record(
                    &alias_resource,
                    format!(
                        "updated alias {} of agent {name} to a new version",
                        plan.alias.name
                    ),
                );
                arn.clone()
            }
            _ => {
                let token = self.j.token(
                    &format!("agent {name} alias {}", plan.alias.name),
                    &plan.body,
                );
                let call = client
                    .create_agent_alias()
                    .agent_id(&id)
                    .agent_alias_name(&plan.alias.name)
                    .client_token(token)
                    .send();
                let out = self
                    .j
                    .sent("CreateAgentAlias", &alias_resource, call)
                    .await?;
                let alias = out.agent_alias().ok_or_else(|| {
                    bad_response(
                        "CreateAgentAlias",
                        &alias_resource,
                        "agentAlias",
                        self.done(),
                    )
                })?;
                let (alias_id, arn) = (
                    alias.agent_alias_id().to_owned(),
                    alias.agent_alias_arn().to_owned(),
                );
                self.j.record(
                    &alias_resource,
                    format!("created alias {} of agent {name} ({arn})", plan.alias.name),
                );
                self.wait_agent_alias(&id, &alias_id, &alias_resource)
                    .await?;
                arn
            }
        };
        self.agent_aliases.push((plan.name.clone(), arn));
        Ok(())
    }

    async fn flow(&mut self, plan: &FlowPlan) -> Result<(), DeployError> {
        let client = &self.j.d.client;
        let resource = format!("flow {:?}", plan.name);
        let name = plan.name.as_str();
        let aliases = self.agent_aliases();
        let mut body = plan.body.clone();
        substitute(&mut body, &aliases);
        let role = str_member(&body, "executionRoleArn")
            .unwrap_or_default()
            .to_owned();
        let id = match (&plan.action, &plan.id) {
            (Action::Unchanged, Some(id)) => id.clone(),
            (Action::Update(_), Some(id)) => {
                let call = client
                    .update_flow()
                    .flow_identifier(id)
                    .name(name)
                    .execution_role_arn(&role)
                    .customize()
                    .interceptor(JsonBody::new(&without(&body, &["tags", "clientToken"])))
                    .send();
                let line = format!("updated flow {name} ({id})");
                self.j.write("UpdateFlow", &resource, call, line).await?;
                id.clone()
            }
            _ => {
                let (token, tokened) = self.j.tokened(&format!("flow {name}"), &body);
                let call = client
                    .create_flow()
                    .name(name)
                    .execution_role_arn(&role)
                    .client_token(token)
                    .customize()
                    .interceptor(JsonBody::new(&tokened))
                    .send();
                let out = self.j.sent("CreateFlow", &resource, call).await?;
                let id = out.id().to_owned();
                if id.is_empty() {
                    return Err(bad_response("CreateFlow", &resource, "id", self.done()));
                }
                self.j
                    .record(&resource, format!("created flow {name} ({id})"));
                id
            }
        };
        if plan.prepare {
            let call = client.prepare_flow().flow_identifier(&id).send();
            self.j.sent("PrepareFlow", &resource, call).await?;
            self.j
                .d
                .step(&resource, false, &format!("preparing flow {name}…"));
            self.wait_flow(&id, &resource).await?;
            self.j.record(&resource, format!("prepared flow {name}"));
        }
        let mut version = None;
        if plan.new_version {
            let token = self.j.token(&format!("flow {name} version"), &body);
            let call = client
                .create_flow_version()
                .flow_identifier(&id)
                .client_token(token)
                .send();
            let out = self.j.sent("CreateFlowVersion", &resource, call).await?;
            let v = out.version().to_owned();
            self.j
                .record(&resource, format!("created version {v} of flow {name}"));
            version = Some(v);
        }
        let alias_resource = format!("{resource} › alias {:?}", plan.alias.name);
        let routing = |v: &str| {
            FlowAliasRoutingConfigurationListItem::builder()
                .flow_version(v)
                .build()
        };
        let arn = match (
            &plan.alias.action,
            &plan.alias.id,
            &plan.alias.arn,
            &version,
        ) {
            (Action::Unchanged, _, Some(arn), _) => arn.clone(),
            (Action::Update(_), Some(alias_id), Some(arn), Some(v)) => {
                let call = client
                    .update_flow_alias()
                    .flow_identifier(&id)
                    .alias_identifier(alias_id)
                    .name(&plan.alias.name)
                    .routing_configuration(routing(v))
                    .send();
                let line = format!(
                    "pointed alias {} of flow {name} at version {v}",
                    plan.alias.name
                );
                self.j
                    .write("UpdateFlowAlias", &alias_resource, call, line)
                    .await?;
                arn.clone()
            }
            (_, _, _, Some(v)) => {
                let token = self.j.token(
                    &format!("flow {name} alias {}", plan.alias.name),
                    &Value::String(v.clone()),
                );
                let call = client
                    .create_flow_alias()
                    .flow_identifier(&id)
                    .name(&plan.alias.name)
                    .routing_configuration(routing(v))
                    .client_token(token)
                    .send();
                let out = self
                    .j
                    .sent("CreateFlowAlias", &alias_resource, call)
                    .await?;
                let arn = out.arn().to_owned();
                self.j.record(
                    &alias_resource,
                    format!(
                        "created alias {} of flow {name} at version {v} ({arn})",
                        plan.alias.name
                    ),
                );
                arn
            }
            _ => {
                return Err(bad_response(
                    "CreateFlowVersion",
                    &resource,
                    "version for the alias",
                    self.done(),
                ))
            }
        };
        self.flow_aliases.push((plan.name.clone(), arn));
        Ok(())
    }
}

impl Deployer {
    /// Makes the changes `plan` lists (it should come from [`Deployer::plan`] just before).
    /// On failure the error names the resource and operation and lists what was done.
    pub async fn apply(&self, plan: &Plan) -> Result<Applied, DeployError> {
        let mut run = Run {
            j: Journal::new(self, &plan.project),
            agent_aliases: Vec::new(),
            flow_aliases: Vec::new(),
        };
        for agent in &plan.agents {
            run.agent(agent).await?;
        }
        for flow in &plan.flows {
            run.flow(flow).await?;
        }
        Ok(Applied {
            done: run.j.done,
            agent_aliases: run.agent_aliases,
            flow_aliases: run.flow_aliases,
        })
    }
}
