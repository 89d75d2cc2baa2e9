//! A run in time: one row per node from its first to its last event (how it ended is
//! [`crate::trace::view::RunView`]'s to say), with the calls it made
//! to models and services nested inside (a `nodeAction` ends at its `atMs` after `latencyMs`;
//! an agent's model invocation runs from its input trace to its output trace).

pub use crate::trace::calls::CallSpan;
use crate::trace::calls::Calls;
use crate::trace::RunEvent;
use std::collections::HashMap;

/// One node in time.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    pub node: String,
    pub start_ms: u64,
    pub end_ms: u64,
    pub calls: Vec<CallSpan>,
}

/// The run in time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// One row per node, in the order nodes first appear.
    pub rows: Vec<TimelineRow>,
    /// The last moment any event names: the width of the picture.
    pub end_ms: u64,
}

/// Lays the run's events out in time.
pub fn timeline(events: &[RunEvent]) -> Timeline {
    let mut rows: Vec<TimelineRow> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut calls = Calls::default();
    let mut end_ms = 0;
    for event in events {
        let at = event.at_ms();
        end_ms = end_ms.max(at);
        let Some(node) = event.node() else {
            continue;
        };
        let r = *index.entry(node.to_owned()).or_insert_with(|| {
            rows.push(TimelineRow {
                node: node.to_owned(),
                start_ms: at,
                end_ms: at,
                calls: Vec::new(),
            });
            rows.len() - 1
        });
        let row = &mut rows[r];
        row.end_ms = row.end_ms.max(at);
        if let Some(call) = calls.observe(event) {
            row.start_ms = row.start_ms.min(call.span.start_ms);
            row.calls.push(call.span);
        }
    }
    Timeline { rows, end_ms }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::inspect::tests::events;
    use serde_json::json;

    #[test]
    fn each_node_is_one_row_with_its_model_calls_inside() {
        let usage = json!({"inputTokens": 10, "outputTokens": 2});
        let run = events(json!([
            {"event": "runStarted", "atMs": 0, "runId": "r", "flow": "F", "inputs": null},
            {"event": "nodeStarted", "atMs": 0, "node": "Input"},
            {"event": "nodeOutput", "atMs": 1, "node": "Input", "fields": []},
            {"event": "nodeStarted", "atMs": 2, "node": "Ask"},
            {"event": "nodeAction", "atMs": 40, "node": "Ask", "serviceName": "bedrock-runtime",
             "operationName": "Converse", "request": {"modelId": "m1"}, "response": {}, "usage": usage, "latencyMs": 30},
            {"event": "nodeOutput", "atMs": 41, "node": "Ask", "fields": []},
            {"event": "nodeStarted", "atMs": 42, "node": "Agent"},
            {"event": "agentTrace", "atMs": 45, "node": "Agent", "trace": {"orchestrationTrace": {"modelInvocationInput": {
                "traceId": "t", "text": "…", "type": "ORCHESTRATION", "foundationModel": "m2", "promptCreationMode": "DEFAULT"}}}},
            {"event": "agentTrace", "atMs": 60, "node": "Agent", "trace": {"orchestrationTrace": {"modelInvocationOutput": {
                "traceId": "t", "rawResponse": {}, "metadata": {"usage": usage, "totalTimeMs": 15}}}}},
            {"event": "nodeFailed", "atMs": 61, "node": "Agent", "error": "Agent: no"},
            {"event": "nodeSkipped", "atMs": 61, "node": "Billing", "reason": "not chosen"},
            {"event": "runFinished", "atMs": 62, "status": "failed", "outputs": [], "usage": usage, "durationMs": 62}
        ]));
        let t = timeline(&run);
        assert_eq!(t.end_ms, 62);
        let names: Vec<&str> = t.rows.iter().map(|r| r.node.as_str()).collect();
        assert_eq!(names, ["Input", "Ask", "Agent", "Billing"]);
        let ask = &t.rows[1];
        assert_eq!((ask.start_ms, ask.end_ms), (2, 41));
        assert_eq!(
            ask.calls,
            [CallSpan {
                label: "m1".to_owned(),
                start_ms: 10,
                end_ms: 40,
                tokens: Some((10, 2))
            }]
        );
        let agent = &t.rows[2];
        assert_eq!(agent.calls.len(), 1);
        assert_eq!((agent.calls[0].start_ms, agent.calls[0].end_ms), (45, 60));
        assert_eq!(agent.calls[0].label, "m2");
        // A skipped node has a row of no width: it is in the picture, and did nothing.
        assert_eq!((t.rows[3].start_ms, t.rows[3].end_ms), (61, 61));
        // A call that began before the node's first event widens its row.
        let early = events(json!([{"event": "nodeAction", "atMs": 5, "node": "Code",
            "serviceName": "lambda", "operationName": "Invoke", "request": {}, "response": {}, "latencyMs": 5}]));
        let t = timeline(&early);
        assert_eq!((t.rows[0].start_ms, t.rows[0].end_ms), (0, 5));
        assert_eq!(t.rows[0].calls[0].label, "lambda Invoke");
    }
}
