//! Component tests of the export dialog and the deploy view with the stubbed shell: every
//! format listed and previewed, cfn-lint's findings (or its absence), errors blocking export and
//! deploy, an existing file replaced only once confirmed, the plan table's
//! create/update/unchanged/delete rows with an update's fields, and an apply's progress and
//! error landing on their rows; the agent list opening both on one agent; an agent that targets
//! AgentCore deployed there by default (with the gateway role it needs), and Cancel mid-apply
//! leaving each row saying whether it was done.

use super::events::{install_channel_stub, send};
use super::files::choose;
use super::{calls, intercept, type_into, until, Page, TEMPLATE};
use serde_json::{json, Value};
use strata::export::Format;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

fn stub(cmd: &str, reply: &Value) {
    js_sys::eval(&format!("window.__STUB__[{cmd:?}] = {reply};")).expect("stubbed");
}

fn text(page: &Page, selector: &str) -> String {
    page.one(selector).text_content().unwrap_or_default()
}

fn called(cmd: &str) -> Vec<Value> {
    calls().into_iter().filter(|c| c["cmd"] == cmd).collect()
}

fn disabled(page: &Page, selector: &str) -> bool {
    page.one(selector).has_attribute("disabled")
}

const FINDINGS: &str = r#"{"kind": "linted", "version": "1.58.0", "findings": [
    {"rule": "W2001", "level": "Warning", "line": 12, "message": "Parameter Env not used"}]}"#;

#[wasm_bindgen_test]
async fn the_export_dialog_lists_every_format_previews_it_and_shows_cfn_lint() {
    let page = Page::open().await;
    stub(
        "export_lint",
        &serde_json::from_str(FINDINGS).expect("json"),
    );
    stub(
        "export_target_path",
        &json!("/work/p/support-triage.template.yaml"),
    );
    page.click("#export");
    page.until_shown("#export-dialog", "the export dialog")
        .await;
    let ids: Vec<String> = page.attrs("#export-format option", "value");
    let all: Vec<&str> = Format::ALL.iter().map(|f| f.id()).collect();
    assert_eq!(ids, all);
    assert!(text(&page, "#export-preview").contains("AWSTemplateFormatVersion"));
    until("the proposed file", || {
        page.one("#export-path")
            .dyn_ref::<web_sys::HtmlInputElement>()
            .is_some_and(|i| i.value() == "/work/p/support-triage.template.yaml")
    })
    .await;
    page.until_shown(".lint-finding[data-rule=W2001]", "cfn-lint's findings")
        .await;
    assert!(text(&page, ".lint-finding").contains("Parameter Env not used"));
    let lint = called("export_lint");
    assert!(lint[0]["args"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("Resources")));

    // A flow's CreateFlow request: its own preview, a flow to choose, no cfn-lint.
    choose(&page.one("#export-format"), "flow-json");
    until("the flow preview", || {
        text(&page, "#export-preview").contains("\"definition\"")
    })
    .await;
    assert!(!page.all("#export-subject option").is_empty());
    assert!(page.all("#export-lint").is_empty());
    page.click("#export-cancel");
    until("the dialog to close", || {
        page.all("#export-dialog").is_empty()
    })
    .await;
}

#[wasm_bindgen_test]
async fn without_cfn_lint_the_dialog_says_so() {
    let page = Page::open().await;
    stub(
        "export_lint",
        &json!({"kind": "notInstalled", "hint": "cfn-lint 1.58.0 is not installed: scripts/setup.sh installs it"}),
    );
    page.click("#export");
    page.until_shown("#export-lint[data-state=missing]", "the note")
        .await;
    assert!(text(&page, "#export-lint").contains("not installed"));
}

