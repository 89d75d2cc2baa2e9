//! LambdaFunction, run locally: the node's `localHandler` (Python or Node) gets the flow
//! Lambda event, as the deployed function would.

use super::{checked_output, process_failure, Action, Call, Done};
use crate::handlers::{CallError, Invocation};
use crate::model::flow::FlowNode;
use crate::model::handler::HandlerSlot;
use crate::nodes::lambda_function::LambdaFunctionConfiguration;
use crate::run::NodeError;
use serde_json::{json, Map, Value};
use tokio::time::Instant;

node_run!(
    /// Calls the local handler.
    LambdaFunction(config) => lambda
);

/// The flow Lambda event (reference §4(b)) for a node and its input values.
fn lambda_event(flow: &str, node: &FlowNode, inputs: &Map<String, Value>) -> Value {
    let flow_arn = format!("arn:aws:bedrock:local:000000000000:flow/{flow}");
    let fields: Vec<Value> = node
        .inputs
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "type": i.data_type.as_str(),
                "expression": i.expression,
                "value": inputs.get(&i.name).cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    json!({
        "messageVersion": "1.0",
        "flow": {
            "flowArn": flow_arn,
            "flowAliasArn": format!("{flow_arn}/alias/TSTALIASID"),
        },
        "node": {"name": node.name, "inputs": fields},
    })
}

async fn lambda(
    Call { run, node, inputs }: Call<'_>,
    config: &LambdaFunctionConfiguration,
) -> Result<Done, NodeError> {
    let slot = HandlerSlot::Function {
        flow: &run.flow,
        node: &node.name,
        lambda_arn: &config.lambda_arn,
    };
    let Some(callee) =
        run.ctx
            .handlers
            .callee(&slot, config.local_handler.as_deref(), &run.ctx.project_dir)
    else {
        return Err(NodeError::NoLocalHandler {
            node: node.name.clone(),
        });
    };
    let event = lambda_event(&run.flow, node, inputs);
    let function_name = if config.lambda_arn.is_empty() {
        node.name.clone()
    } else {
        config.lambda_arn.clone()
    };
    let invocation = Invocation {
        function_name: &function_name,
        function_arn: &config.lambda_arn,
        request_id: format!("{}-{}", node.name, run.elapsed_ms()),
        remaining: run.ctx.node_timeout,
    };
    let began = Instant::now();
    let handler_error = |message| NodeError::Handler {
        node: node.name.clone(),
        handler: callee.label.clone(),
        message,
    };
    let value = callee
        .call(&event, invocation)
        .await
        .map_err(|e| match e {
            CallError::Setup(message) => handler_error(message),
            CallError::Process(f) => process_failure(node, f),
        })?
        .into_result()
        .map_err(handler_error)?;
    Action {
        service: "lambda",
        operation: "Invoke",
        request: event,
        response: value.clone(),
    }
    .report(run, node, began)
    .await;
    checked_output(node, "functionResponse", value)
}
