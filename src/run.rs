//! Running a flow on this machine: an async executor over a compiled [`FlowPlan`], speaking
//! [`RunEvent`]s over a channel.
//!
//! Entry point: [`run_flow`]. What a run may use — the model provider, the cancellation
//! token, the concurrency bound, the per-node timeout and the folders for local handlers and
//! storage — is in [`RunContext`]. What it gives back is a [`RunResult`]; everything that
//! happened on the way is in the events.
//!
//! [`FlowPlan`]: crate::compile::FlowPlan

mod converse;
mod deadline;
mod debug;
pub use crate::trace::event;
mod executor;
mod nodes;
mod shared;
mod sink;

pub use debug::{BreakpointAction, Debug, DebugError, OnBreakpoint, Seed, SeedError};
pub use event::{
    ChainKind, ChainStep, Content, FlowOutputRecord, InputField, InputFieldSource, NextInput,
    OutputField, RunEvent, RunStatus,
};
pub use executor::{run_flow, run_flow_batched};

use crate::model::DataType;
use crate::nodes::NodeType;
use crate::providers::agent_runtime::{AgentRuntimeClient, AgentRuntimeError};
use crate::providers::{BoxFuture, ModelProvider, ProviderError, Usage};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How many nodes do work at once unless told otherwise. Bedrock runs independent branches
/// side by side; 16 lets the widest fan-out a flow can hold (under 40 nodes) run in about
/// two rounds while keeping local handlers and model servers from being flooded.
pub const DEFAULT_MAX_CONCURRENCY: usize = 16;
/// How many Iterator items run at once unless told otherwise: one, in order, as Bedrock does.
pub const DEFAULT_ITERATOR_CONCURRENCY: usize = 1;
/// How long one node may work unless told otherwise.
pub const DEFAULT_NODE_TIMEOUT: Duration = Duration::from_secs(120);

/// Asks the person running the flow the question an agent put: `(node, question)` → the
/// answer, or `None` when there is none (the node then fails).
pub type AskUser = Arc<dyn Fn(String, String) -> BoxFuture<'static, Option<String>> + Send + Sync>;

/// Answers an agent that returned control or asks for confirmation: `(node, payload)`, the
/// payload being Bedrock's `ReturnControlPayload` (`{invocationId, invocationInputs}`), →
/// the `returnControlInvocationResults` members (`{"functionResult": …}` or
/// `{"apiResult": …}`, with `confirmationState` for confirmations), or `None` when there is
/// nobody to answer (the node then fails).
pub type ReturnControl = Arc<
    dyn Fn(String, serde_json::Value) -> BoxFuture<'static, Option<Vec<serde_json::Value>>>
        + Send
        + Sync,
>;

/// What a run may use.
#[derive(Clone)]
pub struct RunContext {
    /// Answers Prompt nodes.
    pub provider: Arc<dyn ModelProvider>,
    /// Cancelling it aborts the running nodes and ends the run with `Cancelled`.
    pub cancel: CancellationToken,
    /// At most this many nodes do work (model calls, handlers, code, storage) at once.
    pub max_concurrency: usize,
    /// At most this many items of one Iterator run at once (their nodes still hold
    /// `max_concurrency` permits); the Collectors gather results in item order regardless.
    pub iterator_concurrency: usize,
    /// A node that works longer than this fails. Time spent waiting for the user's answer
    /// (an agent asking, multi-turn) does not count.
    pub node_timeout: Duration,
    /// Model calls stream their replies (ConverseStream): text arrives as
    /// `contentBlockDelta` events before the node's `nodeAction`.
    pub stream: bool,
    /// The project's folder: local Lambda handlers are resolved against it.
    pub project_dir: PathBuf,
    /// Storage and Retrieval nodes use `<storage_root>/<bucket>/<key>`.
    pub storage_root: PathBuf,
    /// The run's id; one is made up when `None`.
    pub run_id: Option<String>,
    /// Agent and KnowledgeBase nodes call Bedrock Agent Runtime through it; by default it
    /// loads the standard AWS configuration at its first call.
    pub agent_runtime: AgentRuntimeClient,
    /// Answers an agent that asks the user (multi-turn); without it such a node fails.
    pub ask_user: Option<AskUser>,
    /// Answers return of control and confirmations; without it such a node fails.
    pub return_control: Option<ReturnControl>,
    /// Where project agents keep their sessions (and memory); none by default.
    pub store: Option<crate::store::Store>,
    /// Applies account guardrails (not in the project) for project agents; with the bedrock
    /// provider only.
    pub bedrock_guardrails: Option<crate::providers::bedrock_guardrail::BedrockGuardrails>,
    /// Re-run from a node, pins and breakpoints; by default none.
    pub debug: Debug,
    /// Handler bindings and variables for LambdaFunction nodes and project agents' action
    /// groups (see [`crate::handlers`]); none by default, so each runs its own `localHandler`.
    pub handlers: Arc<crate::handlers::LocalHandlers>,
}

