//! Shipping from the real app (tauri-driver → WebKitWebDriver): a template project exported to
//! CloudFormation from the export dialog — the file written beside the project passes cfn-lint,
//! and writing it again asks first; the deploy view's dry run against the fake Bedrock Agent
//! control plane on 127.0.0.1 (tests/support, shared with tests/deploy.rs) shows the plan and
//! changes nothing, and Apply sends the requests the fake expects, each row marked done. The
//! same view on a project whose agents target AgentCore, against the fake AgentCore control
//! plane (tests/support/fake_agentcore.rs): its dry run, an Apply cancelled while the fake holds
//! CreateHarness (the rows say what was done and what was not, and a new plan agrees), then the
//! rest applied and nothing left to change.
//!
//! The app reaches the fakes through the AWS SDK's own endpoint variables
//! (`AWS_ENDPOINT_URL_BEDROCK_AGENT`, `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL`) and static
//! test credentials: the deploy settings honour
//! the standard AWS chain, so no test-only switch exists in the app.

mod support {
    pub mod app;
    #[path = "../../../tests/support/botocore.rs"]
    pub mod botocore;
    #[path = "../../../tests/support/cfn_lint.rs"]
    pub mod cfn_lint;
    #[path = "../../../tests/support/fake_agentcore.rs"]
    pub mod fake_agentcore;
    #[path = "../../../tests/support/fake_bedrock_agent.rs"]
    pub mod fake_bedrock_agent;
    #[path = "../../../tests/support/fake_http.rs"]
    pub mod fake_http;
    pub mod project;
}

use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use support::app::{launch_with, App, Launched};
use support::fake_bedrock_agent::{lock, start, Fake, Shared, FIRST_DEPLOY};
use support::fake_http::TEST_AWS_ENV;
use support::project::{app_store, save_template_with_files, triage_with_files};

/// The environment that points the app's AWS clients at the fake, with test credentials and no
/// AWS configuration of the user's.
fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    let endpoints = [
        "AWS_ENDPOINT_URL_BEDROCK_AGENT",
        "AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL",
    ];
    endpoints
        .into_iter()
        .map(|k| (k, endpoint.to_owned()))
        .chain(TEST_AWS_ENV.map(|(k, v)| (k, v.to_owned())))
        .chain([("AWS_PROFILE", String::new())])
        .collect()
}

/// The app on `file`, its AWS clients pointed at the fake on `endpoint`, once the template's
/// nodes are drawn.
async fn launch_against(dir: &Path, file: &Path, endpoint: &str) -> Launched {
    let env = aws_env(endpoint);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let launched = launch_with(dir, file, &env).await;
    launched.app.until_node("Classify").await;
    launched
}

