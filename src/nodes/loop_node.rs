//! Loop: a DoWhile loop. Its body is a nested definition with one LoopInput and one LoopController.

use super::deployment::ProjectRefs;
use super::form::FormField;
use super::fresh_node_with;
use super::{Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortRule, Ports};
use crate::model::flow::{
    FlowConnection, FlowDefinition, FlowNode, FlowNodeInput, FlowNodeOutput, InputCategory,
};
use crate::model::lenient::Lenient;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Loop,
    Category::Logic,
    "↻",
    "#6b46c1",
    "Repeats its body (from LoopInput to LoopController) while the controller's condition holds, up to maxIterations.",
    ports,
    new_node,
)
.configured::<LoopConfiguration>()
.with_form(FORM);

/// The body is edited on the canvas, not as fields.
const FORM: &[FormField] = &[];

/// `LoopFlowNodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoopConfiguration {
    pub definition: FlowDefinition,
}

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::User { max: 5 },
        outputs: PortRule::User { max: 5 },
    }
}

fn new_node(name: &str) -> FlowNode {
    let input = super::loop_input::KIND.new_node;
    let controller = super::loop_controller::KIND.new_node;
    let mut body_in = input("LoopStart");
    body_in.outputs = vec![FlowNodeOutput::new("text", DataType::String)];
    let mut ctl = controller("LoopEnd");
    if let Some(NodeConfiguration::LoopController(c)) = &mut ctl.configuration {
        // Go round again until the body's result says it is done.
        c.continue_condition.expression = Some("text != \"DONE\"".to_owned());
    }
    ctl.inputs = vec![
        FlowNodeInput {
            category: Some(Lenient::Known(InputCategory::ReturnValueToLoopStart)),
            ..FlowNodeInput::new("text", DataType::String)
        },
        FlowNodeInput {
            category: Some(Lenient::Known(InputCategory::ExitLoop)),
            ..FlowNodeInput::new("result", DataType::String)
        },
    ];
    let config = LoopConfiguration {
        definition: FlowDefinition {
            nodes: vec![body_in, ctl],
            connections: vec![
                FlowConnection::data("LoopStart", "text", "LoopEnd", "text"),
                FlowConnection::data("LoopStart", "text", "LoopEnd", "result"),
            ],
        },
    };
    fresh_node_with(
        name,
        NodeConfiguration::Loop(config),
        &[("text", DataType::String)],
        &[("result", DataType::String)],
    )
}

/// The body is checked by the compiler, which walks it as a definition of its own.
impl KindConfiguration for LoopConfiguration {
    /// The body's nodes are stripped like the flow's.
    fn strip_local(&mut self, refs: &dyn ProjectRefs) {
        refs.definition(&mut self.definition);
    }
}
