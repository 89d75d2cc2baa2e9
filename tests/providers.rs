//! The Bedrock and OpenAI-compatible providers against fake servers on 127.0.0.1.
//!
//! Each fake records what it receives and answers a canned reply; the tests then check both
//! the request the provider sent and the [`ModelResponse`] it made of the reply. Nothing here
//! reaches the internet or AWS: the Bedrock client gets an explicit region, static test
//! credentials, an empty environment, no retries and the fake's endpoint.
#![cfg(feature = "runtime")]

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use strata::providers::bedrock::{
    document_to_json, json_to_document, BedrockProvider, BedrockSettings,
};
use strata::providers::openai::{OpenAiProvider, OpenAiSettings};
use strata::providers::{
    ChatMessage, ContentPart, Inference, ModelProvider, ModelRequest, ModelResponse, ProviderError,
    Role, StopReason, TextDelta, ToolChoice, ToolSpec, Usage,
};

mod support {
    pub mod aws;
    pub mod fake_http;
}

use support::aws::{event, exception, frame, sdk_config};
use support::fake_http::{closed_port_url, received, serve_fixed, Log};

// ---------------------------------------------------------------------------------------------
// A recording fake server

/// Serves `reply` (status, extra headers, JSON body) to every request on a fresh port and
/// records the requests. Returns `http://127.0.0.1:PORT` and the log.
async fn fake_server(status: u16, headers: &[(&str, &str)], reply: Value) -> (String, Log) {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    serve_fixed(status, &all, reply.to_string().into_bytes()).await
}

// ---------------------------------------------------------------------------------------------
// A request exercising every mapped field

const MODEL_ARN: &str =
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";

fn weather_tool() -> ToolSpec {
    ToolSpec {
        name: "get_weather".into(),
        description: Some("Weather forecast for a city".into()),
        input_schema: json!({
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
            "required": ["city"]
        }),
    }
}

fn full_request(model_id: &str) -> ModelRequest {
    ModelRequest {
        model_id: model_id.into(),
        system: vec!["You are terse.".into(), "Answer in French.".into()],
        messages: vec![
            ChatMessage::user_text("Weather in Paris and Lyon?"),
            ChatMessage {
                role: Role::Assistant,
                content: vec![
                    ContentPart::Text {
                        text: "Checking.".into(),
                    },
                    ContentPart::ToolUse {
                        id: "tu-0".into(),
                        name: "get_weather".into(),
                        input: json!({"city": "Paris", "days": 2}),
                    },
                    ContentPart::ToolUse {
                        id: "tu-1".into(),
                        name: "get_weather".into(),
                        input: json!({"city": "Lyon"}),
                    },
                ],
            },
            ChatMessage {
                role: Role::User,
                content: vec![
                    ContentPart::ToolResult {
                        id: "tu-0".into(),
                        content: json!({"forecast": ["sun", "rain"], "temp": -1.5}),
                        is_error: false,
                    },
                    ContentPart::ToolResult {
                        id: "tu-1".into(),
                        content: json!("city unknown"),
                        is_error: true,
                    },
                ],
            },
        ],
        inference: Inference {
            temperature: Some(0.5),
            top_p: Some(0.25),
            max_tokens: Some(256),
            stop_sequences: vec!["END".into()],
        },
        tools: vec![weather_tool()],
        tool_choice: Some(ToolChoice::Auto),
        additional_fields: Some(json!({"top_k": 5})),
    }
}

// ---------------------------------------------------------------------------------------------
// Bedrock

/// A Bedrock provider aimed at `endpoint` with test credentials, a fixed region, an empty
/// environment and no retries: it can reach nothing but the fake.
async fn bedrock_for(endpoint: &str) -> BedrockProvider {
    BedrockProvider::from_sdk_config(&sdk_config(endpoint).await)
}

fn converse_reply() -> Value {
    json!({
        "output": {"message": {"role": "assistant", "content": [
            {"text": "Je regarde."},
            {"reasoningContent": {"reasoningText": {"text": "ignored"}}},
            {"toolUse": {"toolUseId": "tu-9", "name": "get_weather",
                         "input": {"city": "Nice", "days": 3, "ratio": 0.75, "tags": ["a", null, true]}}}
        ]}},
        "stopReason": "tool_use",
        "usage": {"inputTokens": 42, "outputTokens": 17, "totalTokens": 59},
        "metrics": {"latencyMs": 321},
        "someFutureField": {"x": 1}
    })
}