impl RunContext {
    /// Defaults: a fresh token, [`DEFAULT_MAX_CONCURRENCY`],
    /// [`DEFAULT_ITERATOR_CONCURRENCY`], [`DEFAULT_NODE_TIMEOUT`], no streaming, and storage
    /// under `<project_dir>/.strata/storage`.
    pub fn new(provider: Arc<dyn ModelProvider>, project_dir: impl Into<PathBuf>) -> RunContext {
        let project_dir = project_dir.into();
        RunContext {
            provider,
            cancel: CancellationToken::new(),
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            iterator_concurrency: DEFAULT_ITERATOR_CONCURRENCY,
            node_timeout: DEFAULT_NODE_TIMEOUT,
            stream: false,
            storage_root: project_dir.join(".strata").join("storage"),
            project_dir,
            run_id: None,
            agent_runtime: AgentRuntimeClient::default(),
            ask_user: None,
            return_control: None,
            store: None,
            bedrock_guardrails: None,
            debug: Debug::default(),
            handlers: Arc::default(),
        }
    }

    /// Shapes the run for debugging: see [`Debug`].
    pub fn with_debug(mut self, debug: Debug) -> RunContext {
        self.debug = debug;
        self
    }

    pub fn with_agent_runtime(mut self, client: AgentRuntimeClient) -> RunContext {
        self.agent_runtime = client;
        self
    }

    pub fn with_ask_user(mut self, ask: AskUser) -> RunContext {
        self.ask_user = Some(ask);
        self
    }

    pub fn with_return_control(mut self, answer: ReturnControl) -> RunContext {
        self.return_control = Some(answer);
        self
    }

    /// Runs bound handlers (`--handler`, the project's `handlers`) with their environments.
    pub fn with_handlers(mut self, handlers: Arc<crate::handlers::LocalHandlers>) -> RunContext {
        self.handlers = handlers;
        self
    }

    pub fn with_store(mut self, store: crate::store::Store) -> RunContext {
        self.store = Some(store);
        self
    }

    pub fn with_bedrock_guardrails(
        mut self,
        guardrails: crate::providers::bedrock_guardrail::BedrockGuardrails,
    ) -> RunContext {
        self.bedrock_guardrails = Some(guardrails);
        self
    }

    pub fn with_cancel(mut self, cancel: CancellationToken) -> RunContext {
        self.cancel = cancel;
        self
    }

    pub fn with_max_concurrency(mut self, n: usize) -> RunContext {
        self.max_concurrency = n.max(1);
        self
    }

    pub fn with_iterator_concurrency(mut self, n: usize) -> RunContext {
        self.iterator_concurrency = n.max(1);
        self
    }

    pub fn with_stream(mut self, stream: bool) -> RunContext {
        self.stream = stream;
        self
    }

    pub fn with_node_timeout(mut self, timeout: Duration) -> RunContext {
        self.node_timeout = timeout;
        self
    }

    pub fn with_storage_root(mut self, root: impl Into<PathBuf>) -> RunContext {
        self.storage_root = root.into();
        self
    }

    pub fn with_run_id(mut self, id: impl Into<String>) -> RunContext {
        self.run_id = Some(id.into());
        self
    }
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("provider", &self.provider.name())
            .field("max_concurrency", &self.max_concurrency)
            .field("iterator_concurrency", &self.iterator_concurrency)
            .field("node_timeout", &self.node_timeout)
            .field("stream", &self.stream)
            .field("project_dir", &self.project_dir)
            .field("storage_root", &self.storage_root)
            .field("agent_runtime", &self.agent_runtime)
            .field("ask_user", &self.ask_user.is_some())
            .field("return_control", &self.return_control.is_some())
            .field("store", &self.store.is_some())
            .field("debug", &self.debug)
            .finish_non_exhaustive()
    }
}

/// What a run gives back. The events say the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    pub run_id: String,
    pub status: RunStatus,
    /// Documents from Output nodes, in the order they were produced.
    pub outputs: Vec<FlowOutputRecord>,
    /// The nodes that failed, with the error.
    pub failures: Vec<NodeFailure>,
    /// Tokens used by every model call of the run.
    pub usage: Usage,
    pub duration_ms: u64,
}

impl RunResult {
    /// The document of the first output from the named Output node.
    pub fn output(&self, node: &str) -> Option<&serde_json::Value> {
        self.outputs
            .iter()
            .find(|o| o.node == node)
            .map(|o| &o.document)
    }
}

/// A node that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeFailure {
    pub node: String,
    pub error: String,
}

