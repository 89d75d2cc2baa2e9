//! The `strata` command line: exit codes, text and JSON reports, `new`, `templates`, `nodes`
//! and `graph`.
//!
//! Exit codes: 0 no errors, 1 the input has errors, 2 a file could not be read or parsed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use strata::model;
use strata::model::lenient::StrEnum;
use strata::nodes::NodeType;

mod support {
    pub mod cli;
    pub mod tree;
}

use support::cli::{path_str, run, run_in, strata, Project, Run};
use support::tree::folder_with;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Whether a report's `format` names the given kind of document, however it is spelt
/// (`GetFlowResponse` or `Bedrock GetFlow response`).
fn format_is(value: &serde_json::Value, kind: &str) -> bool {
    let squash = |s: &str| s.to_lowercase().replace([' ', '_', '-'], "");
    value
        .as_str()
        .is_some_and(|f| squash(f).contains(&squash(kind)))
}

/// `strata COMMAND FIXTURE FLAGS…` on a file of `tests/fixtures`.
fn on_fixture(command: &str, name: &str, flags: &[&str]) -> Run {
    let path = fixture(name);
    run(&[&[command, path_str(&path)], flags].concat())
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

// ---------------------------------------------------------------------------------------------
// validate

#[test]
fn validate_ok_fixture_exits_0_and_says_ok() {
    for name in [
        "ok_docs_playlist_create_flow.json",
        "ok_do_while_loop.json",
        "ok_samples_iterator_collector.json",
    ] {
        let r = run(&["validate", path_str(&fixture(name))]);
        assert_eq!(r.code, 0, "{name}:\n{}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains(": ok ("), "{name}: {}", r.stdout);
        assert!(r.stdout.contains("no problems"), "{name}: {}", r.stdout);
    }
}

#[test]
fn validate_error_fixture_exits_1_and_names_code_location_and_hint() {
    let r = on_fixture("validate", "err_missing_default_condition.json", &[]);
    r.exits(1);
    r.stdout_has("1 error, 0 warnings");
    r.stdout_has("error[MissingDefaultCondition]");
    assert!(
        r.stdout
            .contains("at flow \"err_missing_default_condition\" › node \"Route\""),
        "{}",
        r.stdout
    );
    r.stdout_has("hint: Add a condition named \"default\"");
}

#[test]
fn validate_warnings_only_exits_0() {
    let r = on_fixture("validate", "warn_condition_without_connection.json", &[]);
    r.exits(0);
    r.stdout_has("0 errors, 1 warning");
    r.stdout_has("warning[ConditionWithoutConnection]");
}

#[test]
fn validate_json_has_every_diagnostic_field() {
    let r = on_fixture("validate", "err_unfulfilled_node_input.json", &["--json"]);
    r.exits(1);
    let report = json(&r.stdout);
    let file = &report["files"][0];
    assert!(format_is(&file["format"], "FlowDefinition"), "{file}");
    assert!(file.get("error").is_none(), "{file}");
    let diagnostics = file["diagnostics"].as_array().expect("diagnostics array");
    assert!(!diagnostics.is_empty());
    for d in diagnostics {
        for key in ["code", "severity", "message", "hint", "location"] {
            assert!(d.get(key).is_some(), "diagnostic lacks {key}: {d}");
        }
        assert!(d["location"].is_object(), "{d}");
    }
    let d = &diagnostics[0];
    assert_eq!(d["code"], "UnfulfilledNodeInput");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["location"]["node"], "Reply");
    assert_eq!(d["location"]["input"], "tone");
    assert!(!d["hint"].as_str().unwrap_or_default().is_empty());
}

#[test]
fn validate_json_reports_clean_files_with_empty_diagnostics() {
    let r = on_fixture(
        "validate",
        "ok_get_flow_response_knowledge_bases.json",
        &["--json"],
    );
    r.exits(0);
    let report = json(&r.stdout);
    assert!(
        format_is(&report["files"][0]["format"], "GetFlowResponse"),
        "{report}"
    );
    assert_eq!(report["files"][0]["diagnostics"], serde_json::json!([]));
}

#[test]
fn validate_json_syntax_error_has_line_and_column() {
    let (_dir, path) = folder_with(
        "broken.json",
        "{\n  \"nodes\": [\n    {\"name\": \"In\", \"type\": \"Input\",}\n  ]\n}\n",
    );
    let r = run(&["validate", path_str(&path)]);
    r.exits(2);
    r.stdout_has("broken.json:3:36: cannot parse");

    let r = run(&["validate", "--json", path_str(&path)]);
    r.exits(2);
    let report = json(&r.stdout);
    let error = &report["files"][0]["error"];
    assert_eq!(error["line"], 3, "{error}");
    assert_eq!(error["column"], 36, "{error}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("trailing comma")),
        "{error}"
    );
    assert_eq!(report["files"][0]["diagnostics"], serde_json::json!([]));
}

#[test]
fn validate_missing_file_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nowhere.strata.json");
    let r = run(&["validate", path_str(&path)]);
    r.exits(2);
    r.stdout_has("nowhere.strata.json");
    r.stdout_has("cannot read");
}

#[test]
fn validate_newer_schema_exits_2_and_says_it_is_newer() {
    let (_dir, path) = folder_with(
        "future.strata.json",
        r#"{"schemaVersion": 99, "name": "future", "flows": []}"#,
    );
    let r = run(&["validate", path_str(&path)]);
    r.exits(2);
    r.stdout_has("newer");
    r.stdout_has("99");
}

#[test]
fn validate_worst_file_decides_the_exit_code() {
    let ok = fixture("ok_lambda_then_agent_alias.json");
    let bad = fixture("err_cyclic_connection.json");
    let r = run(&["validate", path_str(&ok), path_str(&bad)]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    r.stdout_has("ok_lambda_then_agent_alias.json: ok");
    r.stdout_has("CyclicConnection");
    let r = run(&["validate", path_str(&bad), "/nonexistent/strata/file.json"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
}

#[test]
fn validate_without_paths_is_a_usage_error() {
    let r = run(&["validate"]);
    r.exits(2);
}

// ---------------------------------------------------------------------------------------------
// new, templates, nodes

#[test]
fn new_from_template_validates_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = path_str(dir.path());
    let r = run(&["new", "demo", "--template", "support-triage", "--dir", d]);
    r.exits(0);
    let file = dir.path().join("demo.strata.json");
    let created = std::fs::read_to_string(&file).expect("the project file was created");
    assert!(created.contains("\"name\": \"demo\""), "{created}");
    assert!(created.ends_with('\n'));

    let r = run(&["validate", path_str(&file)]);
    r.exits(0);
    assert!(only_agentcore_notices(&r.stdout), "{}", r.stdout);

    std::fs::write(
        &file,
        "{\"schemaVersion\": 1, \"name\": \"mine\", \"flows\": []}\n",
    )
    .expect("write");
    let r = run(&["new", "demo", "--template", "blank", "--dir", d]);
    r.exits(2);
    r.stderr_has("already exists");
    r.stderr_has("--force");
    let kept = std::fs::read_to_string(&file).expect("still there");
    assert!(
        kept.contains("\"mine\""),
        "the file was overwritten: {kept}"
    );

    let r = run(&["new", "demo", "--template", "blank", "--dir", d, "--force"]);
    r.exits(0);
    let replaced = std::fs::read_to_string(&file).expect("still there");
    assert!(replaced.contains("\"name\": \"demo\""), "{replaced}");
    // No temporary files are left beside it: only the projects and what they bring.
    assert_eq!(
        names_in(dir.path()),
        ["answers", "demo.strata.json", "docs", "handlers", "replays"]
    );
}

#[test]
fn new_writes_what_the_template_needs_and_it_runs_offline() {
    let shop = Project::new("shop", "support-triage");
    for file in [
        "shop.strata.json",
        "handlers/orders.py",
        "docs/known-issues.md",
        "replays/triage.yaml",
        "answers/triage.yaml",
    ] {
        assert!(shop.join(file).is_file(), "{file}");
    }
    let r = shop.strata(&["validate", "shop.strata.json"]);
    r.exits(0);
    assert!(only_agentcore_notices(&r.stdout), "{}", r.stdout);
    let r = shop.run().sample("bug").replay("replays/triage.yaml");
    let r = r.no_store().output();
    r.exits(0);
    r.stdout_has("output BugReply: This is a known issue");

    // A second project from the same template shares the files that are unchanged...
    shop.strata(&["new", "shop2", "--template", "support-triage"])
        .exits(0);
    // ...but never replaces one the user changed, and then writes nothing at all.
    let handler = shop.join("handlers/orders.py");
    std::fs::write(&handler, "# mine\n").expect("edit the handler");
    let r = shop.strata(&["new", "shop3", "--template", "support-triage"]);
    r.exits(2);
    r.stderr_has("orders.py").stderr_has("--force");
    assert_eq!(std::fs::read_to_string(&handler).expect("kept"), "# mine\n");
    assert!(!shop.join("shop3.strata.json").exists());
}

#[test]
fn validate_warns_about_a_missing_handler_file_and_documents_folder() {
    let shop = Project::new("shop", "support-triage");
    std::fs::remove_file(shop.join("handlers/orders.py")).expect("rm");
    std::fs::remove_dir_all(shop.join("docs")).expect("rm -r");
    let r = shop.strata(&["validate", "shop.strata.json"]);
    assert_eq!(r.code, 0, "warnings only: {}{}", r.stdout, r.stderr);
    r.stdout_has("0 errors, 2 warnings");
    r.stdout_has("warning[MissingHandlerFile]")
        .stdout_has("handlers/orders.py");
    r.stdout_has("warning[MissingDocumentsFolder]")
        .stdout_has("\"docs\"");
}

#[test]
fn every_template_creates_a_clean_project_that_runs_offline() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (t, flow) in [
        ("blank", "main"),
        ("support-triage", "triage"),
        ("batch-summaries", "summaries"),
        ("refine-loop", "refine"),
    ] {
        let r = run(&["new", t, "--template", t, "--dir", path_str(dir.path())]);
        assert_eq!(r.code, 0, "{t}: {}{}", r.stdout, r.stderr);
        let file = dir.path().join(format!("{t}.strata.json"));
        let r = run(&["validate", path_str(&file)]);
        assert_eq!(r.code, 0, "{t}: {}{}", r.stdout, r.stderr);
        assert!(only_agentcore_notices(&r.stdout), "{t}: {}", r.stdout);
        // Its replay answers every model call of every sample (support-triage's billing
        // sample also needs its answers file: the agent asks for a confirmation).
        let replay = dir.path().join(format!("replays/{flow}.yaml"));
        let answers = dir.path().join("answers/triage.yaml");
        let project = model::load(&std::fs::read_to_string(&file).expect("read"), t)
            .expect("loads")
            .project;
        for sample in &project.flows[0].samples {
            let mut args = vec![
                "run",
                path_str(&file),
                "--sample",
                &sample.name,
                "--replay",
                path_str(&replay),
                "--no-store",
            ];
            if t == "support-triage" {
                args.extend(["--answers", path_str(&answers)]);
            }
            let r = run(&args);
            assert_eq!(r.code, 0, "{t} {}: {}{}", sample.name, r.stdout, r.stderr);
            assert!(r.stdout.contains(" output "), "{t}: {}", r.stdout);
        }
    }
}

#[test]
fn new_with_unknown_template_names_the_templates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let r = run(&[
        "new",
        "x",
        "--template",
        "nope",
        "--dir",
        path_str(dir.path()),
    ]);
    r.exits(2);
    r.stderr_has("support-triage");
    assert!(!dir.path().join("x.strata.json").exists());
}

#[test]
fn templates_lists_the_four_templates() {
    let r = run(&["templates"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let names: BTreeSet<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["batch-summaries", "blank", "refine-loop", "support-triage"]),
        "{}",
        r.stdout
    );
}

#[test]
fn nodes_json_lists_all_sixteen_node_types() {
    let r = run(&["nodes", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let nodes = json(&r.stdout);
    let list = nodes.as_array().expect("an array");
    assert_eq!(list.len(), 16, "{}", r.stdout);
    let listed: BTreeSet<&str> = list
        .iter()
        .map(|n| n["type"].as_str().expect("type"))
        .collect();
    let all: BTreeSet<&str> = NodeType::VALUES.iter().map(|t| t.as_str()).collect();
    assert_eq!(listed, all);
    for n in list {
        for key in [
            "type",
            "config_key",
            "category",
            "summary",
            "inputs",
            "outputs",
        ] {
            assert!(n.get(key).is_some(), "node entry lacks {key}: {n}");
        }
    }
    let prompt = list.iter().find(|n| n["type"] == "Prompt").expect("Prompt");
    assert_eq!(prompt["config_key"], "prompt");
    assert!(prompt["outputs"]
        .as_str()
        .is_some_and(|o| o.contains("modelCompletion")));
}

#[test]
fn nodes_text_lists_every_type() {
    let r = run(&["nodes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for t in NodeType::VALUES {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{} (", t.as_str()))),
            "{t} missing:\n{}",
            r.stdout
        );
    }
}

