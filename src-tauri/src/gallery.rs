//! The gallery a new project starts from, and the recent files of the start screen: one-line
//! adapters over [`strata::gallery`] and [`crate::files::AppFiles`]. Opening an entry is New
//! from it ([`crate::commands::new_from_template`]), for templates and examples alike.

use crate::files::AppFiles;
use serde::Serialize;
use tauri::State;

/// A gallery card as the page receives it: the core's entry and its project's text, which the
/// page's canvas geometry draws as the thumbnail.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    #[serde(flatten)]
    pub entry: strata::gallery::Entry,
    /// The project as `Project::to_json` writes it.
    pub project: String,
}

/// A recent file for the start screen: a file gone since is still listed, marked missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecentFile {
    pub path: String,
    /// The file's name, for the list.
    pub name: String,
    pub exists: bool,
}

pub fn cards() -> Vec<Card> {
    strata::gallery::entries()
        .into_iter()
        .map(|entry| Card {
            project: entry.project.to_json(),
            entry,
        })
        .collect()
}

/// The recent list, newest first, each marked whether its file is still there.
pub fn recent(app: &AppFiles) -> Vec<RecentFile> {
    app.recent()
        .into_iter()
        .map(|path| {
            let p = std::path::Path::new(&path);
            RecentFile {
                name: p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.clone()),
                exists: p.is_file(),
                path,
            }
        })
        .collect()
}

#[tauri::command]
pub fn gallery_list() -> Vec<Card> {
    cards()
}

#[tauri::command]
pub fn recent_list(app: State<'_, AppFiles>) -> Vec<RecentFile> {
    recent(&app)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_card_carries_its_project_and_an_entry_opens_unsaved() {
        let cards = cards();
        let names: Vec<&str> = cards.iter().map(|c| c.entry.name).collect();
        for t in strata::templates::TEMPLATES
            .iter()
            .chain(strata::templates::EXAMPLES)
        {
            assert!(names.contains(&t.name), "{} missing from {names:?}", t.name);
        }
        let value = serde_json::to_value(&cards[0]).expect("a card serialises");
        for key in [
            "name",
            "title",
            "description",
            "kind",
            "nodeKinds",
            "hasAgents",
            "flow",
            "project",
        ] {
            assert!(value.get(key).is_some(), "no {key} in {value}");
        }
        // Opening one is New from it (`new_from_template`), examples too.
        let doc = crate::files::new_from_template("customer-support").expect("the example opens");
        assert_eq!(doc.path, None);
        let project = strata::model::load(&doc.text, "x")
            .expect("it loads")
            .project;
        assert_eq!(project.name, "customer-support");
        assert!(!project.agents.is_empty());
        let e = crate::files::new_from_template("nope").expect_err("no such entry");
        assert_eq!(e.code(), "unknownTemplate");
    }

    #[test]
    fn recent_files_newest_first_and_missing_ones_marked() {
        let dir = tempfile::tempdir().expect("a folder");
        let app = AppFiles {
            dir: dir.path().join("app"),
        };
        let kept = dir.path().join("kept.strata.json");
        std::fs::write(&kept, "{}").expect("write");
        let gone = dir.path().join("gone.strata.json");
        app.remember(&gone.display().to_string())
            .expect("remembered");
        app.remember(&kept.display().to_string())
            .expect("remembered");
        let list = recent(&app);
        assert_eq!(
            list,
            vec![
                RecentFile {
                    path: kept.display().to_string(),
                    name: "kept.strata.json".into(),
                    exists: true
                },
                RecentFile {
                    path: gone.display().to_string(),
                    name: "gone.strata.json".into(),
                    exists: false
                },
            ]
        );
        // The list is one JSON file, written whole (atomically).
        assert!(dir.path().join("app/recent.json").is_file());
        assert_eq!(
            std::fs::read_dir(dir.path().join("app"))
                .expect("listed")
                .count(),
            1
        );
    }
}
