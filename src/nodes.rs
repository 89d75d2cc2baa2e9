//! The node registry: every Bedrock `FlowNodeType`, one file each, and the one list of them.
//!
//! A node kind's file holds its configuration (in the CreateFlow API's exact shape), its
//! ports, its configuration checks and its palette entry. [`REGISTRY`] lists them; the
//! palette, `strata nodes` and the compiler all read that list. Adding a kind is one new
//! file, a variant below and a line in the list.

use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::model::lenient::StrEnum;
use crate::model::DataType;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

pub mod agent;
pub mod collector;
pub mod condition;
pub mod fields;
pub mod form;
pub mod inline_code;
pub mod input;
pub mod iterator;
pub mod knowledge_base;
pub mod lambda_function;
pub mod lex;
pub mod loop_controller;
pub mod loop_input;
pub mod loop_node;
pub mod output;
pub mod prompt;
pub mod retrieval;
pub mod storage;

crate::str_enum! {
    /// `FlowNodeType`, in the order of the API model.
    pub enum NodeType {
        Input = "Input",
        Output = "Output",
        KnowledgeBase = "KnowledgeBase",
        Condition = "Condition",
        Lex = "Lex",
        Prompt = "Prompt",
        LambdaFunction = "LambdaFunction",
        Storage = "Storage",
        Agent = "Agent",
        Retrieval = "Retrieval",
        Iterator = "Iterator",
        Collector = "Collector",
        InlineCode = "InlineCode",
        Loop = "Loop",
        LoopInput = "LoopInput",
        LoopController = "LoopController",
    }
}

impl NodeType {
    /// This kind's registry entry.
    pub fn kind(self) -> &'static NodeKind {
        match self {
            NodeType::Input => &input::KIND,
            NodeType::Output => &output::KIND,
            NodeType::KnowledgeBase => &knowledge_base::KIND,
            NodeType::Condition => &condition::KIND,
            NodeType::Lex => &lex::KIND,
            NodeType::Prompt => &prompt::KIND,
            NodeType::LambdaFunction => &lambda_function::KIND,
            NodeType::Storage => &storage::KIND,
            NodeType::Agent => &agent::KIND,
            NodeType::Retrieval => &retrieval::KIND,
            NodeType::Iterator => &iterator::KIND,
            NodeType::Collector => &collector::KIND,
            NodeType::InlineCode => &inline_code::KIND,
            NodeType::Loop => &loop_node::KIND,
            NodeType::LoopInput => &loop_input::KIND,
            NodeType::LoopController => &loop_controller::KIND,
        }
    }
}

/// Every node kind, in palette order.
pub static REGISTRY: &[&NodeKind] = &[
    &input::KIND,
    &output::KIND,
    &prompt::KIND,
    &agent::KIND,
    &knowledge_base::KIND,
    &condition::KIND,
    &iterator::KIND,
    &collector::KIND,
    &loop_node::KIND,
    &loop_input::KIND,
    &loop_controller::KIND,
    &lambda_function::KIND,
    &inline_code::KIND,
    &storage::KIND,
    &retrieval::KIND,
    &lex::KIND,
];

/// Where a kind sits in the palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Category {
    #[serde(rename = "Flow boundary")]
    Boundary,
    #[serde(rename = "Logic")]
    Logic,
    #[serde(rename = "AI")]
    Ai,
    #[serde(rename = "Code")]
    Code,
    #[serde(rename = "Data")]
    Data,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Boundary => "Flow boundary",
            Category::Logic => "Logic",
            Category::Ai => "AI",
            Category::Code => "Code",
            Category::Data => "Data",
        }
    }
}

