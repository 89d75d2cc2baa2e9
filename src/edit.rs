//! The editor's changes to a project, as commands, and their undo history.
//!
//! Every change the desktop editor makes goes through [`Command`] and [`History::apply`]: a command
//! either applies whole or is refused with an [`EditError`] that says why, so the UI can show the
//! reason and leave the document as it was. Undo is exact by construction: a change records the
//! affected flow and its canvas entries before and after, and undo puts the "before" back.
//!
//! Flow commands record the one flow they change; agent commands record the project's agents
//! and flows (a renamed agent is followed into the Agent nodes that name it).
//!
//! Only the top level of a flow is edited here; Loop bodies are kept as they are (auto-layout
//! places them too).

use crate::expr::{parse_input_expression, TypeOutcome};
use crate::model::agent::Agent;
use crate::model::flow::ConnectionType;
use crate::model::lenient::{Lenient, StrEnum};
use crate::model::{
    Flow, FlowConnection, FlowNode, FlowNodeInput, FlowNodeOutput, Position, Project,
};
use crate::nodes::condition::FlowCondition;
use crate::nodes::fields::Pattern;
use crate::nodes::{NodeConfiguration, NodeType};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
}

/// What a command changes, and so what its history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// One flow and its canvas.
    Flow(&'a str),
    /// The agents and the flows (agent commands).
    Agents,
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
            Command::AddAgent { .. } | Command::SetAgent { .. } | Command::RemoveAgent { .. } => {
                Scope::Agents
            }
        }
    }
}

/// Why a command was refused. The document is unchanged when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "camelCase")]
pub enum EditError {
    #[error("the project has no flow {flow:?}")]
    UnknownFlow { flow: String },
    #[error("the flow has no node {node:?}")]
    UnknownNode { node: String },
    #[error("node {node:?} has no output {output:?}")]
    UnknownOutput { node: String, output: String },
    #[error("node {node:?} has no input {input:?}")]
    UnknownInput { node: String, input: String },
    #[error("node {node:?} has no condition {condition:?}")]
    UnknownCondition { node: String, condition: String },
    #[error("input {input:?} of {node:?} is already fed by {connection:?}; disconnect that first")]
    InputAlreadyFed {
        node: String,
        input: String,
        connection: String,
    },
    #[error("{message}")]
    IncompatibleTypes { message: String },
    #[error("a node cannot feed itself")]
    SelfConnection,
    #[error("condition {condition:?} of {source_node:?} already leads to {target:?}")]
    DuplicateConnection {
        source_node: String,
        condition: String,
        target: String,
    },
    #[error("{name:?} is not a valid name: {why}")]
    InvalidName { name: String, why: String },
    #[error("a node named {name:?} already exists")]
    NameTaken { name: String },
    #[error("the flow has no connection {connection:?}")]
    UnknownConnection { connection: String },
    #[error("node {node:?} is not a Condition node")]
    NotACondition { node: String },
    #[error("nothing to paste: {message}")]
    BadClipboard { message: String },
    #[error("the project has no agent {agent:?}")]
    UnknownAgent { agent: String },
    #[error("an agent named {name:?} already exists")]
    AgentNameTaken { name: String },
}

/// Copied nodes, as put on the clipboard: the nodes, the connections between them, positions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clipboard {
    pub nodes: Vec<FlowNode>,
    #[serde(default)]
    pub connections: Vec<FlowConnection>,
    #[serde(default)]
    pub positions: BTreeMap<String, Position>,
}

/// The nodes named in `names` of `flow`, with the connections among them, for the clipboard.
pub fn copy(project: &Project, flow: &str, names: &[String]) -> Result<Clipboard, EditError> {
    let f = flow_ref(project, flow)?;
    let wanted: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let mut clip = Clipboard::default();
    for name in names {
        let node = f
            .definition
            .node(name)
            .ok_or_else(|| EditError::UnknownNode { node: name.clone() })?;
        clip.nodes.push(node.clone());
        if let Some(p) = position(project, flow, name) {
            clip.positions.insert(name.clone(), p);
        }
    }
    clip.connections = f
        .definition
        .connections
        .iter()
        .filter(|c| wanted.contains(c.source.as_str()) && wanted.contains(c.target.as_str()))
        .cloned()
        .collect();
    Ok(clip)
}

/// What a command did, for the UI: the nodes to select afterwards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub selection: Vec<String>,
}

