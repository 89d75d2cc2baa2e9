//! What the canvas paints of the run: each node's status and badge, each connection's mark.
//! Read reactively from [`RunState`], so a batch of events repaints only what reads it.

use super::RunState;
use leptos::prelude::*;
use strata::model::FlowConnection;
use strata::trace::view::{duration_text, NodeStatus, NodeView};

/// The node's status name (`done`, `failed`…), or `None` with no run on the canvas.
pub fn node_status(run: RunState, node: &str) -> Option<&'static str> {
    run.view.with(|v| v.as_ref().map(|v| v.status(node).name()))
}

/// `carried`, `fired` or nothing, for a connection.
pub fn connection_mark(run: RunState, connection: &FlowConnection) -> Option<&'static str> {
    run.view.with(|v| {
        let state = v.as_ref()?.connection(connection);
        if state.fired {
            Some("fired")
        } else if state.carried {
            Some("carried")
        } else {
            None
        }
    })
}

/// The badge under a node: its duration, tokens and cost, or why it failed or was skipped.
pub fn node_badge(run: RunState, node: &str, y: f64) -> Option<AnyView> {
    let (text, title, status) = run.view.with(|v| {
        let v = v.as_ref()?;
        let status = v.status(node).clone();
        let n = v.nodes.get(node);
        Some(match &status {
            NodeStatus::Waiting => return None,
            NodeStatus::Failed { error, hint } => {
                let title = if hint.is_empty() {
                    error.clone()
                } else {
                    format!("{error}\nhint: {hint}")
                };
                (format!("✕ {}", short(error, 40)), title, status)
            }
            NodeStatus::Skipped { reason } => (
                format!("skipped: {}", short(reason, 34)),
                reason.clone(),
                status,
            ),
            NodeStatus::Reused { reason } => (short(reason, 40), reason.clone(), status),
            NodeStatus::Running | NodeStatus::Done | NodeStatus::Paused | NodeStatus::Cancelled => {
                let figures = n.map(figures).unwrap_or_default();
                let title = format!("{}: {figures}", status.name());
                (figures, title, status)
            }
        })
    })?;
    let hint = match &status {
        NodeStatus::Failed { hint, .. } if !hint.is_empty() => Some(view! {
            <text class="run-hint" x="0" y={y + 14.0}>{short(hint, 48)}</text>
        }),
        _ => None,
    };
    Some(
        view! {
            <g class="run-badge" data-status=status.name()>
                <text class="run-figures" x="0" y=y>{text}</text>
                {hint}
                <title>{title}</title>
            </g>
        }
        .into_any(),
    )
}

/// `1.2 s · 1100 tok · $0.0015`: what a node took.
fn figures(n: &NodeView) -> String {
    let mut parts = Vec::new();
    if let Some(ms) = n.duration_ms() {
        parts.push(duration_text(ms));
    }
    let tokens = n.usage.input_tokens + n.usage.output_tokens;
    if tokens > 0 {
        parts.push(format!("{tokens} tok"));
    }
    if n.cost.usd > 0.0 {
        parts.push(format!("${:.4}", n.cost.usd));
    }
    if n.runs > 1 {
        parts.push(format!("×{}", n.runs));
    }
    parts.join(" · ")
}

/// At most `max` characters, with an ellipsis when cut.
fn short(text: &str, max: usize) -> String {
    let first_line = text.lines().next().unwrap_or_default();
    if first_line.chars().count() <= max && first_line.len() == text.len() {
        return text.to_owned();
    }
    let cut: String = first_line.chars().take(max).collect();
    format!("{cut}…")
}
