//! Checking one flow definition the way Bedrock does, and building its plan.

use super::plan::{FlowPlan, Gate, InputSource, InputWiring, PlanEdge, PlanGraph, PlanNode};
use crate::condition::{parse_condition, ConditionProblemKind};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Location, Severity};
use crate::expr::{parse_input_expression, InputExpression, TypeOutcome};
use crate::model::flow::{
    ConnectionConfiguration, ConnectionType, Flow, FlowDefinition, FlowNode, InputCategory,
};
use crate::model::lenient::Lenient;
use crate::model::{DataType, Project};
use crate::nodes::condition::{FlowCondition, DEFAULT_CONDITION};
use crate::nodes::fields::{check_name, Pattern};
use crate::nodes::{NodeConfiguration, NodeType, PortRule, Ports};
use petgraph::graph::DiGraph;
use std::collections::{HashMap, HashSet, VecDeque};

/// Bedrock's limits on a definition.
const MAX_NODES: usize = 40;
const MAX_CONNECTIONS_API: usize = 20;
const MAX_CONNECTIONS_CFN: usize = 100;
const MAX_INPUTS: usize = 20;
const MAX_OUTPUTS: usize = 5;
const MAX_EXPRESSION: usize = 64;
const MAX_INLINE_CODE_NODES: usize = 5;

pub(super) fn compile_flow(
    project: &Project,
    flow: &Flow,
    out: &mut Diagnostics,
) -> Option<FlowPlan> {
    let at = Location::flow(&flow.name);
    if flow.definition.nodes.is_empty() {
        out.report(
            Code::EmptyFlow,
            at.clone(),
            format!("flow {:?} has no nodes", flow.name),
        )
        .set_hint("Add an Input node, the work, and an Output node.");
    }
    let inline_code = flow
        .definition
        .all_nodes()
        .iter()
        .filter(|(_, n)| n.kind() == Some(NodeType::InlineCode))
        .count();
    if inline_code > MAX_INLINE_CODE_NODES {
        out.report(
            Code::TooManyInlineCodeNodes,
            at.clone(),
            format!("the flow has {inline_code} InlineCode nodes; Bedrock allows {MAX_INLINE_CODE_NODES}"),
        )
        .set_hint("Merge snippets, or move code into a LambdaFunction node.");
    }
    let guardrails = project
        .guardrails
        .iter()
        .flat_map(|g| std::iter::once(g.name.clone()).chain(g.guardrail_identifier.clone()))
        .collect();
    let graph =
        Definition::new(&flow.definition, at, None, HashSet::new(), guardrails).check(out)?;
    Some(FlowPlan {
        flow: flow.name.clone(),
        graph,
    })
}

/// One definition being checked: a flow's, or a Loop body.
struct Definition<'a> {
    def: &'a FlowDefinition,
    at: Location,
    /// The Loop node whose body this is.
    loop_node: Option<&'a FlowNode>,
    /// Node name → index in `def.nodes` (first of a name).
    index: HashMap<&'a str, usize>,
    /// Names of nodes inside Loop bodies of this definition (to recognise boundary crossings).
    nested: HashSet<&'a str>,
    /// Names of the enclosing definition's nodes, for a Loop body.
    outer: HashSet<&'a str>,
    /// The ports each node has, when its kind is known.
    ports: Vec<Option<Ports>>,
    /// How the project's guardrails may be named (names, and identifiers of deployed copies).
    /// A node's `guardrailIdentifier` that is one of them is a reference the exports and the
    /// local runtime resolve, so Bedrock's id pattern is not held against it.
    guardrails: HashSet<String>,
}

/// A connection that survived checking, by node indices.
#[derive(Debug, Clone)]
struct Edge<'a> {
    from: usize,
    to: usize,
    kind: EdgeKind<'a>,
    name: &'a str,
}

#[derive(Debug, Clone)]
enum EdgeKind<'a> {
    Data { output: &'a str, input: &'a str },
    Conditional { condition: &'a str },
}

