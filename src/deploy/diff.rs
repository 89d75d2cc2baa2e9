//! Comparing what a project wants with what Bedrock has, and deterministic client tokens.
//!
//! [`diff`] compares the export JSON (desired) with the JSON a Get call returned (remote).
//! Only members the project sets are compared: members Bedrock adds (ids, timestamps,
//! statuses, defaults it fills in) are not differences. Lists compare item by item and by
//! length; numbers compare by value (`1` equals `1.0`).

use serde_json::Value;
use std::fmt;

/// One member that differs: where, what Bedrock has, what the project wants.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// JSON path, e.g. `definition.nodes[3].configuration.agent.agentAliasArn`.
    pub path: String,
    /// The remote value (`None`: Bedrock does not have the member).
    pub before: Option<Value>,
    /// The project's value.
    pub after: Value,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.before {
            Some(before) => write!(
                f,
                "{}: {} → {}",
                self.path,
                short(before),
                short(&self.after)
            ),
            None => write!(f, "{}: (unset) → {}", self.path, short(&self.after)),
        }
    }
}

/// A value for one line of a plan: long values are cut (on a character boundary).
fn short(value: &Value) -> String {
    const MAX: usize = 80;
    let text = value.to_string();
    if text.chars().count() <= MAX {
        text
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Every member of `desired` that `remote` lacks or holds differently.
pub fn diff(desired: &Value, remote: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", desired, Some(remote), &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(path: &str, desired: &Value, remote: Option<&Value>, out: &mut Vec<Change>) {
    let Some(remote) = remote else {
        out.push(Change {
            path: path.to_owned(),
            before: None,
            after: desired.clone(),
        });
        return;
    };
    match (desired, remote) {
        (Value::Object(d), Value::Object(r)) => {
            for (key, value) in d {
                walk(&join(path, key), value, r.get(key), out);
            }
        }
        (Value::Array(d), Value::Array(r)) if d.len() == r.len() => {
            for (i, (dv, rv)) in d.iter().zip(r).enumerate() {
                walk(&format!("{path}[{i}]"), dv, Some(rv), out);
            }
        }
        (Value::Number(d), Value::Number(r)) => {
            if d != r && d.as_f64() != r.as_f64() {
                out.push(Change {
                    path: path.to_owned(),
                    before: Some(remote.clone()),
                    after: desired.clone(),
                });
            }
        }
        _ => {
            if desired != remote {
                out.push(Change {
                    path: path.to_owned(),
                    before: Some(remote.clone()),
                    after: desired.clone(),
                });
            }
        }
    }
}

/// The JSON with object keys sorted at every level, so equal documents give equal text
/// whatever order their members were built in.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// 64-bit FNV-1a from a given offset basis; stable across platforms and Rust versions.
fn fnv1a(basis: u64, bytes: &[u8]) -> u64 {
    let mut hash = basis;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// An idempotency token for one request: the same project, resource and content always
/// give the same token, so a retried deploy does not create a second resource.
/// 39 characters, within the API's 33..256.
pub fn client_token(project: &str, resource: &str, content: &Value) -> String {
    let mut input = Vec::new();
    input.extend_from_slice(project.as_bytes());
    input.push(0);
    input.extend_from_slice(resource.as_bytes());
    input.push(0);
    input.extend_from_slice(canonical(content).as_bytes());
    let a = fnv1a(0xcbf2_9ce4_8422_2325, &input);
    let b = fnv1a(0x6c62_272e_07bb_0142, &input);
    format!("strata-{a:016x}{b:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_desired_members_count() {
        let desired = json!({"a": 1, "b": {"c": [1, 2]}});
        let remote = json!({"a": 1.0, "b": {"c": [1, 2], "extra": true}, "id": "X"});
        assert!(diff(&desired, &remote).is_empty());
        let changed = diff(&json!({"a": 2, "n": "x"}), &remote);
        assert_eq!(changed.len(), 2);
        assert_eq!(changed[0].path, "a");
        assert_eq!(changed[1].to_string(), "n: (unset) → \"x\"");
        assert_eq!(diff(&json!({"l": [1]}), &json!({"l": [1, 2]})).len(), 1);
    }

    #[test]
    fn tokens_are_stable_and_order_free() {
        let a = client_token("p", "agent A", &json!({"x": 1, "y": 2}));
        let b = client_token("p", "agent A", &json!({"y": 2, "x": 1}));
        assert_eq!(a, b);
        assert_eq!(a.len(), 39);
        assert_ne!(a, client_token("p", "agent B", &json!({"x": 1, "y": 2})));
        assert_ne!(a, client_token("p", "agent A", &json!({"x": 2, "y": 2})));
    }
}
