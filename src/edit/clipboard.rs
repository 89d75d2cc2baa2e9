//! Copy, paste and duplicate: nodes with the connections among them and their positions.

use super::command::Applied;
use super::names::{default_connection_name, unique_connection_name, unique_name};
use super::{flow_mut, flow_ref, position, set_position, EditError};
use crate::model::names::Pattern;
use crate::model::{FlowConnection, FlowNode, Position, Project};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Copied nodes, as put on the clipboard: the nodes, the connections between them, positions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clipboard {
    pub nodes: Vec<FlowNode>,
    #[serde(default)]
    pub connections: Vec<FlowConnection>,
    #[serde(default)]
    pub positions: BTreeMap<String, Position>,
}

/// The nodes named in `names` of `flow`, with the connections among them, for the clipboard.
pub fn copy(project: &Project, flow: &str, names: &[String]) -> Result<Clipboard, EditError> {
    let f = flow_ref(project, flow)?;
    let wanted: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let mut clip = Clipboard::default();
    for name in names {
        let node = f
            .definition
            .node(name)
            .ok_or_else(|| EditError::UnknownNode { node: name.clone() })?;
        clip.nodes.push(node.clone());
        if let Some(p) = position(project, flow, name) {
            clip.positions.insert(name.clone(), p);
        }
    }
    clip.connections = f
        .definition
        .connections
        .iter()
        .filter(|c| wanted.contains(c.source.as_str()) && wanted.contains(c.target.as_str()))
        .cloned()
        .collect();
    Ok(clip)
}

/// Copies `nodes` and the connections between them, shifted by `offset`.
pub(super) fn duplicate(
    project: &mut Project,
    flow: &str,
    nodes: &[String],
    offset: Position,
) -> Result<Applied, EditError> {
    let mut clip = copy(project, flow, nodes)?;
    for (i, n) in clip.nodes.iter().enumerate() {
        let p = clip.positions.get(&n.name).copied().unwrap_or(Position {
            x: 40.0 * i as f64,
            y: 40.0 * i as f64,
        });
        clip.positions.insert(
            n.name.clone(),
            Position {
                x: p.x + offset.x,
                y: p.y + offset.y,
            },
        );
    }
    paste(project, flow, clip, None)
}

/// Pastes a [`Clipboard`] given as JSON, its top-left node at `at`.
pub(super) fn paste_json(
    project: &mut Project,
    flow: &str,
    json: &str,
    at: Position,
) -> Result<Applied, EditError> {
    let clip: Clipboard = serde_json::from_str(json).map_err(|e| EditError::BadClipboard {
        message: e.to_string(),
    })?;
    if clip.nodes.is_empty() {
        return Err(EditError::BadClipboard {
            message: "the clipboard holds no nodes".to_owned(),
        });
    }
    paste(project, flow, clip, Some(at))
}

/// Adds the clipboard's nodes under free names, with their inner connections, shifted so the
/// top-left node sits at `at` (or where they were).
fn paste(
    project: &mut Project,
    flow: &str,
    clip: Clipboard,
    at: Option<Position>,
) -> Result<Applied, EditError> {
    let f = flow_ref(project, flow)?;
    let mut taken = BTreeSet::new();
    let mut renames = BTreeMap::new();
    for n in &clip.nodes {
        let base: String = n
            .name
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_owned();
        let base = if Pattern::NodeName.matches(&base) {
            base
        } else {
            n.node_type.as_str().to_owned()
        };
        let name = unique_name(f, &base, &taken);
        taken.insert(name.clone());
        renames.insert(n.name.clone(), name);
    }
    // Positions: kept relative to each other; moved so the top-left one sits at `at`.
    let min = clip
        .positions
        .values()
        .fold(None, |m: Option<Position>, p| {
            Some(match m {
                None => *p,
                Some(m) => Position {
                    x: m.x.min(p.x),
                    y: m.y.min(p.y),
                },
            })
        });
    let shift = match (at, min) {
        (Some(at), Some(min)) => Position {
            x: at.x - min.x,
            y: at.y - min.y,
        },
        _ => Position { x: 0.0, y: 0.0 },
    };
    let mut new_conns = Vec::new();
    for c in &clip.connections {
        let (Some(s), Some(t)) = (renames.get(&c.source), renames.get(&c.target)) else {
            continue;
        };
        let mut k = c.clone();
        k.source = s.clone();
        k.target = t.clone();
        k.name = default_connection_name(&k);
        new_conns.push(k);
    }
    let mut selection = Vec::new();
    let f = flow_mut(project, flow)?;
    for n in clip.nodes {
        let mut n = n;
        n.name = renames[&n.name].clone();
        selection.push(n.name.clone());
        f.definition.nodes.push(n);
    }
    for mut c in new_conns {
        c.name = unique_connection_name(f, &c.name);
        f.definition.connections.push(c);
    }
    for (old, p) in &clip.positions {
        if let Some(new) = renames.get(old) {
            set_position(
                project,
                flow,
                new,
                Position {
                    x: p.x + shift.x,
                    y: p.y + shift.y,
                },
            );
        }
    }
    Ok(Applied::selecting(selection))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::testing::*;

    #[test]
    fn duplicate_and_paste_copy_inner_connections() {
        let doc = check(
            triage(),
            Command::Duplicate {
                flow: flow(),
                nodes: vec!["Classify".into(), "Route".into()],
                offset: p(30.0, 30.0),
            },
        );
        let f = &doc.flows[0].definition;
        assert!(f.node("Classify2").is_some() && f.node("Route2").is_some());
        assert!(f
            .connections
            .iter()
            .any(|c| c.source == "Classify2" && c.target == "Route2"));
        let orig = position(&doc, "triage", "Classify").unwrap();
        assert_eq!(
            position(&doc, "triage", "Classify2"),
            Some(p(orig.x + 30.0, orig.y + 30.0))
        );
        let clip = copy(&triage(), "triage", &["Route".into()]).unwrap();
        let json = serde_json::to_string(&clip).unwrap();
        let doc = check(
            triage(),
            Command::Paste {
                flow: flow(),
                json,
                at: p(5.0, 6.0),
            },
        );
        assert_eq!(position(&doc, "triage", "Route2"), Some(p(5.0, 6.0)));
        let e = refuse(
            &triage(),
            Command::Paste {
                flow: flow(),
                json: "{not json".into(),
                at: p(0.0, 0.0),
            },
        );
        assert!(matches!(e, EditError::BadClipboard { .. }));
    }
}
