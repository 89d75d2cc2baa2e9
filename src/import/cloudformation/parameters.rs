//! A template's parameters and conditions, resolved before its resources are read: `Ref` to a
//! parameter becomes its value (the one given on import, else the template's `Default`),
//! `Fn::Sub` whose variables are all known becomes its text, `Fn::If` takes the branch its
//! condition picks when the condition can be decided, and `Fn::GetAtt <Function>.Arn` of a
//! Lambda function of the template with a known `FunctionName` becomes the function's ARN once
//! the region and account are known (`AWS::Region`, `AWS::AccountId` given on import), or
//! any `Fn::GetAtt <Resource>.<Attribute>` whose value is given as `<Resource>.<Attribute>`. Each
//! value so taken is a warning naming where and from what, so nothing is filled in silently.
//! Whatever stays unknown is left as it is (the readers keep it as text with a warning).

use super::context::{get_att, ref_of};
use crate::import::ImportWarning;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Values given on import: template parameters and the pseudo parameters `AWS::Region`,
/// `AWS::AccountId`, `AWS::Partition`.
pub type Parameters = BTreeMap<String, String>;

/// Where a known value came from, for the warning.
#[derive(Clone)]
struct Known {
    value: String,
    source: &'static str,
}

struct Resolver<'a> {
    values: BTreeMap<String, Known>,
    conditions: Option<&'a Map<String, Value>>,
    resources: Option<&'a Map<String, Value>>,
}

/// Resolves what can be resolved in the template's `Resources`, in place.
pub(super) fn resolve(template: &mut Value, given: &Parameters, warnings: &mut Vec<ImportWarning>) {
    let original = template.clone();
    let mut values = BTreeMap::new();
    if let Some(params) = original.get("Parameters").and_then(Value::as_object) {
        for (name, p) in params {
            // A secret's default stays out of the project; a list is no single value.
            let no_echo = matches!(p.get("NoEcho"), Some(Value::Bool(true)))
                || p.get("NoEcho").and_then(Value::as_str) == Some("true");
            let scalar = matches!(
                p.get("Type").and_then(Value::as_str),
                None | Some("String" | "Number")
            );
            if no_echo || !scalar {
                continue;
            }
            let default = match p.get("Default") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::Bool(b)) => Some(b.to_string()),
                _ => None,
            };
            if let Some(d) = default {
                values.insert(
                    name.clone(),
                    Known {
                        value: d,
                        source: "its Default",
                    },
                );
            }
        }
    }
    for (k, v) in given {
        values.insert(
            k.clone(),
            Known {
                value: v.clone(),
                source: "the value given on import",
            },
        );
    }
    let r = Resolver {
        values,
        conditions: original.get("Conditions").and_then(Value::as_object),
        resources: original.get("Resources").and_then(Value::as_object),
    };
    if let Some(Value::Object(resources)) = template.get_mut("Resources") {
        for (id, res) in resources.iter_mut() {
            // Only the resources import reads: the others would only add warnings.
            let read = res.get("Type").and_then(Value::as_str).is_some_and(|t| {
                t.starts_with("AWS::Bedrock::") || t.starts_with("AWS::BedrockAgentCore::")
            });
            if !read {
                continue;
            }
            if let Some(props) = res.get_mut("Properties") {
                r.walk(props, &format!("Resources.{id}.Properties"), warnings);
            }
        }
    }
}

