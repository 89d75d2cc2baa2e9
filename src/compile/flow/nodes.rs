//! The nodes pass: limits, each node's name, kind and configuration, its ports against its
//! kind's, and its input expressions.

use super::Definition;
use super::{
    MAX_CONNECTIONS_API, MAX_CONNECTIONS_CFN, MAX_EXPRESSION, MAX_INPUTS, MAX_NODES, MAX_OUTPUTS,
};
use crate::compile::DistinctNames;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Location, Severity};
use crate::expr::{parse_input_expression, InputExpression};
use crate::model::flow::FlowNode;
use crate::model::lenient::Lenient;
use crate::model::names::{check_name, Pattern};
use crate::model::DataType;
use crate::nodes::{NodeConfiguration, NodeType, PortRule, Ports};

impl<'a> Definition<'a> {
    pub(super) fn check_limits(&self, out: &mut Diagnostics) {
        let n = self.def.nodes.len();
        if n > MAX_NODES {
            out.report(
                Code::TooManyNodes,
                self.at.clone(),
                format!("{n} nodes; Bedrock takes at most {MAX_NODES} in one definition"),
            )
            .set_hint("Move part of the work into a second flow or an agent.");
        }
        let c = self.def.connections.len();
        if c > MAX_CONNECTIONS_CFN {
            out.push(
                Diagnostic::new(
                    Code::TooManyConnections,
                    self.at.clone(),
                    format!("{c} connections; Bedrock takes at most {MAX_CONNECTIONS_CFN}"),
                )
                .severity(Severity::Error)
                .hint("Simplify the flow."),
            );
        } else if c > MAX_CONNECTIONS_API {
            out.report(
                Code::TooManyConnections,
                self.at.clone(),
                format!("{c} connections; the CreateFlow API model allows {MAX_CONNECTIONS_API} (CloudFormation allows {MAX_CONNECTIONS_CFN})"),
            )
            .set_hint("The console and CloudFormation accept more; check the API accepts it before relying on it.");
        }
        let mut node_names =
            DistinctNames::new("nodes").hint("Node names must be unique within a flow.");
        for node in &self.def.nodes {
            check_name(
                out,
                self.node_at(node),
                "node name",
                &node.name,
                Pattern::NodeName,
            );
            node_names.check(&node.name, &self.node_at(node), out);
        }
        let mut connection_names = DistinctNames::new("connections")
            .hint("Connection names must be unique within a flow.");
        for conn in &self.def.connections {
            let at = self.at.connection(&conn.name);
            check_name(
                out,
                at.clone(),
                "connection name",
                &conn.name,
                Pattern::ConnectionName,
            );
            connection_names.check(&conn.name, &at, out);
        }
    }

    pub(super) fn check_node(&self, i: usize, node: &FlowNode, out: &mut Diagnostics) {
        let at = self.node_at(node);
        let kind = match &node.node_type {
            Lenient::Known(t) => t.kind(),
            Lenient::Unknown(s) => {
                out.report(
                    Code::UnknownNodeType,
                    at.clone(),
                    format!("node type {s:?} is not one Strata knows; it is kept as it is but not checked"),
                )
                .set_hint(format!("Known types: {}.", Lenient::<NodeType>::expected()));
                self.check_port_names(node, out);
                return;
            }
        };
        match &node.configuration {
            None if kind.config_required => {
                out.report(
                    Code::MissingNodeConfiguration,
                    at.clone(),
                    format!("{} node {:?} has no configuration", kind.name(), node.name),
                )
                .set_hint(format!(
                    "Add \"configuration\": {{\"{}\": {{…}}}}.",
                    kind.config_key
                ));
            }
            None => {}
            Some(c) if c.node_type() != Some(kind.node_type) => {
                out.report(
                    Code::ConfigurationMismatch,
                    at.field("configuration"),
                    format!(
                        "{} node {:?} has a {:?} configuration",
                        kind.name(),
                        node.name,
                        c.key()
                    ),
                )
                .set_hint(format!(
                    "A {} node's configuration key is {:?}.",
                    kind.name(),
                    kind.config_key
                ));
            }
            Some(c) => {
                let before = out.len();
                (kind.check)(node, out, &at);
                let guardrail = if let NodeConfiguration::Prompt(p) = c {
                    p.guardrail_configuration.as_ref()
                } else if let NodeConfiguration::KnowledgeBase(k) = c {
                    k.guardrail_configuration.as_ref()
                } else {
                    None
                };
                let names_project_guardrail = guardrail
                    .and_then(|g| g.guardrail_identifier.as_ref())
                    .is_some_and(|id| self.guardrails.contains(id));
                if names_project_guardrail {
                    out.withdraw(before, |d| {
                        d.code == Code::InvalidFieldValue
                            && d.location.field.as_deref()
                                == Some("guardrailConfiguration.guardrailIdentifier")
                    });
                }
            }
        }
        match self.loop_node {
            Some(l) if !kind.allowed_in_loop => {
                out.report(
                    Code::LoopIncompatibleNodeType,
                    self.at.node(&l.name),
                    format!(
                        "Loop {:?} holds {} node {:?}; a loop body cannot hold Input, Condition, Iterator or Collector nodes",
                        l.name,
                        kind.name(),
                        node.name
                    ),
                )
                .set_hint("Move the node out of the loop body.");
            }
            None if kind.loop_only => {
                out.report(
                    Code::MisplacedLoopNode,
                    at.clone(),
                    format!("{} node {:?} is outside any Loop", kind.name(), node.name),
                )
                .set_hint("Put it in the body of a Loop node.");
            }
            _ => {}
        }
        self.check_port_names(node, out);
        let Some(ports) = &self.ports[i] else { return };
        self.check_ports(node, ports, out);
    }