/// The tool call of the fake's reply to [`full_request`].
fn weather_call() -> ContentPart {
    ContentPart::ToolUse {
        id: "tu-9".into(),
        name: "get_weather".into(),
        input: json!({"city": "Nice", "days": 3, "ratio": 0.75, "tags": ["a", null, true]}),
    }
}

/// How the fake's reply to [`full_request`] ends: on the tool call, with its usage and latency.
#[track_caller]
fn assert_ends_with_the_weather_call(response: &ModelResponse) {
    assert_eq!(response.stop_reason, StopReason::ToolUse);
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 42,
            output_tokens: 17
        }
    );
    assert_eq!(response.latency_ms, 321);
}

#[tokio::test]
async fn bedrock_maps_request_and_response() {
    let (url, log) = fake_server(200, &[], converse_reply()).await;
    let provider = bedrock_for(&url).await;
    assert_eq!(provider.name(), "bedrock");

    let response = provider
        .converse(&full_request(MODEL_ARN))
        .await
        .expect("converse succeeds");

    let requests = received(&log);
    assert_eq!(requests.len(), 1, "one call, no retries");
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"
    );
    let authorization = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=ANOTREAL/")
            && authorization.contains("/us-east-1/bedrock/aws4_request"),
        "SigV4 with the test credentials: {authorization}"
    );
    let body = &request.body;
    assert_eq!(
        body["system"],
        json!([{"text": "You are terse."}, {"text": "Answer in French."}])
    );
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": [{"text": "Weather in Paris and Lyon?"}]},
            {"role": "assistant", "content": [
                {"text": "Checking."},
                {"toolUse": {"toolUseId": "tu-0", "name": "get_weather", "input": {"city": "Paris", "days": 2}}},
                {"toolUse": {"toolUseId": "tu-1", "name": "get_weather", "input": {"city": "Lyon"}}}
            ]},
            {"role": "user", "content": [
                {"toolResult": {"toolUseId": "tu-0",
                                "content": [{"json": {"forecast": ["sun", "rain"], "temp": -1.5}}],
                                "status": "success"}},
                {"toolResult": {"toolUseId": "tu-1", "content": [{"text": "city unknown"}], "status": "error"}}
            ]}
        ])
    );
    assert_eq!(
        body["inferenceConfig"],
        json!({"maxTokens": 256, "temperature": 0.5, "topP": 0.25, "stopSequences": ["END"]})
    );
    assert_eq!(
        body["toolConfig"],
        json!({
            "tools": [{"toolSpec": {
                "name": "get_weather",
                "description": "Weather forecast for a city",
                "inputSchema": {"json": weather_tool().input_schema}
            }}],
            "toolChoice": {"auto": {}}
        })
    );
    assert_eq!(body["additionalModelRequestFields"], json!({"top_k": 5}));

    assert_eq!(
        response.content,
        vec![
            ContentPart::Text {
                text: "Je regarde.".into()
            },
            weather_call(),
        ]
    );
    assert_ends_with_the_weather_call(&response);
    assert_eq!(response.text(), "Je regarde.");
}

#[tokio::test]
async fn bedrock_minimal_request_omits_optional_blocks() {
    let reply = json!({
        "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
        "stopReason": "model_context_window_exceeded",
        "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
        "metrics": {"latencyMs": 5}
    });
    let (url, log) = fake_server(200, &[], reply).await;
    let provider = bedrock_for(&url).await;
    let request = ModelRequest {
        model_id: "amazon.nova-micro-v1:0".into(),
        messages: vec![ChatMessage::user_text("hi")],
        tool_choice: Some(ToolChoice::Any), // dropped: no tools
        ..ModelRequest::default()
    };
    let response = provider.converse(&request).await.expect("converse");
    let requests = received(&log);
    assert_eq!(requests[0].path, "/model/amazon.nova-micro-v1%3A0/converse");
    let body = requests[0].body.as_object().expect("JSON object body");
    for absent in [
        "system",
        "inferenceConfig",
        "toolConfig",
        "additionalModelRequestFields",
    ] {
        assert!(
            !body.contains_key(absent),
            "{absent} should be omitted: {body:?}"
        );
    }
    assert_eq!(response.text(), "ok");
    assert_eq!(
        response.stop_reason,
        StopReason::Other("model_context_window_exceeded".into())
    );
}

