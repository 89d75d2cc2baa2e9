//! Runs an action group's local handler (its binding, else its `localHandler`; Python or
//! Node) with the agent Lambda event, through the scrubbed-environment child processes of
//! `local_code`, under a timeout. Every way it can go wrong is a message for the model, never
//! a crash.

use crate::handlers::{CallError, Callee, Invocation};
use crate::local_code::Answer;
use serde_json::Value;
use std::time::Duration;

/// Calls `callee` with `event`; `Err` is a message for the model.
pub(crate) async fn call(
    callee: &Callee,
    function_name: &str,
    event: &Value,
    timeout: Duration,
) -> Result<Value, String> {
    let handler = &callee.label;
    let invocation = Invocation {
        function_name,
        function_arn: function_name,
        request_id: format!("{}-{}", function_name, crate::agent::now_ms()),
        remaining: timeout,
    };
    match tokio::time::timeout(timeout, callee.call(event, invocation)).await {
        Err(_) => Err(format!(
            "local handler {handler:?} timed out after {} ms",
            timeout.as_millis()
        )),
        Ok(Err(CallError::Setup(message))) => Err(format!("local handler {handler:?}: {message}")),
        Ok(Err(CallError::Process(f))) => Err(format!(
            "local handler {handler:?}: {} failed: {}",
            f.program, f.message
        )),
        Ok(Ok(Answer::Raised(trace))) => Err(format!("local handler {handler:?} raised: {trace}")),
        Ok(Ok(Answer::Value(v))) => Ok(v),
    }
}
