//! Strata's column of issue 13's side-by-side table, with the tokio floor measured in the
//! same process: each workload run for a short while per round, the median of each round,
//! the median of the rounds. `benches/peers/run.sh` runs it beside LangGraph and Rivet.
//!
//! - `cargo bench --bench side_by_side` prints one JSON line per workload:
//!   `{"workload", "strata_ms", "floor_inline_ms", "floor_tasks_ms"}` (milliseconds per run).
//!   `ROUNDS=5` changes the number of rounds (3 by default); `-- chain_40` runs one workload;
//!   `NO_FLOOR=1` leaves the floor out (for profiling Strata's runs alone).
//! - `cargo bench --bench side_by_side -- rss 10000 [16]` runs the Iterator workload once
//!   over that many items (that many at once) and prints the process's peak RSS (`VmHWM`).

#[global_allocator]
static ALLOCATOR: strata::Allocator = strata::Allocator;

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::json;
use strata::compile::compile;
use tokio::runtime::Runtime;

#[path = "support/floor.rs"]
mod floor;
#[path = "support/workloads.rs"]
mod workloads;

use workloads::{iterator_context, run_once};

/// How long one round runs a workload, at least.
const ROUND: Duration = Duration::from_millis(300);

/// Runs `once` repeatedly for a round (at least 3 times), `rounds` times, and gives the
/// median run, in milliseconds.
fn median_ms(rounds: usize, mut once: impl FnMut()) -> f64 {
    once(); // warm up: first-touch allocations, lazily built statics
    let mut medians = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let mut times = Vec::new();
        let began = Instant::now();
        while times.len() < 3 || began.elapsed() < ROUND {
            let t = Instant::now();
            once();
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        medians.push(median(&mut times));
    }
    median(&mut medians)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn report(workload: &str, strata: f64, inline: Option<f64>, tasks: Option<f64>) {
    println!(
        "{}",
        json!({"workload": workload, "strata_ms": strata, "floor_inline_ms": inline, "floor_tasks_ms": tasks})
    );
}

/// The peak resident set of this process, in kB.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn rss(rt: &Runtime, items: usize, concurrency: usize) {
    let dir = std::env::temp_dir();
    let project = workloads::iterator();
    let plan = workloads::plan(&project);
    let document = workloads::items(items);
    let before = peak_rss_kb();
    let began = Instant::now();
    rt.block_on(run_once(
        &plan,
        &project,
        document,
        iterator_context(&dir, None, concurrency),
    ));
    println!(
        "{}",
        json!({"items": items, "concurrency": concurrency, "ms": began.elapsed().as_secs_f64() * 1e3,
               "peak_rss_kb_before_run": before, "peak_rss_kb": peak_rss_kb()})
    );
}

fn main() {
    let rt = Runtime::new().expect("a tokio runtime");
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("rss") {
        let items = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
        let concurrency = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1);
        return rss(&rt, items, concurrency);
    }
    let rounds = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let only = args.first().cloned();
    let wanted = |name: &str| only.as_deref().is_none_or(|o| name == o);
    let dir = std::env::temp_dir();
    // `NO_FLOOR=1` leaves the floor out (its figures print as null): for profiling Strata alone.
    let no_floor = std::env::var_os("NO_FLOOR").is_some();
    let floor = |f: &dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>| {
        if no_floor {
            return f64::NAN;
        }
        median_ms(rounds, || rt.block_on(f()))
    };

    if wanted("chain_40") {
        let project = workloads::chain();
        let plan = workloads::plan(&project);
        let strata = median_ms(rounds, || {
            let ctx =
                strata::run::RunContext::new(workloads::scripted(38), &dir).with_run_id("bench");
            rt.block_on(run_once(&plan, &project, json!("draft"), ctx));
        });
        let inline = floor(&|| Box::pin(floor::chain_inline(40)));
        let tasks = floor(&|| Box::pin(floor::chain_tasks(40)));
        report("chain_40", strata, Some(inline), Some(tasks));
    }
    let project = workloads::iterator();
    let plan = workloads::plan(&project);
    for (name, n, at_once) in [
        ("iterator_1000", 1000, 1),
        ("iterator_10000", 10_000, 1),
        ("iterator_10000_x16", 10_000, 16),
    ] {
        if !wanted(name) {
            continue;
        }
        let document = workloads::items(n);
        let strata = median_ms(rounds, || {
            rt.block_on(run_once(
                &plan,
                &project,
                document.clone(),
                iterator_context(&dir, None, at_once),
            ));
        });
        let inline = (at_once == 1).then(|| floor(&|| Box::pin(floor::items_inline(n))));
        let tasks = floor(&|| Box::pin(floor::items_tasks(n, at_once)));
        report(name, strata, inline, Some(tasks));
    }
    if wanted("fan_out_100_x_10ms") {
        let document = workloads::items(100);
        let latency = Some(Duration::from_millis(10));
        let strata = median_ms(rounds, || {
            rt.block_on(run_once(
                &plan,
                &project,
                document.clone(),
                iterator_context(&dir, latency, 100),
            ));
        });
        let tasks = floor(&|| Box::pin(floor::fan_out(100, Duration::from_millis(10))));
        report("fan_out_100_x_10ms", strata, None, Some(tasks));
    }
    if wanted("react_10_steps") {
        let project = workloads::react_project();
        let strata = median_ms(rounds, || {
            rt.block_on(workloads::react_once(&project, &dir))
        });
        let inline = floor(&|| Box::pin(floor::react(workloads::REACT_STEPS)));
        report("react_10_steps", strata, Some(inline), None);
    }
    if wanted("compile_40") {
        let project = workloads::chain();
        let strata = median_ms(rounds, || {
            black_box(compile(black_box(&project)));
        });
        report("compile_40", strata, None, None);
    }
}
