//! The command-line host: parses arguments, calls the core, prints, and maps to exit codes.
//!
//! Exit codes: 0 success (no errors found), 1 the input has errors, 2 a file could not be
//! read or parsed, or the command was misused.

use crate::compile::compile;
use crate::diagnostic::{Diagnostic, Severity};
use crate::import::{import, ImportFormat, Imported};
use crate::nodes::{PortRule, REGISTRY};
use crate::templates::TEMPLATES;
use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Prints a line to stdout; a closed pipe (`strata nodes | head`) ends output quietly
/// instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Like `outln!` without the newline.
macro_rules! outp {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod ask;
mod chat;
mod deploy;
mod lifecycle;
mod run;
mod runs;

#[derive(Parser)]
#[command(
    name = "strata",
    version,
    about = "Design, check, run, export and deploy Amazon Bedrock Flows and Agents"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check projects or Bedrock flow JSON the way Bedrock does, plus Strata's production lints.
    Validate {
        /// Strata projects (*.strata.json) or Bedrock flow JSON (CreateFlow, GetFlow, or {nodes, connections}).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print {"files":[{"path", "format", "diagnostics":[...]}]} instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create a project file NAME.strata.json from a template.
    New {
        /// The project's name (also the file name).
        name: String,
        /// Template to start from; see `strata templates`.
        #[arg(long, short, default_value = "blank")]
        template: String,
        /// Folder to create the file in.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Export a project: a CloudFormation template (YAML or JSON), a CreateFlow request, or an
    /// agent's CreateAgent / CreateAgentActionGroup / AssociateAgentKnowledgeBase /
    /// AssociateAgentCollaborator requests.
    Export {
        /// A Strata project (*.strata.json), Bedrock flow JSON or a CloudFormation template.
        path: PathBuf,
        #[arg(long, value_enum, default_value = "cloudformation")]
        format: ExportFormat,
        /// The flow (flow-json) or agent (agent-json) to export; default: the first.
        #[arg(long)]
        name: Option<String>,
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Carry the versions and aliases recorded in this data folder (`strata version
        /// create`, `strata alias set`) into the CloudFormation template: a FlowVersion per
        /// version and a FlowAlias per alias. Without it, each flow gets one version and the
        /// `live` alias.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Import CreateFlow/GetFlow JSON, a GetAgent response, or a CloudFormation template
    /// (JSON or YAML) with Bedrock Flow and Agent resources, as a Strata project.
    Import {
        path: PathBuf,
        /// The project file to write (default: NAME.strata.json in the current folder).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Run a flow on this machine and print its trace as it happens.
    Run(Box<run::RunArgs>),
    /// Create, list and compare immutable versions of a flow.
    Version(lifecycle::VersionArgs),
    /// Point named aliases at versions (moving one back is a rollback).
    Alias(lifecycle::AliasArgs),
    /// Talk to one of the project's agents on this machine, showing each step.
    Chat(Box<chat::ChatArgs>),
    /// Deploy a project's agents and flows to Amazon Bedrock (shows the plan first).
    Deploy(Box<deploy::DeployArgs>),
    /// List and show recorded runs.
    Runs(runs::RunsArgs),
    /// List the starter templates.
    Templates,
    /// List every node kind with its ports (generated from the node registry).
    Nodes {
        #[arg(long)]
        json: bool,
    },
    /// Draw a flow as Graphviz dot, Mermaid, or the compiled plan.
    Graph {
        path: PathBuf,
        /// The flow to draw (default: the first).
        #[arg(long)]
        flow: Option<String>,
        #[arg(long, value_enum, default_value = "mermaid")]
        format: GraphFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// CloudFormation template, YAML (also `cfn-yaml`).
    #[value(alias = "cfn-yaml")]
    Cloudformation,
    /// CloudFormation template, JSON (also `cfn-json`).
    #[value(alias = "cfn-json")]
    CloudformationJson,
    /// CreateFlow request JSON.
    FlowJson,
    /// {createAgent, actionGroups, knowledgeBases, collaborators} request JSON.
    AgentJson,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    /// The compiled execution plan, as text.
    Plan,
}

/// Entry point for the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Validate { paths, json } => validate(&paths, json),
        Command::New {
            name,
            template,
            dir,
            force,
        } => new_project(&name, &template, &dir, force),
        Command::Run(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(run::run(*args))
        }
        Command::Chat(args) => async_main(chat::chat(*args)),
        Command::Deploy(args) => async_main(deploy::deploy(*args)),
        Command::Version(args) => async_main(lifecycle::version(args)),
        Command::Alias(args) => async_main(lifecycle::alias(args)),
        Command::Runs(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(runs::runs(args))
        }
        Command::Export {
            path,
            format,
            name,
            out,
            data_dir,
        } => export(
            &path,
            format,
            name.as_deref(),
            out.as_deref(),
            data_dir.as_deref(),
        ),
        Command::Import { path, out, force } => import_file(&path, out.as_deref(), force),
        Command::Templates => {
            for t in TEMPLATES {
                outln!("{:<16} {}", t.name, t.summary);
            }
            Ok(0)
        }
        Command::Nodes { json } => nodes(json),
        Command::Graph { path, flow, format } => graph(&path, flow.as_deref(), format),
    }
}

/// Runs an async command to completion on a fresh runtime.
fn async_main(fut: impl std::future::Future<Output = Result<u8>>) -> Result<u8> {
    async_main_value(fut)
}

fn async_main_value<T>(fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(fut)
}

/// Reads a Strata project, Bedrock flow or agent JSON, or a CloudFormation template;
/// the error says which file and where in it. Import caveats go to stderr.
pub fn read_document(path: &Path) -> Result<Imported> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let imported =
        import(&text, &file_stem(path)).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    for w in &imported.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
    Ok(imported)
}

/// The name a file suggests: `support.strata.json` → `support`.
fn file_stem(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("flow");
    let stem = name
        .strip_suffix(".strata.json")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(name);
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "flow".to_owned()
    } else {
        cleaned
    }
}

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

#[derive(Serialize)]
struct LoadFailure {
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

fn validate(paths: &[PathBuf], json: bool) -> Result<u8> {
    let mut report = ValidateReport { files: vec![] };
    let mut unreadable = false;
    let mut errors = false;
    for path in paths {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                unreadable = true;
                report.files.push(FileReport {
                    path: shown,
                    format: None,
                    warnings: vec![],
                    error: Some(LoadFailure {
                        message: format!("cannot read the file: {e}"),
                        line: None,
                        column: None,
                    }),
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
                    .unwrap_or(Path::new("."));
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

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn new_project(name: &str, template: &str, dir: &Path, force: bool) -> Result<u8> {
    let Some(t) = crate::templates::find(template) else {
        let names: Vec<&str> = TEMPLATES.iter().map(|t| t.name).collect();
        bail!(
            "no template named {template:?}; templates are: {}",
            names.join(", ")
        );
    };
    let project = crate::templates::instantiate(t, name)
        .map_err(|e| anyhow::anyhow!("template {template:?} does not load: {e}"))?;
    let path = dir.join(format!("{name}.strata.json"));
    if path.exists() && !force {
        bail!(
            "{} already exists; pass --force to replace it",
            path.display()
        );
    }
    write_atomically(&path, project.to_json().as_bytes())?;
    outln!("created {} from template {template:?}", path.display());
    outln!("next: strata validate {}", path.display());
    Ok(0)
}

/// Writes to a temporary file beside `path`, then renames it over `path`, so a crash never
/// leaves a half-written project.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("strata"),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

#[derive(Serialize)]
struct NodeEntry {
    #[serde(rename = "type")]
    node_type: &'static str,
    config_key: &'static str,
    category: &'static str,
    summary: &'static str,
    inputs: String,
    outputs: String,
}

fn describe_ports(rule: &PortRule) -> String {
    match rule {
        PortRule::Fixed(specs) if specs.is_empty() => "none".to_owned(),
        PortRule::Fixed(specs) => specs
            .iter()
            .map(|s| {
                format!(
                    "{}: {}{}",
                    s.name,
                    s.data_type.map(|t| t.as_str()).unwrap_or("any"),
                    if s.optional { " (optional)" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        PortRule::User { max } => format!("named by you, any type, up to {max}"),
    }
}

fn nodes(json: bool) -> Result<u8> {
    let entries: Vec<NodeEntry> = REGISTRY
        .iter()
        .map(|k| {
            let sample = (k.new_node)("Sample");
            let ports = (k.ports)(&sample);
            NodeEntry {
                node_type: k.name(),
                config_key: k.config_key,
                category: k.category.as_str(),
                summary: k.summary,
                inputs: describe_ports(&ports.inputs),
                outputs: describe_ports(&ports.outputs),
            }
        })
        .collect();
    if json {
        outln!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(0);
    }
    for e in entries {
        outln!(
            "{} ({}, configuration key \"{}\")",
            e.node_type,
            e.category,
            e.config_key
        );
        outln!("  {}", e.summary);
        outln!("  inputs:  {}", e.inputs);
        outln!("  outputs: {}", e.outputs);
    }
    Ok(0)
}

fn graph(path: &Path, flow: Option<&str>, format: GraphFormat) -> Result<u8> {
    let loaded = read_document(path)?;
    let project = &loaded.project;
    let f = match flow {
        Some(name) => project
            .flow(name)
            .with_context(|| format!("{} has no flow named {name:?}", path.display()))?,
        None => project
            .flows
            .first()
            .with_context(|| format!("{} has no flows", path.display()))?,
    };
    match format {
        GraphFormat::Dot => outp!("{}", crate::graph::to_dot(f)),
        GraphFormat::Mermaid => outp!("{}", crate::graph::to_mermaid(f)),
        GraphFormat::Plan => {
            let compiled = compile(project);
            match compiled.plan(&f.name) {
                Some(plan) => outp!("{}", plan.render()),
                None => {
                    eprintln!(
                        "flow {:?} has errors or node or connection types Strata cannot run, so it has no plan; run `strata validate {}`",
                        f.name,
                        path.display()
                    );
                    return Ok(1);
                }
            }
        }
    }
    Ok(0)
}

/// Exit 0 when written, 1 when the project has errors or a setting the format cannot hold,
/// 2 when the file cannot be read or the flow/agent named does not exist.
fn export(
    path: &Path,
    format: ExportFormat,
    name: Option<&str>,
    out: Option<&Path>,
    data_dir: Option<&Path>,
) -> Result<u8> {
    use crate::export::{
        export_agent_json, export_cloudformation_with, export_flow_json, ExportError, History,
    };
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
    match out {
        Some(o) => {
            write_atomically(o, text.as_bytes())?;
            eprintln!("wrote {}", o.display());
        }
        None => outp!("{text}"),
    }
    Ok(0)
}

fn import_file(path: &Path, out: Option<&Path>, force: bool) -> Result<u8> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
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
    let imported = crate::import::import(&text, &fallback)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    let project = imported.project;
    let target = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(format!("{}.strata.json", project.name)));
    if target.exists() && !force {
        bail!(
            "{} already exists; pass --force to replace it",
            target.display()
        );
    }
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
