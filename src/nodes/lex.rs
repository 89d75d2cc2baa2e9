//! Lex: sends an utterance to an Amazon Lex bot and outputs the predicted intent.

use super::deployment::{nothing_local, Access};
use crate::model::names::{Field, Pattern};
use super::form::FormField;
use super::{Category, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput, FlowNodeOutput};
use crate::model::lenient::Lenient;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::Lex,
    config_key: NodeType::Lex.config_key(),
    summary: "Sends one utterance to an Amazon Lex bot alias and outputs the intent it predicts.",
    category: Category::Ai,
    icon: "☎",
    colour: "#553c9a",
    config_required: true,
    allowed_in_loop: true,
    loop_only: false,
    ports,
    new_node,
    check,
    form: FORM,
    access,
    strip_local: nothing_local,
};

/// The fields the inspector edits.
const FORM: &[FormField] = &[
    FormField::text(
        &["botAliasArn"],
        "Bot alias ARN",
        0,
        78,
        Some(Pattern::LexBotAliasArn),
    )
    .help("The Lex bot alias that recognises the intent."),
    FormField::text(&["localeId"], "Locale", 0, 10, None).help("The bot's locale, e.g. en_US."),
];

/// `LexFlowNodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LexConfiguration {
    pub bot_alias_arn: String,
    pub locale_id: String,
}

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::Fixed(vec![
            PortSpec::new("inputText", Some(DataType::String)),
            PortSpec::optional("requestAttributes", Some(DataType::Object)),
            PortSpec::optional("sessionAttributes", Some(DataType::Object)),
        ]),
        outputs: PortRule::Fixed(vec![PortSpec::new(
            "predictedIntent",
            Some(DataType::String),
        )]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::Lex),
        configuration: Some(NodeConfiguration::Lex(LexConfiguration {
            bot_alias_arn: String::new(),
            locale_id: "en_US".to_owned(),
        })),
        inputs: vec![FlowNodeInput::new("inputText", DataType::String)],
        outputs: vec![FlowNodeOutput::new("predictedIntent", DataType::String)],
    }
}

fn check(node: &FlowNode, out: &mut Diagnostics, at: &Location) {
    let Some(NodeConfiguration::Lex(c)) = &node.configuration else {
        return;
    };
    Field::new("botAliasArn", 0, 78)
        .pattern(Pattern::LexBotAliasArn)
        .draft_empty()
        .check(out, at, &c.bot_alias_arn);
    Field::new("localeId", 0, 10)
        .draft_empty()
        .check(out, at, &c.locale_id);
}

fn access(config: &NodeConfiguration) -> Vec<Access<'_>> {
    let NodeConfiguration::Lex(c) = config else {
        return vec![];
    };
    vec![Access::Lex(&c.bot_alias_arn)]
}
