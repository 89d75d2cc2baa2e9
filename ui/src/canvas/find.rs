//! The find box (Ctrl+F): typing lists matching nodes, Enter focuses the first.

use crate::Editor;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Ctrl+F: a box over the canvas; typing lists matching nodes, Enter focuses the first.
#[component]
pub fn FindBox() -> impl IntoView {
    let ed: Editor = expect_context();
    // Only opening and closing redraw the box, so typing keeps the input and its caret.
    let open = Memo::new(move |_| ed.find.with(Option::is_some));
    Effect::new(move |_| {
        if open.get() {
            request_animation_frame(focus_find);
        }
    });
    let list = move || {
        let query = ed.find.get().unwrap_or_default();
        let matches = ed.find_matches(&query);
        let empty = (!query.trim().is_empty() && matches.is_empty())
            .then(|| view! { <li class="none">"No node has that in its name"</li> });
        let items = matches
            .into_iter()
            .map(|n| {
                let n2 = n.clone();
                view! { <li data-node=n.clone() on:mousedown=move |_| { ed.focus_node(&n2); ed.find.set(None); }>{n.clone()}</li> }
            })
            .collect_view();
        view! { {items}{empty} }
    };
    move || {
        open.get().then(|| {
            view! {
                <div class="find" id="find">
                    <input id="find-input" placeholder="Find a node by name (Enter: go, Esc: close)"
                        on:input=move |ev| ed.find.set(Some(event_target_value(&ev)))
                        on:keydown=move |ev| match ev.key().as_str() {
                            "Enter" => {
                                let query = ed.find.get_untracked().unwrap_or_default();
                                if let Some(n) = ed.find_matches(&query).first() {
                                    ed.focus_node(n);
                                }
                                ed.find.set(None);
                            }
                            "Escape" => ed.find.set(None),
                            _ => {}
                        }/>
                    <ul>{list}</ul>
                </div>
            }
        })
    }
}

/// Focuses the find box's input whenever it opens.
fn focus_find() {
    if let Some(e) = document()
        .get_element_by_id("find-input")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = e.focus();
    }
}