// ---------------------------------------------------------------------------------------------
// graph

/// Every node name in the fixture, loop bodies included.
fn node_names(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("fixture");
    let loaded = strata::model::load(&text, "x").expect("loads");
    loaded.project.flows[0]
        .definition
        .all_nodes()
        .iter()
        .map(|(_, n)| n.name.clone())
        .collect()
}

#[test]
fn graph_draws_every_node_in_each_format() {
    for name in [
        "ok_do_while_loop.json",
        "ok_condition_gates_with_data.json",
        "ok_samples_iterator_collector.json",
    ] {
        let path = fixture(name);
        let names = node_names(&path);
        assert!(names.len() >= 4);
        for format in ["mermaid", "dot", "plan"] {
            let r = run(&["graph", path_str(&path), "--format", format]);
            assert_eq!(r.code, 0, "{name} {format}: {}{}", r.stdout, r.stderr);
            for n in &names {
                assert!(
                    r.stdout.contains(n.as_str()),
                    "{name} {format} lacks {n}:\n{}",
                    r.stdout
                );
            }
        }
    }
    let r = on_fixture("graph", "ok_do_while_loop.json", &["--format", "mermaid"]);
    assert!(r.stdout.starts_with("flowchart LR"), "{}", r.stdout);
    let r = on_fixture("graph", "ok_do_while_loop.json", &["--format", "dot"]);
    assert!(r.stdout.starts_with("digraph"), "{}", r.stdout);
    r.stdout_has("cluster_RefineLoop");
}

