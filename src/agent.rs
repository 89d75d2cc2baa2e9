//! The local agent runtime: a project agent runs on this machine as a Bedrock agent would.
//!
//! [`AgentRuntime::invoke`] runs one turn: the input guardrail, the optional pre-processing
//! stage, then a ReAct loop over the provider's tool use — action-group functions and
//! OpenAPI operations run by their local handlers with the agent Lambda event (reference
//! §4a), a search tool per knowledge base over its local index, `AMAZON.UserInput` as a
//! question to the user — until the model answers without calling a tool, or the iteration
//! cap (`local.maxIterations`, default [`DEFAULT_MAX_ITERATIONS`]) ends the turn with a
//! failure trace. Then the optional post-processing stage and the output guardrail.
//!
//! A return-of-control action group, an action that requires confirmation, and a question to
//! the user pause the turn ([`TurnOutcome::Paused`] with Bedrock's `ReturnControlPayload`,
//! or [`TurnOutcome::AskUser`]); [`AgentRuntime::resume`] continues it. A denied action is
//! never run. Paused turns live in memory, in this runtime.
//!
//! With a [`Store`], session attributes, prompt session attributes and the conversation carry
//! across turns of a session, and [`AgentRuntime::end_session`] summarises a session into the
//! agent's memory (when `memoryConfiguration` enables `SESSION_SUMMARY`); later sessions with
//! the same memory id see the recent summaries in their prompt.
//!
//! Every step is reported as an [`AgentTraceEvent`] on the optional trace channel.

mod arguments;
mod collaborators;
mod guard;
mod handler;
mod invoke;
mod knowledge;
mod memory;
mod prompts;
mod react;
mod return_control;
mod tools;
pub use crate::trace::agent as trace;
mod turn;

pub use prompts::{DEFAULT_ORCHESTRATION_TEMPLATE, DEFAULT_ROUTING_TEMPLATE};
pub use tools::USER_INPUT_TOOL;
pub use trace::{
    AgentTraceEvent, FailureTrace, GuardrailTrace, InvocationInput, Metadata, ModelInvocationInput,
    ModelInvocationOutput, Observation, Rationale, StepTrace,
};

use crate::guardrail::GuardrailError;
use crate::kb::LocalIndex;
use crate::model::{Agent, Project};
use crate::providers::agent_runtime::AgentRuntimeClient;
use crate::providers::bedrock_guardrail::BedrockGuardrails;
use crate::providers::{ModelProvider, ProviderError, Usage};
use crate::store::Store;
use guard::Guard;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;
use tools::Tool;
use turn::Turn;

/// Bedrock's default cap on orchestration steps in one turn.
pub const DEFAULT_MAX_ITERATIONS: u32 = crate::model::agent::DEFAULT_MAX_ITERATIONS;
/// How long one handler call may take unless told otherwise.
pub const DEFAULT_HANDLER_TIMEOUT: Duration = Duration::from_secs(30);
/// How many passages the knowledge-base tool returns.
pub const KB_RESULTS: usize = 5;
/// How deep supervisors and collaborators may nest.
pub const MAX_COLLABORATION_DEPTH: usize = 3;

/// Why a turn could not run.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("the project has no agent named {agent:?}")]
    NotFound { agent: String },
    #[error("agent {agent:?}: {message}")]
    Definition { agent: String, message: String },
    #[error("agent {agent:?}: {message}")]
    Unsupported { agent: String, message: String },
    #[error(
        "agent {agent:?} has no foundationModel and no local.modelProfile: nothing to run it with"
    )]
    NoModel { agent: String },
    #[error(transparent)]
    Guardrail(#[from] GuardrailError),
    #[error("agent {agent:?}: the model call failed: {source}")]
    Provider {
        agent: String,
        #[source]
        source: ProviderError,
    },
    #[error(
        "agent {agent:?} did not finish within {max} orchestration steps (local.maxIterations)"
    )]
    IterationCap { agent: String, max: u32 },
    #[error("no paused turn with invocation id {invocation_id:?}")]
    UnknownInvocation { invocation_id: String },
    #[error("invocation {invocation_id:?}: {message}")]
    Results {
        invocation_id: String,
        message: String,
    },
    #[error("agent {agent:?}: the session store failed: {source}")]
    Store {
        agent: String,
        #[source]
        source: crate::store::Error,
    },
}

