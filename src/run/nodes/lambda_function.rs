//! LambdaFunction, run locally: the node's `localHandler` (Python or Node) gets the flow
//! Lambda event, as the deployed function would.

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};
use super::{check_output, missing, single};
use crate::nodes::{NodeConfiguration, NodeType};
use crate::handlers::{CallError, Invocation};
use crate::local_code::Answer;
use crate::model::handler::HandlerSlot;
use serde_json::json;
use tokio::time::Instant;

node_run!(
    /// Calls the local handler.
    LambdaFunction => lambda
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
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::LambdaFunction(config)) = &node.configuration else {
        return Err(missing(node, NodeType::LambdaFunction));
    };
    let slot = HandlerSlot::Function {
        flow: &run.flow,
        node: &node.name,
        lambda_arn: &config.lambda_arn,
    };
    let Some(callee) = run.ctx.handlers.callee(
        &slot,
        config.local_handler.as_deref(),
        &run.ctx.project_dir,
    ) else {
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
    let answer = callee
        .call(&event, invocation)
        .await
        .map_err(|e| match e {
            CallError::Setup(message) => NodeError::Handler {
                node: node.name.clone(),
                handler: callee.label.clone(),
                message,
            },
            CallError::Process(f) => NodeError::Process {
                node: node.name.clone(),
                program: f.program,
                message: f.message,
            },
        })?;
    let value = match answer {
        Answer::Value(v) => v,
        Answer::Raised(message) => {
            return Err(NodeError::Handler {
                node: node.name.clone(),
                handler: callee.label.clone(),
                message,
            })
        }
    };
    let latency_ms = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
    run.emit(|at_ms| crate::run::RunEvent::NodeAction {
        at_ms,
        node: node.name.clone(),
        service_name: "lambda".to_owned(),
        operation_name: "Invoke".to_owned(),
        request: event.into(),
        response: value.clone().into(),
        usage: None,
        latency_ms,
    })
    .await;
    check_output(node, "functionResponse", &value)?;
    Ok(single("functionResponse", value))
}
