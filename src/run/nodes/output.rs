//! Output, run locally: records its `document` as one of the flow's outputs.

use super::{Call, Done};
use crate::run::NodeError;
use serde_json::Value;

node_run!(
    /// Records the document.
    Output => output
);

async fn output(Call { run, node, inputs }: Call<'_>) -> Result<Done, NodeError> {
    let document = inputs.get("document").cloned().unwrap_or(Value::Null);
    run.output(&node.name, document).await;
    Ok(Done::default())
}
