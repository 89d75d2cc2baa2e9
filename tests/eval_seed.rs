//! `strata eval seed`: a suite seeded from the support-triage template's samples and from a run
//! recorded with its replay file reads back, runs offline, and the recorded run's case passes
//! (its output is what the flow gives again); an existing suite is never replaced without
//! `--force`, and an unknown flow is a one-line error.

mod support {
    pub mod cli;
    pub mod eval_report;
}

use serde_json::Value;
use std::path::Path;
use support::cli::strata_in as strata;

/// The template saved in `dir` as `triage.strata.json`, with its files.
fn project(dir: &Path) {
    let template = strata::templates::find("support-triage").expect("the template");
    let project = strata::templates::instantiate(template, "triage").expect("a project");
    std::fs::write(dir.join("triage.strata.json"), project.to_json()).expect("the project");
    strata::templates::write_missing_files(template, dir).expect("the template's files");
}

#[test]
fn a_suite_is_seeded_from_samples_and_recorded_runs_and_runs() {
    let dir = tempfile::tempdir().expect("a folder");
    let dir = dir.path();
    project(dir);
    let samples = strata::templates::instantiate(
        strata::templates::find("support-triage").expect("the template"),
        "triage",
    )
    .expect("a project")
    .flow("triage")
    .expect("the flow")
    .samples
    .len();
    let ran = strata(dir)
        .args(["run", "triage.strata.json", "--sample", "bug"])
        .args(["--replay", "replays/triage.yaml"])
        .output()
        .expect("strata runs");
    assert!(ran.status.success(), "{ran:?}");

    let seeded = strata(dir)
        .args(["eval", "seed", "triage.strata.json", "--flow", "triage"])
        .args(["--from-samples", "--from-runs", "5"])
        .args([
            "--replay",
            "replays/triage.yaml",
            "--out",
            "seeded.eval.yaml",
        ])
        .output()
        .expect("strata runs");
    let stdout = String::from_utf8_lossy(&seeded.stdout);
    assert!(seeded.status.success(), "{seeded:?}");
    assert!(
        stdout.contains(&format!(
            "({} cases: {samples} from samples, 1 from recorded runs)",
            samples + 1
        )),
        "{stdout}"
    );
    let text = std::fs::read_to_string(dir.join("seeded.eval.yaml")).expect("the suite");
    assert!(text.starts_with("# Seeded by `strata eval seed`"), "{text}");
    assert!(text.contains("project: triage.strata.json"), "{text}");
    assert!(text.contains("- equals:"), "{text}");

    // The seeded suite runs: every sample case passes (no expectation beyond finishing,
    // billing's confirmation aside), and the run's case gets its recorded output again.
    let out = strata(dir)
        .args(["eval", "seeded.eval.yaml", "--json"])
        .output()
        .expect("strata runs");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), samples + 1);
    let from_run = cases
        .iter()
        .find(|c| c["id"].as_str().is_some_and(|id| id.starts_with("run-")))
        .expect("the recorded run's case");
    assert_eq!(from_run["pass"], true, "{from_run:#}");
    assert_eq!(from_run["checks"][0]["kind"], "equals");
    let bug = support::eval_report::case(&report, "bug", "triage");
    assert_eq!(bug["pass"], true, "{bug:#}");

    // Never over an existing suite without --force.
    let again = strata(dir)
        .args(["eval", "seed", "triage.strata.json", "--flow", "triage"])
        .args(["--from-samples", "--out", "seeded.eval.yaml"])
        .output()
        .expect("strata runs");
    assert!(!again.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("seeded.eval.yaml")).expect("the suite"),
        text,
        "the suite is left alone"
    );
    let forced = strata(dir)
        .args(["eval", "seed", "triage.strata.json", "--flow", "triage"])
        .args(["--from-samples", "--out", "seeded.eval.yaml", "--force"])
        .output()
        .expect("strata runs");
    assert!(forced.status.success(), "{forced:?}");
    assert!(!std::fs::read_to_string(dir.join("seeded.eval.yaml"))
        .expect("the suite")
        .contains("- equals:"));
}

#[test]
fn seeding_an_unknown_flow_says_which_flows_there_are() {
    let dir = tempfile::tempdir().expect("a folder");
    project(dir.path());
    let out = strata(dir.path())
        .args(["eval", "seed", "triage.strata.json", "--flow", "nosuch"])
        .args(["--from-samples", "--out", "x.eval.yaml"])
        .output()
        .expect("strata runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the project has no flow \"nosuch\" (flows: triage)"),
        "{stderr}"
    );
    assert!(!dir.path().join("x.eval.yaml").exists());
}
