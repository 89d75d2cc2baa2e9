//! A `nodeAction`'s request or response: a JSON value that a run may build only when
//! something reads or writes it.
//!
//! A model call's request and reply are already held by the node as typed values; turning
//! each into a `serde_json::Value` for the trace was about a seventh of a Prompt node's
//! work (docs/PERFORMANCE.md, fourth pass) and most events are dropped, forwarded or
//! written out without anyone looking inside them. A [`Payload`] keeps the typed value
//! (shared, not copied) and builds the JSON once, the first time it is read, serialised
//! or compared: the trace's JSON is byte for byte what `serde_json::to_value` gave.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// Builds the JSON of a lazily built payload.
type Build = Box<dyn Fn() -> Value + Send + Sync>;

/// A JSON value, given as it is or built on first use from a shared typed value. Reads
/// through `Deref` like the `Value` it is; clones share it.
#[derive(Clone)]
pub struct Payload(Arc<Inner>);

struct Inner {
    value: OnceLock<Value>,
    build: Option<Build>,
}

impl Payload {
    /// The JSON of `source` (as `serde_json::to_value` gives it, `null` if that fails),
    /// built the first time it is needed.
    pub fn lazy<T: Serialize + Send + Sync + 'static>(source: Arc<T>) -> Self {
        Payload(Arc::new(Inner {
            value: OnceLock::new(),
            build: Some(Box::new(move || {
                serde_json::to_value(&*source).unwrap_or(Value::Null)
            })),
        }))
    }

    /// The value, built now if it was not yet.
    pub fn value(&self) -> &Value {
        self.0.value.get_or_init(|| match &self.0.build {
            Some(build) => build(),
            None => Value::Null,
        })
    }
}

impl From<Value> for Payload {
    fn from(value: Value) -> Self {
        Payload(Arc::new(Inner {
            value: OnceLock::from(value),
            build: None,
        }))
    }
}

impl Deref for Payload {
    type Target = Value;

    fn deref(&self) -> &Value {
        self.value()
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.value(), f)
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Payload::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Request {
        model_id: String,
        messages: Vec<String>,
    }

    #[test]
    fn a_lazy_payload_is_the_json_to_value_gives() {
        let request = Arc::new(Request {
            model_id: "m".to_owned(),
            messages: vec!["hi".to_owned()],
        });
        let eager = serde_json::to_value(&*request).unwrap();
        let lazy = Payload::lazy(request);
        assert_eq!(
            serde_json::to_string(&lazy).unwrap(),
            serde_json::to_string(&eager).unwrap()
        );
        assert_eq!(lazy.get("modelId"), Some(&json!("m")));
        assert_eq!(lazy, Payload::from(eager));
    }

    #[test]
    fn a_payload_reads_back_as_the_value_it_was_written_from() {
        let p = Payload::from(json!({"a": [1, 2]}));
        let text = serde_json::to_string(&p).unwrap();
        let back: Payload = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p);
        assert_eq!(*back, json!({"a": [1, 2]}));
    }
}
