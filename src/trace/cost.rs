//! What a run's model calls cost, from the price table (`crate::pricing`): one account kept as
//! the events stream, so the CLI's summary, the run store and the app's status bar agree.

use crate::model::Project;
use crate::trace::agent::StepTrace;
use crate::trace::RunEvent;

/// The cost of a run's model calls, from the price table.
#[derive(Debug, Default)]
pub struct Cost {
    pub usd: f64,
    /// Model ids with no known price.
    pub unpriced: Vec<String>,
    /// The model of each agent model call in flight, by trace id: agent traces name the
    /// model on the call's input and the tokens on its output.
    agent_calls: std::collections::HashMap<String, String>,
}

impl Cost {
    pub fn add(&mut self, project: &Project, event: &RunEvent) {
        match event {
            RunEvent::NodeAction { request, usage, .. } => {
                let model = request.get("modelId").and_then(|m| m.as_str());
                if let (Some(model), Some(usage)) = (model, usage) {
                    self.price(project, model, usage.input_tokens, usage.output_tokens);
                }
            }
            RunEvent::AgentTrace { trace, .. } => match trace.step() {
                Some(StepTrace::ModelInvocationInput(input)) => {
                    self.agent_calls
                        .insert(input.trace_id.clone(), input.foundation_model.clone());
                }
                Some(StepTrace::ModelInvocationOutput(output)) => {
                    if let Some(model) = self.agent_calls.remove(&output.trace_id) {
                        let usage = &output.metadata.usage;
                        self.price(project, &model, usage.input_tokens, usage.output_tokens);
                    }
                }
                Some(
                    StepTrace::Rationale(_)
                    | StepTrace::InvocationInput(_)
                    | StepTrace::Observation(_),
                )
                | None => {}
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
            | RunEvent::RunFinished { .. } => {}
        }
    }

    fn price(&mut self, project: &Project, model: &str, input: u64, output: u64) {
        match crate::pricing::cost(Some(project), model, input, output) {
            Some(c) => self.usd += c,
            None => {
                if !self.unpriced.iter().any(|m| m == model) {
                    self.unpriced.push(model.to_owned());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Project;
    use serde_json::json;

    fn agent_trace(trace: serde_json::Value) -> RunEvent {
        RunEvent::AgentTrace {
            at_ms: 0,
            node: "Helper".to_owned(),
            trace: serde_json::from_value(trace).expect("an agent trace"),
        }
    }

    #[test]
    fn agent_model_calls_inside_a_flow_are_priced() {
        let project: Project =
            serde_json::from_value(json!({"schemaVersion": 1, "name": "p"})).expect("project");
        let model = "anthropic.claude-3-5-sonnet-20240620-v1:0";
        let mut cost = Cost::default();
        cost.add(
            &project,
            &agent_trace(json!({"orchestrationTrace": {"modelInvocationInput": {
                "traceId": "Support-1", "foundationModel": model, "text": "…",
                "type": "ORCHESTRATION", "promptCreationMode": "DEFAULT"}}})),
        );
        cost.add(
            &project,
            &agent_trace(json!({"orchestrationTrace": {"modelInvocationOutput": {
                "traceId": "Support-1", "rawResponse": {},
                "metadata": {"usage": {"inputTokens": 1000, "outputTokens": 100}, "totalTimeMs": 5}}}})),
        );
        let expected = crate::pricing::cost(Some(&project), model, 1000, 100).expect("priced");
        assert!(expected > 0.0);
        assert!((cost.usd - expected).abs() < 1e-12, "{}", cost.usd);
        assert!(cost.agent_calls.is_empty());
        assert!(cost.unpriced.is_empty());

        // An output without its input (a post-processing re-emission) is not counted twice.
        cost.add(
            &project,
            &agent_trace(json!({"preProcessingTrace": {"modelInvocationOutput": {
                "traceId": "preprocessing-9", "rawResponse": {},
                "metadata": {"usage": {"inputTokens": 1000, "outputTokens": 100}, "totalTimeMs": 5}}}})),
        );
        assert!((cost.usd - expected).abs() < 1e-12);
    }
}
