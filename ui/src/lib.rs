//! Strata's editor page: an SVG canvas over the project, a palette, an inspector and a
//! problems panel that the core's compiler fills on every edit.
//!
//! Every change to the document is a [`strata::edit::Command`] applied through one
//! [`strata::edit::History`]; the canvas and panels only draw the document. Calls into the
//! desktop shell go through [`shell`].

pub mod agents;
pub mod forms;
pub mod geometry;
pub mod panels;
pub mod shell;

use geometry::{boxes, NodeBox, HEADER, NODE_WIDTH};
use leptos::prelude::*;
use leptos::task::spawn_local;
use panels::{Dialogs, Inspector, Palette, Problems, RecoveryBanner, StatusLine, Toolbar};
use strata::diagnostic::{Diagnostic, Severity};
use strata::edit::{Command, History};
use strata::model::{Position, Project};
use wasm_bindgen::JsCast;

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
    pub templates: RwSignal<Vec<shell::TemplateInfo>>,
    pub recent: RwSignal<Vec<String>>,
    pub diagnostics: Memo<Vec<Diagnostic>>,
    /// The project agent open in the agent editor (shown while no node is selected).
    pub agent: RwSignal<Option<String>>,
    /// The find box's text while it is open (Ctrl+F).
    pub find: RwSignal<Option<String>>,
    /// Whether the space bar is held: dragging then pans, wherever it starts.
    pub space: RwSignal<bool>,
    /// The last keyboard action and when, so the native menu's echo of it is ignored.
    last_key: RwSignal<(String, f64)>,
}

