//! Where things sit on the canvas: node boxes, port handles and connection curves.
//!
//! Pure functions of the document, so they are tested natively and the SVG only draws them.

use strata::edit::Clipboard;
use strata::layout::place;
use strata::layout::route::Router;
use strata::layout::Rect;
use strata::model::{FlowConnection, FlowDefinition, FlowNode, Position, Project};
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

    /// The rectangle the node covers.
    pub fn rect(&self) -> Rect {
        Rect::new(self.at.x, self.at.y, NODE_WIDTH, self.height())
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
    box_at(node, at)
}

/// A node drawn at `at`.
pub fn box_at(node: &FlowNode, at: Position) -> NodeBox {
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

/// How far a new node keeps from everything already drawn.
const PLACE_GAP: f64 = 24.0;

/// Where a new node of `kind` goes: the free spot nearest `wanted` (its top-left corner),
/// clear of the flow's nodes, Loop bodies and connections.
pub fn free_spot(project: &Project, flow: &str, kind: NodeType, wanted: Point) -> Position {
    let height = box_at(&(kind.kind().new_node)("new"), Position { x: 0.0, y: 0.0 }).height();
    free_spot_for(project, flow, (NODE_WIDTH, height), wanted)
}

/// Where a pasted group goes: the top-left corner of a free rectangle the size of the group's
/// drawn boxes, nearest `wanted`. `None` when the clipboard holds no placed node.
pub fn paste_spot(
    project: &Project,
    flow: &str,
    clip: &Clipboard,
    wanted: Point,
) -> Option<Position> {
    let placed: Vec<NodeBox> = clip
        .nodes
        .iter()
        .filter_map(|n| clip.positions.get(&n.name).map(|at| box_at(n, *at)))
        .collect();
    let x0 = placed.iter().map(|b| b.at.x).reduce(f64::min)?;
    let y0 = placed.iter().map(|b| b.at.y).reduce(f64::min)?;
    let x1 = placed
        .iter()
        .map(|b| b.at.x + NODE_WIDTH)
        .reduce(f64::max)?;
    let y1 = placed
        .iter()
        .map(|b| b.at.y + b.height())
        .reduce(f64::max)?;
    Some(free_spot_for(project, flow, (x1 - x0, y1 - y0), wanted))
}

/// The free spot for a rectangle of `size` nearest `wanted`, clear of nodes, Loop frames and
/// every straight run of every routed connection.
fn free_spot_for(project: &Project, flow: &str, size: (f64, f64), wanted: Point) -> Position {
    let bs = boxes(project, flow);
    let regions = loop_regions(project, flow, &bs);
    let frames: Vec<Rect> = regions.iter().map(|r| frame_rect(r.frame)).collect();
    let connections = project
        .flow(flow)
        .map(|f| f.definition.connections.clone())
        .unwrap_or_default();
    let mut obstacles: Vec<Rect> = bs.iter().map(NodeBox::rect).chain(frames.clone()).collect();
    // Each straight run of a connection is a thin obstacle.
    for r in routes(&connections, &bs, &frames) {
        obstacles.extend(r.points.windows(2).map(|w| {
            let (x0, y0) = (w[0].0.min(w[1].0), w[0].1.min(w[1].1));
            Rect::new(x0, y0, (w[0].0 - w[1].0).abs(), (w[0].1 - w[1].1).abs())
        }));
    }
    let (x, y) = place::free_spot(&obstacles, size, wanted, PLACE_GAP);
    Position { x, y }
}

pub(crate) fn frame_rect((x, y, w, h): (f64, f64, f64, f64)) -> Rect {
    Rect::new(x, y, w, h)
}

/// One connection as drawn: its corners, routed around the nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub connection: FlowConnection,
    pub points: Vec<Point>,
    pub conditional: bool,
}

/// The connections among `boxes` that have both ends drawn, each routed around every box and
/// every frame in `frames` (Loop bodies), in document order.
pub fn routes(connections: &[FlowConnection], boxes: &[NodeBox], frames: &[Rect]) -> Vec<Route> {
    let obstacles: Vec<Rect> = boxes
        .iter()
        .map(NodeBox::rect)
        .chain(frames.iter().copied())
        .collect();
    let mut router = Router::new(&obstacles);
    connections
        .iter()
        .filter_map(|c| {
            let (from, to, conditional) = connection_points(c, boxes)?;
            Some(Route {
                connection: c.clone(),
                points: router.route(from, to, &c.source),
                conditional,
            })
        })
        .collect()
}

/// The flow's top-level connections, routed around its nodes and Loop bodies.
pub fn flow_routes(project: &Project, flow: &str, boxes: &[NodeBox]) -> Vec<Route> {
    let frames: Vec<Rect> = loop_regions(project, flow, boxes)
        .iter()
        .map(|r| frame_rect(r.frame))
        .collect();
    let connections = project
        .flow(flow)
        .map(|f| f.definition.connections.clone())
        .unwrap_or_default();
    routes(&connections, boxes, &frames)
}

