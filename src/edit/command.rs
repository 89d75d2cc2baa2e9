//! The editor's commands on a flow or the agents, and how each one applies.

use super::agents::{add_agent, remove_agent, set_agent};
use super::clipboard::{duplicate, paste_json};
use super::connect::{check_conditional_connection, check_data_connection, set_conditions};
use super::flows::{add_flow, delete_flow, rename_flow};
use super::names::{check_node_name, check_port_name, default_connection_name, unique_name};
use super::{flow_mut, flow_ref, node_mut, node_ref, set_position, EditError};
use crate::model::agent::Agent;
use crate::model::lenient::StrEnum;
use crate::model::{FlowNodeInput, FlowNodeOutput, Position, Project};
use crate::nodes::condition::FlowCondition;
use crate::nodes::{NodeConfiguration, NodeType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One change to a flow of the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "camelCase")]
pub enum Command {
    /// A fresh node of `kind`, named after the kind (`Prompt`, `Prompt2`, …), at `position`.
    AddNode {
        flow: String,
        kind: NodeType,
        position: Position,
    },
    /// Removes nodes, every connection touching them, and their canvas positions.
    DeleteNodes { flow: String, nodes: Vec<String> },
    /// Moves nodes on the canvas; the logic is untouched.
    MoveNodes {
        flow: String,
        moves: Vec<(String, Position)>,
    },
    /// Renames a node, following it in connections and on the canvas.
    RenameNode {
        flow: String,
        from: String,
        to: String,
    },
    /// A Data connection from an output to an input.
    Connect {
        flow: String,
        source: String,
        output: String,
        target: String,
        input: String,
    },
    /// A Conditional connection from a Condition node's condition to a node.
    ConnectCondition {
        flow: String,
        source: String,
        condition: String,
        target: String,
    },
    /// Removes a connection by name.
    Disconnect { flow: String, connection: String },
    /// Replaces a node's configuration (`None` removes it). Boxed: a configuration is large
    /// and the other commands are small.
    SetConfiguration {
        flow: String,
        node: String,
        configuration: Option<Box<NodeConfiguration>>,
    },
    /// Replaces a node's inputs.
    SetInputs {
        flow: String,
        node: String,
        inputs: Vec<FlowNodeInput>,
    },
    /// Replaces a node's outputs.
    SetOutputs {
        flow: String,
        node: String,
        outputs: Vec<FlowNodeOutput>,
    },
    /// Replaces a Condition node's condition list. A condition whose name changed at the same
    /// index takes its conditional connections with it; connections of removed conditions go.
    SetConditions {
        flow: String,
        node: String,
        conditions: Vec<FlowCondition>,
    },
    /// Copies nodes and the connections between them, shifted by `offset`.
    Duplicate {
        flow: String,
        nodes: Vec<String>,
        offset: Position,
    },
    /// Pastes a [`Clipboard`] (as JSON), its top-left node at `at`.
    Paste {
        flow: String,
        json: String,
        at: Position,
    },
    /// Places every node of the flow, Loop bodies included, with [`crate::layout`].
    AutoLayout { flow: String },
    /// A new agent, named `name` (or `name2`, … when taken).
    AddAgent { name: String },
    /// Replaces the agent named `agent`. A new `agentName` renames it, and Agent nodes that
    /// name it as their project agent follow. Boxed: an agent is large.
    SetAgent { agent: String, value: Box<Agent> },
    /// Removes an agent. Agent nodes naming it keep the name (the compiler reports them).
    RemoveAgent { agent: String },
    /// Sets where the project's agents ship unless an agent says otherwise (`agentTarget`);
    /// `None` leaves it unstated (Classic).
    SetAgentTarget {
        target: Option<crate::model::lenient::Lenient<crate::model::agent::AgentTarget>>,
    },
    /// A new flow, named `name` (or `name2`, … when taken): an Input wired to an Output.
    AddFlow { name: String },
    /// Renames a flow; its canvas positions follow.
    RenameFlow { from: String, to: String },
    /// Removes a flow and its canvas positions; the project's last flow stays.
    DeleteFlow { flow: String },
}

