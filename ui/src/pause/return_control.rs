//! An agent's return of control in the pause form: each action it handed back with every
//! parameter exactly as the payload gives it, Approve / Deny for a confirmation and a field
//! for a result to type. The payload is read by the core's [`strata::return_control`], as
//! the CLI reads it.

use leptos::prelude::*;
use serde_json::Value;
use strata::return_control::{self, ActionAnswer, ActionKind, Parameter, RequestedAction};
use strata::session::protocol::PauseAnswer;

/// One action's answer as the person gives it.
#[derive(Clone, Copy)]
struct Decision {
    /// Approved (`Some(true)`), denied, or not decided yet.
    confirmed: RwSignal<Option<bool>>,
    result: RwSignal<String>,
}

fn parameter_rows(parameters: &[Parameter]) -> impl IntoView {
    parameters
        .iter()
        .map(|p| {
            view! {
                <tr class="parameter" data-parameter=p.name.clone()>
                    <td class="name">{p.name.clone()}</td>
                    <td class="type">{p.kind.clone()}</td>
                    <td class="value">{p.value.clone()}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>()
}

fn action_view(
    index: usize,
    action: &RequestedAction,
    decision: Decision,
    decided: Callback<()>,
) -> impl IntoView {
    let kind = match action.kind {
        ActionKind::Result => "return of control: type the result",
        ActionKind::Confirmation => "confirmation",
        ActionKind::ConfirmationAndResult => "confirmation, then the result",
    };
    let body = action.body.as_ref().map(|(media, properties)| {
        view! {
            <tr class="body-heading"><td colspan="3">"request body (" {media.clone()} ")"</td></tr>
            {parameter_rows(properties)}
        }
    });
    let confirm = action.kind.asks_confirmation().then(|| {
        let c = decision.confirmed;
        view! {
            <div class="buttons">
                <button class="approve" class:chosen=move || c.get() == Some(true)
                    on:click=move |_| { c.set(Some(true)); decided.run(()); }>"Approve"</button>
                <button class="deny" class:chosen=move || c.get() == Some(false)
                    on:click=move |_| { c.set(Some(false)); decided.run(()); }>"Deny"</button>
            </div>
        }
    });
    let result = action.kind.asks_result().then(|| {
        let (c, r) = (decision.confirmed, decision.result);
        view! {
            <label class="result" class:hidden=move || c.get() == Some(false)>"Result"
                <textarea rows="3" prop:value=move || r.get()
                    on:input=move |ev| r.set(event_target_value(&ev))></textarea>
            </label>
        }
    });
    view! {
        <div class="action" data-action=index.to_string()>
            <p class="call">
                <span class="group">{action.action_group.clone()}</span>
                " · "<span class="operation">{action.operation()}</span>
                " "<span class="kind">{kind}</span>
            </p>
            <table class="parameters">
                {parameter_rows(&action.parameters)}
                {body}
            </table>
            {confirm}
            {result}
        </div>
    }
}

pub(super) fn return_control_form(
    node: &str,
    payload: &Value,
    answer: Callback<PauseAnswer>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let actions = return_control::actions(payload);
    let decisions: Vec<Decision> = actions
        .iter()
        .map(|_| Decision {
            confirmed: RwSignal::new(None),
            result: RwSignal::new(String::new()),
        })
        .collect();
    let heading = return_control::heading(node, &actions);
    let results = {
        let (actions, decisions) = (actions.clone(), decisions.clone());
        move || -> Option<Vec<Value>> {
            let mut out = Vec::with_capacity(actions.len());
            for (action, d) in actions.iter().zip(&decisions) {
                let confirmed = d.confirmed.get_untracked();
                if action.kind.asks_confirmation() && confirmed.is_none() {
                    error.set(Some(format!("Approve or deny {} first.", action.call())));
                    return None;
                }
                out.push(action.result(&ActionAnswer {
                    confirmed: confirmed.unwrap_or(true),
                    result: d.result.get_untracked(),
                }));
            }
            Some(out)
        }
    };
    // One confirmation alone is answered by its button: Approve or Deny sends.
    let sends_itself = actions.len() == 1 && actions[0].kind == ActionKind::Confirmation;
    let decided = {
        let send = results.clone();
        Callback::new(move |()| {
            if sends_itself {
                if let Some(results) = send() {
                    answer.run(PauseAnswer::Results {
                        results: Some(results),
                    });
                }
            }
        })
    };
    let rows: Vec<_> = actions
        .iter()
        .zip(&decisions)
        .enumerate()
        .map(|(i, (a, d))| action_view(i, a, *d, decided))
        .collect();
    let send_button = (!sends_itself).then(|| {
        view! {
            <button id="pause-send" on:click=move |_| {
                if let Some(results) = results() {
                    answer.run(PauseAnswer::Results { results: Some(results) });
                }
            }>"Send"</button>
        }
    });
    view! {
        <p class="heading">{heading}</p>
        {rows}
        <div class="buttons">
            {send_button}
            <button id="pause-decline" on:click=move |_| answer.run(PauseAnswer::Results { results: None })>"Decline"</button>
        </div>
    }
}
