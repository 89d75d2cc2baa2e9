//! Multi-agent collaboration: `AgentCommunication__sendMessage` to a collaborator (a project
//! agent on this machine or a deployed alias), nested with loop and depth guards, and the
//! `SUPERVISOR_ROUTER` routing step.

use super::prompts::{between, DEFAULT_ROUTING_TEMPLATE};
use super::react::tool_error;
use super::tools;
use super::trace::{InvocationInput, Observation};
use super::turn::Turn;
use super::{AgentError, AgentRuntime, TurnOutcome, TurnRequest, MAX_COLLABORATION_DEPTH};
use crate::model::agent::{Collaborator, PromptType, RelayConversationHistory};
use crate::providers::{ChatMessage, ContentPart, Role};
use crate::text::truncate_chars;
use serde_json::{json, Value};

impl AgentRuntime {
    /// `AgentCommunication__sendMessage`: runs the collaborator with the message and gives
    /// its answer back to the model.
    pub(super) async fn send_message(
        &self,
        turn: &mut Turn,
        collaborators: &[Collaborator],
        id: &str,
        input: &Value,
    ) -> ContentPart {
        let recipient = input.get("recipient").and_then(Value::as_str).unwrap_or("");
        let content = input
            .get("content")
            .and_then(Value::as_str)
            .map_or_else(|| input.to_string(), str::to_owned);
        let Some(collaborator) = collaborators
            .iter()
            .find(|c| c.collaborator_name == recipient)
        else {
            let names: Vec<&str> = collaborators
                .iter()
                .map(|c| c.collaborator_name.as_str())
                .collect();
            return tool_error(
                id,
                "UnknownCollaborator",
                &format!(
                    "there is no collaborator named {recipient:?}; they are: {}",
                    names.join(", ")
                ),
            );
        };
        match self.ask_collaborator(turn, collaborator, content).await {
            Ok(text) => ContentPart::ToolResult {
                id: id.to_owned(),
                content: Value::String(text),
                is_error: false,
            },
            Err(message) => tool_error(id, "CollaboratorFailed", &message),
        }
    }

    /// Runs one collaborator on `message` — a project agent on this machine, else its
    /// deployed alias through InvokeAgent — with its trace and its answer.
    pub(super) async fn ask_collaborator(
        &self,
        turn: &mut Turn,
        collaborator: &Collaborator,
        message: String,
    ) -> Result<String, String> {
        let name = &collaborator.collaborator_name;
        let alias = collaborator.agent_descriptor.alias_arn.clone();
        self.emit_invocation_input(InvocationInput {
            invocation_type: "AGENT_COLLABORATOR".to_owned(),
            agent_collaborator_invocation_input: Some(json!({
                "agentCollaboratorName": name,
                "agentCollaboratorAliasArn": alias,
                "input": {"type": "TEXT", "text": message},
            })),
            ..InvocationInput::default()
        })
        .await;
        let message = if collaborator
            .relay_conversation_history
            .as_ref()
            .and_then(|r| r.get())
            == Some(RelayConversationHistory::ToCollaborator)
        {
            let history = conversation_text(&turn.messages);
            format!("<conversation_history>\n{history}\n</conversation_history>\n\n{message}")
        } else {
            message
        };
        let session_id = collaborator_session(&turn.session_id, name);
        let answer = match (
            &collaborator.agent_descriptor.project_agent,
            &alias,
            &self.agent_runtime,
        ) {
            (Some(agent), _, _) => self.run_collaborator(turn, agent, session_id, message).await,
            (None, Some(arn), Some(client)) => client
                .invoke_agent(arn, &session_id, &message, &Default::default(), true)
                .await
                .map_err(|e| e.to_string())
                .and_then(|t| match (&t.return_control, &t.input_required) {
                    (None, None) => {
                        turn.add_usage(t.usage);
                        Ok(t.completion)
                    }
                    _ => Err(format!(
                        "collaborator {name:?} ({arn}) stopped to ask the user, which a supervisor cannot relay"
                    )),
                }),
            (None, Some(arn), None) => Err(format!(
                "collaborator {name:?} is the deployed alias {arn} and this run has no Bedrock connection; name a project agent (agentDescriptor.projectAgent) to run it on this machine"
            )),
            (None, None, _) => Err(format!(
                "collaborator {name:?} has neither an aliasArn nor a projectAgent"
            )),
        };
        let output = match &answer {
            Ok(text) => json!({"type": "TEXT", "text": text}),
            Err(message) => json!({"type": "TEXT", "text": message, "error": true}),
        };
        self.emit_observation(Observation {
            observation_type: "AGENT_COLLABORATOR".to_owned(),
            agent_collaborator_invocation_output: Some(json!({
                "agentCollaboratorName": name,
                "agentCollaboratorAliasArn": alias,
                "output": output,
            })),
            ..Observation::default()
        })
        .await;
        answer
    }

