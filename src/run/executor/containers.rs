//! The containers: an Iterator runs its scope once per item and gathers its Collectors; a
//! Loop runs its body round after round. Both run inner scopes of the executor.

use super::scope::{run_scope, Scope, ScopeEnd, State, Status};
use super::Run;
use crate::compile::plan::{InputSource, PlanGraph, PlanNodeId};
use crate::model::flow::InputCategory;
use crate::model::DataType;
use crate::nodes::loop_controller::DEFAULT_MAX_ITERATIONS;
use crate::nodes::{NodeConfiguration, NodeType};
use crate::run::event::{Chain, ChainKind, ChainStep, RunEvent};
use crate::run::nodes::Done;
use crate::run::{type_name, NodeError};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// What every item of one Iterator run shares: where the items come from, where their
/// scopes run, and — when several run at once — which item comes next and how each ended.
struct Items {
    run: Arc<Run>,
    graph: Arc<PlanGraph>,
    id: PlanNodeId,
    /// The Iterators an item's scope runs inside, this one last.
    inner: Arc<[String]>,
    chain: Chain,
    /// The enclosing scope's state, shared by every item, never copied.
    outer: Arc<State>,
    /// The Iterator's inputs: the array stays where it is, each item is copied out of it
    /// only when its turn comes.
    inputs: Arc<Map<String, Value>>,
    size: Value,
    collectors: Vec<PlanNodeId>,
    /// The next item a lane takes (several at once).
    next: AtomicUsize,
    /// No lane takes another item: one failed or was cancelled.
    stop: AtomicBool,
    /// What the Collectors gathered from the items that ended, in item order.
    gathering: Mutex<Gathering>,
}

/// How one item's scope ended: what it gives each Collector, or why the Iterator fails.
enum ItemEnd {
    Gathered(Vec<Option<Value>>),
    Failed(NodeError),
    Cancelled,
}

/// What the Collectors gathered, in item order: an item's end is taken in as soon as every
/// item before it has ended, and waits until then. (Lanes used to keep every item's end
/// until the last one ended: 8 MB more at the peak for 100,000 items 16 at once.)
struct Gathering {
    /// The item whose end is taken in next.
    next: usize,
    /// Ends of later items, waiting for the ones before them.
    waiting: BTreeMap<usize, ItemEnd>,
    /// Per Collector, what it gathered so far.
    collected: Vec<Vec<Value>>,
    /// The first end in item order that was not a gathering: the Iterator's error. Ends
    /// after it are dropped.
    failed: Option<NodeError>,
}

impl Gathering {
    fn new(collectors: usize, items: usize) -> Self {
        Gathering {
            next: 0,
            waiting: BTreeMap::new(),
            // Room for every item at once: grown item by item, a Collector's array was
            // copied and its pages first touched over and over (4% of an instant
            // 10,000-item run).
            collected: (0..collectors).map(|_| Vec::with_capacity(items)).collect(),
            failed: None,
        }
    }

    /// Item `index` ended: takes its end in, and the waiting ends it was holding back.
    fn ended(&mut self, index: usize, end: ItemEnd, iterator: &str) {
        if index != self.next {
            self.waiting.insert(index, end);
            return;
        }
        let mut end = Some(end);
        while let Some(this) = end {
            self.take_in(this, iterator);
            self.next += 1;
            end = self.waiting.remove(&self.next);
        }
    }

    fn take_in(&mut self, end: ItemEnd, iterator: &str) {
        if self.failed.is_some() {
            return;
        }
        match end {
            ItemEnd::Gathered(values) => {
                for (list, value) in self.collected.iter_mut().zip(values) {
                    list.extend(value);
                }
            }
            ItemEnd::Failed(error) => self.failed = Some(error),
            ItemEnd::Cancelled => {
                self.failed = Some(NodeError::Cancelled {
                    node: iterator.to_owned(),
                })
            }
        }
    }

    /// Per Collector, what it gathered; or the Iterator's error.
    fn finish(self) -> Result<Vec<Vec<Value>>, NodeError> {
        match self.failed {
            Some(error) => Err(error),
            None => Ok(self.collected),
        }
    }
}

impl Items {
    fn items(&self) -> &[Value] {
        match self.inputs.get("array") {
            Some(Value::Array(items)) => items,
            Some(_) | None => &[],
        }
    }

