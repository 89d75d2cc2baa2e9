//! Child processes for local code — InlineCode, local Lambda handlers and agent action-group
//! handlers: Python 3 or Node, JSON in over stdin, one JSON line out over stdout, with the
//! environment cleared so the app's credentials never reach user code.
//!
//! The wrappers send the user's own `print`/`console.log` to stderr, so stdout carries only
//! the answer: `{"ok": true, "value": ...}` or `{"ok": false, "error": "..."}`. The child is
//! killed when its future is dropped (timeout or cancellation).

use std::path::Path;
use std::process::Stdio;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// Variables a child keeps; everything else (AWS_*, tokens, …) is dropped.
const KEPT_ENV: &[&str] = &["PATH", "HOME", "LANG"];

/// Runs InlineCode: the inputs become variables, the last expression is the response.
pub(crate) const PYTHON_INLINE: &str = r#"
import ast, json, sys, traceback
def main():
    req = json.loads(sys.stdin.read())
    out = sys.stdout
    sys.stdout = sys.stderr
    try:
        scope = dict(req["inputs"])
        scope["__name__"] = "__strata_inline__"
        tree = ast.parse(req["code"], "<inline code>", "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, "<inline code>", "exec"), scope)
        if last is not None:
            value = eval(compile(last, "<inline code>", "eval"), scope)
        else:
            value = scope.get("response")
        text = json.dumps({"ok": True, "value": value})
    except BaseException:
        text = json.dumps({"ok": False, "error": traceback.format_exc(limit=-3)})
    out.write(text + "\n")
    out.flush()
main()
"#;

/// Loads a Python handler file and calls `function(event, context)`.
pub(crate) const PYTHON_HANDLER: &str = r#"
import importlib.util, json, os, sys, traceback, types
def main():
    req = json.loads(sys.stdin.read())
    out = sys.stdout
    sys.stdout = sys.stderr
    try:
        path = req["path"]
        sys.path.insert(0, os.path.dirname(path))
        spec = importlib.util.spec_from_file_location("strata_handler", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        fn = getattr(module, req["function"])
        ctx = types.SimpleNamespace(
            function_name=req["functionName"],
            invoked_function_arn=req["functionArn"],
            aws_request_id=req["requestId"],
            memory_limit_in_mb=128,
            get_remaining_time_in_millis=lambda: req["remainingMs"],
        )
        text = json.dumps({"ok": True, "value": fn(req["event"], ctx)})
    except BaseException:
        text = json.dumps({"ok": False, "error": traceback.format_exc(limit=-3)})
    out.write(text + "\n")
    out.flush()
main()
"#;

/// Loads a Node handler file and awaits `function(event, context)`.
pub(crate) const NODE_HANDLER: &str = r#"
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", async () => {
  const answer = (o) => process.stdout.write(JSON.stringify(o) + "\n");
  console.log = (...a) => console.error(...a);
  try {
    const req = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const fn = require(req.path)[req.function];
    if (typeof fn !== "function") throw new Error(`${req.function} is not a function exported by ${req.path}`);
    const ctx = { functionName: req.functionName, invokedFunctionArn: req.functionArn,
                  awsRequestId: req.requestId, getRemainingTimeInMillis: () => req.remainingMs };
    const value = await fn(req.event, ctx);
    answer({ ok: true, value: value === undefined ? null : value });
  } catch (e) {
    answer({ ok: false, error: String((e && e.stack) || e) });
  }
});
"#;

/// What the wrapper answered.
pub(crate) enum Answer {
    Value(serde_json::Value),
    /// The user's code raised; the text is its traceback.
    Raised(String),
}

/// Why the child could not give an answer.
#[derive(Debug)]
pub(crate) struct ProcessFailure {
    pub program: String,
    pub message: String,
}

/// Runs `program -c|-e wrapper` in `cwd` with `request` on stdin.
pub(crate) async fn run_wrapper(
    program: &str,
    wrapper: &str,
    cwd: &Path,
    request: &serde_json::Value,
) -> Result<Answer, ProcessFailure> {
    let fail = |message: String| ProcessFailure {
        program: program.to_owned(),
        message,
    };
    let flag = if program == "node" { "-e" } else { "-c" };
    let mut command = Command::new(program);
    command
        .arg(flag)
        .arg(wrapper)
        .current_dir(cwd)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for key in KEPT_ENV {
        if let Some(v) = std::env::var_os(key) {
            command.env(key, v);
        }
    }
    // Handlers live in the user's project: leave no `__pycache__` behind in it.
    command.env("PYTHONDONTWRITEBYTECODE", "1");
    let mut child = command
        .spawn()
        .map_err(|e| fail(format!("cannot start it: {e}")))?;
    let input = serde_json::to_vec(request).map_err(|e| fail(e.to_string()))?;
    let stdin = child.stdin.take();
    let write = async move {
        if let Some(mut stdin) = stdin {
            // A child that exits without reading its input is reported by its answer.
            let _ = stdin.write_all(&input).await;
        }
    };
    let ((), output) = tokio::join!(write, child.wait_with_output());
    let output = output.map_err(|e| fail(e.to_string()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty());
    let parsed: Option<serde_json::Value> = line.and_then(|l| serde_json::from_str(l).ok());
    match parsed {
        Some(serde_json::Value::Object(mut map)) => {
            if map.get("ok") == Some(&serde_json::Value::Bool(true)) {
                Ok(Answer::Value(
                    map.remove("value").unwrap_or(serde_json::Value::Null),
                ))
            } else {
                let error = map
                    .remove("error")
                    .and_then(|e| e.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "unknown error".to_owned());
                Ok(Answer::Raised(error.trim_end().to_owned()))
            }
        }
        Some(_) | None => Err(fail(format!(
            "it exited with {} without an answer{}",
            output.status,
            tail(&stderr)
        ))),
    }
}

/// The end of a child's stderr, for error messages.
fn tail(stderr: &str) -> String {
    let trimmed = stderr.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    let chars: Vec<char> = trimmed.chars().collect();
    let start = chars.len().saturating_sub(600);
    format!("; stderr: {}", chars[start..].iter().collect::<String>())
}
