//! The scripted provider: deterministic replies from a JSON or YAML file, and the
//! [`Recorder`] that writes such a file from a real provider's exchanges, so a run recorded
//! once (`--record`) replays offline (`--replay`).
//!
//! A script is a list of replies (or `{"replies": [...]}`). Each reply may be matched by
//! `modelId` and by `contains`, a substring of the request's last user message. A request
//! takes the first reply not yet used whose matchers all hold; when none is left, the call
//! fails with [`ProviderError::ScriptExhausted`].

use super::{
    text_of, BoxFuture, ContentPart, ModelProvider, ModelRequest, ModelResponse, OnText,
    ProviderError, Role, StopReason, TextDelta, Usage,
};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

const NAME: &str = "scripted";

/// A script: the replies, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Script {
    pub replies: Vec<ScriptedReply>,
}

/// One reply of a script.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScriptedReply {
    /// Only for requests to this model.
    pub model_id: Option<String>,
    /// Only for requests whose last user message contains this text.
    pub contains: Option<String>,
    /// A text block of the reply.
    pub text: Option<String>,
    /// Tool-use blocks of the reply, after the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_use: Vec<ScriptedToolUse>,
    pub usage: Option<Usage>,
}

/// A tool the scripted model calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScriptedToolUse {
    /// Defaults to `tooluse_<n>` with the reply's position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub input: serde_json::Value,
}

/// Why a script could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("cannot read script {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("script {path} is malformed: {message}")]
    Malformed { path: String, message: String },
    #[error("cannot write script {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Either a bare list of replies or `{replies: [...]}`, told apart by the document's first
/// node so that each shape reports its own errors with their field path.
struct ScriptFile(Script);

impl<'de> Deserialize<'de> for ScriptFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ScriptFile, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = ScriptFile;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of replies or a mapping with `replies`")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<ScriptFile, A::Error> {
                let replies = Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
                Ok(ScriptFile(Script { replies }))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ScriptFile, A::Error> {
                Script::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ScriptFile)
            }
        }
        d.deserialize_any(Shape)
    }
}

impl Script {
    /// Parses JSON or YAML the way answers files are read ([`crate::yaml::read_document`]): a
    /// wrong member is named by its field path, line and column, and duplicate keys are refused.
    pub fn parse(text: &str, origin: &str) -> Result<Script, ScriptError> {
        crate::yaml::read_document::<ScriptFile>(text)
            .map(|file| file.0)
            .map_err(|e| ScriptError::Malformed {
                path: origin.to_owned(),
                message: e.to_string(),
            })
    }

