//! LambdaFunction: calls a Lambda function with the flow Lambda event; its return value is the output.

use super::deployment::{Access, ProjectRefs};
use super::form::FormField;
use super::fresh_node_with;
use super::{
    Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports,
};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::model::names::Pattern;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind::new(
    NodeType::LambdaFunction,
    Category::Code,
    "λ",
    "#dd6b20",
    "Calls a Lambda function with the node's inputs; what it returns is the output. Runs a local handler in Strata.",
    ports,
    new_node,
)
.configured::<LambdaFunctionConfiguration>()
.with_form(FORM);

/// The fields the inspector edits.
const FORM: &[FormField] = &[
    LAMBDA_ARN,
    FormField::text(&["localHandler"], "Local handler", 1, 1024, None)
        .optional()
        .help("Strata only: the Python or Node handler local runs call instead, e.g. handlers/enrich.py:handler."),
];

/// The field the inspector edits and the check reads.
const LAMBDA_ARN: FormField = FormField::text(
    &["lambdaArn"],
    "Lambda ARN",
    0,
    2048,
    Some(Pattern::LambdaArn),
)
.help("The function Bedrock invokes with the flow Lambda event.");

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
        outputs: PortRule::Fixed(vec![
            PortSpec::new("functionResponse", None).fresh_as(DataType::Object)
        ]),
    }
}

fn new_node(name: &str) -> FlowNode {
    let config = LambdaFunctionConfiguration {
        lambda_arn: String::new(),
        local_handler: None,
    };
    let inputs = [("codeHookInput", DataType::String)];
    fresh_node_with(
        name,
        NodeConfiguration::LambdaFunction(config),
        &inputs,
        &[],
    )
}

impl KindConfiguration for LambdaFunctionConfiguration {
    fn check(&self, _: &FlowNode, out: &mut Diagnostics, at: &Location) {
        LAMBDA_ARN.check_text(out, at, &self.lambda_arn);
    }

    fn access(&self) -> Vec<Access<'_>> {
        vec![Access::Function(&self.lambda_arn)]
    }

    /// `localHandler` is Strata's: it only runs the function on this machine.
    fn strip_local(&mut self, _: &dyn ProjectRefs) {
        self.local_handler = None;
    }
}
