//! The inspector's Run section: what the selected node received and produced in the run on
//! the canvas, one Iterator item or Loop iteration at a time, and an Agent node's steps.

use super::json_block;
use crate::Editor;
use leptos::prelude::*;
use strata::trace::inspect::{agent_steps, pretty, AgentStep, Inspection, NodeRecord};

/// More passes than this are picked by number rather than from a list.
const LISTED_PASSES: usize = 500;

/// The Run section for `node`; nothing while no run is on the canvas.
#[component]
pub fn NodeRun(node: String) -> impl IntoView {
    let ed: Editor = expect_context();
    let run = ed.run;
    let record = {
        let node = node.clone();
        Memo::new(move |_| {
            run.events.with(|events| {
                let mine = events.iter().filter(|e| e.node() == Some(node.as_str()));
                Inspection::read(mine).nodes.into_iter().next()
            })
        })
    };
    let steps = {
        let node = node.clone();
        Memo::new(move |_| run.events.with(|events| agent_steps(events, &node)))
    };
    // The pass shown: `None` follows the last one as the run goes on.
    let picked = RwSignal::new(None::<usize>);
    let shown = move || run.view.with(Option::is_some);
    move || {
        if !shown() {
            return None;
        }
        let body = record.with(|r| match r {
            None => {
                view! { <p class="hint" id="node-run-none">"This node has not run."</p> }.into_any()
            }
            Some(r) => passes_view(r, picked).into_any(),
        });
        Some(view! {
            <section class="node-run" id="node-run">
                <h4>"Run"</h4>
                {body}
                {move || steps.with(|s| (!s.is_empty()).then(|| steps_view(s)))}
            </section>
        })
    }
}

fn passes_view(record: &NodeRecord, picked: RwSignal<Option<usize>>) -> impl IntoView {
    let count = record.passes.len();
    let index = picked
        .get()
        .filter(|i| *i < count)
        .unwrap_or(count.saturating_sub(1));
    let skipped = record.skipped.clone().map(|reason| {
        view! { <p class="run-skipped" id="node-run-skipped">{format!("Skipped: {reason}")}</p> }
    });
    let picker = (count > 1).then(|| pass_picker(record, index, picked));
    let pass = record.passes.get(index).map(|pass| {
        let error = pass
            .error
            .clone()
            .map(|e| view! { <p class="run-error" id="node-run-error">{e}</p> });
        let outputs = if pass.produced {
            json_block("node-run-outputs", pretty(&pass.outputs_json())).into_any()
        } else {
            view! { <p class="hint node-run-outputs">"No outputs."</p> }.into_any()
        };
        view! {
            {error}
            <h5>"Inputs"</h5>
            {json_block("node-run-inputs", pretty(&pass.inputs_json()))}
            <h5>"Outputs"</h5>
            {outputs}
        }
    });
    view! { {skipped}{picker}{pass} }
}

/// Chooses the Iterator item or Loop iteration shown: a list, or a number past
/// [`LISTED_PASSES`] (a select of 10,000 options is no help to anyone).
fn pass_picker(record: &NodeRecord, index: usize, picked: RwSignal<Option<usize>>) -> AnyView {
    let count = record.passes.len();
    if count > LISTED_PASSES {
        let label = record.passes[index].label();
        return view! {
            <label class="pass-picker">{format!("Pass (1–{count}) ")}
                <input id="pass-number" type="number" min="1" max=count.to_string()
                    prop:value=(index + 1).to_string()
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).trim().parse::<usize>() {
                            picked.set(Some(n.clamp(1, count) - 1));
                        }
                    }/>
                <span class="pass-label">{label}</span>
            </label>
        }
        .into_any();
    }
    let options = record
        .passes
        .iter()
        .enumerate()
        .map(
            |(i, p)| view! { <option value=i.to_string() selected=i == index>{p.label()}</option> },
        )
        .collect_view();
    view! {
        <label class="pass-picker">"Pass "
            <select id="pass-picker" on:change=move |ev| picked.set(event_target_value(&ev).parse().ok())>
                {options}
            </select>
        </label>
    }
    .into_any()
}

fn steps_view(steps: &[AgentStep]) -> impl IntoView {
    let rows = steps
        .iter()
        .map(|s| {
            let detail = s
                .detail
                .as_ref()
                .map(|d| view! { <pre class="json step-detail">{pretty(d)}</pre> });
            view! {
                <li class="agent-step" data-kind=s.kind.as_str()>
                    <span class="step-at">{super::ms_text(s.at_ms)}</span>
                    <span class="step-title">{s.title.clone()}</span>
                    <div class="step-text">{s.text.clone()}</div>
                    {detail}
                </li>
            }
        })
        .collect_view();
    view! {
        <h5>"Agent steps"</h5>
        <ol class="agent-steps" id="agent-steps">{rows}</ol>
    }
}
