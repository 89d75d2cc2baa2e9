//! LoopController, run locally: decides whether its Loop goes round again.

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};
use super::condition::evaluate_condition;
use super::missing;
use crate::nodes::{NodeConfiguration, NodeType};

node_run!(
    /// Evaluates the continue condition; the Loop reads the verdict.
    LoopController => loop_controller
);

/// Decides whether the Loop goes round again; the Loop node reads the verdict.
async fn loop_controller(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::LoopController(config)) = &node.configuration else {
        return Err(missing(node, NodeType::LoopController));
    };
    let c = &config.continue_condition;
    let holds = match &c.expression {
        Some(text) => evaluate_condition(node, &c.name, text, inputs)?,
        None => false,
    };
    run.emit(|at_ms| crate::run::RunEvent::ConditionResult {
        at_ms,
        node: node.name.clone(),
        satisfied_conditions: if holds { vec![c.name.clone()] } else { vec![] },
    })
    .await;
    Ok(Done {
        chosen: Some(holds.then(|| c.name.clone())),
        ..Done::default()
    })
}
