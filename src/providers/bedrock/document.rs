//! JSON values across the SDK as Smithy [`Document`]s, both ways, without loss for everything
//! JSON can express.

use aws_smithy_types::{Document, Number};
use std::collections::HashMap;

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
}
