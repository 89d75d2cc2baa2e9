//! Inspecting a run: the selected node's inputs and outputs (per Iterator item and Loop
//! iteration) and an Agent node's steps in the inspector (`node`), and under the canvas a
//! panel with the run's timeline (`timeline`), its raw events (`events`) and this project's
//! runs history with comparing two runs (`history`), and the Evaluate view (`crate::eval`).
//!
//! Everything here reads [`strata::trace::inspect`] over the events of the run on the canvas
//! ([`crate::run::RunState`]); text from a run is always shown as text, never as markup.

pub mod events;
pub mod history;
pub mod node;
pub mod timeline;

pub use node::NodeRun;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// Which panel under the canvas is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Timeline,
    Events,
    Runs,
    Evaluate,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Timeline, Tab::Events, Tab::Runs, Tab::Evaluate];

    fn id(self) -> &'static str {
        match self {
            Tab::Timeline => "timeline",
            Tab::Events => "events",
            Tab::Runs => "runs",
            Tab::Evaluate => "evaluate",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tab::Timeline => "Timeline",
            Tab::Events => "Events",
            Tab::Runs => "Runs",
            Tab::Evaluate => "Evaluate",
        }
    }
}

/// The panel under the canvas: the run's timeline, its raw events, the runs history. A tab
/// opens its panel; clicking the open tab closes it again.
#[component]
pub fn RunPanels() -> impl IntoView {
    let open = RwSignal::new(None::<Tab>);
    let tabs = Tab::ALL
        .into_iter()
        .map(|tab| {
            view! {
                <button class="run-tab" id=format!("tab-{}", tab.id())
                    class:open=move || open.get() == Some(tab)
                    on:click=move |_| open.update(|o| *o = if *o == Some(tab) { None } else { Some(tab) })>
                    {tab.label()}
                </button>
            }
        })
        .collect_view();
    let body = move || {
        open.get().map(|tab| match tab {
            Tab::Timeline => view! { <timeline::Timeline/> }.into_any(),
            Tab::Events => view! { <events::EventList/> }.into_any(),
            Tab::Runs => view! { <history::RunsHistory/> }.into_any(),
            Tab::Evaluate => view! { <crate::eval::EvaluatePanel/> }.into_any(),
        })
    };
    view! {
        <div class="run-panels" id="run-panels">
            <div class="run-tabs">{tabs}</div>
            {move || open.get().is_some().then(|| view! {
                <div class="run-panel-body" class:wide=move || open.get() == Some(Tab::Evaluate)>{body}</div>
            })}
        </div>
    }
}

/// JSON shown as text, with a Copy button that puts the same text on the clipboard.
pub fn json_block(class: &'static str, text: String) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let to_copy = text.clone();
    view! {
        <div class=format!("json-block {class}")>
            <button class="copy" title="Copy this JSON" on:click=move |_| {
                let text = to_copy.clone();
                spawn_local(async move { copied.set(Some(copy_text(&text).await)); });
            }>{move || match copied.get() {
                Some(true) => "Copied",
                Some(false) => "Copy failed",
                None => "Copy",
            }}</button>
            <pre class="json">{text}</pre>
        </div>
    }
}

/// Puts `text` on the system clipboard (`navigator.clipboard.writeText`); whether it took.
pub async fn copy_text(text: &str) -> bool {
    let get = |target: &wasm_bindgen::JsValue, name: &str| {
        js_sys::Reflect::get(target, &wasm_bindgen::JsValue::from_str(name)).ok()
    };
    let clipboard = get(&js_sys::global(), "navigator").and_then(|n| get(&n, "clipboard"));
    let Some(clipboard) = clipboard else {
        return false;
    };
    let write = get(&clipboard, "writeText").and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(promise) = write
        .and_then(|f| f.call1(&clipboard, &text.into()).ok())
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
    else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Milliseconds for people: `850 ms`, `12.4 s`.
pub fn ms_text(ms: u64) -> String {
    strata::trace::view::duration_text(ms)
}
