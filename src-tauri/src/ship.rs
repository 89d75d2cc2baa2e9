//! The export dialog's and the deploy view's commands: one-line adapters over the core's export
//! ([`strata::export::render`] runs in the page itself), cfn-lint ([`strata::cfn_lint`]),
//! atomic writes ([`strata::save::write_atomically`]) and the deploy host layer
//! ([`strata::deploy::host`]), plus the one deploy in flight (its plan kept for Apply, its task
//! for Cancel).
//!
//! Its logic takes a plain function as the page, so it is tested with tokio alone.

use serde::{Serialize, Serializer};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use strata::deploy::host::{HostError, PlanError, Planned};
use strata::deploy::{DeployError, Step, Steps};
use strata::session::ship::{DeployMessage, DeployRequest, LintReport, PlanView};

/// An error crossing to the page, serialised as `{code, message}`; the page decides by `code`.
#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    /// The file is there and the page did not say to replace it.
    #[error("{path} exists")]
    Exists { path: String },
    #[error("{path} is not a full path: choose the folder with Browse…")]
    Relative { path: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("the project cannot be read: {0}")]
    Project(strata::model::LoadError),
    /// The project has errors: nothing is deployed.
    #[error("{0}")]
    Invalid(String),
    /// Settings or credentials.
    #[error("{0}")]
    Settings(String),
    /// Planning failed; `resource` is what it failed on.
    #[error("{message}")]
    Plan {
        resource: Option<String>,
        message: String,
    },
    #[error("the plan is gone (plan again)")]
    NoPlan,
    #[error("a deploy is already going on")]
    Busy,
}

impl ShipError {
    pub fn code(&self) -> &'static str {
        match self {
            ShipError::Exists { .. } => "exists",
            ShipError::Relative { .. } => "relative",
            ShipError::Write { .. } => "write",
            ShipError::Project(_) => "load",
            ShipError::Invalid(_) => "invalid",
            ShipError::Settings(_) => "settings",
            ShipError::Plan { .. } => "plan",
            ShipError::NoPlan => "noPlan",
            ShipError::Busy => "busy",
        }
    }
}

impl Serialize for ShipError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::files::serialize_coded(s, self.code(), self)
    }
}

/// Where an export is proposed: `file_name` in the project's folder, else in the home folder.
pub fn export_target(project_path: Option<&str>, file_name: &str) -> String {
    let folder = project_path
        .and_then(|p| Path::new(p).parent())
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
        .unwrap_or_default();
    folder.join(file_name).display().to_string()
}

/// Writes an export atomically; an existing file is replaced only when `replace` says so (the
/// page asked the person).
pub fn export_write(path: &str, text: &str, replace: bool) -> Result<(), ShipError> {
    let target = Path::new(path);
    if !target.is_absolute() {
        return Err(ShipError::Relative {
            path: path.to_owned(),
        });
    }
    if target.exists() && !replace {
        return Err(ShipError::Exists {
            path: path.to_owned(),
        });
    }
    strata::save::write_atomically(target, text.as_bytes()).map_err(|e| ShipError::Write {
        path: path.to_owned(),
        source: e.into_io(),
    })
}

/// The page's side of an apply: each message, in order; false once the page is gone.
pub type Outbox = Arc<dyn Fn(DeployMessage) -> bool + Send + Sync>;

/// A plan shown to the person, kept so that Apply applies exactly it.
struct Shown {
    id: u64,
    plan: Planned,
}

/// The apply going on.
struct Applying {
    task: tokio::task::AbortHandle,
    outbox: Outbox,
    /// What has been changed so far (the lines of the steps done).
    done: Arc<Mutex<Vec<String>>>,
    /// Set by whoever sends the last message (the task's result, or Cancel).
    ended: Arc<AtomicBool>,
}

