//! `strata chat`: talk to one of the project's agents on this machine, turn by turn, with
//! each step shown as it happens (rationale, tool calls, observations, guardrail actions).
//!
//! Return of control, confirmations and `AMAZON.UserInput` questions are asked on the
//! terminal, or answered from `--answers FILE` (JSON or YAML) for scripts:
//! `{"inputs": ["first message", ...], "replies": ["CONFIRM", "result body", "answer", ...]}`.
//! `inputs` (optional) replace stdin; `replies` are used in order, one per question: a
//! confirmation takes `CONFIRM`/`yes`/`y` (anything else denies), a return-of-control action
//! takes its result body, a question its answer. A script that runs out of replies denies
//! confirmations and fails the turn otherwise.

use super::ask::{ask_results, params, Io};
use super::provider::{default_provider, profile_routes, ProviderArgs};
use crate::agent::{
    AgentRuntime, AgentTraceEvent, ResumeInput, StepTrace, TurnOutcome, TurnRequest,
};
use crate::providers::agent_runtime::AgentRuntimeClient;
use crate::providers::bedrock::BedrockSettings;
use crate::providers::router::Router;
use crate::providers::ModelProvider;
use crate::store::Store;
use crate::text::{escape_block, escape_line};
use anyhow::{bail, Context, Result};
use clap::Args;
use serde_json::Value;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Arguments of `strata chat`.
#[derive(Args, Debug)]
pub struct ChatArgs {
    /// A Strata project.
    pub path: PathBuf,
    /// The agent to talk to.
    #[arg(long)]
    pub agent: String,
    /// The session id (default: a new one). Reuse it to go on with a stored conversation.
    #[arg(long)]
    pub session: Option<String>,
    /// The memory id: with memory enabled, the session is summarised into it at the end and
    /// earlier summaries are shown to the agent.
    #[arg(long)]
    pub memory_id: Option<String>,
    /// Answers for scripts, JSON or YAML: {"inputs": [...], "replies": [...]}.
    #[arg(long)]
    pub answers: Option<PathBuf>,
    #[command(flatten)]
    pub providers: ProviderArgs,
    #[command(flatten)]
    pub handlers: super::handlers::HandlerArgs,
    /// Seconds one action handler may take.
    #[arg(long, default_value_t = 30)]
    pub handler_timeout: u64,
    /// Where sessions and memory are kept (default: $STRATA_DATA_DIR, else the per-user data folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Keep nothing on disk: the conversation lasts as long as this chat, and no memory is written.
    #[arg(long)]
    pub no_store: bool,
    /// Print the trace events as JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command; 0 when every turn finished, 1 when one failed, 2 when it could not start.
pub async fn chat(args: ChatArgs) -> Result<u8> {
    let loaded = super::read_document(&args.path)?;
    let mut project = loaded.project;
    if project.agent(&args.agent).is_none() {
        let names: Vec<&str> = project.agent_names();
        bail!(
            "{} has no agent named {:?} (its agents: {})",
            args.path.display(),
            args.agent,
            names.join(", ")
        );
    }
    let project_dir = args
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let handlers = args
        .handlers
        .resolve(&mut project, &project_dir, &args.providers)?;
    let base = default_provider(&args.providers).await?;
    let provider: Arc<dyn ModelProvider> = Arc::new(Router::new(
        base,
        profile_routes(&project, &project_dir).await?,
    ));
    let (tx, mut rx) = mpsc::channel::<AgentTraceEvent>(256);
    let mut runtime = AgentRuntime::new(&project, &args.agent, provider, &project_dir)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .with_trace(tx)
        .with_handler_timeout(Duration::from_secs(args.handler_timeout.max(1)))
        .with_handlers(Arc::new(handlers))
        // Knowledge bases the project does not hold and collaborators that are deployed
        // aliases are asked on Bedrock; the configuration loads at the first such call.
        .with_agent_runtime(AgentRuntimeClient::lazy(BedrockSettings {
            // --endpoint-url names a Bedrock runtime endpoint, not the agent runtime's.
            endpoint_url: None,
            ..args.providers.bedrock_settings()
        }));
    let store = if args.no_store {
        memory_store().await?
    } else {
        let dir = Store::resolve_data_dir(args.data_dir.as_deref())?;
        Store::open(&dir).await?
    };
    runtime = runtime.with_store(store);
    if let Some(guardrails) = args.providers.bedrock_guardrails() {
        runtime = runtime.with_bedrock_guardrails(guardrails);
    }
    let mut io = Io::new(args.answers.as_deref(), false)?;
    let session_id = args
        .session
        .clone()
        .unwrap_or_else(|| format!("chat-{}", crate::agent::now_ms()));
    if !args.json {
        outln!(
            "chatting with {} (session {session_id}); an empty line or end of input ends the chat",
            args.agent
        );
    }
    let mut failed = false;
    while let Some(text) = io.input().await {
        if text.trim().is_empty() {
            break;
        }
        let request = TurnRequest {
            session_id: session_id.clone(),
            input_text: text,
            memory_id: args.memory_id.clone(),
            ..TurnRequest::default()
        };
        let mut outcome = step(runtime.invoke(request), &mut rx, args.json).await;
        loop {
            match outcome {
                Err(e) => {
                    failed = true;
                    eprintln!("error: {e}");
                    break;
                }
                Ok(TurnOutcome::Finished { text, .. }) => {
                    outln!("{}> {}", escape_line(&args.agent), escape_block(&text));
                    break;
                }
                Ok(TurnOutcome::AskUser {
                    invocation_id,
                    question,
                }) => {
                    outln!("{}? {}", escape_line(&args.agent), escape_line(&question));
                    let Some(answer) = io.reply("answer> ").await else {
                        failed = true;
                        eprintln!("error: no answer to the agent's question");
                        break;
                    };
                    outcome = step(
                        runtime.resume(&invocation_id, ResumeInput::Answer(answer)),
                        &mut rx,
                        args.json,
                    )
                    .await;
                }
                Ok(TurnOutcome::Paused {
                    invocation_id,
                    payload,
                }) => {
                    let Some(results) = ask_results(&payload, &mut io).await else {
                        failed = true;
                        eprintln!("error: no result for a returned action");
                        break;
                    };
                    outcome = step(
                        runtime.resume(&invocation_id, ResumeInput::Results(results)),
                        &mut rx,
                        args.json,
                    )
                    .await;
                }
            }
        }
    }
    if let (false, Some(memory_id)) = (args.no_store, &args.memory_id) {
        match step(
            runtime.end_session(&session_id, Some(memory_id)),
            &mut rx,
            args.json,
        )
        .await
        {
            Ok(Some(summary)) => outln!(
                "remembered for {}: {}",
                escape_line(memory_id),
                escape_block(&summary)
            ),
            Ok(None) => {}
            Err(e) => {
                failed = true;
                eprintln!("error: {e}");
            }
        }
    }
    Ok(u8::from(failed))
}

/// A store in memory for `--no-store`: nothing reaches the disk, yet the session (history and
/// session attributes) still carries from one turn of this chat to the next, as it would on
/// Bedrock. One connection that never closes, because an in-memory SQLite database lives only
/// as long as its connection.
async fn memory_store() -> Result<Store> {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let options = SqliteConnectOptions::new()
        .in_memory(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .context("cannot open an in-memory session store")?;
    Ok(Store::from_pool(pool).await?)
}

/// Awaits `work` while printing its trace as it comes.
async fn step<T>(
    work: impl Future<Output = T>,
    rx: &mut mpsc::Receiver<AgentTraceEvent>,
    json: bool,
) -> T {
    tokio::pin!(work);
    loop {
        tokio::select! {
            done = &mut work => {
                while let Ok(e) = rx.try_recv() {
                    print_event(&e, json);
                }
                return done;
            }
            Some(e) = rx.recv() => print_event(&e, json),
        }
    }
}

/// Text from a model, a tool or a document on one line: line breaks become spaces, other
/// control characters are escaped, and it is cut to `max` characters.
fn short(text: &str, max: usize) -> String {
    let one_line = text.replace('\n', " ");
    let cut = if one_line.chars().count() > max {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    } else {
        one_line
    };
    escape_line(&cut).into_owned()
}

/// A field of a trace event, escaped for one line.
fn field(value: &Value) -> String {
    escape_line(value.as_str().unwrap_or("")).into_owned()
}

fn print_event(event: &AgentTraceEvent, json: bool) {
    if json {
        outln!(
            "{}",
            serde_json::to_string(event).unwrap_or_else(|_| "{}".to_owned())
        );
        return;
    }
    for line in agent_event_lines(event) {
        outln!("{line}");
    }
}

/// One agent trace event as the lines a person reads (none for the events that only matter
/// to machines). `strata run` shows the agent steps of a flow with the same lines.
pub(super) fn agent_event_lines(event: &AgentTraceEvent) -> Vec<String> {
    let mut lines = Vec::new();
    match event {
        AgentTraceEvent::OrchestrationTrace(s)
        | AgentTraceEvent::PreProcessingTrace(s)
        | AgentTraceEvent::PostProcessingTrace(s) => match s {
            StepTrace::Rationale(r) => lines.push(format!("  · thinking: {}", short(&r.text, 300))),
            StepTrace::InvocationInput(i) => {
                if let Some(a) = &i.action_group_invocation_input {
                    let action = a
                        .get("function")
                        .or_else(|| a.get("apiPath"))
                        .and_then(Value::as_str)
                        .unwrap_or("?");
                    lines.push(format!(
                        "  → {} {}.{}({})",
                        field(&a["executionType"]),
                        escape_line(a["actionGroupName"].as_str().unwrap_or("?")),
                        escape_line(action),
                        params(&a["parameters"])
                    ));
                }
                if let Some(k) = &i.knowledge_base_lookup_input {
                    lines.push(format!(
                        "  → search {}: {}",
                        escape_line(k["knowledgeBaseId"].as_str().unwrap_or("?")),
                        field(&k["text"])
                    ));
                }
                if let Some(c) = &i.agent_collaborator_invocation_input {
                    lines.push(format!(
                        "  → ask {}: {}",
                        escape_line(c["agentCollaboratorName"].as_str().unwrap_or("?")),
                        short(c["input"]["text"].as_str().unwrap_or(""), 300)
                    ));
                }
            }
            StepTrace::Observation(o) => {
                if let Some(a) = &o.action_group_invocation_output {
                    lines.push(format!(
                        "  ← {}: {}",
                        escape_line(&o.observation_type),
                        short(a["text"].as_str().unwrap_or(""), 300)
                    ));
                }
                if let Some(k) = &o.knowledge_base_lookup_output {
                    let refs = k["retrievedReferences"].as_array().map_or(0, Vec::len);
                    let top = k["retrievedReferences"][0]["location"]["localLocation"]["path"]
                        .as_str()
                        .unwrap_or("-");
                    lines.push(format!("  ← {refs} passage(s), top: {}", escape_line(top)));
                }
                if let Some(c) = &o.agent_collaborator_invocation_output {
                    lines.push(format!(
                        "  ← {}: {}",
                        escape_line(c["agentCollaboratorName"].as_str().unwrap_or("?")),
                        short(c["output"]["text"].as_str().unwrap_or(""), 300)
                    ));
                }
            }
            StepTrace::ModelInvocationInput(_) => {}
            StepTrace::ModelInvocationOutput(m) => lines.push(format!(
                "  · model: {} in / {} out tokens, {} ms",
                m.metadata.usage.input_tokens,
                m.metadata.usage.output_tokens,
                m.metadata.total_time_ms
            )),
        },
        AgentTraceEvent::GuardrailTrace(g) => {
            if g.action != "NONE" {
                let assessment = g
                    .input_assessments
                    .iter()
                    .chain(&g.output_assessments)
                    .map(|a| serde_json::to_string(a).unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(" ");
                lines.push(format!(
                    "  ! guardrail {}: {}",
                    escape_line(&g.action),
                    short(&assessment, 300)
                ));
            }
        }
        AgentTraceEvent::FailureTrace(f) => {
            lines.push(format!("  ✗ failure: {}", escape_line(&f.failure_reason)))
        }
        AgentTraceEvent::ReturnControl(_) => {}
    }
    lines
}
