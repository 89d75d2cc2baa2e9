//! The run's timeline: one row per node, a bar from its first to its last event, its model and
//! service calls as thinner bars inside; the bar's colour is the node's status on the canvas.
//! Clicking a row selects the node.

use crate::run::paint::node_status;
use crate::Editor;
use leptos::prelude::*;
use strata::trace::inspect::timeline as lay_out;

/// Where a span sits in the track, as CSS percentages of the run's length.
fn place(start_ms: u64, end_ms: u64, total_ms: u64) -> String {
    let total = total_ms.max(1) as f64;
    let left = start_ms as f64 / total * 100.0;
    let width = (end_ms.saturating_sub(start_ms) as f64 / total * 100.0).max(0.4);
    format!("left:{left:.3}%;width:{width:.3}%")
}

#[component]
pub fn Timeline() -> impl IntoView {
    let ed: Editor = expect_context();
    let run = ed.run;
    let picture = Memo::new(move |_| run.events.with(|events| lay_out(events)));
    move || {
        let t = picture.get();
        if t.rows.is_empty() {
            return view! { <p class="hint" id="timeline-empty">"No run on the canvas yet: press Run, or open one from Runs."</p> }
                .into_any();
        }
        let total = t.end_ms;
        let rows = t
            .rows
            .into_iter()
            .map(|row| {
                let calls = row
                    .calls
                    .iter()
                    .map(|c| {
                        let tokens = c
                            .tokens
                            .map(|(i, o)| format!(", {i} in / {o} out tokens"))
                            .unwrap_or_default();
                        let title = format!(
                            "{}: {}{tokens}",
                            c.label,
                            super::ms_text(c.end_ms.saturating_sub(c.start_ms))
                        );
                        view! { <div class="tl-call" style=place(c.start_ms, c.end_ms, total) title=title></div> }
                    })
                    .collect_view();
                let node = row.node.clone();
                let status = {
                    let node = node.clone();
                    move || node_status(run, &node).unwrap_or("waiting")
                };
                let title = format!(
                    "{}: {} – {} ms",
                    row.node, row.start_ms, row.end_ms
                );
                let select = {
                    let node = node.clone();
                    move |_| ed.selection.set(vec![node.clone()])
                };
                view! {
                    <div class="tl-row" data-node=node.clone() data-status=status on:click=select>
                        <span class="tl-name" title=row.node.clone()>{row.node.clone()}</span>
                        <div class="tl-track">
                            <div class="tl-bar" style=place(row.start_ms, row.end_ms, total) title=title></div>
                            {calls}
                        </div>
                    </div>
                }
            })
            .collect_view();
        view! {
            <div class="timeline" id="timeline">
                <div class="tl-scale"><span>"0 ms"</span><span>{super::ms_text(total)}</span></div>
                {rows}
            </div>
        }
        .into_any()
    }
}
