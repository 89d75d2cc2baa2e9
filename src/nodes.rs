//! The node registry: every Bedrock `FlowNodeType`, one file each, and the one list of them.
//!
//! A node kind's file holds its configuration (in the CreateFlow API's exact shape), its
//! ports, its configuration checks, its palette entry, its inspector form and what it means
//! once deployed (the AWS it reaches, the Strata-only fields it drops: see [`deployment`]).
//! [`node_kinds!`] lists the kinds once, in palette order; [`NodeType`],
//! [`NodeConfiguration`], their serde, [`REGISTRY`] (the palette, `strata nodes` and the
//! compiler read it) and the dispatch to each kind's local run behaviour
//! (`src/run/nodes/<kind>.rs`) are generated from it.
//!
//! # Adding a node kind
//!
//! 1. Add a line to [`node_kinds!`] where the palette should show the kind:
//!    `FlowNodeConfiguration` key, its module, its position in the API model's enum — the
//!    next number — and its configuration type, left out for a kind without members). The
//!    compiler now asks for the two files below.
//! 2. Write `src/nodes/echo.rs`: the configuration type with its [`KindConfiguration`]
//!    impl (checks, the AWS it reaches, its Strata-only fields: each defaults to nothing),
//!    and `pub static KIND: NodeKind = NodeKind::new(..)` with its palette entry, `ports`
//!    and `new_node`, then `.configured::<EchoConfiguration>()`, `.with_form(FORM)` and
//!    whatever else differs from [`NodeKind::new`]'s defaults. `ports` says each fixed port
//!    once, with its type; `new_node` builds only a fresh configuration and hands it to
//!    `fresh_node`, which gives the node the fixed ports (see [`PortSpec::fresh`]), or to
//!    `fresh_node_with` with example ports for a side the user names. Copy a kind of the
//!    same shape (`retrieval.rs` is small).
//! 3. Write `src/run/nodes/echo.rs`: `node_run!(Echo(config) => execute);` and the
//!    `execute` function, what a node does when run on this machine: it gets the node being
//!    run (`Call`) and its `&EchoConfiguration` (`node_run!(Echo => execute)` for a kind
//!    whose behaviour reads no configuration).
//!
//! Then add its fixtures (`tests/fixtures/`, `tests/run_fixtures/`). Nothing else matches on
//! the kind: export, the IAM policy, the run executor and the editor go through the registry.

use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput, FlowNodeOutput};
use crate::model::lenient::{Lenient, StrEnum};
use crate::model::DataType;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

pub mod deployment;
pub mod form;

/// THE list of node kinds, each once, in palette order: its `FlowNodeType` variant, its key
/// in `FlowNodeConfiguration`, its module (in `src/nodes/` and, for its local behaviour,
/// `src/run/nodes/`), its position in the API model's enum (the order of
/// [`NodeType::VALUES`], which messages list; a new kind takes the next number) and its
/// configuration type, which implements [`KindConfiguration`] (none: [`Empty`]).
///
/// It hands the list to the macro it is given, which turns it into code: [`NodeType`],
/// [`NodeConfiguration`], their serde and [`REGISTRY`] here, the dispatch to run behaviours
/// in `run`.
macro_rules! node_kinds {
    ($then:ident) => {
        $crate::nodes::node_kinds! { @list $then,
            // variant: config key, module, position in the API model[, configuration type];
            Input: "input", input, 0;
            Output: "output", output, 1;
            Prompt: "prompt", prompt, 5, prompt::PromptConfiguration;
            Agent: "agent", agent, 8, agent::AgentConfiguration;
            KnowledgeBase: "knowledgeBase", knowledge_base, 2, knowledge_base::KnowledgeBaseConfiguration;
            Condition: "condition", condition, 3, condition::ConditionConfiguration;
            Iterator: "iterator", iterator, 10;
            Collector: "collector", collector, 11;
            Loop: "loop", loop_node, 13, loop_node::LoopConfiguration;
            LoopInput: "loopInput", loop_input, 14;
            LoopController: "loopController", loop_controller, 15, loop_controller::LoopControllerConfiguration;
            LambdaFunction: "lambdaFunction", lambda_function, 6, lambda_function::LambdaFunctionConfiguration;
            InlineCode: "inlineCode", inline_code, 12, inline_code::InlineCodeConfiguration;
            Storage: "storage", storage, 7, storage::StorageConfiguration;
            Retrieval: "retrieval", retrieval, 9, retrieval::RetrievalConfiguration;
            Lex: "lex", lex, 4, lex::LexConfiguration;
        }
    };
    // This module's macro takes every column.
    (@list define_node_kinds, $($line:tt)+) => {
        define_node_kinds! { $($line)+ }
    };
    // The others take a kind's variant, configuration key, configuration type and module.
    (@list $then:ident, $($variant:ident: $key:literal, $module:ident, $api:literal $(, $config:ty)?;)+) => {
        $then! { $($variant: $key, $crate::nodes::configuration_type!($($config)?), $module;)+ }
    };
}
/// By path: for the list's own second step, and for `run`, which generates its dispatch to
/// the kinds' run behaviours from the list.
pub(crate) use node_kinds;

