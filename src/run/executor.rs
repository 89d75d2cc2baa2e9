//! The scheduler: runs a plan graph node by node, each as soon as its inputs are ready,
//! independent branches at once, Iterator scopes item by item and Loop bodies round by round.
//!
//! A *scope* is the part of one plan graph that runs together: the whole flow, the nodes of
//! one Iterator item (those whose `iterators` end with that Iterator), or one round of a Loop
//! body. A scope owns a `JoinSet` of its node tasks; every `JoinError` is looked at (a panic
//! becomes a failed node), and dropping a scope aborts whatever it still runs. Iterators and
//! Loops are tasks that run inner scopes; only nodes that do work hold a concurrency permit,
//! so containers never starve their own bodies.
//!
//! Node kinds are not matched here: a node that does work runs its kind's [`NodeRun`]
//! (`run/nodes/`), and the two containers are named by [`Container`]. What stays
//! kind-aware is structure, not behaviour: Input nodes are seeded with the document, an
//! Iterator's members (its Collectors included) belong to its item scopes, and a Loop's
//! body starts at its LoopInput and asks its LoopController whether to go round again.
//!
//! `scope.rs` schedules the nodes of one scope; `containers.rs` runs Iterator items and
//! Loop rounds as inner scopes.
//!
//! [`NodeRun`]: super::nodes::NodeRun
//! [`Container`]: super::nodes::Container

mod containers;
mod reuse;
mod scope;

use self::scope::{run_scope, Scope, ScopeEnd, State, Status};
use super::event::{Chain, Content, OutputField, RunEvent, RunStatus};
use super::shared::{Run, Totals};
use super::sink::{Outlet, Sink};
use super::{type_name, NodeError, NodeFailure, RunContext, RunResult};
use crate::compile::plan::{PlanGraph, PlanNodeId};
use crate::compile::FlowPlan;
use crate::model::{DataType, Project};
use crate::nodes::NodeType;
use serde_json::{Map, Value};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Instant;

/// Runs one flow plan with `document` on its Input node. Events go to `events` in the
/// order they happen, gathered while the run works and sent whenever it waits (for a model,
/// a tool, a person, another task) and before it returns, so an instant run sends them in
/// bursts; the caller must keep receiving them (a dropped receiver is fine). The run always
/// ends: with every reachable node finished, skipped or failed, or cancelled.
pub async fn run_flow(
    plan: &FlowPlan,
    project: &Project,
    document: Value,
    ctx: RunContext,
    events: mpsc::Sender<RunEvent>,
) -> RunResult {
    run_to(plan, project, document, ctx, Outlet::Events(events)).await
}

/// [`run_flow`], with the events in batches: each batch is what the run emitted since the
/// last, sent when the run waits, before it returns, or when [`FLUSH_AT`] events are
/// gathered — one message to a front end instead of one per event. Never an empty batch.
///
/// [`FLUSH_AT`]: super::sink::FLUSH_AT
pub async fn run_flow_batched(
    plan: &FlowPlan,
    project: &Project,
    document: Value,
    ctx: RunContext,
    events: mpsc::Sender<Vec<RunEvent>>,
) -> RunResult {
    run_to(plan, project, document, ctx, Outlet::Batches(events)).await
}

async fn run_to(
    plan: &FlowPlan,
    project: &Project,
    document: Value,
    ctx: RunContext,
    outlet: Outlet,
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
        sink: Arc::new(Sink::new(outlet)),
        started: Instant::now(),
        totals: Mutex::new(Totals::default()),
        stepping: AtomicBool::new(false),
    });
    let graph = Arc::new(plan.graph().clone());
    let rerun = run.ctx.debug.rerun(plan);
    let whole = Box::pin(run_graph(
        run.clone(),
        graph,
        run_id.clone(),
        document,
        rerun,
    ));
    // The run works on a task of the runtime, not in the caller's future: on a worker thread
    // the consumer it wakes is queued on that same thread and drains a whole burst of events
    // when the run next waits, instead of being woken on another thread (a futex, a context
    // switch, the events freed on another thread than the one that built them) per event.
    let mut task = RunTask(tokio::spawn(run.flushing(whole)));
    match (&mut task.0).await {
        Ok(result) => result,
        // A panic outside any node's work is the caller's, as if the run ran in its future.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only a runtime shutting down cancels the task.
        Err(_) => RunResult {
            run_id,
            status: RunStatus::Cancelled,
            outputs: Vec::new(),
            failures: Vec::new(),
            usage: Default::default(),
            duration_ms: run.elapsed_ms(),
        },
    }
}

/// The run's task, aborted when the caller drops the run's future, so a run never outlives
/// its caller (dropping the run cancels its node tasks with it, as before).
struct RunTask(tokio::task::JoinHandle<RunResult>);

