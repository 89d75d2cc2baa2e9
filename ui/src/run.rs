//! The run on the canvas: [`RunState`], shared through context (and as `Editor::run`), holds
//! the run's id, its [`RunView`], the pause it waits on, the selected node and every event so
//! far; it starts and cancels runs through the shell and folds what the shell streams back.
//!
//! Messages from the shell's channel are queued and applied once per animation frame, so a
//! burst of thousands of events costs one signal update per frame and the page stays
//! responsive. The parts: the run panel (`panel`), what the canvas paints (`paint`).

pub mod paint;
pub mod panel;

pub use panel::{RunPanel, RunTotals};

use crate::{shell, Editor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use strata::model::Project;
use strata::session::protocol::{
    DebugOptions, Pause, ProviderChoice, RunInput, RunMessage, RunRequest, RunResultSummary,
    RunTarget,
};
use strata::trace::{RunEvent, RunView};
use wasm_bindgen::prelude::*;

/// What the run panel's fields hold.
#[derive(Debug, Clone, PartialEq)]
pub struct RunForm {
    /// The flow to run; `None`: the flow on the canvas.
    pub flow: Option<String>,
    /// A saved sample's name; `None`: the flow's first sample, or the typed document when
    /// the flow has none or `typed_chosen`.
    pub sample: Option<String>,
    /// The typed document was chosen over the samples.
    pub typed_chosen: bool,
    /// The typed input document (JSON).
    pub typed: String,
    pub provider: ProviderKind,
    /// The replay file; empty: `replays/<flow>.yaml`, where the templates keep theirs.
    pub replay: String,
    pub openai_url: String,
    pub openai_model: String,
    pub profile: String,
    pub region: String,
    pub iterator_concurrency: usize,
    pub timeout_secs: u64,
    /// Record the run's model exchanges to this replay file; empty: do not record.
    pub record: String,
    /// A recorded version or an alias to run instead of the working copy.
    pub target: Option<RunTarget>,
}

/// Which provider the run panel has chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Replay,
    Openai,
    Bedrock,
}

impl Default for RunForm {
    fn default() -> Self {
        RunForm {
            flow: None,
            sample: None,
            typed_chosen: false,
            typed: String::new(),
            provider: ProviderKind::Replay,
            replay: String::new(),
            openai_url: "http://127.0.0.1:11434/v1".to_owned(),
            openai_model: String::new(),
            profile: String::new(),
            region: String::new(),
            iterator_concurrency: 1,
            timeout_secs: 120,
            record: String::new(),
            target: None,
        }
    }
}

impl RunForm {
    /// The sample the run takes: the chosen one, else the flow's first, unless the typed
    /// document was chosen (`None`: the typed document).
    pub fn effective_sample(&self, flow: Option<&strata::model::Flow>) -> Option<String> {
        if self.typed_chosen {
            return None;
        }
        self.sample
            .clone()
            .or_else(|| flow.and_then(|f| f.samples.first()).map(|s| s.name.clone()))
    }

    /// The request for a run of `project`, checked as far as the page can: the flow exists, a
    /// typed input is JSON of the Input node's type, the provider's fields are filled.
    pub fn request(
        &self,
        project: &Project,
        canvas_flow: &str,
        debug: DebugOptions,
    ) -> Result<RunRequest, String> {
        let flow_name = self.flow.clone().unwrap_or_else(|| canvas_flow.to_owned());
        let flow = project
            .flow(&flow_name)
            .ok_or_else(|| format!("the project has no flow named {flow_name:?}"))?;
        let input = match &self.effective_sample(Some(flow)) {
            Some(name) => {
                if !flow.samples.iter().any(|s| s.name == *name) {
                    return Err(format!("flow {flow_name:?} has no sample named {name:?}"));
                }
                RunInput::Sample { name: name.clone() }
            }
            None => {
                let document: serde_json::Value = serde_json::from_str(&self.typed)
                    .map_err(|e| format!("the input is not JSON: {e}"))?;
                flow.check_input(&document).map_err(|e| e.to_string())?;
                RunInput::Document { document }
            }
        };
        let provider = match self.provider {
            ProviderKind::Replay => ProviderChoice::Replay {
                path: self.replay_path(&flow_name),
            },
            ProviderKind::Openai => {
                if self.openai_url.trim().is_empty() {
                    return Err("give the OpenAI-compatible server's URL".to_owned());
                }
                ProviderChoice::Openai {
                    base_url: self.openai_url.trim().to_owned(),
                    model: non_empty(&self.openai_model),
                }
            }
            ProviderKind::Bedrock => ProviderChoice::Bedrock {
                profile: non_empty(&self.profile),
                region: non_empty(&self.region),
            },
        };
        Ok(RunRequest {
            flow: flow_name,
            input,
            provider,
            iterator_concurrency: self.iterator_concurrency.max(1),
            timeout_secs: self.timeout_secs.max(1),
            record: non_empty(&self.record),
            debug,
            target: self.target.clone(),
        })
    }

