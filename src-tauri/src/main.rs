//! Strata's desktop shell: a window on the editor UI, a native menu, and the file commands.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod files;
mod menu;

use tauri::Manager;

fn main() {
    let startup = std::env::args().nth(1).map(|p| {
        std::path::absolute(&p)
            .map(|a| a.display().to_string())
            .unwrap_or(p)
    });
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(commands::Startup(startup))
        .manage(commands::Unsaved::default())
        .manage(commands::FromTemplate::default())
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                commands::confirm_close(window, api);
            }
        })
        .setup(|app| {
            // STRATA_APP_DIR lets tests keep recent files and recovery copies apart.
            let dir = match std::env::var_os("STRATA_APP_DIR") {
                Some(d) => d.into(),
                None => app.path().app_data_dir()?,
            };
            app.manage(files::AppFiles { dir });
            app.set_menu(menu::build(app.handle())?)?;
            Ok(())
        })
        .on_menu_event(menu::forward)
        .invoke_handler(tauri::generate_handler![
            commands::startup_document,
            commands::open,
            commands::save,
            commands::save_as,
            commands::templates,
            commands::new_from_template,
            commands::recent_files,
            commands::autosave,
            commands::recovery,
            commands::discard_recovery,
            commands::set_title,
            commands::pick_path,
            commands::close_window,
            commands::app_version,
            commands::native_menu,
        ])
        .run(tauri::generate_context!())
        .expect("the Strata window could not start");
}
