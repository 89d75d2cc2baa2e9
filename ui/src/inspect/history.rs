//! This project's runs from the run store: a list (status, flow, start, duration, tokens,
//! cost); Open paints a run on the canvas again; ticking two and Compare shows which nodes'
//! outputs differ, side by side.

use super::ms_text;
use crate::{shell, Editor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use strata::session::protocol::RunListing;
use strata::trace::inspect::{compare, pretty, NodeDiff};

/// Two runs compared: their ids and every node with outputs in either.
#[derive(Debug, Clone, PartialEq)]
struct Comparison {
    left: String,
    right: String,
    nodes: Vec<NodeDiff>,
}

/// `2026-12-03 23:09:50` (UTC) from milliseconds since the epoch.
fn start_text(ms: u64) -> String {
    let iso: String = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64))
        .to_iso_string()
        .into();
    iso.get(..19).unwrap_or(&iso).replace('T', " ")
}

fn tokens_text(r: &RunListing) -> String {
    match (r.input_tokens, r.output_tokens) {
        (None, None) => "–".to_owned(),
        (i, o) => (i.unwrap_or(0) + o.unwrap_or(0)).to_string(),
    }
}

fn cost_text(cost: Option<f64>) -> String {
    cost.map_or_else(|| "–".to_owned(), |c| format!("${c:.4}"))
}

