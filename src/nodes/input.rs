//! Input: where a flow starts. Receives the document given to InvokeFlow.

use super::deployment::{no_access, nothing_local};
use super::form::FormField;
use super::{Category, Empty, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeOutput};
use crate::model::lenient::Lenient;
use crate::model::DataType;

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::Input,
    config_key: NodeType::Input.config_key(),
    summary: "Where the flow starts: emits the document the flow is invoked with.",
    category: Category::Boundary,
    icon: "⇥",
    colour: "#2f855a",
    config_required: false,
    allowed_in_loop: false,
    loop_only: false,
    ports,
    new_node,
    check,
    form: FORM,
    access: no_access,
    strip_local: nothing_local,
};

/// Input has no configuration members.
const FORM: &[FormField] = &[];

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::Fixed(vec![]),
        outputs: PortRule::Fixed(vec![PortSpec::new("document", None)]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::Input),
        configuration: Some(NodeConfiguration::Input(Empty {})),
        inputs: vec![],
        outputs: vec![FlowNodeOutput::new("document", DataType::String)],
    }
}

fn check(_: &FlowNode, _: &mut Diagnostics, _: &Location) {}
