//! A breakpoint's form: each input the node is about to get as editable JSON, checked against
//! the input's type before anything is sent; Continue, Step or cancel the run.

use crate::shell;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use strata::model::DataType;
use strata::session::protocol::PauseAnswer;
use strata::trace::event::{Content, InputField};

/// Reads `text` as a value of type `expected`: the message says what is wrong.
pub(crate) fn read_typed(text: &str, expected: DataType) -> Result<Value, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    match DataType::of_value(&value) {
        Some(found) if found == expected => Ok(value),
        Some(found) => Err(format!(
            "expected {}, got {}",
            expected.as_str(),
            found.as_str()
        )),
        None => Err(format!("expected {}, got null", expected.as_str())),
    }
}

/// The inputs as edited, or `None` when any is not a value of its type (each field then
/// shows its message).
fn edited(
    inputs: &[InputField],
    texts: &[RwSignal<String>],
    errors: &[RwSignal<Option<String>>],
) -> Option<Vec<InputField>> {
    let mut out = Vec::with_capacity(inputs.len());
    let mut ok = true;
    for ((input, text), error) in inputs.iter().zip(texts).zip(errors) {
        match read_typed(&text.get_untracked(), input.data_type) {
            Ok(document) => {
                error.set(None);
                out.push(InputField {
                    content: Content { document },
                    ..input.clone()
                });
            }
            Err(message) => {
                error.set(Some(message));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

pub(super) fn breakpoint_form(
    target: Signal<Option<String>>,
    inputs: Vec<InputField>,
    answer: Callback<PauseAnswer>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    let texts: Vec<RwSignal<String>> = inputs
        .iter()
        .map(|i| RwSignal::new(pretty(&i.content.document)))
        .collect();
    let errors: Vec<RwSignal<Option<String>>> =
        inputs.iter().map(|_| RwSignal::new(None)).collect();
    let rows: Vec<_> = inputs
        .iter()
        .zip(&texts)
        .zip(&errors)
        .map(|((input, &text), &field_error)| {
            let source = if input.source.node_name.is_empty() {
                String::new()
            } else {
                format!(
                    "from {}.{}",
                    input.source.node_name, input.source.output_field_name
                )
            };
            view! {
                <div class="pause-input" data-input=input.node_input_name.to_string()>
                    <label>
                        <span class="name">{input.node_input_name.to_string()}</span>
                        " "<span class="type">{input.data_type.as_str()}</span>
                        " "<span class="source">{source}</span>
                    </label>
                    <textarea rows="4" spellcheck="false" prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    {move || field_error.get().map(|e| view! { <p class="field-error">{e}</p> })}
                </div>
            }
        })
        .collect();
    let go = {
        let (inputs, texts, errors) = (inputs.clone(), texts.clone(), errors.clone());
        move |step: bool| {
            let Some(now) = edited(&inputs, &texts, &errors) else {
                return;
            };
            let inputs = (now != inputs).then_some(now);
            answer.run(PauseAnswer::Continue { inputs, step });
        }
    };
    let step = go.clone();
    let cancel = move |_| {
        let Some(run) = target.get_untracked() else {
            return;
        };
        spawn_local(async move {
            if let Err(e) = shell::run_cancel(&run).await {
                error.set(Some(e.message));
            }
        });
    };
    view! {
        {rows}
        <div class="buttons">
            <button id="pause-continue" on:click=move |_| go(false)>"Continue"</button>
            <button id="pause-step" on:click=move |_| step(true)>"Step"</button>
            <button id="pause-cancel" on:click=cancel>"Cancel run"</button>
        </div>
    }
}
