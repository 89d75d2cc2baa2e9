//! The minimap: the whole flow in small with the visible area; a click centres the view there.

use crate::geometry::{self, boxes, NODE_WIDTH};
use crate::viewport::canvas_size;
use crate::Editor;
use leptos::prelude::*;

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
