//! Saving a file so that a crash never leaves it half-written: a temporary file beside it,
//! then a rename over it. The CLI and the desktop shell both save this way. Before a command
//! writes, [`check_target`] refuses to replace an existing file without `--force` and never
//! lets it write over a file it is reading.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Why a command may not write to the file it was given.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{} already exists; pass --force to replace it", .path.display())]
    Exists { path: PathBuf },
    #[error(
        "{} is the file being read ({}); write the output to another file",
        .path.display(),
        .input.display()
    )]
    IsInput { path: PathBuf, input: PathBuf },
}

/// Checks that a command may write `target`: it must not be (or point at) any of `inputs`, even
/// with `force`, and without `force` nothing may exist there yet (a symlink counts, even a
/// dangling one; with `force` the link itself is replaced, never the file it points at).
pub fn check_target(target: &Path, force: bool, inputs: &[&Path]) -> Result<(), TargetError> {
    for input in inputs {
        if same_file(target, input) {
            return Err(TargetError::IsInput {
                path: target.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    if !force && fs::symlink_metadata(target).is_ok() {
        return Err(TargetError::Exists {
            path: target.to_path_buf(),
        });
    }
    Ok(())
}

/// Whether `a` is `b`, or a link to it: the same canonical path or, on Unix, the same inode.
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ca), Ok(cb)) = (fs::canonicalize(a), fs::canonicalize(b)) else {
        return false;
    };
    if ca == cb {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    false
}

/// A file being written: the bytes go to a fresh temporary file beside `path`, and only
/// [`AtomicFile::commit`] renames it over `path`. Dropped without a commit (an error on the
/// way), the temporary file is removed, so `path` keeps its old content or stays absent.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<fs::File>,
}

impl AtomicFile {
    /// Creates the temporary file (and the folder, if needed). It is created new, never
    /// opened through a link someone left in its place.
    pub fn create(path: &Path) -> Result<AtomicFile, SaveError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
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
        sweep_leftovers(dir, name);
        let mut attempt = 0;
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
            {
                Ok(file) => {
                    return Ok(AtomicFile {
                        path: path.to_path_buf(),
                        tmp,
                        file: Some(file),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(source) => return Err(SaveError::Write { path: tmp, source }),
            }
        }
    }

    /// Appends `bytes` to the temporary file.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), SaveError> {
        let file = self.file.as_mut().ok_or_else(|| SaveError::Write {
            path: self.tmp.clone(),
            source: io::Error::other("the file is already committed"),
        })?;
        file.write_all(bytes).map_err(|source| SaveError::Write {
            path: self.tmp.clone(),
            source,
        })
    }

    /// Flushes the temporary file to disk and renames it over the target.
    pub fn commit(mut self) -> Result<(), SaveError> {
        if let Some(file) = self.file.take() {
            file.sync_all().map_err(|source| SaveError::Write {
                path: self.tmp.clone(),
                source,
            })?;
        }
        fs::rename(&self.tmp, &self.path).map_err(|source| SaveError::Replace {
            path: self.path.clone(),
            source,
        })?;
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        self.file = None;
        if !self.tmp.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Removes the temporary files that writers of `name` killed before they could commit or clean
/// up left in `dir` (`.NAME.tmp-PID-N`). Only files whose process is known to be gone are
/// removed: on Linux, a PID with no `/proc/PID`. A live writer's file, this process's own, or
/// anything on a system where liveness cannot be told is left alone.
fn sweep_leftovers(dir: &Path, name: &str) {
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && process_is_gone(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` has certainly ended.
fn process_is_gone(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").is_dir() && !Path::new("/proc").join(pid.to_string()).exists()
    } else {
        false
    }
}

/// Writes `bytes` to a temporary file beside `path` (creating the folder if needed), then
/// renames it over `path`. On any failure the temporary file is removed. A symlink at `path`
/// is replaced by the file, never written through.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SaveError> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_killed_writers_leftover_is_swept_and_a_live_ones_is_kept() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let target = dir.path().join("out.json");
        // A PID above Linux's maximum (2^22) belongs to no process.
        let dead = dir.path().join(".out.json.tmp-999999999-0");
        let live = dir
            .path()
            .join(format!(".out.json.tmp-{}-77", std::process::id()));
        let other = dir.path().join(".other.json.tmp-999999999-0");
        for f in [&dead, &live, &other] {
            fs::write(f, b"half").expect("leftover");
        }
        write_atomically(&target, b"{}").expect("write");
        assert_eq!(fs::read(&target).expect("target"), b"{}");
        assert!(!dead.exists(), "a dead writer's leftover is removed");
        assert!(live.exists(), "this process's own file is kept");
        assert!(other.exists(), "another target's files are not touched");
    }

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

    #[test]
    fn an_existing_file_or_link_needs_force_and_an_input_is_never_a_target() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let project = dir.path().join("p.strata.json");
        fs::write(&project, b"{}").expect("project");
        let out = dir.path().join("out.yaml");
        check_target(&out, false, &[&project]).expect("a new file may be written");
        fs::write(&out, b"old").expect("old output");
        assert!(matches!(
            check_target(&out, false, &[&project]),
            Err(TargetError::Exists { .. })
        ));
        check_target(&out, true, &[&project]).expect("--force replaces it");
        for force in [false, true] {
            assert!(matches!(
                check_target(&project, force, &[&project]),
                Err(TargetError::IsInput { .. })
            ));
        }
        #[cfg(unix)]
        {
            let link = dir.path().join("link.yaml");
            std::os::unix::fs::symlink(&project, &link).expect("symlink");
            assert!(matches!(
                check_target(&link, true, &[&project]),
                Err(TargetError::IsInput { .. })
            ));
            let dangling = dir.path().join("dangling.yaml");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).expect("symlink");
            assert!(matches!(
                check_target(&dangling, false, &[&project]),
                Err(TargetError::Exists { .. })
            ));
            let elsewhere = dir.path().join("elsewhere.txt");
            fs::write(&elsewhere, b"keep").expect("file");
            let link2 = dir.path().join("link2.yaml");
            std::os::unix::fs::symlink(&elsewhere, &link2).expect("symlink");
            write_atomically(&link2, b"new").expect("replace the link");
            assert_eq!(fs::read(&elsewhere).expect("read"), b"keep");
            assert!(!fs::symlink_metadata(&link2).expect("meta").is_symlink());
        }
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("trace.jsonl");
        fs::write(&path, b"old\n").expect("old");
        {
            let mut file = AtomicFile::create(&path).expect("create");
            file.write_all(b"half").expect("write");
        }
        assert_eq!(fs::read(&path).expect("read"), b"old\n");
        assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 1);
    }
}
