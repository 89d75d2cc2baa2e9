//! Output: where a flow ends. Every Output reached emits its document.

use super::deployment::{no_access, nothing_local};
use super::form::FormField;
use super::{Category, Empty, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput};
use crate::model::lenient::Lenient;
use crate::model::DataType;

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::Output,
    config_key: NodeType::Output.config_key(),
    summary: "Where a branch ends: emits its document as a flow output (a flow may have several).",
    category: Category::Boundary,
    icon: "⇤",
    colour: "#2f855a",
    config_required: false,
    allowed_in_loop: true,
    loop_only: false,
    ports,
    new_node,
    check,
    form: FORM,
    access: no_access,
    strip_local: nothing_local,
};

/// Output has no configuration members.
const FORM: &[FormField] = &[];

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::Fixed(vec![PortSpec::new("document", None)]),
        outputs: PortRule::Fixed(vec![]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::Output),
        configuration: Some(NodeConfiguration::Output(Empty {})),
        inputs: vec![FlowNodeInput::new("document", DataType::String)],
        outputs: vec![],
    }
}

fn check(_: &FlowNode, _: &mut Diagnostics, _: &Location) {}
