//! Input, run locally: passes the flow's document on. (The executor seeds the flow's Input
//! nodes itself, with the document the run was given.)

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};

node_run!(
    /// Its outputs are its inputs.
    Input => pass_on
);

async fn pass_on(_: &Run, _: &FlowNode, inputs: &Map<String, Value>) -> Result<Done, NodeError> {
    Ok(Done {
        outputs: inputs.clone(),
        ..Done::default()
    })
}
