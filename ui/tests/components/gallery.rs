//! Component tests of the gallery (issue 17 item 4): New opens a card per template and example
//! with its canvas drawn small, description, node kinds and agents badge; Escape closes it;
//! choosing a card or a recent file goes through the unsaved-changes prompt; with no file to
//! open, the app starts on the gallery and its recent files.

use super::events::keydown;
use super::{calls, until, Page};
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

/// What the shell's `gallery_list` answers: the core's entries with their projects' text.
fn cards() -> Value {
    Value::Array(
        strata::gallery::entries()
            .into_iter()
            .map(|e| {
                let mut card = serde_json::to_value(&e).expect("an entry serialises");
                card["project"] = json!(e.project.to_json());
                card
            })
            .collect(),
    )
}

/// Gives the shell stub a gallery and recent files (one of them gone).
fn stub_gallery() {
    let script = format!(
        "window.__STUB__.gallery_list = {}; window.__STUB__.recent_list = {};",
        cards(),
        json!([
            {"path": "/home/ann/kept.strata.json", "name": "kept.strata.json", "exists": true},
            {"path": "/home/ann/gone.strata.json", "name": "gone.strata.json", "exists": false},
        ])
    );
    js_sys::eval(&script).expect("the gallery stub");
}

fn called(cmd: &str) -> Vec<Value> {
    calls().into_iter().filter(|c| c["cmd"] == cmd).collect()
}

fn active(attr: &str) -> Option<String> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .and_then(|e| e.get_attribute(attr))
}

fn press(key: &str) {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .expect("a focused element")
        .dispatch_event(&keydown(key, false))
        .expect("dispatch");
}