/// One app of this file at a time: three WebKit windows painting in software beside cfn-lint
/// on a 2-core machine made WebKitWebDriver give a page up as hung.
static ONE_APP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_to_cloudformation_and_deploy_against_the_fake_in_the_real_app() {
    let _one = ONE_APP.lock().await;
    let dir = tempfile::tempdir().expect("a folder");
    let file = triage_with_files(dir.path());
    let fake: Shared = Arc::new(Mutex::new(Fake::default()));
    let launched = launch_against(dir.path(), &file, &start(fake.clone()).await).await;
    let app = &launched.app;

    // Export: the CloudFormation template, proposed beside the project, linted, written.
    app.click("#export").await;
    app.until_text_has(
        "#export-preview",
        "AWS::Bedrock::Flow",
        "the template's preview",
    )
    .await;
    let target = dir.path().join("triage.template.yaml");
    app.until(
        &format!(
            "document.querySelector('#export-path')?.value === {:?}",
            target.display().to_string()
        ),
        "the file proposed beside the project",
    )
    .await;
    let linted = app.lint_answer().await;
    app.write_export("#export-ok", "the file written").await;
    app.keep_screenshot("app-export.png").await;
    let written = std::fs::read_to_string(&target).expect("the exported template");
    assert!(written.contains("AWS::Bedrock::Flow"), "{written}");
    if let Some(findings) = support::cfn_lint::lint(std::slice::from_ref(&target)) {
        assert!(findings.is_empty(), "cfn-lint: {findings:#?}");
        assert_eq!(linted, "clean", "the dialog ran the same cfn-lint");
    }
    // Exporting again asks before replacing the file.
    app.click("#export-ok").await;
    app.until_shown("#export-replace", "the question").await;
    app.write_export("#export-replace-ok", "the file replaced")
        .await;
    app.click("#export-cancel").await;

    // Deploy: the dry run reads the account and changes nothing.
    app.open_deploy().await;
    app.set_field("#deploy-role", "arn:aws:iam::123456789012:role/StrataRole")
        .await;
    app.set_field("#deploy-poll", "0.01").await;
    app.dry_run(6).await;
    assert_eq!(app.plan_rows("data-action").await, json!(vec!["create"; 6]));
    assert!(
        lock(&fake).log.mutations().is_empty(),
        "{:?}",
        lock(&fake).log.calls
    );

    // Apply: the requests a first deploy makes, every row done.
    app.apply_plan().await;
    app.keep_screenshot("app-deploy.png").await;
    assert_eq!(app.plan_rows("data-status").await, json!(vec!["done"; 6]));
    {
        let f = lock(&fake);
        assert_eq!(f.log.mutations(), FIRST_DEPLOY);
        f.log.assert_clean();
    }

    // A second dry run: nothing to change.
    app.dry_run_unchanged().await;
    launched.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agentcore_dry_run_cancel_and_apply_against_the_fake_in_the_real_app() {
    let _one = ONE_APP.lock().await;
    use support::fake_agentcore as ac;
    let dir = tempfile::tempdir().expect("a folder");
    // The template with its agent shipped to AgentCore (BillingAgent: a Lambda group behind a
    // gateway, and the user-input group).
    let (file, mut project) =
        save_template_with_files(dir.path(), "support-triage", "triage", "triage.strata.json");
    project.agent_target = Some(strata::lenient::Lenient::Known(
        strata::model::agent::AgentTarget::Agentcore,
    ));
    for agent in &mut project.agents {
        agent.agent_target = None;
    }
    std::fs::write(&file, project.to_json()).expect("the project file");

    let fake: ac::Shared = Arc::new(Mutex::new(ac::Fake::default()));
    let hold = ac::lock(&fake).hold("CreateHarness");
    let launched = launch_against(dir.path(), &file, &ac::start(fake.clone()).await).await;
    let app = &launched.app;

    // The deploy view goes where the agents go, and asks for the gateway's role.
    app.open_deploy().await;
    assert_eq!(
        app.read("document.querySelector('#deploy-target').value")
            .await,
        json!("agentcore")
    );
    app.set_field(
        "#deploy-role",
        "arn:aws:iam::123456789012:role/StrataHarnessRole",
    )
    .await;
    app.set_field(
        "#deploy-gateway-role",
        "arn:aws:iam::123456789012:role/StrataGatewayRole",
    )
    .await;
    app.set_field("#deploy-poll", "0.01").await;

    // The dry run reads and changes nothing.
    app.dry_run(4).await;
    assert_eq!(
        app.plan_rows("data-resource").await,
        json!([
            "agent \"BillingAgent\" › gateway \"BillingAgent\"",
            "agent \"BillingAgent\" › gateway target \"orders\"",
            "agent \"BillingAgent\" › harness \"BillingAgent\"",
            "agent \"BillingAgent\" › harness endpoint \"live\"",
        ])
    );
    assert_eq!(app.plan_rows("data-action").await, json!(vec!["create"; 4]));
    assert!(
        ac::lock(&fake).log.mutations().is_empty(),
        "{:?}",
        ac::lock(&fake).log.calls
    );

    // Apply, cancelled while the fake holds CreateHarness: the gateway and its target are
    // done, the harness was under way, its endpoint not done.
    app.click("#deploy-apply").await;
    tokio::time::timeout(std::time::Duration::from_secs(60), hold.reached.notified())
        .await
        .expect("the apply reaches CreateHarness");
    app.until(
        "document.querySelector('.plan-row[data-status=working] .kind')?.textContent === 'harness'",
        "the harness under way",
    )
    .await;
    app.click("#deploy-cancel").await;
    let result = app.deploy_result().await;
    assert!(
        result.starts_with("Cancelled after 2 change(s)"),
        "{result}"
    );
    assert_eq!(
        app.plan_rows("data-status").await,
        json!(["done", "done", "stopped", "not-done"])
    );
    assert_eq!(
        ac::lock(&fake).log.mutations(),
        ["CreateGateway", "CreateGatewayTarget"]
    );

    // A new plan agrees: the gateway and its target are there, the harness is not.
    app.click("#deploy-dry-run").await;
    app.until(
        "[...document.querySelectorAll('.plan-row')].map(r => r.dataset.action).join() === 'unchanged,unchanged,create,create'",
        "the plan after the cancel",
    )
    .await;

    // Apply the rest: every change done, in the order AgentCore needs.
    app.apply_plan().await;
    assert_eq!(
        app.plan_rows("data-status").await,
        json!(["", "", "done", "done"])
    );
    // The picture once the page has painted what it now holds.
    keep_painted_screenshot(app, "app-deploy-agentcore.png").await;
    {
        let f = ac::lock(&fake);
        assert_eq!(
            f.log.mutations(),
            [
                "CreateGateway",
                "CreateGatewayTarget",
                "CreateHarness",
                "CreateHarnessEndpoint"
            ]
        );
        f.log.assert_clean();
    }

    // Nothing left to change.
    app.dry_run_unchanged().await;
    launched.close().await;
}

/// Waits until the window has painted what the page holds now (two animation frames), then
/// keeps its picture: an X screenshot taken right after a change can show an older frame.
async fn keep_painted_screenshot(app: &App, name: &str) {
    app.painted().await;
    app.keep_screenshot(name).await;
}

/// A cfn-lint for the app that notes each run in `count` and hands over to the pinned one
/// (`strata::cfn_lint::locate`), or, without it, answers "no findings".
fn counting_cfn_lint(dir: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let count = dir.join("cfn-lint-runs");
    let real = strata::cfn_lint::locate()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let script = dir.join("counting-cfn-lint");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> '{}'\nif [ -x '{real}' ]; then exec '{real}' \"$@\"; fi\necho '[]'\n",
            count.display()
        ),
    )
    .expect("the script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (script, count)
}

