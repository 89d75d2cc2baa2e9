//! Collector: gathers the per-item results of an Iterator back into an array, in order.

use super::deployment::{no_access, nothing_local};
use super::form::FormField;
use super::{Category, Empty, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput, FlowNodeOutput};
use crate::model::lenient::Lenient;
use crate::model::DataType;

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::Collector,
    config_key: NodeType::Collector.config_key(),
    summary:
        "Gathers the results of the nodes after an Iterator back into one array, in item order.",
    category: Category::Logic,
    icon: "⊕",
    colour: "#b7791f",
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

/// Collector has no configuration members.
const FORM: &[FormField] = &[];

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::Fixed(vec![
            PortSpec::new("arrayItem", None),
            PortSpec::new("arraySize", Some(DataType::Number)),
        ]),
        outputs: PortRule::Fixed(vec![PortSpec::new("collectedArray", Some(DataType::Array))]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::Collector),
        configuration: Some(NodeConfiguration::Collector(Empty {})),
        inputs: vec![
            FlowNodeInput::new("arrayItem", DataType::String),
            FlowNodeInput::new("arraySize", DataType::Number),
        ],
        outputs: vec![FlowNodeOutput::new("collectedArray", DataType::Array)],
    }
}

fn check(_: &FlowNode, _: &mut Diagnostics, _: &Location) {}
