//! The native menu, built from the editor's shared [`Action`] list. Every item but Quit is
//! forwarded to the UI as a `menu` event carrying the action's id; the UI owns what the action
//! does, so keyboard, menu and buttons share one path.
//!
//! Each chord has one owner ([`Action::menu_owns_chord`]): items of document-wide actions carry
//! their accelerators and the page leaves those chords alone; the others carry none, since the
//! page resolves them (it knows whether a text field has the focus). Quit closes the window the
//! way its close button does, so unsaved work is asked about; the page does not handle it.

use strata::edit::{Action, Menu as Submenus};
use tauri::menu::{IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// The Quit item's id.
const QUIT: &str = "quit";

pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let mut submenus = Vec::new();
    for sub in Submenus::ALL {
        let items = sub
            .actions()
            .map(|a| MenuItem::with_id(app, a.id(), a.label(), true, a.accelerator()))
            .collect::<tauri::Result<Vec<_>>>()?;
        let separator = PredefinedMenuItem::separator(app)?;
        let quit = MenuItem::with_id(app, QUIT, "Quit", true, Some("CmdOrCtrl+Q"))?;
        let mut refs: Vec<&dyn IsMenuItem<R>> =
            items.iter().map(|i| i as &dyn IsMenuItem<R>).collect();
        if sub == Submenus::File {
            refs.push(&separator);
            refs.push(&quit);
        }
        submenus.push(Submenu::with_items(app, sub.label(), true, &refs)?);
    }
    let refs: Vec<&dyn IsMenuItem<R>> = submenus.iter().map(|s| s as &dyn IsMenuItem<R>).collect();
    Menu::with_items(app, &refs)
}

/// Sends a menu click to the UI, or closes the windows for Quit.
pub fn forward<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let id = event.id().as_ref();
    if id == QUIT {
        for window in app.webview_windows().into_values() {
            // A window that cannot close is already going.
            let _ = window.close();
        }
        return;
    }
    if let Some(action) = Action::from_id(id) {
        // A failed emit means the window is gone; there is no one left to tell.
        let _ = app.emit("menu", action);
    }
}
