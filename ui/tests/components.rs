//! Component tests of the editor page in headless Chromium (wasm-bindgen-test). The page is
//! mounted as the desktop shell would show it, with `window.__TAURI__` replaced by a stub that
//! answers the shell commands from memory and records what the page sends (saves, titles).
//!
//! Run: `scripts/test-ui-components.sh` (it sets the wasm-bindgen-test runner and Chromium).
#![cfg(target_arch = "wasm32")]

use serde_json::Value;
use strata::nodes::REGISTRY;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "components/canvas.rs"]
mod canvas;
#[path = "components/events.rs"]
mod events;

const TEMPLATE: &str = include_str!("../../templates/support-triage.strata.json");

/// The shell stub: every `invoke` is answered from `window.__STUB__` and recorded in
/// `window.__CALLS__`; the page's event handlers are kept in `window.__LISTENERS__`, so a test
/// can send what the shell sends (a menu click, a close request).
fn install_shell_stub() {
    let stub = serde_json::json!({
        "startup_document": null,
        "recovery": null,
        "recent_files": [],
        "new_from_template": {"path": null, "text": TEMPLATE},
    });
    let script = format!(
        r#"
        window.__STUB__ = {stub};
        window.__CALLS__ = [];
        window.__LISTENERS__ = {{}};
        window.__TAURI__ = {{
          core: {{ invoke: async (cmd, args) => {{
            window.__CALLS__.push({{ cmd, args }});
            if (cmd in window.__STUB__) return window.__STUB__[cmd];
            return null;
          }} }},
          event: {{ listen: async (event, handler) => {{
            (window.__LISTENERS__[event] ||= []).push(handler);
            return () => {{}};
          }} }},
        }};
        "#
    );
    js_sys::eval(&script).expect("the stub installs");
}

/// Answers the shell command `cmd` with the JavaScript `answer` (an async function's body, with
/// `args` in scope) instead of the stub's reply; the call is recorded as every call is.
fn intercept(cmd: &str, answer: &str) {
    let script = format!(
        r#"
        const inner = window.__TAURI__.core.invoke;
        window.__TAURI__.core.invoke = async (cmd, args) => {{
          if (cmd !== {cmd:?}) return inner(cmd, args);
          window.__CALLS__.push({{ cmd, args }});
          {answer}
        }};
        "#
    );
    js_sys::eval(&script).expect("the interception installs");
}

/// The shell commands the page called, with their arguments.
fn calls() -> Vec<Value> {
    let calls = js_sys::eval("JSON.stringify(window.__CALLS__)").expect("calls");
    serde_json::from_str(&calls.as_string().unwrap_or_default()).expect("calls are JSON")
}

/// Resolves after the browser has had a turn (timers, rendering, the page's own futures).
async fn tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 5)
            .expect("timer");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("timer fires");
}

/// Waits, turn by turn, until `ready` holds; fails naming `what` after 400 turns.
async fn until(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..400 {
        if ready() {
            return;
        }
        tick().await;
    }
    panic!("gave up waiting for {what}");
}

/// A fresh editor page in its own container, its project loaded.
struct Page {
    root: HtmlElement,
    /// Dropping it unmounts the page and disposes of its reactive owner.
    _handle: Box<dyn std::any::Any>,
}

impl Page {
    async fn open() -> Page {
        install_shell_stub();
        Page::mount_new().await
    }

    /// Mounts the editor in a new container, with the shell stub as it is now.
    async fn mount_new() -> Page {
        let root: HtmlElement = web_sys::window()
            .expect("window")
            .document()
            .expect("document")
            .create_element("div")
            .expect("div")
            .dyn_into()
            .expect("an HTML element");
        Page::mount(root).await
    }

    /// Mounts the editor in `root` (added to the page's body) and waits for its project.
    async fn mount(root: HtmlElement) -> Page {
        web_sys::window()
            .expect("window")
            .document()
            .expect("document")
            .body()
            .expect("body")
            .append_child(&root)
            .expect("append");
        let handle = leptos::mount::mount_to(root.clone(), strata_ui::App);
        let page = Page {
            root,
            _handle: Box::new(handle),
        };
        until("the project to load", || page.all("g.node").len() > 1).await;
        page
    }

    /// The text of the first element matching `selector` (empty when there is none).
    fn text(&self, selector: &str) -> String {
        self.all(selector)
            .first()
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }

    fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.root.query_selector_all(selector).expect("selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<Element>().ok())
            .collect()
    }

    /// Waits for an element matching `selector`.
    async fn until_shown(&self, selector: &str, what: &str) {
        until(what, || !self.all(selector).is_empty()).await;
    }

    /// Attribute `name` of each element matching `selector` that has it, in order.
    fn attrs(&self, selector: &str, name: &str) -> Vec<String> {
        self.all(selector)
            .iter()
            .filter_map(|e| e.get_attribute(name))
            .collect()
    }

