//! Where the canvas looks: zoom, pan, fit, centring on a node or a point, and the conversion
//! from page to canvas coordinates.

use crate::geometry::{self, boxes, NODE_WIDTH};
use crate::{Editor, Viewport};
use leptos::prelude::*;
use strata::model::Position;
use strata::nodes::NodeType;

/// The largest zoom a fit uses: a small flow is shown at its natural size, not blown up.
pub const FIT_MAX_ZOOM: f64 = 1.0;
/// The smallest zoom a document opens at: below it the canvas's text (12 canvas pixels and
/// more) would be too small to read, so a large flow opens at this zoom showing its start.
pub const READABLE_ZOOM: f64 = 0.8;

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

    /// Where a new node of `kind` goes: the free spot nearest the right of the selection when
    /// that is in view, else the free spot nearest the middle of the view.
    pub fn new_node_spot(&self, kind: NodeType) -> Position {
        let selection = self.selection.get_untracked();
        let centre = self.view_centre();
        self.doc.with_untracked(|d| {
            let Some(d) = d else {
                return Position {
                    x: centre.0,
                    y: centre.1,
                };
            };
            let near_centre = || geometry::free_spot(&d.project, &d.flow, kind, centre);
            let Some(b) = boxes(&d.project, &d.flow)
                .into_iter()
                .find(|b| selection.contains(&b.name))
            else {
                return near_centre();
            };
            // Beside the selection only while that stays in view: a node added out of sight
            // would look as if nothing happened.
            let spot = geometry::free_spot(
                &d.project,
                &d.flow,
                kind,
                (b.at.x + NODE_WIDTH + 60.0, b.at.y),
            );
            let (w, h) = canvas_size();
            let v = self.viewport.get_untracked();
            let (x0, y0) = (-v.x / v.zoom, -v.y / v.zoom);
            let visible = spot.x >= x0
                && spot.y >= y0
                && spot.x + NODE_WIDTH <= x0 + w / v.zoom
                && spot.y + 60.0 <= y0 + h / v.zoom;
            if visible {
                spot
            } else {
                near_centre()
            }
        })
    }

    /// The view a document (or a flow, or a new layout) opens with: the whole flow when it
    /// fits at a readable zoom (never above 100%), else readable zoom showing the flow's start.
    pub fn fit(&self) {
        self.fit_within(READABLE_ZOOM);
    }

    /// Zooms and pans so the whole flow is visible, however small (the Fit button), never
    /// above 100%.
    pub fn fit_all(&self) {
        self.fit_within(0.2);
    }

    fn fit_within(&self, min_zoom: f64) {
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
            .clamp(min_zoom, FIT_MAX_ZOOM);
        // Centred along an axis where the drawing fits, else from its left or top end.
        let place = |size: f64, lo: f64, hi: f64| {
            if (hi - lo) * zoom <= size - 2.0 * margin {
                (size - (hi - lo) * zoom) / 2.0 - lo * zoom
            } else {
                margin - lo * zoom
            }
        };
        self.viewport.set(Viewport {
            zoom,
            x: place(w, x0, x1),
            y: place(h, y0, y1),
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
