//! LoopController: ends each iteration of a Loop body and decides whether to go round again.

use super::form::{FormField, Widget};
use super::{Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortRule, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput};
use crate::model::lenient::Lenient;
use crate::model::names::{check_name, check_range, Pattern};
use crate::model::DataType;
use crate::nodes::condition::FlowCondition;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind::new(
    NodeType::LoopController,
    Category::Logic,
    "⇄",
    "#6b46c1",
    "Ends a Loop iteration: goes round again while continueCondition holds (at most maxIterations), else exits.",
    ports,
    new_node,
)
.configured::<LoopControllerConfiguration>()
.with_form(FORM)
.only_in_loops();

/// The fields the inspector edits.
const FORM: &[FormField] = &[
    FormField::text(
        &["continueCondition", "name"],
        "Condition name",
        2,
        101,
        Some(Pattern::NodeName),
    ),
    FormField::new(
        &["continueCondition", "expression"],
        "Continue while",
        Widget::Condition { max: 64 },
    )
    .help("The loop goes round again while this holds, e.g. count < 3."),
    FormField::new(
        &["maxIterations"],
        "Max iterations",
        Widget::Integer { min: 1, max: 1000 },
    )
    .optional()
    .help("The most times the body runs (Bedrock's default is 10)."),
];

/// The default of `maxIterations` when it is not set (CloudFormation's documented default).
pub const DEFAULT_MAX_ITERATIONS: u32 = 10;

/// `LoopControllerFlowNodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoopControllerConfiguration {
    pub continue_condition: FlowCondition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<u32>,
}

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::User { max: 20 },
        outputs: PortRule::Fixed(vec![]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::LoopController),
        configuration: Some(NodeConfiguration::LoopController(
            LoopControllerConfiguration {
                continue_condition: FlowCondition {
                    name: "again".to_owned(),
                    expression: Some("done == false".to_owned()),
                },
                max_iterations: Some(DEFAULT_MAX_ITERATIONS),
            },
        )),
        inputs: vec![FlowNodeInput {
            category: Some(Lenient::Known(
                crate::model::flow::InputCategory::LoopCondition,
            )),
            ..FlowNodeInput::new("done", DataType::Boolean)
        }],
        outputs: vec![],
    }
}

impl KindConfiguration for LoopControllerConfiguration {
    fn check(&self, _: &FlowNode, out: &mut Diagnostics, at: &Location) {
        check_name(
            out,
            at.condition(&self.continue_condition.name),
            "condition name",
            &self.continue_condition.name,
            Pattern::NodeName,
        );
        if let Some(m) = self.max_iterations {
            check_range(out, at, "maxIterations", m, 1, 1000);
        }
    }
}
