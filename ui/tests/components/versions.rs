//! Component tests of the Versions panel and the comparison on the canvas: the panel lists
//! versions and aliases from the store and sends what creating, moving and rolling back ask;
//! a comparison colours exactly the nodes that differ and shows a changed node field by
//! field; "Back to editing" brings the canvas back; the run panel runs an alias.

use super::*;
use serde_json::json;
use strata::lifecycle::{flow_diff, snapshot};
use strata::nodes::NodeConfiguration;

/// The stub's versions of the template's flow: two versions, `live` moved from 1 to 2.
fn install_versions_stub() {
    let listing = json!({
        "flow": "triage",
        "versions": [
            {"number": 1, "description": "first cut", "createdAtMs": 1_764_800_000_000_u64},
            {"number": 2, "description": "stricter routing", "createdAtMs": 1_764_803_600_000_u64},
        ],
        "aliases": [
            {"name": "live", "version": 2, "updatedAtMs": 1_764_803_700_000_u64, "previous": 1},
            {"name": "beta", "version": 1, "updatedAtMs": 1_764_803_700_000_u64, "previous": null},
        ],
    });
    // What the shell would answer for "version 1 → working copy" after Route's first
    // condition changed: computed by the core, as the shell computes it.
    let project = strata::model::load(TEMPLATE, "t")
        .expect("template")
        .project;
    let older = snapshot(&project, "triage").expect("the flow");
    let mut changed = project.clone();
    if let Some(NodeConfiguration::Condition(c)) = &mut changed.flows[0]
        .definition
        .node_mut("Route")
        .expect("Route")
        .configuration
    {
        c.conditions[0].expression = Some("kind == \"DEFECT\"".into());
    }
    let diff = flow_diff(&older, &snapshot(&changed, "triage").expect("the flow"));
    let created = json!({"number": 3, "created": true});
    let moved = json!({"name": "live", "from": 2, "to": 1});
    js_sys::eval(&format!(
        "window.__STUB__.versions_list = {listing}; window.__STUB__.versions_compare = {}; \
         window.__STUB__.version_create = {created}; window.__STUB__.alias_set = {moved}; \
         window.__STUB__.alias_rollback = {moved};",
        serde_json::to_string(&diff).expect("json")
    ))
    .expect("the versions stub installs");
}

fn calls_of(cmd: &str) -> Vec<Value> {
    calls().into_iter().filter(|c| c["cmd"] == cmd).collect()
}

fn choose(page: &Page, selector: &str, value: &str) {
    let el = page.one(selector);
    js_sys::Reflect::set(&el, &"value".into(), &value.into()).expect("value");
    el.dispatch_event(&web_sys::Event::new("change").expect("event"))
        .expect("dispatch");
}

/// The comparison's marked nodes: (name, mark).
fn marked_nodes(page: &Page) -> Vec<(String, String)> {
    page.all("#diff-canvas g.node[data-diff]")
        .iter()
        .map(|n| {
            (
                n.get_attribute("data-node").unwrap_or_default(),
                n.get_attribute("data-diff").unwrap_or_default(),
            )
        })
        .collect()
}

/// A page with the versions stub, the panel open and its list shown.
async fn opened() -> Page {
    install_shell_stub();
    install_versions_stub();
    let page = Page::mount_new().await;
    page.click("#tab-versions");
    until("the versions listed", || {
        page.all(".version-row").len() == 2
    })
    .await;
    page
}

