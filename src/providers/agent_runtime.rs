//! Amazon Bedrock Agent Runtime (`aws-sdk-bedrockagentruntime`): InvokeAgent, Retrieve and
//! RetrieveAndGenerate, for the Agent and KnowledgeBase nodes of a local run.
//!
//! [`AgentRuntimeClient`] is built from the same [`BedrockSettings`] as the Converse provider.
//! A client made with [`AgentRuntimeClient::lazy`] loads the AWS configuration at its first
//! call, so a run that never reaches an Agent or KnowledgeBase node never touches AWS.
//!
//! InvokeAgent answers with an event stream; [`AgentRuntimeClient::invoke_agent`] reads it to
//! the end and gives back one [`AgentTurn`]: the completion chunks concatenated, every trace
//! part as JSON (in the API's camelCase shape, §5 of the reference), a return-of-control
//! payload if any, and the question when the agent asks the user (`AMAZON.UserInput`).
//! Modeled exceptions, in the reply or in the stream, become [`AgentRuntimeError`]s that name
//! the agent alias or knowledge base.

use crate::providers::bedrock::{document_to_json, BedrockSettings};
use crate::providers::Usage;
use aws_config::SdkConfig;
use aws_sdk_bedrockagentruntime::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockagentruntime::types as at;
use aws_sdk_bedrockagentruntime::Client;
use aws_smithy_types::date_time::Format;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The action group Bedrock gives an agent for `AMAZON.UserInput`.
pub const USER_INPUT_ACTION_GROUP: &str = "UserInputAction";

/// Why an Agent Runtime call failed. `target` names the agent alias or knowledge base.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AgentRuntimeError {
    #[error("agent alias ARN {arn:?} is not of the form arn:<partition>:bedrock:<region>:<account>:agent-alias/<agentId>/<aliasId>")]
    BadAliasArn { arn: String },
    #[error("{target}: Bedrock refused the request ({code}): {message}")]
    Service {
        target: String,
        code: String,
        message: String,
    },
    #[error("{target}: cannot reach Bedrock: {message}")]
    Connection { target: String, message: String },
    #[error("{target}: the reply is malformed: {message}")]
    MalformedReply { target: String, message: String },
    #[error("{target}: {message}")]
    Request { target: String, message: String },
}

/// The agent and alias ids of an alias ARN
/// (`arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS12345`).
pub fn parse_alias_arn(arn: &str) -> Result<(String, String), AgentRuntimeError> {
    let bad = || AgentRuntimeError::BadAliasArn {
        arn: arn.to_owned(),
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, _region, _account, resource] = parts.as_slice() else {
        return Err(bad());
    };
    if *prefix != "arn" || *service != "bedrock" {
        return Err(bad());
    }
    let mut segments = resource.split('/');
    match (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) {
        (Some("agent-alias"), Some(agent), Some(alias), None)
            if valid_id(agent) && valid_id(alias) =>
        {
            Ok((agent.to_owned(), alias.to_owned()))
        }
        _ => Err(bad()),
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 10 && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// What goes into InvokeAgent's `sessionState`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentSessionState {
    pub session_attributes: HashMap<String, String>,
    pub prompt_session_attributes: HashMap<String, String>,
    /// The `invocationId` of the return-of-control payload being answered.
    pub invocation_id: Option<String>,
    /// Results for a return-of-control payload.
    pub results: Vec<ReturnControlResult>,
}

/// The result of one returned action, sent back as `functionResult` (when `function` is set)
/// or `apiResult`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnControlResult {
    pub action_group: String,
    pub function: Option<String>,
    pub api_path: Option<String>,
    pub http_method: Option<String>,
    /// The body, sent as `TEXT` for functions and `application/json` for APIs.
    pub body: String,
    /// `CONFIRM` or `DENY` when the action asked for the user's confirmation.
    pub confirmation_state: Option<String>,
    /// The API's status code (200 unless told).
    pub http_status_code: Option<i32>,
}

