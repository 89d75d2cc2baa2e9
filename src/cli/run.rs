//! `strata run`: run a flow on this machine through the host layer ([`crate::session`]) and
//! print the trace live, asking on the terminal (or from `--answers`) when an agent asks.

use super::provider::ProviderArgs;
use crate::run::{RunEvent, RunStatus};
use crate::save::{check_target, AtomicFile};
use crate::session::protocol::{DebugOptions, RerunFrom, RunInput};
use crate::session::{self, InputSource, RunHooks, RunOptions, RunReport, Session};
use crate::store::RunFilter;
use crate::text::{escape_block, escape_line};
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

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
    #[command(flatten)]
    pub handlers: super::handlers::HandlerArgs,
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
    /// Re-run from this node: the nodes before it do not run again; their outputs are taken
    /// from the run named by --reuse (a node inside an Iterator or Loop re-runs its container).
    #[arg(long, value_name = "NODE", requires = "reuse")]
    pub from: Option<String>,
    /// The recorded run (an id from `strata runs`, or `latest`: this flow's newest) whose
    /// outputs --from reuses.
    #[arg(long, value_name = "RUN_ID", requires = "from")]
    pub reuse: Option<String>,
    /// Pin a node's output: the node does not run and gives this value (JSON; a bare word is
    /// taken as a string). Repeatable; a pinned node needs every output pinned.
    #[arg(long, value_name = "NODE.OUTPUT=JSON")]
    pub pin: Vec<String>,
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
    if args.no_store && args.alias.is_some() {
        bail!("--alias needs the run store; drop --no-store");
    }
    let store = super::open_store(args.no_store, args.data_dir.as_deref()).await?;
    let mut session = Session::new(loaded.project, Some(&args.path), store);
    args.handlers
        .bind(&mut session, args.providers.region.clone())?;
    let prepared = match session
        .prepare(args.flow.as_deref(), args.alias.as_deref())
        .await
    {
        Ok(prepared) => prepared,
        Err(session::Error::FlowHasErrors { flow, errors }) => {
            eprintln!("flow {flow:?} has errors and cannot run:");
            for d in errors {
                eprintln!("  error[{}] {} (at {})", d.code, d.message, d.location);
            }
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    if let (Some((alias, version)), false) = (&prepared.alias, args.json) {
        outln!("alias {alias} → version {version}");
    }
    // Before running: this is code from outside the project that is about to run.
    for d in &prepared.warnings {
        eprintln!("warning[{}] {} (at {})", d.code, d.message, d.location);
    }
    let debug = debug_options(&args, &session, &prepared.flow).await?;
    // A re-run given no input starts from the reused run's.
    let given = args.input.is_some() || args.input_file.is_some() || args.sample.is_some();
    let reused_input = match (&debug.from, session.store(), given) {
        (Some(from), Some(store), false) => Some(
            store
                .get_run(&from.run_id.as_str().into())
                .await?
                .with_context(|| format!("no run {} in the run store", from.run_id))?
                .inputs,
        ),
        _ => None,
    };
    let document = match reused_input {
        Some(document) => document,
        None => match prepared.input_document(&input_source(&args)?) {
            Err(session::Error::NoInput { .. }) => bail!(
                "give the flow an input: --input '<json>', --input-file FILE, or save a sample in the project"
            ),
            other => other?,
        },
    };
    let options = RunOptions {
        debug,
        record: args.record.clone(),
        max_concurrency: args.concurrency,
        iterator_concurrency: args.iterator_concurrency,
        stream: args.stream,
        node_timeout: Duration::from_secs(args.timeout.max(1)),
        storage_root: args.storage.clone(),
        ..RunOptions::new(
            InputSource::Given(document.clone()),
            args.providers.settings(),
        )
    };
    let hooks = terminal_hooks(&args)?;
    let ctrl_c = hooks.cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("cancelling…");
            ctrl_c.cancel();
        }
    });
    let live = session.start(prepared, document, &options, hooks).await?;
    let run_id = live.id().to_owned();
    let mut trace_file = match &args.trace {
        Some(path) => Some(AtomicFile::create(path)?),
        None => None,
    };
    let report = live
        .stream(|event| {
            if let Some(file) = &mut trace_file {
                file.write_all(format!("{}\n", event.to_json_line()).as_bytes())
                    .map_err(|e| e.into_io())?;
            }
            if args.json {
                outln!("{}", event.to_json_line());
            } else {
                print_event(event, args.quiet);
            }
            Ok(())
        })
        .await?;
    if let Some(file) = trace_file {
        file.commit()?;
    }
    if let (Some(path), false) = (&report.summary.recorded_to, args.json) {
        outln!("recorded model exchanges to {path}");
    }
    if !args.json {
        print_summary(&report);
        if report.stored {
            outln!("recorded as {run_id}: strata runs show {run_id}");
        }
    }
    Ok(match report.result.status {
        RunStatus::Succeeded => 0,
        RunStatus::Failed | RunStatus::Cancelled => 1,
    })
}