    /// Runs item `index`'s scope on a state of its own over the Iterator's, and takes what
    /// its Collectors gather.
    async fn run_item(&self, index: usize, item: Value) -> ItemEnd {
        // One allocation: the chain's steps are collected straight into the shared slice.
        let step = ChainStep {
            node_name: self.graph.node(self.id).name.clone(),
            index,
            kind: ChainKind::Iterator,
        };
        let item_chain: Chain = self
            .chain
            .iter()
            .cloned()
            .chain(std::iter::once(step))
            .collect();
        let mut outputs = Map::new();
        outputs.insert("arrayItem".to_owned(), item);
        outputs.insert("arraySize".to_owned(), self.size.clone());
        let mut state = State::within(self.outer.clone());
        let key = &self.graph.node(self.id).name;
        state.set_status(key, Status::Done);
        self.run
            .emit_outputs(&self.graph, self.id, &item_chain, &outputs)
            .await;
        state.set_outputs(key, Arc::new(outputs));
        let scope = Scope {
            graph: self.graph.clone(),
            prefix: self.inner.clone(),
            chain: item_chain,
            state,
        };
        // The scope stays boxed: run inside this future, a 10,000-item run measured 2-4x
        // slower from its second run in a process on.
        match run_scope(self.run.clone(), scope).await {
            ScopeEnd::Cancelled => ItemEnd::Cancelled,
            ScopeEnd::Finished(state) => match gather_item(&self.graph, &self.collectors, &state) {
                Ok(values) => ItemEnd::Gathered(values),
                Err(error) => ItemEnd::Failed(error),
            },
        }
    }

    /// One lane of several at once: takes the next item not yet taken and runs it, until
    /// none is left or an item failed. Items are taken in order, so every item before a
    /// failed one has been taken and ends.
    async fn lane(self: Arc<Self>) {
        while !self.stop.load(Ordering::Acquire) {
            let index = self.next.fetch_add(1, Ordering::AcqRel);
            let Some(item) = self.items().get(index).cloned() else {
                return;
            };
            let end = self.run_item(index, item).await;
            if !matches!(end, ItemEnd::Gathered(_)) {
                self.stop.store(true, Ordering::Release);
            }
            let iterator = &self.graph.node(self.id).node.name;
            self.gathering
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .ended(index, end, iterator);
        }
    }
}

/// Runs the Iterator's scope once per item — one by one, or up to `iterator_concurrency`
/// items at once — and gathers its Collectors in item order.
pub(super) async fn run_iterator(
    run: Arc<Run>,
    graph: Arc<PlanGraph>,
    id: PlanNodeId,
    prefix: Arc<[String]>,
    chain: Chain,
    outer: Arc<State>,
    inputs: Arc<Map<String, Value>>,
) -> Result<Done, NodeError> {
    let name = graph.node(id).node.name.clone();
    let count = match inputs.get("array") {
        Some(Value::Array(items)) => items.len(),
        Some(other) => {
            return Err(NodeError::InputType {
                node: name,
                input: "array".to_owned(),
                expected: DataType::Array,
                actual: type_name(other),
            })
        }
        None => 0,
    };
    let mut inner = prefix.to_vec();
    inner.push(name.clone());
    let collectors: Vec<PlanNodeId> = graph
        .of_kind(NodeType::Collector)
        .filter(|c| graph.node(*c).iterators == inner)
        .collect();
    let concurrency = run.ctx.iterator_concurrency.max(1).min(count.max(1));
    let items = Arc::new(Items {
        run: run.clone(),
        graph: graph.clone(),
        id,
        inner: inner.into(),
        chain,
        outer,
        inputs,
        size: Value::from(count),
        gathering: Mutex::new(Gathering::new(collectors.len(), count)),
        collectors,
        next: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
    });
    if concurrency == 1 {
        // One at a time, each item runs in this task, straight after the one before, and
        // none after one that did not gather.
        for (index, item) in items.items().iter().enumerate() {
            let end = items.run_item(index, item.clone()).await;
            let mut gathering = items
                .gathering
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            gathering.ended(index, end, &name);
            if gathering.failed.is_some() {
                break;
            }
        }
    } else {
        // Several at once: that many lanes, each taking the next item when it is done with
        // one, all in this task: they take turns whenever one waits (for a model, a tool), so
        // that many items are in flight, and nobody is woken per item. A task per lane made
        // the lanes of a fast run contend for the run's sink, permits and channel across
        // threads for no gain on two cores (docs/PERFORMANCE.md, fifth pass). Dropping this
        // future drops the lanes; a panic in one fails the Iterator as any panic in this task
        // does. Collectors gather in item order as items end.
        futures::future::join_all((0..concurrency).map(|_| items.clone().lane())).await;
    }
    // Items past a failed one were never taken: the first end that is not a gathering,
    // in item order, is the Iterator's.
    let gathering = std::mem::replace(
        &mut *items
            .gathering
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
        Gathering::new(0, 0),
    );
    let collected = gathering.finish()?;
    Ok(collectors_done(&graph, &items.collectors, collected))
}

