//! The editor's state, shared through context, and the changes it makes to the open document:
//! every change is a [`Command`] applied through the document's [`History`].

use crate::shell;
use leptos::prelude::*;
use strata::diagnostic::Diagnostic;
use strata::edit::{Command, History};
use strata::model::{Position, Project};

/// The open document and its history.
#[derive(Debug, Clone)]
pub struct Doc {
    pub project: Project,
    pub history: History,
    /// Where it is saved; `None` until the first save.
    pub path: Option<String>,
    /// Changed since the last save.
    pub dirty: bool,
    /// The flow on the canvas.
    pub flow: String,
}

/// Pan and zoom of the canvas: screen = canvas × zoom + pan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub x: f64,
    pub y: f64,
    pub zoom: f64,
}

/// A gesture in progress on the canvas.
#[derive(Debug, Clone, PartialEq)]
pub enum Drag {
    /// Moving the selection; `from` and `to` in canvas coordinates.
    Move { from: (f64, f64), to: (f64, f64) },
    /// Panning; the client point and viewport where it started.
    Pan { from: (f64, f64), start: Viewport },
    /// Box-selecting (shift+drag on the background); corners in canvas coordinates.
    /// `keep` is the selection before the drag, which the box adds to.
    Select {
        from: (f64, f64),
        to: (f64, f64),
        keep: Vec<String>,
    },
    /// Drawing a connection from a handle; `to` follows the pointer in canvas coordinates.
    Connect {
        node: String,
        handle: String,
        conditional: bool,
        from: (f64, f64),
        to: (f64, f64),
    },
}

/// A modal asking for something.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dialog {
    Open,
    SaveAs,
    /// A new name for the flow on the canvas.
    RenameFlow,
    /// Whether to delete the flow on the canvas.
    DeleteFlow,
}

/// What replaces or closes the document once its unsaved changes are dealt with.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    /// A new project from this template.
    New(String),
    /// The Open dialog.
    Open,
    /// Closing the window.
    Quit,
    /// Opening this file (a recent file of the gallery).
    OpenFile(String),
}

/// The editor's signals, shared through context.
#[derive(Clone, Copy)]
pub struct Editor {
    pub doc: RwSignal<Option<Doc>>,
    pub selection: RwSignal<Vec<String>>,
    /// The last message: (refused?, text).
    pub status: RwSignal<Option<(bool, String)>>,
    pub viewport: RwSignal<Viewport>,
    pub drag: RwSignal<Option<Drag>>,
    pub clipboard: RwSignal<Option<String>>,
    pub dialog: RwSignal<Option<Dialog>>,
    pub recovery: RwSignal<Option<shell::Document>>,
    pub recent: RwSignal<Vec<String>>,
    pub diagnostics: Memo<Vec<Diagnostic>>,
    /// The project agent open in the agent editor (shown while no node is selected).
    pub agent: RwSignal<Option<String>>,
    /// The find box's text while it is open (Ctrl+F).
    pub find: RwSignal<Option<String>>,
    /// Whether the space bar is held: dragging then pans, wherever it starts.
    pub space: RwSignal<bool>,
    /// The unsaved-changes prompt, while it asks before `Pending` goes ahead.
    pub unsaved: RwSignal<Option<Pending>>,
    /// What goes ahead once the save the prompt asked for has succeeded.
    pub after_save: RwSignal<Option<Pending>>,
    /// Whether a native menu owns some chords (inside the desktop shell); the page then leaves
    /// those to it ([`strata::edit::Action::menu_owns_chord`]).
    pub native_menu: RwSignal<bool>,
    /// The run on the canvas (also in context, for the run's own panels).
    pub run: crate::run::RunState,
    /// The gallery New opens (and the start screen).
    pub gallery: crate::gallery::GalleryState,
    /// The export dialog and the deploy view.
    pub ship: crate::ship::Ship,
}

impl Editor {
    pub(crate) fn new() -> Editor {
        let doc: RwSignal<Option<Doc>> = RwSignal::new(None);
        Editor {
            doc,
            selection: RwSignal::new(vec![]),
            status: RwSignal::new(None),
            viewport: RwSignal::new(Viewport {
                x: 0.0,
                y: 0.0,
                zoom: 1.0,
            }),
            drag: RwSignal::new(None),
            clipboard: RwSignal::new(None),
            dialog: RwSignal::new(None),
            recovery: RwSignal::new(None),
            recent: RwSignal::new(vec![]),
            diagnostics: Memo::new(move |_| {
                doc.with(|d| {
                    d.as_ref()
                        .map(|d| strata::compile::compile(&d.project).diagnostics)
                        .unwrap_or_default()
                })
            }),
            agent: RwSignal::new(None),
            find: RwSignal::new(None),
            space: RwSignal::new(false),
            unsaved: RwSignal::new(None),
            after_save: RwSignal::new(None),
            native_menu: RwSignal::new(false),
            run: crate::run::RunState::new(),
            gallery: crate::gallery::GalleryState::new(),
            ship: crate::ship::Ship::new(),
        }
    }

    pub fn flow(&self) -> String {
        self.doc
            .with_untracked(|d| d.as_ref().map(|d| d.flow.clone()).unwrap_or_default())
    }

