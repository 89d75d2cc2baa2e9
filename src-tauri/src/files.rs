//! The shell's file work: opening and atomically saving documents, recent files, crash recovery.
//!
//! Kept apart from the Tauri adapters so it reads as plain Rust and is tested without a window.

use serde::{Deserialize, Serialize, Serializer};
use std::fs;
use std::path::{Path, PathBuf};

/// How many recent files are remembered.
const RECENT_MAX: usize = 10;

/// An error crossing to the UI, serialised as `{code, message}`; the UI matches on `code` only.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a Strata project: {source}")]
    Load {
        path: String,
        source: strata::model::LoadError,
    },
    #[error("there is no template {0:?}")]
    UnknownTemplate(String),
    /// A run or chat that could not start or go on: what is wrong and what to do.
    #[error("{message}")]
    Run { message: String },
    #[error("there is no live run or chat {id:?}")]
    NoRun { id: String },
    /// An answer that does not fit the pause.
    #[error("{message}")]
    Answer { message: String },
    #[error("the run store cannot be opened: {message}")]
    Store { message: String },
    /// A version or alias that could not be made, compared or moved.
    #[error("{message}")]
    Version { message: String },
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Read { .. } => "read",
            AppError::Write { .. } => "write",
            AppError::Load { .. } => "load",
            AppError::UnknownTemplate(_) => "unknownTemplate",
            AppError::Run { .. } => "run",
            AppError::NoRun { .. } => "noRun",
            AppError::Answer { .. } => "answer",
            AppError::Store { .. } => "store",
            AppError::Version { .. } => "version",
        }
    }
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_coded(s, self.code(), self)
    }
}

/// Writes a shell error as every one crosses to the page: `{code, message}`.
pub fn serialize_coded<S: Serializer>(
    s: S,
    code: &str,
    error: &dyn std::fmt::Display,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut st = s.serialize_struct("Error", 2)?;
    st.serialize_field("code", code)?;
    st.serialize_field("message", &error.to_string())?;
    st.end()
}

pub type Result<T> = std::result::Result<T, AppError>;

/// A document as the UI receives it: where it lives (none for a new one) and its text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Document {
    pub path: Option<String>,
    /// The project as `Project::to_json` writes it.
    pub text: String,
}

/// Reads a project (or a Bedrock flow document) and gives it back as a Strata project.
pub fn open(path: &Path) -> Result<Document> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|source| AppError::Read {
        path: shown.clone(),
        source,
    })?;
    let fallback = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.split('.').next().unwrap_or(n))
        .unwrap_or("project");
    let loaded = strata::model::load(&text, fallback).map_err(|source| AppError::Load {
        path: shown.clone(),
        source,
    })?;
    Ok(Document {
        path: Some(shown),
        text: loaded.project.to_json(),
    })
}

/// Writes `text` to `path` atomically ([`strata::save::write_atomically`]), so a crash never
/// leaves half a project.
pub fn save(path: &Path, text: &str) -> Result<()> {
    strata::save::write_atomically(path, text.as_bytes()).map_err(|e| AppError::Write {
        path: path.display().to_string(),
        source: e.into_io(),
    })
}

/// A new unsaved project from a template or an example (a gallery entry).
pub fn new_from_template(name: &str) -> Result<Document> {
    let t = strata::templates::find_starter(name)
        .ok_or_else(|| AppError::UnknownTemplate(name.to_owned()))?;
    let project = strata::templates::instantiate(t, name).map_err(|source| AppError::Load {
        path: format!("template {name}"),
        source,
    })?;
    Ok(Document {
        path: None,
        text: project.to_json(),
    })
}

/// Writes the files template `name` brings (handlers, documents, replays) beside the project
/// saved at `project`, leaving every file already there as it is.
pub fn bring_template_files(name: &str, project: &Path) -> Result<()> {
    let t = strata::templates::find_starter(name)
        .ok_or_else(|| AppError::UnknownTemplate(name.to_owned()))?;
    let dir = project.parent().unwrap_or(Path::new("."));
    strata::templates::write_missing_files(t, dir)
        .map(drop)
        .map_err(|e| AppError::Write {
            path: dir.display().to_string(),
            source: e.into_io(),
        })
}

/// The app's own files (recent list, recovery copy) live in one folder.
#[derive(Debug, Clone)]
pub struct AppFiles {
    pub dir: PathBuf,
}

impl AppFiles {
    fn recent_path(&self) -> PathBuf {
        self.dir.join("recent.json")
    }

    fn recovery_path(&self) -> PathBuf {
        self.dir.join("recovery.json")
    }

