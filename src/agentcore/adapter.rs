//! The Gateway adapter of an action group: a small Python module, written beside an AgentCore
//! template, that lets the handler written for Agents Classic run behind an AgentCore Gateway
//! Lambda target unchanged.
//!
//! A Gateway Lambda target calls its function with the tool's arguments as the event and the
//! tool's name (`<target>___<tool>`) in the Lambda context's
//! `client_context.custom["bedrockAgentCoreToolName"]` (AgentCore Developer Guide, "AWS Lambda
//! function targets", Lambda function input format, and "Understand how AgentCore Gateway tools
//! are named"); Classic sends the action-group event. The adapter (`gateway_adapter.py`,
//! embedded here) builds the Classic event the way the local runtime does
//! (`agent::tools::lambda_event`), calls the user's handler and gives its answer back as the
//! tool result. This module fills in the adapter's configuration: which handler module and
//! function, and each tool's parameter types. Pure: builds for wasm.

use crate::model::agent::{ActionGroup, ActionGroupExecutor, ApiSchema, State};
use crate::model::handler::action_group_slot;
use crate::model::lenient::Lenient;
use crate::model::{Agent, Project};
use serde_json::{json, Map, Value};

/// The adapter's Python text; `"__STRATA_CONFIG__"` is replaced by the configuration.
const ADAPTER_PY: &str = include_str!("gateway_adapter.py");
const CONFIG_MARK: &str = "\"__STRATA_CONFIG__\"";

/// The folder, beside the template, the adapters are written to.
pub const ADAPTERS_DIR: &str = "adapters";

/// One adapter: the file to write (relative to the template's folder) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterFile {
    pub agent: String,
    pub action_group: String,
    /// `adapters/<agent>/<group>_gateway.py`.
    pub path: String,
    /// The Lambda handler setting for the function: `<module>.handler`.
    pub entry_point: String,
    /// The handler file the adapter calls, as the project names it (packaged beside it).
    pub handler_file: String,
    pub text: String,
}

/// Why an action group's adapter cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    #[error("agent {agent:?}, action group {group:?}: its Lambda is reached through an AgentCore Gateway, whose event is not the Classic one, so the export writes an adapter around the handler — but no handler is bound (give the group a localHandler, or a `handlers` binding named {group:?})")]
    Unbound { agent: String, group: String },
    #[error("agent {agent:?}, action group {group:?}: the adapter is Python and calls the handler as a module, but the handler is {file:?} (a .py file whose name is a Python module name is needed)")]
    NotPython {
        agent: String,
        group: String,
        file: String,
    },
    #[error("agent {agent:?}, action group {group:?}: the handler {text:?} is not FILE:FUNCTION")]
    Malformed {
        agent: String,
        group: String,
        text: String,
    },
}

/// Whether a Gateway Lambda target, and so an adapter, stands for `group`: an enabled group
/// whose executor is a Lambda function, with a function schema or an inline OpenAPI document
/// naming no server (see [`super::openapi_target`]).
pub fn needs_adapter(group: &ActionGroup) -> bool {
    matches!(
        group.action_group_executor,
        Some(ActionGroupExecutor::Lambda(_))
    ) && group.parent_action_group_signature.is_none()
        && group.action_group_state != Some(Lenient::Known(State::Disabled))
        && super::openapi_target::is_lambda_target(group)
}

/// The adapters an AgentCore export of `agent` (every agent when `None`) writes beside the
/// template: one per Lambda action group, named for the gateway targets the export makes.
/// Refuses, naming the group, when a group has no Python handler bound to wrap.
pub fn adapter_files(
    project: &Project,
    agent: Option<&str>,
) -> Result<Vec<AdapterFile>, AdapterError> {
    let mut out = Vec::new();
    for a in project
        .agents
        .iter()
        .filter(|a| agent.is_none_or(|n| n == a.agent_name))
    {
        out.extend(adapters(project, a, &|g| {
            super::target_name(&g.action_group_name)
        })?);
    }
    Ok(out)
}

