//! Condition, run locally: its conditions in order, the first that holds wins, else `default`.

use super::{Call, Done};
use crate::condition::parse_condition;
use crate::model::flow::FlowNode;
use crate::nodes::condition::ConditionConfiguration;
use crate::nodes::condition::DEFAULT_CONDITION;
use crate::run::NodeError;
use serde_json::{Map, Value};

node_run!(
    /// Evaluates the conditions and reports the one chosen.
    Condition(config) => condition
);

/// Conditions in order; the first that holds wins, else `default`.
async fn condition(
    Call { run, node, inputs }: Call<'_>,
    config: &ConditionConfiguration,
) -> Result<Done, NodeError> {
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
        node: node.name.as_str().into(),
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
