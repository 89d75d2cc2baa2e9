//! What each node kind does when run on this machine: one file per kind in `nodes/`, each
//! implementing [`NodeRun`], found through [`behaviour`], which the kind list
//! ([`crate::nodes::node_kinds!`]) generates.
//!
//! A kind's behaviour gets the run it belongs to ([`Run`]), its node and the values on its
//! inputs (after expressions, checked against their types), and gives back its outputs
//! ([`Done`]). It never sees the executor: the executor depends on this module, not the
//! other way round.

use super::shared::Run;
use super::{type_name, NodeError};
use crate::local_code::ProcessFailure;
use crate::model::flow::FlowNode;
use crate::model::DataType;
use crate::nodes::NodeType;
use crate::providers::BoxFuture;
use serde_json::{Map, Value};
use tokio::time::Instant;

/// Declares a kind's behaviour, in one of three forms:
///
/// - `node_run!(Prompt(config) => prompt);`: an async function of the node being run
///   ([`Call`]) and the kind's configuration, typed. A node without one fails with
///   [`NodeError::MissingConfiguration`] before the function is called.
/// - `node_run!(Output => output);`: an async function of the [`Call`] alone, for the kinds
///   whose configuration their behaviour does not read.
/// - `node_run!(Loop => container);`: a kind the executor runs itself ([`Container`]).
macro_rules! node_run {
    ($(#[$doc:meta])* $kind:ident(config) => $behaviour:path) => {
        node_run!(@define $(#[$doc])* $kind, None, |call| async move {
            let Some($crate::nodes::NodeConfiguration::$kind(config)) = &call.node.configuration
            else {
                return Err($crate::run::nodes::missing(
                    call.node,
                    $crate::nodes::NodeType::$kind,
                ));
            };
            $behaviour(call, config).await
        });
    };
    // Never executed: the executor runs containers itself. Reaching `execute` would be a
    // wiring mistake, reported as a failed node rather than a panic.
    ($(#[$doc:meta])* $kind:ident => container) => {
        node_run!(
            @define $(#[$doc])* $kind,
            Some($crate::run::nodes::Container::$kind),
            |call| async move {
                Err($crate::run::NodeError::NotAvailable {
                    node: call.node.name.clone(),
                    kind: $crate::nodes::NodeType::$kind,
                })
            }
        );
    };
    ($(#[$doc:meta])* $kind:ident => $behaviour:path) => {
        node_run!(@define $(#[$doc])* $kind, None, |call| $behaviour(call));
    };
    (@define $(#[$doc:meta])* $kind:ident, $container:expr, |$call:ident| $work:expr) => {
        $(#[$doc])*
        pub(super) struct $kind;

        impl $crate::run::nodes::NodeRun for $kind {
            fn execute<'a>(
                &'a self,
                run: &'a $crate::run::shared::Run,
                node: &'a $crate::model::flow::FlowNode,
                inputs: &'a serde_json::Map<String, serde_json::Value>,
            ) -> $crate::run::nodes::Work<'a> {
                let $call = $crate::run::nodes::Call { run, node, inputs };
                Box::pin($work)
            }

            fn container(&self) -> Option<$crate::run::nodes::Container> {
                $container
            }
        }
    };
}

/// Declares the run module of every kind and the dispatch to them: `NodeType::Prompt` runs
/// `nodes/prompt.rs`'s `Prompt`, and so on for each line of the list.
macro_rules! run_behaviours {
    ($($variant:ident: $key:literal, $config:ty, $module:ident;)+) => {
        $(mod $module;)+

        /// How nodes of this kind run.
        pub(super) fn behaviour(kind: NodeType) -> &'static dyn NodeRun {
            match kind {
                $(NodeType::$variant => &$module::$variant,)+
            }
        }
    };
}

crate::nodes::node_kinds!(run_behaviours);

/// A node kind's local behaviour.
pub(super) trait NodeRun: Sync {
    /// Runs one node of this kind on the values of its inputs. Called by the executor for
    /// every kind that is not a container, under a concurrency permit and the node timeout.
    fn execute<'a>(
        &'a self,
        run: &'a Run,
        node: &'a FlowNode,
        inputs: &'a Map<String, Value>,
    ) -> Work<'a>;

    /// `Some` for the kinds that hold inner scopes (Iterator items, Loop rounds): the
    /// executor runs those itself, since running them means scheduling other nodes.
    fn container(&self) -> Option<Container> {
        None
    }
}

/// What a kind's behaviour gets: one node being run.
#[derive(Clone, Copy)]
pub(super) struct Call<'a> {
    /// The run the node belongs to: its context, its events, the flow's outputs.
    pub run: &'a Run,
    pub node: &'a FlowNode,
    /// The values on the node's inputs, after expressions, checked against their types.
    pub inputs: &'a Map<String, Value>,
}

/// A node's work under way: what [`NodeRun::execute`] gives back.
pub(super) type Work<'a> = BoxFuture<'a, Result<Done, NodeError>>;

/// The containers the executor runs itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Container {
    /// Runs its scope once per item of its array; its Collectors gather the results.
    Iterator,
    /// Runs its body round after round while its LoopController says so.
    Loop,
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

/// The behaviour of the kinds that pass their inputs on as their outputs (Input, LoopInput).
async fn pass_on(call: Call<'_>) -> Result<Done, NodeError> {
    Ok(Done {
        outputs: call.inputs.clone(),
        ..Done::default()
    })
}

/// A call a node made on its way (to AWS, a local process, a fixture), reported as a
/// `NodeAction` event.
struct Action<'a> {
    service: &'a str,
    operation: &'a str,
    request: Value,
    response: Value,
}

impl Action<'_> {
    /// Reports the call, begun at `began`, as `node`'s `NodeAction` event.
    async fn report(self, run: &Run, node: &FlowNode, began: Instant) {
        let latency_ms = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
        run.emit(|at_ms| crate::run::RunEvent::NodeAction {
            at_ms,
            node: node.name.as_str().into(),
            service_name: self.service.to_owned(),
            operation_name: self.operation.to_owned(),
            request: self.request.into(),
            response: self.response.into(),
            usage: None,
            latency_ms,
        })
        .await;
    }
}

/// A node's one output.
fn single(output: &str, value: Value) -> Done {
    let mut outputs = Map::new();
    outputs.insert(output.to_owned(), value);
    Done {
        outputs,
        ..Done::default()
    }
}

/// The error of a node whose configuration is not its kind's.
fn missing(node: &FlowNode, kind: NodeType) -> NodeError {
    NodeError::MissingConfiguration {
        node: node.name.clone(),
        kind,
    }
}

/// A node's one declared output, checked against the type it declares.
fn checked_output(node: &FlowNode, output: &str, value: Value) -> Result<Done, NodeError> {
    let declared = node.output(output).and_then(|o| o.data_type.get());
    match declared {
        Some(expected) if DataType::of_value(&value) != Some(expected) => {
            Err(NodeError::OutputType {
                node: node.name.clone(),
                output: output.to_owned(),
                expected,
                actual: type_name(&value),
            })
        }
        Some(_) | None => Ok(single(output, value)),
    }
}

/// The error of a node whose local process (Python, Node) could not give an answer.
fn process_failure(node: &FlowNode, failure: ProcessFailure) -> NodeError {
    NodeError::Process {
        node: node.name.clone(),
        program: failure.program,
        message: failure.message,
    }
}

/// The string on an input, or an error naming what is there instead.
fn string_input<'a>(
    node: &FlowNode,
    inputs: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, NodeError> {
    match inputs.get(name) {
        Some(Value::String(s)) => Ok(s),
        other => Err(NodeError::InputType {
            node: node.name.clone(),
            input: name.to_owned(),
            expected: DataType::String,
            actual: other.map_or_else(|| "missing".to_owned(), type_name),
        }),
    }
}
