//! The debugger's hooks into a run, in the executor and on the command line: re-run from a
//! node reusing a recorded run (`Seed`, `strata run --from NODE --reuse RUN_ID`), pinned
//! outputs (`--pin NODE.OUTPUT=JSON`) and breakpoints. The number of model calls a scripted
//! provider served is the proof of what ran.

use serde_json::{json, Value};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use strata::model::Project;
use strata::providers::scripted::{Script, ScriptedProvider};
use strata::providers::ModelProvider;
use strata::run::{
    BreakpointAction, Debug, InputField, OnBreakpoint, RunContext, RunEvent, RunStatus, Seed,
};

mod support {
    pub mod cli;
    pub mod flows;
    pub mod runs;
}

use support::flows::{data, input_node, iterate_and_collect, output_node, project, prompt_node};
use support::runs::{failed, run, skipped, template};

/// FlowInput → Draft → Polish → Out: two model calls in a row.
fn chain_definition() -> Value {
    json!({
        "nodes": [
            input_node("String"),
            prompt_node("Draft", "Write about {{topic}}", "topic", "$.data"),
            prompt_node("Polish", "Polish: {{draft}}", "draft", "$.data"),
            output_node("Out", "String"),
        ],
        "connections": [
            data("FlowInput", "document", "Draft", "topic"),
            data("Draft", "modelCompletion", "Polish", "draft"),
            data("Polish", "modelCompletion", "Out", "document"),
        ]
    })
}

fn chain() -> Project {
    project(chain_definition())
}

fn script(yaml: &str) -> Arc<ScriptedProvider> {
    Arc::new(ScriptedProvider::new(
        Script::parse(yaml, "test").expect("script parses"),
    ))
}

fn context(provider: &Arc<ScriptedProvider>, run_id: &str) -> RunContext {
    let provider: Arc<dyn ModelProvider> = provider.clone();
    RunContext::new(provider, ".").with_run_id(run_id)
}

/// The recorded first run of the chain: Draft said "draft one", Polish "polished one".
async fn first_run() -> Vec<RunEvent> {
    let provider = script("- text: draft one\n- text: polished one\n");
    let (result, events) = run(&chain(), "main", json!("owls"), context(&provider, "first")).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    events
}

fn started(events: &[RunEvent], node: &str) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, RunEvent::NodeStarted { node: n, .. } if &**n == node))
        .count()
}

/// Why `node` was not run, and from which run, if it was reused or pinned.
fn reused<'a>(events: &'a [RunEvent], node: &str) -> Option<(Option<&'a str>, &'a str)> {
    events.iter().find_map(|e| match e {
        RunEvent::NodeReused {
            node: n,
            from_run,
            reason,
            ..
        } if &**n == node => Some((from_run.as_deref(), reason.as_str())),
        _ => None,
    })
}

/// The value `node` received on `input`, the last time it did.
fn input_of(events: &[RunEvent], node: &str, input: &str) -> Option<Value> {
    events.iter().rev().find_map(|e| match e {
        RunEvent::NodeInput {
            node: n, fields, ..
        } if &**n == node => fields
            .iter()
            .find(|f| &*f.node_input_name == input)
            .map(|f| f.content.document.clone()),
        _ => None,
    })
}

fn seeded(from: &str, events: &[RunEvent]) -> Debug {
    Debug {
        seed: Some(Seed::from_events(from, events)),
        ..Debug::default()
    }
}

// ---------------------------------------------------------------- run from here

