//! InlineCode: runs a Python 3 snippet with the inputs as variables; the last expression is the output.

use super::deployment::{no_access, nothing_local};
use crate::model::names::check_range;
use super::form::{FormField, Widget};
use super::{Category, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports};
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput, FlowNodeOutput};
use crate::model::lenient::Lenient;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::InlineCode,
    config_key: NodeType::InlineCode.config_key(),
    summary: "Runs Python 3 with the inputs as variables; the value of the last expression is the response.",
    category: Category::Code,
    icon: "{}",
    colour: "#dd6b20",
    config_required: true,
    allowed_in_loop: true,
    loop_only: false,
    ports,
    new_node,
    check,
    form: FORM,
    access: no_access,
    strip_local: nothing_local,
};

/// The fields the inspector edits.
const FORM: &[FormField] = &[
    FormField::new(&["language"], "Language", Widget::Choice(&["Python_3"])),
    FormField::new(
        &["code"],
        "Code",
        Widget::LongText {
            min: 0,
            max: 5_000_000,
            code: true,
        },
    )
    .help("Python 3; the node's inputs are variables, the last expression is the output."),
];

crate::str_enum! {
    /// `SupportedLanguages`.
    pub enum Language {
        Python3 = "Python_3",
    }
}

/// `InlineCodeFlowNodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InlineCodeConfiguration {
    pub code: String,
    pub language: Lenient<Language>,
}

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::User { max: 5 },
        outputs: PortRule::Fixed(vec![PortSpec::new("response", None)]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::InlineCode),
        configuration: Some(NodeConfiguration::InlineCode(InlineCodeConfiguration {
            code: "text.upper()".to_owned(),
            language: Lenient::Known(Language::Python3),
        })),
        inputs: vec![FlowNodeInput::new("text", DataType::String)],
        outputs: vec![FlowNodeOutput::new("response", DataType::String)],
    }
}

fn check(node: &FlowNode, out: &mut Diagnostics, at: &Location) {
    let Some(NodeConfiguration::InlineCode(c)) = &node.configuration else {
        return;
    };
    if c.code.trim().is_empty() {
        out.report(
            Code::InvalidFieldValue,
            at.field("code"),
            "the code is empty",
        )
        .set_hint("Write Python 3; the value of the last expression becomes `response`.");
    }
    check_range(out, at, "code (length)", c.code.len(), 0, 5_000_000);
    if let Lenient::Unknown(l) = &c.language {
        out.report(
            Code::UnknownEnumValue,
            at.field("language"),
            format!("language {l:?} is not one Bedrock runs (Python_3)"),
        );
    }
}