    pub(super) fn check_port_names(&self, node: &FlowNode, out: &mut Diagnostics) {
        let at = self.node_at(node);
        if node.inputs.len() > MAX_INPUTS {
            out.report(
                Code::TooManyPorts,
                at.clone(),
                format!(
                    "{} inputs; Bedrock takes at most {MAX_INPUTS}",
                    node.inputs.len()
                ),
            );
        }
        if node.outputs.len() > MAX_OUTPUTS {
            out.report(
                Code::TooManyPorts,
                at.clone(),
                format!(
                    "{} outputs; Bedrock takes at most {MAX_OUTPUTS}",
                    node.outputs.len()
                ),
            );
        }
        let mut input_names = DistinctNames::new("inputs");
        for input in &node.inputs {
            let at = at.input(&input.name);
            check_port(
                "input",
                &input.name,
                &input.data_type,
                &at,
                &mut input_names,
                out,
            );
            match &input.category {
                Some(Lenient::Unknown(c)) => {
                    out.report(
                        Code::UnknownEnumValue,
                        at.clone(),
                        format!("input category {c:?} is not LoopCondition, ReturnValueToLoopStart or ExitLoop"),
                    );
                }
                Some(Lenient::Known(c)) if node.kind() != Some(NodeType::LoopController) => {
                    out.report(
                        Code::InvalidLoopCategory,
                        at.clone(),
                        format!("input category {c} is only meaningful on a LoopController"),
                    )
                    .set_hint("Remove the category.");
                }
                _ => {}
            }
        }
        let mut output_names = DistinctNames::new("outputs");
        for output in &node.outputs {
            let at = at.output(&output.name);
            check_port(
                "output",
                &output.name,
                &output.data_type,
                &at,
                &mut output_names,
                out,
            );
        }
    }

    pub(super) fn check_ports(&self, node: &FlowNode, ports: &Ports, out: &mut Diagnostics) {
        let at = self.node_at(node);
        let inputs: Vec<_> = node
            .inputs
            .iter()
            .map(|p| (p.name.as_str(), &p.data_type))
            .collect();
        let outputs: Vec<_> = node
            .outputs
            .iter()
            .map(|p| (p.name.as_str(), &p.data_type))
            .collect();
        check_side(node, &at, &ports.inputs, &inputs, &INPUTS, out);
        check_side(node, &at, &ports.outputs, &outputs, &OUTPUTS, out);
    }

    /// Parses each input's expression; `None` where it does not parse.
    pub(super) fn check_expressions(
        &self,
        node: &FlowNode,
        out: &mut Diagnostics,
    ) -> Vec<Option<InputExpression>> {
        node.inputs
            .iter()
            .map(|input| {
                let at = self.node_at(node).input(&input.name);
                if input.expression.chars().count() > MAX_EXPRESSION {
                    out.report(
                        Code::ExpressionTooLong,
                        at.clone(),
                        format!(
                            "the expression is {} characters; Bedrock takes at most {MAX_EXPRESSION}",
                            input.expression.chars().count()
                        ),
                    )
                    .set_hint("Shorten the path, or reshape the data upstream.");
                }
                match parse_input_expression(&input.expression) {
                    Ok(e) => Some(e),
                    Err(e) => {
                        out.report(
                            Code::MalformedNodeInputExpression,
                            at,
                            format!("expression {:?} is malformed: {e}", input.expression),
                        )
                        .set_hint("Input expressions start with $.data, then .field, [index], [i, j], [start:end] or *.");
                        None
                    }
                }
            })
            .collect()
    }
}

