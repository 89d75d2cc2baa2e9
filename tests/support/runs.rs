//! Running a flow in a test: a scripted model, one call that compiles, runs and collects
//! every event, and look-ups in those events.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use serde_json::Value;
use std::sync::Arc;
use strata::compile::compile;
use strata::model::Project;
use strata::providers::scripted::{Script, ScriptedProvider};
use strata::providers::ModelProvider;
use strata::run::{run_flow, RunContext, RunEvent, RunResult};
use tokio::sync::mpsc;

/// A provider answering from a YAML script.
pub fn scripted(yaml: &str) -> Arc<dyn ModelProvider> {
    Arc::new(ScriptedProvider::new(
        Script::parse(yaml, "test").expect("script parses"),
    ))
}

/// Compiles the project, runs the flow and collects every event; the last must be
/// `RunFinished` with the run's status.
pub async fn run(
    project: &Project,
    flow: &str,
    document: Value,
    ctx: RunContext,
) -> (RunResult, Vec<RunEvent>) {
    let compiled = compile(project);
    let plan = compiled.plan(flow).unwrap_or_else(|| {
        panic!(
            "flow {flow} has no plan: {:#?}",
            compiled.errors().collect::<Vec<_>>()
        )
    });
    let (tx, mut rx) = mpsc::channel(100_000);
    let result = run_flow(plan, project, document, ctx, tx).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    match events.last() {
        Some(RunEvent::RunFinished { status, .. }) => assert_eq!(*status, result.status),
        other => panic!("the last event must be RunFinished, got {other:?}"),
    }
    (result, events)
}

/// The error `node` failed with, if it failed.
pub fn failed<'a>(events: &'a [RunEvent], node: &str) -> Option<&'a str> {
    events.iter().find_map(|e| match e {
        RunEvent::NodeFailed { node: n, error, .. } if &**n == node => Some(error.as_str()),
        _ => None,
    })
}

/// Why `node` was skipped, if it was.
pub fn skipped<'a>(events: &'a [RunEvent], node: &str) -> Option<&'a str> {
    events.iter().find_map(|e| match e {
        RunEvent::NodeSkipped {
            node: n, reason, ..
        } if &**n == node => Some(reason.as_str()),
        _ => None,
    })
}

/// One of the repository's templates (`templates/NAME.strata.json`).
pub fn template(name: &str) -> Project {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("templates")
        .join(format!("{name}.strata.json"));
    let text = std::fs::read_to_string(&path).expect("template exists");
    strata::model::load(&text, name)
        .expect("template loads")
        .project
}
