//! Local handlers that live outside the project's folder: a warning, because a project that
//! names `../../elsewhere/tool.py` (or a link out of the project) runs code nobody reviewing the
//! project sees.
//!
//! Also the project's handler bindings (`handlers`): their files like any local handler's, a
//! binding whose NAME matches no LambdaFunction node or action group, and variables a binding
//! may not set.
//!
//! [`check`] is pure (it builds for wasm): it flags absolute handler paths and paths whose `..`
//! segments climb above the project's folder. [`check_on_disk`] (runtime only) also resolves
//! symbolic links against the project's folder on this machine, and warns about handler files
//! that are not there.

use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::handler::variable_problem;
use crate::model::Project;
use crate::nodes::NodeConfiguration;
use std::path::{Component, Path};

/// One local handler of the project and where it is named.
struct Handler<'a> {
    at: Location,
    /// What names it, for messages: `node "Enrich"` or `action group "Orders"`.
    owner: String,
    /// The file part of `FILE:FUNCTION`.
    file: &'a str,
}

/// Every non-empty local handler: LambdaFunction nodes (loop bodies included) and agents'
/// action groups.
fn handlers(project: &Project) -> Vec<Handler<'_>> {
    let mut out = Vec::new();
    for f in &project.flows {
        for (loop_node, node) in f.definition.all_nodes() {
            let Some(NodeConfiguration::LambdaFunction(c)) = &node.configuration else {
                continue;
            };
            let Some(handler) = c.local_handler.as_deref() else {
                continue;
            };
            let mut at = Location::flow(&f.name).node(&node.name);
            at.loop_node = loop_node.map(str::to_owned);
            out.extend(handler_file(handler).map(|file| Handler {
                at: at.field("localHandler"),
                owner: format!("node {:?}", node.name),
                file,
            }));
        }
    }
    for (i, b) in project.handlers.iter().enumerate() {
        if !b.file.trim().is_empty() {
            out.push(Handler {
                at: binding_at(i, "file"),
                owner: format!("handler binding {:?}", b.name),
                file: &b.file,
            });
        }
    }
    for a in &project.agents {
        for group in &a.action_groups {
            let Some(handler) = group.local_handler.as_deref() else {
                continue;
            };
            out.extend(handler_file(handler).map(|file| {
                Handler {
                    at: Location::agent(&a.agent_name)
                        .action_group(&group.action_group_name)
                        .field("localHandler"),
                    owner: format!("action group {:?}", group.action_group_name),
                    file,
                }
            }));
        }
    }
    out
}

/// Where the `i`th handler binding's `field` is.
fn binding_at(i: usize, field: &str) -> Location {
    Location::default().field(&format!("handlers[{i}].{field}"))
}

/// Bindings that name nothing in the project, and variables they may not set.
fn check_bindings(project: &Project, out: &mut Diagnostics) {
    for (i, b) in project.handlers.iter().enumerate() {
        if !project.has_handler_name(&b.name) {
            let known = project.handler_names();
            out.report(
                Code::UnknownHandlerName,
                binding_at(i, "name"),
                format!(
                    "the handler binding {:?} names no Lambda function or action group of the project",
                    b.name
                ),
            )
            .set_hint(if known.is_empty() {
                "The project has no LambdaFunction node and no action group; remove the binding.".to_owned()
            } else {
                format!("Use one of: {}.", known.join(", "))
            });
        }
        for key in b.environment.keys() {
            if let Some(problem) = variable_problem(key) {
                out.report(
                    Code::ReservedHandlerVariable,
                    binding_at(i, &format!("environment.{key}")),
                    format!(
                        "the handler binding {:?} sets {key}, which {problem}",
                        b.name
                    ),
                )
                .set_hint("Remove it or rename it; runs refuse the binding until then.");
            }
        }
    }
}

