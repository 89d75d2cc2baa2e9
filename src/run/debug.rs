//! The debugger's hooks into a run: re-running from a node with an earlier run's outputs
//! ([`Seed`]), pinned outputs, and breakpoints that pause before a node with its inputs.
//!
//! A host builds a [`Debug`] and gives it to the run with
//! [`RunContext::with_debug`](super::RunContext::with_debug). Before anything runs the
//! executor checks it against the plan ([`Debug::check`] is the same check for hosts that
//! want to refuse early): the re-run's start and every pin and breakpoint must name a node,
//! pins must fit the node's outputs, and the recorded run must hold every value the re-run
//! reads from a node it does not run again. A rejected `Debug` fails the run with the
//! node named, before any node runs.
//!
//! What re-runs: the `from` node and everything downstream of it in the flow's graph
//! (following connections, an Iterator's members with it), and likewise from every pinned
//! node. A node inside an Iterator or a Loop cannot re-run alone, since its container's
//! items or rounds run whole: the re-run then starts at the outermost container holding it,
//! and the events say so. Every other node of the flow is *reused*: it does not run, and its
//! recorded outputs, condition and flow outputs are given again (`nodeReused` events).

mod breakpoint;

pub(super) use self::breakpoint::Resume;
use super::event::{InputField, RunEvent};
use super::type_name;
use crate::compile::plan::{InputSource, PlanGraph, PlanNode, PlanNodeId};
use crate::compile::FlowPlan;
use crate::model::DataType;
use crate::nodes::NodeType;
use crate::providers::BoxFuture;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Called before a breakpoint node starts, with the node and the inputs it is about to get.
/// The answer says how to go on; `None` cancels the run.
pub type OnBreakpoint = Arc<
    dyn Fn(String, Vec<InputField>) -> BoxFuture<'static, Option<BreakpointAction>> + Send + Sync,
>;

/// How to go on from a breakpoint. The default goes on with the inputs as they were.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BreakpointAction {
    /// The inputs as edited: each field replaces the node's input of that name (its value
    /// must have the input's type); `None` keeps them as they were.
    pub inputs: Option<Vec<InputField>>,
    /// Pause again before the next node that starts.
    pub step: bool,
}

/// How the debugger shapes a run: where it starts, what it takes as given, where it stops.
/// The default changes nothing.
#[derive(Clone, Default)]
pub struct Debug {
    /// Re-run from a node, reusing a recorded run's outputs for the nodes before it.
    pub seed: Option<Seed>,
    /// Node → output → value. A pinned node does not run; its outputs are these values.
    pub pins: BTreeMap<String, BTreeMap<String, Value>>,
    /// The run pauses before each of these nodes, every time one starts (per Iterator item
    /// and Loop round too). Without `on_breakpoint` there is nobody to pause for, and the
    /// run goes through.
    pub breakpoints: Vec<String>,
    /// Answers the pauses.
    pub on_breakpoint: Option<OnBreakpoint>,
}

impl std::fmt::Debug for Debug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Debug")
            .field("seed", &self.seed)
            .field("pins", &self.pins)
            .field("breakpoints", &self.breakpoints)
            .field("on_breakpoint", &self.on_breakpoint.is_some())
            .finish()
    }
}

/// The start of a re-run and what the recorded run gave: built from that run's events.
#[derive(Debug, Clone)]
pub struct Seed {
    node: String,
    record: Arc<Record>,
}

/// What one recorded run says about each node, from its events outside Iterator items and
/// Loop rounds (the values the rest of the flow read).
#[derive(Debug, Default)]
struct Record {
    run_id: String,
    flow: Option<String>,
    /// The document the recorded run began with.
    document: Option<Value>,
    nodes: HashMap<String, Recorded>,
}

