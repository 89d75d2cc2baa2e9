//! The scheduler: runs a plan graph node by node, each as soon as its inputs are ready,
//! independent branches at once, Iterator scopes item by item and Loop bodies round by round.
//!
//! A *scope* is the part of one plan graph that runs together: the whole flow, the nodes of
//! one Iterator item (those whose `iterators` end with that Iterator), or one round of a Loop
//! body. A scope owns a `JoinSet` of its node tasks; every `JoinError` is looked at (a panic
//! becomes a failed node), and dropping a scope aborts whatever it still runs. Iterators and
//! Loops are tasks that run inner scopes; only nodes that do work hold a concurrency permit,
//! so containers never starve their own bodies.

use super::event::{
    ChainKind, ChainStep, Content, FlowOutputRecord, InputField, InputFieldSource, NextInput,
    OutputField, RunEvent, RunStatus,
};
use super::{deadline, local};
use super::{type_name, NodeError, NodeFailure, RunContext, RunResult};
use crate::compile::plan::{InputSource, PlanEdge, PlanGraph, PlanNodeId};
use crate::compile::FlowPlan;
use crate::model::flow::InputCategory;
use crate::model::{DataType, Project};
use crate::nodes::loop_controller::DEFAULT_MAX_ITERATIONS;
use crate::nodes::{NodeConfiguration, NodeType};
use crate::providers::Usage;
use futures::stream::{self, StreamExt};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Runs one flow plan with `document` on its Input node. Events go to `events` as they
/// happen; the caller must keep receiving them (a dropped receiver is fine). The run always
/// ends: with every reachable node finished, skipped or failed, or cancelled.
pub async fn run_flow(
    plan: &FlowPlan,
    project: &Project,
    document: Value,
    ctx: RunContext,
    events: mpsc::Sender<RunEvent>,
) -> RunResult {
    let run_id = ctx.run_id.clone().unwrap_or_else(make_run_id);
    let run = Arc::new(Run {
        project: Arc::new(project.clone()),
        flow: plan.flow_name().to_owned(),
        semaphore: Arc::new(Semaphore::new(ctx.max_concurrency.max(1))),
        // Agent nodes name their sessions after the run.
        ctx: RunContext {
            run_id: Some(run_id.clone()),
            ..ctx
        },
        events,
        started: Instant::now(),
        totals: Mutex::new(Totals::default()),
    });
    run.emit(|at_ms| RunEvent::RunStarted {
        at_ms,
        run_id: run_id.clone(),
        flow: run.flow.clone(),
        inputs: document.clone(),
    })
    .await;
    let graph = Arc::new(plan.graph().clone());
    let mut state = State::default();
    for id in graph.of_kind(NodeType::Input).collect::<Vec<_>>() {
        let node = graph.node(id);
        let name = node.node.name.clone();
        run.emit(|at_ms| RunEvent::NodeStarted {
            at_ms,
            node: name.clone(),
            execution_chain: vec![],
        })
        .await;
        let declared = node.node.output("document").and_then(|o| o.data_type.get());
        match declared {
            Some(expected) if DataType::of_value(&document) != Some(expected) => {
                let error = NodeError::OutputType {
                    node: name.clone(),
                    output: "document".to_owned(),
                    expected,
                    actual: type_name(&document),
                };
                run.fail(&name, &error).await;
                state.status.insert(name, Status::Failed);
            }
            Some(_) | None => {
                let mut outputs = Map::new();
                outputs.insert("document".to_owned(), document.clone());
                run.emit_outputs(&graph, id, &[], &outputs).await;
                state.status.insert(name.clone(), Status::Done);
                state.outputs.insert(name, Arc::new(outputs));
            }
        }
    }
    let scope = Scope {
        graph,
        prefix: vec![],
        chain: vec![],
        state,
    };
    let end = run_scope(run.clone(), scope).await;
    let cancelled = matches!(end, ScopeEnd::Cancelled);
    if cancelled {
        run.emit(|at_ms| RunEvent::Cancelled { at_ms }).await;
    }
    let totals = run
        .totals
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let status = if cancelled {
        RunStatus::Cancelled
    } else if totals.failures.is_empty() {
        RunStatus::Succeeded
    } else {
        RunStatus::Failed
    };
    let duration_ms = run.elapsed_ms();
    run.emit(|at_ms| RunEvent::RunFinished {
        at_ms,
        status,
        outputs: totals.outputs.clone(),
        usage: totals.usage,
        duration_ms,
    })
    .await;
    RunResult {
        run_id,
        status,
        outputs: totals.outputs,
        failures: totals.failures,
        usage: totals.usage,
        duration_ms,
    }
}

