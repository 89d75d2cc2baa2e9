//! Tests of [`RunView`]: hand-built events for each rule, and the events of a real run of the
//! support-triage template (with the `runtime` feature).

use super::*;
use crate::trace::event::{Content, InputField, InputFieldSource, NextInput, OutputField};
use serde_json::json;

fn project() -> Project {
    Project::new("p")
}

fn started(at_ms: u64, node: &str) -> RunEvent {
    RunEvent::NodeStarted {
        at_ms,
        node: node.into(),
        execution_chain: vec![].into(),
    }
}

fn output(at_ms: u64, node: &str, field: &str, next: &[(&str, &str)]) -> RunEvent {
    RunEvent::NodeOutput {
        at_ms,
        node: node.into(),
        execution_chain: vec![].into(),
        fields: vec![OutputField {
            node_output_name: field.into(),
            content: Content {
                document: json!("x"),
            },
            next: next
                .iter()
                .map(|(n, i)| NextInput {
                    node_name: (*n).into(),
                    input_field_name: (*i).into(),
                })
                .collect(),
        }],
    }
}

fn action(at_ms: u64, node: &str, model: &str, input: u64, out: u64) -> RunEvent {
    RunEvent::NodeAction {
        at_ms,
        node: node.into(),
        service_name: "bedrock-runtime".to_owned(),
        operation_name: "Converse".to_owned(),
        request: json!({"modelId": model}).into(),
        response: json!({}).into(),
        usage: Some(Usage {
            input_tokens: input,
            output_tokens: out,
        }),
        latency_ms: 1,
    }
}

const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

#[test]
fn statuses_durations_tokens_and_costs_follow_the_events() {
    let p = project();
    let mut view = RunView::new(&p);
    assert_eq!(view.status("Ask"), &NodeStatus::Waiting);
    view.apply(
        &p,
        &[
            RunEvent::RunStarted {
                at_ms: 0,
                run_id: "r1".to_owned(),
                flow: "main".to_owned(),
                inputs: json!("hi"),
            },
            started(0, "In"),
            output(1, "In", "document", &[("Ask", "topic")]),
            started(2, "Ask"),
        ],
    );
    assert_eq!(view.status("In"), &NodeStatus::Done);
    assert_eq!(view.status("Ask"), &NodeStatus::Running);
    assert!(view.live());
    view.apply(
        &p,
        &[
            action(40, "Ask", HAIKU, 1000, 1000),
            output(42, "Ask", "modelCompletion", &[("Out", "document")]),
            RunEvent::NodeSkipped {
                at_ms: 43,
                node: "Other".into(),
                reason: "Route.isOther was not chosen".to_owned(),
            },
            RunEvent::NodeFailed {
                at_ms: 44,
                node: "Fetch".into(),
                error: "node Fetch: no local handler is configured; set localHandler".to_owned(),
            },
            started(45, "Out"),
            RunEvent::RunFinished {
                at_ms: 50,
                status: RunStatus::Failed,
                outputs: vec![],
                usage: Usage {
                    input_tokens: 1000,
                    output_tokens: 1000,
                },
                duration_ms: 50,
                run_id: None,
                cost_usd: None,
                unpriced: vec![],
            },
        ],
    );
    let ask = &view.nodes["Ask"];
    assert_eq!(ask.status, NodeStatus::Done);
    assert_eq!(ask.duration_ms(), Some(40));
    assert_eq!(ask.usage.input_tokens, 1000);
    assert!((ask.cost.usd - 0.0015).abs() < 1e-12, "{}", ask.cost.usd);
    assert_eq!(
        view.status("Other"),
        &NodeStatus::Skipped {
            reason: "Route.isOther was not chosen".to_owned()
        }
    );
    assert_eq!(
        view.status("Fetch"),
        &NodeStatus::Failed {
            error: "node Fetch: no local handler is configured".to_owned(),
            hint: "set localHandler".to_owned()
        }
    );
    // An Output node produces no nodeOutputTrace: it is done when the run ends.
    assert_eq!(view.status("Out"), &NodeStatus::Done);
    assert_eq!(view.status, Some(RunStatus::Failed));
    assert_eq!(view.duration_ms, 50);
    assert_eq!(view.run_id.as_deref(), Some("r1"));
    assert_eq!(
        view.totals(),
        "50 ms · 1000 in / 1000 out tokens · $0.0015 · prices: built-in table (us-east-1 on-demand)"
    );
    assert!(view.carried_has("In", "document", "Ask", "topic"));
    assert!(view.carried_has("Ask", "modelCompletion", "Out", "document"));
    assert!(!view.carried_has("Ask", "modelCompletion", "Other", "document"));
}

