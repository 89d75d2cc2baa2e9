//! What the canvas shows of a run: the fold of its [`RunEvent`]s into each node's status,
//! duration, tokens and cost, the conditions that fired, the connections that carried a value
//! and the run's totals. Applied batch by batch in place, so a burst of thousands of events
//! costs a few map look-ups each and never a copy of the whole view.

use crate::model::flow::ConnectionConfiguration;
use crate::model::{FlowConnection, Project};
use crate::providers::Usage;
use crate::trace::{Cost, RunEvent, RunStatus};
use std::collections::{BTreeMap, BTreeSet};

/// Where a node stands in the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeStatus {
    /// Not reached yet.
    Waiting,
    /// Started and not finished (inside an Iterator: some item still running).
    Running,
    /// Finished without error.
    Done,
    /// Not run, and why.
    Skipped { reason: String },
    /// Not run: its outputs were given (reused from an earlier run, or pinned), and how.
    Reused { reason: String },
    /// Failed: the error, and the advice it carries (empty when none).
    Failed { error: String, hint: String },
    /// The run waits before this node (a breakpoint, an agent's question).
    Paused,
    /// Running when the run was cancelled.
    Cancelled,
}

impl NodeStatus {
    /// A one-word name, for CSS classes and tests.
    pub fn name(&self) -> &'static str {
        match self {
            NodeStatus::Waiting => "waiting",
            NodeStatus::Running => "running",
            NodeStatus::Done => "done",
            NodeStatus::Skipped { .. } => "skipped",
            NodeStatus::Reused { .. } => "reused",
            NodeStatus::Failed { .. } => "failed",
            NodeStatus::Paused => "paused",
            NodeStatus::Cancelled => "cancelled",
        }
    }
}

/// One node as the run has left it so far.
#[derive(Debug)]
pub struct NodeView {
    pub status: NodeStatus,
    /// When it first started (ms since the run started).
    pub started_ms: Option<u64>,
    /// When it last finished an item or its work.
    pub ended_ms: Option<u64>,
    /// How many times it started (more than one inside an Iterator or a Loop).
    pub runs: u64,
    /// Starts not finished yet.
    active: u64,
    /// Tokens of its model calls.
    pub usage: Usage,
    /// The cost of its model calls.
    pub cost: Cost,
}

impl Default for NodeView {
    fn default() -> Self {
        NodeView {
            status: NodeStatus::Waiting,
            started_ms: None,
            ended_ms: None,
            runs: 0,
            active: 0,
            usage: Usage::default(),
            cost: Cost::default(),
        }
    }
}

impl NodeView {
    /// From its first start to its last finish; `None` until it finished something.
    pub fn duration_ms(&self) -> Option<u64> {
        Some(self.ended_ms?.saturating_sub(self.started_ms?))
    }

    fn started(&mut self, at_ms: u64) {
        self.started_ms.get_or_insert(at_ms);
        self.runs += 1;
        self.active += 1;
        if !matches!(self.status, NodeStatus::Failed { .. }) {
            self.status = NodeStatus::Running;
        }
    }

    /// One start finished (an output, a flow output, a condition's choice).
    fn finished(&mut self, at_ms: u64) {
        self.ended_ms = Some(at_ms);
        self.active = self.active.saturating_sub(1);
        if self.active == 0 && matches!(self.status, NodeStatus::Running | NodeStatus::Waiting) {
            self.status = NodeStatus::Done;
        }
    }
}

/// A data connection's two ends, as the events name them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Carried {
    pub source: String,
    pub output: String,
    pub target: String,
    pub input: String,
}

/// What the canvas shows of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectionState {
    /// A value went along it.
    pub carried: bool,
    /// It is a conditional connection whose condition was chosen.
    pub fired: bool,
}

/// The run as the canvas shows it. Start with [`RunView::new`], then [`RunView::apply`] each
/// batch of events as it arrives.
#[derive(Debug)]
pub struct RunView {
    pub run_id: Option<String>,
    pub flow: Option<String>,
    /// The nodes the run has mentioned; any other node is waiting.
    pub nodes: BTreeMap<String, NodeView>,
    /// Each Condition node's chosen conditions (the last choice inside an Iterator).
    pub fired: BTreeMap<String, Vec<String>>,
    /// The data connections that carried a value.
    pub carried: BTreeSet<Carried>,
    /// `None` while the run goes on.
    pub status: Option<RunStatus>,
    /// Milliseconds so far (the run's own duration once finished).
    pub duration_ms: u64,
    /// Tokens so far (the run's own count once finished).
    pub usage: Usage,
    /// The run's cost so far.
    pub cost: Cost,
    /// Where the prices came from.
    pub price_source: String,
    /// How many events were applied.
    pub events: usize,
}

