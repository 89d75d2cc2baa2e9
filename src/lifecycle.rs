//! Versions and aliases of a flow, as in Bedrock: an immutable numbered snapshot of a flow and
//! the agents it uses, and named aliases pointing at versions. The store keeps them; this
//! module says what a snapshot holds and compares two of them; `canvas` lays a comparison
//! out for one canvas, `listing` is what a front end shows of versions and aliases.

pub mod canvas;
pub mod listing;

pub use canvas::{flow_diff, FlowDiff, Mark};
pub use listing::{AliasInfo, AliasMove, FlowVersions, Side, VersionInfo, VersionOutcome};

use crate::model::{Agent, Flow, FlowConnection, FlowDefinition, FlowNode, KnowledgeBase, Project};
use crate::nodes::NodeConfiguration;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a version holds: the flow, and the project agents and knowledge bases it uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub flow: Flow,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<Agent>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub knowledge_bases: Vec<KnowledgeBase>,
}

/// The snapshot of `flow` in `project`, or `None` when the project has no such flow.
pub fn snapshot(project: &Project, flow: &str) -> Option<Snapshot> {
    let flow = project.flow(flow)?.clone();
    let mut agents: Vec<Agent> = Vec::new();
    for (_, node) in flow.definition.all_nodes() {
        if let Some(NodeConfiguration::Agent(c)) = &node.configuration {
            if let Some(name) = &c.project_agent {
                collect_agent(project, name, &mut agents);
            }
        }
    }
    let kb_names: Vec<&str> = agents
        .iter()
        .flat_map(|a| {
            a.knowledge_bases
                .iter()
                .map(|k| k.knowledge_base_id.as_str())
        })
        .chain(flow.definition.all_nodes().into_iter().filter_map(
            |(_, n)| match &n.configuration {
                Some(NodeConfiguration::KnowledgeBase(k)) => Some(k.knowledge_base_id.as_str()),
                _ => None,
            },
        ))
        .collect();
    let knowledge_bases = project
        .knowledge_bases
        .iter()
        .filter(|kb| {
            kb_names
                .iter()
                .any(|n| *n == kb.name || kb.knowledge_base_id.as_deref() == Some(n))
        })
        .cloned()
        .collect();
    Some(Snapshot {
        flow,
        agents,
        knowledge_bases,
    })
}

/// Adds an agent and, transitively, its project collaborators.
fn collect_agent(project: &Project, name: &str, out: &mut Vec<Agent>) {
    if out.iter().any(|a| a.agent_name == name) {
        return;
    }
    let Some(agent) = project.agent(name) else {
        return;
    };
    out.push(agent.clone());
    for c in &agent.collaborators {
        if let Some(sub) = &c.agent_descriptor.project_agent {
            collect_agent(project, sub, out);
        }
    }
}

/// The project a version runs as: the current project's settings (model profiles,
/// guardrails, other flows) with the version's flow, agents and knowledge bases.
pub fn project_at(base: &Project, snapshot: &Snapshot) -> Project {
    let mut p = base.clone();
    match p.flows.iter_mut().find(|f| f.name == snapshot.flow.name) {
        Some(f) => *f = snapshot.flow.clone(),
        None => p.flows.push(snapshot.flow.clone()),
    }
    for a in &snapshot.agents {
        match p.agents.iter_mut().find(|x| x.agent_name == a.agent_name) {
            Some(x) => *x = a.clone(),
            None => p.agents.push(a.clone()),
        }
    }
    for k in &snapshot.knowledge_bases {
        match p.knowledge_bases.iter_mut().find(|x| x.name == k.name) {
            Some(x) => *x = k.clone(),
            None => p.knowledge_bases.push(k.clone()),
        }
    }
    p
}

/// One difference between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "change")]
pub enum Change {
    Added {
        what: String,
        name: String,
    },
    Removed {
        what: String,
        name: String,
    },
    /// A field of a node, connection, agent or the flow changed.
    Changed {
        what: String,
        name: String,
        field: String,
        before: Value,
        after: Value,
    },
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added { what, name } => write!(f, "+ {what} {name}"),
            Change::Removed { what, name } => write!(f, "- {what} {name}"),
            Change::Changed {
                what,
                name,
                field,
                before,
                after,
            } => write!(
                f,
                "~ {what} {name}: {field}: {} → {}",
                short(before),
                short(after)
            ),
        }
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::Null => "(none)".to_owned(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// The structural difference from `a` to `b`: nodes, connections and agents added, removed
/// and changed field by field, in a stable order.
pub fn diff(a: &Snapshot, b: &Snapshot) -> Vec<Change> {
    let mut out = Vec::new();
    let flow_fields = |s: &Snapshot| {
        let mut v = serde_json::to_value(&s.flow).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.remove("definition");
            m.remove("samples");
        }
        v
    };
    fields(
        "flow",
        &a.flow.name,
        &flow_fields(a),
        &flow_fields(b),
        "",
        &mut out,
    );
    named(
        "node",
        by_name(nodes(&a.flow.definition)),
        by_name(nodes(&b.flow.definition)),
        &mut out,
    );
    named(
        "connection",
        by_name(connections(&a.flow.definition)),
        by_name(connections(&b.flow.definition)),
        &mut out,
    );
    named(
        "agent",
        by_name(a.agents.iter().map(|x| (x.agent_name.clone(), x))),
        by_name(b.agents.iter().map(|x| (x.agent_name.clone(), x))),
        &mut out,
    );
    out
}

