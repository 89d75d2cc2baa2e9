//! The SVG canvas of the current flow: panning, box-selecting, moving nodes and drawing
//! connections, over the nodes and Loop regions drawn by [`node`].

mod find;
mod minimap;
mod node;

pub use find::FindBox;
pub use minimap::Minimap;

use crate::actions::tooltip;
use crate::geometry::{self, boxes, NodeBox};
use crate::viewport::{canvas_rect, to_canvas};
use crate::{Drag, Editor, Viewport};
use leptos::prelude::*;
use node::{loop_region_view, node_view};
use strata::diagnostic::Diagnostic;
use strata::edit::{Action, Command};
use strata::model::Position;

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
                    <marker id="arrow-highlight" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" fill="#2563eb"></path>
                    </marker>
                </defs>
                <rect class="grid" width="100%" height="100%" fill="url(#grid)"></rect>
                <g transform=transform>{flow_view(ed)}{move || select_rect(ed)}</g>
            </svg>
            <FindBox/>
            <Minimap/>
            <div class="zoom-buttons">
                <button id="auto-layout" title=tooltip(Action::Layout) on:click=move |_| ed.action(Action::Layout)>"Layout"</button>
                <button title=tooltip(Action::ZoomIn) on:click=move |_| ed.action(Action::ZoomIn)>"+"</button>
                <button title=tooltip(Action::ZoomOut) on:click=move |_| ed.action(Action::ZoomOut)>"−"</button>
                <button title=tooltip(Action::Fit) on:click=move |_| ed.action(Action::Fit)>"Fit"</button>
            </div>
        </div>
    }
}

/// One node as drawn: its box, whether it is selected, and the problems on its badge.
#[derive(Debug, Clone, PartialEq)]
struct DrawnNode {
    flow: String,
    b: NodeBox,
    selected: bool,
    problems: Vec<Diagnostic>,
}

/// One connection as drawn: its route, and whether it stands out or fades.
#[derive(Debug, Clone, PartialEq)]
struct DrawnLine {
    flow: String,
    route: geometry::Route,
    highlight: bool,
    dim: bool,
}

/// A Loop node's body region as drawn, with the diagnostics of the flow.
#[derive(Debug, Clone, PartialEq)]
struct DrawnRegion {
    flow: String,
    region: geometry::LoopRegion,
    diagnostics: Vec<Diagnostic>,
}

/// What the canvas shows of the current flow. Compared whole (a memo), so a change that does
/// not alter the drawing draws nothing; drawn part by part, keyed by each part's content, so a
/// change redraws only the nodes and connections it altered.
#[derive(Debug, Clone, PartialEq, Default)]
struct Drawing {
    open: bool,
    regions: Vec<DrawnRegion>,
    lines: Vec<DrawnLine>,
    nodes: Vec<DrawnNode>,
}

/// The key of a drawn part: all it shows, so that any change draws it anew.
fn key_of(part: &impl std::fmt::Debug) -> String {
    format!("{part:?}")
}

/// Where things lie on the current flow, with the selection moved by a drag: what routing
/// depends on, so the connections are routed again only when it changes (not when a
/// configuration or the selection does).
#[derive(Debug, Clone, PartialEq, Default)]
struct Shape {
    open: bool,
    flow: String,
    boxes: Vec<NodeBox>,
    connections: Vec<strata::model::FlowConnection>,
    regions: Vec<geometry::LoopRegion>,
}

fn shape(ed: Editor) -> Shape {
    let moving = ed.drag.with(|d| match d {
        Some(Drag::Move { from, to }) => Some((to.0 - from.0, to.1 - from.1)),
        _ => None,
    });
    // The selection matters here only while it is being moved.
    let moved = moving.map(|_| ed.selection.get()).unwrap_or_default();
    ed.doc.with(|d| {
        let Some(d) = d else {
            return Shape::default();
        };
        let mut boxes = boxes(&d.project, &d.flow);
        if let Some((dx, dy)) = moving {
            for b in boxes.iter_mut().filter(|b| moved.contains(&b.name)) {
                b.at.x += dx;
                b.at.y += dy;
            }
        }
        let regions = geometry::loop_regions(&d.project, &d.flow, &boxes);
        Shape {
            open: true,
            flow: d.flow.clone(),
            connections: d
                .project
                .flow(&d.flow)
                .map(|f| f.definition.connections.clone())
                .unwrap_or_default(),
            boxes,
            regions,
        }
    })
}