#[test]
fn graph_defaults_to_mermaid() {
    let r = on_fixture("graph", "ok_samples_iterator_collector.json", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("flowchart LR"), "{}", r.stdout);
}

#[test]
fn graph_plan_of_a_broken_flow_exits_1() {
    let r = on_fixture("graph", "err_cyclic_connection.json", &["--format", "plan"]);
    r.exits(1);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    r.stderr_has("no plan");
}

#[test]
fn graph_names_a_missing_flow() {
    let r = on_fixture("graph", "ok_do_while_loop.json", &["--flow", "nope"]);
    r.exits(2);
    r.stderr_has("no flow named \"nope\"");
}

// ---------------------------------------------------------------------------------------------
// handlers outside the project

/// A project whose Lambda handler is `handlers/enrich.py`, with `handlers` a link to a folder
/// outside the project. Returns (the temp folder, the project file).
#[cfg(unix)]
fn project_with_linked_handler() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir(&outside).expect("mkdir");
    std::fs::write(
        outside.join("enrich.py"),
        "def handler(event, context):\n    return 'ok'\n",
    )
    .expect("write");
    let project = dir.path().join("project");
    std::fs::create_dir(&project).expect("mkdir");
    std::os::unix::fs::symlink(&outside, project.join("handlers")).expect("link");
    let mut flow: serde_json::Value = json(
        &std::fs::read_to_string(fixture("warn_handler_outside_project.json")).expect("fixture"),
    );
    flow["nodes"][1]["configuration"]["lambdaFunction"]["localHandler"] =
        serde_json::Value::String("handlers/enrich.py:handler".to_owned());
    let file = project.join("flow.json");
    std::fs::write(&file, flow.to_string()).expect("write");
    (dir, file)
}