    pub fn load(path: &Path) -> Result<Script, ScriptError> {
        let bytes = std::fs::read(path).map_err(|source| ScriptError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let text = crate::text::decode(&bytes).map_err(|e| ScriptError::Malformed {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Script::parse(text, &path.display().to_string())
    }

    /// Writes the script: YAML for `.yaml`/`.yml`, JSON otherwise.
    pub fn save(&self, path: &Path) -> Result<(), ScriptError> {
        let yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        let text = if yaml {
            crate::yaml::to_string(self).map_err(|e| ScriptError::Malformed {
                path: path.display().to_string(),
                message: e.to_string(),
            })?
        } else {
            let mut s = serde_json::to_string_pretty(self).map_err(|e| ScriptError::Malformed {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            s.push('\n');
            s
        };
        crate::save::write_atomically(path, text.as_bytes()).map_err(|e| ScriptError::Write {
            path: path.display().to_string(),
            source: e.into_io(),
        })
    }
}

impl ScriptedReply {
    fn matches(&self, request: &ModelRequest, last_user: &str) -> bool {
        self.model_id
            .as_deref()
            .is_none_or(|m| m == request.model_id)
            && self
                .contains
                .as_deref()
                .is_none_or(|c| last_user.contains(c))
    }

    fn response(&self, position: usize) -> ModelResponse {
        let mut content = Vec::new();
        if let Some(text) = &self.text {
            content.push(ContentPart::Text { text: text.clone() });
        }
        for (k, t) in self.tool_use.iter().enumerate() {
            content.push(ContentPart::ToolUse {
                id: t
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("tooluse_{position}_{k}")),
                name: t.name.clone(),
                input: t.input.clone(),
            });
        }
        ModelResponse {
            stop_reason: if self.tool_use.is_empty() {
                StopReason::EndTurn
            } else {
                StopReason::ToolUse
            },
            content,
            usage: self.usage.unwrap_or_default(),
            latency_ms: 0,
        }
    }
}

/// The text of the last user message of a request.
pub fn last_user_text(request: &ModelRequest) -> String {
    request
        .messages
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .map(|m| text_of(&m.content))
        .unwrap_or_default()
}

/// Replies from a script, each used once, deterministically.
#[derive(Debug)]
pub struct ScriptedProvider {
    /// The script and which replies are used; one lock, held only to pick a reply.
    state: Mutex<ScriptState>,
}

#[derive(Debug)]
struct ScriptState {
    replies: Vec<ScriptedReply>,
    used: Vec<bool>,
    /// Every reply before this one is used, so a call starts looking here: a script used in
    /// order (the usual case) costs one step per call, not a scan of everything used so far.
    first_unused: usize,
    /// Whether any reply matches on the last user message, which is only built if so.
    matches_text: bool,
    calls: usize,
}

impl ScriptedProvider {
    pub fn new(script: Script) -> ScriptedProvider {
        let used = vec![false; script.replies.len()];
        let matches_text = script.replies.iter().any(|r| r.contains.is_some());
        ScriptedProvider {
            state: Mutex::new(ScriptState {
                replies: script.replies,
                used,
                first_unused: 0,
                matches_text,
                calls: 0,
            }),
        }
    }

    pub fn from_file(path: &Path) -> Result<ScriptedProvider, ScriptError> {
        Ok(ScriptedProvider::new(Script::load(path)?))
    }

    /// How many replies are still unused.
    pub fn remaining(&self) -> usize {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.used.iter().filter(|u| !**u).count()
    }

    fn reply(&self, request: &ModelRequest) -> Result<ModelResponse, ProviderError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let last_user = if state.matches_text {
            last_user_text(request)
        } else {
            String::new()
        };
        state.calls += 1;
        let call = state.calls;
        let from = state.first_unused;
        let found = state.replies[from..]
            .iter()
            .zip(&state.used[from..])
            .position(|(r, used)| !used && r.matches(request, &last_user))
            .map(|i| from + i);
        match found {
            Some(i) => {
                state.used[i] = true;
                while state.used.get(state.first_unused) == Some(&true) {
                    state.first_unused += 1;
                }
                Ok(state.replies[i].response(i))
            }
            None => Err(ProviderError::ScriptExhausted {
                provider: NAME.to_owned(),
                model_id: request.model_id.clone(),
                call,
            }),
        }
    }
}

impl ModelProvider for ScriptedProvider {
    fn name(&self) -> &str {
        NAME
    }

    fn converse<'a>(
        &'a self,
        request: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        let reply = self.reply(request);
        Box::pin(async move { reply })
    }

    /// Streams each text block word by word (a word with the whitespace before it), so a
    /// replayed run shows deltas the way a live one does.
    fn converse_stream<'a>(
        &'a self,
        request: &'a ModelRequest,
        on_text: OnText<'a>,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        let reply = self.reply(request);
        Box::pin(async move {
            let reply = reply?;
            for (index, part) in reply.content.iter().enumerate() {
                if let ContentPart::Text { text } = part {
                    for piece in words(text) {
                        on_text(TextDelta {
                            content_block_index: index,
                            text: piece.to_owned(),
                        });
                    }
                }
            }
            Ok(reply)
        })
    }
}

/// `text` cut before each run of whitespace that follows a non-space: the pieces join back
/// to `text`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let leading = rest.len() - rest.trim_start().len();
        let end = rest[leading..]
            .find(char::is_whitespace)
            .map_or(rest.len(), |i| leading + i);
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

/// Wraps a provider and keeps each exchange as a scripted reply, matched by model and the
/// full last user message, so the saved script replays the same run.
pub struct Recorder {
    inner: Arc<dyn ModelProvider>,
    /// The exchanges so far, in call-completion order.
    recorded: Mutex<Vec<ScriptedReply>>,
}

impl Recorder {
    pub fn new(inner: Arc<dyn ModelProvider>) -> Recorder {
        Recorder {
            inner,
            recorded: Mutex::new(Vec::new()),
        }
    }

    /// The exchanges recorded so far, as a script.
    pub fn script(&self) -> Script {
        let recorded = self.recorded.lock().unwrap_or_else(PoisonError::into_inner);
        Script {
            replies: recorded.clone(),
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), ScriptError> {
        self.script().save(path)
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("inner", &self.inner.name())
            .finish()
    }
}

impl Recorder {
    /// Keeps one exchange.
    fn keep(&self, request: &ModelRequest, response: &ModelResponse) {
        let mut text = None;
        let mut tool_use = Vec::new();
        for part in &response.content {
            match part {
                ContentPart::Text { text: t } => {
                    text.get_or_insert_with(String::new).push_str(t);
                }
                ContentPart::ToolUse { id, name, input } => tool_use.push(ScriptedToolUse {
                    id: Some(id.clone()),
                    name: name.clone(),
                    input: input.clone(),
                }),
                ContentPart::ToolResult { .. } => {}
            }
        }
        let last_user = last_user_text(request);
        let reply = ScriptedReply {
            model_id: Some(request.model_id.clone()),
            contains: (!last_user.is_empty()).then_some(last_user),
            text,
            tool_use,
            usage: Some(response.usage),
        };
        self.recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(reply);
    }
}

impl ModelProvider for Recorder {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn converse<'a>(
        &'a self,
        request: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async move {
            let response = self.inner.converse(request).await?;
            self.keep(request, &response);
            Ok(response)
        })
    }

    fn converse_stream<'a>(
        &'a self,
        request: &'a ModelRequest,
        on_text: OnText<'a>,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async move {
            let response = self.inner.converse_stream(request, on_text).await?;
            self.keep(request, &response);
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ChatMessage;