#[wasm_bindgen_test]
async fn an_existing_file_is_replaced_only_once_confirmed() {
    let page = Page::open().await;
    stub(
        "export_target_path",
        &json!("/work/p/support-triage.template.yaml"),
    );
    intercept(
        "export_save",
        "if (!args.replace) throw { code: 'exists', message: args.path + ' exists' };
         return null;",
    );
    page.click("#export");
    page.until_shown("#export-dialog", "the export dialog")
        .await;
    page.confirm_proposed_file().await;
    page.until_shown("#export-replace", "the question").await;
    assert!(text(&page, "#export-replace").contains("Replace it?"));
    assert_eq!(called("export_save").len(), 1);
    assert_eq!(called("export_save")[0]["args"]["replace"], false);
    page.click("#export-replace-ok");
    page.until_shown("#export-written", "the file written")
        .await;
    let saves = called("export_save");
    assert_eq!(saves.len(), 2);
    assert_eq!(saves[1]["args"]["replace"], true);
    assert!(saves[1]["args"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("AWS::Bedrock::Flow")));
}

#[wasm_bindgen_test]
async fn a_project_with_errors_is_neither_exported_nor_deployed() {
    // An instruction shorter than Bedrock's 40 characters: an error.
    let page = open_template_with(|doc| doc["agents"][0]["instruction"] = json!("short")).await;
    page.click("#export");
    page.until_shown("#export-errors", "the refusal").await;
    assert!(text(&page, "#export-errors").contains("cannot be exported"));
    assert!(disabled(&page, "#export-ok"));
    page.click("#export-show-problems");
    until("the dialog to close", || {
        page.all("#export-dialog").is_empty()
    })
    .await;
    assert!(!page.all(".problem.error").is_empty());

    page.click("#deploy");
    page.until_shown("#deploy-errors", "the deploy refusal")
        .await;
    assert!(disabled(&page, "#deploy-dry-run"));
    assert!(disabled(&page, "#deploy-apply"));
    assert!(called("deploy_plan").is_empty());
}

fn plan() -> Value {
    json!({
        "id": 3, "project": "support-triage", "target": "classic", "hasChanges": true,
        "text": "~ agent BillingAgent: update",
        "rows": [
            {"resource": "agent \"BillingAgent\"", "kind": "agent", "name": "BillingAgent",
             "action": "update", "also": ["prepare"],
             "changes": [{"path": "instruction", "before": "Old words.", "after": "New words."}]},
            {"resource": "agent \"BillingAgent\" › action group \"orders\"", "kind": "action group",
             "name": "orders", "action": "unchanged"},
            {"resource": "agent \"BillingAgent\" › action group \"legacy\"", "kind": "action group",
             "name": "legacy", "action": "delete"},
            {"resource": "flow \"triage\"", "kind": "flow", "name": "triage", "action": "create",
             "also": ["prepare", "new version"]}
        ]
    })
}

fn row(page: &Page, resource: &str) -> web_sys::Element {
    page.all(".plan-row")
        .into_iter()
        .find(|r| r.get_attribute("data-resource").as_deref() == Some(resource))
        .unwrap_or_else(|| panic!("no row for {resource}"))
}

#[wasm_bindgen_test]
async fn the_plan_table_shows_every_change_and_apply_marks_progress_and_errors() {
    let page = Page::open().await;
    install_channel_stub();
    stub("deploy_plan", &plan());
    page.click("#deploy");
    page.until_shown("#deploy-view", "the deploy view").await;
    assert!(disabled(&page, "#deploy-apply"), "no Apply before a plan");
    page.click("#deploy-dry-run");
    until("the plan", || page.all(".plan-row").len() == 4).await;
    let request = &called("deploy_plan")[0]["args"]["request"];
    assert_eq!(request["region"], "us-east-1");
    assert_eq!(request["target"], "classic");
    let actions: Vec<String> = page.attrs(".plan-row", "data-action");
    assert_eq!(actions, ["update", "unchanged", "delete", "create"]);
    let change = page.one(".field-change[data-path=instruction]");
    let change_text = change.text_content().unwrap_or_default();
    assert!(
        change_text.contains("\"Old words.\"") && change_text.contains("\"New words.\""),
        "{change_text}"
    );
    assert!(
        text(&page, ".plan-summary").contains("1 to create, 1 to update, 1 to delete, 1 unchanged")
    );

    page.click("#deploy-apply");
    until("the apply call", || !called("deploy_apply").is_empty()).await;
    assert_eq!(called("deploy_apply")[0]["args"]["planId"], 3);
    send(&json!([
        {"type": "step", "resource": "agent \"BillingAgent\"", "done": true, "line": "updated agent BillingAgent (ID1)"},
        {"type": "step", "resource": "flow \"triage\"", "done": false, "line": "preparing flow triage…"},
        {"type": "failed", "resource": "flow \"triage\"", "message": "PrepareFlow failed for flow \"triage\": bad", "done": ["updated agent BillingAgent (ID1)"]}
    ]));
    page.until_shown("#deploy-result", "the end").await;
    let agent = row(&page, "agent \"BillingAgent\"");
    assert_eq!(agent.get_attribute("data-status").as_deref(), Some("done"));
    let flow = row(&page, "flow \"triage\"");
    assert_eq!(flow.get_attribute("data-status").as_deref(), Some("failed"));
    assert!(flow
        .text_content()
        .unwrap_or_default()
        .contains("PrepareFlow failed"));
    assert_eq!(
        page.one("#deploy-result")
            .get_attribute("data-ok")
            .as_deref(),
        Some("false")
    );
}

