//! ConverseStream replies: [`StreamedReply`] assembles the events into the reply Converse
//! would have given, and stream error events become [`ProviderError`]s.

use super::{malformed, map_sdk_error, map_stop_reason, to_usage, PROVIDER};
use crate::providers::sdk_error::{detail, service_message};
use crate::providers::{ContentPart, ModelResponse, ProviderError, StopReason, TextDelta, Usage};
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::types as bt;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_smithy_types::event_stream::RawMessage;
use std::collections::BTreeMap;
use std::time::Instant;

/// A content block of a streamed reply, as far as it has arrived.
#[derive(Debug)]
enum StreamedBlock {
    Text(String),
    /// A tool call; `input` is the JSON text so far, parsed when the reply is complete.
    ToolUse {
        id: String,
        name: String,
        input: String,
    },
    /// Reasoning, citations, images and newer blocks: no place in [`ContentPart`], as in
    /// Converse replies.
    Other,
}

/// A ConverseStream reply being assembled, event by event.
#[derive(Debug, Default)]
pub struct StreamedReply {
    /// Blocks by `contentBlockIndex`; the reply lists them in index order.
    blocks: BTreeMap<i32, StreamedBlock>,
    stop_reason: Option<StopReason>,
    usage: Option<Usage>,
    latency_ms: Option<u64>,
}

impl StreamedReply {
    /// Takes one event; gives back the text it adds, if any. An event that contradicts the
    /// ones before (a delta of the wrong kind for its block, a tool-use delta with no
    /// `contentBlockStart`) makes the reply malformed.
    pub fn apply(
        &mut self,
        event: bt::ConverseStreamOutput,
    ) -> Result<Option<TextDelta>, ProviderError> {
        match event {
            bt::ConverseStreamOutput::MessageStart(_)
            | bt::ConverseStreamOutput::ContentBlockStop(_) => {}
            bt::ConverseStreamOutput::ContentBlockStart(start) => {
                let index = start.content_block_index();
                let block = match start.start() {
                    Some(bt::ContentBlockStart::ToolUse(tool)) => StreamedBlock::ToolUse {
                        id: tool.tool_use_id().to_string(),
                        name: tool.name().to_string(),
                        input: String::new(),
                    },
                    Some(_) | None => StreamedBlock::Other,
                };
                if self.blocks.insert(index, block).is_some() {
                    return Err(malformed(format!(
                        "contentBlockStart for block {index}, which had already started"
                    )));
                }
            }
            bt::ConverseStreamOutput::ContentBlockDelta(event) => {
                let index = event.content_block_index();
                match event.delta() {
                    Some(bt::ContentBlockDelta::Text(text)) => {
                        // Text blocks usually arrive without a contentBlockStart.
                        match self
                            .blocks
                            .entry(index)
                            .or_insert_with(|| StreamedBlock::Text(String::new()))
                        {
                            StreamedBlock::Text(so_far) => so_far.push_str(text),
                            StreamedBlock::ToolUse { name, .. } => {
                                return Err(malformed(format!(
                                    "a text delta for block {index}, which is a toolUse block ({name})"
                                )))
                            }
                            StreamedBlock::Other => return Ok(None),
                        }
                        return Ok(Some(TextDelta {
                            content_block_index: usize::try_from(index).unwrap_or(0),
                            text: text.clone(),
                        }));
                    }
                    Some(bt::ContentBlockDelta::ToolUse(delta)) => match self.blocks.get_mut(&index) {
                        Some(StreamedBlock::ToolUse { input, .. }) => input.push_str(delta.input()),
                        Some(StreamedBlock::Text(_) | StreamedBlock::Other) | None => {
                            return Err(malformed(format!(
                                "a toolUse delta for block {index}, which no toolUse contentBlockStart opened"
                            )))
                        }
                    },
                    Some(_) | None => {
                        self.blocks.entry(index).or_insert(StreamedBlock::Other);
                    }
                }
            }
            bt::ConverseStreamOutput::MessageStop(stop) => {
                self.stop_reason = Some(map_stop_reason(stop.stop_reason()));
            }
            bt::ConverseStreamOutput::Metadata(metadata) => {
                if let Some(usage) = metadata.usage() {
                    self.usage = Some(to_usage(usage));
                }
                if let Some(metrics) = metadata.metrics() {
                    self.latency_ms = u64::try_from(metrics.latency_ms()).ok();
                }
            }
            // Events newer than this SDK are skipped, like unknown blocks in Converse.
            _ => {}
        }
        Ok(None)
    }

    /// The complete reply. A stream that ended before `messageStop`, or a tool call whose
    /// input is not JSON, is malformed.
    pub fn finish(self, started: Instant) -> Result<ModelResponse, ProviderError> {
        let Some(stop_reason) = self.stop_reason else {
            return Err(malformed("the reply stream ended before messageStop"));
        };
        let mut content = Vec::new();
        for block in self.blocks.into_values() {
            match block {
                StreamedBlock::Text(text) => content.push(ContentPart::Text { text }),
                StreamedBlock::ToolUse { id, name, input } => {
                    // A tool without parameters may get no input deltas at all.
                    let input = if input.trim().is_empty() {
                        serde_json::Value::Object(serde_json::Map::new())
                    } else {
                        serde_json::from_str(&input).map_err(|e| {
                            malformed(format!(
                                "the input of tool call {id} ({name}) is not JSON: {e}: {input}"
                            ))
                        })?
                    };
                    content.push(ContentPart::ToolUse { id, name, input });
                }
                StreamedBlock::Other => {}
            }
        }
        Ok(ModelResponse {
            content,
            stop_reason,
            usage: self.usage.unwrap_or_default(),
            latency_ms: self.latency_ms.unwrap_or_else(|| {
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
            }),
        })
    }
}

/// Maps an error event of a ConverseStream reply. The SDK keeps no error code for modeled
/// stream exceptions, so the code is the exception's shape name.
pub(super) fn map_stream_error(
    error: SdkError<ConverseStreamOutputError, RawMessage>,
) -> ProviderError {
    let context = match &error {
        SdkError::ServiceError(context) => context,
        SdkError::ResponseError(_) => {
            return malformed(format!(
                "the reply stream broke off or is not a valid event stream: {}",
                detail(&error)
            ))
        }
        _ => return map_sdk_error(error),
    };
    let service_error = context.err();
    let code = match service_error {
        ConverseStreamOutputError::InternalServerException(_) => "InternalServerException",
        ConverseStreamOutputError::ModelStreamErrorException(e) => {
            let mut message = e
                .message()
                .unwrap_or("the model's stream failed")
                .to_string();
            if let Some(status) = e.original_status_code() {
                message.push_str(&format!(" (the model answered {status}"));
                if let Some(original) = e.original_message() {
                    message.push_str(&format!(": {original}"));
                }
                message.push(')');
            }
            return ProviderError::Service {
                provider: PROVIDER.to_string(),
                code: "ModelStreamErrorException".to_string(),
                message,
            };
        }
        ConverseStreamOutputError::ValidationException(_) => "ValidationException",
        ConverseStreamOutputError::ThrottlingException(_) => "ThrottlingException",
        ConverseStreamOutputError::ServiceUnavailableException(_) => "ServiceUnavailableException",
        // Errors newer than this SDK, and unmodeled ones: whatever code they carry.
        other => match other.code() {
            Some(code) => code,
            None => return map_sdk_error(error),
        },
    };
    ProviderError::Service {
        provider: PROVIDER.to_string(),
        code: code.to_string(),
        message: service_message(service_error),
    }
}
