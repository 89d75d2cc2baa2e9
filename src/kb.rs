//! A local knowledge base: an index over a folder of documents, searched with BM25.
//!
//! This stands in for an Amazon Bedrock knowledge base when flows and agents run on this
//! machine: KnowledgeBase flow nodes and local agents' search tool call
//! [`LocalIndex::search`], and [`Hit::to_retrieval_result`] gives what Bedrock's `Retrieve`
//! would (a `KnowledgeBaseRetrievalResult`).
//!
//! [`LocalIndex::build`] walks the folder recursively in sorted order, skipping hidden files
//! and folders, and reads `.txt`, `.md`, `.html`/`.htm` and `.pdf` files (other files are
//! ignored). Each document is cut into chunks of about 300 words (at most 400) along its
//! paragraphs and headings, with about 50 words of overlap between neighbouring chunks of the
//! same section; each chunk keeps its document's relative path and its line range (page for
//! PDFs). A file that cannot be read gives an [`IndexWarning`] and the rest is indexed.
//!
//! A folder that is the filesystem root or the user's home directory is refused
//! ([`KbError::TooBroad`]): `documents: "/"` would read the whole disk.
//!
//! Building is synchronous and deterministic: two builds of the same folder give the same
//! chunks, ids and scores. [`LocalIndex::build_cancellable`] stops between files once its
//! token is cancelled; async callers use [`LocalIndex::build_in_background`], which stops the
//! blocking build as soon as its future is dropped (a node's timeout, a cancelled run).

mod analyze;
mod bm25;
mod chunk;
mod extract;

use analyze::Analyzer;
use bm25::Bm25;
use extract::Format;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// Files larger than this are skipped with a warning.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Where a chunk is in its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Location {
    /// 1-based, inclusive source lines (text, Markdown, HTML).
    Lines { start: usize, end: usize },
    /// 1-based page (PDF).
    Page(usize),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Lines { start, end } if start == end => write!(f, "line {start}"),
            Location::Lines { start, end } => write!(f, "lines {start}-{end}"),
            Location::Page(n) => write!(f, "page {n}"),
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The chunk's text.
    pub text: String,
    /// BM25 score; higher is better. Not bounded to 0..1.
    pub score: f64,
    /// The document's path relative to the indexed folder, with `/` separators.
    pub source: String,
    pub location: Location,
    /// The chunk's position in the index (stable across builds of the same folder).
    pub chunk_id: usize,
}

impl Hit {
    /// This hit as a Bedrock `KnowledgeBaseRetrievalResult`, with a `LOCAL` location:
    /// `{"content": {"type": "TEXT", "text"}, "location": {"type": "LOCAL", "localLocation":
    /// {"path", "lines": {"start", "end"}} | {"path", "page"}}, "score", "metadata"}`.
    pub fn to_retrieval_result(&self) -> Value {
        let mut local = json!({ "path": self.source });
        let mut metadata = json!({
            "x-amz-bedrock-kb-source-uri": self.source,
            "x-amz-bedrock-kb-chunk-id": self.chunk_id.to_string(),
        });
        match self.location {
            Location::Lines { start, end } => {
                local["lines"] = json!({ "start": start, "end": end });
            }
            Location::Page(n) => {
                local["page"] = json!(n);
                metadata["x-amz-bedrock-kb-document-page-number"] = json!(n);
            }
        }
        json!({
            "content": { "type": "TEXT", "text": self.text },
            "location": { "type": "LOCAL", "localLocation": local },
            "score": self.score,
            "metadata": metadata,
        })
    }
}

/// A file that was left out of the index, or only partly read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexWarning {
    /// Relative to the indexed folder, with `/` separators.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for IndexWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a folder could not be indexed at all.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    #[error("knowledge base folder {} does not exist", path.display())]
    NotFound { path: PathBuf },
    #[error("knowledge base folder {} is not a folder", path.display())]
    NotAFolder { path: PathBuf },
    #[error("cannot read knowledge base folder {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("knowledge base folder {} is {what}; point documents at the folder that holds the documents", path.display())]
    TooBroad { path: PathBuf, what: &'static str },
    #[error("indexing knowledge base folder {} was cancelled", path.display())]
    Cancelled { path: PathBuf },
}

#[derive(Debug, Clone)]
struct Chunk {
    text: String,
    /// Index into `LocalIndex::documents`.
    document: usize,
    location: Location,
}

