//! The calls a run's nodes make to models and services, each known once it ends: a
//! `nodeAction` ends at its `atMs` after `latencyMs`; an agent's model invocation runs from
//! its input trace to its output trace (the input names the model, the output the tokens).
//! The run's cost ([`crate::trace::Cost`]) and its timeline
//! ([`crate::trace::inspect::timeline`]) both read the calls from here.

use crate::trace::agent::StepTrace;
use crate::trace::RunEvent;
use serde_json::Value;
use std::collections::HashMap;

/// A call a node made, in time.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSpan {
    /// The model id, or the service and operation.
    pub label: String,
    pub start_ms: u64,
    pub end_ms: u64,
    /// Input and output tokens, when the call reported them.
    pub tokens: Option<(u64, u64)>,
}

/// A call that has ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The model called, when the call names one: an agent's invocation whose input trace was
    /// not seen (a post-processing re-emission) names none, and its label is `model`.
    pub model: Option<String>,
    pub span: CallSpan,
}

/// The agent model invocations under way, read from a run's events in order.
#[derive(Debug, Default)]
pub struct Calls {
    /// (node, trace id) → when the invocation started and the model it called.
    open: HashMap<(String, String), (u64, String)>,
}

impl Calls {
    /// The call `event` ends, if it ends one.
    pub fn observe(&mut self, event: &RunEvent) -> Option<Call> {
        match event {
            RunEvent::NodeAction {
                at_ms,
                service_name,
                operation_name,
                request,
                usage,
                latency_ms,
                ..
            } => {
                let model = request
                    .get("modelId")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let label = model
                    .clone()
                    .unwrap_or_else(|| format!("{service_name} {operation_name}"));
                Some(Call {
                    model,
                    span: CallSpan {
                        label,
                        start_ms: at_ms.saturating_sub(*latency_ms),
                        end_ms: *at_ms,
                        tokens: usage.map(|u| (u.input_tokens, u.output_tokens)),
                    },
                })
            }
            RunEvent::AgentTrace { at_ms, node, trace } => match trace.step() {
                Some(StepTrace::ModelInvocationInput(input)) => {
                    self.open.insert(
                        (node.to_string(), input.trace_id.clone()),
                        (*at_ms, input.foundation_model.clone()),
                    );
                    None
                }
                Some(StepTrace::ModelInvocationOutput(output)) => {
                    let key = (node.to_string(), output.trace_id.clone());
                    let (start_ms, model) = match self.open.remove(&key) {
                        Some((start_ms, model)) => (start_ms, Some(model)),
                        None => (at_ms.saturating_sub(output.metadata.total_time_ms), None),
                    };
                    let usage = &output.metadata.usage;
                    Some(Call {
                        span: CallSpan {
                            label: model.clone().unwrap_or_else(|| "model".to_owned()),
                            start_ms,
                            end_ms: *at_ms,
                            tokens: Some((usage.input_tokens, usage.output_tokens)),
                        },
                        model,
                    })
                }
                Some(
                    StepTrace::Rationale(_)
                    | StepTrace::InvocationInput(_)
                    | StepTrace::Observation(_),
                )
                | None => None,
            },
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
            | RunEvent::RunFinished { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn agent_trace(at_ms: u64, trace: Value) -> RunEvent {
        RunEvent::AgentTrace {
            at_ms,
            node: "Helper".into(),
            trace: serde_json::from_value(trace).expect("an agent trace"),
        }
    }

    #[test]
    fn an_agent_invocation_runs_from_its_input_to_its_output() {
        let mut calls = Calls::default();
        let started = calls.observe(&agent_trace(
            10,
            json!({"orchestrationTrace": {"modelInvocationInput": {
                "traceId": "Support-1", "foundationModel": "m", "text": "…",
                "type": "ORCHESTRATION", "promptCreationMode": "DEFAULT"}}}),
        ));
        assert_eq!(started, None);
        let output = |trace_id: &str| {
            json!({"orchestrationTrace": {"modelInvocationOutput": {
                "traceId": trace_id, "rawResponse": {},
                "metadata": {"usage": {"inputTokens": 7, "outputTokens": 3}, "totalTimeMs": 5}}}})
        };
        let ended = calls.observe(&agent_trace(40, output("Support-1")));
        let expected = Call {
            model: Some("m".to_owned()),
            span: CallSpan {
                label: "m".to_owned(),
                start_ms: 10,
                end_ms: 40,
                tokens: Some((7, 3)),
            },
        };
        assert_eq!(ended, Some(expected));
        assert!(calls.open.is_empty());

        // An output whose input was not seen names no model and took its own total time.
        let unpaired = calls.observe(&agent_trace(40, output("Support-2")));
        let expected = Call {
            model: None,
            span: CallSpan {
                label: "model".to_owned(),
                start_ms: 35,
                end_ms: 40,
                tokens: Some((7, 3)),
            },
        };
        assert_eq!(unpaired, Some(expected));
    }
}
