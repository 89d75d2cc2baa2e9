//! Where the canvas looks: zoom, pan, fit, centring on a node or a point, and the conversion
//! from page to canvas coordinates.

use crate::geometry::{self, boxes, NODE_WIDTH};
use crate::{Editor, Viewport};
use leptos::prelude::*;

impl Editor {
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
}

/// The visible canvas size in pixels.
pub(crate) fn canvas_size() -> (f64, f64) {
    canvas_rect().map_or((1000.0, 600.0), |r| (r.width(), r.height()))
}

pub(crate) fn canvas_rect() -> Option<web_sys::DomRect> {
    document()
        .get_element_by_id("canvas")
        .map(|e| e.get_bounding_client_rect())
}

/// Client coordinates → canvas coordinates.
pub(crate) fn to_canvas(ed: &Editor, cx: f64, cy: f64) -> (f64, f64) {
    let (left, top) = canvas_rect().map_or((0.0, 0.0), |r| (r.left(), r.top()));
    let v = ed.viewport.get_untracked();
    ((cx - left - v.x) / v.zoom, (cy - top - v.y) / v.zoom)
}
