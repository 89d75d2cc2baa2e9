//! Child processes for local code — InlineCode, local Lambda handlers and agent action-group
//! handlers: Python 3 or Node, JSON in over stdin, one JSON line out over stdout, run where
//! the user's credentials are out of reach (see `sandbox`).
//!
//! The wrappers send the user's own `print`/`console.log` to stderr, so stdout carries only
//! the answer: `{"ok": true, "value": ...}` or `{"ok": false, "error": "..."}`. Both streams
//! are read as they come and capped. The child's whole process group (or sandbox) is killed
//! once it answers and when its future is dropped (timeout or cancellation).

mod sandbox;

use sandbox::ProcessGroup;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// The most a child may write to stdout: a Lambda answer is at most 6 MB.
const STDOUT_CAP: usize = 6 * 1024 * 1024;
/// The most a child may write to stderr (its `print`s), of which the last `STDERR_KEPT`
/// bytes are kept for error messages.
const STDERR_CAP: usize = 6 * 1024 * 1024;
const STDERR_KEPT: usize = 64 * 1024;
/// How long the pipes may stay open after the child exited and its group was killed.
const DRAIN: Duration = Duration::from_secs(2);

/// A Python wrapper: `import`s the modules `$imports` names, reads the request `req` from
/// stdin, runs `$body` (Python lines indented under `try:`, which set `text` to the answer)
/// with the user's `print`s sent to stderr, and writes the answer, or the traceback of what
/// was raised, as one line on stdout.
macro_rules! python_wrapper {
    ($imports:literal, $body:literal) => {
        concat!(
            "\nimport ",
            $imports,
            r#"
def main():
    req = json.loads(sys.stdin.read())
    out = sys.stdout
    sys.stdout = sys.stderr
    try:"#,
            $body,
            r#"
    except BaseException:
        text = json.dumps({"ok": False, "error": traceback.format_exc(limit=-3)})
    out.write(text + "\n")
    out.flush()
main()
"#
        )
    };
}

/// Runs InlineCode: the inputs become variables, the last expression is the response.
pub(crate) const PYTHON_INLINE: &str = python_wrapper!(
    "ast, json, os, sys, traceback",
    r#"
        if os.environ.get("LAMBDA_TASK_ROOT"):
            sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
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
        text = json.dumps({"ok": True, "value": value})"#
);

/// Loads a Python handler file and calls `function(event, context)`.
pub(crate) const PYTHON_HANDLER: &str = python_wrapper!(
    "importlib.util, json, os, sys, traceback, types",
    r#"
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
        text = json.dumps({"ok": True, "value": fn(req["event"], ctx)})"#
);

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

impl Answer {
    /// The value, or the traceback of what the code raised.
    pub(crate) fn into_result(self) -> Result<serde_json::Value, String> {
        match self {
            Answer::Value(v) => Ok(v),
            Answer::Raised(traceback) => Err(traceback),
        }
    }
}

/// Why the child could not give an answer.
#[derive(Debug)]
pub(crate) struct ProcessFailure {
    pub program: String,
    pub message: String,
}

/// Runs `program -c|-e wrapper` for the code in `code_dir` with `request` on stdin and
/// `environment` (a handler's Lambda variables; none for InlineCode) besides the sandbox's
/// own. Only `code_dir` (or, when it holds the user's home, the request's `path`) is visible.
pub(crate) async fn run_wrapper(
    program: &str,
    wrapper: &str,
    code_dir: &Path,
    request: &serde_json::Value,
    environment: &BTreeMap<String, String>,
) -> Result<Answer, ProcessFailure> {
    let isolation = sandbox::isolation().await;
    run_isolated(isolation, program, wrapper, code_dir, request, environment).await
}