    /// The replay file the run uses.
    pub fn replay_path(&self, flow: &str) -> String {
        non_empty(&self.replay).unwrap_or_else(|| format!("replays/{flow}.yaml"))
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The run shown on the canvas, live or opened from the runs history.
#[derive(Clone, Copy)]
pub struct RunState {
    /// The run's id, once the shell has given it.
    pub run_id: RwSignal<Option<String>>,
    /// What the canvas paints; `None` before the first run.
    pub view: RwSignal<Option<RunView>>,
    /// The pause the run waits on.
    pub pause: RwSignal<Option<Pause>>,
    /// The node whose inputs and outputs the inspector shows.
    pub selected: RwSignal<Option<String>>,
    /// Every event of the run so far, in order (appended once per applied batch).
    pub events: RwSignal<Vec<RunEvent>>,
    /// Whether a run is going on.
    pub live: RwSignal<bool>,
    /// How the run ended, when it ran to its end.
    pub result: RwSignal<Option<RunResultSummary>>,
    /// Why the run could not start or ended abnormally.
    pub error: RwSignal<Option<String>>,
    /// The run panel's fields.
    pub form: RwSignal<RunForm>,
    /// What the form refuses before any call (a typed input of the wrong type).
    pub form_error: RwSignal<Option<String>>,
    /// Breakpoints, pins and run-from-here for the next run.
    pub debug: RwSignal<DebugOptions>,
    /// How many times the view was updated: one per applied batch of messages.
    pub updates: RwSignal<u64>,
    /// The project as the run got it: prices and the view follow it, not later edits.
    project: StoredValue<Option<Project>>,
    /// Messages received and not applied yet.
    pending: StoredValue<Vec<RunMessage>>,
    /// Whether an animation frame will apply `pending`.
    scheduled: StoredValue<bool>,
    /// The channel of the live run: it must live as long as the run speaks.
    channel: StoredValue<Option<shell::Channel<RunMessage>>, LocalStorage>,
}

impl RunState {
    pub fn new() -> RunState {
        RunState {
            run_id: RwSignal::new(None),
            view: RwSignal::new(None),
            pause: RwSignal::new(None),
            selected: RwSignal::new(None),
            events: RwSignal::new(vec![]),
            live: RwSignal::new(false),
            result: RwSignal::new(None),
            error: RwSignal::new(None),
            form: RwSignal::new(RunForm::default()),
            form_error: RwSignal::new(None),
            debug: RwSignal::new(DebugOptions::default()),
            updates: RwSignal::new(0),
            project: StoredValue::new(None),
            pending: StoredValue::new(vec![]),
            scheduled: StoredValue::new(false),
            channel: StoredValue::new_local(None),
        }
    }

    /// Clears the canvas for a run of `project` (a new one, or one opened from the history).
    pub fn reset(&self, project: &Project) {
        self.project.set_value(Some(project.clone()));
        self.pending.set_value(vec![]);
        self.view.set(Some(RunView::new(project)));
        self.events.set(vec![]);
        self.pause.set(None);
        self.result.set(None);
        self.error.set(None);
        self.run_id.set(None);
    }

    /// Paints a recorded run (from the runs history) on the canvas.
    pub fn show_recorded(&self, project: &Project, run_id: String, events: Vec<RunEvent>) {
        self.reset(project);
        self.run_id.set(Some(run_id));
        self.live.set(false);
        self.view.set(Some(RunView::of_events(project, &events)));
        self.events.set(events);
        self.updates.update(|n| *n += 1);
    }

    /// Starts a run of the form's flow (F5). Refusals show in the panel before any call.
    pub fn start(&self, ed: Editor) {
        if self.live.get_untracked() {
            ed.status.set(Some((
                true,
                "A run is going on: Esc cancels it.".to_owned(),
            )));
            return;
        }
        let Some((project, path, canvas_flow)) = ed.doc.with_untracked(|d| {
            d.as_ref()
                .map(|d| (d.project.clone(), d.path.clone(), d.flow.clone()))
        }) else {
            return;
        };
        let request = self
            .form
            .with_untracked(|f| f.request(&project, &canvas_flow, self.debug.get_untracked()));
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                self.form_error.set(Some(e));
                return;
            }
        };
        self.form_error.set(None);
        self.reset(&project);
        self.live.set(true);
        let state = *self;
        let text = project.to_json();
        spawn_local(async move {
            let channel = shell::Channel::reporting(move |message| state.receive(message));
            let started = shell::run_start(&text, path.as_deref(), &request, &channel).await;
            state.channel.set_value(Some(channel));
            match started {
                Ok(id) => {
                    if state.run_id.get_untracked().is_none() {
                        state.run_id.set(Some(id));
                    }
                }
                Err(e) => {
                    state.error.set(Some(e.message));
                    state.live.set(false);
                }
            }
        });
    }