/// A run id from the wall clock and the process id; unique enough for a local store.
fn make_run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("run-{nanos:x}-{:x}", std::process::id())
}

/// What every part of one run shares.
pub(super) struct Run {
    /// The project, for nodes that look things up (knowledge bases).
    pub project: Arc<Project>,
    pub flow: String,
    pub ctx: RunContext,
    /// Bounds the nodes that do work at once.
    pub semaphore: Arc<Semaphore>,
    pub events: mpsc::Sender<RunEvent>,
    /// The run's start on tokio's clock, so paused-time tests see fixed timestamps.
    pub started: Instant,
    /// Outputs, failures and usage, added to by any task; held only to push.
    pub totals: Mutex<Totals>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Totals {
    pub outputs: Vec<FlowOutputRecord>,
    pub failures: Vec<NodeFailure>,
    pub usage: Usage,
}

impl Run {
    pub fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Sends an event stamped with the run's clock. A closed channel is not an error: the
    /// run goes on and its result still says what happened.
    pub async fn emit(&self, make: impl FnOnce(u64) -> RunEvent) {
        let event = make(self.elapsed_ms());
        let _ = self.events.send(event).await;
    }

    pub fn add_usage(&self, usage: Usage) {
        let mut t = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        t.usage.input_tokens += usage.input_tokens;
        t.usage.output_tokens += usage.output_tokens;
    }

    pub async fn output(&self, node: &str, document: Value) {
        self.totals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .outputs
            .push(FlowOutputRecord {
                node: node.to_owned(),
                document: document.clone(),
            });
        self.emit(|at_ms| RunEvent::FlowOutput {
            at_ms,
            node: node.to_owned(),
            document,
        })
        .await;
    }

    async fn fail(&self, node: &str, error: &NodeError) {
        let text = error.to_string();
        self.totals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .failures
            .push(NodeFailure {
                node: node.to_owned(),
                error: text.clone(),
            });
        self.emit(|at_ms| RunEvent::NodeFailed {
            at_ms,
            node: node.to_owned(),
            error: text,
        })
        .await;
    }

    async fn skip(&self, node: &str, reason: String) {
        self.emit(|at_ms| RunEvent::NodeSkipped {
            at_ms,
            node: node.to_owned(),
            reason,
        })
        .await;
    }

    /// A `nodeOutputTrace` for the given outputs, with the inputs each one feeds.
    async fn emit_outputs(
        &self,
        graph: &PlanGraph,
        id: PlanNodeId,
        chain: &[ChainStep],
        outputs: &Map<String, Value>,
    ) {
        if outputs.is_empty() {
            return;
        }
        let fields = outputs
            .iter()
            .map(|(name, value)| OutputField {
                node_output_name: name.clone(),
                content: Content {
                    document: value.clone(),
                },
                next: graph
                    .successors(id)
                    .filter_map(|(to, edge)| match edge {
                        PlanEdge::Data { output, input } if output == name => Some(NextInput {
                            node_name: graph.node(to).node.name.clone(),
                            input_field_name: input.clone(),
                        }),
                        PlanEdge::Data { .. } | PlanEdge::Conditional { .. } => None,
                    })
                    .collect(),
            })
            .collect();
        let node = graph.node(id).node.name.clone();
        self.emit(|at_ms| RunEvent::NodeOutput {
            at_ms,
            node,
            execution_chain: chain.to_vec(),
            fields,
        })
        .await;
    }
}

/// Where a node of a scope stands.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    Running,
    Done,
    Skipped,
    Failed,
}

