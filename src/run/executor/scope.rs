//! One scope being run: which of its nodes can start, which are skipped and why, and what
//! each node task gave back. Only the executor's modules see it.

use super::containers::{run_iterator, run_loop};
use super::{panic_message, Run};
use crate::compile::plan::{InputSource, PlanGraph, PlanNodeId};
use crate::model::DataType;
use crate::nodes::NodeType;
use crate::run::deadline;
use crate::run::debug::Resume;
use crate::run::event::{Chain, Content, InputField, InputFieldSource, RunEvent};
use crate::run::nodes::{behaviour, Container, Done};
use crate::run::{type_name, NodeError};
use futures::FutureExt;
use rustc_hash::FxHashMap;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use tokio::task::JoinSet;

/// Where a node of a scope stands.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Status {
    Running,
    Done,
    Skipped,
    Failed,
}

/// What a scope knows: node states, outputs, the inputs each node received, and the
/// conditions chosen. An Iterator item's scope sees what its Iterator's scope knew when the
/// Iterator started (`parent`, shared by every item, never copied) under what it learns
/// itself; read it through the lookups below, which look at this scope first.
#[derive(Debug, Clone, Default)]
pub(super) struct State {
    /// The enclosing scope's state, as it was when this scope's Iterator started.
    pub(super) parent: Option<Arc<State>>,
    /// What this scope learned of each node it started or decided: one record per node,
    /// so a node costs one entry (one name, one hash) rather than one in each of four maps.
    /// Hashed with FxHash: the keys are the flow's own node names, short, and hashing them
    /// with SipHash was about 6% of an Iterator item's instructions (PERFORMANCE.md, sixth pass).
    nodes: FxHashMap<Arc<str>, NodeState>,
}

/// What a scope learned of one node; a part not learned here is looked up in the parent.
#[derive(Debug, Clone, Default)]
struct NodeState {
    /// `None`: not started (in this scope).
    status: Option<Status>,
    /// Shared, not copied: every Iterator item reads its Iterator's state, and an
    /// Iterator's input (the whole array) must not be copied once per item.
    outputs: Option<Arc<Map<String, Value>>>,
    /// The values the node received, after expressions: Conditional connections forward
    /// them, and a Loop reads its controller's.
    inputs: Option<Arc<Map<String, Value>>>,
    /// Condition node (or LoopController): the condition that held, if any.
    chosen: Option<Option<String>>,
}

/// One scope being run. Owned by exactly one future; its node tasks get copies of what
/// they need, never a reference to it, so no lock guards the state.
impl State {
    /// An Iterator item's state: what the enclosing scope knew, nothing of its own yet.
    pub(super) fn within(parent: Arc<State>) -> Self {
        State {
            parent: Some(parent),
            ..State::default()
        }
    }

    /// Sets part of this scope's record of `node`, made when it has none. The name is the
    /// plan's (`PlanNode::name`), so a new record shares it instead of copying it.
    fn update(&mut self, node: &Arc<str>, set: impl FnOnce(&mut NodeState)) {
        match self.nodes.get_mut(&**node) {
            Some(known) => set(known),
            None => {
                let mut known = NodeState::default();
                set(&mut known);
                self.nodes.insert(node.clone(), known);
            }
        }
    }

    /// Looks `part` of `node` up here, then in the enclosing states.
    fn lookup<'a, T>(
        &'a self,
        node: &str,
        part: impl Fn(&'a NodeState) -> Option<&'a T>,
    ) -> Option<&'a T> {
        let mut state = self;
        loop {
            if let Some(found) = state.nodes.get(node).and_then(&part) {
                return Some(found);
            }
            state = state.parent.as_deref()?;
        }
    }

    pub(super) fn status_of(&self, node: &str) -> Option<&Status> {
        self.lookup(node, |n| n.status.as_ref())
    }

    pub(super) fn outputs_of(&self, node: &str) -> Option<&Arc<Map<String, Value>>> {
        self.lookup(node, |n| n.outputs.as_ref())
    }

    pub(super) fn inputs_of(&self, node: &str) -> Option<&Arc<Map<String, Value>>> {
        self.lookup(node, |n| n.inputs.as_ref())
    }

    pub(super) fn chosen_of(&self, node: &str) -> Option<&Option<String>> {
        self.lookup(node, |n| n.chosen.as_ref())
    }

    pub(super) fn set_status(&mut self, node: &Arc<str>, status: Status) {
        self.update(node, |n| n.status = Some(status));
    }

    pub(super) fn set_outputs(&mut self, node: &Arc<str>, outputs: Arc<Map<String, Value>>) {
        self.update(node, |n| n.outputs = Some(outputs));
    }

    pub(super) fn set_inputs(&mut self, node: &Arc<str>, inputs: Arc<Map<String, Value>>) {
        self.update(node, |n| n.inputs = Some(inputs));
    }

    pub(super) fn set_chosen(&mut self, node: &Arc<str>, chosen: Option<String>) {
        self.update(node, |n| n.chosen = Some(chosen));
    }

    /// The value a wired input reads, if its source produced it.
    pub(super) fn source_value(&self, source: &InputSource) -> Option<&Value> {
        match source {
            InputSource::Output { node, output } => self.outputs_of(node)?.get(&**output),
            InputSource::Forwarded {
                condition_node,
                input,
            } => self.inputs_of(condition_node)?.get(&**input),
        }
    }
}

