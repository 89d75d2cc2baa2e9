//! Variants that are deployed aliases, run through the real SDK: an agent alias
//! (`InvokeAgent`, one call per user turn in one session) and a flow alias (`InvokeFlow`).
//! Each case is kept as a run like a project agent's, its trace read for the figures.

use super::case_run::{CaseRun, Facts};
use super::{turns_of, Evaluation};
use crate::eval::check::Outcome;
use crate::eval::suite::{Case, FlowAlias};
use crate::providers::agent_runtime::{AgentRuntimeClient, AgentSessionState};
use crate::providers::bedrock::BedrockSettings;
use crate::providers::Usage;
use crate::trace::{AgentTraceEvent, RunEvent};
use serde_json::Value;

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
    /// last reply is the output.
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
        let mut reply = String::new();
        let mut usage = Usage::default();
        let mut error = None;
        for turn in turns_of(case, &input) {
            let answered = client
                .invoke_agent(arn, &session_id, &turn, &AgentSessionState::default(), true)
                .await;
            let answered = match answered {
                Ok(answered) => answered,
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
            };
            for part in &answered.traces {
                let trace = part.get("trace").cloned().unwrap_or(Value::Null);
                if let Ok(trace) = serde_json::from_value::<AgentTraceEvent>(trace) {
                    run.keep(RunEvent::AgentTrace {
                        at_ms: run.at(),
                        node: arn.to_owned(),
                        trace,
                    });
                }
            }
            usage.input_tokens += answered.usage.input_tokens;
            usage.output_tokens += answered.usage.output_tokens;
            reply = answered.completion;
            if let Some(question) = answered.input_required {
                error = Some(format!(
                    "agent alias {arn} asked the user {question:?}: a deployed alias's questions are not answered from the case's answers"
                ));
                break;
            }
            if answered.return_control.is_some() {
                error = Some(format!(
                    "agent alias {arn} returned control: a deployed alias's returned actions are not answered from the case's answers"
                ));
                break;
            }
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
