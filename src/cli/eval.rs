//! `strata eval` and `strata test`: run a suite's cases on its variants, report the metrics,
//! comparisons and recommendation (text, `--json`, `--junit`, `--html`), and resume after an
//! interruption. `strata test` is one variant, offline, as a regression test for CI.

use super::provider::ProviderArgs;
use crate::eval::report::{CaseResult, Report};
use crate::eval::runner::{Evaluation, Job};
use crate::save::{check_target, write_atomically};
use crate::store::Store;
use crate::text::escape_line;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

mod seed;

/// Arguments of `strata eval`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub command: Option<EvalCommand>,
    /// The suite, NAME.eval.yaml.
    #[arg(required = true)]
    pub suite: Option<PathBuf>,
    /// A variant of the suite to run (repeatable; default: every variant).
    #[arg(long = "variant")]
    pub variants: Vec<String>,
    /// Run every case this many times (for determinism and latency spread).
    #[arg(long, default_value_t = 1)]
    pub repeat: u32,
    /// At most this many cases run at once.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Go on from where an interrupted evaluation of this suite stopped.
    #[arg(long)]
    pub resume: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write a JUnit XML report (one test case per case × variant) to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write a self-contained HTML report with plots to this file.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Replace the --junit and --html files when they exist.
    #[arg(long)]
    pub force: bool,
    /// Where runs are recorded (default: $STRATA_DATA_DIR, else the per-user data folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Do not record the cases' runs in the run store.
    #[arg(long)]
    pub no_store: bool,
    /// A provider for every variant instead of the ones the suite names.
    #[command(flatten)]
    pub providers: ProviderArgs,
}

/// What `strata eval` does besides running a suite.
#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    /// Write a suite whose cases come from a flow's samples and its recorded runs.
    Seed(seed::SeedArgs),
}

/// Arguments of `strata test`.
#[derive(Args, Debug)]
pub struct TestArgs {
    /// The suite, NAME.eval.yaml.
    pub suite: PathBuf,
    /// The variant to test (default: the suite's only variant).
    #[arg(long)]
    pub variant: Option<String>,
    /// Write a JUnit XML report to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Replace the --junit file when it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub providers: ProviderArgs,
}

/// Exit 0 when every expectation was met, 1 when some failed, 2 for misuse or a bad suite;
/// 130 when interrupted (what finished is kept for `--resume`).
pub async fn eval(args: EvalArgs) -> Result<u8> {
    let suite = match (&args.command, &args.suite) {
        (Some(EvalCommand::Seed(seed)), _) => return seed::seed(seed.clone()).await,
        (None, Some(suite)) => suite.clone(),
        (None, None) => {
            eprintln!("error: name the suite: strata eval SUITE.eval.yaml");
            return Ok(2);
        }
    };
    for target in [&args.junit, &args.html].into_iter().flatten() {
        check_target(target, args.force, &[suite.as_path()])?;
    }
    let store = super::open_store(args.no_store, args.data_dir.as_deref()).await?;
    let Some(evaluation) = load(&suite, store, &args.providers) else {
        return Ok(2);
    };
    let Some(chosen) = choose(&evaluation, &args.variants) else {
        return Ok(2);
    };
    let progress_file = progress_path(&suite, &evaluation.name);
    let mut done = if args.resume {
        read_progress(&progress_file)?
    } else {
        Vec::new()
    };
    let jobs: Vec<Job> = evaluation
        .jobs(args.repeat)
        .into_iter()
        .filter(|j| chosen.contains(&j.variant))
        .filter(|j| {
            let (case, variant) = names(&evaluation, *j);
            !done
                .iter()
                .any(|d| d.id == case && d.variant == variant && d.repeat == j.repeat)
        })
        .collect();
    if let Some(dir) = progress_file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut progress = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(args.resume)
        .truncate(!args.resume)
        .open(&progress_file)
        .with_context(|| format!("cannot write {}", progress_file.display()))?;
    let total = jobs.len() + done.len();
    let bar = indicatif::ProgressBar::new(total as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} cases  {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_position(done.len() as u64);
    // Ctrl-C cancels: no case starts after it, the running ones end cancelled, and what
    // finished is kept for --resume.
    let canceller = evaluation.canceller();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            canceller.cancel();
        }
    });
    let mut written = Ok(());
    let finished = evaluation
        .run_jobs(jobs, args.concurrency, |result| {
            if written.is_ok() {
                written = serde_json::to_string(result)
                    .map_err(anyhow::Error::from)
                    .and_then(|line| Ok(writeln!(progress, "{line}")?));
            }
            bar.set_message(format!(
                "{} {} {}",
                if result.pass { "pass" } else { "FAIL" },
                escape_line(&result.variant),
                escape_line(&result.id)
            ));
            bar.inc(1);
        })
        .await;
    ctrl_c.abort();
    written.with_context(|| format!("cannot write {}", progress_file.display()))?;
    bar.finish_and_clear();
    let judge_cost = finished.judge_cost;
    done.extend(finished.results);
    if finished.cancelled {
        eprintln!(
            "interrupted: {} of {total} cases finished; `strata eval {} --resume` goes on from there",
            done.len(),
            suite.display()
        );
        return Ok(130);
    }
    let report = evaluation.report(&chosen, done);
    if let Some(path) = &args.junit {
        write_atomically(path, crate::eval::junit::to_junit(&report).as_bytes())?;
    }
    if let Some(path) = &args.html {
        write_atomically(path, crate::eval::html::to_html(&report).as_bytes())?;
    }
    if args.json {
        let mut value = serde_json::to_value(&report)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("judgeCostUsd".into(), serde_json::json!(judge_cost));
        }
        outln!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print_report(&report, judge_cost);
    }
    Ok(if report.all_passed() { 0 } else { 1 })
}

