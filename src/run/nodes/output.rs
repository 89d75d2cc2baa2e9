//! Output, run locally: records its `document` as one of the flow's outputs.

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};

node_run!(
    /// Records the document.
    Output => output
);

async fn output(run: &Run, node: &FlowNode, inputs: &Map<String, Value>) -> Result<Done, NodeError> {
    let document = inputs.get("document").cloned().unwrap_or(Value::Null);
    run.output(&node.name, document).await;
    Ok(Done::default())
}