/// What a scope knows: node states, outputs, the inputs each node received, and the
/// conditions chosen. Inner scopes start from a copy of the enclosing one.
#[derive(Debug, Clone, Default)]
struct State {
    /// Absent: not started.
    status: HashMap<String, Status>,
    /// Shared, not copied: every Iterator item starts from a copy of this state, and an
    /// Iterator's input (the whole array) must not be copied once per item.
    outputs: HashMap<String, Arc<Map<String, Value>>>,
    /// The values each node received, after expressions: Conditional connections forward
    /// them, and a Loop reads its controller's.
    inputs: HashMap<String, Arc<Map<String, Value>>>,
    /// Condition node (or LoopController) → the condition that held, if any.
    chosen: HashMap<String, Option<String>>,
}

/// One scope being run. Owned by exactly one future; its node tasks get copies of what
/// they need, never a reference to it, so no lock guards the state.
struct Scope {
    /// The flow's graph, or a Loop body's.
    graph: Arc<PlanGraph>,
    /// The Iterators this scope runs an item of, outermost first; the scope runs the
    /// nodes whose `iterators` equal it.
    prefix: Vec<String>,
    /// The Iterator items and Loop rounds this scope is inside, for the events.
    chain: Vec<ChainStep>,
    /// What is known so far; seeded from the enclosing scope.
    state: State,
}

enum ScopeEnd {
    Finished(State),
    Cancelled,
}

/// What a node task gives back.
#[derive(Debug, Default)]
pub(super) struct Done {
    pub outputs: Map<String, Value>,
    /// For Condition and LoopController nodes: the condition that held.
    pub chosen: Option<Option<String>>,
    /// Other nodes an Iterator finished: its Collectors, with their outputs.
    pub also: Vec<(String, Map<String, Value>)>,
}

enum Readiness {
    Wait,
    Skip(String),
    Ready,
}

type ScopeFuture = Pin<Box<dyn Future<Output = ScopeEnd> + Send>>;

fn run_scope(run: Arc<Run>, scope: Scope) -> ScopeFuture {
    Box::pin(async move { scope.run(run).await })
}

impl Scope {
    /// Whether a node runs in this scope (and not in an inner Iterator scope; Collectors
    /// belong to their Iterator, which finishes them).
    fn owns(&self, id: PlanNodeId) -> bool {
        let n = self.graph.node(id);
        n.iterators == self.prefix && (n.kind != NodeType::Collector || self.prefix.is_empty())
    }

