//! The one converter between the API's camelCase member names and CloudFormation's
//! PascalCase ones (reference §7: recursively, union keys included, enum values unchanged).
//!
//! Only member names change. What the user named is data and is left alone: the keys of
//! `tags`, the parameter names of a function, `additionalModelRequestFields`, a tool's JSON
//! schema, computer-use parameters, and every string value (expressions, prompts, ARNs).
//! CloudFormation intrinsic functions (`{"Ref": …}`, `{"Fn::GetAtt": …}`) pass through whole.

use serde_json::{Map, Value};

/// Which way to convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `agentAliasArn` → `AgentAliasArn`.
    Pascal,
    /// `AgentAliasArn` → `agentAliasArn`.
    Camel,
}

/// Members whose whole value is user data, kept byte for byte (compared case-insensitively
/// on the first letter, so both directions share the list).
const VERBATIM: &[&str] = &[
    "tags",
    "testAliasTags",
    "additionalModelRequestFields",
    "parentActionGroupSignatureParams",
    "json",
    "definitionSubstitutions",
];

/// Members that are maps from a user's names to API shapes: keys kept, values converted.
const NAMED_MAPS: &[&str] = &["parameters"];

/// API → CloudFormation.
pub fn to_pascal(value: &Value) -> Value {
    convert(value, Case::Pascal)
}

/// CloudFormation → API.
pub fn to_camel(value: &Value) -> Value {
    convert(value, Case::Camel)
}

/// Converts member names recursively in the given direction.
pub fn convert(value: &Value, case: Case) -> Value {
    convert_with(value, case, VERBATIM, NAMED_MAPS)
}

/// [`convert`] with other lists of members whose value is user data (`verbatim`) or a map from
/// user names to shapes (`named_maps`), both by their camelCase names: for resource types
/// whose data members are not Bedrock Agents' (AgentCore's tool schemas).
pub fn convert_with(value: &Value, case: Case, verbatim: &[&str], named_maps: &[&str]) -> Value {
    let convert = |v: &Value, case: Case| convert_with(v, case, verbatim, named_maps);
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| convert(v, case)).collect()),
        Value::Object(map) if is_intrinsic(map) => value.clone(),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let camel = recase(k, Case::Camel);
                let converted = if verbatim.contains(&camel.as_str()) {
                    v.clone()
                } else if named_maps.contains(&camel.as_str()) {
                    match v {
                        Value::Object(named) => Value::Object(
                            named
                                .iter()
                                .map(|(name, detail)| (name.clone(), convert(detail, case)))
                                .collect(),
                        ),
                        other => convert(other, case),
                    }
                } else {
                    convert(v, case)
                };
                out.insert(recase(k, case), converted);
            }
            Value::Object(out)
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => value.clone(),
    }
}

/// `{"Ref": …}` or `{"Fn::…": …}`: a CloudFormation intrinsic function.
pub fn is_intrinsic(map: &Map<String, Value>) -> bool {
    map.len() == 1
        && map
            .keys()
            .next()
            .is_some_and(|k| k == "Ref" || k.starts_with("Fn::"))
}

/// Changes the case of the first letter only: member names are otherwise the same in both
/// worlds (`idleSessionTTLInSeconds` ↔ `IdleSessionTTLInSeconds`, `s3` ↔ `S3`).
pub fn recase(key: &str, case: Case) -> String {
    let mut chars = key.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let first = match case {
                Case::Pascal => first.to_ascii_uppercase(),
                Case::Camel => first.to_ascii_lowercase(),
            };
            std::iter::once(first).chain(chars).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn member_names_change_user_data_does_not() {
        let api = json!({
            "actionGroupExecutor": {"lambda": "arn"},
            "functionSchema": {"functions": [{"name": "f", "parameters": {"orderId": {"type": "string", "required": true}}}]},
            "tags": {"costCenter": "x"},
            "additionalModelRequestFields": {"top_k": 5, "nested": {"camelKey": 1}},
            "idleSessionTTLInSeconds": 600,
            "expression": "kind == \"BUG\"",
            "agentAliasArn": {"Fn::GetAtt": ["A", "AgentAliasArn"]}
        });
        let cfn = to_pascal(&api);
        assert_eq!(
            cfn,
            json!({
                "ActionGroupExecutor": {"Lambda": "arn"},
                "FunctionSchema": {"Functions": [{"Name": "f", "Parameters": {"orderId": {"Type": "string", "Required": true}}}]},
                "Tags": {"costCenter": "x"},
                "AdditionalModelRequestFields": {"top_k": 5, "nested": {"camelKey": 1}},
                "IdleSessionTTLInSeconds": 600,
                "Expression": "kind == \"BUG\"",
                "AgentAliasArn": {"Fn::GetAtt": ["A", "AgentAliasArn"]}
            })
        );
        assert_eq!(to_camel(&cfn), api);
    }
}
