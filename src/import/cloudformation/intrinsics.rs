//! Intrinsic functions the project has no place for, kept as readable text with a warning,
//! and properties it does not hold at all.

use super::context::{get_att, ref_of};
use crate::export::pascal::is_intrinsic;
use crate::import::ImportWarning;
use serde_json::{Map, Value};

/// A string property, or the readable text of an intrinsic (with a warning).
pub(super) fn text_property(
    props: &Value,
    key: &str,
    at: &str,
    warnings: &mut Vec<ImportWarning>,
) -> Option<String> {
    let v = props.get(key)?;
    match v {
        Value::String(s) => Some(s.clone()),
        other => {
            let mut v = other.clone();
            stringify_intrinsics(&mut v, &format!("{at}.{key}"), warnings);
            Some(match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
        }
    }
}

/// Replaces every intrinsic function left in `v` by readable text, with a warning each.
pub(super) fn stringify_intrinsics(v: &mut Value, at: &str, warnings: &mut Vec<ImportWarning>) {
    match v {
        Value::Object(m) if is_intrinsic(m) => {
            let text = intrinsic_text(m);
            warnings.push(ImportWarning {
                at: at.to_owned(),
                message: format!(
                    "a CloudFormation value, kept as the text {text:?}: replace it with the real value before running or deploying"
                ),
            });
            *v = Value::String(text);
        }
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                stringify_intrinsics(child, &format!("{at}.{k}"), warnings);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                stringify_intrinsics(child, &format!("{at}[{i}]"), warnings);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// `${Ref:Name}`, `${GetAtt:Res.Attr}`, `${Sub:text}`, or `${Fn::X:<json>}`.
pub(super) fn intrinsic_text(m: &Map<String, Value>) -> String {
    let whole = Value::Object(m.clone());
    if let Some(r) = ref_of(&whole) {
        return format!("${{Ref:{r}}}");
    }
    if let Some((res, att)) = get_att(&whole) {
        return format!("${{GetAtt:{res}.{att}}}");
    }
    if let Some(Value::String(s)) = m.get("Fn::Sub") {
        return format!("${{Sub:{s}}}");
    }
    match m.iter().next() {
        Some((k, v)) => format!("${{{k}:{v}}}"),
        None => String::new(),
    }
}

/// Properties of a resource that the project has no place for: a warning each.
pub(super) fn left_out(props: &Value, kept: &[&str], at: &str, warnings: &mut Vec<ImportWarning>) {
    for key in props.as_object().into_iter().flat_map(|m| m.keys()) {
        if !kept.contains(&key.as_str()) {
            warnings.push(ImportWarning {
                at: format!("{at}.{key}"),
                message: "not imported: a Strata project does not hold this setting".to_owned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intrinsics_read_as_text() {
        let mut m = Map::new();
        m.insert("Ref".into(), json!("KbId"));
        assert_eq!(intrinsic_text(&m), "${Ref:KbId}");
        let mut warnings = vec![];
        let mut v = json!({"a": [{"Fn::GetAtt": "X.Y"}]});
        stringify_intrinsics(&mut v, "R", &mut warnings);
        assert_eq!(v, json!({"a": ["${GetAtt:X.Y}"]}));
        assert_eq!(warnings[0].at, "R.a[0]");
    }
}
