//! Two versions of a flow compared for one canvas: the nodes and connections of both sides
//! in one flow, each marked added, removed or changed, with the field-by-field changes.
//! Plain data, built for wasm too: the shell computes it, the editor page draws it.

use super::{diff, item_key, Change, Snapshot};
use crate::model::{Flow, FlowDefinition};
use crate::nodes::NodeConfiguration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a node or connection differs from the older side to the newer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mark {
    Added,
    Removed,
    Changed,
}

impl Mark {
    /// The CSS class and the word a front end shows.
    pub fn name(self) -> &'static str {
        match self {
            Mark::Added => "added",
            Mark::Removed => "removed",
            Mark::Changed => "changed",
        }
    }
}

/// A flow's two sides compared, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowDiff {
    /// The newer side's flow with the older side's removed nodes and connections put back
    /// (after the newer side's own, Loop bodies' in their body), so one canvas shows both sides.
    pub flow: Flow,
    /// Every difference, as [`diff`] lists them (nodes, connections, agents, the flow itself).
    pub changes: Vec<Change>,
    /// The nodes that differ, by [`item_key`] (a Loop body's as `Loop/Name`); a node not
    /// listed is the same.
    pub nodes: BTreeMap<String, Mark>,
    /// The connections that differ, by [`item_key`].
    pub connections: BTreeMap<String, Mark>,
}

impl FlowDiff {
    /// The changed fields of one node, in order.
    pub fn node_changes<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a Change> + 'a {
        self.changes.iter().filter(move |c| match c {
            Change::Changed { what, name, .. } => what == "node" && name == node,
            Change::Added { .. } | Change::Removed { .. } => false,
        })
    }
}

/// Puts the removed nodes and connections of `older` back into `into` (the newer side's
/// definition of the same level: the flow, or the body of Loop `parent`), after its own. A
/// removed Loop comes back with its whole body; a Loop on both sides gets its body's removed
/// items back the same way.
fn put_back(
    into: &mut FlowDefinition,
    older: &FlowDefinition,
    parent: Option<&str>,
    nodes: &BTreeMap<String, Mark>,
    connections: &BTreeMap<String, Mark>,
) {
    let removed = |marks: &BTreeMap<String, Mark>, name: &str| {
        marks.get(&item_key(parent, name)) == Some(&Mark::Removed)
    };
    for node in &older.nodes {
        if removed(nodes, &node.name) {
            into.nodes.push(node.clone());
        } else if let Some(NodeConfiguration::Loop(body)) = &node.configuration {
            let kept = into
                .node_mut(&node.name)
                .and_then(|n| match &mut n.configuration {
                    Some(NodeConfiguration::Loop(l)) => Some(&mut l.definition),
                    _ => None,
                });
            if let Some(kept) = kept {
                put_back(kept, &body.definition, Some(&node.name), nodes, connections);
            }
        }
    }
    for connection in &older.connections {
        if removed(connections, &connection.name) {
            into.connections.push(connection.clone());
        }
    }
}

