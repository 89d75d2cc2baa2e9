//! Condition: routes the flow down the first condition that holds, or `default`.

use super::deployment::{no_access, nothing_local};
use crate::model::names::{check_name, Pattern};
use super::form::FormField;
use super::{Category, NodeConfiguration, NodeKind, NodeType, PortRule, Ports};
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput};
use crate::model::lenient::Lenient;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::Condition,
    config_key: NodeType::Condition.config_key(),
    summary: "Evaluates its conditions in order and sends the flow down the first that holds, else `default`.",
    category: Category::Logic,
    icon: "◇",
    colour: "#c05621",
    config_required: true,
    allowed_in_loop: false,
    loop_only: false,
    ports,
    new_node,
    check,
    form: FORM,
    access: no_access,
    strip_local: nothing_local,
};

/// Conditions are a list with their own editor (and their own edit command).
const FORM: &[FormField] = &[];

/// `ConditionFlowNodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionConfiguration {
    pub conditions: Vec<FlowCondition>,
}

/// `FlowCondition`: a named expression; `default` has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowCondition {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// The name of the else-branch.
pub const DEFAULT_CONDITION: &str = "default";

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::User { max: 20 },
        outputs: PortRule::Fixed(vec![]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::Condition),
        configuration: Some(NodeConfiguration::Condition(ConditionConfiguration {
            conditions: vec![
                FlowCondition {
                    name: "matched".to_owned(),
                    expression: Some("value == \"yes\"".to_owned()),
                },
                FlowCondition {
                    name: DEFAULT_CONDITION.to_owned(),
                    expression: None,
                },
            ],
        })),
        inputs: vec![FlowNodeInput::new("value", DataType::String)],
        outputs: vec![],
    }
}

/// Checks the condition list itself; expressions and connections are the compiler's.
fn check(node: &FlowNode, out: &mut Diagnostics, at: &Location) {
    let Some(NodeConfiguration::Condition(c)) = &node.configuration else {
        return;
    };
    if c.conditions.is_empty() || c.conditions.len() > 5 {
        out.report(
            Code::TooManyPorts,
            at.field("conditions"),
            format!(
                "a Condition node takes 1 to 5 conditions; this one has {}",
                c.conditions.len()
            ),
        )
        .set_hint("Split the decision over two Condition nodes.");
    }
    for cond in &c.conditions {
        check_name(
            out,
            at.condition(&cond.name),
            "condition name",
            &cond.name,
            Pattern::NodeName,
        );
    }
}
