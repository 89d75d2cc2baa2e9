//! LoopInput: the entry of a Loop body. Its outputs carry the Loop's inputs on the first
//! iteration and the values returned to the loop start on later ones.

use super::fresh_node_with;
use super::{Category, Empty, NodeConfiguration, NodeKind, NodeType, PortRule, Ports};
use crate::model::flow::FlowNode;
use crate::model::DataType;

pub static KIND: NodeKind = NodeKind::new(
    NodeType::LoopInput,
    Category::Logic,
    "↪",
    "#6b46c1",
    "Entry of a Loop body: one output per Loop input, fed back by the LoopController on each iteration.",
    ports,
    new_node,
)
.only_in_loops();

fn ports(_: &FlowNode) -> Ports {
    // The outputs mirror the enclosing Loop's inputs; the compiler checks that pairing.
    Ports {
        inputs: PortRule::Fixed(vec![]),
        outputs: PortRule::User { max: 5 },
    }
}

fn new_node(name: &str) -> FlowNode {
    fresh_node_with(
        name,
        NodeConfiguration::LoopInput(Empty {}),
        &[],
        &[("loopInput", DataType::String)],
    )
}
