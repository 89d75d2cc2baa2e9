//! Local code (InlineCode, local Lambda handlers) runs where the user's secrets are out of
//! reach, with capped output and a timeout that kills everything it started.
//!
//! The secret tests run the `strata` binary with a planted environment variable and a fake
//! HOME, so the test process's own environment is never touched.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use strata::compile::compile;
use strata::model::Project;
use strata::providers::scripted::{Script, ScriptedProvider};
use strata::run::{run_flow, RunContext, RunEvent, RunResult, RunStatus};
use tokio::sync::mpsc;

/// What the snooping code tries: the environment, every `/proc/*/environ` (the parent's
/// included), `~/.aws/credentials`, the user's real credentials file and a file outside the
/// project. It returns every secret marker it saw.
const SNOOP: &str = r#"
import os, re
def grab(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except Exception:
        return ""
def snoop(doc):
    seen = [repr(dict(os.environ)),
            grab(os.path.expanduser("~/.aws/credentials")),
            grab(os.path.join(doc["home"], ".aws", "credentials")),
            grab(doc["outside"]),
            grab("/proc/%d/environ" % os.getppid())]
    try:
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                seen.append(grab("/proc/%s/environ" % pid))
                seen.append(grab("/proc/%s/cmdline" % pid))
    except Exception:
        pass
    return sorted(set(re.findall(r"sandbox-secret-[a-z]+-[0-9]+", "\n".join(seen))))
"#;

fn strata() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("strata").expect("the strata binary is built")
}

fn input_node() -> Value {
    json!({"name": "FlowInput", "type": "Input", "configuration": {"input": {}},
           "outputs": [{"name": "document", "type": "Object"}]})
}

fn output_node(ty: &str) -> Value {
    json!({"name": "Out", "type": "Output", "configuration": {"output": {}},
           "inputs": [{"name": "document", "type": ty, "expression": "$.data"}]})
}

fn data(source: &str, output: &str, target: &str, input: &str) -> Value {
    json!({"name": format!("{source}{output}To{target}{input}"), "type": "Data",
           "source": source, "target": target,
           "configuration": {"data": {"sourceOutput": output, "targetInput": input}}})
}

/// FlowInput.document → input `input` of `node`; its output `output` → Out.
fn flow_through(node: Value, input: &str, output: &str, output_type: &str) -> Value {
    let name = node["name"].as_str().expect("a node name").to_owned();
    json!({
        "nodes": [input_node(), node, output_node(output_type)],
        "connections": [
            data("FlowInput", "document", &name, input),
            data(&name, output, "Out", "document"),
        ]
    })
}

fn inline_flow(code: &str, output_type: &str) -> Value {
    let node = json!({"name": "Code", "type": "InlineCode",
        "configuration": {"inlineCode": {"code": code, "language": "Python_3"}},
        "inputs": [{"name": "doc", "type": "Object", "expression": "$.data"}],
        "outputs": [{"name": "response", "type": output_type}]});
    flow_through(node, "doc", "response", output_type)
}

fn lambda_flow(handler: &str, output_type: &str) -> Value {
    let node = json!({"name": "Handler", "type": "LambdaFunction",
        "configuration": {"lambdaFunction": {
            "lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:snoop",
            "localHandler": handler}},
        "inputs": [{"name": "codeHookInput", "type": "Object", "expression": "$.data"}],
        "outputs": [{"name": "functionResponse", "type": output_type}]});
    flow_through(node, "codeHookInput", "functionResponse", output_type)
}

fn project_json(flows: Vec<(&str, Value)>) -> Value {
    let flows: Vec<Value> = flows
        .into_iter()
        .map(|(name, definition)| json!({"name": name, "definition": definition}))
        .collect();
    json!({"schemaVersion": 1, "name": "sandbox", "flows": flows})
}