impl Drop for RunTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The run from its first event to its last.
async fn run_graph(
    run: Arc<Run>,
    graph: Arc<PlanGraph>,
    run_id: String,
    document: Value,
    rerun: Result<super::debug::Rerun, super::debug::DebugError>,
) -> RunResult {
    run.emit(|at_ms| RunEvent::RunStarted {
        at_ms,
        run_id: run_id.clone(),
        flow: run.flow.clone(),
        inputs: document.clone(),
    })
    .await;
    let mut state = State::default();
    // Debug options that do not fit the flow fail the run before any node runs.
    let rerun = match rerun {
        Ok(rerun) => Some(rerun),
        Err(error) => {
            run.fail(error.node(), &NodeError::Debug(Box::new(error.clone())))
                .await;
            None
        }
    };
    if let Some(rerun) = &rerun {
        reuse::seed(&run, &graph, rerun, &mut state).await;
    }
    let input_nodes = graph.of_kind(NodeType::Input).collect::<Vec<_>>();
    // The last Input node to be seeded takes the document itself (a flow has one): a
    // large document is not kept twice for the whole run.
    let mut document = Some(document);
    for (k, &id) in input_nodes.iter().enumerate() {
        let Some(given) = document.as_ref() else {
            break;
        };
        let node = graph.node(id);
        let name = node.node.name.clone();
        // Reused, pinned (its scope gives the pin), or not run at all.
        if rerun.is_none()
            || state.status_of(&name).is_some()
            || run.ctx.debug.pins.contains_key(&name)
        {
            continue;
        }
        run.emit(|at_ms| RunEvent::NodeStarted {
            at_ms,
            node: name.as_str().into(),
            execution_chain: Chain::default(),
        })
        .await;
        let declared = node.node.output("document").and_then(|o| o.data_type.get());
        match declared {
            Some(expected) if DataType::of_value(given) != Some(expected) => {
                let error = NodeError::OutputType {
                    node: name.clone(),
                    output: "document".to_owned(),
                    expected,
                    actual: type_name(given),
                };
                run.fail(&name, &error).await;
                state.set_status(&node.name, Status::Failed);
            }
            Some(_) | None => {
                let mut outputs = Map::new();
                let value = if k + 1 == input_nodes.len() {
                    document.take().unwrap_or_default()
                } else {
                    given.clone()
                };
                outputs.insert("document".to_owned(), value);
                run.emit_outputs(&graph, id, &Chain::default(), &outputs)
                    .await;
                state.set_status(&node.name, Status::Done);
                state.set_outputs(&node.name, Arc::new(outputs));
            }
        }
    }
    let scope = Scope {
        graph,
        prefix: Arc::default(),
        chain: Chain::default(),
        state,
    };
    let end = match rerun {
        Some(_) => run_scope(run.clone(), scope).await,
        None => ScopeEnd::Finished(scope.state),
    };
    let cancelled = matches!(end, ScopeEnd::Cancelled);
    // What the nodes produced is in the events and the totals now: let it go before the
    // last event copies the outputs, so a large run does not hold every copy at once.
    drop(end);
    if cancelled {
        run.emit(|at_ms| RunEvent::Cancelled { at_ms }).await;
    }
    // Every node is done: the totals are taken, not copied.
    let totals = std::mem::take(&mut *run.totals.lock().unwrap_or_else(PoisonError::into_inner));
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
        run_id: None,
        cost_usd: None,
        unpriced: Vec::new(),
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
/// A run started without an id (a library caller's) gets one in the store's one format.
fn make_run_id() -> String {
    crate::store::RunId::generate().to_string()
}

impl Run {
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
            node: node.into(),
            error: text,
        })
        .await;
    }

    async fn skip(&self, node: &str, reason: String) {
        self.emit(|at_ms| RunEvent::NodeSkipped {
            at_ms,
            node: node.into(),
            reason,
        })
        .await;
    }

    /// A `nodeOutputTrace` for the given outputs, with the inputs each one feeds.
    async fn emit_outputs(
        &self,
        graph: &PlanGraph,
        id: PlanNodeId,
        chain: &Chain,
        outputs: &Map<String, Value>,
    ) {
        if outputs.is_empty() {
            return;
        }
        let planned = graph.outputs(id);
        let fields = outputs
            .iter()
            .map(|(name, value)| {
                let (name, next) = match planned.iter().find(|o| *o.name == **name) {
                    Some(o) => (o.name.clone(), o.next.clone()),
                    None => (name.as_str().into(), graph.next_inputs(id, name).collect()),
                };
                OutputField {
                    node_output_name: name,
                    content: Content {
                        document: value.clone(),
                    },
                    next,
                }
            })
            .collect();
        let node = graph.node(id).name.clone();
        self.emit(|at_ms| RunEvent::NodeOutput {
            at_ms,
            node,
            execution_chain: chain.clone(),
            fields,
        })
        .await;
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
