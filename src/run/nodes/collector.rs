//! Collector, run locally outside any Iterator. Inside one, the Iterator gathers its
//! Collectors' items itself (see the executor's containers), so this only handles the stray case.

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};
use super::single;

node_run!(
    /// Gathers its one item.
    Collector => collect
);

/// A Collector outside any Iterator scope gathers its one item.
async fn collect(_: &Run, _: &FlowNode, inputs: &Map<String, Value>) -> Result<Done, NodeError> {
    let item = inputs.get("arrayItem").cloned().unwrap_or(Value::Null);
    Ok(single("collectedArray", Value::Array(vec![item])))
}
