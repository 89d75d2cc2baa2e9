//! A conversation with one of the project's agents, turn by turn, as every front end holds
//! it: the provider routed per model profile, the agent runtime with its store (or one in
//! memory that lasts as long as the chat), its steps streamed, its questions and returns of
//! control answered through the front end's hooks, and the memory summary at the end.

use super::provider::ProviderSettings;
use super::run::RunHooks;
use super::{Error, Session};
use crate::agent::{AgentRuntime, AgentTraceEvent, ResumeInput, TurnOutcome, TurnRequest};
use crate::model::Project;
use crate::providers::agent_runtime::AgentRuntimeClient;
use crate::providers::bedrock::BedrockSettings;
use crate::providers::{BoxFuture, Usage};
use crate::session::protocol::RunResultSummary;
use crate::store::Store;
use crate::trace::event::FlowOutputRecord;
use crate::trace::{Cost, RunEvent, RunStatus};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How to talk to an agent.
#[derive(Debug, Clone)]
pub struct ChatOptions {
    pub agent: String,
    pub provider: ProviderSettings,
    /// How long one action handler may take.
    pub handler_timeout: Duration,
    /// Go on with a stored conversation; `None`: a new one.
    pub session_id: Option<String>,
    /// With memory enabled, the session is summarised into this memory at the end.
    pub memory_id: Option<String>,
}

/// Why a turn did not end with the agent's answer.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error(transparent)]
    Agent(#[from] crate::agent::AgentError),
    #[error("no answer to the agent's question")]
    NoAnswer,
    #[error("no result for a returned action")]
    NoResults,
}

/// The agent's answer to one turn, with what the turn cost.
#[derive(Debug)]
pub struct ChatReply {
    pub text: String,
    pub usage: Usage,
    pub duration_ms: u64,
    /// The account of the turn's priced model calls.
    pub cost: Cost,
    price_source: String,
}

impl ChatReply {
    /// The turn as a run's result: the answer is the output of a node named after the agent.
    pub fn summary(&self, chat_id: &str, agent: &str) -> RunResultSummary {
        RunResultSummary {
            run_id: chat_id.to_owned(),
            status: RunStatus::Succeeded,
            outputs: vec![FlowOutputRecord {
                node: agent.to_owned(),
                document: Value::String(self.text.clone()),
            }],
            usage: self.usage,
            duration_ms: self.duration_ms,
            cost_usd: self.cost.unpriced.is_empty().then_some(self.cost.usd),
            unpriced: self.cost.unpriced.clone(),
            price_source: self.price_source.clone(),
            recorded_to: None,
        }
    }
}

/// A conversation under way.
pub struct Chat {
    runtime: AgentRuntime,
    /// The project as the chat started, for prices.
    project: Arc<Project>,
    /// The agent's steps, as the runtime emits them during a turn.
    traces: mpsc::Receiver<AgentTraceEvent>,
    agent: String,
    session_id: String,
    memory_id: Option<String>,
    /// Whether the conversation is kept in the run store (else in memory only).
    kept: bool,
}

impl Session {
    /// Starts a conversation with `options.agent`. Without a run store the conversation lives
    /// in memory: it carries from turn to turn and nothing reaches the disk.
    pub async fn chat(&self, options: ChatOptions) -> Result<Chat, Error> {
        let project = self.project();
        if project.agent(&options.agent).is_none() {
            return Err(Error::NoAgent {
                project: self.label(),
                agent: options.agent.clone(),
                known: project.agent_names().join(", "),
            });
        }
        let provider = options
            .provider
            .provider(project, self.project_dir())
            .await?;
        let (tx, traces) = mpsc::channel::<AgentTraceEvent>(256);
        let store = match self.store() {
            Some(store) => store.clone(),
            None => memory_store().await?,
        };
        let mut runtime = AgentRuntime::new(project, &options.agent, provider, self.project_dir())?
            .with_trace(tx)
            .with_handler_timeout(options.handler_timeout.max(Duration::from_secs(1)))
            // Knowledge bases the project does not hold and collaborators that are deployed
            // aliases are asked on Bedrock; the configuration loads at the first such call.
            .with_agent_runtime(AgentRuntimeClient::lazy(BedrockSettings {
                // The endpoint override names a Bedrock runtime endpoint, not the agent runtime's.
                endpoint_url: None,
                ..options.provider.bedrock()
            }))
            .with_store(store)
            .with_handlers(self.handlers());
        if let Some(guardrails) = options.provider.bedrock_guardrails() {
            runtime = runtime.with_bedrock_guardrails(guardrails);
        }
        Ok(Chat {
            runtime,
            project: Arc::new(project.clone()),
            traces,
            session_id: options
                .session_id
                .unwrap_or_else(|| format!("chat-{}", crate::agent::now_ms())),
            agent: options.agent,
            memory_id: options.memory_id,
            kept: self.store().is_some(),
        })
    }
}

