//! Handler bindings: `--handler NAME=FILE:FUNCTION` runs a Bedrock flow JSON's or a
//! CloudFormation stack's Lambda steps and action groups locally without editing them, with
//! the environment a Lambda has (`--handler-env`, the binding's own) and nothing of the shell.
//!
//! Fixtures in `tests/handler_fixtures/`: `enrich.flow.json` (a CreateFlow request whose
//! LambdaFunction node calls `arn:aws:lambda:eu-west-1:…:function:enrich`), `desk.stack.yaml`
//! (a hand-written stack: a flow whose Lambda step is `!GetAtt EnrichFunction.Arn` and whose
//! Agent node talks to OrdersAgent, whose action group `orders` runs `!GetAtt
//! OrdersFunction.Arn`), `desk.replay.yaml` (the agent's model replies) and `handlers/`.

mod support {
    pub mod cli;
}

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::cli::Run;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/handler_fixtures")
}

/// Secrets planted in the shell of the `strata` process: no handler may see them.
const SHELL_SECRET: &str = "handler-shell-secret-7731";

/// `strata ARGS` in the fixtures folder (so FILE paths are relative to it), with an empty
/// replay unless one is given, a fake HOME, no STRATA_ settings of the shell and AWS secrets in
/// its environment.
fn strata(args: &[&str]) -> Run {
    let home = tempfile::tempdir().expect("a home folder");
    let mut cmd = support::cli::strata();
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("STRATA_") {
            cmd.env_remove(name.as_ref());
        }
    }
    Run::of(
        cmd.args(args)
            .arg("--no-store")
            .current_dir(fixtures())
            .env("HOME", home.path())
            .env("AWS_SECRET_ACCESS_KEY", SHELL_SECRET)
            .env("STRATA_TEST_TOKEN", SHELL_SECRET),
    )
}

/// The `flowOutput` document of a `--json` run.
fn flow_output(out: &Run) -> Value {
    out.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|e| (e["event"] == "flowOutput").then(|| e["document"].clone()))
        .unwrap_or_else(|| panic!("no flow output in\n{}\n{}", out.stdout, out.stderr))
}

fn empty_replay() -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("a replay file");
    std::fs::write(file.path(), "[]").expect("write");
    file
}

#[test]
fn a_bedrock_flow_json_runs_its_lambda_step_through_a_bound_handler_by_arn_or_name() {
    let replay = empty_replay();
    let replay = replay.path().to_str().expect("UTF-8");
    for name in [
        "arn:aws:lambda:eu-west-1:123456789012:function:enrich",
        "enrich",
    ] {
        let binding = format!("{name}=handlers/environment.py:handler");
        let out = strata(&[
            "run",
            "enrich.flow.json",
            "--input",
            "\"hello\"",
            "--replay",
            replay,
            "--json",
            "--handler",
            &binding,
            "--handler-env",
            &format!("{name}:TABLE=orders-test"),
        ]);
        assert_eq!(out.code, 0, "{name}:\n{}\n{}", out.stdout, out.stderr);
        let doc = flow_output(&out);
        assert_eq!(doc["input"], "hello");
        let env = &doc["environment"];
        assert_eq!(env["TABLE"], "orders-test", "{env}");
        assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "enrich", "{env}");
        assert_eq!(env["AWS_REGION"], "eu-west-1", "{env}");
        assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST", "{env}");
        // Nothing of the shell: not its secrets, not its HOME.
        assert!(!doc.to_string().contains(SHELL_SECRET), "{doc}");
        assert!(env.get("AWS_SECRET_ACCESS_KEY").is_none(), "{env}");
        assert!(env.get("STRATA_TEST_TOKEN").is_none(), "{env}");
        // PWD: bubblewrap sets it when it enters the working folder.
        let allowed = [
            "HOME",
            "PWD",
            "PATH",
            "LANG",
            "TMPDIR",
            "LAMBDA_TASK_ROOT",
            "PYTHONDONTWRITEBYTECODE",
            "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "TABLE",
        ];
        for key in env.as_object().expect("an object").keys() {
            assert!(
                allowed.contains(&key.as_str()),
                "{key} reached the handler: {env}"
            );
        }
    }
}