/// What a change recorded: one flow's state, or the agents and flows.
#[derive(Debug, Clone, PartialEq)]
enum State {
    Flow(FlowState),
    Agents {
        agents: Vec<Agent>,
        flows: Vec<Flow>,
    },
}

/// One flow's state: the flow and its canvas positions.
#[derive(Debug, Clone, PartialEq)]
struct FlowState {
    flow: Flow,
    canvas: Option<BTreeMap<String, Position>>,
}

/// An applied command: the flow before and after.
#[derive(Debug, Clone, PartialEq)]
struct Change {
    before: State,
    after: State,
}

/// The undo and redo stacks of one open document.
#[derive(Debug, Clone, Default)]
pub struct History {
    undo: Vec<Change>,
    redo: Vec<Change>,
}

impl History {
    /// Applies a command and records it; a refused command leaves project and history alone.
    pub fn apply(
        &mut self,
        project: &mut Project,
        command: &Command,
    ) -> Result<Applied, EditError> {
        let before = snapshot(project, command.scope())?;
        let applied = apply(project, command)?;
        let after = snapshot(project, command.scope())?;
        if before != after {
            self.undo.push(Change { before, after });
            self.redo.clear();
        }
        Ok(applied)
    }

    /// Puts back the state before the last command. False when there is nothing to undo.
    pub fn undo(&mut self, project: &mut Project) -> bool {
        let Some(change) = self.undo.pop() else {
            return false;
        };
        restore(project, &change.before);
        self.redo.push(change);
        true
    }

    /// Applies again the last undone command. False when there is nothing to redo.
    pub fn redo(&mut self, project: &mut Project) -> bool {
        let Some(change) = self.redo.pop() else {
            return false;
        };
        restore(project, &change.after);
        self.undo.push(change);
        true
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Forgets everything, as when another document is opened.
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
    }
}

fn snapshot(project: &Project, scope: Scope<'_>) -> Result<State, EditError> {
    Ok(match scope {
        Scope::Flow(flow) => State::Flow(FlowState {
            flow: flow_ref(project, flow)?.clone(),
            canvas: project.canvas.get(flow).cloned(),
        }),
        Scope::Agents => State::Agents {
            agents: project.agents.clone(),
            flows: project.flows.clone(),
        },
    })
}

