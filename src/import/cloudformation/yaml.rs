//! YAML templates, CloudFormation's short-form tags (`!Ref`, `!GetAtt`, …) included, read as
//! JSON in the long forms.

use crate::import::{ImportError, Result};
use serde_json::{Map, Value};

/// Reads YAML (CloudFormation's short-form tags included) as JSON in the long forms.
pub fn yaml_to_json(text: &str) -> Result<Value> {
    let tree = crate::yaml::tree(text).map_err(|e| ImportError::Syntax {
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    Ok(tree.to_json(&long_form))
}

/// `!Ref X` is `{"Ref": X}`, `!GetAtt A.B` is `{"Fn::GetAtt": [A, B]}`, and every other
/// `!Name x` is `{"Fn::Name": x}`.
fn long_form(tag: &str, inner: Value) -> Value {
    let name = tag.trim_start_matches('!');
    let (key, value) = match name {
        "Ref" => (name.to_owned(), inner),
        "GetAtt" => {
            // `!GetAtt A.B` is the short form of `Fn::GetAtt: [A, B]`.
            let v = match inner {
                Value::String(s) => match s.split_once('.') {
                    Some((a, b)) => Value::Array(vec![a.into(), b.into()]),
                    None => Value::String(s),
                },
                other => other,
            };
            ("Fn::GetAtt".to_owned(), v)
        }
        other => (format!("Fn::{other}"), inner),
    };
    let mut m = Map::new();
    m.insert(key, value);
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_deeply_nested_template_is_a_located_error() {
        match yaml_to_json(&crate::yaml::deeply_nested()) {
            Err(ImportError::Syntax { line, column, .. }) => {
                assert_eq!((line, column), (crate::yaml::MAX_DEPTH + 1, 1))
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn short_form_tags_become_long_forms() {
        let v = yaml_to_json(
            "A: !Ref P\nB: !GetAtt Res.Attr\nC: !Sub 'x-${AWS::Region}'\nD: !Join ['', [a, !Ref P]]\nE: 3\n",
        )
        .expect("parses");
        assert_eq!(
            v,
            json!({
                "A": {"Ref": "P"},
                "B": {"Fn::GetAtt": ["Res", "Attr"]},
                "C": {"Fn::Sub": "x-${AWS::Region}"},
                "D": {"Fn::Join": ["", ["a", {"Ref": "P"}]]},
                "E": 3
            })
        );
    }
}
