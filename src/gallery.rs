//! The gallery a new project starts from: every template and example, with what a card shows
//! (title, description, node kinds, whether it holds agents) and the project whose canvas its
//! thumbnail draws.
//!
//! Built from the projects embedded in [`crate::templates`]; the app's shell lists these and
//! the UI draws each thumbnail with its canvas geometry, so there is one drawing code.

use crate::model::{LoadError, Project};
use crate::templates::{Template, EXAMPLES, TEMPLATES};
use serde::Serialize;

/// Whether an entry is a template (`templates/`) or an example (`examples/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EntryKind {
    Template,
    Example,
}

/// One card of the gallery.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The template's or example's name: what opening it asks for.
    pub name: &'static str,
    /// The name for people: `support-triage` reads "Support triage".
    pub title: String,
    pub description: &'static str,
    pub kind: EntryKind,
    /// The node kinds its flows use (loop bodies included), each once, in the order met.
    pub node_kinds: Vec<String>,
    /// Whether it defines agents or calls one from a flow.
    pub has_agents: bool,
    /// The flow its thumbnail draws: the first.
    pub flow: Option<String>,
    /// The project, for its thumbnail (its canvas positions and connections).
    #[serde(skip)]
    pub project: Project,
}

/// `support-triage` → `Support triage`.
pub fn title(name: &str) -> String {
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn entry(starter: &'static Template, kind: EntryKind) -> Result<Entry, LoadError> {
    let project = crate::templates::instantiate(starter, starter.name)?;
    let mut node_kinds = Vec::new();
    let mut agent_node = false;
    for flow in &project.flows {
        for (_, node) in flow.definition.all_nodes() {
            let kind = node.node_type.as_str();
            agent_node |= node.kind() == Some(crate::nodes::NodeType::Agent);
            if !node_kinds.iter().any(|k| k == kind) {
                node_kinds.push(kind.to_owned());
            }
        }
    }
    Ok(Entry {
        name: starter.name,
        title: title(starter.name),
        description: starter.summary,
        kind,
        node_kinds,
        has_agents: agent_node || !project.agents.is_empty(),
        flow: project.flows.first().map(|f| f.name.clone()),
        project,
    })
}

/// Every template, then every example. Each is tested to load; one that did not would be
/// left out rather than break the gallery.
pub fn entries() -> Vec<Entry> {
    let templates = TEMPLATES.iter().map(|t| (t, EntryKind::Template));
    let examples = EXAMPLES.iter().map(|t| (t, EntryKind::Example));
    templates
        .chain(examples)
        .filter_map(|(t, kind)| entry(t, kind).ok())
        .collect()
}

/// The entry named `name`.
pub fn find(name: &str) -> Option<Entry> {
    let kind = if TEMPLATES.iter().any(|t| t.name == name) {
        EntryKind::Template
    } else {
        EntryKind::Example
    };
    entry(crate::templates::find_starter(name)?, kind).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn assert_no_errors(name: &str, compiled: &crate::compile::Compiled) {
        let errors: Vec<_> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }

    #[test]
    fn every_template_and_example_is_an_entry_that_loads_and_validates() {
        let all = entries();
        assert_eq!(all.len(), TEMPLATES.len() + EXAMPLES.len());
        for e in &all {
            assert_no_errors(e.name, &crate::compile::compile(&e.project));
            assert!(!e.description.is_empty(), "{}", e.name);
            assert!(!e.node_kinds.is_empty(), "{}", e.name);
            assert_eq!(
                e.flow.as_deref(),
                e.project.flows.first().map(|f| f.name.as_str())
            );
        }
        let support = find("customer-support").expect("the example");
        assert_eq!(support.kind, EntryKind::Example);
        assert!(support.has_agents);
        assert_eq!(support.title, "Customer support");
        let blank = find("blank").expect("the template");
        assert_eq!(blank.kind, EntryKind::Template);
        assert_eq!(blank.node_kinds, ["Input", "Output"]);
        assert!(!blank.has_agents);
        assert!(find("refine-loop")
            .expect("the template")
            .node_kinds
            .iter()
            .any(|k| k == "LoopController"));
        assert!(find("nope").is_none());
    }

    /// Each flow node's canvas position is in the project, so a thumbnail draws the real layout.
    #[test]
    fn every_node_has_its_place_on_the_canvas() {
        for e in entries() {
            for flow in &e.project.flows {
                for node in &flow.definition.nodes {
                    assert!(
                        crate::edit::position(&e.project, &flow.name, &node.name).is_some(),
                        "{}: {}/{} has no canvas position",
                        e.name,
                        flow.name,
                        node.name
                    );
                }
            }
        }
    }

    /// An example brings every file of its folder, so that it runs unsaved as it does saved.
    #[test]
    fn every_example_embeds_its_folder() {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("a folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else if let Ok(rel) = path.strip_prefix(root) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        for example in EXAMPLES {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples")
                .join(example.name);
            let mut on_disk = Vec::new();
            walk(&root, &root, &mut on_disk);
            on_disk.retain(|p| !p.ends_with(".strata.json"));
            on_disk.sort();
            let mut embedded: Vec<String> =
                example.files.iter().map(|f| f.path.to_owned()).collect();
            embedded.sort();
            assert_eq!(embedded, on_disk, "{}", example.name);
        }
    }

    /// With its files beside it (as the app writes them for an unsaved project), an entry's
    /// handlers and documents are found: no errors.
    #[cfg(feature = "runtime")]
    #[test]
    fn every_entry_validates_beside_its_files() {
        for starter in TEMPLATES.iter().chain(EXAMPLES) {
            let dir = tempfile::tempdir().expect("a temporary folder");
            crate::templates::write_missing_files(starter, dir.path()).expect("its files");
            let e = find(starter.name).expect("an entry");
            let compiled = crate::compile::compile_in(&e.project, dir.path());
            assert_no_errors(e.name, &compiled);
        }
    }

    #[test]
    fn titles_read_as_words() {
        assert_eq!(title("support-triage"), "Support triage");
        assert_eq!(title("blank"), "Blank");
        assert_eq!(title(""), "");
    }
}
