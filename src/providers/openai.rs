//! Any OpenAI-compatible chat-completions server (Ollama, llama.cpp, vLLM, OpenAI itself).
//!
//! [`OpenAiProvider`] sends `POST {base_url}/chat/completions` (non-streaming) and maps the
//! Converse-shaped [`ModelRequest`] onto the chat-completions shape:
//! * system strings become one leading `system` message (some chat templates accept one only);
//! * user text becomes a `user` message, tool results become `tool` messages (placed before
//!   the user text of the same turn, right after the assistant's `tool_calls`);
//! * assistant text and tool uses become one `assistant` message with `tool_calls`, whose
//!   `arguments` is the JSON text of the input;
//! * `additional_fields` (an object) is merged into the body without overriding mapped keys.
//!
//! A tool result flagged as an error is sent with an `error: ` prefix, since the
//! chat-completions shape has no error flag.

use crate::providers::{
    BoxFuture, ContentPart, ModelProvider, ModelRequest, ModelResponse, ProviderError, Role,
    StopReason, ToolChoice, Usage,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use serde_with::skip_serializing_none;
use std::time::{Duration, Instant};

const PROVIDER: &str = "openai";

/// How many characters of an error body are kept in a [`ProviderError::Service`] message.
const ERROR_BODY_LIMIT: usize = 2000;

/// Where the server is and how to authenticate.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenAiSettings {
    /// The API root including the version, e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    /// Bearer token. When unset, `OPENAI_API_KEY` is used if present; local servers need none.
    pub api_key: Option<String>,
    /// Whole-request timeout in seconds (none by default: local models can be slow).
    pub timeout_secs: Option<u64>,
}

/// Calls an OpenAI-compatible `chat/completions` endpoint.
#[derive(Debug, Clone)]
pub struct OpenAiProvider {
    endpoint: String,
    api_key: Option<String>,
    http: reqwest::Client,
}

impl OpenAiProvider {
    /// A provider for `settings`; the API key falls back to the `OPENAI_API_KEY` variable.
    pub fn new(settings: &OpenAiSettings) -> Result<OpenAiProvider, ProviderError> {
        let mut builder = reqwest::Client::builder().connect_timeout(Duration::from_secs(10));
        if let Some(secs) = settings.timeout_secs {
            builder = builder.timeout(Duration::from_secs(secs));
        }
        let http = builder.build().map_err(|e| {
            config_error(format!("cannot build the HTTP client: {}", error_chain(&e)))
        })?;
        OpenAiProvider::with_http_client(settings, http)
    }

    /// A provider using a caller-made HTTP client (proxies, TLS roots, timeouts).
    pub fn with_http_client(
        settings: &OpenAiSettings,
        http: reqwest::Client,
    ) -> Result<OpenAiProvider, ProviderError> {
        let base = settings.base_url.trim().trim_end_matches('/');
        if base.is_empty() {
            return Err(config_error("no base URL (e.g. http://127.0.0.1:11434/v1)"));
        }
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(config_error(format!(
                "base URL `{base}` must start with http:// or https://"
            )));
        }
        let api_key = settings
            .api_key
            .clone()
            .or_else(|| std::env::var("OPENAI_API_KEY").ok())
            .filter(|k| !k.trim().is_empty());
        Ok(OpenAiProvider {
            endpoint: format!("{base}/chat/completions"),
            api_key,
            http,
        })
    }

    /// The full `chat/completions` URL this provider posts to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn call(&self, request: &ModelRequest) -> Result<ModelResponse, ProviderError> {
        let body = request_body(request)?;
        let started = Instant::now();
        let mut http_request = self.http.post(&self.endpoint).json(&body);
        if let Some(key) = &self.api_key {
            http_request = http_request.bearer_auth(key);
        }
        let response = http_request
            .send()
            .await
            .map_err(|e| connection_error(&e))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| connection_error(&e))?;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if !status.is_success() {
            return Err(ProviderError::Service {
                provider: PROVIDER.to_string(),
                code: format!("HTTP {}", status.as_u16()),
                message: error_message(&text),
            });
        }
        let reply: Value = serde_json::from_str(&text).map_err(|e| {
            malformed(format!(
                "the reply is not JSON ({e}): {}",
                truncate(&text, ERROR_BODY_LIMIT)
            ))
        })?;
        parse_reply(&reply, latency_ms)
    }
}