/// What differs between checking a node's inputs and its outputs.
struct Side {
    /// `input` or `output`.
    noun: &'static str,
    /// How a kind without such ports is described.
    none: &'static str,
    /// `takes` or `has`, for the port limit.
    has: &'static str,
    unknown: Code,
    mismatched: Code,
    missing: Code,
    /// Whether the hint for a missing port names its type.
    typed_hint: bool,
    locate: fn(&Location, &str) -> Location,
}

const INPUTS: Side = Side {
    noun: "input",
    none: "take no inputs",
    has: "takes",
    unknown: Code::UnknownNodeInput,
    mismatched: Code::MismatchedNodeInputType,
    missing: Code::MissingNodeInput,
    typed_hint: true,
    locate: Location::input,
};

const OUTPUTS: Side = Side {
    noun: "output",
    none: "have no outputs",
    has: "has",
    unknown: Code::UnknownNodeOutput,
    mismatched: Code::MismatchedNodeOutputType,
    missing: Code::MissingNodeOutput,
    typed_hint: false,
    locate: Location::output,
};

/// Checks one side of a node — its `ports` (name and declared type) — against the kind's
/// `rule`: unknown names, wrong types, missing required ports, too many user ports.
fn check_side(
    node: &FlowNode,
    at: &Location,
    rule: &PortRule,
    ports: &[(&str, &Lenient<DataType>)],
    side: &Side,
    out: &mut Diagnostics,
) {
    let kind = node.node_type.as_str();
    let noun = side.noun;
    match rule {
        PortRule::Fixed(specs) => {
            for (name, declared) in ports {
                match specs.iter().find(|s| s.name == *name) {
                    None => {
                        let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
                        out.report(
                            side.unknown,
                            (side.locate)(at, name),
                            format!("a {kind} node has no {noun} named {name:?}"),
                        )
                        .set_hint(if names.is_empty() {
                            format!("{kind} nodes {}: remove it.", side.none)
                        } else {
                            format!("{kind} {noun}s are: {}.", names.join(", "))
                        });
                    }
                    Some(spec) => {
                        if let (Some(want), Lenient::Known(got)) = (spec.data_type, declared) {
                            if want != *got {
                                out.report(
                                    side.mismatched,
                                    (side.locate)(at, name),
                                    format!(
                                        "{noun} {name:?} of a {kind} node is {want}, not {got}"
                                    ),
                                )
                                .set_hint(format!("Declare it as {want}."));
                            }
                        }
                    }
                }
            }
            for spec in specs.iter().filter(|s| !s.optional) {
                if ports.iter().any(|(name, _)| *name == spec.name) {
                    continue;
                }
                let typed = match spec.data_type {
                    Some(t) if side.typed_hint => format!(" of type {t}"),
                    Some(_) | None => String::new(),
                };
                out.report(
                    side.missing,
                    (side.locate)(at, spec.name),
                    format!("the {kind} node lacks its {noun} {:?}", spec.name),
                )
                .set_hint(format!("Add an {noun} {:?}{typed}.", spec.name));
            }
        }
        PortRule::User { max } => {
            if ports.len() > *max {
                out.report(
                    Code::TooManyPorts,
                    at.clone(),
                    format!(
                        "{} {noun}s; a {kind} node {} at most {max}",
                        ports.len(),
                        side.has
                    ),
                );
            }
        }
    }
}

/// What a node's inputs and outputs (`side`) are checked for alike: a valid name, not taken
/// by another port of the same side, a flow data type.
fn check_port<'n>(
    side: &str,
    name: &'n str,
    data_type: &Lenient<DataType>,
    at: &Location,
    names: &mut DistinctNames<'n>,
    out: &mut Diagnostics,
) {
    check_name(
        out,
        at.clone(),
        &format!("{side} name"),
        name,
        Pattern::NodeName,
    );
    names.check(name, at, out);
    if let Lenient::Unknown(t) = data_type {
        out.report(
            Code::UnknownEnumValue,
            at.clone(),
            format!("{side} type {t:?} is not a flow data type"),
        )
        .set_hint("Use String, Number, Boolean, Object or Array.");
    }
}