/// A registry entry: everything Strata knows about one node kind.
pub struct NodeKind {
    pub node_type: NodeType,
    /// The key of this kind in `FlowNodeConfiguration`.
    pub config_key: &'static str,
    pub summary: &'static str,
    pub category: Category,
    /// A short glyph for the canvas and palette; in the Basic Multilingual Plane, so that
    /// common fonts (DejaVu) draw it rather than an emoji box.
    pub icon: &'static str,
    /// The node's colour on the canvas, as CSS hex.
    pub colour: &'static str,
    /// Whether a node of this kind without configuration is `MissingNodeConfiguration`.
    pub config_required: bool,
    /// Whether this kind may sit in a Loop body (`IncompatibleLoopNodeType` lists those that may not).
    pub allowed_in_loop: bool,
    /// Whether this kind may only sit in a Loop body.
    pub loop_only: bool,
    /// The ports a node of this kind has, given its configuration.
    pub ports: fn(&FlowNode) -> Ports,
    /// A fresh node for the palette.
    pub new_node: fn(&str) -> FlowNode,
    /// Checks of the configuration against Bedrock's patterns and limits.
    pub check: fn(&FlowNode, &mut Diagnostics, &Location),
    /// The configuration fields an editor offers, with their limits (see [`form`]).
    pub form: &'static [form::FormField],
}

impl NodeKind {
    pub fn name(&self) -> &'static str {
        self.node_type.as_str()
    }
}

impl fmt::Debug for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeKind")
            .field("node_type", &self.node_type)
            .finish()
    }
}

/// What inputs and outputs a node kind has.
#[derive(Debug, Clone, PartialEq)]
pub struct Ports {
    pub inputs: PortRule,
    pub outputs: PortRule,
}

/// The ports on one side of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum PortRule {
    /// Exactly these names, each with its type.
    Fixed(Vec<PortSpec>),
    /// Names chosen by the user, any type, at most `max`.
    User { max: usize },
}

impl PortRule {
    pub fn fixed(&self, name: &str) -> Option<&PortSpec> {
        match self {
            PortRule::Fixed(specs) => specs.iter().find(|s| s.name == name),
            PortRule::User { .. } => None,
        }
    }
}

/// A fixed port of a node kind.
#[derive(Debug, Clone, PartialEq)]
pub struct PortSpec {
    pub name: &'static str,
    /// `None` when the port carries any type (the user declares which).
    pub data_type: Option<DataType>,
    pub optional: bool,
}

impl PortSpec {
    pub const fn new(name: &'static str, data_type: Option<DataType>) -> PortSpec {
        PortSpec {
            name,
            data_type,
            optional: false,
        }
    }

    pub const fn optional(name: &'static str, data_type: Option<DataType>) -> PortSpec {
        PortSpec {
            name,
            data_type,
            optional: true,
        }
    }
}

/// A configuration with no members (`{}`), as Input, Output, Iterator, Collector and LoopInput have.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Empty {}

/// `FlowNodeConfiguration`: a union with exactly one key, named for the node kind.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeConfiguration {
    Input(Empty),
    Output(Empty),
    KnowledgeBase(knowledge_base::KnowledgeBaseConfiguration),
    Condition(condition::ConditionConfiguration),
    Lex(lex::LexConfiguration),
    Prompt(prompt::PromptConfiguration),
    LambdaFunction(lambda_function::LambdaFunctionConfiguration),
    Storage(storage::StorageConfiguration),
    Agent(agent::AgentConfiguration),
    Retrieval(retrieval::RetrievalConfiguration),
    Iterator(Empty),
    Collector(Empty),
    InlineCode(inline_code::InlineCodeConfiguration),
    Loop(loop_node::LoopConfiguration),
    LoopInput(Empty),
    LoopController(loop_controller::LoopControllerConfiguration),
    /// A key Strata does not know, kept as found.
    Unknown {
        key: String,
        value: serde_json::Value,
    },
}

impl NodeConfiguration {
    /// The union key, e.g. `knowledgeBase`.
    pub fn key(&self) -> &str {
        match self.node_type() {
            Some(t) => t.kind().config_key,
            None => match self {
                NodeConfiguration::Unknown { key, .. } => key,
                _ => "",
            },
        }
    }