#[tokio::test]
async fn bedrock_specific_tool_choice() {
    let (url, log) = fake_server(200, &[], converse_reply()).await;
    let provider = bedrock_for(&url).await;
    let mut request = full_request("m");
    request.tool_choice = Some(ToolChoice::Tool {
        name: "get_weather".into(),
    });
    provider.converse(&request).await.expect("converse");
    assert_eq!(
        received(&log)[0].body["toolConfig"]["toolChoice"],
        json!({"tool": {"name": "get_weather"}})
    );
}

#[tokio::test]
async fn bedrock_throttling_is_a_service_error() {
    let (url, log) = fake_server(
        429,
        &[("x-amzn-errortype", "ThrottlingException")],
        json!({"message": "Too many requests, please wait before trying again."}),
    )
    .await;
    let provider = bedrock_for(&url).await;
    let error = provider
        .converse(&full_request(MODEL_ARN))
        .await
        .expect_err("throttled");
    assert_eq!(
        error,
        ProviderError::Service {
            provider: "bedrock".into(),
            code: "ThrottlingException".into(),
            message: "Too many requests, please wait before trying again.".into(),
        }
    );
    assert_eq!(received(&log).len(), 1);
}

#[tokio::test]
async fn bedrock_validation_error_code_from_body_type() {
    let (url, _log) = fake_server(
        400,
        &[],
        json!({"__type": "com.amazon.coral.validate#ValidationException", "message": "bad input"}),
    )
    .await;
    let provider = bedrock_for(&url).await;
    match provider.converse(&full_request("m")).await {
        Err(ProviderError::Service { code, message, .. }) => {
            assert_eq!(code, "ValidationException");
            assert_eq!(message, "bad input");
        }
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[tokio::test]
async fn bedrock_odd_replies_do_not_panic() {
    for reply in [
        json!({}),
        json!({"output": {"somethingNew": {}}, "stopReason": "end_turn",
               "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
               "metrics": {"latencyMs": 1}}),
        json!({"output": {"message": {"role": "assistant", "content": [{"futureBlock": {"a": 1}}]}},
               "stopReason": "end_turn"}),
        json!([1, 2, 3]),
        json!("not an object"),
    ] {
        let (url, _log) = fake_server(200, &[], reply.clone()).await;
        let provider = bedrock_for(&url).await;
        // A reply without a readable message is malformed; unknown blocks are skipped.
        let outcome = provider.converse(&full_request("m")).await;
        match &outcome {
            Ok(response) => assert!(
                response.content.is_empty(),
                "{reply}: unexpected content {response:?}"
            ),
            Err(ProviderError::MalformedReply { .. }) => {}
            Err(other) => panic!("{reply}: expected a malformed reply, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bedrock ConverseStream: the fake answers `application/vnd.amazon.eventstream` frames

async fn stream_server(frames: Vec<Vec<u8>>) -> (String, Log) {
    serve_fixed(
        200,
        &[("content-type", "application/vnd.amazon.eventstream")],
        frames.concat(),
    )
    .await
}

/// The stream of the reply `converse_reply` gives whole: text in three deltas (the second
/// block's text with no `contentBlockStart`, as Bedrock sends it), a reasoning block that is
/// dropped, a tool call whose JSON input arrives in fragments, then messageStop and metadata.
/// Events carry the padding key `p` real streams have.
fn converse_stream_frames() -> Vec<Vec<u8>> {
    vec![
        event("messageStart", &json!({"role": "assistant", "p": "abc"})),
        event(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 0, "delta": {"text": "Je "}}),
        ),
        event(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 0, "delta": {"text": "regarde"}}),
        ),
        event(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 0, "delta": {"text": "."}, "p": "xy"}),
        ),
        event("contentBlockStop", &json!({"contentBlockIndex": 0})),
        event(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 1,
                                          "delta": {"reasoningContent": {"text": "ignored"}}}),
        ),
        event("contentBlockStop", &json!({"contentBlockIndex": 1})),
        event(
            "contentBlockStart",
            &json!({"contentBlockIndex": 2,
              "start": {"toolUse": {"toolUseId": "tu-9", "name": "get_weather"}}}),
        ),
        event(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 2,
              "delta": {"toolUse": {"input": "{\"city\": \"Nice\", \"da"}}}),
        ),
        event(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 2,
              "delta": {"toolUse": {"input": "ys\": 3, \"ratio\": 0.75, "}}}),
        ),
        event(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 2,
              "delta": {"toolUse": {"input": "\"tags\": [\"a\", null, true]}"}}}),
        ),
        event("contentBlockStop", &json!({"contentBlockIndex": 2})),
        event("messageStop", &json!({"stopReason": "tool_use"})),
        event(
            "metadata",
            &json!({"usage": {"inputTokens": 42, "outputTokens": 17, "totalTokens": 59},
                                 "metrics": {"latencyMs": 321}}),
        ),
    ]
}