#[test]
fn a_project_binding_runs_and_a_flag_replaces_it() {
    let dir = tempfile::tempdir().expect("a project folder");
    let mut project: Value = serde_json::json!({
        "schemaVersion": 1,
        "name": "bound",
        "flows": [{
            "name": "enrich",
            "definition": serde_json::from_str::<Value>(
                &std::fs::read_to_string(fixtures().join("enrich.flow.json")).expect("fixture"),
            )
            .expect("JSON")["definition"]
                .clone(),
        }],
        "handlers": [{"name": "enrich", "file": "env.py", "function": "handler",
                      "environment": {"TABLE": "from-project"}}]
    });
    std::fs::copy(
        fixtures().join("handlers/environment.py"),
        dir.path().join("env.py"),
    )
    .expect("copy");
    let path = dir.path().join("bound.strata.json");
    std::fs::write(&path, project.to_string()).expect("project");
    let replay = empty_replay();
    let replay = replay.path().to_str().expect("UTF-8");
    let path = path.to_str().expect("UTF-8");
    let base = [
        "run", path, "--input", "\"x\"", "--replay", replay, "--json",
    ];
    let out = strata(&base);
    out.exits(0);
    assert_eq!(flow_output(&out)["environment"]["TABLE"], "from-project");

    // The flag's file is relative to the current folder (the fixtures).
    let mut flagged = base.to_vec();
    flagged.extend(["--handler", "enrich=handlers/environment.py:handler"]);
    let out = strata(&flagged);
    out.exits(0);
    assert!(flow_output(&out)["environment"].get("TABLE").is_none());

    // A reserved variable in the project is refused, naming it.
    project["handlers"][0]["environment"]["HOME"] = Value::from("/root");
    std::fs::write(path, project.to_string()).expect("project");
    let out = strata(&base);
    assert_ne!(out.code, 0);
    out.stderr_has("HOME").stderr_has("reserved");
}

#[test]
fn a_cloudformation_stack_runs_its_lambda_step_and_agent_action_group_bound_by_name() {
    let out = strata(&[
        "run",
        "desk.stack.yaml",
        "--input",
        "where is A-1001",
        "--replay",
        "desk.replay.yaml",
        "--handler",
        "EnrichFunction=handlers/enrich.py:handler",
        "--handler",
        "orders=handlers/orders.py:handler",
        "--handler-env",
        "EnrichFunction:DESK=north",
        "--json",
    ]);
    out.exits(0);
    assert_eq!(flow_output(&out), "Order A-1001 has shipped.");
    // The Lambda step ran the bound handler with its variable.
    assert!(
        out.stdout
            .contains("Customer asks: where is A-1001 [north]"),
        "{}",
        out.stdout
    );
    // The action group ran the bound handler, named after the stack's function, without the
    // shell's secret.
    let observation = out
        .stdout
        .lines()
        .find(|l| l.contains("shipped-from-handler"))
        .unwrap_or_else(|| panic!("the action group's handler did not answer:\n{}", out.stdout));
    assert!(
        observation.contains(r#"\"fn\": \"OrdersFunction\""#),
        "{observation}"
    );
    assert!(observation.contains(r#"\"secret\": null"#), "{observation}");
    assert!(!out.stdout.contains(SHELL_SECRET));
}

#[test]
fn bad_handler_values_are_clear_errors_naming_the_flag() {
    let replay = empty_replay();
    let replay = replay.path().to_str().expect("UTF-8");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "enrich.flow.json",
            "--input",
            "x",
            "--replay",
            replay,
        ];
        args.extend(extra);
        strata(&args)
    };
    let out = run(&["--handler", "enrich"]);
    out.exits(2);
    assert!(
        out.stderr
            .contains("--handler \"enrich\": no `=`; expected NAME=FILE:FUNCTION"),
        "{}",
        out.stderr
    );
    let out = run(&["--handler", "enrichh=handlers/environment.py:handler"]);
    out.exits(2);
    out.stderr_has("--handler names \"enrichh\"")
        .stderr_has("its names: arn:aws:lambda:eu-west-1:123456789012:function:enrich, enrich");
    let out = run(&["--handler", "enrich=handlers/missing.py:handler"]);
    out.stderr_has("--handler enrich: no file at")
        .stderr_has("missing.py");
    let out = run(&["--handler-env", "enrich:AWS_REGION=us-east-1"]);
    assert!(
        out.stderr
            .contains("--handler-env \"enrich:AWS_REGION=us-east-1\"")
            && out.stderr.contains("reserved"),
        "{}",
        out.stderr
    );
    // Without a binding the node's error says how to bind one.
    let out = run(&[]);
    assert_eq!(out.code, 1);
    out.stdout_has("--handler NAME=FILE:FUNCTION");
}

#[test]
fn chat_runs_a_stack_agents_action_group_through_a_bound_handler() {
    let answers = tempfile::NamedTempFile::new().expect("an answers file");
    std::fs::write(
        answers.path(),
        "inputs:\n  - \"Customer asks: where is A-1001\"\n",
    )
    .expect("write");
    let out = strata(&[
        "chat",
        "desk.stack.yaml",
        "--agent",
        "OrdersAgent",
        "--replay",
        "desk.replay.yaml",
        "--answers",
        answers.path().to_str().expect("UTF-8"),
        "--handler",
        "OrdersFunction=handlers/orders.py:handler",
    ]);
    out.exits(0);
    out.stdout_has("shipped-from-handler");
    assert!(
        out.stdout
            .contains("OrdersAgent> Order A-1001 has shipped."),
        "{}",
        out.stdout
    );
}