impl ReturnControlResult {
    /// Reads one `returnControlInvocationResults` member in the API's JSON shape:
    /// `{"functionResult": {actionGroup, function, confirmationState?, responseBody: {"TEXT":
    /// {body}}}}` or `{"apiResult": {actionGroup, apiPath, httpMethod, httpStatusCode?,
    /// confirmationState?, responseBody: {"application/json": {body}}}}`.
    pub fn from_json(member: &Value) -> Result<ReturnControlResult, String> {
        let (result, is_api) = match (member.get("functionResult"), member.get("apiResult")) {
            (Some(r), None) => (r, false),
            (None, Some(r)) => (r, true),
            _ => {
                return Err(format!(
                    "a return-of-control result is {{\"functionResult\": …}} or {{\"apiResult\": …}}, not {member}"
                ))
            }
        };
        let text = |key: &str| result.get(key).and_then(Value::as_str).map(str::to_owned);
        let action_group = text("actionGroup")
            .ok_or_else(|| format!("a return-of-control result has no actionGroup: {member}"))?;
        let body = result
            .get("responseBody")
            .and_then(Value::as_object)
            .and_then(|m| m.values().next())
            .and_then(|b| b.get("body"))
            .map(|b| b.as_str().map_or_else(|| b.to_string(), str::to_owned))
            .unwrap_or_default();
        Ok(ReturnControlResult {
            action_group,
            function: if is_api { None } else { text("function") },
            api_path: text("apiPath"),
            http_method: text("httpMethod"),
            body,
            confirmation_state: text("confirmationState"),
            http_status_code: result
                .get("httpStatusCode")
                .and_then(Value::as_i64)
                .and_then(|c| i32::try_from(c).ok()),
        })
    }
}

/// One InvokeAgent call, read to the end of its stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentTurn {
    /// The `chunk` events' bytes, concatenated.
    pub completion: String,
    /// Every `trace` event, as JSON in the API's shape (`TracePart`).
    pub traces: Vec<Value>,
    /// The `returnControl` payload, as JSON (`{invocationId, invocationInputs}`).
    pub return_control: Option<Value>,
    /// The agent's question when it asks the user (an `ASK_USER` observation or a returned
    /// `AMAZON.UserInput` action).
    pub input_required: Option<String>,
    /// The session the turn ran in.
    pub session_id: String,
    /// Tokens reported by the trace's model invocations.
    pub usage: Usage,
}

/// Calls Bedrock Agent Runtime. Cheap to clone; clones share the SDK client.
#[derive(Clone)]
pub struct AgentRuntimeClient {
    settings: BedrockSettings,
    client: Arc<OnceCell<Client>>,
}

impl std::fmt::Debug for AgentRuntimeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentRuntimeClient")
            .field("settings", &self.settings)
            .field("loaded", &self.client.initialized())
            .finish()
    }
}

impl Default for AgentRuntimeClient {
    fn default() -> AgentRuntimeClient {
        AgentRuntimeClient::lazy(BedrockSettings::default())
    }
}

impl AgentRuntimeClient {
    /// A client that loads the standard AWS configuration with `settings` at its first call.
    pub fn lazy(settings: BedrockSettings) -> AgentRuntimeClient {
        AgentRuntimeClient {
            settings,
            client: Arc::new(OnceCell::new()),
        }
    }

    /// Loads the standard AWS configuration with `settings` now.
    pub async fn from_settings(settings: &BedrockSettings) -> AgentRuntimeClient {
        let config = settings.config_loader().load().await;
        let mut client = AgentRuntimeClient::from_sdk_config(&config);
        client.settings = settings.clone();
        client
    }

    /// A client on an already loaded AWS configuration.
    pub fn from_sdk_config(config: &SdkConfig) -> AgentRuntimeClient {
        AgentRuntimeClient::from_client(Client::new(config))
    }

    /// A client on an existing SDK client.
    pub fn from_client(client: Client) -> AgentRuntimeClient {
        AgentRuntimeClient {
            settings: BedrockSettings::default(),
            client: Arc::new(OnceCell::new_with(Some(client))),
        }
    }

