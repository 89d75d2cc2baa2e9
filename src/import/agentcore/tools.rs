//! A harness's tools as action groups: `inline_function` tools as return-of-control groups
//! (`<group>__<function>` names the group), each Lambda target of its gateway as a group with
//! a function schema from the target's tool schema, the code interpreter as
//! `AMAZON.CodeInterpreter`. What has no place is a warning.

use super::{items, text, Harness, Target};
use crate::import::{ImportWarning, Result};
use crate::model::agent::{
    ActionGroup, ActionGroupExecutor, ApiSchema, Function, FunctionSchema, ParameterDetail,
    ParameterType, ParentSignature,
};
use crate::model::lenient::Lenient;
use crate::model::Agent;
use serde_json::Value;
use std::collections::BTreeMap;

/// What the tools changed beyond the agent's action groups.
pub(super) struct Imported {
    /// (the gateway's tool name, the local one) for each Lambda target tool.
    pub renamed: Vec<(String, String)>,
}

const RETURN_CONTROL: &str = "RETURN_CONTROL";

pub(super) fn tools(
    h: &Harness<'_>,
    agent: &mut Agent,
    warnings: &mut Vec<ImportWarning>,
) -> Result<Imported> {
    let mut out = Imported { renamed: vec![] };
    let mut inline: Vec<ActionGroup> = Vec::new();
    for (i, tool) in items(h.request, "tools").enumerate() {
        let at = format!("{}.tools[{i}]", h.at);
        let kind = text(tool, "type").unwrap_or_default();
        let config = tool.get("config");
        match kind {
            "inline_function" => inline_function(tool, &at, &mut inline, warnings),
            "agentcore_gateway" => match &h.targets {
                Some(targets) => {
                    for t in targets {
                        if let Some(group) = target(t, &mut out, warnings) {
                            agent.action_groups.push(group);
                        }
                    }
                }
                None => warnings.push(ImportWarning {
                    at,
                    message: "the gateway's targets are not in the document, so its tools are not imported; import the CloudFormation template or the agentcore-json export that holds them".into(),
                }),
            },
            "agentcore_code_interpreter" => {
                if config
                    .and_then(|c| c.get("agentCoreCodeInterpreter"))
                    .and_then(Value::as_object)
                    .is_some_and(|c| !c.is_empty())
                {
                    warnings.push(ImportWarning {
                        at: format!("{at}.config"),
                        message: "the code interpreter's settings (a custom interpreter) are not imported; the group uses the AWS-managed one".into(),
                    });
                }
                let mut group = new_group("code_interpreter");
                group.parent_action_group_signature =
                    Some(Lenient::Known(ParentSignature::CodeInterpreter));
                warnings.push(ImportWarning {
                    at,
                    message: "the code interpreter became AMAZON.CodeInterpreter, which local chats and runs cannot execute (they refuse the agent until the group is removed or disabled)".into(),
                });
                agent.action_groups.push(group);
            }
            other => warnings.push(ImportWarning {
                at,
                message: format!("a {other:?} tool has no equivalent in a project agent; not imported"),
            }),
        }
    }
    agent.action_groups.extend(inline);
    Ok(out)
}

/// An `inline_function` tool into its return-of-control group.
fn inline_function(
    tool: &Value,
    at: &str,
    groups: &mut Vec<ActionGroup>,
    warnings: &mut Vec<ImportWarning>,
) {
    let Some(name) = text(tool, "name") else {
        warnings.push(ImportWarning {
            at: at.to_owned(),
            message: "an inline function without a name cannot be called; not imported".into(),
        });
        return;
    };
    let config = tool
        .pointer("/config/inlineFunction")
        .cloned()
        .unwrap_or_default();
    let (group_name, function) = name.split_once("__").unwrap_or((name, name));
    let f = function_of(
        function,
        text(&config, "description"),
        config.get("inputSchema"),
        &format!("{at}.config.inlineFunction.inputSchema"),
        warnings,
    );
    match groups
        .iter_mut()
        .find(|g| g.action_group_name == group_name)
    {
        Some(g) => {
            if let Some(FunctionSchema::Functions(fs)) = &mut g.function_schema {
                fs.push(f);
            }
        }
        None => {
            let mut g = new_group(group_name);
            g.action_group_executor =
                Some(ActionGroupExecutor::CustomControl(RETURN_CONTROL.into()));
            g.function_schema = Some(FunctionSchema::Functions(vec![f]));
            groups.push(g);
        }
    }
}