/// One node of a recorded run.
#[derive(Debug, Clone, Default)]
pub(super) struct Recorded {
    ran: bool,
    pub(super) inputs: Vec<InputField>,
    pub(super) outputs: Map<String, Value>,
    /// Set for Condition nodes: the condition that held, if any.
    pub(super) chosen: Option<Option<String>>,
    /// Output nodes' documents.
    pub(super) documents: Vec<Value>,
    failed: Option<String>,
    skipped: Option<String>,
}

impl Recorded {
    /// Why the node gave nothing to reuse, if it did not.
    fn lacking(&self) -> Option<String> {
        if let Some(error) = &self.failed {
            Some(format!("it failed there ({error})"))
        } else if let Some(reason) = &self.skipped {
            Some(format!("it was skipped there ({reason})"))
        } else if !self.ran {
            Some("it did not run there".to_owned())
        } else {
            None
        }
    }

    /// The recorded value of one input, as a Condition node forwards it.
    fn input(&self, name: &str) -> Option<&Value> {
        self.inputs
            .iter()
            .find(|f| &*f.node_input_name == name)
            .map(|f| &f.content.document)
    }
}

impl Seed {
    /// Re-run from `node`, reusing the outputs that `events` — a recorded run's, in the
    /// order they happened — show for every node that does not run again.
    pub fn from_events(node: &str, events: &[RunEvent]) -> Seed {
        let mut record = Record::default();
        for event in events {
            match event {
                RunEvent::RunStarted {
                    run_id,
                    flow,
                    inputs,
                    ..
                } => {
                    record.run_id.clone_from(run_id);
                    record.flow = Some(flow.clone());
                    record.document = Some(inputs.clone());
                }
                RunEvent::NodeStarted { node, .. } => {
                    record.nodes.entry(node.to_string()).or_default().ran = true;
                }
                RunEvent::NodeReused {
                    node,
                    execution_chain,
                    ..
                } if execution_chain.is_empty() => {
                    record.nodes.entry(node.to_string()).or_default().ran = true;
                }
                RunEvent::NodeInput {
                    node,
                    execution_chain,
                    fields,
                    ..
                } if execution_chain.is_empty() => {
                    record.nodes.entry(node.to_string()).or_default().inputs = fields.clone();
                }
                RunEvent::NodeOutput {
                    node,
                    execution_chain,
                    fields,
                    ..
                } if execution_chain.is_empty() => {
                    let outputs = &mut record.nodes.entry(node.to_string()).or_default().outputs;
                    for f in fields {
                        outputs.insert(f.node_output_name.to_string(), f.content.document.clone());
                    }
                }
                RunEvent::ConditionResult {
                    node,
                    satisfied_conditions,
                    ..
                } => {
                    record.nodes.entry(node.to_string()).or_default().chosen =
                        Some(satisfied_conditions.first().cloned());
                }
                RunEvent::FlowOutput { node, document, .. } => {
                    let n = record.nodes.entry(node.to_string()).or_default();
                    n.documents.push(document.clone());
                }
                RunEvent::NodeSkipped { node, reason, .. } => {
                    record.nodes.entry(node.to_string()).or_default().skipped =
                        Some(reason.clone());
                }
                RunEvent::NodeFailed { node, error, .. } => {
                    record.nodes.entry(node.to_string()).or_default().failed = Some(error.clone());
                }
                // Inside Iterator items and Loop rounds: those run whole again, never reused.
                RunEvent::NodeReused { .. }
                | RunEvent::NodeInput { .. }
                | RunEvent::NodeOutput { .. }
                | RunEvent::NodeAction { .. }
                | RunEvent::ContentBlockDelta { .. }
                | RunEvent::AgentTrace { .. }
                | RunEvent::Cancelled { .. }
                | RunEvent::RunFinished { .. } => {}
            }
        }
        Seed {
            node: node.to_owned(),
            record: Arc::new(record),
        }
    }

    /// The node the re-run starts from, as asked.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The recorded run's id (empty when its events had no `runStarted`).
    pub fn run_id(&self) -> &str {
        &self.record.run_id
    }

    /// The document the recorded run began with: a re-run given no other input takes it.
    pub fn document(&self) -> Option<&Value> {
        self.record.document.as_ref()
    }