    pub fn recent(&self) -> Vec<String> {
        fs::read_to_string(self.recent_path())
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Puts `path` first in the recent list.
    pub fn remember(&self, path: &str) -> Result<Vec<String>> {
        let mut list = self.recent();
        list.retain(|p| p != path);
        list.insert(0, path.to_owned());
        list.truncate(RECENT_MAX);
        self.write(
            &self.recent_path(),
            &serde_json::to_string_pretty(&list).unwrap_or_default(),
        )?;
        Ok(list)
    }

    /// Keeps an unsaved document where a crash cannot lose it.
    pub fn autosave(&self, doc: &Document) -> Result<()> {
        let value = serde_json::json!({"path": doc.path, "text": doc.text});
        self.write(&self.recovery_path(), &value.to_string())
    }

    /// The document left by a session that ended with unsaved changes.
    pub fn recovery(&self) -> Option<Document> {
        let text = fs::read_to_string(self.recovery_path()).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        Some(Document {
            path: v.get("path").and_then(|p| p.as_str()).map(str::to_owned),
            text: v.get("text")?.as_str()?.to_owned(),
        })
    }

    /// Called after a save or when the user declines recovery.
    pub fn discard_recovery(&self) -> Result<()> {
        match fs::remove_file(self.recovery_path()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(AppError::Write {
                path: self.recovery_path().display().to_string(),
                source,
            }),
        }
    }

    /// A request to close the window. Without unsaved changes it closes now (true) and, this
    /// being a clean quit, the recovery copy goes; with them the page asks first (false) and
    /// the copy stays until the user has answered.
    pub fn close_requested(&self, unsaved: bool) -> Result<bool> {
        if unsaved {
            return Ok(false);
        }
        self.discard_recovery()?;
        Ok(true)
    }

    fn write(&self, path: &Path, text: &str) -> Result<()> {
        fs::create_dir_all(&self.dir).map_err(|source| AppError::Write {
            path: self.dir.display().to_string(),
            source,
        })?;
        save(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The support-triage template saved as `t.strata.json` in `dir`: its document and path.
    fn saved_triage(dir: &Path) -> (Document, PathBuf) {
        let doc = new_from_template("support-triage").unwrap();
        let path = dir.join("t.strata.json");
        save(&path, &doc.text).unwrap();
        (doc, path)
    }

    #[test]
    fn save_then_open_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let (doc, path) = saved_triage(dir.path());
        let again = open(&path).unwrap();
        assert_eq!(again.text, doc.text);
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A project made from a template in the app brings, on its first save, the handler,
    /// documents and replay that `strata new` writes, so it validates and runs as the CLI's.
    #[test]
    fn a_first_save_from_a_template_brings_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let (_, path) = saved_triage(dir.path());
        bring_template_files("support-triage", &path).unwrap();
        for f in strata::templates::find("support-triage").unwrap().files {
            assert!(dir.path().join(f.path).is_file(), "{} missing", f.path);
        }
        assert!(dir.path().join("handlers/orders.py").is_file());
        assert!(dir.path().join("replays/triage.yaml").is_file());
    }

    #[test]
    fn errors_serialise_as_code_and_message() {
        let e = open(Path::new("/nonexistent/x.strata.json")).unwrap_err();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "read");
        assert!(v["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/x.strata.json"));
        let e = new_from_template("nope").unwrap_err();
        assert_eq!(serde_json::to_value(&e).unwrap()["code"], "unknownTemplate");
    }

    #[test]
    fn recent_and_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let files = AppFiles {
            dir: dir.path().join("app"),
        };
        assert!(files.recent().is_empty());
        files.remember("a").unwrap();
        files.remember("b").unwrap();
        assert_eq!(files.remember("a").unwrap(), vec!["a", "b"]);
        assert!(files.recovery().is_none());
        let doc = Document {
            path: Some("x".into()),
            text: "{}".into(),
        };
        files.autosave(&doc).unwrap();
        assert_eq!(files.recovery(), Some(doc));
        files.discard_recovery().unwrap();
        assert!(files.recovery().is_none());
        files.discard_recovery().unwrap();
    }

    /// A clean quit leaves no recovery copy, so the next start does not offer one.
    #[test]
    fn a_clean_quit_drops_the_recovery_copy() {
        let dir = tempfile::tempdir().unwrap();
        let files = AppFiles {
            dir: dir.path().join("app"),
        };
        let doc = Document {
            path: None,
            text: "{}".into(),
        };
        files.autosave(&doc).unwrap();
        assert!(!files.close_requested(true).unwrap());
        assert_eq!(files.recovery(), Some(doc));
        assert!(files.close_requested(false).unwrap());
        assert!(files.recovery().is_none());
    }
}
