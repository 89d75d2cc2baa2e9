//! What the executor itself costs: scheduling, events and bookkeeping around the nodes'
//! work, measured with models that answer at once or after a fixed latency.
//!
//! - `executor/chain_40_nodes`: Input → 38 Prompt nodes in a chain → Output (Bedrock's
//!   maximum of 40 nodes), each answered at once by the scripted provider; divide by 40 for
//!   the overhead per node.
//! - `executor/iterator_10000_items[_concurrency_16]`: an Iterator over 10,000 items, each a
//!   Prompt answered at once, gathered by a Collector — one by one (Bedrock's way) and 16 at once.
//! - `executor/fan_out_100_x_10ms`: 100 model calls of 10 ms each that may all run at once;
//!   ideally the run takes 10 ms. A flow has at most 40 nodes, so 100 branches cannot be 100
//!   nodes: they are the items of an Iterator with `iterator_concurrency` 100.
//! - `executor/fan_out_19_x_10ms_default_bound`: the widest graph fan-out a flow can hold
//!   (19 Prompt → Output branches), with the default concurrency bound.
//!
//! Run with `cargo bench --bench executor` (add `-- --warm-up-time 1 --measurement-time 3`
//! for a quicker pass).

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::{json, Value};
use strata::compile::{compile, FlowPlan};
use strata::model::Project;
use strata::providers::scripted::{Script, ScriptedProvider, ScriptedReply};
use strata::providers::{
    BoxFuture, ContentPart, ModelProvider, ModelRequest, ModelResponse, ProviderError, StopReason,
    Usage,
};
use strata::run::{run_flow, RunContext, RunResult, RunStatus};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

#[path = "../tests/support/flows.rs"]
mod flows;

use flows::{data, input_node, output_node, project};

/// A Prompt node that improves its `text`.
fn prompt_node(name: &str) -> Value {
    flows::prompt_node(name, "Improve: {{text}}", "text", "$.data")
}

/// Input → Step0 → … → Step37 → Output: 40 nodes.
fn chain() -> Project {
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
fn iterator() -> Project {
    flows::iterate_and_collect(prompt_node("Ask"), "text")
}

/// Input → 19 × (Prompt → Output): 39 nodes.
fn fan_out(branches: usize) -> Project {
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

fn plan(project: &Project) -> FlowPlan {
    let compiled = compile(project);
    compiled.plan("main").cloned().unwrap_or_else(|| {
        panic!(
            "the bench flow must compile: {:?}",
            compiled.errors().collect::<Vec<_>>()
        )
    })
}

/// Answers every call with the same text, after `latency` (none: at once).
struct Fixed {
    latency: Option<Duration>,
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

/// One run, its events drained by a task as the CLI would.
async fn run_once(
    plan: &FlowPlan,
    project: &Project,
    document: Value,
    ctx: RunContext,
) -> RunResult {
    let (tx, mut rx) = mpsc::channel(256);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let result = run_flow(plan, project, document, ctx, tx).await;
    let _ = drain.await;
    result
}

fn scripted(replies: usize) -> Arc<dyn ModelProvider> {
    let reply = ScriptedReply {
        text: Some("better".to_owned()),
        ..ScriptedReply::default()
    };
    Arc::new(ScriptedProvider::new(Script {
        replies: vec![reply; replies],
    }))
}

fn benches(crit: &mut Criterion) {
    let rt = Runtime::new().expect("a tokio runtime");
    let dir = std::env::temp_dir();
    let mut group = crit.benchmark_group("executor");
    group.sample_size(20);

    let chain = chain();
    assert_eq!(chain.flows[0].definition.nodes.len(), 40);
    let chain_plan = plan(&chain);
    group.bench_function("chain_40_nodes", |b| {
        b.iter_batched(
            || RunContext::new(scripted(38), &dir).with_run_id("bench"),
            |ctx| {
                let result = rt.block_on(run_once(&chain_plan, &chain, json!("draft"), ctx));
                assert_eq!(result.status, RunStatus::Succeeded, "{:?}", result.failures);
            },
            BatchSize::SmallInput,
        );
    });

    let iterator = iterator();
    let iterator_plan = plan(&iterator);
    let items = json!((0..10_000).map(|i| format!("item {i}")).collect::<Vec<_>>());
    for (label, concurrency) in [
        ("iterator_10000_items", 1),
        ("iterator_10000_items_concurrency_16", 16),
    ] {
        group.bench_function(label, |b| {
            b.iter(|| {
                let ctx = RunContext::new(Arc::new(Fixed { latency: None }), &dir)
                    .with_run_id("bench")
                    .with_max_concurrency(16)
                    .with_iterator_concurrency(concurrency);
                let result = rt.block_on(run_once(&iterator_plan, &iterator, items.clone(), ctx));
                assert_eq!(result.status, RunStatus::Succeeded, "{:?}", result.failures);
            });
        });
    }

    let hundred = json!((0..100).map(|i| format!("branch {i}")).collect::<Vec<_>>());
    group.bench_function("fan_out_100_x_10ms", |b| {
        b.iter(|| {
            let ctx = RunContext::new(
                Arc::new(Fixed {
                    latency: Some(Duration::from_millis(10)),
                }),
                &dir,
            )
            .with_run_id("bench")
            .with_max_concurrency(100)
            .with_iterator_concurrency(100);
            let result = rt.block_on(run_once(&iterator_plan, &iterator, hundred.clone(), ctx));
            assert_eq!(result.status, RunStatus::Succeeded, "{:?}", result.failures);
        });
    });

    let wide = fan_out(19);
    let wide_plan = plan(&wide);
    group.bench_function("fan_out_19_x_10ms_default_bound", |b| {
        b.iter(|| {
            let ctx = RunContext::new(
                Arc::new(Fixed {
                    latency: Some(Duration::from_millis(10)),
                }),
                &dir,
            )
            .with_run_id("bench");
            let result = rt.block_on(run_once(&wide_plan, &wide, json!("draft"), ctx));
            assert_eq!(result.status, RunStatus::Succeeded, "{:?}", result.failures);
        });
    });
    group.finish();
}

criterion_group!(executor_benches, benches);
criterion_main!(executor_benches);
