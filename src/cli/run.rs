//! `strata run`: compile a flow, pick the model provider, run it on this machine and print
//! the trace live.

use super::provider::{default_provider, profile_routes, ProviderArgs};
use crate::compile::compile_in;
use crate::providers::router::Router;
use crate::providers::scripted::Recorder;
use crate::providers::ModelProvider;
use crate::run::{run_flow, RunContext, RunEvent, RunResult, RunStatus};
use crate::save::{check_target, AtomicFile};
use crate::store::{NewRun, RunId, RunOutcome, RunSummary, Store};
use crate::text::{escape_block, escape_line};
use crate::trace::Cost;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Arguments of `strata run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// A Strata project or a Bedrock flow JSON file.
    pub path: PathBuf,
    /// The flow to run (default: the first).
    #[arg(long)]
    pub flow: Option<String>,
    /// The input document, as JSON (a bare word is taken as a string).
    #[arg(long, conflicts_with_all = ["input_file", "sample"])]
    pub input: Option<String>,
    /// Read the input document from a JSON file.
    #[arg(long)]
    pub input_file: Option<PathBuf>,
    /// Use one of the flow's saved samples by name.
    #[arg(long)]
    pub sample: Option<String>,
    #[command(flatten)]
    pub providers: ProviderArgs,
    /// Save this run's model exchanges as a script, to replay offline with --replay.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// At most this many nodes work at once.
    #[arg(long, default_value_t = crate::run::DEFAULT_MAX_CONCURRENCY)]
    pub concurrency: usize,
    /// At most this many items of one Iterator run at once (1: one by one, as Bedrock does);
    /// the Collector keeps item order either way.
    #[arg(long, default_value_t = crate::run::DEFAULT_ITERATOR_CONCURRENCY)]
    pub iterator_concurrency: usize,
    /// Stream model replies (Bedrock ConverseStream): text is shown as it arrives.
    #[arg(long)]
    pub stream: bool,
    /// Seconds one node may work before it fails.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// Folder for Storage/Retrieval buckets (default: .strata/storage beside the project).
    #[arg(long)]
    pub storage: Option<PathBuf>,
    /// Write the trace as JSON lines to this file (it appears whole when the run ends).
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Replace the --trace and --record files when they exist (never a file the run reads).
    #[arg(long)]
    pub force: bool,
    /// Print the trace events as JSON lines on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print only the outputs and the summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Where runs are recorded (default: $STRATA_DATA_DIR, else the per-user data folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Run the version an alias points at (see `strata alias`) instead of the file as it is.
    #[arg(long)]
    pub alias: Option<String>,
    /// Do not record the run in the run store.
    #[arg(long)]
    pub no_store: bool,
    /// Answers for agents that ask the user, return control or want a confirmation, JSON or
    /// YAML: {"replies": [...]}, used in order (see `strata chat`). Without it they are asked
    /// on the terminal, and fail the node when stdin is not one.
    #[arg(long)]
    pub answers: Option<PathBuf>,
}

/// Runs the command; the exit code is 0 when the run succeeded, 1 when the flow has errors or
/// the run failed or was cancelled, 2 when a file could not be read.
pub async fn run(args: RunArgs) -> Result<u8> {
    let inputs: Vec<&Path> = [
        Some(args.path.as_path()),
        args.input_file.as_deref(),
        args.answers.as_deref(),
        args.providers.replay.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    for target in [&args.trace, &args.record].into_iter().flatten() {
        check_target(target, args.force, &inputs)?;
    }
    if let (Some(trace), Some(record)) = (&args.trace, &args.record) {
        if trace == record {
            bail!(
                "--trace and --record name the same file, {}",
                trace.display()
            );
        }
    }
    let loaded = super::read_document(&args.path)?;
    let mut project = loaded.project;
    let flow = match &args.flow {
        Some(name) => project
            .flow(name)
            .with_context(|| format!("{} has no flow named {name:?}", args.path.display()))?,
        None => project
            .flows
            .first()
            .with_context(|| format!("{} has no flows", args.path.display()))?,
    };
    let flow_name = flow.name.clone();
    let store = if args.no_store {
        None
    } else {
        let dir = Store::resolve_data_dir(args.data_dir.as_deref())?;
        Some(Store::open(&dir).await?)
    };
    if let Some(alias) = &args.alias {
        let store = store
            .as_ref()
            .context("--alias needs the run store; drop --no-store")?;
        let (version, snap) =
            super::lifecycle::resolve_alias(store, &project, &flow_name, alias).await?;
        project = crate::lifecycle::project_at(&project, &snap);
        if !args.json {
            outln!("alias {alias} → version {version}");
        }
    }
    let flow = project.flow(&flow_name).context("the flow disappeared")?;
    let project_dir = args
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let compiled = compile_in(&project, &project_dir);
    let Some(plan) = compiled.plan(&flow.name) else {
        eprintln!("flow {:?} has errors and cannot run:", flow.name);
        for d in compiled.errors() {
            eprintln!("  error[{}] {} (at {})", d.code, d.message, d.location);
        }
        return Ok(1);
    };
    // Before running: this is code from outside the project that is about to run.
    let outside = compiled
        .diagnostics
        .iter()
        .filter(|d| d.code == crate::diagnostic::Code::HandlerOutsideProject);
    for d in outside {
        eprintln!("warning[{}] {} (at {})", d.code, d.message, d.location);
    }
    let document = input_document(&args, flow)?;
    let base = default_provider(&args.providers).await?;
    let routed: Arc<dyn ModelProvider> = Arc::new(Router::new(
        base,
        profile_routes(&project, &project_dir).await?,
    ));
    let recorder = args
        .record
        .as_ref()
        .map(|_| Arc::new(Recorder::new(routed.clone())));
    let provider: Arc<dyn ModelProvider> = match &recorder {
        Some(r) => r.clone(),
        None => routed,
    };
    // The trace is written to the store off the run's path, in batches (`store::RunRecorder`).
    // Every run gets its id here, stored or not, so the trace, the text and the store all
    // show the one format of `RunId`.
    let recording = match &store {
        Some(store) => Some(
            store
                .start_run(NewRun {
                    project_path: args.path.display().to_string(),
                    project_name: project.name.clone(),
                    flow: flow.name.clone(),
                    inputs: document.clone(),
                    provider: provider.name().to_owned(),
                    alias: args.alias.clone(),
                })
                .await?,
        ),
        None => None,
    };
    let run_id = recording
        .as_ref()
        .map(|r| r.id().clone())
        .unwrap_or_else(RunId::generate);
    let cancel = CancellationToken::new();
    let mut ctx = RunContext::new(provider, &project_dir)
        .with_cancel(cancel.clone())
        .with_max_concurrency(args.concurrency)
        .with_iterator_concurrency(args.iterator_concurrency)
        .with_stream(args.stream)
        .with_node_timeout(Duration::from_secs(args.timeout.max(1)));
    if let Some(s) = &args.storage {
        ctx = ctx.with_storage_root(s);
    }
    ctx = ctx.with_run_id(run_id.as_str());
    if let Some(store) = &store {
        ctx = ctx.with_store(store.clone());
    }
    if let Some(guardrails) = args.providers.bedrock_guardrails() {
        ctx = ctx.with_bedrock_guardrails(guardrails);
    }
    let (pause_tx, mut pauses) = mpsc::unbounded_channel::<super::ask::Pause>();
    if args.answers.is_some() || std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let io = Arc::new(tokio::sync::Mutex::new(super::ask::Io::new(
            args.answers.as_deref(),
            args.json,
        )?));
        let asker = io.clone();
        let ask_pauses = pause_tx.clone();
        ctx = ctx
            .with_ask_user(Arc::new(move |node, question| {
                let io = asker.clone();
                let pauses = ask_pauses.clone();
                Box::pin(async move {
                    let _printer = super::ask::Pause::hold(&pauses).await;
                    let mut io = io.lock().await;
                    io.say(&format!(
                        "{} asks: {}",
                        escape_line(&node),
                        escape_line(&question)
                    ));
                    io.reply("answer> ").await
                })
            }))
            .with_return_control(Arc::new(move |node, payload| {
                let io = io.clone();
                let pauses = pause_tx.clone();
                Box::pin(async move {
                    let _printer = super::ask::Pause::hold(&pauses).await;
                    let mut io = io.lock().await;
                    io.say(&super::ask::pause_heading(&node, &payload));
                    super::ask::ask_results(&payload, &mut io).await
                })
            }));
    } else {
        drop(pause_tx);
    }
    let (tx, mut rx) = mpsc::channel::<RunEvent>(256);
    let ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("cancelling…");
            ctrl_c.cancel();
        }
    });
    let plan = plan.clone();
    let for_run = project.clone();
    let handle = tokio::spawn(async move { run_flow(&plan, &for_run, document, ctx, tx).await });
    let mut trace_file = match &args.trace {
        Some(path) => Some(AtomicFile::create(path)?),
        None => None,
    };
    let mut cost = Cost::default();
    let mut take = async |event: RunEvent| -> Result<()> {
        cost.add(&project, &event);
        if let Some(file) = &mut trace_file {
            file.write_all(format!("{}\n", event.to_json_line()).as_bytes())?;
        }
        if args.json {
            outln!("{}", event.to_json_line());
        } else {
            print_event(&event, args.quiet);
        }
        if let Some(recording) = &recording {
            recording.record(event);
        }
        Ok(())
    };
    loop {
        tokio::select! {
            biased;
            event = rx.recv() => match event {
                Some(event) => take(event).await?,
                None => break,
            },
            Some(pause) = pauses.recv() => {
                // Everything the run said before it asked is printed before the question.
                while let Ok(event) = rx.try_recv() {
                    take(event).await?;
                }
                pause.wait_for_answer().await;
            }
        }
    }
    let result: RunResult = handle.await.context("the run's task ended abnormally")?;
    if let Some(file) = trace_file {
        file.commit()?;
    }
    if let (Some(path), Some(rec)) = (&args.record, &recorder) {
        rec.save(path)
            .with_context(|| format!("cannot save the recording to {}", path.display()))?;
        if !args.json {
            outln!("recorded model exchanges to {}", path.display());
        }
    }
    if let Some(recording) = recording {
        recording
            .finish(RunSummary {
                status: match result.status {
                    RunStatus::Succeeded => RunOutcome::Succeeded,
                    RunStatus::Failed => RunOutcome::Failed,
                    RunStatus::Cancelled => RunOutcome::Cancelled,
                },
                outputs: serde_json::to_value(&result.outputs)?,
                error: (!result.failures.is_empty()).then(|| {
                    result
                        .failures
                        .iter()
                        .map(|f| format!("{}: {}", f.node, f.error))
                        .collect::<Vec<_>>()
                        .join("; ")
                }),
                duration_ms: result.duration_ms,
                input_tokens: result.usage.input_tokens,
                output_tokens: result.usage.output_tokens,
                cost_usd: cost.unpriced.is_empty().then_some(cost.usd),
            })
            .await?;
    }
    if !args.json {
        print_summary(&result, &cost);
        if store.is_some() {
            outln!("recorded as {run_id}: strata runs show {run_id}");
        }
    }
    Ok(match result.status {
        RunStatus::Succeeded => 0,
        RunStatus::Failed | RunStatus::Cancelled => 1,
    })
}

fn input_document(args: &RunArgs, flow: &crate::model::Flow) -> Result<serde_json::Value> {
    if let Some(text) = &args.input {
        return Ok(
            serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.clone()))
        );
    }
    if let Some(path) = &args.input_file {
        let bytes = super::read_file(path)?;
        let text = super::decode_file(path, &bytes)?;
        return serde_json::from_str(text)
            .with_context(|| format!("{} is not JSON", path.display()));
    }
    let sample = match &args.sample {
        Some(name) => flow
            .samples
            .iter()
            .find(|s| &s.name == name)
            .with_context(|| format!("flow {:?} has no sample named {name:?}", flow.name))?,
        None => match flow.samples.first() {
            Some(s) => s,
            None => bail!(
                "give the flow an input: --input '<json>', --input-file FILE, or save a sample in the project"
            ),
        },
    };
    Ok(sample.document.clone())
}

/// A value on one line, cut at 100 characters: for trace lines, not for a flow's outputs.
fn compact(value: &serde_json::Value) -> String {
    let s = match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let one_line = s.replace('\n', "⏎");
    let cut = if one_line.chars().count() > 100 {
        format!("{}…", one_line.chars().take(100).collect::<String>())
    } else {
        one_line
    };
    escape_line(&cut).into_owned()
}

/// A flow output, whole: text as a block (its line breaks kept, every other control character
/// escaped), anything else as JSON on one line.
fn whole(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => escape_block(s).into_owned(),
        other => escape_line(&other.to_string()).into_owned(),
    }
}

/// Prints one run event as a line of text. Names, reasons and values come from the project, a
/// model or a tool, so each is escaped before it reaches the terminal.
fn print_event(event: &RunEvent, quiet: bool) {
    let t = event.at_ms();
    let e = |s: &str| escape_line(s).into_owned();
    match event {
        RunEvent::RunStarted { flow, run_id, .. } => {
            if !quiet {
                outln!("run {}: flow {:?}", e(run_id), e(flow));
            }
        }
        RunEvent::NodeStarted { .. } | RunEvent::NodeInput { .. } => {}
        RunEvent::NodeOutput { node, fields, .. } => {
            if !quiet {
                for f in fields {
                    outln!(
                        "{t:>7}ms  {}.{} = {}",
                        e(node),
                        e(&f.node_output_name),
                        compact(&f.content.document)
                    );
                }
            }
        }
        RunEvent::ConditionResult {
            node,
            satisfied_conditions,
            ..
        } => {
            if !quiet {
                outln!(
                    "{t:>7}ms  {} chose {}",
                    e(node),
                    e(&satisfied_conditions.join(", "))
                );
            }
        }
        RunEvent::NodeAction {
            node,
            service_name,
            operation_name,
            usage,
            latency_ms,
            ..
        } => {
            if !quiet {
                let tokens = usage
                    .map(|u| format!(", {} in / {} out tokens", u.input_tokens, u.output_tokens))
                    .unwrap_or_default();
                outln!(
                    "{t:>7}ms  {} called {} {} ({latency_ms} ms{tokens})",
                    e(node),
                    e(service_name),
                    e(operation_name)
                );
            }
        }
        RunEvent::ContentBlockDelta { node, text, .. } => {
            if !quiet {
                outln!(
                    "{t:>7}ms  {} … {}",
                    e(node),
                    compact(&serde_json::Value::String(text.clone()))
                );
            }
        }
        RunEvent::AgentTrace { node, trace, .. } => {
            if !quiet {
                // The agent's steps read as `strata chat` shows them.
                for line in super::chat::agent_event_lines(trace) {
                    outln!("{t:>7}ms  {} {}", e(node), line.trim_start());
                }
            }
        }
        RunEvent::NodeSkipped { node, reason, .. } => {
            if !quiet {
                outln!("{t:>7}ms  {} skipped: {}", e(node), e(&reason.to_string()));
            }
        }
        RunEvent::NodeReused { node, reason, .. } => {
            if !quiet {
                outln!("{t:>7}ms  {} not run: {}", e(node), e(reason));
            }
        }
        RunEvent::NodeFailed { node, error, .. } => {
            outln!("{t:>7}ms  {} FAILED: {}", e(node), e(&error.to_string()))
        }
        RunEvent::FlowOutput { node, document, .. } => {
            outln!("{t:>7}ms  output {}: {}", e(node), whole(document));
        }
        RunEvent::Cancelled { .. } => outln!("{t:>7}ms  cancelled"),
        RunEvent::RunFinished { .. } => {}
    }
}

fn print_summary(result: &RunResult, cost: &Cost) {
    let status = match result.status {
        RunStatus::Succeeded => "succeeded",
        RunStatus::Failed => "failed",
        RunStatus::Cancelled => "cancelled",
    };
    let unpriced = if cost.unpriced.is_empty() {
        String::new()
    } else {
        format!(" (no price for {})", cost.unpriced.join(", "))
    };
    outln!(
        "{status} in {} ms · {} input + {} output tokens · ${:.6}{unpriced}",
        result.duration_ms,
        result.usage.input_tokens,
        result.usage.output_tokens,
        cost.usd
    );
}