    /// The node type this configuration belongs to.
    pub fn node_type(&self) -> Option<NodeType> {
        Some(match self {
            NodeConfiguration::Input(_) => NodeType::Input,
            NodeConfiguration::Output(_) => NodeType::Output,
            NodeConfiguration::KnowledgeBase(_) => NodeType::KnowledgeBase,
            NodeConfiguration::Condition(_) => NodeType::Condition,
            NodeConfiguration::Lex(_) => NodeType::Lex,
            NodeConfiguration::Prompt(_) => NodeType::Prompt,
            NodeConfiguration::LambdaFunction(_) => NodeType::LambdaFunction,
            NodeConfiguration::Storage(_) => NodeType::Storage,
            NodeConfiguration::Agent(_) => NodeType::Agent,
            NodeConfiguration::Retrieval(_) => NodeType::Retrieval,
            NodeConfiguration::Iterator(_) => NodeType::Iterator,
            NodeConfiguration::Collector(_) => NodeType::Collector,
            NodeConfiguration::InlineCode(_) => NodeType::InlineCode,
            NodeConfiguration::Loop(_) => NodeType::Loop,
            NodeConfiguration::LoopInput(_) => NodeType::LoopInput,
            NodeConfiguration::LoopController(_) => NodeType::LoopController,
            NodeConfiguration::Unknown { .. } => return None,
        })
    }
}

impl Serialize for NodeConfiguration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        let key = self.key().to_owned();
        match self {
            NodeConfiguration::Input(c)
            | NodeConfiguration::Output(c)
            | NodeConfiguration::Iterator(c)
            | NodeConfiguration::Collector(c)
            | NodeConfiguration::LoopInput(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::KnowledgeBase(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::Condition(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::Lex(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::Prompt(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::LambdaFunction(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::Storage(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::Agent(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::Retrieval(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::InlineCode(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::Loop(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::LoopController(c) => map.serialize_entry(&key, c)?,
            NodeConfiguration::Unknown { value, .. } => map.serialize_entry(&key, value)?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for NodeConfiguration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ConfigurationVisitor)
    }
}

struct ConfigurationVisitor;

impl<'de> Visitor<'de> for ConfigurationVisitor {
    type Value = NodeConfiguration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with exactly one key naming the node kind, e.g. {\"prompt\": {...}}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeConfiguration, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "empty configuration: it must have one key naming the node kind, e.g. {\"input\": {}}",
            ));
        };
        let node_type = REGISTRY
            .iter()
            .find(|k| k.config_key == key)
            .map(|k| k.node_type);
        let config = match node_type {
            None => NodeConfiguration::Unknown {
                key: key.clone(),
                value: map.next_value()?,
            },
            Some(t) => match t {
                NodeType::Input => NodeConfiguration::Input(map.next_value()?),
                NodeType::Output => NodeConfiguration::Output(map.next_value()?),
                NodeType::KnowledgeBase => NodeConfiguration::KnowledgeBase(map.next_value()?),
                NodeType::Condition => NodeConfiguration::Condition(map.next_value()?),
                NodeType::Lex => NodeConfiguration::Lex(map.next_value()?),
                NodeType::Prompt => NodeConfiguration::Prompt(map.next_value()?),
                NodeType::LambdaFunction => NodeConfiguration::LambdaFunction(map.next_value()?),
                NodeType::Storage => NodeConfiguration::Storage(map.next_value()?),
                NodeType::Agent => NodeConfiguration::Agent(map.next_value()?),
                NodeType::Retrieval => NodeConfiguration::Retrieval(map.next_value()?),
                NodeType::Iterator => NodeConfiguration::Iterator(map.next_value()?),
                NodeType::Collector => NodeConfiguration::Collector(map.next_value()?),
                NodeType::InlineCode => NodeConfiguration::InlineCode(map.next_value()?),
                NodeType::Loop => NodeConfiguration::Loop(map.next_value()?),
                NodeType::LoopInput => NodeConfiguration::LoopInput(map.next_value()?),
                NodeType::LoopController => NodeConfiguration::LoopController(map.next_value()?),
            },
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "configuration has a second key {extra:?} after {key:?}: it is a union and takes exactly one"
            )));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::REGISTRY;

    /// Emoji (outside the Basic Multilingual Plane) and the supplemental arrows draw as empty
    /// boxes with the fonts Linux desktops ship (DejaVu): icons stay clear of them.
    #[test]
    fn icons_are_glyphs_common_fonts_have() {
        for k in REGISTRY {
            for c in k.icon.chars() {
                let c = c as u32;
                assert!(
                    c < 0x1_0000 && !(0x2900..0x2980).contains(&c),
                    "{}'s icon {:?} needs an emoji font",
                    k.name(),
                    k.icon
                );
            }
        }
    }
}