#[cfg(unix)]
#[test]
fn a_handler_linked_from_outside_the_project_is_a_warning_in_validate_and_run() {
    let (dir, file) = project_with_linked_handler();
    let out = run(&["validate", path_str(&file)]);
    out.exits(0);
    out.stdout_has("HandlerOutsideProject");
    out.stdout_has("Enrich");
    out.stdout_has("elsewhere");

    let replay = dir.path().join("replay.json");
    std::fs::write(&replay, "[]").expect("write");
    let out = run(&[
        "run",
        path_str(&file),
        "--provider",
        "scripted",
        "--replay",
        path_str(&replay),
        "--input",
        "hello",
        "--no-store",
    ]);
    assert!(
        out.stderr.contains("warning[HandlerOutsideProject]") && out.stderr.contains("elsewhere"),
        "stdout: {}\nstderr: {}",
        out.stdout,
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// writes: never replace a file without --force, never the file being read, never through a link

/// The names in a folder, sorted (temporary files included).
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list the folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".data")
        .collect();
    names.sort();
    names
}

#[test]
fn export_out_needs_force_to_replace_and_never_writes_over_the_project() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let project = dir.path().join("p.json");
    std::fs::copy(fixture("ok_docs_playlist_create_flow.json"), &project).expect("copy");
    let original = std::fs::read(&project).expect("read");
    let out = dir.path().join("out.yaml");
    std::fs::write(&out, "keep me").expect("old output");

    let r = run_in(dir.path(), &["export", "p.json", "-o", "out.yaml"]);
    r.exits(2);
    r.stderr_has("already exists").stderr_has("--force");
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "keep me");

    let r = run_in(
        dir.path(),
        &["export", "p.json", "-o", "out.yaml", "--force"],
    );
    r.exits(0);
    assert!(std::fs::read_to_string(&out)
        .expect("read")
        .contains("AWS::Bedrock::Flow"));

    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["export", "p.json", "--format", "flow-json", "-o", "p.json"];
        args.extend_from_slice(extra);
        let r = run_in(dir.path(), &args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        r.stderr_has("being read");
        assert_eq!(std::fs::read(&project).expect("read"), original);
    }
    assert_eq!(names_in(dir.path()), ["out.yaml", "p.json"]);
}

