//! The host layer as the command line shows it: `strata run --json` ends with the run's
//! machine-readable result, whose run id and cost the host layer (`strata::session`) fills in.

mod support {
    pub mod cli;
}

use serde_json::{json, Value};
use std::path::Path;
use support::cli::{strata_in, Run};

/// `tests/session_fixtures` in `dir`: Input (String) → Prompt on `model` → Output, with a
/// sample, and a replay that answers once with 1,000 input and 100 output tokens.
fn project(dir: &Path, model: &str) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/session_fixtures");
    let text = std::fs::read_to_string(fixtures.join("summarise.strata.json"))
        .expect("the project")
        .replace("anthropic.claude-3-haiku-20240307-v1:0", model);
    std::fs::write(dir.join("t.strata.json"), text).expect("the project");
    std::fs::copy(fixtures.join("replay.yaml"), dir.join("replay.yaml")).expect("the replay");
}

/// `strata run --json` in `dir` with its own data folder; the last line of stdout, parsed.
fn last_line(dir: &Path, extra: &[&str]) -> Value {
    let out = Run::of(
        strata_in(dir)
            .args(["run", "t.strata.json", "--json", "--replay", "replay.yaml"])
            .args(["--data-dir", "data"])
            .args(extra),
    );
    out.exits(0);
    let last = out.stdout.lines().last().expect("at least one line");
    serde_json::from_str(last).expect("the last line is JSON")
}

#[test]
fn the_last_json_line_is_the_runs_result_with_its_id_and_cost() {
    let dir = tempfile::tempdir().expect("a folder");
    let model = "anthropic.claude-3-haiku-20240307-v1:0";
    project(dir.path(), model);
    let result = last_line(dir.path(), &[]);
    assert_eq!(result["event"], "runFinished");
    assert_eq!(result["status"], "succeeded");
    assert_eq!(
        result["outputs"],
        json!([{"node": "Done", "document": "a summary"}])
    );
    assert_eq!(
        result["usage"],
        json!({"inputTokens": 1000, "outputTokens": 100})
    );
    let cost = result["costUsd"]
        .as_f64()
        .expect("a priced run has costUsd");
    // Claude 3 Haiku: $0.00025 per 1,000 input and $0.00125 per 1,000 output tokens.
    assert!((cost - (0.000_25 + 0.000_125)).abs() < 1e-12, "{cost}");
    assert!(result.get("unpriced").is_none(), "{result}");
    let run_id = result["runId"].as_str().expect("runId");
    assert!(run_id.starts_with("run_"), "{run_id}");

    // The id is the one the run store knows.
    Run::of(strata_in(dir.path()).args(["runs", "show", run_id, "--data-dir", "data"])).exits(0);
}

#[test]
fn a_run_on_an_unpriced_model_names_it_instead_of_a_cost() {
    let dir = tempfile::tempdir().expect("a folder");
    project(dir.path(), "my-own-model");
    let result = last_line(dir.path(), &["--no-store"]);
    assert_eq!(result["event"], "runFinished");
    assert!(result.get("costUsd").is_none(), "{result}");
    assert_eq!(result["unpriced"], json!(["my-own-model"]));
    assert!(
        result["runId"]
            .as_str()
            .is_some_and(|id| id.starts_with("run_")),
        "without the store the run has an id too: {result}"
    );
}