/// What one item's scope gives each Collector of the Iterator (nothing for a Collector
/// whose branch was skipped or failed in that item).
fn gather_item(
    graph: &PlanGraph,
    collectors: &[PlanNodeId],
    state: &State,
) -> Result<Vec<Option<Value>>, NodeError> {
    let mut values = Vec::with_capacity(collectors.len());
    for c in collectors {
        let collector = graph.node(*c);
        let Some(w) = collector.inputs.iter().find(|w| &*w.name == "arrayItem") else {
            values.push(None);
            continue;
        };
        let source_done = match &w.source {
            InputSource::Output { node, .. } => state.status_of(node) == Some(&Status::Done),
            InputSource::Forwarded { condition_node, .. } => {
                state.status_of(condition_node) == Some(&Status::Done)
            }
        };
        let raw = state.source_value(&w.source);
        // An item whose branch was skipped or failed adds nothing.
        let (true, Some(raw)) = (source_done, raw) else {
            values.push(None);
            continue;
        };
        let value = w
            .expression
            .evaluate(raw)
            .map_err(|e| NodeError::Expression {
                node: collector.node.name.clone(),
                input: w.name.to_string(),
                expression: w.expression_text.to_string(),
                message: e.message,
            })?;
        if DataType::of_value(&value) != Some(w.data_type) {
            return Err(NodeError::InputType {
                node: collector.node.name.clone(),
                input: w.name.to_string(),
                expected: w.data_type,
                actual: type_name(&value),
            });
        }
        values.push(Some(value));
    }
    Ok(values)
}

/// The Iterator's result: its Collectors, each with what it gathered.
fn collectors_done(
    graph: &PlanGraph,
    collectors: &[PlanNodeId],
    collected: Vec<Vec<Value>>,
) -> Done {
    let also = collectors
        .iter()
        .zip(collected)
        .map(|(c, items)| {
            let mut outputs = Map::new();
            outputs.insert("collectedArray".to_owned(), Value::Array(items));
            (graph.node(*c).node.name.clone(), outputs)
        })
        .collect();
    Done {
        outputs: Map::new(),
        chosen: None,
        also,
    }
}

/// Runs a Loop body as a DoWhile: round after round while the controller's condition
/// holds, at most `maxIterations` rounds; the Loop's outputs are the controller's ExitLoop inputs.
pub(super) async fn run_loop(
    run: Arc<Run>,
    graph: Arc<PlanGraph>,
    id: PlanNodeId,
    chain: Chain,
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
        let mut round_chain = chain.to_vec();
        round_chain.push(ChainStep {
            node_name: node.name.clone(),
            index: round as usize,
            kind: ChainKind::Loop,
        });
        let round_chain = Chain::from(round_chain);
        round += 1;
        run.emit(|at_ms| RunEvent::NodeStarted {
            at_ms,
            node: start_name.as_str().into(),
            execution_chain: round_chain.clone(),
        })
        .await;
        run.emit_outputs(&body, start, &round_chain, &current).await;
        let mut state = State::default();
        let start_key = &body.node(start).name;
        state.set_status(start_key, Status::Done);
        state.set_outputs(start_key, Arc::new(current.clone()));
        let scope = Scope {
            graph: body.clone(),
            prefix: Arc::default(),
            chain: round_chain,
            state,
        };
        let state = match run_scope(run.clone(), scope).await {
            ScopeEnd::Cancelled => return Err(NodeError::Cancelled { node: name }),
            ScopeEnd::Finished(state) => state,
        };
        if state.status_of(&controller_name) != Some(&Status::Done) {
            return Err(loop_error(format!(
                "its LoopController {controller_name} did not run in round {round}, so the loop cannot go on or end"
            )));
        }
        let received = state
            .inputs_of(&controller_name)
            .cloned()
            .unwrap_or_default();
        let again = state
            .chosen_of(&controller_name)
            .cloned()
            .flatten()
            .is_some();
        if again && round < max {
            for w in &controller_node.inputs {
                if w.category == Some(InputCategory::ReturnValueToLoopStart) {
                    if let Some(v) = received.get(&*w.name) {
                        current.insert(w.name.to_string(), v.clone());
                    }
                }
            }
            continue;
        }
        let mut outputs = Map::new();
        for w in &controller_node.inputs {
            if w.category == Some(InputCategory::ExitLoop) {
                if let Some(v) = received.get(&*w.name) {
                    outputs.insert(w.name.to_string(), v.clone());
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gathered(value: &str) -> ItemEnd {
        ItemEnd::Gathered(vec![Some(json!(value))])
    }

    #[test]
    fn items_ending_out_of_order_are_gathered_in_item_order() {
        let mut gathering = Gathering::new(1, 4);
        gathering.ended(2, gathered("c"), "Each");
        gathering.ended(0, gathered("a"), "Each");
        // Item 2 waits for item 1.
        assert_eq!(gathering.collected, [vec![json!("a")]]);
        gathering.ended(3, gathered("d"), "Each");
        gathering.ended(1, gathered("b"), "Each");
        assert!(gathering.waiting.is_empty());
        assert_eq!(
            gathering.finish().ok(),
            Some(vec![vec![json!("a"), json!("b"), json!("c"), json!("d")]])
        );
    }

    #[test]
    fn the_first_failure_in_item_order_is_the_iterators() {
        let mut gathering = Gathering::new(1, 4);
        gathering.ended(2, ItemEnd::Cancelled, "Each");
        gathering.ended(0, gathered("a"), "Each");
        let failure = NodeError::Cancelled {
            node: "Ask".to_owned(),
        };
        gathering.ended(1, ItemEnd::Failed(failure.clone()), "Each");
        gathering.ended(3, gathered("d"), "Each");
        assert_eq!(gathering.finish().err(), Some(failure));
    }
}
