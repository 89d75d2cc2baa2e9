//! The containers: an Iterator runs its scope once per item and gathers its Collectors; a
//! Loop runs its body round after round. Both run inner scopes of the executor.

use super::scope::{run_scope, Scope, ScopeEnd, State, Status};
use super::{panic_message, Run};
use crate::compile::plan::{InputSource, PlanGraph, PlanNodeId};
use crate::model::flow::InputCategory;
use crate::model::DataType;
use crate::nodes::loop_controller::DEFAULT_MAX_ITERATIONS;
use crate::nodes::{NodeConfiguration, NodeType};
use crate::run::event::{ChainKind, ChainStep, RunEvent};
use crate::run::nodes::Done;
use crate::run::{type_name, NodeError};
use futures::stream::{self, StreamExt};
use serde_json::{Map, Value};
use std::sync::Arc;

/// An item's scope on its own task, aborted when dropped — when the Iterator fails or is
/// aborted — so no item outlives its Iterator.
struct ItemTask(tokio::task::JoinHandle<ScopeEnd>);

impl Drop for ItemTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs the Iterator's scope once per item — one by one, or up to `iterator_concurrency`
/// items at once — and gathers its Collectors in item order.
pub(super) async fn run_iterator(
    run: Arc<Run>,
    graph: Arc<PlanGraph>,
    id: PlanNodeId,
    prefix: Vec<String>,
    chain: Vec<ChainStep>,
    outer: Arc<State>,
    inputs: Arc<Map<String, Value>>,
) -> Result<Done, NodeError> {
    let name = graph.node(id).node.name.clone();
    // The array stays where it is (shared with the Iterator's `nodeInput` state); each item
    // is copied out of it only when its turn comes.
    let items: &[Value] = match inputs.get("array") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(NodeError::InputType {
                node: name,
                input: "array".to_owned(),
                expected: DataType::Array,
                actual: type_name(other),
            })
        }
        None => &[],
    };
    let mut inner = prefix;
    inner.push(name.clone());
    let collectors: Vec<PlanNodeId> = graph
        .of_kind(NodeType::Collector)
        .filter(|c| graph.node(*c).iterators == inner)
        .collect();
    let mut collected: Vec<Vec<Value>> = vec![Vec::new(); collectors.len()];
    let size = Value::from(items.len());
    // Each item runs its scope on a state of its own over the Iterator's (shared, not
    // copied); up to `iterator_concurrency` items are in flight at once, and `buffered`
    // hands their ends back in item order, so the Collectors gather exactly what a
    // one-by-one run would.
    let item_scope = |index: usize, item: Value| {
        let mut item_chain = Vec::with_capacity(chain.len() + 1);
        item_chain.extend_from_slice(&chain);
        item_chain.push(ChainStep {
            node_name: name.clone(),
            index,
            kind: ChainKind::Iterator,
        });
        let mut outputs = Map::new();
        outputs.insert("arrayItem".to_owned(), item);
        outputs.insert("arraySize".to_owned(), size.clone());
        let mut state = State::within(outer.clone());
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
    let mut gather = |state: State| -> Result<(), NodeError> {
        gather_item(&graph, &collectors, &mut collected, &state)
    };
    let concurrency = run.ctx.iterator_concurrency.max(1);
    if concurrency == 1 {
        // One at a time, each item runs in this task, straight after the one before. (Its
        // scope stays boxed: run inside this future, a 10,000-item run measured 2-4x slower
        // from its second run in a process on.)
        for (index, item) in items.iter().enumerate() {
            match item_scope(index, item.clone()).await {
                ScopeEnd::Cancelled => return Err(NodeError::Cancelled { node: name.clone() }),
                ScopeEnd::Finished(state) => gather(state)?,
            }
        }
        return Ok(collectors_done(&graph, &collectors, collected));
    }
    // Several at once, each item runs on its own task, so items work in parallel on the
    // runtime's threads rather than taking turns in this one; a panic in one fails the
    // Iterator as a panic in this task would.
    let mut ends = stream::iter(0..items.len())
        .map(|index| {
            let item = items.get(index).cloned().unwrap_or(Value::Null);
            let scope = item_scope(index, item);
            let iterator = name.clone();
            let mut task = ItemTask(tokio::spawn(run.flushing(Box::pin(scope))));
            async move {
                (&mut task.0).await.map_err(|e| {
                    if e.is_panic() {
                        NodeError::Panicked {
                            node: iterator,
                            message: panic_message(e.into_panic()),
                        }
                    } else {
                        NodeError::Cancelled { node: iterator }
                    }
                })
            }
        })
        .buffered(concurrency);
    while let Some(end) = ends.next().await {
        match end? {
            ScopeEnd::Cancelled => return Err(NodeError::Cancelled { node: name.clone() }),
            ScopeEnd::Finished(state) => gather(state)?,
        }
    }
    drop(ends);
    Ok(collectors_done(&graph, &collectors, collected))
}

/// Adds what one item's scope gave each Collector of the Iterator.
fn gather_item(
    graph: &PlanGraph,
    collectors: &[PlanNodeId],
    collected: &mut [Vec<Value>],
    state: &State,
) -> Result<(), NodeError> {
    for (k, c) in collectors.iter().enumerate() {
        let collector = graph.node(*c);
        let Some(w) = collector.inputs.iter().find(|w| w.name == "arrayItem") else {
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
    Ok(())
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