#[cfg(unix)]
#[test]
fn export_out_treats_a_symlink_as_existing_and_force_replaces_the_link_not_its_target() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let project = dir.path().join("p.json");
    std::fs::copy(fixture("ok_docs_playlist_create_flow.json"), &project).expect("copy");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("victim");
    std::os::unix::fs::symlink(&victim, dir.path().join("link.yaml")).expect("link");
    std::os::unix::fs::symlink(&project, dir.path().join("self.yaml")).expect("link");

    let r = run_in(dir.path(), &["export", "p.json", "-o", "link.yaml"]);
    r.exits(2);
    r.stderr_has("--force");
    let r = run_in(
        dir.path(),
        &["export", "p.json", "-o", "self.yaml", "--force"],
    );
    assert_eq!(
        r.code, 2,
        "a link to the project is the project: {}",
        r.stderr
    );
    let r = run_in(
        dir.path(),
        &["export", "p.json", "-o", "link.yaml", "--force"],
    );
    r.exits(0);
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    let link = std::fs::symlink_metadata(dir.path().join("link.yaml")).expect("meta");
    assert!(
        !link.file_type().is_symlink(),
        "the link itself was replaced"
    );
}

#[test]
fn run_trace_and_record_need_force_and_never_replace_the_project() {
    let dir = Project::new("p", "blank");
    let project = std::fs::read(dir.path().join("p.strata.json")).expect("project");
    std::fs::write(dir.path().join("trace.jsonl"), "old\n").expect("old trace");
    std::fs::write(dir.path().join("rec.json"), "old\n").expect("old recording");
    let with = |extra: &[&str]| dir.run().input("\"hi\"").no_store().args(extra).output();

    for extra in [
        &["--trace", "trace.jsonl"][..],
        &["--record", "rec.json"][..],
    ] {
        let r = with(extra);
        assert_eq!(r.code, 2, "{extra:?}: {}{}", r.stdout, r.stderr);
        r.stderr_has("already exists").stderr_has("--force");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("trace.jsonl")).expect("read"),
        "old\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rec.json")).expect("read"),
        "old\n"
    );
    for extra in [
        &["--trace", "p.strata.json", "--force"][..],
        &["--record", "p.strata.json", "--force"][..],
    ] {
        let r = with(extra);
        assert_eq!(r.code, 2, "{extra:?}: {}{}", r.stdout, r.stderr);
        r.stderr_has("being read");
    }
    assert_eq!(
        std::fs::read(dir.path().join("p.strata.json")).expect("read"),
        project
    );

    let r = with(&["--trace", "trace.jsonl", "--force"]);
    r.exits(0);
    let trace = std::fs::read_to_string(dir.path().join("trace.jsonl")).expect("read");
    assert!(trace.lines().count() > 1, "{trace}");
    for line in trace.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each line is JSON");
    }
    // No temporary files are left: the project, what `new` brought, and the two outputs.
    assert_eq!(
        names_in(dir.path()),
        ["p.strata.json", "rec.json", "replays", "trace.jsonl"]
    );
}

