//! The project's other resources: knowledge bases, guardrails and model profiles.

use serde::{Deserialize, Serialize};

/// A knowledge base: a deployed Bedrock one by id, and/or a local folder of documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnowledgeBase {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The Bedrock knowledge base id (10 characters), when it is deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge_base_id: Option<String>,
    /// A folder of documents (text, Markdown, HTML, PDF), relative to the project file, indexed locally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<String>,
}

/// A guardrail: the CreateGuardrail shape (policies kept as the API writes them), and/or a
/// deployed guardrail by identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Guardrail {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrail_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrail_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_input_messaging: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_outputs_messaging: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_policy_config: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_policy_config: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub word_policy_config: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive_information_policy_config: Option<serde_json::Value>,
}

/// How a model id is served when the project runs locally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelProfile {
    pub name: String,
    /// `bedrock`, `openai` (any OpenAI-compatible server) or `scripted`.
    pub provider: String,
    /// The model id to send to the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// For `scripted`: the file of replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// Model ids (as used in nodes and agents) this profile serves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serves: Vec<String>,
    /// USD per 1,000 tokens, overriding Strata's price table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_1k_tokens: Option<crate::pricing::Price>,
}