    /// Applies a command; a refusal is shown in the status line and changes nothing.
    pub fn run(&self, command: Command) {
        let mut result = None;
        self.doc.update(|d| {
            if let Some(d) = d {
                let r = d.history.apply(&mut d.project, &command);
                if let Ok(applied) = &r {
                    d.dirty = true;
                    if let Some(f) = &applied.flow {
                        d.flow = f.clone();
                    }
                }
                result = Some(r);
            }
        });
        match result {
            Some(Ok(applied)) => {
                if applied.flow.is_some() {
                    self.selection.set(vec![]);
                    self.fit();
                }
                if !applied.selection.is_empty() {
                    self.selection.set(applied.selection);
                }
                self.status.set(None);
                self.autosave();
            }
            Some(Err(e)) => self.status.set(Some((true, format!("Refused: {e}")))),
            None => {}
        }
    }

    pub fn undo(&self) {
        self.step_history(History::undo, "Nothing to undo");
    }

    pub fn redo(&self) {
        self.step_history(History::redo, "Nothing to redo");
    }

    /// Takes one step back or forward in the history (`step`), then shows where it led, or
    /// says `otherwise` when there was no step to take.
    fn step_history(&self, step: fn(&mut History, &mut Project) -> bool, otherwise: &str) {
        let mut done = false;
        self.doc.update(|d| {
            if let Some(d) = d {
                done = step(&mut d.history, &mut d.project);
                d.dirty |= done;
            }
        });
        self.after_history(done, otherwise);
    }

    fn after_history(&self, done: bool, otherwise: &str) {
        if done {
            // Undoing a flow command can take away the flow on the canvas: show the first.
            self.doc.update(|d| {
                if let Some(d) = d {
                    if d.project.flow(&d.flow).is_none() {
                        d.flow = d
                            .project
                            .flows
                            .first()
                            .map(|f| f.name.clone())
                            .unwrap_or_default();
                    }
                }
            });
            let names: Vec<String> = self.doc.with_untracked(|d| {
                d.as_ref()
                    .and_then(|d| d.project.flow(&d.flow))
                    .map(|f| f.definition.nodes.iter().map(|n| n.name.clone()).collect())
                    .unwrap_or_default()
            });
            self.selection.update(|s| s.retain(|n| names.contains(n)));
            let agents: Vec<String> = self.doc.with_untracked(|d| {
                d.as_ref()
                    .map(|d| {
                        d.project
                            .agents
                            .iter()
                            .map(|a| a.agent_name.clone())
                            .collect()
                    })
                    .unwrap_or_default()
            });
            if self
                .agent
                .get_untracked()
                .is_some_and(|a| !agents.contains(&a))
            {
                self.agent.set(None);
            }
            self.status.set(None);
            self.autosave();
        } else {
            self.status.set(Some((false, otherwise.to_owned())));
        }
    }

    pub fn delete_selection(&self) {
        let nodes = self.selection.get_untracked();
        if nodes.is_empty() {
            return;
        }
        self.run(Command::DeleteNodes {
            flow: self.flow(),
            nodes,
        });
        self.selection.set(vec![]);
    }

    pub fn duplicate_selection(&self) {
        let nodes = self.selection.get_untracked();
        if nodes.is_empty() {
            return;
        }
        self.run(Command::Duplicate {
            flow: self.flow(),
            nodes,
            offset: Position { x: 40.0, y: 40.0 },
        });
    }

    pub fn copy_selection(&self) {
        let nodes = self.selection.get_untracked();
        let flow = self.flow();
        let clip = self.doc.with_untracked(|d| {
            d.as_ref()
                .and_then(|d| strata::edit::copy(&d.project, &flow, &nodes).ok())
        });
        if let Some(c) = clip {
            self.clipboard.set(serde_json::to_string(&c).ok());
        }
    }

    pub fn paste(&self) {
        if let Some(json) = self.clipboard.get_untracked() {
            let c = self.view_centre();
            let flow = self.flow();
            // In free space near the view's centre, as a node from the palette lands.
            let spot = serde_json::from_str::<strata::edit::Clipboard>(&json)
                .ok()
                .and_then(|clip| {
                    self.doc.with_untracked(|d| {
                        d.as_ref()
                            .and_then(|d| crate::geometry::paste_spot(&d.project, &flow, &clip, c))
                    })
                });
            self.run(Command::Paste {
                flow,
                json,
                at: spot.unwrap_or(Position { x: c.0, y: c.1 }),
            });
        }
    }

    /// Places every node with the core's layout, then fits the view to it. Undoable.
    pub fn auto_layout(&self) {
        self.run(Command::AutoLayout { flow: self.flow() });
        self.fit();
    }

    /// The top-level nodes whose names contain `query` (any case), in document order.
    pub fn find_matches(&self, query: &str) -> Vec<String> {
        let q = query.trim().to_lowercase();
        self.doc.with_untracked(|d| {
            d.as_ref()
                .and_then(|d| d.project.flow(&d.flow))
                .map(|f| {
                    f.definition
                        .nodes
                        .iter()
                        .filter(|n| !q.is_empty() && n.name.to_lowercase().contains(&q))
                        .map(|n| n.name.clone())
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}
