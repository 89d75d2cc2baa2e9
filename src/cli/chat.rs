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
use crate::agent::{AgentTraceEvent, StepTrace};
use crate::session::{ChatOptions, RunHooks, Session};
use crate::store::Store;
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
    let store = if args.no_store {
        None
    } else {
        let dir = Store::resolve_data_dir(args.data_dir.as_deref())?;
        Some(Store::open(&dir).await?)
    };
    let session = Session::new(loaded.project, Some(&args.path), store);
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
