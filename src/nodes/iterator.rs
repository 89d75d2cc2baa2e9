//! Iterator: runs what follows it once per item of an array, one item at a time.

use super::fresh_node;
use super::{Category, Empty, NodeConfiguration, NodeKind, NodeType, PortSpec, Ports};
use crate::model::flow::FlowNode;
use crate::model::DataType;

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Iterator,
    Category::Logic,
    "⟳",
    "#b7791f",
    "Runs the nodes after it once per item of an array; a Collector gathers the results.",
    ports,
    new_node,
)
.outside_loops();

fn ports(_: &FlowNode) -> Ports {
    Ports::fixed(
        &[PortSpec::new("array", Some(DataType::Array))],
        &[
            PortSpec::new("arrayItem", None),
            PortSpec::optional("arraySize", Some(DataType::Number)).fresh_as(DataType::Number),
        ],
    )
}

fn new_node(name: &str) -> FlowNode {
    fresh_node(name, NodeConfiguration::Iterator(Empty {}))
}
