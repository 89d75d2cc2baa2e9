//! The Prompt node's configuration in the CreateFlow API's exact shape: its source, inline
//! template (TEXT or CHAT), tools and the template variables it names.

use super::collect_variables;
use crate::model::common::{GuardrailConfiguration, InferenceConfiguration};
use crate::model::lenient::Lenient;
use serde::{Deserialize, Serialize};

crate::str_enum! {
    /// `PromptTemplateType`.
    pub enum TemplateType {
        Text = "TEXT",
        Chat = "CHAT",
    }
}

crate::str_enum! {
    /// `ConversationRole` in a chat template.
    pub enum Role {
        User = "user",
        Assistant = "assistant",
    }
}

/// `PromptFlowNodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptConfiguration {
    pub source_configuration: PromptSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrail_configuration: Option<GuardrailConfiguration>,
}

/// `PromptFlowNodeSourceConfiguration` (union).
#[allow(
    clippy::large_enum_variant,
    reason = "one per Prompt node; boxing would only complicate every construction"
)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PromptSource {
    Resource(PromptResource),
    Inline(InlinePrompt),
}

/// `PromptFlowNodeResourceConfiguration`: a prompt from Prompt management.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptResource {
    pub prompt_arn: String,
}

/// `PromptFlowNodeInlineConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InlinePrompt {
    pub template_type: Lenient<TemplateType>,
    pub template_configuration: TemplateConfiguration,
    pub model_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_configuration: Option<InferenceConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_request_fields: Option<serde_json::Value>,
}

/// `PromptTemplateConfiguration` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TemplateConfiguration {
    Text(TextTemplate),
    Chat(ChatTemplate),
}

/// `TextPromptTemplateConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextTemplate {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_point: Option<CachePoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_variables: Vec<InputVariable>,
}

/// `ChatPromptTemplateConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatTemplate {
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<ContentBlock>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_variables: Vec<InputVariable>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_configuration: Option<ToolConfiguration>,
}

/// `PromptInputVariable`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputVariable {
    pub name: String,
}

/// `CachePointBlock`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachePoint {
    #[serde(rename = "type")]
    pub cache_type: String,
}

/// `Message` of a chat template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub role: Lenient<Role>,
    pub content: Vec<ContentBlock>,
}

/// `ContentBlock` / `SystemContentBlock` (union): text or a cache point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContentBlock {
    Text(String),
    CachePoint(CachePoint),
}

/// `ToolConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolConfiguration {
    pub tools: Vec<Tool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
}

/// `Tool` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Tool {
    ToolSpec(ToolSpec),
    CachePoint(CachePoint),
}

/// `ToolSpecification`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub input_schema: ToolInputSchema,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

/// `ToolInputSchema` (union with one member).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ToolInputSchema {
    Json(serde_json::Value),
}

/// `ToolChoice` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ToolChoice {
    Auto(crate::nodes::Empty),
    Any(crate::nodes::Empty),
    Tool(SpecificTool),
}

/// `SpecificToolChoice`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecificTool {
    pub name: String,
}

impl InlinePrompt {
    /// The `{{variables}}` of the template, in order of first use.
    pub fn template_variables(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.template_configuration {
            TemplateConfiguration::Text(t) => collect_variables(&t.text, &mut out),
            TemplateConfiguration::Chat(c) => {
                for block in c
                    .system
                    .iter()
                    .chain(c.messages.iter().flat_map(|m| &m.content))
                {
                    if let ContentBlock::Text(text) = block {
                        collect_variables(text, &mut out);
                    }
                }
            }
        }
        out
    }
}
