//! A recording HTTP server on 127.0.0.1 that stands in for an AWS or OpenAI-compatible
//! endpoint: every request is kept for the test to look at, and a closure decides each answer.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

/// Test credentials and no AWS configuration files: the environment of a process (the `strata`
/// binary, the desktop app) that talks to a fake and must read nothing of this machine's.
pub const TEST_AWS_ENV: [(&str, &str); 5] = [
    ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
    ("AWS_SECRET_ACCESS_KEY", "secret"),
    ("AWS_CONFIG_FILE", "/nonexistent/strata-test-config"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/strata-test-credentials",
    ),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: Method,
    pub path: String,
    /// The query's `name=value` pairs, as sent (not decoded).
    pub query: BTreeMap<String, String>,
    pub headers: HeaderMap,
    /// The body as JSON; `Null` when empty, the text as a JSON string when it is not JSON.
    pub body: Value,
}

pub type Log = Arc<Mutex<Vec<Received>>>;

/// Serves on a fresh port of 127.0.0.1, records every request in the log, then answers it
/// with `answer`. Returns `http://127.0.0.1:PORT` and the log.
pub async fn serve<F>(answer: F) -> (String, Log)
where
    F: Fn(&Received) -> Response + Send + Sync + 'static,
{
    serve_async(move |request| std::future::ready(answer(&request))).await
}

/// [`serve`] with an answer that may wait (a fake that holds a request until the test lets
/// it go).
pub async fn serve_async<F, A>(answer: F) -> (String, Log)
where
    F: Fn(Received) -> A + Send + Sync + 'static,
    A: Future<Output = Response> + Send,
{
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let recorder = log.clone();
    let answer = Arc::new(answer);
    let app = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let recorder = recorder.clone();
            let answer = answer.clone();
            async move {
                let body = if body.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_slice(&body)
                        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()))
                };
                let request = Received {
                    method,
                    path: uri.path().to_owned(),
                    query: uri
                        .query()
                        .unwrap_or_default()
                        .split('&')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect(),
                    headers,
                    body,
                };
                let response = answer(request.clone()).await;
                recorder.lock().expect("log lock").push(request);
                response
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}"), log)
}

/// Serves the same reply (status, headers, body) to every request.
pub async fn serve_fixed(status: u16, headers: &[(&str, &str)], body: Vec<u8>) -> (String, Log) {
    let status = StatusCode::from_u16(status).expect("valid status");
    let headers = header_map(headers);
    let body = Bytes::from(body);
    serve(move |_| (status, headers.clone(), body.clone()).into_response()).await
}

/// Answers 200 with the JSON `replies` in order, one per request, then `null`.
pub async fn serve_json_in_order(replies: Vec<Value>) -> (String, Log) {
    let queue = Mutex::new(VecDeque::from(replies));
    serve(move |_| {
        let reply = queue.lock().expect("replies lock").pop_front();
        json_reply(200, &reply.unwrap_or(Value::Null))
    })
    .await
}

/// The requests received so far.
pub fn received(log: &Log) -> Vec<Received> {
    log.lock().expect("log lock").clone()
}

/// A URL on which nothing listens.
pub async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{address}")
}

/// A JSON reply with `status`.
pub fn json_reply(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).expect("valid status");
    (
        status,
        header_map(&[("content-type", "application/json")]),
        body.to_string(),
    )
        .into_response()
}

/// An AWS JSON error: `status`, the error type in `x-amzn-errortype` and `{"message": …}`.
pub fn aws_error(status: u16, kind: &str, message: &str) -> Response {
    let mut response = json_reply(status, &json!({ "message": message }));
    if let Ok(v) = HeaderValue::from_str(kind) {
        response.headers_mut().insert("x-amzn-errortype", v);
    }
    response
}

/// What the fake keeps of a created resource: the request body without `drop`, with the
/// members of `set` (an object) added.
pub fn stored(body: &Value, drop: &[&str], set: Value) -> Value {
    let mut json = body.clone();
    if let (Value::Object(m), Value::Object(set)) = (&mut json, set) {
        for key in drop {
            m.remove(*key);
        }
        m.extend(set);
    }
    json
}

/// A fake's state, locked; a lock poisoned by a failed test thread still shows what the fake
/// recorded.
pub fn lock<T>(fake: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    fake.lock().unwrap_or_else(|p| p.into_inner())
}

/// A fake control plane's service: which of its operations only read.
pub trait Service {
    /// The operations that only read.
    const READS: &'static [&'static str];
}

/// What a fake control plane of service `S` recorded of the requests it got: the operations
/// called, and what it found wrong.
#[derive(Debug, Default)]
pub struct CallLog<S> {
    /// Every operation, in order.
    pub calls: Vec<String>,
    /// The requests the fake found wrong (they were refused).
    pub problems: Vec<String>,
    service: PhantomData<S>,
}

impl<S: Service> CallLog<S> {
    /// Asserts that the fake found nothing wrong.
    #[track_caller]
    pub fn assert_clean(&self) {
        let problems = &self.problems;
        assert!(problems.is_empty(), "the fake found: {problems:#?}");
    }

    /// The changing operations.
    pub fn mutations(&self) -> Vec<String> {
        self.mutations_since(0)
    }

    /// The changing operations from call number `first` on.
    pub fn mutations_since(&self, first: usize) -> Vec<String> {
        self.calls[first..]
            .iter()
            .filter(|c| !S::READS.contains(&c.as_str()))
            .cloned()
            .collect()
    }

    /// Where the first call of `op` stands in the call sequence.
    pub fn position(&self, op: &str) -> usize {
        let calls = &self.calls;
        calls
            .iter()
            .position(|c| c == op)
            .unwrap_or_else(|| panic!("no {op} in {calls:?}"))
    }
}

pub fn header_map(headers: &[(&str, &str)]) -> HeaderMap {
    headers
        .iter()
        .map(|(name, value)| {
            (
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            )
        })
        .collect()
}