/// New, then the card `name`: what the toolbar's New does now.
pub(super) async fn new_from(page: &Page, name: &str) {
    stub_gallery();
    page.click("#new");
    let card = format!(r#".gallery-card[data-entry="{name}"]"#);
    page.until_shown(&card, "the gallery's card").await;
    page.click(&card);
    until("the gallery to close", || page.all("#gallery").is_empty()).await;
}

#[wasm_bindgen_test]
async fn new_opens_a_card_per_template_and_example_drawn_from_its_canvas() {
    let page = Page::open().await;
    assert!(page.all("#gallery").is_empty(), "no gallery without one");
    stub_gallery();
    page.press_ctrl("n");
    let entries = strata::gallery::entries();
    until("every card", || {
        page.all(".gallery-card").len() == entries.len()
    })
    .await;
    for e in &entries {
        let card = format!(r#".gallery-card[data-entry="{}"]"#, e.name);
        let text = page.one(&card).text_content().unwrap_or_default();
        assert!(text.contains(&e.title), "{text:?}");
        assert!(text.contains(e.description), "{text:?}");
        // One box per node of the flow (a Loop's body in its region), where its canvas puts it.
        let flow = e.project.flows.first().expect("a flow");
        assert_eq!(
            page.all(&format!("{card} .thumb .thumb-box")).len(),
            flow.definition.all_nodes().len(),
            "{}",
            e.name
        );
        assert!(
            page.all(&format!("{card} .thumb .thumb-link")).len()
                >= flow.definition.connections.len(),
            "{}",
            e.name
        );
        let chips: Vec<String> = page
            .all(&format!("{card} .chip"))
            .iter()
            .filter_map(|c| c.text_content())
            .collect();
        assert_eq!(chips, e.node_kinds, "{}", e.name);
        assert_eq!(
            page.all(&format!("{card} .badge-agents")).len(),
            usize::from(e.has_agents),
            "{}",
            e.name
        );
    }
    assert_eq!(
        page.one(r#".gallery-card[data-entry="customer-support"] .card-kind"#)
            .text_content()
            .as_deref(),
        Some("Example")
    );
    // The thumbnails are the gallery's own: the canvas still shows only the document's nodes.
    assert!(page.all("#gallery g.node").is_empty());

    // The keyboard: the first card has it, Escape closes and changes nothing.
    until("the first card focused", || {
        active("data-entry").as_deref() == Some(entries[0].name)
    })
    .await;
    let before = page.node_names();
    let news = called("new_from_template").len();
    press("Escape");
    until("the gallery to close", || page.all("#gallery").is_empty()).await;
    assert_eq!(page.node_names(), before);
    assert_eq!(called("new_from_template").len(), news);
}

#[wasm_bindgen_test]
async fn a_card_makes_a_new_project_after_the_unsaved_prompt() {
    let page = Page::open().await;
    let news = called("new_from_template").len();
    new_from(&page, "customer-support").await;
    until("the example asked for", || {
        called("new_from_template").len() == news + 1
    })
    .await;
    assert_eq!(
        called("new_from_template").last().expect("a call")["args"]["name"],
        "customer-support"
    );

    // With unsaved changes the prompt asks first; Cancel keeps them and makes nothing.
    let before = page.node_names().len();
    page.click(r#".palette-item[data-kind="Prompt"]"#);
    until("the new node", || page.node_names().len() == before + 1).await;
    new_from(&page, "blank").await;
    page.until_shown("#unsaved", "the unsaved prompt").await;
    page.click("#unsaved-cancel");
    until("the prompt to go", || page.all("#unsaved").is_empty()).await;
    assert_eq!(page.node_names().len(), before + 1);
    assert_eq!(called("new_from_template").len(), news + 1);
    // Don't save: then the new project.
    new_from(&page, "blank").await;
    page.until_shown("#unsaved", "the unsaved prompt").await;
    page.click("#unsaved-discard");
    until("blank asked for", || {
        called("new_from_template").len() == news + 2
    })
    .await;
}

#[wasm_bindgen_test]
async fn recent_files_open_after_the_prompt_and_a_missing_one_is_greyed() {
    let page = Page::open().await;
    stub_gallery();
    page.click("#new");
    until("the recent files", || page.all(".recent-file").len() == 2).await;
    let gone = page.one(r#".recent-file[data-path="/home/ann/gone.strata.json"]"#);
    assert!(gone.class_list().contains("missing"));
    assert!(gone
        .dyn_ref::<web_sys::HtmlButtonElement>()
        .expect("a button")
        .disabled());
    assert!(page
        .one(".gallery-recent")
        .text_content()
        .unwrap_or_default()
        .contains("kept.strata.json"));

    // A change, then the kept file: the prompt first, Don't save, then it opens.
    page.click("#gallery-close");
    until("the gallery to close", || page.all("#gallery").is_empty()).await;
    let before = page.node_names().len();
    page.click(r#".palette-item[data-kind="Prompt"]"#);
    until("the new node", || page.node_names().len() == before + 1).await;
    page.click("#new");
    until("the recent files", || page.all(".recent-file").len() == 2).await;
    page.one(r#".recent-file[data-path="/home/ann/kept.strata.json"]"#)
        .dyn_into::<HtmlElement>()
        .expect("a button")
        .click();
    page.until_shown("#unsaved", "the unsaved prompt").await;
    assert!(called("open").is_empty(), "nothing opens before the answer");
    page.click("#unsaved-discard");
    until("the file asked for", || !called("open").is_empty()).await;
    assert_eq!(
        called("open")[0]["args"]["path"],
        "/home/ann/kept.strata.json"
    );
}

#[wasm_bindgen_test]
async fn with_no_file_to_open_the_app_starts_on_the_gallery() {
    super::install_shell_stub();
    stub_gallery();
    let page = Page::mount_new().await;
    page.until_shown("#gallery .gallery-card", "the start screen")
        .await;
    until("its recent files", || page.all(".recent-file").len() == 2).await;
    page.click("#gallery-close");
    until("the gallery to close", || page.all("#gallery").is_empty()).await;
}
