//! The migration report: each Classic feature an agent uses, and what it became on AgentCore
//! or why it has no equivalent there. Printed by `strata export`, written by `--report FILE`,
//! and shown as diagnostics for agents that target AgentCore.

use super::AgentCoreRequests;
use crate::model::{Agent, Project};
use serde::{Deserialize, Serialize};

/// One Classic feature and its fate.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationItem {
    /// The feature, as the agent names it (`guardrail supportguard`, `action group billing (Lambda)`).
    pub feature: String,
    pub outcome: Outcome,
    /// The action group it is about, if any (for the diagnostic's location).
    pub action_group: Option<String>,
}

/// What became of a feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// What it is on AgentCore.
    Became(String),
    /// Why AgentCore has nothing for it (and what the user can do by hand).
    NoEquivalent(String),
}

impl MigrationItem {
    pub fn new(feature: String, outcome: Outcome) -> MigrationItem {
        MigrationItem {
            feature,
            outcome,
            action_group: None,
        }
    }

    pub fn in_action_group(mut self, group: &str) -> MigrationItem {
        self.action_group = Some(group.to_owned());
        self
    }

    pub fn has_equivalent(&self) -> bool {
        matches!(self.outcome, Outcome::Became(_))
    }
}

/// The features the harness and gateway have no member for: guardrails, collaborators,
/// knowledge bases; and the encryption key, which only some of the resources take.
pub(super) fn unmapped(
    project: &Project,
    agent: &Agent,
    requests: &AgentCoreRequests,
    report: &mut Vec<MigrationItem>,
) {
    if let Some(g) = agent
        .guardrail_configuration
        .as_ref()
        .and_then(|g| g.guardrail_identifier.as_deref())
    {
        report.push(MigrationItem::new(
            format!("guardrail {g}"),
            Outcome::NoEquivalent(
                "a harness has no guardrail member; apply the guardrail around the loop with a beforeInvocation / afterInvocation hook (a Lambda that calls ApplyGuardrail), which is code Strata does not generate".into(),
            ),
        ));
    }
    if let Some(c) = &agent.agent_collaboration {
        if c.as_str() != "DISABLED" {
            report.push(MigrationItem::new(
                format!("agentCollaboration {}", c.as_str()),
                Outcome::NoEquivalent(
                    "a harness does not supervise other agents; ship each collaborator as its own harness and call it as a tool".into(),
                ),
            ));
        }
    }
    for c in &agent.collaborators {
        report.push(MigrationItem::new(
            format!("collaborator {}", c.collaborator_name),
            Outcome::NoEquivalent(
                "a harness has no collaborators; the collaborator is not called (its instruction is not part of the system prompt)".into(),
            ),
        ));
    }
    for kb in &agent.knowledge_bases {
        let id = &kb.knowledge_base_id;
        let disabled = kb
            .knowledge_base_state
            .as_ref()
            .is_some_and(|s| s.as_str() == "DISABLED");
        let why = if disabled {
            "the association is disabled, so nothing is exported for it".to_owned()
        } else {
            let own = project.knowledge_bases.iter().find(|k| &k.name == id);
            let which = match own {
                Some(_) => format!(
                    "project knowledge base {id}, which the AgentCore template does not create (the Classic export does): deploy it first and use its id"
                ),
                None => format!("knowledge base {id}"),
            };
            let kind = own
                .and_then(|k| k.knowledge_base_configuration.as_ref())
                .and_then(|c| c.get("type"))
                .and_then(serde_json::Value::as_str);
            // AgentCore Gateway's built-in connector reaches managed knowledge bases only.
            let connector = match kind {
                Some("MANAGED") => " It is a managed knowledge base, so a gateway connector target (connectorId bedrock-knowledge-bases, tool Retrieve, credential GATEWAY_IAM_ROLE with bedrock:Retrieve on it) reaches it without code; add one to the gateway.",
                Some(_) => " The gateway's built-in knowledge-base connector takes managed knowledge bases only, and this one is not.",
                None => " (Were it an Amazon Bedrock managed knowledge base, a gateway connector target bedrock-knowledge-bases would reach it without code.)",
            };
            let used_for = match kb.description.trim() {
                "" => String::new(),
                d => format!(" (the agent consulted it for: {d})"),
            };
            format!(
                "a harness has no knowledge-base member and does not retrieve on its own, so the agent loses this retrieval{used_for}. To keep it, add a tool: a Lambda function that calls bedrock-agent-runtime Retrieve with knowledgeBaseId of {which}, allowed bedrock:Retrieve on that knowledge base, as a function-schema action group (say `search(query)`); the export then makes it a gateway Lambda target with its adapter. Strata does not generate that function.{connector}"
            )
        };
        report.push(MigrationItem::new(
            format!("knowledge base {id}"),
            Outcome::NoEquivalent(why),
        ));
    }
    if agent.customer_encryption_key_arn.is_some() {
        let memory = matches!(
            requests.harness.memory,
            Some(super::HarnessMemoryConfiguration::ManagedMemoryConfiguration(_))
        );
        let gateway = requests.gateway.is_some();
        let holders: Vec<&str> = [(memory, "the managed memory"), (gateway, "the gateway")]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, what)| what)
            .collect();
        report.push(MigrationItem::new(
            "customerEncryptionKeyArn".into(),
            match holders.is_empty() {
                true => Outcome::NoEquivalent(
                    "a harness takes no encryption key of its own; only its managed memory and a gateway do, and this agent has neither".into(),
                ),
                false => Outcome::Became(format!(
                    "the encryption key of {}; the harness itself takes none",
                    holders.join(" and ")
                )),
            },
        ));
    }
}

/// The report as text for people: one line per feature.
pub fn to_text(agent: &str, items: &[MigrationItem]) -> String {
    let mut out = format!("Agent {agent} on AgentCore:\n");
    for item in items {
        match &item.outcome {
            Outcome::Became(what) => {
                out.push_str(&format!("  = {}: became {what}\n", item.feature))
            }
            Outcome::NoEquivalent(why) => out.push_str(&format!(
                "  ! {}: no AgentCore equivalent: {why}\n",
                item.feature
            )),
        }
    }
    out
}
