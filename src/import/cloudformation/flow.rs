//! AWS::Bedrock::Flow resources back into flows, the definition inline or as a
//! `DefinitionString` with its substitutions.

use super::context::Context;
use super::intrinsics::{stringify_intrinsics, text_property};
use super::Found;
use crate::export::pascal::to_camel;
use crate::import::{shaped, ImportError, ImportWarning, Result};
use crate::model::{Flow, FlowDefinition};
use serde_json::{Map, Value};

/// Marks an alias ARN resolved to a project agent, until the typed model takes it.
pub(super) const AGENT_MARK: &str = "\u{1}strata-agent:";

pub(super) fn resource(found: &Found<'_>, warnings: &mut Vec<ImportWarning>) -> Result<Flow> {
    let (ctx, id, props, at) = found.parts();
    let name = match props.get("Name") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            warnings.push(ImportWarning {
                at: format!("{at}.Name"),
                message: format!("the flow name is not literal; the flow is named {id:?}"),
            });
            id.to_owned()
        }
    };
    let execution_role_arn = match props.get("ExecutionRoleArn") {
        Some(v) if ctx.is_template_role(v) => None,
        Some(_) => text_property(props, "ExecutionRoleArn", at, warnings),
        None => None,
    };
    let mut definition = if let Some(d) = props.get("Definition") {
        d.clone()
    } else if let Some(s) = props.get("DefinitionString") {
        definition_string(ctx, s, props.get("DefinitionSubstitutions"), at, warnings)?
    } else if let Some(location) = props.get("DefinitionS3Location") {
        let part = |k: &str| match location.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "?".to_owned(),
        };
        return Err(ImportError::Unsupported {
            resource: id.to_owned(),
            message: format!(
                "the flow definition is an S3 object (DefinitionS3Location s3://{}/{}), which import cannot fetch: it reads files, not AWS; download the object (aws s3 cp) and import that JSON, or inline it as Definition",
                part("Bucket"),
                part("Key")
            ),
        });
    } else {
        Value::Object(Map::new())
    };
    super::harness::restore_agent_nodes(ctx, &mut definition);
    mark_agent_nodes(ctx, &mut definition);
    ctx.name_resources(&mut definition);
    let mut definition = to_camel(&definition);
    stringify_intrinsics(&mut definition, &format!("{at}.Definition"), warnings);
    unmark_agent_nodes(&mut definition);
    let definition: FlowDefinition = shaped(&definition, &format!("{at}.Definition"))?;
    Ok(Flow {
        name,
        description: text_property(props, "Description", at, warnings),
        execution_role_arn,
        customer_encryption_key_arn: text_property(props, "CustomerEncryptionKeyArn", at, warnings),
        definition,
        samples: vec![],
    })
}

/// `DefinitionString` with `DefinitionSubstitutions` applied, parsed. The string holds the
/// PascalCase definition per the schema; a camelCase one (as some stacks carry) is accepted.
pub(super) fn definition_string(
    ctx: &Context<'_>,
    s: &Value,
    substitutions: Option<&Value>,
    at: &str,
    warnings: &mut Vec<ImportWarning>,
) -> Result<Value> {
    let mut sub = false;
    let mut text = match s {
        Value::String(s) => s.clone(),
        Value::Object(m) => match m.get("Fn::Sub") {
            Some(Value::String(s)) => {
                sub = true;
                s.clone()
            }
            Some(Value::Array(parts)) => {
                sub = true;
                parts
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            }
            _ => {
                return Err(ImportError::Shape {
                    at: format!("{at}.DefinitionString"),
                    message: "expected a JSON string".to_owned(),
                })
            }
        },
        _ => {
            return Err(ImportError::Shape {
                at: format!("{at}.DefinitionString"),
                message: "expected a JSON string".to_owned(),
            })
        }
    };
    if let Some(Value::Object(subs)) = substitutions {
        for (key, value) in subs {
            let replacement = match value {
                Value::String(s) => escape_json(s),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => match (ctx.agent_of_alias(other), ctx.resource_reference(other)) {
                    (Some(agent), _) => escape_json(&format!("{AGENT_MARK}{agent}")),
                    (None, Some(name)) => escape_json(&name),
                    (None, None) => {
                        let mut v = other.clone();
                        stringify_intrinsics(
                            &mut v,
                            &format!("{at}.DefinitionSubstitutions.{key}"),
                            warnings,
                        );
                        escape_json(v.as_str().unwrap_or_default())
                    }
                },
            };
            text = text.replace(&format!("${{{key}}}"), &replacement);
        }
    }
    if sub && text.contains("${") {
        warnings.push(ImportWarning {
            at: format!("{at}.DefinitionString"),
            message: "an Fn::Sub string: the CloudFormation variables left in it (such as ${AWS::Region}) are kept as text; replace them with real values before running or deploying".to_owned(),
        });
    }
    serde_json::from_str(&text).map_err(|e| ImportError::Shape {
        at: format!("{at}.DefinitionString"),
        message: format!(
            "not JSON after substitutions: {e} (line {}, column {})",
            e.line(),
            e.column()
        ),
    })
}

/// A string's JSON escaping, without the quotes (it goes inside quotes already there).
pub(super) fn escape_json(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

/// Agent nodes wired to an alias of the template: `AgentAliasArn` becomes a mark.
pub(super) fn mark_agent_nodes(ctx: &Context<'_>, v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(agent)) = m.get_mut("Agent") {
                if let Some(arn) = agent.get("AgentAliasArn") {
                    if let Some(name) = ctx.agent_of_alias(arn) {
                        agent.insert(
                            "AgentAliasArn".into(),
                            Value::String(format!("{AGENT_MARK}{name}")),
                        );
                    }
                }
            }
            for v in m.values_mut() {
                mark_agent_nodes(ctx, v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mark_agent_nodes(ctx, v)),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// Marks (camelCase by now) become `projectAgent` with an empty `agentAliasArn`.
pub(super) fn unmark_agent_nodes(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(agent)) = m.get_mut("agent") {
                let name = agent
                    .get("agentAliasArn")
                    .and_then(Value::as_str)
                    .and_then(|s| s.strip_prefix(AGENT_MARK))
                    .map(str::to_owned);
                if let Some(name) = name {
                    agent.insert("agentAliasArn".into(), Value::String(String::new()));
                    agent.insert("projectAgent".into(), Value::String(name));
                }
            }
            for v in m.values_mut() {
                unmark_agent_nodes(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unmark_agent_nodes),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}