pub(super) struct Scope {
    /// The flow's graph, or a Loop body's.
    pub(super) graph: Arc<PlanGraph>,
    /// The Iterators this scope runs an item of, outermost first; the scope runs the
    /// nodes whose `iterators` equal it. Shared by every item of the innermost one.
    pub(super) prefix: Arc<[String]>,
    /// The Iterator items and Loop rounds this scope is inside, for the events: built
    /// once per item or round, shared by each of its events.
    pub(super) chain: Chain,
    /// What is known so far; seeded from the enclosing scope.
    pub(super) state: State,
}

pub(super) enum ScopeEnd {
    Finished(State),
    Cancelled,
}

enum Readiness {
    Wait,
    Skip(String),
    Ready,
}

type ScopeFuture = Pin<Box<dyn Future<Output = ScopeEnd> + Send>>;

/// A started node's work: its kind's behaviour under the permit and the timeout, or a
/// container's inner scopes.
type NodeWork = Pin<Box<dyn Future<Output = Result<Done, NodeError>> + Send>>;

pub(super) fn run_scope(run: Arc<Run>, scope: Scope) -> ScopeFuture {
    Box::pin(async move { scope.run(run).await })
}

impl Scope {
    /// Whether a node runs in this scope (and not in an inner Iterator scope; Collectors
    /// belong to their Iterator, which finishes them).
    fn owns(&self, id: PlanNodeId) -> bool {
        let n = self.graph.node(id);
        *n.iterators == *self.prefix && (n.kind != NodeType::Collector || self.prefix.is_empty())
    }

