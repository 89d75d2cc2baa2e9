//! Without AWS credentials, every AWS client Strata makes — Bedrock models, Agent Runtime for
//! agents and knowledge bases, guardrails — says so in one line that says what to do, instead
//! of the SDK's "failed to load IMDS session token" chain.

mod support {
    pub mod cli;
    pub mod flows;
}

use serde_json::json;
use std::path::Path;
use support::cli::{strata_in as strata, Run};
use support::flows::agent_flow;

#[test]
fn knowledge_base_and_agent_alias_nodes_say_what_is_missing_in_one_line() {
    let home = tempfile::tempdir().expect("a home folder");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let replay = home.path().join("empty.yaml");
    std::fs::write(&replay, "replies: []\n").expect("an empty script");
    let agent_flow_file = home.path().join("agent.json");
    // Input → an Agent node on an agent alias in the account → Output.
    let alias = "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS67890";
    let flow = json!({
        "name": "ask-the-agent",
        "definition": agent_flow("Concierge", json!({ "agentAliasArn": alias })),
    });
    std::fs::write(&agent_flow_file, flow.to_string()).expect("the agent flow");
    for (fixture, input) in [
        (
            fixtures.join("ok_get_flow_response_knowledge_bases.json"),
            r#""What is the leave policy?""#,
        ),
        (agent_flow_file, r#""Where is my order?""#),
    ] {
        let fixture = fixture.display();
        let out = Run::of(
            strata(home.path())
                .args([
                    "run",
                    "--no-store",
                    "--region",
                    "us-east-1",
                    "--input",
                    input,
                ])
                .arg(fixture.to_string())
                .arg("--replay")
                .arg(&replay),
        );
        let stdout = &out.stdout;
        assert_eq!(out.code, 1, "{fixture}: {stdout}");
        let failed: Vec<&str> = stdout.lines().filter(|l| l.contains("FAILED")).collect();
        assert!(!failed.is_empty(), "{fixture}: {stdout}");
        let aws: Vec<&&str> = failed
            .iter()
            .filter(|l| l.contains("agent alias") || l.contains("knowledge base"))
            .collect();
        assert!(!aws.is_empty(), "{fixture}: {stdout}");
        for line in aws {
            assert!(line.contains("no AWS credentials"), "{fixture}: {line}");
            assert!(line.contains("aws configure"), "{fixture}: {line}");
            assert!(line.contains("project agent"), "{fixture}: {line}");
            assert!(!line.contains("IMDS"), "{fixture}: {line}");
        }
    }
}
