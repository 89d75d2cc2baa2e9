//! Runs an action group's local handler (`FILE:FUNCTION`, Python or Node) with the agent
//! Lambda event, through the scrubbed-environment child processes of `local_code`, under a
//! timeout. Every way it can go wrong is a message for the model, never a crash.

use crate::local_code::{self, Answer, NODE_HANDLER, PYTHON_HANDLER};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// Calls `handler` (relative to `project_dir`) with `event`; `Err` is a message for the model.
pub(crate) async fn call(
    project_dir: &Path,
    handler: &str,
    function_name: &str,
    event: &Value,
    timeout: Duration,
) -> Result<Value, String> {
    let Some((file, function)) = handler.rsplit_once(':') else {
        return Err(format!(
            "local handler {handler:?}: expected FILE:FUNCTION, e.g. handlers/orders.py:handler"
        ));
    };
    // Absolute, because the child runs in the handler's folder: a relative project path
    // (`strata chat examples/x/project.strata.json`) would not resolve from there.
    let path = project_dir.join(file);
    let path = std::path::absolute(&path).unwrap_or(path);
    if !path.is_file() {
        return Err(format!(
            "local handler {handler:?}: no file at {}",
            path.display()
        ));
    }
    let (program, wrapper) = match path.extension().and_then(|e| e.to_str()) {
        Some("py") => ("python3", PYTHON_HANDLER),
        Some("js" | "cjs") => ("node", NODE_HANDLER),
        Some(_) | None => {
            return Err(format!(
                "local handler {handler:?}: only Python (.py) and Node (.js, .cjs) handlers run locally"
            ))
        }
    };
    let request = json!({
        "path": path.display().to_string(),
        "function": function,
        "event": event,
        "functionName": function_name,
        "functionArn": function_name,
        "requestId": format!("{}-{}", function_name, crate::agent::now_ms()),
        "remainingMs": u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
    });
    let cwd = path.parent().unwrap_or(project_dir).to_path_buf();
    match tokio::time::timeout(
        timeout,
        local_code::run_wrapper(program, wrapper, &cwd, &request),
    )
    .await
    {
        Err(_) => Err(format!(
            "local handler {handler:?} timed out after {} ms",
            timeout.as_millis()
        )),
        Ok(Err(f)) => Err(format!(
            "local handler {handler:?}: {} failed: {}",
            f.program, f.message
        )),
        Ok(Ok(Answer::Raised(trace))) => Err(format!("local handler {handler:?} raised: {trace}")),
        Ok(Ok(Answer::Value(v))) => Ok(v),
    }
}