    /// Re-run from `node`, reusing the run `run_id` as `store` recorded it.
    pub async fn from_store(
        store: &crate::store::Store,
        run_id: &str,
        node: &str,
    ) -> Result<Seed, SeedError> {
        let id = crate::store::RunId::from(run_id);
        if store.get_run(&id).await?.is_none() {
            return Err(SeedError::NoSuchRun {
                run_id: run_id.to_owned(),
            });
        }
        let events = store
            .run_events(&id)
            .await?
            .into_iter()
            .map(|stored| {
                serde_json::from_value(stored.event).map_err(|e| SeedError::Event {
                    run_id: run_id.to_owned(),
                    seq: stored.seq,
                    message: e.to_string(),
                })
            })
            .collect::<Result<Vec<RunEvent>, SeedError>>()?;
        Ok(Seed::from_events(node, &events))
    }

    fn node_record(&self, node: &str) -> Option<&Recorded> {
        self.record.nodes.get(node)
    }
}

/// Why a recorded run cannot be read to re-run from.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("no run {run_id} in the run store")]
    NoSuchRun { run_id: String },
    #[error("run {run_id}: recorded event {seq} cannot be read: {message}")]
    Event {
        run_id: String,
        seq: u64,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

/// Why the debug options cannot apply to this flow. Every variant names the node.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DebugError {
    #[error("cannot {role} {node}: flow {flow} has no node of that name")]
    NoSuchNode {
        role: &'static str,
        node: String,
        flow: String,
    },
    #[error("cannot reuse run {run_id} for flow {flow}: it ran flow {recorded}")]
    OtherFlow {
        node: String,
        run_id: String,
        flow: String,
        recorded: String,
    },
    #[error("cannot re-run reusing run {run_id}: {needed_by} needs {node}.{output}, and run {run_id} has no value for it: {why}")]
    NotRecorded {
        run_id: String,
        node: String,
        output: String,
        needed_by: String,
        why: String,
    },
    #[error("cannot pin {node}: {reason}")]
    Pin { node: String, reason: String },
    #[error(
        "cannot pin {node}.{output}: it is declared {expected} but the pinned value is {actual}"
    )]
    PinType {
        node: String,
        output: String,
        expected: DataType,
        actual: String,
    },
}

impl DebugError {
    /// The node the error is about: the one the run fails on.
    pub fn node(&self) -> &str {
        match self {
            DebugError::NoSuchNode { node, .. }
            | DebugError::OtherFlow { node, .. }
            | DebugError::NotRecorded { node, .. }
            | DebugError::Pin { node, .. }
            | DebugError::PinType { node, .. } => node,
        }
    }
}

/// The nodes of the flow's graph given before its scope starts, in topological order.
#[derive(Debug, Default)]
pub(super) struct Rerun {
    pub(super) given: Vec<GivenNode>,
}

/// A node that does not run again.
#[derive(Debug)]
pub(super) struct GivenNode {
    pub(super) id: PlanNodeId,
    pub(super) name: String,
    /// What the recorded run gave, or why it gave nothing (the node is then skipped).
    pub(super) recorded: Result<Recorded, String>,
    /// For people: from which run, and where the re-run starts.
    pub(super) reason: String,
    pub(super) run_id: String,
}

impl Debug {
    /// Checks the options against a flow's plan, as the run will before anything runs.
    pub fn check(&self, plan: &FlowPlan) -> Result<(), DebugError> {
        self.rerun(plan).map(|_| ())
    }

