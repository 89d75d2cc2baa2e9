//! The commands the UI invokes: one-line adapters over [`crate::files`].

use crate::files::{self, AppError, AppFiles, Document, TemplateInfo};
use std::path::Path;
use tauri::State;

/// The document given on the command line, if any; the UI opens it first.
pub struct Startup(pub Option<String>);

#[tauri::command]
pub fn startup_document(startup: State<'_, Startup>) -> Option<String> {
    startup.0.clone()
}

#[tauri::command]
pub fn open(path: String, app: State<'_, AppFiles>) -> Result<Document, AppError> {
    files::open(Path::new(&path)).and_then(|d| app.remember(&path).map(|_| d))
}

#[tauri::command]
pub fn save(path: String, text: String, app: State<'_, AppFiles>) -> Result<(), AppError> {
    files::save(Path::new(&path), &text)
        .and_then(|()| app.discard_recovery())
        .and_then(|()| app.remember(&path).map(drop))
}

#[tauri::command]
pub fn save_as(path: String, text: String, app: State<'_, AppFiles>) -> Result<(), AppError> {
    save(path, text, app)
}

#[tauri::command]
pub fn templates() -> Vec<TemplateInfo> {
    files::templates()
}

#[tauri::command]
pub fn new_from_template(name: String) -> Result<Document, AppError> {
    files::new_from_template(&name)
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

#[tauri::command]
pub fn set_title(title: String, window: tauri::WebviewWindow) -> Result<(), String> {
    window.set_title(&title).map_err(|e| e.to_string())
}
