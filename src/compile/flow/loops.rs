//! The loops pass: each Loop body's LoopInput and LoopController nodes and their ports.

use super::Definition;
use crate::compile::plan::PlanGraph;
use crate::diagnostic::{Code, Diagnostics, Location, Severity};
use crate::model::flow::{FlowDefinition, FlowNode, InputCategory};
use crate::model::lenient::Lenient;
use crate::nodes::{NodeConfiguration, NodeType};
use std::collections::HashMap;

impl<'a> Definition<'a> {
    /// Checks each Loop's body and its ports; returns the body plans by node index.
    pub(super) fn check_loops(&self, out: &mut Diagnostics) -> HashMap<usize, PlanGraph> {
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
    pub(super) fn check_loop_ports(
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
}