impl ModelProvider for OpenAiProvider {
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
// Errors

fn config_error(message: impl Into<String>) -> ProviderError {
    ProviderError::Configuration {
        provider: PROVIDER.to_string(),
        message: message.into(),
    }
}

fn malformed(message: impl Into<String>) -> ProviderError {
    ProviderError::MalformedReply {
        provider: PROVIDER.to_string(),
        message: message.into(),
    }
}

fn connection_error(error: &reqwest::Error) -> ProviderError {
    ProviderError::Connection {
        provider: PROVIDER.to_string(),
        message: error_chain(error),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn truncate(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// `error.message` (OpenAI, vLLM, llama.cpp), a top-level `error` string (Ollama) or `message`,
/// else the body itself.
fn error_message(body: &str) -> String {
    let from_json = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        v.pointer("/error/message")
            .and_then(Value::as_str)
            .or_else(|| v.get("error").and_then(Value::as_str))
            .or_else(|| v.get("message").and_then(Value::as_str))
            .map(str::to_string)
    });
    match from_json {
        Some(message) => message,
        None if body.trim().is_empty() => "(empty body)".to_string(),
        None => truncate(body.trim(), ERROR_BODY_LIMIT),
    }
}

// ---------------------------------------------------------------------------------------------
// Request

/// The JSON body for `chat/completions`.
pub fn request_body(request: &ModelRequest) -> Result<Value, ProviderError> {
    let mut messages = Vec::new();
    let system: Vec<&str> = request
        .system
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    if !system.is_empty() {
        messages.push(json!({"role": "system", "content": system.join("\n\n")}));
    }
    for message in &request.messages {
        let mut texts = Vec::new();
        let mut tool_calls = Vec::new();
        let mut tool_results = Vec::new();
        for part in &message.content {
            match part {
                ContentPart::Text { text } => texts.push(text.as_str()),
                ContentPart::ToolUse { id, name, input } => {
                    if message.role == Role::User {
                        return Err(config_error(format!(
                            "a user message holds a tool use (`{name}`); only the assistant calls tools"
                        )));
                    }
                    tool_calls.push(json!({
                        "id": id,
                        "type": "function",
                        "function": {"name": name, "arguments": input.to_string()},
                    }));
                }
                ContentPart::ToolResult {
                    id,
                    content,
                    is_error,
                } => {
                    let text = match content {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let text = if *is_error {
                        format!("error: {text}")
                    } else {
                        text
                    };
                    tool_results.push(json!({"role": "tool", "tool_call_id": id, "content": text}));
                }
            }
        }
        match message.role {
            Role::User => {
                messages.extend(tool_results);
                if !texts.is_empty() {
                    messages.push(json!({"role": "user", "content": texts.join("")}));
                }
            }
            Role::Assistant => {
                let mut assistant = Map::new();
                assistant.insert("role".into(), json!("assistant"));
                assistant.insert(
                    "content".into(),
                    if texts.is_empty() {
                        Value::Null
                    } else {
                        json!(texts.join(""))
                    },
                );
                if !tool_calls.is_empty() {
                    assistant.insert("tool_calls".into(), Value::Array(tool_calls));
                }
                if !texts.is_empty() || assistant.contains_key("tool_calls") {
                    messages.push(Value::Object(assistant));
                }
                messages.extend(tool_results);
            }
        }
    }

    let mut body = Map::new();
    body.insert("model".into(), json!(request.model_id));
    body.insert("messages".into(), Value::Array(messages));
    body.insert("stream".into(), json!(false));
    if !request.tools.is_empty() {
        let tools: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                let mut function = Map::new();
                function.insert("name".into(), json!(tool.name));
                if let Some(description) = &tool.description {
                    function.insert("description".into(), json!(description));
                }
                function.insert("parameters".into(), tool.input_schema.clone());
                json!({"type": "function", "function": function})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
        if let Some(choice) = &request.tool_choice {
            let choice = match choice {
                ToolChoice::Auto => json!("auto"),
                ToolChoice::Any => json!("required"),
                ToolChoice::Tool { name } => {
                    json!({"type": "function", "function": {"name": name}})
                }
            };
            body.insert("tool_choice".into(), choice);
        }
    }
    let inference = &request.inference;
    if let Some(t) = inference.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(p) = inference.top_p {
        body.insert("top_p".into(), json!(p));
    }
    if let Some(m) = inference.max_tokens {
        body.insert("max_tokens".into(), json!(m));
    }
    if !inference.stop_sequences.is_empty() {
        body.insert("stop".into(), json!(inference.stop_sequences));
    }
    match &request.additional_fields {
        None | Some(Value::Null) => {}
        Some(Value::Object(extra)) => {
            for (key, value) in extra {
                body.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        Some(other) => {
            return Err(config_error(format!(
                "additional fields must be a JSON object, not {other}"
            )))
        }
    }
    Ok(Value::Object(body))
}

// ---------------------------------------------------------------------------------------------
// Reply

/// A `chat/completions` reply as a [`ModelResponse`].
pub fn parse_reply(reply: &Value, latency_ms: u64) -> Result<ModelResponse, ProviderError> {
    let choice = reply
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .ok_or_else(|| malformed("the reply has no choices"))?;
    let message = choice
        .get("message")
        .filter(|m| m.is_object())
        .ok_or_else(|| malformed("the first choice has no message"))?;

    let mut content = Vec::new();
    match message.get("content") {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) => {
            if !text.is_empty() {
                content.push(ContentPart::Text { text: text.clone() });
            }
        }
        // Some servers answer with content parts: [{"type": "text", "text": "…"}].
        Some(Value::Array(parts)) => {
            for part in parts {
                if let Some(text) = part.get("text").and_then(Value::as_str) {
                    content.push(ContentPart::Text {
                        text: text.to_string(),
                    });
                }
            }
        }
        Some(other) => return Err(malformed(format!("message content is {other}"))),
    }

    let calls = match message.get("tool_calls") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(calls)) => calls.as_slice(),
        Some(other) => return Err(malformed(format!("tool_calls is not a list: {other}"))),
    };
    for (index, call) in calls.iter().enumerate() {
        let function = call
            .get("function")
            .ok_or_else(|| malformed(format!("tool call {index} has no function")))?;
        let name = function
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| malformed(format!("tool call {index} has no function name")))?;
        let input = match function.get("arguments") {
            None | Some(Value::Null) => json!({}),
            Some(Value::String(text)) if text.trim().is_empty() => json!({}),
            Some(Value::String(text)) => serde_json::from_str(text).map_err(|e| {
                malformed(format!(
                    "the arguments of tool call `{name}` are not valid JSON ({e}): {}",
                    truncate(text, 500)
                ))
            })?,
            // Ollama has been seen sending the arguments as an object.
            Some(object @ Value::Object(_)) => object.clone(),
            Some(other) => {
                return Err(malformed(format!(
                    "the arguments of tool call `{name}` are neither a JSON string nor an object: {other}"
                )))
            }
        };
        let id = call
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("call_{index}"));
        content.push(ContentPart::ToolUse {
            id,
            name: name.to_string(),
            input,
        });
    }

