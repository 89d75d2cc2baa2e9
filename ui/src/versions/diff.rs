//! A comparison on the canvas: the flow with both sides' nodes and connections, each node and
//! connection that differs coloured (added, removed, changed) and the rest faded; beside it the
//! list of every difference and, for the selected node, its configuration field by field.
//! Nothing here edits the document: "Back to editing" returns to the editable canvas.

use super::{Diffing, VersionsState};
use crate::geometry::{self, NodeBox, HEADER, NODE_WIDTH};
use crate::{Editor, Viewport};
use leptos::prelude::*;
use std::collections::BTreeMap;
use strata::lifecycle::{item_key, Change, Mark};
use strata::model::Project;

/// The project as the comparison draws it: the document with the compared flow in its place.
fn drawn_project(ed: Editor, diffing: &Diffing) -> Option<Project> {
    ed.doc.with(|d| {
        let mut project = d.as_ref()?.project.clone();
        match project
            .flows
            .iter_mut()
            .find(|f| f.name == diffing.diff.flow.name)
        {
            Some(f) => *f = diffing.diff.flow.clone(),
            None => project.flows.push(diffing.diff.flow.clone()),
        }
        Some(project)
    })
}

/// The comparison: its summary, the canvas and the selected node's changes.
#[component]
pub fn DiffView() -> impl IntoView {
    let state: VersionsState = expect_context();
    view! {
        <DiffSummary/>
        <DiffCanvas/>
        <div class="inspector diff-inspector" id="diff-inspector">
            {move || node_changes(state)}
        </div>
    }
    .into_any()
}

/// What is compared, the colours, and every difference in a list.
#[component]
fn DiffSummary() -> impl IntoView {
    let state: VersionsState = expect_context();
    let body = move || {
        state.diff.with(|d| {
            let d = d.as_ref()?;
            let count = |mark: Mark| {
                d.diff.nodes.values().filter(|m| **m == mark).count()
                    + d.diff.connections.values().filter(|m| **m == mark).count()
            };
            let rows = d
                .diff
                .changes
                .iter()
                .map(|c| {
                    let (class, node) = match c {
                        Change::Added { what, name } => ("added", (what == "node").then(|| name.clone())),
                        Change::Removed { what, name } => ("removed", (what == "node").then(|| name.clone())),
                        Change::Changed { what, name, .. } => ("changed", (what == "node").then(|| name.clone())),
                    };
                    let pick = node.clone();
                    view! {
                        <li class=format!("diff-change {class}") data-node=node.unwrap_or_default()
                            on:click=move |_| if let Some(n) = &pick { state.selected.set(Some(n.clone())) }>{c.to_string()}</li>
                    }
                })
                .collect_view();
            Some(view! {
                <h3>"Comparing"</h3>
                <p class="diff-sides" id="diff-sides">{format!("{} of {} → {}", super::side_label(d.older), d.flow, super::side_label(d.newer))}</p>
                <ul class="diff-legend">
                    <li class="added">{format!("added: {}", count(Mark::Added))}</li>
                    <li class="removed">{format!("removed: {}", count(Mark::Removed))}</li>
                    <li class="changed">{format!("changed: {}", count(Mark::Changed))}</li>
                </ul>
                <h3>{format!("Differences ({})", d.diff.changes.len())}</h3>
                {d.diff.changes.is_empty().then(|| view! { <p class="hint">"None: the two sides are the same."</p> })}
                <ul class="diff-changes" id="diff-changes">{rows}</ul>
            })
        })
    };
    view! {
        <div class="palette diff-summary" id="diff-summary">
            <button id="diff-close" class="primary" title="Leave the comparison and edit the flow again"
                on:click=move |_| state.close_diff()>"← Back to editing"</button>
            {body}
        </div>
    }
}