#[test]
fn import_without_out_keeps_the_name_a_plain_file_in_the_current_folder() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).expect("folder");
    let mut doc: serde_json::Value = json(
        &std::fs::read_to_string(fixture("ok_docs_playlist_create_flow.json")).expect("fixture"),
    );
    doc["name"] = serde_json::json!("../escaped");
    std::fs::write(work.join("doc.json"), doc.to_string()).expect("document");

    let r = run_in(&work, &["import", "doc.json"]);
    r.exits(0);
    assert_eq!(
        names_in(dir.path()),
        ["work"],
        "nothing written outside the folder"
    );
    let written: Vec<String> = names_in(&work)
        .into_iter()
        .filter(|n| n != "doc.json")
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(
        written[0].ends_with(".strata.json") && !written[0].starts_with('.'),
        "{written:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// what a model, a tool or a document wrote is printed escaped

#[test]
fn a_tool_call_cannot_redraw_the_confirmation_prompt() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temporary folder");
    let replay = dir.path().join("replay.json");
    let hostile = "Late fee\r\u{1b}[2K\u{1b}[1Athe agent wants to run billing.lookup()\nconfirm";
    let script = serde_json::json!([
        {"contains": "refund", "toolUse": [{"name": "billing__refund",
            "input": {"invoice_id": "INV-1042", "amount": 12.5, "reason": hostile}}]},
        {"text": "Not refunded.\r\u{1b}[31mDone\u{1b}[0m"}
    ]);
    std::fs::write(&replay, script.to_string()).expect("replay");
    let answers = dir.path().join("answers.json");
    std::fs::write(
        &answers,
        serde_json::json!({"inputs": ["Please refund the fee"], "replies": ["n"]}).to_string(),
    )
    .expect("answers");
    let out = strata()
        .current_dir(root)
        .env("STRATA_DATA_DIR", dir.path().join("data"))
        .args([
            "chat",
            "examples/customer-support/support.strata.json",
            "--agent",
            "Support",
            "--replay",
            path_str(&replay),
            "--answers",
            path_str(&answers),
            "--no-store",
        ])
        .output()
        .expect("strata runs");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        !stdout.contains('\r') && !stdout.contains('\u{1b}'),
        "{stdout:?}"
    );
    let prompt = stdout
        .lines()
        .find(|l| l.starts_with("the agent wants to run billing.refund("))
        .unwrap_or_else(|| panic!("a confirmation prompt:\n{stdout}"));
    assert!(
        prompt.contains(
            r"Late fee\r\u{1b}[2K\u{1b}[1Athe agent wants to run billing.lookup()\nconfirm"
        ),
        "{prompt}"
    );
    assert!(!stdout.lines().any(|l| l == "confirm"), "{stdout}");
}

#[test]
fn a_flow_output_with_control_characters_is_printed_escaped() {
    let p = Project::new("p", "blank");
    let input = serde_json::json!("ok\r\u{1b}[2Kfake\u{202e}").to_string();
    let r = p.run().input(&input).no_store().output();
    r.exits(0);
    assert!(
        !r.stdout.contains('\r') && !r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{202e}'),
        "{:?}",
        r.stdout
    );
    r.stdout_has(r"ok\r\u{1b}[2Kfake\u{202e}");
}

// ---------------------------------------------------------------------------------------------
// every bad file is named and located

#[test]
fn invalid_utf8_empty_files_and_a_bom_are_reported_with_the_path() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let good = std::fs::read(fixture("ok_docs_playlist_create_flow.json")).expect("fixture");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(&good);
    std::fs::write(dir.path().join("bom.json"), &bom).expect("bom");
    std::fs::write(dir.path().join("empty.json"), "").expect("empty");
    std::fs::write(dir.path().join("bad.json"), b"{\n  \"name\": \"a\xFFb\"\n}").expect("bad");

    let r = run_in(dir.path(), &["validate", "bom.json"]);
    r.exits(0);
    for cmd in [
        &["validate"][..],
        &["export"][..],
        &["graph"][..],
        &["import"][..],
    ] {
        // Each file, and what the message says of it besides its name.
        for (file, says) in [
            ("empty.json", &["empty"][..]),
            ("bad.json", &["byte offset 14", "line 2"][..]),
        ] {
            let args = [cmd, &[file]].concat();
            let r = run_in(dir.path(), &args);
            let all = format!("{}{}", r.stdout, r.stderr);
            assert_eq!(r.code, 2, "{args:?}: {all}");
            assert!(
                all.contains(file) && says.iter().all(|s| all.contains(s)),
                "{args:?}: {all}"
            );
        }
    }
    let r = run_in(dir.path(), &["validate", "--json", "bad.json"]);
    let report = json(&r.stdout);
    assert_eq!(report["files"][0]["error"]["line"], 2, "{report}");
    assert_eq!(report["files"][0]["error"]["column"], 13, "{report}");
}

