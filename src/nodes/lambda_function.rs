//! LambdaFunction: calls a Lambda function with the flow Lambda event; its return value is the output.

use super::deployment::{Access, ProjectRefs};
use crate::model::names::{Field, Pattern};
use super::form::FormField;
use super::{Category, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput, FlowNodeOutput};
use crate::model::lenient::Lenient;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::LambdaFunction,
    config_key: NodeType::LambdaFunction.config_key(),
    summary: "Calls a Lambda function with the node's inputs; what it returns is the output. Runs a local handler in Strata.",
    category: Category::Code,
    icon: "λ",
    colour: "#dd6b20",
    config_required: true,
    allowed_in_loop: true,
    loop_only: false,
    ports,
    new_node,
    check,
    form: FORM,
    access,
    strip_local,
};

/// The fields the inspector edits.
const FORM: &[FormField] = &[
    FormField::text(&["lambdaArn"], "Lambda ARN", 0, 2048, Some(Pattern::LambdaArn))
        .help("The function Bedrock invokes with the flow Lambda event."),
    FormField::text(&["localHandler"], "Local handler", 1, 1024, None)
        .optional()
        .help("Strata only: the Python or Node handler local runs call instead, e.g. handlers/enrich.py:handler."),
];

/// `LambdaFunctionFlowNodeConfiguration`, plus the handler that stands in for it locally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LambdaFunctionConfiguration {
    pub lambda_arn: String,
    /// Strata only: a local handler such as `handlers/enrich.py:handler`, run instead of the
    /// deployed function when the flow runs on this machine. Never exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_handler: Option<String>,
}

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::User { max: 20 },
        outputs: PortRule::Fixed(vec![PortSpec::new("functionResponse", None)]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::LambdaFunction),
        configuration: Some(NodeConfiguration::LambdaFunction(
            LambdaFunctionConfiguration {
                lambda_arn: String::new(),
                local_handler: None,
            },
        )),
        inputs: vec![FlowNodeInput::new("codeHookInput", DataType::String)],
        outputs: vec![FlowNodeOutput::new("functionResponse", DataType::Object)],
    }
}

fn check(node: &FlowNode, out: &mut Diagnostics, at: &Location) {
    let Some(NodeConfiguration::LambdaFunction(c)) = &node.configuration else {
        return;
    };
    Field::new("lambdaArn", 0, 2048)
        .pattern(Pattern::LambdaArn)
        .draft_empty()
        .check(out, at, &c.lambda_arn);
}

fn access(config: &NodeConfiguration) -> Vec<Access<'_>> {
    let NodeConfiguration::LambdaFunction(c) = config else {
        return vec![];
    };
    vec![Access::Function(&c.lambda_arn)]
}

/// `localHandler` is Strata's: it only runs the function on this machine.
fn strip_local(config: &mut NodeConfiguration, _: &dyn ProjectRefs) {
    if let NodeConfiguration::LambdaFunction(c) = config {
        c.local_handler = None;
    }
}
