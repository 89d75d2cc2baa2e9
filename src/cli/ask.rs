//! Asking the person at the terminal: the answers to an agent's questions, confirmations and
//! return-of-control results, from stdin or from an answers file (JSON or YAML):
//! `{"inputs": ["first message", ...], "replies": ["CONFIRM", "result body", "answer", ...]}`.
//! `strata chat` and `strata run` share it.

use crate::return_control::{self, ActionAnswer};
use crate::text::escape_line;
use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::Value;
use std::collections::VecDeque;
use std::io::BufRead;
use std::path::Path;

/// An answers file: the first messages to send and the replies to give, in order.
#[derive(Debug, Default, Deserialize)]
pub struct Answers {
    #[serde(default)]
    pub inputs: Option<Vec<String>>,
    #[serde(default)]
    pub replies: Vec<Value>,
}

/// Reads an answers file's text (JSON or YAML) the way replay files are read
/// ([`crate::yaml::read_document`]); pure, so tests and fuzzing reach it. Errors name the member (`inputs[1]: …`) with its line
/// and column; duplicate keys are refused.
pub fn parse(text: &str) -> std::result::Result<Answers, crate::yaml::YamlError> {
    crate::yaml::read_document(text)
}

/// Where the user's words come from: an answers file's lists, else stdin.
pub(super) struct Io {
    inputs: Option<VecDeque<String>>,
    replies: Option<VecDeque<String>>,
    /// Prompts and echoed replies go to stderr (stdout carries JSON lines).
    to_stderr: bool,
}

impl Io {
    /// Reads `answers` when given; without it every word comes from stdin.
    pub(super) fn new(answers: Option<&Path>, to_stderr: bool) -> Result<Io> {
        let mut io = Io {
            inputs: None,
            replies: None,
            to_stderr,
        };
        if let Some(path) = answers {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let text = crate::text::decode(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let answers = parse(text).with_context(|| {
                format!("{} is not an answers file (JSON or YAML)", path.display())
            })?;
            io.inputs = answers.inputs.map(VecDeque::from);
            io.replies = Some(
                answers
                    .replies
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect(),
            );
        }
        Ok(io)
    }

    /// Shows `text` to the user, on stdout or stderr.
    pub(super) fn say(&self, text: &str) {
        if self.to_stderr {
            eprintln!("{text}");
        } else {
            outln!("{text}");
        }
    }

    async fn read_line(&self, prompt: &str) -> Option<String> {
        if self.to_stderr {
            eprint!("{prompt}");
        } else {
            outp!("{prompt}");
        }
        tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            match std::io::stdin().lock().read_line(&mut line) {
                Ok(0) | Err(_) => None,
                Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_owned()),
            }
        })
        .await
        .ok()
        .flatten()
    }

    pub(super) async fn input(&mut self) -> Option<String> {
        match &mut self.inputs {
            Some(q) => {
                let next = q.pop_front();
                if let Some(text) = &next {
                    self.say(&format!("you> {text}"));
                }
                next
            }
            None => self.read_line("you> ").await,
        }
    }

    pub(super) async fn reply(&mut self, prompt: &str) -> Option<String> {
        match &mut self.replies {
            Some(q) => {
                let next = q.pop_front();
                self.say(&format!(
                    "{prompt}{}",
                    next.as_deref().unwrap_or("(no reply left)")
                ));
                next
            }
            None => self.read_line(prompt).await,
        }
    }
}

/// An action's parameters as `name=value, ...` on one line, every control character escaped:
/// they come from the model.
pub(super) fn params(list: &Value) -> String {
    escape_line(&return_control::parameters_line(list)).into_owned()
}

/// Asks for each returned action's confirmation and/or result.
pub(super) async fn ask_results(payload: &Value, io: &mut Io) -> Option<Vec<Value>> {
    payload["invocationInputs"].as_array()?;
    let mut results = Vec::new();
    for action in return_control::actions(payload) {
        io.say(&format!(
            "the agent wants to run {}",
            escape_line(&action.call())
        ));
        let mut answer = ActionAnswer {
            confirmed: true,
            result: String::new(),
        };
        if action.kind.asks_confirmation() {
            let reply = io.reply("confirm? [y/N] ").await.unwrap_or_default();
            answer.confirmed = return_control::confirms(&reply);
        }
        if action.kind.asks_result() && answer.confirmed {
            answer.result = io.reply("result> ").await?;
        }
        results.push(action.result(&answer));
    }
    Some(results)
}

/// The line before a paused agent's questions: whether it wants confirmations, results it
/// returned control for, or both.
pub(super) fn pause_heading(node: &str, payload: &Value) -> String {
    escape_line(&return_control::heading(
        node,
        &return_control::actions(payload),
    ))
    .into_owned()
}
