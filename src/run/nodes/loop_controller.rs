//! LoopController, run locally: decides whether its Loop goes round again.

use super::condition::evaluate_condition;
use super::{Call, Done};
use crate::nodes::loop_controller::LoopControllerConfiguration;
use crate::run::NodeError;

node_run!(
    /// Evaluates the continue condition; the Loop reads the verdict.
    LoopController(config) => loop_controller
);

/// Decides whether the Loop goes round again; the Loop node reads the verdict.
async fn loop_controller(
    Call { run, node, inputs }: Call<'_>,
    config: &LoopControllerConfiguration,
) -> Result<Done, NodeError> {
    let c = &config.continue_condition;
    let holds = match &c.expression {
        Some(text) => evaluate_condition(node, &c.name, text, inputs)?,
        None => false,
    };
    run.emit(|at_ms| crate::run::RunEvent::ConditionResult {
        at_ms,
        node: node.name.as_str().into(),
        satisfied_conditions: if holds { vec![c.name.clone()] } else { vec![] },
    })
    .await;
    Ok(Done {
        chosen: Some(holds.then(|| c.name.clone())),
        ..Done::default()
    })
}