#[wasm_bindgen_test]
async fn the_agent_list_exports_and_deploys_one_agent() {
    let page = Page::open().await;
    page.click(".agent-export[data-agent=BillingAgent]");
    page.until_shown("#export-dialog", "the export dialog")
        .await;
    until("the agent export", || {
        text(&page, "#export-preview").contains("createAgent")
    })
    .await;
    let format = page.one("#export-format");
    let value = format
        .dyn_ref::<web_sys::HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default();
    assert_eq!(value, "agent-json");
    page.click("#export-cancel");

    stub("deploy_plan", &plan());
    page.click(".agent-deploy[data-agent=BillingAgent]");
    page.until_shown("#deploy-scope", "the deploy view").await;
    page.click("#deploy-dry-run");
    page.until_shown(".plan-row", "the plan").await;
    assert_eq!(
        called("deploy_plan")[0]["args"]["request"]["agent"],
        "BillingAgent"
    );
}

/// The template as `edit` changes it, open in a new page.
async fn open_template_with(edit: impl FnOnce(&mut Value)) -> Page {
    super::install_shell_stub();
    let mut doc: Value = serde_json::from_str(TEMPLATE).expect("the template");
    edit(&mut doc);
    stub(
        "new_from_template",
        &json!({"path": null, "text": doc.to_string()}),
    );
    Page::mount_new().await
}

/// The template with its agent shipped to AgentCore, open in a new page.
async fn open_agentcore() -> Page {
    open_template_with(|doc| doc["agents"][0]["agentTarget"] = json!("agentcore")).await
}

fn agentcore_plan() -> Value {
    let row = |kind: &str, name: &str| {
        json!({"resource": format!("agent \"BillingAgent\" › {kind} \"{name}\""), "kind": kind,
               "name": name, "action": "create"})
    };
    json!({
        "id": 5, "project": "support-triage", "target": "agentcore", "hasChanges": true,
        "text": "agent BillingAgent → AgentCore",
        "rows": [row("gateway", "BillingAgent"), row("gateway target", "orders"),
                 row("harness", "BillingAgent"), row("harness endpoint", "live")]
    })
}

