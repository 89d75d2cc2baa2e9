//! Amazon Bedrock through the Converse API (`aws-sdk-bedrockruntime`).
//!
//! [`BedrockProvider`] maps a [`ModelRequest`] onto `Converse` (system blocks, messages with
//! text / toolUse / toolResult blocks, `inferenceConfig`, `toolConfig`,
//! `additionalModelRequestFields`) and the `ConverseResponse` back onto a [`ModelResponse`].
//! Credentials come from the standard AWS chain; [`BedrockSettings`] only picks the profile,
//! the region and an optional endpoint (a local fake, a VPC endpoint).
//!
//! JSON values cross the SDK as [`aws_smithy_types::Document`]: [`json_to_document`] and
//! [`document_to_json`] convert both ways without loss for everything JSON can express.

use crate::providers::{
    BoxFuture, ChatMessage, ContentPart, ModelProvider, ModelRequest, ModelResponse, ProviderError,
    Role, StopReason, ToolChoice, Usage,
};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::converse::{ConverseError, ConverseOutput};
use aws_sdk_bedrockruntime::types as bt;
use aws_sdk_bedrockruntime::Client;
use aws_smithy_types::{Document, Number};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Instant;

const PROVIDER: &str = "bedrock";

/// Where and as whom to call Bedrock. Every field is optional: unset ones come from the
/// standard chain (environment, `~/.aws/config`, SSO, container and instance roles).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BedrockSettings {
    /// AWS region, e.g. `us-east-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Named profile from `~/.aws/config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Endpoint override, e.g. `http://127.0.0.1:4000` for a local fake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
}

impl BedrockSettings {
    /// The standard configuration loader with these settings applied. Callers may add more
    /// (credentials, retry, timeouts) before `.load().await`.
    pub fn config_loader(&self) -> aws_config::ConfigLoader {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &self.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(endpoint) = &self.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        loader
    }
}

/// Calls `bedrock-runtime:Converse`.
#[derive(Debug, Clone)]
pub struct BedrockProvider {
    client: Client,
}

impl BedrockProvider {
    /// A provider on an already loaded AWS configuration.
    pub fn from_sdk_config(config: &SdkConfig) -> BedrockProvider {
        BedrockProvider {
            client: Client::new(config),
        }
    }

    /// A provider on an existing Bedrock Runtime client.
    pub fn from_client(client: Client) -> BedrockProvider {
        BedrockProvider { client }
    }

    /// Loads the standard AWS configuration with `settings` applied. Missing credentials are
    /// only noticed at the first call (as [`ProviderError::Configuration`]).
    pub async fn from_settings(settings: &BedrockSettings) -> BedrockProvider {
        let config = settings.config_loader().load().await;
        BedrockProvider::from_sdk_config(&config)
    }

    /// The underlying SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    async fn call(&self, request: &ModelRequest) -> Result<ModelResponse, ProviderError> {
        let started = Instant::now();
        let mut call = self
            .client
            .converse()
            .model_id(&request.model_id)
            .set_messages(Some(
                request
                    .messages
                    .iter()
                    .map(to_message)
                    .collect::<Result<Vec<_>, _>>()?,
            ));
        for text in &request.system {
            call = call.system(bt::SystemContentBlock::Text(text.clone()));
        }
        if let Some(inference) = to_inference(request)? {
            call = call.inference_config(inference);
        }
        if let Some(tools) = to_tool_config(request)? {
            call = call.tool_config(tools);
        }
        if let Some(extra) = &request.additional_fields {
            call = call.additional_model_request_fields(json_to_document(extra));
        }
        let output = call.send().await.map_err(map_sdk_error)?;
        from_output(&output, started)
    }
}

impl ModelProvider for BedrockProvider {
    fn name(&self) -> &str {
        PROVIDER
    }

    fn converse<'a>(
        &'a self,
        request: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(self.call(request))
    }
}

// ---------------------------------------------------------------------------------------------
// JSON <-> Document

/// A JSON value as a Smithy document.
pub fn json_to_document(value: &serde_json::Value) -> Document {
    match value {
        serde_json::Value::Null => Document::Null,
        serde_json::Value::Bool(b) => Document::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Document::Number(Number::PosInt(u))
            } else if let Some(i) = n.as_i64() {
                Document::Number(Number::NegInt(i))
            } else {
                // Every serde_json number is u64, i64 or a finite f64.
                Document::Number(Number::Float(n.as_f64().unwrap_or(0.0)))
            }
        }
        serde_json::Value::String(s) => Document::String(s.clone()),
        serde_json::Value::Array(items) => {
            Document::Array(items.iter().map(json_to_document).collect())
        }
        serde_json::Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json_to_document(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

/// A Smithy document as a JSON value. Non-finite floats (which JSON cannot hold) become `null`.
pub fn document_to_json(document: &Document) -> serde_json::Value {
    match document {
        Document::Null => serde_json::Value::Null,
        Document::Bool(b) => serde_json::Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => serde_json::Value::from(*u),
        Document::Number(Number::NegInt(i)) => serde_json::Value::from(*i),
        Document::Number(Number::Float(f)) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Document::String(s) => serde_json::Value::String(s.clone()),
        Document::Array(items) => {
            serde_json::Value::Array(items.iter().map(document_to_json).collect())
        }
        Document::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), document_to_json(v)))
                .collect(),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Request mapping

