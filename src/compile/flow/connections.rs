//! The connections pass: each connection's ends, configuration and data types.

use super::{conditions_of, port_hint, Definition, Edge, EdgeKind};
use crate::diagnostic::{Code, Diagnostics};
use crate::expr::{InputExpression, TypeOutcome};
use crate::model::flow::{ConnectionConfiguration, ConnectionType, FlowNode};
use crate::model::lenient::Lenient;
use crate::model::DataType;
use crate::nodes::NodeType;
use std::collections::HashSet;

impl<'a> Definition<'a> {
    pub(super) fn check_connections(
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
    pub(super) fn check_types(
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
}
