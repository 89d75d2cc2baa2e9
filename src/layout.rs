//! Automatic canvas layout: nodes in layers by longest path from the start, left to right,
//! each layer spread vertically. Used for imported flows (which carry no positions) and by
//! the editor's "auto-layout" command.
//!
//! Loop bodies are laid out the same way in a band under their Loop node. The result only
//! depends on the definition, so the same flow always gets the same picture.
//!
//! The canvas's other geometry lives beside it: [`route`] draws connections around nodes and
//! [`place`] finds free space for a new node. All of it is pure and builds for wasm.

pub mod place;
pub mod route;

use crate::model::{FlowDefinition, Position};
use crate::nodes::NodeConfiguration;
use std::collections::{BTreeMap, HashMap};

/// Horizontal distance between layers.
pub const LAYER_WIDTH: f64 = 240.0;
/// Vertical distance between nodes of one layer.
pub const ROW_HEIGHT: f64 = 140.0;
/// Where the first node sits.
pub const ORIGIN: Position = Position { x: 40.0, y: 60.0 };

/// An axis-aligned rectangle on the canvas: a node's box, a Loop body's frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }

    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// The rectangle grown by `m` on every side.
    pub fn inflate(&self, m: f64) -> Rect {
        Rect::new(self.x - m, self.y - m, self.w + 2.0 * m, self.h + 2.0 * m)
    }

    /// Whether the interiors meet (touching edges do not count).
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }

    /// Whether the segment from `a` to `b` (horizontal or vertical) passes through the
    /// interior; running along an edge does not count.
    pub fn cut_by(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
        let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
        if a.1 == b.1 {
            self.y < a.1 && a.1 < self.bottom() && x0 < self.right() && self.x < x1
        } else if a.0 == b.0 {
            self.x < a.0 && a.0 < self.right() && y0 < self.bottom() && self.y < y1
        } else {
            // Diagonal segments do not occur in routes; judge them by their bounding box.
            self.overlaps(&Rect::new(x0, y0, x1 - x0, y1 - y0))
        }
    }
}

/// Positions for every node of the definition, loop bodies included (node name → position).
pub fn auto_layout(definition: &FlowDefinition) -> BTreeMap<String, Position> {
    let mut out = BTreeMap::new();
    place(definition, ORIGIN, &mut out);
    out
}

/// Lays out one level and returns the height it took.
fn place(def: &FlowDefinition, origin: Position, out: &mut BTreeMap<String, Position>) -> f64 {
    let layers = layers(def);
    let mut rows: BTreeMap<usize, usize> = BTreeMap::new();
    let mut height: f64 = 0.0;
    let mut bodies = Vec::new();
    for node in &def.nodes {
        let layer = layers.get(node.name.as_str()).copied().unwrap_or(0);
        let row = rows.entry(layer).or_insert(0);
        let pos = Position {
            x: origin.x + LAYER_WIDTH * layer as f64,
            y: origin.y + ROW_HEIGHT * *row as f64,
        };
        *row += 1;
        height = height.max(ROW_HEIGHT * *row as f64);
        out.insert(node.name.clone(), pos);
        if let Some(NodeConfiguration::Loop(l)) = &node.configuration {
            bodies.push((pos, &l.definition));
        }
    }
    // Loop bodies go in a band below this level, each starting under its Loop node.
    let mut band_y = origin.y + height;
    for (pos, body) in bodies {
        let h = place(
            body,
            Position {
                x: pos.x + 20.0,
                y: band_y,
            },
            out,
        );
        band_y += h;
        height += h;
    }
    height
}

/// The longest-path layer of each node: 0 for nodes nothing feeds, else one more than the
/// deepest node feeding it. Cycles (which the compiler reports) are cut by bounding the
/// relaxation to as many rounds as there are nodes.
fn layers(def: &FlowDefinition) -> HashMap<&str, usize> {
    let mut layer: HashMap<&str, usize> = def.nodes.iter().map(|n| (n.name.as_str(), 0)).collect();
    for _ in 0..def.nodes.len() {
        let mut changed = false;
        for c in &def.connections {
            let (Some(&s), Some(&t)) = (layer.get(c.source.as_str()), layer.get(c.target.as_str()))
            else {
                continue;
            };
            if t < s + 1 {
                layer.insert(c.target.as_str(), s + 1);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    layer
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first flow of the template `name`.
    fn template_flow(name: &str) -> crate::model::FlowDefinition {
        let template = crate::templates::find(name).expect("template");
        let project = crate::templates::instantiate(template, "t").expect("loads");
        project.flows[0].definition.clone()
    }

    #[test]
    fn layers_follow_the_longest_path() {
        let pos = auto_layout(&template_flow("support-triage"));
        assert_eq!(pos["FlowInput"].x, 40.0);
        assert_eq!(pos["Classify"].x, 40.0 + LAYER_WIDTH);
        assert_eq!(pos["Route"].x, 40.0 + 2.0 * LAYER_WIDTH);
        assert_eq!(pos["DocsAnswer"].x, 40.0 + 3.0 * LAYER_WIDTH);
        assert_eq!(pos["BugReply"].x, 40.0 + 4.0 * LAYER_WIDTH);
        assert_ne!(pos["DocsAnswer"].y, pos["Billing"].y);
    }

    #[test]
    fn cycles_and_loop_bodies_are_placed() {
        let mut def = template_flow("refine-loop");
        let pos = auto_layout(&def);
        assert!(pos.contains_key("LoopEnd"));
        assert!(pos["LoopStart"].y > pos["Refine"].y);
        def.connections.push(crate::model::FlowConnection::data(
            "FlowOutput",
            "x",
            "FlowInput",
            "y",
        ));
        assert_eq!(auto_layout(&def).len(), pos.len());
    }
}