async fn run_isolated(
    isolation: sandbox::Isolation,
    program: &str,
    wrapper: &str,
    code_dir: &Path,
    request: &serde_json::Value,
    environment: &BTreeMap<String, String>,
) -> Result<Answer, ProcessFailure> {
    let fail = |message: String| ProcessFailure {
        program: program.to_owned(),
        message,
    };
    let interpreter = sandbox::interpreter(program).await.map_err(fail)?;
    let flag = if program == "node" { "-e" } else { "-c" };
    let code_dir = std::path::absolute(code_dir).unwrap_or_else(|_| code_dir.to_path_buf());
    let code_file = request["path"].as_str().map(Path::new);
    let sandbox::Launch {
        mut command,
        scratch: _scratch,
    } = sandbox::launch(
        isolation,
        &interpreter,
        &[flag, wrapper],
        &code_dir,
        code_file,
        environment,
    )
    .map_err(|e| fail(format!("cannot prepare its folders: {e}")))?;
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| fail(format!("cannot start it: {e}")))?;
    let mut group = ProcessGroup::of(&child);
    let input = serde_json::to_vec(request).map_err(|e| fail(e.to_string()))?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let write = async move {
        if let Some(mut stdin) = stdin {
            // A child that exits without reading its input is reported by its answer.
            let _ = stdin.write_all(&input).await;
        }
    };
    let read = async move {
        tokio::try_join!(
            read_capped(stdout, "stdout", STDOUT_CAP, STDOUT_CAP),
            read_capped(stderr, "stderr", STDERR_CAP, STDERR_KEPT),
        )
    };
    let streams = async move { tokio::join!(write, read).1 };
    tokio::pin!(streams);
    enum First<S> {
        Streams(S),
        Exited(std::io::Result<std::process::ExitStatus>),
    }
    let first = tokio::select! {
        s = &mut streams => First::Streams(s),
        status = child.wait() => First::Exited(status),
    };
    let (streams, status) = match first {
        First::Streams(streams) => {
            let streams = streams.map_err(fail)?;
            let status = child.wait().await;
            group.reaped();
            (streams, status)
        }
        First::Exited(status) => {
            // Whatever the code left running in the background must not hold the pipes.
            group.reaped();
            group.kill();
            let streams = tokio::time::timeout(DRAIN, &mut streams)
                .await
                .map_err(|_| {
                    fail("it exited, but a process it started keeps its output open".to_owned())
                })?
                .map_err(fail)?;
            (streams, status)
        }
    };
    drop(group);
    let status = status.map_err(|e| fail(e.to_string()))?;
    let (stdout, stderr) = streams;
    let stdout = String::from_utf8_lossy(&stdout);
    let stderr = String::from_utf8_lossy(&stderr);
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
            "it exited with {status} without an answer{}",
            tail(&stderr)
        ))),
    }
}

