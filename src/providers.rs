//! Model providers behind one trait: Bedrock (Converse and ConverseStream), any
//! OpenAI-compatible server, and scripted replies. The executor and the agent runtime only
//! see [`ModelProvider`].

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use std::future::Future;
use std::pin::Pin;

/// A boxed future, so the trait stays object-safe without extra crates.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One call to a chat model, in Converse's terms.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelRequest {
    pub model_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<String>,
    pub messages: Vec<ChatMessage>,
    #[serde(default)]
    pub inference: Inference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolSpec>,
    pub tool_choice: Option<ToolChoice>,
    /// `additionalModelRequestFields`, passed through.
    pub additional_fields: Option<serde_json::Value>,
}

/// Inference settings (`inferenceConfig`): Converse's members are those of a prompt's
/// `PromptModelInferenceConfiguration`, so a request carries that type.
pub type Inference = crate::model::common::TextInference;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    pub role: Role,
    pub content: Vec<ContentPart>,
}

impl ChatMessage {
    pub fn user_text(text: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: Role::User,
            content: vec![ContentPart::Text { text: text.into() }],
        }
    }
}

/// A block of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum ContentPart {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: serde_json::Value,
    },
    ToolResult {
        id: String,
        content: serde_json::Value,
        #[serde(default)]
        is_error: bool,
    },
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A JSON Schema with top-level `"type": "object"`.
    pub input_schema: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum ToolChoice {
    Auto,
    Any,
    Tool { name: String },
}

/// Why the model stopped (Converse's `StopReason`, unknown values kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndTurn,
    ToolUse,
    MaxTokens,
    StopSequence,
    GuardrailIntervened,
    ContentFiltered,
    Other(String),
}

/// Token usage of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// A model's reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelResponse {
    pub content: Vec<ContentPart>,
    pub stop_reason: StopReason,
    pub usage: Usage,
    pub latency_ms: u64,
}

impl ModelResponse {
    /// The concatenated text blocks.
    pub fn text(&self) -> String {
        text_of(&self.content)
    }
}

/// The text blocks of a message or a reply, concatenated; tool blocks are left out.
pub fn text_of(content: &[ContentPart]) -> String {
    content
        .iter()
        .filter_map(|c| match c {
            ContentPart::Text { text } => Some(text.as_str()),
            ContentPart::ToolUse { .. } | ContentPart::ToolResult { .. } => None,
        })
        .collect::<Vec<_>>()
        .join("")
}

/// Why a provider call failed. Says which provider and what it answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    #[error("{provider}: cannot reach the model: {message}")]
    Connection { provider: String, message: String },
    #[error("{provider}: the service refused the request ({code}): {message}")]
    Service {
        provider: String,
        code: String,
        message: String,
    },
    #[error("{provider}: the model's reply is malformed: {message}")]
    MalformedReply { provider: String, message: String },
    #[error("{provider}: no scripted reply left for model {model_id} (call {call})")]
    ScriptExhausted {
        provider: String,
        model_id: String,
        call: usize,
    },
    #[error("{provider}: {message}")]
    Configuration { provider: String, message: String },
}

/// A piece of reply text as it streams in (ConverseStream's `contentBlockDelta` with a
/// `text` delta).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextDelta {
    /// The content block the text belongs to, counted from 0 in the reply.
    pub content_block_index: usize,
    pub text: String,
}

/// Receives text deltas while a streamed reply comes in. It is called from the provider's
/// future and must not block.
pub type OnText<'a> = &'a (dyn Fn(TextDelta) + Send + Sync);

/// A chat model.
pub trait ModelProvider: Send + Sync {
    /// The provider's name for traces and errors (`bedrock`, `openai`, `scripted`).
    fn name(&self) -> &str;
    /// One request, one complete reply.
    fn converse<'a>(
        &'a self,
        request: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>>;
    /// One request, its reply streamed: text goes to `on_text` as it arrives, and the
    /// complete reply (the same one [`converse`](Self::converse) would give) comes back at
    /// the end. Providers that cannot stream answer in one piece and report no deltas.
    fn converse_stream<'a>(
        &'a self,
        request: &'a ModelRequest,
        on_text: OnText<'a>,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        let _ = on_text;
        self.converse(request)
    }
}

#[cfg(feature = "runtime")]
pub mod agent_runtime;
#[cfg(feature = "runtime")]
pub mod bedrock;
#[cfg(feature = "runtime")]
pub mod bedrock_guardrail;
#[cfg(feature = "runtime")]
pub mod openai;
pub mod router;
pub mod scripted;
#[cfg(feature = "runtime")]
pub mod sdk_error;