impl Editor {
    fn new() -> Editor {
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
            templates: RwSignal::new(vec![]),
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
            last_key: RwSignal::new((String::new(), 0.0)),
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
                if r.is_ok() {
                    d.dirty = true;
                }
                result = Some(r);
            }
        });
        match result {
            Some(Ok(applied)) => {
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
        let mut done = false;
        self.doc.update(|d| {
            if let Some(d) = d {
                done = d.history.undo(&mut d.project);
                d.dirty |= done;
            }
        });
        self.after_history(done, "Nothing to undo");
    }

    pub fn redo(&self) {
        let mut done = false;
        self.doc.update(|d| {
            if let Some(d) = d {
                done = d.history.redo(&mut d.project);
                d.dirty |= done;
            }
        });
        self.after_history(done, "Nothing to redo");
    }

    fn after_history(&self, done: bool, otherwise: &str) {
        if done {
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
                Ok(doc) => ed.show(doc, false),
                Err(e) => ed.status.set(Some((true, e.message))),
            }
        });
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
                }
                Err(e) => ed.status.set(Some((true, e.message))),
            }
        });
    }

    fn autosave(&self) {
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

    fn refresh_recent(&self) {
        let ed = *self;
        spawn_local(async move {
            if let Ok(list) = shell::recent_files().await {
                ed.recent.set(list);
            }
        });
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
            self.run(Command::Paste {
                flow: self.flow(),
                json,
                at: Position { x: c.0, y: c.1 },
            });
        }
    }

    /// The canvas point at the middle of the visible area.
    pub fn view_centre(&self) -> (f64, f64) {
        let (w, h) = canvas_size();
        let v = self.viewport.get_untracked();
        (
            (w / 2.0 - v.x) / v.zoom - NODE_WIDTH / 2.0,
            (h / 2.0 - v.y) / v.zoom - 40.0,
        )
    }

    pub fn zoom_by(&self, factor: f64, around: Option<(f64, f64)>) {
        let (w, h) = canvas_size();
        let (cx, cy) = around.unwrap_or((w / 2.0, h / 2.0));
        self.viewport.update(|v| {
            let z = (v.zoom * factor).clamp(0.2, 3.0);
            v.x = cx - (cx - v.x) * z / v.zoom;
            v.y = cy - (cy - v.y) * z / v.zoom;
            v.zoom = z;
        });
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

    /// Selects a node and pans so it sits in the middle of the canvas.
    pub fn focus_node(&self, name: &str) {
        let b = self.doc.with_untracked(|d| {
            d.as_ref().and_then(|d| {
                boxes(&d.project, &d.flow)
                    .into_iter()
                    .find(|b| b.name == name)
            })
        });
        let Some(b) = b else {
            return;
        };
        let (w, h) = canvas_size();
        self.viewport.update(|v| {
            v.x = w / 2.0 - (b.at.x + NODE_WIDTH / 2.0) * v.zoom;
            v.y = h / 2.0 - (b.at.y + b.height() / 2.0) * v.zoom;
        });
        self.selection.set(vec![name.to_owned()]);
    }

    /// Centres the view on a canvas point (the minimap's clicks).
    pub fn centre_on(&self, x: f64, y: f64) {
        let (w, h) = canvas_size();
        self.viewport.update(|v| {
            v.x = w / 2.0 - x * v.zoom;
            v.y = h / 2.0 - y * v.zoom;
        });
    }

    /// Zooms and pans so the whole flow is visible.
    pub fn fit(&self) {
        let b = self.doc.with_untracked(|d| {
            d.as_ref()
                .and_then(|d| geometry::drawing_bounds(&d.project, &d.flow))
        });
        let Some((x0, y0, x1, y1)) = b else {
            return;
        };
        let (w, h) = canvas_size();
        let margin = 40.0;
        let zoom = ((w - 2.0 * margin) / (x1 - x0))
            .min((h - 2.0 * margin) / (y1 - y0))
            .clamp(0.2, 1.5);
        self.viewport.set(Viewport {
            zoom,
            x: (w - (x1 - x0) * zoom) / 2.0 - x0 * zoom,
            y: (h - (y1 - y0) * zoom) / 2.0 - y0 * zoom,
        });
    }

    /// Runs a named action from the keyboard, the menu or a button.
    pub fn action(&self, id: &str) {
        match id {
            "new" => self.new_from_template("blank".to_owned()),
            "open" => {
                self.refresh_recent();
                self.dialog.set(Some(Dialog::Open));
            }
            "save" => self.save(),
            "save-as" => self.dialog.set(Some(Dialog::SaveAs)),
            "undo" => self.undo(),
            "redo" => self.redo(),
            "delete" => self.delete_selection(),
            "duplicate" => self.duplicate_selection(),
            "copy" => self.copy_selection(),
            "paste" => self.paste(),
            "fit" => self.fit(),
            "layout" => self.auto_layout(),
            "find" => self.find.set(Some(String::new())),
            "zoom-in" => self.zoom_by(1.2, None),
            "zoom-out" => self.zoom_by(1.0 / 1.2, None),
            "run" => self.status.set(Some((
                false,
                "Running flows from the editor comes with the run panel; use `strata run` meanwhile."
                    .to_owned(),
            ))),
            "about" => self.status.set(Some((
                false,
                "Strata: design Amazon Bedrock Flows with embedded Agents.".to_owned(),
            ))),
            _ => {}
        }
    }

    fn menu(&self, id: &str) {
        let (last, at) = self.last_key.get_untracked();
        if last == id && js_sys::Date::now() - at < 300.0 {
            return;
        }
        self.action(id);
    }

    fn key(&self, ev: &web_sys::KeyboardEvent) {
        let ctrl = ev.ctrl_key() || ev.meta_key();
        let in_field = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let key = ev.key().to_lowercase();
        if key == " " && !in_field && !ctrl {
            // Space held: the next drag pans. No page scroll.
            ev.prevent_default();
            self.space.set(true);
            return;
        }
        if key == "escape" && self.find.get_untracked().is_some() {
            self.find.set(None);
            return;
        }
        let id = match (ctrl, ev.shift_key(), key.as_str()) {
            (true, false, "f") => "find",
            (true, true, "l") => "layout",
            (true, false, "s") => "save",
            (true, true, "s") => "save-as",
            (true, false, "o") => "open",
            (true, false, "n") => "new",
            _ if in_field => return,
            (true, false, "z") => "undo",
            (true, true, "z") | (true, false, "y") => "redo",
            (true, false, "d") => "duplicate",
            (true, false, "c") => "copy",
            (true, false, "v") => "paste",
            (true, false, "0") => "fit",
            (true, _, "=" | "+") => "zoom-in",
            (true, false, "-") => "zoom-out",
            (false, _, "delete" | "backspace") => "delete",
            _ => return,
        };
        ev.prevent_default();
        self.last_key.set((id.to_owned(), js_sys::Date::now()));
        self.action(id);
    }
}

