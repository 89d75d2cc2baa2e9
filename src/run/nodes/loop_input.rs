//! LoopInput, run locally: where a Loop body starts; passes on what the Loop (or the last
//! round) gave it. (The executor seeds it at the start of each round.)

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};

node_run!(
    /// Its outputs are its inputs.
    LoopInput => pass_on
);

async fn pass_on(_: &Run, _: &FlowNode, inputs: &Map<String, Value>) -> Result<Done, NodeError> {
    Ok(Done {
        outputs: inputs.clone(),
        ..Done::default()
    })
}
