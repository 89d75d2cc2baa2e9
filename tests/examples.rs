//! The runnable examples under `examples/`, run exactly as `examples/README.md` tells a new
//! user to: through the built `strata` binary, from the repository root, offline (scripted
//! model replies and answers files). Each test checks what the example is there to show —
//! that handlers ran and their answers reached the model, that the help centre was searched,
//! that return of control and confirmations were answered, that the guardrail acted — not
//! only that the command exited 0.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const PROJECT: &str = "examples/customer-support/support.strata.json";
const DIR: &str = "examples/customer-support";

struct Output {
    code: i32,
    /// The lines of stdout that are JSON objects (trace events with `--json`).
    events: Vec<Value>,
    /// The other lines of stdout: the conversation as printed.
    lines: Vec<String>,
    stdout: String,
    stderr: String,
}

/// Runs `strata` from the repository root, with a data folder of its own.
fn strata(args: &[&str]) -> Output {
    let data = tempfile::tempdir().expect("a temporary data folder");
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("STRATA_DATA_DIR", data.path())
        .output()
        .expect("strata runs");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 stdout");
    let mut events = Vec::new();
    let mut lines = Vec::new();
    for line in stdout.lines() {
        match serde_json::from_str::<Value>(line) {
            Ok(v @ Value::Object(_)) => events.push(v),
            Ok(_) | Err(_) => lines.push(line.to_owned()),
        }
    }
    Output {
        code: out.status.code().expect("an exit code, not a signal"),
        events,
        lines,
        stdout,
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

fn file(name: &str) -> String {
    let path = format!("{DIR}/{name}");
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(&path).is_file(),
        "{path} exists"
    );
    path
}

/// `strata chat PROJECT --agent Support --replay REPLAY --answers ANSWERS FLAGS…`.
fn chat_with(replay: &str, answers: &str, flags: &[&str]) -> Output {
    let chat = ["chat", PROJECT, "--agent", "Support"];
    strata(
        &[
            &chat[..],
            &["--replay", replay, "--answers", answers],
            flags,
        ]
        .concat(),
    )
}

/// The example's chat, with its replay and answers files.
fn chat() -> Output {
    let (replay, answers) = (file("replays/chat.yaml"), file("answers/chat.yaml"));
    let out = chat_with(&replay, &answers, &["--no-store", "--json"]);
    assert_eq!(
        out.code, 0,
        "chat exits 0\nstdout: {:?}\nstderr: {}",
        out.lines, out.stderr
    );
    out
}

/// The agent trace events of a chat (`{"orchestrationTrace": {...}}` and the like), in order.
fn step<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter_map(|e| e.get("orchestrationTrace").and_then(|o| o.get(kind)))
        .collect()
}

/// Member `part` of each `kind` step that has one (`invocationInput` → `actionGroupInvocationInput`).
fn step_parts<'a>(events: &'a [Value], kind: &str, part: &str) -> Vec<&'a Value> {
    step(events, kind)
        .into_iter()
        .filter_map(|s| s.get(part))
        .collect()
}

/// The full prompt of each orchestration model call (system, messages, tool names).
fn model_inputs(events: &[Value]) -> Vec<String> {
    step(events, "modelInvocationInput")
        .into_iter()
        .map(|m| m["text"].as_str().expect("a prompt text").to_owned())
        .collect()
}

/// The agent's answers, as `strata chat` prints them.
fn replies(out: &Output) -> Vec<&str> {
    out.lines
        .iter()
        .filter_map(|l| l.strip_prefix("Support> "))
        .collect()
}

/// Every return of control, in order.
fn returned(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter_map(|e| e.get("returnControl"))
        .collect()
}

/// The text of every action-group observation, in order.
fn action_outputs(events: &[Value]) -> Vec<String> {
    step_parts(events, "observation", "actionGroupInvocationOutput")
        .into_iter()
        .map(|a| a["text"].as_str().expect("an observation text").to_owned())
        .collect()
}

#[test]
fn the_customer_support_project_validates_without_problems() {
    let out = strata(&["validate", "--json", PROJECT]);
    assert_eq!(out.code, 0, "validate exits 0: {:?}", out.lines);
    let report: Value = serde_json::from_str(&out.stdout).expect("a JSON report");
    let diagnostics = report["files"][0]["diagnostics"]
        .as_array()
        .expect("a diagnostics list");
    assert!(
        diagnostics.is_empty(),
        "no errors and no warnings: {diagnostics:#?}"
    );
    let text = strata(&["validate", PROJECT]);
    assert_eq!(text.code, 0);
    assert!(
        text.lines.concat().contains("no problems"),
        "{:?}",
        text.lines
    );
}

