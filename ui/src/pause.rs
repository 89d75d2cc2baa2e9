//! The form a paused run (or chat turn) opens: a breakpoint's inputs to edit, an agent's
//! question to answer, or the actions an agent handed back to approve, deny or answer. What
//! the run sent is shown as text, never as markup. Also here: the debugger's breakpoints,
//! pins and "run from here" (`debug`).

pub mod debug;
mod inputs;
mod return_control;

pub use debug::{debug_controls, node_marks, Debugging};

use crate::run::RunState;
use crate::{shell, Editor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use strata::session::protocol::{Pause, PauseAnswer, PauseKind};

/// The form for `pause`, shown while it holds one. `target` is the run (or chat) the answer
/// goes to; a sent answer closes the form (and calls `on_answered`), a refused one stays with
/// its message.
#[component]
pub fn PauseForm(
    #[prop(into)] target: Signal<Option<String>>,
    pause: RwSignal<Option<Pause>>,
    #[prop(optional)] on_answered: Option<Callback<()>>,
) -> impl IntoView {
    move || {
        let current = pause.get()?;
        let error = RwSignal::new(None::<String>);
        let answer = Callback::new(move |answer: PauseAnswer| {
            send(target, pause, error, answer, on_answered);
        });
        let body = match &current.kind {
            PauseKind::Breakpoint { inputs } => {
                inputs::breakpoint_form(target, inputs.clone(), answer, error).into_any()
            }
            PauseKind::AskUser { question } => ask_form(question.clone(), answer).into_any(),
            PauseKind::ReturnControl { payload } => {
                return_control::return_control_form(&current.node, payload, answer, error)
                    .into_any()
            }
        };
        let title = match &current.kind {
            PauseKind::Breakpoint { .. } => format!("Paused before {}", current.node),
            PauseKind::AskUser { .. } => format!("{} asks", current.node),
            PauseKind::ReturnControl { .. } => format!("{} waits for you", current.node),
        };
        Some(view! {
            <div class="pause-form" id="pause-form" data-pause=current.id.to_string()>
                <h3>{title}</h3>
                {body}
                {move || error.get().map(|e| view! { <p class="field-error" id="pause-error">{e}</p> })}
            </div>
        })
    }
}

/// Sends `answer` for the pause shown; closes the form when the shell takes it.
fn send(
    target: Signal<Option<String>>,
    pause: RwSignal<Option<Pause>>,
    error: RwSignal<Option<String>>,
    answer: PauseAnswer,
    on_answered: Option<Callback<()>>,
) {
    let Some(id) = pause.with_untracked(|p| p.as_ref().map(|p| p.id)) else {
        return;
    };
    let Some(run) = target.get_untracked() else {
        error.set(Some("There is no run to answer.".to_owned()));
        return;
    };
    spawn_local(async move {
        match shell::run_answer(&run, id, &answer).await {
            Ok(()) => {
                // Only this pause closes: the run may already wait again.
                if pause.with_untracked(|p| p.as_ref().map(|p| p.id)) == Some(id) {
                    pause.set(None);
                    if let Some(done) = on_answered {
                        done.run(());
                    }
                }
            }
            Err(e) => error.set(Some(e.message)),
        }
    });
}

/// The run's pause form, F9 (toggle the selected node's breakpoint) and the rule that
/// breakpoints and pins last one project session: another project starts without them.
#[component]
pub fn RunPause() -> impl IntoView {
    let ed: Editor = expect_context();
    let run: RunState = ed.run;
    let debugging = Debugging::new(run);
    let project = Memo::new(move |_| {
        ed.doc
            .with(|d| d.as_ref().map(|d| (d.project.name.clone(), d.path.clone())))
    });
    Effect::new(move |before: Option<Option<(String, Option<String>)>>| {
        let now = project.get();
        if before.is_some_and(|b| b.is_some() && b != now) {
            debugging.clear();
        }
        now
    });
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() != "F9" {
            return;
        }
        if let [node] = ed.selection.get_untracked().as_slice() {
            ev.prevent_default();
            debugging.toggle_breakpoint(node);
        }
    });
    on_cleanup(move || keys.remove());
    let resumed = Callback::new(move |()| run.resume());
    view! { <PauseForm target=run.run_id pause=run.pause on_answered=resumed/> }
}

/// An agent's question (multi-turn user input): the question as text and a reply.
fn ask_form(question: String, answer: Callback<PauseAnswer>) -> impl IntoView {
    let reply = RwSignal::new(String::new());
    view! {
        <p class="question" id="pause-question">{question}</p>
        <textarea id="pause-reply" rows="3" prop:value=move || reply.get()
            on:input=move |ev| reply.set(event_target_value(&ev))></textarea>
        <div class="buttons">
            <button id="pause-send" on:click=move |_| answer.run(PauseAnswer::Reply { text: Some(reply.get_untracked()) })>"Send"</button>
            <button id="pause-decline" on:click=move |_| answer.run(PauseAnswer::Reply { text: None })>"Decline"</button>
        </div>
    }
}