#[test]
fn connections_show_what_carried_and_which_condition_fired() {
    let p = project();
    let mut view = RunView::new(&p);
    view.apply(
        &p,
        &[
            RunEvent::NodeInput {
                at_ms: 1,
                node: "Route".into(),
                execution_chain: vec![].into(),
                fields: vec![InputField {
                    node_input_name: "conditionInput".into(),
                    content: Content {
                        document: json!("BILLING"),
                    },
                    data_type: crate::model::DataType::String,
                    source: InputFieldSource {
                        node_name: "Classify".into(),
                        output_field_name: "modelCompletion".into(),
                        expression: "$.data".into(),
                    },
                }],
            },
            RunEvent::ConditionResult {
                at_ms: 2,
                node: "Route".into(),
                satisfied_conditions: vec!["isBilling".to_owned()],
            },
        ],
    );
    let data = FlowConnection::data("Classify", "modelCompletion", "Route", "conditionInput");
    assert_eq!(
        view.connection(&data),
        ConnectionState {
            carried: true,
            fired: false
        }
    );
    let conditional = |condition: &str| -> FlowConnection {
        serde_json::from_value(json!({
            "name": format!("RouteTo{condition}"), "type": "Conditional",
            "source": "Route", "target": "X",
            "configuration": {"conditional": {"condition": condition}}
        }))
        .expect("a conditional connection")
    };
    assert!(view.connection(&conditional("isBilling")).fired);
    assert!(!view.connection(&conditional("isBug")).fired);
    assert!(
        !view
            .connection(&FlowConnection::data("Route", "x", "Y", "y"))
            .carried
    );
}

#[test]
fn a_reused_node_says_so_after_its_outputs() {
    let p = project();
    let mut view = RunView::new(&p);
    view.apply(
        &p,
        &[
            RunEvent::NodeReused {
                at_ms: 1,
                node: "Classify".into(),
                execution_chain: vec![].into(),
                from_run: Some("r0".to_owned()),
                reason: "reused from run r0".to_owned(),
            },
            output(1, "Classify", "modelCompletion", &[("Route", "kind")]),
        ],
    );
    assert_eq!(
        view.status("Classify"),
        &NodeStatus::Reused {
            reason: "reused from run r0".to_owned()
        }
    );
    assert!(view.carried_has("Classify", "modelCompletion", "Route", "kind"));
}

#[test]
fn iterator_members_stay_running_until_every_item_is_done() {
    let p = project();
    let mut view = RunView::new(&p);
    view.apply(&p, &[started(1, "Sum"), started(2, "Sum")]);
    view.apply(&p, &[output(5, "Sum", "modelCompletion", &[])]);
    assert_eq!(view.status("Sum"), &NodeStatus::Running);
    view.apply(&p, &[output(9, "Sum", "modelCompletion", &[])]);
    assert_eq!(view.status("Sum"), &NodeStatus::Done);
    assert_eq!(view.nodes["Sum"].runs, 2);
    assert_eq!(view.nodes["Sum"].duration_ms(), Some(8));
}

#[test]
fn a_pause_marks_its_node_and_a_cancel_ends_the_running_ones() {
    let p = project();
    let mut view = RunView::new(&p);
    view.apply(&p, &[started(1, "Ask")]);
    view.set_paused(Some("Next"));
    assert_eq!(view.status("Next"), &NodeStatus::Paused);
    view.set_paused(None);
    assert_eq!(view.status("Next"), &NodeStatus::Waiting);
    view.apply(
        &p,
        &[
            RunEvent::Cancelled { at_ms: 3 },
            RunEvent::RunFinished {
                at_ms: 3,
                status: RunStatus::Cancelled,
                outputs: vec![],
                usage: Usage::default(),
                duration_ms: 3,
                run_id: None,
                cost_usd: None,
                unpriced: vec![],
            },
        ],
    );
    assert_eq!(view.status("Ask"), &NodeStatus::Cancelled);
    assert!(!view.live());
}