/// What a command changes, and so what its history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// One flow and its canvas.
    Flow(&'a str),
    /// The agents and the flows (agent commands).
    Agents,
    /// The list of flows and the whole canvas (flow commands).
    Flows,
}

impl Command {
    /// What the command changes.
    pub fn scope(&self) -> Scope<'_> {
        match self {
            Command::AddNode { flow, .. }
            | Command::DeleteNodes { flow, .. }
            | Command::MoveNodes { flow, .. }
            | Command::RenameNode { flow, .. }
            | Command::Connect { flow, .. }
            | Command::ConnectCondition { flow, .. }
            | Command::Disconnect { flow, .. }
            | Command::SetConfiguration { flow, .. }
            | Command::SetInputs { flow, .. }
            | Command::SetOutputs { flow, .. }
            | Command::SetConditions { flow, .. }
            | Command::Duplicate { flow, .. }
            | Command::Paste { flow, .. }
            | Command::AutoLayout { flow } => Scope::Flow(flow),
            Command::AddAgent { .. }
            | Command::SetAgent { .. }
            | Command::RemoveAgent { .. }
            | Command::SetAgentTarget { .. } => Scope::Agents,
            Command::AddFlow { .. } | Command::RenameFlow { .. } | Command::DeleteFlow { .. } => {
                Scope::Flows
            }
        }
    }
}

/// What a command did, for the UI: the nodes to select afterwards, and the flow to show when
/// the command made, renamed or removed one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub selection: Vec<String>,
    pub flow: Option<String>,
}

impl Applied {
    /// The nodes `selection` selected, in the flow being edited.
    pub(crate) fn selecting(selection: Vec<String>) -> Applied {
        Applied {
            selection,
            flow: None,
        }
    }

    /// The flow `flow` shown, nothing selected.
    pub(crate) fn showing(flow: String) -> Applied {
        Applied {
            selection: vec![],
            flow: Some(flow),
        }
    }
}

