//! The run panel (flow, input, provider, concurrency, timeout, recording, Run and Cancel) and
//! the status bar's run totals.

use super::{ProviderKind, RunForm};
use crate::actions::tooltip;
use crate::Editor;
use leptos::prelude::*;
use strata::edit::Action;
use strata::trace::RunStatus;

/// The value of the input choice meaning "the typed document".
const TYPED: &str = "";

#[component]
pub fn RunPanel() -> impl IntoView {
    let ed: Editor = expect_context();
    let run = ed.run;
    let form = run.form;
    let edit = move |f: fn(&mut RunForm, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            form.update(|form| f(form, value));
            run.form_error.set(None);
        }
    };
    // The flow the panel runs: the chosen one, else the one on the canvas.
    let flow = move || {
        form.with(|f| f.flow.clone()).unwrap_or_else(|| {
            ed.doc
                .with(|d| d.as_ref().map(|d| d.flow.clone()).unwrap_or_default())
        })
    };
    let flows = move || {
        ed.doc.with(|d| {
            let flows = d.iter().flat_map(|d| &d.project.flows);
            flows.map(|f| f.name.clone()).collect::<Vec<_>>()
        })
    };
    let samples = move || {
        let name = flow();
        ed.doc.with(|d| {
            d.as_ref()
                .and_then(|d| d.project.flow(&name))
                .map(|f| f.samples.iter().map(|s| s.name.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    // The sample the run takes (the flow's first unless one, or the typed document, was chosen).
    let chosen_sample = move || {
        let name = flow();
        ed.doc.with(|d| {
            form.with(|f| f.effective_sample(d.as_ref().and_then(|d| d.project.flow(&name))))
        })
    };
    let typed = move || chosen_sample().is_none();
    let provider = move || form.with(|f| f.provider);
    let provider_fields = move || {
        match provider() {
        ProviderKind::Replay => view! {
            <input id="run-replay" placeholder="replay file" title="The recording the model replies come from"
                prop:value=move || form.with(|f| f.replay_path(&flow()))
                on:change=edit(|f, v| f.replay = v)/>
        }
        .into_any(),
        ProviderKind::Openai => view! {
            <input id="run-openai-url" placeholder="http://host:port/v1" title="An OpenAI-compatible chat-completions server"
                prop:value=move || form.with(|f| f.openai_url.clone()) on:change=edit(|f, v| f.openai_url = v)/>
            <input id="run-openai-model" placeholder="model (optional)" title="Replaces the project's model ids"
                prop:value=move || form.with(|f| f.openai_model.clone()) on:change=edit(|f, v| f.openai_model = v)/>
        }
        .into_any(),
        ProviderKind::Bedrock => view! {
            <input id="run-profile" placeholder="AWS profile (default chain)" title="Credentials come from the standard AWS chain; none are stored"
                prop:value=move || form.with(|f| f.profile.clone()) on:change=edit(|f, v| f.profile = v)/>
            <input id="run-region" placeholder="region" prop:value=move || form.with(|f| f.region.clone())
                on:change=edit(|f, v| f.region = v)/>
        }
        .into_any(),
    }
    };
    view! {
        <div class="run-panel" id="run-panel">
            <label>"Flow "
                <select id="run-flow" on:change=edit(|f, v| { f.flow = Some(v); f.sample = None; f.typed_chosen = false; })>
                    {move || { let current = flow(); flows().into_iter().map(|name| {
                        let selected = name == current;
                        view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                    }).collect_view() }}
                </select>
            </label>
            <crate::versions::RunTargetChoice/>
            <label>"Input "
                <select id="run-input" on:change=edit(|f, v| {
                    f.typed_chosen = v == TYPED;
                    f.sample = (v != TYPED).then_some(v);
                })>
                    <option value=TYPED selected=typed>"typed JSON…"</option>
                    {move || { let chosen = chosen_sample(); samples().into_iter().map(|name| {
                        let selected = chosen.as_deref() == Some(name.as_str());
                        view! { <option value=name.clone() selected=selected>{format!("sample: {name}")}</option> }
                    }).collect_view() }}
                </select>
            </label>
            <Show when=typed>
                <textarea id="run-document" rows="1" placeholder=r#"{"message": "…"}"#
                    prop:value=move || form.with(|f| f.typed.clone()) on:input=edit(|f, v| f.typed = v)></textarea>
            </Show>
            <label>"Provider "
                <select id="run-provider" on:change=edit(|f, v| f.provider = match v.as_str() {
                    "openai" => ProviderKind::Openai,
                    "bedrock" => ProviderKind::Bedrock,
                    _ => ProviderKind::Replay,
                })>
                    <option value="replay" selected=move || provider() == ProviderKind::Replay>"replay file"</option>
                    <option value="openai" selected=move || provider() == ProviderKind::Openai>"OpenAI-compatible"</option>
                    <option value="bedrock" selected=move || provider() == ProviderKind::Bedrock>"Bedrock"</option>
                </select>
            </label>
            {provider_fields}
            <label title="Iterator items run at once">"Items at once "
                <input id="run-concurrency" type="number" min="1" class="narrow"
                    prop:value=move || form.with(|f| f.iterator_concurrency.to_string())
                    on:change=edit(|f, v| f.iterator_concurrency = v.parse().unwrap_or(1))/>
            </label>
            <label title="Seconds one node may work">"Timeout s "
                <input id="run-timeout" type="number" min="1" class="narrow"
                    prop:value=move || form.with(|f| f.timeout_secs.to_string())
                    on:change=edit(|f, v| f.timeout_secs = v.parse().unwrap_or(120))/>
            </label>
            <input id="run-record" placeholder="record this run to…" title="Save the run's model replies to this replay file"
                prop:value=move || form.with(|f| f.record.clone()) on:change=edit(|f, v| f.record = v)/>
            <button id="run" class="primary" title=tooltip(Action::Run) disabled=move || run.live.get()
                on:click=move |_| ed.action(Action::Run)>"Run"</button>
            <button id="run-cancel" title=tooltip(Action::CancelRun) disabled=move || !run.live.get()
                on:click=move |_| ed.action(Action::CancelRun)>"Cancel"</button>
            {move || run.form_error.get().map(|e| view! { <span class="run-error" id="run-form-error">{e}</span> })}
            {move || run.error.get().map(|e| view! { <span class="run-error" id="run-error">{e}</span> })}
        </div>
    }
}

/// The run's totals in the status bar: time, tokens, cost and the prices' source.
#[component]
pub fn RunTotals() -> impl IntoView {
    let ed: Editor = expect_context();
    let run = ed.run;
    let state = move || {
        if run.live.get() {
            return "running";
        }
        run.view.with(|v| match v.as_ref().and_then(|v| v.status) {
            Some(RunStatus::Succeeded) => "succeeded",
            Some(RunStatus::Failed) => "failed",
            Some(RunStatus::Cancelled) => "cancelled",
            None => "",
        })
    };
    move || {
        run.view
            .with(|v| v.as_ref().map(|v| v.totals()))
            .map(|totals| {
                view! {
                    <div class="run-totals" id="run-totals" data-state=state
                    data-events=move || run.view.with(|v| v.as_ref().map_or(0, |v| v.events))
                    data-updates=move || run.updates.get()>
                        <span class="run-state">{state}</span>" "{totals}
                    </div>
                }
            })
    }
}