/// A searchable index over a folder of documents.
#[derive(Debug, Clone)]
pub struct LocalIndex {
    documents: Vec<String>,
    chunks: Vec<Chunk>,
    bm25: Bm25,
    analyzer: Analyzer,
}

impl LocalIndex {
    /// Indexes every supported document under `folder`. Files that cannot be read or parsed
    /// are left out and reported as warnings; only a missing, unreadable or too broad
    /// `folder` is an error.
    pub fn build(folder: &Path) -> Result<(LocalIndex, Vec<IndexWarning>), KbError> {
        LocalIndex::build_cancellable(folder, &CancellationToken::new())
    }

    /// [`LocalIndex::build`] on a blocking thread, cancelled when `cancel` is or when the
    /// returned future is dropped: the thread then stops at the next file or folder instead of
    /// reading on after nobody waits for it.
    pub async fn build_in_background(
        folder: PathBuf,
        cancel: &CancellationToken,
    ) -> Result<(LocalIndex, Vec<IndexWarning>), KbError> {
        let token = cancel.child_token();
        let _stop_when_dropped = token.clone().drop_guard();
        let path = folder.clone();
        match tokio::task::spawn_blocking(move || LocalIndex::build_cancellable(&path, &token))
            .await
        {
            Ok(built) => built,
            // The blocking task panicked or the runtime is shutting down.
            Err(_) => Err(KbError::Cancelled { path: folder }),
        }
    }

    /// [`LocalIndex::build`], checking `cancel` before each file and folder; once it is
    /// cancelled the build stops with [`KbError::Cancelled`].
    pub fn build_cancellable(
        folder: &Path,
        cancel: &CancellationToken,
    ) -> Result<(LocalIndex, Vec<IndexWarning>), KbError> {
        let cancelled = || KbError::Cancelled {
            path: folder.to_owned(),
        };
        if cancel.is_cancelled() {
            return Err(cancelled());
        }
        let meta = fs::metadata(folder).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                KbError::NotFound {
                    path: folder.to_owned(),
                }
            } else {
                KbError::Unreadable {
                    path: folder.to_owned(),
                    source,
                }
            }
        })?;
        if !meta.is_dir() {
            return Err(KbError::NotAFolder {
                path: folder.to_owned(),
            });
        }
        let canonical = fs::canonicalize(folder).map_err(|source| KbError::Unreadable {
            path: folder.to_owned(),
            source,
        })?;
        let home = home_dir().and_then(|h| fs::canonicalize(h).ok());
        if let Some(what) = too_broad(&canonical, home.as_deref()) {
            return Err(KbError::TooBroad {
                path: folder.to_owned(),
                what,
            });
        }
        let mut warnings = Vec::new();
        let mut files = Vec::new();
        let mut seen = HashSet::new();
        seen.insert(canonical);
        let entries = read_sorted(folder).map_err(|source| KbError::Unreadable {
            path: folder.to_owned(),
            source,
        })?;
        let mut walk = Walk {
            root: folder,
            home: home.as_deref(),
            cancel,
            files: &mut files,
            seen: &mut seen,
            warnings: &mut warnings,
        };
        if walk.entries(entries).is_err() {
            return Err(cancelled());
        }

        let mut index = LocalIndex {
            documents: Vec::new(),
            chunks: Vec::new(),
            bm25: Bm25::default(),
            analyzer: Analyzer::default(),
        };
        for (path, format) in files {
            if cancel.is_cancelled() {
                return Err(cancelled());
            }
            let rel = relative(folder, &path);
            index.add_file(&path, rel, format, &mut warnings);
        }
        Ok((index, warnings))
    }

    fn add_file(
        &mut self,
        path: &Path,
        rel: String,
        format: Format,
        warnings: &mut Vec<IndexWarning>,
    ) {
        let warn = |message: String| IndexWarning {
            path: rel.clone(),
            message,
        };
        match fs::metadata(path) {
            Ok(m) if m.len() > MAX_FILE_BYTES => {
                warnings.push(warn(format!(
                    "skipped: {} bytes is over the {MAX_FILE_BYTES}-byte limit",
                    m.len()
                )));
                return;
            }
            Ok(_) => {}
            Err(e) => {
                warnings.push(warn(format!("cannot read: {e}")));
                return;
            }
        }
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                warnings.push(warn(format!("cannot read: {e}")));
                return;
            }
        };
        let blocks = match extract::extract(format, &bytes) {
            Ok((blocks, lossy)) => {
                if lossy {
                    warnings.push(warn(
                        "not valid UTF-8; invalid bytes were replaced".to_owned(),
                    ));
                }
                blocks
            }
            Err(message) => {
                warnings.push(warn(format!("skipped: {message}")));
                return;
            }
        };
        let document = self.documents.len();
        self.documents.push(rel);
        for draft in chunk::chunks(&blocks) {
            let terms = self.analyzer.terms(&draft.text);
            self.bm25.add(&terms);
            self.chunks.push(Chunk {
                text: draft.text,
                document,
                location: draft.location,
            });
        }
    }

    /// The `k` best chunks for `query`, best first (ties by chunk id). A query with no
    /// searchable words (empty, or only stopwords) finds nothing.
    pub fn search(&self, query: &str, k: usize) -> Vec<Hit> {
        if k == 0 {
            return Vec::new();
        }
        let terms = self.analyzer.terms(query);
        if terms.is_empty() {
            return Vec::new();
        }
        let mut scored = self.bm25.scores(&terms);
        scored.retain(|(_, s)| *s > 0.0);
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(k);
        scored
            .into_iter()
            .filter_map(|(id, score)| {
                let chunk = self.chunks.get(id)?;
                Some(Hit {
                    text: chunk.text.clone(),
                    score,
                    source: self.documents.get(chunk.document)?.clone(),
                    location: chunk.location,
                    chunk_id: id,
                })
            })
            .collect()
    }

    /// The number of chunks.
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    /// Whether there are no chunks.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The relative paths of the documents that were read, in index order.
    pub fn documents(&self) -> Vec<String> {
        self.documents.clone()
    }
}

