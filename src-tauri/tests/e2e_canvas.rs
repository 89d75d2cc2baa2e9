//! The real desktop app's canvas, end to end: the customer-support example opens fitted
//! (never above 100%), its connections run around the nodes they do not join, selecting a
//! node highlights its connections and dims the rest, and nodes added from the palette land
//! on nothing. Screenshots go to the test's temporary folder.
//!
//! Needs what `e2e.rs` needs (`tauri-driver`, `WebKitWebDriver`, Xvfb without a `DISPLAY`)
//! and the UI built first (`ui/build.sh`).

mod support {
    pub mod app;
    pub mod project;
}

use serde_json::Value;
use support::app::{launch, App};
use support::project::copy_example;

/// Each drawn node's rectangle: [name, [x, y, width, height]] in canvas coordinates.
const NODE_RECTS: &str = r#"return [...document.querySelectorAll('g.nodes > g.node')].map(g => {
    const m = /translate\(([-\d.e]+) ([-\d.e]+)\)/.exec(g.getAttribute('transform'));
    const b = g.querySelector('rect.body');
    return [g.dataset.node, [+m[1], +m[2], +b.getAttribute('width'), +b.getAttribute('height')]];
});"#;

/// The connections that pass strictly inside a node other than their own two ends, sampled
/// every canvas unit along each drawn path.
const CROSSINGS: &str = r#"
const rects = [...document.querySelectorAll('g.nodes > g.node')].map(g => {
    const m = /translate\(([-\d.e]+) ([-\d.e]+)\)/.exec(g.getAttribute('transform'));
    const b = g.querySelector('rect.body');
    return [g.dataset.node, +m[1], +m[2], +b.getAttribute('width'), +b.getAttribute('height')];
});
const bad = [];
for (const p of document.querySelectorAll('g.connections > path.connection')) {
    const n = p.getTotalLength();
    for (let l = 0; l <= n; l += 1) {
        const q = p.getPointAtLength(l);
        for (const [name, x, y, w, h] of rects) {
            if (name === p.dataset.source || name === p.dataset.target) continue;
            if (q.x > x + 0.5 && q.x < x + w - 0.5 && q.y > y + 0.5 && q.y < y + h - 0.5) {
                bad.push(`${p.dataset.source} → ${p.dataset.target} under ${name}`);
                l = n + 1;
                break;
            }
        }
    }
}
return bad;"#;

async fn rects(app: &App) -> Vec<(String, [f64; 4])> {
    serde_json::from_value(app.js(NODE_RECTS, vec![]).await).expect("rects")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_canvas_draws_only_connections_that_are_there() {
    let dir = tempfile::tempdir().unwrap();
    let file = copy_example(dir.path(), "customer-support", "support.strata.json");

    let launched = launch(dir.path(), &file).await;
    let app = &launched.app;
    app.until(
        "document.querySelector('g.node[data-node=\"Classify\"]') && document.querySelector('path.connection')",
        "the example's nodes and connections",
    )
    .await;
    app.screenshot("canvas-opened.png").await;

    // Opened fitted, and never blown up past 100%.
    let transform = app
        .read(
            r#"document.querySelector('#canvas g[transform*="scale("]').getAttribute('transform')"#,
        )
        .await;
    let zoom: f64 = transform
        .as_str()
        .and_then(|t| t.split("scale(").nth(1))
        .and_then(|z| z.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("no zoom in {transform}"));
    assert!((0.2..=1.0).contains(&zoom), "opened at zoom {zoom}");

    // No connection runs under a node it does not join.
    assert_eq!(app.js(CROSSINGS, vec![]).await, Value::Array(vec![]));

    // Selecting Classify highlights exactly its connections and dims the others.
    app.select_node("Classify").await;
    app.until_shown(
        "path.connection.highlight",
        "the selected node's connections to light up",
    )
    .await;
    let wrong = app
        .js(
            "return [...document.querySelectorAll('g.connections > path.connection')].filter(p => {
                const mine = p.dataset.source === 'Classify' || p.dataset.target === 'Classify';
                return p.classList.contains('highlight') !== mine || p.classList.contains('dim') === mine;
            }).map(p => p.dataset.connection);",
            vec![],
        )
        .await;
    assert_eq!(wrong, Value::Array(vec![]));
    app.screenshot("canvas-selected.png").await;

    // Nodes added from the palette land on no node and no connection.
    let before: Vec<String> = rects(app).await.into_iter().map(|r| r.0).collect();
    for (n, kind) in ["Prompt", "Output"].iter().enumerate() {
        app.click(&format!("button.palette-item[data-kind=\"{kind}\"]"))
            .await;
        app.until(
            &format!(
                "document.querySelectorAll('g.nodes > g.node').length === {}",
                before.len() + n + 1
            ),
            "the new node",
        )
        .await;
    }
    let all = rects(app).await;
    for (name, [x, y, w, h]) in all.iter().filter(|r| !before.contains(&r.0)) {
        for (other, [ox, oy, ow, oh]) in all.iter().filter(|r| &r.0 != name) {
            let apart = x + w <= *ox || ox + ow <= *x || y + h <= *oy || oy + oh <= *y;
            assert!(apart, "{name} landed on {other}");
        }
    }
    assert_eq!(app.js(CROSSINGS, vec![]).await, Value::Array(vec![]));
    app.screenshot("canvas-added.png").await;
    launched.close().await;
}
