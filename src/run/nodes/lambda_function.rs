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
use crate::local_code::{self, Answer, NODE_HANDLER, PYTHON_HANDLER};
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
    let Some(handler) = config
        .local_handler
        .as_deref()
        .filter(|h| !h.trim().is_empty())
    else {
        return Err(NodeError::NoLocalHandler {
            node: node.name.clone(),
        });
    };
    let handler_error = |message: String| NodeError::Handler {
        node: node.name.clone(),
        handler: handler.to_owned(),
        message,
    };
    let Some((file, function)) = handler.rsplit_once(':') else {
        return Err(handler_error(
            "expected FILE:FUNCTION, e.g. handlers/enrich.py:handler".to_owned(),
        ));
    };
    // Absolute, because the child runs in the handler's folder: a relative project path
    // would not resolve from there.
    let path = run.ctx.project_dir.join(file);
    let path = std::path::absolute(&path).unwrap_or(path);
    if !path.is_file() {
        return Err(handler_error(format!("no file at {}", path.display())));
    }
    let (program, wrapper) = match path.extension().and_then(|e| e.to_str()) {
        Some("py") => ("python3", PYTHON_HANDLER),
        Some("js" | "cjs") => ("node", NODE_HANDLER),
        Some(_) | None => {
            return Err(handler_error(
                "only Python (.py) and Node (.js, .cjs) handlers run locally".to_owned(),
            ))
        }
    };
    let event = lambda_event(&run.flow, node, inputs);
    let function_name = if config.lambda_arn.is_empty() {
        node.name.clone()
    } else {
        config.lambda_arn.clone()
    };
    let request = json!({
        "path": path.display().to_string(),
        "function": function,
        "event": event,
        "functionName": function_name,
        "functionArn": config.lambda_arn,
        "requestId": format!("{}-{}", node.name, run.elapsed_ms()),
        "remainingMs": u64::try_from(run.ctx.node_timeout.as_millis()).unwrap_or(u64::MAX),
    });
    let cwd = path.parent().unwrap_or(&run.ctx.project_dir).to_path_buf();
    let began = Instant::now();
    let answer = local_code::run_wrapper(program, wrapper, &cwd, &request)
        .await
        .map_err(|f| NodeError::Process {
            node: node.name.clone(),
            program: f.program,
            message: f.message,
        })?;
    let value = match answer {
        Answer::Value(v) => v,
        Answer::Raised(message) => return Err(handler_error(message)),
    };
    let latency_ms = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
    run.emit(|at_ms| crate::run::RunEvent::NodeAction {
        at_ms,
        node: node.name.clone(),
        service_name: "lambda".to_owned(),
        operation_name: "Invoke".to_owned(),
        request: event,
        response: value.clone(),
        usage: None,
        latency_ms,
    })
    .await;
    check_output(node, "functionResponse", &value)?;
    Ok(single("functionResponse", value))
}
