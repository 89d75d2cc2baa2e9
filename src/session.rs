//! The host layer: what every front end (the `strata` CLI, the desktop shell) decides the same
//! way before, during and after a run or a chat — the provider and its routes per model
//! profile, the input document, alias resolution, recording and replay, prices and cost, the
//! run store, and the order of events around a question to the user. A front end prints or
//! forwards what the session streams and asks the person when the session says so.
//! `protocol` is the vocabulary a front end and the host speak — plain data, built for wasm
//! too, so the editor page uses the very types the shell sends.

pub mod protocol;
pub mod ship;

#[cfg(feature = "runtime")]
mod chat;
#[cfg(feature = "runtime")]
mod history;
#[cfg(feature = "runtime")]
mod pause;
#[cfg(feature = "runtime")]
mod provider;
#[cfg(feature = "runtime")]
mod run;
#[cfg(feature = "runtime")]
pub mod versions;

#[cfg(feature = "runtime")]
pub use chat::{Chat, ChatError, ChatOptions, ChatReply};
#[cfg(feature = "runtime")]
pub use history::{recorded_run, run_listings};
#[cfg(feature = "runtime")]
pub use pause::PauseGate;
#[cfg(feature = "runtime")]
pub use provider::{ProviderKind, ProviderSettings};
#[cfg(feature = "runtime")]
pub use run::{InputSource, LiveRun, Prepared, RunHooks, RunOptions, RunReport};

#[cfg(feature = "runtime")]
use crate::diagnostic::Diagnostic;
#[cfg(feature = "runtime")]
use crate::model::{DataType, Project};
#[cfg(feature = "runtime")]
use crate::store::Store;
#[cfg(feature = "runtime")]
use std::path::{Path, PathBuf};

/// Why a run or a chat could not start or could not be seen to its end. Each says what is
/// wrong and where; a front end shows it as it is.
#[cfg(feature = "runtime")]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{project} has no flow named {flow:?}")]
    NoFlow { project: String, flow: String },
    #[error("{project} has no flows")]
    NoFlows { project: String },
    #[error("{project} has no agent named {agent:?} (its agents: {known})")]
    NoAgent {
        project: String,
        agent: String,
        known: String,
    },
    #[error("flow {flow:?} has errors and cannot run:{}", list(errors))]
    FlowHasErrors {
        flow: String,
        errors: Vec<Diagnostic>,
    },
    #[error("flow {flow:?} has no sample named {sample:?}")]
    NoSample { flow: String, sample: String },
    #[error("flow {flow:?} has no input: give it a document, or save a sample in the project")]
    NoInput { flow: String },
    #[error("the input document is {actual}, but the Input node {node:?} of flow {flow:?} takes {expected}")]
    InputType {
        flow: String,
        node: String,
        expected: DataType,
        actual: String,
    },
    #[error("{message}")]
    Provider { message: String },
    #[error("model profile {profile:?}: {message}")]
    Profile { profile: String, message: String },
    #[error("running through an alias needs the run store")]
    AliasNeedsStore,
    #[error("running a recorded version needs the run store")]
    VersionNeedsStore,
    #[error("alias name {name:?} must be 1 to 100 letters and digits, each optionally followed by '_' or '-'")]
    AliasName { name: String },
    #[error("{project}/{flow} has no alias {alias:?}{}", known_aliases(known))]
    NoAlias {
        project: String,
        flow: String,
        alias: String,
        known: Vec<String>,
    },
    #[error("{project}/{flow} has no version {version}")]
    NoVersion {
        project: String,
        flow: String,
        version: u32,
    },
    #[error("version {version} is not a snapshot this Strata reads: {message}")]
    Snapshot { version: u32, message: String },
    #[error("cannot save the recording to {}: {message}", path.display())]
    Record { path: PathBuf, message: String },
    #[error("cannot pass on the run's events: {0}")]
    Sink(std::io::Error),
    #[error("the run's task ended abnormally: {message}")]
    Task { message: String },
    #[error("running from a node reuses a recorded run, and there is no run store")]
    RerunNeedsStore,
    #[error("there is no recorded run {run_id} to run from")]
    NoRecordedRun { run_id: String },
    #[error(transparent)]
    Debug(#[from] crate::run::DebugError),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    #[error(transparent)]
    Agent(#[from] crate::agent::AgentError),
}

#[cfg(feature = "runtime")]
fn list(errors: &[Diagnostic]) -> String {
    errors
        .iter()
        .map(|d| format!("\n  error[{}] {} (at {})", d.code, d.message, d.location))
        .collect()
}

#[cfg(feature = "runtime")]
fn known_aliases(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!(" (aliases: {})", known.join(", "))
    }
}

