//! The execution plan of a flow: a petgraph DAG of nodes in topological order, with each
//! input's source and expression resolved, conditional gates, iterator scopes and loop bodies.
//!
//! Invariants, established by the compiler and relied on by the executor:
//! - the graph is acyclic and `order` is a topological order of all its nodes;
//! - every edge joins two nodes of the same graph (loop bodies are graphs of their own);
//! - every declared input of every node has exactly one source;
//! - every expression parsed.

use crate::expr::InputExpression;
use crate::model::flow::{FlowNode, InputCategory};
use crate::model::DataType;
use crate::nodes::NodeType;
use crate::trace::event::NextInput;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, OnceLock};

/// A node's identity within one plan graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlanNodeId(NodeIndex);

/// The plan of one flow.
#[derive(Debug, Clone)]
pub struct FlowPlan {
    pub(crate) flow: String,
    pub(crate) graph: PlanGraph,
}

impl FlowPlan {
    pub fn flow_name(&self) -> &str {
        &self.flow
    }

    pub fn graph(&self) -> &PlanGraph {
        &self.graph
    }

    /// A small text picture of the plan, for snapshots and `strata graph --format plan`.
    pub fn render(&self) -> String {
        let mut s = format!("flow {}\n", self.flow);
        self.graph.render_into(&mut s, 1);
        s
    }
}

/// One definition (a flow, or a Loop body) as a DAG.
#[derive(Debug, Clone)]
pub struct PlanGraph {
    /// Nodes and the connections between them.
    graph: StableDiGraph<PlanNode, PlanEdge>,
    /// Node name → index.
    by_name: HashMap<String, NodeIndex>,
    /// All nodes in a topological order.
    order: Vec<NodeIndex>,
}

/// A connection in the plan.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanEdge {
    Data { output: String, input: Arc<str> },
    Conditional { condition: String },
}

/// A node with everything the executor needs resolved.
#[derive(Debug, Clone)]
pub struct PlanNode {
    pub node: FlowNode,
    /// The node's name, shared by the events that name it (`nextInput`s) instead of copied.
    pub name: Arc<str>,
    pub kind: NodeType,
    /// Each declared input and where its value comes from.
    pub inputs: Vec<InputWiring>,
    /// The node runs only when one of these conditions was the one chosen (empty: always).
    pub gates: Vec<Gate>,
    /// The Iterators whose items this node runs per, outermost first.
    pub iterators: Vec<String>,
    /// For a Loop node, its body.
    pub body: Option<Box<PlanGraph>>,
    /// Each output, declared or wired, with the inputs it feeds: what a `nodeOutputTrace`
    /// says of it, built the first time the node's outputs are reported
    /// ([`PlanGraph::outputs`]) and shared by every event after (compiling does not pay).
    pub outputs: OnceLock<Vec<PlanOutput>>,
}

/// One output of a node as its `nodeOutputTrace` names it.
#[derive(Debug, Clone)]
pub struct PlanOutput {
    pub name: Arc<str>,
    /// The inputs of other nodes it feeds through Data connections (`next`).
    pub next: Arc<[NextInput]>,
}

/// Where one input's value comes from.
#[derive(Debug, Clone)]
pub struct InputWiring {
    pub name: Arc<str>,
    pub data_type: DataType,
    pub expression: InputExpression,
    /// The expression as the trace shows it (`nodeInputTrace`'s `source.expression`),
    /// rendered once here rather than each time the node runs.
    pub expression_text: Arc<str>,
    pub category: Option<InputCategory>,
    pub source: InputSource,
}

/// The source of an input.
#[derive(Debug, Clone, PartialEq)]
pub enum InputSource {
    /// An output of another node, through a Data connection.
    Output { node: Arc<str>, output: Arc<str> },
    /// The value a Condition node forwards along a Conditional connection: the value
    /// arriving at the Condition node's input `input`.
    Forwarded {
        condition_node: Arc<str>,
        input: Arc<str>,
    },
}

/// A conditional connection into a node.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub condition_node: String,
    pub condition: String,
}