#[test]
fn the_billing_handler_answers_and_its_answer_reaches_the_reply() {
    let out = chat();
    let calls = step_parts(&out.events, "invocationInput", "actionGroupInvocationInput");
    let lookup = calls
        .iter()
        .find(|c| c["function"] == "get_invoice")
        .expect("the agent called billing.get_invoice");
    assert_eq!(lookup["actionGroupName"], "billing");
    assert_eq!(lookup["executionType"], "LAMBDA");
    assert_eq!(lookup["parameters"][0]["value"], "INV-1042");

    // handlers/billing.py computed the total from the invoice lines.
    let outputs = action_outputs(&out.events);
    let invoice: Value = serde_json::from_str(&outputs[0]).expect("the handler's body is JSON");
    assert_eq!(invoice["invoice_id"], "INV-1042");
    assert_eq!(invoice["total"], "352.50");
    assert_eq!(invoice["refundable"], "352.50");
    assert_eq!(invoice["lines"].as_array().map(Vec::len), Some(3));

    // The model's next call carries the handler's answer, and the reply states it.
    let prompts = model_inputs(&out.events);
    assert!(
        prompts[1].contains(r#"\"total\": \"352.50\""#),
        "the tool result went back to the model: {}",
        prompts[1]
    );
    assert!(
        replies(&out)[0].contains("352.50 USD in total"),
        "{:?}",
        replies(&out)
    );
}

#[test]
fn the_help_question_is_answered_from_the_right_article() {
    let out = chat();
    let searches = step_parts(&out.events, "invocationInput", "knowledgeBaseLookupInput");
    assert_eq!(searches.len(), 1, "one help-centre search");
    assert_eq!(searches[0]["knowledgeBaseId"], "HELPCTR001");
    let found = *step_parts(&out.events, "observation", "knowledgeBaseLookupOutput")
        .first()
        .expect("the search's observation");
    let references = found["retrievedReferences"]
        .as_array()
        .expect("retrieved references");
    assert_eq!(
        references[0]["location"]["localLocation"]["path"], "update-payment-method.md",
        "the best passage comes from the payment-method article: {references:#?}"
    );
    assert!(references[0]["content"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("Replace card")));
    // The passages, with their source, are what the model read before answering.
    assert!(model_inputs(&out.events)[3].contains("update-payment-method.md"));
    assert!(
        out.lines.iter().any(|l| l.contains("Replace card")),
        "the reply explains the steps: {:?}",
        out.lines
    );
}

#[test]
fn a_large_refund_returns_control_and_uses_the_applications_answer() {
    let out = chat();
    let returned = returned(&out.events);
    let large = returned[0]["invocationInputs"][0]["functionInvocationInput"].clone();
    assert_eq!(large["actionGroup"], "large_refunds");
    assert_eq!(large["function"], "request_large_refund");
    assert_eq!(large["actionInvocationType"], "RESULT");
    let amount = large["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "amount"))
        .expect("an amount parameter");
    assert_eq!(amount["value"], "300");

    // The answers file's result is the observation, and the model's next call reads it.
    assert!(action_outputs(&out.events)
        .iter()
        .any(|t| t.contains("\"case_id\": \"CASE-88213\"")));
    let prompts = model_inputs(&out.events);
    let after = prompts
        .iter()
        .position(|p| p.contains("CASE-88213"))
        .expect("a model call saw the case number");
    assert!(
        step(&out.events, "observation")
            .iter()
            .any(|o| o["actionGroupInvocationOutput"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("CASE-88213"))),
        "the result is observed as the action's output"
    );
    assert!(
        after > 0 && prompts[after - 1].contains("300 USD back"),
        "the case number first reaches the model right after the call that returned control"
    );
    assert!(replies(&out)[2].contains("CASE-88213"));
}

#[test]
fn a_small_refund_runs_only_after_the_customer_confirms() {
    let out = chat();
    let returned = returned(&out.events);
    assert_eq!(returned.len(), 2, "the large refund and the confirmation");
    let confirm = &returned[1]["invocationInputs"][0]["functionInvocationInput"];
    assert_eq!(confirm["actionGroup"], "billing");
    assert_eq!(confirm["function"], "refund");
    assert_eq!(confirm["actionInvocationType"], "USER_CONFIRMATION");
    assert!(out
        .lines
        .iter()
        .any(|l| l.starts_with("confirm? [y/N] CONFIRM")));

    // Confirmed, the handler ran: the refund id comes from handlers/billing.py.
    let refund: Value = action_outputs(&out.events)
        .iter()
        .find_map(|t| {
            serde_json::from_str::<Value>(t)
                .ok()
                .filter(|v| v.get("refund_id").is_some())
        })
        .expect("the refund handler's answer");
    assert_eq!(refund["refund_id"], "RF-1042-1250");
    assert_eq!(refund["amount"], "12.50");
    assert!(replies(&out)[3].contains("RF-1042-1250"));
}

#[test]
fn the_guardrail_anonymises_the_email_and_blocks_investment_advice() {
    let out = chat();
    let guardrails: Vec<&Value> = out
        .events
        .iter()
        .filter_map(|e| e.get("guardrailTrace"))
        .filter(|g| g["action"] == "INTERVENED")
        .collect();
    let pii = &guardrails[0]["inputAssessments"][0]["sensitiveInformationPolicy"]["piiEntities"][0];
    assert_eq!(pii["type"], "EMAIL");
    assert_eq!(pii["match"], "dana.lee@example.com");
    assert_eq!(pii["action"], "ANONYMIZED");
    let prompts = model_inputs(&out.events);
    assert!(prompts[0].contains("I'm {EMAIL}"));
    assert!(
        prompts.iter().all(|p| !p.contains("dana.lee@example.com")),
        "no model call ever saw the address"
    );

    let topic = &guardrails[1]["inputAssessments"][0]["topicPolicy"]["topics"][0];
    assert_eq!(topic["name"], "investment advice");
    assert_eq!(topic["action"], "BLOCKED");
    assert_eq!(
        replies(&out).last().copied(),
        Some("Sorry, I can only help with your Northwind Cloud account, billing and product questions.")
    );
}

#[test]
fn the_conversation_carries_from_turn_to_turn_without_a_store() {
    let out = chat();
    let prompts = model_inputs(&out.events);
    // The first call of the refund turn already holds the earlier turns.
    let refund_turn = prompts
        .iter()
        .find(|p| p.contains("refund the fee"))
        .expect("the late-fee turn");
    assert!(refund_turn.contains("CASE-88213"));
    assert!(refund_turn.contains("352.50 USD in total"));
}

/// A billing request the triage flow sends to the support agent.
const BILLING_REQUEST: &str = r#"{"message": "Please refund the 40 USD extra seats add-on on invoice INV-1042, we never used those seats."}"#;

/// `strata run PROJECT --flow triage INPUT… FLAGS…` with the example's triage replay and
/// answers files, not stored.
fn run_triage(input: &[&str], flags: &[&str]) -> Output {
    let (replay, answers) = (file("replays/triage.yaml"), file("answers/triage.yaml"));
    let run = ["run", PROJECT, "--flow", "triage"];
    let files = ["--replay", &replay, "--answers", &answers, "--no-store"];
    strata(&[&run[..], input, &files, flags].concat())
}

/// The triage flow on `input`, with events as JSON lines; it must exit 0.
fn triage(input: &[&str]) -> Output {
    let out = run_triage(input, &["--json"]);
    assert_eq!(
        out.code, 0,
        "run exits 0\nstdout: {:?}\nstderr: {}",
        out.lines, out.stderr
    );
    out
}

fn event<'a>(out: &'a Output, kind: &str) -> Vec<&'a Value> {
    out.events.iter().filter(|e| e["event"] == kind).collect()
}