    let has_tool_calls = !calls.is_empty();
    let stop_reason = match choice.get("finish_reason").and_then(Value::as_str) {
        Some("tool_calls" | "function_call") => StopReason::ToolUse,
        // Some servers say "stop" (or nothing) even when they call tools.
        Some("stop") | None if has_tool_calls => StopReason::ToolUse,
        Some("stop") | None => StopReason::EndTurn,
        Some("length") => StopReason::MaxTokens,
        Some("content_filter") => StopReason::ContentFiltered,
        Some(other) => StopReason::Other(other.to_string()),
    };

    let usage = reply.get("usage");
    let tokens = |key: &str| {
        usage
            .and_then(|u| u.get(key))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    Ok(ModelResponse {
        content,
        stop_reason,
        usage: Usage {
            input_tokens: tokens("prompt_tokens"),
            output_tokens: tokens("completion_tokens"),
        },
        latency_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_from_common_servers() {
        assert_eq!(
            error_message(r#"{"error":{"message":"bad model","type":"invalid_request_error"}}"#),
            "bad model"
        );
        assert_eq!(
            error_message(r#"{"error":"model not found"}"#),
            "model not found"
        );
        assert_eq!(error_message("plain text"), "plain text");
        assert_eq!(error_message(""), "(empty body)");
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hé", 2), "hé");
    }

    #[test]
    fn odd_replies_do_not_panic() {
        for reply in [
            json!(null),
            json!({}),
            json!({"choices": []}),
            json!({"choices": [{}]}),
            json!({"choices": [{"message": "x"}]}),
            json!({"choices": [{"message": {"content": 5}}]}),
            json!({"choices": [{"message": {"tool_calls": {}}}]}),
            json!({"choices": [{"message": {"tool_calls": [{}]}}]}),
            json!({"choices": [{"message": {"tool_calls": [{"function": {"name": "f", "arguments": 3}}]}}]}),
        ] {
            assert!(matches!(
                parse_reply(&reply, 0),
                Err(ProviderError::MalformedReply { .. })
            ));
        }
    }

    #[test]
    fn object_arguments_and_missing_ids_are_accepted() {
        let reply = json!({"choices": [{"message": {"content": null, "tool_calls": [
            {"function": {"name": "f", "arguments": {"a": 1}}}
        ]}, "finish_reason": "stop"}]});
        let response = parse_reply(&reply, 7).expect("valid reply");
        assert_eq!(
            response.content,
            vec![ContentPart::ToolUse {
                id: "call_0".into(),
                name: "f".into(),
                input: json!({"a": 1})
            }]
        );
        assert_eq!(response.stop_reason, StopReason::ToolUse);
        assert_eq!(response.usage, Usage::default());
    }
}
