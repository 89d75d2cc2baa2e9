//! `strata draft agent|flow`: add a drafted counterpart (an agent from a flow, a flow skeleton
//! from an agent) to a copy of a project, then validate the copy.

use super::{read_document, validate::validate};
use crate::save::{check_target, write_atomically};
use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub(super) struct DraftArgs {
    #[command(subcommand)]
    what: DraftKind,
}

#[derive(Subcommand)]
enum DraftKind {
    /// Draft an agent from a flow: instruction from its prompts, an action group per Lambda
    /// node (handlers reused), its knowledge bases, project agents as collaborators.
    Agent {
        /// The Strata project holding the flow.
        project: PathBuf,
        /// The flow to start from.
        #[arg(long)]
        from_flow: String,
        #[command(flatten)]
        out: DraftOutput,
    },
    /// Draft a flow skeleton from an agent: Input → Classify → Route → a Lambda node per
    /// function (handlers reused) → Answer → Output, knowledge bases on the help branch.
    Flow {
        /// The Strata project holding the agent.
        project: PathBuf,
        /// The agent to start from.
        #[arg(long)]
        from_agent: String,
        #[command(flatten)]
        out: DraftOutput,
    },
}

#[derive(Args)]
struct DraftOutput {
    /// The project file to write: a copy of the project with the draft added (default:
    /// PROJECT-draft.strata.json beside it). Never the project itself.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// The draft's name (default: FLOW-agent or AGENT-flow).
    #[arg(long)]
    name: Option<String>,
    /// Replace the --out file when it exists.
    #[arg(long)]
    force: bool,
}

pub(super) fn draft(args: DraftArgs) -> Result<u8> {
    let (project_path, source, out, agent) = match &args.what {
        DraftKind::Agent {
            project,
            from_flow,
            out,
        } => (project, from_flow, out, true),
        DraftKind::Flow {
            project,
            from_agent,
            out,
        } => (project, from_agent, out, false),
    };
    let mut project = read_document(project_path)?.project;
    let name = out.name.as_deref();
    let made = if agent {
        crate::draft::agent_from_flow(&mut project, source, name)
    } else {
        crate::draft::flow_from_agent(&mut project, source, name)
    }
    .map_err(|e| anyhow::anyhow!("{}: {e}", project_path.display()))?;
    let target = out.out.clone().unwrap_or_else(|| beside(project_path));
    check_target(&target, out.force, &[project_path])?;
    write_atomically(&target, project.to_json().as_bytes())?;
    let what = if agent { "agent" } else { "flow" };
    outln!(
        "drafted the {what} {:?} from {source:?} into {}",
        made.name,
        target.display()
    );
    if !same_folder(&target, project_path) {
        outln!("note: handler and document paths stay relative to the project's folder; copy those files beside {}", target.display());
    }
    for note in &made.notes {
        outln!("note: {note}");
    }
    validate(&[target], false)
}

/// `dir/support.strata.json` → `dir/support-draft.strata.json`.
fn beside(project: &Path) -> PathBuf {
    let name = project
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("project");
    let stem = name
        .strip_suffix(".strata.json")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(name);
    project.with_file_name(format!("{stem}-draft.strata.json"))
}

/// Whether two files sit in the same folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    let folder = |p: &Path| {
        let parent = p
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        parent.canonicalize().ok()
    };
    folder(a) == folder(b)
}
