//! `strata eval` and `strata test` on a flow and an agent doing the same job, on ten cases whose
//! pass rate, model calls, tokens and cost are known in advance: every reply comes from a
//! recording, so the figures are exact.

mod support {
    pub mod cli;
    pub mod eval_report;
    pub mod flows;
    pub mod json;
    pub mod tree;
}

use serde_json::{json, Value};
use std::path::Path;
use support::cli::{strata_in as strata, Run};
use support::flows::{self, MODEL};
use support::json::strings;

/// A project with the flow `answer` (Input → one Prompt → Output) and the agent `Helper`.
fn project() -> Value {
    let definition = json!({
        "nodes": [
            flows::input_node("String"),
            flows::prompt_node("Reply", "Reply to the customer: {{message}}", "message", "$.data"),
            flows::output_node("Answer", "String"),
        ],
        "connections": [
            flows::data("FlowInput", "document", "Reply", "message"),
            flows::data("Reply", "modelCompletion", "Answer", "document"),
        ],
    });
    let mut project =
        serde_json::to_value(flows::project_of(vec![("answer", definition)])).expect("JSON");
    project["agents"] = json!([{
        "agentName": "Helper",
        "foundationModel": MODEL,
        "instruction": "You answer customers' questions about their orders, briefly and politely.",
    }]);
    project
}

/// Ten cases: question i expects "answer i". The flow gets cases 1–9 right, the agent 2–10;
/// each flow call uses 100 + 10 tokens, each agent call 200 + 20.
fn recordings(dir: &Path) {
    let mut flow = String::new();
    let mut agent = String::new();
    for i in 1..=10 {
        let flow_answer = if i == 10 {
            "no idea".to_owned()
        } else {
            format!("answer {i}")
        };
        let agent_answer = if i == 1 {
            "no idea".to_owned()
        } else {
            format!("answer {i}")
        };
        flow.push_str(&format!(
            "- contains: \"question {i}.\"\n  text: {flow_answer}\n  usage: {{inputTokens: 100, outputTokens: 10}}\n"
        ));
        agent.push_str(&format!(
            "- contains: \"question {i}.\"\n  text: {agent_answer}\n  usage: {{inputTokens: 200, outputTokens: 20}}\n"
        ));
    }
    std::fs::write(dir.join("flow.yaml"), flow).expect("flow replies");
    std::fs::write(dir.join("agent.yaml"), agent).expect("agent replies");
}

fn suite(dir: &Path) -> std::path::PathBuf {
    std::fs::write(
        dir.join("shop.strata.json"),
        serde_json::to_vec_pretty(&project()).expect("JSON"),
    )
    .expect("the project");
    recordings(dir);
    let mut text = String::from(
        "suite: shop\nproject: shop.strata.json\nvariants:\n  - name: flow\n    flow: answer\n    replay: flow.yaml\n  - name: agent\n    agent: Helper\n    replay: agent.yaml\ncases:\n",
    );
    for i in 1..=10 {
        text.push_str(&format!(
            "  - id: c{i}\n    input: \"question {i}.\"\n    expect:\n      - contains: answer {i}\n      - maxModelCalls: 1\n"
        ));
    }
    let path = dir.join("shop.eval.yaml");
    std::fs::write(&path, text).expect("the suite");
    path
}

#[test]
fn a_flow_and_an_agent_compared_on_ten_cases() {
    let dir = tempfile::tempdir().expect("a folder");
    let path = suite(dir.path());
    let junit = dir.path().join("report.xml");
    let html = dir.path().join("report.html");
    let out = Run::of(
        strata(dir.path())
            .arg("eval")
            .arg(&path)
            .args([
                "--variant",
                "flow",
                "--variant",
                "agent",
                "--json",
                "--junit",
            ])
            .arg(&junit)
            .arg("--html")
            .arg(&html),
    );
    // One case fails per variant.
    out.exits(1);
    let report: Value = serde_json::from_str(&out.stdout).expect("the --json report");
    let variant = |name: &str| support::eval_report::variant(&report, name);
    let price = |input: u64, output: u64| {
        strata::pricing::cost(None, MODEL, input, output).expect("priced")
    };
    for (name, kind, tokens_in, tokens_out, failed) in [
        ("flow", "flow", 100, 10, "c10"),
        ("agent", "agent", 200, 20, "c1"),
    ] {
        let v = variant(name);
        assert_eq!(v["kind"], kind);
        assert_eq!(
            (v["cases"].as_u64(), v["repeats"].as_u64()),
            (Some(10), Some(1))
        );
        assert_eq!(v["passRate"].as_f64(), Some(0.9), "{v}");
        assert_eq!(v["modelCalls"].as_u64(), Some(10), "{v}");
        assert_eq!(v["inputTokens"].as_u64(), Some(10 * tokens_in), "{v}");
        assert_eq!(v["outputTokens"].as_u64(), Some(10 * tokens_out), "{v}");
        let cost = v["costUsd"].as_f64().expect("priced");
        assert!(
            (cost - 10.0 * price(tokens_in, tokens_out)).abs() < 1e-9,
            "{v}"
        );
        assert!((v["costPer1000Usd"].as_f64().expect("priced") - 100.0 * cost).abs() < 1e-9);
        let cases: Vec<&Value> = report["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .filter(|c| c["variant"] == name && c["pass"] == false)
            .collect();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0]["id"], failed);
        assert!(cases[0]["runId"].is_string(), "each case is a stored run");
    }
    let comparison = &report["comparisons"][0];
    assert_eq!(comparison["pValue"].as_f64(), Some(1.0));
    assert!((comparison["costRatio"].as_f64().expect("a ratio") - 2.0).abs() < 1e-9);
    assert_eq!(
        report["recommendation"]["choice"], "flow",
        "same pass rate, half the cost"
    );

    // Every case opens as a run.
    let run_id = report["cases"][0]["runId"]
        .as_str()
        .expect("a run id")
        .to_owned();
    Run::of(strata(dir.path()).args(["runs", "show", &run_id])).exits(0);

    let xml = std::fs::read_to_string(&junit).expect("the JUnit report");
    assert!(
        xml.contains("<testsuites name=\"shop\" tests=\"20\" failures=\"2\" errors=\"0\""),
        "{xml}"
    );
    let page = std::fs::read_to_string(&html).expect("the HTML report");
    assert!(page.contains("Recommendation: flow") && page.contains("plot cost"));
}

