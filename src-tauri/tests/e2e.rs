//! The real desktop app, end to end: tauri-driver → WebKitWebDriver → the Strata window.
//!
//! Opens the support-triage template, adds a node from the palette, connects ports, watches a
//! problem appear and go, has an incompatible connection refused, undoes and redoes, edits a
//! condition, saves, reopens and compares the file with the same edits made through the core.
//! Then edits a Prompt through its form (a saved value, an invalid one with its message),
//! types an agent instruction against its counter and undoes it, auto-lays out and undoes,
//! and finds a node with Ctrl+F. Screenshots go to the test's temporary folder.
//!
//! Needs `tauri-driver`, `WebKitWebDriver` and, without a `DISPLAY`, `Xvfb`
//! (`scripts/setup-desktop.sh` installs them). A missing piece fails the test with a message;
//! nothing is skipped. The UI must be built first (`ui/build.sh`), since the app embeds it.

mod support {
    pub mod app;
    pub mod project;
}

use serde_json::{json, Value};
use strata::edit::{Command as Edit, History};
use strata::model::Position;
use support::app::launch;
use support::project::triage;

fn flows_of(text: &str) -> Value {
    let p = strata::model::load(text, "x")
        .expect("the saved file loads")
        .project;
    serde_json::to_value(&p.flows).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_save_and_reopen_in_the_real_app() {
    let dir = tempfile::tempdir().unwrap();
    let (file, start) = triage(dir.path());

    let launched = launch(dir.path(), &file).await;
    let app = &launched.app;

    // The template opens, drawn from the file given on the command line.
    app.until_node("Classify").await;
    app.until(
        "document.getElementById('file-name').textContent.endsWith('triage.strata.json')",
        "the file name in the toolbar",
    )
    .await;
    let nodes_at_start = app.count("g.node").await;
    assert_eq!(nodes_at_start, start.flows[0].definition.nodes.len() as u64);

    // Add an Output node from the palette: it is unconnected, so a problem names it.
    app.click("button.palette-item[data-kind=\"Output\"]").await;
    app.until_node("Output").await;
    app.until_problem(
        "UnfulfilledNodeInput",
        "Output",
        "a problem about the unconnected Output",
    )
    .await;

    // Connect Classify's completion to it: the problem goes.
    app.drag(
        "g.port[data-port=\"out:Classify:modelCompletion\"] circle",
        "g.port[data-port=\"in:Output:document\"] circle",
    )
    .await;
    app.until(
        "!document.querySelector('li.problem[data-node=\"Output\"]')",
        "the Output node's problems to clear after connecting",
    )
    .await;

    // An Object into a String input is refused, with the reason shown, and nothing changes.
    app.click("button.palette-item[data-kind=\"Output\"]").await;
    app.until_node("Output2").await;
    let paths_before = app.count("path.connection").await;
    app.drag(
        "g.port[data-port=\"out:FlowInput:document\"] circle",
        "g.port[data-port=\"in:Output2:document\"] circle",
    )
    .await;
    app.until(
        "document.getElementById('status').classList.contains('refused') && document.getElementById('status').textContent.includes('is String')",
        "the refusal of an Object → String connection",
    )
    .await;
    assert_eq!(app.count("path.connection").await, paths_before);

    // Undo removes the second Output, redo brings it back, undo again for good.
    app.click("#undo").await;
    app.until_node_gone("Output2", "undo of the add").await;
    app.click("#redo").await;
    app.until_node("Output2").await;
    app.click("#undo").await;
    app.until_node_gone("Output2", "the second undo").await;

    // Edit a condition: a malformed expression shows inline and as a problem, a good one clears both.
    app.select_node("Route").await;
    let expr = "#conditions .row[data-condition=\"isBug\"] input.expr";
    app.set_field(expr, "kind ==").await;
    app.until_shown("#conditions .condition-error", "the inline parse error")
        .await;
    app.until_shown(
        "li.problem[data-code=\"MalformedConditionExpression\"]",
        "the malformed condition in the problems panel",
    )
    .await;
    app.set_field(expr, "kind == \"DEFECT\"").await;
    app.until(
        "!document.querySelector('#conditions .condition-error') && !document.querySelector('li.problem[data-code=\"MalformedConditionExpression\"]')",
        "the condition error to clear",
    )
    .await;
    app.until_unsaved(true, "the unsaved mark in the title")
        .await;

    // Save; the file holds exactly the edits, as the core makes them.
    app.save().await;
    app.until_unsaved(false, "the unsaved mark to go").await;
    let saved = std::fs::read_to_string(&file).unwrap();
    let mut expected = start.clone();
    let mut history = History::default();
    for edit in [
        Edit::AddNode {
            flow: "triage".into(),
            kind: strata::nodes::NodeType::Output,
            position: Position { x: 0.0, y: 0.0 },
        },
        Edit::Connect {
            flow: "triage".into(),
            source: "Classify".into(),
            output: "modelCompletion".into(),
            target: "Output".into(),
            input: "document".into(),
        },
    ] {
        history.apply(&mut expected, &edit).unwrap();
    }
    let route = expected.flows[0].definition.node("Route").unwrap().clone();
    let Some(strata::nodes::NodeConfiguration::Condition(mut c)) = route.configuration else {
        panic!("Route is a Condition node")
    };
    c.conditions[0].expression = Some("kind == \"DEFECT\"".into());
    history
        .apply(
            &mut expected,
            &Edit::SetConditions {
                flow: "triage".into(),
                node: "Route".into(),
                conditions: c.conditions,
            },
        )
        .unwrap();
    assert_eq!(
        flows_of(&saved),
        serde_json::to_value(&expected.flows).unwrap()
    );

    // Reopen the file and save it elsewhere: the bytes are the same.
    app.click("#open").await;
    app.answer_dialog(&file.display().to_string()).await;
    app.until(
        "!document.getElementById('dialog')",
        "the open dialog to close",
    )
    .await;
    app.until_node("Output").await;
    let copy = dir.path().join("copy.strata.json");
    app.click("#save-as").await;
    app.answer_dialog(&copy.display().to_string()).await;
    app.until(
        "document.getElementById('file-name').textContent.endsWith('copy.strata.json')",
        "the save as",
    )
    .await;
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), saved);

    app.screenshot("e2e-editor.png").await;

    // The Prompt form: a field saved through the form lands in the file; an invalid value
    // shows its message under the field.
    app.select_node("Classify").await;
    let temperature = ".form-field[data-field=\"sourceConfiguration.inline.inferenceConfiguration.text.temperature\"]";
    app.set_field(&format!("{temperature} input"), "0.3").await;
    app.until(
        "document.getElementById('config').value.includes('\"temperature\": 0.3')",
        "the temperature in the configuration",
    )
    .await;
    app.set_field(&format!("{temperature} input"), "1.7").await;
    app.until_text_has(
        &format!("{temperature} .field-error"),
        "Bedrock takes 0..1",
        "the temperature's range message",
    )
    .await;
    let model = ".form-field[data-field=\"sourceConfiguration.inline.modelId\"]";
    app.set_field(&format!("{model} input"), "not a model id")
        .await;
    app.until(
        &format!(
            "document.querySelector('{model} .field-error')?.textContent.includes('model id')"
        ),
        "the model id's pattern message",
    )
    .await;
    app.until_problem(
        "InvalidFieldValue",
        "Classify",
        "the invalid model id in the problems panel",
    )
    .await;
    app.screenshot("e2e-prompt-form.png").await;
    app.set_field(
        &format!("{model} input"),
        "anthropic.claude-3-haiku-20240307-v1:0",
    )
    .await;
    app.set_field(&format!("{temperature} input"), "0.3").await;
    app.until(
        &format!("!document.querySelector('{model} .field-error') && !document.querySelector('{temperature} .field-error')"),
        "the form's messages to clear",
    )
    .await;
    app.click("#save").await;
    app.until_unsaved(false, "the save of the form edits").await;
    let saved = strata::model::load(&std::fs::read_to_string(&copy).unwrap(), "x")
        .unwrap()
        .project;
    let classify = saved.flows[0].definition.node("Classify").unwrap();
    let config = serde_json::to_value(&classify.configuration).unwrap();
    assert_eq!(
        config
            .pointer("/prompt/sourceConfiguration/inline/inferenceConfiguration/text/temperature"),
        Some(&json!(0.3)),
        "{config:#}"
    );

    // The agent editor: the instruction's counter follows typing and says when Bedrock
    // would refuse the length; a committed instruction is one undoable edit.
    app.click(".agent-item[data-agent=\"BillingAgent\"]").await;
    app.until_shown("#agent-instruction", "the agent editor")
        .await;
    let original = app
        .read("document.getElementById('agent-instruction').value")
        .await;
    app.type_into("#agent-instruction", "Too short.").await;
    app.until(
        "document.getElementById('instruction-count').textContent.startsWith('10 / 4000') && document.getElementById('instruction-count').classList.contains('bad')",
        "the counter to flag a 10-character instruction",
    )
    .await;
    let instruction = "Answer billing questions; look the order up before any refund.";
    app.set_field("#agent-instruction", instruction).await;
    app.until(
        &format!("document.getElementById('instruction-count').textContent === '{} / 4000' && !document.getElementById('instruction-count').classList.contains('bad')", instruction.chars().count()),
        "the counter to accept the instruction",
    )
    .await;
    app.screenshot("e2e-agent.png").await;
    app.click("#undo").await;
    app.until(
        &format!("document.getElementById('agent-instruction').value === {original}"),
        "undo of the instruction",
    )
    .await;

    // Auto-layout moves nodes; undo puts them back exactly.
    let route_at =
        "document.querySelector('g.node[data-node=\"Route\"]').getAttribute('transform')";
    let before = app.read(route_at).await;
    app.click("#auto-layout").await;
    app.until(
        &format!("{route_at} !== {before}"),
        "auto-layout to move Route",
    )
    .await;
    app.click("#undo").await;
    app.until(
        &format!("{route_at} === {before}"),
        "undo of the auto-layout",
    )
    .await;

    // Ctrl+F finds a node by name and selects it.
    app.ctrl("f").await;
    app.until_shown("#find-input", "the find box").await;
    app.type_into("#find-input", "otherrep").await;
    app.until_shown("#find li[data-node=\"OtherReply\"]", "the match")
        .await;
    app.js(
        "document.getElementById('find-input').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));",
        vec![],
    )
    .await;
    app.until(
        "!document.getElementById('find') && document.querySelector('g.node.selected[data-node=\"OtherReply\"]')",
        "OtherReply selected by find",
    )
    .await;
    launched.close().await;
}