/// One project as a front end holds it, and where its runs are kept. The project is never
/// written: a run reads it as it is, saved or not.
#[cfg(feature = "runtime")]
#[derive(Debug, Clone)]
pub struct Session {
    project: Project,
    /// How runs name the project in the store: its file path, else its name.
    project_path: Option<String>,
    /// Handlers, documents, replays and storage resolve against this folder.
    project_dir: PathBuf,
    /// The run store; `None` records nothing.
    store: Option<Store>,
    /// What runs for the project's Lambda functions and action groups: its own handler
    /// bindings and a front end's (`--handler`), with their environments.
    handlers: std::sync::Arc<crate::handlers::LocalHandlers>,
}

#[cfg(feature = "runtime")]
impl Session {
    /// A session on `project`, read from `project_path` when it is saved.
    pub fn new(project: Project, project_path: Option<&Path>, store: Option<Store>) -> Session {
        let project_dir = project_path
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        Session {
            project,
            project_path: project_path.map(|p| p.display().to_string()),
            project_dir,
            store,
            handlers: std::sync::Arc::default(),
        }
    }

    /// Binds local handlers: the project's own bindings and `flags` (`NAME=FILE:FUNCTION`,
    /// relative to the current folder, replacing the project's binding of the same name), with
    /// `environment` (`NAME:KEY=VALUE`) and `region` as the handlers' `AWS_REGION`. Every run
    /// and chat of the session then uses them.
    pub fn bind_handlers(
        &mut self,
        flags: &[String],
        environment: &[String],
        region: Option<String>,
    ) -> Result<(), crate::model::handler::BindingError> {
        let handlers = crate::handlers::LocalHandlers::from_flags(
            &mut self.project,
            &self.project_dir,
            flags,
            environment,
            region,
        )?;
        self.handlers = std::sync::Arc::new(handlers);
        Ok(())
    }

    /// The handler bindings runs and chats use.
    pub fn handlers(&self) -> std::sync::Arc<crate::handlers::LocalHandlers> {
        self.handlers.clone()
    }

    pub fn project(&self) -> &Project {
        &self.project
    }

    pub fn project_dir(&self) -> &Path {
        &self.project_dir
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// The flow named `name`, else the first.
    fn flow_name(&self, name: Option<&str>) -> Result<String, Error> {
        match name {
            Some(name) => self
                .project
                .flow(name)
                .map(|f| f.name.clone())
                .ok_or_else(|| Error::NoFlow {
                    project: self.label(),
                    flow: name.to_owned(),
                }),
            None => self
                .project
                .flows
                .first()
                .map(|f| f.name.clone())
                .ok_or_else(|| Error::NoFlows {
                    project: self.label(),
                }),
        }
    }

    /// The project as errors name it: its path, else its name.
    fn label(&self) -> String {
        self.project_path
            .clone()
            .unwrap_or_else(|| self.project.name.clone())
    }

    /// The project and flow as the version `alias` of `flow` recorded them, and the version.
    pub async fn resolve_alias(
        &self,
        flow: &str,
        alias: &str,
    ) -> Result<(u32, crate::lifecycle::Snapshot), Error> {
        let store = self.store.as_ref().ok_or(Error::AliasNeedsStore)?;
        let project = &self.project.name;
        let Some(a) = store.get_alias(project, flow, alias).await? else {
            let known = store
                .list_aliases(project, flow)
                .await?
                .into_iter()
                .map(|a| a.name)
                .collect();
            return Err(Error::NoAlias {
                project: project.clone(),
                flow: flow.to_owned(),
                alias: alias.to_owned(),
                known,
            });
        };
        let snapshot = version_snapshot(store, &self.project, flow, a.version).await?;
        Ok((a.version, snapshot))
    }
}

/// The snapshot recorded as `version` of `project`'s `flow`.
#[cfg(feature = "runtime")]
pub async fn version_snapshot(
    store: &Store,
    project: &Project,
    flow: &str,
    version: u32,
) -> Result<crate::lifecycle::Snapshot, Error> {
    let v = store
        .get_version(&project.name, flow, version)
        .await?
        .ok_or_else(|| Error::NoVersion {
            project: project.name.clone(),
            flow: flow.to_owned(),
            version,
        })?;
    serde_json::from_value(v.snapshot).map_err(|e| Error::Snapshot {
        version,
        message: e.to_string(),
    })
}