#[test]
fn replay_and_answers_files_of_the_wrong_shape_name_the_field() {
    let p = Project::new("p", "blank");
    std::fs::write(
        p.join("replay.yaml"),
        "- text: hi\n- toolUse: [{input: {}}]\n",
    )
    .expect("replay");
    std::fs::write(p.join("answers.yaml"), "inputs: [hello, {a: 1}]\n").expect("answers");
    std::fs::write(p.join("empty.yaml"), "\u{feff}\n").expect("empty");
    let run_with = |flag: &str, file: &str| p.run().input("1").no_store().args(&[flag, file]);

    let r = run_with("--replay", "replay.yaml").output();
    r.exits(2);
    r.stderr_has("replay.yaml").stderr_has("[1].toolUse[0]");

    let r = run_with("--answers", "answers.yaml").output();
    r.exits(2);
    r.stderr_has("answers.yaml").stderr_has("inputs[1]");

    for flag in ["--replay", "--answers"] {
        let r = run_with(flag, "empty.yaml").output();
        assert_eq!(r.code, 2, "{flag}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("empty.yaml") && r.stderr.contains("empty"),
            "{flag}: {}",
            r.stderr
        );
    }
}

#[test]
fn run_of_a_flow_with_errors_exits_1() {
    let r = on_fixture("run", "err_cyclic_connection.json", &["--no-store"]);
    r.exits(1);
    r.stderr_has("has errors and cannot run");
}

// ---------------------------------------------------------------------------------------------
// without AWS credentials: one line that says what to do

