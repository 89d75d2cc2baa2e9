//! Iterator: a container. The executor runs its scope once per item and gathers its
//! Collectors (`executor/containers.rs`), since that means scheduling other nodes.

use super::{Container, Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};
use crate::nodes::NodeType;

/// Runs its scope once per item of `array`.
pub(super) struct Iterator;

impl NodeRun for Iterator {
    fn container(&self) -> Option<Container> {
        Some(Container::Iterator)
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
                kind: NodeType::Iterator,
            })
        })
    }
}
