//! What a user waits for: the built `strata` binary started as a whole process, many times,
//! with the median (and spread) of each command's wall-clock time.
//!
//! - `--version`: process start-up alone.
//! - `validate chain_40`: read, parse and check a 40-node flow (Bedrock's maximum).
//! - `run chain_40`: Input → 38 Prompt nodes → Output, each answered at once by a replayed
//!   script, recorded in a run store of its own (the default) and with `--no-store`.
//! - `run iterator_1000`: an Iterator over 1,000 items, each a Prompt, gathered by a
//!   Collector; with the store and without.
//!
//! Run with `cargo bench --bench whole_process [LABEL...]`; `ROUNDS=50` changes the number
//! of runs of each command (default 30; the Iterator runs a third as often), and
//! `STRATA_BIN=path/to/strata` times another build of the binary with the same workloads. Each command runs once
//! unmeasured first, so the store's database exists and the file cache is warm: what is
//! measured is a user's second and later runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "../tests/support/flows.rs"]
mod flows;

/// The `strata` binary to time: `$STRATA_BIN` when set (to compare another build), else the
/// one cargo built for this bench (release profile).
fn strata() -> PathBuf {
    std::env::var_os("STRATA_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_strata")),
        PathBuf::from,
    )
}

/// A project file of Input → Iterator → Prompt → Collector → Output.
fn iterator_project() -> Value {
    let ask = flows::prompt_node("Ask", "Improve: {{text}}", "text", "$.data");
    serde_json::to_value(flows::iterate_and_collect(ask, "text")).expect("a project serialises")
}

/// A script of `replies` instant replies.
fn script(replies: usize) -> Value {
    json!({"replies": vec![json!({"text": "better"}); replies]})
}

fn write_json(path: &Path, value: &Value) -> PathBuf {
    std::fs::write(path, serde_json::to_vec(value).expect("JSON")).expect("write a bench file");
    path.to_path_buf()
}

/// One timed command.
struct Workload {
    label: &'static str,
    args: Vec<String>,
    rounds: usize,
}

/// Runs the command once, checking it succeeded, and returns how long it took.
fn time_once(strata: &Path, args: &[String]) -> Duration {
    let started = Instant::now();
    let status = Command::new(strata)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .expect("strata starts");
    let elapsed = started.elapsed();
    assert!(status.success(), "strata {args:?} failed: {status}");
    elapsed
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks workloads by label.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    let strata = strata();
    let temp = tempfile::tempdir().expect("a temporary folder");
    let dir = temp.path();
    let chain = write_json(&dir.join("chain.strata.json"), &flows::chain_project(38));
    let chain_script = write_json(&dir.join("chain-replies.json"), &script(38));
    let iterator = write_json(&dir.join("iterator.strata.json"), &iterator_project());
    let iterator_script = write_json(&dir.join("iterator-replies.json"), &script(1000));
    let items = json!((0..1000).map(|i| format!("item {i}")).collect::<Vec<_>>()).to_string();
    let path = |p: &Path| p.display().to_string();
    let run = |project: &Path, script: &Path, input: &str, store: &str| {
        let mut args = vec![
            "run".to_owned(),
            path(project),
            "--replay".to_owned(),
            path(script),
            "--input".to_owned(),
            input.to_owned(),
        ];
        match store {
            "none" => args.push("--no-store".to_owned()),
            data_dir => args.extend(["--data-dir".to_owned(), path(&dir.join(data_dir))]),
        }
        args
    };
    let workloads = [
        Workload {
            label: "version",
            args: vec!["--version".to_owned()],
            rounds,
        },
        Workload {
            label: "validate_chain_40",
            args: vec!["validate".to_owned(), path(&chain)],
            rounds,
        },
        Workload {
            label: "run_chain_40_store",
            args: run(&chain, &chain_script, "\"draft\"", "store-chain"),
            rounds,
        },
        Workload {
            label: "run_chain_40_no_store",
            args: run(&chain, &chain_script, "\"draft\"", "none"),
            rounds,
        },
        Workload {
            label: "run_iterator_1000_store",
            args: run(&iterator, &iterator_script, &items, "store-iterator"),
            rounds: rounds.div_ceil(3),
        },
        Workload {
            label: "run_iterator_1000_no_store",
            args: run(&iterator, &iterator_script, &items, "none"),
            rounds: rounds.div_ceil(3),
        },
    ];
    println!(
        "{:<28} {:>6} {:>10} {:>10} {:>10}",
        "whole process", "runs", "median ms", "min ms", "p90 ms"
    );
    for workload in workloads
        .iter()
        .filter(|w| filter.is_empty() || filter.iter().any(|f| w.label.contains(f.as_str())))
    {
        time_once(&strata, &workload.args);
        let mut times: Vec<Duration> = (0..workload.rounds)
            .map(|_| time_once(&strata, &workload.args))
            .collect();
        times.sort();
        let at = |fraction: f64| {
            // Nearest rank; rounds is small, so this is exact enough for a median.
            let rank = ((times.len() - 1) as f64 * fraction).round() as usize;
            millis(times[rank])
        };
        println!(
            "{:<28} {:>6} {:>10.1} {:>10.1} {:>10.1}",
            workload.label,
            times.len(),
            at(0.5),
            at(0.0),
            at(0.9)
        );
    }
}