#[tokio::test]
async fn run_from_here_calls_only_the_downstream_models() {
    let recorded = first_run().await;
    let provider = script("- text: polished two\n");
    let ctx = context(&provider, "second").with_debug(seeded("Polish", &recorded));
    let (result, events) = run(&chain(), "main", json!("owls"), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(provider.remaining(), 0, "Polish made the one call");
    assert_eq!(result.output("Out"), Some(&json!("polished two")));
    assert_eq!(started(&events, "Draft"), 0);
    assert_eq!(
        reused(&events, "Draft"),
        Some((Some("first"), "reused from run first"))
    );
    assert!(reused(&events, "FlowInput").is_some());
    assert_eq!(
        input_of(&events, "Polish", "draft"),
        Some(json!("draft one"))
    );
    assert!(events.iter().any(|e| matches!(e,
        RunEvent::NodeOutput { node, fields, .. }
            if &**node == "Draft" && fields[0].content.document == json!("draft one"))));

    // From the last node: no model is called at all, and a re-run can be re-run.
    let provider = script("[]");
    let ctx = context(&provider, "third").with_debug(seeded("Out", &events));
    let (result, again) = run(&chain(), "main", json!("owls"), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{again:#?}");
    assert_eq!(result.output("Out"), Some(&json!("polished two")));
    assert_eq!(
        reused(&again, "Polish"),
        Some((Some("second"), "reused from run second"))
    );
}

#[tokio::test]
async fn a_node_inside_an_iterator_re_runs_its_iterator() {
    let p = iterate_and_collect(
        prompt_node("Summarise", "Sum up {{item}}", "item", "$.data"),
        "item",
    );
    let doc = json!(["a", "b"]);
    let provider = script("- text: A\n- text: B\n");
    let (_, recorded) = run(&p, "main", doc.clone(), context(&provider, "first")).await;

    let provider = script("- text: A2\n- text: B2\n");
    let ctx = context(&provider, "second").with_debug(seeded("Summarise", &recorded));
    let (result, events) = run(&p, "main", doc.clone(), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(provider.remaining(), 0, "one call per item");
    assert_eq!(result.output("All"), Some(&json!(["A2", "B2"])));
    let (_, reason) = reused(&events, "FlowInput").expect("the input is reused");
    assert_eq!(
        reason,
        "reused from run first; Summarise is inside Each, which runs again whole"
    );

    // After the Iterator: its Collector's array is reused, and no item runs.
    let provider = script("[]");
    let ctx = context(&provider, "third").with_debug(seeded("All", &recorded));
    let (result, events) = run(&p, "main", doc, ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("All"), Some(&json!(["A", "B"])));
    assert_eq!(started(&events, "Summarise"), 0);
    assert!(reused(&events, "Gather").is_some());
}

#[tokio::test]
async fn a_reused_condition_keeps_its_choice() {
    let p = template("support-triage");
    let doc = json!({"message": "Do you ship to Norway?"});
    let provider = script("- text: OTHER\n");
    let (_, recorded) = run(&p, "triage", doc.clone(), context(&provider, "first")).await;

    // Route chose `default` in the record: OtherReply runs again, the other branches are
    // skipped for the recorded choice, and Classify's model is not called.
    let provider = script("[]");
    let ctx = context(&provider, "second").with_debug(seeded("Route", &recorded));
    let (result, events) = run(&p, "triage", doc, ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(
        result.output("OtherReply"),
        Some(&json!("Do you ship to Norway?"))
    );
    assert!(reused(&events, "Classify").is_some());
    assert_eq!(
        started(&events, "Route"),
        1,
        "Route runs again on the reused kind"
    );
    assert_eq!(
        skipped(&events, "DocsAnswer"),
        Some("condition Route.isBug was not chosen (Route chose default)")
    );

    // From OtherReply, Route's recorded choice is reused.
    let ctx = context(&provider, "third").with_debug(seeded("OtherReply", &recorded));
    let (result, events) = run(&p, "triage", json!({"message": "?"}), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(
        result.output("OtherReply"),
        Some(&json!("Do you ship to Norway?")),
        "the reused input, not this run's"
    );
    assert!(events.iter().any(|e| matches!(e,
        RunEvent::ConditionResult { node, satisfied_conditions, .. }
            if &**node == "Route" && satisfied_conditions == &["default"])));
    assert_eq!(
        skipped(&events, "DocsAnswer"),
        Some(
            "not run again: run first has nothing to reuse: it was skipped there \
             (condition Route.isBug was not chosen (Route chose default))"
        )
    );
}

#[tokio::test]
async fn a_node_inside_a_loop_re_runs_its_loop_and_pins_hold_inside_it() {
    let p = template("refine-loop");
    let doc = p
        .flow("refine")
        .and_then(|f| f.samples.iter().find(|s| s.name == "memo"))
        .map(|s| s.document.clone())
        .expect("the memo sample");
    let rounds = || {
        Arc::new(
            ScriptedProvider::from_file(
                &Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/run_fixtures/refine-loop.script.yaml"),
            )
            .expect("script loads"),
        )
    };
    let provider = rounds();
    let (_, recorded) = run(&p, "refine", doc.clone(), context(&provider, "first")).await;

    let provider = rounds();
    let ctx = context(&provider, "second").with_debug(seeded("Review", &recorded));
    let (result, events) = run(&p, "refine", doc.clone(), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(provider.remaining(), 0, "both rounds ran again");
    let (_, reason) = reused(&events, "FlowInput").expect("the input is reused");
    assert_eq!(
        reason,
        "reused from run first; Review is inside Refine, which runs again whole"
    );

    // Review pinned to approve: one round, and only Improve calls the model.
    let provider = rounds();
    let ctx = context(&provider, "third").with_debug(pinned(
        "Review",
        "modelCompletion",
        json!("APPROVED"),
    ));
    let (result, events) = run(&p, "refine", doc, ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(provider.remaining(), 3);
    assert_eq!(started(&events, "Improve"), 1);
    assert_eq!(
        result.output("FlowOutput"),
        Some(&json!("Let's move the meeting to Thursday."))
    );
}

#[tokio::test]
async fn a_record_without_a_needed_output_fails_before_anything_runs() {
    // Draft failed in the recorded run (no scripted reply), so Polish has no input.
    let provider = script("[]");
    let (_, recorded) = run(&chain(), "main", json!("owls"), context(&provider, "first")).await;
    assert!(failed(&recorded, "Draft").is_some());

    let provider = script("- text: never\n");
    let ctx = context(&provider, "second").with_debug(seeded("Polish", &recorded));
    let (result, events) = run(&chain(), "main", json!("owls"), ctx).await;
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(provider.remaining(), 1, "no model was called");
    let error = failed(&events, "Draft").expect("the missing node is named");
    assert!(
        error.starts_with(
            "cannot re-run reusing run first: Polish needs Draft.modelCompletion, \
             and run first has no value for it: it failed there (node Draft:"
        ),
        "{error}"
    );
    assert!(events
        .iter()
        .all(|e| !matches!(e, RunEvent::NodeStarted { .. })));

    // A node the flow no longer has.
    let ctx = context(&provider, "third").with_debug(seeded("Gone", &recorded));
    let (_, events) = run(&chain(), "main", json!("owls"), ctx).await;
    assert_eq!(
        failed(&events, "Gone"),
        Some("cannot re-run from Gone: flow main has no node of that name")
    );
}

// ---------------------------------------------------------------- pins

fn pinned(node: &str, output: &str, value: Value) -> Debug {
    let mut debug = Debug::default();
    debug
        .pins
        .entry(node.to_owned())
        .or_default()
        .insert(output.to_owned(), value);
    debug
}

#[tokio::test]
async fn a_pinned_node_gives_its_pin_without_running() {
    let provider = script("- text: polished pin\n");
    let ctx = context(&provider, "pins").with_debug(pinned(
        "Draft",
        "modelCompletion",
        json!("my own draft"),
    ));
    let (result, events) = run(&chain(), "main", json!("owls"), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(provider.remaining(), 0, "only Polish called the model");
    assert_eq!(started(&events, "Draft"), 0);
    assert_eq!(reused(&events, "Draft"), Some((None, "pinned")));
    assert_eq!(
        input_of(&events, "Polish", "draft"),
        Some(json!("my own draft"))
    );
}

#[tokio::test]
async fn a_pin_that_does_not_fit_is_a_clear_error() {
    let cases = [
        (
            pinned("Draft", "modelCompletion", json!(3)),
            "Draft",
            "cannot pin Draft.modelCompletion: it is declared String but the pinned value is Number",
        ),
        (
            pinned("Draft", "completion", json!("x")),
            "Draft",
            "cannot pin Draft: it has no output completion (its outputs: modelCompletion)",
        ),
        (
            pinned("Out", "document", json!("x")),
            "Out",
            "cannot pin Out: Output nodes have no outputs to pin",
        ),
        (
            pinned("Nobody", "x", json!("x")),
            "Nobody",
            "cannot pin Nobody: flow main has no node of that name",
        ),
    ];
    for (debug, node, expected) in cases {
        let provider = script("- text: a\n- text: b\n");
        let ctx = context(&provider, "pins").with_debug(debug);
        let (result, events) = run(&chain(), "main", json!("owls"), ctx).await;
        assert_eq!(result.status, RunStatus::Failed);
        assert_eq!(failed(&events, node), Some(expected));
        assert_eq!(provider.remaining(), 2, "nothing ran");
    }
}

// ---------------------------------------------------------------- breakpoints

type Pauses = Arc<Mutex<Vec<(String, Vec<InputField>)>>>;

/// Records every pause and answers each with `answer(node, inputs, how many pauses so far)`.
fn on_breakpoint(
    pauses: &Pauses,
    answer: impl Fn(&str, &[InputField], usize) -> Option<BreakpointAction> + Send + Sync + 'static,
) -> OnBreakpoint {
    let pauses = pauses.clone();
    let answer = Arc::new(answer);
    Arc::new(move |node: String, inputs: Vec<InputField>| {
        let pauses = pauses.clone();
        let answer = answer.clone();
        Box::pin(async move {
            let n = {
                let mut seen = pauses.lock().expect("not poisoned");
                seen.push((node.clone(), inputs.clone()));
                seen.len()
            };
            // The person reads the inputs for ten minutes; the node's clock must not run.
            tokio::time::sleep(Duration::from_secs(600)).await;
            answer(&node, &inputs, n)
        })
    })
}

fn breakpoints(nodes: &[&str], on: OnBreakpoint) -> Debug {
    Debug {
        breakpoints: nodes.iter().map(|n| (*n).to_owned()).collect(),
        on_breakpoint: Some(on),
        ..Debug::default()
    }
}

fn edit(inputs: &[InputField], value: Value) -> Option<BreakpointAction> {
    let mut edited = inputs.to_vec();
    edited[0].content.document = value;
    Some(BreakpointAction {
        inputs: Some(edited),
        step: false,
    })
}

#[tokio::test(start_paused = true)]
async fn a_breakpoint_pauses_with_the_inputs_and_takes_the_edit() {
    let pauses = Pauses::default();
    let on = on_breakpoint(&pauses, |_, inputs, _| edit(inputs, json!("edited draft")));
    let provider = script("- text: draft one\n- text: polished\n");
    let ctx = context(&provider, "bp")
        .with_node_timeout(Duration::from_secs(10))
        .with_debug(breakpoints(&["Polish"], on));
    let (result, events) = run(&chain(), "main", json!("owls"), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    let seen = pauses.lock().expect("not poisoned").clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "Polish");
    assert_eq!(seen[0].1[0].content.document, json!("draft one"));
    assert_eq!(
        input_of(&events, "Polish", "draft"),
        Some(json!("edited draft"))
    );
}

#[tokio::test(start_paused = true)]
async fn step_pauses_before_the_next_node_and_none_cancels() {
    let pauses = Pauses::default();
    let on = on_breakpoint(&pauses, |_, _, n| {
        Some(BreakpointAction {
            inputs: None,
            step: n < 3,
        })
    });
    let provider = script("- text: d\n- text: p\n");
    let ctx = context(&provider, "step").with_debug(breakpoints(&["Draft"], on));
    let (result, _) = run(&chain(), "main", json!("owls"), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded);
    let nodes: Vec<String> = pauses
        .lock()
        .expect("not poisoned")
        .iter()
        .map(|(node, _)| node.clone())
        .collect();
    assert_eq!(nodes, ["Draft", "Polish", "Out"]);

    let pauses = Pauses::default();
    let on = on_breakpoint(&pauses, |_, _, _| None);
    let provider = script("- text: d\n- text: p\n");
    let ctx = context(&provider, "cancel").with_debug(breakpoints(&["Draft"], on));
    let (result, events) = run(&chain(), "main", json!("owls"), ctx).await;
    assert_eq!(result.status, RunStatus::Cancelled, "{events:#?}");
    assert!(events
        .iter()
        .any(|e| matches!(e, RunEvent::Cancelled { .. })));
    assert_eq!(provider.remaining(), 2, "no model was called");
}

#[tokio::test(start_paused = true)]
async fn a_bad_edit_fails_the_node_and_breakpoints_pause_per_item() {
    let pauses = Pauses::default();
    let on = on_breakpoint(&pauses, |_, inputs, _| edit(inputs, json!(42)));
    let provider = script("- text: d\n- text: p\n");
    let ctx = context(&provider, "bad").with_debug(breakpoints(&["Polish"], on));
    let (result, events) = run(&chain(), "main", json!("owls"), ctx).await;
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(
        failed(&events, "Polish"),
        Some(
            "node Polish: the inputs edited at the breakpoint are refused: \
             input draft expects String but the edited value is Number"
        )
    );

    let p = iterate_and_collect(
        prompt_node("Summarise", "Sum up {{item}}", "item", "$.data"),
        "item",
    );
    let pauses = Pauses::default();
    let on = on_breakpoint(&pauses, |_, _, _| Some(BreakpointAction::default()));
    let provider = script("- text: A\n- text: B\n");
    let ctx = context(&provider, "items").with_debug(breakpoints(&["Summarise"], on));
    let (result, _) = run(&p, "main", json!(["a", "b"]), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded);
    let items: Vec<Value> = pauses
        .lock()
        .expect("not poisoned")
        .iter()
        .map(|(_, inputs)| inputs[0].content.document.clone())
        .collect();
    assert_eq!(items, [json!("a"), json!("b")]);
}

// ---------------------------------------------------------------- strata run

use support::cli::strata_in as strata;

fn strata_run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = strata(dir)
        .arg("run")
        .arg("p.strata.json")
        .args(args)
        .output()
        .expect("strata runs");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    )
}

fn chain_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    let project = json!({"schemaVersion": 1, "name": "t",
                         "flows": [{"name": "main", "definition": chain_definition()}]});
    std::fs::write(dir.path().join("p.strata.json"), project.to_string()).expect("write");
    for (name, text) in [
        ("both.yaml", "- text: draft one\n- text: polished one\n"),
        ("one.yaml", "- text: polished two\n"),
    ] {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

#[test]
fn strata_run_from_reuses_a_stored_run() {
    let dir = chain_folder();
    let d = dir.path();
    let (code, out, err) = strata_run(d, &["--input", "owls", "--replay", "both.yaml"]);
    assert_eq!(code, 0, "{out}{err}");
    let first = out
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("run "))
        .and_then(|l| l.split(':').next())
        .expect("the run id comes first")
        .to_owned();

    // One scripted reply: a second model call would fail the run. No --input: the reused
    // run's is taken.
    let (code, out, err) = strata_run(
        d,
        &[
            "--from", "Polish", "--reuse", &first, "--replay", "one.yaml",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("Draft not run: reused from run {first}")),
        "{out}"
    );
    assert!(out.contains("output Out: polished two"), "{out}");

    // `latest` is this flow's newest run: the re-run just made.
    let (code, out, err) = strata_run(
        d,
        &["--from", "Out", "--reuse", "latest", "--replay", "one.yaml"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Polish not run: reused from run"), "{out}");
    assert!(!out.contains(&format!("reused from run {first}")), "{out}");
    assert!(out.contains("output Out: polished two"), "{out}");

    let (code, out, err) = strata_run(d, &["--from", "Nope", "--reuse", &first]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("cannot re-run from Nope: flow main has no node of that name"),
        "{err}"
    );
    let (code, _, err) = strata_run(d, &["--from", "Polish", "--reuse", "run_nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no run run_nope in the run store"), "{err}");
    let (code, _, err) = strata_run(d, &["--from", "Polish", "--reuse", &first, "--no-store"]);
    assert_eq!(code, 2);
    assert!(err.contains("--reuse reads the run store"), "{err}");
}

#[test]
fn strata_run_pin_gives_a_nodes_output() {
    let dir = chain_folder();
    let d = dir.path();
    let (code, out, err) = strata_run(
        d,
        &[
            "--input",
            "owls",
            "--replay",
            "one.yaml",
            "--pin",
            "Draft.modelCompletion=my draft",
            "--no-store",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Draft not run: pinned"), "{out}");
    assert!(out.contains("output Out: polished two"), "{out}");

    let (code, _, err) = strata_run(
        d,
        &[
            "--input",
            "owls",
            "--pin",
            "Draft.modelCompletion=[1]",
            "--no-store",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "cannot pin Draft.modelCompletion: it is declared String but the pinned value is Array"
        ),
        "{err}"
    );
    let (code, _, err) = strata_run(d, &["--input", "owls", "--pin", "Draft", "--no-store"]);
    assert_eq!(code, 2);
    assert!(err.contains("write NODE.OUTPUT=JSON"), "{err}");
}