/// The run succeeded, and its first output came from `node` and holds `text`.
#[track_caller]
fn assert_succeeded_with(out: &Output, node: &str, text: &str) {
    let finished = event(out, "runFinished")[0];
    assert_eq!(finished["status"], "succeeded");
    assert_eq!(finished["outputs"][0]["node"], node);
    assert!(finished["outputs"][0]["document"]
        .as_str()
        .is_some_and(|d| d.contains(text)));
}

#[test]
fn triage_sends_a_billing_request_to_the_support_agent() {
    let out = triage(&["--input", BILLING_REQUEST]);
    assert_eq!(
        event(&out, "conditionResult")[0]["satisfiedConditions"],
        serde_json::json!(["isBilling"])
    );
    let skipped: Vec<&str> = event(&out, "nodeSkipped")
        .iter()
        .filter_map(|e| e["node"].as_str())
        .collect();
    assert_eq!(skipped, ["HelpCentre", "HelpReply"]);

    // The project agent ran inside the node: the invoice lookup, then the confirmed refund.
    let traces: Vec<&Value> = event(&out, "agentTrace")
        .iter()
        .map(|e| &e["trace"])
        .collect();
    let confirmation = traces
        .iter()
        .find_map(|t| t.get("returnControl"))
        .expect("the refund asked for confirmation");
    assert_eq!(
        confirmation["invocationInputs"][0]["functionInvocationInput"]["actionInvocationType"],
        "USER_CONFIRMATION"
    );
    assert!(
        out.stderr.contains("confirm? [y/N] CONFIRM"),
        "{}",
        out.stderr
    );
    let refund = traces
        .iter()
        .filter_map(|t| {
            t.get("orchestrationTrace")?
                .get("observation")?
                .get("actionGroupInvocationOutput")
        })
        .find_map(|a| a["text"].as_str().filter(|t| t.contains("refund_id")))
        .expect("the refund handler ran");
    assert!(
        refund.contains("\"refund_id\": \"RF-1042-4000\""),
        "{refund}"
    );

    assert_succeeded_with(&out, "BillingReply", "RF-1042-4000");
}

