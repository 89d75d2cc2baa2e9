//! InlineCode, run locally: the code runs in `python3` with the inputs as its variables.

use super::{checked_output, process_failure, Action, Call, Done};
use crate::local_code::{self, PYTHON_INLINE};
use crate::nodes::inline_code::InlineCodeConfiguration;
use crate::run::NodeError;
use serde_json::json;
use tokio::time::Instant;

node_run!(
    /// Runs the code and outputs its `response`.
    InlineCode(config) => inline_code
);

async fn inline_code(
    Call { run, node, inputs }: Call<'_>,
    config: &InlineCodeConfiguration,
) -> Result<Done, NodeError> {
    let request = json!({"code": config.code, "inputs": inputs});
    let began = Instant::now();
    let value = local_code::run_wrapper(
        "python3",
        PYTHON_INLINE,
        &run.ctx.project_dir,
        &request,
        &Default::default(),
    )
    .await
    .map_err(|f| process_failure(node, f))?
    .into_result()
    .map_err(|message| NodeError::InlineCode {
        node: node.name.clone(),
        message,
    })?;
    Action {
        service: "python3",
        operation: "InlineCode",
        request: json!({"inputs": inputs}),
        response: value.clone(),
    }
    .report(run, node, began)
    .await;
    checked_output(node, "response", value)
}
