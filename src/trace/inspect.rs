//! Reading a run for the inspector: what each node received and produced (per Iterator item
//! and Loop iteration), an Agent node's steps as readable rows, the run's timeline and what
//! differs between two runs. Pure functions of a run's events, so the editor page, a recorded
//! run from the store and a test all read a run the same way.

mod steps;
mod timeline;

pub use steps::{agent_steps, event_steps, AgentStep, StepKind};
pub use timeline::{timeline, CallSpan, Timeline, TimelineRow};

use crate::trace::event::{ChainKind, ChainStep, InputField, OutputField};
use crate::trace::RunEvent;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One time a node ran: the run itself, or one Iterator item / Loop iteration of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    /// Which item or iteration (`executionChain`); empty at the flow's top level.
    pub chain: Vec<ChainStep>,
    /// The last inputs the node received in this pass.
    pub inputs: Vec<InputField>,
    /// The last outputs the node produced in this pass; an Output node's document is its
    /// `document` output.
    pub outputs: Vec<OutputField>,
    /// Whether the node reported outputs in this pass (an Output node's document counts).
    pub produced: bool,
    /// The error when the node failed.
    pub error: Option<String>,
    /// Why the node did not run in this pass and its outputs were given instead (reused from
    /// an earlier run, or pinned).
    pub reused: Option<String>,
}

impl Pass {
    fn new(chain: Vec<ChainStep>) -> Pass {
        Pass {
            chain,
            inputs: Vec::new(),
            outputs: Vec::new(),
            produced: false,
            error: None,
            reused: None,
        }
    }

    /// Names the pass for a picker: `item 3 of Iterate · iteration 1 of Retry`, or `run` at
    /// the top level.
    pub fn label(&self) -> String {
        chain_label(&self.chain)
    }

    /// The inputs as one object, input name → value.
    pub fn inputs_json(&self) -> Value {
        Value::Object(
            self.inputs
                .iter()
                .map(|f| (f.node_input_name.to_string(), f.content.document.clone()))
                .collect(),
        )
    }

    /// The outputs as one object, output name → value.
    pub fn outputs_json(&self) -> Value {
        Value::Object(
            self.outputs
                .iter()
                .map(|f| (f.node_output_name.to_string(), f.content.document.clone()))
                .collect(),
        )
    }
}

