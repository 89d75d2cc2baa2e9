//! What an agent is associated with: its collaborators (AssociateAgentCollaborator) and its
//! knowledge bases (AssociateAgentKnowledgeBase).

use super::report::{choice, field, unknown_value};
use crate::compile::DistinctNames;
use crate::diagnostic::{Code, Diagnostics, Location, Severity};
use crate::model::agent::Collaboration;
use crate::model::lenient::Lenient;
use crate::model::names::{check_name, Field, Pattern};
use crate::model::{Agent, Project};
use std::collections::HashSet;

pub(super) fn check_collaborators(
    project: &Project,
    agent: &Agent,
    at: &Location,
    out: &mut Diagnostics,
) {
    let collaboration = &agent.agent_collaboration;
    if let Some(c @ Lenient::Unknown(_)) = collaboration {
        unknown_value(out, at, "agentCollaboration", c);
    }
    let disabled = matches!(
        collaboration,
        None | Some(Lenient::Known(Collaboration::Disabled))
    );
    if disabled && !agent.collaborators.is_empty() {
        let d = out.report(
            Code::AgentInvalidField,
            at.field("agentCollaboration"),
            format!(
                "agent {:?} has {} collaborator(s) but agentCollaboration is {}",
                agent.agent_name,
                agent.collaborators.len(),
                collaboration.as_ref().map_or("not set", Lenient::as_str)
            ),
        );
        d.set_hint("Set agentCollaboration to SUPERVISOR or SUPERVISOR_ROUTER, or remove the collaborators.");
        // Bedrock refuses the association later, not the agent itself: a warning here.
        d.severity = Severity::Warning;
    }
    let mut names = DistinctNames::new("collaborators")
        .hint("Give each collaborator its own name: the supervisor addresses them by it.");
    for (i, c) in agent.collaborators.iter().enumerate() {
        let prefix = format!("collaborators[{i}]");
        check_name(
            out,
            at.field(&format!("{prefix}.collaboratorName")),
            "collaborator name",
            &c.collaborator_name,
            Pattern::ResourceName,
        );
        names.check(
            &c.collaborator_name,
            &at.field(&format!("{prefix}.collaboratorName")),
            out,
        );
        field(
            out,
            at,
            Field::new(&format!("{prefix}.collaborationInstruction"), 1, 4000),
            &c.collaboration_instruction,
        );
        if let Some(relay) = &c.relay_conversation_history {
            choice(
                out,
                at,
                &format!("{prefix}.relayConversationHistory"),
                relay,
            );
        }
        let d = &c.agent_descriptor;
        let alias = d.alias_arn.as_deref().filter(|a| !a.is_empty());
        if let Some(alias) = alias {
            field(
                out,
                at,
                Field::new(&format!("{prefix}.agentDescriptor.aliasArn"), 0, 2048)
                    .pattern(Pattern::AgentAliasArn),
                alias,
            );
        }
        match &d.project_agent {
            Some(name) if *name == agent.agent_name => {
                out.report(
                    Code::AgentInvalidField,
                    at.field(&format!("{prefix}.agentDescriptor.projectAgent")),
                    format!(
                        "collaborator {:?} is agent {name:?} itself",
                        c.collaborator_name
                    ),
                )
                .set_hint("Name another agent of the project: an agent cannot delegate to itself.");
            }
            Some(name) if project.agent(name).is_none() => {
                out.report(
                    Code::UnknownAgentReference,
                    at.field(&format!("{prefix}.agentDescriptor.projectAgent")),
                    format!(
                        "collaborator {:?} is agent {name:?}, which the project does not define",
                        c.collaborator_name
                    ),
                )
                .set_hint(agents_hint(project));
            }
            Some(_) => {}
            None if alias.is_none() => {
                out.report(
                    Code::UnknownAgentReference,
                    at.field(&format!("{prefix}.agentDescriptor")),
                    format!("collaborator {:?} names no agent", c.collaborator_name),
                )
                .set_hint("Set agentDescriptor.projectAgent to an agent of the project, or aliasArn to a deployed alias.");
            }
            None => {}
        }
    }
}

fn agents_hint(project: &Project) -> String {
    let known: Vec<&str> = project.agent_names();
    if known.is_empty() {
        "Define the agent in the project, or set aliasArn to a deployed alias.".to_owned()
    } else {
        format!(
            "The project's agents are: {}. Or set aliasArn to a deployed alias.",
            known.join(", ")
        )
    }
}

