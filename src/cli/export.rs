//! `strata export` and `strata import`: a project out as Bedrock JSON or a CloudFormation
//! template, and a Bedrock or CloudFormation document in as a project.

use super::{
    async_main_value, decode_file, lifecycle, plural, read_document, read_file, ExportFormat,
};
use crate::save::{check_target, write_atomically};
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// Where `strata export` writes: stdout, or a file it may replace only with `force`.
pub(super) struct Output<'a> {
    pub(super) path: Option<&'a Path>,
    pub(super) force: bool,
    /// `--report`: where the AgentCore migration report goes besides stderr.
    pub(super) report: Option<&'a Path>,
}

/// Exit 0 when written, 1 when the project has errors or a setting the format cannot hold,
/// 2 when the file cannot be read or the flow/agent named does not exist.
pub(super) fn export(
    path: &Path,
    format: ExportFormat,
    name: Option<&str>,
    out: Output<'_>,
    data_dir: Option<&Path>,
) -> Result<u8> {
    use crate::export::{render, ExportError, History};
    let format = format.core();
    if let Some(o) = out.path {
        check_target(o, out.force, &[path])?;
    }
    if let Some(r) = out.report {
        if !format.is_agentcore() {
            bail!("--report writes the AgentCore migration report; use it with --format agentcore-cfn-yaml, agentcore-cfn-json or agentcore-json");
        }
        check_target(r, out.force, &[path])?;
    }
    let project = read_document(path)?.project;
    if data_dir.is_some() && !format.takes_history() {
        bail!("--data-dir carries versions and aliases into CloudFormation templates only; drop it or use --format cfn-yaml / cfn-json");
    }
    let history = match data_dir {
        Some(dir) => async_main_value(async {
            let store = crate::store::Store::open(dir).await?;
            lifecycle::history(&store, &project).await
        })?,
        None => History::default(),
    };
    let rendered = match render(&project, format, name, &history) {
        Ok(rendered) => rendered,
        Err(ExportError::Invalid { diagnostics }) => {
            for d in diagnostics.iter().filter(|d| d.is_error()) {
                eprintln!("{d}");
            }
            eprintln!(
                "export refused: {} has errors (strata validate shows them all)",
                path.display()
            );
            return Ok(1);
        }
        Err(
            e @ (ExportError::UnknownFlow { .. }
            | ExportError::UnknownAgent { .. }
            | ExportError::Nothing { .. }),
        ) => {
            bail!("{}: {e}", path.display())
        }
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return Ok(1);
        }
    };
    for note in &rendered.notes {
        eprintln!("note: {note}");
    }
    for r in &rendered.migration {
        let text = crate::agentcore::report::to_text(&r.agent, &r.items);
        eprint!("{}", crate::text::escape_block(&text));
    }
    if let Some(r) = out.report {
        let text = match r.extension().is_some_and(|e| e == "json") {
            true => {
                let mut t = serde_json::to_string_pretty(&rendered.migration)?;
                t.push('\n');
                t
            }
            false => rendered
                .migration
                .iter()
                .map(|m| crate::agentcore::report::to_text(&m.agent, &m.items))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        write_atomically(r, text.as_bytes())?;
        eprintln!("wrote {}", r.display());
    }
    if !rendered.placeholders.is_empty() {
        eprintln!(
            "note: replace {} before sending the request; `strata deploy` fills them in, and the CloudFormation export creates what they stand for",
            rendered.placeholders.join(", ")
        );
    }
    match out.path {
        Some(o) => {
            write_atomically(o, rendered.text.as_bytes())?;
            eprintln!("wrote {}", o.display());
        }
        None => outp!("{}", rendered.text),
    }
    Ok(0)
}

pub(super) fn import_file(path: &Path, out: Option<&Path>, force: bool) -> Result<u8> {
    let bytes = read_file(path)?;
    let text = decode_file(path, &bytes)?;
    let file = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("imported");
    let fallback = [
        ".template.yaml",
        ".template.json",
        ".yaml",
        ".yml",
        ".json",
        ".template",
    ]
    .iter()
    .find_map(|suffix| file.strip_suffix(suffix))
    .unwrap_or(file)
    .to_owned();
    let imported = crate::import::import(text, &fallback)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    let project = imported.project;
    let target = out.map(Path::to_path_buf).unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}.strata.json",
            crate::text::plain_file_stem(&project.name)
        ))
    });
    check_target(&target, force, &[path])?;
    write_atomically(&target, project.to_json().as_bytes())?;
    outln!(
        "imported {} flow{} and {} agent{} into {}",
        project.flows.len(),
        plural(project.flows.len()),
        project.agents.len(),
        plural(project.agents.len()),
        target.display()
    );
    outln!("next: strata validate {}", target.display());
    Ok(0)
}