/// An SVG path through `points` with rounded corners.
pub fn rounded_path(points: &[Point]) -> String {
    const RADIUS: f64 = 8.0;
    let Some(first) = points.first() else {
        return String::new();
    };
    let mut d = format!("M {} {}", first.0, first.1);
    for k in 1..points.len() {
        let p = points[k];
        let Some(next) = points.get(k + 1) else {
            d.push_str(&format!(" L {} {}", p.0, p.1));
            break;
        };
        let prev = points[k - 1];
        let len_in = (p.0 - prev.0).abs() + (p.1 - prev.1).abs();
        let len_out = (next.0 - p.0).abs() + (next.1 - p.1).abs();
        let r = RADIUS.min(len_in / 2.0).min(len_out / 2.0);
        let towards = |a: Point, b: Point, len: f64| {
            if len == 0.0 {
                a
            } else {
                (a.0 + (b.0 - a.0) * r / len, a.1 + (b.1 - a.1) * r / len)
            }
        };
        let (a, b) = (towards(p, prev, len_in), towards(p, *next, len_out));
        d.push_str(&format!(
            " L {} {} Q {} {} {} {}",
            a.0, a.1, p.0, p.1, b.0, b.1
        ));
    }
    d
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

/// A point in canvas coordinates.
pub type Point = (f64, f64);

/// Where a connection runs between drawn boxes: from, to, and whether it is conditional.
pub fn connection_points(c: &FlowConnection, boxes: &[NodeBox]) -> Option<(Point, Point, bool)> {
    let find = |n: &str| boxes.iter().find(|b| b.name == n);
    let (s, t) = (find(&c.source)?, find(&c.target)?);
    if let Some(dp) = c.data_ports() {
        let i = s.handles.iter().position(|h| h.0 == dp.source_output)?;
        let j = t.inputs.iter().position(|h| h.0 == dp.target_input)?;
        Some((s.handle_point(i), t.input_point(j), false))
    } else {
        let cond = c.condition()?;
        let i = s.handles.iter().position(|h| h.0 == cond)?;
        Some((s.handle_point(i), t.gate_point(), true))
    }
}

/// A Loop node's body, drawn as a region under the node: the body's own layout, moved so it
/// hangs below its Loop node and follows it when the node moves.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopRegion {
    pub loop_name: String,
    /// (x, y, width, height) of the region's frame.
    pub frame: (f64, f64, f64, f64),
    pub boxes: Vec<NodeBox>,
    pub connections: Vec<FlowConnection>,
}

/// Space between a region's frame and the body nodes, and above them for the label.
const PAD: f64 = 20.0;
const LABEL: f64 = 22.0;

pub fn loop_region(loop_box: &NodeBox, body: &FlowDefinition) -> LoopRegion {
    let laid = strata::layout::auto_layout(body);
    let placed: Vec<(&FlowNode, Position)> = body
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n,
                laid.get(&n.name)
                    .copied()
                    .unwrap_or_else(|| default_position(i)),
            )
        })
        .collect();
    let min_x = placed.iter().map(|p| p.1.x).fold(f64::INFINITY, f64::min);
    let min_y = placed.iter().map(|p| p.1.y).fold(f64::INFINITY, f64::min);
    let origin = (
        loop_box.at.x + PAD,
        loop_box.at.y + loop_box.height() + 40.0 + LABEL + PAD,
    );
    let boxes: Vec<NodeBox> = placed
        .iter()
        .map(|(n, p)| {
            box_at(
                n,
                Position {
                    x: origin.0 + p.x - min_x,
                    y: origin.1 + p.y - min_y,
                },
            )
        })
        .collect();
    let (x1, y1) = bounds(&boxes).map_or((origin.0 + NODE_WIDTH, origin.1 + 60.0), |b| (b.2, b.3));
    let (x0, y0) = (loop_box.at.x, origin.1 - PAD - LABEL);
    LoopRegion {
        loop_name: loop_box.name.clone(),
        frame: (x0, y0, (x1 + PAD - x0).max(NODE_WIDTH), y1 + PAD - y0),
        boxes,
        connections: body.connections.clone(),
    }
}

/// The regions of every top-level Loop node of the flow.
pub fn loop_regions(project: &Project, flow: &str, boxes: &[NodeBox]) -> Vec<LoopRegion> {
    let Some(f) = project.flow(flow) else {
        return vec![];
    };
    f.definition
        .nodes
        .iter()
        .filter_map(|n| {
            let Some(NodeConfiguration::Loop(l)) = &n.configuration else {
                return None;
            };
            let b = boxes.iter().find(|b| b.name == n.name)?;
            Some(loop_region(b, &l.definition))
        })
        .collect()
}

/// The bounds of everything drawn: boxes and loop regions.
pub fn drawing_bounds(project: &Project, flow: &str) -> Option<(f64, f64, f64, f64)> {
    let bs = boxes(project, flow);
    let regions = loop_regions(project, flow, &bs);
    regions.iter().fold(bounds(&bs), |acc, r| {
        let (x, y, w, h) = r.frame;
        Some(match acc {
            None => (x, y, x + w, y + h),
            Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x + w), d.max(y + h)),
        })
    })
}