/// The configuration type a line of [`node_kinds!`] names, or [`Empty`].
macro_rules! configuration_type {
    () => {
        $crate::nodes::Empty
    };
    ($config:ty) => {
        $config
    };
}
#[cfg(feature = "runtime")]
#[allow(
    unused_imports,
    reason = "named by the lines node_kinds! hands to run, which reads no configuration type"
)]
pub(crate) use configuration_type;

/// Everything in this module that is written once per kind, generated from [`node_kinds!`].
macro_rules! define_node_kinds {
    ($($variant:ident: $key:literal, $module:ident, $api:literal $(, $config:ty)?;)+) => {
        $(pub mod $module;)+

        $($(
            impl Member for $config {
                fn of(config: &NodeConfiguration) -> Option<&Self> {
                    if let NodeConfiguration::$variant(c) = config {
                        Some(c)
                    } else {
                        None
                    }
                }

                fn of_mut(config: &mut NodeConfiguration) -> Option<&mut Self> {
                    if let NodeConfiguration::$variant(c) = config {
                        Some(c)
                    } else {
                        None
                    }
                }
            }
        )?)+

        crate::str_enum! {
            /// `FlowNodeType`. Declared in palette order; `VALUES` is in the order of the API model.
            pub enum NodeType {
                $($variant = stringify!($variant),)+
            }
            values = &NodeType::API_ORDER;
        }

        /// Every node kind, in palette order (the order of [`node_kinds!`]); the palette,
        /// `strata nodes` and the compiler read it.
        pub static REGISTRY: &[&NodeKind] = &[$(&$module::KIND,)+];

        impl NodeType {
            /// The kinds in the order of the API model's enum: each at its position in the list.
            const API_ORDER: [NodeType; [$(stringify!($variant),)+].len()] = {
                let mut order = [$(NodeType::$variant,)+];
                $(order[$api] = NodeType::$variant;)+
                order
            };

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
            $($variant(configuration_type!($($config)?)),)+
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
    /// The kind Bedrock runs the node as, when it is not this one (see [`deployment`]);
    /// export applies it before `strip_local`.
    pub deploy_as:
        fn(&NodeConfiguration, &dyn deployment::ProjectRefs) -> Option<deployment::Redeployed>,
}

impl NodeKind {
    /// The entry of a kind with the ports `ports` and fresh nodes from `new_node`, and
    /// otherwise as plain as a kind gets: its configuration optional and unchecked, no form,
    /// no AWS reached, no Strata-only fields, allowed in a Loop body. The methods below say
    /// where a kind differs.
    pub const fn new(
        node_type: NodeType,
        category: Category,
        icon: &'static str,
        colour: &'static str,
        summary: &'static str,
        ports: fn(&FlowNode) -> Ports,
        new_node: fn(&str) -> FlowNode,
    ) -> NodeKind {
        NodeKind {
            node_type,
            config_key: node_type.config_key(),
            summary,
            category,
            icon,
            colour,
            config_required: false,
            allowed_in_loop: true,
            loop_only: false,
            ports,
            new_node,
            check: unchecked,
            form: &[],
            access: deployment::no_access,
            strip_local: deployment::nothing_local,
            deploy_as: deployment::same_kind,
        }
    }

    /// A node of this kind needs a configuration, of type `C`, which answers for its checks
    /// and for what it means once deployed.
    pub const fn configured<C: KindConfiguration>(mut self) -> Self {
        self.config_required = true;
        self.check = check_member::<C>;
        self.access = access_of_member::<C>;
        self.strip_local = strip_member::<C>;
        self.deploy_as = deploy_member::<C>;
        self
    }

    pub const fn with_form(mut self, form: &'static [form::FormField]) -> Self {
        self.form = form;
        self
    }

    /// A node of this kind may not sit in a Loop body.
    pub const fn outside_loops(mut self) -> Self {
        self.allowed_in_loop = false;
        self
    }

    /// A node of this kind may only sit in a Loop body.
    pub const fn only_in_loops(mut self) -> Self {
        self.loop_only = true;
        self
    }

    pub fn name(&self) -> &'static str {
        self.node_type.as_str()
    }
}

/// For kinds whose configuration has nothing to check.
fn unchecked(_: &FlowNode, _: &mut Diagnostics, _: &Location) {}

/// The configuration type of a kind: a member of the [`NodeConfiguration`] union (the
/// membership is generated from [`node_kinds!`]).
pub trait Member: Sized + 'static {
    /// This member of `config`, if it is the one set.
    fn of(config: &NodeConfiguration) -> Option<&Self>;
    fn of_mut(config: &mut NodeConfiguration) -> Option<&mut Self>;
}