fn config_error(message: impl Into<String>) -> ProviderError {
    ProviderError::Configuration {
        provider: PROVIDER.to_string(),
        message: message.into(),
    }
}

fn to_message(message: &ChatMessage) -> Result<bt::Message, ProviderError> {
    let role = match message.role {
        Role::User => bt::ConversationRole::User,
        Role::Assistant => bt::ConversationRole::Assistant,
    };
    let content = message
        .content
        .iter()
        .map(to_content_block)
        .collect::<Result<Vec<_>, _>>()?;
    bt::Message::builder()
        .role(role)
        .set_content(Some(content))
        .build()
        .map_err(|e| config_error(format!("invalid message: {e}")))
}

fn to_content_block(part: &ContentPart) -> Result<bt::ContentBlock, ProviderError> {
    match part {
        ContentPart::Text { text } => Ok(bt::ContentBlock::Text(text.clone())),
        ContentPart::ToolUse { id, name, input } => bt::ToolUseBlock::builder()
            .tool_use_id(id)
            .name(name)
            .input(json_to_document(input))
            .build()
            .map(bt::ContentBlock::ToolUse)
            .map_err(|e| config_error(format!("invalid toolUse block `{name}`: {e}"))),
        ContentPart::ToolResult {
            id,
            content,
            is_error,
        } => {
            // A string result is a text block, an object a json block; anything else is
            // sent as its JSON text (several models accept only objects in json blocks).
            let block = match content {
                serde_json::Value::String(s) => bt::ToolResultContentBlock::Text(s.clone()),
                serde_json::Value::Object(_) => {
                    bt::ToolResultContentBlock::Json(json_to_document(content))
                }
                other => bt::ToolResultContentBlock::Text(other.to_string()),
            };
            let status = if *is_error {
                bt::ToolResultStatus::Error
            } else {
                bt::ToolResultStatus::Success
            };
            bt::ToolResultBlock::builder()
                .tool_use_id(id)
                .content(block)
                .status(status)
                .build()
                .map(bt::ContentBlock::ToolResult)
                .map_err(|e| config_error(format!("invalid toolResult block `{id}`: {e}")))
        }
    }
}

fn to_inference(
    request: &ModelRequest,
) -> Result<Option<bt::InferenceConfiguration>, ProviderError> {
    let inference = &request.inference;
    if inference.temperature.is_none()
        && inference.top_p.is_none()
        && inference.max_tokens.is_none()
        && inference.stop_sequences.is_empty()
    {
        return Ok(None);
    }
    let max_tokens = inference
        .max_tokens
        .map(|m| i32::try_from(m).map_err(|_| config_error(format!("maxTokens {m} is too large"))))
        .transpose()?;
    // Converse takes floats; the narrowing is intended.
    #[allow(clippy::cast_possible_truncation)]
    let config = bt::InferenceConfiguration::builder()
        .set_max_tokens(max_tokens)
        .set_temperature(inference.temperature.map(|t| t as f32))
        .set_top_p(inference.top_p.map(|p| p as f32))
        .set_stop_sequences(if inference.stop_sequences.is_empty() {
            None
        } else {
            Some(inference.stop_sequences.clone())
        })
        .build();
    Ok(Some(config))
}