fn collect_deltas() -> (Arc<Mutex<Vec<TextDelta>>>, impl Fn(TextDelta) + Send + Sync) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |d: TextDelta| {
        sink.lock().expect("deltas lock").push(d)
    })
}

#[tokio::test]
async fn bedrock_converse_stream_assembles_the_same_reply_as_converse() {
    let (stream_url, stream_log) = stream_server(converse_stream_frames()).await;
    let (whole_url, whole_log) = fake_server(200, &[], converse_reply()).await;
    let (deltas, on_text) = collect_deltas();

    let streamed = bedrock_for(&stream_url)
        .await
        .converse_stream(&full_request(MODEL_ARN), &on_text)
        .await
        .expect("converse-stream succeeds");
    let whole = bedrock_for(&whole_url)
        .await
        .converse(&full_request(MODEL_ARN))
        .await
        .expect("converse succeeds");

    assert_eq!(streamed, whole, "the same reply, streamed or not");
    assert_eq!(streamed.content[1], weather_call());
    assert_ends_with_the_weather_call(&streamed);
    let deltas = deltas.lock().expect("deltas lock").clone();
    assert_eq!(
        deltas,
        ["Je ", "regarde", "."]
            .map(|text| TextDelta {
                content_block_index: 0,
                text: text.into()
            })
            .to_vec()
    );

    // The request: the converse-stream path, SigV4, and the same body Converse gets.
    let sent = received(&stream_log);
    assert_eq!(sent.len(), 1, "one call, no retries");
    assert_eq!(sent[0].method, "POST");
    assert_eq!(
        sent[0].path,
        "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream"
    );
    let authorization = sent[0]
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        authorization.contains("/us-east-1/bedrock/aws4_request"),
        "{authorization}"
    );
    assert_eq!(sent[0].body, received(&whole_log)[0].body);
    assert_eq!(
        sent[0].body["toolConfig"]["toolChoice"],
        json!({"auto": {}})
    );
    assert_eq!(
        sent[0].body["system"],
        json!([{"text": "You are terse."}, {"text": "Answer in French."}])
    );
}