/// Whether bubblewrap works here, as `strata` itself checks it: only then can `/proc` and
/// files outside the project be out of reach.
fn bubblewrap_works() -> bool {
    std::process::Command::new("bwrap")
        .args(["--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc"])
        .args(["--dev", "/dev", "--", "true"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Every file under `dir`, as bytes.
fn all_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_bytes(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Writes `contents` at `path`, making its folder first.
fn put(path: &Path, contents: impl AsRef<[u8]>) {
    let folder = path.parent().expect("a file in a folder");
    std::fs::create_dir_all(folder).expect("make the folder");
    std::fs::write(path, contents).expect("write the file");
}

#[test]
fn local_code_cannot_read_the_users_secrets() {
    let root = tempfile::tempdir().expect("temp dir");
    let root = root.path();
    let stamp = std::process::id();
    let env_secret = format!("sandbox-secret-env-{stamp}");
    let home_secret = format!("sandbox-secret-home-{stamp}");
    let file_secret = format!("sandbox-secret-file-{stamp}");

    let home = root.join("home");
    let credentials = format!("[default]\naws_secret_access_key = {home_secret}\n");
    put(&home.join(".aws/credentials"), credentials);
    let outside = root.join("outside/secret.txt");
    put(&outside, &file_secret);

    let project_dir = root.join("project");
    put(
        &project_dir.join("handlers/snoop.py"),
        format!("{SNOOP}\ndef handler(event, context):\n    return snoop(event['node']['inputs'][0]['value'])\n"),
    );
    let project = project_dir.join("sandbox.strata.json");
    let flows = vec![
        (
            "inline",
            inline_flow(&format!("{SNOOP}\nsnoop(doc)"), "Array"),
        ),
        ("lambda", lambda_flow("handlers/snoop.py:handler", "Array")),
    ];
    std::fs::write(&project, project_json(flows).to_string()).expect("project file");
    let replay = root.join("replay.yaml");
    std::fs::write(&replay, "[]").expect("replay");
    let input = json!({"home": home, "outside": outside}).to_string();

    let isolated = bubblewrap_works();
    for flow in ["inline", "lambda"] {
        let data_dir = root.join(format!("data-{flow}"));
        let trace = root.join(format!("trace-{flow}.jsonl"));
        let out = strata()
            .args(["run", project.to_str().expect("UTF-8"), "--flow", flow])
            .args(["--input", &input, "--json", "--replay"])
            .arg(&replay)
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--trace")
            .arg(&trace)
            .env("HOME", &home)
            .env("AWS_SECRET_ACCESS_KEY", &env_secret)
            .env("STRATA_TEST_TOKEN", &env_secret)
            .output()
            .expect("strata runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{flow}:\n{stdout}\n{stderr}");
        let output = stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find_map(|e| (e["event"] == "flowOutput").then(|| e.clone()))
            .unwrap_or_else(|| panic!("{flow}: no flow output in\n{stdout}"));
        let seen = output.to_string();
        // Without bubblewrap only the environment and HOME are out of reach.
        let secrets: &[&String] = if isolated {
            &[&env_secret, &home_secret, &file_secret]
        } else {
            assert!(
                stderr.contains("local code is not isolated"),
                "{flow}: {stderr}"
            );
            &[&home_secret]
        };
        for secret in secrets {
            assert!(
                !seen.contains(secret.as_str()),
                "{flow} read {secret}: {output}"
            );
            assert!(
                !stdout.contains(secret.as_str()),
                "{flow}: {secret} in the trace"
            );
            for (path, bytes) in all_bytes(&data_dir)
                .into_iter()
                .chain(std::fs::read(&trace).ok().map(|b| (trace.clone(), b)))
            {
                assert!(
                    !contains(&bytes, secret),
                    "{flow}: {secret} in {}",
                    path.display()
                );
            }
        }
        assert!(
            !all_bytes(&data_dir).is_empty(),
            "{flow}: the run was recorded in {}",
            data_dir.display()
        );
    }
    assert!(
        !project_dir.join("handlers/__pycache__").exists(),
        "nothing is written into the project"
    );
}

// ---------------------------------------------------------------- in-process runs

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/run_fixtures")
}

fn context(timeout: Duration) -> RunContext {
    let provider = Arc::new(ScriptedProvider::new(
        Script::parse("[]", "test").expect("script parses"),
    ));
    RunContext::new(provider, fixtures())
        .with_run_id("sandbox")
        .with_node_timeout(timeout)
}

async fn run(definition: Value, document: Value, ctx: RunContext) -> (RunResult, Vec<RunEvent>) {
    let project: Project = serde_json::from_value(project_json(vec![("main", definition)]))
        .expect("test project is well-formed");
    let compiled = compile(&project);
    let plan = compiled.plan("main").expect("flow compiles");
    let (tx, mut rx) = mpsc::channel(100_000);
    let result = run_flow(plan, &project, document, ctx, tx).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (result, events)
}

/// Runs `code` as the flow's InlineCode node on `document` with a node timeout: the result,
/// the events and how long the run took.
async fn run_code(
    code: &str,
    document: Value,
    timeout: Duration,
) -> (RunResult, Vec<RunEvent>, Duration) {
    let began = Instant::now();
    let (result, events) = run(inline_flow(code, "String"), document, context(timeout)).await;
    (result, events, began.elapsed())
}

fn failed(events: &[RunEvent]) -> Option<&str> {
    events.iter().find_map(|e| match e {
        RunEvent::NodeFailed { error, .. } => Some(error.as_str()),
        _ => None,
    })
}

/// Runs `code`, which writes to `stream` without end: the node must fail at the 6 MB cap, long
/// before its 60 s timeout. The error it failed with.
async fn fails_at_the_cap(code: &str, stream: &str) -> String {
    let (result, events, took) = run_code(code, json!({}), Duration::from_secs(60)).await;
    assert_eq!(result.status, RunStatus::Failed);
    let error = failed(&events).expect("fails");
    assert!(
        error.contains(&format!("wrote more than 6 MB to {stream}")),
        "{error}"
    );
    assert!(took < Duration::from_secs(30), "{took:?}");
    error.to_owned()
}

#[tokio::test]
async fn an_answer_over_6_mb_fails_the_node_at_the_cap() {
    // It would write forever: the node must fail at the cap, not buffer until the timeout.
    let code = "import sys\nwhile True:\n    sys.__stdout__.write('x' * 65536)";
    let error = fails_at_the_cap(code, "stdout").await;
    assert!(error.contains("at most 6 MB"), "{error}");
}

#[tokio::test]
async fn endless_prints_fail_the_node_at_the_cap() {
    let code = "while True:\n    print('y' * 65535)";
    fails_at_the_cap(code, "stderr").await;
}

/// Whether a process whose command line holds `marker` is alive.
#[cfg(target_os = "linux")]
fn alive(marker: &str) -> bool {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .any(|cmdline| contains(&cmdline, marker))
}

#[cfg(target_os = "linux")]
async fn gone(marker: &str) -> bool {
    for _ in 0..50 {
        if !alive(marker) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Starts a grandchild that sleeps holding the code's stdout and stderr open.
#[cfg(target_os = "linux")]
const SPAWN_GRANDCHILD: &str = "import subprocess, sys, time\n\
subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', doc['marker']])\n";

#[cfg(target_os = "linux")]
fn marker(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("strata-grandchild-{name}-{}-{nanos}", std::process::id())
}

/// [`run_code`] of code that starts a grandchild (its command line holds the marker
/// returned), then runs `rest`.
#[cfg(target_os = "linux")]
async fn with_grandchild(
    name: &str,
    rest: &str,
    timeout: Duration,
) -> (String, (RunResult, Vec<RunEvent>, Duration)) {
    let marker = marker(name);
    let code = format!("{SPAWN_GRANDCHILD}{rest}");
    let ran = run_code(&code, json!({ "marker": marker }), timeout).await;
    (marker, ran)
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_timeout_kills_the_grandchildren_too() {
    let (marker, (result, events, took)) =
        with_grandchild("timeout", "time.sleep(300)", Duration::from_secs(3)).await;
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(failed(&events), Some("node Code: timed out after 3 s"));
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert!(gone(&marker).await, "the grandchild outlived the timeout");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_answer_does_not_wait_for_a_grandchild_holding_the_pipes() {
    let (marker, (result, events, took)) =
        with_grandchild("answer", "'done'", Duration::from_secs(60)).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("Out"), Some(&json!("done")));
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(gone(&marker).await, "the grandchild outlived the answer");
}