    /// The pinned outputs of `node`, if it is pinned.
    pub(super) fn pinned(&self, node: &str) -> Option<Map<String, Value>> {
        if self.pins.is_empty() {
            return None;
        }
        self.pins
            .get(node)
            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    /// Checks the options and works out which nodes the run reuses.
    pub(super) fn rerun(&self, plan: &FlowPlan) -> Result<Rerun, DebugError> {
        let graph = plan.graph();
        let flow = plan.flow_name();
        let no_such = |role: &'static str, node: &str| DebugError::NoSuchNode {
            role,
            node: node.to_owned(),
            flow: flow.to_owned(),
        };
        for (node, outputs) in &self.pins {
            let (found, _) = locate(graph, node).ok_or_else(|| no_such("pin", node))?;
            check_pin(found, outputs)?;
        }
        for node in &self.breakpoints {
            locate(graph, node).ok_or_else(|| no_such("pause before", node))?;
        }
        let Some(seed) = &self.seed else {
            return Ok(Rerun::default());
        };
        let run_id = seed.run_id().to_owned();
        if let Some(recorded) = &seed.record.flow {
            if recorded != flow {
                return Err(DebugError::OtherFlow {
                    node: seed.node.clone(),
                    run_id,
                    flow: flow.to_owned(),
                    recorded: recorded.clone(),
                });
            }
        }
        let (_, holders) =
            locate(graph, &seed.node).ok_or_else(|| no_such("re-run from", &seed.node))?;
        let start = holders
            .first()
            .cloned()
            .unwrap_or_else(|| seed.node.clone());
        let mut starts = vec![start.clone()];
        for node in self.pins.keys() {
            if let Some((_, holders)) = locate(graph, node) {
                starts.push(holders.first().cloned().unwrap_or_else(|| node.clone()));
            }
        }
        let runs = downstream(graph, starts);
        // Every value a re-running node reads from a reused one must be in the record.
        for id in graph.order() {
            let n = graph.node(id);
            if !runs.contains(&n.node.name) || self.pins.contains_key(&n.node.name) {
                continue;
            }
            for w in &n.inputs {
                let (source, output, value) = match &w.source {
                    InputSource::Output { node, output } => {
                        let value = seed
                            .node_record(node)
                            .and_then(|r| r.outputs.get(&**output));
                        (node, output, value)
                    }
                    InputSource::Forwarded {
                        condition_node,
                        input,
                    } => {
                        let value = seed
                            .node_record(condition_node)
                            .and_then(|r| r.input(input));
                        (condition_node, input, value)
                    }
                };
                if runs.contains(&**source) || value.is_some() {
                    continue;
                }
                let why = match seed.node_record(source).and_then(Recorded::lacking) {
                    Some(why) => why,
                    None if seed.node_record(source).is_none() => {
                        format!("{source} did not run there (or the flow has changed since)")
                    }
                    None => format!("{source} did not produce {output} there"),
                };
                return Err(DebugError::NotRecorded {
                    run_id,
                    node: source.to_string(),
                    output: output.to_string(),
                    needed_by: n.node.name.clone(),
                    why,
                });
            }
        }
        let mut reason = format!("reused from run {run_id}");
        if start != seed.node {
            reason.push_str(&format!(
                "; {} is inside {start}, which runs again whole",
                seed.node
            ));
        }
        let given = graph
            .order()
            .filter(|id| !runs.contains(&graph.node(*id).node.name))
            .map(|id| {
                let name = graph.node(id).node.name.clone();
                let recorded = match seed.node_record(&name).map(|r| (r, r.lacking())) {
                    Some((r, None)) => Ok(r.clone()),
                    Some((_, Some(why))) => {
                        Err(format!("run {run_id} has nothing to reuse: {why}"))
                    }
                    None => Err(format!(
                        "run {run_id} has nothing to reuse: it did not run there"
                    )),
                };
                GivenNode {
                    id,
                    name,
                    recorded,
                    reason: reason.clone(),
                    run_id: run_id.clone(),
                }
            })
            .collect();
        Ok(Rerun { given })
    }
}

