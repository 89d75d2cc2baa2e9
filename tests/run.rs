//! The executor end to end: the repository's templates, node semantics, concurrency,
//! cancellation, faults, local code and storage. Fixtures are in `tests/run_fixtures/`.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use strata::compile::compile;
use strata::model::Project;
use strata::providers::scripted::{Recorder, ScriptedProvider};
use strata::providers::{
    BoxFuture, ContentPart, ModelProvider, ModelRequest, ModelResponse, ProviderError, StopReason,
    Usage,
};
use strata::run::{run_flow, run_flow_batched, RunContext, RunEvent, RunStatus};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod support {
    pub mod flows;
    pub mod runs;
}

use support::flows::{
    self, conditional, data, input_node, iterator_node, output_node, project, project_of,
    prompt_node,
};
use support::runs::{failed, run, scripted, skipped, template};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/run_fixtures")
}

fn sample(project: &Project, flow: &str, name: &str) -> Value {
    project
        .flow(flow)
        .and_then(|f| f.samples.iter().find(|s| s.name == name))
        .map(|s| s.document.clone())
        .expect("sample exists")
}

fn context(provider: Arc<dyn ModelProvider>) -> RunContext {
    RunContext::new(provider, fixtures()).with_run_id("test-run")
}

fn started(events: &[RunEvent], node: &str) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, RunEvent::NodeStarted { node: n, .. } if &**n == node))
        .count()
}

// ---------------------------------------------------------------- templates

#[tokio::test]
async fn support_triage_billing_route_runs_the_project_agent_locally() {
    let p = template("support-triage");
    let doc = sample(&p, "triage", "billing");
    let script = "- text: BILLING\n- text: I refunded the duplicate charge on order A-1001.\n";
    let (result, events) = run(&p, "triage", doc, context(scripted(script))).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(
        result.output("BillingReply"),
        Some(&json!("I refunded the duplicate charge on order A-1001."))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, RunEvent::AgentTrace { node, .. } if &**node == "Billing")),
        "the agent's steps are nested under its node"
    );
    assert!(skipped(&events, "DocsAnswer")
        .expect("the bug branch is skipped")
        .contains("Route.isBug was not chosen (Route chose isBilling)"));
    assert!(skipped(&events, "OtherReply").is_some());
    assert!(events.iter().any(|e| matches!(e,
        RunEvent::ConditionResult { node, satisfied_conditions, .. }
            if &**node == "Route" && satisfied_conditions == &["isBilling"])));
}

#[tokio::test]
async fn support_triage_default_route_answers_without_the_agent() {
    let p = template("support-triage");
    let doc = json!({"message": "Do you ship to Norway?"});
    let (result, events) = run(&p, "triage", doc, context(scripted("- text: OTHER"))).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(
        result.output("OtherReply"),
        Some(&json!("Do you ship to Norway?"))
    );
    assert!(skipped(&events, "Billing").is_some());
    assert!(skipped(&events, "DocsAnswer").is_some());
    assert_eq!(result.outputs.len(), 1);
}

#[tokio::test]
async fn batch_summaries_iterates_in_order_and_collects() {
    let p = template("batch-summaries");
    let doc = sample(&p, "summaries", "two");
    let provider = scripted(
        "- contains: Strata draws\n  text: S1\n  usage: {inputTokens: 10, outputTokens: 2}\n\
         - contains: Flows are deterministic\n  text: S2\n  usage: {inputTokens: 12, outputTokens: 2}\n",
    );
    let (result, events) = run(&p, "summaries", doc, context(provider)).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("FlowOutput"), Some(&json!(["S1", "S2"])));
    assert_eq!(started(&events, "Summarise"), 2);
    let chains: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::NodeStarted {
                node,
                execution_chain,
                ..
            } if &**node == "Summarise" => execution_chain.first().map(|c| c.index),
            _ => None,
        })
        .collect();
    assert_eq!(chains, [0, 1]);
    assert_eq!(result.usage.input_tokens, 22);
    assert_eq!(result.usage.output_tokens, 4);
}

#[tokio::test]
async fn refine_loop_runs_two_rounds_then_exits() {
    let p = template("refine-loop");
    let doc = sample(&p, "refine", "memo");
    let provider: Arc<dyn ModelProvider> = Arc::new(
        ScriptedProvider::from_file(&fixtures().join("refine-loop.script.yaml"))
            .expect("script loads"),
    );
    let (result, events) = run(&p, "refine", doc, context(provider)).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(started(&events, "Improve"), 2);
    assert_eq!(started(&events, "Review"), 2);
    assert_eq!(
        result.output("FlowOutput"),
        Some(&json!("Meeting moves to Thursday."))
    );
    // The second round started from the first round's draft.
    let second_improve_input = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::NodeInput { node, fields, .. } if &**node == "Improve" => {
                Some(fields[0].content.document.clone())
            }
            _ => None,
        })
        .nth(1);
    assert_eq!(
        second_improve_input,
        Some(json!("Let's move the meeting to Thursday."))
    );
}

// ---------------------------------------------------------------- conditions