/// What a kind's configuration type answers for; each kind's file implements it, and the
/// defaults are "nothing": no checks, no AWS reached, no Strata-only fields.
pub trait KindConfiguration: Member {
    /// Checks against Bedrock's patterns and limits (and against the ports of `node`, whose
    /// configuration this is).
    fn check(&self, _node: &FlowNode, _out: &mut Diagnostics, _at: &Location) {}

    /// What AWS a node with this configuration reaches when Bedrock runs it.
    fn access(&self) -> Vec<deployment::Access<'_>> {
        Vec::new()
    }

    /// Drops the Strata-only fields and fills in what they stood for (see [`deployment`]).
    fn strip_local(&mut self, _refs: &dyn deployment::ProjectRefs) {}

    /// The kind Bedrock runs the node as, when it is not this one (see [`deployment`]).
    fn deploy_as(&self, _refs: &dyn deployment::ProjectRefs) -> Option<deployment::Redeployed> {
        None
    }
}

fn check_member<C: KindConfiguration>(node: &FlowNode, out: &mut Diagnostics, at: &Location) {
    if let Some(c) = node.configuration.as_ref().and_then(C::of) {
        c.check(node, out, at);
    }
}

fn access_of_member<C: KindConfiguration>(
    config: &NodeConfiguration,
) -> Vec<deployment::Access<'_>> {
    C::of(config).map_or_else(Vec::new, C::access)
}

fn strip_member<C: KindConfiguration>(
    config: &mut NodeConfiguration,
    refs: &dyn deployment::ProjectRefs,
) {
    if let Some(c) = C::of_mut(config) {
        c.strip_local(refs);
    }
}

fn deploy_member<C: KindConfiguration>(
    config: &NodeConfiguration,
    refs: &dyn deployment::ProjectRefs,
) -> Option<deployment::Redeployed> {
    C::of(config).and_then(|c| c.deploy_as(refs))
}

/// A fresh node named `name` with `configuration`, for a kind's `new_node`: it has the kind's
/// fixed ports that a fresh node has (see [`PortSpec::fresh`]), each with its type and
/// reading the whole input `$.data`.
pub(crate) fn fresh_node(name: &str, configuration: NodeConfiguration) -> FlowNode {
    fresh_node_with(name, configuration, &[], &[])
}

