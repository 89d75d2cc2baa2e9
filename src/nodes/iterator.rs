//! Iterator: runs what follows it once per item of an array, one item at a time.

use super::deployment::{no_access, nothing_local};
use super::form::FormField;
use super::{Category, Empty, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput, FlowNodeOutput};
use crate::model::lenient::Lenient;
use crate::model::DataType;

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::Iterator,
    config_key: NodeType::Iterator.config_key(),
    summary: "Runs the nodes after it once per item of an array; a Collector gathers the results.",
    category: Category::Logic,
    icon: "⟳",
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

/// Iterator has no configuration members.
const FORM: &[FormField] = &[];

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::Fixed(vec![PortSpec::new("array", Some(DataType::Array))]),
        outputs: PortRule::Fixed(vec![
            PortSpec::new("arrayItem", None),
            PortSpec::optional("arraySize", Some(DataType::Number)),
        ]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::Iterator),
        configuration: Some(NodeConfiguration::Iterator(Empty {})),
        inputs: vec![FlowNodeInput::new("array", DataType::Array)],
        outputs: vec![
            FlowNodeOutput::new("arrayItem", DataType::String),
            FlowNodeOutput::new("arraySize", DataType::Number),
        ],
    }
}

fn check(_: &FlowNode, _: &mut Diagnostics, _: &Location) {}