fn restore(project: &mut Project, state: &State) {
    let state = match state {
        State::Flow(f) => f,
        State::Agents { agents, flows } => {
            project.agents = agents.clone();
            project.flows = flows.clone();
            return;
        }
    };
    if let Some(f) = project.flows.iter_mut().find(|f| f.name == state.flow.name) {
        *f = state.flow.clone();
    }
    match &state.canvas {
        Some(c) => {
            project.canvas.insert(state.flow.name.clone(), c.clone());
        }
        None => {
            project.canvas.remove(&state.flow.name);
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
            Ok(Applied {
                selection: vec![name],
            })
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
            Ok(Applied {
                selection: moves.iter().map(|(n, _)| n.clone()).collect(),
            })
        }
        Command::RenameNode { flow, from, to } => {
            let f = flow_ref(project, flow)?;
            node_ref(f, from)?;
            if from == to {
                return Ok(Applied {
                    selection: vec![to.clone()],
                });
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
            Ok(Applied {
                selection: vec![to.clone()],
            })
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
            Ok(Applied {
                selection: vec![node.clone()],
            })
        }
        Command::SetInputs { flow, node, inputs } => {
            for i in inputs {
                check_port_name(&i.name)?;
            }
            node_mut(project, flow, node)?.inputs = inputs.clone();
            Ok(Applied {
                selection: vec![node.clone()],
            })
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
            Ok(Applied {
                selection: vec![node.clone()],
            })
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
        } => {
            let mut clip = copy(project, flow, nodes)?;
            for (i, n) in clip.nodes.iter().enumerate() {
                let p = clip.positions.get(&n.name).copied().unwrap_or(Position {
                    x: 40.0 * i as f64,
                    y: 40.0 * i as f64,
                });
                clip.positions.insert(
                    n.name.clone(),
                    Position {
                        x: p.x + offset.x,
                        y: p.y + offset.y,
                    },
                );
            }
            paste(project, flow, clip, None)
        }
        Command::Paste { flow, json, at } => {
            let clip: Clipboard =
                serde_json::from_str(json).map_err(|e| EditError::BadClipboard {
                    message: e.to_string(),
                })?;
            if clip.nodes.is_empty() {
                return Err(EditError::BadClipboard {
                    message: "the clipboard holds no nodes".to_owned(),
                });
            }
            paste(project, flow, clip, Some(*at))
        }
        Command::AutoLayout { flow } => {
            let positions = crate::layout::auto_layout(&flow_ref(project, flow)?.definition);
            for (n, p) in positions {
                set_position(project, flow, &n, p);
            }
            Ok(Applied::default())
        }
        Command::AddAgent { name } => {
            check_agent_name(name)?;
            let taken = |n: &str| project.agents.iter().any(|a| a.agent_name == n);
            let name = if taken(name) {
                (2..)
                    .map(|i| format!("{name}{i}"))
                    .find(|n| !taken(n))
                    .expect("some number is free")
            } else {
                name.clone()
            };
            project.agents.push(Agent::new(&name));
            Ok(Applied::default())
        }
        Command::SetAgent { agent, value } => {
            let i = agent_index(project, agent)?;
            let to = &value.agent_name;
            if to != agent {
                check_agent_name(to)?;
                if project.agents.iter().any(|a| a.agent_name == *to) {
                    return Err(EditError::AgentNameTaken { name: to.clone() });
                }
                for f in &mut project.flows {
                    rename_project_agent(&mut f.definition, agent, to);
                }
            }
            project.agents[i] = (**value).clone();
            Ok(Applied::default())
        }
        Command::RemoveAgent { agent } => {
            let i = agent_index(project, agent)?;
            project.agents.remove(i);
            Ok(Applied::default())
        }
    }
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

fn check_agent_name(name: &str) -> Result<(), EditError> {
    if Pattern::ResourceName.matches(name) {
        Ok(())
    } else {
        Err(EditError::InvalidName {
            name: name.to_owned(),
            why: Pattern::ResourceName.describe().to_owned(),
        })
    }
}

/// Points Agent nodes (Loop bodies included) that name agent `from` at `to`.
fn rename_project_agent(def: &mut crate::model::FlowDefinition, from: &str, to: &str) {
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

/// Whether a Data connection may be made, and the connection if so. Same type rule as the compiler.
pub fn check_data_connection(
    f: &Flow,
    source: &str,
    output: &str,
    target: &str,
    input: &str,
) -> Result<FlowConnection, EditError> {
    let s = node_ref(f, source)?;
    let t = node_ref(f, target)?;
    if source == target {
        return Err(EditError::SelfConnection);
    }
    let out = s.output(output).ok_or_else(|| EditError::UnknownOutput {
        node: source.to_owned(),
        output: output.to_owned(),
    })?;
    let inp = t.input(input).ok_or_else(|| EditError::UnknownInput {
        node: target.to_owned(),
        input: input.to_owned(),
    })?;
    if let Some(c) = f
        .definition
        .connections
        .iter()
        .find(|c| c.target == target && c.data_ports().is_some_and(|d| d.target_input == input))
    {
        return Err(EditError::InputAlreadyFed {
            node: target.to_owned(),
            input: input.to_owned(),
            connection: c.name.clone(),
        });
    }
    if let (Lenient::Known(src), Lenient::Known(dst), Ok(expr)) = (
        &out.data_type,
        &inp.data_type,
        parse_input_expression(&inp.expression),
    ) {
        match expr.result_type(*src) {
            TypeOutcome::Exactly(ty) if ty != *dst => {
                let via = if expr.is_whole_value() {
                    String::new()
                } else {
                    format!(" through {expr}")
                };
                return Err(EditError::IncompatibleTypes {
                    message: format!(
                        "{source}.{output} gives {ty}{via}, but input {input:?} of {target:?} is {dst}"
                    ),
                });
            }
            TypeOutcome::Impossible(why) => {
                return Err(EditError::IncompatibleTypes {
                    message: format!(
                        "expression {expr} of {target}.{input} cannot apply to the {src} from {source}.{output}: {why}"
                    ),
                });
            }
            TypeOutcome::Exactly(_) | TypeOutcome::Unknown => {}
        }
    }
    let mut conn = FlowConnection::data(source, output, target, input);
    conn.name = unique_connection_name(f, &conn.name);
    Ok(conn)
}

/// Whether a Conditional connection may be made, and the connection if so.
pub fn check_conditional_connection(
    f: &Flow,
    source: &str,
    condition: &str,
    target: &str,
) -> Result<FlowConnection, EditError> {
    let s = node_ref(f, source)?;
    node_ref(f, target)?;
    if source == target {
        return Err(EditError::SelfConnection);
    }
    let Some(NodeConfiguration::Condition(c)) = &s.configuration else {
        return Err(EditError::NotACondition {
            node: source.to_owned(),
        });
    };
    if !c.conditions.iter().any(|k| k.name == condition) {
        return Err(EditError::UnknownCondition {
            node: source.to_owned(),
            condition: condition.to_owned(),
        });
    }
    if f.definition
        .connections
        .iter()
        .any(|k| k.source == source && k.target == target && k.condition() == Some(condition))
    {
        return Err(EditError::DuplicateConnection {
            source_node: source.to_owned(),
            condition: condition.to_owned(),
            target: target.to_owned(),
        });
    }
    let mut conn = FlowConnection::conditional(source, condition, target);
    conn.name = unique_connection_name(f, &conn.name);
    Ok(conn)
}

fn set_conditions(
    project: &mut Project,
    flow: &str,
    node: &str,
    conditions: &[FlowCondition],
) -> Result<Applied, EditError> {
    let f = flow_ref(project, flow)?;
    let n = node_ref(f, node)?;
    let Some(NodeConfiguration::Condition(old)) = &n.configuration else {
        return Err(EditError::NotACondition {
            node: node.to_owned(),
        });
    };
    for c in conditions {
        check_port_name(&c.name)?;
    }
    // Old name → new name, by index; `None` when the condition is gone.
    let renames: BTreeMap<String, Option<String>> = old
        .conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let kept = conditions.iter().any(|k| k.name == c.name);
            let new = if kept {
                Some(c.name.clone())
            } else {
                conditions
                    .get(i)
                    .filter(|k| !old.conditions.iter().any(|o| o.name == k.name))
                    .map(|k| k.name.clone())
            };
            (c.name.clone(), new)
        })
        .collect();
    let f = flow_mut(project, flow)?;
    if let Some(NodeConfiguration::Condition(c)) = f
        .definition
        .node_mut(node)
        .and_then(|n| n.configuration.as_mut())
    {
        c.conditions = conditions.to_vec();
    }
    let mut kept = Vec::new();
    for mut c in std::mem::take(&mut f.definition.connections) {
        if c.source == node {
            if let Some(cond) = c.condition().map(str::to_owned) {
                match renames.get(&cond) {
                    Some(Some(new)) if *new != cond => {
                        let default_name = default_connection_name(&c);
                        c.configuration =
                            FlowConnection::conditional(node, new, &c.target).configuration;
                        if c.name == default_name {
                            c.name = default_connection_name(&c);
                        }
                    }
                    Some(None) => continue,
                    Some(Some(_)) | None => {}
                }
            }
        }
        kept.push(c);
    }
    f.definition.connections = kept;
    Ok(Applied {
        selection: vec![node.to_owned()],
    })
}

fn paste(
    project: &mut Project,
    flow: &str,
    clip: Clipboard,
    at: Option<Position>,
) -> Result<Applied, EditError> {
    let f = flow_ref(project, flow)?;
    let mut taken = BTreeSet::new();
    let mut renames = BTreeMap::new();
    for n in &clip.nodes {
        let base: String = n
            .name
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_owned();
        let base = if Pattern::NodeName.matches(&base) {
            base
        } else {
            n.node_type.as_str().to_owned()
        };
        let name = unique_name(f, &base, &taken);
        taken.insert(name.clone());
        renames.insert(n.name.clone(), name);
    }
    // Positions: kept relative to each other; moved so the top-left one sits at `at`.
    let min = clip
        .positions
        .values()
        .fold(None, |m: Option<Position>, p| {
            Some(match m {
                None => *p,
                Some(m) => Position {
                    x: m.x.min(p.x),
                    y: m.y.min(p.y),
                },
            })
        });
    let shift = match (at, min) {
        (Some(at), Some(min)) => Position {
            x: at.x - min.x,
            y: at.y - min.y,
        },
        _ => Position { x: 0.0, y: 0.0 },
    };
    let mut new_conns = Vec::new();
    for c in &clip.connections {
        let (Some(s), Some(t)) = (renames.get(&c.source), renames.get(&c.target)) else {
            continue;
        };
        let mut k = c.clone();
        k.source = s.clone();
        k.target = t.clone();
        k.name = match (&k.connection_type, k.data_ports(), k.condition()) {
            (Lenient::Known(ConnectionType::Data), Some(d), _) => {
                FlowConnection::data(s, &d.source_output, t, &d.target_input).name
            }
            (Lenient::Known(ConnectionType::Conditional), _, Some(cond)) => {
                FlowConnection::conditional(s, cond, t).name
            }
            _ => format!("{s}To{t}"),
        };
        new_conns.push(k);
    }
    let mut selection = Vec::new();
    let f = flow_mut(project, flow)?;
    for n in clip.nodes {
        let mut n = n;
        n.name = renames[&n.name].clone();
        selection.push(n.name.clone());
        f.definition.nodes.push(n);
    }
    for mut c in new_conns {
        c.name = unique_connection_name(f, &c.name);
        f.definition.connections.push(c);
    }
    for (old, p) in &clip.positions {
        if let Some(new) = renames.get(old) {
            set_position(
                project,
                flow,
                new,
                Position {
                    x: p.x + shift.x,
                    y: p.y + shift.y,
                },
            );
        }
    }
    Ok(Applied { selection })
}

/// The name Bedrock's console gives a connection, from its current ends.
fn default_connection_name(c: &FlowConnection) -> String {
    match (c.data_ports(), c.condition()) {
        (Some(d), _) => format!(
            "{}{}To{}{}",
            c.source, d.source_output, c.target, d.target_input
        ),
        (None, Some(cond)) => format!("{}{}To{}", c.source, cond, c.target),
        (None, None) => c.name.clone(),
    }
}

/// `base`, or `base2`, `base3`, … : the first that no node of the flow (or `also`) has.
pub fn unique_name(f: &Flow, base: &str, also: &BTreeSet<String>) -> String {
    let taken =
        |n: &str| also.contains(n) || f.definition.all_nodes().iter().any(|(_, x)| x.name == n);
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|i| format!("{base}{i}"))
        .find(|n| !taken(n))
        .expect("some number is free")
}