    /// The SDK client, loading the configuration on first use.
    pub async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let config = self.settings.config_loader().load().await;
                Client::new(&config)
            })
            .await
    }

    /// `InvokeAgent` on the alias, read to the end of the stream.
    pub async fn invoke_agent(
        &self,
        alias_arn: &str,
        session_id: &str,
        input_text: &str,
        session_state: &AgentSessionState,
        enable_trace: bool,
    ) -> Result<AgentTurn, AgentRuntimeError> {
        let (agent_id, alias_id) = parse_alias_arn(alias_arn)?;
        let target = format!("agent alias {alias_arn}");
        let state =
            to_session_state(session_state).map_err(|message| AgentRuntimeError::Request {
                target: target.clone(),
                message,
            })?;
        let mut output = self
            .client()
            .await
            .invoke_agent()
            .agent_id(agent_id)
            .agent_alias_id(alias_id)
            .session_id(session_id)
            // With returned results Bedrock ignores the text; an empty one is left out.
            .set_input_text((!input_text.is_empty()).then(|| input_text.to_owned()))
            .session_state(state)
            .enable_trace(enable_trace)
            .send()
            .await
            .map_err(|e| map_sdk_error(&target, &e))?;
        let mut turn = AgentTurn {
            session_id: if output.session_id.is_empty() {
                session_id.to_owned()
            } else {
                output.session_id.clone()
            },
            ..AgentTurn::default()
        };
        let mut bytes = Vec::new();
        let mut asked_in_trace: Option<String> = None;
        loop {
            let event = output
                .completion
                .recv()
                .await
                .map_err(|e| map_stream_error(&target, &e))?;
            let Some(event) = event else { break };
            match event {
                at::ResponseStream::Chunk(part) => {
                    if let Some(blob) = part.bytes() {
                        bytes.extend_from_slice(blob.as_ref());
                    }
                }
                at::ResponseStream::Trace(part) => {
                    add_usage(&mut turn.usage, &part);
                    if let Some(question) = ask_user_question(&part) {
                        asked_in_trace = Some(question);
                    }
                    turn.traces.push(trace_part_json(&part));
                }
                at::ResponseStream::ReturnControl(payload) => {
                    if let Some(question) = user_input_question(&payload) {
                        turn.input_required = Some(question);
                    }
                    turn.return_control = Some(return_control_json(&payload));
                }
                at::ResponseStream::Files(_) => {}
                _ => {}
            }
        }
        turn.completion =
            String::from_utf8(bytes).map_err(|_| AgentRuntimeError::MalformedReply {
                target: target.clone(),
                message: "the completion chunks are not UTF-8 text".to_owned(),
            })?;
        if turn.input_required.is_none() {
            if let Some(question) = asked_in_trace {
                turn.input_required = Some(if question.is_empty() {
                    turn.completion.clone()
                } else {
                    question
                });
            }
        }
        Ok(turn)
    }

    /// `Retrieve`: the `retrievalResults`, as JSON in the API's shape.
    pub async fn retrieve(
        &self,
        knowledge_base_id: &str,
        query: &str,
        number_of_results: Option<u32>,
    ) -> Result<Vec<Value>, AgentRuntimeError> {
        let target = format!("knowledge base {knowledge_base_id}");
        let mut call = self
            .client()
            .await
            .retrieve()
            .knowledge_base_id(knowledge_base_id)
            .retrieval_query(at::KnowledgeBaseQuery::builder().text(query).build());
        if let Some(n) = number_of_results {
            call = call.retrieval_configuration(retrieval_configuration(n));
        }
        let output = call.send().await.map_err(|e| map_sdk_error(&target, &e))?;
        Ok(output
            .retrieval_results()
            .iter()
            .map(retrieval_result_json)
            .collect())
    }

    /// `RetrieveAndGenerate` over one knowledge base: the generated `output.text`.
    pub async fn retrieve_and_generate(
        &self,
        knowledge_base_id: &str,
        model_arn: &str,
        query: &str,
        number_of_results: Option<u32>,
        prompt_template: Option<&str>,
    ) -> Result<String, AgentRuntimeError> {
        let target = format!("knowledge base {knowledge_base_id}");
        let request_error =
            |e: aws_smithy_types::error::operation::BuildError| AgentRuntimeError::Request {
                target: target.clone(),
                message: e.to_string(),
            };
        let mut kb = at::KnowledgeBaseRetrieveAndGenerateConfiguration::builder()
            .knowledge_base_id(knowledge_base_id)
            .model_arn(model_arn);
        if let Some(n) = number_of_results {
            kb = kb.retrieval_configuration(retrieval_configuration(n));
        }
        if let Some(template) = prompt_template {
            kb = kb.generation_configuration(
                at::GenerationConfiguration::builder()
                    .prompt_template(
                        at::PromptTemplate::builder()
                            .text_prompt_template(template)
                            .build(),
                    )
                    .build(),
            );
        }
        let configuration = at::RetrieveAndGenerateConfiguration::builder()
            .r#type(at::RetrieveAndGenerateType::KnowledgeBase)
            .knowledge_base_configuration(kb.build().map_err(request_error)?)
            .build()
            .map_err(request_error)?;
        let input = at::RetrieveAndGenerateInput::builder()
            .text(query)
            .build()
            .map_err(request_error)?;
        let output = self
            .client()
            .await
            .retrieve_and_generate()
            .input(input)
            .retrieve_and_generate_configuration(configuration)
            .send()
            .await
            .map_err(|e| map_sdk_error(&target, &e))?;
        Ok(output
            .output()
            .map(|o| o.text().to_owned())
            .unwrap_or_default())
    }
}

fn retrieval_configuration(n: u32) -> at::KnowledgeBaseRetrievalConfiguration {
    at::KnowledgeBaseRetrievalConfiguration::builder()
        .vector_search_configuration(
            at::KnowledgeBaseVectorSearchConfiguration::builder()
                .number_of_results(i32::try_from(n).unwrap_or(i32::MAX))
                .build(),
        )
        .build()
}

// ---------------------------------------------------------------------------------------------
// Requests

