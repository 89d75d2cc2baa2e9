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
use super::provider::ProviderArgs;
use crate::agent::AgentTraceEvent;
use crate::session::{ChatOptions, RunHooks, Session};
use crate::text::{escape_block, escape_line};
use anyhow::Result;
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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
    let store = super::open_store(args.no_store, args.data_dir.as_deref()).await?;
    let mut session = Session::new(loaded.project, Some(&args.path), store);
    args.handlers
        .bind(&mut session, args.providers.region.clone())?;
    let mut chat = session
        .chat(ChatOptions {
            agent: args.agent.clone(),
            provider: args.providers.settings(),
            handler_timeout: Duration::from_secs(args.handler_timeout),
            session_id: args.session.clone(),
            memory_id: args.memory_id.clone(),
        })
        .await?;
    let io = Arc::new(tokio::sync::Mutex::new(Io::new(
        args.answers.as_deref(),
        false,
    )?));
    let hooks = terminal_hooks(&io);
    if !args.json {
        outln!(
            "chatting with {} (session {}); an empty line or end of input ends the chat",
            args.agent,
            chat.session_id()
        );
    }
    let json = args.json;
    let mut print = |e: &AgentTraceEvent| print_event(e, json);
    let mut failed = false;
    loop {
        let Some(text) = io.lock().await.input().await else {
            break;
        };
        if text.trim().is_empty() {
            break;
        }
        match chat.turn(text, &hooks, &mut print).await {
            Ok(reply) => {
                outln!(
                    "{}> {}",
                    escape_line(&args.agent),
                    escape_block(&reply.text)
                );
            }
            Err(e) => {
                failed = true;
                eprintln!("error: {e}");
            }
        }
    }
    match chat.end(&mut print).await {
        Ok(Some(summary)) => outln!(
            "remembered for {}: {}",
            escape_line(args.memory_id.as_deref().unwrap_or_default()),
            escape_block(&summary)
        ),
        Ok(None) => {}
        Err(e) => {
            failed = true;
            eprintln!("error: {e}");
        }
    }
    Ok(u8::from(failed))
}

/// The agent's questions and returns of control, asked on the terminal or answered from the
/// answers file.
fn terminal_hooks(io: &Arc<tokio::sync::Mutex<Io>>) -> RunHooks {
    let asker = io.clone();
    let answerer = io.clone();
    RunHooks {
        ask_user: Some(Arc::new(move |agent, question| {
            let io = asker.clone();
            Box::pin(async move {
                outln!("{}? {}", escape_line(&agent), escape_line(&question));
                io.lock().await.reply("answer> ").await
            })
        })),
        return_control: Some(Arc::new(move |_agent, payload| {
            let io = answerer.clone();
            Box::pin(async move { ask_results(&payload, &mut *io.lock().await).await })
        })),
        ..RunHooks::default()
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

/// The terminal lines of one agent trace event: the inspector's steps
/// (`trace::inspect::event_steps`), each on one escaped line.
pub(super) fn agent_event_lines(event: &AgentTraceEvent) -> Vec<String> {
    use crate::trace::inspect::{event_steps, StepKind};
    let steps = event_steps(0, event);
    let passages: Vec<_> = steps
        .iter()
        .filter(|s| s.kind == StepKind::KnowledgeBasePassage)
        .collect();
    let mut lines = Vec::new();
    if let Some(top) = passages.first() {
        let top = top
            .title
            .strip_prefix("passage from ")
            .unwrap_or(&top.title);
        lines.push(format!(
            "  ← {} passage(s), top: {}",
            passages.len(),
            escape_line(top)
        ));
    }
    for step in &steps {
        let after = |prefix: &str| {
            escape_line(step.title.strip_prefix(prefix).unwrap_or(&step.title)).into_owned()
        };
        let via = escape_line(step.via.as_deref().unwrap_or("")).into_owned();
        let line = match step.kind {
            StepKind::Rationale => format!("  · thinking: {}", short(&step.text, 300)),
            StepKind::ActionCall => format!(
                "  → {via} {}({})",
                after("called "),
                step.detail.as_ref().map(params).unwrap_or_default()
            ),
            StepKind::KnowledgeBaseQuery => {
                format!(
                    "  → search {}: {}",
                    after("searched "),
                    escape_line(&step.text)
                )
            }
            StepKind::CollaboratorMessage => {
                format!("  → ask {}: {}", after("asked "), short(&step.text, 300))
            }
            StepKind::ActionResult => format!("  ← {via}: {}", short(&step.text, 300)),
            StepKind::CollaboratorReply => format!("  ← {}: {}", after(""), short(&step.text, 300))
                .replacen(" replied:", ":", 1),
            StepKind::ModelCall => format!("  · model: {}", step.text),
            StepKind::Guardrail if step.title != "guardrail NONE" => {
                let assessments = step.detail.as_ref().and_then(Value::as_array);
                let text = assessments
                    .into_iter()
                    .flatten()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join(" ");
                format!("  ! {}: {}", after(""), short(&text, 300))
            }
            StepKind::Failure => format!("  ✗ failure: {}", escape_line(&step.text)),
            StepKind::Guardrail
            | StepKind::KnowledgeBasePassage
            | StepKind::FinalAnswer
            | StepKind::AskUser
            | StepKind::Reprompt
            | StepKind::ReturnControl => continue,
        };
        lines.push(line);
    }
    lines
}
