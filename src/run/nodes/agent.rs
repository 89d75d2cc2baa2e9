//! The Agent node: hands `agentInputText` to a deployed agent alias through InvokeAgent and
//! outputs the reply as `agentResponse`.
//!
//! `sessionAttributes` and `promptAttributes` inputs go into the call's `sessionState`. Every
//! call is reported as a `NodeAction` (service `bedrock-agent-runtime`, operation
//! `InvokeAgent`) whose response holds the completion and the agent's trace parts.
//!
//! Multi-turn: when the agent asks the user (an `ASK_USER` observation, or a returned
//! `AMAZON.UserInput` action) the run's [`AskUser`](crate::run::AskUser) handler is asked, and the
//! answer goes back in the same session; without a handler the node fails with the question.
//! The wait for the answer does not count against the node's timeout.
//! A project agent (`projectAgent` without an alias) runs on this machine with the local agent
//! runtime instead; its trace is forwarded as `agentTrace` events.

use super::{string_input, Call, Done};
use crate::model::flow::FlowNode;
use crate::model::DataType;
use crate::nodes::agent::AgentConfiguration;
use crate::providers::agent_runtime::{AgentSessionState, AgentTurn, ReturnControlResult};
use crate::run::deadline::waiting_for_user;
use crate::run::shared::Run;
use crate::run::{type_name, NodeError};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use tokio::time::Instant;

/// At most this many InvokeAgent calls answer one node's input (the first and the answers).
pub(super) const MAX_TURNS: usize = 10;

node_run!(
    /// Invokes the agent (deployed, or a project agent on this machine).
    Agent(config) => execute
);

