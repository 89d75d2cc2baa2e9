//! The agent commands: add, replace (and rename, followed into Agent nodes), remove.

use super::command::Applied;
use super::names::{check_resource_name, numbered};
use super::EditError;
use crate::model::agent::Agent;
use crate::model::{FlowDefinition, Project};
use crate::nodes::NodeConfiguration;

/// A new agent named `name`, or `name2`, … when taken.
pub(super) fn add_agent(project: &mut Project, name: &str) -> Result<Applied, EditError> {
    check_resource_name(name)?;
    let name = numbered(name, |n| project.agents.iter().any(|a| a.agent_name == n));
    project.agents.push(Agent::new(&name));
    Ok(Applied::default())
}

/// Replaces agent `agent` with `value`; a new name is checked and followed into Agent nodes.
pub(super) fn set_agent(
    project: &mut Project,
    agent: &str,
    value: &Agent,
) -> Result<Applied, EditError> {
    let i = agent_index(project, agent)?;
    let to = &value.agent_name;
    if to != agent {
        check_resource_name(to)?;
        if project.agents.iter().any(|a| a.agent_name == *to) {
            return Err(EditError::AgentNameTaken { name: to.clone() });
        }
        for f in &mut project.flows {
            rename_project_agent(&mut f.definition, agent, to);
        }
    }
    project.agents[i] = value.clone();
    Ok(Applied::default())
}

/// Removes agent `agent`; Agent nodes naming it keep the name (the compiler reports them).
pub(super) fn remove_agent(project: &mut Project, agent: &str) -> Result<Applied, EditError> {
    let i = agent_index(project, agent)?;
    project.agents.remove(i);
    Ok(Applied::default())
}

fn agent_index(project: &Project, agent: &str) -> Result<usize, EditError> {
    project
        .agents
        .iter()
        .position(|a| a.agent_name == agent)
        .ok_or_else(|| EditError::UnknownAgent {
            agent: agent.to_owned(),
        })
}

/// Points Agent nodes (Loop bodies included) that name agent `from` at `to`.
fn rename_project_agent(def: &mut FlowDefinition, from: &str, to: &str) {
    for n in &mut def.nodes {
        if let Some(NodeConfiguration::Agent(c)) = &mut n.configuration {
            if c.project_agent.as_deref() == Some(from) {
                c.project_agent = Some(to.to_owned());
            }
        }
        if let Some(NodeConfiguration::Loop(l)) = &mut n.configuration {
            rename_project_agent(&mut l.definition, from, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::testing::*;

    #[test]
    fn agent_commands_undo_exactly() {
        let base = triage();
        let first = base.agents[0].agent_name.clone();
        let doc = check(
            base.clone(),
            Command::AddAgent {
                name: first.clone(),
            },
        );
        assert_eq!(doc.agents.last().unwrap().agent_name, format!("{first}2"));

        let mut edited = base.agents[0].clone();
        edited.instruction = Some("Answer billing questions politely and cite the invoice.".into());
        let doc = check(
            base.clone(),
            Command::SetAgent {
                agent: first.clone(),
                value: Box::new(edited.clone()),
            },
        );
        assert_eq!(doc.agents[0], edited);

        // A rename follows Agent nodes that name the agent.
        let mut with_node = base.clone();
        let mut node = (NodeType::Agent.kind().new_node)("Ask");
        if let Some(NodeConfiguration::Agent(c)) = &mut node.configuration {
            c.project_agent = Some(first.clone());
        }
        with_node.flows[0].definition.nodes.push(node);
        let mut renamed = base.agents[0].clone();
        renamed.agent_name = "Payments".into();
        let doc = check(
            with_node.clone(),
            Command::SetAgent {
                agent: first.clone(),
                value: Box::new(renamed),
            },
        );
        let ask = doc.flows[0].definition.node("Ask").unwrap();
        assert!(
            matches!(&ask.configuration, Some(NodeConfiguration::Agent(c)) if c.project_agent.as_deref() == Some("Payments"))
        );

        let doc = check(
            base.clone(),
            Command::RemoveAgent {
                agent: first.clone(),
            },
        );
        assert!(doc.agents.iter().all(|a| a.agent_name != first));

        let e = refuse(
            &base,
            Command::RemoveAgent {
                agent: "Nope".into(),
            },
        );
        assert!(matches!(e, EditError::UnknownAgent { .. }));
        let mut bad = base.agents[0].clone();
        bad.agent_name = "has space".into();
        let e = refuse(
            &base,
            Command::SetAgent {
                agent: first,
                value: Box::new(bad),
            },
        );
        assert!(matches!(e, EditError::InvalidName { .. }));
    }
}
