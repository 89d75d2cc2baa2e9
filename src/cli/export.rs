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
    use crate::export::{
        export_agent_json, export_cloudformation_with, export_flow_json, ExportError, History,
    };
    if let Some(o) = out.path {
        check_target(o, out.force, &[path])?;
    }
    let project = read_document(path)?.project;
    if data_dir.is_some() && matches!(format, ExportFormat::FlowJson | ExportFormat::AgentJson) {
        bail!("--data-dir carries versions and aliases into CloudFormation templates only; drop it or use --format cfn-yaml / cfn-json");
    }
    let history = match data_dir {
        Some(dir) => async_main_value(async {
            let store = crate::store::Store::open(dir).await?;
            lifecycle::history(&store, &project).await
        })?,
        None => History::default(),
    };
    let cloudformation = |project: &crate::model::Project| {
        export_cloudformation_with(project, &history).inspect(|t| {
            for note in &t.notes {
                eprintln!("note: {note}");
            }
        })
    };
    let pretty = |v: &serde_json::Value| {
        let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
        s.push('\n');
        s
    };
    let first_flow = project.flows.first().map(|f| f.name.clone());
    let first_agent = project.agents.first().map(|a| a.agent_name.clone());
    let result = match format {
        ExportFormat::Cloudformation => cloudformation(&project).map(|t| t.to_yaml()),
        ExportFormat::CloudformationJson => cloudformation(&project).map(|t| t.to_json()),
        ExportFormat::FlowJson => {
            let Some(flow) = name.map(str::to_owned).or(first_flow) else {
                bail!("{} has no flow to export", path.display());
            };
            export_flow_json(&project, &flow).map(|v| pretty(&v))
        }
        ExportFormat::AgentJson => {
            let Some(agent) = name.map(str::to_owned).or(first_agent) else {
                bail!("{} has no agent to export", path.display());
            };
            export_agent_json(&project, &agent).map(|r| pretty(&r.to_value()))
        }
    };
    let text = match result {
        Ok(text) => text,
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
        Err(e @ (ExportError::UnknownFlow { .. } | ExportError::UnknownAgent { .. })) => {
            bail!("{}: {e}", path.display())
        }
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return Ok(1);
        }
    };
    if matches!(format, ExportFormat::FlowJson | ExportFormat::AgentJson) {
        let left = crate::export::placeholders(&text);
        if !left.is_empty() {
            eprintln!(
                "note: replace {} before sending the request; `strata deploy` fills them in, and the CloudFormation export creates what they stand for",
                left.join(", ")
            );
        }
    }
    match out.path {
        Some(o) => {
            write_atomically(o, text.as_bytes())?;
            eprintln!("wrote {}", o.display());
        }
        None => outp!("{text}"),
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
        PathBuf::from(format!("{}.strata.json", plain_file_stem(&project.name)))
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

/// A project name made safe as a file name in the current folder: no path separators, no `..`,
/// no control characters, no leading dot; `imported` when nothing is left.
fn plain_file_stem(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.replace("..", "_");
    let cleaned = cleaned
        .trim()
        .trim_start_matches(['.', '_', '-'])
        .trim_end_matches('.');
    let cleaned = crate::text::truncate_chars(cleaned, 100);
    if cleaned.trim().is_empty() {
        "imported".to_owned()
    } else {
        cleaned.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::plain_file_stem;

    #[test]
    fn an_imported_name_stays_a_plain_file_name() {
        for (name, expect) in [
            ("support", "support"),
            ("../../etc/passwd", "etc_passwd"),
            ("a/b\\c", "a_b_c"),
            ("..", "imported"),
            ("", "imported"),
            ("\u{1b}[2Kx\r", "[2Kx_"),
            ("/", "imported"),
        ] {
            let got = plain_file_stem(name);
            assert_eq!(got, expect, "{name:?}");
            assert!(!got.contains(['/', '\\']) && !got.contains("..") && !got.starts_with('.'));
        }
    }
}