const BUILT_IN: &str = "built-in table (us-east-1 on-demand)";

impl RunView {
    /// An empty view of a run of `project`: every node waiting.
    pub fn new(project: &Project) -> RunView {
        RunView {
            run_id: None,
            flow: None,
            nodes: BTreeMap::new(),
            fired: BTreeMap::new(),
            carried: BTreeSet::new(),
            status: None,
            duration_ms: 0,
            usage: Usage::default(),
            cost: Cost::default(),
            price_source: price_source(project),
            events: 0,
        }
    }

    /// A view of a whole recorded run.
    pub fn of_events(project: &Project, events: &[RunEvent]) -> RunView {
        let mut view = RunView::new(project);
        view.apply(project, events);
        view
    }

    /// A node's state; a node the run has not mentioned is waiting.
    pub fn status(&self, node: &str) -> &NodeStatus {
        self.nodes
            .get(node)
            .map_or(&NodeStatus::Waiting, |n| &n.status)
    }

    /// Whether the run is still going.
    pub fn live(&self) -> bool {
        self.status.is_none()
    }

    /// Folds a batch of events, in order, into the view.
    pub fn apply(&mut self, project: &Project, events: &[RunEvent]) {
        for event in events {
            self.apply_one(project, event);
        }
    }

    fn node(&mut self, name: &str) -> &mut NodeView {
        // Look up first: a node already seen costs no allocation.
        if !self.nodes.contains_key(name) {
            self.nodes.insert(name.to_owned(), NodeView::default());
        }
        self.nodes.get_mut(name).expect("inserted above")
    }

    fn carry(&mut self, source: &str, output: &str, target: &str, input: &str) {
        let key = Carried {
            source: source.to_owned(),
            output: output.to_owned(),
            target: target.to_owned(),
            input: input.to_owned(),
        };
        self.carried.insert(key);
    }

    fn apply_one(&mut self, project: &Project, event: &RunEvent) {
        self.events += 1;
        if self.status.is_none() {
            self.duration_ms = self.duration_ms.max(event.at_ms());
        }
        self.cost.add(project, event);
        match event {
            RunEvent::RunStarted { run_id, flow, .. } => {
                self.run_id = Some(run_id.clone());
                self.flow = Some(flow.clone());
            }
            RunEvent::NodeStarted { at_ms, node, .. } => self.node(node).started(*at_ms),
            RunEvent::NodeInput { node, fields, .. } => {
                for f in fields {
                    let (source, output) = (&f.source.node_name, &f.source.output_field_name);
                    if !self.carried_has(source, output, node, &f.node_input_name) {
                        self.carry(source, output, node, &f.node_input_name);
                    }
                }
            }
            RunEvent::NodeOutput {
                at_ms,
                node,
                fields,
                ..
            } => {
                for f in fields {
                    for next in f.next.iter() {
                        if !self.carried_has(
                            node,
                            &f.node_output_name,
                            &next.node_name,
                            &next.input_field_name,
                        ) {
                            self.carry(
                                node,
                                &f.node_output_name,
                                &next.node_name,
                                &next.input_field_name,
                            );
                        }
                    }
                }
                self.node(node).finished(*at_ms);
            }
            RunEvent::ConditionResult {
                at_ms,
                node,
                satisfied_conditions,
            } => {
                self.fired
                    .insert(node.to_string(), satisfied_conditions.clone());
                self.node(node).finished(*at_ms);
            }
            RunEvent::FlowOutput { at_ms, node, .. } => self.node(node).finished(*at_ms),
            RunEvent::NodeAction { node, usage, .. } => {
                let n = self.node(node);
                n.cost.add(project, event);
                if let Some(u) = usage {
                    n.usage.input_tokens += u.input_tokens;
                    n.usage.output_tokens += u.output_tokens;
                    self.usage.input_tokens += u.input_tokens;
                    self.usage.output_tokens += u.output_tokens;
                }
            }
            RunEvent::AgentTrace { node, .. } => self.node(node).cost.add(project, event),
            RunEvent::ContentBlockDelta { .. } => {}
            RunEvent::NodeSkipped { node, reason, .. } => {
                self.node(node).status = NodeStatus::Skipped {
                    reason: reason.clone(),
                };
            }
            RunEvent::NodeReused {
                at_ms,
                node,
                reason,
                ..
            } => {
                let n = self.node(node);
                n.started_ms.get_or_insert(*at_ms);
                n.status = NodeStatus::Reused {
                    reason: reason.clone(),
                };
            }
            RunEvent::NodeFailed { at_ms, node, error } => {
                let n = self.node(node);
                n.ended_ms = Some(*at_ms);
                n.active = n.active.saturating_sub(1);
                let (error, hint) = split_hint(error);
                n.status = NodeStatus::Failed { error, hint };
            }
            RunEvent::Cancelled { .. } => self.end(NodeStatus::Cancelled),
            RunEvent::RunFinished {
                status,
                usage,
                duration_ms,
                ..
            } => {
                let left = match status {
                    RunStatus::Cancelled => NodeStatus::Cancelled,
                    // Nodes that produce nothing (an Output node's document is its flow
                    // output; a Condition's choice) end with the run.
                    RunStatus::Succeeded | RunStatus::Failed => NodeStatus::Done,
                };
                self.end(left);
                self.status = Some(*status);
                self.usage = *usage;
                self.duration_ms = *duration_ms;
            }
        }
    }

