//! Input, run locally: passes the flow's document on. (The executor seeds the flow's Input
//! nodes itself, with the document the run was given.)

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};

/// Its outputs are its inputs.
pub(super) struct Input;

impl NodeRun for Input {
    fn execute<'a>(
        &'a self,
        run: &'a Run,
        node: &'a FlowNode,
        inputs: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Done, NodeError>> {
        Box::pin(pass_on(run, node, inputs))
    }
}

async fn pass_on(_: &Run, _: &FlowNode, inputs: &Map<String, Value>) -> Result<Done, NodeError> {
    Ok(Done {
        outputs: inputs.clone(),
        ..Done::default()
    })
}