fn read_sorted(dir: &Path) -> std::io::Result<Vec<fs::DirEntry>> {
    let mut entries = fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(fs::DirEntry::file_name);
    Ok(entries)
}

/// What a documents folder must not be, or `None` when it is fine: the filesystem root, or
/// `home` (both already canonical). Either would have the index read far more than documents.
fn too_broad(canonical: &Path, home: Option<&Path>) -> Option<&'static str> {
    if canonical.parent().is_none() {
        Some("the filesystem root")
    } else if home == Some(canonical) {
        Some("your home folder")
    } else {
        None
    }
}

/// The user's home folder, if known.
fn home_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().to_owned())
}

/// The build was cancelled while walking the folder.
struct Cancelled;

/// A walk of the documents folder: collects supported files depth-first in name order.
/// Symbolic links are followed; a folder already visited (a link cycle) is not entered again.
struct Walk<'a> {
    root: &'a Path,
    /// The user's home folder, canonical: a link to it (or to the root) is not entered.
    home: Option<&'a Path>,
    cancel: &'a CancellationToken,
    files: &'a mut Vec<(PathBuf, Format)>,
    /// Canonical paths of the folders entered so far.
    seen: &'a mut HashSet<PathBuf>,
    warnings: &'a mut Vec<IndexWarning>,
}

impl Walk<'_> {
    fn entries(&mut self, entries: Vec<fs::DirEntry>) -> Result<(), Cancelled> {
        for entry in entries {
            if self.cancel.is_cancelled() {
                return Err(Cancelled);
            }
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let meta = match fs::metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    self.warnings.push(IndexWarning {
                        path: relative(self.root, &path),
                        message: format!("cannot read: {e}"),
                    });
                    continue;
                }
            };
            if meta.is_dir() {
                if let Ok(canonical) = fs::canonicalize(&path) {
                    if let Some(what) = too_broad(&canonical, self.home) {
                        self.warnings.push(IndexWarning {
                            path: relative(self.root, &path),
                            message: format!("skipped: a link to {what}"),
                        });
                        continue;
                    }
                    if !self.seen.insert(canonical) {
                        continue;
                    }
                }
                match read_sorted(&path) {
                    Ok(children) => self.entries(children)?,
                    Err(e) => self.warnings.push(IndexWarning {
                        path: relative(self.root, &path),
                        message: format!("cannot read folder: {e}"),
                    }),
                }
            } else if meta.is_file() {
                let format = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .and_then(Format::from_extension);
                if let Some(format) = format {
                    self.files.push((path, format));
                }
            }
        }
        Ok(())
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_and_the_home_folder_are_too_broad() {
        let home = Path::new("/home/someone");
        assert_eq!(
            too_broad(Path::new("/"), Some(home)),
            Some("the filesystem root")
        );
        assert_eq!(too_broad(home, Some(home)), Some("your home folder"));
        assert_eq!(too_broad(&home.join("docs"), Some(home)), None);
        assert_eq!(too_broad(Path::new("/home"), None), None);
    }
}
