//! An Agent node's steps as readable rows: its reasoning, the actions it called and what they
//! returned, the knowledge-base passages it read, guardrail actions and the messages it
//! exchanged with collaborators — from the local agent's trace events and from the traces a
//! deployed agent's `InvokeAgent` call returned.

use crate::trace::agent::{AgentTraceEvent, InvocationInput, Observation, StepTrace};
use crate::trace::RunEvent;
use serde_json::Value;

/// What a step row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Rationale,
    ActionCall,
    ActionResult,
    KnowledgeBaseQuery,
    KnowledgeBasePassage,
    CollaboratorMessage,
    CollaboratorReply,
    FinalAnswer,
    AskUser,
    Reprompt,
    ModelCall,
    Guardrail,
    Failure,
    ReturnControl,
}

impl StepKind {
    /// A stable name for styling and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Rationale => "rationale",
            StepKind::ActionCall => "action-call",
            StepKind::ActionResult => "action-result",
            StepKind::KnowledgeBaseQuery => "kb-query",
            StepKind::KnowledgeBasePassage => "kb-passage",
            StepKind::CollaboratorMessage => "collaborator-message",
            StepKind::CollaboratorReply => "collaborator-reply",
            StepKind::FinalAnswer => "final-answer",
            StepKind::AskUser => "ask-user",
            StepKind::Reprompt => "reprompt",
            StepKind::ModelCall => "model-call",
            StepKind::Guardrail => "guardrail",
            StepKind::Failure => "failure",
            StepKind::ReturnControl => "return-control",
        }
    }
}

/// One readable step of an agent's turn.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentStep {
    pub at_ms: u64,
    pub kind: StepKind,
    /// A short heading: `thinking`, `called Billing.refund`, `passage from s3://…`.
    pub title: String,
    /// The step's text: the reasoning, a result, a passage, a message.
    pub text: String,
    /// The structured part (an action's parameters, a guardrail's assessments), if any.
    pub detail: Option<Value>,
    /// How an action ran (`LAMBDA`, `RETURN_CONTROL`) for a call, and what answered
    /// (`ACTION_GROUP`, …) for a result.
    pub via: Option<String>,
}

/// The steps of the agent `node` ran, in order.
pub fn agent_steps(events: &[RunEvent], node: &str) -> Vec<AgentStep> {
    let mut rows = Vec::new();
    for event in events {
        match event {
            RunEvent::AgentTrace {
                at_ms,
                node: n,
                trace,
            } => {
                if &**n == node {
                    steps_of(*at_ms, trace, &mut rows);
                }
            }
            RunEvent::NodeAction {
                at_ms,
                node: n,
                operation_name,
                response,
                ..
            } => {
                if &**n != node || operation_name != "InvokeAgent" {
                    continue;
                }
                // A deployed agent's traces arrive as `TracePart`s in the call's response.
                let parts = response.get("traces").and_then(Value::as_array);
                for part in parts.into_iter().flatten() {
                    let trace = part.get("trace").unwrap_or(part);
                    if let Ok(trace) = serde_json::from_value::<AgentTraceEvent>(trace.clone()) {
                        steps_of(*at_ms, &trace, &mut rows);
                    }
                }
            }
            RunEvent::RunStarted { .. }
            | RunEvent::NodeStarted { .. }
            | RunEvent::NodeInput { .. }
            | RunEvent::NodeOutput { .. }
            | RunEvent::ConditionResult { .. }
            | RunEvent::ContentBlockDelta { .. }
            | RunEvent::NodeSkipped { .. }
            | RunEvent::NodeReused { .. }
            | RunEvent::NodeFailed { .. }
            | RunEvent::FlowOutput { .. }
            | RunEvent::Cancelled { .. }
            | RunEvent::RunFinished { .. } => {}
        }
    }
    rows
}

/// The steps one trace event holds (one event can hold several: a search's passages).
pub fn event_steps(at_ms: u64, trace: &AgentTraceEvent) -> Vec<AgentStep> {
    let mut rows = Vec::new();
    steps_of(at_ms, trace, &mut rows);
    rows
}