fn to_session_state(state: &AgentSessionState) -> Result<at::SessionState, String> {
    let mut b = at::SessionState::builder();
    if !state.session_attributes.is_empty() {
        b = b.set_session_attributes(Some(state.session_attributes.clone()));
    }
    if !state.prompt_session_attributes.is_empty() {
        b = b.set_prompt_session_attributes(Some(state.prompt_session_attributes.clone()));
    }
    if let Some(id) = &state.invocation_id {
        b = b.invocation_id(id);
    }
    for r in &state.results {
        let confirmation = r
            .confirmation_state
            .as_deref()
            .map(at::ConfirmationState::from);
        let member = match &r.function {
            Some(function) => at::InvocationResultMember::FunctionResult(
                at::FunctionResult::builder()
                    .action_group(&r.action_group)
                    .function(function)
                    .set_confirmation_state(confirmation)
                    .response_body("TEXT", at::ContentBody::builder().body(&r.body).build())
                    .build()
                    .map_err(|e| e.to_string())?,
            ),
            None => {
                let mut api = at::ApiResult::builder()
                    .action_group(&r.action_group)
                    .set_confirmation_state(confirmation)
                    .http_status_code(r.http_status_code.unwrap_or(200))
                    .response_body(
                        "application/json",
                        at::ContentBody::builder().body(&r.body).build(),
                    );
                if let Some(path) = &r.api_path {
                    api = api.api_path(path);
                }
                if let Some(method) = &r.http_method {
                    api = api.http_method(method);
                }
                at::InvocationResultMember::ApiResult(api.build().map_err(|e| e.to_string())?)
            }
        };
        b = b.return_control_invocation_results(member);
    }
    Ok(b.build())
}

// ---------------------------------------------------------------------------------------------
// Errors

fn map_sdk_error<E, R>(target: &str, error: &SdkError<E, R>) -> AgentRuntimeError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::ServiceError(context) => {
            let e = context.err();
            let message = e
                .message()
                .map(str::to_owned)
                .unwrap_or_else(|| DisplayErrorContext(e).to_string());
            match e.code() {
                Some(code) => AgentRuntimeError::Service {
                    target: target.to_owned(),
                    code: code.to_owned(),
                    message,
                },
                None => AgentRuntimeError::MalformedReply {
                    target: target.to_owned(),
                    message,
                },
            }
        }
        SdkError::ConstructionFailure(_) => AgentRuntimeError::Request {
            target: target.to_owned(),
            message: detail(error),
        },
        SdkError::ResponseError(_) => AgentRuntimeError::MalformedReply {
            target: target.to_owned(),
            message: detail(error),
        },
        _ => AgentRuntimeError::Connection {
            target: target.to_owned(),
            message: detail(error),
        },
    }
}

/// Like [`map_sdk_error`], naming the modeled exception of a stream message (whose error
/// metadata carries no code).
fn map_stream_error<R: std::fmt::Debug>(
    target: &str,
    error: &SdkError<at::error::ResponseStreamError, R>,
) -> AgentRuntimeError {
    use at::error::ResponseStreamError as E;
    let SdkError::ServiceError(context) = error else {
        return map_sdk_error(target, error);
    };
    let e = context.err();
    let code = match e {
        E::InternalServerException(_) => "InternalServerException",
        E::ValidationException(_) => "ValidationException",
        E::ResourceNotFoundException(_) => "ResourceNotFoundException",
        E::ServiceQuotaExceededException(_) => "ServiceQuotaExceededException",
        E::ThrottlingException(_) => "ThrottlingException",
        E::AccessDeniedException(_) => "AccessDeniedException",
        E::ConflictException(_) => "ConflictException",
        E::DependencyFailedException(_) => "DependencyFailedException",
        E::BadGatewayException(_) => "BadGatewayException",
        E::ModelNotReadyException(_) => "ModelNotReadyException",
        _ => return map_sdk_error(target, error),
    };
    AgentRuntimeError::Service {
        target: target.to_owned(),
        code: e.code().unwrap_or(code).to_owned(),
        message: e
            .message()
            .map(str::to_owned)
            .unwrap_or_else(|| DisplayErrorContext(e).to_string()),
    }
}

/// The error and its causes on one line.
fn detail(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

// ---------------------------------------------------------------------------------------------
// Asking the user

/// The question of an `ASK_USER` observation ("" when it carries no text).
fn ask_user_question(part: &at::TracePart) -> Option<String> {
    let observation = match part.trace()? {
        at::Trace::OrchestrationTrace(at::OrchestrationTrace::Observation(o)) => o,
        at::Trace::RoutingClassifierTrace(at::RoutingClassifierTrace::Observation(o)) => o,
        _ => return None,
    };
    if observation.r#type() != Some(&at::Type::AskUser) {
        return None;
    }
    Some(
        observation
            .final_response()
            .and_then(|f| f.text())
            .unwrap_or_default()
            .to_owned(),
    )
}

