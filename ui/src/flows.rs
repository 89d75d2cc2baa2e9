//! The toolbar's flow controls: the drop-down that switches the flow on the canvas, and adding,
//! renaming and deleting flows (undoable commands; deleting asks first).

use crate::{Dialog, Editor};
use leptos::prelude::*;
use strata::edit::Command;

#[component]
pub fn FlowPicker() -> impl IntoView {
    let ed: Editor = expect_context();
    let flows = move || {
        ed.doc.with(|d| {
            d.as_ref()
                .map(|d| {
                    d.project
                        .flows
                        .iter()
                        .map(|f| (f.name.clone(), f.name == d.flow))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let only_one = move || flows().len() < 2;
    view! {
        <label>"Flow "
            <select id="flow" prop:value=move || ed.doc.with(|d| d.as_ref().map(|d| d.flow.clone()).unwrap_or_default())
                on:change=move |ev| {
                let f = event_target_value(&ev);
                ed.doc.update(|d| if let Some(d) = d { d.flow = f });
                ed.selection.set(vec![]);
                ed.fit();
            }>
                {move || flows().into_iter().map(|(f, sel)| view! { <option value=f.clone() selected=sel>{f.clone()}</option> }).collect_view()}
            </select>
        </label>
        <button id="flow-add" title="Add a flow" on:click=move |_| ed.run(Command::AddFlow { name: "flow".to_owned() })>"+"</button>
        <button id="flow-rename" title="Rename this flow" on:click=move |_| ed.dialog.set(Some(Dialog::RenameFlow))>"Rename…"</button>
        <button id="flow-delete" title="Delete this flow" disabled=only_one on:click=move |_| ed.dialog.set(Some(Dialog::DeleteFlow))>"Delete…"</button>
    }
}