/// The difference from `older` to `newer`, for the canvas.
pub fn flow_diff(older: &Snapshot, newer: &Snapshot) -> FlowDiff {
    let changes = diff(older, newer);
    let mut nodes = BTreeMap::new();
    let mut connections = BTreeMap::new();
    for change in &changes {
        let (what, name, mark) = match change {
            Change::Added { what, name } => (what, name, Mark::Added),
            Change::Removed { what, name } => (what, name, Mark::Removed),
            Change::Changed { what, name, .. } => (what, name, Mark::Changed),
        };
        let marks = match what.as_str() {
            "node" => &mut nodes,
            "connection" => &mut connections,
            _ => continue,
        };
        marks.insert(name.clone(), mark);
    }
    let mut flow = newer.flow.clone();
    put_back(
        &mut flow.definition,
        &older.flow.definition,
        None,
        &nodes,
        &connections,
    );
    FlowDiff {
        flow,
        changes,
        nodes,
        connections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::fixtures::triage;
    use crate::lifecycle::snapshot;
    use crate::model::Project;
    use crate::nodes::NodeConfiguration;

    /// The marks as `node Name: mark` lines, for exact comparison.
    fn marks(d: &FlowDiff) -> Vec<String> {
        let nodes = d
            .nodes
            .iter()
            .map(|(n, m)| format!("node {n}: {}", m.name()));
        let connections = d
            .connections
            .iter()
            .map(|(n, m)| format!("connection {n}: {}", m.name()));
        nodes.chain(connections).collect()
    }

    #[test]
    fn one_changed_node_is_the_only_mark() {
        let p = triage();
        let a = snapshot(&p, "triage").expect("flow");
        let mut q = p.clone();
        if let Some(NodeConfiguration::Condition(c)) = &mut q.flows[0]
            .definition
            .node_mut("Route")
            .expect("Route")
            .configuration
        {
            c.conditions[0].expression = Some("kind == \"DEFECT\"".into());
        }
        let d = flow_diff(&a, &snapshot(&q, "triage").expect("flow"));
        assert_eq!(marks(&d), vec!["node Route: changed"]);
        let fields: Vec<&str> = d
            .node_changes("Route")
            .filter_map(|c| match c {
                Change::Changed { field, .. } => Some(field.as_str()),
                Change::Added { .. } | Change::Removed { .. } => None,
            })
            .collect();
        assert_eq!(
            fields,
            vec!["configuration.condition.conditions[0].expression"]
        );
        assert_eq!(d.flow, q.flows[0]);
        assert_eq!(flow_diff(&a, &a).nodes.len(), 0);
    }

    #[test]
    fn removed_nodes_and_connections_stay_on_the_canvas_marked() {
        let p = triage();
        let mut q = p.clone();
        let f = &mut q.flows[0].definition;
        f.nodes.retain(|n| n.name != "OtherReply");
        f.connections.retain(|c| c.target != "OtherReply");
        let older = snapshot(&p, "triage").expect("flow");
        let newer = snapshot(&q, "triage").expect("flow");
        let d = flow_diff(&older, &newer);
        assert_eq!(d.nodes.get("OtherReply"), Some(&Mark::Removed));
        assert!(d.flow.definition.node("OtherReply").is_some());
        let removed: Vec<&String> = d
            .connections
            .iter()
            .filter(|(_, m)| **m == Mark::Removed)
            .map(|(n, _)| n)
            .collect();
        assert!(!removed.is_empty());
        for name in removed {
            assert!(d
                .flow
                .definition
                .connections
                .iter()
                .any(|c| &c.name == name));
        }
        // The other way round, the same node is added; nothing is put back.
        let back = flow_diff(&newer, &older);
        assert_eq!(back.nodes.get("OtherReply"), Some(&Mark::Added));
        assert_eq!(back.flow, p.flows[0]);
        // Through JSON and back, as the shell hands it to the page.
        let json = serde_json::to_string(&d).expect("serialises");
        let read: FlowDiff = serde_json::from_str(&json).expect("reads back");
        assert_eq!(read, d);
    }

    /// The body of Loop node `name` of the first flow.
    fn body<'a>(p: &'a mut Project, name: &str) -> &'a mut FlowDefinition {
        match &mut p.flows[0]
            .definition
            .node_mut(name)
            .expect("the Loop")
            .configuration
        {
            Some(NodeConfiguration::Loop(l)) => &mut l.definition,
            other => panic!("{name} is not a Loop: {other:?}"),
        }
    }

    #[test]
    fn a_changed_node_in_a_loop_body_is_marked_in_its_body() {
        let p = crate::lifecycle::fixtures::template("refine-loop");
        let older = snapshot(&p, "refine").expect("flow");
        let mut q = p.clone();
        let improve = body(&mut q, "Refine").node_mut("Improve").expect("Improve");
        improve.inputs[0].expression = "$.data.text".into();
        let d = flow_diff(&older, &snapshot(&q, "refine").expect("flow"));
        assert_eq!(marks(&d), vec!["node Refine/Improve: changed"]);
        let fields: Vec<String> = d
            .node_changes("Refine/Improve")
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            fields,
            vec![r#"~ node Refine/Improve: inputs[0].expression: "$.data" → "$.data.text""#]
        );

        // A body node removed: marked with its connections, and drawn back in its body.
        let mut r = p.clone();
        let def = body(&mut r, "Refine");
        def.nodes.retain(|n| n.name != "Review");
        def.connections
            .retain(|c| c.source != "Review" && c.target != "Review");
        let d = flow_diff(&older, &snapshot(&r, "refine").expect("flow"));
        assert_eq!(
            marks(&d),
            vec![
                "node Refine/Review: removed",
                "connection Refine/ImproveToReviewDraft: removed",
                "connection Refine/ReviewToLoopEndVerdict: removed",
            ]
        );
        let mut drawn = p.clone();
        drawn.flows[0] = d.flow.clone();
        let def = body(&mut drawn, "Refine");
        assert!(def.node("Review").is_some());
        for c in ["ImproveToReviewDraft", "ReviewToLoopEndVerdict"] {
            assert!(def.connections.iter().any(|x| x.name == c), "{c}");
        }
        // The other way round, the same items are added and nothing is put back.
        let back = flow_diff(&snapshot(&r, "refine").expect("flow"), &older);
        assert_eq!(back.nodes.get("Refine/Review"), Some(&Mark::Added));
        assert_eq!(back.flow, p.flows[0]);
    }
}