#[component]
pub fn RunsHistory() -> impl IntoView {
    let ed: Editor = expect_context();
    let run = ed.run;
    let runs = RwSignal::new(Vec::<RunListing>::new());
    // What Open or Compare could not do; what listing could not do is apart, so that the
    // list refreshing after an Open never hides what that Open said.
    let error = RwSignal::new(None::<String>);
    let list_error = RwSignal::new(None::<String>);
    let ticked = RwSignal::new(Vec::<String>::new());
    let comparison = RwSignal::new(None::<Comparison>);
    let refresh = move || {
        let Some((path, name)) = ed
            .doc
            .with_untracked(|d| d.as_ref().map(|d| (d.path.clone(), d.project.name.clone())))
        else {
            return;
        };
        spawn_local(async move {
            match shell::runs_list(path.as_deref(), &name).await {
                Ok(list) => {
                    runs.set(list);
                    list_error.set(None);
                }
                Err(e) => list_error.set(Some(e.message)),
            }
        });
    };
    // The list follows the runs made while it is open.
    Effect::new(move |first: Option<()>| {
        if run.result.with(Option::is_some) || first.is_none() {
            refresh();
        }
    });
    let open_run = move |id: String| open_recorded(ed, id, error);
    let compare_ticked = move || {
        let ids = ticked.get_untracked();
        let [left, right] = ids.as_slice() else {
            return;
        };
        let (left, right) = (left.clone(), right.clone());
        spawn_local(async move {
            match (shell::run_get(&left).await, shell::run_get(&right).await) {
                (Ok(a), Ok(b)) => {
                    comparison.set(Some(Comparison {
                        nodes: compare(&a.events, &b.events),
                        left,
                        right,
                    }));
                    error.set(None);
                }
                (Err(e), _) | (_, Err(e)) => error.set(Some(e.message)),
            }
        });
    };
    let rows = move || {
        runs.get()
            .into_iter()
            .map(|r| {
                let id = r.run_id.clone();
                let (tick_id, open_id) = (id.clone(), id.clone());
                let is_ticked = {
                    let id = id.clone();
                    move || ticked.with(|t| t.contains(&id))
                };
                view! {
                    <tr class="run-row" data-run=id.clone() data-status=r.status.clone()>
                        <td><input type="checkbox" class="run-tick" title="Compare this run"
                            prop:checked=is_ticked
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                ticked.update(|t| {
                                    t.retain(|x| *x != tick_id);
                                    if on {
                                        t.push(tick_id.clone());
                                        if t.len() > 2 { t.remove(0); }
                                    }
                                });
                            }/></td>
                        <td class="run-status">{r.status.clone()}</td>
                        <td class="run-flow">{r.flow.clone()}</td>
                        <td class="run-start">{start_text(r.started_at_ms)}</td>
                        <td class="run-duration">{r.duration_ms.map_or_else(|| "–".to_owned(), ms_text)}</td>
                        <td class="run-tokens">{tokens_text(&r)}</td>
                        <td class="run-cost">{cost_text(r.cost_usd)}</td>
                        <td><button class="run-open" on:click=move |_| open_run(open_id.clone())>"Open"</button></td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <div class="runs-history" id="runs-history">
            <div class="runs-actions">
                <button id="runs-refresh" on:click=move |_| refresh()>"Refresh"</button>
                <button id="runs-compare" disabled=move || ticked.with(|t| t.len() != 2)
                    on:click=move |_| compare_ticked()>"Compare the two ticked"</button>
                {move || list_error.get().map(|e| view! { <span class="run-error" id="runs-list-error">{e}</span> })}
                {move || error.get().map(|e| view! { <span class="run-error" id="runs-error">{e}</span> })}
            </div>
            {move || runs.with(Vec::is_empty).then(|| view! { <p class="hint" id="runs-empty">"No runs of this project yet."</p> })}
            <table class="runs">
                <thead><tr><th></th><th>"Status"</th><th>"Flow"</th><th>"Started (UTC)"</th><th>"Duration"</th><th>"Tokens"</th><th>"Cost"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {move || comparison.get().map(comparison_view)}
        </div>
    }
}

/// Paints the recorded run `id` on the canvas (switching to its flow when the project has it);
/// what could not be done, or that the flow is gone, goes to `error`. Refused while a run is
/// going on: the two would mix on the canvas.
pub fn open_recorded(ed: Editor, id: String, error: RwSignal<Option<String>>) {
    let run = ed.run;
    if run.live.get_untracked() {
        error.set(Some(
            "A run is going on: cancel it (Esc) before opening another.".to_owned(),
        ));
        return;
    }
    spawn_local(async move {
        match shell::run_get(&id).await {
            Ok(recorded) => {
                let Some((project, shown)) = ed
                    .doc
                    .with_untracked(|d| d.as_ref().map(|d| (d.project.clone(), d.flow.clone())))
                else {
                    return;
                };
                let flow = recorded.listing.flow.clone();
                let missing = project.flow(&flow).is_none();
                if !missing && flow != shown {
                    ed.doc.update(|d| {
                        if let Some(d) = d {
                            d.flow = flow.clone();
                        }
                    });
                    ed.selection.set(vec![]);
                    ed.fit();
                }
                run.show_recorded(&project, id, recorded.events);
                error.set(missing.then(|| {
                    format!(
                        "This project has no flow named {flow:?} now: the run's timeline and \
                         events are shown, its nodes may not be on the canvas."
                    )
                }));
            }
            Err(e) => error.set(Some(e.message)),
        }
    });
}

fn comparison_view(c: Comparison) -> impl IntoView {
    let same = c.nodes.iter().filter(|d| !d.differs()).count();
    let side = |v: &Option<serde_json::Value>| match v {
        Some(v) => view! { <pre class="json">{pretty(v)}</pre> }.into_any(),
        None => view! { <p class="hint">"no outputs"</p> }.into_any(),
    };
    let rows = c
        .nodes
        .iter()
        .filter(|d| d.differs())
        .map(|d| {
            view! {
                <tr class="diff" data-node=d.node.clone()>
                    <th class="diff-node">{d.node.clone()}</th>
                    <td class="diff-left">{side(&d.left)}</td>
                    <td class="diff-right">{side(&d.right)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="comparison" id="comparison">
            <p class="comparison-summary">{format!(
                "{} node(s) differ; {same} produced the same outputs.",
                c.nodes.len() - same
            )}</p>
            <table class="diffs">
                <thead><tr><th>"Node"</th><th>{c.left}</th><th>{c.right}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
