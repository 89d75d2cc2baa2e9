//! Strata's editor page: an SVG canvas over the project, a palette, an inspector and a
//! problems panel that the core's compiler fills on every edit.
//!
//! Every change to the document is a [`strata::edit::Command`] applied through one
//! [`strata::edit::History`]; the canvas and panels only draw the document. Calls into the
//! desktop shell go through [`shell`].
//!
//! The parts: [`Editor`], the state every component reads from context (`editor`); opening and
//! saving and the unsaved-changes prompt (`files`, `dialogs`); the flow controls (`flows`); menu,
//! keyboard and button actions (`actions`); the view's pan and zoom
//! (`viewport`); the [`Canvas`] and what it draws (`canvas`); the side panels (`panels`, `forms`,
//! `agents`); the Evaluate view under the canvas (`eval`).

pub mod actions;
pub mod agents;
pub mod canvas;
pub mod chat;
pub mod dialogs;
pub mod editor;
pub mod eval;
pub mod files;
pub mod flows;
pub mod forms;
pub mod gallery;
pub mod geometry;
pub mod inspect;
pub mod panels;
pub mod pause;
pub mod run;
pub mod shell;
pub mod ship;
pub mod versions;
pub mod viewport;

pub use canvas::{Canvas, FindBox, Minimap};
pub use editor::{Dialog, Doc, Drag, Editor, Pending, Viewport};

use dialogs::{Dialogs, UnsavedPrompt};
use leptos::prelude::*;
use leptos::task::spawn_local;
use panels::{Inspector, Palette, Problems, RecoveryBanner, StatusLine, Toolbar};

/// The editor page.
#[component]
pub fn App() -> impl IntoView {
    let ed = Editor::new();
    provide_context(ed);
    provide_context(ed.run);
    let versions = versions::VersionsState::new();
    provide_context(versions);
    provide_context(eval::EvalState::new());

    // The window title follows the file name and the unsaved mark.
    let title = Memo::new(move |_| ed.doc.with(files::document_title));
    Effect::new(move |_| {
        let t = title.get();
        document().set_title(&t);
        spawn_local(async move {
            // Outside the shell there is no window title to set.
            let _ = shell::set_title(&t).await;
        });
    });

    // Start: the file given on the command line, else a new project; offer recovery if any.
    // The three are independent calls into the shell, so they go at once: the project is shown
    // as soon as its own calls return, not after the others' round trips.
    spawn_local(async move {
        shell::on_menu(move |action| ed.action(action)).await;
        shell::on_close_requested(move || ed.request(Pending::Quit)).await;
        ed.native_menu.set(shell::native_menu().await);
    });
    spawn_local(async move {
        if let Ok(Some(doc)) = shell::recovery().await {
            ed.recovery.set(Some(doc));
        }
    });
    spawn_local(async move {
        match shell::startup_document().await {
            Ok(Some(path)) => ed.open(path),
            Ok(None) => {
                ed.new_from_template("support-triage".to_owned());
                ed.start_screen().await;
            }
            Err(e) => ed.status.set(Some((true, e.message))),
        }
    });

    // The shortcuts listen on the window; they go when the page is unmounted, so that no
    // listener outlives the editor state it reads.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| ed.key(&ev));
    let keys_up = window_event_listener(leptos::ev::keyup, move |ev| {
        if ev.key() == " " {
            ed.space.set(false);
        }
    });
    on_cleanup(move || {
        keys.remove();
        keys_up.remove();
    });

    view! {
        <div class="app">
            <Toolbar/>
            <run::RunPanel/>
            <RecoveryBanner/>
            <div class="main">
                // While two versions are compared the canvas shows the comparison, read only.
                <Show when=move || !versions.diffing() fallback=|| view! { <versions::DiffView/> }>
                    <Palette/>
                    <Canvas/>
                    <Inspector/>
                </Show>
            </div>
            <Problems/>
            <chat::ChatPanel/>
            <inspect::RunPanels/>
            <versions::VersionsPanel/>
            <StatusLine/>
            <run::RunTotals/>
            <pause::RunPause/>
            <Dialogs/>
            <gallery::Gallery/>
            <UnsavedPrompt/>
            <ship::ShipDialogs/>
        </div>
    }
}
