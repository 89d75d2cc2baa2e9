//! The graph pass: every input fed, every node reachable, no cycle outside a Loop, and
//! nothing crossing a Loop's boundary.

use super::{Definition, Edge, EdgeKind};
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::nodes::{NodeConfiguration, NodeType};
use petgraph::graph::DiGraph;
use std::collections::{HashMap, HashSet, VecDeque};

impl<'a> Definition<'a> {
    /// Reports inputs fed twice or not at all. Returns, per node, the inputs that take the
    /// value a Condition node forwards (gated node, input not fed by data).
    pub(super) fn check_fulfilment(
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

    /// Connections of this definition that reach into a Loop body, and connections of a
    /// Loop body that reach out of it: both are `InvalidLoopBoundary`.
    pub(super) fn check_boundaries(&self, out: &mut Diagnostics) {
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

    pub(super) fn check_graph(&self, edges: &[Edge<'a>], out: &mut Diagnostics) {
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

    pub(super) fn same_cycle(
        &self,
        g: &DiGraph<usize, usize>,
        ix: &[petgraph::graph::NodeIndex],
        e: &Edge,
    ) -> bool {
        petgraph::algo::has_path_connecting(g, ix[e.to], ix[e.from], None)
    }
}
