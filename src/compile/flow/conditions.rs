//! The conditions pass: a Condition node's conditions, their expressions and the connections
//! that leave by them.

use super::MAX_EXPRESSION;
use super::{Definition, Edge, EdgeKind};
use crate::compile::DistinctNames;
use crate::condition::{parse_condition, ConditionProblemKind};
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::nodes::condition::{FlowCondition, DEFAULT_CONDITION};
use crate::nodes::{NodeConfiguration, NodeType};
use std::collections::HashMap;

impl<'a> Definition<'a> {
    pub(super) fn check_conditions(&self, edges: &[Edge<'a>], out: &mut Diagnostics) {
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
            let mut names = DistinctNames::new("conditions");
            for cond in &config.conditions {
                let cat = at.condition(&cond.name);
                names.check(&cond.name, &cat, out);
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

    pub(super) fn check_condition_expression(
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
}