/// `strata test`: exit 0 when every expectation held, 1 when one failed, 2 for a bad suite.
pub async fn test(args: TestArgs) -> Result<u8> {
    if let Some(target) = &args.junit {
        check_target(target, args.force, &[args.suite.as_path()])?;
    }
    let Some(evaluation) = load(&args.suite, None, &args.providers) else {
        return Ok(2);
    };
    let wanted: Vec<String> = match (&args.variant, evaluation.suite.variants.as_slice()) {
        (Some(v), _) => vec![v.clone()],
        (None, [only]) => vec![only.name.clone()],
        (None, many) => {
            eprintln!(
                "error: {} has {} variants; name one with --variant ({})",
                args.suite.display(),
                many.len(),
                many.iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Ok(2);
        }
    };
    let Some(chosen) = choose(&evaluation, &wanted) else {
        return Ok(2);
    };
    let mut results = Vec::new();
    for job in evaluation
        .jobs(1)
        .into_iter()
        .filter(|j| chosen.contains(&j.variant))
    {
        let mut result = evaluation.run(job).await;
        evaluation.judge(&mut result).await;
        let mark = if result.pass { "ok  " } else { "FAIL" };
        outln!("{mark} {}", escape_line(&result.id));
        for c in result.checks.iter().filter(|c| !c.pass) {
            outln!(
                "       {}: {}",
                escape_line(&c.kind),
                escape_line(&c.detail)
            );
        }
        results.push(result);
    }
    let report = evaluation.report(&chosen, results);
    let failed = report.cases.iter().filter(|c| !c.pass).count();
    outln!(
        "{} cases, {} passed, {failed} failed",
        report.cases.len(),
        report.cases.len() - failed
    );
    if let Some(path) = &args.junit {
        write_atomically(path, crate::eval::junit::to_junit(&report).as_bytes())?;
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

/// The suite and its project, or every problem printed (and `None`).
fn load(path: &Path, store: Option<Store>, providers: &ProviderArgs) -> Option<Evaluation> {
    match Evaluation::load(path, store) {
        Ok(evaluation) => Some(if provider_given(providers) {
            evaluation.with_provider(providers.settings())
        } else {
            evaluation
        }),
        Err(problems) => {
            for p in problems {
                eprintln!("error: {p}");
            }
            None
        }
    }
}

fn provider_given(p: &ProviderArgs) -> bool {
    p.provider.is_some()
        || p.replay.is_some()
        || p.base_url.is_some()
        || p.profile.is_some()
        || p.region.is_some()
        || p.endpoint_url.is_some()
}

/// The indices of the variants named (all when none is), or `None` after saying which name
/// is unknown.
fn choose(evaluation: &Evaluation, wanted: &[String]) -> Option<BTreeSet<usize>> {
    evaluation
        .choose(wanted)
        .map_err(|e| eprintln!("error: {}", escape_line(&e)))
        .ok()
}

fn names(evaluation: &Evaluation, job: Job) -> (&str, &str) {
    (
        evaluation.suite.cases[job.case].id.as_str(),
        evaluation.suite.variants[job.variant].name.as_str(),
    )
}

/// Where finished cases are kept until the evaluation ends: `.strata/eval/NAME.jsonl` beside
/// the suite.
fn progress_path(suite: &Path, name: &str) -> PathBuf {
    suite
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(".strata/eval")
        .join(format!("{name}.jsonl"))
}

fn read_progress(path: &Path) -> Result<Vec<CaseResult>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    // A line cut short by the interruption is dropped; that case runs again.
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

fn print_report(report: &Report, judge_cost: Option<f64>) {
    let e = |s: &str| escape_line(s).into_owned();
    outln!("suite {}", e(&report.suite));
    outln!(
        "{:<16} {:<6} {:>6} {:>15} {:>8} {:>8} {:>6} {:>10} {:>10} {:>9}",
        "variant",
        "kind",
        "runs",
        "pass (95%)",
        "p50 ms",
        "p95 ms",
        "calls",
        "cost",
        "$/1000",
        "same out"
    );
    for v in &report.variants {
        let money = |c: Option<f64>| c.map_or_else(|| "?".to_owned(), |c| format!("{c:.4}"));
        outln!(
            "{:<16} {:<6} {:>6} {:>4.0}% ({:>2.0}–{:>3.0}%) {:>8.0} {:>8.0} {:>6} {:>10} {:>10} {:>9}",
            e(&v.name),
            v.kind,
            v.cases * v.repeats as usize,
            v.pass_rate * 100.0,
            v.pass_rate_interval[0] * 100.0,
            v.pass_rate_interval[1] * 100.0,
            v.latency_ms.p50,
            v.latency_ms.p95,
            v.model_calls,
            money(v.cost_usd),
            money(v.cost_per1000_usd),
            v.determinism
                .map_or_else(|| "–".to_owned(), |d| format!("{:.0}%", d * 100.0))
        );
    }
    for c in &report.comparisons {
        outln!(
            "{} vs {}: pass rate {:+.0} pts (p = {:.3}), cost ×{}, p95 ×{}",
            e(&c.b),
            e(&c.a),
            c.pass_rate_diff * 100.0,
            c.p_value,
            c.cost_ratio
                .map_or_else(|| "?".to_owned(), |r| format!("{r:.2}")),
            c.latency_p95_ratio
                .map_or_else(|| "?".to_owned(), |r| format!("{r:.2}"))
        );
    }
    if let Some(r) = &report.recommendation {
        outln!("recommendation: {}", e(&r.choice));
        for reason in &r.reasons {
            outln!("  - {}", e(reason));
        }
    }
    for case in report.cases.iter().filter(|c| !c.pass) {
        let mut failed = case.failed_checks();
        // A run that did not finish fails every check with the same error: say it once.
        if case.failure.is_some() {
            failed.truncate(1);
        }
        outln!(
            "FAIL {} · {} #{}: {}{}",
            e(&case.id),
            e(&case.variant),
            case.repeat + 1,
            e(&failed.join("; ")),
            case.run_id
                .as_ref()
                .map(|r| format!(" (strata runs show {r})"))
                .unwrap_or_default()
        );
    }
    if let Some(cost) = judge_cost.filter(|c| *c > 0.0) {
        outln!("judge: ${cost:.6}, not counted in the variants' cost");
    }
}
