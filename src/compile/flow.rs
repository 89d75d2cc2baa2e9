//! Checking one flow definition the way Bedrock does, and building its plan.

mod conditions;
mod connections;
mod graph;
mod loops;
mod nodes;
mod planning;

use super::plan::{FlowPlan, PlanGraph};
use crate::diagnostic::{Code, Diagnostics, Location, Severity};
use crate::expr::InputExpression;
use crate::model::flow::{Flow, FlowDefinition, FlowNode};
use crate::model::Project;
use crate::nodes::condition::FlowCondition;
use crate::nodes::{NodeConfiguration, NodeType, Ports};
use std::collections::{HashMap, HashSet};

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

    /// A name of the enclosing definition, seen from a Loop body.
    fn is_outside(&self, name: &str) -> bool {
        self.outer.contains(name)
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
