//! Names: the checks a node, port or agent name must pass, and free names for new nodes and
//! connections.

use super::EditError;
use crate::model::names::Pattern;
use crate::model::{Flow, FlowConnection};
use std::collections::BTreeSet;

/// The name a new connection gets, in the one style the templates use: `{source}To{target}{Input}`
/// for Data (`FlowInputToClassifyMessage`), `{source}{Condition}To{target}` for Conditional
/// (`RouteIsBugToDocsAnswer`). Cut to the longest name Bedrock's `FlowConnectionName` takes.
pub(super) fn default_connection_name(c: &FlowConnection) -> String {
    let name = match (c.data_ports(), c.condition()) {
        (Some(d), _) => format!("{}To{}{}", c.source, c.target, capitalised(&d.target_input)),
        (None, Some(cond)) => format!("{}{}To{}", c.source, capitalised(cond), c.target),
        (None, None) => format!("{}To{}", c.source, c.target),
    };
    fit_connection_name(&name, 0)
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The most letters and digits `FlowConnectionName` holds (`[a-zA-Z]([_]?[0-9a-zA-Z]){1,100}`).
const CONNECTION_NAME_ALNUM: usize = 101;

/// `name` cut so that it and `room` more digits still match `FlowConnectionName`. Names joined
/// from node and port names only ever hold single underscores between letters and digits.
fn fit_connection_name(name: &str, room: usize) -> String {
    let mut alnum = 0;
    let mut out = String::new();
    for ch in name.chars() {
        if ch != '_' {
            if alnum + room == CONNECTION_NAME_ALNUM {
                break;
            }
            alnum += 1;
        }
        out.push(ch);
    }
    out.trim_end_matches('_').to_owned()
}

/// `base`, or `base2`, `base3`, … : the first that no node of the flow (or `also`) has.
pub fn unique_name(f: &Flow, base: &str, also: &BTreeSet<String>) -> String {
    numbered(base, |n| {
        also.contains(n) || f.definition.all_nodes().iter().any(|(_, x)| x.name == n)
    })
}

/// `base`, or `base2`, `base3`, … : the first that is not `taken`.
pub(super) fn numbered(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|i| format!("{base}{i}"))
        .find(|n| !taken(n))
        .expect("some number is free")
}

pub(super) fn unique_connection_name(f: &Flow, base: &str) -> String {
    let taken = |n: &str| f.definition.connections.iter().any(|c| c.name == n);
    let base = fit_connection_name(base, 0);
    if !taken(&base) {
        return base;
    }
    (2_usize..)
        .map(|i| {
            let digits = i.to_string();
            format!("{}{digits}", fit_connection_name(&base, digits.len()))
        })
        .find(|n| !taken(n))
        .expect("some number is free")
}

pub(super) fn check_node_name(name: &str) -> Result<(), EditError> {
    check_pattern(name, Pattern::NodeName)
}

pub(super) fn check_port_name(name: &str) -> Result<(), EditError> {
    check_node_name(name)
}

/// Bedrock's resource names: agents and flows.
pub(super) fn check_resource_name(name: &str) -> Result<(), EditError> {
    check_pattern(name, Pattern::ResourceName)
}

fn check_pattern(name: &str, pattern: Pattern) -> Result<(), EditError> {
    if pattern.matches(name) {
        Ok(())
    } else {
        Err(EditError::InvalidName {
            name: name.to_owned(),
            why: pattern.describe().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::testing::*;

    /// Connections the editor makes are named in the templates' one style.
    #[test]
    fn generated_connection_names_follow_the_templates_style() {
        let mut doc = triage();
        let mut h = History::default();
        let f = flow();
        h.apply(
            &mut doc,
            &Command::Disconnect {
                flow: f.clone(),
                connection: "ClassifyToRouteKind".into(),
            },
        )
        .unwrap();
        h.apply(
            &mut doc,
            &Command::Connect {
                flow: f.clone(),
                source: "Classify".into(),
                output: "modelCompletion".into(),
                target: "Route".into(),
                input: "kind".into(),
            },
        )
        .unwrap();
        let conns = &doc.flow(&f).unwrap().definition.connections;
        assert!(
            conns.iter().any(|c| c.name == "ClassifyToRouteKind"),
            "{conns:?}"
        );
        let cond = conns
            .iter()
            .find(|c| c.condition().is_some())
            .expect("the template routes by condition")
            .clone();
        assert_eq!(default_connection_name(&cond), cond.name);

        // Names joined from long node names still match Bedrock's pattern, suffix included.
        let long = "N".repeat(100);
        let c = FlowConnection::data(&long, "out", &long, "in");
        let name = default_connection_name(&c);
        assert!(Pattern::ConnectionName.matches(&name), "{name}");
        let mut flow = doc.flows[0].clone();
        flow.definition.connections.push(FlowConnection {
            name: name.clone(),
            ..c
        });
        let again = unique_connection_name(&flow, &name);
        assert!(
            again != name && Pattern::ConnectionName.matches(&again),
            "{again}"
        );
    }
}