/// The adapters of every Lambda action group of `agent`, in the agent's order; `target_name`
/// gives the Gateway target name of a group (the prefix of its tool names).
pub fn adapters(
    project: &Project,
    agent: &Agent,
    target_name: &dyn Fn(&ActionGroup) -> String,
) -> Result<Vec<AdapterFile>, AdapterError> {
    agent
        .action_groups
        .iter()
        .filter(|g| needs_adapter(g))
        .map(|g| adapter(project, agent, g, &target_name(g)))
        .collect()
}

/// The adapter of one action group.
pub fn adapter(
    project: &Project,
    agent: &Agent,
    group: &ActionGroup,
    target: &str,
) -> Result<AdapterFile, AdapterError> {
    let (file, function) = handler_of(project, agent, group)?;
    let stem = file
        .rsplit(['/', '\\'])
        .next()
        .and_then(|name| name.strip_suffix(".py"))
        .filter(|stem| is_module_name(stem))
        .ok_or_else(|| AdapterError::NotPython {
            agent: agent.agent_name.clone(),
            group: group.action_group_name.clone(),
            file: file.clone(),
        })?;
    let module = format!("{}_gateway", module_name(&group.action_group_name));
    let config = json!({
        "agent": agent.agent_name,
        "actionGroup": group.action_group_name,
        "target": target,
        "handlerModule": stem,
        "handlerFunction": function,
        "tools": tools(group),
    });
    Ok(AdapterFile {
        agent: agent.agent_name.clone(),
        action_group: group.action_group_name.clone(),
        path: format!(
            "{ADAPTERS_DIR}/{}/{module}.py",
            crate::text::plain_file_stem(&agent.agent_name)
        ),
        entry_point: format!("{module}.handler"),
        handler_file: file,
        text: render(&config),
    })
}

/// The adapter's text for `config`: the configuration goes in as a JSON string literal, which
/// Python reads as the same string, so no text of the project becomes code.
pub fn render(config: &Value) -> String {
    let literal = Value::String(config.to_string()).to_string();
    ADAPTER_PY.replacen(CONFIG_MARK, &literal, 1)
}

/// The handler bound to `group` (its binding, else its `localHandler`) as (file, function).
fn handler_of(
    project: &Project,
    agent: &Agent,
    group: &ActionGroup,
) -> Result<(String, String), AdapterError> {
    let slot = action_group_slot(&agent.agent_name, group);
    if let Some(b) = project.handlers.iter().find(|b| slot.answers_to(&b.name)) {
        return Ok((b.file.clone(), b.function.clone()));
    }
    let text = group
        .local_handler
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AdapterError::Unbound {
            agent: agent.agent_name.clone(),
            group: group.action_group_name.clone(),
        })?;
    match text.rsplit_once(':') {
        Some((file, function)) if !file.is_empty() && !function.is_empty() => {
            Ok((file.to_owned(), function.to_owned()))
        }
        _ => Err(AdapterError::Malformed {
            agent: agent.agent_name.clone(),
            group: group.action_group_name.clone(),
            text: text.to_owned(),
        }),
    }
}

