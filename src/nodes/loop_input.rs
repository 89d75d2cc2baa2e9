//! LoopInput: the entry of a Loop body. Its outputs carry the Loop's inputs on the first
//! iteration and the values returned to the loop start on later ones.

use super::deployment::{no_access, nothing_local};
use super::form::FormField;
use super::{Category, Empty, NodeConfiguration, NodeKind, NodeType, PortRule, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeOutput};
use crate::model::lenient::Lenient;
use crate::model::DataType;

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::LoopInput,
    config_key: NodeType::LoopInput.config_key(),
    summary: "Entry of a Loop body: one output per Loop input, fed back by the LoopController on each iteration.",
    category: Category::Logic,
    icon: "↪",
    colour: "#6b46c1",
    config_required: false,
    allowed_in_loop: true,
    loop_only: true,
    ports,
    new_node,
    check,
    form: FORM,
    access: no_access,
    strip_local: nothing_local,
};

/// LoopInput has no configuration members.
const FORM: &[FormField] = &[];

fn ports(_: &FlowNode) -> Ports {
    // The outputs mirror the enclosing Loop's inputs; the compiler checks that pairing.
    Ports {
        inputs: PortRule::Fixed(vec![]),
        outputs: PortRule::User { max: 5 },
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::LoopInput),
        configuration: Some(NodeConfiguration::LoopInput(Empty {})),
        inputs: vec![],
        outputs: vec![FlowNodeOutput::new("loopInput", DataType::String)],
    }
}

fn check(_: &FlowNode, _: &mut Diagnostics, _: &Location) {}
