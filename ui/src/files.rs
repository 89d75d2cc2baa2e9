//! Opening, saving and autosaving the document through the shell, the window title, and the
//! one unsaved-changes prompt that New, Open and closing the window go through.

use crate::editor::Pending;
use crate::{shell, Dialog, Doc, Editor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use strata::edit::History;

impl Editor {
    /// Shows a document: parses it with the core's loader, resets history and view.
    pub fn show(&self, document: shell::Document, dirty: bool) {
        match strata::model::load(&document.text, "project") {
            Ok(loaded) => {
                let flow = loaded
                    .project
                    .flows
                    .first()
                    .map(|f| f.name.clone())
                    .unwrap_or_default();
                self.doc.set(Some(Doc {
                    project: loaded.project,
                    history: History::default(),
                    path: document.path,
                    dirty,
                    flow,
                }));
                self.selection.set(vec![]);
                self.agent.set(None);
                self.status.set(None);
                self.fit();
            }
            Err(e) => self
                .status
                .set(Some((true, format!("Cannot open the document: {e}")))),
        }
    }

    pub fn open(&self, path: String) {
        let ed = *self;
        spawn_local(async move {
            match shell::open(&path).await {
                Ok(doc) => {
                    ed.show(doc, false);
                    ed.dialog.set(None);
                    ed.refresh_recent();
                }
                Err(e) => ed.status.set(Some((true, e.message))),
            }
        });
    }

    pub fn new_from_template(&self, name: String) {
        let ed = *self;
        spawn_local(async move {
            match shell::new_from_template(&name).await {
                Ok(doc) => {
                    ed.show(doc, false);
                }
                Err(e) => ed.status.set(Some((true, e.message))),
            }
        });
    }

    /// Does `pending` (New, Open, closing), first asking what to do with unsaved changes:
    /// Save, Don't save or Cancel.
    pub fn request(&self, pending: Pending) {
        let dirty = self
            .doc
            .with_untracked(|d| d.as_ref().is_some_and(|d| d.dirty));
        if dirty {
            self.unsaved.set(Some(pending));
        } else {
            self.proceed(pending);
        }
    }

    /// The prompt's answer. Save goes ahead only once the save succeeded (asking for a path
    /// first when there is none); Don't save goes ahead and drops the recovery copy of the
    /// changes given up; Cancel (`None`) leaves everything as it was.
    pub fn answer_unsaved(&self, save: Option<bool>) {
        let Some(pending) = self.unsaved.get_untracked() else {
            return;
        };
        self.unsaved.set(None);
        match save {
            None => {}
            Some(true) => {
                self.after_save.set(Some(pending));
                self.save();
            }
            Some(false) => {
                spawn_local(async {
                    // Nothing to recover once the user gave the changes up.
                    let _ = shell::discard_recovery().await;
                });
                self.proceed(pending);
            }
        }
    }

    fn proceed(&self, pending: Pending) {
        match pending {
            Pending::New(template) => self.new_from_template(template),
            Pending::Open => {
                self.refresh_recent();
                self.dialog.set(Some(Dialog::Open));
            }
            Pending::OpenFile(path) => self.open(path),
            Pending::Quit => {
                let ed = *self;
                spawn_local(async move {
                    if let Err(e) = shell::close_window().await {
                        ed.status.set(Some((true, e.message)));
                    }
                });
            }
        }
    }

    /// Saves to the document's path, or asks for one.
    pub fn save(&self) {
        let path = self
            .doc
            .with_untracked(|d| d.as_ref().and_then(|d| d.path.clone()));
        match path {
            Some(p) => self.save_to(p, false),
            None => self.dialog.set(Some(Dialog::SaveAs)),
        }
    }

    pub fn save_to(&self, path: String, save_as: bool) {
        let Some(text) = self
            .doc
            .with_untracked(|d| d.as_ref().map(|d| d.project.to_json()))
        else {
            return;
        };
        let ed = *self;
        spawn_local(async move {
            let r = if save_as {
                shell::save_as(&path, &text).await
            } else {
                shell::save(&path, &text).await
            };
            match r {
                Ok(()) => {
                    ed.doc.update(|d| {
                        if let Some(d) = d {
                            d.path = Some(path.clone());
                            d.dirty = false;
                        }
                    });
                    ed.dialog.set(None);
                    ed.status.set(Some((false, format!("Saved {path}"))));
                    ed.refresh_recent();
                    if let Some(next) = ed.after_save.get_untracked() {
                        ed.after_save.set(None);
                        ed.proceed(next);
                    }
                }
                Err(e) => {
                    // The save failed: what waited on it does not go ahead.
                    ed.after_save.set(None);
                    ed.status.set(Some((true, e.message)));
                }
            }
        });
    }

    pub(crate) fn autosave(&self) {
        let Some(document) = self.doc.with_untracked(|d| {
            d.as_ref().filter(|d| d.dirty).map(|d| shell::Document {
                path: d.path.clone(),
                text: d.project.to_json(),
            })
        }) else {
            return;
        };
        spawn_local(async move {
            // Autosave is a safety net; a failure must not interrupt editing.
            let _ = shell::autosave(&document).await;
        });
    }

    pub(crate) fn refresh_recent(&self) {
        let ed = *self;
        spawn_local(async move {
            if let Ok(list) = shell::recent_files().await {
                ed.recent.set(list);
            }
        });
    }
}

pub(crate) fn document_title(d: &Option<Doc>) -> String {
    match d {
        None => "Strata".to_owned(),
        Some(d) => {
            let name = d
                .path
                .as_deref()
                .and_then(|p| p.rsplit('/').next())
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{} (unsaved)", d.project.name));
            format!("{}{name} — Strata", if d.dirty { "● " } else { "" })
        }
    }
}