fn routing_project() -> Project {
    project(json!({
        "nodes": [
            input_node("Number"),
            {"name": "Route", "type": "Condition",
             "configuration": {"condition": {"conditions": [
                 {"name": "big", "expression": "amount > 10"},
                 {"name": "positive", "expression": "amount > 0"},
                 {"name": "default"}]}},
             "inputs": [{"name": "amount", "type": "Number", "expression": "$.data"}]},
            output_node("Big", "Number"),
            output_node("Positive", "Number"),
            output_node("Other", "Number"),
        ],
        "connections": [
            data("FlowInput", "document", "Route", "amount"),
            conditional("Route", "big", "Big"),
            conditional("Route", "positive", "Positive"),
            conditional("Route", "default", "Other"),
        ]
    }))
}

#[tokio::test]
async fn first_satisfied_condition_wins_else_default() {
    let p = routing_project();
    for (x, chosen, output) in [
        (50, "big", "Big"),
        (5, "positive", "Positive"),
        (-1, "default", "Other"),
    ] {
        let (result, events) = run(&p, "main", json!(x), context(scripted("[]"))).await;
        assert_eq!(result.status, RunStatus::Succeeded);
        assert_eq!(result.outputs.len(), 1, "x = {x}: {:?}", result.outputs);
        assert_eq!(result.output(output), Some(&json!(x)), "x = {x}");
        assert!(events.iter().any(|e| matches!(e,
            RunEvent::ConditionResult { satisfied_conditions, .. } if satisfied_conditions == &[chosen])));
    }
}

// ---------------------------------------------------------------- concurrency

/// Records how many calls overlap; yields between starting and answering so that calls
/// allowed to run together do overlap on the test's single-threaded runtime.
#[derive(Default)]
struct Counting {
    now: AtomicUsize,
    max: AtomicUsize,
    calls: AtomicUsize,
}

fn ok_reply() -> ModelResponse {
    ModelResponse {
        content: vec![ContentPart::Text {
            text: "ok".to_owned(),
        }],
        stop_reason: StopReason::EndTurn,
        usage: Usage::default(),
        latency_ms: 0,
    }
}

impl ModelProvider for Counting {
    fn name(&self) -> &str {
        "counting"
    }

    fn converse<'a>(
        &'a self,
        _: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async move {
            let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.max.fetch_max(now, Ordering::SeqCst);
            self.calls.fetch_add(1, Ordering::SeqCst);
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
            self.now.fetch_sub(1, Ordering::SeqCst);
            Ok(ok_reply())
        })
    }
}

/// Answers only when `n` calls are waiting at once: proves calls run together; a schedule
/// that ran them one by one would leave the first waiting until its node times out.
struct Rendezvous(tokio::sync::Barrier);

impl ModelProvider for Rendezvous {
    fn name(&self) -> &str {
        "rendezvous"
    }

    fn converse<'a>(
        &'a self,
        _: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async move {
            self.0.wait().await;
            Ok(ok_reply())
        })
    }
}

fn fan_out(branches: usize) -> Project {
    let mut nodes = vec![input_node("String")];
    let mut connections = vec![];
    for i in 0..branches {
        let p = format!("Ask{i}");
        let o = format!("Out{i}");
        nodes.push(prompt_node(&p, "{{question}}", "question", "$.data"));
        nodes.push(output_node(&o, "String"));
        connections.push(data("FlowInput", "document", &p, "question"));
        connections.push(data(&p, "modelCompletion", &o, "document"));
    }
    project(json!({"nodes": nodes, "connections": connections}))
}

/// On the paused clock a schedule that ran the calls one by one would not hang the test:
/// the first call's node would time out at once (the clock jumps when nothing can run).
#[tokio::test(start_paused = true)]
async fn independent_branches_run_at_once() {
    let provider = Arc::new(Rendezvous(tokio::sync::Barrier::new(2)));
    let (result, events) = run(&fan_out(2), "main", json!("hi"), context(provider)).await;
    assert_eq!(
        failed(&events, "Ask0"),
        None,
        "both prompt calls were in flight together"
    );
    assert_eq!(result.status, RunStatus::Succeeded);
    assert_eq!(result.outputs.len(), 2);
}

