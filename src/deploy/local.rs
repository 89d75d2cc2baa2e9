//! The local half of a plan: every request body, from the export JSON with the roles filled
//! in, checked before any call to AWS.

use super::wire::{str_of, unresolved, with, without};
use super::{DeployError, Deployer, Scope};
use crate::export::{agent_alias_placeholder, ensure_valid, export_agent_json, export_flow_json};
use crate::model::{Agent, Project};
use serde_json::Value;

fn check_resolved(resource: &str, value: &Value, allowed: &[String]) -> Result<(), DeployError> {
    match unresolved(value, allowed) {
        Some(placeholder) => Err(DeployError::Unresolved {
            resource: resource.to_owned(),
            placeholder,
        }),
        None => Ok(()),
    }
}

/// The local half of a plan: every request body, checked, before any call.
pub(super) struct Local {
    pub(super) agents: Vec<LocalAgent>,
    pub(super) flows: Vec<(String, Value)>,
}

/// One agent's request bodies: CreateAgent, then `(name, body)` per action group, per
/// knowledge-base association and per collaborator (whose alias ARN may still be the
/// placeholder of a project agent deployed earlier in the same run).
pub(super) struct LocalAgent {
    pub(super) name: String,
    pub(super) body: Value,
    pub(super) groups: Vec<(String, Value)>,
    pub(super) kbs: Vec<(String, Value)>,
    pub(super) collaborators: Vec<(String, Value)>,
}

/// The project's agents with every project collaborator before the supervisors that use
/// it, so a supervisor is associated with aliases that already exist. Otherwise in project
/// order. A cycle of collaborators is refused: neither side's alias could exist first.
/// With [`Scope::Agent`], only that agent and the project agents it reaches as collaborators.
fn collaborators_first<'p>(
    project: &'p Project,
    scope: &Scope,
) -> Result<Vec<&'p Agent>, DeployError> {
    fn visit<'p>(
        project: &'p Project,
        agent: &'p Agent,
        path: &mut Vec<&'p str>,
        out: &mut Vec<&'p Agent>,
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
    let roots: Vec<&Agent> =
        match scope {
            Scope::Project => project.agents.iter().collect(),
            Scope::Agent(name) => vec![project.agent(name).ok_or_else(|| {
                crate::export::ExportError::UnknownAgent {
                    agent: name.clone(),
                }
            })?],
        };
    let mut out = Vec::new();
    for agent in roots {
        visit(project, agent, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

impl Deployer {
    /// The role for `member` of `resource`: the project's `own` role, else `--role-arn`.
    fn role(
        &self,
        resource: &str,
        member: &str,
        own: Option<&String>,
    ) -> Result<Value, DeployError> {
        let role =
            own.or(self.options.role_arn.as_ref())
                .ok_or_else(|| DeployError::MissingRole {
                    resource: resource.to_owned(),
                    member: member.to_owned(),
                })?;
        Ok(Value::String(role.clone()))
    }

    /// Every request body of what `scope` covers. The whole project is checked first: a
    /// project with errors is never deployed, not even one agent of it.
    pub(super) fn local(&self, project: &Project, scope: &Scope) -> Result<Local, DeployError> {
        ensure_valid(project)?;
        let aliases: Vec<String> = project
            .agents
            .iter()
            .map(|a| agent_alias_placeholder(&a.agent_name))
            .collect();
        let mut agents = Vec::new();
        for agent in collaborators_first(project, scope)? {
            let resource = format!("agent {:?}", agent.agent_name);
            let requests = export_agent_json(project, &agent.agent_name)?;
            let member = "agentResourceRoleArn";
            let role = self.role(&resource, member, agent.agent_resource_role_arn.as_ref())?;
            let body = with(&requests.create_agent, member, role);
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
        let flows_in_scope = match scope {
            Scope::Project => project.flows.as_slice(),
            Scope::Agent(_) => &[],
        };
        for flow in flows_in_scope {
            let resource = format!("flow {:?}", flow.name);
            let member = "executionRoleArn";
            let role = self.role(&resource, member, flow.execution_role_arn.as_ref())?;
            let body = with(&export_flow_json(project, &flow.name)?, member, role);
            check_resolved(&resource, &body, &aliases)?;
            flows.push((flow.name.clone(), body));
        }
        Ok(Local { agents, flows })
    }
}