#[wasm_bindgen_test]
async fn the_panel_lists_versions_and_sends_create_move_and_rollback() {
    let page = opened().await;
    // Newest first, with descriptions, dates and the aliases on them.
    let rows: Vec<String> = page
        .all(".version-row")
        .iter()
        .map(|r| r.text_content().unwrap_or_default())
        .collect();
    assert!(rows[0].starts_with("v2stricter routing"), "{rows:?}");
    assert!(rows[0].contains("2025-12-03 23:13 UTC"), "{rows:?}");
    assert!(rows[0].contains("live"), "{rows:?}");
    assert!(
        rows[1].contains("first cut") && rows[1].contains("beta"),
        "{rows:?}"
    );
    let asked = calls_of("versions_list");
    assert_eq!(asked[0]["args"]["flow"], "triage");

    // Create, with the description typed.
    type_into(&page.one("#version-description"), "tighter prompt", false);
    page.click("#version-create");
    until("version_create", || !calls_of("version_create").is_empty()).await;
    let create = &calls_of("version_create")[0]["args"];
    assert_eq!(create["description"], "tighter prompt");
    assert_eq!(create["flow"], "triage");
    until("the outcome", || {
        page.one("#versions-message")
            .text_content()
            .unwrap_or_default()
            .contains("Created version 3")
    })
    .await;

    // A new alias on the chosen version.
    type_into(&page.one("#alias-name"), "canary", false);
    choose(&page, "#alias-version", "1");
    page.click("#alias-set");
    until("alias_set", || !calls_of("alias_set").is_empty()).await;
    let set = &calls_of("alias_set")[0]["args"];
    assert_eq!(
        (set["name"].clone(), set["version"].clone()),
        (json!("canary"), json!(1))
    );

    // Move `live` to version 1, then roll it back; `beta` has nothing to roll back to.
    choose(&page, r#".alias-row[data-alias="live"] .alias-target"#, "1");
    page.click(r#".alias-row[data-alias="live"] .alias-move"#);
    until("the move", || calls_of("alias_set").len() == 2).await;
    let moved = &calls_of("alias_set")[1]["args"];
    assert_eq!(
        (moved["name"].clone(), moved["version"].clone()),
        (json!("live"), json!(1))
    );
    let rollback = page.one(r#".alias-row[data-alias="live"] .alias-rollback"#);
    assert_eq!(
        rollback.text_content().unwrap_or_default(),
        "Roll back to v1"
    );
    page.click(r#".alias-row[data-alias="live"] .alias-rollback"#);
    until("alias_rollback", || !calls_of("alias_rollback").is_empty()).await;
    assert_eq!(calls_of("alias_rollback")[0]["args"]["name"], "live");
    assert!(page
        .one(r#".alias-row[data-alias="beta"] .alias-rollback"#)
        .has_attribute("disabled"));
}

#[wasm_bindgen_test]
async fn a_comparison_marks_exactly_the_changed_node_and_shows_its_fields() {
    let page = opened().await;
    page.click(r#".version-row[data-version="1"] .version-diff"#);
    page.until_shown("#diff-canvas", "the comparison").await;
    let asked = &calls_of("versions_compare")[0]["args"];
    assert_eq!(asked["older"], json!({"side": "version", "number": 1}));
    assert_eq!(asked["newer"], json!({"side": "draft"}));
    assert_eq!(asked["flow"], "triage");
    // The editable canvas is gone; the comparison shows every node, one of them marked.
    assert!(page.all("#canvas").is_empty());
    until("the nodes", || page.all("#diff-canvas g.node").len() > 3).await;
    let marked = marked_nodes(&page);
    assert_eq!(marked, vec![("Route".to_owned(), "changed".to_owned())]);
    assert!(page.all("#diff-canvas path[data-diff]").is_empty());

    // Selecting the node lists its changed field, before and after.
    mouse(
        &page.one(r#"#diff-canvas g.node[data-node="Route"]"#),
        "mousedown",
    );
    page.until_shown("#diff-fields .diff-field", "the fields")
        .await;
    let field = page.one("#diff-fields .diff-field");
    assert_eq!(
        field.get_attribute("data-field").as_deref(),
        Some("configuration.condition.conditions[0].expression")
    );
    let text = field.text_content().unwrap_or_default();
    assert!(text.contains("kind == \"DEFECT\""), "{text}");

    // Back to editing: the editable canvas again.
    page.click("#diff-close");
    page.until_shown("#canvas g.node", "the canvas").await;
    assert!(page.all("#diff-canvas").is_empty());
}

#[wasm_bindgen_test]
async fn the_run_panel_runs_an_alias() {
    let page = opened().await;
    js_sys::eval(r#"window.__STUB__.run_start = "run-9";"#).expect("stub");
    until("the alias among the targets", || {
        page.all(r#"#run-target option[value="a:live"]"#).len() == 1
    })
    .await;
    choose(&page, "#run-target", "a:live");
    page.click("#run");
    until("run_start", || !calls_of("run_start").is_empty()).await;
    let request = &calls_of("run_start")[0]["args"]["request"];
    assert_eq!(request["target"], json!({"kind": "alias", "name": "live"}));
    choose(&page, "#run-target", "v:1");
    assert_eq!(page.select("#run-target").value(), "v:1");
}

#[wasm_bindgen_test]
async fn a_changed_node_inside_a_loop_body_is_marked_in_its_body() {
    const REFINE: &str = include_str!("../../../templates/refine-loop.strata.json");
    install_shell_stub();
    let project = strata::model::load(REFINE, "t").expect("template").project;
    let older = snapshot(&project, "refine").expect("the flow");
    let mut changed = project.clone();
    let refine = changed.flows[0]
        .definition
        .node_mut("Refine")
        .expect("Refine");
    let Some(NodeConfiguration::Loop(body)) = &mut refine.configuration else {
        panic!("Refine is a Loop");
    };
    body.definition.nodes[1].inputs[0].expression = "$.data.text".into();
    let diff = flow_diff(&older, &snapshot(&changed, "refine").expect("the flow"));
    let listing = json!({"flow": "refine", "versions": [
        {"number": 1, "description": "first", "createdAtMs": 1_764_800_000_000_u64}], "aliases": []});
    js_sys::eval(&format!(
        "window.__STUB__.new_from_template = {{path: null, text: {}}}; \
         window.__STUB__.versions_list = {listing}; window.__STUB__.versions_compare = {};",
        serde_json::to_string(REFINE).expect("json"),
        serde_json::to_string(&diff).expect("json")
    ))
    .expect("the stub installs");
    let page = Page::mount_new().await;
    page.click("#tab-versions");
    until("the version", || page.all(".version-row").len() == 1).await;
    page.click(r#".version-row[data-version="1"] .version-diff"#);
    page.until_shown(
        r#"#diff-canvas .loop-region[data-loop="Refine"] g.node"#,
        "the loop body",
    )
    .await;
    let marked = marked_nodes(&page);
    assert_eq!(
        marked,
        vec![("Refine/Improve".to_owned(), "changed".to_owned())]
    );
    // Drawn inside the Loop's frame, with the body's connections.
    assert_eq!(
        page.all(r#".loop-region[data-loop="Refine"] g.node[data-node="Refine/Improve"]"#)
            .len(),
        1
    );
    assert!(!page
        .all(r#".loop-region[data-loop="Refine"] path.diff-connection"#)
        .is_empty());
    mouse(
        &page.one(r#"#diff-canvas g.node[data-node="Refine/Improve"]"#),
        "mousedown",
    );
    page.until_shown("#diff-fields .diff-field", "the fields")
        .await;
    assert_eq!(
        page.one("#diff-fields .diff-field")
            .get_attribute("data-field")
            .as_deref(),
        Some("inputs[0].expression")
    );
}