#[test]
fn no_aws_credentials_reads_as_one_line_that_says_what_to_do() {
    let shop = Project::new("shop", "support-triage");

    let r = shop.run().sample("bug").args(&["--region", "us-east-1"]);
    let r = r.output();
    r.exits(1);
    let failed: Vec<&str> = r.stdout.lines().filter(|l| l.contains("FAILED")).collect();
    assert_eq!(failed.len(), 1, "{}", r.stdout);
    for what in [
        "no AWS credentials",
        "aws configure",
        "--profile",
        "--replay",
        "--base-url",
    ] {
        assert!(failed[0].contains(what), "{what}: {}", failed[0]);
    }
    assert!(
        !failed[0].contains("IMDS") && !failed[0].contains("\\n"),
        "{}",
        failed[0]
    );

    let role = "arn:aws:iam::123456789012:role/BedrockRole";
    let deploy = [
        "deploy",
        "shop.strata.json",
        "--region",
        "us-east-1",
        "--dry-run",
    ];
    let r = shop.strata(&[&deploy[..], &["--role-arn", role]].concat());
    r.exits(1);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("error: no AWS credentials") && r.stderr.contains("aws configure"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains('{') && !r.stderr.contains("IMDS"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// what a run prints

#[test]
fn a_flow_output_is_printed_whole_even_with_quiet() {
    let p = Project::new("p", "blank");
    let answer = format!(
        "{}\nSecond paragraph, after a line break.\tTabbed. The end.",
        "A long answer that goes on. ".repeat(12)
    );
    let input = serde_json::json!(answer).to_string();
    for quiet in [false, true] {
        let flags: &[&str] = if quiet { &["-q"] } else { &[] };
        let r = p.run().input(&input).no_store().args(flags).output();
        r.exits(0);
        assert!(
            r.stdout.contains(&format!("output FlowOutput: {answer}\n")),
            "quiet {quiet}: {}",
            r.stdout
        );
    }
}

#[test]
fn a_confirmation_is_asked_after_the_steps_that_led_to_it() {
    let shop = Project::new("shop", "support-triage");
    let r = shop.run().sample("billing").replay("replays/triage.yaml");
    let r = r.answers("answers/triage.yaml").no_store().output();
    r.exits(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let at = |text: &str| {
        lines
            .iter()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("no line with {text:?}:\n{}", r.stdout))
    };
    let order = [
        at("→ LAMBDA orders.lookupOrder(orderId=A-1001)"),
        at("← ACTION_GROUP: {\"status\": \"delivered\""),
        at("→ LAMBDA orders.refundOrder(orderId=A-1001)"),
        at("Billing wants a confirmation:"),
        at("the agent wants to run orders.refundOrder(orderId=A-1001)"),
        at("confirm? [y/N] CONFIRM"),
        at("← ACTION_GROUP: {\"orderId\": \"A-1001\", \"refundId\""),
        at("output BillingReply:"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "{order:?}:\n{}",
        r.stdout
    );
    assert!(!r.stdout.contains("returned control"), "{}", r.stdout);
}

/// `run_<16 digits>_<hex>`, the one run id format.
fn is_run_id(id: &str) -> bool {
    let mut parts = id.split('_');
    parts.next() == Some("run")
        && parts
            .next()
            .is_some_and(|t| t.len() == 16 && t.bytes().all(|b| b.is_ascii_digit()))
        && parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_hexdigit()))
        && parts.next().is_none()
}

#[test]
fn run_ids_have_one_format_with_and_without_the_store() {
    let p = Project::new("p", "blank");
    let text_id = |stdout: &str| -> String {
        let first = stdout.lines().next().unwrap_or_default();
        first
            .strip_prefix("run ")
            .and_then(|rest| rest.split(':').next())
            .unwrap_or_else(|| panic!("no run id in {first:?}"))
            .to_owned()
    };

    let r = p.run().no_store().output();
    r.exits(0);
    let id = text_id(&r.stdout);
    assert!(is_run_id(&id), "--no-store: {id}");

    let r = p.run().no_store().args(&["--json"]).output();
    let started = json(r.stdout.lines().next().expect("a first event"));
    let id = started["runId"].as_str().unwrap_or_default();
    assert!(is_run_id(id), "--json --no-store: {started}");

    let r = p.run().output();
    r.exits(0);
    let stored = text_id(&r.stdout);
    assert!(is_run_id(&stored), "stored: {stored}");
    assert!(
        r.stdout
            .contains(&format!("recorded as {stored}: strata runs show {stored}")),
        "{}",
        r.stdout
    );
    let r = p.strata(&["runs", "list", "--json"]);
    assert_eq!(json(&r.stdout)[0]["id"], stored.as_str(), "{}", r.stdout);
    for show in [stored.as_str(), "latest"] {
        let r = p.strata(&["runs", "show", show]);
        assert_eq!(r.code, 0, "{show}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.starts_with(&format!("run      {stored}\n")),
            "{}",
            r.stdout
        );
    }
}

/// Whether `strata validate` found nothing but what a new project's agents lose on AgentCore
/// (new projects ship agents there; a guardrail or a confirmed Lambda action has no
/// AgentCore equivalent, and says so).
fn only_agentcore_notices(stdout: &str) -> bool {
    if stdout.contains("no problems") {
        return true;
    }
    let findings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("  error[") || l.starts_with("  warning["))
        .collect();
    !findings.is_empty()
        && findings
            .iter()
            .all(|l| l.starts_with("  warning[AgentCoreNoEquivalent]"))
}

#[test]
fn an_alias_rolls_back_to_the_version_it_pointed_at_before() {
    let p = Project::new("rb", "support-triage");
    p.strata(&["version", "create", &p.file, "--description", "first"])
        .exits(0);
    let text = std::fs::read_to_string(p.join(&p.file)).expect("the project");
    let mut project = model::load(&text, "rb").expect("loads").project;
    project.flows[0].description = Some("second cut".into());
    std::fs::write(p.join(&p.file), project.to_json()).expect("write");
    p.strata(&["version", "create", &p.file, "--description", "second"])
        .exits(0)
        .stdout_has("created version 2");
    p.strata(&["alias", "rollback", &p.file, "live"])
        .exits(2)
        .stderr_has("alias \"live\"");
    p.strata(&["alias", "set", &p.file, "live", "1"]).exits(0);
    p.strata(&["alias", "rollback", &p.file, "live"])
        .exits(2)
        .stderr_has("has not moved since it was made");
    p.strata(&["alias", "set", &p.file, "live", "2"]).exits(0);
    p.strata(&["alias", "rollback", &p.file, "live"])
        .exits(0)
        .stdout_has("version 1");
    p.strata(&["alias", "list", &p.file])
        .exits(0)
        .stdout_has("live");
}