fn steps_of(at_ms: u64, trace: &AgentTraceEvent, rows: &mut Vec<AgentStep>) {
    let first = rows.len();
    let mut push = |kind: StepKind, title: String, text: String, detail: Option<Value>| {
        rows.push(AgentStep {
            at_ms,
            kind,
            title,
            text,
            detail,
            via: None,
        })
    };
    match trace {
        AgentTraceEvent::PreProcessingTrace(step)
        | AgentTraceEvent::OrchestrationTrace(step)
        | AgentTraceEvent::PostProcessingTrace(step) => match step {
            StepTrace::Rationale(r) => push(
                StepKind::Rationale,
                "thinking".to_owned(),
                r.text.clone(),
                None,
            ),
            StepTrace::InvocationInput(input) => invocation(input, &mut push),
            StepTrace::Observation(o) => observation(o, &mut push),
            StepTrace::ModelInvocationInput(_) => {}
            StepTrace::ModelInvocationOutput(m) => push(
                StepKind::ModelCall,
                "model call".to_owned(),
                format!(
                    "{} in / {} out tokens, {} ms",
                    m.metadata.usage.input_tokens,
                    m.metadata.usage.output_tokens,
                    m.metadata.total_time_ms
                ),
                None,
            ),
        },
        AgentTraceEvent::GuardrailTrace(g) => {
            let assessments: Vec<Value> = g
                .input_assessments
                .iter()
                .chain(&g.output_assessments)
                .filter_map(|a| serde_json::to_value(a).ok())
                .collect();
            let text = if g.action == "NONE" {
                "passed".to_owned()
            } else {
                format!("{} assessment(s)", assessments.len())
            };
            push(
                StepKind::Guardrail,
                format!("guardrail {}", g.action),
                text,
                (!assessments.is_empty()).then_some(Value::Array(assessments)),
            )
        }
        AgentTraceEvent::FailureTrace(f) => push(
            StepKind::Failure,
            format!("failure {}", f.failure_code),
            f.failure_reason.clone(),
            None,
        ),
        AgentTraceEvent::ReturnControl(payload) => push(
            StepKind::ReturnControl,
            "returned control".to_owned(),
            String::new(),
            Some(payload.clone()),
        ),
    }
    if let AgentTraceEvent::PreProcessingTrace(step)
    | AgentTraceEvent::OrchestrationTrace(step)
    | AgentTraceEvent::PostProcessingTrace(step) = trace
    {
        for row in &mut rows[first..] {
            row.via = match (row.kind, step) {
                (StepKind::ActionCall, StepTrace::InvocationInput(i)) => i
                    .action_group_invocation_input
                    .as_ref()
                    .map(|a| text_at(a, &["executionType"]).to_owned()),
                (StepKind::ActionResult, StepTrace::Observation(o)) => {
                    Some(o.observation_type.clone())
                }
                _ => None,
            };
        }
    }
}

fn text_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn invocation(
    input: &InvocationInput,
    push: &mut impl FnMut(StepKind, String, String, Option<Value>),
) {
    if let Some(a) = &input.action_group_invocation_input {
        let action = a
            .get("function")
            .or_else(|| a.get("apiPath"))
            .and_then(Value::as_str)
            .unwrap_or("?");
        let detail = a
            .get("parameters")
            .or_else(|| a.get("requestBody"))
            .cloned();
        push(
            StepKind::ActionCall,
            format!("called {}.{action}", text_at(a, &["actionGroupName"])),
            detail.as_ref().map(params).unwrap_or_default(),
            detail,
        );
    }
    if let Some(k) = &input.knowledge_base_lookup_input {
        push(
            StepKind::KnowledgeBaseQuery,
            format!("searched {}", text_at(k, &["knowledgeBaseId"])),
            text_at(k, &["text"]).to_owned(),
            None,
        );
    }
    if let Some(c) = &input.agent_collaborator_invocation_input {
        push(
            StepKind::CollaboratorMessage,
            format!("asked {}", text_at(c, &["agentCollaboratorName"])),
            text_at(c, &["input", "text"]).to_owned(),
            None,
        );
    }
}

/// An action's parameters as `name = value` pairs (Bedrock sends `[{name, type, value}]`).
fn params(parameters: &Value) -> String {
    match parameters.as_array() {
        Some(_) => crate::return_control::parameters_joined(parameters, " = "),
        None => parameters.to_string(),
    }
}

fn observation(o: &Observation, push: &mut impl FnMut(StepKind, String, String, Option<Value>)) {
    if let Some(a) = &o.action_group_invocation_output {
        push(
            StepKind::ActionResult,
            "action result".to_owned(),
            text_at(a, &["text"]).to_owned(),
            None,
        );
    }
    if let Some(k) = &o.knowledge_base_lookup_output {
        let refs = k.get("retrievedReferences").and_then(Value::as_array);
        for r in refs.into_iter().flatten() {
            push(
                StepKind::KnowledgeBasePassage,
                format!("passage from {}", location(r.get("location"))),
                text_at(r, &["content", "text"]).to_owned(),
                r.get("metadata").cloned(),
            );
        }
    }
    if let Some(c) = &o.agent_collaborator_invocation_output {
        push(
            StepKind::CollaboratorReply,
            format!("{} replied", text_at(c, &["agentCollaboratorName"])),
            text_at(c, &["output", "text"]).to_owned(),
            None,
        );
    }
    if let Some(f) = &o.final_response {
        push(
            StepKind::FinalAnswer,
            "answer".to_owned(),
            text_at(f, &["text"]).to_owned(),
            None,
        );
    }
    if let Some(r) = &o.reprompt_response {
        let kind = if o.observation_type == "ASK_USER" {
            StepKind::AskUser
        } else {
            StepKind::Reprompt
        };
        push(
            kind,
            if kind == StepKind::AskUser {
                "asked the user"
            } else {
                "reprompted"
            }
            .to_owned(),
            text_at(r, &["text"]).to_owned(),
            None,
        );
    }
}

