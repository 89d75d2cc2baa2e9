//! What a run's model calls cost, from the price table (`crate::pricing`): one account kept as
//! the events stream, so the CLI's summary, the run store and the app's status bar agree.

use crate::model::Project;
use crate::trace::calls::{Call, Calls};
use crate::trace::RunEvent;

/// The cost of a run's model calls, from the price table.
#[derive(Debug, Default)]
pub struct Cost {
    pub usd: f64,
    /// Model ids with no known price.
    pub unpriced: Vec<String>,
    /// The agent model calls in flight: agent traces name the model on the call's input and
    /// the tokens on its output.
    calls: Calls,
}

impl Cost {
    pub fn add(&mut self, project: &Project, event: &RunEvent) {
        // A call that names no model (an agent's output trace whose input was not seen) is
        // not priced: it is a re-emission of one already counted.
        if let Some(Call {
            model: Some(model),
            span,
        }) = self.calls.observe(event)
        {
            if let Some((input, output)) = span.tokens {
                self.price(project, &model, input, output);
            }
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
            node: "Helper".into(),
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