/// `toolConfig`, or nothing when the request offers no tools (Converse requires at least one
/// tool; a tool choice without tools is dropped).
fn to_tool_config(request: &ModelRequest) -> Result<Option<bt::ToolConfiguration>, ProviderError> {
    if request.tools.is_empty() {
        return Ok(None);
    }
    let mut builder = bt::ToolConfiguration::builder();
    for tool in &request.tools {
        let spec = bt::ToolSpecification::builder()
            .name(&tool.name)
            .set_description(tool.description.clone())
            .input_schema(bt::ToolInputSchema::Json(json_to_document(
                &tool.input_schema,
            )))
            .build()
            .map_err(|e| config_error(format!("invalid tool `{}`: {e}", tool.name)))?;
        builder = builder.tools(bt::Tool::ToolSpec(spec));
    }
    if let Some(choice) = &request.tool_choice {
        let choice = match choice {
            ToolChoice::Auto => bt::ToolChoice::Auto(bt::AutoToolChoice::builder().build()),
            ToolChoice::Any => bt::ToolChoice::Any(bt::AnyToolChoice::builder().build()),
            ToolChoice::Tool { name } => bt::ToolChoice::Tool(
                bt::SpecificToolChoice::builder()
                    .name(name)
                    .build()
                    .map_err(|e| config_error(format!("invalid tool choice `{name}`: {e}")))?,
            ),
        };
        builder = builder.tool_choice(choice);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| config_error(format!("invalid toolConfig: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Response mapping

fn from_output(output: &ConverseOutput, started: Instant) -> Result<ModelResponse, ProviderError> {
    let message = output
        .output()
        .and_then(|o| o.as_message().ok())
        .ok_or_else(|| ProviderError::MalformedReply {
            provider: PROVIDER.to_string(),
            message: "the reply has no output message".to_string(),
        })?;
    let content = message
        .content()
        .iter()
        .filter_map(|block| match block {
            bt::ContentBlock::Text(text) => Some(ContentPart::Text { text: text.clone() }),
            bt::ContentBlock::ToolUse(tool_use) => Some(ContentPart::ToolUse {
                id: tool_use.tool_use_id().to_string(),
                name: tool_use.name().to_string(),
                input: document_to_json(tool_use.input()),
            }),
            // Reasoning, citations, images and newer blocks have no place in ContentPart.
            _ => None,
        })
        .collect();
    let usage = output
        .usage()
        .map(|u| Usage {
            input_tokens: u64::try_from(u.input_tokens()).unwrap_or(0),
            output_tokens: u64::try_from(u.output_tokens()).unwrap_or(0),
        })
        .unwrap_or_default();
    let latency_ms = output
        .metrics()
        .and_then(|m| u64::try_from(m.latency_ms()).ok())
        .unwrap_or_else(|| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
    Ok(ModelResponse {
        content,
        stop_reason: map_stop_reason(output.stop_reason()),
        usage,
        latency_ms,
    })
}

fn map_stop_reason(reason: &bt::StopReason) -> StopReason {
    match reason {
        bt::StopReason::EndTurn => StopReason::EndTurn,
        bt::StopReason::ToolUse => StopReason::ToolUse,
        bt::StopReason::MaxTokens => StopReason::MaxTokens,
        bt::StopReason::StopSequence => StopReason::StopSequence,
        bt::StopReason::GuardrailIntervened => StopReason::GuardrailIntervened,
        bt::StopReason::ContentFiltered => StopReason::ContentFiltered,
        other => StopReason::Other(other.as_str().to_string()),
    }
}

fn map_sdk_error(error: SdkError<ConverseError, HttpResponse>) -> ProviderError {
    match &error {
        SdkError::ServiceError(context) => {
            let service_error = context.err();
            let status = context.raw().status();
            let detail = || DisplayErrorContext(service_error).to_string();
            match service_error.code() {
                Some(code) => ProviderError::Service {
                    provider: PROVIDER.to_string(),
                    code: code.to_string(),
                    message: service_error
                        .message()
                        .map(str::to_string)
                        .unwrap_or_else(detail),
                },
                // A success status the SDK could not read: the reply itself is broken.
                None if status.is_success() => ProviderError::MalformedReply {
                    provider: PROVIDER.to_string(),
                    message: detail(),
                },
                None => ProviderError::Service {
                    provider: PROVIDER.to_string(),
                    code: format!("HTTP {}", status.as_u16()),
                    message: service_error
                        .message()
                        .map(str::to_string)
                        .unwrap_or_else(detail),
                },
            }
        }
        SdkError::ConstructionFailure(_) => config_error(sdk_detail(&error)),
        SdkError::ResponseError(_) => ProviderError::MalformedReply {
            provider: PROVIDER.to_string(),
            message: sdk_detail(&error),
        },
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => ProviderError::Connection {
            provider: PROVIDER.to_string(),
            message: sdk_detail(&error),
        },
        _ => ProviderError::Connection {
            provider: PROVIDER.to_string(),
            message: sdk_detail(&error),
        },
    }
}

/// The error and its causes on one line, without the raw response dump of `Debug`.
fn sdk_detail(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_document_round_trip() {
        let value = json!({
            "a": [1, -2, 3.5, "x", true, null],
            "b": {"c": {"d": u64::MAX}, "e": i64::MIN},
            "f": 0.0
        });
        assert_eq!(document_to_json(&json_to_document(&value)), value);
    }

    #[test]
    fn non_finite_float_becomes_null() {
        let doc = Document::Array(vec![Document::Number(Number::Float(f64::NAN))]);
        assert_eq!(document_to_json(&doc), json!([null]));
    }

    #[test]
    fn stop_reasons_keep_unknown_values() {
        assert_eq!(
            map_stop_reason(&bt::StopReason::from("model_context_window_exceeded")),
            StopReason::Other("model_context_window_exceeded".to_string())
        );
        assert_eq!(
            map_stop_reason(&bt::StopReason::from("something_new")),
            StopReason::Other("something_new".to_string())
        );
        assert_eq!(
            map_stop_reason(&bt::StopReason::ToolUse),
            StopReason::ToolUse
        );
    }
}
