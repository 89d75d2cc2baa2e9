//! Copying a folder of the repository into a test's own, so a test never writes beside the
//! sources (an evaluation keeps its progress beside its suite, a run its storage beside the
//! project).

use std::path::Path;

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
