//! The one closed event enum a run speaks, in Bedrock's trace vocabulary (`FlowTrace`):
//! the CLI prints it, the desktop shell forwards it, the store records it for replay.
//!
//! Every event carries `atMs`, the milliseconds since the run started on the run's tokio
//! clock, so runs under `tokio::time::pause()` give the same numbers every time.

use crate::providers::Usage;
use crate::trace::agent::AgentTraceEvent;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use std::sync::Arc;

/// Something that happened during a run.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum RunEvent {
    /// The run began with this document on the flow's Input node.
    RunStarted {
        at_ms: u64,
        run_id: String,
        flow: String,
        inputs: serde_json::Value,
    },
    /// A node began; `executionChain` says which Iterator item or Loop iteration it runs for.
    NodeStarted {
        at_ms: u64,
        node: Arc<str>,
        #[serde(default, skip_serializing_if = "no_chain")]
        execution_chain: Chain,
    },
    /// The values a node received (`nodeInputTrace`).
    NodeInput {
        at_ms: u64,
        node: Arc<str>,
        #[serde(default, skip_serializing_if = "no_chain")]
        execution_chain: Chain,
        fields: Vec<InputField>,
    },
    /// The values a node produced (`nodeOutputTrace`).
    NodeOutput {
        at_ms: u64,
        node: Arc<str>,
        #[serde(default, skip_serializing_if = "no_chain")]
        execution_chain: Chain,
        fields: Vec<OutputField>,
    },
    /// The condition a Condition node chose (`conditionNodeResultTrace`); empty when none held
    /// and there is no `default`.
    ConditionResult {
        at_ms: u64,
        node: Arc<str>,
        satisfied_conditions: Vec<String>,
    },
    /// A call a node made to a service: a model, a Lambda handler, inline code (`nodeActionTrace`).
    NodeAction {
        at_ms: u64,
        node: Arc<str>,
        service_name: String,
        operation_name: String,
        /// Built from the node's typed request when first read or written (`Payload`).
        request: crate::trace::Payload,
        response: crate::trace::Payload,
        usage: Option<Usage>,
        latency_ms: u64,
    },
    /// A piece of a model's reply text as it streams in (ConverseStream's
    /// `contentBlockDelta`), for runs that stream; the node's `nodeAction` follows with the
    /// whole reply.
    ContentBlockDelta {
        at_ms: u64,
        node: Arc<str>,
        content_block_index: usize,
        text: String,
    },
    /// One step of a local agent's turn, in Bedrock's agent trace vocabulary (`TracePart.trace`),
    /// nested under the Agent node that runs it (like `nodeDependencyTrace`).
    AgentTrace {
        at_ms: u64,
        node: Arc<str>,
        trace: AgentTraceEvent,
    },
    /// A node that did not run, and why.
    NodeSkipped {
        at_ms: u64,
        node: Arc<str>,
        reason: String,
    },
    /// A node that did not run because its outputs were given: reused from an earlier run
    /// (`fromRun`, when re-running from a later node) or pinned (no `fromRun`). Its
    /// `nodeOutput` (or `conditionNodeResultTrace`, `flowOutputEvent`) follows as if it had run.
    NodeReused {
        at_ms: u64,
        node: Arc<str>,
        #[serde(default, skip_serializing_if = "no_chain")]
        execution_chain: Chain,
        from_run: Option<String>,
        /// For people: "reused from run …" or "pinned".
        reason: String,
    },
    /// A node that failed; `error` names the node and the cause.
    NodeFailed {
        at_ms: u64,
        node: Arc<str>,
        error: String,
    },
    /// A document from an Output node (`flowOutputEvent`).
    FlowOutput {
        at_ms: u64,
        node: Arc<str>,
        document: serde_json::Value,
    },
    /// The run was cancelled; running nodes were aborted.
    Cancelled { at_ms: u64 },
    /// The last event of every run.
    RunFinished {
        at_ms: u64,
        status: RunStatus,
        outputs: Vec<FlowOutputRecord>,
        usage: Usage,
        duration_ms: u64,
        /// The run's id, so the last line alone identifies the run (filled by the host
        /// layer, `crate::session`; absent from the executor's own stream).
        run_id: Option<String>,
        /// What the run's model calls cost in USD; absent when a model has no price.
        cost_usd: Option<f64>,
        /// Models with no known price.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        unpriced: Vec<String>,
    },
}