/// A fresh node as [`fresh_node`] makes it, with these inputs and outputs after the fixed
/// ones: examples, for a kind with a side whose ports the user names.
pub(crate) fn fresh_node_with(
    name: &str,
    configuration: NodeConfiguration,
    inputs: &[(&str, DataType)],
    outputs: &[(&str, DataType)],
) -> FlowNode {
    let mut node = FlowNode {
        name: name.to_owned(),
        node_type: configuration.node_type().map_or_else(
            || Lenient::Unknown(configuration.key().to_owned()),
            Lenient::Known,
        ),
        configuration: Some(configuration),
        inputs: Vec::new(),
        outputs: Vec::new(),
    };
    let ports = node.kind().map(|t| (t.kind().ports)(&node));
    let (fixed_inputs, fixed_outputs) = match &ports {
        Some(p) => (p.inputs.fresh(), p.outputs.fresh()),
        None => (Vec::new(), Vec::new()),
    };
    node.inputs = (fixed_inputs.into_iter().chain(inputs.iter().copied()))
        .map(|(n, t)| FlowNodeInput::new(n, t))
        .collect();
    node.outputs = (fixed_outputs.into_iter().chain(outputs.iter().copied()))
        .map(|(n, t)| FlowNodeOutput::new(n, t))
        .collect();
    node
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

impl Ports {
    /// Exactly these inputs and outputs.
    pub fn fixed(inputs: &[PortSpec], outputs: &[PortSpec]) -> Ports {
        Ports {
            inputs: PortRule::Fixed(inputs.to_vec()),
            outputs: PortRule::Fixed(outputs.to_vec()),
        }
    }
}

impl PortRule {
    pub fn fixed(&self, name: &str) -> Option<&PortSpec> {
        match self {
            PortRule::Fixed(specs) => specs.iter().find(|s| s.name == name),
            PortRule::User { .. } => None,
        }
    }

    /// The ports of this side a fresh node has, with their types: none on a side the user names.
    fn fresh(&self) -> Vec<(&'static str, DataType)> {
        match self {
            PortRule::Fixed(specs) => specs
                .iter()
                .filter_map(|s| Some((s.name, s.fresh?)))
                .collect(),
            PortRule::User { .. } => Vec::new(),
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
    /// The type a fresh node (the palette's, `strata new`'s) declares the port with; `None`
    /// when a fresh node leaves the port out. A required port has it, with its type, or
    /// String where it carries any type; an optional one does not.
    pub fresh: Option<DataType>,
}

impl PortSpec {
    pub const fn new(name: &'static str, data_type: Option<DataType>) -> PortSpec {
        PortSpec {
            name,
            data_type,
            optional: false,
            fresh: match data_type {
                Some(t) => Some(t),
                None => Some(DataType::String),
            },
        }
    }

    pub const fn optional(name: &'static str, data_type: Option<DataType>) -> PortSpec {
        PortSpec {
            name,
            data_type,
            optional: true,
            fresh: None,
        }
    }

    /// A fresh node declares this port, as `data_type`.
    pub const fn fresh_as(mut self, data_type: DataType) -> PortSpec {
        self.fresh = Some(data_type);
        self
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
    use crate::diagnostic::Code;
    use crate::model::lenient::StrEnum;

    /// The palette and `NodeType::VALUES` (the API order) hold every kind of the list once,
    /// and each kind's file describes the kind it is listed for.
    #[test]
    fn registry_holds_each_kind_of_the_list_once() {
        assert_eq!(REGISTRY.len(), NodeType::VALUES.len());
        for &t in NodeType::VALUES {
            let kind = t.kind();
            assert_eq!(kind.node_type, t);
            assert_eq!(kind.config_key, t.config_key());
            let listed = REGISTRY.iter().filter(|k| k.node_type == t).count();
            assert_eq!(listed, 1, "{t} is in the palette {listed} times");
            let placed = NodeType::VALUES.iter().filter(|&&v| v == t).count();
            assert_eq!(placed, 1, "{t} has {placed} positions in the API order");
        }
    }

    /// A fresh node has the ports its kind asks for: the compiler, given every kind's fresh
    /// node in a flow, finds no port missing, unknown, of the wrong type or too many.
    #[test]
    fn fresh_nodes_have_the_ports_their_kind_asks_for() {
        let template = crate::templates::find("support-triage").expect("a starter template");
        let mut project = crate::templates::instantiate(template, "t").expect("it instantiates");
        let fresh: Vec<String> = REGISTRY
            .iter()
            .map(|k| format!("Fresh{}", k.name()))
            .collect();
        for (kind, name) in REGISTRY.iter().zip(&fresh) {
            project.flows[0]
                .definition
                .nodes
                .push((kind.new_node)(name));
        }
        let port_codes = [
            Code::UnknownNodeInput,
            Code::MismatchedNodeInputType,
            Code::MissingNodeInput,
            Code::UnknownNodeOutput,
            Code::MismatchedNodeOutputType,
            Code::MissingNodeOutput,
            Code::TooManyPorts,
        ];
        let wrong: Vec<_> = crate::compile::compile(&project)
            .diagnostics
            .into_iter()
            .filter(|d| port_codes.contains(&d.code))
            .filter(|d| d.location.node.as_ref().is_some_and(|n| fresh.contains(n)))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
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