/// The name a diff gives a node or connection: its own at the top level, `Loop/Name` inside
/// the body of Loop node `Loop` (a body may reuse a top-level name; `/` is in no node name).
pub fn item_key(loop_node: Option<&str>, name: &str) -> String {
    match loop_node {
        Some(parent) => format!("{parent}/{name}"),
        None => name.to_owned(),
    }
}

/// Every node of a flow, Loop bodies' too, by [`item_key`].
fn nodes(def: &FlowDefinition) -> impl Iterator<Item = (String, &FlowNode)> {
    def.all_nodes()
        .into_iter()
        .map(|(parent, n)| (item_key(parent, &n.name), n))
}

/// Every connection of a flow, Loop bodies' too, by [`item_key`].
fn connections(def: &FlowDefinition) -> impl Iterator<Item = (String, &FlowConnection)> {
    let top = def.connections.iter().map(|c| (c.name.clone(), c));
    let bodies = def
        .all_nodes()
        .into_iter()
        .filter_map(|(_, n)| match &n.configuration {
            Some(NodeConfiguration::Loop(l)) => Some((n.name.as_str(), &l.definition.connections)),
            _ => None,
        });
    let bodies = bodies
        .flat_map(|(parent, cs)| cs.iter().map(move |c| (item_key(Some(parent), &c.name), c)));
    top.chain(bodies)
}

fn by_name<T: Serialize>(items: impl Iterator<Item = (String, T)>) -> BTreeMap<String, Value> {
    items
        .map(|(name, item)| {
            let mut v = serde_json::to_value(item).unwrap_or(Value::Null);
            // A Loop's body nodes and connections are compared as items of their own.
            if let Some(def) = v.pointer_mut("/configuration/loop/definition") {
                *def = Value::String("(compared item by item)".to_owned());
            }
            (name, v)
        })
        .collect()
}

fn named(
    what: &str,
    a: BTreeMap<String, Value>,
    b: BTreeMap<String, Value>,
    out: &mut Vec<Change>,
) {
    for (name, va) in &a {
        match b.get(name) {
            None => out.push(Change::Removed {
                what: what.to_owned(),
                name: name.clone(),
            }),
            Some(vb) => fields(what, name, va, vb, "", out),
        }
    }
    for name in b.keys().filter(|n| !a.contains_key(*n)) {
        out.push(Change::Added {
            what: what.to_owned(),
            name: name.clone(),
        });
    }
}

/// Field-level differences, recursing through objects; arrays differ as a whole unless
/// they are of equal length, when they recurse element by element.
fn fields(what: &str, name: &str, a: &Value, b: &Value, path: &str, out: &mut Vec<Change>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            let keys: std::collections::BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
            for k in keys {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                fields(
                    what,
                    name,
                    ma.get(k).unwrap_or(&Value::Null),
                    mb.get(k).unwrap_or(&Value::Null),
                    &sub,
                    out,
                );
            }
        }
        (Value::Array(xa), Value::Array(xb)) if xa.len() == xb.len() => {
            for (i, (x, y)) in xa.iter().zip(xb).enumerate() {
                fields(what, name, x, y, &format!("{path}[{i}]"), out);
            }
        }
        _ => out.push(Change::Changed {
            what: what.to_owned(),
            name: name.to_owned(),
            field: if path.is_empty() {
                "(whole)".to_owned()
            } else {
                path.to_owned()
            },
            before: a.clone(),
            after: b.clone(),
        }),
    }
}

/// Template projects for the tests of versions (here, `canvas`, `session::versions`).
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::model::Project;

    /// The template `name` as project "t".
    pub(crate) fn template(name: &str) -> Project {
        crate::templates::instantiate(crate::templates::find(name).expect("template"), "t")
            .expect("loads")
    }

    pub(crate) fn triage() -> Project {
        template("support-triage")
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::triage;
    use super::*;

    #[test]
    fn a_snapshot_holds_the_flow_and_its_agents() {
        let s = snapshot(&triage(), "triage").expect("flow exists");
        assert_eq!(s.agents.len(), 1);
        assert_eq!(s.agents[0].agent_name, "BillingAgent");
        assert_eq!(s.knowledge_bases.len(), 1);
        assert!(snapshot(&triage(), "nope").is_none());
    }

    #[test]
    fn diff_names_nodes_connections_and_fields() {
        let p = triage();
        let a = snapshot(&p, "triage").expect("flow");
        let mut q = p.clone();
        let f = &mut q.flows[0].definition;
        f.nodes.retain(|n| n.name != "OtherReply");
        f.connections.retain(|c| c.target != "OtherReply");
        if let Some(NodeConfiguration::Condition(c)) =
            &mut f.node_mut("Route").expect("Route").configuration
        {
            c.conditions[0].expression = Some("kind == \"DEFECT\"".into());
        }
        q.agents[0].instruction = Some("x".repeat(50));
        let b = snapshot(&q, "triage").expect("flow");
        let text: Vec<String> = diff(&a, &b).iter().map(ToString::to_string).collect();
        assert!(text.contains(&"- node OtherReply".to_owned()), "{text:#?}");
        assert!(
            text.iter()
                .any(|t| t.starts_with("- connection RouteDefaultToOtherReply")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t
                    .starts_with("~ node Route: configuration.condition.conditions[0].expression")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("~ agent BillingAgent: instruction")),
            "{text:#?}"
        );
        assert!(diff(&a, &a).is_empty());
    }

    #[test]
    fn a_version_runs_with_its_own_flow() {
        let p = triage();
        let s = snapshot(&p, "triage").expect("flow");
        let mut changed = p.clone();
        changed.flows[0].definition.nodes.clear();
        let back = project_at(&changed, &s);
        assert_eq!(back.flows[0], p.flows[0]);
    }
}
