//! InlineCode: runs a Python 3 snippet with the inputs as variables; the last expression is the output.

use super::form::{FormField, Widget};
use super::fresh_node_with;
use super::{
    Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports,
};
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::model::lenient::Lenient;
use crate::model::names::check_range;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind::new(
    NodeType::InlineCode,
    Category::Code,
    "{}",
    "#dd6b20",
    "Runs Python 3 with the inputs as variables; the value of the last expression is the response.",
    ports,
    new_node,
)
.configured::<InlineCodeConfiguration>()
.with_form(FORM);

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
    let config = InlineCodeConfiguration {
        code: "text.upper()".to_owned(),
        language: Lenient::Known(Language::Python3),
    };
    fresh_node_with(
        name,
        NodeConfiguration::InlineCode(config),
        &[("text", DataType::String)],
        &[],
    )
}

impl KindConfiguration for InlineCodeConfiguration {
    fn check(&self, _: &FlowNode, out: &mut Diagnostics, at: &Location) {
        if self.code.trim().is_empty() {
            out.report(
                Code::InvalidFieldValue,
                at.field("code"),
                "the code is empty",
            )
            .set_hint("Write Python 3; the value of the last expression becomes `response`.");
        }
        check_range(out, at, "code (length)", self.code.len(), 0, 5_000_000);
        if let Lenient::Unknown(l) = &self.language {
            out.report(
                Code::UnknownEnumValue,
                at.field("language"),
                format!("language {l:?} is not one Bedrock runs (Python_3)"),
            );
        }
    }
}