/// Names an `executionChain` for people: outermost first.
pub fn chain_label(chain: &[ChainStep]) -> String {
    if chain.is_empty() {
        return "run".to_owned();
    }
    chain
        .iter()
        .map(|step| {
            let what = match step.kind {
                ChainKind::Iterator => "item",
                ChainKind::Loop => "iteration",
            };
            format!("{what} {} of {}", step.index, step.node_name)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Everything a run said about one node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRecord {
    pub node: String,
    /// Each pass, in the order it started.
    pub passes: Vec<Pass>,
    /// Why the node did not run, when it was skipped.
    pub skipped: Option<String>,
}

impl NodeRecord {
    /// The pass that ended last: the node's "last inputs and outputs".
    pub fn last(&self) -> Option<&Pass> {
        self.passes.last()
    }

    /// The node's outputs for comparing runs: the outputs object of a top-level node, or one
    /// member per pass (named by [`Pass::label`]) inside an Iterator or a Loop. `None` when
    /// the node produced nothing.
    pub fn outputs_json(&self) -> Option<Value> {
        let produced: Vec<&Pass> = self.passes.iter().filter(|p| p.produced).collect();
        match produced.as_slice() {
            [] => None,
            [one] if one.chain.is_empty() => Some(one.outputs_json()),
            many => Some(Value::Object(
                many.iter()
                    .map(|p| (p.label(), p.outputs_json()))
                    .collect::<Map<_, _>>(),
            )),
        }
    }
}

/// A run read node by node, in the order nodes first appear in its events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inspection {
    pub nodes: Vec<NodeRecord>,
}

impl Inspection {
    /// Reads `events` once; a node inside an Iterator of 10,000 items gets 10,000 passes.
    /// Reading only one node's events gives that node's record alone.
    pub fn read<'a>(events: impl IntoIterator<Item = &'a RunEvent>) -> Inspection {
        let mut nodes: Vec<NodeRecord> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        // Per node, the pass of each chain, keyed by the chain's label.
        let mut pass_of: Vec<HashMap<String, usize>> = Vec::new();
        for event in events {
            let Some(name) = event.node() else { continue };
            let n = *by_name.entry(name.to_owned()).or_insert_with(|| {
                nodes.push(NodeRecord {
                    node: name.to_owned(),
                    passes: Vec::new(),
                    skipped: None,
                });
                pass_of.push(HashMap::new());
                nodes.len() - 1
            });
            let record = &mut nodes[n];
            let keys = &mut pass_of[n];
            match event {
                RunEvent::NodeStarted {
                    execution_chain, ..
                } => {
                    pass_index(record, keys, execution_chain);
                }
                RunEvent::NodeInput {
                    execution_chain,
                    fields,
                    ..
                } => {
                    let p = pass_index(record, keys, execution_chain);
                    record.passes[p].inputs.clone_from(fields);
                }
                RunEvent::NodeOutput {
                    execution_chain,
                    fields,
                    ..
                } => {
                    let p = pass_index(record, keys, execution_chain);
                    record.passes[p].outputs.clone_from(fields);
                    record.passes[p].produced = true;
                }
                RunEvent::FlowOutput { document, .. } => {
                    // An Output node's document: it belongs to the pass that ran last.
                    let p = last_pass(record, keys);
                    let slot = &mut record.passes[p];
                    if !slot.produced {
                        slot.outputs = vec![OutputField {
                            node_output_name: "document".into(),
                            content: crate::trace::event::Content {
                                document: document.clone(),
                            },
                            next: Vec::new().into(),
                        }];
                        slot.produced = true;
                    }
                }
                RunEvent::NodeFailed { error, .. } => {
                    let p = last_pass(record, keys);
                    record.passes[p].error = Some(error.clone());
                }
                RunEvent::NodeSkipped { reason, .. } => record.skipped = Some(reason.clone()),
                RunEvent::NodeReused {
                    execution_chain,
                    reason,
                    ..
                } => {
                    let p = pass_index(record, keys, execution_chain);
                    record.passes[p].reused = Some(reason.clone());
                }
                RunEvent::ConditionResult { .. }
                | RunEvent::NodeAction { .. }
                | RunEvent::ContentBlockDelta { .. }
                | RunEvent::AgentTrace { .. }
                | RunEvent::RunStarted { .. }
                | RunEvent::Cancelled { .. }
                | RunEvent::RunFinished { .. } => {}
            }
        }
        Inspection { nodes }
    }

    /// What the run said about `node`, if anything.
    pub fn node(&self, node: &str) -> Option<&NodeRecord> {
        self.nodes.iter().find(|r| r.node == node)
    }
}

/// The pass of `chain`, added when the node had none for it yet.
fn pass_index(
    record: &mut NodeRecord,
    keys: &mut HashMap<String, usize>,
    chain: &[ChainStep],
) -> usize {
    *keys.entry(chain_label(chain)).or_insert_with(|| {
        record.passes.push(Pass::new(chain.to_vec()));
        record.passes.len() - 1
    })
}

/// The pass that started last (events without a chain belong to it), or a top-level one.
fn last_pass(record: &mut NodeRecord, keys: &mut HashMap<String, usize>) -> usize {
    match record.passes.len().checked_sub(1) {
        Some(p) => p,
        None => pass_index(record, keys, &[]),
    }
}

/// One node's outputs in two runs.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeDiff {
    pub node: String,
    /// [`NodeRecord::outputs_json`] in the first run; `None` when it produced nothing there.
    pub left: Option<Value>,
    pub right: Option<Value>,
}

