//! Output: where a flow ends. Every Output reached emits its document.

use super::fresh_node;
use super::{Category, Empty, NodeConfiguration, NodeKind, NodeType, PortSpec, Ports};
use crate::model::flow::FlowNode;

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Output,
    Category::Boundary,
    "⇤",
    "#2f855a",
    "Where a branch ends: emits its document as a flow output (a flow may have several).",
    ports,
    new_node,
);

fn ports(_: &FlowNode) -> Ports {
    Ports::fixed(&[PortSpec::new("document", None)], &[])
}

fn new_node(name: &str) -> FlowNode {
    fresh_node(name, NodeConfiguration::Output(Empty {}))
}
