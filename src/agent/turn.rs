//! The state of one turn in progress, kept while the turn is paused for the user.

use crate::providers::{ChatMessage, ContentPart, Role, Usage};
use serde_json::{Map, Value};

/// What a tool use the model made waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wait {
    /// The user's answer to an `AMAZON.UserInput` question.
    Ask,
    /// The result of a return-of-control action.
    Result,
    /// The user's confirmation; the action then runs here.
    Confirm,
    /// The user's confirmation and the result of a return-of-control action.
    ConfirmAndResult,
}

/// A tool use that waits for the user.
#[derive(Debug, Clone)]
pub(super) struct Waiting {
    /// Where the tool use stands among the model's tool uses of the step.
    pub(super) index: usize,
    pub(super) tool_use_id: String,
    /// The tool's index in the runtime's tools.
    pub(super) tool: usize,
    pub(super) input: Value,
    pub(super) wait: Wait,
}

/// A turn in progress (kept while paused).
#[derive(Debug, Clone)]
pub(super) struct Turn {
    pub(super) session_id: String,
    /// The user's input, after the input guardrail.
    pub(super) input_text: String,
    /// Summaries of earlier sessions, newest first.
    pub(super) memory: Vec<String>,
    /// The session's conversation before this turn.
    pub(super) prior_history: Vec<ChatMessage>,
    /// The orchestration conversation of this turn.
    pub(super) messages: Vec<ChatMessage>,
    pub(super) session_attributes: Map<String, Value>,
    pub(super) prompt_session_attributes: Map<String, Value>,
    /// Orchestration steps taken so far.
    pub(super) iterations: u32,
    pub(super) usage: Usage,
    /// Tool results of the current step, by tool-use index.
    pub(super) results: Vec<(usize, ContentPart)>,
    pub(super) waiting: Vec<Waiting>,
}

impl Turn {
    /// A fresh turn of `session_id` on `input_text`.
    pub(super) fn new(session_id: String, input_text: String) -> Turn {
        Turn {
            session_id,
            input_text,
            memory: vec![],
            prior_history: vec![],
            messages: vec![],
            session_attributes: Map::new(),
            prompt_session_attributes: Map::new(),
            iterations: 0,
            usage: Usage::default(),
            results: vec![],
            waiting: vec![],
        }
    }

    /// Moves the collected tool results into the conversation, in tool-use order.
    pub(super) fn next_step(&mut self) {
        let mut results = std::mem::take(&mut self.results);
        results.sort_by_key(|r| r.0);
        if !results.is_empty() {
            self.messages.push(ChatMessage {
                role: Role::User,
                content: results.into_iter().map(|r| r.1).collect(),
            });
        }
    }

    /// Adds a collaborator's or a model call's tokens to the turn's.
    pub(super) fn add_usage(&mut self, usage: Usage) {
        self.usage.input_tokens += usage.input_tokens;
        self.usage.output_tokens += usage.output_tokens;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str) -> ContentPart {
        ContentPart::ToolResult {
            id: id.to_owned(),
            content: Value::String(id.to_owned()),
            is_error: false,
        }
    }

    #[test]
    fn next_step_puts_the_results_in_tool_use_order() {
        let mut turn = Turn::new("s".to_owned(), "hi".to_owned());
        turn.results = vec![(1, result("b")), (0, result("a"))];
        turn.next_step();
        assert!(turn.results.is_empty());
        assert_eq!(turn.messages.len(), 1);
        assert_eq!(turn.messages[0].role, Role::User);
        assert_eq!(turn.messages[0].content, vec![result("a"), result("b")]);
    }

    #[test]
    fn next_step_without_results_adds_no_message() {
        let mut turn = Turn::new("s".to_owned(), "hi".to_owned());
        turn.next_step();
        assert!(turn.messages.is_empty());
    }
}
