//! The Evaluate view: run a suite beside the project (`*.eval.yaml`) on its variants with live
//! progress — cases done per variant and a pass/fail grid filling in — then the metrics per
//! variant, the recommendation and every case × variant, each opening its run on the canvas.
//!
//! The evaluation itself is the core's (`strata::eval`, through the shell's `eval_start`): the
//! page only asks, draws what comes back, and opens runs with the inspect machinery. Its state
//! lives in [`EvalState`], in context, so that closing the tab does not lose a running
//! evaluation's messages.

mod grid;
mod results;

use crate::shell::{self, Channel};
use crate::Editor;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;
use strata::eval::protocol::{EvalMessage, EvalRequest, SuiteListing};
use strata::eval::report::{CaseResult, Report, VariantName};

/// An evaluation's progress: the jobs it has, and the cases finished so far.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Progress {
    pub suite: String,
    pub variants: Vec<VariantName>,
    pub cases: Vec<String>,
    pub repeats: u32,
    pub total: usize,
    pub results: Vec<CaseResult>,
}

impl Progress {
    /// The finished result of this case × variant × repeat, if it has finished.
    pub fn result(&self, case: &str, variant: &str, repeat: u32) -> Option<&CaseResult> {
        self.results
            .iter()
            .find(|r| r.id == case && r.variant == variant && r.repeat == repeat)
    }

    /// Finished and passed jobs of one variant.
    pub fn counts(&self, variant: &str) -> (usize, usize) {
        let of = self.results.iter().filter(|r| r.variant == variant);
        let done = of.clone().count();
        (done, of.filter(|r| r.pass).count())
    }
}

/// Where an evaluation stands, for the status line (and tests: `data-state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Idle,
    Running,
    Finished,
    Cancelled,
    Failed,
}

impl Stage {
    pub fn id(self) -> &'static str {
        match self {
            Stage::Idle => "idle",
            Stage::Running => "running",
            Stage::Finished => "finished",
            Stage::Cancelled => "cancelled",
            Stage::Failed => "failed",
        }
    }
}

/// The Evaluate view's state, shared through context.
#[derive(Clone, Copy)]
pub struct EvalState {
    /// The suites beside the project.
    pub suites: RwSignal<Vec<SuiteListing>>,
    /// The chosen suite's path.
    pub suite: RwSignal<Option<String>>,
    /// Variants of the chosen suite left out (unticked).
    pub left_out: RwSignal<BTreeSet<String>>,
    pub repeat: RwSignal<u32>,
    pub concurrency: RwSignal<usize>,
    /// The live evaluation's id.
    pub live: RwSignal<Option<String>>,
    pub stage: RwSignal<Stage>,
    pub progress: RwSignal<Option<Progress>>,
    /// The last report, and the judge's cost apart.
    pub report: RwSignal<Option<(Report, Option<f64>)>>,
    /// What went wrong, or how the evaluation ended.
    pub message: RwSignal<Option<String>>,
    /// The channel of the evaluation going on (its messages stop if it is dropped).
    channel: StoredValue<Option<Channel<EvalMessage>>, LocalStorage>,
}

impl Default for EvalState {
    fn default() -> Self {
        Self::new()
    }
}

impl EvalState {
    pub fn new() -> EvalState {
        EvalState {
            suites: RwSignal::new(Vec::new()),
            suite: RwSignal::new(None),
            left_out: RwSignal::new(BTreeSet::new()),
            repeat: RwSignal::new(1),
            concurrency: RwSignal::new(2),
            live: RwSignal::new(None),
            stage: RwSignal::new(Stage::Idle),
            progress: RwSignal::new(None),
            report: RwSignal::new(None),
            message: RwSignal::new(None),
            channel: StoredValue::new_local(None),
        }
    }

    /// The chosen suite's listing.
    pub fn chosen(&self) -> Option<SuiteListing> {
        let path = self.suite.get()?;
        self.suites
            .with(|s| s.iter().find(|s| s.path == path).cloned())
    }

    /// Lists the suites beside the project at `path`, keeping the chosen one when it is
    /// still there (else the first).
    pub fn refresh(self, path: Option<String>) {
        spawn_local(async move {
            match shell::eval_suites(path.as_deref()).await {
                Ok(list) => {
                    let keep = self
                        .suite
                        .get_untracked()
                        .filter(|p| list.iter().any(|s| &s.path == p));
                    self.suite
                        .set(keep.or_else(|| list.first().map(|s| s.path.clone())));
                    self.suites.set(list);
                }
                Err(e) => self.message.set(Some(e.message)),
            }
        });
    }

    /// Starts the chosen suite on the ticked variants.
    pub fn start(self) {
        if self.stage.get_untracked() == Stage::Running {
            return;
        }
        let Some(suite) = self.suite.get_untracked().and_then(|path| {
            self.suites
                .with_untracked(|s| s.iter().find(|s| s.path == path).cloned())
        }) else {
            self.message.set(Some("Choose a suite to run.".to_owned()));
            return;
        };
        let left_out = self.left_out.get_untracked();
        let variants: Vec<String> = suite
            .variants
            .iter()
            .map(|v| v.name.clone())
            .filter(|v| !left_out.contains(v))
            .collect();
        if variants.is_empty() {
            self.message
                .set(Some("Tick at least one variant.".to_owned()));
            return;
        }
        let request = EvalRequest {
            suite_path: suite.path,
            variants,
            repeat: self.repeat.get_untracked().max(1),
            concurrency: self.concurrency.get_untracked().max(1),
        };
        self.message.set(None);
        self.report.set(None);
        self.progress.set(None);
        self.stage.set(Stage::Running);
        let channel = Channel::reporting(move |m| self.receive(m));
        spawn_local(async move {
            if let Err(e) = shell::eval_start(&request, &channel).await {
                self.stage.set(Stage::Failed);
                self.message.set(Some(e.message));
            }
            self.channel.set_value(Some(channel));
        });
    }

