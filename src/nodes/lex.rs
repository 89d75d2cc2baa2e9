//! Lex: sends an utterance to an Amazon Lex bot and outputs the predicted intent.

use super::deployment::Access;
use super::form::FormField;
use super::fresh_node;
use super::{Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::model::names::Pattern;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Lex,
    Category::Ai,
    "☎",
    "#553c9a",
    "Sends one utterance to an Amazon Lex bot alias and outputs the intent it predicts.",
    ports,
    new_node,
)
.configured::<LexConfiguration>()
.with_form(FORM);

/// The fields the inspector edits.
const FORM: &[FormField] = &[BOT_ALIAS_ARN, LOCALE_ID];

// The text fields the inspector edits and the check reads.

const BOT_ALIAS_ARN: FormField = FormField::text(
    &["botAliasArn"],
    "Bot alias ARN",
    0,
    78,
    Some(Pattern::LexBotAliasArn),
)
.help("The Lex bot alias that recognises the intent.");

const LOCALE_ID: FormField =
    FormField::text(&["localeId"], "Locale", 0, 10, None).help("The bot's locale, e.g. en_US.");

/// `LexFlowNodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LexConfiguration {
    pub bot_alias_arn: String,
    pub locale_id: String,
}

fn ports(_: &FlowNode) -> Ports {
    Ports::fixed(
        &[
            PortSpec::new("inputText", Some(DataType::String)),
            PortSpec::optional("requestAttributes", Some(DataType::Object)),
            PortSpec::optional("sessionAttributes", Some(DataType::Object)),
        ],
        &[PortSpec::new("predictedIntent", Some(DataType::String))],
    )
}

fn new_node(name: &str) -> FlowNode {
    let config = LexConfiguration {
        bot_alias_arn: String::new(),
        locale_id: "en_US".to_owned(),
    };
    fresh_node(name, NodeConfiguration::Lex(config))
}

impl KindConfiguration for LexConfiguration {
    fn check(&self, _: &FlowNode, out: &mut Diagnostics, at: &Location) {
        BOT_ALIAS_ARN.check_text(out, at, &self.bot_alias_arn);
        LOCALE_ID.check_text(out, at, &self.locale_id);
    }

    fn access(&self) -> Vec<Access<'_>> {
        vec![Access::Lex(&self.bot_alias_arn)]
    }
}
