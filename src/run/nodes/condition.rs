//! Condition, run locally: its conditions in order, the first that holds wins, else `default`.

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};
use super::missing;
use crate::condition::parse_condition;
use crate::nodes::condition::DEFAULT_CONDITION;
use crate::nodes::{NodeConfiguration, NodeType};

node_run!(
    /// Evaluates the conditions and reports the one chosen.
    Condition => condition
);

/// Conditions in order; the first that holds wins, else `default`.
async fn condition(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::Condition(config)) = &node.configuration else {
        return Err(missing(node, NodeType::Condition));
    };
    let mut chosen = None;
    for c in &config.conditions {
        let holds = match &c.expression {
            None => c.name == DEFAULT_CONDITION,
            Some(text) => evaluate_condition(node, &c.name, text, inputs)?,
        };
        if holds {
            chosen = Some(c.name.clone());
            break;
        }
    }
    run.emit(|at_ms| crate::run::RunEvent::ConditionResult {
        at_ms,
        node: node.name.clone(),
        satisfied_conditions: chosen.iter().cloned().collect(),
    })
    .await;
    Ok(Done {
        chosen: Some(chosen),
        ..Done::default()
    })
}

pub(super) fn evaluate_condition(
    node: &FlowNode,
    condition: &str,
    text: &str,
    inputs: &Map<String, Value>,
) -> Result<bool, NodeError> {
    let err = |message: String| NodeError::Condition {
        node: node.name.clone(),
        condition: condition.to_owned(),
        message,
    };
    let parsed = parse_condition(text).map_err(|e| err(e.to_string()))?;
    parsed
        .evaluate(|name| inputs.get(name).cloned())
        .map_err(|e| err(e.message))
}
