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
use crate::model::flow::FlowNode;
use crate::model::DataType;
use crate::nodes::NodeType;
use crate::providers::BoxFuture;
use serde_json::{Map, Value};

/// Declares a kind whose behaviour is one async function of the run, the node and its inputs:
/// `node_run!(Prompt => execute);` in `nodes/prompt.rs`.
macro_rules! node_run {
    ($(#[$doc:meta])* $kind:ident => $behaviour:path) => {
        $(#[$doc])*
        pub(super) struct $kind;

        impl NodeRun for $kind {
            fn execute<'a>(
                &'a self,
                run: &'a Run,
                node: &'a FlowNode,
                inputs: &'a Map<String, Value>,
            ) -> BoxFuture<'a, Result<Done, NodeError>> {
                Box::pin($behaviour(run, node, inputs))
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
    ) -> BoxFuture<'a, Result<Done, NodeError>>;

    /// `Some` for the kinds that hold inner scopes (Iterator items, Loop rounds): the
    /// executor runs those itself, since running them means scheduling other nodes.
    fn container(&self) -> Option<Container> {
        None
    }
}

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

/// Checks the one declared output of a node against the value it got.
fn check_output(node: &FlowNode, output: &str, value: &Value) -> Result<(), NodeError> {
    let declared = node.output(output).and_then(|o| o.data_type.get());
    match declared {
        Some(expected) if DataType::of_value(value) != Some(expected) => {
            Err(NodeError::OutputType {
                node: node.name.clone(),
                output: output.to_owned(),
                expected,
                actual: type_name(value),
            })
        }
        Some(_) | None => Ok(()),
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