#[test]
fn triage_answers_other_questions_from_the_help_centre() {
    let out = triage(&["--sample", "help"]);
    assert_eq!(
        event(&out, "conditionResult")[0]["satisfiedConditions"],
        serde_json::json!(["default"])
    );
    assert!(event(&out, "agentTrace").is_empty(), "the agent never ran");
    let retrieve = event(&out, "nodeAction")
        .into_iter()
        .find(|a| a["operationName"] == "Retrieve")
        .expect("the knowledge base was searched");
    assert_eq!(retrieve["node"], "HelpCentre");
    assert_eq!(
        retrieve["response"]["retrievalResults"][0]["location"]["localLocation"]["path"],
        "reset-password.md"
    );
    // The generation prompt quotes the passages with their source.
    let generate = event(&out, "nodeAction")
        .into_iter()
        .find(|a| a["node"] == "HelpCentre" && a["operationName"] == "Converse")
        .expect("the answer was generated");
    assert!(generate["request"]
        .to_string()
        .contains("reset-password.md"));
    assert_succeeded_with(&out, "HelpReply", "30 minutes");
}

#[test]
fn memory_carries_a_summary_into_the_next_session() {
    let data = tempfile::tempdir().expect("a data folder");
    let data_dir = data.path().to_str().expect("UTF-8 path");
    let (replay, answers) = (file("replays/chat.yaml"), file("answers/chat.yaml"));
    let memory = ["--memory-id", "dana", "--data-dir", data_dir];
    let first = chat_with(&replay, &answers, &memory);
    assert_eq!(first.code, 0, "{:?}\n{}", first.lines, first.stderr);
    assert!(
        first
            .lines
            .iter()
            .any(|l| l.starts_with("remembered for dana: ") && l.contains("CASE-88213")),
        "{:?}",
        first.lines
    );

    // A later session with the same memory id: the summary is in the agent's prompt.
    let later = tempfile::tempdir().expect("a folder for the second session's files");
    let replay2 = later.path().join("replay.yaml");
    let answers2 = later.path().join("answers.yaml");
    std::fs::write(
        &replay2,
        "- contains: my refund case\n  text: Case CASE-88213 is still with a billing specialist.\n\
         - contains: Summarise this conversation\n  text: The customer asked about case CASE-88213.\n",
    )
    .expect("write the replay");
    std::fs::write(&answers2, "inputs: [\"Any news on my refund case?\"]\n")
        .expect("write the answers");
    let second = chat_with(
        replay2.to_str().expect("UTF-8 path"),
        answers2.to_str().expect("UTF-8 path"),
        &[&memory[..], &["--json"]].concat(),
    );
    assert_eq!(second.code, 0, "{:?}\n{}", second.lines, second.stderr);
    let prompt = &model_inputs(&second.events)[0];
    let memory = prompt
        .split("<memory>")
        .nth(1)
        .expect("the prompt has a memory section");
    assert!(memory.contains("CASE-88213"), "{prompt}");
}

#[test]
fn a_flow_run_shows_the_agents_steps_as_readable_lines() {
    let out = run_triage(&["--input", BILLING_REQUEST], &[]);
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let step = |text: &str| {
        out.stdout
            .lines()
            .any(|l| l.contains("BillingAgent") && l.contains(text))
    };
    assert!(
        step("→ LAMBDA billing.get_invoice(invoice_id=INV-1042)"),
        "{}",
        out.stdout
    );
    assert!(
        step("· thinking: Let me check the invoice first."),
        "{}",
        out.stdout
    );
    assert!(
        step("← ACTION_GROUP: {\"refund_id\": \"RF-1042-4000\""),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("orchestrationTrace"),
        "raw agent JSON: {}",
        out.stdout
    );
    // The summary prices the agent's Sonnet calls too, not only the Haiku classification.
    let summary = out.stdout.lines().last().unwrap_or_default().to_owned();
    let usd: f64 = summary
        .rsplit('$')
        .next()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no cost in {summary:?}"));
    assert!(usd > 0.005, "{summary}");
}