/// One turn's input.
#[derive(Debug, Clone, Default)]
pub struct TurnRequest {
    pub session_id: String,
    pub input_text: String,
    /// Replaces the session's `sessionAttributes` when given.
    pub session_attributes: Option<Map<String, Value>>,
    /// Replaces the session's `promptSessionAttributes` when given.
    pub prompt_session_attributes: Option<Map<String, Value>>,
    /// Whose memory this session reads (and, when ended, adds to).
    pub memory_id: Option<String>,
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnOutcome {
    /// The agent's answer.
    Finished {
        text: String,
        usage: Usage,
        session_attributes: Map<String, Value>,
    },
    /// Waiting for return-of-control results or confirmations: `payload` is Bedrock's
    /// `ReturnControlPayload` (`{invocationId, invocationInputs}`).
    Paused {
        invocation_id: String,
        payload: Value,
    },
    /// The agent asked the user (`AMAZON.UserInput`): resume with the answer.
    AskUser {
        invocation_id: String,
        question: String,
    },
}

/// What the user gives back to a paused turn.
#[derive(Debug, Clone, PartialEq)]
pub enum ResumeInput {
    /// `returnControlInvocationResults` members: `{"functionResult": {...}}` or
    /// `{"apiResult": {...}}`, with `confirmationState` CONFIRM/DENY for confirmations.
    Results(Vec<Value>),
    /// The answer to an `AMAZON.UserInput` question.
    Answer(String),
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Runs one project agent.
pub struct AgentRuntime {
    project: Project,
    agent: Agent,
    provider: Arc<dyn ModelProvider>,
    project_dir: PathBuf,
    store: Option<Store>,
    /// Bedrock Agent Runtime, for knowledge bases the project does not hold and collaborators
    /// that are deployed aliases.
    agent_runtime: Option<AgentRuntimeClient>,
    /// The supervisors above this agent, outermost first (collaborators nest).
    chain: Vec<String>,
    trace: Option<mpsc::Sender<AgentTraceEvent>>,
    handler_timeout: Duration,
    /// Handler bindings and variables for the action groups (see [`crate::handlers`]).
    handlers: Arc<crate::handlers::LocalHandlers>,
    tools: Vec<Tool>,
    guardrail: Option<Guard>,
    /// ApplyGuardrail for a guardrail that lives in the account.
    bedrock_guardrails: Option<BedrockGuardrails>,
    model_id: String,
    indexes: tokio::sync::Mutex<HashMap<String, Arc<LocalIndex>>>,
    pending: Mutex<HashMap<String, Turn>>,
    counter: AtomicU64,
}

impl std::fmt::Debug for AgentRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentRuntime")
            .field("agent", &self.agent.agent_name)
            .field("provider", &self.provider.name())
            .field("model_id", &self.model_id)
            .finish_non_exhaustive()
    }
}

impl AgentRuntime {
    /// Prepares `agent_name` of `project`; handlers and documents resolve against `project_dir`.
    pub fn new(
        project: &Project,
        agent_name: &str,
        provider: Arc<dyn ModelProvider>,
        project_dir: impl Into<PathBuf>,
    ) -> Result<AgentRuntime, AgentError> {
        let agent = project
            .agent(agent_name)
            .cloned()
            .ok_or_else(|| AgentError::NotFound {
                agent: agent_name.to_owned(),
            })?;
        let project_dir = project_dir.into();
        let tools = tools::build(project, &agent, &project_dir)?;
        let guardrail = Guard::for_agent(project, &agent)?;
        let model_id = agent
            .local
            .model_profile
            .as_deref()
            .and_then(|name| project.model_profiles.iter().find(|p| p.name == name))
            .and_then(|p| p.serves.first().cloned().or_else(|| p.model_id.clone()))
            .or_else(|| agent.foundation_model.clone())
            .ok_or_else(|| AgentError::NoModel {
                agent: agent.agent_name.clone(),
            })?;
        Ok(AgentRuntime {
            project: project.clone(),
            agent,
            provider,
            project_dir,
            store: None,
            agent_runtime: None,
            chain: vec![],
            trace: None,
            handler_timeout: DEFAULT_HANDLER_TIMEOUT,
            handlers: Arc::default(),
            tools,
            guardrail,
            bedrock_guardrails: None,
            model_id,
            indexes: tokio::sync::Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
            counter: AtomicU64::new(0),
        })
    }

    /// Keeps sessions and memory in `store`.
    pub fn with_store(mut self, store: Store) -> AgentRuntime {
        self.store = Some(store);
        self
    }

    /// Calls Bedrock Agent Runtime through `client` for knowledge bases by id (Retrieve) and
    /// collaborators that are deployed aliases (InvokeAgent).
    pub fn with_agent_runtime(mut self, client: AgentRuntimeClient) -> AgentRuntime {
        self.agent_runtime = Some(client);
        self
    }

    /// Applies guardrails that are not in the project with Bedrock's ApplyGuardrail.
    pub fn with_bedrock_guardrails(mut self, guardrails: BedrockGuardrails) -> AgentRuntime {
        self.bedrock_guardrails = Some(guardrails);
        self
    }

    /// Sends every trace event to `tx`.
    pub fn with_trace(mut self, tx: mpsc::Sender<AgentTraceEvent>) -> AgentRuntime {
        self.trace = Some(tx);
        self
    }

    /// Runs bound handlers (`--handler`, the project's `handlers`) for the action groups.
    pub fn with_handlers(mut self, handlers: Arc<crate::handlers::LocalHandlers>) -> AgentRuntime {
        self.handlers = handlers;
        self
    }

    pub fn with_handler_timeout(mut self, timeout: Duration) -> AgentRuntime {
        self.handler_timeout = timeout;
        self
    }

    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// The tools offered to the model.
    pub fn tool_specs(&self) -> Vec<crate::providers::ToolSpec> {
        self.tools.iter().map(|t| t.spec.clone()).collect()
    }

    /// The ids of the turns paused in this runtime.
    pub fn paused(&self) -> Vec<String> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect()
    }

    fn max_iterations(&self) -> u32 {
        self.agent
            .local
            .max_iterations
            .unwrap_or(DEFAULT_MAX_ITERATIONS)
            .max(1)
    }

    fn next_id(&self, prefix: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}-{n}")
    }

    async fn emit(&self, event: AgentTraceEvent) {
        if let Some(tx) = &self.trace {
            // A receiver that went away only stops the trace, not the turn.
            let _ = tx.send(event).await;
        }
    }

    /// The project this runtime was made from.
    pub fn project(&self) -> &Project {
        &self.project
    }
}
