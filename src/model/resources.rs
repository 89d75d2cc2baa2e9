//! The project's other resources: knowledge bases, guardrails and model profiles.

use crate::model::lenient::Lenient;
use serde::{Deserialize, Serialize};

/// A knowledge base: a deployed Bedrock one by id, and/or a local folder of documents,
/// and/or how to create it (CreateKnowledgeBase's configurations, for the CloudFormation export).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnowledgeBase {
    pub name: String,
    pub description: Option<String>,
    /// The Bedrock knowledge base id (10 characters), when it is deployed.
    pub knowledge_base_id: Option<String>,
    /// A folder of documents (text, Markdown, HTML, PDF), relative to the project file, indexed locally.
    pub documents: Option<String>,
    /// The role Bedrock uses to build and query it (CreateKnowledgeBase `roleArn`).
    pub role_arn: Option<String>,
    /// CreateKnowledgeBase `knowledgeBaseConfiguration` in the API's shape (type, embedding model, …).
    pub knowledge_base_configuration: Option<serde_json::Value>,
    /// CreateKnowledgeBase `storageConfiguration` in the API's shape (the vector store).
    pub storage_configuration: Option<serde_json::Value>,
}

impl KnowledgeBase {
    /// A knowledge base known by name only.
    pub fn named(name: &str) -> KnowledgeBase {
        KnowledgeBase {
            name: name.to_owned(),
            description: None,
            knowledge_base_id: None,
            documents: None,
            role_arn: None,
            knowledge_base_configuration: None,
            storage_configuration: None,
        }
    }
}

/// A guardrail: the CreateGuardrail shape (policies kept as the API writes them), and/or a
/// deployed guardrail by identifier.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Guardrail {
    pub name: String,
    pub description: Option<String>,
    pub guardrail_identifier: Option<String>,
    pub guardrail_version: Option<String>,
    pub blocked_input_messaging: Option<String>,
    pub blocked_outputs_messaging: Option<String>,
    pub topic_policy_config: Option<serde_json::Value>,
    pub content_policy_config: Option<serde_json::Value>,
    pub word_policy_config: Option<serde_json::Value>,
    pub sensitive_information_policy_config: Option<serde_json::Value>,
}

impl Guardrail {
    /// Whether the project holds what CreateGuardrail needs (both blocked messages), so the
    /// CloudFormation export can create it.
    pub fn is_defined(&self) -> bool {
        self.blocked_input_messaging.is_some() && self.blocked_outputs_messaging.is_some()
    }
}

crate::str_enum! {
    /// Who serves a model profile's calls.
    pub enum ProfileProvider {
        Bedrock = "bedrock",
        /// Any OpenAI-compatible chat-completions server.
        OpenAi = "openai",
        /// Replies from a file.
        Scripted = "scripted",
    }
}

/// USD per 1,000 input and output tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    pub input: f64,
    pub output: f64,
}

/// How a model id is served when the project runs locally.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelProfile {
    pub name: String,
    /// `bedrock`, `openai` (any OpenAI-compatible server) or `scripted`; another value is
    /// kept, and refused when the profile is used.
    pub provider: Lenient<ProfileProvider>,
    /// The model id to send to the provider.
    pub model_id: Option<String>,
    pub region: Option<String>,
    pub base_url: Option<String>,
    /// For `scripted`: the file of replies.
    pub script: Option<String>,
    /// Model ids (as used in nodes and agents) this profile serves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serves: Vec<String>,
    /// USD per 1,000 tokens, overriding Strata's price table.
    pub price_per_1k_tokens: Option<Price>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_profile_keeps_a_provider_strata_does_not_know() {
        let document = json!({"name": "local", "provider": "ollama", "serves": ["m"]});
        let profile: ModelProfile = serde_json::from_value(document.clone()).expect("profile");
        assert_eq!(profile.provider, Lenient::Unknown("ollama".to_owned()));
        assert_eq!(serde_json::to_value(&profile).expect("json"), document);
    }

    #[test]
    fn a_known_provider_reads_as_its_variant() {
        let profile: ModelProfile =
            serde_json::from_value(json!({"name": "fast", "provider": "openai"})).expect("profile");
        assert_eq!(profile.provider, Lenient::Known(ProfileProvider::OpenAi));
    }
}