    async fn run(mut self, run: Arc<Run>) -> ScopeEnd {
        let mut tasks: JoinSet<Result<Done, NodeError>> = JoinSet::new();
        let mut running: HashMap<tokio::task::Id, PlanNodeId> = HashMap::new();
        let graph = self.graph.clone();
        // The nodes not decided yet, in topological order; a pass looks only at these, so a
        // chain costs one look per node and step rather than one per node of the scope.
        let mut pending: Vec<PlanNodeId> = graph.order().filter(|id| self.owns(*id)).collect();
        // The nodes a pass started, to be run once the pass is over.
        let mut ready: Vec<(PlanNodeId, NodeWork)> = Vec::new();
        loop {
            run.settle().await;
            if run.ctx.cancel.is_cancelled() {
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                return ScopeEnd::Cancelled;
            }
            // Start or skip everything that can be decided now; topological order makes
            // one pass settle chains of skips.
            let mut k = 0;
            while let Some(&id) = pending.get(k) {
                let name = &graph.node(id).node.name;
                if self.state.status_of(name).is_some() {
                    pending.remove(k);
                    continue;
                }
                match self.readiness(id) {
                    Readiness::Wait => {
                        k += 1;
                        continue;
                    }
                    Readiness::Skip(reason) => {
                        self.skip_node(&run, id, name, reason).await;
                    }
                    Readiness::Ready => {
                        if let Some(outputs) = run.ctx.debug.pinned(name) {
                            self.give_pinned(&run, id, outputs).await;
                        } else if let Some(work) = self.start(&run, id).await {
                            ready.push((id, work));
                        }
                    }
                }
                pending.remove(k);
            }
            // The one thing left to do runs in this task: a chain, or an Iterator item's
            // body, pays no task spawn per node. A panic in it fails the node as a task's would.
            if tasks.is_empty() && ready.len() == 1 {
                if let Some((id, work)) = ready.pop() {
                    let mut work = AssertUnwindSafe(work).catch_unwind();
                    // Most work is done in its first poll: it is polled once before the
                    // select, which would look at the cancellation first and then poll it
                    // just the same, without registering with the cancellation token.
                    if run.ctx.cancel.is_cancelled() {
                        continue;
                    }
                    let first = poll_fn(|cx| Poll::Ready(Pin::new(&mut work).poll(cx))).await;
                    let result = match first {
                        Poll::Ready(result) => result,
                        Poll::Pending => tokio::select! {
                            biased;
                            () = run.ctx.cancel.cancelled() => continue,
                            result = &mut work => result,
                        },
                    };
                    let result = result.unwrap_or_else(|payload| {
                        Err(NodeError::Panicked {
                            node: graph.node(id).node.name.clone(),
                            message: panic_message(payload),
                        })
                    });
                    self.finish(&run, id, result).await;
                    continue;
                }
            }
            for (id, work) in ready.drain(..) {
                let handle = tasks.spawn(run.flushing(work));
                running.insert(handle.id(), id);
            }
            if tasks.is_empty() {
                break;
            }
            let joined = tokio::select! {
                biased;
                () = run.ctx.cancel.cancelled() => continue,
                joined = tasks.join_next_with_id() => joined,
            };
            let Some(joined) = joined else { break };
            match joined {
                Ok((task, result)) => {
                    if let Some(id) = running.remove(&task) {
                        self.finish(&run, id, result).await;
                    }
                }
                Err(e) => {
                    if let Some(id) = running.remove(&e.id()) {
                        let node = self.graph.node(id).node.name.clone();
                        let error = if e.is_panic() {
                            NodeError::Panicked {
                                node,
                                message: panic_message(e.into_panic()),
                            }
                        } else {
                            NodeError::Cancelled { node }
                        };
                        self.finish(&run, id, Err(error)).await;
                    }
                }
            }
        }
        // Cancelled in the last pass (a breakpoint answered so): what is left never starts.
        if !pending.is_empty() && run.ctx.cancel.is_cancelled() {
            return ScopeEnd::Cancelled;
        }
        // Nothing runs and nothing can start: what is left never got its inputs.
        for id in pending {
            let name = &graph.node(id).node.name;
            if self.state.status_of(name).is_none() {
                self.skip_node(&run, id, name, "its inputs were never produced".to_owned())
                    .await;
            }
        }
        ScopeEnd::Finished(self.state)
    }

    /// The nodes that run per item of `iterator` (at any depth), its Collectors included.
    fn members(&self, iterator: &str) -> Vec<Arc<str>> {
        let mut inner = self.prefix.to_vec();
        inner.push(iterator.to_owned());
        self.graph
            .order()
            .map(|m| self.graph.node(m))
            .filter(|m| m.iterators.starts_with(&inner))
            .map(|m| m.name.clone())
            .collect()
    }

    fn status(&self, node: &str) -> Option<&Status> {
        self.state.status_of(node)
    }

    fn readiness(&self, id: PlanNodeId) -> Readiness {
        let n = self.graph.node(id);
        if !n.gates.is_empty() {
            let mut chosen_any = false;
            let mut why = Vec::new();
            for g in &n.gates {
                match self.status(&g.condition_node) {
                    None | Some(Status::Running) => return Readiness::Wait,
                    Some(Status::Done) => {
                        match self.state.chosen_of(&g.condition_node).cloned().flatten() {
                            Some(c) if c == g.condition => chosen_any = true,
                            Some(c) => why.push(format!(
                                "condition {}.{} was not chosen ({} chose {c})",
                                g.condition_node, g.condition, g.condition_node
                            )),
                            None => why.push(format!(
                                "condition {}.{} was not chosen (no condition of {} held)",
                                g.condition_node, g.condition, g.condition_node
                            )),
                        }
                    }
                    Some(Status::Skipped) => {
                        why.push(format!("condition node {} was skipped", g.condition_node));
                    }
                    Some(Status::Failed) => {
                        why.push(format!("condition node {} failed", g.condition_node));
                    }
                }
            }
            if !chosen_any {
                return Readiness::Skip(why.join("; "));
            }
        }
        for w in &n.inputs {
            let (source, field) = match &w.source {
                InputSource::Output { node, output } => (node, output),
                InputSource::Forwarded {
                    condition_node,
                    input,
                } => (condition_node, input),
            };
            match self.status(source) {
                None | Some(Status::Running) => return Readiness::Wait,
                Some(Status::Skipped) => {
                    return Readiness::Skip(format!(
                        "its input {} comes from {source}, which was skipped",
                        w.name
                    ))
                }
                Some(Status::Failed) => {
                    return Readiness::Skip(format!(
                        "its input {} comes from {source}, which failed",
                        w.name
                    ))
                }
                Some(Status::Done) => {
                    if self.source_value(&w.source).is_none() {
                        return Readiness::Skip(format!(
                            "its input {} needs {source}.{field}, which {source} did not produce",
                            w.name
                        ));
                    }
                }
            }
        }
        if n.kind == NodeType::Iterator && !self.iterator_inputs_settled(id) {
            return Readiness::Wait;
        }
        Readiness::Ready
    }

