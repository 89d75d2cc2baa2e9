//! The workloads of issue 13's table, shared by the criterion bench (`executor.rs`) and the
//! side-by-side table (`side_by_side.rs`): the flows, the instant and fixed-latency models,
//! the ReAct agent, and one run with its events drained as the CLI would.
#![allow(
    dead_code,
    reason = "each bench binary compiles this module anew and uses only part of it"
)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use strata::agent::{AgentRuntime, TurnOutcome, TurnRequest};
use strata::compile::{compile, FlowPlan};
use strata::model::Project;
use strata::providers::scripted::{Script, ScriptedProvider, ScriptedReply, ScriptedToolUse};
use strata::providers::{
    BoxFuture, ContentPart, ModelProvider, ModelRequest, ModelResponse, ProviderError, StopReason,
    Usage,
};
use strata::run::{run_flow_batched, RunContext, RunResult, RunStatus};
use tokio::sync::mpsc;

#[path = "../../tests/support/flows.rs"]
mod flows;

use flows::{data, input_node, output_node, project};

/// A Prompt node that improves its `text`.
pub fn prompt_node(name: &str) -> Value {
    flows::prompt_node(name, "Improve: {{text}}", "text", "$.data")
}

/// Input → Step0 → … → Step37 → Output: 40 nodes.
pub fn chain() -> Project {
    let mut nodes = vec![input_node("String")];
    let mut connections = vec![];
    let mut previous = ("FlowInput".to_owned(), "document");
    for i in 0..38 {
        let name = format!("Step{i}");
        nodes.push(prompt_node(&name));
        connections.push(data(&previous.0, previous.1, &name, "text"));
        previous = (name, "modelCompletion");
    }
    nodes.push(output_node("FlowOutput", "String"));
    connections.push(data(&previous.0, previous.1, "FlowOutput", "document"));
    project(json!({"nodes": nodes, "connections": connections}))
}

/// Input → Iterator → Prompt → Collector → Output.
pub fn iterator() -> Project {
    flows::iterate_and_collect(prompt_node("Ask"), "text")
}

/// `n` items for the Iterator.
pub fn items(n: usize) -> Value {
    json!((0..n).map(|i| format!("item {i}")).collect::<Vec<_>>())
}

/// Input → `branches` × (Prompt → Output).
pub fn fan_out(branches: usize) -> Project {
    let mut nodes = vec![input_node("String")];
    let mut connections = vec![];
    for i in 0..branches {
        let (p, o) = (format!("Ask{i}"), format!("Out{i}"));
        nodes.push(prompt_node(&p));
        nodes.push(output_node(&o, "String"));
        connections.push(data("FlowInput", "document", &p, "text"));
        connections.push(data(&p, "modelCompletion", &o, "document"));
    }
    project(json!({"nodes": nodes, "connections": connections}))
}

pub fn plan(project: &Project) -> FlowPlan {
    let compiled = compile(project);
    compiled.plan("main").cloned().unwrap_or_else(|| {
        panic!(
            "the bench flow must compile: {:?}",
            compiled.errors().collect::<Vec<_>>()
        )
    })
}

/// Answers every call with the same text, after `latency` (none: at once).
pub struct Fixed {
    pub latency: Option<Duration>,
}

impl ModelProvider for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }

    fn converse<'a>(
        &'a self,
        _: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async move {
            if let Some(latency) = self.latency {
                tokio::time::sleep(latency).await;
            }
            Ok(ModelResponse {
                content: vec![ContentPart::Text {
                    text: "better".to_owned(),
                }],
                stop_reason: StopReason::EndTurn,
                usage: Usage::default(),
                latency_ms: 0,
            })
        })
    }
}

/// The instant model: a fresh scripted provider of `replies` identical replies.
pub fn scripted(replies: usize) -> Arc<dyn ModelProvider> {
    let reply = ScriptedReply {
        text: Some("better".to_owned()),
        ..ScriptedReply::default()
    };
    Arc::new(ScriptedProvider::new(Script {
        replies: vec![reply; replies],
    }))
}

/// One run, its events drained in batches by a task as the session does for the CLI and the app.
pub async fn run_once(
    plan: &FlowPlan,
    project: &Project,
    document: Value,
    ctx: RunContext,
) -> RunResult {
    let (tx, mut rx) = mpsc::channel(16);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let result = run_flow_batched(plan, project, document, ctx, tx).await;
    let _ = drain.await;
    assert_eq!(result.status, RunStatus::Succeeded, "{:?}", result.failures);
    result
}

/// A context for the Iterator workloads: the instant (or 10 ms) model, `concurrency` items at once.
pub fn iterator_context(
    dir: &std::path::Path,
    latency: Option<Duration>,
    concurrency: usize,
) -> RunContext {
    RunContext::new(Arc::new(Fixed { latency }), dir)
        .with_run_id("bench")
        .with_max_concurrency(concurrency.max(16))
        .with_iterator_concurrency(concurrency)
}

/// How many tool steps the ReAct workload takes before its final answer.
pub const REACT_STEPS: usize = 10;

/// A project with one agent whose one action (`orders__lookup`) answers at once: its Lambda
/// cannot run on this machine, so the call comes back as a tool error without a process —
/// the loop, its trace and its messages are all that is measured.
pub fn react_project() -> Project {
    serde_json::from_value(json!({
        "schemaVersion": 1,
        "name": "react",
        "agents": [{
            "agentName": "desk",
            "foundationModel": flows::MODEL,
            "instruction": "You are the order desk of Acme. Look orders up before answering.",
            "local": {"maxIterations": 20},
            "actionGroups": [{
                "actionGroupName": "orders",
                "description": "Orders",
                "actionGroupExecutor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:orders"},
                "functionSchema": {"functions": [{
                    "name": "lookup",
                    "description": "Look an order up",
                    "parameters": {"order_id": {"type": "string", "description": "The order", "required": true}}
                }]}
            }]
        }]
    }))
    .expect("the ReAct project is well-formed")
}

/// The instant model of the ReAct workload: [`REACT_STEPS`] tool calls, then the answer.
pub fn react_script() -> Arc<dyn ModelProvider> {
    let mut replies: Vec<ScriptedReply> = (0..REACT_STEPS)
        .map(|i| ScriptedReply {
            text: Some(format!("Looking up order {i}.")),
            tool_use: vec![ScriptedToolUse {
                id: None,
                name: "orders__lookup".to_owned(),
                input: json!({"order_id": format!("O-{i}")}),
            }],
            ..ScriptedReply::default()
        })
        .collect();
    replies.push(ScriptedReply {
        text: Some("All ten orders are on their way.".to_owned()),
        ..ScriptedReply::default()
    });
    Arc::new(ScriptedProvider::new(Script { replies }))
}

/// One ReAct turn of [`REACT_STEPS`] tool steps, its trace drained as the CLI would.
pub async fn react_once(project: &Project, dir: &std::path::Path) {
    let (tx, mut rx) = mpsc::channel(256);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let rt = AgentRuntime::new(project, "desk", react_script(), dir)
        .expect("the ReAct agent loads")
        .with_trace(tx);
    let outcome = rt
        .invoke(TurnRequest {
            session_id: "bench".to_owned(),
            input_text: "Where are my orders?".to_owned(),
            ..TurnRequest::default()
        })
        .await
        .expect("the ReAct turn");
    assert!(
        matches!(outcome, TurnOutcome::Finished { .. }),
        "{outcome:?}"
    );
    drop(rt);
    let _ = drain.await;
}