/// The file of `FILE:FUNCTION` (the whole text when there is no `:`), if not blank.
fn handler_file(handler: &str) -> Option<&str> {
    let file = handler.rsplit_once(':').map_or(handler, |(file, _)| file);
    Some(file).filter(|f| !f.trim().is_empty())
}

/// Whether `file`, read relative to the project's folder, leaves it by its text alone: an
/// absolute path, or more `..` segments than folders before them.
fn leaves_lexically(file: &str) -> bool {
    // Backslashes separate folders on Windows; treat them so everywhere, so that a project
    // written there is judged the same here.
    let file = file.replace('\\', "/");
    if file.starts_with('/') || Path::new(&file).is_absolute() {
        return true;
    }
    let mut depth = 0usize;
    for c in Path::new(&file).components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return true,
            },
            Component::RootDir | Component::Prefix(_) => return true,
        }
    }
    false
}

fn report(out: &mut Diagnostics, handler: &Handler<'_>, resolved: Option<&Path>) {
    let place = match resolved {
        Some(p) => format!("{:?}, which resolves to {}", handler.file, p.display()),
        None => format!("{:?}", handler.file),
    };
    out.report(
        Code::HandlerOutsideProject,
        handler.at.clone(),
        format!(
            "the local handler of {} is outside the project's folder: {place}",
            handler.owner
        ),
    )
    .set_hint(
        "Local runs execute this file; move it into the project's folder so that it is reviewed and shared with the project.",
    );
}

/// A handler file that is not there: the run would fail at the first call.
#[cfg(feature = "runtime")]
fn report_missing(out: &mut Diagnostics, handler: &Handler<'_>) {
    out.report(
        Code::MissingHandlerFile,
        handler.at.clone(),
        format!(
            "the local handler of {} names {:?}, which does not exist in the project's folder",
            handler.owner, handler.file
        ),
    )
    .set_hint("Create the file (paths are relative to the project file's folder), or correct the path before `FILE:FUNCTION`.");
}

/// Warns about handler bindings that name nothing or set reserved variables, and about handlers
/// whose path leaves the project's folder by its text.
pub(super) fn check(project: &Project, out: &mut Diagnostics) {
    check_bindings(project, out);
    for handler in handlers(project) {
        if leaves_lexically(handler.file) {
            report(out, &handler, None);
        }
    }
}

/// The handlers [`check`] lets pass whose file, once `..` and symbolic links are resolved on
/// this machine, is outside `project_dir`, or does not exist there.
#[cfg(feature = "runtime")]
pub fn check_on_disk(project: &Project, project_dir: &Path) -> Vec<crate::diagnostic::Diagnostic> {
    let mut out = Diagnostics::default();
    let Ok(root) = std::fs::canonicalize(project_dir) else {
        return Vec::new();
    };
    for handler in handlers(project) {
        if leaves_lexically(handler.file) {
            continue;
        }
        let Ok(resolved) = std::fs::canonicalize(root.join(handler.file)) else {
            report_missing(&mut out, &handler);
            continue;
        };
        if !resolved.starts_with(&root) {
            report(&mut out, &handler, Some(&resolved));
        }
    }
    out.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_out_or_start_at_the_root_leave() {
        for inside in [
            "handlers/a.py",
            "./a.py",
            "a/../b.py",
            "a/b/../../c.py",
            "a/./b.py",
        ] {
            assert!(!leaves_lexically(inside), "{inside}");
        }
        for outside in [
            "../a.py",
            "a/../../b.py",
            "/etc/a.py",
            "..\\a.py",
            "\\\\server\\a.py",
            "./../a.py",
        ] {
            assert!(leaves_lexically(outside), "{outside}");
        }
    }

    #[test]
    fn the_function_is_not_part_of_the_file() {
        assert_eq!(handler_file("../h.py:handler"), Some("../h.py"));
        assert_eq!(handler_file("h.py"), Some("h.py"));
        assert_eq!(handler_file(" :handler"), None);
    }
}