/// Nodes and connections of the current flow, drawn from the document.
fn flow_view(ed: Editor) -> impl IntoView {
    let shape = Memo::new(move |_| shape(ed));
    let routes = Memo::new(move |_| {
        shape.with(|s| {
            let frames: Vec<_> = s
                .regions
                .iter()
                .map(|r| geometry::frame_rect(r.frame))
                .collect();
            geometry::routes(&s.connections, &s.boxes, &frames)
        })
    });
    let drawing = Memo::new(move |_| drawing(ed, shape, routes));
    let opening = move || {
        (!drawing.with(|d| d.open))
            .then(|| view! { <text x="40" y="60" class="empty">"Opening…"</text> })
    };
    view! {
        {opening}
        <g class="regions">
            <For each=move || drawing.with(|d| d.regions.clone()) key=key_of
                children=move |r: DrawnRegion| loop_region_view(ed, &r.flow, &r.region, &r.diagnostics)/>
        </g>
        <g class="connections">
            <For each=move || drawing.with(|d| d.lines.clone()) key=key_of
                children=move |l: DrawnLine| line_view(ed, l)/>
            {move || ghost(ed)}
        </g>
        <g class="nodes">
            <For each=move || drawing.with(|d| d.nodes.clone()) key=key_of
                children=move |n: DrawnNode| {
                    let problems: Vec<&Diagnostic> = n.problems.iter().collect();
                    node_view(ed, &n.flow, &n.b, n.selected, &problems)
                }/>
        </g>
    }
}

/// The drawing: the shape and its routes, with the selection and the problems on each node.
fn drawing(ed: Editor, shape: Memo<Shape>, routes: Memo<Vec<geometry::Route>>) -> Drawing {
    let selection = ed.selection.get();
    let diagnostics = ed.diagnostics.get();
    let mut routes = routes.get();
    shape.with(|s| {
        if !s.open {
            return Drawing::default();
        }
        let flow = &s.flow;
        // A selected node's connections stand out and the others fade, drawn last so they
        // lie on top where lines cross.
        let related = |r: &geometry::Route| {
            selection.contains(&r.connection.source) || selection.contains(&r.connection.target)
        };
        routes.sort_by_key(|r| related(r));
        let lines = routes
            .into_iter()
            .map(|route| {
                let highlight = related(&route);
                DrawnLine {
                    flow: flow.clone(),
                    route,
                    highlight,
                    dim: !selection.is_empty() && !highlight,
                }
            })
            .collect();
        let regions = s
            .regions
            .iter()
            .map(|region| DrawnRegion {
                flow: flow.clone(),
                diagnostics: diagnostics
                    .iter()
                    .filter(|x| x.location.loop_node.as_deref() == Some(region.loop_name.as_str()))
                    .cloned()
                    .collect(),
                region: region.clone(),
            })
            .collect();
        let nodes = s
            .boxes
            .iter()
            .map(|b| DrawnNode {
                flow: flow.clone(),
                selected: selection.contains(&b.name),
                problems: diagnostics
                    .iter()
                    .filter(|x| {
                        x.location.flow.as_deref() == Some(flow.as_str())
                            && x.location.loop_node.is_none()
                            && x.location.node.as_deref() == Some(b.name.as_str())
                    })
                    .cloned()
                    .collect(),
                b: b.clone(),
            })
            .collect();
        Drawing {
            open: true,
            regions,
            lines,
            nodes,
        }
    })
}

/// One connection; a double-click removes it.
fn line_view(ed: Editor, l: DrawnLine) -> impl IntoView {
    let DrawnLine {
        flow,
        route,
        highlight,
        dim,
    } = l;
    let c = route.connection;
    let (run, marked) = (ed.run, c.clone());
    let name = c.name.clone();
    view! {
        <path class="connection" class:conditional=route.conditional class:highlight=highlight class:dim=dim
            data-connection=c.name.clone() data-source=c.source.clone() data-target=c.target.clone()
            data-run=move || crate::run::paint::connection_mark(run, &marked)
            d=geometry::rounded_path(&route.points) marker-end=if highlight { "url(#arrow-highlight)" } else { "url(#arrow)" }
            on:dblclick=move |_| ed.run(Command::Disconnect { flow: flow.clone(), connection: name.clone() })>
            <title>{format!("{} → {}: {} (double-click to remove)", c.source, c.target, c.name)}</title>
        </path>
    }
}

/// The connection being drawn from a handle.
fn ghost(ed: Editor) -> Option<impl IntoView> {
    let Some(Drag::Connect {
        from,
        to,
        conditional,
        ..
    }) = ed.drag.get()
    else {
        return None;
    };
    Some(view! {
        <path class="ghost" class:conditional=conditional d=geometry::curve(from, to)></path>
    })
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