#[tokio::test]
async fn the_concurrency_bound_is_respected() {
    let counting = Arc::new(Counting::default());
    let ctx = context(counting.clone()).with_max_concurrency(2);
    let (result, _) = run(&fan_out(5), "main", json!("hi"), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded);
    assert_eq!(result.outputs.len(), 5);
    assert_eq!(counting.calls.load(Ordering::SeqCst), 5);
    assert_eq!(counting.max.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------- faults

/// Never answers.
struct Silent;

impl ModelProvider for Silent {
    fn name(&self) -> &str {
        "silent"
    }

    fn converse<'a>(
        &'a self,
        _: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn cancellation_aborts_running_nodes() {
    let p = fan_out(2);
    let compiled = compile(&p);
    let plan = compiled.plan("main").expect("plan");
    let token = CancellationToken::new();
    let ctx = context(Arc::new(Silent)).with_cancel(token.clone());
    let (tx, mut rx) = mpsc::channel(1000);
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(e) = rx.recv().await {
            if matches!(&e, RunEvent::NodeStarted { node, .. } if &**node == "Ask1") {
                token.cancel();
            }
            seen.push(e);
        }
        seen
    });
    let result = run_flow(plan, &p, json!("hi"), ctx, tx).await;
    let events = watcher.await.expect("watcher finishes");
    assert_eq!(result.status, RunStatus::Cancelled);
    let n = events.len();
    assert!(
        matches!(events[n - 2], RunEvent::Cancelled { .. }),
        "{events:#?}"
    );
    assert!(matches!(
        events[n - 1],
        RunEvent::RunFinished {
            status: RunStatus::Cancelled,
            ..
        }
    ));
    assert!(result.outputs.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_silent_model_times_out_instead_of_hanging() {
    let ctx = context(Arc::new(Silent)).with_node_timeout(Duration::from_millis(200));
    let (result, events) = run(&fan_out(1), "main", json!("hi"), ctx).await;
    assert_eq!(result.status, RunStatus::Failed);
    // On the paused clock the timeout fires exactly at its deadline.
    let at = events
        .iter()
        .find_map(|e| match e {
            RunEvent::NodeFailed { node, at_ms, .. } if &**node == "Ask0" => Some(*at_ms),
            _ => None,
        })
        .expect("Ask0 failed");
    assert_eq!(at, 200);
    assert_eq!(
        failed(&events, "Ask0"),
        Some("node Ask0: timed out after 0.2 s")
    );
    assert!(skipped(&events, "Out0").is_some());
}

/// Answers after 150 ms.
struct Slow;

impl ModelProvider for Slow {
    fn name(&self) -> &str {
        "slow"
    }

    fn converse<'a>(
        &'a self,
        _: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            Ok(ok_reply())
        })
    }
}

/// A node's time budget counts its own work: with one permit, the second call waits 150 ms
/// for the first, then takes 150 ms itself, inside a 200 ms budget.
#[tokio::test(start_paused = true)]
async fn time_queued_for_a_permit_is_not_the_nodes() {
    let ctx = context(Arc::new(Slow))
        .with_max_concurrency(1)
        .with_node_timeout(Duration::from_millis(200));
    let (result, events) = run(&fan_out(2), "main", json!("hi"), ctx).await;
    assert_eq!(failed(&events, "Ask0"), None);
    assert_eq!(failed(&events, "Ask1"), None);
    assert_eq!(result.status, RunStatus::Succeeded);
    assert_eq!(
        result.duration_ms, 300,
        "the two calls ran one after the other"
    );
}

/// Panics on every call.
struct Panicking;

impl ModelProvider for Panicking {
    fn name(&self) -> &str {
        "panicking"
    }

    fn converse<'a>(
        &'a self,
        _: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async { panic!("provider exploded") })
    }
}

#[tokio::test]
async fn a_panicking_provider_becomes_a_failed_node() {
    let (result, events) = run(
        &fan_out(1),
        "main",
        json!("hi"),
        context(Arc::new(Panicking)),
    )
    .await;
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(
        failed(&events, "Ask0"),
        Some("node Ask0: panicked: provider exploded")
    );
    assert!(skipped(&events, "Out0").is_some());
}

#[tokio::test]
async fn an_exhausted_script_fails_the_prompt_node() {
    let (_, events) = run(&fan_out(1), "main", json!("hi"), context(scripted("[]"))).await;
    let error = failed(&events, "Ask0").expect("fails");
    assert!(error.contains("no scripted reply left"), "{error}");
}

#[tokio::test]
async fn a_type_mismatch_at_run_time_names_node_input_and_types() {
    let p = project(json!({
        "nodes": [
            input_node("Object"),
            prompt_node("Ask", "{{count}}", "count", "$.data.count"),
            output_node("Out", "String"),
        ],
        "connections": [
            data("FlowInput", "document", "Ask", "count"),
            data("Ask", "modelCompletion", "Out", "document"),
        ]
    }));
    let (result, events) = run(
        &p,
        "main",
        json!({"count": 3}),
        context(scripted("- text: x")),
    )
    .await;
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(
        failed(&events, "Ask"),
        Some("node Ask: input count expects String but the value is Number")
    );
}

// ---------------------------------------------------------------- local code

fn code_project(code: &str, inputs: Value, output_type: &str) -> Project {
    project(json!({
        "nodes": [
            input_node("Object"),
            {"name": "Code", "type": "InlineCode",
             "configuration": {"inlineCode": {"code": code, "language": "Python_3"}},
             "inputs": inputs,
             "outputs": [{"name": "response", "type": output_type}]},
            output_node("Out", output_type),
        ],
        "connections": [
            data("FlowInput", "document", "Code", "doc"),
            data("Code", "response", "Out", "document"),
        ]
    }))
}

#[tokio::test]
async fn inline_code_returns_its_last_expression() {
    let p = code_project(
        "print('noise')\nn = len(doc['words'])\n{'count': n, 'first': doc['words'][0]}",
        json!([{"name": "doc", "type": "Object", "expression": "$.data"}]),
        "Object",
    );
    let (result, events) = run(
        &p,
        "main",
        json!({"words": ["alpha", "beta"]}),
        context(scripted("[]")),
    )
    .await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(
        result.output("Out"),
        Some(&json!({"count": 2, "first": "alpha"}))
    );
}

