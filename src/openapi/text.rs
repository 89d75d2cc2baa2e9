//! Reading the payload's text: JSON when it looks like JSON, else YAML, made into one JSON
//! value with the parsers' limits and positions kept.

use super::OpenApiError;
use serde_json::Value;

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
                    // serde_json says column 0 for an error at a line break.
                    column: json_error.column().max(1),
                });
            }
        }
    }
    read_yaml(payload)
}

fn read_yaml(payload: &str) -> Result<Value, OpenApiError> {
    // `<<: *defaults` merge keys, how YAML authors share parameter lists, are expanded by the
    // reader; tags are dropped.
    let tree = crate::yaml::tree(payload).map_err(|e| OpenApiError::Syntax {
        message: e.message,
        line: e.line,
        column: e.column,
    })?;
    Ok(tree.to_json(&|_, value| value))
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> String {
    static PATTERN: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = PATTERN.get_or_init(|| regex::Regex::new(r" at line \d+ column \d+").ok());
    match re {
        Some(re) => re.replace_all(message, "").into_owned(),
        None => message.to_owned(),
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
