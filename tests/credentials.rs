//! Without AWS credentials, every AWS client Strata makes — Bedrock models, Agent Runtime for
//! agents and knowledge bases, guardrails — says so in one line that says what to do, instead
//! of the SDK's "failed to load IMDS session token" chain.

mod support {
    pub mod cli;
}

use std::path::Path;
use support::cli::strata_in as strata;

#[test]
fn knowledge_base_and_agent_alias_nodes_say_what_is_missing_in_one_line() {
    let home = tempfile::tempdir().expect("a home folder");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let replay = home.path().join("empty.yaml");
    std::fs::write(&replay, "replies: []\n").expect("an empty script");
    let agent_flow = home.path().join("agent.json");
    std::fs::write(&agent_flow, AGENT_FLOW).expect("the agent flow");
    for (fixture, input) in [
        (
            fixtures.join("ok_get_flow_response_knowledge_bases.json"),
            r#""What is the leave policy?""#,
        ),
        (agent_flow, r#""Where is my order?""#),
    ] {
        let fixture = fixture.display();
        let out = strata(home.path())
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
            .arg(&replay)
            .output()
            .expect("strata runs");
        let stdout = String::from_utf8(out.stdout).expect("UTF-8");
        assert_eq!(out.status.code(), Some(1), "{fixture}: {stdout}");
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

/// Input → an Agent node on an agent alias in the account → Output.
const AGENT_FLOW: &str = r#"{
  "name": "ask-the-agent",
  "definition": {
    "nodes": [
      {"name": "FlowInputNode", "type": "Input", "configuration": {"input": {}},
       "outputs": [{"name": "document", "type": "String"}]},
      {"name": "Concierge", "type": "Agent",
       "configuration": {"agent": {"agentAliasArn": "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS67890"}},
       "inputs": [{"name": "agentInputText", "type": "String", "expression": "$.data"}],
       "outputs": [{"name": "agentResponse", "type": "String"}]},
      {"name": "FlowOutputNode", "type": "Output", "configuration": {"output": {}},
       "inputs": [{"name": "document", "type": "String", "expression": "$.data"}]}
    ],
    "connections": [
      {"name": "FlowInputNodeToConcierge", "type": "Data", "source": "FlowInputNode", "target": "Concierge",
       "configuration": {"data": {"sourceOutput": "document", "targetInput": "agentInputText"}}},
      {"name": "ConciergeToFlowOutputNode", "type": "Data", "source": "Concierge", "target": "FlowOutputNode",
       "configuration": {"data": {"sourceOutput": "agentResponse", "targetInput": "document"}}}
    ]
  }
}"#;
