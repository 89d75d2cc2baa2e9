//! `strata validate`: load each file, compile it, and report every diagnostic, as text or JSON.

use super::{file_stem, plural};
use crate::diagnostic::{Diagnostic, Severity};
use crate::import::{import, ImportFormat};
use anyhow::Result;
use serde::Serialize;
use serde_with::skip_serializing_none;
use std::path::PathBuf;

#[derive(Serialize)]
struct ValidateReport {
    files: Vec<FileReport>,
}

#[derive(Serialize)]
struct FileReport {
    path: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "describe_format"
    )]
    format: Option<ImportFormat>,
    /// What importing the file noticed (CloudFormation intrinsics kept as text, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    /// Set when the file could not be read or parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<LoadFailure>,
    diagnostics: Vec<Diagnostic>,
}

#[skip_serializing_none]
#[derive(Serialize)]
struct LoadFailure {
    message: String,
    line: Option<usize>,
    column: Option<usize>,
}

pub(super) fn validate(paths: &[PathBuf], json: bool) -> Result<u8> {
    let mut report = ValidateReport { files: vec![] };
    let mut unreadable = false;
    let mut errors = false;
    for path in paths {
        let shown = path.display().to_string();
        let text = match std::fs::read(path) {
            Ok(bytes) => match crate::text::decode(&bytes) {
                Ok(text) => Ok(text.to_owned()),
                Err(e) => {
                    let (line, column) = match e {
                        crate::text::DecodeError::InvalidUtf8 { line, column, .. } => {
                            (Some(line), Some(column))
                        }
                        crate::text::DecodeError::Empty => (None, None),
                    };
                    Err(LoadFailure {
                        message: e.to_string(),
                        line,
                        column,
                    })
                }
            },
            Err(e) => Err(LoadFailure {
                message: format!("cannot read the file: {e}"),
                line: None,
                column: None,
            }),
        };
        let text = match text {
            Ok(t) => t,
            Err(failure) => {
                unreadable = true;
                report.files.push(FileReport {
                    path: shown,
                    format: None,
                    warnings: vec![],
                    error: Some(failure),
                    diagnostics: vec![],
                });
                continue;
            }
        };
        match import(&text, &file_stem(path)) {
            Err(e) => {
                unreadable = true;
                let pos = e.position();
                report.files.push(FileReport {
                    path: shown,
                    format: None,
                    warnings: vec![],
                    error: Some(LoadFailure {
                        message: e.to_string(),
                        line: pos.map(|p| p.0),
                        column: pos.map(|p| p.1),
                    }),
                    diagnostics: vec![],
                });
            }
            Ok(loaded) => {
                let project_dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(std::path::Path::new("."));
                let compiled = crate::compile::compile_in(&loaded.project, project_dir);
                errors |= compiled.has_errors();
                report.files.push(FileReport {
                    path: shown,
                    format: Some(loaded.format),
                    warnings: loaded.warnings.iter().map(ToString::to_string).collect(),
                    error: None,
                    diagnostics: compiled.diagnostics,
                });
            }
        }
    }
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(if unreadable {
        2
    } else if errors {
        1
    } else {
        0
    })
}

fn describe_format<S: serde::Serializer>(
    f: &Option<ImportFormat>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match f {
        Some(f) => s.serialize_str(f.describe()),
        None => s.serialize_none(),
    }
}

fn print_report(report: &ValidateReport) {
    for file in &report.files {
        if let Some(err) = &file.error {
            match (err.line, err.column) {
                (Some(l), Some(c)) => {
                    {
                        // The message repeats the position; say it once, the way compilers do.
                        let prefix = format!("line {l}, column {c}: ");
                        let message = err.message.strip_prefix(&prefix).unwrap_or(&err.message);
                        outln!("{}:{l}:{c}: cannot parse: {message}", file.path)
                    }
                }
                _ => outln!("{}: cannot load: {}", file.path, err.message),
            }
            continue;
        }
        let errors = file
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = file.diagnostics.len() - errors;
        let what = file.format.map(|f| f.describe()).unwrap_or("file");
        for w in &file.warnings {
            outln!("{}: note: {w}", file.path);
        }
        if file.diagnostics.is_empty() {
            outln!("{}: ok ({what}, no problems)", file.path);
            continue;
        }
        outln!(
            "{}: {errors} error{}, {warnings} warning{} ({what})",
            file.path,
            plural(errors),
            plural(warnings)
        );
        for d in &file.diagnostics {
            outln!("  {}[{}] {}", d.severity, d.code, d.message);
            outln!("      at {}", d.location);
            if !d.hint.is_empty() {
                outln!("      hint: {}", d.hint);
            }
        }
    }
}
