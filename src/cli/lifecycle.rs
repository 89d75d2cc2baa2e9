//! `strata version …` and `strata alias …`: immutable numbered versions of a flow and the
//! aliases pointing at them, kept in the run store.

use crate::lifecycle::{diff, Side, Snapshot};
use crate::model::Project;
use crate::session::{self, versions};
use crate::store::Store;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct VersionArgs {
    #[command(subcommand)]
    pub command: VersionCommand,
    /// Where versions are kept (default: $STRATA_DATA_DIR, else the per-user data folder).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum VersionCommand {
    /// Snapshot a flow and the agents it uses as the next numbered version (a no-op when
    /// nothing changed since an existing version).
    Create {
        path: PathBuf,
        #[arg(long)]
        flow: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// The versions of a flow.
    List {
        path: PathBuf,
        #[arg(long)]
        flow: Option<String>,
    },
    /// What changed from version A to version B (a number, or `draft` for the file as it is).
    Diff {
        path: PathBuf,
        a: String,
        b: String,
        #[arg(long)]
        flow: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct AliasArgs {
    #[command(subcommand)]
    pub command: AliasCommand,
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum AliasCommand {
    /// Point alias NAME at VERSION (creating or moving it).
    Set {
        path: PathBuf,
        name: String,
        version: u32,
        #[arg(long)]
        flow: Option<String>,
    },
    /// The aliases of a flow.
    List {
        path: PathBuf,
        #[arg(long)]
        flow: Option<String>,
    },
    /// Point alias NAME back at the version it pointed at before its last move (again: one
    /// more move back).
    Rollback {
        path: PathBuf,
        name: String,
        #[arg(long)]
        flow: Option<String>,
    },
}

/// The project and the flow a command is about.
fn target(path: &Path, flow: Option<&str>) -> Result<(Project, String)> {
    let project = super::read_document(path)?.project;
    let name = match flow {
        Some(f) => {
            project
                .flow(f)
                .with_context(|| format!("{} has no flow named {f:?}", path.display()))?;
            f.to_owned()
        }
        None => project
            .flows
            .first()
            .map(|f| f.name.clone())
            .with_context(|| format!("{} has no flows", path.display()))?,
    };
    Ok((project, name))
}

pub async fn version(args: VersionArgs) -> Result<u8> {
    let store = Store::open(&Store::resolve_data_dir(args.data_dir.as_deref())?).await?;
    match args.command {
        VersionCommand::Create {
            path,
            flow,
            description,
        } => {
            let (project, flow) = target(&path, flow.as_deref())?;
            let outcome =
                match versions::create_version(&store, &project, &flow, &description).await {
                    Err(session::Error::FlowHasErrors { errors, .. }) => {
                        eprintln!("flow {flow:?} has errors; a version must be runnable:");
                        for d in errors {
                            eprintln!("  error[{}] {} (at {})", d.code, d.message, d.location);
                        }
                        return Ok(1);
                    }
                    other => other?,
                };
            if outcome.created {
                outln!(
                    "created version {} of {}/{flow}",
                    outcome.number,
                    project.name
                );
            } else {
                outln!(
                    "unchanged: version {} of {}/{flow} already holds this",
                    outcome.number,
                    project.name
                );
            }
            Ok(0)
        }
        VersionCommand::List { path, flow } => {
            let (project, flow) = target(&path, flow.as_deref())?;
            let versions = store.list_versions(&project.name, &flow).await?;
            if versions.is_empty() {
                outln!(
                    "{}/{flow} has no versions: strata version create {}",
                    project.name,
                    path.display()
                );
            }
            for v in versions {
                outln!("{:>4}  {}  {}", v.number, v.content_hash, v.description);
            }
            Ok(0)
        }
        VersionCommand::Diff {
            path,
            a,
            b,
            flow,
            json,
        } => {
            let (project, flow) = target(&path, flow.as_deref())?;
            let sa = load_snapshot(&store, &project, &flow, &a).await?;
            let sb = load_snapshot(&store, &project, &flow, &b).await?;
            let changes = diff(&sa, &sb);
            if json {
                outln!("{}", serde_json::to_string_pretty(&changes)?);
            } else if changes.is_empty() {
                outln!("no differences between {a} and {b}");
            } else {
                for c in &changes {
                    outln!("{c}");
                }
            }
            Ok(0)
        }
    }
}

/// A version by number, or the file's current state for `draft`.
async fn load_snapshot(
    store: &Store,
    project: &Project,
    flow: &str,
    which: &str,
) -> Result<Snapshot> {
    let side = Side::parse(which)
        .with_context(|| format!("{which:?} is neither a version number nor `draft`"))?;
    Ok(versions::side_snapshot(store, project, flow, side).await?)
}

pub async fn alias(args: AliasArgs) -> Result<u8> {
    let store = Store::open(&Store::resolve_data_dir(args.data_dir.as_deref())?).await?;
    match args.command {
        AliasCommand::Set {
            path,
            name,
            version,
            flow,
        } => {
            let (project, flow) = target(&path, flow.as_deref())?;
            let moved = versions::set_alias(&store, &project, &flow, &name, version).await?;
            match moved.from {
                Some(before) if before != version => {
                    outln!(
                        "moved alias {name} of {}/{flow} from version {before} to {version}",
                        project.name
                    )
                }
                Some(_) => outln!(
                    "alias {name} of {}/{flow} already points at version {version}",
                    project.name
                ),
                None => outln!(
                    "created alias {name} of {}/{flow} → version {version}",
                    project.name
                ),
            }
            Ok(0)
        }
        AliasCommand::Rollback { path, name, flow } => {
            let (project, flow) = target(&path, flow.as_deref())?;
            let moved = versions::rollback_alias(&store, &project, &flow, &name).await?;
            let from = moved
                .from
                .map_or_else(String::new, |v| format!(" from version {v}"));
            outln!(
                "rolled back alias {name} of {}/{flow}{from} to version {}",
                project.name,
                moved.to
            );
            Ok(0)
        }
        AliasCommand::List { path, flow } => {
            let (project, flow) = target(&path, flow.as_deref())?;
            for a in store.list_aliases(&project.name, &flow).await? {
                outln!("{:<20} → version {}", a.name, a.version);
            }
            Ok(0)
        }
    }
}
