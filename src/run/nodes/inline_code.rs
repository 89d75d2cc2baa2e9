//! InlineCode, run locally: the code runs in `python3` with the inputs as its variables.

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};
use super::{check_output, missing, single};
use crate::nodes::{NodeConfiguration, NodeType};
use crate::local_code::{self, Answer, PYTHON_INLINE};
use serde_json::json;
use tokio::time::Instant;

node_run!(
    /// Runs the code and outputs its `response`.
    InlineCode => inline_code
);

async fn inline_code(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::InlineCode(config)) = &node.configuration else {
        return Err(missing(node, NodeType::InlineCode));
    };
    let request = json!({"code": config.code, "inputs": inputs});
    let began = Instant::now();
    let answer = local_code::run_wrapper("python3", PYTHON_INLINE, &run.ctx.project_dir, &request, &Default::default())
        .await
        .map_err(|f| NodeError::Process {
            node: node.name.clone(),
            program: f.program,
            message: f.message,
        })?;
    let value = match answer {
        Answer::Value(v) => v,
        Answer::Raised(message) => {
            return Err(NodeError::InlineCode {
                node: node.name.clone(),
                message,
            })
        }
    };
    let latency_ms = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
    run.emit(|at_ms| crate::run::RunEvent::NodeAction {
        at_ms,
        node: node.name.clone(),
        service_name: "python3".to_owned(),
        operation_name: "InlineCode".to_owned(),
        request: json!({"inputs": inputs}).into(),
        response: value.clone().into(),
        usage: None,
        latency_ms,
    })
    .await;
    check_output(node, "response", &value)?;
    Ok(single("response", value))
}