/// The deploy view's state: the last plan and the apply going on.
#[derive(Default)]
pub struct Deploys {
    next: AtomicU64,
    planned: Mutex<Option<Shown>>,
    applying: Mutex<Option<Applying>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Deploys {
    /// Reads the account and works out what deploying `project_text` to the request's target
    /// would do ([`DeployRequest::plan_with`], as `strata deploy --dry-run --data-dir`): the
    /// recorded versions and aliases in `history` go with it (an AgentCore agent gets a
    /// harness endpoint per alias).
    pub async fn plan(
        &self,
        request: &DeployRequest,
        project_text: &str,
        history: &strata::export::History,
    ) -> Result<PlanView, ShipError> {
        let project = strata::model::load(project_text, "project")
            .map_err(ShipError::Project)?
            .project;
        let plan = request
            .plan_with(&project, history)
            .await
            .map_err(|e| match e {
                PlanError::Host(e @ HostError::PollInterval { .. }) => {
                    ShipError::Settings(format!("poll interval {e}"))
                }
                PlanError::Host(other) => ShipError::Settings(other.to_string()),
                PlanError::Deploy(DeployError::Export(export)) => ShipError::Invalid(format!(
                    "{export}; nothing was deployed (the Problems panel shows where)"
                )),
                PlanError::Deploy(other) => ShipError::Plan {
                    resource: other.resource().map(str::to_owned),
                    message: other.to_string(),
                },
            })?;
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let view = plan.view(id);
        *locked(&self.planned) = Some(Shown { id, plan });
        Ok(view)
    }

    /// Applies plan `id`, streaming its steps and its end to `outbox`.
    pub fn apply(&self, id: u64, outbox: Outbox) -> Result<(), ShipError> {
        let mut applying = locked(&self.applying);
        if applying
            .as_ref()
            .is_some_and(|a| !a.ended.load(Ordering::SeqCst))
        {
            return Err(ShipError::Busy);
        }
        let Shown { plan, .. } = locked(&self.planned)
            .take()
            .filter(|p| p.id == id)
            .ok_or(ShipError::NoPlan)?;
        let done = Arc::new(Mutex::new(Vec::new()));
        let ended = Arc::new(AtomicBool::new(false));
        let steps: Steps = {
            let (outbox, done) = (outbox.clone(), done.clone());
            Arc::new(move |step: &Step| {
                if step.done {
                    locked(&done).push(step.line.clone());
                }
                outbox(DeployMessage::from(step));
            })
        };
        let plan = plan.with_steps(steps);
        let task = {
            let (outbox, ended) = (outbox.clone(), ended.clone());
            tokio::spawn(async move {
                let end = match plan.apply().await {
                    Ok(outcome) => DeployMessage::from(&outcome),
                    Err(e) => DeployMessage::from(&e),
                };
                if !ended.swap(true, Ordering::SeqCst) {
                    outbox(end);
                }
            })
        };
        *applying = Some(Applying {
            task: task.abort_handle(),
            outbox,
            done,
            ended,
        });
        Ok(())
    }

    /// Stops the apply going on after the call it is making; says what had been changed.
    pub fn cancel(&self) {
        if let Some(a) = locked(&self.applying).as_ref() {
            if !a.ended.swap(true, Ordering::SeqCst) {
                a.task.abort();
                (a.outbox)(DeployMessage::Cancelled {
                    done: locked(&a.done).clone(),
                });
            }
        }
    }
}

// The commands.

#[tauri::command]
pub fn export_target_path(project_path: Option<String>, file_name: String) -> String {
    export_target(project_path.as_deref(), &file_name)
}

#[tauri::command]
pub fn export_save(path: String, text: String, replace: bool) -> Result<(), ShipError> {
    export_write(&path, &text, replace)
}

#[tauri::command]
pub async fn export_lint(text: String, json: bool) -> LintReport {
    strata::cfn_lint::lint(&text, json).await
}

/// The system's save dialog for an export, starting at `suggested`; `None` when cancelled.
#[tauri::command]
pub async fn export_pick_path(
    suggested: String,
    app: tauri::AppHandle,
) -> Result<Option<String>, String> {
    use tauri_plugin_dialog::DialogExt;
    let path = Path::new(&suggested);
    let mut dialog = app.dialog().file().set_title("Export to");
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        dialog = dialog.add_filter(ext.to_uppercase(), &[ext]);
    }
    if let Some(dir) = path.parent().filter(|d| d.is_dir()) {
        dialog = dialog.set_directory(dir);
    }
    if let Some(name) = path.file_name() {
        dialog = dialog.set_file_name(name.to_string_lossy());
    }
    crate::commands::chosen_path(dialog, true).await
}

