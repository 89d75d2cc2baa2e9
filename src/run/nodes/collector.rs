//! Collector, run locally outside any Iterator. Inside one, the Iterator gathers its
//! Collectors' items itself (see the executor's containers), so this only handles the stray case.

use super::{single, Call, Done};
use crate::run::NodeError;
use serde_json::Value;

node_run!(
    /// Gathers its one item.
    Collector => collect
);

/// A Collector outside any Iterator scope gathers its one item.
async fn collect(call: Call<'_>) -> Result<Done, NodeError> {
    let item = call.inputs.get("arrayItem").cloned().unwrap_or(Value::Null);
    Ok(single("collectedArray", Value::Array(vec![item])))
}