    /// Asks the shell to cancel the live run (Esc); the run says when it has stopped.
    pub fn cancel(&self) {
        if !self.live.get_untracked() {
            return;
        }
        if let Some(id) = self.run_id.get_untracked() {
            spawn_local(async move {
                // The run's own Finished message says whether the cancel took.
                let _ = shell::run_cancel(&id).await;
            });
        }
    }

    /// The run goes on after its pause was answered.
    pub fn resume(&self) {
        self.pause.set(None);
        self.view.update(|v| {
            if let Some(v) = v {
                v.set_paused(None);
            }
        });
    }

    /// Queues a message from the shell; the next animation frame applies every queued one.
    pub fn receive(&self, message: RunMessage) {
        self.pending.update_value(|p| p.push(message));
        if self.scheduled.get_value() {
            return;
        }
        self.scheduled.set_value(true);
        let state = *self;
        let frame = Closure::once_into_js(move || state.apply_pending());
        let scheduled = web_sys::window()
            .and_then(|w| w.request_animation_frame(frame.unchecked_ref()).ok())
            .is_some();
        if !scheduled {
            self.apply_pending();
        }
    }

    /// Applies the queued messages in order: one update of the view and of the events.
    fn apply_pending(&self) {
        self.scheduled.set_value(false);
        let messages = self
            .pending
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        if messages.is_empty() {
            return;
        }
        let Some(project) = self.project.get_value() else {
            return;
        };
        let mut pause = None;
        let mut resumed = false;
        self.view.update(|v| {
            let v = v.get_or_insert_with(|| RunView::new(&project));
            for m in &messages {
                match m {
                    RunMessage::Events { events } => v.apply(&project, events),
                    RunMessage::Paused { pause: p } => {
                        v.set_paused(Some(&p.node));
                        pause = Some(p.clone());
                    }
                    RunMessage::Finished { result } => {
                        if !result.price_source.is_empty() {
                            v.price_source = result.price_source.clone();
                        }
                        resumed = true;
                    }
                    RunMessage::Started { .. } | RunMessage::Failed { .. } => {}
                }
            }
        });
        self.updates.update(|n| *n += 1);
        if let Some(p) = pause {
            self.pause.set(Some(p));
        }
        let mut batch = Vec::new();
        let mut ended = Vec::new();
        for m in messages {
            match m {
                RunMessage::Events { mut events } => batch.append(&mut events),
                other => ended.push(other),
            }
        }
        self.events.update(|all| all.append(&mut batch));
        for m in ended {
            match m {
                RunMessage::Started { run_id, .. } => self.run_id.set(Some(run_id)),
                RunMessage::Finished { result } => {
                    self.result.set(Some(result));
                    self.live.set(false);
                }
                RunMessage::Failed { message } => {
                    self.error.set(Some(message));
                    self.live.set(false);
                }
                RunMessage::Events { .. } | RunMessage::Paused { .. } => {}
            }
        }
        if resumed {
            self.pause.set(None);
        }
    }
}

impl Default for RunState {
    fn default() -> Self {
        RunState::new()
    }
}