/// Why a node failed. Every variant names the node.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NodeError {
    #[error("node {node}: input {input} expects {expected} but the value is {actual}")]
    InputType {
        node: String,
        input: String,
        expected: DataType,
        actual: String,
    },
    #[error("node {node}: output {output} is declared {expected} but the value is {actual}")]
    OutputType {
        node: String,
        output: String,
        expected: DataType,
        actual: String,
    },
    #[error("node {node}: the expression {expression} of input {input} does not apply: {message}")]
    Expression {
        node: String,
        input: String,
        expression: String,
        message: String,
    },
    #[error("node {node}: condition {condition} cannot be evaluated: {message}")]
    Condition {
        node: String,
        condition: String,
        message: String,
    },
    #[error("node {node}: {source}")]
    Model {
        node: String,
        #[source]
        source: ProviderError,
    },
    #[error("node {node}: prompt resources need Bedrock (the prompt {prompt_arn:?} is kept in Prompt management); use an inline prompt to run locally")]
    PromptResource { node: String, prompt_arn: String },
    #[error("node {node}: {kind} nodes are not available in this build yet")]
    NotAvailable { node: String, kind: NodeType },
    #[error("node {node}: the node has no {kind} configuration")]
    MissingConfiguration { node: String, kind: NodeType },
    #[error("node {node}: no local handler is configured; set localHandler (e.g. \"handlers/enrich.py:handler\") , or bind a handler to its Lambda function (`--handler NAME=FILE:FUNCTION`, or the project's `handlers`), to run it on this machine")]
    NoLocalHandler { node: String },
    #[error("node {node}: local handler {handler:?}: {message}")]
    Handler {
        node: String,
        handler: String,
        message: String,
    },
    #[error("node {node}: the inline code failed: {message}")]
    InlineCode { node: String, message: String },
    #[error("node {node}: cannot run {program}: {message}")]
    Process {
        node: String,
        program: String,
        message: String,
    },
    #[error("node {node}: object key {key:?} is rejected: {reason}")]
    ObjectKey {
        node: String,
        key: String,
        reason: String,
    },
    #[error("node {node}: storage {path}: {message}")]
    Storage {
        node: String,
        path: String,
        message: String,
    },
    #[error("node {node}: {message}")]
    Loop { node: String, message: String },
    #[error("node {node}: timed out after {seconds} s")]
    Timeout { node: String, seconds: f64 },
    #[error("node {node}: panicked: {message}")]
    Panicked { node: String, message: String },
    #[error("node {node}: cancelled")]
    Cancelled { node: String },
    #[error("node {node}: {source}")]
    AgentRuntime {
        node: String,
        #[source]
        source: AgentRuntimeError,
    },
    #[error("node {node}: the agent asked: {question:?}, and this run has no one to answer (run it from a terminal, or give the run an ask-user handler)")]
    AgentAsked { node: String, question: String },
    #[error("node {node}: {message}")]
    NoLocalEquivalent { node: String, message: String },
    #[error("node {node}: fixture {path}: {message}")]
    Fixture {
        node: String,
        path: String,
        message: String,
    },
    /// The run's debug options do not fit the flow; nothing ran.
    #[error(transparent)]
    Debug(Box<DebugError>),
    #[error("node {node}: the inputs edited at the breakpoint are refused: {message}")]
    BreakpointEdit { node: String, message: String },
}

impl NodeError {
    /// The node the error is about.
    pub fn node(&self) -> &str {
        match self {
            NodeError::InputType { node, .. }
            | NodeError::OutputType { node, .. }
            | NodeError::Expression { node, .. }
            | NodeError::Condition { node, .. }
            | NodeError::Model { node, .. }
            | NodeError::PromptResource { node, .. }
            | NodeError::NotAvailable { node, .. }
            | NodeError::MissingConfiguration { node, .. }
            | NodeError::NoLocalHandler { node }
            | NodeError::Handler { node, .. }
            | NodeError::InlineCode { node, .. }
            | NodeError::Process { node, .. }
            | NodeError::ObjectKey { node, .. }
            | NodeError::Storage { node, .. }
            | NodeError::Loop { node, .. }
            | NodeError::Timeout { node, .. }
            | NodeError::Panicked { node, .. }
            | NodeError::Cancelled { node }
            | NodeError::AgentRuntime { node, .. }
            | NodeError::AgentAsked { node, .. }
            | NodeError::NoLocalEquivalent { node, .. }
            | NodeError::Fixture { node, .. }
            | NodeError::BreakpointEdit { node, .. } => node,
            NodeError::Debug(error) => error.node(),
        }
    }
}

/// The name of a value's type for error messages (`null` has none).
pub(crate) fn type_name(value: &serde_json::Value) -> String {
    DataType::of_value(value).map_or_else(|| "null".to_owned(), |t| t.to_string())
}
