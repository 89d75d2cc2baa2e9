//! Component tests of the canvas's drawing: connections routed around nodes, a selected node's
//! connections highlighted, new nodes in free space, readable text and the zoom a flow opens at.
//! The page gets the real stylesheet here, since sizes and fonts are what is tested.

use super::*;

const STYLE: &str = include_str!("../../style.css");
const BLANK: &str = include_str!("../../../templates/blank.strata.json");

/// The editor page opened on `template`'s text, styled as in the app, in a 1600×800 frame
/// (whatever the test browser's window), so its canvas is about 1040×560.
async fn open_styled(template: &str) -> (Page, Element) {
    let document = web_sys::window()
        .expect("window")
        .document()
        .expect("document");
    let style = document.create_element("style").expect("style");
    style.set_text_content(Some(&format!(
        "{STYLE}\n#canvas-test .app {{ height: 100%; }}"
    )));
    document
        .head()
        .expect("head")
        .append_child(&style)
        .expect("append");
    install_shell_stub();
    let text = serde_json::to_string(template).expect("text");
    js_sys::eval(&format!("window.__STUB__.new_from_template.text = {text};")).expect("stub");
    let root: HtmlElement = document
        .create_element("div")
        .expect("div")
        .dyn_into()
        .expect("an HTML element");
    root.set_id("canvas-test");
    root.set_attribute(
        "style",
        "position: fixed; left: 0; top: 0; width: 1600px; height: 800px",
    )
    .expect("style");
    let page = Page::mount(root).await;
    // The view is fitted once the canvas has its size.
    tick().await;
    (page, style)
}

/// The viewport's zoom, read from the canvas's transform.
fn zoom(page: &Page) -> f64 {
    let t = page
        .one(r#"#canvas g[transform*="scale("]"#)
        .get_attribute("transform")
        .unwrap_or_default();
    t.split("scale(")
        .nth(1)
        .and_then(|s| s.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("no scale in {t:?}"))
}

/// Each drawn node's rectangle in canvas coordinates: name → (x, y, width, height).
fn node_rects() -> Vec<(String, [f64; 4])> {
    let json = js_sys::eval(
        r#"JSON.stringify([...document.querySelectorAll('g.nodes > g.node')].map(g => {
            const m = /translate\(([-\d.e]+) ([-\d.e]+)\)/.exec(g.getAttribute('transform'));
            const b = g.querySelector('rect.body');
            return [g.dataset.node, [+m[1], +m[2], +b.getAttribute('width'), +b.getAttribute('height')]];
        }))"#,
    )
    .expect("rects");
    serde_json::from_str(&json.as_string().unwrap_or_default()).expect("JSON")
}

/// A drawn connection: its source node, its target node and points along its path.
type Sampled = (String, String, Vec<(f64, f64)>);

/// Points every canvas unit along each drawn top-level connection.
fn sampled_connections() -> Vec<Sampled> {
    let json = js_sys::eval(
        r#"JSON.stringify([...document.querySelectorAll('g.connections > path.connection')].map(p => {
            const n = p.getTotalLength(), pts = [];
            for (let l = 0; l <= n; l += 1) { const q = p.getPointAtLength(l); pts.push([q.x, q.y]); }
            return [p.dataset.source, p.dataset.target, pts];
        }))"#,
    )
    .expect("paths");
    serde_json::from_str(&json.as_string().unwrap_or_default()).expect("JSON")
}

/// The first connection point strictly inside a node other than the connection's own ends.
fn crossing(rects: &[(String, [f64; 4])]) -> Option<String> {
    for (source, target, points) in sampled_connections() {
        for (name, [x, y, w, h]) in rects {
            if name == &source || name == &target {
                continue;
            }
            if let Some(p) = points
                .iter()
                .find(|p| p.0 > x + 0.5 && p.0 < x + w - 0.5 && p.1 > y + 0.5 && p.1 < y + h - 0.5)
            {
                return Some(format!("{source} → {target} passes under {name} at {p:?}"));
            }
        }
    }
    None
}

#[wasm_bindgen_test]
async fn connections_never_pass_under_a_node_they_do_not_join() {
    let (page, style) = open_styled(TEMPLATE).await;
    let rects = node_rects();
    assert!(rects.iter().any(|r| r.0 == "Classify") && rects.iter().any(|r| r.0 == "Route"));
    let from_input = sampled_connections()
        .iter()
        .filter(|c| c.0 == "FlowInput")
        .count();
    assert_eq!(from_input, 4, "FlowInput's connections are all drawn");
    assert_eq!(crossing(&rects), None);
    drop(page);
    style.remove();
}

