//! Amazon Bedrock Agent Runtime (`aws-sdk-bedrockagentruntime`): InvokeAgent, Retrieve and
//! RetrieveAndGenerate, for the Agent and KnowledgeBase nodes of a local run, and InvokeFlow
//! (`flow.rs`), for a deployed flow alias under evaluation.
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

mod flow;
mod json;
mod user_input;

pub use flow::FlowInvocation;

pub use json::trace_part_json;
pub use user_input::user_input_member;
use user_input::{ask_user_question, user_input_question};

use crate::providers::bedrock::BedrockSettings;
use crate::providers::sdk_error::{RawReply, SdkFailure};
use crate::providers::Usage;
use aws_config::SdkConfig;
use aws_sdk_bedrockagentruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockagentruntime::types as at;
use aws_sdk_bedrockagentruntime::Client;
use json::{add_usage, retrieval_result_json, return_control_json};
use serde_json::Value;
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

/// What else a run or chat may do when there are no AWS credentials for an agent or knowledge base.
const NO_CREDENTIALS_ELSEWHERE: &str =
    ", or use a project agent or knowledge base instead: those run on this machine";

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
    /// The client, or why the AWS configuration gave none (no credentials).
    client: Arc<OnceCell<Result<Client, String>>>,
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

    /// A client on an already loaded AWS configuration.
    pub fn from_sdk_config(config: &SdkConfig) -> AgentRuntimeClient {
        AgentRuntimeClient::from_client(Client::new(config))
    }

    /// A client on an existing SDK client.
    pub fn from_client(client: Client) -> AgentRuntimeClient {
        AgentRuntimeClient {
            settings: BedrockSettings::default(),
            client: Arc::new(OnceCell::new_with(Some(Ok(client)))),
        }
    }

    /// The SDK client, loading the configuration (and checking it gives credentials) on first
    /// use; without credentials, every call fails with the one-line reason.
    async fn client(&self, target: &str) -> Result<&Client, AgentRuntimeError> {
        self.client
            .get_or_init(|| async {
                let config = self.settings.load_checked(NO_CREDENTIALS_ELSEWHERE).await?;
                Ok(Client::new(&config))
            })
            .await
            .as_ref()
            .map_err(|message| AgentRuntimeError::Request {
                target: target.to_owned(),
                message: message.clone(),
            })
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
            .client(&target)
            .await?
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
            .client(&target)
            .await?
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
            .client(&target)
            .await?
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
    R: RawReply,
{
    let target = target.to_owned();
    match SdkFailure::of(error) {
        SdkFailure::Service {
            code: Some(code),
            message,
            ..
        } => AgentRuntimeError::Service {
            target,
            code,
            message,
        },
        SdkFailure::Service {
            code: None,
            message,
            ..
        } => AgentRuntimeError::MalformedReply { target, message },
        SdkFailure::Request { detail } => AgentRuntimeError::Request {
            target,
            message: detail,
        },
        SdkFailure::Reply { detail } => AgentRuntimeError::MalformedReply {
            target,
            message: detail,
        },
        SdkFailure::Connection { detail } => AgentRuntimeError::Connection {
            target,
            message: detail,
        },
    }
}

/// A stream's error type whose modeled exceptions can be named: a stream message's error
/// metadata carries no code.
trait StreamException: ProvideErrorMetadata + std::error::Error + 'static {
    fn exception(&self) -> Option<&'static str>;
}

macro_rules! stream_exceptions {
    ($error:ty : $($variant:ident),+) => {
        impl StreamException for $error {
            fn exception(&self) -> Option<&'static str> {
                match self {
                    $(Self::$variant(_) => Some(stringify!($variant)),)+
                    _ => None,
                }
            }
        }
    };
}

stream_exceptions!(at::error::ResponseStreamError: InternalServerException, ValidationException,
    ResourceNotFoundException, ServiceQuotaExceededException, ThrottlingException,
    AccessDeniedException, ConflictException, DependencyFailedException, BadGatewayException,
    ModelNotReadyException);
stream_exceptions!(at::error::FlowResponseStreamError: InternalServerException,
    ValidationException, ResourceNotFoundException, ServiceQuotaExceededException,
    ThrottlingException, AccessDeniedException, ConflictException, DependencyFailedException,
    BadGatewayException);

/// Like [`map_sdk_error`], naming the modeled exception of a stream message.
fn map_stream_error<E: StreamException, R: RawReply>(
    target: &str,
    error: &SdkError<E, R>,
) -> AgentRuntimeError {
    let SdkError::ServiceError(context) = error else {
        return map_sdk_error(target, error);
    };
    let e = context.err();
    let Some(code) = e.exception() else {
        return map_sdk_error(target, error);
    };
    AgentRuntimeError::Service {
        target: target.to_owned(),
        code: e.code().unwrap_or(code).to_owned(),
        message: crate::providers::sdk_error::service_message(e),
    }
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
