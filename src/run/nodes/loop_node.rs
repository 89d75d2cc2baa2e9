//! Loop: a container. The executor runs its body round after round (`executor/containers.rs`),
//! since that means scheduling the body's nodes.

use super::{Container, Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};
use crate::nodes::NodeType;

/// Runs its body while its LoopController says so.
pub(super) struct Loop;

impl NodeRun for Loop {
    fn container(&self) -> Option<Container> {
        Some(Container::Loop)
    }

    /// Never called: the executor runs containers itself. Reaching here would be a wiring
    /// mistake, reported as a failed node rather than a panic.
    fn execute<'a>(
        &'a self,
        _: &'a Run,
        node: &'a FlowNode,
        _: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Done, NodeError>> {
        Box::pin(async move {
            Err(NodeError::NotAvailable {
                node: node.name.clone(),
                kind: NodeType::Loop,
            })
        })
    }
}