/// Finds a node in the flow's graph or in a Loop body (at any depth), with the containers
/// holding it, outermost first: Iterators by their names, Loops by theirs.
fn locate<'g>(graph: &'g PlanGraph, name: &str) -> Option<(&'g PlanNode, Vec<String>)> {
    if let Some(n) = graph.by_name(name) {
        return Some((n, n.iterators.clone()));
    }
    graph.order().find_map(|id| {
        let n = graph.node(id);
        let (found, inner) = locate(n.body.as_deref()?, name)?;
        let mut holders = n.iterators.clone();
        holders.push(n.node.name.clone());
        holders.extend(inner);
        Some((found, holders))
    })
}

/// The nodes of the flow's graph that run again: the starts and everything downstream, with
/// every member of a re-running Iterator.
fn downstream(graph: &PlanGraph, starts: Vec<String>) -> HashSet<String> {
    let mut runs: HashSet<String> = HashSet::new();
    let mut todo = starts;
    loop {
        while let Some(name) = todo.pop() {
            if !runs.insert(name.clone()) {
                continue;
            }
            if let Some(id) = graph.id(&name) {
                todo.extend(
                    graph
                        .successors(id)
                        .map(|(to, _)| graph.node(to).node.name.clone()),
                );
            }
        }
        todo = graph
            .order()
            .map(|id| graph.node(id))
            .filter(|n| {
                !runs.contains(&n.node.name) && n.iterators.iter().any(|i| runs.contains(i))
            })
            .map(|n| n.node.name.clone())
            .collect();
        if todo.is_empty() {
            return runs;
        }
    }
}

/// A pin must give every output of the node, each with its declared type.
fn check_pin(node: &PlanNode, pins: &BTreeMap<String, Value>) -> Result<(), DebugError> {
    let name = &node.node.name;
    let refuse = |reason: String| DebugError::Pin {
        node: name.clone(),
        reason,
    };
    if node.kind == NodeType::Iterator {
        return Err(refuse(
            "an Iterator's outputs are per item; pin a node inside it or after it".to_owned(),
        ));
    }
    if node.kind == NodeType::Collector {
        return Err(refuse(
            "a Collector's array is gathered by its Iterator; pin the node after it".to_owned(),
        ));
    }
    if node.kind == NodeType::LoopInput {
        return Err(refuse(
            "its values are what the Loop feeds each round; pin a node after it".to_owned(),
        ));
    }
    let declared: Vec<&str> = node.node.outputs.iter().map(|o| o.name.as_str()).collect();
    if declared.is_empty() {
        return Err(refuse(format!(
            "{} nodes have no outputs to pin",
            node.kind
        )));
    }
    for (output, value) in pins {
        let Some(out) = node.node.output(output) else {
            return Err(refuse(format!(
                "it has no output {output} (its outputs: {})",
                declared.join(", ")
            )));
        };
        if let Some(expected) = out.data_type.get() {
            if DataType::of_value(value) != Some(expected) {
                return Err(DebugError::PinType {
                    node: name.clone(),
                    output: output.clone(),
                    expected,
                    actual: type_name(value),
                });
            }
        }
    }
    if let Some(missing) = declared.iter().find(|o| !pins.contains_key(**o)) {
        return Err(refuse(format!(
            "output {missing} is not pinned; a pinned node gives all its outputs"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_reads_outputs_outside_items_and_what_was_skipped() {
        let events = vec![
            RunEvent::RunStarted {
                at_ms: 0,
                run_id: "r1".to_owned(),
                flow: "main".to_owned(),
                inputs: Value::Null,
            },
            RunEvent::NodeStarted {
                at_ms: 1,
                node: "A".into(),
                execution_chain: vec![].into(),
            },
            RunEvent::NodeSkipped {
                at_ms: 2,
                node: "B".into(),
                reason: "not chosen".to_owned(),
            },
        ];
        let seed = Seed::from_events("A", &events);
        assert_eq!(seed.run_id(), "r1");
        assert_eq!(seed.node(), "A");
        assert_eq!(seed.node_record("A").and_then(Recorded::lacking), None);
        assert_eq!(
            seed.node_record("B").and_then(Recorded::lacking).as_deref(),
            Some("it was skipped there (not chosen)")
        );
    }
}
