//! What the editor's [`Action`]s do, and the keyboard: the one place a shortcut is resolved.
//!
//! Each chord has one owner: inside the desktop shell the native menu owns the chords of
//! document-wide actions ([`Action::menu_owns_chord`]) and the page leaves them alone; the page
//! resolves every other chord in [`Editor::key`]. So a key press reaches an action exactly once.

use crate::editor::Pending;
use crate::{shell, Dialog, Editor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use strata::edit::{Action, Chord};
use wasm_bindgen::JsCast;

/// A button's tooltip: the action's label and its shortcut, from the one list.
pub fn tooltip(action: Action) -> String {
    match action.shortcut() {
        Some(keys) => format!("{} ({keys})", action.label()),
        None => action.label().to_owned(),
    }
}

impl Editor {
    /// Does what `action` asks, whether it came from the keyboard, the menu or a button.
    pub fn action(&self, action: Action) {
        match action {
            Action::New => self.show_gallery(),
            Action::Open => self.request(Pending::Open),
            Action::Save => self.save(),
            Action::SaveAs => self.dialog.set(Some(Dialog::SaveAs)),
            Action::Undo => self.undo(),
            Action::Redo => self.redo(),
            Action::Delete => self.delete_selection(),
            Action::Duplicate => self.duplicate_selection(),
            Action::Copy => self.copy_selection(),
            Action::Paste => self.paste(),
            Action::Fit => self.fit_all(),
            Action::Layout => self.auto_layout(),
            Action::Find => self.find.set(Some(String::new())),
            Action::ZoomIn => self.zoom_by(1.2, None),
            Action::ZoomOut => self.zoom_by(1.0 / 1.2, None),
            Action::Run => self.run.start(*self),
            Action::CancelRun => self.run.cancel(),
            Action::Export => self.ship.open_export(None),
            Action::Deploy => self.ship.open_deploy(None),
            Action::About => {
                let status = self.status;
                spawn_local(async move {
                    // Outside the desktop shell, the page's own package version (the same).
                    let version = shell::app_version()
                        .await
                        .unwrap_or_else(|_| env!("CARGO_PKG_VERSION").to_owned());
                    status.set(Some((
                        false,
                        format!(
                            "Strata {version}: design Amazon Bedrock Flows with embedded Agents."
                        ),
                    )));
                });
            }
        }
    }

    /// A key pressed anywhere in the window: the space bar's pan mode, Escape for the find box,
    /// then the shortcut's action. In a text field only document-wide shortcuts act.
    pub(crate) fn key(&self, ev: &web_sys::KeyboardEvent) {
        let ctrl = ev.ctrl_key() || ev.meta_key();
        let in_field = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let key = ev.key().to_lowercase();
        if key == " " && !in_field && !ctrl {
            // Space held: the next drag pans. No page scroll.
            ev.prevent_default();
            self.space.set(true);
            return;
        }
        if key == "escape" && self.find.get_untracked().is_some() {
            self.find.set(None);
            return;
        }
        let chord = Chord {
            ctrl,
            shift: ev.shift_key(),
            key: &key,
        };
        let Some(action) = Action::for_chord(chord) else {
            return;
        };
        if action == Action::CancelRun && !self.run.live.get_untracked() {
            // Without a run, Escape is the dialogs' and the fields'.
            return;
        }
        if in_field && !action.in_fields() {
            return;
        }
        if action.menu_owns_chord() && self.native_menu.get_untracked() {
            // The native menu's accelerator acts on it; acting here too would do it twice.
            ev.prevent_default();
            return;
        }
        ev.prevent_default();
        self.action(action);
    }
}
