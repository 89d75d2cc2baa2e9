//! LoopInput, run locally: where a Loop body starts; passes on what the Loop (or the last
//! round) gave it. (The executor seeds it at the start of each round.)

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};

/// Its outputs are its inputs.
pub(super) struct LoopInput;

impl NodeRun for LoopInput {
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
