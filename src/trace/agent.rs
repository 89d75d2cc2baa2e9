//! The local agent's trace, in Bedrock's agent trace vocabulary (reference §5): each
//! [`AgentTraceEvent`] serialises as one member of Bedrock's `Trace` union, e.g.
//! `{"orchestrationTrace": {"rationale": {"traceId": "…", "text": "…"}}}`, plus
//! `returnControl` when a turn pauses for the user.

use crate::guardrail::GuardrailAssessment;
use crate::providers::Usage;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

/// One trace event of a local agent turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AgentTraceEvent {
    PreProcessingTrace(StepTrace),
    OrchestrationTrace(StepTrace),
    PostProcessingTrace(StepTrace),
    GuardrailTrace(GuardrailTrace),
    FailureTrace(FailureTrace),
    /// The turn paused: Bedrock's `returnControl` event (`ReturnControlPayload`).
    ReturnControl(Value),
}

impl AgentTraceEvent {
    /// The step of a pre-processing, orchestration or post-processing trace.
    pub fn step(&self) -> Option<&StepTrace> {
        match self {
            AgentTraceEvent::PreProcessingTrace(step)
            | AgentTraceEvent::OrchestrationTrace(step)
            | AgentTraceEvent::PostProcessingTrace(step) => Some(step),
            AgentTraceEvent::GuardrailTrace(_)
            | AgentTraceEvent::FailureTrace(_)
            | AgentTraceEvent::ReturnControl(_) => None,
        }
    }
}

/// Shows the event as its Bedrock JSON, on one line.
impl std::fmt::Display for AgentTraceEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let json = serde_json::to_string(self).map_err(|_| std::fmt::Error)?;
        f.write_str(&json)
    }
}

/// A member of `orchestrationTrace` (and of the pre-/post-processing traces).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StepTrace {
    Rationale(Rationale),
    InvocationInput(InvocationInput),
    Observation(Observation),
    ModelInvocationInput(ModelInvocationInput),
    ModelInvocationOutput(ModelInvocationOutput),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rationale {
    pub trace_id: String,
    pub text: String,
}

/// `invocationInput`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationInput {
    pub trace_id: String,
    /// `ACTION_GROUP`, `KNOWLEDGE_BASE`, `AGENT_COLLABORATOR` or `FINISH`.
    pub invocation_type: String,
    pub action_group_invocation_input: Option<Value>,
    pub knowledge_base_lookup_input: Option<Value>,
    /// `{agentCollaboratorName, agentCollaboratorAliasArn, input: {type, text}}`.
    pub agent_collaborator_invocation_input: Option<Value>,
}

/// `observation`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub trace_id: String,
    /// `ACTION_GROUP`, `KNOWLEDGE_BASE`, `AGENT_COLLABORATOR`, `FINISH`, `ASK_USER` or
    /// `REPROMPT`.
    #[serde(rename = "type")]
    pub observation_type: String,
    pub action_group_invocation_output: Option<Value>,
    pub knowledge_base_lookup_output: Option<Value>,
    pub final_response: Option<Value>,
    pub reprompt_response: Option<Value>,
    /// `{agentCollaboratorName, agentCollaboratorAliasArn, output: {type, text}}`.
    pub agent_collaborator_invocation_output: Option<Value>,
}

/// `modelInvocationInput`: the prompt as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInvocationInput {
    pub trace_id: String,
    /// The full prompt: the system prompt, then the messages, as text.
    #[serde(default)]
    pub text: String,
    /// The `PromptType`.
    #[serde(rename = "type", default)]
    pub prompt_type: String,
    pub foundation_model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_configuration: Option<Value>,
    /// `DEFAULT` or `OVERRIDDEN`.
    #[serde(default)]
    pub prompt_creation_mode: String,
}

/// `modelInvocationOutput`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInvocationOutput {
    pub trace_id: String,
    /// `{"content": "<the reply as JSON text>"}`.
    pub raw_response: Value,
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parsed_response: Option<Value>,
}

/// `Metadata`: token usage and timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    #[serde(default)]
    pub usage: Usage,
    #[serde(default)]
    pub total_time_ms: u64,
}

/// `guardrailTrace`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardrailTrace {
    pub trace_id: String,
    /// `INTERVENED` or `NONE`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_assessments: Vec<GuardrailAssessment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_assessments: Vec<GuardrailAssessment>,
}

/// `failureTrace`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureTrace {
    pub trace_id: String,
    pub failure_code: u16,
    pub failure_reason: String,
}
