//! Component tests of the export dialog's cfn-lint and recorded versions, with the stubbed
//! shell: cfn-lint runs once per template text (writing, switching formats and coming back
//! never ask again, and its findings stay), and a CloudFormation export carries the versions
//! and aliases the shell reads from the run store, as `strata export --data-dir` does.

use super::files::choose;
use super::{calls, install_shell_stub, until, Page, TEMPLATE};
use serde_json::{json, Value};

fn called(cmd: &str) -> Vec<Value> {
    calls().into_iter().filter(|c| c["cmd"] == cmd).collect()
}

fn text(page: &Page, selector: &str) -> String {
    page.one(selector).text_content().unwrap_or_default()
}

fn lint_state(page: &Page) -> Option<String> {
    page.all("#export-lint")
        .first()
        .and_then(|l| l.get_attribute("data-state"))
}

/// A page whose shell answers cfn-lint with one finding and the recorded versions with
/// `history`.
async fn opened(history: &Value) -> Page {
    install_shell_stub();
    js_sys::eval(&format!(
        r#"window.__STUB__.export_lint = {{"kind": "linted", "version": "1.58.0", "findings": [
            {{"rule": "W2001", "level": "Warning", "line": 12, "message": "Parameter Env not used"}}]}};
           window.__STUB__.export_target_path = "/work/p/support-triage.template.yaml";
           window.__STUB__.versions_history = {history};"#
    ))
    .expect("the stub installs");
    let page = Page::mount_new().await;
    page.click("#export");
    page.until_shown("#export-dialog", "the export dialog")
        .await;
    page
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn cfn_lint_runs_once_per_template_text_and_its_findings_stay() {
    let page = opened(&json!({"flows": {}})).await;
    until("cfn-lint's findings", || {
        lint_state(&page).as_deref() == Some("findings")
    })
    .await;
    assert_eq!(called("export_lint").len(), 1);

    // Writing the file: the findings stay, nothing is linted again.
    page.confirm_proposed_file().await;
    page.until_shown("#export-written", "the file written")
        .await;
    for _ in 0..20 {
        super::tick().await;
    }
    assert_eq!(lint_state(&page).as_deref(), Some("findings"));
    assert!(text(&page, ".lint-finding").contains("Parameter Env not used"));
    assert_eq!(called("export_lint").len(), 1);

    // Another format and back: the same text's findings at once, still one call.
    choose(&page.one("#export-format"), "flow-json");
    until("the flow preview", || {
        text(&page, "#export-preview").contains("\"definition\"")
    })
    .await;
    assert!(page.all("#export-lint").is_empty());
    choose(&page.one("#export-format"), "cloudformation");
    until("the template again", || {
        text(&page, "#export-preview").contains("AWSTemplateFormatVersion")
    })
    .await;
    assert_eq!(lint_state(&page).as_deref(), Some("findings"));
    assert_eq!(called("export_lint").len(), 1);

    // Another text (the JSON template) is linted once, as JSON.
    choose(&page.one("#export-format"), "cloudformation-json");
    until("the JSON template's findings", || {
        called("export_lint").len() == 2 && lint_state(&page).as_deref() == Some("findings")
    })
    .await;
    assert_eq!(called("export_lint")[1]["args"]["json"], true);
    for _ in 0..20 {
        super::tick().await;
    }
    assert_eq!(called("export_lint").len(), 2);
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn a_cloudformation_export_carries_the_recorded_versions_and_aliases() {
    let project: Value = serde_json::from_str(TEMPLATE).expect("the template");
    let history = json!({"flows": {"triage": {
        "versions": [{"number": 1, "description": "first cut", "flow": project["flows"][0]}],
        "aliases": {"live": 1},
    }}});
    let page = opened(&history).await;
    until("the template with its version", || {
        text(&page, "#export-preview").contains("AWS::Bedrock::FlowVersion")
    })
    .await;
    let preview = text(&page, "#export-preview");
    assert!(preview.contains("AWS::Bedrock::FlowAlias"), "{preview}");
    assert!(preview.contains("first cut"), "{preview}");
    let asked = called("versions_history");
    assert_eq!(asked.len(), 1);
    assert!(asked[0]["args"]["projectText"]
        .as_str()
        .is_some_and(|t| t.contains("\"triage\"")));
    assert!(text(&page, ".ship-notes")
        .contains("its recorded version and alias live go into the template"));
    // Linted once, with the versions in.
    until("cfn-lint", || !called("export_lint").is_empty()).await;
    assert!(called("export_lint")[0]["args"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("AWS::Bedrock::FlowVersion")));
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn unreadable_versions_leave_the_template_without_them_and_say_so() {
    install_shell_stub();
    super::intercept(
        "versions_history",
        "throw { code: 'store', message: 'the run store cannot be opened' };",
    );
    let page = Page::mount_new().await;
    page.click("#export");
    until("the note", || {
        !page.all(".ship-notes").is_empty()
            && text(&page, ".ship-notes").contains("could not be read")
    })
    .await;
    assert!(text(&page, ".ship-notes").contains("the run store cannot be opened"));
    assert!(text(&page, "#export-preview").contains("AWS::Bedrock::Flow"));
    assert!(!page.one("#export-ok").has_attribute("disabled"));
}
