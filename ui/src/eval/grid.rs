//! The live progress of an evaluation: cases done and passed per variant, and a grid of every
//! case × variant × repeat that fills in as cases finish (a finished cell opens its run).

use super::{EvalState, Stage};
use crate::Editor;
use leptos::prelude::*;

/// The status line: what is going on, in a few words.
pub fn status_text(state: EvalState) -> String {
    let done = state.progress.with(|p| {
        p.as_ref()
            .map(|p| format!("{} of {} cases", p.results.len(), p.total))
    });
    match state.stage.get() {
        Stage::Idle => String::new(),
        Stage::Running => done.map_or_else(|| "starting…".to_owned(), |d| format!("{d} done…")),
        Stage::Finished => done.map_or_else(|| "finished".to_owned(), |d| format!("finished: {d}")),
        Stage::Cancelled => "cancelled".to_owned(),
        Stage::Failed => "failed".to_owned(),
    }
}

/// Opens the run of a finished case on the canvas (what cannot be done goes to the message).
pub fn open_run(ed: Editor, state: EvalState, run_id: Option<String>) {
    match run_id {
        Some(id) => {
            crate::inspect::history::open_recorded(ed, id, state.message);
            // The panel takes room from the canvas: show the whole flow in what is left.
            ed.fit();
        }
        None => state.message.set(Some(
            "This case was not recorded (the run store could not be opened), so it has no run to open."
                .to_owned(),
        )),
    }
}

#[component]
pub fn ProgressGrid() -> impl IntoView {
    let ed: Editor = expect_context();
    let state: EvalState = expect_context();
    move || {
        let progress = state.progress.get()?;
        let counts = progress
            .variants
            .iter()
            .map(|v| {
                let (done, passed) = progress.counts(&v.name);
                let of = progress.cases.len() * progress.repeats as usize;
                view! {
                    <span class="eval-count" data-variant=v.name.clone() data-done=done.to_string()>
                        <strong>{v.name.clone()}</strong>
                        {format!(" {done}/{of} done, {passed} passed")}
                    </span>
                }
            })
            .collect_view();
        let columns: Vec<(String, u32)> = progress
            .variants
            .iter()
            .flat_map(|v| (0..progress.repeats).map(move |r| (v.name.clone(), r)))
            .collect();
        let head = columns
            .iter()
            .map(|(v, r)| {
                let label = if progress.repeats > 1 {
                    format!("{v} #{}", r + 1)
                } else {
                    v.clone()
                };
                view! { <th>{label}</th> }
            })
            .collect_view();
        let rows = progress
            .cases
            .iter()
            .map(|case| {
                let cells = columns
                    .iter()
                    .map(|(variant, repeat)| {
                        let result = progress.result(case, variant, *repeat);
                        let (state_id, mark) = match result {
                            None => ("pending", "·"),
                            Some(r) if r.pass => ("pass", "✓"),
                            Some(_) => ("fail", "✗"),
                        };
                        let run_id = result.and_then(|r| r.run_id.clone());
                        let finished = result.is_some();
                        let title = result.map_or_else(
                            || "not finished".to_owned(),
                            |r| {
                                let failed = r.failed_checks();
                                if failed.is_empty() {
                                    "passed — click to open its run".to_owned()
                                } else {
                                    format!("{} — click to open its run", failed.join("; "))
                                }
                            },
                        );
                        view! {
                            <td class="eval-cell" data-case=case.clone() data-variant=variant.clone()
                                data-repeat=repeat.to_string() data-state=state_id>
                                <button title=title disabled=!finished
                                    on:click=move |_| open_run(ed, state, run_id.clone())>{mark}</button>
                            </td>
                        }
                    })
                    .collect_view();
                view! { <tr><th class="eval-case-id">{case.clone()}</th>{cells}</tr> }
            })
            .collect_view();
        Some(view! {
            <div class="eval-progress" id="eval-progress">
                <div class="eval-counts">{counts}</div>
                <table class="eval-grid" id="eval-grid">
                    <thead><tr><th>"Case"</th>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    }
}
