//! The AWS side of the fakes: an SDK configuration that can reach nothing but a fake, and an
//! encoder of the `application/vnd.amazon.eventstream` wire format (reference §6.5), written
//! here so that the SDK's decoder is checked against an independent encoder.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use aws_config::retry::RetryConfig;
use aws_config::SdkConfig;
use serde_json::Value;
use strata::providers::bedrock::BedrockSettings;

/// An SDK configuration aimed at `endpoint` with a fixed region, static test credentials, an
/// empty environment and no retries: clients built from it reach nothing but the fake.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    let settings = BedrockSettings {
        region: Some("us-east-1".into()),
        profile: None,
        endpoint_url: Some(endpoint.into()),
    };
    settings
        .config_loader()
        .empty_test_environment()
        .test_credentials()
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as the framing uses.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// One message: `total_len | headers_len | prelude_crc | headers | payload | message_crc`,
/// big-endian, every header a string (type 7).
pub fn frame(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut head = Vec::new();
    for (name, value) in headers {
        head.push(u8::try_from(name.len()).expect("short header name"));
        head.extend_from_slice(name.as_bytes());
        head.push(7);
        head.extend_from_slice(
            &u16::try_from(value.len())
                .expect("short header value")
                .to_be_bytes(),
        );
        head.extend_from_slice(value.as_bytes());
    }
    let total = u32::try_from(12 + head.len() + payload.len() + 4).expect("small message");
    let mut out = Vec::new();
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(
        &u32::try_from(head.len())
            .expect("small headers")
            .to_be_bytes(),
    );
    let prelude_crc = crc32(&out);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(payload);
    let message_crc = crc32(&out);
    out.extend_from_slice(&message_crc.to_be_bytes());
    out
}

/// An event of the stream (`:message-type` = `event`) with a JSON payload.
pub fn event(kind: &str, payload: &Value) -> Vec<u8> {
    frame(
        &[
            (":message-type", "event"),
            (":event-type", kind),
            (":content-type", "application/json"),
        ],
        payload.to_string().as_bytes(),
    )
}

/// A modeled error in the stream (`:message-type` = `exception`) with a JSON payload.
pub fn exception(kind: &str, payload: &Value) -> Vec<u8> {
    frame(
        &[
            (":message-type", "exception"),
            (":exception-type", kind),
            (":content-type", "application/json"),
        ],
        payload.to_string().as_bytes(),
    )
}

/// An `application/vnd.amazon.eventstream` reply of these frames, as InvokeAgent and InvokeFlow
/// answer, naming the agent session `session`.
pub fn event_stream(frames: &[Vec<u8>], session: &str) -> axum::response::Response {
    use axum::http::{HeaderValue, StatusCode};
    use axum::response::IntoResponse;
    let mut response = (StatusCode::OK, frames.concat()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/vnd.amazon.eventstream"),
    );
    headers.insert(
        "x-amzn-bedrock-agent-content-type",
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        "x-amz-bedrock-agent-session-id",
        HeaderValue::from_str(session).expect("session header"),
    );
    response
}
