//! Component tests of issue 12's editor items: New and Open ask before unsaved changes go, the
//! inspector says what the compiler says, flows are added, renamed and deleted, and the small
//! things (focused dialog fields, no "+ output" on Output, About's version).

use super::{calls, type_into, until, Page, TEMPLATE};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

fn called(cmd: &str) -> usize {
    calls().iter().filter(|c| c["cmd"] == cmd).count()
}

fn active_id() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .map(|e| e.id())
        .unwrap_or_default()
}

pub(super) fn choose(select: &Element, value: &str) {
    let s = select
        .dyn_ref::<web_sys::HtmlSelectElement>()
        .expect("a select");
    s.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("change", &init).expect("event");
    select.dispatch_event(&event).expect("dispatch");
}

fn flow_options(page: &Page) -> Vec<String> {
    page.all("#flow option")
        .iter()
        .map(|o| o.text_content().unwrap_or_default())
        .collect()
}

fn flow_shown(page: &Page) -> String {
    page.select("#flow").value()
}

/// Adds a node of `kind` from the palette and waits for it to be drawn.
async fn add(page: &Page, kind: &str) {
    let before = page.node_names().len();
    page.click(&format!(r#".palette-item[data-kind="{kind}"]"#));
    until("the new node", || page.node_names().len() == before + 1).await;
}

#[wasm_bindgen_test]
async fn new_and_open_ask_before_unsaved_changes_go() {
    let page = Page::open().await;
    let news = called("new_from_template");
    add(&page, "Prompt").await;
    let edited = page.node_names();

    // New (through the gallery) asks; Cancel keeps the edits and makes nothing.
    super::gallery::new_from(&page, "support-triage").await;
    page.until_shown("#unsaved", "the unsaved prompt").await;
    assert_eq!(active_id(), "unsaved-save", "the prompt takes the keyboard");
    page.click("#unsaved-cancel");
    until("the prompt to go", || page.all("#unsaved").is_empty()).await;
    assert_eq!(page.node_names(), edited);
    assert_eq!(called("new_from_template"), news);

    // Open asks too; Cancel shows no Open dialog.
    page.press_ctrl("o");
    page.until_shown("#unsaved", "the unsaved prompt").await;
    page.click("#unsaved-cancel");
    until("the prompt to go", || page.all("#unsaved").is_empty()).await;
    assert!(page.all("#dialog").is_empty());

    // Save: with no path yet it asks for one (the field focused), saves, then goes ahead.
    super::gallery::new_from(&page, "support-triage").await;
    page.until_shown("#unsaved", "the unsaved prompt").await;
    page.click("#unsaved-save");
    page.until_shown("#dialog-path", "the Save As dialog").await;
    until("the path field focused", || active_id() == "dialog-path").await;
    type_into(&page.one("#dialog-path"), "/tmp/kept.strata.json", false);
    page.click("#dialog-ok");
    until("the save, then the new project", || {
        called("save_as") == 1 && called("new_from_template") == news + 1
    })
    .await;

    // Don't save: the edits go, and so does their recovery copy.
    add(&page, "Prompt").await;
    super::gallery::new_from(&page, "support-triage").await;
    page.until_shown("#unsaved", "the unsaved prompt").await;
    page.click("#unsaved-discard");
    until("the new project", || {
        called("new_from_template") == news + 2
    })
    .await;
    assert!(called("discard_recovery") >= 1);
}

#[wasm_bindgen_test]
async fn the_inspector_says_what_the_compiler_says() {
    let page = Page::open().await;
    let agent = strata::model::load(TEMPLATE, "t")
        .expect("template")
        .project
        .agents[0]
        .agent_name
        .clone();
    add(&page, "Agent").await;
    let arn = r#".form-field[data-field="agentAliasArn"]"#;
    page.until_shown(arn, "the Agent node's form").await;
    // No alias and no project agent: the compiler's problem, word for word in both places.
    let problem = || {
        page.all(r#"li.problem[data-node="Agent"] .message"#)
            .iter()
            .filter_map(|m| m.text_content())
            .find(|m| m.contains("agentAliasArn"))
    };
    until("the problem", || problem().is_some()).await;
    let said = page
        .one(&format!("{arn} .field-error"))
        .text_content()
        .unwrap_or_default();
    assert!(said.starts_with(&problem().unwrap()), "{said:?}");

    // With a project agent the compiler fills the alias: no message in either place.
    choose(
        &page.one(r#".form-field[data-field="projectAgent"] select"#),
        &agent,
    );
    until("the problem to go", || problem().is_none()).await;
    until("the field's message to go", || {
        !page.all(arn).is_empty() && page.all(&format!("{arn} .field-error")).is_empty()
    })
    .await;
    // Typing leaves it empty: still nothing, as the compiler says.
    type_into(&page.one(&format!("{arn} input")), "", false);
    assert!(page.all(&format!("{arn} .field-error")).is_empty());
    // Typing a malformed ARN: the compiler's message, as you type.
    type_into(&page.one(&format!("{arn} input")), "arn:nope", false);
    until("the pattern message", || {
        page.all(&format!("{arn} .field-error")).iter().any(|e| {
            e.text_content()
                .unwrap_or_default()
                .contains("agentAliasArn")
        })
    })
    .await;
}

#[wasm_bindgen_test]
async fn flows_are_added_renamed_and_deleted_with_undo() {
    let page = Page::open().await;
    assert_eq!(flow_options(&page), vec!["triage"]);
    assert!(page
        .one("#flow-delete")
        .dyn_into::<web_sys::HtmlButtonElement>()
        .expect("button")
        .disabled());

    page.click("#flow-add");
    until("a second flow, shown", || {
        flow_options(&page).len() == 2 && flow_shown(&page) == "flow"
    })
    .await;
    until("its Input and Output", || page.node_names().len() == 2).await;

    page.click("#flow-rename");
    until("the rename dialog, focused", || {
        active_id() == "dialog-path"
    })
    .await;
    type_into(&page.one("#dialog-path"), "has space", false);
    page.click("#dialog-ok");
    until("the refusal", || {
        page.one("#status")
            .text_content()
            .unwrap_or_default()
            .contains("not a valid name")
    })
    .await;
    page.click("#flow-rename");
    page.until_shown("#dialog-path", "the rename dialog").await;
    type_into(&page.one("#dialog-path"), "review", false);
    page.click("#dialog-ok");
    until("the renamed flow", || {
        flow_options(&page).contains(&"review".to_owned()) && flow_shown(&page) == "review"
    })
    .await;

    // Deleting asks first; Cancel keeps it.
    page.click("#flow-delete");
    page.until_shown("#dialog", "the question").await;
    page.click("#dialog-cancel");
    assert_eq!(flow_options(&page).len(), 2);
    page.click("#flow-delete");
    page.until_shown("#dialog-ok", "the question").await;
    page.click("#dialog-ok");
    until("one flow left", || flow_options(&page) == vec!["triage"]).await;
    until("its nodes drawn", || page.node_names().len() > 2).await;

    // Undo brings the deleted flow back.
    page.press_ctrl("z");
    until("the flow back", || flow_options(&page).len() == 2).await;
}

/// The inspector's lists (a node's inputs, outputs and conditions) add a row under the first
/// free name, rename it and take it away, each change an edit that undoes.
#[wasm_bindgen_test]
async fn the_inspectors_lists_add_rename_and_remove_rows() {
    let page = Page::open().await;
    add(&page, "Condition").await;
    page.until_shown("#conditions", "the Condition's inspector")
        .await;

    // A new condition goes before the default one, which stays last.
    let conditions = || page.attrs("#conditions .row.condition", "data-condition");
    let before = conditions();
    assert_eq!(before.last().map(String::as_str), Some("default"));
    assert_eq!(page.text("#conditions button.add"), "+ condition");
    page.click("#conditions button.add");
    until("a new condition", || conditions().len() == before.len() + 1).await;
    let after = conditions();
    assert_eq!(after.last(), before.last());
    let new: Vec<&String> = after.iter().filter(|c| !before.contains(c)).collect();
    assert_eq!(new.len(), 1);
    assert!(new[0].starts_with("condition"), "{new:?}");

    // "+ input" adds one; renaming it and taking it away are edits, and undo brings it back.
    let inputs = || page.attrs("#inputs .row", "data-input");
    let before = inputs();
    assert_eq!(page.text("#inputs button.add"), "+ input");
    page.click("#inputs button.add");
    until("a new input", || inputs().len() == before.len() + 1).await;
    let new = inputs()
        .into_iter()
        .find(|i| !before.contains(i))
        .expect("the new input");
    assert!(new.starts_with("input"), "{new:?}");
    let name_box = format!(r#"#inputs .row[data-input="{new}"] input.name"#);
    type_into(&page.one(&name_box), "extra", true);
    until("the renamed input", || {
        inputs().contains(&"extra".to_owned())
    })
    .await;
    page.click(r#"#inputs .row[data-input="extra"] button.remove"#);
    until("the input taken away", || inputs() == before).await;
    page.press_ctrl("z");
    until("the input back", || inputs().contains(&"extra".to_owned())).await;
}

#[wasm_bindgen_test]
async fn the_small_things() {
    let page = Page::open().await;
    // Output nodes have no outputs to add; a Prompt's are fixed too.
    add(&page, "Output").await;
    page.until_shown("#outputs", "the Output's inspector").await;
    assert!(page.all("#outputs button.add").is_empty());

    // The Open dialog's path field has the keyboard.
    page.click("#open");
    page.until_shown("#unsaved", "the unsaved prompt").await;
    page.click("#unsaved-discard");
    until("the Open dialog, focused", || active_id() == "dialog-path").await;
    page.click("#dialog-cancel");

    // Help › About names the version.
    shell_sends("menu", "about");
    until("the version", || {
        page.one("#status")
            .text_content()
            .unwrap_or_default()
            .contains(env!("CARGO_PKG_VERSION"))
    })
    .await;
}

#[wasm_bindgen_test]
async fn closing_with_unsaved_changes_asks_the_same_prompt() {
    let page = Page::open().await;
    add(&page, "Prompt").await;
    shell_sends("close-requested", "");
    page.until_shown("#unsaved", "the unsaved prompt").await;
    page.click("#unsaved-cancel");
    until("the prompt to go", || page.all("#unsaved").is_empty()).await;
    assert_eq!(called("close_window"), 0);
    shell_sends("close-requested", "");
    page.until_shown("#unsaved", "the unsaved prompt").await;
    page.click("#unsaved-discard");
    until("the window to close", || called("close_window") == 1).await;
}

/// Sends the page what the shell would: an event with its payload (a menu item's id).
fn shell_sends(event: &str, payload: &str) {
    let script = format!(
        "(window.__LISTENERS__[{event:?}] || []).forEach(h => h({{event: {event:?}, payload: {payload:?}}}))"
    );
    js_sys::eval(&script).expect("the handlers run");
}