#[tokio::test]
async fn inline_code_errors_and_environment_are_contained() {
    // The app's credentials must not reach user code. (Only this test sets the variable;
    // children always get a cleared environment, so other tests are unaffected.)
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "do-not-leak");
    let p = code_project(
        "import os\nsorted(k for k in os.environ if k.startswith('AWS') or 'do-not-leak' in os.environ[k])",
        json!([{"name": "doc", "type": "Object", "expression": "$.data"}]),
        "Array",
    );
    let (result, events) = run(&p, "main", json!({}), context(scripted("[]"))).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(
        result.output("Out"),
        Some(&json!([])),
        "no credentials reach the code"
    );
    let p = code_project(
        "1 / 0",
        json!([{"name": "doc", "type": "Object", "expression": "$.data"}]),
        "Number",
    );
    let (_, events) = run(&p, "main", json!({}), context(scripted("[]"))).await;
    let error = failed(&events, "Code").expect("fails");
    assert!(
        error.contains("node Code: the inline code failed") && error.contains("ZeroDivisionError"),
        "{error}"
    );
}

fn lambda_project(handler: Option<&str>, output_type: &str) -> Project {
    let mut config = json!({"lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:enrich"});
    if let Some(h) = handler {
        config["localHandler"] = json!(h);
    }
    project(json!({
        "nodes": [
            input_node("Object"),
            {"name": "Enrich", "type": "LambdaFunction",
             "configuration": {"lambdaFunction": config},
             "inputs": [
                 {"name": "codeHookInput", "type": "String", "expression": "$.data.text"},
                 {"name": "ids", "type": "Array", "expression": "$.data.ids"}],
             "outputs": [{"name": "functionResponse", "type": output_type}]},
            output_node("Out", output_type),
        ],
        "connections": [
            data("FlowInput", "document", "Enrich", "codeHookInput"),
            data("FlowInput", "document", "Enrich", "ids"),
            data("Enrich", "functionResponse", "Out", "document"),
        ]
    }))
}

#[tokio::test]
async fn a_python_handler_receives_the_flow_lambda_event() {
    let p = lambda_project(Some("handlers/echo_event.py:handler"), "Object");
    let doc = json!({"text": "hello", "ids": [1, 2]});
    let (result, events) = run(&p, "main", doc, context(scripted("[]"))).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    let out = result.output("Out").expect("output");
    let event = &out["event"];
    assert_eq!(event["messageVersion"], "1.0");
    assert_eq!(
        event["flow"]["flowArn"],
        "arn:aws:bedrock:local:000000000000:flow/main"
    );
    assert_eq!(
        event["flow"]["flowAliasArn"],
        "arn:aws:bedrock:local:000000000000:flow/main/alias/TSTALIASID"
    );
    assert_eq!(event["node"]["name"], "Enrich");
    assert_eq!(
        event["node"]["inputs"],
        json!([
            {"name": "codeHookInput", "type": "String", "expression": "$.data.text", "value": "hello"},
            {"name": "ids", "type": "Array", "expression": "$.data.ids", "value": [1, 2]}
        ])
    );
    assert_eq!(
        event.as_object().map(|o| o.len()),
        Some(3),
        "messageVersion, flow, node only"
    );
    assert_eq!(
        out["functionName"],
        "arn:aws:lambda:us-east-1:123456789012:function:enrich"
    );
    assert!(events.iter().any(|e| matches!(e,
        RunEvent::NodeAction { node, service_name, .. } if &**node == "Enrich" && service_name == "lambda")));
}

#[tokio::test]
async fn a_node_handler_runs_too() {
    let p = lambda_project(Some("handlers/upper.js:handler"), "String");
    let (result, events) = run(
        &p,
        "main",
        json!({"text": "hello", "ids": []}),
        context(scripted("[]")),
    )
    .await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("Out"), Some(&json!("HELLO")));
}

#[tokio::test]
async fn handler_faults_are_clear_node_errors() {
    let doc = json!({"text": "hello", "ids": []});
    let (_, events) = run(
        &lambda_project(None, "Object"),
        "main",
        doc.clone(),
        context(scripted("[]")),
    )
    .await;
    let error = failed(&events, "Enrich").expect("fails");
    assert!(
        error.contains("node Enrich: no local handler is configured"),
        "{error}"
    );

    let (_, events) = run(
        &lambda_project(Some("handlers/raises.py:handler"), "Object"),
        "main",
        doc.clone(),
        context(scripted("[]")),
    )
    .await;
    let error = failed(&events, "Enrich").expect("fails");
    assert!(error.contains("ValueError: customer id missing"), "{error}");

    let (_, events) = run(
        &lambda_project(Some("handlers/missing.py:handler"), "Object"),
        "main",
        doc,
        context(scripted("[]")),
    )
    .await;
    let error = failed(&events, "Enrich").expect("fails");
    assert!(error.contains("no file at"), "{error}");
}

