//! Sessions and memory: a session's attributes and conversation carry across turns through
//! the store, and an ended session is summarised into the agent's memory.

use super::prompts::DEFAULT_MEMORY_TEMPLATE;
use super::turn::Turn;
use super::{now_ms, AgentError, AgentRuntime};
use crate::model::agent::PromptType;
use crate::providers::{ChatMessage, ContentPart, Role, Usage};
use crate::store::SessionState;
use serde_json::{json, Value};

const DEFAULT_MAX_RECENT_SESSIONS: u32 = 20;
const DEFAULT_STORAGE_DAYS: u32 = 30;
const DEFAULT_IDLE_TTL_SECS: u64 = 600;

impl AgentRuntime {
    /// Fills a new turn from the store: the session's attributes and conversation (unless it
    /// sat idle past `idleSessionTTLInSeconds`) and, with memory enabled, the recent summaries
    /// under `memory_id`.
    pub(super) async fn load_session(
        &self,
        turn: &mut Turn,
        memory_id: Option<&str>,
    ) -> Result<(), AgentError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let record = store
            .get_session(&self.agent.agent_name, &turn.session_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let ttl_ms = u64::from(
            self.agent
                .idle_session_ttl_in_seconds
                .map_or(DEFAULT_IDLE_TTL_SECS as u32, |s| s),
        ) * 1000;
        if let Some(r) = record.filter(|r| now_ms().saturating_sub(r.updated_at_ms) <= ttl_ms) {
            turn.session_attributes = r.state.attributes.as_object().cloned().unwrap_or_default();
            turn.prompt_session_attributes = r
                .state
                .prompt_attributes
                .as_object()
                .cloned()
                .unwrap_or_default();
            turn.prior_history = serde_json::from_value(r.state.history).unwrap_or_default();
        }
        if let (true, Some(memory_id)) = (self.memory_enabled(), memory_id) {
            let max = self
                .agent
                .memory_configuration
                .as_ref()
                .and_then(|m| m.session_summary_configuration.as_ref())
                .and_then(|s| s.max_recent_sessions)
                .unwrap_or(DEFAULT_MAX_RECENT_SESSIONS);
            turn.memory = store
                .recent_memory(&self.agent.agent_name, memory_id, max)
                .await
                .map_err(|e| self.store_error(e))?
                .into_iter()
                .map(|m| m.summary)
                .collect();
        }
        Ok(())
    }

    /// Saves the session after a finished turn: its attributes and the conversation with
    /// this turn's input and `answer`.
    pub(super) async fn save_session(&self, turn: &Turn, answer: &str) -> Result<(), AgentError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let mut history = turn.prior_history.clone();
        history.push(ChatMessage::user_text(turn.input_text.clone()));
        history.push(ChatMessage {
            role: Role::Assistant,
            content: vec![ContentPart::Text {
                text: answer.to_owned(),
            }],
        });
        let state = SessionState {
            attributes: Value::Object(turn.session_attributes.clone()),
            prompt_attributes: Value::Object(turn.prompt_session_attributes.clone()),
            history: serde_json::to_value(&history).unwrap_or(Value::Array(vec![])),
        };
        store
            .upsert_session(&self.agent.agent_name, &turn.session_id, &state)
            .await
            .map_err(|e| self.store_error(e))
    }

    pub(super) fn store_error(&self, source: crate::store::Error) -> AgentError {
        AgentError::Store {
            agent: self.agent.agent_name.clone(),
            source: Box::new(source),
        }
    }

    pub(super) fn memory_enabled(&self) -> bool {
        self.agent.memory_configuration.as_ref().is_some_and(|m| {
            m.enabled_memory_types
                .iter()
                .any(|t| t == "SESSION_SUMMARY")
        })
    }

    /// Ends a session: with memory enabled and a memory id, the model summarises the
    /// conversation into the agent's memory (kept `storageDays`, default 30); the session's
    /// state is then cleared. Returns the summary, if one was made.
    pub async fn end_session(
        &self,
        session_id: &str,
        memory_id: Option<&str>,
    ) -> Result<Option<String>, AgentError> {
        let Some(store) = &self.store else {
            return Ok(None);
        };
        let record = store
            .get_session(&self.agent.agent_name, session_id)
            .await
            .map_err(|e| self.store_error(e))?;
        let mut summary = None;
        if let (true, Some(memory_id), Some(record)) = (self.memory_enabled(), memory_id, &record) {
            let history: Vec<ChatMessage> =
                serde_json::from_value(record.state.history.clone()).unwrap_or_default();
            if !history.is_empty() {
                let conversation = history
                    .iter()
                    .map(|m| {
                        let who = match m.role {
                            Role::User => "User",
                            Role::Assistant => "Agent",
                        };
                        let text =
                            m.content
                                .iter()
                                .filter_map(|c| match c {
                                    ContentPart::Text { text } => Some(text.as_str()),
                                    ContentPart::ToolUse { .. }
                                    | ContentPart::ToolResult { .. } => None,
                                })
                                .collect::<Vec<_>>()
                                .join(" ");
                        format!("{who}: {text}")
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                let (template, overridden) =
                    self.template(PromptType::MemorySummarization, DEFAULT_MEMORY_TEMPLATE);
                let system = template.replace("$past_conversation_summary$", &conversation);
                let message = format!("Summarise this conversation:\n{conversation}");
                let mut usage = Usage::default();
                let response = self
                    .call_stage(
                        PromptType::MemorySummarization,
                        system,
                        message,
                        overridden,
                        &mut usage,
                    )
                    .await?;
                let text = response.text().trim().to_owned();
                if !text.is_empty() {
                    store
                        .add_memory_summary(&self.agent.agent_name, memory_id, &text)
                        .await
                        .map_err(|e| self.store_error(e))?;
                    summary = Some(text);
                }
                let days = self
                    .agent
                    .memory_configuration
                    .as_ref()
                    .and_then(|m| m.storage_days)
                    .unwrap_or(DEFAULT_STORAGE_DAYS);
                store
                    .prune_memory(&self.agent.agent_name, days)
                    .await
                    .map_err(|e| self.store_error(e))?;
            }
        }
        if record.is_some() {
            store
                .upsert_session(
                    &self.agent.agent_name,
                    session_id,
                    &SessionState {
                        attributes: json!({}),
                        prompt_attributes: json!({}),
                        history: json!([]),
                    },
                )
                .await
                .map_err(|e| self.store_error(e))?;
        }
        Ok(summary)
    }
}
