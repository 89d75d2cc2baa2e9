//! The flow commands: add a flow, rename one (its canvas positions follow), delete one.
//!
//! Inside a project a flow is referred to by name only from the canvas section (flow name →
//! node positions); a rename moves that entry and a delete drops it, so nothing is left pointing
//! at a flow that is not there.

use super::command::Applied;
use super::names::{check_resource_name, default_connection_name, numbered};
use super::{flow_ref, EditError};
use crate::model::flow::Flow;
use crate::model::{FlowConnection, FlowNode, Position, Project};
use crate::nodes::NodeType;

/// A new flow named `name` (or `name2`, … when taken): an Input node wired to an Output node,
/// as the blank template starts.
pub(super) fn add_flow(project: &mut Project, name: &str) -> Result<Applied, EditError> {
    check_resource_name(name)?;
    let name = numbered(name, |n| project.flows.iter().any(|f| f.name == n));
    let input: FlowNode = (NodeType::Input.kind().new_node)("FlowInput");
    let output: FlowNode = (NodeType::Output.kind().new_node)("FlowOutput");
    let mut connections = Vec::new();
    if let (Some(o), Some(i)) = (input.outputs.first(), output.inputs.first()) {
        let mut c = FlowConnection::data(&input.name, &o.name, &output.name, &i.name);
        c.name = default_connection_name(&c);
        connections.push(c);
    }
    let canvas = [
        (input.name.clone(), Position { x: 80.0, y: 120.0 }),
        (output.name.clone(), Position { x: 420.0, y: 120.0 }),
    ]
    .into_iter()
    .collect();
    project.flows.push(Flow {
        name: name.clone(),
        description: None,
        execution_role_arn: None,
        customer_encryption_key_arn: None,
        definition: crate::model::FlowDefinition {
            nodes: vec![input, output],
            connections,
        },
        samples: vec![],
    });
    project.canvas.insert(name.clone(), canvas);
    Ok(Applied::showing(name))
}

/// Renames flow `from` to `to`, its canvas positions with it.
pub(super) fn rename_flow(
    project: &mut Project,
    from: &str,
    to: &str,
) -> Result<Applied, EditError> {
    flow_ref(project, from)?;
    if from != to {
        check_resource_name(to)?;
        if project.flow(to).is_some() {
            return Err(EditError::FlowNameTaken {
                name: to.to_owned(),
            });
        }
        if let Some(f) = project.flows.iter_mut().find(|f| f.name == from) {
            f.name = to.to_owned();
        }
        if let Some(c) = project.canvas.remove(from) {
            project.canvas.insert(to.to_owned(), c);
        }
    }
    Ok(Applied::showing(to.to_owned()))
}

/// Deletes flow `flow` and its canvas positions. The last flow stays: an editor shows a flow.
pub(super) fn delete_flow(project: &mut Project, flow: &str) -> Result<Applied, EditError> {
    flow_ref(project, flow)?;
    if project.flows.len() == 1 {
        return Err(EditError::LastFlow {
            flow: flow.to_owned(),
        });
    }
    let i = project
        .flows
        .iter()
        .position(|f| f.name == flow)
        .expect("checked above");
    project.flows.remove(i);
    project.canvas.remove(flow);
    let next = project.flows[i.min(project.flows.len() - 1)].name.clone();
    Ok(Applied::showing(next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::testing::*;

    #[test]
    fn add_flow_is_a_fresh_valid_flow_with_a_free_name() {
        let doc = check(
            triage(),
            Command::AddFlow {
                name: "triage".into(),
            },
        );
        let f = doc.flow("triage2").expect("a second flow, named apart");
        assert_eq!(f.definition.nodes.len(), 2);
        assert!(position(&doc, "triage2", "FlowInput").is_some());
        let compiled = crate::compile::compile(&doc);
        assert!(
            compiled
                .diagnostics
                .iter()
                .all(|d| d.location.flow.as_deref() != Some("triage2")),
            "{:?}",
            compiled.diagnostics
        );
        let e = refuse(
            &triage(),
            Command::AddFlow {
                name: "no spaces".into(),
            },
        );
        assert!(matches!(e, EditError::InvalidName { .. }));
    }

    #[test]
    fn rename_flow_takes_its_canvas_and_checks_the_name() {
        let mut h = History::default();
        let mut doc = triage();
        let applied = h
            .apply(
                &mut doc,
                &Command::RenameFlow {
                    from: flow(),
                    to: "support-v2".into(),
                },
            )
            .unwrap();
        assert_eq!(applied.flow.as_deref(), Some("support-v2"));
        assert!(doc.flow("triage").is_none() && doc.flow("support-v2").is_some());
        assert!(!doc.canvas.contains_key("triage"));
        assert!(position(&doc, "support-v2", "Classify").is_some());
        assert!(h.undo(&mut doc));
        assert_eq!(doc, triage());

        check(
            triage(),
            Command::RenameFlow {
                from: flow(),
                to: "support-v2".into(),
            },
        );
        let two = check(triage(), Command::AddFlow { name: "b".into() });
        let e = refuse(
            &two,
            Command::RenameFlow {
                from: "b".into(),
                to: flow(),
            },
        );
        assert!(matches!(e, EditError::FlowNameTaken { .. }));
        for bad in ["", "a b", "a__b", &"x".repeat(101)] {
            let e = refuse(
                &triage(),
                Command::RenameFlow {
                    from: flow(),
                    to: bad.to_owned(),
                },
            );
            assert!(matches!(e, EditError::InvalidName { .. }), "{bad:?}");
        }
        let e = refuse(
            &triage(),
            Command::RenameFlow {
                from: "nope".into(),
                to: "x".into(),
            },
        );
        assert!(matches!(e, EditError::UnknownFlow { .. }));
    }

    #[test]
    fn delete_flow_takes_its_canvas_and_keeps_the_last_flow() {
        let two = check(triage(), Command::AddFlow { name: "b".into() });
        let doc = check(two.clone(), Command::DeleteFlow { flow: flow() });
        assert_eq!(doc.flows.len(), 1);
        assert!(doc.flow("triage").is_none() && !doc.canvas.contains_key("triage"));
        let e = refuse(&triage(), Command::DeleteFlow { flow: flow() });
        assert!(matches!(e, EditError::LastFlow { .. }));
    }
}