/// `--from NODE --reuse RUN_ID` (`latest`: this flow's newest recorded run) and `--pin
/// NODE.OUTPUT=JSON`, as the host layer's debug options.
async fn debug_options(args: &RunArgs, session: &Session, flow: &str) -> Result<DebugOptions> {
    let mut debug = DebugOptions::default();
    if let (Some(node), Some(run_id)) = (&args.from, &args.reuse) {
        let store = session
            .store()
            .context("--reuse reads the run store; drop --no-store")?;
        let run_id = if run_id == "latest" {
            let newest = store
                .list_runs(RunFilter {
                    project: Some(args.path.display().to_string()),
                    flow: Some(flow.to_owned()),
                    limit: 1,
                })
                .await?;
            newest
                .into_iter()
                .next()
                .with_context(|| {
                    format!("--reuse latest: flow {flow:?} of this project has no recorded run")
                })?
                .id
                .to_string()
        } else {
            run_id.clone()
        };
        debug.from = Some(RerunFrom {
            run_id,
            node: node.clone(),
        });
    }
    for pin in &args.pin {
        let (target, text) = pin
            .split_once('=')
            .with_context(|| format!("--pin {pin:?}: write NODE.OUTPUT=JSON"))?;
        let (node, output) = target
            .split_once('.')
            .with_context(|| format!("--pin {pin:?}: write NODE.OUTPUT=JSON"))?;
        let value = serde_json::from_str(text)
            .unwrap_or_else(|_| serde_json::Value::String(text.to_owned()));
        debug
            .pins
            .entry(node.to_owned())
            .or_default()
            .insert(output.to_owned(), value);
    }
    Ok(debug)
}

/// Answers from the terminal (or `--answers`); none when stdin is not a terminal and no
/// answers file is given, so a question fails its node instead of hanging.
fn terminal_hooks(args: &RunArgs) -> Result<RunHooks> {
    let mut hooks = RunHooks::default();
    if args.answers.is_none() && !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Ok(hooks);
    }
    let io = Arc::new(tokio::sync::Mutex::new(super::ask::Io::new(
        args.answers.as_deref(),
        args.json,
    )?));
    let asker = io.clone();
    hooks.ask_user = Some(Arc::new(move |node, question| {
        let io = asker.clone();
        Box::pin(async move {
            let mut io = io.lock().await;
            io.say(&format!(
                "{} asks: {}",
                escape_line(&node),
                escape_line(&question)
            ));
            io.reply("answer> ").await
        })
    }));
    hooks.return_control = Some(Arc::new(move |node, payload| {
        let io = io.clone();
        Box::pin(async move {
            let mut io = io.lock().await;
            io.say(&super::ask::pause_heading(&node, &payload));
            super::ask::ask_results(&payload, &mut io).await
        })
    }));
    Ok(hooks)
}

/// Where the input document comes from: `--input` and `--input-file` as given (the Input node
/// checks the type as the run starts), `--sample` by name, else the first sample.
fn input_source(args: &RunArgs) -> Result<InputSource> {
    if let Some(text) = &args.input {
        return Ok(InputSource::Given(
            serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.clone())),
        ));
    }
    if let Some(path) = &args.input_file {
        let bytes = super::read_file(path)?;
        let text = super::decode_file(path, &bytes)?;
        return Ok(InputSource::Given(
            serde_json::from_str(text)
                .with_context(|| format!("{} is not JSON", path.display()))?,
        ));
    }
    Ok(match &args.sample {
        Some(name) => InputSource::Chosen(RunInput::Sample { name: name.clone() }),
        None => InputSource::FirstSample,
    })
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

fn print_summary(report: &RunReport) {
    let (result, summary) = (&report.result, &report.summary);
    let status = match result.status {
        RunStatus::Succeeded => "succeeded",
        RunStatus::Failed => "failed",
        RunStatus::Cancelled => "cancelled",
    };
    let unpriced = if summary.unpriced.is_empty() {
        String::new()
    } else {
        format!(" (no price for {})", summary.unpriced.join(", "))
    };
    outln!(
        "{status} in {} ms · {} input + {} output tokens · ${:.6}{unpriced}",
        result.duration_ms,
        result.usage.input_tokens,
        result.usage.output_tokens,
        report.cost.usd
    );
}