    #[test]
    fn a_deeply_nested_replay_file_is_refused_with_its_position() {
        match Script::parse(&crate::yaml::deeply_nested(), "replay.yaml") {
            Err(ScriptError::Malformed { message, .. }) => {
                assert!(message.contains("nests deeper"), "{message}");
                assert!(message.contains("line 101"), "{message}");
            }
            other => panic!("expected a malformed file, got {other:?}"),
        }
    }

    fn malformed(text: &str) -> String {
        match Script::parse(text, "replay") {
            Err(ScriptError::Malformed { message, .. }) => message,
            other => panic!("expected a malformed file, got {other:?}"),
        }
    }

    /// A replay file is read like an answers file: the wrong member is named with its line and
    /// column (the JSON-value detour lost both), in YAML and JSON alike.
    #[test]
    fn a_wrong_member_says_its_path_line_and_column() {
        assert_eq!(
            malformed("- text: hi\n- usage: {inputTokens: many}\n"),
            "line 2, column 24: [1].usage.inputTokens: invalid u64"
        );
        assert_eq!(
            malformed("{\"replies\": [{\"toolUse\": [{\"name\": 5}]}]}"),
            "line 1, column 36: replies[0].toolUse[0].name: invalid type: integer `5`, expected a string"
        );
    }

    /// The JSON-value detour kept the last of two equal keys, so a replayed reply could hide
    /// one of them; both are refused now, at the second.
    #[test]
    fn duplicate_keys_are_refused() {
        let m = malformed("- text: first\n  text: second\n");
        assert!(
            m.starts_with("line 2, column 3: ") && m.contains("duplicate"),
            "{m}"
        );
        let m = malformed("[{\"toolUse\": [{\"name\": \"a\", \"input\": {\"q\": 1, \"q\": 2}}]}]");
        assert!(
            m.starts_with("line 1, column ") && m.contains("duplicate key `q`"),
            "{m}"
        );
    }

    fn request(model: &str, text: &str) -> ModelRequest {
        ModelRequest {
            model_id: model.to_owned(),
            messages: vec![ChatMessage::user_text(text)],
            ..ModelRequest::default()
        }
    }

    fn block_on<T>(f: BoxFuture<'_, T>) -> T {
        // The scripted futures are ready at once; poll once without a runtime.
        use std::task::{Context, Poll, Waker};
        let mut f = f;
        let mut cx = Context::from_waker(Waker::noop());
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("scripted futures are always ready"),
        }
    }

    #[test]
    fn streamed_replies_come_word_by_word_and_join_back() {
        let script = Script::parse("- text: \"Hello  brave\\nworld \"\n", "test").unwrap();
        let p = ScriptedProvider::new(script);
        let deltas = Mutex::new(Vec::new());
        let on_text = |d: TextDelta| deltas.lock().unwrap().push(d);
        let reply = block_on(p.converse_stream(&request("m", "hi"), &on_text)).unwrap();
        let deltas = deltas.into_inner().unwrap();
        let pieces: Vec<&str> = deltas.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(pieces, ["Hello", "  brave", "\nworld", " "]);
        assert!(deltas.iter().all(|d| d.content_block_index == 0));
        assert_eq!(pieces.concat(), reply.text());
        assert_eq!(words("").count(), 0);
    }

    #[test]
    fn replies_match_in_order_and_run_out() {
        let script = Script::parse(
            "- contains: Review\n  text: REVISE\n- contains: Review\n  text: APPROVED\n- text: anything\n  usage: {inputTokens: 3, outputTokens: 1}\n",
            "test",
        )
        .unwrap();
        let p = ScriptedProvider::new(script);
        let r = |t: &str| block_on(p.converse(&request("m", t)));
        assert_eq!(r("Review this").unwrap().text(), "REVISE");
        let other = r("Improve").unwrap();
        assert_eq!(other.text(), "anything");
        assert_eq!(other.usage.input_tokens, 3);
        assert_eq!(r("Review again").unwrap().text(), "APPROVED");
        assert!(matches!(
            r("Review more"),
            Err(ProviderError::ScriptExhausted { call: 4, .. })
        ));
    }

    #[test]
    fn recorded_exchanges_replay() {
        let original: Arc<dyn ModelProvider> = Arc::new(ScriptedProvider::new(Script {
            replies: vec![ScriptedReply {
                text: Some("hi".to_owned()),
                tool_use: vec![ScriptedToolUse {
                    id: None,
                    name: "lookup".to_owned(),
                    input: serde_json::json!({"q": 1}),
                }],
                ..ScriptedReply::default()
            }],
        }));
        let rec = Recorder::new(original);
        let first = block_on(rec.converse(&request("m", "hello"))).unwrap();
        let replay = ScriptedProvider::new(rec.script());
        assert_eq!(
            block_on(replay.converse(&request("m", "hello"))).unwrap(),
            first
        );
        assert!(block_on(replay.converse(&request("m", "hello"))).is_err());
    }
}