/// The visible canvas size in pixels.
fn canvas_size() -> (f64, f64) {
    canvas_rect().map_or((1000.0, 600.0), |r| (r.width(), r.height()))
}

fn canvas_rect() -> Option<web_sys::DomRect> {
    document()
        .get_element_by_id("canvas")
        .map(|e| e.get_bounding_client_rect())
}

/// Client coordinates → canvas coordinates.
fn to_canvas(ed: &Editor, cx: f64, cy: f64) -> (f64, f64) {
    let (left, top) = canvas_rect().map_or((0.0, 0.0), |r| (r.left(), r.top()));
    let v = ed.viewport.get_untracked();
    ((cx - left - v.x) / v.zoom, (cy - top - v.y) / v.zoom)
}

fn document_title(d: &Option<Doc>) -> String {
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

/// The editor page.
#[component]
pub fn App() -> impl IntoView {
    let ed = Editor::new();
    provide_context(ed);

    // The window title follows the file name and the unsaved mark.
    let title = Memo::new(move |_| ed.doc.with(document_title));
    Effect::new(move |_| {
        let t = title.get();
        document().set_title(&t);
        spawn_local(async move {
            // Outside the shell there is no window title to set.
            let _ = shell::set_title(&t).await;
        });
    });

    // Start: the file given on the command line, else a new project; offer recovery if any.
    spawn_local(async move {
        shell::on_menu(move |id| ed.menu(&id)).await;
        if let Ok(list) = shell::templates().await {
            ed.templates.set(list);
        }
        if let Ok(Some(doc)) = shell::recovery().await {
            ed.recovery.set(Some(doc));
        }
        match shell::startup_document().await {
            Ok(Some(path)) => ed.open(path),
            Ok(None) => ed.new_from_template("support-triage".to_owned()),
            Err(e) => ed.status.set(Some((true, e.message))),
        }
    });

    // The shortcuts listen on the window; they go when the page is unmounted, so that no
    // listener outlives the editor state it reads.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| ed.key(&ev));
    let keys_up = window_event_listener(leptos::ev::keyup, move |ev| {
        if ev.key() == " " {
            ed.space.set(false);
        }
    });
    on_cleanup(move || {
        keys.remove();
        keys_up.remove();
    });

    view! {
        <div class="app">
            <Toolbar/>
            <RecoveryBanner/>
            <div class="main">
                <Palette/>
                <Canvas/>
                <Inspector/>
            </div>
            <Problems/>
            <StatusLine/>
            <Dialogs/>
        </div>
    }
}

/// The SVG canvas of the current flow.
#[component]
pub fn Canvas() -> impl IntoView {
    let ed: Editor = expect_context();

    // On the background: a drag pans, shift+drag box-selects; with space held a drag pans
    // wherever it starts (nodes let the event through then).
    let on_down = move |ev: leptos::ev::MouseEvent| {
        if ev.button() != 0 {
            return;
        }
        let (cx, cy) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        if ev.shift_key() && !ed.space.get_untracked() {
            // Shift+drag would otherwise select the labels' text.
            ev.prevent_default();
            let p = to_canvas(&ed, cx, cy);
            ed.drag.set(Some(Drag::Select {
                from: p,
                to: p,
                keep: ed.selection.get_untracked(),
            }));
            return;
        }
        if !ed.space.get_untracked() {
            ed.selection.set(vec![]);
            ed.agent.set(None);
        }
        ed.drag.set(Some(Drag::Pan {
            from: (cx, cy),
            start: ed.viewport.get_untracked(),
        }));
    };
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let (cx, cy) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let Some(drag) = ed.drag.get_untracked() else {
            return;
        };
        match drag {
            Drag::Pan { from, start } => ed.viewport.set(Viewport {
                x: start.x + cx - from.0,
                y: start.y + cy - from.1,
                zoom: start.zoom,
            }),
            Drag::Move { from, .. } => ed.drag.set(Some(Drag::Move {
                from,
                to: to_canvas(&ed, cx, cy),
            })),
            Drag::Select { from, keep, .. } => {
                let to = to_canvas(&ed, cx, cy);
                let mut sel = keep.clone();
                let hit = ed.doc.with_untracked(|d| {
                    d.as_ref()
                        .map(|d| geometry::boxes_in(&boxes(&d.project, &d.flow), from, to))
                        .unwrap_or_default()
                });
                for n in hit {
                    if !sel.contains(&n) {
                        sel.push(n);
                    }
                }
                ed.selection.set(sel);
                ed.drag.set(Some(Drag::Select { from, to, keep }));
            }
            Drag::Connect {
                node,
                handle,
                conditional,
                from,
                ..
            } => ed.drag.set(Some(Drag::Connect {
                node,
                handle,
                conditional,
                from,
                to: to_canvas(&ed, cx, cy),
            })),
        }
    };
    let on_up = move |_| {
        if let Some(Drag::Move { from, to }) = ed.drag.get_untracked() {
            let (dx, dy) = (to.0 - from.0, to.1 - from.1);
            if dx.abs() + dy.abs() > 0.5 {
                let sel = ed.selection.get_untracked();
                let flow = ed.flow();
                let moves = ed.doc.with_untracked(|d| {
                    d.as_ref()
                        .map(|d| {
                            boxes(&d.project, &d.flow)
                                .into_iter()
                                .filter(|b| sel.contains(&b.name))
                                .map(|b| {
                                    (
                                        b.name,
                                        Position {
                                            x: (b.at.x + dx).round(),
                                            y: (b.at.y + dy).round(),
                                        },
                                    )
                                })
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                });
                ed.run(Command::MoveNodes { flow, moves });
            }
        }
        ed.drag.set(None);
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        let (left, top) = canvas_rect().map_or((0.0, 0.0), |r| (r.left(), r.top()));
        let factor = if ev.delta_y() < 0.0 { 1.1 } else { 1.0 / 1.1 };
        ed.zoom_by(
            factor,
            Some((
                f64::from(ev.client_x()) - left,
                f64::from(ev.client_y()) - top,
            )),
        );
    };

    let transform = move || {
        let v = ed.viewport.get();
        format!("translate({} {}) scale({})", v.x, v.y, v.zoom)
    };

    view! {
        <div class="canvas-wrap">
            <svg id="canvas" class="canvas" on:mousedown=on_down on:mousemove=on_move on:mouseup=on_up
                on:mouseleave=on_up on:wheel=on_wheel>
                <defs>
                    <pattern id="grid" width="24" height="24" patternUnits="userSpaceOnUse">
                        <circle cx="1" cy="1" r="1" fill="#d7dde5"></circle>
                    </pattern>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b"></path>
                    </marker>
                </defs>
                <rect class="grid" width="100%" height="100%" fill="url(#grid)"></rect>
                <g transform=transform>{move || flow_view(ed)}{move || select_rect(ed)}</g>
            </svg>
            <FindBox/>
            <Minimap/>
            <div class="zoom-buttons">
                <button id="auto-layout" title="Auto-layout (Ctrl+Shift+L)" on:click=move |_| ed.auto_layout()>"Layout"</button>
                <button title="Zoom in" on:click=move |_| ed.zoom_by(1.2, None)>"+"</button>
                <button title="Zoom out" on:click=move |_| ed.zoom_by(1.0 / 1.2, None)>"−"</button>
                <button title="Fit to view" on:click=move |_| ed.fit()>"Fit"</button>
            </div>
        </div>
    }
}

/// Nodes and connections of the current flow, drawn from the document.
fn flow_view(ed: Editor) -> AnyView {
    let drag = ed.drag.get();
    let selection = ed.selection.get();
    let diagnostics = ed.diagnostics.get();
    ed.doc.with(|d| {
        let Some(d) = d else {
            return view! { <text x="40" y="60" class="empty">"Opening…"</text> }.into_any();
        };
        let mut bs = boxes(&d.project, &d.flow);
        if let Some(Drag::Move { from, to }) = &drag {
            for b in bs.iter_mut().filter(|b| selection.contains(&b.name)) {
                b.at.x += to.0 - from.0;
                b.at.y += to.1 - from.1;
            }
        }
        let conns = d
            .project
            .flow(&d.flow)
            .map(|f| f.definition.connections.clone())
            .unwrap_or_default();
        let mut paths = Vec::new();
        for c in &conns {
            let Some((from, to, dashed)) = geometry::connection_points(c, &bs) else {
                continue;
            };
            let name = c.name.clone();
            let flow = d.flow.clone();
            paths.push(view! {
                <path class="connection" class:conditional=dashed data-connection=c.name.clone()
                    d=geometry::curve(from, to) marker-end="url(#arrow)"
                    on:dblclick=move |_| ed.run(Command::Disconnect { flow: flow.clone(), connection: name.clone() })>
                    <title>{format!("{} (double-click to remove)", c.name)}</title>
                </path>
            });
        }
        let ghost = match &drag {
            Some(Drag::Connect { from, to, conditional, .. }) => Some(view! {
                <path class="ghost" class:conditional=*conditional d=geometry::curve(*from, *to)></path>
            }),
            _ => None,
        };
        let nodes: Vec<AnyView> = bs
            .iter()
            .map(|b| {
                let problems: Vec<&Diagnostic> = diagnostics
                    .iter()
                    .filter(|x| {
                        x.location.flow.as_deref() == Some(d.flow.as_str())
                            && x.location.loop_node.is_none()
                            && x.location.node.as_deref() == Some(b.name.as_str())
                    })
                    .collect();
                node_view(ed, &d.flow, b, selection.contains(&b.name), &problems)
            })
            .collect();
        let regions: Vec<AnyView> = geometry::loop_regions(&d.project, &d.flow, &bs)
            .into_iter()
            .map(|r| loop_region_view(ed, &d.flow, &r, &diagnostics))
            .collect();
        view! { <g class="regions">{regions}</g><g class="connections">{paths}{ghost}</g><g class="nodes">{nodes}</g> }.into_any()
    })
}

fn node_view(
    ed: Editor,
    flow: &str,
    b: &NodeBox,
    selected: bool,
    problems: &[&Diagnostic],
) -> AnyView {
    let name = b.name.clone();
    let h = b.height();
    let kind_tip = format!(
        "{} — {}",
        b.type_label,
        b.kind
            .map_or("a node type Strata does not know", |k| k.kind().summary)
    );
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    let badge = (!problems.is_empty()).then(|| {
        let text = problems
            .iter()
            .map(|p| format!("{}: {}", p.code, p.message))
            .collect::<Vec<_>>()
            .join("\n");
        let class = if errors > 0 { "badge error" } else { "badge warning" };
        view! {
            <g class=class transform=format!("translate({} -8)", NODE_WIDTH - 8.0)>
                <circle r="10"></circle>
                <text text-anchor="middle" dy="4">{if errors > 0 { errors } else { warnings }}</text>
                <title>{text}</title>
            </g>
        }
    });
    let on_down = {
        let name = name.clone();
        move |ev: leptos::ev::MouseEvent| {
            if ed.space.get_untracked() {
                // Space+drag pans: let the canvas have the event.
                return;
            }
            ev.stop_propagation();
            if ev.button() != 0 {
                return;
            }
            ed.agent.set(None);
            if ev.shift_key() {
                ed.selection.update(|s| {
                    if let Some(i) = s.iter().position(|n| *n == name) {
                        s.remove(i);
                    } else {
                        s.push(name.clone());
                    }
                });
            } else if !ed.selection.get_untracked().contains(&name) {
                ed.selection.set(vec![name.clone()]);
            }
            let p = to_canvas(&ed, f64::from(ev.client_x()), f64::from(ev.client_y()));
            ed.drag.set(Some(Drag::Move { from: p, to: p }));
        }
    };
    // Dropping a condition's connection anywhere on a node gates that node.
    let on_up = {
        let name = name.clone();
        let flow = flow.to_owned();
        move |_| {
            if let Some(Drag::Connect {
                node,
                handle,
                conditional: true,
                ..
            }) = ed.drag.get_untracked()
            {
                ed.run(Command::ConnectCondition {
                    flow: flow.clone(),
                    source: node,
                    condition: handle,
                    target: name.clone(),
                });
            }
        }
    };
    let inputs: Vec<_> = b
        .inputs
        .iter()
        .enumerate()
        .map(|(i, (port, ty))| {
            let y = b.input_y(i);
            let (port_up, node, flow) = (port.clone(), name.clone(), flow.to_owned());
            let up = move |ev: leptos::ev::MouseEvent| {
                if let Some(Drag::Connect { node: source, handle, conditional: false, .. }) = ed.drag.get_untracked() {
                    ev.stop_propagation();
                    ed.drag.set(None);
                    ed.run(Command::Connect {
                        flow: flow.clone(),
                        source,
                        output: handle,
                        target: node.clone(),
                        input: port_up.clone(),
                    });
                }
            };
            view! {
                <g class="port input" data-port=format!("in:{name}:{port}") on:mouseup=up>
                    <circle cx="0" cy=y r="6"></circle>
                    <text x="12" y={y + 4.0}>{port.clone()}<tspan class="type">{format!(" {ty}")}</tspan></text>
                </g>
            }
        })
        .collect();
    let handles: Vec<_> = b
        .handles
        .iter()
        .enumerate()
        .map(|(i, (handle, ty))| {
            let y = b.handle_y(i);
            let from = b.handle_point(i);
            let conditional = b.is_condition;
            let (node, h) = (name.clone(), handle.clone());
            let down = move |ev: leptos::ev::MouseEvent| {
                ev.stop_propagation();
                ed.drag.set(Some(Drag::Connect {
                    node: node.clone(),
                    handle: h.clone(),
                    conditional,
                    from,
                    to: from,
                }));
            };
            let kind = if conditional { "condition" } else { "out" };
            view! {
                <g class="port output" class:condition=conditional data-port=format!("{kind}:{name}:{handle}") on:mousedown=down>
                    <text x={NODE_WIDTH - 12.0} y={y + 4.0} text-anchor="end">
                        {handle.clone()}<tspan class="type">{if ty.is_empty() { String::new() } else { format!(" {ty}") }}</tspan>
                    </text>
                    <circle cx=NODE_WIDTH cy=y r="6"></circle>
                </g>
            }
        })
        .collect();
    view! {
        <g class="node" class:selected=selected class:has-errors={errors > 0} data-node=name.clone()
            transform=format!("translate({} {})", b.at.x, b.at.y) on:mousedown=on_down on:mouseup=on_up>
            <rect class="body" width=NODE_WIDTH height=h rx="8"></rect>
            <path class="header" d=format!("M 0 8 A 8 8 0 0 1 8 0 L {w8} 0 A 8 8 0 0 1 {w} 8 L {w} {HEADER} L 0 {HEADER} Z", w = NODE_WIDTH, w8 = NODE_WIDTH - 8.0) fill=b.colour></path>
            <text class="icon" x="12" y="21">{b.icon}</text>
            <text class="title" x="34" y="21">{name.clone()}</text>
            <title>{kind_tip}</title>
            {inputs}
            {handles}
            {badge}
        </g>
    }
    .into_any()
}

/// The rectangle of a box-select in progress.
fn select_rect(ed: Editor) -> Option<AnyView> {
    let Some(Drag::Select { from, to, .. }) = ed.drag.get() else {
        return None;
    };
    Some(
        view! {
            <rect class="select-rect" x=from.0.min(to.0) y=from.1.min(to.1)
                width=(to.0 - from.0).abs() height=(to.1 - from.1).abs()></rect>
        }
        .into_any(),
    )
}

/// A Loop node's body: a framed region under the node with the body's nodes and
/// connections. Drawn only: edits to a body go through the Loop node's raw JSON.
fn loop_region_view(
    ed: Editor,
    flow: &str,
    r: &geometry::LoopRegion,
    diagnostics: &[Diagnostic],
) -> AnyView {
    let (x, y, w, h) = r.frame;
    let paths: Vec<_> = r
        .connections
        .iter()
        .filter_map(|c| {
            let (from, to, dashed) = geometry::connection_points(c, &r.boxes)?;
            Some(view! {
                <path class="connection" class:conditional=dashed d=geometry::curve(from, to) marker-end="url(#arrow)">
                    <title>{c.name.clone()}</title>
                </path>
            })
        })
        .collect();
    let nodes: Vec<AnyView> = r
        .boxes
        .iter()
        .map(|b| {
            let problems: Vec<&Diagnostic> = diagnostics
                .iter()
                .filter(|x| {
                    x.location.flow.as_deref() == Some(flow)
                        && x.location.loop_node.as_deref() == Some(r.loop_name.as_str())
                        && x.location.node.as_deref() == Some(b.name.as_str())
                })
                .collect();
            node_view(ed, flow, b, false, &problems)
        })
        .collect();
    view! {
        <g class="loop-region" data-loop=r.loop_name.clone()>
            <rect class="frame" x=x y=y width=w height=h rx="12"></rect>
            <text class="frame-label" x={x + 12.0} y={y + 16.0}>{format!("{} body — runs while the controller's condition holds", r.loop_name)}</text>
            <g class="body" pointer-events="none">{paths}{nodes}</g>
        </g>
    }
    .into_any()
}

/// Ctrl+F: a box over the canvas; typing lists matching nodes, Enter focuses the first.
#[component]
pub fn FindBox() -> impl IntoView {
    let ed: Editor = expect_context();
    // Only opening and closing redraw the box, so typing keeps the input and its caret.
    let open = Memo::new(move |_| ed.find.with(Option::is_some));
    Effect::new(move |_| {
        if open.get() {
            request_animation_frame(focus_find);
        }
    });
    let list = move || {
        let query = ed.find.get().unwrap_or_default();
        let matches = ed.find_matches(&query);
        let empty = (!query.trim().is_empty() && matches.is_empty())
            .then(|| view! { <li class="none">"No node has that in its name"</li> });
        let items = matches
            .into_iter()
            .map(|n| {
                let n2 = n.clone();
                view! { <li data-node=n.clone() on:mousedown=move |_| { ed.focus_node(&n2); ed.find.set(None); }>{n.clone()}</li> }
            })
            .collect_view();
        view! { {items}{empty} }
    };
    move || {
        open.get().then(|| {
            view! {
                <div class="find" id="find">
                    <input id="find-input" placeholder="Find a node by name (Enter: go, Esc: close)"
                        on:input=move |ev| ed.find.set(Some(event_target_value(&ev)))
                        on:keydown=move |ev| match ev.key().as_str() {
                            "Enter" => {
                                let query = ed.find.get_untracked().unwrap_or_default();
                                if let Some(n) = ed.find_matches(&query).first() {
                                    ed.focus_node(n);
                                }
                                ed.find.set(None);
                            }
                            "Escape" => ed.find.set(None),
                            _ => {}
                        }/>
                    <ul>{list}</ul>
                </div>
            }
        })
    }
}

/// Focuses the find box's input whenever it opens.
fn focus_find() {
    if let Some(e) = document()
        .get_element_by_id("find-input")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = e.focus();
    }
}

/// The whole flow in small, with the visible area; a click centres the view there.
#[component]
pub fn Minimap() -> impl IntoView {
    let ed: Editor = expect_context();
    const W: f64 = 180.0;
    const H: f64 = 120.0;
    // (scale, offset x, offset y) mapping canvas to minimap: the drawing and the visible
    // area both fit, so the view rectangle is always whole.
    let frame = Memo::new(move |_| {
        let v = ed.viewport.get();
        let (w, h) = canvas_size();
        ed.doc.with(|d| {
            let (x0, y0, x1, y1) = d
                .as_ref()
                .and_then(|d| geometry::drawing_bounds(&d.project, &d.flow))?;
            let (vx0, vy0) = (-v.x / v.zoom, -v.y / v.zoom);
            let (vx1, vy1) = (vx0 + w / v.zoom, vy0 + h / v.zoom);
            let (x0, y0, x1, y1) = (x0.min(vx0), y0.min(vy0), x1.max(vx1), y1.max(vy1));
            let s = ((W - 12.0) / (x1 - x0).max(1.0)).min((H - 12.0) / (y1 - y0).max(1.0));
            Some((s, 6.0 - x0 * s, 6.0 - y0 * s))
        })
    });
    let shapes = move || {
        let (s, ox, oy) = frame.get()?;
        let selection = ed.selection.get();
        ed.doc.with(|d| {
            let d = d.as_ref()?;
            let bs = boxes(&d.project, &d.flow);
            let regions = geometry::loop_regions(&d.project, &d.flow, &bs)
                .into_iter()
                .map(|r| {
                    let (x, y, w, h) = r.frame;
                    view! { <rect class="mini-region" x={x * s + ox} y={y * s + oy} width={w * s} height={h * s}></rect> }
                })
                .collect_view();
            let nodes = bs
                .iter()
                .map(|b| {
                    view! {
                        <rect class="mini-node" class:selected=selection.contains(&b.name) x={b.at.x * s + ox} y={b.at.y * s + oy}
                            width={NODE_WIDTH * s} height={b.height() * s} fill=b.colour></rect>
                    }
                })
                .collect_view();
            Some(view! { {regions}{nodes} })
        })
    };
    let view_rect = move || {
        let (s, ox, oy) = frame.get()?;
        let v = ed.viewport.get();
        let (w, h) = canvas_size();
        Some(view! {
            <rect class="mini-view" x={-v.x / v.zoom * s + ox} y={-v.y / v.zoom * s + oy}
                width={w / v.zoom * s} height={h / v.zoom * s}></rect>
        })
    };
    let click = move |ev: leptos::ev::MouseEvent| {
        let Some((s, ox, oy)) = frame.get_untracked() else {
            return;
        };
        let (mx, my) = (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        ed.centre_on((mx - ox) / s, (my - oy) / s);
    };
    view! {
        <svg class="minimap" id="minimap" width=W height=H on:mousedown=|ev| ev.stop_propagation() on:click=click>
            {shapes}
            {view_rect}
        </svg>
    }
}
