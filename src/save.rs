//! Saving a file so that a crash never leaves it half-written: a temporary file beside it,
//! then a rename over it. The CLI and the desktop shell both save this way.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why a file could not be saved: which step failed, on which path, and the I/O error.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("cannot create {}", .path.display())]
    CreateFolder {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write {}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot replace {}", .path.display())]
    Replace {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl SaveError {
    /// The I/O error underneath, for callers that name the path themselves.
    pub fn into_io(self) -> io::Error {
        match self {
            SaveError::CreateFolder { source, .. }
            | SaveError::Write { source, .. }
            | SaveError::Replace { source, .. } => source,
        }
    }
}

/// Writes `bytes` to a temporary file beside `path` (creating the folder if needed), then
/// renames it over `path`. On a failed rename the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SaveError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|source| SaveError::CreateFolder {
        path: dir.to_path_buf(),
        source,
    })?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("strata");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(|source| SaveError::Write {
        path: tmp.clone(),
        source,
    })?;
    fs::rename(&tmp, path).map_err(|source| {
        let _ = fs::remove_file(&tmp);
        SaveError::Replace {
            path: path.to_path_buf(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("nested").join("p.strata.json");
        write_atomically(&path, b"one").expect("first save");
        write_atomically(&path, b"two").expect("second save");
        assert_eq!(fs::read(&path).expect("read back"), b"two");
        let left: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1);
    }

    #[test]
    fn a_failed_save_names_the_step_and_the_path() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let taken = dir.path().join("taken");
        fs::create_dir_all(taken.join("inside")).expect("folder");
        let err = write_atomically(&taken, b"x").expect_err("a folder is in the way");
        assert!(
            matches!(&err, SaveError::Replace { path, .. } if path.ends_with("taken")),
            "{err:?}"
        );
    }
}