/// The handler is a real process, so the clock cannot be paused here: with a paused clock
/// the timeout would fire the moment the runtime waits on the process's pipe, before the
/// handler even starts. The handler sleeps 60 s against a 1 s timeout, so the outcome does
/// not depend on the machine's speed.
#[tokio::test]
async fn a_slow_handler_times_out_and_is_killed() {
    let p = lambda_project(Some("handlers/slow.py:handler"), "String");
    let ctx = context(scripted("[]")).with_node_timeout(Duration::from_secs(1));
    let (result, events) = run(&p, "main", json!({"text": "x", "ids": []}), ctx).await;
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(
        failed(&events, "Enrich"),
        Some("node Enrich: timed out after 1 s")
    );
}

// ---------------------------------------------------------------- storage

fn storage_project() -> Project {
    let bucket = json!({"s3": {"bucketName": "notes-bucket"}});
    project_of(vec![
        (
            "store",
            json!({
                "nodes": [
                    input_node("Object"),
                    {"name": "Save", "type": "Storage",
                     "configuration": {"storage": {"serviceConfiguration": bucket}},
                     "inputs": [
                         {"name": "content", "type": "Object", "expression": "$.data.body"},
                         {"name": "objectKey", "type": "String", "expression": "$.data.key"}],
                     "outputs": [{"name": "s3Uri", "type": "String"}]},
                    output_node("Out", "String"),
                ],
                "connections": [
                    data("FlowInput", "document", "Save", "content"),
                    data("FlowInput", "document", "Save", "objectKey"),
                    data("Save", "s3Uri", "Out", "document"),
                ]
            }),
        ),
        (
            "load",
            json!({
                "nodes": [
                    input_node("String"),
                    {"name": "Load", "type": "Retrieval",
                     "configuration": {"retrieval": {"serviceConfiguration": bucket}},
                     "inputs": [{"name": "objectKey", "type": "String", "expression": "$.data"}],
                     "outputs": [{"name": "s3Content", "type": "String"}]},
                    output_node("Out", "String"),
                ],
                "connections": [
                    data("FlowInput", "document", "Load", "objectKey"),
                    data("Load", "s3Content", "Out", "document"),
                ]
            }),
        ),
    ])
}

/// Storage writes go through `save::AtomicFile`: the temporary file a killed writer left beside
/// an object is swept by the next write, and the object is replaced whole, leaving no temporary.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn storage_writes_are_atomic_and_sweep_a_killed_writers_leftover() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("notes-bucket/notes");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(folder.join("a.json"), "old").expect("old object");
    // A PID above Linux's maximum (2^22) belongs to no process: its writer was killed.
    let leftover = folder.join(".a.json.tmp-999999999-0");
    std::fs::write(&leftover, "{\"n\":").expect("torn leftover");
    let ctx = context(scripted("[]")).with_storage_root(dir.path());
    let doc = json!({"key": "notes/a.json", "body": {"n": 2}});
    let (result, events) = run(&storage_project(), "store", doc, ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert!(
        !leftover.exists(),
        "the killed writer's temporary file is swept"
    );
    let names: Vec<String> = std::fs::read_dir(&folder)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.json"], "only the object is left");
    assert_eq!(
        std::fs::read_to_string(folder.join("a.json")).expect("object"),
        "{\"n\":2}"
    );
}

#[tokio::test]
async fn storage_round_trips_through_a_folder_per_bucket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = || context(scripted("[]")).with_storage_root(dir.path());
    let p = storage_project();
    let doc = json!({"key": "notes/a.json", "body": {"n": 1}});
    let (result, events) = run(&p, "store", doc, ctx()).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(
        result.output("Out"),
        Some(&json!("s3://notes-bucket/notes/a.json"))
    );
    assert!(dir.path().join("notes-bucket/notes/a.json").is_file());
    let (result, _) = run(&p, "load", json!("notes/a.json"), ctx()).await;
    assert_eq!(result.output("Out"), Some(&json!("{\"n\":1}")));

    let doc = json!({"key": "../escape.txt", "body": {}});
    let (result, events) = run(&p, "store", doc, ctx()).await;
    assert_eq!(result.status, RunStatus::Failed);
    let error = failed(&events, "Save").expect("fails");
    assert!(error.contains("\"../escape.txt\" is rejected"), "{error}");
    assert!(!dir.path().join("escape.txt").exists());
}

/// Every file under `dir`, relative, sorted (hidden ones included).
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() && !path.is_symlink() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("below root");
                out.push(rel.display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

#[tokio::test]
async fn storage_refuses_keys_that_s3_would_store_under_another_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = || context(scripted("[]")).with_storage_root(dir.path());
    let p = storage_project();
    for key in [
        "a//b",
        "notes/./a",
        "./a",
        "a/",
        "/abs",
        "../x",
        "a/../b",
        "a\\b",
        "a\u{0}b",
        "",
    ] {
        let doc = json!({"key": key, "body": {}});
        let (result, events) = run(&p, "store", doc, ctx()).await;
        assert_eq!(result.status, RunStatus::Failed, "{key:?}");
        let error = failed(&events, "Save").expect("fails");
        assert!(error.contains("is rejected"), "{key:?}: {error}");
        let (result, _) = run(&p, "load", json!(key), ctx()).await;
        assert_eq!(result.status, RunStatus::Failed, "{key:?}");
    }
    assert_eq!(files_under(dir.path()), Vec::<String>::new());
}