fn select_value(page: &Page, selector: &str) -> String {
    page.one(selector)
        .dyn_ref::<web_sys::HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn an_agentcore_agent_deploys_to_agentcore_and_cancel_says_what_was_not_done() {
    let page = open_agentcore().await;
    install_channel_stub();
    stub("deploy_plan", &agentcore_plan());
    page.click(".agent-deploy[data-agent=BillingAgent]");
    page.until_shown("#deploy-view", "the deploy view").await;
    // The agent's own target, and what AgentCore needs: a gateway for its Lambda group.
    assert_eq!(select_value(&page, "#deploy-target"), "agentcore");
    assert!(text(&page, "#deploy-scope").contains("harness"));
    type_into(
        &page.one("#deploy-role"),
        "arn:aws:iam::123456789012:role/Harness",
        true,
    );
    type_into(
        &page.one("#deploy-gateway-role"),
        "arn:aws:iam::123456789012:role/Gateway",
        true,
    );
    page.click("#deploy-dry-run");
    until("the plan", || page.all(".plan-row").len() == 4).await;
    let request = &called("deploy_plan")[0]["args"]["request"];
    assert_eq!(request["target"], "agentcore");
    assert_eq!(request["agent"], "BillingAgent");
    assert_eq!(request["roleArn"], "arn:aws:iam::123456789012:role/Harness");
    assert_eq!(
        request["gatewayRoleArn"],
        "arn:aws:iam::123456789012:role/Gateway"
    );
    let kinds: Vec<String> = page
        .all(".plan-row .kind")
        .iter()
        .filter_map(|k| k.text_content())
        .collect();
    assert_eq!(
        kinds,
        ["gateway", "gateway target", "harness", "harness endpoint"]
    );

    page.click("#deploy-apply");
    until("the apply call", || !called("deploy_apply").is_empty()).await;
    let gateway = "agent \"BillingAgent\" › gateway \"BillingAgent\"";
    let target = "agent \"BillingAgent\" › gateway target \"orders\"";
    let harness = "agent \"BillingAgent\" › harness \"BillingAgent\"";
    let endpoint = "agent \"BillingAgent\" › harness endpoint \"live\"";
    send(&json!([
        {"type": "step", "resource": gateway, "done": true, "line": "created gateway BillingAgent (g1)"},
        {"type": "step", "resource": target, "done": true, "line": "created target orders of gateway BillingAgent (t1)"},
        {"type": "step", "resource": harness, "done": false, "line": "creating harness BillingAgent…"}
    ]));
    until("the harness under way", || {
        row(&page, harness).get_attribute("data-status").as_deref() == Some("working")
    })
    .await;
    assert_eq!(text(&page, "#deploy-cancel"), "Cancel deploy");
    page.click("#deploy-cancel");
    until("the cancel call", || !called("deploy_cancel").is_empty()).await;
    send(&json!([{"type": "cancelled", "done": [
        "created gateway BillingAgent (g1)", "created target orders of gateway BillingAgent (t1)"]}]));
    page.until_shown("#deploy-result", "the end").await;
    let status = |r: &str| {
        row(&page, r)
            .get_attribute("data-status")
            .unwrap_or_default()
    };
    assert_eq!(
        [
            status(gateway),
            status(target),
            status(harness),
            status(endpoint)
        ],
        ["done", "done", "stopped", "not-done"]
    );
    assert!(text(&page, "#deploy-result").contains("Cancelled after 2 change(s)"));
    assert!(row(&page, endpoint)
        .text_content()
        .unwrap_or_default()
        .contains("not done"));
    // The view stays open on what happened; Close closes it.
    assert_eq!(text(&page, "#deploy-cancel"), "Close");
}

#[wasm_bindgen_test]
async fn the_project_deploy_offers_both_targets_and_asks_the_gateway_role_only_for_agentcore() {
    let page = open_agentcore().await;
    page.click("#deploy");
    page.until_shown("#deploy-view", "the deploy view").await;
    let ids: Vec<String> = page.attrs("#deploy-target option", "value");
    assert_eq!(ids, ["agentcore", "classic"]);
    // Every agent of the project targets AgentCore: so does the deploy.
    assert_eq!(select_value(&page, "#deploy-target"), "agentcore");
    assert!(!page.all("#deploy-gateway-role").is_empty());
    assert!(!page.all("#deploy-flows-note").is_empty());
    choose(&page.one("#deploy-target"), "classic");
    until("the classic settings", || {
        page.all("#deploy-gateway-role").is_empty()
    })
    .await;
    assert!(page.all("#deploy-flows-note").is_empty());
    stub("deploy_plan", &plan());
    page.click("#deploy-dry-run");
    page.until_shown(".plan-row", "the plan").await;
    assert_eq!(
        called("deploy_plan")[0]["args"]["request"]["target"],
        "classic"
    );
}