/// The compared flow, drawn read-only; a click on a node selects it, a drag pans.
#[component]
fn DiffCanvas() -> impl IntoView {
    let ed: Editor = expect_context();
    let state: VersionsState = expect_context();
    let pan = RwSignal::new(None::<((f64, f64), Viewport)>);
    let on_down = move |ev: leptos::ev::MouseEvent| {
        let start = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        pan.set(Some((start, ed.viewport.get_untracked())));
    };
    let on_move = move |ev: leptos::ev::MouseEvent| {
        if let Some((from, start)) = pan.get_untracked() {
            ed.viewport.set(Viewport {
                x: start.x + f64::from(ev.client_x()) - from.0,
                y: start.y + f64::from(ev.client_y()) - from.1,
                zoom: start.zoom,
            });
        }
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        ed.zoom_by(if ev.delta_y() < 0.0 { 1.1 } else { 1.0 / 1.1 }, None);
    };
    let transform = move || {
        let v = ed.viewport.get();
        format!("translate({} {}) scale({})", v.x, v.y, v.zoom)
    };
    let drawn = move || {
        let diffing = state.diff.get()?;
        let project = drawn_project(ed, &diffing)?;
        let flow = diffing.diff.flow.name.clone();
        let boxes = geometry::boxes(&project, &flow);
        let selected = state.selected.get();
        let paths = geometry::flow_routes(&project, &flow, &boxes)
            .into_iter()
            .map(|r| diff_connection(&r, &diffing.diff.connections, None))
            .collect_view();
        let nodes = boxes
            .iter()
            .map(|b| diff_node(state, b, None, &diffing.diff.nodes, selected.as_deref()))
            .collect_view();
        let regions = geometry::loop_regions(&project, &flow, &boxes)
            .iter()
            .map(|r| diff_region(state, r, &diffing.diff, selected.as_deref()))
            .collect_view();
        Some(
            view! { <g class="regions">{regions}</g><g class="connections">{paths}</g><g class="nodes">{nodes}</g> },
        )
    };
    view! {
        <div class="canvas-wrap diff-wrap">
            <svg id="diff-canvas" class="canvas diff-canvas" on:mousedown=on_down on:mousemove=on_move
                on:mouseup=move |_| pan.set(None) on:mouseleave=move |_| pan.set(None) on:wheel=on_wheel>
                <defs>
                    <marker id="diff-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b"></path>
                    </marker>
                </defs>
                <rect class="grid" width="100%" height="100%" fill="url(#grid)"></rect>
                <g transform=transform>{drawn}</g>
            </svg>
            <div class="diff-banner">"Comparing versions — read only. "
                <button on:click=move |_| state.close_diff()>"Back to editing"</button>
            </div>
        </div>
    }
}

/// A Loop node's body, framed under the node as the editor draws it, its nodes and
/// connections marked like the flow's (by their `Loop/Name` keys).
fn diff_region(
    state: VersionsState,
    r: &geometry::LoopRegion,
    diff: &strata::lifecycle::FlowDiff,
    selected: Option<&str>,
) -> AnyView {
    let (x, y, w, h) = r.frame;
    let parent = Some(r.loop_name.as_str());
    let paths = geometry::routes(&r.connections, &r.boxes, &[])
        .iter()
        .map(|route| diff_connection(route, &diff.connections, parent))
        .collect_view();
    let nodes = r
        .boxes
        .iter()
        .map(|b| diff_node(state, b, parent, &diff.nodes, selected))
        .collect_view();
    view! {
        <g class="loop-region" data-loop=r.loop_name.clone()>
            <rect class="frame" x=x y=y width=w height=h rx="12"></rect>
            <text class="frame-label" x={x + 12.0} y={y + 16.0}>{format!("{} body", r.loop_name)}</text>
            <g class="body">{paths}{nodes}</g>
        </g>
    }
    .into_any()
}

/// One connection of the comparison (of Loop `parent`'s body, if given), marked.
fn diff_connection(
    r: &geometry::Route,
    marks: &BTreeMap<String, Mark>,
    parent: Option<&str>,
) -> AnyView {
    let c = &r.connection;
    let key = item_key(parent, &c.name);
    let mark = marks.get(&key).copied();
    view! {
        <path class="connection diff-connection" class:conditional=r.conditional
            data-connection=key.clone() data-diff=mark.map(Mark::name)
            d=geometry::rounded_path(&r.points) marker-end="url(#diff-arrow)">
            <title>{format!("{} → {}: {key}{}", c.source, c.target, mark.map_or(String::new(), |m| format!(" ({})", m.name())))}</title>
        </path>
    }
    .into_any()
}

