//! Copying a folder of the repository into a test's own, so a test never writes beside the
//! sources (an evaluation keeps its progress beside its suite, a run its storage beside the
//! project), and a folder of one file written for a test.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use std::path::{Path, PathBuf};

/// A new temporary folder holding the file `name` with `contents`: (folder, file).
pub fn folder_with(name: &str, contents: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join(name);
    std::fs::write(&file, contents).expect("write");
    (dir, file)
}

/// Copies a folder and everything in it.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("a folder").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a copy");
        }
    }
}
