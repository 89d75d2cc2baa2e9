//! The node registry: every Bedrock `FlowNodeType`, one file each, and the one list of them.
//!
//! A node kind's file holds its configuration (in the CreateFlow API's exact shape), its
//! ports, its configuration checks, its palette entry, its inspector form and what it means
//! once deployed (the AWS it reaches, the Strata-only fields it drops: see [`deployment`]).
//! [`node_kinds!`] lists the kinds once; [`NodeType`], [`NodeConfiguration`], their serde and
//! the dispatch to each kind's local run behaviour (`src/run/nodes/<kind>.rs`) are generated
//! from it. [`REGISTRY`] orders the kinds for the palette; the palette, `strata nodes` and
//! the compiler read it.
//!
//! # Adding a node kind
//!
//! 1. Add a line to [`node_kinds!`]: `Echo: "echo", echo::EchoConfiguration, echo;` (the
//!    `FlowNodeType` variant, its `FlowNodeConfiguration` key, its configuration type — or
//!    [`Empty`] — and its module). The compiler now asks for the two files below.
//! 2. Write `src/nodes/echo.rs`: the configuration type and `pub static KIND: NodeKind`
//!    with `config_key: NodeType::Echo.config_key()`, its ports, `new_node`, `check`, form,
//!    and its deployment hooks (`no_access` and `nothing_local` when it has none). Copy a
//!    kind of the same shape (`retrieval.rs` is small).
//! 3. Write `src/run/nodes/echo.rs`: `pub(super) struct Echo;` implementing `NodeRun`, what
//!    a node does when run on this machine.
//! 4. Place `&echo::KIND` in [`REGISTRY`] where the palette should show it (the test
//!    `registry_holds_each_kind_of_the_list_once` fails until you do).
//!
//! Then add its fixtures (`tests/fixtures/`, `tests/run_fixtures/`). Nothing else matches on
//! the kind: export, the IAM policy, the run executor and the editor go through the registry.

use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::model::lenient::StrEnum;
use crate::model::DataType;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

pub mod deployment;
pub mod form;

/// THE list of node kinds, each once, in the order of the API model: its `FlowNodeType`
/// variant, its key in `FlowNodeConfiguration`, its configuration type and its module (in
/// `src/nodes/` and, for its local behaviour, `src/run/nodes/`).
///
/// It hands the list to the macro it is given, which turns it into code: [`NodeType`],
/// [`NodeConfiguration`] and their serde here, the dispatch to run behaviours in `run`.
macro_rules! node_kinds {
    ($then:ident) => {
        $then! {
            // variant: config key, configuration type, module;
            Input: "input", Empty, input;
            Output: "output", Empty, output;
            KnowledgeBase: "knowledgeBase", knowledge_base::KnowledgeBaseConfiguration, knowledge_base;
            Condition: "condition", condition::ConditionConfiguration, condition;
            Lex: "lex", lex::LexConfiguration, lex;
            Prompt: "prompt", prompt::PromptConfiguration, prompt;
            LambdaFunction: "lambdaFunction", lambda_function::LambdaFunctionConfiguration, lambda_function;
            Storage: "storage", storage::StorageConfiguration, storage;
            Agent: "agent", agent::AgentConfiguration, agent;
            Retrieval: "retrieval", retrieval::RetrievalConfiguration, retrieval;
            Iterator: "iterator", Empty, iterator;
            Collector: "collector", Empty, collector;
            InlineCode: "inlineCode", inline_code::InlineCodeConfiguration, inline_code;
            Loop: "loop", loop_node::LoopConfiguration, loop_node;
            LoopInput: "loopInput", Empty, loop_input;
            LoopController: "loopController", loop_controller::LoopControllerConfiguration, loop_controller;
        }
    };
}
/// For `run`, which generates its dispatch to the kinds' run behaviours from the list.
#[cfg(feature = "runtime")]
pub(crate) use node_kinds;

