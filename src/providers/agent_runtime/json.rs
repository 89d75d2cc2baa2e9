//! Agent Runtime SDK types as JSON in the API's camelCase shape (the SDK types are not
//! `Serialize`): trace parts, retrieval results, return-of-control payloads, and the token
//! usage a trace part reports.

use crate::providers::bedrock::document_to_json;
use crate::providers::Usage;
use aws_sdk_bedrockagentruntime::types as at;
use aws_smithy_types::date_time::Format;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

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

pub(super) fn add_usage(usage: &mut Usage, part: &at::TracePart) {
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
                at::OrchestrationTrace::InvocationInput(i) => invocation_input_json(i),
                at::OrchestrationTrace::Observation(o) => observation_json(o),
                at::OrchestrationTrace::ModelInvocationInput(i) => model_input_json(i),
                at::OrchestrationTrace::ModelInvocationOutput(o) => {
                    model_output_json(o.trace_id(), o.raw_response(), o.metadata(), None)
                }
                _ => json!({"unknown": {}}),
            };
            json!({"orchestrationTrace": inner})
        }
        at::Trace::PreProcessingTrace(t) => {
            let inner = match t {
                at::PreProcessingTrace::ModelInvocationInput(i) => model_input_json(i),
                at::PreProcessingTrace::ModelInvocationOutput(o) => {
                    let parsed = o
                        .parsed_response()
                        .map(|p| json!({"isValid": p.is_valid(), "rationale": p.rationale()}));
                    model_output_json(o.trace_id(), o.raw_response(), o.metadata(), parsed)
                }
                _ => json!({"unknown": {}}),
            };
            json!({"preProcessingTrace": inner})
        }
        at::Trace::PostProcessingTrace(t) => {
            let inner = match t {
                at::PostProcessingTrace::ModelInvocationInput(i) => model_input_json(i),
                at::PostProcessingTrace::ModelInvocationOutput(o) => {
                    let parsed = o.parsed_response().map(|p| json!({"text": p.text()}));
                    model_output_json(o.trace_id(), o.raw_response(), o.metadata(), parsed)
                }
                _ => json!({"unknown": {}}),
            };
            json!({"postProcessingTrace": inner})
        }
        at::Trace::RoutingClassifierTrace(t) => {
            let inner = match t {
                at::RoutingClassifierTrace::InvocationInput(i) => invocation_input_json(i),
                at::RoutingClassifierTrace::Observation(o) => observation_json(o),
                at::RoutingClassifierTrace::ModelInvocationInput(i) => model_input_json(i),
                at::RoutingClassifierTrace::ModelInvocationOutput(o) => {
                    model_output_json(o.trace_id(), o.raw_response(), o.metadata(), None)
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

/// A trace's `{"modelInvocationInput": …}` member.
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
    json!({ "modelInvocationInput": m })
}

/// A trace's `{"modelInvocationOutput": …}` member.
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
    json!({ "modelInvocationOutput": m })
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

/// A trace's `{"invocationInput": …}` member.
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
    json!({ "invocationInput": m })
}

/// A trace's `{"observation": …}` member.
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
    json!({ "observation": m })
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
pub(super) fn retrieval_result_json(r: &at::KnowledgeBaseRetrievalResult) -> Value {
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

pub(super) fn return_control_json(p: &at::ReturnControlPayload) -> Value {
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