#[cfg(unix)]
#[tokio::test]
async fn storage_does_not_follow_links_out_of_the_bucket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::write(outside.path().join("secret.txt"), "secret").expect("write");
    let bucket = dir.path().join("notes-bucket");
    std::fs::create_dir_all(&bucket).expect("bucket");
    std::os::unix::fs::symlink(outside.path(), bucket.join("out")).expect("link");
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), bucket.join("secret.txt"))
        .expect("link");
    let ctx = || context(scripted("[]")).with_storage_root(dir.path());
    let p = storage_project();

    for key in ["out/new.txt", "out/secret.txt", "secret.txt"] {
        let (result, events) = run(&p, "store", json!({"key": key, "body": {}}), ctx()).await;
        assert_eq!(result.status, RunStatus::Failed, "{key}");
        let error = failed(&events, "Save").expect("fails");
        assert!(error.contains("symbolic link"), "{key}: {error}");
        let (result, events) = run(&p, "load", json!(key), ctx()).await;
        assert_eq!(result.status, RunStatus::Failed, "{key}");
        let error = failed(&events, "Load").expect("fails");
        assert!(error.contains("symbolic link"), "{key}: {error}");
    }
    assert_eq!(files_under(outside.path()), vec!["secret.txt".to_owned()]);
    let secret = std::fs::read_to_string(outside.path().join("secret.txt")).expect("read");
    assert_eq!(secret, "secret");

    // The bucket folder itself may not be a link out either.
    let linked_root = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(outside.path(), linked_root.path().join("notes-bucket"))
        .expect("link");
    let ctx = context(scripted("[]")).with_storage_root(linked_root.path());
    let (result, events) = run(&p, "store", json!({"key": "x.txt", "body": {}}), ctx).await;
    assert_eq!(result.status, RunStatus::Failed);
    assert!(failed(&events, "Save")
        .expect("fails")
        .contains("symbolic link"));
    assert_eq!(files_under(outside.path()), vec!["secret.txt".to_owned()]);
}

#[tokio::test]
async fn storage_writes_replace_objects_whole_and_leave_no_temporary_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = || context(scripted("[]")).with_storage_root(dir.path());
    let p = storage_project();
    for body in ["first version", "second"] {
        let doc = json!({"key": "notes/a.txt", "body": {"v": body}});
        let (result, events) = run(&p, "store", doc, ctx()).await;
        assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    }
    let (result, _) = run(&p, "load", json!("notes/a.txt"), ctx()).await;
    assert_eq!(result.output("Out"), Some(&json!("{\"v\":\"second\"}")));
    assert_eq!(files_under(dir.path()), vec!["notes-bucket/notes/a.txt"]);

    // The new object replaces the old file instead of writing into it: a hard link to the old
    // file (here from outside the bucket) keeps its content, and no reader sees half a write.
    #[cfg(unix)]
    {
        let outside = dir.path().join("outside.txt");
        std::fs::hard_link(dir.path().join("notes-bucket/notes/a.txt"), &outside).expect("link");
        let doc = json!({"key": "notes/a.txt", "body": {"v": "third"}});
        let (result, events) = run(&p, "store", doc, ctx()).await;
        assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
        let kept = std::fs::read_to_string(&outside).expect("read");
        assert_eq!(kept, "{\"v\":\"second\"}");
        std::fs::remove_file(&outside).expect("remove");
    }

    // A write that fails at the rename (a folder is in the way) leaves nothing behind.
    std::fs::create_dir_all(dir.path().join("notes-bucket/folder/inner")).expect("mkdir");
    let doc = json!({"key": "folder", "body": {}});
    let (result, _) = run(&p, "store", doc, ctx()).await;
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(files_under(dir.path()), vec!["notes-bucket/notes/a.txt"]);
}