/// The names of boxes that a rectangle (any two corners) touches.
pub fn boxes_in(boxes: &[NodeBox], a: (f64, f64), b: (f64, f64)) -> Vec<String> {
    let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
    let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
    boxes
        .iter()
        .filter(|n| {
            n.at.x < x1 && n.at.x + NODE_WIDTH > x0 && n.at.y < y1 && n.at.y + n.height() > y0
        })
        .map(|n| n.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project made from the template `name`.
    fn template(name: &str) -> Project {
        strata::templates::instantiate(strata::templates::find(name).unwrap(), "x").unwrap()
    }

    #[test]
    fn condition_nodes_have_one_handle_per_condition() {
        let p = template("support-triage");
        let b = boxes(&p, "triage");
        let route = b.iter().find(|b| b.name == "Route").unwrap();
        assert!(route.is_condition);
        let names: Vec<&str> = route.handles.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(names, ["isBug", "isBilling", "default"]);
        let (x0, _, x1, _) = bounds(&b).unwrap();
        assert!(x1 > x0);
        let spot = free_spot(&p, "triage", NodeType::Prompt, (route.at.x, route.at.y));
        assert!(!b.iter().any(|x| x
            .rect()
            .overlaps(&Rect::new(spot.x, spot.y, NODE_WIDTH, 60.0))));
    }

    /// A pasted group lands where none of its nodes covers a node already there.
    #[test]
    fn a_pasted_group_lands_clear_of_every_node() {
        let mut p = template("support-triage");
        let names = ["Classify".to_owned(), "Route".to_owned()];
        let clip = strata::edit::copy(&p, "triage", &names).unwrap();
        let route = boxes(&p, "triage")
            .into_iter()
            .find(|b| b.name == "Route")
            .unwrap();
        let at = paste_spot(&p, "triage", &clip, (route.at.x, route.at.y)).unwrap();
        let before: Vec<String> = boxes(&p, "triage").into_iter().map(|b| b.name).collect();
        strata::edit::apply(
            &mut p,
            &strata::edit::Command::Paste {
                flow: "triage".into(),
                json: serde_json::to_string(&clip).unwrap(),
                at,
            },
        )
        .unwrap();
        let all = boxes(&p, "triage");
        let (old, new): (Vec<&NodeBox>, Vec<&NodeBox>) =
            all.iter().partition(|b| before.contains(&b.name));
        assert_eq!(new.len(), 2);
        for n in &new {
            for o in &old {
                assert!(
                    !n.rect().overlaps(&o.rect()),
                    "{} pasted over {}",
                    n.name,
                    o.name
                );
            }
        }
    }

    #[test]
    fn routes_avoid_the_nodes_between_their_ends() {
        let p = template("support-triage");
        let b = boxes(&p, "triage");
        let rs = flow_routes(&p, "triage", &b);
        assert_eq!(rs.len(), p.flows[0].definition.connections.len());
        for r in &rs {
            let c = &r.connection;
            let last = r.points.len() - 2;
            for (k, w) in r.points.windows(2).enumerate() {
                for n in &b {
                    let own = n.name == c.source || n.name == c.target;
                    if own && (k == 0 || k == last) {
                        continue;
                    }
                    assert!(
                        !n.rect().cut_by(w[0], w[1]),
                        "{} crosses {}",
                        c.name,
                        n.name
                    );
                }
            }
        }
        let d = rounded_path(&[(0.0, 0.0), (50.0, 0.0), (50.0, 40.0), (90.0, 40.0)]);
        assert_eq!(d, "M 0 0 L 42 0 Q 50 0 50 8 L 50 32 Q 50 40 58 40 L 90 40");
    }

    #[test]
    fn loop_bodies_hang_under_their_loop_node() {
        let p = template("refine-loop");
        let flow = p.flows[0].name.clone();
        let b = boxes(&p, &flow);
        let regions = loop_regions(&p, &flow, &b);
        assert_eq!(regions.len(), 1);
        let r = &regions[0];
        let lp = b.iter().find(|x| x.name == r.loop_name).unwrap();
        assert!(r.frame.1 > lp.at.y + lp.height());
        assert!(!r.boxes.is_empty());
        for inner in &r.boxes {
            assert!(
                inner.at.y >= r.frame.1 && inner.at.y + inner.height() <= r.frame.1 + r.frame.3
            );
        }
        let (_, _, _, y1) = drawing_bounds(&p, &flow).unwrap();
        assert!(y1 >= r.frame.1 + r.frame.3);
    }

    #[test]
    fn a_rectangle_selects_the_boxes_it_touches() {
        let p = template("support-triage");
        let b = boxes(&p, "triage");
        let route = b.iter().find(|b| b.name == "Route").unwrap();
        let hit = boxes_in(
            &b,
            (route.at.x + 5.0, route.at.y + 5.0),
            (route.at.x - 1.0, route.at.y - 1.0),
        );
        assert_eq!(hit, vec!["Route".to_owned()]);
        assert!(boxes_in(&b, (-1e6, -1e6), (-1e6 + 1.0, -1e6 + 1.0)).is_empty());
    }
}