    /// Waits for the export dialog to propose a file, then confirms it (OK).
    async fn confirm_proposed_file(&self) {
        until("the proposed file", || {
            self.one("#export-path")
                .dyn_ref::<web_sys::HtmlInputElement>()
                .is_some_and(|i| !i.value().is_empty())
        })
        .await;
        self.click("#export-ok");
    }

    fn one(&self, selector: &str) -> Element {
        self.root
            .query_selector(selector)
            .expect("selector")
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    /// The `<select>` that `selector` matches.
    fn select(&self, selector: &str) -> web_sys::HtmlSelectElement {
        self.one(selector).dyn_into().expect("a select")
    }

    fn node_names(&self) -> Vec<String> {
        self.attrs("g.node", "data-node")
    }

    fn click(&self, selector: &str) {
        self.one(selector)
            .dyn_into::<HtmlElement>()
            .expect("clickable")
            .click();
    }

    /// Presses `key` with Ctrl on the window, as the keyboard shortcuts listen there.
    fn press_ctrl(&self, key: &str) {
        web_sys::window()
            .expect("window")
            .dispatch_event(&events::keydown(key, true))
            .expect("dispatch");
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.root.remove();
    }
}

#[path = "components/files.rs"]
mod files;

#[path = "components/pause.rs"]
mod pause;

#[path = "components/run.rs"]
mod run;

#[path = "components/gallery.rs"]
mod gallery;
#[path = "components/ship.rs"]
mod ship;

#[wasm_bindgen_test]
async fn the_palette_lists_every_node_kind_of_the_registry() {
    let page = Page::open().await;
    let kinds: Vec<String> = page.attrs(".palette-item", "data-kind");
    let registry: Vec<String> = REGISTRY.iter().map(|k| k.name().to_owned()).collect();
    assert_eq!(kinds, registry);
    // Each entry says what the kind does.
    for item in page.all(".palette-item") {
        let summary = item.get_attribute("title").unwrap_or_default();
        assert!(summary.len() > 10, "{summary:?}");
    }
}

#[wasm_bindgen_test]
async fn the_template_opens_with_its_nodes_and_the_shell_is_asked_for_it() {
    let page = Page::open().await;
    let project = strata::model::load(TEMPLATE, "t")
        .expect("template")
        .project;
    let mut expected: Vec<String> = project.flows[0]
        .definition
        .nodes
        .iter()
        .map(|n| n.name.clone())
        .collect();
    let mut shown = page.node_names();
    expected.sort();
    shown.sort();
    assert_eq!(shown, expected);
    let asked: Vec<String> = calls()
        .iter()
        .filter_map(|c| c["cmd"].as_str().map(str::to_owned))
        .collect();
    assert!(asked.iter().any(|c| c == "new_from_template"), "{asked:?}");
    until("the window title", || {
        calls().iter().any(|c| {
            c["cmd"] == "set_title"
                && c["args"]["title"]
                    .as_str()
                    .is_some_and(|t| t.contains("Strata"))
        })
    })
    .await;
}

#[wasm_bindgen_test]
async fn adding_a_node_names_it_uniquely_shows_its_problem_and_undoes() {
    let page = Page::open().await;
    let before = page.node_names();
    page.click(r#".palette-item[data-kind="Prompt"]"#);
    until("the first new node", || {
        page.node_names().len() == before.len() + 1
    })
    .await;
    page.click(r#".palette-item[data-kind="Prompt"]"#);
    until("the second new node", || {
        page.node_names().len() == before.len() + 2
    })
    .await;
    let added: Vec<String> = page
        .node_names()
        .into_iter()
        .filter(|n| !before.contains(n))
        .collect();
    assert_eq!(added.len(), 2);
    assert_ne!(added[0], added[1]);
    for name in &added {
        assert!(
            strata::model::names::Pattern::NodeName.matches(name),
            "{name:?} is not a valid node name"
        );
    }
    // An unconnected Prompt is a problem the panel names, on that node.
    until("a problem on the new node", || {
        page.all("li.problem")
            .iter()
            .any(|p| p.get_attribute("data-node").as_deref() == Some(added[1].as_str()))
    })
    .await;
    // Undo takes exactly one node away, redo puts it back.
    page.press_ctrl("z");
    until("undo", || page.node_names().len() == before.len() + 1).await;
    page.press_ctrl("y");
    until("redo", || page.node_names().len() == before.len() + 2).await;
}

#[wasm_bindgen_test]
async fn clicking_a_problem_selects_its_node() {
    let page = Page::open().await;
    page.click(r#".palette-item[data-kind="KnowledgeBase"]"#);
    until("a problem with a node", || {
        page.all("li.problem")
            .iter()
            .any(|p| p.get_attribute("data-node").is_some_and(|n| !n.is_empty()))
    })
    .await;
    let problem = page
        .all("li.problem")
        .into_iter()
        .find(|p| p.get_attribute("data-node").is_some_and(|n| !n.is_empty()))
        .expect("a problem on a node");
    let node = problem.get_attribute("data-node").expect("node");
    problem
        .dyn_into::<HtmlElement>()
        .expect("clickable")
        .click();
    until("the node to be selected", || {
        page.all("g.node.selected")
            .iter()
            .any(|n| n.get_attribute("data-node").as_deref() == Some(node.as_str()))
    })
    .await;
    // The inspector shows the selected node.
    until("the inspector", || {
        page.one(".inspector")
            .text_content()
            .unwrap_or_default()
            .contains(&node)
            || page
                .all(".inspector input")
                .iter()
                .filter_map(|i| i.clone().dyn_into::<web_sys::HtmlInputElement>().ok())
                .any(|i| i.value() == node)
    })
    .await;
}

#[wasm_bindgen_test]
async fn saving_hands_the_shell_the_document_as_json() {
    let page = Page::open().await;
    let before = page.node_names().len();
    page.click(r#".palette-item[data-kind="Output"]"#);
    until("the new node", || page.node_names().len() == before + 1).await;
    let count = before + 1;
    // A new document has no path: the page asks where to save it, suggesting a name.
    page.press_ctrl("s");
    page.until_shown("#dialog", "the save dialog").await;
    let suggested = page
        .one("#dialog-path")
        .dyn_into::<web_sys::HtmlInputElement>()
        .expect("an input")
        .value();
    assert!(suggested.ends_with(".strata.json"), "{suggested:?}");
    // Browse… asks the shell's native file chooser, starting from the suggestion.
    js_sys::eval(r#"window.__STUB__.pick_path = "/home/ann/flows/triage.strata.json";"#)
        .expect("stub");
    page.click("#dialog-browse");
    let path_now = || {
        page.one("#dialog-path")
            .dyn_into::<web_sys::HtmlInputElement>()
            .expect("an input")
            .value()
    };
    until("the chosen path", || {
        path_now() == "/home/ann/flows/triage.strata.json"
    })
    .await;
    let asked = calls()
        .into_iter()
        .find(|c| c["cmd"] == "pick_path")
        .expect("the chooser was asked");
    assert_eq!(asked["args"]["save"], true);
    assert_eq!(asked["args"]["suggested"], Value::String(suggested));
    let suggested = path_now();
    page.click("#dialog-ok");
    until("a save", || calls().iter().any(|c| c["cmd"] == "save_as")).await;
    let saved = calls()
        .into_iter()
        .rev()
        .find(|c| c["cmd"] == "save_as")
        .expect("a save call");
    assert_eq!(saved["args"]["path"], Value::String(suggested));
    let text = saved["args"]["text"].as_str().expect("text");
    let project = strata::model::load(text, "saved")
        .expect("the saved text loads")
        .project;
    assert_eq!(project.flows[0].definition.nodes.len(), count);
}

/// Sets a field's text and fires the events typing and leaving the field would.
fn type_into(field: &Element, text: &str, commit: bool) {
    if let Some(input) = field.dyn_ref::<web_sys::HtmlInputElement>() {
        input.set_value(text);
    } else if let Some(area) = field.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.set_value(text);
    }
    let fire = |name: &str| {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict(name, &init).expect("event");
        field.dispatch_event(&event).expect("dispatch");
    };
    fire("input");
    if commit {
        fire("change");
    }
}

fn mouse(element: &Element, name: &str) {
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    let event = web_sys::MouseEvent::new_with_mouse_event_init_dict(name, &init).expect("event");
    element.dispatch_event(&event).expect("dispatch");
}

#[wasm_bindgen_test]
async fn the_prompt_form_checks_as_you_type_and_commits_an_undoable_edit() {
    let page = Page::open().await;
    // Find the Prompt node by name (Ctrl+F) and pick it from the list.
    page.press_ctrl("f");
    page.until_shown("#find-input", "the find box").await;
    type_into(&page.one("#find-input"), "classif", false);
    page.until_shown(r#"#find li[data-node="Classify"]"#, "the find list")
        .await;
    mouse(&page.one(r#"#find li[data-node="Classify"]"#), "mousedown");
    page.until_shown(
        r#"g.node.selected[data-node="Classify"]"#,
        "Classify selected",
    )
    .await;
    let field = r#".form-field[data-field="sourceConfiguration.inline.inferenceConfiguration.text.temperature"]"#;
    page.until_shown(field, "the temperature field").await;
    let input = page.one(&format!("{field} input"));
    let before = input
        .clone()
        .dyn_into::<web_sys::HtmlInputElement>()
        .expect("input")
        .value();

    // Out of Bedrock's range: the message shows as you type.
    type_into(&input, "7", false);
    until("the range message", || {
        !page.all(&format!("{field} .field-error")).is_empty()
    })
    .await;
    // In range: the message goes, and leaving the field commits the edit.
    type_into(&input, "0.25", true);
    until("the message to go", || {
        page.all(&format!("{field} .field-error")).is_empty()
    })
    .await;
    let value = || {
        page.all(&format!("{field} input"))
            .first()
            .and_then(|i| i.clone().dyn_into::<web_sys::HtmlInputElement>().ok())
            .map(|i| i.value())
            .unwrap_or_default()
    };
    until("the committed value", || value() == "0.25").await;
    // Undo restores what the template had.
    page.press_ctrl("z");
    until("the value before", || value() == before).await;
}

/// A page with a new agent added, once its editor shows `ready`.
async fn page_with_a_new_agent(ready: &str) -> Page {
    let page = Page::open().await;
    page.click("#add-agent");
    page.until_shown(ready, "the agent editor").await;
    page
}

#[wasm_bindgen_test]
async fn the_agent_editor_counts_the_instruction_against_bedrock_limits() {
    let page = page_with_a_new_agent("#agent-instruction").await;
    let counter = || page.one("#instruction-count");
    type_into(&page.one("#agent-instruction"), "Too short.", false);
    until("the count of 10", || {
        counter()
            .text_content()
            .unwrap_or_default()
            .starts_with("10 / 4000")
    })
    .await;
    assert!(
        counter().class_list().contains("bad"),
        "below 40 characters"
    );
    let fine = "You answer billing questions for an online shop, politely and briefly.";
    type_into(&page.one("#agent-instruction"), fine, true);
    until("a good count", || !counter().class_list().contains("bad")).await;
    assert!(counter()
        .text_content()
        .unwrap_or_default()
        .starts_with(&format!("{} / 4000", fine.chars().count())));
}

#[wasm_bindgen_test]
async fn a_supervisor_gets_collaborators_with_undo() {
    let page = page_with_a_new_agent("#add-collaborator").await;
    let select = || page.select("#agent-collaboration").value();
    assert_eq!(select(), "DISABLED");
    page.click("#add-collaborator");
    until("a collaborator row", || {
        page.all(".row.collaborator").len() == 1
    })
    .await;
    // Adding a collaborator makes the agent a supervisor.
    until("the supervisor role", || select() == "SUPERVISOR").await;
    let name = page.one(".row.collaborator input.name");
    type_into(&name, "Billing", true);
    page.until_shown(
        r#".row.collaborator[data-collaborator="Billing"]"#,
        "the named collaborator",
    )
    .await;
    // A malformed alias ARN says what the pattern wants.
    let alias = page
        .all(".row.collaborator input")
        .into_iter()
        .find(|i| {
            i.get_attribute("placeholder")
                .is_some_and(|p| p.contains("alias ARN"))
        })
        .expect("the alias field");
    type_into(&alias, "not-an-arn", true);
    page.until_shown(".row.collaborator .field-error", "the alias message")
        .await;
    // Undo walks back: the alias, then the name.
    page.press_ctrl("z");
    until("the alias undone", || {
        page.all(".row.collaborator .field-error").is_empty()
    })
    .await;
    page.press_ctrl("z");
    until("the name undone", || {
        page.all(r#".row.collaborator[data-collaborator="Billing"]"#)
            .is_empty()
            && page.all(".row.collaborator").len() == 1
    })
    .await;
}

#[path = "components/inspect.rs"]
mod inspect;

#[path = "components/eval.rs"]
mod eval;
#[path = "components/export.rs"]
mod export;
#[path = "components/versions.rs"]
mod versions;
#[wasm_bindgen_test]
async fn the_agent_editor_sets_the_project_s_agent_target_with_undo() {
    let page = page_with_a_new_agent("#project-agent-target").await;
    let select = || page.select("#project-agent-target");
    let agentcore_problems = || {
        page.all("li.problem")
            .iter()
            .filter(|p| p.text_content().unwrap_or_default().contains("AgentCore"))
            .count()
    };
    // The project says nothing: Classic, and no AgentCore findings.
    assert_eq!(select().value(), "");
    assert_eq!(agentcore_problems(), 0);
    select().set_value("agentcore");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let change = web_sys::Event::new_with_event_init_dict("change", &init).expect("event");
    select().dispatch_event(&change).expect("dispatch");
    // The template's BillingAgent names Classic itself; the new agent follows the project,
    // and AgentCore's checks find it (it has no instruction yet, which a harness needs).
    until("the AgentCore findings", || agentcore_problems() >= 1).await;
    until("the select shows it", || select().value() == "agentcore").await;
    page.press_ctrl("z");
    until("the target undone", || agentcore_problems() == 0).await;
    until("the select back to unset", || select().value().is_empty()).await;
}