/// How many times cfn-lint has run.
fn runs(count: &Path) -> usize {
    std::fs::read_to_string(count).map_or(0, |t| t.lines().count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_dialog_carries_recorded_versions_and_lints_each_text_once() {
    let _one = ONE_APP.lock().await;
    let dir = tempfile::tempdir().expect("a folder");
    let file = triage_with_files(dir.path());
    let text = std::fs::read_to_string(&file).expect("the project");
    let p = strata::model::load(&text, "triage").expect("loads").project;
    // A version and an alias in the app's run store, as the Versions panel makes them.
    {
        let store = app_store(dir.path()).await;
        strata::session::versions::create_version(&store, &p, "triage", "first cut")
            .await
            .expect("version 1");
        strata::session::versions::set_alias(&store, &p, "triage", "live", 1)
            .await
            .expect("alias live");
    }
    let (cfn_lint, count) = counting_cfn_lint(dir.path());
    let cfn_lint = cfn_lint.display().to_string();
    let launched = launch_with(dir.path(), &file, &[("STRATA_CFN_LINT", cfn_lint.as_str())]).await;
    let app = &launched.app;
    app.until_node("Classify").await;
    app.click("#export").await;
    // The template holds the recorded version and alias, as `strata export --data-dir` writes.
    app.until_text_has(
        "#export-preview",
        "AWS::Bedrock::FlowAlias",
        "the template with the recorded version and alias",
    )
    .await;
    let preview = app.text("#export-preview").await;
    assert!(preview.contains("AWS::Bedrock::FlowVersion"), "{preview}");
    assert!(preview.contains("first cut"), "{preview}");
    let cli = {
        let history = strata::session::versions::history(&app_store(dir.path()).await, &p)
            .await
            .expect("history");
        strata::export::render(&p, strata::export::Format::Cloudformation, None, &history)
            .expect("renders")
            .text
    };
    assert_eq!(preview, cli, "the app and the CLI render the same template");
    let linted = app.lint_answer().await;
    assert_eq!(runs(&count), 1);

    // Writing: cfn-lint's answer stays, nothing is linted again.
    app.write_export("#export-ok", "the file written").await;
    keep_painted_screenshot(app, "app-export-versions.png").await;
    assert_eq!(app.attr("#export-lint", "data-state").await, linted);
    assert_eq!(runs(&count), 1);
    let target = dir.path().join("triage.template.yaml");
    let written = std::fs::read_to_string(&target).expect("the exported template");
    assert_eq!(written, cli);
    if let Some(findings) = support::cfn_lint::lint(std::slice::from_ref(&target)) {
        assert!(findings.is_empty(), "cfn-lint: {findings:#?}");
        assert_eq!(linted, "clean", "the dialog ran the same cfn-lint");
    }

    // Another format and back: the same text is not linted again, and its answer is shown.
    for format in ["flow-json", "cloudformation"] {
        app.js(
            "const s = document.querySelector('#export-format'); s.value = arguments[0]; \
             s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(format)],
        )
        .await;
    }
    app.until_text_has(
        "#export-preview",
        "AWS::Bedrock::FlowVersion",
        "the template again",
    )
    .await;
    assert_eq!(app.attr("#export-lint", "data-state").await, linted);
    assert_eq!(runs(&count), 1);
    launched.close().await;
}