#[tokio::test]
async fn bedrock_converse_stream_tool_without_input_and_no_metadata() {
    let (url, _log) = stream_server(vec![
        event("messageStart", &json!({"role": "assistant"})),
        event(
            "contentBlockStart",
            &json!({"contentBlockIndex": 0,
              "start": {"toolUse": {"toolUseId": "t0", "name": "now"}}}),
        ),
        event("contentBlockStop", &json!({"contentBlockIndex": 0})),
        event("messageStop", &json!({"stopReason": "tool_use"})),
    ])
    .await;
    let (deltas, on_text) = collect_deltas();
    let reply = bedrock_for(&url)
        .await
        .converse_stream(&full_request("m"), &on_text)
        .await
        .expect("reply");
    assert_eq!(
        reply.content,
        [ContentPart::ToolUse {
            id: "t0".into(),
            name: "now".into(),
            input: json!({})
        }]
    );
    assert_eq!(reply.usage, Usage::default());
    assert!(deltas.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn bedrock_converse_stream_exception_event_is_a_service_error() {
    let (url, _log) = stream_server(vec![
        event("messageStart", &json!({"role": "assistant"})),
        event(
            "contentBlockDelta",
            &json!({"contentBlockIndex": 0, "delta": {"text": "Hal"}}),
        ),
        exception(
            "modelStreamErrorException",
            &json!({"message": "The model stopped mid-reply.", "originalStatusCode": 500,
                   "originalMessage": "overloaded"}),
        ),
    ])
    .await;
    let (deltas, on_text) = collect_deltas();
    let error = bedrock_for(&url)
        .await
        .converse_stream(&full_request("m"), &on_text)
        .await
        .expect_err("the stream failed");
    assert_eq!(
        error,
        ProviderError::Service {
            provider: "bedrock".into(),
            code: "ModelStreamErrorException".into(),
            message: "The model stopped mid-reply. (the model answered 500: overloaded)".into(),
        }
    );
    assert_eq!(
        deltas.lock().expect("lock").len(),
        1,
        "text before the error was reported"
    );
}

#[tokio::test]
async fn bedrock_converse_stream_malformed_streams_are_clear_errors() {
    let good = event(
        "contentBlockDelta",
        &json!({"contentBlockIndex": 0, "delta": {"text": "x"}}),
    );
    let mut bad_crc = good.clone();
    let last = bad_crc.len() - 1;
    bad_crc[last] ^= 0xff;
    let cases: Vec<(&str, Vec<Vec<u8>>, &str)> = vec![
        ("a frame with a broken checksum", vec![good.clone(), bad_crc],
         "the reply stream broke off or is not a valid event stream: response error: message checksum"),
        ("bytes that are no frame", vec![b"this is not an event stream at all".to_vec()],
         "not a valid event stream"),
        (
            "a stream cut off before messageStop",
            vec![good.clone()],
            "the reply stream ended before messageStop",
        ),
        (
            "tool input that is not JSON",
            vec![
                event("contentBlockStart", &json!({"contentBlockIndex": 0,
                      "start": {"toolUse": {"toolUseId": "t1", "name": "get_weather"}}})),
                event("contentBlockDelta", &json!({"contentBlockIndex": 0,
                      "delta": {"toolUse": {"input": "{\"city\": "}}})),
                event("messageStop", &json!({"stopReason": "tool_use"})),
            ],
            "the input of tool call t1 (get_weather) is not JSON",
        ),
        (
            "a tool-use delta for a block never started",
            vec![event("contentBlockDelta", &json!({"contentBlockIndex": 3,
                        "delta": {"toolUse": {"input": "{}"}}}))],
            "a toolUse delta for block 3, which no toolUse contentBlockStart opened",
        ),
        (
            "an event payload that is not JSON",
            vec![frame(
                &[(":event-type", "messageStop"), (":content-type", "application/json"),
                  (":message-type", "event")],
                b"{not json",
            )],
            "not a valid event stream: response error: failed to unmarshall message: failed to unmarshall MessageStop",
        ),
    ];
    for (what, frames, expected) in cases {
        let (url, _log) = stream_server(frames).await;
        let (_deltas, on_text) = collect_deltas();
        let outcome = bedrock_for(&url)
            .await
            .converse_stream(&full_request("m"), &on_text)
            .await;
        match outcome {
            Err(ProviderError::MalformedReply { provider, message }) => {
                assert_eq!(provider, "bedrock");
                assert!(
                    message.to_lowercase().contains(&expected.to_lowercase()),
                    "{what}: {message}"
                );
            }
            other => panic!("{what}: expected a malformed reply, got {other:?}"),
        }
    }
}

/// How `provider` fails [`full_request`]; it must fail.
async fn converse_error(provider: &dyn ModelProvider) -> ProviderError {
    provider
        .converse(&full_request("m"))
        .await
        .expect_err("the call fails")
}

/// A provider aimed at a port nobody listens on fails with a connection error.
async fn assert_unreachable(provider: &dyn ModelProvider) {
    let error = converse_error(provider).await;
    assert!(
        matches!(error, ProviderError::Connection { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn bedrock_unreachable_endpoint_is_a_connection_error() {
    let url = closed_port_url().await;
    assert_unreachable(&bedrock_for(&url).await).await;
}

#[test]
fn document_conversion_round_trips() {
    let value =
        json!({"n": [0, 1, -1, 2.5, u64::MAX, i64::MIN], "s": "é", "b": false, "z": null, "o": {}});
    assert_eq!(document_to_json(&json_to_document(&value)), value);
}

#[tokio::test]
async fn bedrock_settings_round_trip_as_json() {
    let settings: BedrockSettings =
        serde_json::from_value(json!({"region": "eu-west-1", "profile": "dev"})).expect("settings");
    assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
    assert_eq!(settings.profile.as_deref(), Some("dev"));
    assert_eq!(settings.endpoint_url, None);
}

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible

fn openai_for(url: &str, api_key: Option<&str>) -> OpenAiProvider {
    OpenAiProvider::new(&OpenAiSettings {
        base_url: format!("{url}/v1/"),
        api_key: api_key.map(str::to_string),
        timeout_secs: Some(30),
    })
    .expect("provider")
}

fn chat_reply(arguments: &str) -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "qwen2.5:7b",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Je regarde.",
                "tool_calls": [{
                    "id": "call_abc",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": arguments}
                }]
            },
            "finish_reason": "tool_calls"
        }],
        "usage": {"prompt_tokens": 31, "completion_tokens": 12, "total_tokens": 43}
    })
}

