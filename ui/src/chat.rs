//! The agent chat panel: talk to one of the project's agents as `strata chat` does — pick the
//! agent and the provider, start a session, send messages; each turn's steps (rationale,
//! action calls, observations) show as rows before the reply, and a turn that waits for the
//! user opens the pause form. Everything the agent says is shown as text.

pub mod provider;

use crate::pause::PauseForm;
use crate::{shell, Editor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use strata::session::protocol::{Pause, ProviderChoice, RunMessage};
use strata::trace::inspect::agent_steps;
use strata::trace::RunEvent;

/// One row of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRow {
    /// `you`, `agent`, `error`, `session`, or the step's kind
    /// ([`strata::trace::inspect::StepKind::as_str`]).
    pub kind: &'static str,
    pub text: String,
}

impl ChatRow {
    fn new(kind: &'static str, text: impl Into<String>) -> ChatRow {
        ChatRow {
            kind,
            text: text.into(),
        }
    }
}

/// A JSON value as text: a string as it is, anything else as JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The rows an agent step event adds, read as the inspector reads an Agent node's steps.
fn step_rows(event: &RunEvent) -> Vec<ChatRow> {
    let RunEvent::AgentTrace { node, .. } = event else {
        return vec![];
    };
    agent_steps(std::slice::from_ref(event), node)
        .into_iter()
        .map(|step| {
            let text = if step.text.is_empty() {
                step.title
            } else {
                format!("{}: {}", step.title, step.text)
            };
            ChatRow::new(step.kind.as_str(), text)
        })
        .collect()
}

/// The rows a message of a chat turn adds; a pause goes to `pause` instead.
pub fn message_rows(message: RunMessage, pause: RwSignal<Option<Pause>>) -> Vec<ChatRow> {
    match message {
        RunMessage::Started { .. } => vec![],
        RunMessage::Events { events } => events.iter().flat_map(step_rows).collect(),
        RunMessage::Paused { pause: p } => {
            pause.set(Some(p));
            vec![]
        }
        RunMessage::Finished { result } => {
            pause.set(None);
            let reply = result
                .outputs
                .iter()
                .map(|o| text_of(&o.document))
                .collect::<Vec<_>>()
                .join("\n");
            vec![ChatRow::new("agent", reply)]
        }
        RunMessage::Failed { message } => {
            pause.set(None);
            vec![ChatRow::new("error", message)]
        }
    }
}

/// The chat panel.
#[component]
pub fn ChatPanel() -> impl IntoView {
    let ed: Editor = expect_context();
    let agent = RwSignal::new(String::new());
    let provider = RwSignal::new(None::<ProviderChoice>);
    let chat = RwSignal::new(None::<String>);
    let rows = RwSignal::new(Vec::<ChatRow>::new());
    let pause = RwSignal::new(None::<Pause>);
    let message = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // The channel of the turn going on: it must live as long as the turn speaks.
    let channel = StoredValue::new_local(None::<shell::Channel<RunMessage>>);
    let agents = Memo::new(move |_| {
        ed.doc.with(|d| {
            d.iter()
                .flat_map(|d| d.project.agents.iter().map(|a| a.agent_name.clone()))
                .collect::<Vec<_>>()
        })
    });
    let push = move |row: ChatRow| rows.update(|r| r.push(row));
    let start = move |_| {
        let name = agent.get_untracked();
        let name = if name.is_empty() {
            agents.get_untracked().first().cloned().unwrap_or_default()
        } else {
            name
        };
        let Some(choice) = provider.get_untracked() else {
            push(ChatRow::new("error", "Choose a provider first."));
            return;
        };
        let Some((text, path)) = ed
            .doc
            .with_untracked(|d| d.as_ref().map(|d| (d.project.to_json(), d.path.clone())))
        else {
            return;
        };
        spawn_local(async move {
            match shell::chat_start(&text, path.as_deref(), &name, &choice).await {
                Ok(id) => {
                    push(ChatRow::new(
                        "session",
                        format!("Chat with {name} started."),
                    ));
                    chat.set(Some(id));
                }
                Err(e) => push(ChatRow::new("error", e.message)),
            }
        });
    };
    let send = move || {
        let Some(id) = chat.get_untracked() else {
            return;
        };
        let text = message.get_untracked();
        if text.trim().is_empty() || busy.get_untracked() {
            return;
        }
        message.set(String::new());
        push(ChatRow::new("you", text.clone()));
        busy.set(true);
        let turn = shell::Channel::reporting(move |m| {
            let done = matches!(m, RunMessage::Finished { .. } | RunMessage::Failed { .. });
            let new = message_rows(m, pause);
            rows.update(|r| r.extend(new));
            if done {
                busy.set(false);
            }
        });
        spawn_local(async move {
            let sent = shell::chat_send(&id, &text, &turn).await;
            channel.set_value(Some(turn));
            if let Err(e) = sent {
                busy.set(false);
                push(ChatRow::new("error", e.message));
            }
        });
    };
    let end = move |_| {
        let Some(id) = chat.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match shell::chat_end(&id).await {
                Ok(()) => {
                    chat.set(None);
                    pause.set(None);
                    busy.set(false);
                    push(ChatRow::new("session", "Chat ended."));
                }
                Err(e) => push(ChatRow::new("error", e.message)),
            }
        });
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() {
            ev.prevent_default();
            send();
        }
    };
    view! {
        <details class="chat-panel" id="chat-panel">
            <summary>"Agent chat"</summary>
            <div class="chat-setup">
                <label class="field">"Agent"
                    <select id="chat-agent" prop:disabled=move || chat.get().is_some()
                        on:change=move |ev| agent.set(event_target_value(&ev))>
                        {move || agents.get().into_iter().map(|a| view! { <option value=a.clone()>{a.clone()}</option> }).collect::<Vec<_>>()}
                    </select>
                </label>
                <provider::ProviderFields choice=provider/>
                {move || match chat.get() {
                    None => view! { <button id="chat-start" on:click=start>"Start chat"</button> }.into_any(),
                    Some(_) => view! { <button id="chat-end" on:click=end>"End chat"</button> }.into_any(),
                }}
            </div>
            <ol class="chat-rows">
                {move || rows.get().into_iter().map(|r| view! {
                    <li class=format!("chat-row {}", r.kind) data-kind=r.kind>{r.text}</li>
                }).collect::<Vec<_>>()}
            </ol>
            <PauseForm target=chat pause=pause/>
            <div class="chat-input">
                <textarea id="chat-message" rows="2" placeholder="Message the agent (Enter sends)"
                    prop:disabled=move || chat.get().is_none()
                    prop:value=move || message.get()
                    on:input=move |ev| message.set(event_target_value(&ev))
                    on:keydown=on_key></textarea>
                <button id="chat-send" prop:disabled=move || chat.get().is_none() || busy.get()
                    on:click=move |_| send()>"Send"</button>
            </div>
        </details>
    }
}
