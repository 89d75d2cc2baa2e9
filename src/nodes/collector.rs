//! Collector: gathers the per-item results of an Iterator back into an array, in order.

use super::fresh_node;
use super::{Category, Empty, NodeConfiguration, NodeKind, NodeType, PortSpec, Ports};
use crate::model::flow::FlowNode;
use crate::model::DataType;

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Collector,
    Category::Logic,
    "⊕",
    "#b7791f",
    "Gathers the results of the nodes after an Iterator back into one array, in item order.",
    ports,
    new_node,
)
.outside_loops();

fn ports(_: &FlowNode) -> Ports {
    Ports::fixed(
        &[
            PortSpec::new("arrayItem", None),
            PortSpec::new("arraySize", Some(DataType::Number)),
        ],
        &[PortSpec::new("collectedArray", Some(DataType::Array))],
    )
}

fn new_node(name: &str) -> FlowNode {
    fresh_node(name, NodeConfiguration::Collector(Empty {}))
}
