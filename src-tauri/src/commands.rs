//! The commands the UI invokes: one-line adapters over [`crate::files`].

use crate::files::{self, AppError, AppFiles, Document};
use std::path::Path;
use tauri::State;

/// The document given on the command line, if any; the UI opens it first.
pub struct Startup(pub Option<String>);

/// The template (or example) the unsaved document was made from: its files (handlers, documents, replays)
/// are written beside the project when it is first saved, as `strata new` writes them.
#[derive(Default)]
pub struct FromTemplate(pub std::sync::Mutex<Option<String>>);

impl FromTemplate {
    pub(crate) fn set(&self, name: Option<String>) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = name;
    }

    /// The template of the unsaved document, if it came from one.
    pub fn current(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn take(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

#[tauri::command]
pub fn startup_document(startup: State<'_, Startup>) -> Option<String> {
    startup.0.clone()
}

#[tauri::command]
pub fn open(
    path: String,
    app: State<'_, AppFiles>,
    template: State<'_, FromTemplate>,
) -> Result<Document, AppError> {
    let document = files::open(Path::new(&path)).and_then(|d| app.remember(&path).map(|_| d))?;
    template.set(None);
    Ok(document)
}

#[tauri::command]
pub fn save(
    path: String,
    text: String,
    app: State<'_, AppFiles>,
    template: State<'_, FromTemplate>,
) -> Result<(), AppError> {
    files::save(Path::new(&path), &text)
        .and_then(|()| app.discard_recovery())
        .and_then(|()| app.remember(&path).map(drop))?;
    match template.take() {
        Some(name) => files::bring_template_files(&name, Path::new(&path)),
        None => Ok(()),
    }
}

#[tauri::command]
pub fn save_as(
    path: String,
    text: String,
    app: State<'_, AppFiles>,
    template: State<'_, FromTemplate>,
) -> Result<(), AppError> {
    save(path, text, app, template)
}

#[tauri::command]
pub fn new_from_template(
    name: String,
    template: State<'_, FromTemplate>,
) -> Result<Document, AppError> {
    let document = files::new_from_template(&name)?;
    template.set(Some(name));
    Ok(document)
}

#[tauri::command]
pub fn recent_files(app: State<'_, AppFiles>) -> Vec<String> {
    app.recent()
}

#[tauri::command]
pub fn autosave(document: Document, app: State<'_, AppFiles>) -> Result<(), AppError> {
    app.autosave(&document)
}

#[tauri::command]
pub fn recovery(app: State<'_, AppFiles>) -> Option<Document> {
    app.recovery()
}

#[tauri::command]
pub fn discard_recovery(app: State<'_, AppFiles>) -> Result<(), AppError> {
    app.discard_recovery()
}

/// Whether the document has changes not saved yet, as the UI last said (its title's mark).
#[derive(Default)]
pub struct Unsaved(pub std::sync::atomic::AtomicBool);

/// The mark the UI puts before the title of a document with unsaved changes.
pub const UNSAVED_MARK: &str = "● ";

#[tauri::command]
pub fn set_title(
    title: String,
    window: tauri::WebviewWindow,
    unsaved: State<'_, Unsaved>,
) -> Result<(), String> {
    unsaved.0.store(
        title.starts_with(UNSAVED_MARK),
        std::sync::atomic::Ordering::SeqCst,
    );
    window.set_title(&title).map_err(|e| e.to_string())
}

/// A request to close the window (its close button, File › Quit). With unsaved changes the
/// window stays and the page asks what to do with them — the same Save / Don't save / Cancel
/// prompt New and Open use — then calls [`close_window`]. Without, it closes: a clean quit,
/// so the recovery copy goes.
pub fn confirm_close(window: &tauri::Window, api: &tauri::CloseRequestApi) {
    use tauri::{Emitter, Manager};
    let unsaved = window
        .state::<Unsaved>()
        .0
        .load(std::sync::atomic::Ordering::SeqCst);
    // Failing to remove the copy only means the next start offers it again.
    if window
        .state::<AppFiles>()
        .close_requested(unsaved)
        .unwrap_or(!unsaved)
    {
        return;
    }
    api.prevent_close();
    // A failed emit means the page is gone; the window then closes as it would anyway.
    if window
        .emit_to(window.label(), "close-requested", ())
        .is_err()
    {
        let _ = window.destroy();
    }
}

/// Closes the window once the page has dealt with its unsaved changes: a clean quit, so the
/// recovery copy goes.
#[tauri::command]
pub fn close_window(
    window: tauri::WebviewWindow,
    unsaved: State<'_, Unsaved>,
    app: State<'_, AppFiles>,
) -> Result<(), AppError> {
    unsaved.0.store(false, std::sync::atomic::Ordering::SeqCst);
    app.discard_recovery()?;
    // A window that cannot be destroyed is already gone.
    let _ = window.destroy();
    Ok(())
}

/// The app's version, from its Cargo package.
#[tauri::command]
pub fn app_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Whether the shell has a native menu owning chords: always, in the desktop app. The page
/// asks, since a plain browser has none and the page then owns every chord.
#[tauri::command]
pub fn native_menu() -> bool {
    true
}

/// The native file chooser: a project to open, or where to save one (`save`), starting from
/// `suggested` (a path or a file name). `None` when the user cancels.
#[tauri::command]
pub async fn pick_path(
    save: bool,
    suggested: Option<String>,
    app: tauri::AppHandle,
) -> Result<Option<String>, String> {
    use tauri_plugin_dialog::DialogExt;
    let mut dialog = app
        .dialog()
        .file()
        .add_filter("Strata project", &["json"])
        .set_title(if save {
            "Save the project as"
        } else {
            "Open a project"
        });
    if let Some(s) = suggested.as_deref().filter(|s| !s.trim().is_empty()) {
        let path = Path::new(s);
        if let Some(dir) = path.parent().filter(|d| d.is_dir()) {
            dialog = dialog.set_directory(dir);
        }
        if let Some(name) = path.file_name().filter(|_| save) {
            dialog = dialog.set_file_name(name.to_string_lossy());
        }
    }
    chosen_path(dialog, save).await
}

/// Shows `dialog`, a save dialog with `save` (else an open one), and waits for the path chosen;
/// `None` when the user cancels.
pub async fn chosen_path<R: tauri::Runtime>(
    dialog: tauri_plugin_dialog::FileDialogBuilder<R>,
    save: bool,
) -> Result<Option<String>, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let answer = move |picked: Option<tauri_plugin_dialog::FilePath>| {
        // The receiver waits below; if it has gone there is nobody to tell.
        let _ = tx.send(picked);
    };
    if save {
        dialog.save_file(answer);
    } else {
        dialog.pick_file(answer);
    }
    // The dialog answers on the main thread; this command runs on the async runtime's.
    let picked = tauri::async_runtime::spawn_blocking(move || rx.recv().ok().flatten())
        .await
        .map_err(|e| format!("the file dialog failed: {e}"))?;
    picked
        .map(|p| {
            p.into_path()
                .map(|p| p.display().to_string())
                .map_err(|e| format!("the chosen file is not a local path: {e}"))
        })
        .transpose()
}
