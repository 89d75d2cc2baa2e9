//! The native menu. Every item but Quit is forwarded to the UI as a `menu` event carrying the
//! item's id; the UI owns what the action does, so keyboard, menu and buttons share one path.
//! Quit closes the window the way its close button does, so unsaved work is asked about.

use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// (id, label, accelerator) per submenu.
const FILE: &[(&str, &str, Option<&str>)] = &[
    ("new", "New", Some("CmdOrCtrl+N")),
    ("open", "Open…", Some("CmdOrCtrl+O")),
    ("save", "Save", Some("CmdOrCtrl+S")),
    ("save-as", "Save As…", Some("CmdOrCtrl+Shift+S")),
];
const EDIT: &[(&str, &str, Option<&str>)] = &[
    ("undo", "Undo", Some("CmdOrCtrl+Z")),
    ("redo", "Redo", Some("CmdOrCtrl+Shift+Z")),
    ("delete", "Delete", Some("Delete")),
    ("duplicate", "Duplicate", Some("CmdOrCtrl+D")),
    ("find", "Find Node…", Some("CmdOrCtrl+F")),
];
const VIEW: &[(&str, &str, Option<&str>)] = &[
    ("layout", "Auto-Layout", Some("CmdOrCtrl+Shift+L")),
    ("fit", "Fit to View", Some("CmdOrCtrl+0")),
    ("zoom-in", "Zoom In", Some("CmdOrCtrl+=")),
    ("zoom-out", "Zoom Out", Some("CmdOrCtrl+-")),
];
const RUN: &[(&str, &str, Option<&str>)] = &[("run", "Run Flow", Some("F5"))];
const HELP: &[(&str, &str, Option<&str>)] = &[("about", "About Strata", None)];

pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let items = |entries: &[(&str, &str, Option<&str>)]| -> tauri::Result<Vec<MenuItem<R>>> {
        entries
            .iter()
            .map(|(id, label, accel)| MenuItem::with_id(app, *id, *label, true, *accel))
            .collect()
    };
    let file_items = items(FILE)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let quit = MenuItem::with_id(app, QUIT, "Quit", true, Some("CmdOrCtrl+Q"))?;
    let mut file_refs: Vec<&dyn tauri::menu::IsMenuItem<R>> = file_items
        .iter()
        .map(|i| i as &dyn tauri::menu::IsMenuItem<R>)
        .collect();
    file_refs.push(&separator);
    file_refs.push(&quit);
    let file = Submenu::with_items(app, "File", true, &file_refs)?;
    let submenu = |label: &str, entries| -> tauri::Result<Submenu<R>> {
        let list = items(entries)?;
        let refs: Vec<&dyn tauri::menu::IsMenuItem<R>> = list
            .iter()
            .map(|i| i as &dyn tauri::menu::IsMenuItem<R>)
            .collect();
        Submenu::with_items(app, label, true, &refs)
    };
    Menu::with_items(
        app,
        &[
            &file,
            &submenu("Edit", EDIT)?,
            &submenu("View", VIEW)?,
            &submenu("Run", RUN)?,
            &submenu("Help", HELP)?,
        ],
    )
}

/// Sends a menu click to the UI.
/// The Quit item's id.
const QUIT: &str = "quit";

pub fn forward<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    if event.id().as_ref() == QUIT {
        for window in app.webview_windows().into_values() {
            // A window that cannot close is already going.
            let _ = window.close();
        }
        return;
    }
    // A failed emit means the window is gone; there is no one left to tell.
    let _ = app.emit("menu", event.id().as_ref());
}
