//! The editor's changes to a project, as commands, and their undo history.
//!
//! Every change the desktop editor makes goes through [`Command`] and [`History::apply`]: a command
//! either applies whole or is refused with an [`EditError`] that says why, so the UI can show the
//! reason and leave the document as it was. Undo is exact by construction: a change records the
//! affected flow and its canvas entries before and after, and undo puts the "before" back.
//!
//! Flow commands record the one flow they change; agent commands record the project's agents
//! and flows (a renamed agent is followed into the Agent nodes that name it); commands that add,
//! rename or delete a flow record every flow and the whole canvas.
//!
//! Only the top level of a flow is edited here; Loop bodies are kept as they are (auto-layout
//! places them too).
//!
//! The parts: [`Command`] and how each applies (`command`), connections (`connect`), copy and
//! paste (`clipboard`), agent commands (`agents`), adding, renaming and deleting flows (`flows`), free and valid names (`names`), the undo
//! stacks (`history`), and the menu and keyboard [`Action`]s that drive them (`action`).

mod action;
mod agents;
mod clipboard;
mod command;
mod connect;
mod flows;
mod history;
mod names;
#[cfg(test)]
mod testing;

pub use action::{Action, Chord, Menu};
pub use clipboard::{copy, Clipboard};
pub use command::{apply, Applied, Command, Scope};
pub use connect::{check_conditional_connection, check_data_connection};
pub use history::History;
pub use names::unique_name;

use crate::model::{Flow, FlowNode, Position, Project};
use serde::Serialize;

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
    #[error("a flow named {name:?} already exists")]
    FlowNameTaken { name: String },
    #[error("{flow:?} is the project's only flow; add another before deleting it")]
    LastFlow { flow: String },
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
