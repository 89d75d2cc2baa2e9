//! Condition: routes the flow down the first condition that holds, or `default`.

use super::form::FormField;
use super::fresh_node_with;
use super::{Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortRule, Ports};
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::model::names::{check_name, Pattern};
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Condition,
    Category::Logic,
    "◇",
    "#c05621",
    "Evaluates its conditions in order and sends the flow down the first that holds, else `default`.",
    ports,
    new_node,
)
.configured::<ConditionConfiguration>()
.with_form(FORM)
.outside_loops();

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
    let matched = FlowCondition {
        name: "matched".to_owned(),
        expression: Some("value == \"yes\"".to_owned()),
    };
    let default = FlowCondition {
        name: DEFAULT_CONDITION.to_owned(),
        expression: None,
    };
    let config = ConditionConfiguration {
        conditions: vec![matched, default],
    };
    fresh_node_with(
        name,
        NodeConfiguration::Condition(config),
        &[("value", DataType::String)],
        &[],
    )
}

impl KindConfiguration for ConditionConfiguration {
    /// Checks the condition list itself; expressions and connections are the compiler's.
    fn check(&self, _: &FlowNode, out: &mut Diagnostics, at: &Location) {
        if self.conditions.is_empty() || self.conditions.len() > 5 {
            out.report(
                Code::TooManyPorts,
                at.field("conditions"),
                format!(
                    "a Condition node takes 1 to 5 conditions; this one has {}",
                    self.conditions.len()
                ),
            )
            .set_hint("Split the decision over two Condition nodes.");
        }
        for cond in &self.conditions {
            check_name(
                out,
                at.condition(&cond.name),
                "condition name",
                &cond.name,
                Pattern::NodeName,
            );
        }
    }
}
