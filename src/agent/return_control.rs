//! Return of control: a turn that needs the user (results, a confirmation, an answer) is
//! parked with Bedrock's `ReturnControlPayload`, and `resume` goes on with what the user gives.

use super::react::tool_error;
use super::tools::{self, Target};
use super::trace::{AgentTraceEvent, Observation};
use super::turn::{Turn, Wait, Waiting};
use super::{AgentError, AgentRuntime, ResumeInput, TurnOutcome};
use crate::providers::ContentPart;
use serde_json::{json, Value};
use std::sync::PoisonError;

impl AgentRuntime {
    /// Continues a paused turn with the user's results, confirmations or answer.
    pub async fn resume(
        &self,
        invocation_id: &str,
        input: ResumeInput,
    ) -> Result<TurnOutcome, AgentError> {
        let mut turn = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(invocation_id)
            .ok_or_else(|| AgentError::UnknownInvocation {
                invocation_id: invocation_id.to_owned(),
            })?;
        let bad = |message: String| AgentError::Results {
            invocation_id: invocation_id.to_owned(),
            message,
        };
        match input {
            ResumeInput::Answer(answer) => {
                let Some(pos) = turn.waiting.iter().position(|w| w.wait == Wait::Ask) else {
                    self.keep(invocation_id, turn);
                    return Err(bad(
                        "the turn is waiting for action results, not an answer".to_owned()
                    ));
                };
                let w = turn.waiting.remove(pos);
                self.observe("ASK_USER", Some(json!({ "text": answer })), None)
                    .await;
                turn.results.push((
                    w.index,
                    ContentPart::ToolResult {
                        id: w.tool_use_id,
                        content: Value::String(answer),
                        is_error: false,
                    },
                ));
            }
            ResumeInput::Results(results) => {
                let mut used = 0;
                for result in results {
                    let (member, is_api) = match (
                        result.get("functionResult"),
                        result.get("apiResult"),
                    ) {
                        (Some(m), _) => (m.clone(), false),
                        (None, Some(m)) => (m.clone(), true),
                        (None, None) => {
                            self.keep(invocation_id, turn);
                            return Err(bad(format!(
                                "a result must be {{\"functionResult\": …}} or {{\"apiResult\": …}}, got {result}"
                            )));
                        }
                    };
                    let Some(pos) = turn.waiting.iter().position(|w| {
                        w.wait != Wait::Ask && self.result_matches(w, &member, is_api)
                    }) else {
                        continue;
                    };
                    let w = turn.waiting.remove(pos);
                    used += 1;
                    let part = self.apply_result(&mut turn, &w, &member).await;
                    turn.results.push((w.index, part));
                }
                if used == 0 {
                    let expected = self.describe_waiting(&turn);
                    self.keep(invocation_id, turn);
                    return Err(bad(format!(
                        "no result matches a pending action; expected {expected}"
                    )));
                }
            }
        }
        if !turn.waiting.is_empty() {
            return Ok(self.pause(turn).await);
        }
        turn.next_step();
        self.drive(turn).await
    }

    pub(super) fn keep(&self, invocation_id: &str, turn: Turn) {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(invocation_id.to_owned(), turn);
    }