    fn carried_has(&self, source: &str, output: &str, target: &str, input: &str) -> bool {
        // A range scan on the ordered set finds the key without building it.
        self.carried
            .range(
                Carried {
                    source: source.to_owned(),
                    output: String::new(),
                    target: String::new(),
                    input: String::new(),
                }..,
            )
            .take_while(|c| c.source == source)
            .any(|c| c.output == output && c.target == target && c.input == input)
    }

    /// Nodes still running or paused when the run ends take `status`.
    fn end(&mut self, status: NodeStatus) {
        for n in self.nodes.values_mut() {
            if matches!(n.status, NodeStatus::Running | NodeStatus::Paused) {
                n.status = status.clone();
                n.active = 0;
            }
        }
    }

    /// The run waits before `node` (`None`: it goes on again).
    pub fn set_paused(&mut self, node: Option<&str>) {
        for n in self.nodes.values_mut() {
            if n.status == NodeStatus::Paused {
                n.status = if n.active > 0 {
                    NodeStatus::Running
                } else {
                    NodeStatus::Waiting
                };
            }
        }
        if let Some(node) = node {
            self.node(node).status = NodeStatus::Paused;
        }
    }

    /// Whether `connection` carried a value, and whether its condition fired.
    pub fn connection(&self, connection: &FlowConnection) -> ConnectionState {
        match &connection.configuration {
            Some(ConnectionConfiguration::Data(d)) => ConnectionState {
                carried: self.carried_has(
                    &connection.source,
                    &d.source_output,
                    &connection.target,
                    &d.target_input,
                ),
                fired: false,
            },
            Some(ConnectionConfiguration::Conditional(c)) => {
                let fired = self
                    .fired
                    .get(&connection.source)
                    .is_some_and(|chosen| chosen.contains(&c.condition));
                ConnectionState {
                    carried: fired,
                    fired,
                }
            }
            None => ConnectionState::default(),
        }
    }

    /// The status bar's line: time, tokens, cost and where the prices came from.
    pub fn totals(&self) -> String {
        let cost = if self.cost.unpriced.is_empty() {
            format!("${:.4}", self.cost.usd)
        } else {
            format!(
                "${:.4} + unpriced ({})",
                self.cost.usd,
                self.cost.unpriced.join(", ")
            )
        };
        format!(
            "{} · {} in / {} out tokens · {} · prices: {}",
            duration_text(self.duration_ms),
            self.usage.input_tokens,
            self.usage.output_tokens,
            cost,
            self.price_source
        )
    }
}

/// Milliseconds as people read them: `850 ms`, `2.4 s`, `3 min 05 s`.
pub fn duration_text(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {:02} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// Where a project's prices come from: the built-in table, and the model profiles that carry
/// their own prices (which win for the models they serve).
pub fn price_source(project: &Project) -> String {
    let own: Vec<&str> = project
        .model_profiles
        .iter()
        .filter(|m| m.price_per_1k_tokens.is_some())
        .map(|m| m.name.as_str())
        .collect();
    if own.is_empty() {
        BUILT_IN.to_owned()
    } else {
        format!(
            "model profile {}'s own prices, else the {BUILT_IN}",
            own.join(", ")
        )
    }
}

/// A node's error and the advice it carries: a diagnostic's `hint:` line, or the clause after
/// the last `; ` (the runtime's errors say what to do there).
fn split_hint(error: &str) -> (String, String) {
    if let Some((e, h)) = error.split_once("\n  hint: ") {
        return (e.to_owned(), h.to_owned());
    }
    match error.rsplit_once("; ") {
        Some((e, h)) => (e.to_owned(), h.to_owned()),
        None => (error.to_owned(), String::new()),
    }
}

#[cfg(test)]
#[path = "view/tests.rs"]
mod tests;
