//! The run's raw events in Bedrock's trace vocabulary, a page at a time so a run of 10,000
//! events keeps a few hundred rows in the page. A row opens to its whole JSON.

use crate::Editor;
use leptos::prelude::*;
use strata::trace::inspect::pretty;
use strata::trace::RunEvent;

/// Rows on one page.
pub const PAGE: usize = 200;

/// The event's kind (`nodeOutput`…), as its JSON names it.
fn kind(line: &str) -> &str {
    line.strip_prefix(r#"{"event":""#)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("event")
}

/// At most `max` characters of `text`, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[component]
pub fn EventList() -> impl IntoView {
    let ed: Editor = expect_context();
    let run = ed.run;
    // The page shown; `None` follows the newest events.
    let page = RwSignal::new(None::<usize>);
    let only_selected = RwSignal::new(false);
    let open = RwSignal::new(None::<usize>);
    // The events shown: all, or the selected node's (their indices in the run).
    let chosen = Memo::new(move |_| {
        let node = only_selected
            .get()
            .then(|| ed.selection.with(|s| s.first().cloned()))
            .flatten();
        run.events.with(|events| match &node {
            Some(node) => events
                .iter()
                .enumerate()
                .filter(|(_, e)| e.node() == Some(node.as_str()))
                .map(|(i, _)| i)
                .collect::<Vec<_>>(),
            None => (0..events.len()).collect(),
        })
    });
    let pages = move || chosen.with(|c| c.len().div_ceil(PAGE).max(1));
    let current = move || page.get().unwrap_or(usize::MAX).min(pages() - 1);
    let rows = move || {
        let p = current();
        let indices: Vec<usize> =
            chosen.with(|c| c.iter().skip(p * PAGE).take(PAGE).copied().collect());
        run.events.with(|events| {
            indices
                .into_iter()
                .filter_map(|i| events.get(i).map(|e| row(i, e, open)))
                .collect_view()
        })
    };
    let go = move |to: usize| page.set(Some(to.min(pages() - 1)));
    view! {
        <div class="event-list" id="event-list">
            <div class="event-pager">
                <button id="events-first" disabled=move || current() == 0 on:click=move |_| go(0)>"⏮"</button>
                <button id="events-prev" disabled=move || current() == 0 on:click=move |_| go(current().saturating_sub(1))>"◀"</button>
                <span id="events-page">{move || format!("page {} of {} · {} events", current() + 1, pages(), chosen.with(Vec::len))}</span>
                <button id="events-next" disabled=move || current() + 1 >= pages() on:click=move |_| go(current() + 1)>"▶"</button>
                <button id="events-last" disabled=move || page.get().is_none() on:click=move |_| page.set(None)>"newest"</button>
                <label><input type="checkbox" id="events-only-selected"
                    prop:checked=move || only_selected.get()
                    on:change=move |ev| { only_selected.set(event_target_checked(&ev)); page.set(None); }/>
                    " selected node only"</label>
            </div>
            <ol class="events">{rows}</ol>
        </div>
    }
}

fn row(index: usize, event: &RunEvent, open: RwSignal<Option<usize>>) -> impl IntoView {
    let line = event.to_json_line();
    let whole = (open.get() == Some(index)).then(|| {
        let value = serde_json::to_value(event).unwrap_or_default();
        view! { <pre class="json event-json">{pretty(&value)}</pre> }
    });
    view! {
        <li class="event" data-index=index.to_string()
            on:click=move |_| open.update(|o| *o = if *o == Some(index) { None } else { Some(index) })>
            <span class="event-at">{format!("{} ms", event.at_ms())}</span>
            <span class="event-kind">{kind(&line).to_owned()}</span>
            <span class="event-node">{event.node().unwrap_or_default().to_owned()}</span>
            <code class="event-line">{cut(&line, 240)}</code>
            {whole}
        </li>
    }
}