    /// An Iterator starts its items only when every value its scope takes from outside
    /// (besides its own outputs) is settled, since the items run on a copy of this state.
    fn iterator_inputs_settled(&self, id: PlanNodeId) -> bool {
        let it = &self.graph.node(id).node.name;
        let members = self.members(it);
        let mut inner = self.prefix.to_vec();
        inner.push(it.clone());
        self.graph
            .order()
            .map(|m| self.graph.node(m))
            .filter(|m| m.iterators.starts_with(&inner))
            .flat_map(|m| {
                m.inputs
                    .iter()
                    .map(|w| match &w.source {
                        InputSource::Output { node, .. } => &**node,
                        InputSource::Forwarded { condition_node, .. } => &**condition_node,
                    })
                    .chain(m.gates.iter().map(|g| g.condition_node.as_str()))
            })
            .filter(|src| *src != it.as_str() && !members.iter().any(|m| **m == **src))
            .all(|src| matches!(self.status(src), Some(s) if *s != Status::Running))
    }

    fn source_value(&self, source: &InputSource) -> Option<&Value> {
        self.state.source_value(source)
    }

    async fn skip_node(&mut self, run: &Run, id: PlanNodeId, name: &str, reason: String) {
        let graph = self.graph.clone();
        self.state.set_status(&graph.node(id).name, Status::Skipped);
        run.skip(name, reason).await;
        // An Iterator that does not run takes its whole scope with it.
        if self.graph.node(id).kind == NodeType::Iterator {
            for m in self.members(name) {
                if self.state.status_of(&m).is_none() {
                    self.state.set_status(&m, Status::Skipped);
                    run.skip(&m, format!("Iterator {name} did not run")).await;
                }
            }
        }
    }

