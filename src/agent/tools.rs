//! The tools a local agent offers its model: one per action-group function, one per OpenAPI
//! operation, a search tool per knowledge base, and `AMAZON.UserInput` as a question to the
//! user. Also the action-group Lambda event and its response (reference §4a), and the
//! return-of-control invocation inputs (§4c), which share the parameter lists.

use super::arguments::Arguments;
use super::AgentError;
use crate::model::agent::{
    ActionGroup, ActionGroupExecutor, ApiSchema, Collaboration, Collaborator, Function,
    ParentSignature, State,
};
use crate::model::lenient::Lenient;
use crate::model::Project;
use crate::openapi::Operation;
use crate::providers::ToolSpec;
use crate::text::truncate_chars;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The tool name of `AMAZON.UserInput`.
pub const USER_INPUT_TOOL: &str = "ask_user";

/// The tool a supervisor talks to its collaborators with, named as Bedrock names it.
pub const SEND_MESSAGE_TOOL: &str = "AgentCommunication__sendMessage";

/// What calling a tool does.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Function {
        group: ActionGroup,
        function: Function,
    },
    Api {
        group: ActionGroup,
        operation: Operation,
    },
    KnowledgeBase {
        id: String,
        /// The local documents folder, when the project defines the knowledge base.
        folder: Option<PathBuf>,
    },
    /// Bedrock's `AgentCommunication__sendMessage`: a message to one of a supervisor's
    /// collaborators.
    Collaborators(Vec<Collaborator>),
    UserInput,
}

impl Target {
    /// Whether the action needs the user's confirmation before it runs.
    pub(crate) fn needs_confirmation(&self) -> bool {
        match self {
            Target::Function { function, .. } => function.requires_confirmation(),
            Target::Api { operation, .. } => operation.require_confirmation,
            Target::KnowledgeBase { .. } | Target::Collaborators(_) | Target::UserInput => false,
        }
    }

    /// Whether the action group returns control to the caller.
    pub(crate) fn returns_control(&self) -> bool {
        match self {
            Target::Function { group, .. } | Target::Api { group, .. } => group.returns_control(),
            Target::KnowledgeBase { .. } | Target::Collaborators(_) | Target::UserInput => false,
        }
    }