impl RunEvent {
    /// Milliseconds since the run started.
    pub fn at_ms(&self) -> u64 {
        match self {
            RunEvent::RunStarted { at_ms, .. }
            | RunEvent::NodeStarted { at_ms, .. }
            | RunEvent::NodeInput { at_ms, .. }
            | RunEvent::NodeOutput { at_ms, .. }
            | RunEvent::ConditionResult { at_ms, .. }
            | RunEvent::NodeAction { at_ms, .. }
            | RunEvent::ContentBlockDelta { at_ms, .. }
            | RunEvent::AgentTrace { at_ms, .. }
            | RunEvent::NodeSkipped { at_ms, .. }
            | RunEvent::NodeReused { at_ms, .. }
            | RunEvent::NodeFailed { at_ms, .. }
            | RunEvent::FlowOutput { at_ms, .. }
            | RunEvent::Cancelled { at_ms }
            | RunEvent::RunFinished { at_ms, .. } => *at_ms,
        }
    }

    /// The node the event is about, if any.
    pub fn node(&self) -> Option<&str> {
        match self {
            RunEvent::NodeStarted { node, .. }
            | RunEvent::NodeInput { node, .. }
            | RunEvent::NodeOutput { node, .. }
            | RunEvent::ConditionResult { node, .. }
            | RunEvent::NodeAction { node, .. }
            | RunEvent::ContentBlockDelta { node, .. }
            | RunEvent::AgentTrace { node, .. }
            | RunEvent::NodeSkipped { node, .. }
            | RunEvent::NodeReused { node, .. }
            | RunEvent::NodeFailed { node, .. }
            | RunEvent::FlowOutput { node, .. } => Some(node),
            RunEvent::RunStarted { .. }
            | RunEvent::Cancelled { .. }
            | RunEvent::RunFinished { .. } => None,
        }
    }

    /// The event as one line of JSON (no trailing newline), for `--json` output and logs.
    pub fn to_json_line(&self) -> String {
        // Every field is a plain JSON-able value; a failure here would be a bug in this file.
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(
                "{{\"event\":\"serialisationFailed\",\"error\":{:?}}}",
                e.to_string()
            )
        })
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RunStatus {
    /// Every node that was reached ran without error.
    Succeeded,
    /// At least one node failed.
    Failed,
    /// The run was cancelled.
    Cancelled,
}

/// An `executionChain`: the Iterator items and Loop rounds a node runs in, outermost first.
/// Built once per item or round and shared by every event of it, not copied into each.
pub type Chain = Arc<[ChainStep]>;

fn no_chain(chain: &Chain) -> bool {
    chain.is_empty()
}

/// One step of an `executionChain`: the Iterator item or Loop iteration a node runs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainStep {
    /// The Iterator's or Loop's name, shared with the plan.
    pub node_name: Arc<str>,
    pub index: usize,
    #[serde(rename = "type")]
    pub kind: ChainKind,
}

/// What kind of node opened a chain step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChainKind {
    Iterator,
    Loop,
}

/// A JSON document wrapped the way Bedrock's traces wrap content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub document: serde_json::Value,
}

/// One field of a `nodeInputTrace`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputField {
    pub node_input_name: Arc<str>,
    pub content: Content,
    #[serde(rename = "type")]
    pub data_type: crate::model::DataType,
    pub source: InputFieldSource,
}

/// Where an input's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputFieldSource {
    pub node_name: Arc<str>,
    pub output_field_name: Arc<str>,
    pub expression: Arc<str>,
}

/// One field of a `nodeOutputTrace`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputField {
    /// Shared with the plan (`PlanOutput`), as is `next`.
    pub node_output_name: Arc<str>,
    pub content: Content,
    pub next: Arc<[NextInput]>,
}

/// A node input an output feeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NextInput {
    pub node_name: Arc<str>,
    pub input_field_name: Arc<str>,
}

/// A document an Output node produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowOutputRecord {
    pub node: String,
    pub document: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_camel_case_lines() {
        let e = RunEvent::NodeSkipped {
            at_ms: 3,
            node: "Billing".into(),
            reason: "not chosen".to_owned(),
        };
        assert_eq!(
            e.to_json_line(),
            r#"{"event":"nodeSkipped","atMs":3,"node":"Billing","reason":"not chosen"}"#
        );
        let back: RunEvent = serde_json::from_str(&e.to_json_line()).unwrap();
        assert_eq!(back, e);
        let delta = RunEvent::ContentBlockDelta {
            at_ms: 5,
            node: "Ask".into(),
            content_block_index: 0,
            text: " world".to_owned(),
        };
        assert_eq!(
            delta.to_json_line(),
            r#"{"event":"contentBlockDelta","atMs":5,"node":"Ask","contentBlockIndex":0,"text":" world"}"#
        );
        assert_eq!(delta.node(), Some("Ask"));
    }
}
