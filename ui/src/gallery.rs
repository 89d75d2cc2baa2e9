//! The gallery a new project starts from (New, Ctrl+N, and the start screen): a card per
//! template and example with its canvas drawn small, its description, node kinds and whether it
//! holds agents, and the recent files beside them. Choosing either goes through the one
//! unsaved-changes prompt ([`Editor::request`]), so no unsaved work is lost.

pub mod thumbnail;

use crate::editor::Pending;
use crate::{shell, Editor};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use strata::model::Project;
use thumbnail::Thumbnail;

/// A card: what the shell lists, and its project read by the core's loader.
#[derive(Debug, Clone)]
pub struct Card {
    pub info: shell::GalleryCard,
    pub project: Option<Project>,
}

/// The gallery's state, part of the [`Editor`].
#[derive(Clone, Copy)]
pub struct GalleryState {
    /// Whether the gallery is shown.
    pub open: RwSignal<bool>,
    pub cards: RwSignal<Vec<Card>>,
    pub recent: RwSignal<Vec<shell::RecentFile>>,
}

impl GalleryState {
    pub fn new() -> GalleryState {
        GalleryState {
            open: RwSignal::new(false),
            cards: RwSignal::new(vec![]),
            recent: RwSignal::new(vec![]),
        }
    }
}

impl Default for GalleryState {
    fn default() -> GalleryState {
        GalleryState::new()
    }
}

/// Reads the shell's gallery into cards; `false` when there is nothing to show.
async fn load(gallery: GalleryState) -> bool {
    if gallery.cards.with_untracked(|c| c.is_empty()) {
        if let Ok(list) = shell::gallery_list().await {
            let cards = list
                .into_iter()
                .map(|info| Card {
                    project: strata::model::load(&info.project, &info.name)
                        .ok()
                        .map(|l| l.project),
                    info,
                })
                .collect();
            gallery.cards.set(cards);
        }
    }
    if let Ok(recent) = shell::recent_list().await {
        gallery.recent.set(recent);
    }
    gallery.cards.with_untracked(|c| !c.is_empty())
}

impl Editor {
    /// New: shows the gallery; the document stays until a card or a recent file is chosen.
    pub fn show_gallery(&self) {
        let gallery = self.gallery;
        gallery.open.set(true);
        spawn_local(async move {
            load(gallery).await;
        });
    }

    /// The start screen: the gallery with the recent files, when the shell has a gallery.
    pub async fn start_screen(&self) {
        if load(self.gallery).await {
            self.gallery.open.set(true);
        }
    }

    fn choose(&self, pending: Pending) {
        self.gallery.open.set(false);
        self.request(pending);
    }
}

fn card_view(ed: Editor, card: Card) -> impl IntoView {
    let info = card.info;
    let name = info.name.clone();
    let thumb = match (card.project, info.flow.clone()) {
        (Some(project), Some(flow)) => view! { <Thumbnail project flow/> }.into_any(),
        _ => view! { <div class="thumb thumb-empty">"(no flow)"</div> }.into_any(),
    };
    let kind = if info.kind == "example" {
        "Example"
    } else {
        "Template"
    };
    let agents = info
        .has_agents
        .then(|| view! { <span class="badge-agents" title="Contains agents">"agents"</span> });
    let chips = info
        .node_kinds
        .iter()
        .map(|k| view! { <li class="chip">{k.clone()}</li> })
        .collect_view();
    let label = format!("{kind} {}: {}", info.title, info.description);
    view! {
        <li>
            <button class="gallery-card" data-entry=name.clone() data-kind=info.kind.clone()
                aria-label=label on:click=move |_| ed.choose(Pending::New(name.clone()))>
                {thumb}
                <span class="card-head">
                    <span class="card-title">{info.title.clone()}</span>
                    <span class="card-kind">{kind}</span>
                    {agents}
                </span>
                <span class="card-description">{info.description.clone()}</span>
                <ul class="chips" aria-label="Node kinds">{chips}</ul>
            </button>
        </li>
    }
}

fn recent_view(ed: Editor, file: shell::RecentFile) -> impl IntoView {
    let path = file.path.clone();
    let missing = !file.exists;
    let tip = if missing {
        format!("{} (no longer there)", file.path)
    } else {
        file.path.clone()
    };
    view! {
        <li>
            <button class="recent-file" class:missing=missing disabled=missing title=tip
                data-path=file.path.clone() on:click=move |_| ed.choose(Pending::OpenFile(path.clone()))>
                <span class="recent-name">{file.name}</span>
                <span class="recent-path">{file.path.clone()}</span>
            </button>
        </li>
    }
}

/// The gallery dialog.
#[component]
pub fn Gallery() -> impl IntoView {
    let ed: Editor = expect_context();
    let gallery = ed.gallery;
    let close = move || gallery.open.set(false);
    let grid = NodeRef::<html::Ul>::new();
    // The first card takes the keyboard once drawn; Tab goes through the cards and files.
    Effect::new(move |_| {
        let shown = gallery.cards.with(|c| !c.is_empty());
        if let (true, Some(list)) = (shown, grid.get()) {
            if let Ok(Some(first)) = list.query_selector("button") {
                if let Ok(first) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(first) {
                    // Focus only fails on an element already gone.
                    let _ = first.focus();
                }
            }
        }
    });
    move || {
        gallery.open.get().then(|| {
            let recent = move || {
                let files = gallery.recent.get();
                if files.is_empty() {
                    view! { <p class="recent-none">"No recent files yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="recent-files">
                            {files.into_iter().map(|f| recent_view(ed, f)).collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            };
            view! {
                <div class="modal-back" on:click=move |_| close()>
                    <div class="modal gallery" id="gallery" role="dialog" aria-modal="true"
                        aria-labelledby="gallery-title"
                        on:click=|ev| ev.stop_propagation()
                        on:keydown=move |ev| { if ev.key() == "Escape" { ev.stop_propagation(); close() } }>
                        <div class="gallery-top">
                            <h3 id="gallery-title">"Start from a template or an example"</h3>
                            <button id="gallery-open" on:click=move |_| ed.choose(Pending::Open)>"Open a file…"</button>
                            <button id="gallery-close" aria-label="Close" on:click=move |_| close()>"Close"</button>
                        </div>
                        <div class="gallery-body">
                            <ul class="gallery-cards" node_ref=grid>
                                {move || gallery.cards.get().into_iter().map(|c| card_view(ed, c)).collect_view()}
                            </ul>
                            <section class="gallery-recent" aria-labelledby="recent-title">
                                <h4 id="recent-title">"Recent files"</h4>
                                {recent}
                            </section>
                        </div>
                    </div>
                </div>
            }
        })
    }
}
