//! Amazon Bedrock through the Converse and ConverseStream APIs (`aws-sdk-bedrockruntime`).
//!
//! [`BedrockProvider`] maps a [`ModelRequest`] onto `Converse` (system blocks, messages with
//! text / toolUse / toolResult blocks, `inferenceConfig`, `toolConfig`,
//! `additionalModelRequestFields`) and the `ConverseResponse` back onto a [`ModelResponse`].
//! Streamed, the same request goes to `ConverseStream`; [`StreamedReply`] assembles its events
//! (text deltas, tool-use blocks whose JSON input arrives in fragments, `messageStop`,
//! `metadata`) into the very reply `Converse` would have given, reporting text as it comes.
//! Credentials come from the standard AWS chain; [`BedrockSettings`] only picks the profile,
//! the region and an optional endpoint (a local fake, a VPC endpoint).
//!
//! JSON values cross the SDK as [`aws_smithy_types::Document`]: [`json_to_document`] and
//! [`document_to_json`] convert both ways without loss for everything JSON can express.

use crate::providers::sdk_error::{RawReply, SdkFailure};
use crate::providers::{
    BoxFuture, ChatMessage, ContentPart, ModelProvider, ModelRequest, ModelResponse, OnText,
    ProviderError, Role, StopReason, ToolChoice, Usage,
};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
use aws_sdk_bedrockruntime::types as bt;
use aws_sdk_bedrockruntime::Client;
use aws_smithy_types::Document;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use std::time::Instant;

mod document;
mod stream;

pub use document::{document_to_json, json_to_document};
use stream::map_stream_error;
pub use stream::StreamedReply;

const PROVIDER: &str = "bedrock";

/// Where and as whom to call Bedrock. Every field is optional: unset ones come from the
/// standard chain (environment, `~/.aws/config`, SSO, container and instance roles).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BedrockSettings {
    /// AWS region, e.g. `us-east-1`.
    pub region: Option<String>,
    /// Named profile from `~/.aws/config`.
    pub profile: Option<String>,
    /// Endpoint override, e.g. `http://127.0.0.1:4000` for a local fake.
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

    /// The AWS configuration these settings make, once it is known to give credentials. Every
    /// AWS client Strata makes loads through it, so a missing credential reads the same
    /// everywhere: one line saying what is missing and what to do (`elsewhere` adds the
    /// command's other choices), instead of the SDK's list of every place it looked.
    pub async fn load_checked(&self, elsewhere: &str) -> Result<SdkConfig, String> {
        use aws_credential_types::provider::ProvideCredentials;
        let config = self.config_loader().load().await;
        let found = match config.credentials_provider() {
            Some(provider) => provider.provide_credentials().await.map(|_| ()),
            None => Ok(()),
        };
        let Err(error) = found else {
            return Ok(config);
        };
        let profile = self
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
        let what = match profile {
            Some(profile) => {
                let cause = crate::providers::sdk_error::detail(&error).replace('\n', " ");
                format!("AWS profile {profile:?} gives no credentials ({cause})")
            }
            None => "no AWS credentials (none in the environment, ~/.aws or instance metadata)"
                .to_owned(),
        };
        Err(format!(
            "{what}: set up a profile with `aws configure` (or pass --profile NAME){elsewhere}"
        ))
    }
}

/// Calls `bedrock-runtime:Converse`.
#[derive(Debug, Clone)]
pub struct BedrockProvider {
    client: Client,
}