impl Resolver<'_> {
    fn walk(&self, v: &mut Value, at: &str, warnings: &mut Vec<ImportWarning>) {
        if let Some((value, how)) = self.value_of(v) {
            warnings.push(ImportWarning {
                at: at.to_owned(),
                message: match &value {
                    Value::String(text) => {
                        format!("a CloudFormation value, taken as {text:?} ({how})")
                    }
                    other => format!("a CloudFormation value, taken as {other} ({how})"),
                },
            });
            *v = value;
            return;
        }
        match v {
            Value::Object(m) => {
                for (k, child) in m.iter_mut() {
                    self.walk(child, &format!("{at}.{k}"), warnings);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    self.walk(child, &format!("{at}[{i}]"), warnings);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
        }
    }

    /// The value an intrinsic stands for, when it can be known, with how it was found.
    fn value_of(&self, v: &Value) -> Option<(Value, String)> {
        let m = v.as_object().filter(|m| m.len() == 1)?;
        if let Some(name) = ref_of(v) {
            let k = self.values.get(name)?;
            return Some((
                Value::String(k.value.clone()),
                format!("parameter {name}: {}", k.source),
            ));
        }
        if let Some((res, att)) = get_att(v) {
            if let Some(k) = self.values.get(&format!("{res}.{att}")) {
                return Some((
                    Value::String(k.value.clone()),
                    format!("{res}.{att}: {}", k.source),
                ));
            }
            let arn = self.function_arn(&res, &att)?;
            return Some((
                Value::String(arn),
                format!("the ARN of function {res} of the template, from its FunctionName and the given region and account"),
            ));
        }
        if let Some(sub) = m.get("Fn::Sub") {
            let text = self.sub(sub)?;
            return Some((Value::String(text), "Fn::Sub with known values".to_owned()));
        }
        if let Some(Value::Array(parts)) = m.get("Fn::If") {
            let [cond, yes, no] = parts.as_slice() else {
                return None;
            };
            let chosen = if self.condition(cond.as_str()?, 0)? {
                yes
            } else {
                no
            };
            let how = format!("Fn::If on condition {}", cond.as_str().unwrap_or(""));
            if let Some((inner, inner_how)) = self.value_of(chosen) {
                return Some((inner, format!("{how}, {inner_how}")));
            }
            if chosen.as_object().is_some_and(|o| o.contains_key("Ref")) {
                // `AWS::NoValue` or an unknown parameter: nothing to take.
                return None;
            }
            return Some((chosen.clone(), how));
        }
        None
    }

    fn known(&self, name: &str) -> Option<String> {
        self.values.get(name).map(|k| k.value.clone())
    }

    /// `arn:<partition>:lambda:<region>:<account>:function:<FunctionName>`.
    fn function_arn(&self, res: &str, att: &str) -> Option<String> {
        if att != "Arn" {
            return None;
        }
        let resource = self.resources?.get(res)?;
        let kind = resource.get("Type")?.as_str()?;
        if !matches!(kind, "AWS::Lambda::Function" | "AWS::Serverless::Function") {
            return None;
        }
        let name = resource.pointer("/Properties/FunctionName")?;
        let name = match name {
            Value::String(s) => s.clone(),
            other => match self.value_of(other)? {
                (Value::String(s), _) => s,
                _ => return None,
            },
        };
        let partition = self.known("AWS::Partition").unwrap_or_else(|| "aws".into());
        Some(format!(
            "arn:{partition}:lambda:{}:{}:function:{name}",
            self.known("AWS::Region")?,
            self.known("AWS::AccountId")?
        ))
    }

    /// `Fn::Sub` text (the string form, or `[text, {vars}]`) with every `${X}` known.
    fn sub(&self, sub: &Value) -> Option<String> {
        let (text, vars) = match sub {
            Value::String(s) => (s.as_str(), None),
            Value::Array(parts) if parts.len() == 2 => (parts[0].as_str()?, parts[1].as_object()),
            _ => return None,
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                // `${!Literal}` is written as `${Literal}`.
                out.push_str("${");
                rest = literal;
                continue;
            }
            let end = after.find('}')?;
            let name = &after[..end];
            let value = match vars.and_then(|m| m.get(name)) {
                Some(Value::String(s)) => s.clone(),
                Some(other) => match self.value_of(other)? {
                    (Value::String(s), _) => s,
                    _ => return None,
                },
                None => match name.split_once('.') {
                    Some((res, att)) if !name.starts_with("AWS::") => {
                        self.known(name).or_else(|| self.function_arn(res, att))?
                    }
                    _ => self.known(name)?,
                },
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    /// Decides a named condition, when every value it reads is known.
    fn condition(&self, name: &str, depth: usize) -> Option<bool> {
        let c = self.conditions?.get(name)?;
        self.decide(c, depth + 1)
    }

    fn decide(&self, c: &Value, depth: usize) -> Option<bool> {
        if depth > 16 {
            return None;
        }
        let m = c.as_object().filter(|m| m.len() == 1)?;
        let (k, args) = m.iter().next()?;
        let list = || args.as_array().map(Vec::as_slice).unwrap_or(&[]);
        match k.as_str() {
            "Condition" => self.condition(args.as_str()?, depth),
            "Fn::Not" => Some(!self.decide(list().first()?, depth + 1)?),
            "Fn::And" => list()
                .iter()
                .map(|c| self.decide(c, depth + 1))
                .collect::<Option<Vec<_>>>()
                .map(|all| all.iter().all(|b| *b)),
            "Fn::Or" => list()
                .iter()
                .map(|c| self.decide(c, depth + 1))
                .collect::<Option<Vec<_>>>()
                .map(|all| all.iter().any(|b| *b)),
            "Fn::Equals" => {
                let [a, b] = list() else { return None };
                Some(self.scalar(a)? == self.scalar(b)?)
            }
            _ => None,
        }
    }

    fn scalar(&self, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => match self.value_of(other)? {
                (Value::String(s), _) => Some(s),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(t: Value, given: &[(&str, &str)]) -> (Value, Vec<ImportWarning>) {
        let mut t = t;
        let given: Parameters = given
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut w = vec![];
        resolve(&mut t, &given, &mut w);
        (t, w)
    }

    #[test]
    fn defaults_given_values_subs_and_conditions_resolve_with_a_warning_each() {
        let (t, w) = run(
            json!({
                "Parameters": {"Env": {"Type": "String", "Default": "dev"},
                               "Role": {"Type": "String", "Default": ""},
                               "Model": {"Type": "String"}},
                "Conditions": {"HasRole": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Role"}, ""]}]}},
                "Resources": {
                    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": {"Fn::Sub": "tool-${Env}"}}},
                    "A": {"Type": "AWS::Bedrock::Agent", "Properties": {
                        "AgentName": {"Fn::Sub": "agent-${Env}"},
                        "FoundationModel": {"Ref": "Model"},
                        "Role": {"Fn::If": ["HasRole", {"Ref": "Role"}, "{{resolve:ssm:/r}}"]},
                        "Lambda": {"Fn::GetAtt": ["Fn", "Arn"]},
                        "Literal": {"Fn::Sub": "${!Keep} ${AWS::Region}"}}}}
            }),
            &[
                ("Model", "m1"),
                ("AWS::Region", "eu-west-1"),
                ("AWS::AccountId", "123456789012"),
            ],
        );
        let p = &t["Resources"]["A"]["Properties"];
        assert_eq!(p["AgentName"], "agent-dev");
        assert_eq!(p["FoundationModel"], "m1");
        assert_eq!(p["Role"], "{{resolve:ssm:/r}}");
        assert_eq!(
            p["Lambda"],
            "arn:aws:lambda:eu-west-1:123456789012:function:tool-dev"
        );
        assert_eq!(p["Literal"], "${Keep} eu-west-1");
        assert!(w
            .iter()
            .any(|w| w.at == "Resources.A.Properties.FoundationModel"
                && w.message.contains("given on import")));
        assert!(w.iter().all(|w| w.message.contains("taken as")));
    }

    #[test]
    fn what_stays_unknown_is_left_as_it_was() {
        let (t, w) = run(
            json!({"Parameters": {"Bucket": {"Type": "String"},
                                  "Token": {"Type": "String", "NoEcho": true, "Default": "s3cret"}},
                   "Resources": {"A": {"Type": "AWS::Bedrock::Agent", "Properties": {
                       "B": {"Ref": "Bucket"}, "T": {"Ref": "Token"}, "S": {"Fn::Sub": "arn:${AWS::Partition}:x:${AWS::AccountId}"},
                       "F": {"Fn::GetAtt": ["Missing", "Arn"]}}}}}),
            &[],
        );
        let p = &t["Resources"]["A"]["Properties"];
        assert_eq!(p["B"], json!({"Ref": "Bucket"}));
        assert_eq!(
            p["T"],
            json!({"Ref": "Token"}),
            "a NoEcho default stays out"
        );
        assert!(p["S"].is_object() && p["F"].is_object());
        assert!(w.is_empty());
    }
}