fn unique_connection_name(f: &Flow, base: &str) -> String {
    let taken = |n: &str| f.definition.connections.iter().any(|c| c.name == n);
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|i| format!("{base}{i}"))
        .find(|n| !taken(n))
        .expect("some number is free")
}

fn check_node_name(name: &str) -> Result<(), EditError> {
    if Pattern::NodeName.matches(name) {
        Ok(())
    } else {
        Err(EditError::InvalidName {
            name: name.to_owned(),
            why: Pattern::NodeName.describe().to_owned(),
        })
    }
}

fn check_port_name(name: &str) -> Result<(), EditError> {
    check_node_name(name)
}

fn flow_ref<'a>(project: &'a Project, flow: &str) -> Result<&'a Flow, EditError> {
    project.flow(flow).ok_or_else(|| EditError::UnknownFlow {
        flow: flow.to_owned(),
    })
}

fn flow_mut<'a>(project: &'a mut Project, flow: &str) -> Result<&'a mut Flow, EditError> {
    project
        .flows
        .iter_mut()
        .find(|f| f.name == flow)
        .ok_or_else(|| EditError::UnknownFlow {
            flow: flow.to_owned(),
        })
}

fn node_ref<'a>(f: &'a Flow, node: &str) -> Result<&'a FlowNode, EditError> {
    f.definition
        .node(node)
        .ok_or_else(|| EditError::UnknownNode {
            node: node.to_owned(),
        })
}

