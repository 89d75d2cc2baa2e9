//! Names: the checks a node, port or agent name must pass, and free names for new nodes and
//! connections.

use super::EditError;
use crate::model::names::Pattern;
use crate::model::{Flow, FlowConnection};
use std::collections::BTreeSet;

/// The name Bedrock's console gives a connection, from its current ends.
pub(super) fn default_connection_name(c: &FlowConnection) -> String {
    match (c.data_ports(), c.condition()) {
        (Some(d), _) => format!(
            "{}{}To{}{}",
            c.source, d.source_output, c.target, d.target_input
        ),
        (None, Some(cond)) => format!("{}{}To{}", c.source, cond, c.target),
        (None, None) => c.name.clone(),
    }
}

/// `base`, or `base2`, `base3`, … : the first that no node of the flow (or `also`) has.
pub fn unique_name(f: &Flow, base: &str, also: &BTreeSet<String>) -> String {
    let taken =
        |n: &str| also.contains(n) || f.definition.all_nodes().iter().any(|(_, x)| x.name == n);
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
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|i| format!("{base}{i}"))
        .find(|n| !taken(n))
        .expect("some number is free")
}

pub(super) fn check_node_name(name: &str) -> Result<(), EditError> {
    if Pattern::NodeName.matches(name) {
        Ok(())
    } else {
        Err(EditError::InvalidName {
            name: name.to_owned(),
            why: Pattern::NodeName.describe().to_owned(),
        })
    }
}

pub(super) fn check_port_name(name: &str) -> Result<(), EditError> {
    check_node_name(name)
}

pub(super) fn check_agent_name(name: &str) -> Result<(), EditError> {
    if Pattern::ResourceName.matches(name) {
        Ok(())
    } else {
        Err(EditError::InvalidName {
            name: name.to_owned(),
            why: Pattern::ResourceName.describe().to_owned(),
        })
    }
}