impl Chat {
    pub fn agent(&self) -> &str {
        &self.agent
    }

    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// One turn: `text` to the agent, its steps to `on_trace` as they happen, its questions
    /// and returns of control to `hooks` (after every step before them), until it answers.
    pub async fn turn(
        &mut self,
        text: String,
        hooks: &RunHooks,
        on_trace: &mut impl FnMut(&AgentTraceEvent),
    ) -> Result<ChatReply, ChatError> {
        let started = std::time::Instant::now();
        let mut cost = Cost::default();
        let project = self.project.clone();
        let agent = self.agent.clone();
        let mut priced = |trace: &AgentTraceEvent| {
            cost.add(
                &project,
                &RunEvent::AgentTrace {
                    at_ms: 0,
                    node: agent.as_str().into(),
                    trace: trace.clone(),
                },
            );
            on_trace(trace);
        };
        let (text, usage) = self.answer(text, hooks, &mut priced).await?;
        Ok(ChatReply {
            text,
            usage,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            cost,
            price_source: super::run::price_source(&self.project),
        })
    }

    async fn answer(
        &mut self,
        text: String,
        hooks: &RunHooks,
        on_trace: &mut impl FnMut(&AgentTraceEvent),
    ) -> Result<(String, Usage), ChatError> {
        let request = TurnRequest {
            session_id: self.session_id.clone(),
            input_text: text,
            memory_id: self.memory_id.clone(),
            ..TurnRequest::default()
        };
        let mut outcome = follow(self.runtime.invoke(request), &mut self.traces, on_trace).await;
        loop {
            let (invocation_id, input) = match outcome? {
                TurnOutcome::Finished { text, usage, .. } => return Ok((text, usage)),
                TurnOutcome::AskUser {
                    invocation_id,
                    question,
                } => {
                    let hook = hooks.ask_user.as_ref();
                    let answer = ask(hook, &self.agent, question, ChatError::NoAnswer).await?;
                    (invocation_id, ResumeInput::Answer(answer))
                }
                TurnOutcome::Paused {
                    invocation_id,
                    payload,
                } => {
                    let hook = hooks.return_control.as_ref();
                    let results = ask(hook, &self.agent, payload, ChatError::NoResults).await?;
                    (invocation_id, ResumeInput::Results(results))
                }
            };
            let resumed = self.runtime.resume(&invocation_id, input);
            outcome = follow(resumed, &mut self.traces, on_trace).await;
        }
    }

    /// Ends the conversation: with a kept conversation and a memory id, the agent's memory
    /// gets the session's summary, which is returned.
    pub async fn end(
        &mut self,
        on_trace: &mut impl FnMut(&AgentTraceEvent),
    ) -> Result<Option<String>, ChatError> {
        let Some(memory_id) = self.memory_id.clone().filter(|_| self.kept) else {
            return Ok(None);
        };
        Ok(follow(
            self.runtime.end_session(&self.session_id, Some(&memory_id)),
            &mut self.traces,
            on_trace,
        )
        .await?)
    }
}

/// A front end's hook that answers an agent (`(agent, question)` → the answer, if any): the
/// shape of both [`crate::run::AskUser`] and [`crate::run::ReturnControl`].
type Hook<Q, A> = Arc<dyn Fn(String, Q) -> BoxFuture<'static, Option<A>> + Send + Sync>;

/// Puts an agent's question (or returned control) to the front end's `hook`; no hook, or no
/// answer from it, is `missing`.
async fn ask<Q, A>(
    hook: Option<&Hook<Q, A>>,
    agent: &str,
    question: Q,
    missing: ChatError,
) -> Result<A, ChatError> {
    let Some(hook) = hook else {
        return Err(missing);
    };
    hook(agent.to_owned(), question).await.ok_or(missing)
}

/// Awaits `work` while passing its trace on as it comes; every step is passed on before the
/// outcome returns.
async fn follow<T>(
    work: impl Future<Output = T>,
    traces: &mut mpsc::Receiver<AgentTraceEvent>,
    on_trace: &mut impl FnMut(&AgentTraceEvent),
) -> T {
    tokio::pin!(work);
    loop {
        tokio::select! {
            done = &mut work => {
                while let Ok(e) = traces.try_recv() {
                    on_trace(&e);
                }
                return done;
            }
            Some(e) = traces.recv() => on_trace(&e),
        }
    }
}

/// A store in memory: nothing reaches the disk, yet the session (history and session
/// attributes) still carries from one turn of this chat to the next, as it would on Bedrock.
/// One connection that never closes, because an in-memory SQLite database lives only as long
/// as its connection.
async fn memory_store() -> Result<Store, Error> {
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
        .map_err(|source| {
            Error::Store(crate::store::Error::Open {
                path: ":memory:".into(),
                source,
            })
        })?;
    Ok(Store::from_pool(pool).await?)
}