    /// Evaluates the node's inputs, emits its start, and gives back its work to run (`None`
    /// when it failed on its inputs). The work is boxed, so a spawned task is small however
    /// large the node's future is.
    async fn start(&mut self, run: &Arc<Run>, id: PlanNodeId) -> Option<NodeWork> {
        let plan = self.graph.clone();
        let n = plan.node(id);
        let name = n.node.name.as_str();
        // The node's start and its inputs share one reading of the clock (unless a
        // breakpoint holds the node between the two).
        let started = tokio::time::Instant::now();
        let started_ms = run.ms_at(started);
        run.emit_at(started_ms, |at_ms| RunEvent::NodeStarted {
            at_ms,
            node: n.name.clone(),
            execution_chain: self.chain.clone(),
        })
        .await;
        let mut values = Map::new();
        let mut fields = Vec::new();
        for w in &n.inputs {
            let value = match self.source_value(&w.source) {
                Some(raw) => w.expression.evaluate(raw),
                None => w.expression.evaluate(&Value::Null),
            };
            let value = match value {
                Ok(v) => v,
                Err(e) => {
                    let error = NodeError::Expression {
                        node: name.to_owned(),
                        input: w.name.to_string(),
                        expression: w.expression_text.to_string(),
                        message: e.message,
                    };
                    self.finish(run, id, Err(error)).await;
                    return None;
                }
            };
            if DataType::of_value(&value) != Some(w.data_type) {
                let error = NodeError::InputType {
                    node: name.to_owned(),
                    input: w.name.to_string(),
                    expected: w.data_type,
                    actual: type_name(&value),
                };
                self.finish(run, id, Err(error)).await;
                return None;
            }
            let (src_node, src_field) = match &w.source {
                InputSource::Output { node, output } => (node.clone(), output.clone()),
                InputSource::Forwarded {
                    condition_node,
                    input,
                } => (condition_node.clone(), input.clone()),
            };
            fields.push(InputField {
                node_input_name: w.name.clone(),
                content: Content {
                    document: value.clone(),
                },
                data_type: w.data_type,
                source: InputFieldSource {
                    node_name: src_node,
                    output_field_name: src_field,
                    expression: w.expression_text.clone(),
                },
            });
            values.insert(w.name.to_string(), value);
        }
        // Read again once a breakpoint lets the node go.
        let mut inputs_ms = Some(started_ms);
        let mut work_began = Some(started);
        if run.pauses_before(name) {
            inputs_ms = None;
            work_began = None;
            match run.pause(name, &n.inputs, fields).await {
                Ok(Resume::Go(edited, edited_values)) => (fields, values) = (edited, edited_values),
                Ok(Resume::Cancel) => return None,
                Err(error) => {
                    self.finish(run, id, Err(error)).await;
                    return None;
                }
            }
        }
        let inputs_ms = inputs_ms.unwrap_or_else(|| run.elapsed_ms());
        // The node's time budget counts from its start, or from when a breakpoint let it go.
        let work_began = work_began.unwrap_or_else(tokio::time::Instant::now);
        if !fields.is_empty() {
            run.emit_at(inputs_ms, |at_ms| RunEvent::NodeInput {
                at_ms,
                node: n.name.clone(),
                execution_chain: self.chain.clone(),
                fields,
            })
            .await;
        }
        // The values are shared between the state (Conditional connections and Loops read
        // them) and the node's work, not copied.
        let values = Arc::new(values);
        self.state.set_inputs(&n.name, values.clone());
        self.state.set_status(&n.name, Status::Running);
        let run = run.clone();
        let graph = self.graph.clone();
        let kind = n.kind;
        let behaviour = behaviour(kind);
        let work: NodeWork = match behaviour.container() {
            Some(Container::Iterator) => {
                let snapshot = Arc::new(self.state.clone());
                let (prefix, chain) = (self.prefix.clone(), self.chain.clone());
                Box::pin(run_iterator(
                    run, graph, id, prefix, chain, snapshot, values,
                ))
            }
            Some(Container::Loop) => Box::pin(run_loop(
                run,
                graph,
                id,
                self.chain.clone(),
                (*values).clone(),
            )),
            None => Box::pin(async move {
                let node = graph.node(id);
                // Only nodes that do work hold a permit; a closed semaphore cannot happen
                // (the run never closes it), and would only mean running unbounded. A
                // permit free at once is taken without the waiting future; none free (or
                // others queued) waits in the queue as before.
                // Time spent queued for a permit is not the node's: its budget then
                // counts from when it got one.
                let (_permit, work_began) = match run.semaphore.clone().try_acquire_owned() {
                    Ok(permit) => (Some(permit), work_began),
                    Err(_) => (
                        run.semaphore.clone().acquire_owned().await.ok(),
                        tokio::time::Instant::now(),
                    ),
                };
                let timeout = run.ctx.node_timeout;
                let work = behaviour.execute(&run, &node.node, &values);
                match deadline::with_timeout(work_began, timeout, work).await {
                    Ok(result) => result,
                    Err(deadline::TimedOut) => Err(NodeError::Timeout {
                        node: node.node.name.clone(),
                        seconds: timeout.as_secs_f64(),
                    }),
                }
            }),
        };
        Some(work)
    }

    /// Records what a node task gave back and tells the world.
    async fn finish(&mut self, run: &Run, id: PlanNodeId, result: Result<Done, NodeError>) {
        let graph = self.graph.clone();
        let key = &graph.node(id).name;
        let name: &str = key;
        match result {
            Ok(done) => {
                if let Some(chosen) = done.chosen {
                    self.state.set_chosen(key, chosen);
                }
                if self.graph.node(id).kind != NodeType::Iterator {
                    run.emit_outputs(&self.graph, id, &self.chain, &done.outputs)
                        .await;
                }
                self.state.set_outputs(key, Arc::new(done.outputs));
                self.state.set_status(key, Status::Done);
                for (other, outputs) in done.also {
                    let other_key: Arc<str> = other.as_str().into();
                    run.emit(|at_ms| RunEvent::NodeStarted {
                        at_ms,
                        node: other.as_str().into(),
                        execution_chain: self.chain.clone(),
                    })
                    .await;
                    if let Some(oid) = self.graph.id(&other) {
                        run.emit_outputs(&self.graph, oid, &self.chain, &outputs)
                            .await;
                    }
                    self.state.set_outputs(&other_key, Arc::new(outputs));
                    self.state.set_status(&other_key, Status::Done);
                }
            }
            Err(error) => {
                run.fail(name, &error).await;
                self.state.set_status(key, Status::Failed);
                if self.graph.node(id).kind == NodeType::Iterator {
                    // Its Collectors cannot finish either.
                    for m in self.members(name) {
                        if self.state.status_of(&m).is_none() {
                            self.state.set_status(&m, Status::Skipped);
                            run.skip(&m, format!("Iterator {name} failed")).await;
                        }
                    }
                }
            }
        }
    }
}