/// Everything in this module that is written once per kind, generated from [`node_kinds!`].
macro_rules! define_node_kinds {
    ($($variant:ident: $key:literal, $config:ty, $module:ident;)+) => {
        $(pub mod $module;)+

        crate::str_enum! {
            /// `FlowNodeType`, in the order of the API model.
            pub enum NodeType {
                $($variant = stringify!($variant),)+
            }
        }

        impl NodeType {
            /// This kind's registry entry.
            pub fn kind(self) -> &'static NodeKind {
                match self {
                    $(NodeType::$variant => &$module::KIND,)+
                }
            }

            /// The key of this kind in `FlowNodeConfiguration`, e.g. `knowledgeBase`.
            pub const fn config_key(self) -> &'static str {
                match self {
                    $(NodeType::$variant => $key,)+
                }
            }
        }

        /// `FlowNodeConfiguration`: a union with exactly one key, named for the node kind.
        #[derive(Debug, Clone, PartialEq)]
        pub enum NodeConfiguration {
            $($variant($config),)+
            /// A key Strata does not know, kept as found.
            Unknown {
                key: String,
                value: serde_json::Value,
            },
        }

        impl NodeConfiguration {
            /// The node type this configuration belongs to.
            pub fn node_type(&self) -> Option<NodeType> {
                match self {
                    $(NodeConfiguration::$variant(_) => Some(NodeType::$variant),)+
                    NodeConfiguration::Unknown { .. } => None,
                }
            }
        }

        impl Serialize for NodeConfiguration {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(1))?;
                match self {
                    $(NodeConfiguration::$variant(c) => map.serialize_entry($key, c)?,)+
                    NodeConfiguration::Unknown { key, value } => map.serialize_entry(key, value)?,
                }
                map.end()
            }
        }

        /// Reads the value of the union member `key`: a known kind's configuration, or the
        /// value as found.
        fn configuration_value<'de, A: MapAccess<'de>>(
            key: String,
            map: &mut A,
        ) -> Result<NodeConfiguration, A::Error> {
            Ok(match key.as_str() {
                $($key => NodeConfiguration::$variant(map.next_value()?),)+
                _ => NodeConfiguration::Unknown {
                    value: map.next_value()?,
                    key,
                },
            })
        }
    };
}

node_kinds!(define_node_kinds);

/// Every node kind, in palette order. The order is a choice of presentation, unlike the
/// API order of [`node_kinds!`], so it is written out; a test checks that it holds each kind
/// of the list exactly once.
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
    /// The key of this kind in `FlowNodeConfiguration`: always `node_type.config_key()`
    /// (kept as a field for the callers that read it).
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
    /// What AWS a node of this kind reaches when Bedrock runs it; the CloudFormation export
    /// grants it to the flow role (see [`deployment`]).
    pub access: fn(&NodeConfiguration) -> Vec<deployment::Access<'_>>,
    /// Drops the Strata-only fields of a configuration and fills in what they stood for,
    /// before the configuration goes to Bedrock (see [`deployment`]).
    pub strip_local: fn(&mut NodeConfiguration, &dyn deployment::ProjectRefs),
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

impl NodeConfiguration {
    /// The union key, e.g. `knowledgeBase`.
    pub fn key(&self) -> &str {
        match self {
            NodeConfiguration::Unknown { key, .. } => key,
            known => known.node_type().map_or("", NodeType::config_key),
        }
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
        let config = configuration_value(key.clone(), &mut map)?;
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
    use super::{NodeType, REGISTRY};
    use crate::model::lenient::StrEnum;

    /// The palette holds every kind of the list once, and each kind's file describes the
    /// kind it is listed for.
    #[test]
    fn registry_holds_each_kind_of_the_list_once() {
        assert_eq!(REGISTRY.len(), NodeType::VALUES.len());
        for &t in NodeType::VALUES {
            let kind = t.kind();
            assert_eq!(kind.node_type, t);
            assert_eq!(kind.config_key, t.config_key());
            let listed = REGISTRY.iter().filter(|k| k.node_type == t).count();
            assert_eq!(listed, 1, "{t} is in the palette {listed} times");
        }
    }

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