#[tokio::test]
async fn openai_maps_request_and_response() {
    let (url, log) = fake_server(200, &[], chat_reply(r#"{"city": "Nice", "days": 3}"#)).await;
    let provider = openai_for(&url, Some("sk-test"));
    assert_eq!(provider.name(), "openai");
    assert_eq!(provider.endpoint(), format!("{url}/v1/chat/completions"));

    let response = provider
        .converse(&full_request("qwen2.5:7b"))
        .await
        .expect("chat succeeds");

    let requests = received(&log);
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer sk-test")
    );
    let body = &request.body;
    assert_eq!(body["model"], "qwen2.5:7b");
    assert_eq!(body["stream"], false);
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "You are terse.\n\nAnswer in French."},
            {"role": "user", "content": "Weather in Paris and Lyon?"},
            {"role": "assistant", "content": "Checking.", "tool_calls": [
                {"id": "tu-0", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"days\":2}"}},
                {"id": "tu-1", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\"city\":\"Lyon\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "tu-0",
             "content": "{\"forecast\":[\"sun\",\"rain\"],\"temp\":-1.5}"},
            {"role": "tool", "tool_call_id": "tu-1", "content": "error: city unknown"}
        ])
    );
    assert_eq!(
        body["tools"],
        json!([{"type": "function", "function": {
            "name": "get_weather",
            "description": "Weather forecast for a city",
            "parameters": weather_tool().input_schema
        }}])
    );
    assert_eq!(body["tool_choice"], "auto");
    assert_eq!(body["temperature"], 0.5);
    assert_eq!(body["top_p"], 0.25);
    assert_eq!(body["max_tokens"], 256);
    assert_eq!(body["stop"], json!(["END"]));
    assert_eq!(body["top_k"], 5, "additional fields merged into the body");

    assert_eq!(
        response.content,
        vec![
            ContentPart::Text {
                text: "Je regarde.".into()
            },
            ContentPart::ToolUse {
                id: "call_abc".into(),
                name: "get_weather".into(),
                input: json!({"city": "Nice", "days": 3}),
            },
        ]
    );
    assert_eq!(response.stop_reason, StopReason::ToolUse);
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 31,
            output_tokens: 12
        }
    );
}

