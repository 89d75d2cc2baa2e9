//! Nodes that do not run because their outputs are given: reused from a recorded run before
//! the flow's scope starts ("run from here"), or pinned when their turn comes. Either way the
//! events say so (`nodeReused`) and then show the outputs as if the node had run.

use super::scope::{Scope, State, Status};
use super::Run;
use crate::compile::plan::{PlanGraph, PlanNodeId};
use crate::run::debug::Rerun;
use crate::run::event::{Chain, RunEvent};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Gives the flow's state the nodes that do not run again, in topological order: their
/// recorded inputs, outputs, chosen condition and flow outputs, or a skip when the recorded
/// run had none.
pub(super) async fn seed(run: &Run, graph: &PlanGraph, rerun: &Rerun, state: &mut State) {
    for given in &rerun.given {
        let name = &given.name;
        let key: Arc<str> = name.as_str().into();
        let recorded = match &given.recorded {
            Ok(recorded) => recorded,
            Err(why) => {
                state.set_status(&key, Status::Skipped);
                run.skip(name, format!("not run again: {why}")).await;
                continue;
            }
        };
        run.emit(|at_ms| RunEvent::NodeReused {
            at_ms,
            node: name.as_str().into(),
            execution_chain: Chain::default(),
            from_run: Some(given.run_id.clone()),
            reason: given.reason.clone(),
        })
        .await;
        if !recorded.inputs.is_empty() {
            run.emit(|at_ms| RunEvent::NodeInput {
                at_ms,
                node: name.as_str().into(),
                execution_chain: Chain::default(),
                fields: recorded.inputs.clone(),
            })
            .await;
            let values = recorded
                .inputs
                .iter()
                .map(|f| (f.node_input_name.to_string(), f.content.document.clone()))
                .collect();
            state.set_inputs(&key, Arc::new(values));
        }
        if let Some(chosen) = &recorded.chosen {
            run.emit(|at_ms| RunEvent::ConditionResult {
                at_ms,
                node: name.as_str().into(),
                satisfied_conditions: chosen.iter().cloned().collect(),
            })
            .await;
            state.set_chosen(&key, chosen.clone());
        }
        run.emit_outputs(graph, given.id, &Chain::default(), &recorded.outputs)
            .await;
        for document in &recorded.documents {
            run.output(name, document.clone()).await;
        }
        state.set_outputs(&key, Arc::new(recorded.outputs.clone()));
        state.set_status(&key, Status::Done);
    }
}

impl Scope {
    /// A pinned node's turn: it does not run, and its outputs are the pinned values (checked
    /// against its outputs' types before the run began).
    pub(super) async fn give_pinned(
        &mut self,
        run: &Run,
        id: PlanNodeId,
        outputs: Map<String, Value>,
    ) {
        let name = self.graph.node(id).node.name.clone();
        run.emit(|at_ms| RunEvent::NodeReused {
            at_ms,
            node: name.as_str().into(),
            execution_chain: self.chain.clone(),
            from_run: None,
            reason: "pinned".to_owned(),
        })
        .await;
        run.emit_outputs(&self.graph, id, &self.chain, &outputs)
            .await;
        let key = self.graph.node(id).name.clone();
        self.state.set_outputs(&key, Arc::new(outputs));
        self.state.set_status(&key, Status::Done);
    }
}
