//! The editor's modals: choosing a path (Open, Save As), renaming or deleting a flow, and the one
//! unsaved-changes prompt (Save / Don't save / Cancel) that New, Open and closing go through.

use crate::{shell, Dialog, Editor};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use strata::edit::Command;

/// Focuses the element `get` gives once it is drawn: a modal's field takes the keyboard as it
/// opens.
fn focus_when_shown(get: impl Fn() -> Option<web_sys::HtmlElement> + 'static) {
    Effect::new(move |_| {
        if let Some(el) = get() {
            // Focus can only fail on an element that is gone again.
            let _ = el.focus();
        }
    });
}

#[component]
pub fn Dialogs() -> impl IntoView {
    let ed: Editor = expect_context();
    let text = RwSignal::new(String::new());
    move || {
        let dialog = ed.dialog.get()?;
        let (title, button) = match dialog {
            Dialog::Open => ("Open a project", "Open"),
            Dialog::SaveAs => ("Save the project as", "Save"),
            Dialog::RenameFlow => ("Rename the flow", "Rename"),
            Dialog::DeleteFlow => ("Delete the flow", "Delete"),
        };
        match dialog {
            Dialog::SaveAs => {
                let suggestion = ed.doc.with_untracked(|d| {
                    d.as_ref().map(|d| {
                        d.path
                            .clone()
                            .unwrap_or_else(|| format!("{}.strata.json", d.project.name))
                    })
                });
                text.set(suggestion.unwrap_or_default());
            }
            Dialog::RenameFlow => text.set(ed.flow()),
            Dialog::Open | Dialog::DeleteFlow => {}
        }
        let go = move || {
            let t = text.get_untracked();
            match dialog {
                Dialog::Open | Dialog::SaveAs | Dialog::RenameFlow if t.trim().is_empty() => {}
                Dialog::Open => ed.open(t),
                Dialog::SaveAs => ed.save_to(t, true),
                Dialog::RenameFlow => {
                    ed.dialog.set(None);
                    ed.run(Command::RenameFlow {
                        from: ed.flow(),
                        to: t.trim().to_owned(),
                    });
                }
                Dialog::DeleteFlow => {
                    ed.dialog.set(None);
                    ed.run(Command::DeleteFlow { flow: ed.flow() });
                }
            }
        };
        let cancel = move || {
            ed.dialog.set(None);
            // A Save As the unsaved prompt asked for was given up: nothing goes ahead.
            ed.after_save.set(None);
        };
        let field = NodeRef::<html::Input>::new();
        let ok = NodeRef::<html::Button>::new();
        let body = match dialog {
            Dialog::DeleteFlow => {
                focus_when_shown(move || ok.get().map(Into::into));
                view! {
                    <p class="question">{format!(
                        "Delete flow {:?} with its nodes and connections? Undo brings it back.",
                        ed.flow()
                    )}</p>
                }
                .into_any()
            }
            Dialog::RenameFlow => {
                focus_when_shown(move || field.get().map(Into::into));
                view! {
                    <input id="dialog-path" node_ref=field prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                        on:keydown=move |ev| { if ev.key() == "Enter" { go() } }/>
                }
                .into_any()
            }
            Dialog::Open | Dialog::SaveAs => {
                focus_when_shown(move || field.get().map(Into::into));
                view! {
                    <div class="with-button">
                        <input id="dialog-path" node_ref=field prop:value=move || text.get()
                            on:input=move |ev| text.set(event_target_value(&ev))
                            on:keydown=move |ev| { if ev.key() == "Enter" { go() } }/>
                        <button id="dialog-browse" title="Choose with the system's file dialog" on:click=move |_| {
                            let suggested = text.get_untracked();
                            spawn_local(async move {
                                match shell::pick_path(dialog == Dialog::SaveAs, &suggested).await {
                                    Ok(Some(p)) => text.set(p),
                                    Ok(None) => {}
                                    Err(e) => ed.status.set(Some((true, e.message))),
                                }
                            });
                        }>"Browse…"</button>
                    </div>
                }
                .into_any()
            }
        };
        let recent = (dialog == Dialog::Open).then(|| {
            view! {
                <ul class="recent">
                    {move || ed.recent.get().into_iter().map(|r| {
                        let r2 = r.clone();
                        view! { <li on:click=move |_| ed.open(r2.clone())>{r}</li> }
                    }).collect_view()}
                </ul>
            }
        });
        Some(view! {
            <div class="modal-back">
                <div class="modal" id="dialog" on:keydown=move |ev| { if ev.key() == "Escape" { cancel() } }>
                    <h3>{title}</h3>
                    {body}
                    {recent}
                    <div class="buttons">
                        <button id="dialog-cancel" on:click=move |_| cancel()>"Cancel"</button>
                        <button id="dialog-ok" node_ref=ok on:click=move |_| go()>{button}</button>
                    </div>
                </div>
            </div>
        })
    }
}

/// The unsaved-changes prompt: Save, Don't save or Cancel, before New, Open or closing.
#[component]
pub fn UnsavedPrompt() -> impl IntoView {
    let ed: Editor = expect_context();
    move || {
        ed.unsaved.get()?;
        let name = ed.doc.with_untracked(|d| {
            d.as_ref()
                .map(|d| {
                    d.path
                        .as_deref()
                        .and_then(|p| p.rsplit('/').next())
                        .map(str::to_owned)
                        .unwrap_or_else(|| d.project.name.clone())
                })
                .unwrap_or_default()
        });
        let save = NodeRef::<html::Button>::new();
        focus_when_shown(move || save.get().map(Into::into));
        Some(view! {
            <div class="modal-back">
                <div class="modal" id="unsaved" role="alertdialog"
                    on:keydown=move |ev| { if ev.key() == "Escape" { ed.answer_unsaved(None) } }>
                    <h3>"Unsaved changes"</h3>
                    <p class="question">{format!("Save the changes to {name} first? Without saving they are lost.")}</p>
                    <div class="buttons">
                        <button id="unsaved-cancel" on:click=move |_| ed.answer_unsaved(None)>"Cancel"</button>
                        <button id="unsaved-discard" on:click=move |_| ed.answer_unsaved(Some(false))>"Don't save"</button>
                        <button id="unsaved-save" node_ref=save on:click=move |_| ed.answer_unsaved(Some(true))>"Save"</button>
                    </div>
                </div>
            </div>
        })
    }
}