impl<'a> Definition<'a> {
    fn new(
        def: &'a FlowDefinition,
        at: Location,
        loop_node: Option<&'a FlowNode>,
        outer: HashSet<&'a str>,
        guardrails: HashSet<String>,
    ) -> Definition<'a> {
        let mut index = HashMap::new();
        for (i, n) in def.nodes.iter().enumerate() {
            index.entry(n.name.as_str()).or_insert(i);
        }
        let mut nested = HashSet::new();
        for n in &def.nodes {
            if let Some(NodeConfiguration::Loop(l)) = &n.configuration {
                for (_, inner) in l.definition.all_nodes() {
                    nested.insert(inner.name.as_str());
                }
            }
        }
        let ports = def
            .nodes
            .iter()
            .map(|n| n.kind().map(|k| (k.kind().ports)(n)))
            .collect();
        Definition {
            def,
            at,
            loop_node,
            index,
            nested,
            outer,
            ports,
            guardrails,
        }
    }

    fn node_at(&self, node: &FlowNode) -> Location {
        self.at.node(&node.name)
    }

    fn check(&self, out: &mut Diagnostics) -> Option<PlanGraph> {
        let before = out.len();
        self.check_limits(out);
        let mut expressions: Vec<Vec<Option<InputExpression>>> =
            Vec::with_capacity(self.def.nodes.len());
        for (i, node) in self.def.nodes.iter().enumerate() {
            self.check_node(i, node, out);
            expressions.push(self.check_expressions(node, out));
        }
        let edges = self.check_connections(&expressions, out);
        self.check_conditions(&edges, out);
        let forwarded = self.check_fulfilment(&edges, out);
        self.check_boundaries(out);
        self.check_graph(&edges, out);
        let bodies = self.check_loops(out);
        let errors = out.as_slice()[before..]
            .iter()
            .any(|d| d.severity == Severity::Error);
        if errors {
            return None;
        }
        self.build(&edges, expressions, forwarded, bodies)
    }

    fn check_limits(&self, out: &mut Diagnostics) {
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
        let mut seen = HashSet::new();
        for node in &self.def.nodes {
            check_name(
                out,
                self.node_at(node),
                "node name",
                &node.name,
                Pattern::NodeName,
            );
            if !seen.insert(node.name.as_str()) {
                out.report(
                    Code::DuplicateName,
                    self.node_at(node),
                    format!("two nodes are named {:?}", node.name),
                )
                .set_hint("Node names must be unique within a flow.");
            }
        }
        let mut seen = HashSet::new();
        for conn in &self.def.connections {
            let at = self.at.connection(&conn.name);
            check_name(
                out,
                at.clone(),
                "connection name",
                &conn.name,
                Pattern::ConnectionName,
            );
            if !seen.insert(conn.name.as_str()) {
                out.report(
                    Code::DuplicateName,
                    at,
                    format!("two connections are named {:?}", conn.name),
                )
                .set_hint("Connection names must be unique within a flow.");
            }
        }
    }

    fn check_node(&self, i: usize, node: &FlowNode, out: &mut Diagnostics) {
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

    fn check_port_names(&self, node: &FlowNode, out: &mut Diagnostics) {
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
        let mut seen = HashSet::new();
        for input in &node.inputs {
            let at = at.input(&input.name);
            check_name(
                out,
                at.clone(),
                "input name",
                &input.name,
                Pattern::NodeName,
            );
            if !seen.insert(input.name.as_str()) {
                out.report(
                    Code::DuplicateName,
                    at.clone(),
                    format!("two inputs are named {:?}", input.name),
                );
            }
            if let Lenient::Unknown(t) = &input.data_type {
                out.report(
                    Code::UnknownEnumValue,
                    at.clone(),
                    format!("input type {t:?} is not a flow data type"),
                )
                .set_hint("Use String, Number, Boolean, Object or Array.");
            }
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
        let mut seen = HashSet::new();
        for output in &node.outputs {
            let at = at.output(&output.name);
            check_name(
                out,
                at.clone(),
                "output name",
                &output.name,
                Pattern::NodeName,
            );
            if !seen.insert(output.name.as_str()) {
                out.report(
                    Code::DuplicateName,
                    at.clone(),
                    format!("two outputs are named {:?}", output.name),
                );
            }
            if let Lenient::Unknown(t) = &output.data_type {
                out.report(
                    Code::UnknownEnumValue,
                    at,
                    format!("output type {t:?} is not a flow data type"),
                )
                .set_hint("Use String, Number, Boolean, Object or Array.");
            }
        }
    }

    fn check_ports(&self, node: &FlowNode, ports: &Ports, out: &mut Diagnostics) {
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
    fn check_expressions(
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

    fn check_connections(
        &self,
        expressions: &[Vec<Option<InputExpression>>],
        out: &mut Diagnostics,
    ) -> Vec<Edge<'a>> {
        let mut edges = Vec::new();
        let mut seen: HashSet<(&str, &str, &str, &str)> = HashSet::new();
        for conn in &self.def.connections {
            let at = self.at.connection(&conn.name);
            let from = self.index.get(conn.source.as_str()).copied();
            let to = self.index.get(conn.target.as_str()).copied();
            let mut ok = true;
            for (end, idx, code) in [
                (&conn.source, from, Code::UnknownConnectionSource),
                (&conn.target, to, Code::UnknownConnectionTarget),
            ] {
                if idx.is_some() {
                    continue;
                }
                ok = false;
                if self.nested.contains(end.as_str()) || self.is_outside(end) {
                    // Reported by check_boundaries / the enclosing definition as InvalidLoopBoundary.
                    continue;
                }
                out.report(
                    code,
                    at.clone(),
                    format!(
                        "connection {:?} refers to node {end:?}, which does not exist",
                        conn.name
                    ),
                )
                .set_hint(self.suggest_node(end));
            }
            let conn_type = match &conn.connection_type {
                Lenient::Known(t) => *t,
                Lenient::Unknown(t) => {
                    out.report(
                        Code::UnknownEnumValue,
                        at.clone(),
                        format!("connection type {t:?} is not Data or Conditional"),
                    );
                    continue;
                }
            };
            let config_fits = matches!(
                (conn_type, &conn.configuration),
                (ConnectionType::Data, Some(ConnectionConfiguration::Data(_)))
                    | (
                        ConnectionType::Conditional,
                        Some(ConnectionConfiguration::Conditional(_))
                    )
            );
            if !config_fits {
                out.report(
                    Code::MissingConnectionConfiguration,
                    at.clone(),
                    format!("{conn_type} connection {:?} has no {} configuration", conn.name, conn_type.to_string().to_lowercase()),
                )
                .set_hint(match conn_type {
                    ConnectionType::Data => "Add \"configuration\": {\"data\": {\"sourceOutput\": …, \"targetInput\": …}}.",
                    ConnectionType::Conditional => "Add \"configuration\": {\"conditional\": {\"condition\": …}}.",
                });
                continue;
            }
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            if !ok {
                continue;
            }
            let source = &self.def.nodes[from];
            let target = &self.def.nodes[to];
            match &conn.configuration {
                Some(ConnectionConfiguration::Data(d)) => {
                    let key = (
                        conn.source.as_str(),
                        d.source_output.as_str(),
                        conn.target.as_str(),
                        d.target_input.as_str(),
                    );
                    if !seen.insert(key) {
                        out.report(
                            Code::DuplicateConnections,
                            at.clone(),
                            format!(
                                "{}.{} is already connected to {}.{}",
                                conn.source, d.source_output, conn.target, d.target_input
                            ),
                        )
                        .set_hint("Remove the duplicate connection.");
                        continue;
                    }
                    let Some(output) = source.output(&d.source_output) else {
                        out.report(
                            Code::UnknownConnectionSourceOutput,
                            at.clone(),
                            format!("node {:?} has no output {:?}", source.name, d.source_output),
                        )
                        .set_hint(port_hint(
                            "outputs",
                            source.outputs.iter().map(|o| o.name.as_str()),
                        ));
                        continue;
                    };
                    let Some(input_ix) =
                        target.inputs.iter().position(|i| i.name == d.target_input)
                    else {
                        out.report(
                            Code::UnknownConnectionTargetInput,
                            at.clone(),
                            format!("node {:?} has no input {:?}", target.name, d.target_input),
                        )
                        .set_hint(port_hint(
                            "inputs",
                            target.inputs.iter().map(|i| i.name.as_str()),
                        ));
                        continue;
                    };
                    let input = &target.inputs[input_ix];
                    if let (Lenient::Known(src), Lenient::Known(dst), Some(Some(expr))) = (
                        &output.data_type,
                        &input.data_type,
                        expressions[to].get(input_ix),
                    ) {
                        self.check_types(conn, target, input.name.as_str(), *src, *dst, expr, out);
                    }
                    edges.push(Edge {
                        from,
                        to,
                        kind: EdgeKind::Data {
                            output: &d.source_output,
                            input: &d.target_input,
                        },
                        name: &conn.name,
                    });
                }
                Some(ConnectionConfiguration::Conditional(c)) => {
                    let key = (
                        conn.source.as_str(),
                        "?",
                        conn.target.as_str(),
                        c.condition.as_str(),
                    );
                    if !seen.insert(key) {
                        out.report(
                            Code::DuplicateConnections,
                            at.clone(),
                            format!(
                                "condition {:?} of {:?} already leads to {:?}",
                                c.condition, conn.source, conn.target
                            ),
                        )
                        .set_hint("Remove the duplicate connection.");
                        continue;
                    }
                    let conditions = conditions_of(source);
                    if !conditions.iter().any(|k| k.name == c.condition) {
                        let msg = if source.kind() == Some(NodeType::Condition) {
                            format!("node {:?} has no condition {:?}", source.name, c.condition)
                        } else {
                            format!(
                                "conditional connection {:?} starts at {:?}, which is not a Condition node",
                                conn.name, source.name
                            )
                        };
                        let names: Vec<&str> = conditions.iter().map(|k| k.name.as_str()).collect();
                        out.report(Code::UnknownConnectionCondition, at.clone(), msg).set_hint(if names.is_empty() {
                            "Conditional connections start at a Condition node and name one of its conditions.".to_owned()
                        } else {
                            format!("Its conditions are: {}.", names.join(", "))
                        });
                        continue;
                    }
                    edges.push(Edge {
                        from,
                        to,
                        kind: EdgeKind::Conditional {
                            condition: &c.condition,
                        },
                        name: &conn.name,
                    });
                }
                None => {}
            }
        }
        edges
    }

    #[allow(clippy::too_many_arguments)]
    fn check_types(
        &self,
        conn: &crate::model::FlowConnection,
        target: &FlowNode,
        input: &str,
        src: DataType,
        dst: DataType,
        expr: &InputExpression,
        out: &mut Diagnostics,
    ) {
        match expr.result_type(src) {
            TypeOutcome::Exactly(t) if t != dst => {
                let via = if expr.is_whole_value() {
                    String::new()
                } else {
                    format!(" through {expr}")
                };
                out.report(
                    Code::IncompatibleConnectionDataType,
                    self.at.connection(&conn.name),
                    format!(
                        "{}.{} gives {t}{via}, but input {:?} of {:?} is {dst}",
                        conn.source,
                        conn.data_ports()
                            .map(|d| d.source_output.as_str())
                            .unwrap_or(""),
                        input,
                        target.name
                    ),
                )
                .set_hint(format!(
                    "Declare the input as {t}, or select a {dst} with the input's expression."
                ));
            }
            TypeOutcome::Impossible(why) => {
                out.report(
                    Code::MalformedNodeInputExpression,
                    self.node_at(target).input(input),
                    format!(
                        "expression {expr} cannot apply to the {src} arriving from {}: {why}",
                        conn.source
                    ),
                )
                .set_hint(if src.is_structured() {
                    "Fix the path to match the data.".to_owned()
                } else {
                    format!("A {src} arrives whole: the only valid expression is $.data.")
                });
            }
            TypeOutcome::Exactly(_) | TypeOutcome::Unknown => {}
        }
    }

    fn check_conditions(&self, edges: &[Edge<'a>], out: &mut Diagnostics) {
        for (i, node) in self.def.nodes.iter().enumerate() {
            let Some(NodeConfiguration::Condition(config)) = &node.configuration else {
                continue;
            };
            if node.kind() != Some(NodeType::Condition) {
                continue;
            }
            let at = self.node_at(node);
            if !config
                .conditions
                .iter()
                .any(|c| c.name == DEFAULT_CONDITION)
            {
                out.report(
                    Code::MissingDefaultCondition,
                    at.clone(),
                    format!("Condition node {:?} has no \"default\" condition", node.name),
                )
                .set_hint("Add a condition named \"default\" without an expression, and connect it: it is taken when no other holds.");
            }
            let mut seen_expr: HashMap<String, &str> = HashMap::new();
            let mut seen_names = HashSet::new();
            for cond in &config.conditions {
                let cat = at.condition(&cond.name);
                if !seen_names.insert(cond.name.as_str()) {
                    out.report(
                        Code::DuplicateName,
                        cat.clone(),
                        format!("two conditions are named {:?}", cond.name),
                    );
                }
                let leaving: Vec<&Edge> = edges
                    .iter()
                    .filter(|e| e.from == i && matches!(e.kind, EdgeKind::Conditional { condition } if condition == cond.name))
                    .collect();
                if leaving.is_empty() {
                    out.report(
                        Code::ConditionWithoutConnection,
                        cat.clone(),
                        format!("no connection leaves condition {:?}: when it holds, this branch of the flow stops", cond.name),
                    )
                    .set_hint("Connect the condition to the node that should run when it holds.");
                }
                if cond.name == DEFAULT_CONDITION {
                    if cond.expression.is_some() {
                        out.report(
                            Code::MalformedConditionExpression,
                            cat.clone(),
                            "the \"default\" condition has an expression; it is the else-branch and takes none",
                        )
                        .set_hint("Remove the expression, or rename the condition.");
                    }
                    continue;
                }
                let Some(expression) = cond.expression.as_deref().filter(|e| !e.trim().is_empty())
                else {
                    out.report(
                        Code::MalformedConditionExpression,
                        cat.clone(),
                        format!("condition {:?} has no expression", cond.name),
                    )
                    .set_hint("Write a comparison of the node's inputs, e.g. kind == \"BUG\".");
                    continue;
                };
                self.check_condition_expression(node, cond, expression, &leaving, &cat, out);
                if let Some(first) = seen_expr.insert(
                    expression.split_whitespace().collect::<Vec<_>>().join(" "),
                    &cond.name,
                ) {
                    out.report(
                        Code::DuplicateConditionExpression,
                        cat.clone(),
                        format!(
                            "conditions {first:?} and {:?} have the same expression {expression:?}",
                            cond.name
                        ),
                    )
                    .set_hint(format!(
                        "Only {first:?} can ever be taken: change or remove {:?}.",
                        cond.name
                    ));
                }
            }
        }
    }

    fn check_condition_expression(
        &self,
        node: &FlowNode,
        cond: &FlowCondition,
        expression: &str,
        leaving: &[&Edge],
        at: &Location,
        out: &mut Diagnostics,
    ) {
        if expression.chars().count() > MAX_EXPRESSION {
            out.report(
                Code::ExpressionTooLong,
                at.clone(),
                format!(
                    "the condition is {} characters; Bedrock takes at most {MAX_EXPRESSION}",
                    expression.chars().count()
                ),
            )
            .set_hint("Compute part of the test upstream and compare its result.");
        }
        let parsed = match parse_condition(expression) {
            Ok(p) => p,
            Err(e) => {
                out.report(
                    Code::MalformedConditionExpression,
                    at.clone(),
                    format!("condition {:?} is malformed: {e}", cond.name),
                )
                .set_hint("Compare inputs with ==, !=, <, <=, >, >= and combine with and, or, not; quote strings with \".");
                return;
            }
        };
        let problems = parsed.check(|name| node.input(name).and_then(|i| i.data_type.get()));
        for p in &problems {
            match p.kind {
                ConditionProblemKind::UnknownInput => {
                    let names: Vec<&str> = node.inputs.iter().map(|i| i.name.as_str()).collect();
                    out.report(
                        Code::MalformedConditionExpression,
                        at.clone(),
                        format!(
                            "condition {:?} at column {}: {}",
                            cond.name, p.column, p.message
                        ),
                    )
                    .set_hint(if names.is_empty() {
                        "Add the input to the Condition node.".to_owned()
                    } else {
                        format!("The node's inputs are: {}.", names.join(", "))
                    });
                }
                ConditionProblemKind::OperatorTypeMismatch => {
                    out.report(
                        Code::MalformedConditionExpression,
                        at.clone(),
                        format!("condition {:?} at column {}: {}", cond.name, p.column, p.message),
                    )
                    .set_hint("== and != compare String, Number or Boolean of the same type; <, <=, >, >= compare numbers.");
                }
                // Reported below when it makes the whole condition constant-false.
                ConditionProblemKind::ComparisonAlwaysConstant => {}
            }
        }
        let typed = |name: &str| node.input(name).and_then(|i| i.data_type.get());
        if parsed.constant_value(typed) == Some(false) {
            let why: Vec<&str> = problems
                .iter()
                .filter(|p| p.kind == ConditionProblemKind::ComparisonAlwaysConstant)
                .map(|p| p.message.as_str())
                .collect();
            for e in leaving {
                out.report(
                    Code::UnsatisfiedConnectionConditions,
                    self.at.connection(e.name),
                    format!(
                        "condition {:?} ({expression}) can never be true ({}), so this connection is never taken",
                        cond.name,
                        why.join("; ")
                    ),
                )
                .set_hint("Compare values of the same type, and compare an input rather than two constants.");
            }
        }
    }

    /// Reports inputs fed twice or not at all. Returns, per node, the inputs that take the
    /// value a Condition node forwards (gated node, input not fed by data).
    fn check_fulfilment(
        &self,
        edges: &[Edge<'a>],
        out: &mut Diagnostics,
    ) -> HashMap<(usize, usize), (usize, String)> {
        let mut forwarded = HashMap::new();
        let mut fed: HashMap<(usize, &str), usize> = HashMap::new();
        for e in edges {
            if let EdgeKind::Data { input, .. } = e.kind {
                *fed.entry((e.to, input)).or_default() += 1;
            }
        }
        for (i, node) in self.def.nodes.iter().enumerate() {
            let gates: Vec<&Edge> = edges
                .iter()
                .filter(|e| e.to == i && matches!(e.kind, EdgeKind::Conditional { .. }))
                .collect();
            for (k, input) in node.inputs.iter().enumerate() {
                let at = self.node_at(node).input(&input.name);
                match fed.get(&(i, input.name.as_str())).copied().unwrap_or(0) {
                    0 => match gates.first() {
                        Some(gate) => {
                            let cond_node = &self.def.nodes[gate.from];
                            match cond_node.inputs.first() {
                                Some(first) => {
                                    if cond_node.inputs.len() > 1 {
                                        out.report(
                                            Code::AmbiguousConditionalInput,
                                            at.clone(),
                                            format!(
                                                "input {:?} is fed only by the conditional connection from {:?}, which has {} inputs; Bedrock does not document which it forwards (Strata forwards {:?})",
                                                input.name, cond_node.name, cond_node.inputs.len(), first.name
                                            ),
                                        )
                                        .set_hint("Feed the input with a Data connection from the node that produces it, and keep the conditional connection as the gate.");
                                    }
                                    forwarded.insert((i, k), (gate.from, first.name.clone()));
                                }
                                None => {
                                    out.report(
                                        Code::UnfulfilledNodeInput,
                                        at.clone(),
                                        format!(
                                            "input {:?} of {:?} is fed by no connection",
                                            input.name, node.name
                                        ),
                                    )
                                    .set_hint("Connect an output to it.");
                                }
                            }
                        }
                        None => {
                            out.report(
                                Code::UnfulfilledNodeInput,
                                at.clone(),
                                format!(
                                    "input {:?} of {:?} is fed by no connection",
                                    input.name, node.name
                                ),
                            )
                            .set_hint("Connect an output to it, or remove the input.");
                        }
                    },
                    1 => {}
                    n => {
                        out.report(
                            Code::MultipleNodeInputConnections,
                            at.clone(),
                            format!("input {:?} of {:?} is fed by {n} connections", input.name, node.name),
                        )
                        .set_hint("Feed each input from one connection; to merge branches, give each branch its own Output node.");
                    }
                }
            }
        }
        forwarded
    }

    /// A name of the enclosing definition, seen from a Loop body.
    fn is_outside(&self, name: &str) -> bool {
        self.outer.contains(name)
    }

    /// Connections of this definition that reach into a Loop body, and connections of a
    /// Loop body that reach out of it: both are `InvalidLoopBoundary`.
    fn check_boundaries(&self, out: &mut Diagnostics) {
        for node in &self.def.nodes {
            let Some(NodeConfiguration::Loop(l)) = &node.configuration else {
                continue;
            };
            let inner: HashSet<&str> = l.definition.nodes.iter().map(|n| n.name.as_str()).collect();
            let mut report = |conn: &crate::model::FlowConnection, at: Location| {
                out.report(
                    Code::InvalidLoopBoundary,
                    at,
                    format!(
                        "connection {:?} from {:?} to {:?} crosses the boundary of Loop {:?}",
                        conn.name, conn.source, conn.target, node.name
                    ),
                )
                .set_hint("Values enter a loop through the Loop node's inputs and LoopInput, and leave through ExitLoop inputs of the LoopController and the Loop node's outputs.");
            };
            for conn in &self.def.connections {
                if inner.contains(conn.source.as_str()) || inner.contains(conn.target.as_str()) {
                    report(conn, self.at.connection(&conn.name));
                }
            }
            let body_at = Location {
                loop_node: Some(node.name.clone()),
                ..self.at.clone()
            };
            for conn in &l.definition.connections {
                let src_out = !inner.contains(conn.source.as_str())
                    && self.index.contains_key(conn.source.as_str());
                let dst_out = !inner.contains(conn.target.as_str())
                    && self.index.contains_key(conn.target.as_str());
                if src_out || dst_out {
                    report(conn, body_at.connection(&conn.name));
                }
            }
        }
    }

    fn check_graph(&self, edges: &[Edge<'a>], out: &mut Diagnostics) {
        let (start_kind, end_kind) = match self.loop_node {
            None => (NodeType::Input, NodeType::Output),
            Some(_) => (NodeType::LoopInput, NodeType::LoopController),
        };
        let starts: Vec<usize> = (0..self.def.nodes.len())
            .filter(|i| self.def.nodes[*i].kind() == Some(start_kind))
            .collect();
        let ends = self
            .def
            .nodes
            .iter()
            .filter(|n| n.kind() == Some(end_kind))
            .count();
        match (self.loop_node, starts.len()) {
            (None, 0) => {
                out.report(
                    Code::MissingStartingNodes,
                    self.at.clone(),
                    "the flow has no Input node",
                )
                .set_hint("Add an Input node: it receives the document the flow is invoked with.");
            }
            (None, 1) => {}
            (None, n) => {
                out.report(
                    Code::MultipleStartingNodes,
                    self.at.clone(),
                    format!("the flow has {n} Input nodes; Bedrock takes exactly one"),
                )
                .set_hint("Keep one Input node; send an Object and pick its fields with $.data expressions.");
            }
            (Some(l), 0) => {
                out.report(
                    Code::MissingLoopInputNode,
                    self.at.node(&l.name),
                    format!("the body of Loop {:?} has no LoopInput node", l.name),
                )
                .set_hint("Add a LoopInput node to the body: the loop's values enter through it.");
            }
            (Some(_), 1) => {}
            (Some(l), n) => {
                out.report(
                    Code::MultipleLoopInputNodes,
                    self.at.node(&l.name),
                    format!("the body of Loop {:?} has {n} LoopInput nodes", l.name),
                )
                .set_hint("Keep one LoopInput node.");
            }
        }
        match (self.loop_node, ends) {
            (None, 0) => {
                out.report(
                    Code::MissingEndingNodes,
                    self.at.clone(),
                    "the flow has no Output node",
                )
                .set_hint("Add an Output node at the end of each branch.");
            }
            (Some(l), 0) => {
                out.report(
                    Code::MissingLoopControllerNode,
                    self.at.node(&l.name),
                    format!("the body of Loop {:?} has no LoopController node", l.name),
                )
                .set_hint("Add a LoopController node: it decides whether to go round again.");
            }
            (Some(l), n) if n > 1 => {
                out.report(
                    Code::MultipleLoopControllerNodes,
                    self.at.node(&l.name),
                    format!("the body of Loop {:?} has {n} LoopController nodes", l.name),
                )
                .set_hint("Keep one LoopController node.");
            }
            _ => {}
        }
        let mut g: DiGraph<usize, usize> = DiGraph::new();
        let ix: Vec<_> = (0..self.def.nodes.len()).map(|i| g.add_node(i)).collect();
        for (k, e) in edges.iter().enumerate() {
            g.add_edge(ix[e.from], ix[e.to], k);
        }
        let mut on_cycle = vec![false; self.def.nodes.len()];
        for scc in petgraph::algo::tarjan_scc(&g) {
            let cyclic = scc.len() > 1 || scc.iter().any(|n| g.contains_edge(*n, *n));
            if cyclic {
                for n in &scc {
                    on_cycle[g[*n]] = true;
                }
            }
        }
        for e in edges {
            if on_cycle[e.from] && on_cycle[e.to] && self.same_cycle(&g, &ix, e) {
                out.report(
                    Code::CyclicConnection,
                    self.at.connection(e.name),
                    format!(
                        "connection {:?} from {:?} to {:?} closes a cycle",
                        e.name, self.def.nodes[e.from].name, self.def.nodes[e.to].name
                    ),
                )
                .set_hint(
                    "Flows are acyclic; to repeat work, use a Loop node (DoWhile) or an Iterator.",
                );
            }
        }
        if starts.len() == 1 {
            let mut reached = vec![false; self.def.nodes.len()];
            let mut queue = VecDeque::from([starts[0]]);
            reached[starts[0]] = true;
            while let Some(n) = queue.pop_front() {
                for e in edges.iter().filter(|e| e.from == n) {
                    if !reached[e.to] {
                        reached[e.to] = true;
                        queue.push_back(e.to);
                    }
                }
            }
            for (i, node) in self.def.nodes.iter().enumerate() {
                if !reached[i] && node.kind().is_some() {
                    out.report(
                        Code::UnreachableNode,
                        self.node_at(node),
                        format!(
                            "no path leads from {:?} to node {:?}",
                            self.def.nodes[starts[0]].name, node.name
                        ),
                    )
                    .set_hint("Connect the node's inputs to the flow, or remove it.");
                }
            }
        }
    }

    fn same_cycle(
        &self,
        g: &DiGraph<usize, usize>,
        ix: &[petgraph::graph::NodeIndex],
        e: &Edge,
    ) -> bool {
        petgraph::algo::has_path_connecting(g, ix[e.to], ix[e.from], None)
    }

    /// Checks each Loop's body and its ports; returns the body plans by node index.
    fn check_loops(&self, out: &mut Diagnostics) -> HashMap<usize, PlanGraph> {
        let mut bodies = HashMap::new();
        for (i, node) in self.def.nodes.iter().enumerate() {
            let Some(NodeConfiguration::Loop(l)) = &node.configuration else {
                continue;
            };
            if node.kind() != Some(NodeType::Loop) {
                continue;
            }
            let body_at = Location {
                loop_node: Some(node.name.clone()),
                ..self.at.clone()
            };
            let body = Definition::new(
                &l.definition,
                body_at.clone(),
                Some(node),
                self.index.keys().copied().collect(),
                self.guardrails.clone(),
            );
            let before = out.len();
            let plan = body.check(out);
            self.check_loop_ports(node, &l.definition, &body_at, out);
            let body_errors = out.as_slice()[before..]
                .iter()
                .any(|d| d.severity == Severity::Error);
            if let (Some(plan), false) = (plan, body_errors) {
                bodies.insert(i, plan);
            }
        }
        bodies
    }

    /// Pairs the Loop's ports with its LoopInput outputs and LoopController inputs.
    fn check_loop_ports(
        &self,
        lp: &FlowNode,
        body: &FlowDefinition,
        at: &Location,
        out: &mut Diagnostics,
    ) {
        let start = body
            .nodes
            .iter()
            .find(|n| n.kind() == Some(NodeType::LoopInput));
        let ctl = body
            .nodes
            .iter()
            .find(|n| n.kind() == Some(NodeType::LoopController));
        let loop_at = self.node_at(lp);
        if let Some(start) = start {
            for input in &lp.inputs {
                match start.output(&input.name) {
                    None => {
                        out.report(
                            Code::InvalidLoopCategory,
                            loop_at.input(&input.name),
                            format!("Loop input {:?} has no output of the same name on LoopInput {:?}", input.name, start.name),
                        )
                        .set_hint("Each Loop input enters the body through the LoopInput output of the same name.");
                    }
                    Some(o) if o.data_type != input.data_type => {
                        out.report(
                            Code::InvalidLoopCategory,
                            at.node(&start.name).output(&o.name),
                            format!(
                                "LoopInput output {:?} is {} but Loop input {:?} is {}",
                                o.name,
                                o.data_type.as_str(),
                                input.name,
                                input.data_type.as_str()
                            ),
                        )
                        .set_hint("Give both the same type.");
                    }
                    Some(_) => {}
                }
            }
            for o in &start.outputs {
                if lp.input(&o.name).is_none() {
                    out.report(
                        Code::InvalidLoopCategory,
                        at.node(&start.name).output(&o.name),
                        format!(
                            "LoopInput output {:?} matches no input of Loop {:?}",
                            o.name, lp.name
                        ),
                    )
                    .set_hint("Add a Loop input of that name, or remove the output.");
                }
            }
        }
        let Some(ctl) = ctl else { return };
        let ctl_at = at.node(&ctl.name);
        for input in &ctl.inputs {
            let iat = ctl_at.input(&input.name);
            match input.category.as_ref().and_then(Lenient::get) {
                None if input.category.is_none() => {
                    out.report(
                        Code::InvalidLoopCategory,
                        iat,
                        format!("LoopController input {:?} has no category", input.name),
                    )
                    .set_hint("Set category to LoopCondition (used by the condition), ReturnValueToLoopStart (fed back) or ExitLoop (a Loop output).");
                }
                None => {}
                Some(InputCategory::LoopCondition) => {}
                Some(InputCategory::ReturnValueToLoopStart) => {
                    let back = start.and_then(|s| s.output(&input.name));
                    if back.is_none() {
                        out.report(
                            Code::InvalidLoopCategory,
                            iat,
                            format!("input {:?} returns to the loop start, but LoopInput has no output {:?}", input.name, input.name),
                        )
                        .set_hint("Name it after the LoopInput output it replaces on the next iteration.");
                    }
                }
                Some(InputCategory::ExitLoop) if lp.output(&input.name).is_none() => {
                    out.report(
                        Code::InvalidLoopCategory,
                        iat,
                        format!(
                            "input {:?} exits the loop, but Loop {:?} has no output {:?}",
                            input.name, lp.name, input.name
                        ),
                    )
                    .set_hint("Add a Loop output of that name and type.");
                }
                Some(InputCategory::ExitLoop) => {}
            }
        }
        for o in &lp.outputs {
            let exits = ctl.inputs.iter().any(|i| {
                i.name == o.name
                    && i.category.as_ref().and_then(Lenient::get) == Some(InputCategory::ExitLoop)
            });
            if !exits {
                out.report(
                    Code::InvalidLoopCategory,
                    loop_at.output(&o.name),
                    format!("Loop output {:?} has no ExitLoop input of the same name on LoopController {:?}", o.name, ctl.name),
                )
                .set_hint("Add a LoopController input with category ExitLoop and the output's name.");
            }
        }
        if let Some(NodeConfiguration::LoopController(c)) = &ctl.configuration {
            let cat = ctl_at.condition(&c.continue_condition.name);
            match c.continue_condition.expression.as_deref() {
                None | Some("") => {
                    out.report(
                        Code::MalformedConditionExpression,
                        cat,
                        "the loop's continue condition has no expression",
                    )
                    .set_hint("Compare a LoopCondition input, e.g. done == false.");
                }
                Some(expression) => {
                    self.check_condition_expression(
                        ctl,
                        &c.continue_condition,
                        expression,
                        &[],
                        &cat,
                        out,
                    );
                }
            }
        }
    }

    fn suggest_node(&self, name: &str) -> String {
        let lower = name.to_lowercase();
        match self
            .def
            .nodes
            .iter()
            .find(|n| n.name.to_lowercase() == lower)
        {
            Some(n) => format!("Did you mean {:?}? Names are case-sensitive.", n.name),
            None => {
                let names: Vec<&str> = self
                    .def
                    .nodes
                    .iter()
                    .map(|n| n.name.as_str())
                    .take(12)
                    .collect();
                format!("Nodes here: {}.", names.join(", "))
            }
        }
    }

    fn build(
        &self,
        edges: &[Edge<'a>],
        expressions: Vec<Vec<Option<InputExpression>>>,
        forwarded: HashMap<(usize, usize), (usize, String)>,
        mut bodies: HashMap<usize, PlanGraph>,
    ) -> Option<PlanGraph> {
        // A connection of a type Strata does not know may be a gate: running without it
        // would run a branch Bedrock would not, so there is no plan.
        if self
            .def
            .connections
            .iter()
            .any(|c| c.connection_type.get().is_none())
        {
            return None;
        }
        let mut graph = PlanGraph::new();
        let mut ids = Vec::with_capacity(self.def.nodes.len());
        for (i, (node, exprs)) in self.def.nodes.iter().zip(expressions).enumerate() {
            // Unknown node types are warnings; such a node cannot run, so there is no plan.
            let kind = node.kind()?;
            let mut inputs = Vec::with_capacity(node.inputs.len());
            for (k, (input, expr)) in node.inputs.iter().zip(exprs).enumerate() {
                let source = match edges.iter().find(|e| {
                    e.to == i && matches!(e.kind, EdgeKind::Data { input: name, .. } if name == input.name)
                }) {
                    Some(Edge {
                        from,
                        kind: EdgeKind::Data { output, .. },
                        ..
                    }) => InputSource::Output {
                        node: self.def.nodes[*from].name.clone(),
                        output: (*output).to_owned(),
                    },
                    _ => match forwarded.get(&(i, k)) {
                        Some((from, name)) => InputSource::Forwarded {
                            condition_node: self.def.nodes[*from].name.clone(),
                            input: name.clone(),
                        },
                        None => return None,
                    },
                };
                inputs.push(InputWiring {
                    name: input.name.clone(),
                    data_type: input.data_type.get()?,
                    expression: expr?,
                    category: input.category.as_ref().and_then(Lenient::get),
                    source,
                });
            }
            let gates = edges
                .iter()
                .filter(|e| e.to == i)
                .filter_map(|e| match e.kind {
                    EdgeKind::Conditional { condition } => Some(Gate {
                        condition_node: self.def.nodes[e.from].name.clone(),
                        condition: condition.to_owned(),
                    }),
                    EdgeKind::Data { .. } => None,
                })
                .collect();
            let body = match kind {
                NodeType::Loop => Some(Box::new(bodies.remove(&i)?)),
                _ => None,
            };
            ids.push(graph.add(PlanNode {
                node: node.clone(),
                kind,
                inputs,
                gates,
                iterators: Vec::new(),
                body,
            }));
        }
        for e in edges {
            let edge = match e.kind {
                EdgeKind::Data { output, input } => PlanEdge::Data {
                    output: output.to_owned(),
                    input: input.to_owned(),
                },
                EdgeKind::Conditional { condition } => PlanEdge::Conditional {
                    condition: condition.to_owned(),
                },
            };
            graph.connect(ids[e.from], ids[e.to], edge);
        }
        graph.sort().ok()?;
        // Iterator scopes, in topological order: a node runs per item of every Iterator
        // upstream of it that no Collector has closed.
        let order: Vec<_> = graph.order().collect();
        let mut scopes: HashMap<usize, Vec<String>> = HashMap::new();
        for id in order {
            let name = graph.node(id).node.name.clone();
            let i = self.index[name.as_str()];
            let mut best: Vec<String> = Vec::new();
            for e in edges.iter().filter(|e| e.to == i) {
                let pred = &self.def.nodes[e.from];
                let mut s = scopes.get(&e.from).cloned().unwrap_or_default();
                match pred.kind() {
                    Some(NodeType::Iterator) => s.push(pred.name.clone()),
                    Some(NodeType::Collector) => {
                        s.pop();
                    }
                    _ => {}
                }
                if s.len() > best.len() {
                    best = s;
                }
            }
            scopes.insert(i, best.clone());
            graph.node_mut(id).iterators = best;
        }
        Some(graph)
    }
}

fn conditions_of(node: &FlowNode) -> &[FlowCondition] {
    match &node.configuration {
        Some(NodeConfiguration::Condition(c)) => &c.conditions,
        _ => &[],
    }
}

fn port_hint<'s>(what: &str, names: impl Iterator<Item = &'s str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        format!("It has no {what}.")
    } else {
        format!("Its {what} are: {}.", names.join(", "))
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
