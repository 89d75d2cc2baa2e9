//! Building the plan of a flow that checked cleanly: nodes, wiring, gates and edges.

use super::{Definition, Edge, EdgeKind};
use crate::compile::plan::{Gate, InputSource, InputWiring, PlanEdge, PlanGraph, PlanNode};
use crate::expr::InputExpression;
use crate::model::lenient::Lenient;
use crate::nodes::NodeType;
use std::collections::HashMap;

impl<'a> Definition<'a> {
    pub(super) fn build(
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
                        node: self.def.nodes[*from].name.as_str().into(),
                        output: (*output).into(),
                    },
                    _ => match forwarded.get(&(i, k)) {
                        Some((from, name)) => InputSource::Forwarded {
                            condition_node: self.def.nodes[*from].name.as_str().into(),
                            input: name.as_str().into(),
                        },
                        None => return None,
                    },
                };
                let expression = expr?;
                inputs.push(InputWiring {
                    name: input.name.as_str().into(),
                    data_type: input.data_type.get()?,
                    expression_text: expression.to_string().into(),
                    expression,
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
                name: node.name.as_str().into(),
                node: node.clone(),
                kind,
                inputs,
                gates,
                iterators: Vec::new(),
                body,
                outputs: std::sync::OnceLock::new(),
            }));
        }
        for e in edges {
            let edge = match e.kind {
                EdgeKind::Data { output, input } => PlanEdge::Data {
                    output: output.to_owned(),
                    input: input.into(),
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