impl NodeDiff {
    pub fn differs(&self) -> bool {
        self.left != self.right
    }
}

/// Every node that produced outputs in either run, in the first run's order then the second's
/// newcomers, with its outputs side by side.
pub fn compare(left: &[RunEvent], right: &[RunEvent]) -> Vec<NodeDiff> {
    let (a, b) = (Inspection::read(left), Inspection::read(right));
    let mut names: Vec<&str> = a.nodes.iter().map(|r| r.node.as_str()).collect();
    for r in &b.nodes {
        if !names.contains(&r.node.as_str()) {
            names.push(&r.node);
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let left = a.node(name).and_then(NodeRecord::outputs_json);
            let right = b.node(name).and_then(NodeRecord::outputs_json);
            (left.is_some() || right.is_some()).then(|| NodeDiff {
                node: name.to_owned(),
                left,
                right,
            })
        })
        .collect()
}

/// A value as indented JSON, for showing and copying.
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// Events from their JSON lines, as the store and the shell carry them.
    pub(crate) fn events(lines: Value) -> Vec<RunEvent> {
        serde_json::from_value(lines).expect("run events")
    }

    fn field_in(name: &str, value: Value) -> Value {
        json!({"nodeInputName": name, "content": {"document": value}, "type": "String",
               "source": {"nodeName": "Input", "outputFieldName": "document", "expression": "$.data"}})
    }

    fn field_out(name: &str, value: Value) -> Value {
        json!({"nodeOutputName": name, "content": {"document": value}, "next": []})
    }

    fn iterator_run(answer_for_b: &str) -> Vec<RunEvent> {
        let chain = |i: usize| json!([{"nodeName": "Each", "index": i, "type": "Iterator"}]);
        events(json!([
            {"event": "runStarted", "atMs": 0, "runId": "r1", "flow": "F", "inputs": ["a", "b"]},
            {"event": "nodeStarted", "atMs": 0, "node": "Input"},
            {"event": "nodeOutput", "atMs": 1, "node": "Input", "fields": [field_out("document", json!(["a", "b"]))]},
            {"event": "nodeStarted", "atMs": 2, "node": "Ask", "executionChain": chain(0)},
            {"event": "nodeInput", "atMs": 2, "node": "Ask", "executionChain": chain(0), "fields": [field_in("q", json!("a"))]},
            {"event": "nodeOutput", "atMs": 5, "node": "Ask", "executionChain": chain(0), "fields": [field_out("modelCompletion", json!("A"))]},
            {"event": "nodeStarted", "atMs": 6, "node": "Ask", "executionChain": chain(1)},
            {"event": "nodeInput", "atMs": 6, "node": "Ask", "executionChain": chain(1), "fields": [field_in("q", json!("b"))]},
            {"event": "nodeOutput", "atMs": 9, "node": "Ask", "executionChain": chain(1), "fields": [field_out("modelCompletion", json!(answer_for_b))]},
            {"event": "nodeSkipped", "atMs": 9, "node": "Billing", "reason": "no condition chose it"},
            {"event": "nodeStarted", "atMs": 10, "node": "Out"},
            {"event": "flowOutput", "atMs": 11, "node": "Out", "document": ["A", answer_for_b]},
            {"event": "runFinished", "atMs": 12, "status": "succeeded", "outputs": [], "usage": {"inputTokens": 0, "outputTokens": 0}, "durationMs": 12}
        ]))
    }

    #[test]
    fn each_iterator_item_is_a_pass_with_its_own_inputs_and_outputs() {
        let run = Inspection::read(&iterator_run("B"));
        let ask = run.node("Ask").expect("Ask ran");
        let labels: Vec<String> = ask.passes.iter().map(Pass::label).collect();
        assert_eq!(labels, ["item 0 of Each", "item 1 of Each"]);
        assert_eq!(ask.passes[0].inputs_json(), json!({"q": "a"}));
        assert_eq!(ask.passes[1].inputs_json(), json!({"q": "b"}));
        let last = ask.last().expect("a last pass");
        assert_eq!(last.outputs_json(), json!({"modelCompletion": "B"}));
        assert_eq!(
            ask.outputs_json(),
            Some(json!({"item 0 of Each": {"modelCompletion": "A"},
                        "item 1 of Each": {"modelCompletion": "B"}}))
        );
        // A top-level node has one pass named `run`; an Output node's document is its output.
        let out = run.node("Out").expect("Out ran");
        assert_eq!(out.last().map(Pass::label).as_deref(), Some("run"));
        assert_eq!(out.outputs_json(), Some(json!({"document": ["A", "B"]})));
        // A skipped node says why and produced nothing.
        let billing = run.node("Billing").expect("Billing is known");
        assert_eq!(billing.skipped.as_deref(), Some("no condition chose it"));
        assert_eq!(billing.outputs_json(), None);
        let order: Vec<&str> = run.nodes.iter().map(|r| r.node.as_str()).collect();
        assert_eq!(order, ["Input", "Ask", "Billing", "Out"]);
    }

    #[test]
    fn a_loop_iteration_inside_an_iterator_item_names_both() {
        let chain = vec![
            ChainStep {
                node_name: "Each".into(),
                index: 2,
                kind: ChainKind::Iterator,
            },
            ChainStep {
                node_name: "Retry".into(),
                index: 1,
                kind: ChainKind::Loop,
            },
        ];
        assert_eq!(chain_label(&chain), "item 2 of Each · iteration 1 of Retry");
    }

    #[test]
    fn a_failed_node_keeps_its_error_on_its_pass() {
        let run = Inspection::read(&events(json!([
            {"event": "nodeStarted", "atMs": 0, "node": "Code"},
            {"event": "nodeFailed", "atMs": 4, "node": "Code", "error": "Code: handler crashed"}
        ])));
        let code = run.node("Code").expect("Code");
        assert_eq!(
            code.last().and_then(|p| p.error.as_deref()),
            Some("Code: handler crashed")
        );
        assert_eq!(code.outputs_json(), None);
    }

    #[test]
    fn a_reused_node_says_why_and_keeps_the_outputs_it_was_given() {
        let run = Inspection::read(&events(json!([
            {"event": "nodeReused", "atMs": 0, "node": "Classify", "fromRun": "run_1",
             "reason": "reused from run run_1"},
            {"event": "nodeOutput", "atMs": 0, "node": "Classify", "fields": [field_out("modelCompletion", json!("BILLING"))]}
        ])));
        let classify = run.node("Classify").expect("Classify");
        assert_eq!(classify.passes.len(), 1);
        let pass = classify.last().expect("a pass");
        assert_eq!(pass.reused.as_deref(), Some("reused from run run_1"));
        assert_eq!(pass.outputs_json(), json!({"modelCompletion": "BILLING"}));
    }

    #[test]
    fn comparing_two_runs_names_the_node_whose_outputs_differ() {
        let diffs = compare(&iterator_run("B"), &iterator_run("b!"));
        let differing: Vec<&str> = diffs
            .iter()
            .filter(|d| d.differs())
            .map(|d| d.node.as_str())
            .collect();
        assert_eq!(differing, ["Ask", "Out"]);
        let input = diffs.iter().find(|d| d.node == "Input").expect("Input");
        assert!(!input.differs());
        let ask = diffs.iter().find(|d| d.node == "Ask").expect("Ask");
        assert_eq!(
            ask.right.as_ref().map(|v| v["item 1 of Each"].clone()),
            Some(json!({"modelCompletion": "b!"}))
        );
        // A node only one run reached differs, with nothing on the other side.
        let only_left = compare(&iterator_run("B"), &events(json!([])));
        assert!(only_left.iter().all(|d| d.right.is_none() && d.differs()));
        assert_eq!(pretty(&json!({"a": 1})), "{\n  \"a\": 1\n}");
    }
}
