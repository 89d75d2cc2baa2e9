//! Where things sit on the canvas: node boxes, port handles and connection curves.
//!
//! Pure functions of the document, so they are tested natively and the SVG only draws them.

use strata::model::{FlowNode, Position, Project};
use strata::nodes::{NodeConfiguration, NodeType};

pub const NODE_WIDTH: f64 = 180.0;
pub const HEADER: f64 = 32.0;
pub const ROW: f64 = 22.0;

/// One node as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    pub name: String,
    pub kind: Option<NodeType>,
    pub type_label: String,
    pub icon: &'static str,
    pub colour: &'static str,
    pub at: Position,
    /// Input ports: name and declared type.
    pub inputs: Vec<(String, String)>,
    /// Handles on the right: outputs (name, type), or a Condition node's conditions (name, "").
    pub handles: Vec<(String, String)>,
    pub is_condition: bool,
}

impl NodeBox {
    /// Inputs come first, one row each, then the handles, so labels never share a row.
    pub fn height(&self) -> f64 {
        HEADER + ROW * (self.inputs.len() + self.handles.len()).max(1) as f64 + 6.0
    }

    /// The y of input row `i`, relative to the node.
    pub fn input_y(&self, i: usize) -> f64 {
        HEADER + 3.0 + ROW * i as f64 + ROW / 2.0
    }

    /// The y of handle row `i`, relative to the node.
    pub fn handle_y(&self, i: usize) -> f64 {
        self.input_y(self.inputs.len() + i)
    }

    pub fn input_point(&self, i: usize) -> (f64, f64) {
        (self.at.x, self.at.y + self.input_y(i))
    }

    pub fn handle_point(&self, i: usize) -> (f64, f64) {
        (self.at.x + NODE_WIDTH, self.at.y + self.handle_y(i))
    }

    /// Where a conditional connection arrives: the left end of the header.
    pub fn gate_point(&self) -> (f64, f64) {
        (self.at.x, self.at.y + HEADER / 2.0)
    }
}

/// Where a node without a canvas entry is drawn: a row along the top, in document order.
pub fn default_position(index: usize) -> Position {
    Position {
        x: 40.0 + 240.0 * index as f64,
        y: 40.0,
    }
}

pub fn node_box(project: &Project, flow: &str, index: usize, node: &FlowNode) -> NodeBox {
    let at = strata::edit::position(project, flow, &node.name)
        .unwrap_or_else(|| default_position(index));
    let kind = node.kind();
    let (icon, colour) = kind.map_or(("?", "#718096"), |k| (k.kind().icon, k.kind().colour));
    let conditions = match &node.configuration {
        Some(NodeConfiguration::Condition(c)) if kind == Some(NodeType::Condition) => Some(
            c.conditions
                .iter()
                .map(|c| (c.name.clone(), String::new()))
                .collect(),
        ),
        _ => None,
    };
    NodeBox {
        name: node.name.clone(),
        kind,
        type_label: node.node_type.as_str().to_owned(),
        icon,
        colour,
        at,
        inputs: node
            .inputs
            .iter()
            .map(|i| (i.name.clone(), i.data_type.as_str().to_owned()))
            .collect(),
        is_condition: conditions.is_some(),
        handles: conditions.unwrap_or_else(|| {
            node.outputs
                .iter()
                .map(|o| (o.name.clone(), o.data_type.as_str().to_owned()))
                .collect()
        }),
    }
}

/// Every top-level node of a flow, as drawn.
pub fn boxes(project: &Project, flow: &str) -> Vec<NodeBox> {
    project
        .flow(flow)
        .map(|f| {
            f.definition
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| node_box(project, flow, i, n))
                .collect()
        })
        .unwrap_or_default()
}

/// The first place at or below `wanted` where a new node overlaps none of `placed`.
pub fn free_spot(placed: &[NodeBox], wanted: (f64, f64)) -> Position {
    let clear = |x: f64, y: f64| {
        placed.iter().all(|b| {
            x + NODE_WIDTH + 20.0 <= b.at.x
                || b.at.x + NODE_WIDTH + 20.0 <= x
                || y + 80.0 <= b.at.y
                || b.at.y + b.height() + 20.0 <= y
        })
    };
    let y = (0..60)
        .map(|i| wanted.1 + 30.0 * f64::from(i))
        .find(|y| clear(wanted.0, *y))
        .unwrap_or(wanted.1);
    Position { x: wanted.0, y }
}

/// A connection curve from an output handle to an input.
pub fn curve(from: (f64, f64), to: (f64, f64)) -> String {
    let dx = ((to.0 - from.0).abs() / 2.0).max(40.0);
    format!(
        "M {} {} C {} {}, {} {}, {} {}",
        from.0,
        from.1,
        from.0 + dx,
        from.1,
        to.0 - dx,
        to.1,
        to.0,
        to.1
    )
}

/// The smallest rectangle holding every box: (min x, min y, max x, max y).
pub fn bounds(boxes: &[NodeBox]) -> Option<(f64, f64, f64, f64)> {
    boxes.iter().fold(None, |acc, b| {
        let (x0, y0, x1, y1) = (b.at.x, b.at.y, b.at.x + NODE_WIDTH, b.at.y + b.height());
        Some(match acc {
            None => (x0, y0, x1, y1),
            Some((a, b_, c, d)) => (a.min(x0), b_.min(y0), c.max(x1), d.max(y1)),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_nodes_have_one_handle_per_condition() {
        let t = strata::templates::find("support-triage").unwrap();
        let p = strata::templates::instantiate(t, "x").unwrap();
        let b = boxes(&p, "triage");
        let route = b.iter().find(|b| b.name == "Route").unwrap();
        assert!(route.is_condition);
        let names: Vec<&str> = route.handles.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(names, ["isBug", "isBilling", "default"]);
        let (x0, _, x1, _) = bounds(&b).unwrap();
        assert!(x1 > x0);
        let spot = free_spot(&b, (route.at.x, route.at.y));
        assert!(spot.y >= route.at.y + route.height());
    }
}
