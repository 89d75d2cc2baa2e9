//! The command-line host: parses arguments, calls the core, prints, and maps to exit codes.
//!
//! Exit codes: 0 success (no errors found), 1 the input has errors, 2 a file could not be
//! read or parsed, or the command was misused.

use crate::compile::compile;
use crate::import::{import, Imported};
use crate::nodes::{PortRule, REGISTRY};
use crate::save::write_atomically;
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

pub mod ask;
mod chat;
mod deploy;
mod draft;
mod eval;
mod export;
mod handlers;
mod lifecycle;
mod provider;
mod run;
mod runs;
mod validate;

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
    /// Export a project: a CloudFormation template (YAML or JSON), a CreateFlow request, an
    /// agent's CreateAgent / CreateAgentActionGroup / AssociateAgentKnowledgeBase /
    /// AssociateAgentCollaborator requests, an AgentCore CloudFormation template (YAML or JSON),
    /// or an agent's AgentCore CreateHarness / CreateGateway / CreateGatewayTarget /
    /// CreateHarnessEndpoint requests.
    Export {
        /// A Strata project (*.strata.json), Bedrock flow JSON or a CloudFormation template.
        path: PathBuf,
        #[arg(long, value_enum, default_value = "cloudformation")]
        format: crate::export::Format,
        /// The flow (flow-json) or agent (agent-json) to export; default: the first.
        #[arg(long)]
        name: Option<String>,
        /// The agent to export (agent-json, agentcore-*); the AgentCore templates hold every
        /// agent without it. The same as --name for an agent.
        #[arg(long, conflicts_with = "name")]
        agent: Option<String>,
        /// AgentCore formats: also write the migration report (what each Classic feature
        /// became, or why it has no AgentCore equivalent) to this file; JSON when it ends in
        /// .json, else text. The report is printed on stderr either way.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Replace the --out file when it exists (never the project being exported).
        #[arg(long)]
        force: bool,
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
        /// A CloudFormation template's parameter value, `NAME=VALUE` (repeatable), as a stack
        /// would get it; also `AWS::Region=…`, `AWS::AccountId=…`, and `Resource.Attribute=…`
        /// for a `Fn::GetAtt` (a deployed function's ARN, say). Parameters not given take the
        /// template's Default.
        #[arg(long = "parameter", value_name = "NAME=VALUE")]
        parameters: Vec<String>,
    },
    /// Run a flow on this machine and print its trace as it happens.
    Run(Box<run::RunArgs>),
    /// Create, list and compare immutable versions of a flow.
    Version(lifecycle::VersionArgs),
    /// Point named aliases at versions (moving one back is a rollback).
    Alias(lifecycle::AliasArgs),
    /// Talk to one of the project's agents on this machine, showing each step.
    Chat(Box<chat::ChatArgs>),
    /// Deploy a project's agents and flows to Amazon Bedrock, or its agents to AgentCore
    /// (`--target agentcore`); shows the plan first.
    Deploy(Box<deploy::DeployArgs>),
    /// List and show recorded runs.
    Runs(runs::RunsArgs),
    /// Run an evaluation suite's cases on its variants (flows, agents) and compare them:
    /// metrics with their uncertainty, and a recommendation.
    Eval(Box<eval::EvalArgs>),
    /// Run a suite's cases against one variant, offline with its recordings; exit 1 when an
    /// expectation fails.
    Test(Box<eval::TestArgs>),
    /// Draft a counterpart: an agent from a flow, or a flow skeleton from an agent.
    Draft(draft::DraftArgs),
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
        Command::Validate { paths, json } => validate::validate(&paths, json),
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
        Command::Draft(args) => draft::draft(args),
        Command::Eval(args) => async_main(eval::eval(*args)),
        Command::Test(args) => async_main(eval::test(*args)),
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
            agent,
            out,
            force,
            data_dir,
            report,
        } => export::export(
            &path,
            format,
            name.as_deref().or(agent.as_deref()),
            export::Output {
                path: out.as_deref(),
                report: report.as_deref(),
                force,
            },
            data_dir.as_deref(),
        ),
        Command::Import {
            path,
            out,
            force,
            parameters,
        } => export::import_file(&path, out.as_deref(), force, &parameters),
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
    let bytes = read_file(path)?;
    let text = decode_file(path, &bytes)?;
    let imported =
        import(text, &file_stem(path)).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    for w in &imported.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
    Ok(imported)
}

/// The store runs, sessions and memory are kept in (`--data-dir`, default: $STRATA_DATA_DIR,
/// else the per-user data folder); none with `--no-store`.
async fn open_store(
    no_store: bool,
    data_dir: Option<&Path>,
) -> Result<Option<crate::store::Store>> {
    if no_store {
        return Ok(None);
    }
    let dir = crate::store::Store::resolve_data_dir(data_dir)?;
    Ok(Some(crate::store::Store::open(&dir).await?))
}

/// A file's bytes; the error names the file.
fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// A file's bytes as text (a UTF-8 BOM skipped); an empty file or invalid UTF-8 is an error that
/// names the file and, for invalid UTF-8, the byte offset, line and column.
fn decode_file<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    crate::text::decode(bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
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
    let json = project.to_json();
    let mut writes: Vec<(PathBuf, &[u8])> = vec![(path.clone(), json.as_bytes())];
    writes.extend(t.files.iter().map(|f| (dir.join(f.path), f.contents)));
    // Every target is checked before anything is written, so a refusal leaves nothing half
    // made. A support file already there with the template's very contents (a second project
    // from the same template in one folder) is left as it is.
    let mut todo = Vec::new();
    for (i, (target, contents)) in writes.into_iter().enumerate() {
        let same = i > 0 && std::fs::read(&target).is_ok_and(|there| there == contents);
        if !same {
            crate::save::check_target(&target, force, &[])?;
            todo.push((target, contents));
        }
    }
    for (target, contents) in &todo {
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder {}", parent.display()))?;
        }
        write_atomically(target, contents)?;
        outln!("created {}", target.display());
    }
    outln!("from template {template:?}; next:");
    outln!("  strata validate {}", path.display());
    if let Some(flow) = project.flows.first() {
        let replay = dir.join(format!("replays/{}.yaml", flow.name));
        if replay.exists() {
            outln!(
                "  strata run {} --replay {}   # offline, scripted model replies",
                path.display(),
                replay.display()
            );
        }
    }
    Ok(0)
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

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `NAME=VALUE` arguments of a repeatable option `flag`, by name; one without `=` is an error
/// naming it.
pub(crate) fn name_values(
    flag: &str,
    items: &[String],
) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    use anyhow::Context;
    items
        .iter()
        .map(|item| {
            let (name, value) = item
                .split_once('=')
                .with_context(|| format!("{flag} {item:?}: expected NAME=VALUE"))?;
            Ok((name.to_owned(), value.to_owned()))
        })
        .collect()
}
