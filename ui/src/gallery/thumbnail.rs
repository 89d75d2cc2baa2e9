//! A gallery card's thumbnail: the project's first flow as the canvas lays it out (the same
//! [`crate::geometry`] boxes, Loop bodies and routed connections), drawn small.

use crate::geometry::{self, LoopRegion, NodeBox, Route, HEADER, NODE_WIDTH};
use leptos::prelude::*;
use strata::model::Project;

/// Margin around the drawing, in canvas units.
const MARGIN: f64 = 24.0;

/// What a thumbnail draws, in canvas coordinates.
#[derive(Debug, Clone)]
pub struct Shapes {
    /// `x y width height` of the SVG's view box.
    pub view_box: String,
    pub boxes: Vec<NodeBox>,
    pub regions: Vec<LoopRegion>,
    pub routes: Vec<Route>,
}

/// The flow `flow` of `project` as the canvas lays it out; `None` for a flow with nothing drawn.
pub fn shapes(project: &Project, flow: &str) -> Option<Shapes> {
    let (x0, y0, x1, y1) = geometry::drawing_bounds(project, flow)?;
    let boxes = geometry::boxes(project, flow);
    let regions = geometry::loop_regions(project, flow, &boxes);
    let routes = geometry::flow_routes(project, flow, &boxes);
    Some(Shapes {
        view_box: format!(
            "{} {} {} {}",
            x0 - MARGIN,
            y0 - MARGIN,
            x1 - x0 + 2.0 * MARGIN,
            y1 - y0 + 2.0 * MARGIN
        ),
        boxes,
        regions,
        routes,
    })
}

fn box_view(b: &NodeBox) -> impl IntoView {
    let h = b.height();
    view! {
        <g class="thumb-box" data-thumb-node=b.name.clone() transform=format!("translate({} {})", b.at.x, b.at.y)>
            <title>{format!("{} ({})", b.name, b.type_label)}</title>
            <rect class="thumb-body" width=NODE_WIDTH height=h rx="8"></rect>
            <rect class="thumb-header" width=NODE_WIDTH height=HEADER rx="8" fill=b.colour></rect>
            <rect width=NODE_WIDTH height="8" y=HEADER - 8.0 fill=b.colour></rect>
        </g>
    }
}

/// The thumbnail of `flow` in `project`.
#[component]
pub fn Thumbnail(project: Project, flow: String) -> impl IntoView {
    let Some(s) = shapes(&project, &flow) else {
        return view! { <div class="thumb thumb-empty">"(no nodes)"</div> }.into_any();
    };
    let regions = s
        .regions
        .iter()
        .map(|r| {
            let (x, y, w, h) = r.frame;
            let inner = geometry::routes(&r.connections, &r.boxes, &[]);
            view! {
                <rect class="thumb-region" x=x y=y width=w height=h rx="10"></rect>
                {inner.iter().map(|route| view! {
                    <path class="thumb-link" class:conditional=route.conditional d=geometry::rounded_path(&route.points)></path>
                }).collect_view()}
                {r.boxes.iter().map(box_view).collect_view()}
            }
        })
        .collect_view();
    let links = s
        .routes
        .iter()
        .map(|r| {
            view! {
                <path class="thumb-link" class:conditional=r.conditional d=geometry::rounded_path(&r.points)></path>
            }
        })
        .collect_view();
    let boxes = s.boxes.iter().map(box_view).collect_view();
    view! {
        <svg class="thumb" viewBox=s.view_box preserveAspectRatio="xMidYMid meet" aria-hidden="true">
            {regions}
            {links}
            {boxes}
        </svg>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One box per node of the flow (a Loop's body drawn in its region), one line per connection.
    #[test]
    fn a_thumbnail_has_one_box_per_node_and_a_line_per_connection() {
        for e in strata::gallery::entries() {
            let flow = e.project.flows.first().expect("a flow");
            let s = shapes(&e.project, &flow.name).expect("something drawn");
            let drawn: usize =
                s.boxes.len() + s.regions.iter().map(|r| r.boxes.len()).sum::<usize>();
            assert_eq!(drawn, flow.definition.all_nodes().len(), "{}", e.name);
            assert_eq!(s.boxes.len(), flow.definition.nodes.len(), "{}", e.name);
            assert_eq!(
                s.routes.len(),
                flow.definition.connections.len(),
                "{}",
                e.name
            );
            // The boxes sit where the project's canvas puts them.
            for b in &s.boxes {
                assert_eq!(
                    Some(b.at),
                    strata::edit::position(&e.project, &flow.name, &b.name),
                    "{}: {}",
                    e.name,
                    b.name
                );
            }
        }
    }
}
