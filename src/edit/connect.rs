//! Connections: whether a Data or Conditional connection may be made, and condition-list edits
//! that carry their conditional connections along.

use super::command::Applied;
use super::names::{check_port_name, default_connection_name, unique_connection_name};
use super::{flow_mut, flow_ref, node_ref, EditError};
use crate::expr::{parse_input_expression, TypeOutcome};
use crate::model::lenient::Lenient;
use crate::model::{Flow, FlowConnection, FlowNode, Project};
use crate::nodes::condition::{ConditionConfiguration, FlowCondition};
use crate::nodes::NodeConfiguration;
use std::collections::BTreeMap;

/// Whether a Data connection may be made, and the connection if so. Same type rule as the compiler.
pub fn check_data_connection(
    f: &Flow,
    source: &str,
    output: &str,
    target: &str,
    input: &str,
) -> Result<FlowConnection, EditError> {
    let (s, t) = ends(f, source, target)?;
    let out = s.output(output).ok_or_else(|| EditError::UnknownOutput {
        node: source.to_owned(),
        output: output.to_owned(),
    })?;
    let inp = t.input(input).ok_or_else(|| EditError::UnknownInput {
        node: target.to_owned(),
        input: input.to_owned(),
    })?;
    if let Some(c) = f
        .definition
        .connections
        .iter()
        .find(|c| c.target == target && c.data_ports().is_some_and(|d| d.target_input == input))
    {
        return Err(EditError::InputAlreadyFed {
            node: target.to_owned(),
            input: input.to_owned(),
            connection: c.name.clone(),
        });
    }
    if let (Lenient::Known(src), Lenient::Known(dst), Ok(expr)) = (
        &out.data_type,
        &inp.data_type,
        parse_input_expression(&inp.expression),
    ) {
        match expr.result_type(*src) {
            TypeOutcome::Exactly(ty) if ty != *dst => {
                let via = if expr.is_whole_value() {
                    String::new()
                } else {
                    format!(" through {expr}")
                };
                return Err(EditError::IncompatibleTypes {
                    message: format!(
                        "{source}.{output} gives {ty}{via}, but input {input:?} of {target:?} is {dst}"
                    ),
                });
            }
            TypeOutcome::Impossible(why) => {
                return Err(EditError::IncompatibleTypes {
                    message: format!(
                        "expression {expr} of {target}.{input} cannot apply to the {src} from {source}.{output}: {why}"
                    ),
                });
            }
            TypeOutcome::Exactly(_) | TypeOutcome::Unknown => {}
        }
    }
    Ok(named(
        f,
        FlowConnection::data(source, output, target, input),
    ))
}

/// Whether a Conditional connection may be made, and the connection if so.
pub fn check_conditional_connection(
    f: &Flow,
    source: &str,
    condition: &str,
    target: &str,
) -> Result<FlowConnection, EditError> {
    let (s, _) = ends(f, source, target)?;
    let c = condition_of(s)?;
    if !c.conditions.iter().any(|k| k.name == condition) {
        return Err(EditError::UnknownCondition {
            node: source.to_owned(),
            condition: condition.to_owned(),
        });
    }
    if f.definition
        .connections
        .iter()
        .any(|k| k.source == source && k.target == target && k.condition() == Some(condition))
    {
        return Err(EditError::DuplicateConnection {
            source_node: source.to_owned(),
            condition: condition.to_owned(),
            target: target.to_owned(),
        });
    }
    Ok(named(
        f,
        FlowConnection::conditional(source, condition, target),
    ))
}

/// The two ends of a new connection: both nodes exist and they differ.
fn ends<'f>(
    f: &'f Flow,
    source: &str,
    target: &str,
) -> Result<(&'f FlowNode, &'f FlowNode), EditError> {
    let s = node_ref(f, source)?;
    let t = node_ref(f, target)?;
    if source == target {
        return Err(EditError::SelfConnection);
    }
    Ok((s, t))
}

/// A new connection with its default name, made unique in the flow.
fn named(f: &Flow, mut conn: FlowConnection) -> FlowConnection {
    conn.name = unique_connection_name(f, &default_connection_name(&conn));
    conn
}

/// The configuration of a Condition node.
fn condition_of(n: &FlowNode) -> Result<&ConditionConfiguration, EditError> {
    match &n.configuration {
        Some(NodeConfiguration::Condition(c)) => Ok(c),
        _ => Err(EditError::NotACondition {
            node: n.name.clone(),
        }),
    }
}