#[tauri::command]
pub async fn deploy_plan(
    request: DeployRequest,
    project_text: String,
    deploys: tauri::State<'_, Arc<Deploys>>,
    runs: tauri::State<'_, Arc<crate::run::Runs>>,
) -> Result<PlanView, ShipError> {
    let history = match runs.run_store() {
        Ok(store) => crate::versions::history(store, &project_text)
            .await
            .map_err(|e| ShipError::Settings(format!("the recorded versions: {e}")))?,
        Err(e) => return Err(ShipError::Settings(format!("the run store: {e}"))),
    };
    deploys.plan(&request, &project_text, &history).await
}

/// Async so that it runs on the shell's tokio runtime, where the apply's task is spawned.
#[tauri::command]
pub async fn deploy_apply(
    plan_id: u64,
    on_message: tauri::ipc::Channel<DeployMessage>,
    deploys: tauri::State<'_, Arc<Deploys>>,
) -> Result<(), ShipError> {
    deploys.apply(
        plan_id,
        Arc::new(move |message| on_message.send(message).is_ok()),
    )
}

#[tauri::command]
pub fn deploy_cancel(deploys: tauri::State<'_, Arc<Deploys>>) {
    deploys.cancel();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_never_replaces_a_file_unasked() {
        let dir = std::env::temp_dir().join(format!("strata-ship-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder");
        let file = dir.join("t.template.yaml");
        let path = file.display().to_string();
        export_write(&path, "one", false).expect("a new file is written");
        let again = export_write(&path, "two", false).expect_err("asks first");
        assert_eq!(again.code(), "exists");
        assert_eq!(std::fs::read_to_string(&file).expect("reads"), "one");
        export_write(&path, "two", true).expect("replaced when asked");
        assert_eq!(std::fs::read_to_string(&file).expect("reads"), "two");
        let relative = export_write("t.yaml", "x", true).expect_err("relative");
        assert_eq!(relative.code(), "relative");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_export_is_proposed_beside_the_project() {
        assert_eq!(
            export_target(Some("/work/p/triage.strata.json"), "triage.template.yaml"),
            "/work/p/triage.template.yaml"
        );
    }

    #[tokio::test]
    async fn apply_needs_the_plan_shown() {
        let deploys = Deploys::default();
        let outbox: Outbox = Arc::new(|_| true);
        let err = deploys.apply(7, outbox).expect_err("no plan");
        assert_eq!(err.code(), "noPlan");
        // Cancel without an apply does nothing.
        deploys.cancel();
    }

    #[tokio::test]
    async fn a_project_with_errors_is_not_planned() {
        let deploys = Deploys::default();
        let template = strata::templates::find("support-triage").expect("a template");
        let mut project = strata::templates::instantiate(template, "broken").expect("loads");
        project.agents[0].instruction = Some("short".into());
        let request = DeployRequest {
            region: "us-east-1".into(),
            endpoint_url: Some("http://127.0.0.1:9".into()),
            ..DeployRequest::default()
        };
        let err = deploys
            .plan(&request, &project.to_json(), &Default::default())
            .await
            .expect_err("refused");
        assert_eq!(err.code(), "invalid", "{err}");
        assert!(err.to_string().contains("nothing was deployed"), "{err}");
    }
}
