//! Knowledge bases whose local documents folder is not there: a warning, because a local run
//! would search nothing (or fail) where the project promised documents.

use crate::diagnostic::{Code, Diagnostic, Diagnostics, Location};
use crate::model::Project;
use std::path::Path;

/// Every knowledge base whose `documents` (relative to `project_dir`) is not a folder.
pub fn check_on_disk(project: &Project, project_dir: &Path) -> Vec<Diagnostic> {
    let mut out = Diagnostics::default();
    for kb in &project.knowledge_bases {
        let Some(documents) = kb.documents.as_deref().filter(|d| !d.trim().is_empty()) else {
            continue;
        };
        if project_dir.join(documents).is_dir() {
            continue;
        }
        out.report(
            Code::MissingDocumentsFolder,
            Location::knowledge_base(&kb.name).field("documents"),
            format!(
                "the documents of knowledge base {:?} should be in {documents:?}, which is not a folder beside the project",
                kb.name
            ),
        )
        .set_hint("Create the folder and put the documents in it (text, Markdown, HTML or PDF), or correct the path; it is relative to the project file's folder.");
    }
    out.into_vec()
}