async fn execute(
    Call { run, node, inputs }: Call<'_>,
    config: &AgentConfiguration,
) -> Result<Done, NodeError> {
    let alias_arn = config.agent_alias_arn.trim();
    if alias_arn.is_empty() {
        return match &config.project_agent {
            Some(agent) => local_agent(run, node, inputs, agent).await,
            None => Err(NodeError::NoLocalEquivalent {
                node: node.name.clone(),
                message: "the node has no agentAliasArn and names no project agent".to_owned(),
            }),
        };
    }
    let input_text = string_input(node, inputs, "agentInputText")?.to_owned();
    let base = AgentSessionState {
        session_attributes: attributes(node, inputs, "sessionAttributes")?,
        prompt_session_attributes: attributes(node, inputs, "promptAttributes")?,
        ..AgentSessionState::default()
    };
    let mut session_id = session_id(run.ctx.run_id.as_deref(), &node.name);
    let mut text = input_text;
    let mut state = base.clone();
    for _ in 0..MAX_TURNS {
        let began = Instant::now();
        let turn = run
            .ctx
            .agent_runtime
            .invoke_agent(alias_arn, &session_id, &text, &state, true)
            .await
            .map_err(|source| NodeError::AgentRuntime {
                node: node.name.clone(),
                source,
            })?;
        let latency_ms = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
        report(run, node, alias_arn, &text, &state, &turn, latency_ms).await;
        session_id.clone_from(&turn.session_id);
        if turn.input_required.is_none() {
            if let Some(rc) = &turn.return_control {
                // Return of control or a confirmation: whoever runs the flow answers.
                let results = answer_return_control(run, node, rc).await?;
                state = base.clone();
                state.invocation_id = rc
                    .get("invocationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                state.results = results
                    .iter()
                    .map(ReturnControlResult::from_json)
                    .collect::<Result<_, _>>()
                    .map_err(|message| NodeError::NoLocalEquivalent {
                        node: node.name.clone(),
                        message: format!(
                            "the answer to the returned actions is malformed: {message}"
                        ),
                    })?;
                text = String::new();
                continue;
            }
            return Ok(Done {
                outputs: std::iter::once((
                    "agentResponse".to_owned(),
                    Value::String(turn.completion),
                ))
                .collect(),
                ..Done::default()
            });
        }
        let question = match turn.input_required.clone() {
            Some(q) if !q.is_empty() => q,
            _ => turn.completion.clone(),
        };
        let Some(ask) = &run.ctx.ask_user else {
            return Err(NodeError::AgentAsked {
                node: node.name.clone(),
                question,
            });
        };
        // Everything the run said before the question reaches the front end before it asks.
        run.sink.flush().await;
        let Some(answer) = waiting_for_user(ask(node.name.clone(), question.clone())).await else {
            return Err(NodeError::AgentAsked {
                node: node.name.clone(),
                question,
            });
        };
        state = base.clone();
        if let Some(rc) = &turn.return_control {
            state.invocation_id = rc
                .get("invocationId")
                .and_then(Value::as_str)
                .map(str::to_owned);
            state.results = vec![ReturnControlResult::user_input(rc, answer.clone())];
        }
        text = answer;
    }
    Err(NodeError::NoLocalEquivalent {
        node: node.name.clone(),
        message: format!(
            "agent alias {alias_arn} still asked for input after {MAX_TURNS} turns; giving up"
        ),
    })
}

/// The `NodeAction` of one InvokeAgent call, with the agent's traces in the response.
async fn report(
    run: &Run,
    node: &FlowNode,
    alias_arn: &str,
    text: &str,
    state: &AgentSessionState,
    turn: &AgentTurn,
    latency_ms: u64,
) {
    let usage = (turn.usage.input_tokens + turn.usage.output_tokens > 0).then_some(turn.usage);
    if let Some(u) = usage {
        run.add_usage(u);
    }
    let mut request = json!({
        "agentAliasArn": alias_arn,
        "sessionId": turn.session_id,
        "inputText": text,
        "enableTrace": true,
    });
    let mut session_state = Map::new();
    if !state.session_attributes.is_empty() {
        session_state.insert(
            "sessionAttributes".to_owned(),
            json!(state.session_attributes),
        );
    }
    if !state.prompt_session_attributes.is_empty() {
        session_state.insert(
            "promptSessionAttributes".to_owned(),
            json!(state.prompt_session_attributes),
        );
    }
    if let Some(id) = &state.invocation_id {
        session_state.insert("invocationId".to_owned(), json!(id));
    }
    if !state.results.is_empty() {
        let results: Vec<Value> = state
            .results
            .iter()
            .map(|r| {
                json!({"functionResult": {
                    "actionGroup": r.action_group,
                    "function": r.function,
                    "responseBody": {"TEXT": {"body": r.body}},
                }})
            })
            .collect();
        session_state.insert("returnControlInvocationResults".to_owned(), json!(results));
    }
    if !session_state.is_empty() {
        if let Some(m) = request.as_object_mut() {
            m.insert("sessionState".to_owned(), Value::Object(session_state));
        }
    }
    let mut response = json!({
        "completion": turn.completion,
        "traces": turn.traces,
    });
    if let Some(m) = response.as_object_mut() {
        if let Some(rc) = &turn.return_control {
            m.insert("returnControl".to_owned(), rc.clone());
        }
        if let Some(q) = &turn.input_required {
            m.insert("inputRequired".to_owned(), json!(q));
        }
    }
    run.emit(|at_ms| crate::run::RunEvent::NodeAction {
        at_ms,
        node: node.name.as_str().into(),
        service_name: "bedrock-agent-runtime".to_owned(),
        operation_name: "InvokeAgent".to_owned(),
        request: request.into(),
        response: response.into(),
        usage,
        latency_ms,
    })
    .await;
}

/// An optional object input as InvokeAgent's string-to-string attributes; non-string values
/// are sent as their JSON text.
fn attributes(
    node: &FlowNode,
    inputs: &Map<String, Value>,
    name: &str,
) -> Result<HashMap<String, String>, NodeError> {
    match inputs.get(name) {
        None | Some(Value::Null) => Ok(HashMap::new()),
        Some(Value::Object(map)) => Ok(map
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect()),
        Some(other) => Err(NodeError::InputType {
            node: node.name.clone(),
            input: name.to_owned(),
            expected: DataType::Object,
            actual: type_name(other),
        }),
    }
}

/// A session id for the node in this run: `[0-9a-zA-Z._:-]`, 2..=100 characters, the same
/// for every call of the node in the run (so Loop rounds continue one conversation).
pub(super) fn session_id(run_id: Option<&str>, node: &str) -> String {
    let raw = format!("{}-{node}", run_id.unwrap_or("strata"));
    let id: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut id = crate::text::truncate_chars(&id, 100).to_owned();
    while id.chars().count() < 2 {
        id.push('_');
    }
    id
}

/// "action group X (function F), …" for an error message.
fn describe_actions(rc: &Value) -> String {
    let names: Vec<String> = rc
        .get("invocationInputs")
        .and_then(Value::as_array)
        .map(|members| {
            members
                .iter()
                .filter_map(|m| {
                    if let Some(f) = m.get("functionInvocationInput") {
                        Some(format!(
                            "action group {} (function {})",
                            f.get("actionGroup").and_then(Value::as_str).unwrap_or("?"),
                            f.get("function").and_then(Value::as_str).unwrap_or("?")
                        ))
                    } else {
                        m.get("apiInvocationInput").map(|a| {
                            format!(
                                "action group {} ({} {})",
                                a.get("actionGroup").and_then(Value::as_str).unwrap_or("?"),
                                a.get("httpMethod").and_then(Value::as_str).unwrap_or("?"),
                                a.get("apiPath").and_then(Value::as_str).unwrap_or("?")
                            )
                        })
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        "an action".to_owned()
    } else {
        names.join(", ")
    }
}

/// Hands a return-of-control payload to whoever runs the flow and waits for their results.
async fn answer_return_control(
    run: &Run,
    node: &FlowNode,
    payload: &Value,
) -> Result<Vec<Value>, NodeError> {
    let unanswered = || {
        NodeError::NoLocalEquivalent {
        node: node.name.clone(),
        message: format!(
            "the agent returned control for {} and nobody answered; run the flow where you can answer (`strata run` on a terminal, or `--answers FILE`)",
            describe_actions(payload)
        ),
    }
    };
    let Some(answer) = &run.ctx.return_control else {
        return Err(unanswered());
    };
    // Everything the run said before the pause reaches the front end before it asks.
    run.sink.flush().await;
    waiting_for_user(answer(node.name.clone(), payload.clone()))
        .await
        .ok_or_else(unanswered)
}

/// Runs a project agent on this machine with the local agent runtime, forwarding its trace
/// as `AgentTrace` events nested under the node.
async fn local_agent(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
    agent: &str,
) -> Result<Done, NodeError> {
    use crate::agent::{AgentRuntime, ResumeInput, TurnOutcome, TurnRequest};
    let local_error = |message: String| NodeError::NoLocalEquivalent {
        node: node.name.clone(),
        message,
    };
    let input_text = string_input(node, inputs, "agentInputText")?.to_owned();
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let runtime = AgentRuntime::new(
        &run.project,
        agent,
        run.ctx.provider.clone(),
        &run.ctx.project_dir,
    )
    .map_err(|e| local_error(format!("agent {agent:?}: {e}")))?
    .with_trace(tx)
    .with_handler_timeout(run.ctx.node_timeout)
    .with_handlers(run.ctx.handlers.clone())
    .with_agent_runtime(run.ctx.agent_runtime.clone());
    let runtime = match &run.ctx.store {
        Some(store) => runtime.with_store(store.clone()),
        None => runtime,
    };
    let runtime = match &run.ctx.bedrock_guardrails {
        Some(g) => runtime.with_bedrock_guardrails(g.clone()),
        None => runtime,
    };
    let request = TurnRequest {
        session_id: session_id(run.ctx.run_id.as_deref(), &node.name),
        input_text,
        session_attributes: inputs
            .get("sessionAttributes")
            .and_then(Value::as_object)
            .cloned(),
        prompt_session_attributes: inputs
            .get("promptAttributes")
            .and_then(Value::as_object)
            .cloned(),
        memory_id: None,
    };
    let mut outcome = forward(run, node, &mut rx, runtime.invoke(request)).await;
    for _ in 0..MAX_TURNS {
        match outcome.map_err(|e| local_error(format!("agent {agent:?}: {e}")))? {
            TurnOutcome::Finished { text, usage, .. } => {
                run.add_usage(usage);
                return Ok(Done {
                    outputs: std::iter::once(("agentResponse".to_owned(), Value::String(text)))
                        .collect(),
                    ..Done::default()
                });
            }
            TurnOutcome::AskUser {
                invocation_id,
                question,
            } => {
                run.sink.flush().await;
                let answer = match &run.ctx.ask_user {
                    Some(ask) => waiting_for_user(ask(node.name.clone(), question.clone())).await,
                    None => None,
                };
                let Some(answer) = answer else {
                    return Err(NodeError::AgentAsked {
                        node: node.name.clone(),
                        question,
                    });
                };
                outcome = forward(
                    run,
                    node,
                    &mut rx,
                    runtime.resume(&invocation_id, ResumeInput::Answer(answer)),
                )
                .await;
            }
            TurnOutcome::Paused {
                invocation_id,
                payload,
            } => {
                let results = answer_return_control(run, node, &payload).await?;
                outcome = forward(
                    run,
                    node,
                    &mut rx,
                    runtime.resume(&invocation_id, ResumeInput::Results(results)),
                )
                .await;
            }
        }
    }
    Err(local_error(format!(
        "agent {agent:?} still asked for input after {MAX_TURNS} turns; giving up"
    )))
}

/// Awaits one agent turn while forwarding its trace events, in order.
async fn forward<F>(
    run: &Run,
    node: &FlowNode,
    rx: &mut tokio::sync::mpsc::Receiver<crate::agent::AgentTraceEvent>,
    turn: F,
) -> Result<crate::agent::TurnOutcome, crate::agent::AgentError>
where
    F: std::future::Future<Output = Result<crate::agent::TurnOutcome, crate::agent::AgentError>>,
{
    tokio::pin!(turn);
    let result = loop {
        tokio::select! {
            biased;
            Some(trace) = rx.recv() => emit_trace(run, node, &trace).await,
            result = &mut turn => break result,
        }
    };
    while let Ok(trace) = rx.try_recv() {
        emit_trace(run, node, &trace).await;
    }
    result
}

async fn emit_trace(run: &Run, node: &FlowNode, trace: &crate::agent::AgentTraceEvent) {
    run.emit(|at_ms| crate::run::RunEvent::AgentTrace {
        at_ms,
        node: node.name.as_str().into(),
        trace: trace.clone(),
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_run_and_node_make_a_valid_session_id(run in proptest::option::of(any::<String>()), node in any::<String>()) {
            let id = session_id(run.as_deref(), &node);
            prop_assert!((2..=100).contains(&id.chars().count()));
            prop_assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')));
        }
    }

    #[test]
    fn session_ids_fit_the_service_pattern() {
        assert_eq!(session_id(Some("run-1"), "Ask agent"), "run-1-Ask_agent");
        let long = session_id(Some(&"x".repeat(300)), "n");
        assert_eq!(long.len(), 100);
        assert!(session_id(None, "é").len() >= 2);
    }

    #[test]
    fn returned_actions_are_described() {
        let rc = json!({"invocationId": "i", "invocationInputs": [
            {"functionInvocationInput": {"actionGroup": "Billing", "function": "refund"}},
            {"apiInvocationInput": {"actionGroup": "Api", "httpMethod": "GET", "apiPath": "/x"}}]});
        assert_eq!(
            describe_actions(&rc),
            "action group Billing (function refund), action group Api (GET /x)"
        );
        assert!(crate::providers::agent_runtime::user_input_member(&rc).is_none());
    }
}
