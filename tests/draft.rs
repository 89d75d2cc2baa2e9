//! `strata draft agent|flow`: counterparts drafted from the customer-support example and the
//! support-triage template compile without errors, keep the handlers' files, and validate.

use std::path::Path;

use strata::compile::compile;
use strata::model::agent::ActionGroupExecutor;
use strata::model::Project;
use strata::nodes::{NodeConfiguration, NodeType};

mod support {
    pub mod cli;
}

use support::cli::{run_in, Project as TempProject};

const EXAMPLE: &str = "examples/customer-support/support.strata.json";

fn example() -> Project {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE);
    let text = std::fs::read_to_string(path).expect("example");
    strata::model::load(&text, "support")
        .expect("loads")
        .project
}

fn template() -> Project {
    let t = strata::templates::find("support-triage").expect("template");
    strata::templates::instantiate(t, "my-flow").expect("template loads")
}

fn no_errors(project: &Project) {
    let compiled = compile(project);
    let errors: Vec<String> = compiled.errors().map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Each function with a handler became a LambdaFunction node running the same file.
fn flow_keeps_handlers(project: &Project, agent: &str, flow: &str) {
    let agent = project.agent(agent).expect("agent");
    let flow = project.flow(flow).expect("flow");
    let mut expected = 0;
    for group in &agent.action_groups {
        let Some(handler) = &group.local_handler else {
            continue;
        };
        for f in group.function_schema.iter().flat_map(|s| s.functions()) {
            expected += 1;
            let node = flow
                .definition
                .nodes
                .iter()
                .find(|n| n.name == format!("{}_{}", group.action_group_name, f.name))
                .unwrap_or_else(|| panic!("no node for {}", f.name));
            assert_eq!(node.kind(), Some(NodeType::LambdaFunction));
            let Some(NodeConfiguration::LambdaFunction(l)) = &node.configuration else {
                panic!("not configured")
            };
            assert_eq!(l.local_handler.as_ref(), Some(handler));
            if let Some(ActionGroupExecutor::Lambda(arn)) = &group.action_group_executor {
                assert_eq!(&l.lambda_arn, arn);
            }
        }
    }
    assert!(expected > 0, "the agent has handlers to carry over");
    assert!(project
        .canvas
        .get(&flow.name)
        .is_some_and(|c| c.len() == flow.definition.nodes.len()));
}

#[test]
fn the_examples_agent_and_flow_draft_their_counterparts() {
    for (mut project, flow, agent) in [
        (example(), "triage", "Support"),
        (template(), "triage", "BillingAgent"),
    ] {
        let drafted =
            strata::draft::agent_from_flow(&mut project, flow, None).expect("agent draft");
        let new_agent = project.agent(&drafted.name).expect("added");
        let instruction = new_agent.instruction.as_deref().unwrap_or_default();
        assert!((40..=4000).contains(&instruction.chars().count()));
        assert!(instruction.contains("Classify"), "{instruction}");
        assert!(!new_agent.knowledge_bases.is_empty());
        assert_eq!(
            new_agent.collaborators[0]
                .agent_descriptor
                .project_agent
                .as_deref(),
            Some(agent)
        );
        assert_eq!(
            new_agent.foundation_model.as_deref(),
            Some("anthropic.claude-3-haiku-20240307-v1:0")
        );
        no_errors(&project);

        let drafted =
            strata::draft::flow_from_agent(&mut project, agent, None).expect("flow draft");
        no_errors(&project);
        flow_keeps_handlers(&project, agent, &drafted.name);

        // Back again: the drafted flow's Lambda nodes become action groups with the same handlers.
        let back = strata::draft::agent_from_flow(&mut project, &drafted.name, Some("RoundTrip"))
            .expect("round trip");
        let round = project.agent(&back.name).expect("added");
        let handlers: Vec<_> = round
            .action_groups
            .iter()
            .filter_map(|g| g.local_handler.clone())
            .collect();
        let original = project.agent(agent).expect("agent");
        for g in &original.action_groups {
            if let Some(h) = &g.local_handler {
                assert!(handlers.contains(h), "{h} kept");
            }
        }
        no_errors(&project);
    }
}

#[test]
fn unknown_sources_and_taken_names_are_clear_errors() {
    let mut project = example();
    let e = strata::draft::agent_from_flow(&mut project, "nope", None).unwrap_err();
    assert!(
        e.to_string().contains("no flow named \"nope\"") && e.to_string().contains("triage"),
        "{e}"
    );
    let e = strata::draft::flow_from_agent(&mut project, "Nobody", None).unwrap_err();
    assert!(e.to_string().contains("no agent named \"Nobody\""), "{e}");
    let e = strata::draft::agent_from_flow(&mut project, "triage", Some("Support")).unwrap_err();
    assert!(e.to_string().contains("already has an agent"), "{e}");
}

#[test]
fn the_command_writes_a_copy_that_validates_and_never_replaces_a_file_unasked() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The project alone: its handler files missing are warnings, not errors.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE),
        dir.path().join("support.strata.json"),
    )
    .expect("copy");
    let draft_flow = |extra: &[&str]| {
        let args = [
            &[
                "draft",
                "flow",
                "support.strata.json",
                "--from-agent",
                "Support",
            ],
            extra,
        ]
        .concat();
        run_in(dir.path(), &args)
    };
    let draft_agent = |flow: &str, extra: &[&str]| {
        let args = [
            &["draft", "agent", "support.strata.json", "--from-flow", flow],
            extra,
        ]
        .concat();
        run_in(dir.path(), &args)
    };
    let original = std::fs::read(dir.path().join("support.strata.json")).expect("project");

    draft_agent("triage", &[])
        .exits(0)
        .stdout_has("support-draft.strata.json");
    run_in(dir.path(), &["validate", "support-draft.strata.json"]).exits(0);
    draft_flow(&["-o", "flow.strata.json"])
        .exits(0)
        .stdout_has("note:");
    run_in(dir.path(), &["validate", "flow.strata.json"]).exits(0);
    assert_eq!(
        std::fs::read(dir.path().join("support.strata.json")).expect("project"),
        original
    );

    // An existing output is kept without --force, replaced with it; the project never.
    let before = std::fs::read(dir.path().join("flow.strata.json")).expect("draft");
    draft_flow(&["-o", "flow.strata.json"])
        .exits(2)
        .stderr_has("--force");
    assert_eq!(
        std::fs::read(dir.path().join("flow.strata.json")).expect("draft"),
        before
    );
    draft_flow(&["-o", "flow.strata.json", "--name", "other", "--force"]).exits(0);
    draft_flow(&["-o", "support.strata.json", "--force"]).exits(2);
    assert_eq!(
        std::fs::read(dir.path().join("support.strata.json")).expect("project"),
        original
    );

    draft_agent("nope", &["-o", "x.strata.json"])
        .exits(2)
        .stderr_has("no flow named \"nope\"");
    run_in(
        dir.path(),
        &[
            "draft",
            "flow",
            "support.strata.json",
            "--from-agent",
            "Nobody",
            "-o",
            "x.strata.json",
        ],
    )
    .exits(2)
    .stderr_has("no agent named \"Nobody\"");
    assert!(!dir.path().join("x.strata.json").exists());
}

#[test]
fn drafts_of_the_support_triage_template_validate() {
    let project = TempProject::new("my-flow", "support-triage");
    project
        .strata(&[
            "draft",
            "flow",
            "my-flow.strata.json",
            "--from-agent",
            "BillingAgent",
        ])
        .exits(0);
    project
        .strata(&["validate", "my-flow-draft.strata.json"])
        .exits(0);
    project
        .strata(&[
            "draft",
            "agent",
            "my-flow.strata.json",
            "--from-flow",
            "triage",
            "-o",
            "agent.strata.json",
        ])
        .exits(0);
    project.strata(&["validate", "agent.strata.json"]).exits(0);
}