#[test]
fn the_price_source_names_profiles_with_their_own_prices() {
    let mut p = project();
    assert_eq!(price_source(&p), "built-in table (us-east-1 on-demand)");
    let local = json!({"name": "local", "provider": "openai", "modelId": "llama3",
        "serves": [HAIKU], "pricePer1kTokens": {"input": 0.0, "output": 0.0}});
    p.model_profiles
        .push(serde_json::from_value(local).expect("a model profile"));
    assert_eq!(
        price_source(&p),
        "model profile local's own prices, else the built-in table (us-east-1 on-demand)"
    );
    let mut view = RunView::new(&p);
    view.apply(&p, &[action(1, "Ask", HAIKU, 1000, 1000)]);
    assert_eq!(view.cost.usd, 0.0);
}

#[test]
fn a_burst_of_ten_thousand_events_folds_in_one_pass() {
    let p = project();
    let mut events = Vec::new();
    for i in 0..5_000u64 {
        events.push(started(i, "Item"));
        events.push(output(i + 1, "Item", "out", &[("Collect", "arrayItem")]));
    }
    let mut view = RunView::new(&p);
    view.apply(&p, &events);
    assert_eq!(view.events, 10_000);
    assert_eq!(view.nodes["Item"].runs, 5_000);
    assert_eq!(view.status("Item"), &NodeStatus::Done);
    assert_eq!(view.carried.len(), 1);
}

#[test]
fn durations_read_as_people_read_them() {
    assert_eq!(duration_text(850), "850 ms");
    assert_eq!(duration_text(2_400), "2.4 s");
    assert_eq!(duration_text(185_000), "3 min 05 s");
}

#[cfg(feature = "runtime")]
mod replayed {
    use super::*;
    use crate::providers::scripted::{Script, ScriptedProvider};
    use crate::run::{run_flow, RunContext};
    use std::sync::Arc;

    /// The support-triage template's billing route, run with a scripted model: the view of
    /// its real events shows the branch taken and the branches skipped.
    #[tokio::test]
    async fn a_real_run_paints_the_route_it_took() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let text =
            std::fs::read_to_string(dir.join("support-triage.strata.json")).expect("the template");
        let p = crate::model::load(&text, "support-triage")
            .expect("loads")
            .project;
        let document = p
            .flow("triage")
            .and_then(|f| f.samples.iter().find(|s| s.name == "billing"))
            .map(|s| s.document.clone())
            .expect("the billing sample");
        let script = "- text: BILLING\n  usage: {inputTokens: 100, outputTokens: 10}\n\
                      - text: I refunded the duplicate charge.\n";
        let provider = Arc::new(ScriptedProvider::new(
            Script::parse(script, "test").expect("script"),
        ));
        let compiled = crate::compile::compile(&p);
        let plan = compiled.plan("triage").expect("a plan");
        let (tx, mut rx) = tokio::sync::mpsc::channel(10_000);
        let ctx = RunContext::new(provider, dir).with_run_id("r-view");
        run_flow(plan, &p, document, ctx, tx).await;
        let mut events = Vec::new();
        while let Ok(e) = rx.try_recv() {
            events.push(e);
        }
        let view = RunView::of_events(&p, &events);
        assert_eq!(view.status, Some(RunStatus::Succeeded));
        assert_eq!(view.status("Billing"), &NodeStatus::Done);
        assert_eq!(view.status("BillingReply"), &NodeStatus::Done);
        assert_eq!(view.status("Route"), &NodeStatus::Done);
        assert!(
            matches!(view.status("DocsAnswer"), NodeStatus::Skipped { reason } if reason.contains("not chosen")),
            "{:?}",
            view.status("DocsAnswer")
        );
        assert_eq!(view.fired["Route"], ["isBilling"]);
        let flow = p.flow("triage").expect("flow");
        let fired: Vec<&str> = flow
            .definition
            .connections
            .iter()
            .filter(|c| view.connection(c).fired)
            .map(|c| c.target.as_str())
            .collect();
        assert_eq!(fired, ["Billing"]);
        assert!(view.nodes["Classify"].usage.input_tokens >= 100);
        assert!(view.nodes.values().all(|n| n.status != NodeStatus::Running));
    }
}
