//! What a front end asks the host for and what the host tells it while a run goes on: the run
//! request, the messages streamed back (batched events, pauses, the result), the answers to a
//! pause and the rows of the runs history. Serialized as camelCase JSON, as the shell's
//! commands and channels carry them.

use crate::providers::Usage;
use crate::trace::event::{FlowOutputRecord, InputField, OutputField};
use crate::trace::{RunEvent, RunStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use std::collections::BTreeMap;

/// Where model replies come from. Credentials are never part of it: Bedrock takes them from
/// the standard AWS chain (the profile names which entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ProviderChoice {
    /// Replies replayed from a recording (`strata run --replay FILE`).
    Replay { path: String },
    /// An OpenAI-compatible chat-completions server; `model` replaces the project's model ids.
    Openai {
        base_url: String,
        #[serde(default)]
        model: Option<String>,
    },
    /// Amazon Bedrock through the standard AWS credential chain.
    Bedrock {
        #[serde(default)]
        profile: Option<String>,
        #[serde(default)]
        region: Option<String>,
    },
}

/// The document a run starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum RunInput {
    /// One of the flow's saved samples, by name.
    Sample { name: String },
    /// A document typed by the user; checked against the Input node's type before the run.
    Document { document: Value },
}

/// Re-run a node and everything after it, taking the outputs of the nodes before it from an
/// earlier run instead of calling them again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RerunFrom {
    /// The recorded run whose upstream outputs are reused.
    pub run_id: String,
    /// The first node that runs again.
    pub node: String,
}

/// How the debugger shapes a run: where it starts, what it takes as given, where it stops.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebugOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<RerunFrom>,
    /// Pinned outputs: node → output name → value. A pinned node does not run; its outputs
    /// are these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pins: BTreeMap<String, BTreeMap<String, Value>>,
    /// The run pauses before each of these nodes (every time, inside Iterators and Loops).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakpoints: Vec<String>,
}

/// One run, as a front end asks for it. The project is the document as the front end holds
/// it (saved or not); the run never writes it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRequest {
    /// The flow to run, by name.
    pub flow: String,
    pub input: RunInput,
    pub provider: ProviderChoice,
    /// At most this many items of one Iterator at once (1: one by one, as Bedrock does).
    #[serde(default = "default_iterator_concurrency")]
    pub iterator_concurrency: usize,
    /// Seconds one node may work before it fails.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Save the run's model exchanges to this replay file.
    pub record: Option<String>,
    #[serde(default)]
    pub debug: DebugOptions,
    /// Run a recorded version of the flow, or the version an alias points at, instead of the
    /// document as it is.
    pub target: Option<RunTarget>,
}

/// A recorded version to run instead of the working copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum RunTarget {
    Version { number: u32 },
    Alias { name: String },
}

fn default_iterator_concurrency() -> usize {
    1
}

fn default_timeout_secs() -> u64 {
    120
}

/// Why a run stopped to wait for the person running it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum PauseKind {
    /// A breakpoint before `node`: these are the inputs it is about to get.
    Breakpoint { inputs: Vec<InputField> },
    /// An agent asks the user (multi-turn).
    AskUser { question: String },
    /// An agent returned control, or asks to confirm an action: Bedrock's
    /// `ReturnControlPayload` (`{invocationId, invocationInputs}`), shown exactly.
    ReturnControl { payload: Value },
}

/// A run waiting for an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pause {
    /// Unique within the run; the answer names it.
    pub id: u64,
    pub node: String,
    #[serde(flatten)]
    pub kind: PauseKind,
}

/// The answer to a [`Pause`]; a kind that does not fit the pause is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum PauseAnswer {
    /// Go on from a breakpoint, with the inputs as edited (`None`: as they were). `step`
    /// pauses again before the next node that starts.
    Continue {
        #[serde(default)]
        inputs: Option<Vec<InputField>>,
        #[serde(default)]
        step: bool,
    },
    /// The user's reply to an agent's question; `None` declines (the node fails).
    Reply { text: Option<String> },
    /// The `returnControlInvocationResults` members; `None` declines (the node fails).
    Results { results: Option<Vec<Value>> },
}

/// What a run ended with: the machine-readable result (`strata run --json`'s last line carries
/// the same fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResultSummary {
    pub run_id: String,
    pub status: RunStatus,
    pub outputs: Vec<FlowOutputRecord>,
    pub usage: Usage,
    pub duration_ms: u64,
    /// `None` when a model used has no price.
    pub cost_usd: Option<f64>,
    /// Models with no known price.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unpriced: Vec<String>,
    /// Where the prices came from (the built-in table, a model profile's own prices).
    pub price_source: String,
    /// The replay file written, when the run was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_to: Option<String>,
}

/// What the host streams to a front end during one run, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum RunMessage {
    /// The run has an id and a provider; events follow.
    Started { run_id: String, provider: String },
    /// Events, in order, batched: a burst of thousands arrives as a few messages.
    Events { events: Vec<RunEvent> },
    /// The run waits for [`PauseAnswer`]; everything it said before is already sent.
    Paused { pause: Pause },
    /// The last message of a run that ran.
    Finished { result: RunResultSummary },
    /// The run could not start or ended abnormally: what, and what to do.
    Failed { message: String },
}

/// One row of a project's runs history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunListing {
    pub run_id: String,
    pub flow: String,
    /// `running`, `succeeded`, `failed`, `cancelled` or `interrupted`.
    pub status: String,
    pub provider: String,
    /// Milliseconds since the Unix epoch.
    pub started_at_ms: u64,
    pub duration_ms: Option<u64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cost_usd: Option<f64>,
}

/// A recorded run, whole: enough to paint it on the canvas again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRun {
    pub listing: RunListing,
    pub inputs: Value,
    pub events: Vec<RunEvent>,
}

/// The last output a node produced in a run, for comparing and for pins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeOutputs {
    pub node: String,
    pub fields: Vec<OutputField>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_reads_from_the_shape_the_page_sends() {
        let request: RunRequest = serde_json::from_value(json!({
            "flow": "Triage",
            "input": {"kind": "sample", "name": "bug"},
            "provider": {"kind": "replay", "path": "replays/triage.yaml"},
            "debug": {"breakpoints": ["Classify"], "from": {"runId": "run_1", "node": "Route"}}
        }))
        .expect("a run request");
        assert_eq!(request.iterator_concurrency, 1);
        assert_eq!(request.timeout_secs, 120);
        assert_eq!(request.debug.breakpoints, ["Classify"]);
        assert_eq!(
            request.provider,
            ProviderChoice::Replay {
                path: "replays/triage.yaml".to_owned()
            }
        );
    }

    #[test]
    fn a_pause_is_flat_with_its_kind() {
        let pause = Pause {
            id: 3,
            node: "Refunds".to_owned(),
            kind: PauseKind::AskUser {
                question: "Which order?".to_owned(),
            },
        };
        let value = serde_json::to_value(&pause).expect("json");
        assert_eq!(
            value,
            json!({"id": 3, "node": "Refunds", "kind": "askUser", "question": "Which order?"})
        );
        assert_eq!(serde_json::from_value::<Pause>(value).expect("back"), pause);
    }
}
