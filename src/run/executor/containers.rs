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
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// How an item's scope ended, or why its task did not end it.
type ItemEnd = Pin<Box<dyn Future<Output = Result<ScopeEnd, NodeError>> + Send>>;

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
    // One at a time, an item runs in this task. Several at once, each item runs on its own
    // task, so items work in parallel on the runtime's threads rather than taking turns in
    // this one; a panic in one fails the Iterator as a panic in this task would.
    let concurrency = run.ctx.iterator_concurrency.max(1);
    let mut ends = stream::iter(items.into_iter().enumerate())
        .map(|(index, item)| {
            let scope = item_scope(index, item);
            let iterator = name.clone();
            let end: ItemEnd = if concurrency == 1 {
                Box::pin(async move { Ok(scope.await) })
            } else {
                let mut task = ItemTask(tokio::spawn(run.flushing(Box::pin(scope))));
                Box::pin(async move {
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
                })
            };
            end
        })
        .buffered(concurrency);
    while let Some(end) = ends.next().await {
        let state = match end? {
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
