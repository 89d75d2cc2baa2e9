//! Versions and aliases in the editor: [`VersionsState`], shared through context, lists the
//! flow's versions and aliases from the run store, makes versions, moves and rolls back
//! aliases, and holds the comparison the canvas shows instead of the flow while diffing. The
//! parts: the Versions panel (`panel`), the comparison on the canvas (`diff`), the run panel's
//! choice of version or alias (`target`).

pub mod diff;
pub mod panel;
pub mod target;

pub use diff::DiffView;
pub use panel::VersionsPanel;
pub use target::RunTargetChoice;

use crate::{shell, Editor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use strata::lifecycle::{FlowDiff, FlowVersions, Side};

/// A comparison shown on the canvas.
#[derive(Debug, Clone, PartialEq)]
pub struct Diffing {
    pub flow: String,
    pub older: Side,
    pub newer: Side,
    pub diff: FlowDiff,
}

/// The Versions panel's state.
#[derive(Clone, Copy)]
pub struct VersionsState {
    /// The panel is open.
    pub open: RwSignal<bool>,
    /// The canvas flow's versions and aliases, as the store last said.
    pub listing: RwSignal<FlowVersions>,
    /// The last outcome: (refused?, text).
    pub message: RwSignal<Option<(bool, String)>>,
    /// The comparison on the canvas; `None`: the canvas edits the flow.
    pub diff: RwSignal<Option<Diffing>>,
    /// The node whose changes the side panel shows while diffing.
    pub selected: RwSignal<Option<String>>,
}

impl Default for VersionsState {
    fn default() -> Self {
        VersionsState::new()
    }
}

impl VersionsState {
    pub fn new() -> VersionsState {
        VersionsState {
            open: RwSignal::new(false),
            listing: RwSignal::new(FlowVersions::default()),
            message: RwSignal::new(None),
            diff: RwSignal::new(None),
            selected: RwSignal::new(None),
        }
    }

    /// Whether the canvas shows a comparison (tracked).
    pub fn diffing(&self) -> bool {
        self.diff.with(Option::is_some)
    }

    /// The document as text and the flow on the canvas.
    fn document(ed: Editor) -> Option<(String, String)> {
        ed.doc
            .with_untracked(|d| d.as_ref().map(|d| (d.project.to_json(), d.flow.clone())))
    }

    fn say(&self, refused: bool, text: String) {
        self.message.set(Some((refused, text)));
    }

    /// Asks the store for the canvas flow's versions and aliases again.
    pub fn refresh(self, ed: Editor) {
        let Some((text, flow)) = Self::document(ed) else {
            return;
        };
        spawn_local(async move {
            match shell::versions_list(&text, &flow).await {
                Ok(listing) => self.listing.set(listing),
                Err(e) => {
                    self.listing.set(FlowVersions {
                        flow,
                        ..FlowVersions::default()
                    });
                    self.say(true, e.message);
                }
            }
        });
    }

    /// Records the canvas flow as it is now, with `description`.
    pub fn create(self, ed: Editor, description: String) {
        let Some((text, flow)) = Self::document(ed) else {
            return;
        };
        spawn_local(async move {
            match shell::version_create(&text, &flow, &description).await {
                Ok(made) if made.created => {
                    self.say(false, format!("Created version {} of {flow}", made.number))
                }
                Ok(made) => self.say(
                    false,
                    format!("Unchanged: version {} already holds this", made.number),
                ),
                Err(e) => self.say(true, format!("No version made: {}", e.message)),
            }
            self.refresh(ed);
        });
    }

    /// Points alias `name` at `version`, creating or moving it.
    pub fn set_alias(self, ed: Editor, name: String, version: u32) {
        let Some((text, flow)) = Self::document(ed) else {
            return;
        };
        spawn_local(async move {
            match shell::alias_set(&text, &flow, &name, version).await {
                Ok(moved) => self.say(
                    false,
                    match moved.from {
                        Some(from) if from != moved.to => {
                            format!("Moved {name} from version {from} to {}", moved.to)
                        }
                        Some(_) => format!("{name} already points at version {}", moved.to),
                        None => format!("Alias {name} now points at version {}", moved.to),
                    },
                ),
                Err(e) => self.say(true, e.message),
            }
            self.refresh(ed);
        });
    }

    /// Points alias `name` back at the version it pointed at before its last move.
    pub fn rollback(self, ed: Editor, name: String) {
        let Some((text, flow)) = Self::document(ed) else {
            return;
        };
        spawn_local(async move {
            match shell::alias_rollback(&text, &flow, &name).await {
                Ok(moved) => self.say(false, format!("Rolled {name} back to version {}", moved.to)),
                Err(e) => self.say(true, e.message),
            }
            self.refresh(ed);
        });
    }

    /// Compares `older` with `newer` and shows the comparison on the canvas.
    pub fn compare(self, ed: Editor, older: Side, newer: Side) {
        let Some((text, flow)) = Self::document(ed) else {
            return;
        };
        spawn_local(async move {
            match shell::versions_compare(&text, &flow, older, newer).await {
                Ok(diff) => {
                    ed.selection.set(vec![]);
                    self.selected.set(None);
                    let count = diff.changes.len();
                    self.diff.set(Some(Diffing {
                        flow,
                        older,
                        newer,
                        diff,
                    }));
                    self.say(
                        false,
                        format!(
                            "{} → {}: {count} difference(s)",
                            side_label(older),
                            side_label(newer)
                        ),
                    );
                }
                Err(e) => self.say(true, e.message),
            }
        });
    }

    /// Leaves the comparison: the canvas edits the flow again.
    pub fn close_diff(&self) {
        self.diff.set(None);
        self.selected.set(None);
    }
}

/// A side as the app names it: `version N` or `working copy`.
pub fn side_label(side: Side) -> String {
    match side {
        Side::Draft => "working copy".to_owned(),
        Side::Version { number } => format!("version {number}"),
    }
}

/// `2026-12-04 06:15 UTC`, from Unix milliseconds.
pub fn date_text(ms: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let iso: String = date.to_iso_string().into();
    format!(
        "{} UTC",
        iso.get(..16).unwrap_or(&iso).replacen('T', " ", 1)
    )
}