/// One node of the comparison (of Loop `parent`'s body, if given): its box, ports, and what
/// happened to it.
fn diff_node(
    state: VersionsState,
    b: &NodeBox,
    parent: Option<&str>,
    marks: &BTreeMap<String, Mark>,
    selected: Option<&str>,
) -> AnyView {
    let name = item_key(parent, &b.name);
    let mark = marks.get(&name).copied();
    let selected = selected == Some(name.as_str());
    let h = b.height();
    let inputs = b
        .inputs
        .iter()
        .enumerate()
        .map(|(i, (port, _))| view! { <text class="port-label" x="12" y={b.input_y(i) + 4.0}>{port.clone()}</text> })
        .collect_view();
    let handles = b
        .handles
        .iter()
        .enumerate()
        .map(|(i, (handle, _))| view! {
            <text class="port-label" x={NODE_WIDTH - 12.0} y={b.handle_y(i) + 4.0} text-anchor="end">{handle.clone()}</text>
        })
        .collect_view();
    view! {
        <g class="node diff-node" class:selected=selected data-node=name.clone() data-diff=mark.map(Mark::name)
            transform=format!("translate({} {})", b.at.x, b.at.y)
            on:mousedown=move |ev| { ev.stop_propagation(); state.selected.set(Some(name.clone())); }>
            <rect class="body" width=NODE_WIDTH height=h rx="8"></rect>
            <path class="header" d=format!("M 0 8 A 8 8 0 0 1 8 0 L {w8} 0 A 8 8 0 0 1 {w} 8 L {w} {HEADER} L 0 {HEADER} Z", w = NODE_WIDTH, w8 = NODE_WIDTH - 8.0) fill=b.colour></path>
            <text class="icon" x="12" y="21">{b.icon}</text>
            <text class="title" x="34" y="21">{b.name.clone()}</text>
            {inputs}
            {handles}
            {mark.map(|m| view! { <text class="diff-label" x="0" y={h + 16.0}>{m.name()}</text> })}
        </g>
    }
    .into_any()
}

/// The side panel: the selected node's changed fields, before and after.
fn node_changes(state: VersionsState) -> AnyView {
    let Some(node) = state.selected.get() else {
        return view! {
            <h3>"Changes"</h3>
            <p class="hint">"Click a node to see what changed in it, field by field."</p>
        }
        .into_any();
    };
    state.diff.with(|d| {
        let Some(d) = d.as_ref() else {
            return ().into_any();
        };
        let mark = d.diff.nodes.get(&node).copied();
        let rows = d
            .diff
            .node_changes(&node)
            .filter_map(|c| match c {
                Change::Changed {
                    field,
                    before,
                    after,
                    ..
                } => Some(view! {
                    <tr class="diff-field" data-field=field.clone()>
                        <td class="field" title=field.clone()>{short_field(field)}</td>
                        <td class="before">{json_text(before)}</td>
                        <td class="after">{json_text(after)}</td>
                    </tr>
                }),
                Change::Added { .. } | Change::Removed { .. } => None,
            })
            .collect_view();
        let what = match mark {
            Some(Mark::Added) => format!("Added in {}.", super::side_label(d.newer)),
            Some(Mark::Removed) => format!("Removed: only {} has it.", super::side_label(d.older)),
            Some(Mark::Changed) => format!(
                "Changed from {} to {}:",
                super::side_label(d.older),
                super::side_label(d.newer)
            ),
            None => "The same on both sides.".to_owned(),
        };
        // A Loop body's node is keyed `Loop/Name`: its name, and whose body it is in.
        let (title, body_of) = match node.split_once('/') {
            Some((parent, name)) => (
                name.to_owned(),
                Some(format!("In the body of Loop {parent}.")),
            ),
            None => (node.clone(), None),
        };
        view! {
            <h3 id="diff-node-name" data-node=node.clone()>{title}</h3>
            {body_of.map(|b| view! { <p class="hint">{b}</p> })}
            <p class="summary" id="diff-node-mark" data-diff=mark.map(Mark::name)>{what}</p>
            {(mark == Some(Mark::Changed)).then(|| view! {
                <table class="diff-fields" id="diff-fields">
                    <thead><tr><th>"Field"</th><th>"Before"</th><th>"After"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            })}
        }
        .into_any()
    })
}

/// A node's field without the `configuration.<kind>.` every field of the node shares.
fn short_field(field: &str) -> String {
    match field.strip_prefix("configuration.") {
        Some(rest) => rest.split_once('.').map_or(rest, |(_, f)| f).to_owned(),
        None => field.to_owned(),
    }
}

/// A value as JSON text; nothing shows as "(none)".
fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(none)".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}