    async fn run(mut self, run: Arc<Run>) -> ScopeEnd {
        let mut tasks: JoinSet<Result<Done, NodeError>> = JoinSet::new();
        let mut running: HashMap<tokio::task::Id, PlanNodeId> = HashMap::new();
        let order: Vec<PlanNodeId> = self.graph.order().filter(|id| self.owns(*id)).collect();
        loop {
            if run.ctx.cancel.is_cancelled() {
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                return ScopeEnd::Cancelled;
            }
            // Start or skip everything that can be decided now; topological order makes
            // one pass settle chains of skips.
            for &id in &order {
                let name = self.graph.node(id).node.name.clone();
                if self.state.status.contains_key(&name) {
                    continue;
                }
                match self.readiness(id) {
                    Readiness::Wait => {}
                    Readiness::Skip(reason) => {
                        self.skip_node(&run, id, &name, reason).await;
                    }
                    Readiness::Ready => self.start(&run, id, &mut tasks, &mut running).await,
                }
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
        // Nothing runs and nothing can start: what is left never got its inputs.
        for &id in &order {
            let name = self.graph.node(id).node.name.clone();
            if !self.state.status.contains_key(&name) {
                self.skip_node(&run, id, &name, "its inputs were never produced".to_owned())
                    .await;
            }
        }
        ScopeEnd::Finished(self.state)
    }

    /// The nodes that run per item of `iterator` (at any depth), its Collectors included.
    fn members(&self, iterator: &str) -> Vec<String> {
        let mut inner = self.prefix.clone();
        inner.push(iterator.to_owned());
        self.graph
            .order()
            .map(|m| self.graph.node(m))
            .filter(|m| m.iterators.starts_with(&inner))
            .map(|m| m.node.name.clone())
            .collect()
    }

    fn status(&self, node: &str) -> Option<&Status> {
        self.state.status.get(node)
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
                        match self.state.chosen.get(&g.condition_node).cloned().flatten() {
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
        let mut inner = self.prefix.clone();
        inner.push(it.clone());
        self.graph
            .order()
            .map(|m| self.graph.node(m))
            .filter(|m| m.iterators.starts_with(&inner))
            .flat_map(|m| {
                m.inputs
                    .iter()
                    .map(|w| match &w.source {
                        InputSource::Output { node, .. } => node.as_str(),
                        InputSource::Forwarded { condition_node, .. } => condition_node.as_str(),
                    })
                    .chain(m.gates.iter().map(|g| g.condition_node.as_str()))
            })
            .filter(|src| *src != it.as_str() && !members.iter().any(|m| m == src))
            .all(|src| matches!(self.status(src), Some(s) if *s != Status::Running))
    }

    fn source_value(&self, source: &InputSource) -> Option<&Value> {
        match source {
            InputSource::Output { node, output } => self.state.outputs.get(node)?.get(output),
            InputSource::Forwarded {
                condition_node,
                input,
            } => self.state.inputs.get(condition_node)?.get(input),
        }
    }

    async fn skip_node(&mut self, run: &Run, id: PlanNodeId, name: &str, reason: String) {
        self.state.status.insert(name.to_owned(), Status::Skipped);
        run.skip(name, reason).await;
        // An Iterator that does not run takes its whole scope with it.
        if self.graph.node(id).kind == NodeType::Iterator {
            for m in self.members(name) {
                if !self.state.status.contains_key(&m) {
                    self.state.status.insert(m.clone(), Status::Skipped);
                    run.skip(&m, format!("Iterator {name} did not run")).await;
                }
            }
        }
    }

    /// Evaluates the node's inputs, emits its start, and spawns its task.
    async fn start(
        &mut self,
        run: &Arc<Run>,
        id: PlanNodeId,
        tasks: &mut JoinSet<Result<Done, NodeError>>,
        running: &mut HashMap<tokio::task::Id, PlanNodeId>,
    ) {
        let n = self.graph.node(id);
        let name = n.node.name.clone();
        run.emit(|at_ms| RunEvent::NodeStarted {
            at_ms,
            node: name.clone(),
            execution_chain: self.chain.clone(),
        })
        .await;
        let mut values = Map::new();
        let mut fields = Vec::new();
        for w in &n.inputs {
            let raw = self.source_value(&w.source).cloned().unwrap_or(Value::Null);
            let value = match w.expression.evaluate(&raw) {
                Ok(v) => v,
                Err(e) => {
                    let error = NodeError::Expression {
                        node: name.clone(),
                        input: w.name.clone(),
                        expression: w.expression.to_string(),
                        message: e.message,
                    };
                    return self.finish(run, id, Err(error)).await;
                }
            };
            if DataType::of_value(&value) != Some(w.data_type) {
                let error = NodeError::InputType {
                    node: name.clone(),
                    input: w.name.clone(),
                    expected: w.data_type,
                    actual: type_name(&value),
                };
                return self.finish(run, id, Err(error)).await;
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
                    expression: w.expression.to_string(),
                },
            });
            values.insert(w.name.clone(), value);
        }
        if !fields.is_empty() {
            run.emit(|at_ms| RunEvent::NodeInput {
                at_ms,
                node: name.clone(),
                execution_chain: self.chain.clone(),
                fields,
            })
            .await;
        }
        self.state
            .inputs
            .insert(name.clone(), Arc::new(values.clone()));
        self.state.status.insert(name, Status::Running);
        let run = run.clone();
        let graph = self.graph.clone();
        let prefix = self.prefix.clone();
        let chain = self.chain.clone();
        let kind = n.kind;
        let handle = match kind {
            NodeType::Iterator => {
                let snapshot = self.state.clone();
                tasks.spawn(async move {
                    run_iterator(run, graph, id, prefix, chain, snapshot, values).await
                })
            }
            NodeType::Loop => {
                tasks.spawn(async move { run_loop(run, graph, id, chain, values).await })
            }
            NodeType::Input
            | NodeType::Output
            | NodeType::KnowledgeBase
            | NodeType::Condition
            | NodeType::Lex
            | NodeType::Prompt
            | NodeType::LambdaFunction
            | NodeType::Storage
            | NodeType::Agent
            | NodeType::Retrieval
            | NodeType::Collector
            | NodeType::InlineCode
            | NodeType::LoopInput
            | NodeType::LoopController => tasks.spawn(async move {
                let node = graph.node(id);
                let name = node.node.name.clone();
                // Only nodes that do work hold a permit; a closed semaphore cannot happen
                // (the run never closes it), and would only mean running unbounded.
                let _permit = run.semaphore.clone().acquire_owned().await.ok();
                let timeout = run.ctx.node_timeout;
                match deadline::with_timeout(timeout, local::execute(&run, node, &values)).await {
                    Ok(result) => result,
                    Err(deadline::TimedOut) => Err(NodeError::Timeout {
                        node: name,
                        seconds: timeout.as_secs_f64(),
                    }),
                }
            }),
        };
        running.insert(handle.id(), id);
    }

    /// Records what a node task gave back and tells the world.
    async fn finish(&mut self, run: &Run, id: PlanNodeId, result: Result<Done, NodeError>) {
        let name = self.graph.node(id).node.name.clone();
        match result {
            Ok(done) => {
                if let Some(chosen) = done.chosen {
                    self.state.chosen.insert(name.clone(), chosen);
                }
                if self.graph.node(id).kind != NodeType::Iterator {
                    run.emit_outputs(&self.graph, id, &self.chain, &done.outputs)
                        .await;
                }
                self.state
                    .outputs
                    .insert(name.clone(), Arc::new(done.outputs));
                self.state.status.insert(name, Status::Done);
                for (other, outputs) in done.also {
                    run.emit(|at_ms| RunEvent::NodeStarted {
                        at_ms,
                        node: other.clone(),
                        execution_chain: self.chain.clone(),
                    })
                    .await;
                    if let Some(oid) = self.graph.id(&other) {
                        run.emit_outputs(&self.graph, oid, &self.chain, &outputs)
                            .await;
                    }
                    self.state.outputs.insert(other.clone(), Arc::new(outputs));
                    self.state.status.insert(other, Status::Done);
                }
            }
            Err(error) => {
                run.fail(&name, &error).await;
                self.state.status.insert(name.clone(), Status::Failed);
                if self.graph.node(id).kind == NodeType::Iterator {
                    // Its Collectors cannot finish either.
                    for m in self.members(&name) {
                        if !self.state.status.contains_key(&m) {
                            self.state.status.insert(m.clone(), Status::Skipped);
                            run.skip(&m, format!("Iterator {name} failed")).await;
                        }
                    }
                }
            }
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Runs the Iterator's scope once per item — one by one, or up to `iterator_concurrency`
/// items at once — and gathers its Collectors in item order.
async fn run_iterator(
    run: Arc<Run>,
    graph: Arc<PlanGraph>,
    id: PlanNodeId,
    prefix: Vec<String>,
    chain: Vec<ChainStep>,
    outer: State,
    inputs: Map<String, Value>,
) -> Result<Done, NodeError> {
    let name = graph.node(id).node.name.clone();
    let items = match inputs.get("array") {
        Some(Value::Array(items)) => items.clone(),
        Some(other) => {
            return Err(NodeError::InputType {
                node: name,
                input: "array".to_owned(),
                expected: DataType::Array,
                actual: type_name(other),
            })
        }
        None => Vec::new(),
    };
    let mut inner = prefix;
    inner.push(name.clone());
    let collectors: Vec<PlanNodeId> = graph
        .of_kind(NodeType::Collector)
        .filter(|c| graph.node(*c).iterators == inner)
        .collect();
    let mut collected: Vec<Vec<Value>> = vec![Vec::new(); collectors.len()];
    let size = Value::from(items.len());
    // Each item runs its scope on its own copy of the state; up to `iterator_concurrency`
    // items are in flight at once, and `buffered` hands their ends back in item order, so
    // the Collectors gather exactly what a one-by-one run would.
    let item_scope = |index: usize, item: Value| {
        let mut item_chain = chain.clone();
        item_chain.push(ChainStep {
            node_name: name.clone(),
            index,
            kind: ChainKind::Iterator,
        });
        let mut outputs = Map::new();
        outputs.insert("arrayItem".to_owned(), item);
        outputs.insert("arraySize".to_owned(), size.clone());
        let mut state = outer.clone();
        state.status.insert(name.clone(), Status::Done);
        let run = run.clone();
        let graph = graph.clone();
        let prefix = inner.clone();
        let name = name.clone();
        async move {
            run.emit_outputs(&graph, id, &item_chain, &outputs).await;
            state.outputs.insert(name, Arc::new(outputs));
            let scope = Scope {
                graph,
                prefix,
                chain: item_chain,
                state,
            };
            run_scope(run, scope).await
        }
    };
    let mut ends = stream::iter(items.into_iter().enumerate())
        .map(|(index, item)| item_scope(index, item))
        .buffered(run.ctx.iterator_concurrency.max(1));
    while let Some(end) = ends.next().await {
        let state = match end {
            ScopeEnd::Cancelled => return Err(NodeError::Cancelled { node: name.clone() }),
            ScopeEnd::Finished(state) => state,
        };
        for (k, c) in collectors.iter().enumerate() {
            let collector = graph.node(*c);
            let Some(w) = collector.inputs.iter().find(|w| w.name == "arrayItem") else {
                continue;
            };
            let source_done = match &w.source {
                InputSource::Output { node, .. } => state.status.get(node) == Some(&Status::Done),
                InputSource::Forwarded { condition_node, .. } => {
                    state.status.get(condition_node) == Some(&Status::Done)
                }
            };
            let raw = match &w.source {
                InputSource::Output { node, output } => {
                    state.outputs.get(node).and_then(|o| o.get(output))
                }
                InputSource::Forwarded {
                    condition_node,
                    input,
                } => state.inputs.get(condition_node).and_then(|i| i.get(input)),
            };
            // An item whose branch was skipped or failed adds nothing.
            let (true, Some(raw)) = (source_done, raw) else {
                continue;
            };
            let value = w
                .expression
                .evaluate(raw)
                .map_err(|e| NodeError::Expression {
                    node: collector.node.name.clone(),
                    input: w.name.clone(),
                    expression: w.expression.to_string(),
                    message: e.message,
                })?;
            if DataType::of_value(&value) != Some(w.data_type) {
                return Err(NodeError::InputType {
                    node: collector.node.name.clone(),
                    input: w.name.clone(),
                    expected: w.data_type,
                    actual: type_name(&value),
                });
            }
            if let Some(list) = collected.get_mut(k) {
                list.push(value);
            }
        }
    }
    let also = collectors
        .iter()
        .zip(collected)
        .map(|(c, items)| {
            let mut outputs = Map::new();
            outputs.insert("collectedArray".to_owned(), Value::Array(items));
            (graph.node(*c).node.name.clone(), outputs)
        })
        .collect();
    Ok(Done {
        outputs: Map::new(),
        chosen: None,
        also,
    })
}

/// Runs a Loop body as a DoWhile: round after round while the controller's condition
/// holds, at most `maxIterations` rounds; the Loop's outputs are the controller's ExitLoop inputs.
async fn run_loop(
    run: Arc<Run>,
    graph: Arc<PlanGraph>,
    id: PlanNodeId,
    chain: Vec<ChainStep>,
    inputs: Map<String, Value>,
) -> Result<Done, NodeError> {
    let node = graph.node(id);
    let name = node.node.name.clone();
    let loop_error = |message: String| NodeError::Loop {
        node: name.clone(),
        message,
    };
    let Some(body) = node.body.as_deref() else {
        return Err(loop_error("the Loop has no body".to_owned()));
    };
    let body = Arc::new(body.clone());
    let Some(start) = body.of_kind(NodeType::LoopInput).next() else {
        return Err(loop_error("the Loop body has no LoopInput node".to_owned()));
    };
    let Some(controller) = body.of_kind(NodeType::LoopController).next() else {
        return Err(loop_error(
            "the Loop body has no LoopController node".to_owned(),
        ));
    };
    let start_name = body.node(start).node.name.clone();
    let controller_node = body.node(controller);
    let controller_name = controller_node.node.name.clone();
    let max = match &controller_node.node.configuration {
        Some(NodeConfiguration::LoopController(c)) => {
            c.max_iterations.unwrap_or(DEFAULT_MAX_ITERATIONS)
        }
        Some(_) | None => DEFAULT_MAX_ITERATIONS,
    }
    .max(1);
    let mut current = inputs;
    let mut round: u32 = 0;
    loop {
        let mut round_chain = chain.clone();
        round_chain.push(ChainStep {
            node_name: name.clone(),
            index: round as usize,
            kind: ChainKind::Loop,
        });
        round += 1;
        run.emit(|at_ms| RunEvent::NodeStarted {
            at_ms,
            node: start_name.clone(),
            execution_chain: round_chain.clone(),
        })
        .await;
        run.emit_outputs(&body, start, &round_chain, &current).await;
        let mut state = State::default();
        state.status.insert(start_name.clone(), Status::Done);
        state
            .outputs
            .insert(start_name.clone(), Arc::new(current.clone()));
        let scope = Scope {
            graph: body.clone(),
            prefix: vec![],
            chain: round_chain,
            state,
        };
        let state = match run_scope(run.clone(), scope).await {
            ScopeEnd::Cancelled => return Err(NodeError::Cancelled { node: name }),
            ScopeEnd::Finished(state) => state,
        };
        if state.status.get(&controller_name) != Some(&Status::Done) {
            return Err(loop_error(format!(
                "its LoopController {controller_name} did not run in round {round}, so the loop cannot go on or end"
            )));
        }
        let received = state
            .inputs
            .get(&controller_name)
            .cloned()
            .unwrap_or_default();
        let again = state
            .chosen
            .get(&controller_name)
            .cloned()
            .flatten()
            .is_some();
        if again && round < max {
            for w in &controller_node.inputs {
                if w.category == Some(InputCategory::ReturnValueToLoopStart) {
                    if let Some(v) = received.get(&w.name) {
                        current.insert(w.name.clone(), v.clone());
                    }
                }
            }
            continue;
        }
        let mut outputs = Map::new();
        for w in &controller_node.inputs {
            if w.category == Some(InputCategory::ExitLoop) {
                if let Some(v) = received.get(&w.name) {
                    outputs.insert(w.name.clone(), v.clone());
                }
            }
        }
        return Ok(Done {
            outputs,
            chosen: None,
            also: vec![],
        });
    }
}
