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
//! Everything here is synchronous and deterministic: two builds of the same folder give the
//! same chunks, ids and scores. Callers on an async runtime use `spawn_blocking`.

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
    /// are left out and reported as warnings; only a missing or unreadable `folder` is an
    /// error.
    pub fn build(folder: &Path) -> Result<(LocalIndex, Vec<IndexWarning>), KbError> {
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
        let mut warnings = Vec::new();
        let mut files = Vec::new();
        let mut seen = HashSet::new();
        if let Ok(canonical) = fs::canonicalize(folder) {
            seen.insert(canonical);
        }
        let entries = read_sorted(folder).map_err(|source| KbError::Unreadable {
            path: folder.to_owned(),
            source,
        })?;
        walk(folder, entries, &mut files, &mut seen, &mut warnings);

        let mut index = LocalIndex {
            documents: Vec::new(),
            chunks: Vec::new(),
            bm25: Bm25::default(),
            analyzer: Analyzer::default(),
        };
        for (path, format) in files {
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

/// Collects supported files depth-first in name order. Symbolic links are followed; a folder
/// already visited (a link cycle) is not entered again.
fn walk(
    root: &Path,
    entries: Vec<fs::DirEntry>,
    files: &mut Vec<(PathBuf, Format)>,
    seen: &mut HashSet<PathBuf>,
    warnings: &mut Vec<IndexWarning>,
) {
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                warnings.push(IndexWarning {
                    path: relative(root, &path),
                    message: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        if meta.is_dir() {
            if let Ok(canonical) = fs::canonicalize(&path) {
                if !seen.insert(canonical) {
                    continue;
                }
            }
            match read_sorted(&path) {
                Ok(children) => walk(root, children, files, seen, warnings),
                Err(e) => warnings.push(IndexWarning {
                    path: relative(root, &path),
                    message: format!("cannot read folder: {e}"),
                }),
            }
        } else if meta.is_file() {
            let format = path
                .extension()
                .and_then(|e| e.to_str())
                .and_then(Format::from_extension);
            if let Some(format) = format {
                files.push((path, format));
            }
        }
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
