//! How request and response JSON crosses the Bedrock Agent SDK.
//!
//! The export functions give the exact request bodies Strata means to send. Rather than
//! re-typing every flow-node and agent shape into SDK builders (and losing whatever the
//! builders do not model), the content-heavy calls (CreateFlow/UpdateFlow, CreateAgent/
//! UpdateAgent, CreateAgentActionGroup/UpdateAgentActionGroup) set their required members on
//! the builder and then [`JsonBody`] replaces the serialized body with the export JSON before
//! signing. The SDK still does the URI, credentials, signing, endpoint and error parsing.
//!
//! [`RawResponse`] keeps the raw JSON of a read (GetFlow, GetAgent, GetAgentActionGroup) so
//! the plan compares the remote resource with the export JSON member by member.

use aws_sdk_bedrockagent::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_bedrockagent::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_bedrockagent::error::BoxError;
use aws_smithy_types::body::SdkBody;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Replaces the request body with a JSON document (and fixes `Content-Length`) before the
/// request is signed, so the signature covers exactly what is sent.
#[derive(Debug, Clone)]
pub(crate) struct JsonBody {
    body: Arc<String>,
}

impl JsonBody {
    pub(crate) fn new(body: &Value) -> JsonBody {
        JsonBody {
            body: Arc::new(body.to_string()),
        }
    }
}

impl Intercept for JsonBody {
    fn name(&self) -> &'static str {
        "StrataJsonBody"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let length = self.body.len().to_string();
        request.headers_mut().insert("content-length", length);
        request
            .headers_mut()
            .insert("content-type", "application/json");
        *request.body_mut() = SdkBody::from(self.body.as_str().to_owned());
        Ok(())
    }
}

/// Keeps the raw JSON body of the response (set once the call returned a success or an error
/// with a body). Missing or non-JSON bodies leave it empty.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawResponse {
    slot: Arc<Mutex<Option<Value>>>,
}

impl RawResponse {
    /// The captured body, if any.
    pub(crate) fn take(&self) -> Option<Value> {
        match self.slot.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

impl Intercept for RawResponse {
    fn name(&self) -> &'static str {
        "StrataRawResponse"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let parsed = context
            .response()
            .body()
            .bytes()
            .and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok());
        match self.slot.lock() {
            Ok(mut guard) => *guard = parsed,
            Err(poisoned) => *poisoned.into_inner() = parsed,
        }
        Ok(())
    }
}

/// The object members of `value` without `keys`.
pub(crate) fn without(value: &Value, keys: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

/// `value` with `key` set (when it is an object).
pub(crate) fn with(value: &Value, key: &str, member: Value) -> Value {
    let mut out = value.clone();
    if let Value::Object(map) = &mut out {
        map.insert(key.to_owned(), member);
    }
    out
}

/// Every string equal to a placeholder replaced by its value.
pub(crate) fn substitute(value: &mut Value, values: &BTreeMap<String, String>) {
    match value {
        Value::String(s) => {
            if let Some(v) = values.get(s.as_str()) {
                *s = v.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| substitute(v, values)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, values)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Whether `s` is a whole `${…}` placeholder.
pub(crate) fn is_placeholder(s: &str) -> bool {
    s.starts_with("${") && s.ends_with('}')
}

/// The first `${…}` placeholder in `value` that is not in `allowed`.
pub(crate) fn unresolved(value: &Value, allowed: &[String]) -> Option<String> {
    match value {
        Value::String(s) => (is_placeholder(s) && !allowed.contains(s)).then(|| s.clone()),
        Value::Array(items) => items.iter().find_map(|v| unresolved(v, allowed)),
        Value::Object(map) => map.values().find_map(|v| unresolved(v, allowed)),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

/// Member `key` of `body` as text (empty when absent).
pub(crate) fn str_of<'v>(body: &'v Value, key: &str) -> &'v str {
    body.get(key).and_then(Value::as_str).unwrap_or_default()
}