/// The question of a returned `AMAZON.UserInput` action, if that is what was returned.
fn user_input_question(payload: &at::ReturnControlPayload) -> Option<String> {
    payload.invocation_inputs().iter().find_map(|member| {
        let at::InvocationInputMember::FunctionInvocationInput(f) = member else {
            return None;
        };
        let is_user_input = f.action_group() == USER_INPUT_ACTION_GROUP
            || f.function().is_some_and(|n| n.contains("UserInput"));
        if !is_user_input {
            return None;
        }
        let params = f.parameters();
        let question = params
            .iter()
            .find(|p| p.name() == Some("question"))
            .or_else(|| params.first())
            .and_then(|p| p.value())
            .unwrap_or_default();
        Some(question.to_owned())
    })
}

// ---------------------------------------------------------------------------------------------
// SDK types as JSON (the SDK types are not `Serialize`)

/// Inserts `key` when the value is present.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v);
    }
}

fn s(value: Option<&str>) -> Option<Value> {
    value.map(|v| Value::String(v.to_owned()))
}

fn time(value: Option<&aws_smithy_types::DateTime>) -> Option<Value> {
    value
        .and_then(|t| t.fmt(Format::DateTime).ok())
        .map(Value::String)
}

fn add_metadata_usage(usage: &mut Usage, metadata: Option<&at::Metadata>) {
    if let Some(u) = metadata.and_then(at::Metadata::usage) {
        usage.input_tokens += u64::try_from(u.input_tokens().unwrap_or(0)).unwrap_or(0);
        usage.output_tokens += u64::try_from(u.output_tokens().unwrap_or(0)).unwrap_or(0);
    }
}

fn add_usage(usage: &mut Usage, part: &at::TracePart) {
    match part.trace() {
        Some(at::Trace::OrchestrationTrace(at::OrchestrationTrace::ModelInvocationOutput(o))) => {
            add_metadata_usage(usage, o.metadata());
        }
        Some(at::Trace::PreProcessingTrace(at::PreProcessingTrace::ModelInvocationOutput(o))) => {
            add_metadata_usage(usage, o.metadata());
        }
        Some(at::Trace::PostProcessingTrace(at::PostProcessingTrace::ModelInvocationOutput(o))) => {
            add_metadata_usage(usage, o.metadata())
        }
        Some(at::Trace::RoutingClassifierTrace(
            at::RoutingClassifierTrace::ModelInvocationOutput(o),
        )) => add_metadata_usage(usage, o.metadata()),
        _ => {}
    }
}

/// A `TracePart` as JSON.
pub fn trace_part_json(part: &at::TracePart) -> Value {
    let mut m = Map::new();
    put(&mut m, "agentId", s(part.agent_id()));
    put(&mut m, "agentAliasId", s(part.agent_alias_id()));
    put(&mut m, "agentVersion", s(part.agent_version()));
    put(&mut m, "sessionId", s(part.session_id()));
    put(&mut m, "eventTime", time(part.event_time()));
    put(&mut m, "collaboratorName", s(part.collaborator_name()));
    if !part.caller_chain().is_empty() {
        let chain = part
            .caller_chain()
            .iter()
            .map(|c| match c {
                at::Caller::AgentAliasArn(arn) => json!({"agentAliasArn": arn}),
                _ => json!({}),
            })
            .collect();
        m.insert("callerChain".to_owned(), Value::Array(chain));
    }
    put(&mut m, "trace", part.trace().map(trace_json));
    Value::Object(m)
}

