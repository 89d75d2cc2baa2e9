//! Reading the payload's text: JSON when it looks like JSON, else YAML, made into one JSON
//! value with the parsers' limits and positions kept.

use super::OpenApiError;
use serde_json::{Map, Value};

/// Parses the text as JSON when it looks like JSON, else as YAML. JSON's messages are the
/// better ones for JSON text, so they are the ones reported when both parsers fail.
pub(super) fn read_text(payload: &str) -> Result<Value, OpenApiError> {
    let looks_like_json = matches!(payload.trim_start().chars().next(), Some('{' | '['));
    if looks_like_json {
        match serde_json::from_str::<Value>(payload) {
            Ok(v) => return Ok(v),
            Err(json_error) => {
                // A YAML flow mapping (`{openapi: 3.0.0, ...}`) starts like JSON too.
                return read_yaml(payload).map_err(|_| OpenApiError::Syntax {
                    message: strip_position(&json_error.to_string()),
                    line: json_error.line(),
                    column: json_error.column(),
                });
            }
        }
    }
    read_yaml(payload)
}

fn read_yaml(payload: &str) -> Result<Value, OpenApiError> {
    let mut yaml: serde_yaml::Value =
        crate::yaml::from_str(payload).map_err(|e| OpenApiError::Syntax {
            message: strip_position(&e.message),
            line: e.line,
            column: e.column,
        })?;
    // `<<: *defaults` merge keys are how YAML authors share parameter lists. A malformed
    // merge is left as the plain `<<` key rather than rejecting the document.
    let mut merged = yaml.clone();
    if merged.apply_merge().is_ok() {
        yaml = merged;
    }
    Ok(yaml_to_json(yaml))
}

/// Both parsers append " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> String {
    static PATTERN: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = PATTERN.get_or_init(|| regex::Regex::new(r" at line \d+ column \d+").ok());
    match re {
        Some(re) => re.replace_all(message, "").into_owned(),
        None => message.to_owned(),
    }
}

/// YAML values as JSON. Keys that are not strings (`200:` under `responses`) become their
/// text; tags are dropped; numbers JSON cannot hold (`.inf`, `.nan`) become their text.
fn yaml_to_json(v: serde_yaml::Value) -> Value {
    match v {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => yaml_number(&n),
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(items) => {
            Value::Array(items.into_iter().map(yaml_to_json).collect())
        }
        serde_yaml::Value::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match yaml_to_json(k) {
                    Value::String(s) => s,
                    Value::Null => "null".to_owned(),
                    other => other.to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn yaml_number(n: &serde_yaml::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        n.as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

/// The text of a scalar: strings as they are, numbers and booleans as written.
pub(super) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}