fn node_mut<'a>(
    project: &'a mut Project,
    flow: &str,
    node: &str,
) -> Result<&'a mut FlowNode, EditError> {
    flow_mut(project, flow)?
        .definition
        .node_mut(node)
        .ok_or_else(|| EditError::UnknownNode {
            node: node.to_owned(),
        })
}

/// Where a node sits on the canvas, if it has been placed.
pub fn position(project: &Project, flow: &str, node: &str) -> Option<Position> {
    project.canvas.get(flow).and_then(|c| c.get(node)).copied()
}

fn set_position(project: &mut Project, flow: &str, node: &str, p: Position) {
    project
        .canvas
        .entry(flow.to_owned())
        .or_default()
        .insert(node.to_owned(), p);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DataType;

    fn triage() -> Project {
        let t = crate::templates::find("support-triage").unwrap();
        crate::templates::instantiate(t, "t").unwrap()
    }

    fn p(x: f64, y: f64) -> Position {
        Position { x, y }
    }

    fn flow() -> String {
        "triage".to_owned()
    }

    /// Applies `cmd` through a history, then checks undo gives back the exact before and redo
    /// the exact after. Returns the project after the command.
    fn check(project: Project, cmd: Command) -> Project {
        let before = project.clone();
        let mut doc = project;
        let mut h = History::default();
        h.apply(&mut doc, &cmd)
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        let after = doc.clone();
        assert_ne!(before, after, "{cmd:?} changed nothing");
        assert!(h.undo(&mut doc));
        assert_eq!(doc, before, "undo of {cmd:?}");
        assert!(h.redo(&mut doc));
        assert_eq!(doc, after, "redo of {cmd:?}");
        assert!(!h.redo(&mut doc));
        after
    }

    fn refuse(project: &Project, cmd: Command) -> EditError {
        let mut doc = project.clone();
        let mut h = History::default();
        let e = h.apply(&mut doc, &cmd).unwrap_err();
        assert_eq!(&doc, project, "a refused command changed the document");
        assert!(!h.can_undo());
        e
    }

    fn names(project: &Project) -> Vec<String> {
        project.flows[0]
            .definition
            .nodes
            .iter()
            .map(|n| n.name.clone())
            .collect()
    }

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
    fn connect_refuses_with_a_reason() {
        let base = triage();
        // Free an input, then connect it back.
        let conn = base.flows[0]
            .definition
            .connections
            .iter()
            .find(|c| c.target == "Route")
            .unwrap()
            .clone();
        let d = conn.data_ports().unwrap().clone();
        let freed = check(
            base.clone(),
            Command::Disconnect {
                flow: flow(),
                connection: conn.name.clone(),
            },
        );
        let back = check(
            freed.clone(),
            Command::Connect {
                flow: flow(),
                source: conn.source.clone(),
                output: d.source_output.clone(),
                target: "Route".into(),
                input: d.target_input.clone(),
            },
        );
        assert!(!crate::compile::compile(&back)
            .diagnostics
            .iter()
            .any(|x| x.code == crate::diagnostic::Code::UnfulfilledNodeInput));
        // Already fed.
        let e = refuse(
            &base,
            Command::Connect {
                flow: flow(),
                source: conn.source.clone(),
                output: d.source_output.clone(),
                target: "Route".into(),
                input: d.target_input.clone(),
            },
        );
        assert!(matches!(e, EditError::InputAlreadyFed { .. }), "{e}");
        // Unknown ports.
        let e = refuse(
            &freed,
            Command::Connect {
                flow: flow(),
                source: conn.source.clone(),
                output: "nope".into(),
                target: "Route".into(),
                input: d.target_input.clone(),
            },
        );
        assert!(matches!(e, EditError::UnknownOutput { .. }));
        let e = refuse(
            &freed,
            Command::Connect {
                flow: flow(),
                source: conn.source.clone(),
                output: d.source_output.clone(),
                target: "Route".into(),
                input: "nope".into(),
            },
        );
        assert!(matches!(e, EditError::UnknownInput { .. }));
        // Incompatible types: make the freed input a Number.
        let mut numeric = freed.clone();
        let mut h = History::default();
        h.apply(
            &mut numeric,
            &Command::SetInputs {
                flow: flow(),
                node: "Route".into(),
                inputs: vec![FlowNodeInput::new(&d.target_input, DataType::Number)],
            },
        )
        .unwrap();
        let e = refuse(
            &numeric,
            Command::Connect {
                flow: flow(),
                source: conn.source.clone(),
                output: d.source_output.clone(),
                target: "Route".into(),
                input: d.target_input.clone(),
            },
        );
        assert!(matches!(e, EditError::IncompatibleTypes { .. }), "{e}");
        assert!(e.to_string().contains("is Number"), "{e}");
    }

    #[test]
    fn conditional_connections() {
        let doc = check(
            triage(),
            Command::ConnectCondition {
                flow: flow(),
                source: "Route".into(),
                condition: "isBug".into(),
                target: "OtherReply".into(),
            },
        );
        assert!(doc.flows[0]
            .definition
            .connections
            .iter()
            .any(|c| c.condition() == Some("isBug") && c.target == "OtherReply"));
        let e = refuse(
            &triage(),
            Command::ConnectCondition {
                flow: flow(),
                source: "Classify".into(),
                condition: "isBug".into(),
                target: "OtherReply".into(),
            },
        );
        assert!(matches!(e, EditError::NotACondition { .. }));
        let e = refuse(
            &triage(),
            Command::ConnectCondition {
                flow: flow(),
                source: "Route".into(),
                condition: "nope".into(),
                target: "OtherReply".into(),
            },
        );
        assert!(matches!(e, EditError::UnknownCondition { .. }));
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
    fn condition_list_edits_carry_connections() {
        let conds =
            |doc: &Project| match &doc.flows[0].definition.node("Route").unwrap().configuration {
                Some(NodeConfiguration::Condition(c)) => c.conditions.clone(),
                _ => panic!(),
            };
        let mut list = conds(&triage());
        list[0].name = "isDefect".into();
        list[0].expression = Some("kind == \"DEFECT\"".into());
        let doc = check(
            triage(),
            Command::SetConditions {
                flow: flow(),
                node: "Route".into(),
                conditions: list,
            },
        );
        let f = &doc.flows[0].definition;
        assert!(f
            .connections
            .iter()
            .any(|c| c.condition() == Some("isDefect")));
        assert!(!f.connections.iter().any(|c| c.condition() == Some("isBug")));
        // Removing a condition removes its connections.
        let mut list = conds(&triage());
        list.remove(1);
        let doc = check(
            triage(),
            Command::SetConditions {
                flow: flow(),
                node: "Route".into(),
                conditions: list,
            },
        );
        assert!(!doc.flows[0]
            .definition
            .connections
            .iter()
            .any(|c| c.condition() == Some("isBilling")));
        let e = refuse(
            &triage(),
            Command::SetConditions {
                flow: flow(),
                node: "Classify".into(),
                conditions: vec![],
            },
        );
        assert!(matches!(e, EditError::NotACondition { .. }));
    }

    #[test]
    fn duplicate_and_paste_copy_inner_connections() {
        let doc = check(
            triage(),
            Command::Duplicate {
                flow: flow(),
                nodes: vec!["Classify".into(), "Route".into()],
                offset: p(30.0, 30.0),
            },
        );
        let f = &doc.flows[0].definition;
        assert!(f.node("Classify2").is_some() && f.node("Route2").is_some());
        assert!(f
            .connections
            .iter()
            .any(|c| c.source == "Classify2" && c.target == "Route2"));
        let orig = position(&doc, "triage", "Classify").unwrap();
        assert_eq!(
            position(&doc, "triage", "Classify2"),
            Some(p(orig.x + 30.0, orig.y + 30.0))
        );
        let clip = copy(&triage(), "triage", &["Route".into()]).unwrap();
        let json = serde_json::to_string(&clip).unwrap();
        let doc = check(
            triage(),
            Command::Paste {
                flow: flow(),
                json,
                at: p(5.0, 6.0),
            },
        );
        assert_eq!(position(&doc, "triage", "Route2"), Some(p(5.0, 6.0)));
        let e = refuse(
            &triage(),
            Command::Paste {
                flow: flow(),
                json: "{not json".into(),
                at: p(0.0, 0.0),
            },
        );
        assert!(matches!(e, EditError::BadClipboard { .. }));
    }

    #[test]
    fn history_undoes_a_sequence_in_order() {
        let start = triage();
        let mut doc = start.clone();
        let mut h = History::default();
        let cmds = [
            Command::AddNode {
                flow: flow(),
                kind: NodeType::Output,
                position: p(1.0, 1.0),
            },
            Command::RenameNode {
                flow: flow(),
                from: "Output".into(),
                to: "Extra".into(),
            },
            Command::DeleteNodes {
                flow: flow(),
                nodes: vec!["Classify".into()],
            },
        ];
        let mut states = vec![doc.clone()];
        for c in &cmds {
            h.apply(&mut doc, c).unwrap();
            states.push(doc.clone());
        }
        for s in states.iter().rev().skip(1) {
            assert!(h.undo(&mut doc));
            assert_eq!(&doc, s);
        }
        assert!(!h.undo(&mut doc));
        assert_eq!(doc, start);
        for s in states.iter().skip(1) {
            assert!(h.redo(&mut doc));
            assert_eq!(&doc, s);
        }
        // A new command after undo drops the redo stack.
        h.undo(&mut doc);
        h.apply(
            &mut doc,
            &Command::MoveNodes {
                flow: flow(),
                moves: vec![("Route".into(), p(0.0, 0.0))],
            },
        )
        .unwrap();
        assert!(!h.can_redo());
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