/// Where a passage came from: the first URI, URL or path in its `location`.
fn location(location: Option<&Value>) -> String {
    let Some(Value::Object(members)) = location else {
        return "an unnamed source".to_owned();
    };
    members
        .values()
        .filter_map(Value::as_object)
        .flat_map(|inner| inner.values())
        .find_map(Value::as_str)
        .or_else(|| members.get("type").and_then(Value::as_str))
        .unwrap_or("an unnamed source")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::inspect::tests::events;
    use serde_json::json;

    fn kinds(rows: &[AgentStep]) -> Vec<&'static str> {
        rows.iter().map(|r| r.kind.as_str()).collect()
    }

    #[test]
    fn an_agent_turn_reads_as_rows() {
        let trace =
            |t: Value| json!({"event": "agentTrace", "atMs": 3, "node": "Support", "trace": t});
        let run = events(json!([
            trace(json!({"orchestrationTrace": {"rationale": {"traceId": "t1", "text": "The user wants a refund."}}})),
            trace(json!({"orchestrationTrace": {"invocationInput": {"traceId": "t1", "invocationType": "ACTION_GROUP",
                "actionGroupInvocationInput": {"actionGroupName": "Billing", "function": "refund",
                    "parameters": [{"name": "order", "type": "string", "value": "A-17"}]}}}})),
            trace(json!({"orchestrationTrace": {"observation": {"traceId": "t1", "type": "ACTION_GROUP",
                "actionGroupInvocationOutput": {"text": "refunded"}}}})),
            trace(json!({"orchestrationTrace": {"invocationInput": {"traceId": "t2", "invocationType": "KNOWLEDGE_BASE",
                "knowledgeBaseLookupInput": {"knowledgeBaseId": "Policies", "text": "refund window"}}}})),
            trace(json!({"orchestrationTrace": {"observation": {"traceId": "t2", "type": "KNOWLEDGE_BASE",
                "knowledgeBaseLookupOutput": {"retrievedReferences": [
                    {"content": {"text": "Refunds within 30 days."}, "location": {"type": "S3", "s3Location": {"uri": "s3://docs/refunds.md"}}}]}}}})),
            trace(json!({"orchestrationTrace": {"invocationInput": {"traceId": "t3", "invocationType": "AGENT_COLLABORATOR",
                "agentCollaboratorInvocationInput": {"agentCollaboratorName": "Shipping", "input": {"type": "TEXT", "text": "Where is A-17?"}}}}})),
            trace(json!({"orchestrationTrace": {"observation": {"traceId": "t3", "type": "AGENT_COLLABORATOR",
                "agentCollaboratorInvocationOutput": {"agentCollaboratorName": "Shipping", "output": {"type": "TEXT", "text": "In transit."}}}}})),
            trace(json!({"guardrailTrace": {"traceId": "g", "action": "INTERVENED",
                "outputAssessments": [{"topicPolicy": {"topics": [{"name": "Legal", "type": "DENY", "action": "BLOCKED"}]}}]}})),
            trace(json!({"orchestrationTrace": {"observation": {"traceId": "t4", "type": "FINISH", "finalResponse": {"text": "Done."}}}})),
            {"event": "agentTrace", "atMs": 4, "node": "Other", "trace": {"orchestrationTrace": {"rationale": {"traceId": "x", "text": "not mine"}}}}
        ]));
        let rows = agent_steps(&run, "Support");
        assert_eq!(
            kinds(&rows),
            [
                "rationale",
                "action-call",
                "action-result",
                "kb-query",
                "kb-passage",
                "collaborator-message",
                "collaborator-reply",
                "guardrail",
                "final-answer"
            ]
        );
        assert_eq!(rows[0].text, "The user wants a refund.");
        assert_eq!(rows[1].title, "called Billing.refund");
        assert_eq!(rows[1].text, "order = A-17");
        assert_eq!(rows[4].title, "passage from s3://docs/refunds.md");
        assert_eq!(rows[4].text, "Refunds within 30 days.");
        assert_eq!(rows[5].title, "asked Shipping");
        assert_eq!(rows[6].text, "In transit.");
        assert_eq!(rows[7].title, "guardrail INTERVENED");
        assert!(rows[7].detail.is_some());
        assert_eq!(rows[8].text, "Done.");
    }

    #[test]
    fn a_deployed_agents_traces_come_from_its_invoke_agent_call() {
        let run = events(json!([{"event": "nodeAction", "atMs": 9, "node": "Support",
        "serviceName": "bedrock-agent-runtime", "operationName": "InvokeAgent",
        "request": {}, "latencyMs": 4,
        "response": {"completion": "hi", "traces": [
            {"agentId": "A", "trace": {"orchestrationTrace": {"rationale": {"traceId": "t", "text": "Greet."}}}},
            {"agentId": "A", "trace": {"someFutureTrace": {}}}
        ]}}]));
        let rows = agent_steps(&run, "Support");
        assert_eq!(kinds(&rows), ["rationale"]);
        assert_eq!(rows[0].at_ms, 9);
    }
}