#[tokio::test]
async fn openai_tool_result_round_trip() {
    // The model's tool call goes back as the assistant turn, the result as a tool message.
    let (url, log) = fake_server(200, &[], chat_reply(r#"{"city": "Nice"}"#)).await;
    let provider = openai_for(&url, None);
    let mut request = ModelRequest {
        model_id: "llama3.1".into(),
        messages: vec![ChatMessage::user_text("Weather in Nice?")],
        tools: vec![weather_tool()],
        tool_choice: Some(ToolChoice::Tool {
            name: "get_weather".into(),
        }),
        ..ModelRequest::default()
    };
    let first = provider.converse(&request).await.expect("first call");
    let call_id = match first.content.last() {
        Some(ContentPart::ToolUse { id, .. }) => id.clone(),
        other => panic!("expected a tool use, got {other:?}"),
    };
    request.messages.push(ChatMessage {
        role: Role::Assistant,
        content: first.content.clone(),
    });
    request.messages.push(ChatMessage {
        role: Role::User,
        content: vec![
            ContentPart::ToolResult {
                id: call_id.clone(),
                content: json!("22 °C, sunny"),
                is_error: false,
            },
            ContentPart::Text {
                text: "Thanks.".into(),
            },
        ],
    });
    provider.converse(&request).await.expect("second call");

    let requests = received(&log);
    assert_eq!(requests.len(), 2);
    assert!(
        requests[0].headers.get("authorization").is_none()
            || std::env::var("OPENAI_API_KEY").is_ok(),
        "no key configured, none sent"
    );
    assert_eq!(
        requests[0].body["tool_choice"],
        json!({"type": "function", "function": {"name": "get_weather"}})
    );
    assert!(requests[0].body.get("temperature").is_none());
    assert_eq!(
        requests[1].body["messages"],
        json!([
            {"role": "user", "content": "Weather in Nice?"},
            {"role": "assistant", "content": "Je regarde.", "tool_calls": [
                {"id": "call_abc", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\"city\":\"Nice\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_abc", "content": "22 °C, sunny"},
            {"role": "user", "content": "Thanks."}
        ])
    );
}

#[tokio::test]
async fn openai_malformed_arguments_name_the_tool() {
    let (url, _log) = fake_server(200, &[], chat_reply(r#"{"city": "Nice""#)).await;
    let provider = openai_for(&url, None);
    match provider.converse(&full_request("m")).await {
        Err(ProviderError::MalformedReply { provider, message }) => {
            assert_eq!(provider, "openai");
            assert!(message.contains("get_weather"), "{message}");
        }
        other => panic!("expected a malformed reply, got {other:?}"),
    }
}

#[tokio::test]
async fn openai_http_500_is_a_service_error() {
    let (url, _log) = fake_server(
        500,
        &[],
        json!({"error": {"message": "model crashed", "type": "server_error"}}),
    )
    .await;
    let error = converse_error(&openai_for(&url, None)).await;
    assert_eq!(
        error,
        ProviderError::Service {
            provider: "openai".into(),
            code: "HTTP 500".into(),
            message: "model crashed".into(),
        }
    );
}

#[tokio::test]
async fn openai_plain_text_reply_and_finish_reasons() {
    let reply = json!({
        "choices": [{"message": {"role": "assistant", "content": "Bonjour"}, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1}
    });
    let (url, _log) = fake_server(200, &[], reply).await;
    let response = openai_for(&url, None)
        .converse(&ModelRequest {
            model_id: "m".into(),
            messages: vec![ChatMessage::user_text("Salut")],
            ..ModelRequest::default()
        })
        .await
        .expect("chat");
    assert_eq!(response.text(), "Bonjour");
    assert_eq!(response.stop_reason, StopReason::MaxTokens);
}

#[tokio::test]
async fn openai_non_json_reply_is_malformed() {
    let (url, _log) = fake_server(200, &[], json!("<html>proxy page</html>")).await;
    // The fake sends a JSON string; a bare string is JSON but has no choices.
    let error = converse_error(&openai_for(&url, None)).await;
    assert!(
        matches!(error, ProviderError::MalformedReply { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn openai_unreachable_server_is_a_connection_error() {
    let url = closed_port_url().await;
    assert_unreachable(&openai_for(&url, None)).await;
}

#[test]
fn openai_settings_are_checked() {
    for base_url in ["", "   ", "localhost:11434/v1"] {
        let result = OpenAiProvider::new(&OpenAiSettings {
            base_url: base_url.into(),
            ..OpenAiSettings::default()
        });
        assert!(
            matches!(result, Err(ProviderError::Configuration { .. })),
            "{base_url:?}"
        );
    }
}