pub(super) fn set_conditions(
    project: &mut Project,
    flow: &str,
    node: &str,
    conditions: &[FlowCondition],
) -> Result<Applied, EditError> {
    let f = flow_ref(project, flow)?;
    let old = condition_of(node_ref(f, node)?)?;
    for c in conditions {
        check_port_name(&c.name)?;
    }
    // Old name → new name, by index; `None` when the condition is gone.
    let renames: BTreeMap<String, Option<String>> = old
        .conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let kept = conditions.iter().any(|k| k.name == c.name);
            let new = if kept {
                Some(c.name.clone())
            } else {
                conditions
                    .get(i)
                    .filter(|k| !old.conditions.iter().any(|o| o.name == k.name))
                    .map(|k| k.name.clone())
            };
            (c.name.clone(), new)
        })
        .collect();
    let f = flow_mut(project, flow)?;
    if let Some(NodeConfiguration::Condition(c)) = f
        .definition
        .node_mut(node)
        .and_then(|n| n.configuration.as_mut())
    {
        c.conditions = conditions.to_vec();
    }
    let mut kept = Vec::new();
    for mut c in std::mem::take(&mut f.definition.connections) {
        if c.source == node {
            if let Some(cond) = c.condition().map(str::to_owned) {
                match renames.get(&cond) {
                    Some(Some(new)) if *new != cond => {
                        let default_name = default_connection_name(&c);
                        c.configuration =
                            FlowConnection::conditional(node, new, &c.target).configuration;
                        if c.name == default_name {
                            c.name = default_connection_name(&c);
                        }
                    }
                    Some(None) => continue,
                    Some(Some(_)) | None => {}
                }
            }
        }
        kept.push(c);
    }
    f.definition.connections = kept;
    Ok(Applied::selecting(vec![node.to_owned()]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::testing::*;
    use crate::model::{DataType, FlowNodeInput};

    #[test]
    fn connect_refuses_with_a_reason() {
        let base = triage();
        // Free an input, then connect it back.
        let conn = base.flows[0]
            .definition
            .connections
            .iter()
            .find(|c| c.target == "Route")
            .unwrap()
            .clone();
        let d = conn.data_ports().unwrap().clone();
        let reconnect = || Command::Connect {
            flow: flow(),
            source: conn.source.clone(),
            output: d.source_output.clone(),
            target: "Route".into(),
            input: d.target_input.clone(),
        };
        let freed = check(
            base.clone(),
            Command::Disconnect {
                flow: flow(),
                connection: conn.name.clone(),
            },
        );
        let back = check(freed.clone(), reconnect());
        assert!(!crate::compile::compile(&back)
            .diagnostics
            .iter()
            .any(|x| x.code == crate::diagnostic::Code::UnfulfilledNodeInput));
        // Already fed.
        let e = refuse(&base, reconnect());
        assert!(matches!(e, EditError::InputAlreadyFed { .. }), "{e}");
        // Unknown ports.
        let e = refuse(
            &freed,
            Command::Connect {
                flow: flow(),
                source: conn.source.clone(),
                output: "nope".into(),
                target: "Route".into(),
                input: d.target_input.clone(),
            },
        );
        assert!(matches!(e, EditError::UnknownOutput { .. }));
        let e = refuse(
            &freed,
            Command::Connect {
                flow: flow(),
                source: conn.source.clone(),
                output: d.source_output.clone(),
                target: "Route".into(),
                input: "nope".into(),
            },
        );
        assert!(matches!(e, EditError::UnknownInput { .. }));
        // Incompatible types: make the freed input a Number.
        let mut numeric = freed.clone();
        let mut h = History::default();
        h.apply(
            &mut numeric,
            &Command::SetInputs {
                flow: flow(),
                node: "Route".into(),
                inputs: vec![FlowNodeInput::new(&d.target_input, DataType::Number)],
            },
        )
        .unwrap();
        let e = refuse(&numeric, reconnect());
        assert!(matches!(e, EditError::IncompatibleTypes { .. }), "{e}");
        assert!(e.to_string().contains("is Number"), "{e}");
    }

    #[test]
    fn conditional_connections() {
        let doc = check(
            triage(),
            Command::ConnectCondition {
                flow: flow(),
                source: "Route".into(),
                condition: "isBug".into(),
                target: "OtherReply".into(),
            },
        );
        assert!(doc.flows[0]
            .definition
            .connections
            .iter()
            .any(|c| c.condition() == Some("isBug") && c.target == "OtherReply"));
        let e = refuse(
            &triage(),
            Command::ConnectCondition {
                flow: flow(),
                source: "Classify".into(),
                condition: "isBug".into(),
                target: "OtherReply".into(),
            },
        );
        assert!(matches!(e, EditError::NotACondition { .. }));
        let e = refuse(
            &triage(),
            Command::ConnectCondition {
                flow: flow(),
                source: "Route".into(),
                condition: "nope".into(),
                target: "OtherReply".into(),
            },
        );
        assert!(matches!(e, EditError::UnknownCondition { .. }));
    }

    #[test]
    fn condition_list_edits_carry_connections() {
        let conds =
            |doc: &Project| match &doc.flows[0].definition.node("Route").unwrap().configuration {
                Some(NodeConfiguration::Condition(c)) => c.conditions.clone(),
                _ => panic!(),
            };
        let set = |conditions| {
            let node = "Route".into();
            check(
                triage(),
                Command::SetConditions {
                    flow: flow(),
                    node,
                    conditions,
                },
            )
        };
        let mut list = conds(&triage());
        list[0].name = "isDefect".into();
        list[0].expression = Some("kind == \"DEFECT\"".into());
        let doc = set(list);
        let f = &doc.flows[0].definition;
        assert!(f
            .connections
            .iter()
            .any(|c| c.condition() == Some("isDefect")));
        assert!(!f.connections.iter().any(|c| c.condition() == Some("isBug")));
        // Removing a condition removes its connections.
        let mut list = conds(&triage());
        list.remove(1);
        let doc = set(list);
        assert!(!doc.flows[0]
            .definition
            .connections
            .iter()
            .any(|c| c.condition() == Some("isBilling")));
        let e = refuse(
            &triage(),
            Command::SetConditions {
                flow: flow(),
                node: "Classify".into(),
                conditions: vec![],
            },
        );
        assert!(matches!(e, EditError::NotACondition { .. }));
    }
}
