//! What the executor itself costs: scheduling, events and bookkeeping around the nodes'
//! work, measured with models that answer at once or after a fixed latency.
//!
//! - `executor/chain_40_nodes`: Input → 38 Prompt nodes in a chain → Output (Bedrock's
//!   maximum of 40 nodes), each answered at once by the scripted provider; divide by 40 for
//!   the overhead per node.
//! - `executor/iterator_{1000,10000}_items[_concurrency_16]`: an Iterator over the items, each
//!   a Prompt answered at once, gathered by a Collector — one by one (Bedrock's way) and 16 at once.
//! - `executor/fan_out_100_x_10ms`: 100 model calls of 10 ms each that may all run at once;
//!   ideally the run takes 10 ms. A flow has at most 40 nodes, so 100 branches cannot be 100
//!   nodes: they are the items of an Iterator with `iterator_concurrency` 100.
//! - `executor/fan_out_19_x_10ms_default_bound`: the widest graph fan-out a flow can hold
//!   (19 Prompt → Output branches), with the default concurrency bound.
//! - `executor/react_10_steps`: one agent turn of ten tool steps and an answer, the model and
//!   the tool answering at once.
//!
//! Run with `cargo bench --bench executor` (add `-- --warm-up-time 1 --measurement-time 3`
//! for a quicker pass). `benches/side_by_side.rs` prints the same workloads as issue 13's
//! table, beside the tokio floor.

#[global_allocator]
static ALLOCATOR: strata::Allocator = strata::Allocator;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::json;
use strata::run::RunContext;
use tokio::runtime::Runtime;

#[path = "support/workloads.rs"]
mod workloads;

use workloads::{iterator_context, plan, run_once, scripted};

fn benches(crit: &mut Criterion) {
    let rt = Runtime::new().expect("a tokio runtime");
    let dir = std::env::temp_dir();
    let mut group = crit.benchmark_group("executor");
    group.sample_size(20);

    let chain = workloads::chain();
    assert_eq!(chain.flows[0].definition.nodes.len(), 40);
    let chain_plan = plan(&chain);
    group.bench_function("chain_40_nodes", |b| {
        b.iter_batched(
            || RunContext::new(scripted(38), &dir).with_run_id("bench"),
            |ctx| rt.block_on(run_once(&chain_plan, &chain, json!("draft"), ctx)),
            BatchSize::SmallInput,
        );
    });

    let iterator = workloads::iterator();
    let iterator_plan = plan(&iterator);
    for (label, n, concurrency) in [
        ("iterator_1000_items", 1000, 1),
        ("iterator_10000_items", 10_000, 1),
        ("iterator_10000_items_concurrency_16", 10_000, 16),
    ] {
        let items = workloads::items(n);
        group.bench_function(label, |b| {
            b.iter(|| {
                let ctx = iterator_context(&dir, None, concurrency);
                rt.block_on(run_once(&iterator_plan, &iterator, items.clone(), ctx))
            });
        });
    }

    let hundred = workloads::items(100);
    group.bench_function("fan_out_100_x_10ms", |b| {
        b.iter(|| {
            let ctx = iterator_context(&dir, Some(Duration::from_millis(10)), 100);
            rt.block_on(run_once(&iterator_plan, &iterator, hundred.clone(), ctx))
        });
    });

    let wide = workloads::fan_out(19);
    let wide_plan = plan(&wide);
    group.bench_function("fan_out_19_x_10ms_default_bound", |b| {
        b.iter(|| {
            let ctx = RunContext::new(
                std::sync::Arc::new(workloads::Fixed {
                    latency: Some(Duration::from_millis(10)),
                }),
                &dir,
            )
            .with_run_id("bench");
            rt.block_on(run_once(&wide_plan, &wide, json!("draft"), ctx))
        });
    });

    let react = workloads::react_project();
    group.bench_function("react_10_steps", |b| {
        b.iter(|| rt.block_on(workloads::react_once(&react, &dir)));
    });
    group.finish();
}

criterion_group!(executor_benches, benches);
criterion_main!(executor_benches);