fn trace_json(trace: &at::Trace) -> Value {
    match trace {
        at::Trace::OrchestrationTrace(t) => {
            let inner = match t {
                at::OrchestrationTrace::Rationale(r) => json!({"rationale": {
                    "traceId": r.trace_id(), "text": r.text()}}),
                at::OrchestrationTrace::InvocationInput(i) => {
                    json!({"invocationInput": invocation_input_json(i)})
                }
                at::OrchestrationTrace::Observation(o) => {
                    json!({"observation": observation_json(o)})
                }
                at::OrchestrationTrace::ModelInvocationInput(i) => {
                    json!({"modelInvocationInput": model_input_json(i)})
                }
                at::OrchestrationTrace::ModelInvocationOutput(o) => {
                    json!({"modelInvocationOutput": model_output_json(
                        o.trace_id(), o.raw_response(), o.metadata(), None)})
                }
                _ => json!({"unknown": {}}),
            };
            json!({"orchestrationTrace": inner})
        }
        at::Trace::PreProcessingTrace(t) => {
            let inner = match t {
                at::PreProcessingTrace::ModelInvocationInput(i) => {
                    json!({"modelInvocationInput": model_input_json(i)})
                }
                at::PreProcessingTrace::ModelInvocationOutput(o) => {
                    let parsed = o
                        .parsed_response()
                        .map(|p| json!({"isValid": p.is_valid(), "rationale": p.rationale()}));
                    json!({"modelInvocationOutput": model_output_json(
                        o.trace_id(), o.raw_response(), o.metadata(), parsed)})
                }
                _ => json!({"unknown": {}}),
            };
            json!({"preProcessingTrace": inner})
        }
        at::Trace::PostProcessingTrace(t) => {
            let inner = match t {
                at::PostProcessingTrace::ModelInvocationInput(i) => {
                    json!({"modelInvocationInput": model_input_json(i)})
                }
                at::PostProcessingTrace::ModelInvocationOutput(o) => {
                    let parsed = o.parsed_response().map(|p| json!({"text": p.text()}));
                    json!({"modelInvocationOutput": model_output_json(
                        o.trace_id(), o.raw_response(), o.metadata(), parsed)})
                }
                _ => json!({"unknown": {}}),
            };
            json!({"postProcessingTrace": inner})
        }
        at::Trace::RoutingClassifierTrace(t) => {
            let inner = match t {
                at::RoutingClassifierTrace::InvocationInput(i) => {
                    json!({"invocationInput": invocation_input_json(i)})
                }
                at::RoutingClassifierTrace::Observation(o) => {
                    json!({"observation": observation_json(o)})
                }
                at::RoutingClassifierTrace::ModelInvocationInput(i) => {
                    json!({"modelInvocationInput": model_input_json(i)})
                }
                at::RoutingClassifierTrace::ModelInvocationOutput(o) => {
                    json!({"modelInvocationOutput": model_output_json(
                        o.trace_id(), o.raw_response(), o.metadata(), None)})
                }
                _ => json!({"unknown": {}}),
            };
            json!({"routingClassifierTrace": inner})
        }
        at::Trace::GuardrailTrace(g) => {
            let mut m = Map::new();
            put(&mut m, "traceId", s(g.trace_id()));
            put(
                &mut m,
                "action",
                s(g.action().map(at::GuardrailAction::as_str)),
            );
            put(&mut m, "metadata", g.metadata().map(metadata_json));
            json!({ "guardrailTrace": m })
        }
        at::Trace::FailureTrace(f) => {
            let mut m = Map::new();
            put(&mut m, "traceId", s(f.trace_id()));
            put(&mut m, "failureReason", s(f.failure_reason()));
            put(&mut m, "failureCode", f.failure_code().map(Value::from));
            put(&mut m, "metadata", f.metadata().map(metadata_json));
            json!({ "failureTrace": m })
        }
        at::Trace::CustomOrchestrationTrace(c) => {
            let mut m = Map::new();
            put(&mut m, "traceId", s(c.trace_id()));
            put(
                &mut m,
                "event",
                c.event().map(|e| json!({"text": e.text()})),
            );
            json!({ "customOrchestrationTrace": m })
        }
        _ => json!({"unknown": {}}),
    }
}

fn metadata_json(m: &at::Metadata) -> Value {
    let mut out = Map::new();
    if let Some(u) = m.usage() {
        let mut usage = Map::new();
        put(&mut usage, "inputTokens", u.input_tokens().map(Value::from));
        put(
            &mut usage,
            "outputTokens",
            u.output_tokens().map(Value::from),
        );
        out.insert("usage".to_owned(), Value::Object(usage));
    }
    put(&mut out, "totalTimeMs", m.total_time_ms().map(Value::from));
    put(
        &mut out,
        "operationTotalTimeMs",
        m.operation_total_time_ms().map(Value::from),
    );
    put(&mut out, "startTime", time(m.start_time()));
    put(&mut out, "endTime", time(m.end_time()));
    put(&mut out, "clientRequestId", s(m.client_request_id()));
    Value::Object(out)
}

