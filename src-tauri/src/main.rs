//! Strata's desktop shell: a window on the editor UI, a native menu, and the file commands.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod channel;
// The unit tests copy templates and examples into their own folders as the integration tests do.
mod commands;
mod eval;
mod files;
mod gallery;
mod menu;
mod rendering;
mod run;
mod ship;
mod tasks;
#[cfg(test)]
#[path = "../../tests/support/tree.rs"]
mod tree;
mod versions;

use tauri::Manager;

#[global_allocator]
static ALLOCATOR: strata::Allocator = strata::Allocator;

fn main() {
    rendering::paint_with_cpu_without_gpu();
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
            // Closing the window cancels its runs; each records that it was cancelled (or,
            // if the app is gone first, is marked interrupted at the next start).
            if matches!(event, tauri::WindowEvent::Destroyed) {
                let runs = window.state::<std::sync::Arc<run::Runs>>().inner().clone();
                tauri::async_runtime::block_on(runs.cancel_all(run::EXIT_PATIENCE));
                let evaluations = window.state::<std::sync::Arc<eval::Evaluations>>();
                let evaluations = evaluations.inner().clone();
                tauri::async_runtime::block_on(evaluations.cancel_all(run::EXIT_PATIENCE));
            }
        })
        .setup(|app| {
            // STRATA_APP_DIR lets tests keep recent files and recovery copies apart.
            let dir = match std::env::var_os("STRATA_APP_DIR") {
                Some(d) => d.into(),
                None => app.path().app_data_dir()?,
            };
            app.manage(files::AppFiles { dir });
            // The run store: runs of an earlier session that never finished are marked
            // interrupted. Without a store, runs still go (unrecorded) and the history says why.
            let store = tauri::async_runtime::block_on(run::Runs::open_store());
            let runs = run::Runs::new(store);
            app.manage(std::sync::Arc::new(eval::Evaluations::new(
                runs.shared_store(),
            )));
            app.manage(std::sync::Arc::new(runs));
            app.manage(std::sync::Arc::new(ship::Deploys::default()));
            app.set_menu(menu::build(app.handle())?)?;
            Ok(())
        })
        .on_menu_event(menu::forward)
        .invoke_handler(tauri::generate_handler![
            commands::startup_document,
            commands::open,
            commands::save,
            commands::save_as,
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
            run::run_start,
            run::run_cancel,
            run::run_answer,
            run::runs_list,
            run::run_get,
            run::chat_start,
            run::chat_send,
            run::chat_end,
            ship::export_target_path,
            ship::export_save,
            ship::export_lint,
            ship::export_pick_path,
            ship::deploy_plan,
            ship::deploy_apply,
            ship::deploy_cancel,
            versions::versions_list,
            versions::version_create,
            versions::versions_compare,
            versions::alias_set,
            versions::alias_rollback,
            gallery::gallery_list,
            gallery::recent_list,
            eval::eval_suites,
            eval::eval_start,
            eval::eval_cancel,
            versions::versions_history,
        ])
        .run(tauri::generate_context!())
        .expect("the Strata window could not start");
}
