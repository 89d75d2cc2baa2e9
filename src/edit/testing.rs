//! Shared fixtures for the edit tests: a template project and the undo/redo round-trip check.

pub(crate) use crate::edit::{position, Command, EditError, History};
pub(crate) use crate::model::{Position, Project};
pub(crate) use crate::nodes::NodeType;

pub(crate) fn triage() -> Project {
    let t = crate::templates::find("support-triage").unwrap();
    crate::templates::instantiate(t, "t").unwrap()
}

pub(crate) fn p(x: f64, y: f64) -> Position {
    Position { x, y }
}

pub(crate) fn flow() -> String {
    "triage".to_owned()
}

/// Applies `cmd` through a history, then checks undo gives back the exact before and redo
/// the exact after. Returns the project after the command.
pub(crate) fn check(project: Project, cmd: Command) -> Project {
    let before = project.clone();
    let mut doc = project;
    let mut h = History::default();
    h.apply(&mut doc, &cmd)
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let after = doc.clone();
    assert_ne!(before, after, "{cmd:?} changed nothing");
    assert!(h.undo(&mut doc));
    assert_eq!(doc, before, "undo of {cmd:?}");
    assert!(h.redo(&mut doc));
    assert_eq!(doc, after, "redo of {cmd:?}");
    assert!(!h.redo(&mut doc));
    after
}

pub(crate) fn refuse(project: &Project, cmd: Command) -> EditError {
    let mut doc = project.clone();
    let mut h = History::default();
    let e = h.apply(&mut doc, &cmd).unwrap_err();
    assert_eq!(&doc, project, "a refused command changed the document");
    assert!(!h.can_undo());
    e
}

pub(crate) fn names(project: &Project) -> Vec<String> {
    project.flows[0]
        .definition
        .nodes
        .iter()
        .map(|n| n.name.clone())
        .collect()
}
