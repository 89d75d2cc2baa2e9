//! One node on the canvas (its ports, handles and problem badge) and a Loop node's body region.

use crate::geometry::{self, NodeBox, HEADER, NODE_WIDTH};
use crate::viewport::to_canvas;
use crate::{Drag, Editor};
use leptos::prelude::*;
use strata::diagnostic::{Diagnostic, Severity};
use strata::edit::Command;

pub(super) fn node_view(
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
            ed.run.selected.set(Some(name.clone()));
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
    let (run, run_name, badge_name) = (ed.run, name.clone(), name.clone());
    view! {
        <g class="node" class:selected=selected class:has-errors={errors > 0} data-node=name.clone()
            data-run=move || crate::run::paint::node_status(run, &run_name)
            transform=format!("translate({} {})", b.at.x, b.at.y) on:mousedown=on_down on:mouseup=on_up>
            <rect class="body" width=NODE_WIDTH height=h rx="8"></rect>
            <path class="header" d=format!("M 0 8 A 8 8 0 0 1 8 0 L {w8} 0 A 8 8 0 0 1 {w} 8 L {w} {HEADER} L 0 {HEADER} Z", w = NODE_WIDTH, w8 = NODE_WIDTH - 8.0) fill=b.colour></path>
            <text class="icon" x="12" y="21">{b.icon}</text>
            <text class="title" x="34" y="21">{name.clone()}</text>
            <title>{kind_tip}</title>
            {inputs}
            {handles}
            {badge}
            {crate::pause::node_marks(&name)}
            {move || crate::run::paint::node_badge(run, &badge_name, h + 16.0)}
        </g>
    }
    .into_any()
}

/// A Loop node's body: a framed region under the node with the body's nodes and
/// connections. Drawn only: edits to a body go through the Loop node's raw JSON.
pub(super) fn loop_region_view(
    ed: Editor,
    flow: &str,
    r: &geometry::LoopRegion,
    diagnostics: &[Diagnostic],
) -> AnyView {
    let (x, y, w, h) = r.frame;
    let paths: Vec<_> = geometry::routes(&r.connections, &r.boxes, &[])
        .into_iter()
        .map(|route| {
            view! {
                <path class="connection" class:conditional=route.conditional d=geometry::rounded_path(&route.points) marker-end="url(#arrow)">
                    <title>{route.connection.name.clone()}</title>
                </path>
            }
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