pub(super) fn check_knowledge_bases(
    project: &Project,
    agent: &Agent,
    at: &Location,
    out: &mut Diagnostics,
) {
    let mut seen = HashSet::new();
    for (i, kb) in agent.knowledge_bases.iter().enumerate() {
        let prefix = format!("knowledgeBases[{i}]");
        field(
            out,
            at,
            Field::new(&format!("{prefix}.description"), 1, 200),
            &kb.description,
        );
        if let Some(state) = &kb.knowledge_base_state {
            choice(out, at, &format!("{prefix}.knowledgeBaseState"), state);
        }
        let id = kb.knowledge_base_id.as_str();
        let local = project
            .knowledge_bases
            .iter()
            .find(|k| k.name == id || k.knowledge_base_id.as_deref() == Some(id));
        let identity = match local {
            Some(k) => k.name.clone(),
            None if Pattern::KnowledgeBaseId.matches(id) => id.to_owned(),
            None => {
                let known: Vec<&str> = project
                    .knowledge_bases
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect();
                out.report(
                    Code::UnknownResourceReference,
                    at.field(&format!("{prefix}.knowledgeBaseId")),
                    format!(
                        "knowledge base {id:?} is neither a knowledge base of the project nor a Bedrock knowledge base id"
                    ),
                )
                .set_hint(if known.is_empty() {
                    "Use a deployed knowledge base's 10-character id, or add the knowledge base to the project."
                        .to_owned()
                } else {
                    format!(
                        "Use a deployed knowledge base's 10-character id, or one of the project's: {}.",
                        known.join(", ")
                    )
                });
                continue;
            }
        };
        if !seen.insert(identity) {
            out.report(
                Code::DuplicateName,
                at.field(&format!("{prefix}.knowledgeBaseId")),
                format!("knowledge base {id:?} is associated with the agent twice"),
            )
            .set_hint("Keep one association and put both descriptions' meaning into it.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::agents::fixtures::*;
    use crate::diagnostic::Code;

    #[test]
    fn collaborators_and_knowledge_bases() {
        use Code::*;
        check_cases(&[
            (
                "collaboration disabled",
                |p| agent(p).agent_collaboration = Some(Collaboration::Disabled.into()),
                &[(AgentInvalidField, "agentCollaboration is DISABLED")],
            ),
            (
                "collaboration unset",
                |p| agent(p).agent_collaboration = None,
                &[(AgentInvalidField, "not set")],
            ),
            (
                "collaboration unknown",
                |p| agent(p).agent_collaboration = Some(Lenient::Unknown("PEER".into())),
                &[(UnknownEnumValue, "agentCollaboration is \"PEER\"")],
            ),
            (
                "no collaborators, disabled",
                |p| {
                    agent(p).collaborators.clear();
                    agent(p).agent_collaboration = None;
                },
                &[],
            ),
            (
                "bad collaborator name",
                |p| agent(p).collaborators[0].collaborator_name = "bill ing".into(),
                &[(InvalidName, "collaborators[0].collaboratorName")],
            ),
            (
                "duplicate collaborator",
                |p| agent(p).collaborators[1].collaborator_name = "billing".into(),
                &[(DuplicateName, "two collaborators are named \"billing\"")],
            ),
            (
                "empty collaboration instruction",
                |p| agent(p).collaborators[0].collaboration_instruction = String::new(),
                &[(
                    AgentInvalidField,
                    "collaborationInstruction is 0 characters",
                )],
            ),
            (
                "unknown project agent",
                |p| {
                    agent(p).collaborators[0].agent_descriptor.project_agent = Some("Nobody".into())
                },
                &[(
                    UnknownAgentReference,
                    "The project's agents are: Support, Billing",
                )],
            ),
            (
                "itself",
                |p| {
                    agent(p).collaborators[0].agent_descriptor.project_agent =
                        Some("Support".into())
                },
                &[(AgentInvalidField, "is agent \"Support\" itself")],
            ),
            (
                "no agent at all",
                |p| agent(p).collaborators[1].agent_descriptor.alias_arn = None,
                &[(
                    UnknownAgentReference,
                    "collaborator \"legal\" names no agent",
                )],
            ),
            (
                "bad alias",
                |p| {
                    agent(p).collaborators[1].agent_descriptor.alias_arn =
                        Some("arn:aws:bedrock:us-east-1:123456789012:agent/ABCDEFGHIJ".into())
                },
                &[(AgentInvalidField, "agent alias ARN")],
            ),
            (
                "unknown relay",
                |p| {
                    agent(p).collaborators[0].relay_conversation_history =
                        Some(Lenient::from_str_lenient("ALL"))
                },
                &[(UnknownEnumValue, "relayConversationHistory")],
            ),
            (
                "kb without description",
                |p| agent(p).knowledge_bases[0].description = String::new(),
                &[(AgentInvalidField, "knowledgeBases[0].description")],
            ),
            (
                "unknown kb",
                |p| agent(p).knowledge_bases[0].knowledge_base_id = "wiki".into(),
                &[(UnknownResourceReference, "one of the project's: faq")],
            ),
            (
                "kb by its deployed id, twice",
                |p| agent(p).knowledge_bases[1].knowledge_base_id = "KB12345678".into(),
                &[(DuplicateName, "associated with the agent twice")],
            ),
            (
                "unknown kb state",
                |p| {
                    agent(p).knowledge_bases[1].knowledge_base_state =
                        Some(Lenient::from_str_lenient("OFF"))
                },
                &[(UnknownEnumValue, "knowledgeBaseState")],
            ),
        ]);
    }
}