impl PlanGraph {
    pub(crate) fn new() -> PlanGraph {
        PlanGraph {
            graph: StableDiGraph::new(),
            by_name: HashMap::new(),
            order: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, node: PlanNode) -> PlanNodeId {
        let name = node.node.name.clone();
        let ix = self.graph.add_node(node);
        self.by_name.insert(name, ix);
        PlanNodeId(ix)
    }

    pub(crate) fn connect(&mut self, from: PlanNodeId, to: PlanNodeId, edge: PlanEdge) {
        self.graph.add_edge(from.0, to.0, edge);
    }

    pub(crate) fn node_mut(&mut self, id: PlanNodeId) -> &mut PlanNode {
        &mut self.graph[id.0]
    }

    /// Sorts the graph; `Err` names the nodes on a cycle.
    pub(crate) fn sort(&mut self) -> Result<(), Vec<String>> {
        match petgraph::algo::toposort(&self.graph, None) {
            Ok(order) => {
                self.order = order;
                Ok(())
            }
            Err(cycle) => Err(vec![self.graph[cycle.node_id()].node.name.clone()]),
        }
    }

    /// Node `id`'s [`PlanOutput`]s: its declared outputs, then any other output a Data
    /// connection reads, each with the inputs it feeds in connection order.
    pub fn outputs(&self, id: PlanNodeId) -> &[PlanOutput] {
        self.node(id).outputs.get_or_init(|| {
            let mut names: Vec<&str> = self
                .node(id)
                .node
                .outputs
                .iter()
                .map(|o| o.name.as_str())
                .collect();
            for (_, edge) in self.successors(id) {
                if let PlanEdge::Data { output, .. } = edge {
                    if !names.contains(&output.as_str()) {
                        names.push(output);
                    }
                }
            }
            names
                .into_iter()
                .map(|name| PlanOutput {
                    name: name.into(),
                    next: self.next_inputs(id, name).collect(),
                })
                .collect()
        })
    }

    /// The inputs `output` of node `id` feeds, in connection order.
    pub fn next_inputs<'a>(
        &'a self,
        id: PlanNodeId,
        output: &'a str,
    ) -> impl Iterator<Item = NextInput> + 'a {
        self.successors(id)
            .filter_map(move |(to, edge)| match edge {
                PlanEdge::Data {
                    output: from,
                    input,
                } if from == output => Some(NextInput {
                    node_name: self.node(to).name.clone(),
                    input_field_name: input.clone(),
                }),
                PlanEdge::Data { .. } | PlanEdge::Conditional { .. } => None,
            })
    }

    pub fn id(&self, name: &str) -> Option<PlanNodeId> {
        self.by_name.get(name).copied().map(PlanNodeId)
    }

    pub fn node(&self, id: PlanNodeId) -> &PlanNode {
        &self.graph[id.0]
    }

    pub fn by_name(&self, name: &str) -> Option<&PlanNode> {
        self.id(name).map(|id| self.node(id))
    }

    /// Node ids in topological order.
    pub fn order(&self) -> impl Iterator<Item = PlanNodeId> + '_ {
        self.order.iter().copied().map(PlanNodeId)
    }

    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// The nodes that take an output of `id`, with the connection.
    pub fn successors(&self, id: PlanNodeId) -> impl Iterator<Item = (PlanNodeId, &PlanEdge)> + '_ {
        use petgraph::visit::EdgeRef;
        self.graph
            .edges(id.0)
            .map(|e| (PlanNodeId(e.target()), e.weight()))
    }

    /// The nodes of the given kind.
    pub fn of_kind(&self, kind: NodeType) -> impl Iterator<Item = PlanNodeId> + '_ {
        self.order
            .iter()
            .copied()
            .filter(move |ix| self.graph[*ix].kind == kind)
            .map(PlanNodeId)
    }

    fn render_into(&self, s: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        for (i, ix) in self.order.iter().enumerate() {
            let n = &self.graph[*ix];
            let _ = write!(
                s,
                "{pad}{}. {} [{}]",
                i + 1,
                n.node.name,
                n.kind.as_str_static()
            );
            if !n.iterators.is_empty() {
                let _ = write!(s, " per item of {}", n.iterators.join(" › "));
            }
            for g in &n.gates {
                let _ = write!(s, " if {}.{}", g.condition_node, g.condition);
            }
            s.push('\n');
            for w in &n.inputs {
                let src = match &w.source {
                    InputSource::Output { node, output } => format!("{node}.{output}"),
                    InputSource::Forwarded {
                        condition_node,
                        input,
                    } => format!("{condition_node}⇢{input}"),
                };
                let cat = w.category.map(|c| format!(" ({c})")).unwrap_or_default();
                let _ = writeln!(
                    s,
                    "{pad}   {}: {} ← {src} {}{cat}",
                    w.name, w.data_type, w.expression
                );
            }
            if let Some(body) = &n.body {
                let _ = writeln!(s, "{pad}   body:");
                body.render_into(s, depth + 2);
            }
        }
    }
}

impl NodeType {
    fn as_str_static(self) -> &'static str {
        crate::model::lenient::StrEnum::as_str(self)
    }
}
