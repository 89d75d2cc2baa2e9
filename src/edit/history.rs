//! The undo history: each applied command records the state it changed, before and after.

use super::command::{apply, Applied, Command, Scope};
use super::{flow_ref, EditError};
use crate::model::agent::Agent;
use crate::model::{Flow, Position, Project};
use std::collections::BTreeMap;

/// What a change recorded: one flow's state, the agents and flows, or the flows and canvas.
#[derive(Debug, Clone, PartialEq)]
enum State {
    Flow(FlowState),
    Agents {
        agents: Vec<Agent>,
        flows: Vec<Flow>,
        agent_target: Option<crate::model::lenient::Lenient<crate::model::agent::AgentTarget>>,
    },
    Flows {
        flows: Vec<Flow>,
        canvas: BTreeMap<String, BTreeMap<String, Position>>,
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
            agent_target: project.agent_target.clone(),
        },
        Scope::Flows => State::Flows {
            flows: project.flows.clone(),
            canvas: project.canvas.clone(),
        },
    })
}

fn restore(project: &mut Project, state: &State) {
    let state = match state {
        State::Flow(f) => f,
        State::Agents {
            agents,
            flows,
            agent_target,
        } => {
            project.agents = agents.clone();
            project.flows = flows.clone();
            project.agent_target = agent_target.clone();
            return;
        }
        State::Flows { flows, canvas } => {
            project.flows = flows.clone();
            project.canvas = canvas.clone();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::testing::*;
    use crate::nodes::NodeType;

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
}