    /// Runs the project agent `agent` as a collaborator, its trace going where this one's goes.
    pub(super) async fn run_collaborator(
        &self,
        turn: &mut Turn,
        agent: &str,
        session_id: String,
        message: String,
    ) -> Result<String, String> {
        if agent == self.agent.agent_name || self.chain.iter().any(|a| a == agent) {
            return Err(format!(
                "collaborator agent {agent:?} is already in this conversation ({} → {agent}); collaborations may not loop",
                self.chain
                    .iter()
                    .chain(std::iter::once(&self.agent.agent_name))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" → ")
            ));
        }
        if self.chain.len() + 1 >= MAX_COLLABORATION_DEPTH {
            return Err(format!(
                "collaborator agent {agent:?} would be {} levels deep; Strata stops at {MAX_COLLABORATION_DEPTH}",
                self.chain.len() + 2
            ));
        }
        let mut nested = AgentRuntime::new(
            &self.project,
            agent,
            self.provider.clone(),
            self.project_dir.clone(),
        )
        .map_err(|e| e.to_string())?
        .with_handler_timeout(self.handler_timeout)
        .with_handlers(self.handlers.clone());
        nested.chain = self.chain.clone();
        nested.chain.push(self.agent.agent_name.clone());
        nested.trace.clone_from(&self.trace);
        nested.store.clone_from(&self.store);
        nested.agent_runtime.clone_from(&self.agent_runtime);
        let request = TurnRequest {
            session_id,
            input_text: message,
            session_attributes: Some(turn.session_attributes.clone()),
            prompt_session_attributes: Some(turn.prompt_session_attributes.clone()),
            memory_id: None,
        };
        match nested.invoke_boxed(request).await {
            Ok(TurnOutcome::Finished { text, usage, .. }) => {
                turn.add_usage(usage);
                Ok(text)
            }
            Ok(TurnOutcome::Paused { .. } | TurnOutcome::AskUser { .. }) => Err(format!(
                "collaborator agent {agent:?} stopped to ask the user (return of control, a confirmation or a question), which a supervisor cannot relay on this machine"
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// `SUPERVISOR_ROUTER`: the routing classifier picks the collaborator that should answer
    /// the request directly, or none (then the supervisor orchestrates as usual).
    pub(super) async fn route(&self, turn: &mut Turn) -> Result<Option<Collaborator>, AgentError> {
        let routes = matches!(
            self.agent
                .agent_collaboration
                .as_ref()
                .and_then(|c| c.get()),
            Some(crate::model::agent::Collaboration::SupervisorRouter)
        );
        if !routes || self.agent.collaborators.is_empty() {
            return Ok(None);
        }
        let (template, overridden) =
            self.template(PromptType::RoutingClassifier, DEFAULT_ROUTING_TEMPLATE);
        let roster = self
            .agent
            .collaborators
            .iter()
            .map(|c| format!("- {}: {}", c.collaborator_name, c.collaboration_instruction))
            .collect::<Vec<_>>()
            .join("\n");
        let system = self.fill(&template, turn, &[("$reachable_agents$", roster)]);
        let response = self
            .call_turn_stage(PromptType::RoutingClassifier, system, overridden, turn)
            .await?;
        let text = response.text();
        let choice = between(&text, "<a>", "</a>").unwrap_or(&text).trim();
        Ok(self
            .agent
            .collaborators
            .iter()
            .find(|c| c.collaborator_name.eq_ignore_ascii_case(choice))
            .cloned())
    }

    /// [`AgentRuntime::invoke`] behind a box, so that collaborators can nest.
    pub(super) fn invoke_boxed(
        &self,
        request: TurnRequest,
    ) -> crate::providers::BoxFuture<'_, Result<TurnOutcome, AgentError>> {
        Box::pin(self.invoke(request))
    }
}

/// The conversation so far as plain text, for a collaborator that gets the history.
fn conversation_text(messages: &[ChatMessage]) -> String {
    messages
        .iter()
        .filter_map(|m| {
            let text: Vec<&str> = m
                .content
                .iter()
                .filter_map(|c| match c {
                    ContentPart::Text { text } => Some(text.as_str()),
                    ContentPart::ToolUse { .. } | ContentPart::ToolResult { .. } => None,
                })
                .collect();
            (!text.is_empty()).then(|| {
                let who = match m.role {
                    Role::User => "User",
                    Role::Assistant => "Assistant",
                };
                format!("{who}: {}", text.join(" "))
            })
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The session a collaborator runs in: the caller's session and the collaborator's name, at
/// most 100 characters. The caller's session id is any text, so it is cut on a character.
fn collaborator_session(session_id: &str, collaborator: &str) -> String {
    let joined = format!("{session_id}-{}", tools::sanitize(collaborator));
    truncate_chars(&joined, 100).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_collaborator_session_is_any_session_cut_to_100_characters(
            session in any::<String>(),
            name in any::<String>(),
        ) {
            let id = collaborator_session(&session, &name);
            prop_assert!(id.chars().count() <= 100);
            let joined = format!("{session}-{}", tools::sanitize(&name));
            prop_assert!(joined.starts_with(&id));
        }
    }

    #[test]
    fn conversation_text_keeps_the_text_and_leaves_out_tool_calls() {
        let messages = vec![
            ChatMessage::user_text("Where is my order?".to_owned()),
            ChatMessage {
                role: Role::Assistant,
                content: vec![ContentPart::ToolUse {
                    id: "t1".to_owned(),
                    name: "orders".to_owned(),
                    input: json!({}),
                }],
            },
            ChatMessage {
                role: Role::Assistant,
                content: vec![ContentPart::Text {
                    text: "It ships today.".to_owned(),
                }],
            },
        ];
        assert_eq!(
            conversation_text(&messages),
            "User: Where is my order?\nAssistant: It ships today."
        );
    }
}