/// Applies one command without recording it. All checks happen before any change.
pub fn apply(project: &mut Project, command: &Command) -> Result<Applied, EditError> {
    match command {
        Command::AddNode {
            flow,
            kind,
            position,
        } => {
            let f = flow_ref(project, flow)?;
            let name = unique_name(f, kind.as_str(), &BTreeSet::new());
            let node = (kind.kind().new_node)(&name);
            flow_mut(project, flow)?.definition.nodes.push(node);
            set_position(project, flow, &name, *position);
            Ok(Applied::selecting(vec![name]))
        }
        Command::DeleteNodes { flow, nodes } => {
            let f = flow_ref(project, flow)?;
            for n in nodes {
                node_ref(f, n)?;
            }
            let gone: BTreeSet<&str> = nodes.iter().map(String::as_str).collect();
            let f = flow_mut(project, flow)?;
            f.definition
                .nodes
                .retain(|n| !gone.contains(n.name.as_str()));
            f.definition
                .connections
                .retain(|c| !gone.contains(c.source.as_str()) && !gone.contains(c.target.as_str()));
            if let Some(c) = project.canvas.get_mut(flow) {
                c.retain(|k, _| !gone.contains(k.as_str()));
            }
            Ok(Applied::default())
        }
        Command::MoveNodes { flow, moves } => {
            let f = flow_ref(project, flow)?;
            for (n, _) in moves {
                node_ref(f, n)?;
            }
            for (n, p) in moves {
                set_position(project, flow, n, *p);
            }
            Ok(Applied::selecting(
                moves.iter().map(|(n, _)| n.clone()).collect(),
            ))
        }
        Command::RenameNode { flow, from, to } => {
            let f = flow_ref(project, flow)?;
            node_ref(f, from)?;
            if from == to {
                return Ok(Applied::selecting(vec![to.clone()]));
            }
            check_node_name(to)?;
            if f.definition.all_nodes().iter().any(|(_, n)| n.name == *to) {
                return Err(EditError::NameTaken { name: to.clone() });
            }
            let f = flow_mut(project, flow)?;
            if let Some(n) = f.definition.node_mut(from) {
                n.name = to.clone();
            }
            for c in &mut f.definition.connections {
                let default_name = default_connection_name(c);
                if c.source == *from {
                    c.source = to.clone();
                }
                if c.target == *from {
                    c.target = to.clone();
                }
                if c.name == default_name {
                    c.name = default_connection_name(c);
                }
            }
            if let Some(c) = project.canvas.get_mut(flow) {
                if let Some(p) = c.remove(from) {
                    c.insert(to.clone(), p);
                }
            }
            Ok(Applied::selecting(vec![to.clone()]))
        }
        Command::Connect {
            flow,
            source,
            output,
            target,
            input,
        } => {
            let f = flow_ref(project, flow)?;
            let conn = check_data_connection(f, source, output, target, input)?;
            flow_mut(project, flow)?.definition.connections.push(conn);
            Ok(Applied::default())
        }
        Command::ConnectCondition {
            flow,
            source,
            condition,
            target,
        } => {
            let f = flow_ref(project, flow)?;
            let conn = check_conditional_connection(f, source, condition, target)?;
            flow_mut(project, flow)?.definition.connections.push(conn);
            Ok(Applied::default())
        }
        Command::Disconnect { flow, connection } => {
            let f = flow_mut(project, flow)?;
            let Some(i) = f
                .definition
                .connections
                .iter()
                .position(|c| c.name == *connection)
            else {
                return Err(EditError::UnknownConnection {
                    connection: connection.clone(),
                });
            };
            f.definition.connections.remove(i);
            Ok(Applied::default())
        }
        Command::SetConfiguration {
            flow,
            node,
            configuration,
        } => {
            let n = node_mut(project, flow, node)?;
            n.configuration = configuration.as_deref().cloned();
            Ok(Applied::selecting(vec![node.clone()]))
        }
        Command::SetInputs { flow, node, inputs } => {
            for i in inputs {
                check_port_name(&i.name)?;
            }
            node_mut(project, flow, node)?.inputs = inputs.clone();
            Ok(Applied::selecting(vec![node.clone()]))
        }
        Command::SetOutputs {
            flow,
            node,
            outputs,
        } => {
            for o in outputs {
                check_port_name(&o.name)?;
            }
            node_mut(project, flow, node)?.outputs = outputs.clone();
            Ok(Applied::selecting(vec![node.clone()]))
        }
        Command::SetConditions {
            flow,
            node,
            conditions,
        } => set_conditions(project, flow, node, conditions),
        Command::Duplicate {
            flow,
            nodes,
            offset,
        } => duplicate(project, flow, nodes, *offset),
        Command::Paste { flow, json, at } => paste_json(project, flow, json, *at),
        Command::AutoLayout { flow } => {
            let positions = crate::layout::auto_layout(&flow_ref(project, flow)?.definition);
            for (n, p) in positions {
                set_position(project, flow, &n, p);
            }
            Ok(Applied::default())
        }
        Command::AddAgent { name } => add_agent(project, name),
        Command::SetAgent { agent, value } => set_agent(project, agent, value),
        Command::RemoveAgent { agent } => remove_agent(project, agent),
        Command::SetAgentTarget { target } => {
            project.agent_target = target.clone();
            Ok(Applied::default())
        }
        Command::AddFlow { name } => add_flow(project, name),
        Command::RenameFlow { from, to } => rename_flow(project, from, to),
        Command::DeleteFlow { flow } => delete_flow(project, flow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::testing::*;
    use crate::model::DataType;

    #[test]
    fn add_node_gets_a_unique_name_and_position() {
        let mut doc = triage();
        for _ in 0..2 {
            doc = check(
                doc,
                Command::AddNode {
                    flow: flow(),
                    kind: NodeType::Prompt,
                    position: p(10.0, 20.0),
                },
            );
        }
        let n = names(&doc);
        assert!(n.contains(&"Prompt".to_owned()) && n.contains(&"Prompt2".to_owned()));
        assert_eq!(position(&doc, "triage", "Prompt2"), Some(p(10.0, 20.0)));
        for kind in crate::nodes::REGISTRY {
            check(
                triage(),
                Command::AddNode {
                    flow: flow(),
                    kind: kind.node_type,
                    position: p(0.0, 0.0),
                },
            );
        }
    }

    #[test]
    fn delete_takes_connections_and_positions() {
        let doc = check(
            triage(),
            Command::DeleteNodes {
                flow: flow(),
                nodes: vec!["Route".into()],
            },
        );
        let f = &doc.flows[0];
        assert!(f.definition.node("Route").is_none());
        assert!(f
            .definition
            .connections
            .iter()
            .all(|c| c.source != "Route" && c.target != "Route"));
        assert!(position(&doc, "triage", "Route").is_none());
        refuse(
            &triage(),
            Command::DeleteNodes {
                flow: flow(),
                nodes: vec!["Nope".into()],
            },
        );
    }

    #[test]
    fn move_changes_only_the_canvas() {
        let before = triage();
        let doc = check(
            before.clone(),
            Command::MoveNodes {
                flow: flow(),
                moves: vec![("Route".into(), p(1.0, 2.0))],
            },
        );
        assert_eq!(doc.flows, before.flows);
        assert_eq!(position(&doc, "triage", "Route"), Some(p(1.0, 2.0)));
    }

    #[test]
    fn rename_follows_connections_and_canvas() {
        let doc = check(
            triage(),
            Command::RenameNode {
                flow: flow(),
                from: "Classify".into(),
                to: "Sort".into(),
            },
        );
        let f = &doc.flows[0];
        assert!(f.definition.node("Sort").is_some());
        assert!(f
            .definition
            .connections
            .iter()
            .all(|c| c.source != "Classify" && c.target != "Classify"));
        assert!(f.definition.connections.iter().any(|c| c.source == "Sort"));
        assert!(position(&doc, "triage", "Sort").is_some());
        assert!(
            !crate::compile::compile(&doc).has_errors()
                || crate::compile::compile(&triage()).has_errors()
        );
        let e = refuse(
            &triage(),
            Command::RenameNode {
                flow: flow(),
                from: "Classify".into(),
                to: "Route".into(),
            },
        );
        assert!(matches!(e, EditError::NameTaken { .. }));
        let e = refuse(
            &triage(),
            Command::RenameNode {
                flow: flow(),
                from: "Classify".into(),
                to: "bad name".into(),
            },
        );
        assert!(matches!(e, EditError::InvalidName { .. }));
    }

    #[test]
    fn set_configuration_inputs_outputs() {
        let base = triage();
        check(
            base.clone(),
            Command::SetConfiguration {
                flow: flow(),
                node: "Classify".into(),
                configuration: None,
            },
        );
        check(
            base.clone(),
            Command::SetInputs {
                flow: flow(),
                node: "Classify".into(),
                inputs: vec![FlowNodeInput::new("text", DataType::String)],
            },
        );
        check(
            base.clone(),
            Command::SetOutputs {
                flow: flow(),
                node: "Classify".into(),
                outputs: vec![FlowNodeOutput::new("answer", DataType::String)],
            },
        );
        let e = refuse(
            &base,
            Command::SetInputs {
                flow: flow(),
                node: "Classify".into(),
                inputs: vec![FlowNodeInput::new("a b", DataType::String)],
            },
        );
        assert!(matches!(e, EditError::InvalidName { .. }));
    }

    #[test]
    fn auto_layout_places_every_node_and_undoes() {
        let t = crate::templates::find("refine-loop").unwrap();
        let mut start = crate::templates::instantiate(t, "r").unwrap();
        start.canvas.clear();
        let f = start.flows[0].name.clone();
        let doc = check(start.clone(), Command::AutoLayout { flow: f.clone() });
        for (_, n) in start.flows[0].definition.all_nodes() {
            assert!(position(&doc, &f, &n.name).is_some(), "{} placed", n.name);
        }
        assert_eq!(doc.flows, start.flows);
    }

    #[test]
    fn commands_round_trip_as_json() {
        let c = Command::Connect {
            flow: flow(),
            source: "a".into(),
            output: "b".into(),
            target: "c".into(),
            input: "d".into(),
        };
        let j = serde_json::to_string(&c).unwrap();
        assert!(j.contains("\"command\":\"connect\""), "{j}");
        assert_eq!(serde_json::from_str::<Command>(&j).unwrap(), c);
    }
}