    pub(crate) fn group(&self) -> Option<&ActionGroup> {
        match self {
            Target::Function { group, .. } | Target::Api { group, .. } => Some(group),
            Target::KnowledgeBase { .. } | Target::Collaborators(_) | Target::UserInput => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Tool {
    pub spec: ToolSpec,
    pub target: Target,
    /// `spec.input_schema` compiled, the first time a call is checked against it.
    pub arguments: Arc<OnceLock<Arguments>>,
}

impl Tool {
    /// The compiled argument schema, compiled on first use and kept for the runtime's life.
    pub(crate) fn arguments(&self) -> &Arguments {
        self.arguments
            .get_or_init(|| Arguments::new(&self.spec.input_schema))
    }
}

/// `[a-zA-Z0-9_-]{1,64}` from `text`.
pub(crate) fn sanitize(text: &str) -> String {
    let out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut out = truncate_chars(&out, 64).to_owned();
    if out.is_empty() {
        out.push_str("tool");
    }
    out
}

fn enabled(state: Option<&Lenient<State>>) -> bool {
    state != Some(&Lenient::Known(State::Disabled))
}

/// The JSON Schema of a function's parameters.
pub(crate) fn function_schema(function: &Function) -> Value {
    function.input_schema()
}

/// The agent's tools, in action-group order, then knowledge bases.
pub(crate) fn build(
    project: &Project,
    agent: &crate::model::Agent,
    project_dir: &std::path::Path,
) -> Result<Vec<Tool>, AgentError> {
    let mut tools: Vec<Tool> = Vec::new();
    let push =
        |tools: &mut Vec<Tool>, name: String, description: Option<String>, schema, target| {
            let mut name = sanitize(&name);
            let mut n = 2;
            while tools.iter().any(|t| t.spec.name == name) {
                let suffix = format!("_{n}");
                name = truncate_chars(&name, 64 - suffix.len()).to_owned();
                name.push_str(&suffix);
                n += 1;
            }
            tools.push(Tool {
                spec: ToolSpec {
                    name,
                    description,
                    input_schema: schema,
                },
                target,
                arguments: Arc::default(),
            });
        };
    for group in &agent.action_groups {
        if !enabled(group.action_group_state.as_ref()) {
            continue;
        }
        if let Some(sig) = &group.parent_action_group_signature {
            match sig.get() {
                Some(ParentSignature::UserInput) => push(
                    &mut tools,
                    USER_INPUT_TOOL.to_owned(),
                    Some("Ask the user a question when you need more information to go on. The user's answer comes back as the result.".to_owned()),
                    json!({"type": "object", "properties": {"question": {"type": "string", "description": "The question to ask the user"}}, "required": ["question"]}),
                    Target::UserInput,
                ),
                Some(_) | None => {
                    return Err(AgentError::Unsupported {
                        agent: agent.agent_name.clone(),
                        message: format!(
                            "action group {:?}: {} has no local equivalent",
                            group.action_group_name,
                            sig.as_str()
                        ),
                    })
                }
            }
            continue;
        }
        if let Some(schema) = &group.function_schema {
            for f in schema.functions() {
                push(
                    &mut tools,
                    format!("{}__{}", group.action_group_name, f.name),
                    f.description.clone().or_else(|| group.description.clone()),
                    function_schema(f),
                    Target::Function {
                        group: group.clone(),
                        function: f.clone(),
                    },
                );
            }
        }
        match &group.api_schema {
            Some(ApiSchema::Payload(payload)) => {
                let doc = crate::openapi::parse(payload).map_err(|e| AgentError::Definition {
                    agent: agent.agent_name.clone(),
                    message: format!("action group {:?}: {e}", group.action_group_name),
                })?;
                for op in doc.operations {
                    let description = op
                        .description
                        .clone()
                        .or_else(|| op.summary.clone())
                        .or_else(|| group.description.clone());
                    push(
                        &mut tools,
                        format!("{}__{}", group.action_group_name, op.tool_name()),
                        description,
                        op.input_schema(),
                        Target::Api {
                            group: group.clone(),
                            operation: op,
                        },
                    );
                }
            }
            Some(ApiSchema::S3(_)) => {
                return Err(AgentError::Unsupported {
                    agent: agent.agent_name.clone(),
                    message: format!(
                        "action group {:?}: an OpenAPI schema in S3 cannot be read locally; put it inline (apiSchema.payload)",
                        group.action_group_name
                    ),
                })
            }
            None => {}
        }
    }
    for kb in &agent.knowledge_bases {
        if !enabled(kb.knowledge_base_state.as_ref()) {
            continue;
        }
        let local = project.knowledge_bases.iter().find(|k| {
            k.name == kb.knowledge_base_id
                || k.knowledge_base_id.as_deref() == Some(kb.knowledge_base_id.as_str())
        });
        let folder = local
            .and_then(|k| k.documents.as_ref())
            .map(|d| project_dir.join(d));
        push(
            &mut tools,
            format!("knowledge_base_{}", kb.knowledge_base_id),
            Some(format!(
                "Search the knowledge base: {}. Returns the most relevant passages with their sources.",
                kb.description
            )),
            json!({"type": "object", "properties": {"searchQuery": {"type": "string", "description": "What to look for, in the words the documents would use"}}, "required": ["searchQuery"]}),
            Target::KnowledgeBase {
                id: kb.knowledge_base_id.clone(),
                folder,
            },
        );
    }
    let supervises = matches!(
        agent.agent_collaboration.as_ref().and_then(|c| c.get()),
        Some(Collaboration::Supervisor | Collaboration::SupervisorRouter)
    );
    if supervises && !agent.collaborators.is_empty() {
        let names: Vec<&str> = agent
            .collaborators
            .iter()
            .map(|c| c.collaborator_name.as_str())
            .collect();
        let roster = agent
            .collaborators
            .iter()
            .map(|c| format!("{}: {}", c.collaborator_name, c.collaboration_instruction))
            .collect::<Vec<_>>()
            .join("; ");
        push(
            &mut tools,
            SEND_MESSAGE_TOOL.to_owned(),
            Some(format!(
                "Send a message to one of your collaborator agents and get its answer. Collaborators: {roster}"
            )),
            json!({"type": "object", "properties": {
                "recipient": {"type": "string", "enum": names, "description": "The collaborator's name"},
                "content": {"type": "string", "description": "The message: what the collaborator should do, with every detail it needs"}},
                "required": ["recipient", "content"]}),
            Target::Collaborators(agent.collaborators.clone()),
        );
    }
    Ok(tools)
}

/// A model argument as the string Bedrock sends (strings as they are, the rest as JSON).
fn as_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn schema_type(schema: &Value) -> String {
    schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string")
        .to_owned()
}

/// `parameters` and, for operations, `requestBody`, from the model's arguments.
pub(crate) fn parameters(target: &Target, input: &Value) -> (Vec<Value>, Option<Value>) {
    let empty = Map::new();
    let args = input.as_object().unwrap_or(&empty);
    match target {
        Target::Function { function, .. } => {
            let params = args
                .iter()
                .map(|(name, value)| {
                    let kind = function
                        .parameters
                        .get(name)
                        .map_or("string", |d| d.param_type.as_str());
                    json!({"name": name, "type": kind, "value": as_string(value)})
                })
                .collect();
            (params, None)
        }
        Target::Api { operation, .. } => {
            let mut params = Vec::new();
            let mut body = Vec::new();
            for (name, value) in args {
                if let Some(p) = operation.parameters.iter().find(|p| &p.name == name) {
                    params.push(
                        json!({"name": name, "type": schema_type(&p.schema), "value": as_string(value)}),
                    );
                } else {
                    let kind = operation
                        .request_body
                        .as_ref()
                        .and_then(|b| b.schema.get("properties"))
                        .and_then(|p| p.get(name))
                        .map_or_else(|| json_type(value), schema_type);
                    body.push(json!({"name": name, "type": kind, "value": as_string(value)}));
                }
            }
            let request_body = match (&operation.request_body, body.is_empty()) {
                (Some(b), _) => {
                    Some(json!({"content": {b.media_type.clone(): {"properties": body}}}))
                }
                (None, false) => {
                    Some(json!({"content": {"application/json": {"properties": body}}}))
                }
                (None, true) => None,
            };
            (params, request_body)
        }
        Target::KnowledgeBase { .. } | Target::Collaborators(_) | Target::UserInput => {
            (vec![], None)
        }
    }
}

fn json_type(v: &Value) -> String {
    match v {
        Value::Null | Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
    .to_owned()
}

/// What the handler is told about the call, beyond the parameters.
pub(crate) struct EventContext<'a> {
    pub agent_name: &'a str,
    pub session_id: &'a str,
    pub input_text: &'a str,
    pub session_attributes: &'a Map<String, Value>,
    pub prompt_session_attributes: &'a Map<String, Value>,
}

/// The action-group Lambda event (reference §4a), function or OpenAPI variant.
pub(crate) fn lambda_event(ctx: &EventContext<'_>, target: &Target, input: &Value) -> Value {
    let (params, body) = parameters(target, input);
    let mut event = json!({
        "messageVersion": "1.0",
        "agent": {"name": ctx.agent_name, "id": ctx.agent_name, "alias": "TSTALIASID", "version": "DRAFT"},
        "inputText": ctx.input_text,
        "sessionId": ctx.session_id,
        "actionGroup": target.group().map(|g| g.action_group_name.clone()).unwrap_or_default(),
        "parameters": params,
        "sessionAttributes": ctx.session_attributes,
        "promptSessionAttributes": ctx.prompt_session_attributes,
    });
    match target {
        Target::Function { function, .. } => {
            event["function"] = json!(function.name);
        }
        Target::Api { operation, .. } => {
            event["apiPath"] = json!(operation.path);
            event["httpMethod"] = json!(operation.method.to_ascii_uppercase());
            if let Some(b) = body {
                event["requestBody"] = b;
            }
        }
        Target::KnowledgeBase { .. } | Target::Collaborators(_) | Target::UserInput => {}
    }
    event
}

/// One `invocationInputs` member of a `ReturnControlPayload` (reference §4c).
pub(crate) fn invocation_input(
    agent_name: &str,
    target: &Target,
    input: &Value,
    confirmation: bool,
) -> Value {
    let (params, body) = parameters(target, input);
    let kind = if confirmation {
        "USER_CONFIRMATION"
    } else {
        "RESULT"
    };
    let group = target
        .group()
        .map(|g| g.action_group_name.clone())
        .unwrap_or_default();
    match target {
        Target::Api { operation, .. } => {
            let mut v = json!({
                "actionGroup": group, "actionInvocationType": kind, "agentId": agent_name,
                "apiPath": operation.path, "httpMethod": operation.method.to_ascii_uppercase(),
                "parameters": params,
            });
            if let Some(b) = body {
                v["requestBody"] = b;
            }
            json!({ "apiInvocationInput": v })
        }
        Target::Function { function, .. } => json!({ "functionInvocationInput": {
            "actionGroup": group, "actionInvocationType": kind, "agentId": agent_name,
            "function": function.name, "parameters": params,
        }}),
        Target::KnowledgeBase { .. } | Target::Collaborators(_) | Target::UserInput => json!({}),
    }
}

/// The trace's `actionGroupInvocationInput`.
pub(crate) fn trace_input(target: &Target, input: &Value, invocation_id: &str) -> Value {
    let (params, body) = parameters(target, input);
    let execution = if target.returns_control() {
        "RETURN_CONTROL"
    } else {
        "LAMBDA"
    };
    let mut v = json!({
        "actionGroupName": target.group().map(|g| g.action_group_name.clone()).unwrap_or_default(),
        "parameters": params,
        "executionType": execution,
        "invocationId": invocation_id,
    });
    match target {
        Target::Function { function, .. } => v["function"] = json!(function.name),
        Target::Api { operation, .. } => {
            v["apiPath"] = json!(operation.path);
            v["verb"] = json!(operation.method.to_ascii_uppercase());
            if let Some(b) = body {
                v["requestBody"] = b;
            }
        }
        Target::KnowledgeBase { .. } | Target::Collaborators(_) | Target::UserInput => {}
    }
    v
}

/// What a handler answered, as the model will see it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HandlerReply {
    pub text: String,
    pub is_error: bool,
    /// `REPROMPT` (or `FAILURE`) as the handler set it.
    pub response_state: Option<String>,
    pub session_attributes: Option<Map<String, Value>>,
    pub prompt_session_attributes: Option<Map<String, Value>>,
}

/// Reads the documented handler response; `Err` says what is malformed.
pub(crate) fn parse_response(target: &Target, value: &Value) -> Result<HandlerReply, String> {
    let Some(obj) = value.as_object() else {
        return Err(format!(
            "the handler returned {} instead of an object with messageVersion and response",
            short(value)
        ));
    };
    let Some(response) = obj.get("response").and_then(Value::as_object) else {
        return Err("the handler's answer has no `response` object".to_owned());
    };
    let attrs = |key: &str| obj.get(key).and_then(Value::as_object).cloned();
    let (body, state, status) = match target {
        Target::Function { .. } => {
            let fr = response
                .get("functionResponse")
                .ok_or("the response has no `functionResponse`")?;
            let body = fr
                .get("responseBody")
                .and_then(|b| b.get("TEXT"))
                .and_then(|t| t.get("body"))
                .ok_or("functionResponse has no responseBody.TEXT.body")?;
            (
                body.clone(),
                fr.get("responseState")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                None,
            )
        }
        Target::Api { .. } => {
            let rb = response
                .get("responseBody")
                .and_then(Value::as_object)
                .ok_or("the response has no `responseBody` object")?;
            let body = rb
                .values()
                .next()
                .and_then(|c| c.get("body"))
                .ok_or("responseBody has no <contentType>.body")?;
            (
                body.clone(),
                response
                    .get("responseState")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                response.get("httpStatusCode").and_then(Value::as_u64),
            )
        }
        Target::KnowledgeBase { .. } | Target::Collaborators(_) | Target::UserInput => {
            return Err("not an action".to_owned());
        }
    };
    let text = match body {
        Value::String(s) => s,
        other => other.to_string(),
    };
    let failed_status = status.is_some_and(|s| s >= 400);
    Ok(HandlerReply {
        is_error: state.as_deref() == Some("FAILURE") || failed_status,
        text,
        response_state: state,
        session_attributes: attrs("sessionAttributes"),
        prompt_session_attributes: attrs("promptSessionAttributes"),
    })
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

/// The Lambda ARN of an action group, if it has one.
pub(crate) fn lambda_arn(group: &ActionGroup) -> Option<&str> {
    match &group.action_group_executor {
        Some(ActionGroupExecutor::Lambda(arn)) => Some(arn),
        Some(ActionGroupExecutor::CustomControl(_)) | None => None,
    }
}
