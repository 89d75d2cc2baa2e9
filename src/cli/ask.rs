//! Asking the person at the terminal: the answers to an agent's questions, confirmations and
//! return-of-control results, from stdin or from an answers file (JSON or YAML):
//! `{"inputs": ["first message", ...], "replies": ["CONFIRM", "result body", "answer", ...]}`.
//! `strata chat` and `strata run` share it.

use crate::text::escape_line;
use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::{json, Value};
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
    list.as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    format!(
                        "{}={}",
                        escape_line(p["name"].as_str().unwrap_or("?")),
                        escape_line(p["value"].as_str().unwrap_or(""))
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Asks for each returned action's confirmation and/or result.
pub(super) async fn ask_results(payload: &Value, io: &mut Io) -> Option<Vec<Value>> {
    let inputs = payload["invocationInputs"].as_array()?;
    let mut results = Vec::new();
    for input in inputs {
        let (member, is_api) = match (
            input.get("functionInvocationInput"),
            input.get("apiInvocationInput"),
        ) {
            (Some(m), _) => (m, false),
            (None, Some(m)) => (m, true),
            (None, None) => continue,
        };
        let name = if is_api {
            format!(
                "{} {}",
                member["httpMethod"].as_str().unwrap_or(""),
                member["apiPath"].as_str().unwrap_or("")
            )
        } else {
            member["function"].as_str().unwrap_or("?").to_owned()
        };
        let kind = member["actionInvocationType"].as_str().unwrap_or("RESULT");
        io.say(&format!(
            "the agent wants to run {}.{}({})",
            escape_line(member["actionGroup"].as_str().unwrap_or("?")),
            escape_line(&name),
            params(&member["parameters"])
        ));
        let mut result = json!({ "actionGroup": member["actionGroup"] });
        if is_api {
            result["apiPath"] = member["apiPath"].clone();
            result["httpMethod"] = member["httpMethod"].clone();
        } else {
            result["function"] = member["function"].clone();
        }
        let mut confirmed = true;
        if kind.starts_with("USER_CONFIRMATION") {
            let answer = io.reply("confirm? [y/N] ").await.unwrap_or_default();
            confirmed = matches!(
                answer.trim().to_ascii_lowercase().as_str(),
                "y" | "yes" | "confirm"
            );
            result["confirmationState"] = json!(if confirmed { "CONFIRM" } else { "DENY" });
        }
        if kind != "USER_CONFIRMATION" && confirmed {
            let body = io.reply("result> ").await?;
            let content_type = if is_api { "application/json" } else { "TEXT" };
            result["responseBody"] = json!({ content_type: { "body": body } });
            if is_api {
                result["httpStatusCode"] = json!(200);
            }
        }
        results.push(if is_api {
            json!({ "apiResult": result })
        } else {
            json!({ "functionResult": result })
        });
    }
    Some(results)
}

/// The line before a paused agent's questions: whether it wants confirmations, results it
/// returned control for, or both.
pub(super) fn pause_heading(node: &str, payload: &Value) -> String {
    let kinds: Vec<&str> = payload["invocationInputs"]
        .as_array()
        .map(|inputs| {
            inputs
                .iter()
                .filter_map(|input| {
                    input
                        .get("functionInvocationInput")
                        .or_else(|| input.get("apiInvocationInput"))
                })
                .map(|m| m["actionInvocationType"].as_str().unwrap_or("RESULT"))
                .collect()
        })
        .unwrap_or_default();
    let confirms = kinds.iter().any(|k| k.starts_with("USER_CONFIRMATION"));
    let results = kinds.iter().any(|k| !k.starts_with("USER_CONFIRMATION"));
    let what = match (confirms, results) {
        (true, false) => "wants a confirmation",
        (true, true) => "wants a confirmation and returned control",
        (false, _) => "returned control",
    };
    format!("{} {what}:", escape_line(node))
}
