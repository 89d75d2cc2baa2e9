//! Prompt, run locally: an inline prompt filled from the inputs and sent to the run's model
//! provider. Prompt management resources need Bedrock.

use super::{single, Call, Done};
use crate::model::lenient::Lenient;
use crate::nodes::prompt::PromptConfiguration;
use crate::nodes::prompt::{
    render, ContentBlock, InlinePrompt, PromptSource, Role as PromptRole, TemplateConfiguration,
    Tool, ToolChoice as PromptToolChoice,
};
use crate::providers::{
    ChatMessage, ContentPart, Inference, ModelRequest, Role, ToolChoice, ToolSpec,
};
use crate::run::converse::converse;
use crate::run::NodeError;
use serde_json::json;
use serde_json::{Map, Value};

node_run!(
    /// Fills the prompt and calls the model.
    Prompt(config) => prompt
);

/// A value as it goes into a prompt: strings as they are, anything else as compact JSON.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Builds the Converse request of an inline prompt, filled from the inputs.
pub(super) fn prompt_request(inline: &InlinePrompt, inputs: &Map<String, Value>) -> ModelRequest {
    let fill = |text: &str| render(text, |var| inputs.get(var).map(as_text));
    let block_texts = |blocks: &[ContentBlock]| -> Vec<String> {
        blocks
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text(t) => Some(fill(t)),
                ContentBlock::CachePoint(_) => None,
            })
            .collect()
    };
    let mut request = ModelRequest {
        model_id: inline.model_id.clone(),
        additional_fields: inline.additional_model_request_fields.clone(),
        ..ModelRequest::default()
    };
    if let Some(inf) = &inline.inference_configuration {
        let t = inf.text();
        request.inference = Inference {
            temperature: t.temperature,
            top_p: t.top_p,
            max_tokens: t.max_tokens,
            stop_sequences: t.stop_sequences.clone(),
        };
    }
    match &inline.template_configuration {
        TemplateConfiguration::Text(t) => {
            request.messages = vec![ChatMessage::user_text(fill(&t.text))];
        }
        TemplateConfiguration::Chat(c) => {
            request.system = block_texts(&c.system);
            request.messages = c
                .messages
                .iter()
                .map(|m| ChatMessage {
                    role: match m.role {
                        Lenient::Known(PromptRole::Assistant) => Role::Assistant,
                        Lenient::Known(PromptRole::User) | Lenient::Unknown(_) => Role::User,
                    },
                    content: block_texts(&m.content)
                        .into_iter()
                        .map(|text| ContentPart::Text { text })
                        .collect(),
                })
                .collect();
            if let Some(tc) = &c.tool_configuration {
                request.tools = tc
                    .tools
                    .iter()
                    .filter_map(|t| match t {
                        Tool::ToolSpec(spec) => Some(ToolSpec {
                            name: spec.name.clone(),
                            description: spec.description.clone(),
                            input_schema: match &spec.input_schema {
                                crate::nodes::prompt::ToolInputSchema::Json(v) => v.clone(),
                            },
                        }),
                        Tool::CachePoint(_) => None,
                    })
                    .collect();
                request.tool_choice = tc.tool_choice.as_ref().map(|c| match c {
                    PromptToolChoice::Auto(_) => ToolChoice::Auto,
                    PromptToolChoice::Any(_) => ToolChoice::Any,
                    PromptToolChoice::Tool(t) => ToolChoice::Tool {
                        name: t.name.clone(),
                    },
                });
            }
        }
    }
    request
}

async fn prompt(
    Call { run, node, inputs }: Call<'_>,
    config: &PromptConfiguration,
) -> Result<Done, NodeError> {
    let inline = match &config.source_configuration {
        PromptSource::Inline(inline) => inline,
        PromptSource::Resource(r) => {
            return Err(NodeError::PromptResource {
                node: node.name.clone(),
                prompt_arn: r.prompt_arn.clone(),
            })
        }
    };
    let request = prompt_request(inline, inputs);
    let response = converse(run, node, std::sync::Arc::new(request)).await?;
    let mut text = response.text();
    if text.is_empty() {
        // A reply that only calls tools: the calls are the completion.
        let calls: Vec<Value> = response
            .content
            .iter()
            .filter_map(|c| match c {
                ContentPart::ToolUse { name, input, .. } => {
                    Some(json!({"name": name, "input": input}))
                }
                ContentPart::Text { .. } | ContentPart::ToolResult { .. } => None,
            })
            .collect();
        if !calls.is_empty() {
            text = Value::Array(calls).to_string();
        }
    }
    Ok(single("modelCompletion", Value::String(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inline(config: Value) -> InlinePrompt {
        serde_json::from_value(config).unwrap()
    }

    #[test]
    fn chat_prompts_fill_system_messages_and_tools() {
        let p = inline(json!({
            "templateType": "CHAT",
            "templateConfiguration": {"chat": {
                "system": [{"text": "You sort {{kind}}."}, {"cachePoint": {"type": "default"}}],
                "messages": [
                    {"role": "user", "content": [{"text": "Sort {{items}}"}]},
                    {"role": "assistant", "content": [{"text": "OK"}]}],
                "toolConfiguration": {
                    "tools": [{"toolSpec": {"name": "sort", "inputSchema": {"json": {"type": "object"}}}}],
                    "toolChoice": {"tool": {"name": "sort"}}}}},
            "modelId": "m",
            "inferenceConfiguration": {"text": {"temperature": 0.5, "maxTokens": 10}}
        }));
        let mut inputs = Map::new();
        inputs.insert("kind".to_owned(), json!("fruit"));
        inputs.insert("items".to_owned(), json!(["b", "a"]));
        let r = prompt_request(&p, &inputs);
        assert_eq!(r.system, ["You sort fruit."]);
        assert_eq!(r.messages.len(), 2);
        assert_eq!(
            r.messages[0].content,
            [ContentPart::Text {
                text: "Sort [\"b\",\"a\"]".to_owned()
            }]
        );
        assert_eq!(r.messages[1].role, Role::Assistant);
        assert_eq!(r.tools[0].name, "sort");
        assert_eq!(
            r.tool_choice,
            Some(ToolChoice::Tool {
                name: "sort".to_owned()
            })
        );
        assert_eq!(r.inference.max_tokens, Some(10));
    }
}