/// Reads a child's stream to its end, keeping at most the last `kept` bytes; more than `cap`
/// bytes in all is an error.
async fn read_capped<R: AsyncRead + Unpin>(
    stream: Option<R>,
    name: &str,
    cap: usize,
    kept: usize,
) -> Result<Vec<u8>, String> {
    let Some(mut stream) = stream else {
        return Ok(Vec::new());
    };
    let mut data = Vec::new();
    let mut total = 0usize;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("reading its {name}: {e}"))?;
        if n == 0 {
            return Ok(data);
        }
        total = total.saturating_add(n);
        if total > cap {
            return Err(format!(
                "it wrote more than {} MB to {name}{}",
                cap / (1024 * 1024),
                if name == "stdout" {
                    " (a Lambda answer is at most 6 MB)"
                } else {
                    ""
                }
            ));
        }
        data.extend_from_slice(&chunk[..n]);
        if data.len() > kept {
            data.drain(..data.len() - kept);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Without bubblewrap the code still gets an empty HOME and working folder of its own
    /// (removed afterwards) and none of the app's variables.
    #[tokio::test]
    async fn unisolated_code_gets_an_empty_home_and_working_folder() {
        let code = "import os\n[os.environ['HOME'], os.listdir(os.environ['HOME']), \
                    os.listdir('.'), os.getcwd(), sorted(os.environ)]";
        let request = json!({"code": code, "inputs": {}});
        let project = Path::new(env!("CARGO_MANIFEST_DIR"));
        let answer = run_isolated(
            sandbox::Isolation::Scrubbed,
            "python3",
            PYTHON_INLINE,
            project,
            &request,
            &BTreeMap::new(),
        )
        .await
        .expect("python3 runs");
        let Answer::Value(value) = answer else {
            panic!("the code raised")
        };
        let home = value[0].as_str().expect("HOME");
        assert_ne!(Some(home.to_owned()), std::env::var("HOME").ok());
        assert_eq!(value[1], json!([]), "HOME is empty");
        assert_eq!(value[2], json!([]), "the working folder is empty");
        assert_ne!(value[3].as_str().map(Path::new), Some(project));
        let names: Vec<&str> = value[4]
            .as_array()
            .expect("names")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for name in &names {
            assert!(
                !name.starts_with("AWS_") && !name.starts_with("CARGO"),
                "{name} reached the code: {names:?}"
            );
        }
        assert!(!Path::new(home).exists(), "the temporary HOME is removed");
    }

    /// A handler's variables reach it with and without bubblewrap, and cannot replace what
    /// the sandbox sets.
    #[tokio::test]
    async fn given_variables_reach_the_code_in_either_isolation() {
        let code = "import os\n[os.environ.get('TABLE'), os.environ['LAMBDA_TASK_ROOT']]";
        let request = json!({"code": code, "inputs": {}});
        let project = Path::new(env!("CARGO_MANIFEST_DIR"));
        let variables = BTreeMap::from([
            ("TABLE".to_owned(), "orders-test".to_owned()),
            ("LAMBDA_TASK_ROOT".to_owned(), "/elsewhere".to_owned()),
        ]);
        let mut isolations = vec![sandbox::Isolation::Scrubbed];
        if sandbox::isolation().await == sandbox::Isolation::Bubblewrap {
            isolations.push(sandbox::Isolation::Bubblewrap);
        }
        for isolation in isolations {
            let answer = run_isolated(
                isolation,
                "python3",
                PYTHON_INLINE,
                project,
                &request,
                &variables,
            )
            .await
            .expect("python3 runs");
            let Answer::Value(value) = answer else {
                panic!("the code raised")
            };
            assert_eq!(value[0], "orders-test", "{isolation:?}");
            assert_eq!(value[1], json!(project), "{isolation:?}");
        }
    }

    /// Whether `pid` is gone (or a zombie waiting for a parent that may never reap it).
    #[cfg(target_os = "linux")]
    fn gone(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'))
        })
    }

    /// Without bubblewrap, a timeout still ends what the code started, even a process that
    /// left its group with `setsid` and holds its output open.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_timeout_kills_a_grandchild_that_left_the_process_group() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pid_file = dir.path().join("grandchild");
        let code = "import subprocess, time\n\
                    p = subprocess.Popen(['sleep', '600'], start_new_session=True)\n\
                    open(pid_file + '.tmp', 'w').write(str(p.pid))\n\
                    __import__('os').rename(pid_file + '.tmp', pid_file)\n\
                    time.sleep(600)";
        let request = json!({"code": code, "inputs": {"pid_file": pid_file}});
        let project = Path::new(env!("CARGO_MANIFEST_DIR"));
        let no_variables = BTreeMap::new();
        let run = run_isolated(
            sandbox::Isolation::Scrubbed,
            "python3",
            PYTHON_INLINE,
            project,
            &request,
            &no_variables,
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let started = async {
            while !pid_file.exists() {
                assert!(std::time::Instant::now() < deadline, "no grandchild");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        // The node's timeout: the run is dropped once the grandchild is running.
        tokio::select! {
            _ = run => panic!("the code answered"),
            () = started => {}
        }
        let pid = std::fs::read_to_string(&pid_file).expect("pid");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !gone(&pid) {
            assert!(
                std::time::Instant::now() < deadline,
                "grandchild {pid} outlived the timeout"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