    pub(super) fn describe_waiting(&self, turn: &Turn) -> String {
        turn.waiting
            .iter()
            .filter_map(|w| self.tools.get(w.tool))
            .map(|t| match &t.target {
                Target::Function { group, function } => {
                    format!(
                        "functionResult for {}/{}",
                        group.action_group_name, function.name
                    )
                }
                Target::Api { group, operation } => format!(
                    "apiResult for {}/{} {}",
                    group.action_group_name,
                    operation.method.to_ascii_uppercase(),
                    operation.path
                ),
                Target::KnowledgeBase { .. } | Target::Collaborators(_) | Target::UserInput => {
                    t.spec.name.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub(super) fn result_matches(&self, w: &Waiting, member: &Value, is_api: bool) -> bool {
        let Some(tool) = self.tools.get(w.tool) else {
            return false;
        };
        let field = |k: &str| member.get(k).and_then(Value::as_str);
        match (&tool.target, is_api) {
            (Target::Function { group, function }, false) => {
                field("function") == Some(function.name.as_str())
                    && field("actionGroup").is_none_or(|g| g == group.action_group_name)
            }
            (Target::Api { group, operation }, true) => {
                field("apiPath") == Some(operation.path.as_str())
                    && field("httpMethod").is_none_or(|m| m.eq_ignore_ascii_case(&operation.method))
                    && field("actionGroup").is_none_or(|g| g == group.action_group_name)
            }
            _ => false,
        }
    }

    /// Turns one user result into the tool result the model sees. A confirmation runs the
    /// action only on `CONFIRM`.
    pub(super) async fn apply_result(
        &self,
        turn: &mut Turn,
        w: &Waiting,
        member: &Value,
    ) -> ContentPart {
        let confirmation = member.get("confirmationState").and_then(Value::as_str);
        let needs_confirm = matches!(w.wait, Wait::Confirm | Wait::ConfirmAndResult);
        if needs_confirm && confirmation != Some("CONFIRM") {
            let text = "The user denied this action, so it was not run. Do not retry it; tell the user it was not done.";
            self.observe(
                "ACTION_GROUP",
                Some(json!({ "text": text, "metadata": {"confirmationState": confirmation.unwrap_or("DENY")} })),
                None,
            )
            .await;
            return ContentPart::ToolResult {
                id: w.tool_use_id.clone(),
                content: json!({ "denied": true, "message": text }),
                is_error: true,
            };
        }
        match w.wait {
            Wait::Confirm => match self.tools.get(w.tool) {
                Some(t) => self.run_action(turn, t, &w.tool_use_id, &w.input).await,
                None => tool_error(&w.tool_use_id, "Internal", "unknown tool"),
            },
            Wait::Result | Wait::ConfirmAndResult | Wait::Ask => {
                let body = member
                    .get("responseBody")
                    .and_then(Value::as_object)
                    .and_then(|b| b.values().next())
                    .and_then(|c| c.get("body"))
                    .cloned()
                    .unwrap_or(Value::String(String::new()));
                let text = match body {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let failed = member.get("responseState").and_then(Value::as_str) == Some("FAILURE");
                self.observe("ACTION_GROUP", Some(json!({ "text": text })), None)
                    .await;
                ContentPart::ToolResult {
                    id: w.tool_use_id.clone(),
                    content: Value::String(text),
                    is_error: failed,
                }
            }
        }
    }

    pub(super) async fn pause(&self, turn: Turn) -> TurnOutcome {
        let invocation_id = self.next_id(&format!("{}-invocation", turn.session_id));
        let ask = turn.waiting.iter().find(|w| w.wait == Wait::Ask).map(|w| {
            w.input
                .get("question")
                .and_then(Value::as_str)
                .map_or_else(|| w.input.to_string(), str::to_owned)
        });
        let outcome = match ask {
            Some(question) => {
                self.emit_observation(Observation {
                    observation_type: "ASK_USER".to_owned(),
                    final_response: Some(json!({ "text": question })),
                    ..Observation::default()
                })
                .await;
                TurnOutcome::AskUser {
                    invocation_id: invocation_id.clone(),
                    question,
                }
            }
            None => {
                let inputs: Vec<Value> = turn
                    .waiting
                    .iter()
                    .filter_map(|w| {
                        let tool = self.tools.get(w.tool)?;
                        let mut v = tools::invocation_input(
                            &self.agent.agent_name,
                            &tool.target,
                            &w.input,
                            matches!(w.wait, Wait::Confirm),
                        );
                        if w.wait == Wait::ConfirmAndResult {
                            for key in ["functionInvocationInput", "apiInvocationInput"] {
                                if let Some(m) = v.get_mut(key) {
                                    m["actionInvocationType"] =
                                        json!("USER_CONFIRMATION_AND_RESULT");
                                }
                            }
                        }
                        Some(v)
                    })
                    .collect();
                let payload = json!({ "invocationId": invocation_id, "invocationInputs": inputs });
                self.emit(AgentTraceEvent::ReturnControl(payload.clone()))
                    .await;
                TurnOutcome::Paused {
                    invocation_id: invocation_id.clone(),
                    payload,
                }
            }
        };
        self.keep(&invocation_id, turn);
        outcome
    }
}