#[tokio::test]
async fn events_are_json_lines_with_run_relative_timestamps() {
    let p = template("blank");
    let (result, events) = run(&p, "main", json!("Hello"), context(scripted("[]"))).await;
    assert_eq!(result.output("FlowOutput"), Some(&json!("Hello")));
    let first = events[0].to_json_line();
    assert!(
        first.starts_with(r#"{"event":"runStarted","atMs":"#),
        "{first}"
    );
    for e in &events {
        let line = e.to_json_line();
        assert!(!line.contains('\n'));
        let back: RunEvent = serde_json::from_str(&line).expect("round trips");
        assert_eq!(&back, e);
    }
}

#[tokio::test]
async fn an_output_inside_an_iterator_fires_once_per_item() {
    let p = project(json!({
        "nodes": [
            input_node("Array"),
            iterator_node("Each"),
            prompt_node("Ask", "Shout {{word}}", "word", "$.data"),
            output_node("PerItem", "String"),
        ],
        "connections": [
            data("FlowInput", "document", "Each", "array"),
            data("Each", "arrayItem", "Ask", "word"),
            data("Ask", "modelCompletion", "PerItem", "document"),
        ]
    }));
    let provider = scripted("- contains: Shout b\n  text: B\n- contains: Shout a\n  text: A\n");
    let (result, events) = run(&p, "main", json!(["a", "b"]), context(provider)).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    let docs: Vec<&Value> = result.outputs.iter().map(|o| &o.document).collect();
    assert_eq!(docs, [&json!("A"), &json!("B")]);
}

#[tokio::test]
async fn a_recorded_run_replays_from_its_script_file() {
    let p = template("batch-summaries");
    let doc = sample(&p, "summaries", "two");
    let live = scripted("- text: first summary\n- text: second summary\n");
    let recorder = Arc::new(Recorder::new(live));
    let (recorded, _) = run(&p, "summaries", doc.clone(), context(recorder.clone())).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("summaries.script.yaml");
    recorder.save(&file).expect("script saved");
    let replay: Arc<dyn ModelProvider> =
        Arc::new(ScriptedProvider::from_file(&file).expect("script loads"));
    let (replayed, events) = run(&p, "summaries", doc, context(replay)).await;
    assert_eq!(replayed.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(replayed.outputs, recorded.outputs);
    assert_eq!(
        replayed.output("FlowOutput"),
        Some(&json!(["first summary", "second summary"]))
    );
}

// ---------------------------------------------------------------- event batches

/// Every event of a run through `run_flow_batched`, batch by batch.
async fn run_batched(project: &Project, flow: &str, document: Value) -> Vec<Vec<RunEvent>> {
    let compiled = compile(project);
    let plan = compiled.plan(flow).expect("flow compiles");
    let (tx, mut rx) = mpsc::channel(100_000);
    let provider = scripted("- text: S1\n- text: S2\n");
    run_flow_batched(plan, project, document, context(provider), tx).await;
    let mut batches = Vec::new();
    while let Ok(batch) = rx.try_recv() {
        batches.push(batch);
    }
    batches
}

#[tokio::test(start_paused = true)]
async fn batched_events_are_the_same_trace_in_the_same_order() {
    let p = template("batch-summaries");
    let doc = sample(&p, "summaries", "two");
    let provider = scripted("- text: S1\n- text: S2\n");
    let (_, one_by_one) = run(&p, "summaries", doc.clone(), context(provider)).await;
    let batches = run_batched(&p, "summaries", doc).await;
    assert!(batches.iter().all(|b| !b.is_empty()), "{batches:#?}");
    assert_eq!(batches.concat(), one_by_one);
}

/// Streams "Hello", then keeps the reply back until `release` is notified.
struct HeldStream {
    release: Arc<tokio::sync::Notify>,
}

impl ModelProvider for HeldStream {
    fn name(&self) -> &str {
        "held"
    }
    fn converse<'a>(
        &'a self,
        _request: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async { Ok(ok_reply()) })
    }
    fn converse_stream<'a>(
        &'a self,
        _request: &'a ModelRequest,
        on_text: strata::providers::OnText<'a>,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async move {
            on_text(strata::providers::TextDelta {
                content_block_index: 0,
                text: "Hello".to_owned(),
            });
            self.release.notified().await;
            Ok(ok_reply())
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_streamed_delta_reaches_the_caller_while_the_model_is_still_answering() {
    let p = fan_out(1);
    let release = Arc::new(tokio::sync::Notify::new());
    let provider = Arc::new(HeldStream {
        release: release.clone(),
    });
    let ctx = context(provider).with_stream(true);
    let (tx, mut rx) = mpsc::channel(16);
    let run = tokio::spawn(async move {
        let compiled = compile(&p);
        let plan = compiled.plan("main").expect("flow compiles");
        run_flow_batched(plan, &p, json!("hi"), ctx, tx).await
    });
    // The run waits on the model until released: the delta must be out before that. With
    // every task waiting, the paused clock ends the minute at once if it is not.
    let mut seen = Vec::new();
    let delta = loop {
        let batch = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .ok()
            .flatten();
        let Some(batch) = batch else {
            panic!("no delta while the model answers; seen {seen:#?}")
        };
        seen.extend(batch);
        if let Some(RunEvent::ContentBlockDelta { text, .. }) = seen.last() {
            break text.clone();
        }
    };
    assert_eq!(delta, "Hello");
    release.notify_one();
    while rx.recv().await.is_some() {}
    let result = run.await.expect("the run ends");
    assert_eq!(result.status, RunStatus::Succeeded);
}

// ---------------------------------------------------------------- streaming

#[tokio::test]
async fn a_streaming_run_reports_text_deltas_before_the_model_call() {
    let script = "- text: Hello brave world\n  usage: {inputTokens: 3, outputTokens: 3}\n";
    let ctx = context(scripted(script)).with_stream(true);
    let (result, events) = run(&fan_out(1), "main", json!("hi"), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("Out0"), Some(&json!("Hello brave world")));
    let deltas: Vec<(usize, &str)> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::ContentBlockDelta {
                node,
                content_block_index,
                text,
                ..
            } if &**node == "Ask0" => Some((*content_block_index, text.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(deltas, [(0, "Hello"), (0, " brave"), (0, " world")]);
    let position = |pred: &dyn Fn(&RunEvent) -> bool| events.iter().position(pred);
    let last_delta = events
        .iter()
        .rposition(|e| matches!(e, RunEvent::ContentBlockDelta { .. }))
        .expect("deltas");
    let action = position(&|e| {
        matches!(e, RunEvent::NodeAction { operation_name, .. } if operation_name == "ConverseStream")
    })
    .expect("the call is reported as ConverseStream");
    assert!(last_delta < action, "deltas come before the nodeAction");
    assert_eq!(result.usage.output_tokens, 3);
    for e in &events {
        let back: RunEvent = serde_json::from_str(&e.to_json_line()).expect("round trips");
        assert_eq!(&back, e);
    }
}

#[tokio::test]
async fn without_streaming_there_are_no_deltas() {
    let ctx = context(scripted("- text: Hello brave world\n"));
    let (result, events) = run(&fan_out(1), "main", json!("hi"), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded);
    assert!(!events
        .iter()
        .any(|e| matches!(e, RunEvent::ContentBlockDelta { .. })));
    assert!(events.iter().any(|e| matches!(e,
        RunEvent::NodeAction { operation_name, .. } if operation_name == "Converse")));
}

// ---------------------------------------------------------------- iterator concurrency

/// Answers `done:<word>` to a prompt `Item <word>`, after `10 - position` ms on the tokio
/// clock (so later items finish first), and records how many calls are in flight at most.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl ModelProvider for InFlight {
    fn name(&self) -> &str {
        "in-flight"
    }

    fn converse<'a>(
        &'a self,
        request: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async move {
            let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.max.fetch_max(now, Ordering::SeqCst);
            let prompt = strata::providers::scripted::last_user_text(request);
            let word = prompt.trim_start_matches("Item ").to_owned();
            let position = u64::from(word.as_bytes().first().copied().unwrap_or(b'a') - b'a');
            tokio::time::sleep(Duration::from_millis(10 - position)).await;
            self.now.fetch_sub(1, Ordering::SeqCst);
            let mut reply = ok_reply();
            reply.content = vec![ContentPart::Text {
                text: format!("done:{word}"),
            }];
            Ok(reply)
        })
    }
}

