//! The projects the end-to-end tests open, each written into the test's own folder (never
//! beside the sources), and the app's run store in that folder.
#![allow(dead_code)] // each test binary uses a different part

#[path = "../../../tests/support/tree.rs"]
mod tree;

use std::path::{Path, PathBuf};
use strata::model::Project;

/// Template `template` made into project `name` and saved as `dir/file_name`.
pub fn save_template(
    dir: &Path,
    template: &str,
    name: &str,
    file_name: &str,
) -> (PathBuf, Project) {
    let found = strata::templates::find(template).expect("the template");
    let project = strata::templates::instantiate(found, name).expect("a project");
    let file = dir.join(file_name);
    std::fs::write(&file, project.to_json()).expect("the project file");
    (file, project)
}

/// The support-triage template saved as project `triage` in `dir/triage.strata.json`.
pub fn triage(dir: &Path) -> (PathBuf, Project) {
    save_template(dir, "support-triage", "triage", "triage.strata.json")
}

/// [`save_template`] with the files the template brings (its replays, answers and
/// handlers), as `strata new` writes them.
pub fn save_template_with_files(
    dir: &Path,
    template: &str,
    name: &str,
    file_name: &str,
) -> (PathBuf, Project) {
    let saved = save_template(dir, template, name, file_name);
    let found = strata::templates::find(template).expect("the template");
    strata::templates::write_missing_files(found, dir).expect("the template's files");
    saved
}

/// [`triage`] with the files the template brings.
pub fn triage_with_files(dir: &Path) -> PathBuf {
    save_template_with_files(dir, "support-triage", "triage", "triage.strata.json").0
}

/// The example `examples/<name>` copied into `dir/<name>`: its project file `file` there.
pub fn copy_example(dir: &Path, name: &str, file: &str) -> PathBuf {
    let example = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name);
    tree::copy_tree(&example, &dir.join(name));
    dir.join(name).join(file)
}

/// The app's run store: the one [`launch`](super::app::launch) gives the app, in `dir`.
pub async fn app_store(dir: &Path) -> strata::store::Store {
    strata::store::Store::open(&dir.join("app-data").join("runs"))
        .await
        .expect("the app's run store")
}
