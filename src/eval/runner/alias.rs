//! Variants that are deployed aliases, run through the real SDK: an agent alias
//! (`InvokeAgent`, one call per user turn in one session) and a flow alias (`InvokeFlow`).
//! Each case is kept as a run like a project agent's, its trace read for the figures.

use super::case_run::{CaseRun, Facts};
use super::{turns_of, Evaluation};
use crate::eval::check::Outcome;
use crate::eval::suite::{Case, FlowAlias};
use crate::providers::agent_runtime::{AgentRuntimeClient, AgentSessionState, ReturnControlResult};
use crate::providers::bedrock::BedrockSettings;
use crate::providers::Usage;
use crate::return_control::{results_from_replies, ActionTarget};
use crate::trace::{AgentTraceEvent, RunEvent};
use serde_json::Value;
use std::collections::VecDeque;

/// At most this many InvokeAgent calls answer one user turn (the turn and its answers).
const MAX_CALLS_PER_TURN: usize = 10;

impl Evaluation {
    /// The Agent Runtime client for an alias in `region` (the provider override's profile,
    /// region and endpoint win), loading credentials at its first call.
    fn agent_runtime(&self, region: Option<&str>) -> AgentRuntimeClient {
        let given = self.provider.as_ref();
        AgentRuntimeClient::lazy(BedrockSettings {
            region: given
                .and_then(|p| p.region.clone())
                .or_else(|| region.map(str::to_owned)),
            profile: given.and_then(|p| p.profile.clone()),
            endpoint_url: given.and_then(|p| p.endpoint_url.clone()),
        })
    }

    /// An agent alias case: each turn an InvokeAgent call in one session, its trace kept; the
    /// last reply is the output. The agent's questions and returned actions (confirmations,
    /// results) are answered from the case's `answers:`, in order, as a local run answers them;
    /// when they run out the case fails saying what was asked.
    pub(super) async fn run_agent_alias(
        &self,
        arn: &str,
        input: Value,
        case: &Case,
    ) -> Result<(Outcome, Facts), String> {
        let region = arn.split(':').nth(3).filter(|r| !r.is_empty());
        let client = self.agent_runtime(region);
        let label = format!("agent alias {arn}");
        let session = self.session();
        let mut run = CaseRun::start(self, session.store(), &label, &input).await?;
        let session_id = session_id(run.id(), &case.id);
        let mut replies: VecDeque<String> = case.answers.iter().cloned().collect();
        let ran_out = |what: String| {
            format!(
                "agent alias {arn} {what}, and the case's answers ran out ({} given)",
                case.answers.len()
            )
        };
        let mut reply = String::new();
        let mut usage = Usage::default();
        let mut error = None;
        'turns: for turn in turns_of(case, &input) {
            let mut text = turn;
            let mut state = AgentSessionState::default();
            for _ in 0..MAX_CALLS_PER_TURN {
                let answered = client
                    .invoke_agent(arn, &session_id, &text, &state, true)
                    .await;
                let answered = match answered {
                    Ok(answered) => answered,
                    Err(e) => {
                        error = Some(e.to_string());
                        break 'turns;
                    }
                };
                for part in &answered.traces {
                    let trace = part.get("trace").cloned().unwrap_or(Value::Null);
                    if let Ok(trace) = serde_json::from_value::<AgentTraceEvent>(trace) {
                        run.keep(RunEvent::AgentTrace {
                            at_ms: run.at(),
                            node: arn.into(),
                            trace,
                        });
                    }
                }
                usage.input_tokens += answered.usage.input_tokens;
                usage.output_tokens += answered.usage.output_tokens;
                reply = answered.completion;
                state = AgentSessionState::default();
                let returned = answered.return_control.as_ref();
                state.invocation_id = returned
                    .and_then(|rc| rc.get("invocationId"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                if let Some(question) = answered.input_required {
                    let Some(answer) = replies.pop_front() else {
                        error = Some(ran_out(format!("asked the user {question:?}")));
                        break 'turns;
                    };
                    if let Some(rc) = returned {
                        state.results = vec![ReturnControlResult::user_input(rc, answer.clone())];
                    }
                    text = answer;
                    continue;
                }
                let Some(rc) = returned else {
                    continue 'turns;
                };
                let Some(results) = results_from_replies(rc, &mut replies) else {
                    error = Some(ran_out(format!(
                        "returned control ({})",
                        crate::return_control::actions(rc)
                            .iter()
                            .map(|a| match &a.target {
                                ActionTarget::Function { function } =>
                                    format!("{} {function}", a.action_group),
                                ActionTarget::Api {
                                    http_method,
                                    api_path,
                                } => format!("{} {http_method} {api_path}", a.action_group),
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                    break 'turns;
                };
                state.results = match results.iter().map(ReturnControlResult::from_json).collect() {
                    Ok(results) => results,
                    Err(e) => {
                        error = Some(format!("agent alias {arn}: an answer is malformed: {e}"));
                        break 'turns;
                    }
                };
                text = String::new();
            }
            error = Some(format!(
                "agent alias {arn} still asked after {MAX_CALLS_PER_TURN} calls in one turn; giving up"
            ));
            break;
        }
        run.finish(arn, Value::String(reply), error, usage).await
    }

    /// A flow alias case: one InvokeFlow call with the input given to the flow's Input node;
    /// the output is the Output node's document (by node name when there are several).
    pub(super) async fn run_flow_alias(
        &self,
        alias: &FlowAlias,
        input: Value,
    ) -> Result<(Outcome, Facts), String> {
        let client = self.agent_runtime(alias.region.as_deref());
        let label = format!("flow {} alias {}", alias.flow_id, alias.alias_id);
        let session = self.session();
        let mut run = CaseRun::start(self, session.store(), &label, &input).await?;
        let input_node = alias.input_node.as_deref().unwrap_or("FlowInputNode");
        let invoked = client
            .invoke_flow(&alias.flow_id, &alias.alias_id, input_node, &input)
            .await;
        let flow = match invoked {
            Ok(flow) => flow,
            Err(e) => {
                return run
                    .finish(&label, Value::Null, Some(e.to_string()), Usage::default())
                    .await
            }
        };
        for event in flow.events {
            run.keep(event);
        }
        let outputs = flow.outputs;
        let error = match flow.completion.as_deref() {
            Some("SUCCESS") | None if !outputs.is_empty() => None,
            Some("INPUT_REQUIRED") => Some(format!(
                "{label}: the flow asked for more input, which a case cannot give"
            )),
            other => Some(format!(
                "{label}: the flow ended ({}) without an output",
                other.unwrap_or("no completion event")
            )),
        };
        let (node, output) = match outputs.as_slice() {
            [(node, one)] => (node.as_str(), one.clone()),
            many => (
                label.as_str(),
                Value::Object(many.iter().cloned().collect()),
            ),
        };
        run.finish(node, output, error, flow.usage).await
    }
}

/// A session id for the case, `[0-9a-zA-Z._:-]{2,100}`: the run's id, or the time when
/// nothing is stored, so repeats do not share a conversation.
fn session_id(run_id: Option<&str>, case: &str) -> String {
    let unique = run_id.map(str::to_owned).unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos().to_string())
            .unwrap_or_default()
    });
    format!("strata-eval-{case}-{unique}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect()
}