/// Sends the request as a Converse or a ConverseStream call (two SDK builder types with the
/// same setters and no trait in common): the call's output, or the error as a provider error.
macro_rules! send_parts {
    ($call:expr, $request:expr) => {{
        let parts = RequestParts::of($request)?;
        $call
            .model_id(&$request.model_id)
            .set_messages(Some(parts.messages))
            .set_system(parts.system)
            .set_inference_config(parts.inference)
            .set_tool_config(parts.tools)
            .set_additional_model_request_fields(parts.additional)
            .send()
            .await
            .map_err(map_sdk_error)?
    }};
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

    /// Loads the standard AWS configuration with `settings` applied, checking that it gives
    /// credentials ([`BedrockSettings::load_checked`]; `elsewhere` adds what else to do).
    pub async fn from_settings(
        settings: &BedrockSettings,
        elsewhere: &str,
    ) -> Result<BedrockProvider, String> {
        let config = settings.load_checked(elsewhere).await?;
        Ok(BedrockProvider::from_sdk_config(&config))
    }

    /// The underlying SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    async fn call(&self, request: &ModelRequest) -> Result<ModelResponse, ProviderError> {
        let started = Instant::now();
        let output = send_parts!(self.client.converse(), request);
        from_output(&output, started)
    }

    async fn call_stream(
        &self,
        request: &ModelRequest,
        on_text: OnText<'_>,
    ) -> Result<ModelResponse, ProviderError> {
        let started = Instant::now();
        let mut output = send_parts!(self.client.converse_stream(), request);
        let mut reply = StreamedReply::default();
        while let Some(event) = output.stream.recv().await.map_err(map_stream_error)? {
            if let Some(delta) = reply.apply(event)? {
                on_text(delta);
            }
        }
        reply.finish(started)
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

    fn converse_stream<'a>(
        &'a self,
        request: &'a ModelRequest,
        on_text: OnText<'a>,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(self.call_stream(request, on_text))
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

/// The members Converse and ConverseStream requests share, mapped once.
struct RequestParts {
    messages: Vec<bt::Message>,
    system: Option<Vec<bt::SystemContentBlock>>,
    inference: Option<bt::InferenceConfiguration>,
    tools: Option<bt::ToolConfiguration>,
    additional: Option<Document>,
}

impl RequestParts {
    fn of(request: &ModelRequest) -> Result<RequestParts, ProviderError> {
        Ok(RequestParts {
            messages: request
                .messages
                .iter()
                .map(to_message)
                .collect::<Result<Vec<_>, _>>()?,
            system: (!request.system.is_empty()).then(|| {
                request
                    .system
                    .iter()
                    .map(|text| bt::SystemContentBlock::Text(text.clone()))
                    .collect()
            }),
            inference: to_inference(request)?,
            tools: to_tool_config(request)?,
            additional: request.additional_fields.as_ref().map(json_to_document),
        })
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
    let usage = output.usage().map(to_usage).unwrap_or_default();
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

fn to_usage(usage: &bt::TokenUsage) -> Usage {
    Usage {
        input_tokens: u64::try_from(usage.input_tokens()).unwrap_or(0),
        output_tokens: u64::try_from(usage.output_tokens()).unwrap_or(0),
    }
}

fn malformed(message: impl Into<String>) -> ProviderError {
    ProviderError::MalformedReply {
        provider: PROVIDER.to_string(),
        message: message.into(),
    }
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

/// Maps an SDK error from sending a request or from reading a reply stream.
pub(crate) fn map_sdk_error<E, R>(error: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: RawReply,
{
    let provider = PROVIDER.to_string();
    match SdkFailure::of(&error) {
        SdkFailure::Service {
            code: Some(code),
            message,
            ..
        } => ProviderError::Service {
            provider,
            code,
            message,
        },
        // A success status the SDK could not read: the reply itself is broken.
        SdkFailure::Service {
            code: None,
            status: Some(status),
            detail,
            ..
        } if (200..300).contains(&status) => ProviderError::MalformedReply {
            provider,
            message: detail,
        },
        SdkFailure::Service {
            code: None,
            status: Some(status),
            message,
            ..
        } => ProviderError::Service {
            provider,
            code: format!("HTTP {status}"),
            message,
        },
        // An event of the reply stream that is an error without saying which.
        SdkFailure::Service {
            code: None,
            status: None,
            detail,
            ..
        } => ProviderError::MalformedReply {
            provider,
            message: format!("the reply stream carried an error without a code: {detail}"),
        },
        SdkFailure::Request { detail } => config_error(detail),
        SdkFailure::Reply { detail } => ProviderError::MalformedReply {
            provider,
            message: detail,
        },
        SdkFailure::Connection { detail } => ProviderError::Connection {
            provider,
            message: detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