    pub fn cancel(self) {
        let Some(id) = self.live.get_untracked() else {
            return;
        };
        spawn_local(async move {
            if let Err(e) = shell::eval_cancel(&id).await {
                self.message.set(Some(e.message));
            }
        });
    }

    /// Applies one message of the evaluation.
    pub fn receive(self, message: EvalMessage) {
        match message {
            EvalMessage::Started {
                evaluation_id,
                suite,
                variants,
                cases,
                repeats,
                total,
            } => {
                self.live.set(Some(evaluation_id));
                self.progress.set(Some(Progress {
                    suite,
                    variants,
                    cases,
                    repeats,
                    total,
                    results: Vec::new(),
                }));
            }
            EvalMessage::CaseFinished { result } => self.progress.update(|p| {
                if let Some(p) = p {
                    p.results.push(result);
                }
            }),
            EvalMessage::Finished {
                report,
                judge_cost_usd,
            } => {
                self.live.set(None);
                self.stage.set(Stage::Finished);
                self.report.set(Some((report, judge_cost_usd)));
            }
            EvalMessage::Cancelled { done, total } => {
                self.live.set(None);
                self.stage.set(Stage::Cancelled);
                self.message.set(Some(format!(
                    "Cancelled: {done} of {total} cases had finished."
                )));
            }
            EvalMessage::Failed { message } => {
                self.live.set(None);
                self.stage.set(Stage::Failed);
                self.message.set(Some(message));
            }
        }
    }
}

/// The Evaluate panel.
#[component]
pub fn EvaluatePanel() -> impl IntoView {
    let ed: Editor = expect_context();
    let state: EvalState = expect_context();
    let path = Memo::new(move |_| ed.doc.with(|d| d.as_ref().and_then(|d| d.path.clone())));
    Effect::new(move |_| state.refresh(path.get()));
    let running = move || state.stage.get() == Stage::Running;
    let suite_options = move || {
        state
            .suites
            .get()
            .into_iter()
            .map(|s| {
                let selected = state.suite.with(|c| c.as_deref() == Some(s.path.as_str()));
                let label = if s.problem.is_some() {
                    format!("{} (cannot run)", s.file)
                } else {
                    s.file.clone()
                };
                view! { <option value=s.path.clone() selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let variant_boxes = move || {
        state
            .chosen()
            .map(|s| s.variants)
            .unwrap_or_default()
            .into_iter()
            .map(|v| {
                let name = v.name.clone();
                let ticked = {
                    let name = name.clone();
                    move || state.left_out.with(|l| !l.contains(&name))
                };
                view! {
                    <label class="eval-variant" data-variant=v.name.clone() title=format!("a {} variant", v.kind)>
                        <input type="checkbox" prop:checked=ticked on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            state.left_out.update(|l| {
                                if on { l.remove(&name); } else { l.insert(name.clone()); }
                            });
                        }/>
                        {format!("{} ({})", v.name, v.kind)}
                    </label>
                }
            })
            .collect_view()
    };
    let hint = move || {
        if path.get().is_none() {
            return Some(
                "Save the project to evaluate it: suites are the NAME.eval.yaml files beside it."
                    .to_owned(),
            );
        }
        state.suites.with(Vec::is_empty).then(|| {
            "No suite beside this project. `strata eval seed PROJECT --flow NAME --from-samples \
             --out NAME.eval.yaml` writes one from a flow's samples and recorded runs."
                .to_owned()
        })
    };
    let problem = move || state.chosen().and_then(|s| s.problem);
    let number = |ev: &leptos::ev::Event| event_target_value(ev).trim().parse::<u32>().ok();
    view! {
        <div class="evaluate" id="evaluate">
            <div class="eval-controls">
                <select id="eval-suite" title="A suite beside the project" on:change=move |ev| {
                    state.suite.set(Some(event_target_value(&ev)));
                    state.left_out.set(BTreeSet::new());
                }>{suite_options}</select>
                <button id="eval-refresh" title="List the suites again" on:click=move |_| state.refresh(path.get_untracked())>"↻"</button>
                <span class="eval-variants">{variant_boxes}</span>
                <label class="eval-number">"Repeat"
                    <input id="eval-repeat" type="number" min="1" prop:value=move || state.repeat.get().to_string()
                        on:change=move |ev| if let Some(n) = number(&ev) { state.repeat.set(n.max(1)) }/>
                </label>
                <label class="eval-number">"At once"
                    <input id="eval-concurrency" type="number" min="1" prop:value=move || state.concurrency.get().to_string()
                        on:change=move |ev| if let Some(n) = number(&ev) { state.concurrency.set((n as usize).max(1)) }/>
                </label>
                <button id="eval-run" class="primary" disabled=move || running() || state.suite.with(Option::is_none)
                    on:click=move |_| state.start()>"Run"</button>
                <button id="eval-cancel" disabled=move || !running() on:click=move |_| state.cancel()>"Cancel"</button>
                <span id="eval-status" data-state=move || state.stage.get().id()>{move || grid::status_text(state)}</span>
            </div>
            {move || hint().map(|h| view! { <p class="hint" id="eval-hint">{h}</p> })}
            {move || problem().map(|p| view! { <pre class="run-error" id="eval-problem">{p}</pre> })}
            {move || state.message.get().map(|m| view! { <p class="run-error" id="eval-message">{m}</p> })}
            <grid::ProgressGrid/>
            <results::Results/>
        </div>
    }
}
