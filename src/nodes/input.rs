//! Input: where a flow starts. Receives the document given to InvokeFlow.

use super::fresh_node;
use super::{Category, Empty, NodeConfiguration, NodeKind, NodeType, PortSpec, Ports};
use crate::model::flow::FlowNode;

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Input,
    Category::Boundary,
    "⇥",
    "#2f855a",
    "Where the flow starts: emits the document the flow is invoked with.",
    ports,
    new_node,
)
.outside_loops();

fn ports(_: &FlowNode) -> Ports {
    Ports::fixed(&[], &[PortSpec::new("document", None)])
}

fn new_node(name: &str) -> FlowNode {
    fresh_node(name, NodeConfiguration::Input(Empty {}))
}