#[test]
fn strata_test_is_a_regression_test_for_one_variant() {
    let dir = tempfile::tempdir().expect("a folder");
    let path = suite(dir.path());
    Run::of(
        strata(dir.path())
            .arg("test")
            .arg(&path)
            .args(["--variant", "agent"]),
    )
    .exits(1)
    .stdout_has("FAIL c1")
    .stdout_has("10 cases, 9 passed, 1 failed");

    // Without --variant a suite of two variants asks which.
    Run::of(strata(dir.path()).arg("test").arg(&path)).exits(2);
}

#[test]
fn a_bad_suite_is_refused_before_anything_runs_with_where_and_what() {
    let dir = tempfile::tempdir().expect("a folder");
    let path = suite(dir.path());
    let text = std::fs::read_to_string(&path)
        .expect("the suite")
        .replace("flow: answer", "flow: nosuch")
        .replacen("- maxModelCalls: 1", "- regex: '(['", 1);
    std::fs::write(&path, text).expect("the suite");
    Run::of(strata(dir.path()).arg("eval").arg(&path))
        .exits(2)
        .stderr_has("variants[0] (flow): the project has no flow \"nosuch\"")
        .stderr_has("cases[0] (c1).expect[1] (regex)");
    assert!(
        !dir.path().join(".strata").exists(),
        "nothing ran, nothing was kept"
    );

    Run::of(
        strata(dir.path())
            .arg("eval")
            .arg(&path)
            .args(["--variant", "nope"]),
    )
    .exits(2);
}

#[test]
fn the_example_suite_runs_offline_and_its_report_draws_in_a_browser() {
    let home = tempfile::tempdir().expect("a folder");
    // A copy: the evaluation keeps its progress beside the suite.
    let example = home.path().join("customer-support");
    support::tree::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customer-support"),
        &example,
    );
    let suite = example.join("triage.eval.yaml");
    let html = home.path().join("report.html");
    let out = Run::of(
        strata(home.path())
            .arg("eval")
            .arg(&suite)
            .arg("--json")
            .arg("--html")
            .arg(&html),
    );
    out.exits(0);
    let report: Value = serde_json::from_str(&out.stdout).expect("the --json report");
    assert_eq!(report["suite"], "triage-flow-or-agent");
    let kinds = strings(&report["variants"], "kind");
    assert_eq!(kinds, ["flow", "agent"]);
    assert_eq!(report["cases"].as_array().map(Vec::len), Some(4));
    // The same pass rate; the flow is the cheaper design.
    assert_eq!(report["recommendation"]["choice"], "flow", "{report:#}");

    // Headless Chromium draws the page (the plots are inline SVG): its picture holds far more
    // than an empty page's.
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok()
        })
    else {
        panic!("the HTML report test needs Chromium: run scripts/setup-desktop.sh");
    };
    let shoot = |page: &Path, png: &Path| {
        let status = std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--window-size=1000,1600",
            ])
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", page.display()))
            .stderr(std::process::Stdio::null())
            .status()
            .expect("chromium runs");
        assert!(status.success());
        std::fs::metadata(png).expect("a screenshot").len()
    };
    let empty = home.path().join("empty.html");
    std::fs::write(&empty, "<!DOCTYPE html><html><body></body></html>").expect("a page");
    let blank = shoot(&empty, &home.path().join("empty.png"));
    let drawn = shoot(&html, &home.path().join("report.png"));
    assert!(
        drawn > blank * 5,
        "report {drawn} bytes, empty page {blank} bytes"
    );
}
