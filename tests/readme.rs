//! The README's command lines, run: every `strata` line of its shell blocks, in order, in one
//! empty folder with an empty home folder, must succeed, so that a new user who follows the
//! README finds every command working as written.
//!
//! Lines whose comment says `[needs AWS]` run as written without AWS credentials and must stop
//! with the one-line message that says what is missing; the line marked `[needs a model
//! server]` runs against a fake OpenAI-compatible server put in place of its `--base-url`.
//! Nothing reaches the network: no AWS variables, `AWS_EC2_METADATA_DISABLED=true`.

use std::path::Path;
use std::process::{Command, Output, Stdio};

mod support {
    pub mod fake_http;
    pub mod tree;
}

/// What a README line needs beyond this machine.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Needs {
    Nothing,
    Aws,
    ModelServer,
}

/// One command of the README: its words (without `strata`) and what it needs.
#[derive(Debug)]
struct Line {
    text: String,
    words: Vec<String>,
    needs: Needs,
}

/// Every `strata` command in the README's `sh` blocks, in order. A line continued with `\`
/// is joined; `a ; b` is two commands; comments are dropped.
fn readme_commands(readme: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for raw in readme.lines() {
        let trimmed = raw.trim();
        if trimmed.starts_with("```") {
            in_sh = trimmed == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        let full = format!("{pending}{trimmed}");
        pending.clear();
        if !full.starts_with("strata ") {
            continue;
        }
        let needs = if full.contains("[needs AWS]") {
            Needs::Aws
        } else if full.contains("[needs a model server]") {
            Needs::ModelServer
        } else {
            Needs::Nothing
        };
        let words = shlex::split(&full).unwrap_or_else(|| panic!("not shell words: {full}"));
        for command in words.split(|w| w == ";") {
            let (first, rest) = command.split_first().expect("a command");
            assert_eq!(first, "strata", "{full}");
            lines.push(Line {
                text: command.join(" "),
                words: rest.to_vec(),
                needs,
            });
        }
    }
    lines
}

/// Runs `strata WORDS` in `dir` with `home` as the home folder and nothing of this machine's
/// AWS or data settings.
fn strata(dir: &Path, home: &Path, words: &[String]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("AWS_") || name.starts_with("XDG_") || name.starts_with("STRATA_") {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd.args(words)
        .current_dir(dir)
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .expect("strata runs")
}

/// `~/x` as the shell would expand it with `home`.
fn expand_home(word: &str, home: &Path) -> String {
    match word.strip_prefix("~/") {
        Some(rest) => home.join(rest).display().to_string(),
        None => word.to_owned(),
    }
}

/// A chat-completions reply that classifies every message as OTHER.
fn fake_model_reply() -> serde_json::Value {
    serde_json::json!({
        "id": "chatcmpl-readme",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "OTHER"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 1}
    })
}

#[test]
fn every_command_in_the_readme_works_as_written() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let lines = readme_commands(&readme);
    assert!(
        lines.len() >= 20,
        "only {} strata commands found in the README",
        lines.len()
    );
    for needs in [Needs::Aws, Needs::ModelServer] {
        assert!(
            lines.iter().any(|l| l.needs == needs),
            "no README line is marked {needs:?}; the markers changed?"
        );
    }

    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the fake server");
    let reply = fake_model_reply();
    let (server, log) = runtime.block_on(support::fake_http::serve(move |_| {
        support::fake_http::json_reply(200, &reply)
    }));

    let dir = tempfile::tempdir().expect("a temporary folder");
    let work = dir.path().join("work");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&work).expect("mkdir");
    std::fs::create_dir_all(&home).expect("mkdir");
    // A clone has the examples beside the README; its lines may name them.
    support::tree::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        &work.join("examples"),
    );
    for line in &lines {
        let mut words: Vec<String> = line.words.iter().map(|w| expand_home(w, &home)).collect();
        if line.needs == Needs::ModelServer {
            let at = words
                .iter()
                .position(|w| w == "--base-url")
                .unwrap_or_else(|| panic!("{}: no --base-url to replace", line.text));
            words[at + 1] = format!("{server}/v1");
        }
        let out = strata(&work, &home, &words);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let shown = format!("`{}`\n--- stdout\n{stdout}--- stderr\n{stderr}", line.text);
        match line.needs {
            Needs::Nothing | Needs::ModelServer => {
                assert_eq!(out.status.code(), Some(0), "{shown}");
                // New projects ship agents to AgentCore, and say what the template's agent
                // loses there (its guardrail, a confirmation): the only warnings allowed.
                let warned = stdout.lines().any(|l| {
                    l.contains("warning[") && !l.contains("warning[AgentCoreNoEquivalent]")
                });
                assert!(!stdout.contains("FAILED") && !warned, "{shown}");
            }
            Needs::Aws => {
                assert_eq!(out.status.code(), Some(1), "{shown}");
                let said: Vec<&str> = stdout
                    .lines()
                    .chain(stderr.lines())
                    .filter(|l| l.contains("no AWS credentials"))
                    .collect();
                assert!(!said.is_empty(), "no word of the credentials: {shown}");
                for l in said {
                    assert!(l.contains("aws configure"), "{shown}");
                    assert!(!l.contains("IMDS") && !l.contains("Error {"), "{shown}");
                }
            }
        }
    }
    assert!(
        !support::fake_http::received(&log).is_empty(),
        "the model-server line never reached the fake server"
    );
}