#[wasm_bindgen_test]
async fn a_selected_nodes_connections_are_highlighted_and_the_others_dimmed() {
    let (page, style) = open_styled(TEMPLATE).await;
    assert!(page
        .all("path.connection.dim, path.connection.highlight")
        .is_empty());
    let node = page.one(r#"g.node[data-node="Classify"]"#);
    mouse(&node, "mousedown");
    mouse(&page.one("#canvas"), "mouseup");
    page.until_shown("path.connection.highlight", "the highlight")
        .await;
    for path in page.all("g.connections > path.connection") {
        let source = path.get_attribute("data-source").unwrap_or_default();
        let target = path.get_attribute("data-target").unwrap_or_default();
        let class = path.get_attribute("class").unwrap_or_default();
        let mine = source == "Classify" || target == "Classify";
        assert_eq!(
            class.contains("highlight"),
            mine,
            "{source} → {target}: {class}"
        );
        assert_eq!(class.contains("dim"), !mine, "{source} → {target}: {class}");
    }
    // The highlight is drawn: a different colour from the dimmed lines.
    let colour = |p: &Element| {
        web_sys::window()
            .expect("window")
            .get_computed_style(p)
            .expect("style")
            .expect("style")
            .get_property_value("stroke")
            .expect("stroke")
    };
    let lit = page.one("path.connection.highlight:not(.conditional)");
    let dim = page.one("path.connection.dim:not(.conditional)");
    assert_ne!(colour(&lit), colour(&dim));
    drop(page);
    style.remove();
}

#[wasm_bindgen_test]
async fn new_nodes_land_on_nothing() {
    let (page, style) = open_styled(TEMPLATE).await;
    let before = page.node_names();
    // Three in a row: the first near the middle of the view, the next beside the selection
    // (the node just added).
    for (n, kind) in ["Prompt", "Output", "Condition"].iter().enumerate() {
        page.click(&format!(r#".palette-item[data-kind="{kind}"]"#));
        until("the new node", || {
            page.node_names().len() == before.len() + n + 1
        })
        .await;
        tick().await;
    }
    let rects = node_rects();
    let added: Vec<&(String, [f64; 4])> = rects.iter().filter(|r| !before.contains(&r.0)).collect();
    assert_eq!(added.len(), 3);
    for (name, [x, y, w, h]) in &added {
        for (other, [ox, oy, ow, oh]) in &rects {
            if other == name {
                continue;
            }
            let apart = x + w <= *ox || ox + ow <= *x || y + h <= *oy || oy + oh <= *y;
            assert!(apart, "{name} lands on {other}");
        }
        // No connection runs under it either.
        for (source, target, points) in sampled_connections() {
            assert!(
                !points
                    .iter()
                    .any(|p| p.0 > *x && p.0 < x + w && p.1 > *y && p.1 < y + h),
                "{name} lands on the connection {source} → {target}"
            );
        }
    }
    drop(page);
    style.remove();
}

#[wasm_bindgen_test]
async fn text_is_readable_and_a_small_flow_opens_at_natural_size() {
    let (page, style) = open_styled(TEMPLATE).await;
    let z = zoom(&page);
    assert!((0.8..=1.0).contains(&z), "support-triage opens at zoom {z}");
    let window = web_sys::window().expect("window");
    for text in page.all("g.node text, g.port text, g.port tspan") {
        let size = window
            .get_computed_style(&text)
            .expect("style")
            .expect("style")
            .get_property_value("font-size")
            .expect("font-size");
        let px: f64 = size.trim_end_matches("px").parse().expect("px");
        // At 100% a canvas pixel is a screen pixel; at the opening zoom still ≥ 9.6 px.
        assert!(px >= 12.0, "{:?} is {size}", text.text_content());
        assert!(
            px * z >= 9.6,
            "{:?} is {} px on screen",
            text.text_content(),
            px * z
        );
    }
    // The port labels really are that tall on screen.
    let label = page.one(r#"g.port[data-port="in:Classify:message"] text"#);
    let height = label.get_bounding_client_rect().height();
    assert!(height >= 12.0 * z, "a port label is {height} px tall");
    drop(page);
    style.remove();

    // The blank template (two nodes) is not blown up.
    let (page, style) = open_styled(BLANK).await;
    assert_eq!(zoom(&page), 1.0);
    drop(page);
    style.remove();
}