/// Each tool of the target: its Classic function (or operation) and parameter types.
fn tools(group: &ActionGroup) -> Map<String, Value> {
    let mut tools = Map::new();
    if let Some(schema) = &group.function_schema {
        for f in schema.functions() {
            let types: Map<String, Value> = f
                .parameters
                .iter()
                .map(|(name, d)| (name.clone(), json!(d.param_type.as_str())))
                .collect();
            tools.insert(
                f.name.clone(),
                json!({"function": f.name, "parameters": types}),
            );
        }
    }
    if let Some(ApiSchema::Payload(text)) = &group.api_schema {
        for op in crate::openapi::parse(text)
            .map(|d| d.operations)
            .unwrap_or_default()
        {
            let types: Map<String, Value> = op
                .parameters
                .iter()
                .map(|p| (p.name.clone(), json!(schema_type(&p.schema))))
                .collect();
            let body: Map<String, Value> = op
                .request_body
                .as_ref()
                .and_then(|b| b.schema.get("properties"))
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(k, s)| (k.clone(), json!(schema_type(s))))
                        .collect()
                })
                .unwrap_or_default();
            let mut tool = json!({
                "apiPath": op.path,
                "httpMethod": op.method.to_ascii_uppercase(),
                "parameters": types,
                "bodyProperties": body,
            });
            if let Some(b) = &op.request_body {
                tool["mediaType"] = json!(b.media_type);
            }
            for name in [Some(op.tool_name()), op.operation_id.clone()]
                .into_iter()
                .flatten()
            {
                tools.insert(name, tool.clone());
            }
        }
    }
    tools
}

fn schema_type(schema: &Value) -> &str {
    schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string")
}

fn is_module_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `name` as a Python module name: other characters become `_`, and a leading digit gets one.
fn module_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> Project {
        crate::model::load(
            r#"{"schemaVersion":1,"name":"p","flows":[],"agents":[{"agentName":"A","foundationModel":"m",
            "actionGroups":[
              {"actionGroupName":"bill-ing","actionGroupExecutor":{"lambda":"arn:aws:lambda:us-east-1:123456789012:function:bill"},
               "functionSchema":{"functions":[{"name":"get","parameters":{"id":{"type":"integer","required":true}}}]},
               "localHandler":"handlers/billing.py:handler"},
              {"actionGroupName":"ask","actionGroupExecutor":{"customControl":"RETURN_CONTROL"},
               "functionSchema":{"functions":[{"name":"q"}]}},
              {"actionGroupName":"node","actionGroupExecutor":{"lambda":"arn:aws:lambda:us-east-1:123456789012:function:node"},
               "functionSchema":{"functions":[{"name":"n"}]}}
            ]}]}"#,
            "p",
        )
        .map(|l| l.project)
        .expect("the test project loads")
    }

    #[test]
    fn a_lambda_group_gets_an_adapter_naming_its_handler_and_types() {
        let p = project();
        let agent = &p.agents[0];
        let a = adapter(&p, agent, &agent.action_groups[0], "bill-ing").expect("adapter");
        assert_eq!(a.path, "adapters/A/bill_ing_gateway.py");
        assert_eq!(a.entry_point, "bill_ing_gateway.handler");
        assert!(!a.text.contains("__STRATA_CONFIG__"));
        let line = a
            .text
            .lines()
            .find(|l| l.starts_with("CONFIG = json.loads("))
            .expect("config line");
        let literal = &line["CONFIG = json.loads(".len()..line.len() - 1];
        let text: String = serde_json::from_str(literal).expect("a JSON string literal");
        let config: Value = serde_json::from_str(&text).expect("JSON config");
        assert_eq!(config["handlerModule"], "billing");
        assert_eq!(config["tools"]["get"]["parameters"]["id"], "integer");
        assert!(!needs_adapter(&agent.action_groups[1]));
    }

    #[test]
    fn an_unbound_group_is_refused_with_its_name() {
        let p = project();
        let agent = &p.agents[0];
        let err = adapters(&p, agent, &|g| g.action_group_name.clone()).unwrap_err();
        assert!(matches!(err, AdapterError::Unbound { ref group, .. } if group == "node"));
        assert!(err.to_string().contains("handlers"));
        let mut bound = p.clone();
        bound.handlers.push(crate::model::handler::HandlerBinding {
            name: "node".into(),
            file: "h/n.js".into(),
            function: "handler".into(),
            environment: Default::default(),
        });
        let err = adapters(&bound, &bound.agents[0], &|g| g.action_group_name.clone()).unwrap_err();
        assert!(matches!(err, AdapterError::NotPython { .. }), "{err}");
    }
}