/// A gateway target into an action group, when it has one.
fn target(
    t: &Target,
    out: &mut Imported,
    warnings: &mut Vec<ImportWarning>,
) -> Option<ActionGroup> {
    let v = &t.request;
    let at = &t.at;
    let name = text(v, "name").unwrap_or("target");
    for key in v.as_object().into_iter().flat_map(|m| m.keys()) {
        if !matches!(
            key.as_str(),
            "gatewayIdentifier"
                | "name"
                | "description"
                | "clientToken"
                | "targetConfiguration"
                | "credentialProviderConfigurations"
        ) {
            warnings.push(ImportWarning {
                at: format!("{at}.{key}"),
                message: format!("the target's {key} has no equivalent; not imported"),
            });
        }
    }
    for (i, c) in items(v, "credentialProviderConfigurations").enumerate() {
        let kind = text(c, "credentialProviderType").unwrap_or_default();
        if kind != "GATEWAY_IAM_ROLE" {
            warnings.push(ImportWarning {
                at: format!("{at}.credentialProviderConfigurations[{i}]"),
                message: format!("the {kind} credential provider is not imported: a local run needs none; the AgentCore export uses the gateway's IAM role for Lambda targets and an API-key provider it takes as a parameter for OpenAPI targets"),
            });
        }
    }
    let mut group = new_group(name);
    group.description = text(v, "description").map(str::to_owned);
    let mcp = v.pointer("/targetConfiguration/mcp");
    if let Some(lambda) = mcp.and_then(|m| m.get("lambda")) {
        let arn = match lambda.get("lambdaArn") {
            Some(Value::String(s)) => s.clone(),
            other => other.map(Value::to_string).unwrap_or_default(),
        };
        group.action_group_executor = Some(ActionGroupExecutor::Lambda(arn));
        let Some(tools) = lambda
            .pointer("/toolSchema/inlinePayload")
            .and_then(Value::as_array)
        else {
            warnings.push(ImportWarning {
                at: format!("{at}.targetConfiguration.mcp.lambda.toolSchema"),
                message: format!(
                    "target {name}: a tool schema kept in S3 cannot be read offline; the target is not imported (put the tools inline)"
                ),
            });
            return None;
        };
        let mut functions = Vec::new();
        for (i, d) in tools.iter().enumerate() {
            let tool_at =
                format!("{at}.targetConfiguration.mcp.lambda.toolSchema.inlinePayload[{i}]");
            let Some(tool) = text(d, "name") else {
                warnings.push(ImportWarning {
                    at: tool_at,
                    message: "a tool without a name; not imported".into(),
                });
                continue;
            };
            if d.get("outputSchema").is_some() {
                warnings.push(ImportWarning {
                    at: format!("{tool_at}.outputSchema"),
                    message:
                        "a function schema declares no output; the output schema is not imported"
                            .into(),
                });
            }
            functions.push(function_of(
                tool,
                text(d, "description"),
                d.get("inputSchema"),
                &format!("{tool_at}.inputSchema"),
                warnings,
            ));
            out.renamed
                .push((format!("{name}___{tool}"), format!("{name}__{tool}")));
        }
        group.function_schema = Some(FunctionSchema::Functions(functions));
        return Some(group);
    }
    if let Some(payload) = mcp
        .and_then(|m| m.pointer("/openApiSchema/inlinePayload"))
        .and_then(Value::as_str)
    {
        group.api_schema = Some(ApiSchema::Payload(payload.to_owned()));
        group.action_group_executor =
            Some(ActionGroupExecutor::CustomControl(RETURN_CONTROL.into()));
        warnings.push(ImportWarning {
            at: format!("{at}.targetConfiguration.mcp.openApiSchema"),
            message: format!(
                "target {name} calls its HTTP API directly, which a local run cannot: imported as a return-of-control group, so a chat asks you for each result"
            ),
        });
        return Some(group);
    }
    if let Some(uri) = mcp.and_then(|m| m.pointer("/openApiSchema/s3/uri")) {
        warnings.push(ImportWarning {
            at: format!("{at}.targetConfiguration.mcp.openApiSchema.s3"),
            message: format!(
                "target {name}: its OpenAPI document is kept in S3 ({}), which cannot be read offline; the target is not imported (put the document inline to have it as an action group)",
                uri.as_str().unwrap_or("?")
            ),
        });
        return None;
    }
    let kind = mcp
        .and_then(Value::as_object)
        .and_then(|m| m.keys().next().cloned())
        .or_else(|| {
            v.get("targetConfiguration")
                .and_then(Value::as_object)
                .and_then(|m| m.keys().next().cloned())
        })
        .unwrap_or_else(|| "empty".into());
    warnings.push(ImportWarning {
        at: format!("{at}.targetConfiguration"),
        message: format!(
            "target {name} is a {kind} target, which has no equivalent in a project agent; not imported"
        ),
    });
    None
}

/// A function of the name and description given, its parameters from a JSON Schema.
fn function_of(
    name: &str,
    description: Option<&str>,
    schema: Option<&Value>,
    at: &str,
    warnings: &mut Vec<ImportWarning>,
) -> Function {
    let required: Vec<&str> = schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut parameters = BTreeMap::new();
    for (p, s) in schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let kind = text(s, "type").unwrap_or("string");
        let param_type = match kind {
            "string" => ParameterType::String,
            "number" => ParameterType::Number,
            "integer" => ParameterType::Integer,
            "boolean" => ParameterType::Boolean,
            "array" => ParameterType::Array,
            other => {
                warnings.push(ImportWarning {
                    at: format!("{at}.properties.{p}"),
                    message: format!(
                        "a function parameter is a string, number, integer, boolean or array, not {other}: imported as a string (the model sends it as JSON text)"
                    ),
                });
                ParameterType::String
            }
        };
        parameters.insert(
            p.clone(),
            ParameterDetail {
                param_type: Lenient::Known(param_type),
                description: text(s, "description").map(str::to_owned),
                required: required.contains(&p.as_str()).then_some(true),
            },
        );
    }
    Function {
        name: name.to_owned(),
        description: description.map(str::to_owned),
        parameters,
        require_confirmation: None,
    }
}

fn new_group(name: &str) -> ActionGroup {
    ActionGroup {
        action_group_name: name.to_owned(),
        description: None,
        action_group_executor: None,
        api_schema: None,
        function_schema: None,
        parent_action_group_signature: None,
        parent_action_group_signature_params: BTreeMap::new(),
        action_group_state: None,
        local_handler: None,
    }
}
