//! `strata export` and `strata import`: a project out as Bedrock JSON or a CloudFormation
//! template, and a Bedrock or CloudFormation document in as a project.

use super::{async_main_value, decode_file, plural, read_document, read_file};
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
    format: crate::export::Format,
    name: Option<&str>,
    out: Output<'_>,
    data_dir: Option<&Path>,
) -> Result<u8> {
    use crate::export::{render, ExportError, History};
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
        bail!("--data-dir carries versions and aliases into CloudFormation templates only (and AgentCore exports: a harness endpoint per alias); drop it or use --format cfn-yaml / cfn-json / agentcore-cfn-yaml / agentcore-cfn-json / agentcore-json");
    }
    let history = match data_dir {
        Some(dir) => async_main_value(async {
            let store = crate::store::Store::open(dir).await?;
            Ok::<_, anyhow::Error>(crate::session::versions::history(&store, &project).await?)
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
    let adapters = match adapters_beside(&project, format, name, &rendered, &out) {
        Ok(adapters) => adapters,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            eprintln!("export refused: nothing was written");
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
    for (file, a) in &adapters {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_atomically(file, a.text.as_bytes())?;
        eprintln!(
            "wrote {} (action group {} of {}: deploy it in the Lambda package of {} with the handler setting {})",
            file.display(),
            a.action_group,
            a.agent,
            a.handler_file,
            a.entry_point
        );
    }
    Ok(0)
}

/// The Gateway adapters an AgentCore export writes beside `--out` (one per Lambda action
/// group, `adapters/<agent>/<group>_gateway.py`), each with the path it goes to; checked
/// before anything is written. Without `--out` there is nowhere to put them: a note says so.
fn adapters_beside(
    project: &crate::model::Project,
    format: crate::export::Format,
    name: Option<&str>,
    rendered: &crate::export::Rendered,
    out: &Output<'_>,
) -> Result<Vec<(PathBuf, crate::agentcore::adapter::AdapterFile)>> {
    use crate::agentcore::adapter::{adapter_files, needs_adapter};
    if !format.is_agentcore() {
        return Ok(vec![]);
    }
    let agent = match format.subject() {
        crate::export::Subject::Agent => Some(rendered.subject.as_str()),
        _ => name,
    };
    let Some(o) = out.path else {
        let lambda_groups = project
            .agents
            .iter()
            .filter(|a| agent.is_none_or(|n| n == a.agent_name))
            .any(|a| a.action_groups.iter().any(needs_adapter));
        if lambda_groups {
            eprintln!("note: with --out FILE the export also writes the Gateway adapters of the Lambda action groups beside it (adapters/<agent>/<group>_gateway.py)");
        }
        return Ok(vec![]);
    };
    let dir = o.parent().unwrap_or(Path::new("."));
    let files = adapter_files(project, agent)?;
    let mut out_files = Vec::new();
    for a in files {
        let file = dir.join(&a.path);
        check_target(&file, out.force, &[])?;
        out_files.push((file, a));
    }
    Ok(out_files)
}

pub(super) fn import_file(
    path: &Path,
    out: Option<&Path>,
    force: bool,
    parameters: &[String],
) -> Result<u8> {
    let mut given = crate::import::cloudformation::Parameters::new();
    given.extend(super::name_values("--parameter", parameters)?);
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
    let imported = crate::import::import_with(text, &fallback, &given)
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
