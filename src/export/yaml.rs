//! A small YAML writer for templates, safe for CloudFormation's YAML 1.1 reader.
//!
//! General YAML writers follow YAML 1.2 and leave `yes`, `off`, `2010-09-09` or `1_000`
//! unquoted; CloudFormation (YAML 1.1) would read those as booleans, dates and numbers. Here
//! a string is written plain only when it is plainly a string to every YAML reader; otherwise
//! it is double-quoted with JSON escapes (valid YAML) or, when it spans lines, a literal
//! block. Map keys come out sorted, so output is deterministic.

use serde_json::Value;

/// YAML for an ordered list of top-level sections.
pub fn document(sections: &[(&str, Value)]) -> String {
    let mut out = String::new();
    for (key, value) in sections {
        out.push_str(&key_text(key));
        out.push(':');
        after_key(value, 0, &mut out);
    }
    out
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A non-empty map or list, each entry on its own line at `indent`.
fn block(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for k in keys {
                pad(indent, out);
                out.push_str(&key_text(k));
                out.push(':');
                if let Some(child) = m.get(k) {
                    after_key(child, indent, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                pad(indent, out);
                out.push('-');
                after_dash(item, indent, out);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            pad(indent, out);
            out.push_str(&scalar(v, indent));
            out.push('\n');
        }
    }
}

fn is_nested(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => false,
    }
}

fn after_key(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(_) if is_nested(v) => {
            out.push('\n');
            block(v, indent + 2, out);
        }
        // Lists under a key sit at the key's own indentation, as is usual in templates.
        Value::Array(_) if is_nested(v) => {
            out.push('\n');
            block(v, indent, out);
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(v, indent + 2));
            out.push('\n');
        }
    }
}

fn after_dash(v: &Value, indent: usize, out: &mut String) {
    if is_nested(v) {
        // The first entry goes on the dash's line: write the block, drop its first indent.
        let mut tmp = String::new();
        block(v, indent + 2, &mut tmp);
        out.push(' ');
        out.push_str(tmp.get(indent + 2..).unwrap_or(&tmp));
    } else {
        out.push(' ');
        out.push_str(&scalar(v, indent + 2));
        out.push('\n');
    }
}

fn scalar(v: &Value, indent: usize) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(_) => "{}".to_owned(),
        Value::Array(_) => "[]".to_owned(),
        Value::String(s) => string(s, indent),
    }
}

fn key_text(k: &str) -> String {
    if is_plain(k) {
        k.to_owned()
    } else {
        quoted(k)
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

fn string(s: &str, indent: usize) -> String {
    if is_plain(s) {
        return s.to_owned();
    }
    let literal_ok = s.contains('\n')
        && !s.ends_with('\n')
        && !s.starts_with([' ', '\t', '\n'])
        && s.chars().all(|c| c == '\n' || !c.is_control());
    if !literal_ok {
        return quoted(s);
    }
    let mut out = "|-".to_owned();
    for line in s.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(line);
        }
    }
    out
}

/// Words YAML 1.1 reads as booleans or null.
const WORDS: &[&str] = &[
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
];

/// Whether every YAML reader takes `s`, written bare, as this very string.
fn is_plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // Starting with a digit, sign or dot it may read as a number, date or time.
    if !(first.is_ascii_alphabetic() || first == '_' || first == '$' || first == '/') {
        return false;
    }
    if WORDS.contains(&s.to_ascii_lowercase().as_str()) {
        return false;
    }
    s.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with([':', ' '])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ambiguous_strings_are_quoted_and_read_back() {
        let v = json!({
            "a": ["yes", "off", "2010-09-09", "1_000", "12:30", "{{x}}", "kind == \"BUG\"", "$.data", "", "a: b"],
            "b": "line one\n\n  line three",
            "c": {"Fn::GetAtt": ["R", "Arn"]},
            "d": [], "e": {}, "f": [{"x": 1, "y": [true, null]}, [1, 2]],
            "on": 0.5
        });
        let text = document(&[("Doc", v.clone())]);
        assert!(text.contains("- \"yes\""), "{text}");
        assert!(text.contains("\"2010-09-09\""), "{text}");
        assert!(text.contains("\"on\": 0.5"), "{text}");
        let back: serde_json::Value = crate::yaml::from_str(&text).expect("valid YAML");
        assert_eq!(back, json!({ "Doc": v }));
    }
}
