//! What a guardrail found, in Bedrock's `GuardrailAssessment` shape, and what it did.

use serde::{Deserialize, Serialize};

/// `NONE` or `GUARDRAIL_INTERVENED`, as ApplyGuardrail answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GuardrailAction {
    None,
    GuardrailIntervened,
}

/// What applying a guardrail to one text gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardrailOutcome {
    pub action: GuardrailAction,
    /// Whether a policy blocked the text (then `output` is the blocked messaging).
    pub blocked: bool,
    /// The text to use: unchanged, anonymised, or the blocked messaging.
    pub output: String,
    pub assessment: GuardrailAssessment,
}

/// `GuardrailAssessment` (reference §5).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardrailAssessment {
    pub topic_policy: Option<TopicPolicyAssessment>,
    pub content_policy: Option<ContentPolicyAssessment>,
    pub word_policy: Option<WordPolicyAssessment>,
    pub sensitive_information_policy: Option<SensitiveInformationAssessment>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicPolicyAssessment {
    pub topics: Vec<TopicMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicMatch {
    pub name: String,
    #[serde(rename = "type")]
    pub topic_type: String,
    pub action: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentPolicyAssessment {
    pub filters: Vec<ContentFilterMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentFilterMatch {
    #[serde(rename = "type")]
    pub filter_type: String,
    pub confidence: String,
    pub action: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WordPolicyAssessment {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_words: Vec<WordMatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_word_lists: Vec<ManagedWordMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WordMatch {
    #[serde(rename = "match")]
    pub matched: String,
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedWordMatch {
    #[serde(rename = "match")]
    pub matched: String,
    #[serde(rename = "type")]
    pub list_type: String,
    pub action: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SensitiveInformationAssessment {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pii_entities: Vec<PiiMatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regexes: Vec<RegexMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PiiMatch {
    #[serde(rename = "type")]
    pub entity_type: String,
    #[serde(rename = "match")]
    pub matched: String,
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegexMatch {
    pub name: String,
    pub regex: String,
    #[serde(rename = "match")]
    pub matched: String,
    pub action: String,
}