fn iterate_and_collect() -> Project {
    flows::iterate_and_collect(
        prompt_node("Ask", "Item {{word}}", "word", "$.data"),
        "word",
    )
}

const WORDS: [&str; 7] = ["a", "b", "c", "d", "e", "f", "g"];

fn done_words() -> Value {
    json!(WORDS
        .iter()
        .map(|w| format!("done:{w}"))
        .collect::<Vec<_>>())
}

#[tokio::test(start_paused = true)]
async fn iterator_items_run_one_by_one_by_default() {
    let provider = Arc::new(InFlight::default());
    let ctx = context(provider.clone()).with_max_concurrency(8);
    let (result, events) = run(&iterate_and_collect(), "main", json!(WORDS), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("All"), Some(&done_words()));
    assert_eq!(provider.max.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn iterator_items_run_concurrently_and_are_collected_in_item_order() {
    let provider = Arc::new(InFlight::default());
    let ctx = context(provider.clone())
        .with_max_concurrency(8)
        .with_iterator_concurrency(3);
    let (result, events) = run(&iterate_and_collect(), "main", json!(WORDS), ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(result.output("All"), Some(&done_words()));
    assert_eq!(
        provider.max.load(Ordering::SeqCst),
        3,
        "three items at once, never more"
    );
    // The items did finish out of order: later ones answer sooner.
    let finished: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::NodeOutput {
                node,
                execution_chain,
                ..
            } if &**node == "Ask" => execution_chain.first().map(|c| c.index),
            _ => None,
        })
        .collect();
    assert_eq!(finished.len(), WORDS.len());
    assert_ne!(finished, (0..WORDS.len()).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn the_node_bound_still_holds_inside_concurrent_items() {
    let provider = Arc::new(InFlight::default());
    let ctx = context(provider.clone())
        .with_max_concurrency(2)
        .with_iterator_concurrency(5);
    let (result, _) = run(&iterate_and_collect(), "main", json!(WORDS), ctx).await;
    assert_eq!(result.output("All"), Some(&done_words()));
    assert_eq!(provider.max.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------- waiting for the user

/// The Billing agent asks the user; the answer takes ten minutes against a 30 s node
/// timeout. The wait does not count, so the node finishes.
#[tokio::test(start_paused = true)]
async fn waiting_for_the_users_answer_does_not_count_against_the_node_timeout() {
    let p = template("support-triage");
    let doc = sample(&p, "triage", "billing");
    let script = "- text: BILLING\n\
                  - toolUse: [{name: ask_user, input: {question: Which order?}}]\n\
                  - text: Refunded order A-1001.\n";
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = asked.clone();
    let ask: strata::run::AskUser = Arc::new(move |node: String, question: String| {
        log.lock().expect("log").push((node, question));
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(600)).await;
            Some("order A-1001".to_owned())
        })
    });
    let ctx = context(scripted(script))
        .with_node_timeout(Duration::from_secs(30))
        .with_ask_user(ask);
    let (result, events) = run(&p, "triage", doc, ctx).await;
    assert_eq!(result.status, RunStatus::Succeeded, "{events:#?}");
    assert_eq!(
        result.output("BillingReply"),
        Some(&json!("Refunded order A-1001."))
    );
    assert_eq!(
        *asked.lock().expect("log"),
        [("Billing".to_owned(), "Which order?".to_owned())]
    );
    assert!(
        result.duration_ms >= 600_000,
        "the run did wait for the user"
    );
}