fn model_input_json(i: &at::ModelInvocationInput) -> Value {
    let mut m = Map::new();
    put(&mut m, "traceId", s(i.trace_id()));
    put(&mut m, "text", s(i.text()));
    put(&mut m, "type", s(i.r#type().map(at::PromptType::as_str)));
    put(&mut m, "foundationModel", s(i.foundation_model()));
    put(&mut m, "overrideLambda", s(i.override_lambda()));
    if let Some(c) = i.inference_configuration() {
        let mut inf = Map::new();
        put(
            &mut inf,
            "maximumLength",
            c.maximum_length().map(Value::from),
        );
        put(&mut inf, "temperature", c.temperature().map(Value::from));
        put(&mut inf, "topP", c.top_p().map(Value::from));
        put(&mut inf, "topK", c.top_k().map(Value::from));
        if !c.stop_sequences().is_empty() {
            inf.insert("stopSequences".to_owned(), json!(c.stop_sequences()));
        }
        m.insert("inferenceConfiguration".to_owned(), Value::Object(inf));
    }
    Value::Object(m)
}

fn model_output_json(
    trace_id: Option<&str>,
    raw: Option<&at::RawResponse>,
    metadata: Option<&at::Metadata>,
    parsed: Option<Value>,
) -> Value {
    let mut m = Map::new();
    put(&mut m, "traceId", s(trace_id));
    put(
        &mut m,
        "rawResponse",
        raw.map(|r| json!({"content": r.content()})),
    );
    put(&mut m, "metadata", metadata.map(metadata_json));
    put(&mut m, "parsedResponse", parsed);
    Value::Object(m)
}

fn parameters_json<'a>(
    params: impl Iterator<Item = (Option<&'a str>, Option<&'a str>, Option<&'a str>)>,
) -> Value {
    Value::Array(
        params
            .map(|(name, ty, value)| json!({"name": name, "type": ty, "value": value}))
            .collect(),
    )
}

fn invocation_input_json(i: &at::InvocationInput) -> Value {
    let mut m = Map::new();
    put(&mut m, "traceId", s(i.trace_id()));
    put(
        &mut m,
        "invocationType",
        s(i.invocation_type().map(at::InvocationType::as_str)),
    );
    if let Some(a) = i.action_group_invocation_input() {
        let mut ag = Map::new();
        put(&mut ag, "actionGroupName", s(a.action_group_name()));
        put(&mut ag, "apiPath", s(a.api_path()));
        put(&mut ag, "verb", s(a.verb()));
        put(&mut ag, "function", s(a.function()));
        put(
            &mut ag,
            "executionType",
            s(a.execution_type().map(at::ExecutionType::as_str)),
        );
        put(&mut ag, "invocationId", s(a.invocation_id()));
        if !a.parameters().is_empty() {
            ag.insert(
                "parameters".to_owned(),
                parameters_json(
                    a.parameters()
                        .iter()
                        .map(|p| (p.name(), p.r#type(), p.value())),
                ),
            );
        }
        m.insert("actionGroupInvocationInput".to_owned(), Value::Object(ag));
    }
    if let Some(k) = i.knowledge_base_lookup_input() {
        m.insert(
            "knowledgeBaseLookupInput".to_owned(),
            json!({"knowledgeBaseId": k.knowledge_base_id(), "text": k.text()}),
        );
    }
    if let Some(c) = i.code_interpreter_invocation_input() {
        m.insert(
            "codeInterpreterInvocationInput".to_owned(),
            json!({"code": c.code(), "files": c.files()}),
        );
    }
    if let Some(c) = i.agent_collaborator_invocation_input() {
        m.insert(
            "agentCollaboratorInvocationInput".to_owned(),
            json!({
                "agentCollaboratorName": c.agent_collaborator_name(),
                "agentCollaboratorAliasArn": c.agent_collaborator_alias_arn(),
                "input": c.input().map(|x| json!({"text": x.text()})),
            }),
        );
    }
    Value::Object(m)
}

fn observation_json(o: &at::Observation) -> Value {
    let mut m = Map::new();
    put(&mut m, "traceId", s(o.trace_id()));
    put(&mut m, "type", s(o.r#type().map(at::Type::as_str)));
    if let Some(a) = o.action_group_invocation_output() {
        let mut out = Map::new();
        put(&mut out, "text", s(a.text()));
        put(&mut out, "metadata", a.metadata().map(metadata_json));
        m.insert("actionGroupInvocationOutput".to_owned(), Value::Object(out));
    }
    if let Some(k) = o.knowledge_base_lookup_output() {
        let refs: Vec<Value> = k
            .retrieved_references()
            .iter()
            .map(|r| {
                let mut rm = Map::new();
                put(&mut rm, "content", r.content().map(content_json));
                put(&mut rm, "location", r.location().map(location_json));
                put(&mut rm, "metadata", r.metadata().map(metadata_map_json));
                Value::Object(rm)
            })
            .collect();
        let mut out = Map::new();
        out.insert("retrievedReferences".to_owned(), Value::Array(refs));
        put(&mut out, "metadata", k.metadata().map(metadata_json));
        m.insert("knowledgeBaseLookupOutput".to_owned(), Value::Object(out));
    }
    if let Some(f) = o.final_response() {
        let mut out = Map::new();
        put(&mut out, "text", s(f.text()));
        put(&mut out, "metadata", f.metadata().map(metadata_json));
        m.insert("finalResponse".to_owned(), Value::Object(out));
    }
    if let Some(r) = o.reprompt_response() {
        m.insert(
            "repromptResponse".to_owned(),
            json!({"text": r.text(), "source": r.source().map(at::Source::as_str)}),
        );
    }
    if let Some(c) = o.code_interpreter_invocation_output() {
        m.insert(
            "codeInterpreterInvocationOutput".to_owned(),
            json!({
                "executionOutput": c.execution_output(),
                "executionError": c.execution_error(),
                "files": c.files(),
                "executionTimeout": c.execution_timeout(),
            }),
        );
    }
    if let Some(c) = o.agent_collaborator_invocation_output() {
        m.insert(
            "agentCollaboratorInvocationOutput".to_owned(),
            json!({
                "agentCollaboratorName": c.agent_collaborator_name(),
                "agentCollaboratorAliasArn": c.agent_collaborator_alias_arn(),
                "output": c.output().map(|x| json!({"text": x.text()})),
            }),
        );
    }
    Value::Object(m)
}

fn metadata_map_json(map: &HashMap<String, aws_smithy_types::Document>) -> Value {
    Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), document_to_json(v)))
            .collect(),
    )
}

fn content_json(c: &at::RetrievalResultContent) -> Value {
    let mut m = Map::new();
    m.insert("text".to_owned(), Value::String(c.text().to_owned()));
    put(
        &mut m,
        "type",
        s(c.r#type().map(at::RetrievalResultContentType::as_str)),
    );
    put(&mut m, "byteContent", s(c.byte_content()));
    Value::Object(m)
}

fn location_json(l: &at::RetrievalResultLocation) -> Value {
    let mut m = Map::new();
    m.insert(
        "type".to_owned(),
        Value::String(l.r#type().as_str().to_owned()),
    );
    put(
        &mut m,
        "s3Location",
        l.s3_location().map(|x| json!({"uri": x.uri()})),
    );
    put(
        &mut m,
        "webLocation",
        l.web_location().map(|x| json!({"url": x.url()})),
    );
    put(
        &mut m,
        "customDocumentLocation",
        l.custom_document_location().map(|x| json!({"id": x.id()})),
    );
    Value::Object(m)
}

/// A `KnowledgeBaseRetrievalResult` as JSON.
fn retrieval_result_json(r: &at::KnowledgeBaseRetrievalResult) -> Value {
    let mut m = Map::new();
    put(&mut m, "content", r.content().map(content_json));
    put(&mut m, "location", r.location().map(location_json));
    put(
        &mut m,
        "score",
        r.score()
            .and_then(|x| serde_json::Number::from_f64(x).map(Value::Number)),
    );
    put(&mut m, "metadata", r.metadata().map(metadata_map_json));
    put(&mut m, "documentId", s(r.document_id()));
    Value::Object(m)
}

fn return_control_json(p: &at::ReturnControlPayload) -> Value {
    let inputs: Vec<Value> = p
        .invocation_inputs()
        .iter()
        .map(|member| match member {
            at::InvocationInputMember::FunctionInvocationInput(f) => {
                let mut m = Map::new();
                m.insert(
                    "actionGroup".to_owned(),
                    Value::String(f.action_group().to_owned()),
                );
                put(&mut m, "function", s(f.function()));
                put(&mut m, "agentId", s(f.agent_id()));
                put(
                    &mut m,
                    "actionInvocationType",
                    s(f.action_invocation_type()
                        .map(at::ActionInvocationType::as_str)),
                );
                m.insert(
                    "parameters".to_owned(),
                    parameters_json(
                        f.parameters()
                            .iter()
                            .map(|p| (p.name(), p.r#type(), p.value())),
                    ),
                );
                json!({ "functionInvocationInput": m })
            }
            at::InvocationInputMember::ApiInvocationInput(a) => {
                let mut m = Map::new();
                m.insert(
                    "actionGroup".to_owned(),
                    Value::String(a.action_group().to_owned()),
                );
                put(&mut m, "apiPath", s(a.api_path()));
                put(&mut m, "httpMethod", s(a.http_method()));
                put(&mut m, "agentId", s(a.agent_id()));
                put(
                    &mut m,
                    "actionInvocationType",
                    s(a.action_invocation_type()
                        .map(at::ActionInvocationType::as_str)),
                );
                m.insert(
                    "parameters".to_owned(),
                    parameters_json(
                        a.parameters()
                            .iter()
                            .map(|p| (p.name(), p.r#type(), p.value())),
                    ),
                );
                json!({ "apiInvocationInput": m })
            }
            _ => json!({"unknown": {}}),
        })
        .collect();
    json!({"invocationId": p.invocation_id(), "invocationInputs": inputs})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_arns_give_agent_and_alias_ids() {
        assert_eq!(
            parse_alias_arn(
                "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/TSTALIASID"
            )
            .unwrap(),
            ("AGENT12345".to_owned(), "TSTALIASID".to_owned())
        );
        for bad in [
            "",
            "arn:aws:bedrock:us-east-1:123456789012:agent/AGENT12345",
            "arn:aws:s3:us-east-1:123456789012:agent-alias/A/B",
            "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS/x",
            "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AG-1/ALIAS",
        ] {
            assert!(
                matches!(
                    parse_alias_arn(bad),
                    Err(AgentRuntimeError::BadAliasArn { .. })
                ),
                "{bad}"
            );
        }
    }
}
