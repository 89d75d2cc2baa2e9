//! Reading and writing YAML, the one place Strata does: limits checked before parsing (a size
//! cap and a nesting cap, found by a cheap line scan, so a deeply nested file is refused at once
//! instead of keeping the parser busy), then `serde-saphyr` (ARCHITECTURE.md, "YAML"). Every
//! error says where, once: 1-based line and column, and the field path when a member has the
//! wrong shape. Duplicate keys are refused at every level. Pure code; builds for wasm.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// The largest YAML document read, in bytes.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// The deepest nesting read: block levels (indentation and `- ` items) plus flow brackets.
pub const MAX_DEPTH: usize = 100;

/// Why a YAML document was not read. `line` and `column` are 1-based and always known; the
/// message does not repeat them. A member of the wrong shape is named first (`inputs[1]: …`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// How Strata reads YAML: YAML 1.2 (only `true`/`false` are booleans; `0755` and `1_000` stay
/// text, as serde_yaml read them), duplicate keys refused, merge keys expanded, alias expansion
/// budgeted, and `.inf`/`.nan` kept as their text, since JSON has no number for them.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::AsString,
        with_snippet: false,
    }
}

/// Checks the limits, then reads `T` straight from the text, so a member of the wrong shape is
/// reported with its field path and its own line and column. JSON is YAML, so JSON text reads
/// here too.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_limits(text)?;
    let mut path = None;
    serde_saphyr::with_deserializer_from_str_with_options(text, options(), |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            let at = e.path().to_string();
            if at != "." {
                path = Some(at);
            }
            e.into_inner()
        })
    })
    .map_err(|e| located(text, &e, path.as_deref()))
}

/// Reads a JSON or YAML document as `T`, the one way replay and answers files are read: a
/// member of the wrong shape is named by its field path, line and column, and a key written
/// twice in any mapping is refused. Text that starts like JSON (`{`, `[`) and is JSON is read
/// as strict JSON, with the JSON reader's messages; anything else (a YAML flow mapping too)
/// by [`from_str`].
pub fn read_document<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_limits(text)?;
    if !text.trim_start().starts_with(['{', '[']) {
        return from_str(text);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    match serde::Deserializer::deserialize_any(&mut de, UniqueKeys).and_then(|()| de.end()) {
        Ok(()) => {}
        // Not JSON: perhaps YAML's flow style; if that fails too, the JSON error is the one
        // that fits text written as JSON.
        Err(e) if e.is_syntax() || e.is_eof() => {
            return from_str(text).map_err(|_| json_error(&e, None));
        }
        Err(e) => return Err(json_error(&e, None)),
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        json_error(e.inner(), Some(&path).filter(|p| *p != "."))
    })
}

/// A JSON error as a [`YamlError`]: serde_json's position suffix moved into the fields.
fn json_error(e: &serde_json::Error, path: Option<&String>) -> YamlError {
    let text = e.to_string();
    let message = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => &text,
    };
    YamlError {
        line: e.line().max(1),
        // serde_json says column 0 for an error at a line break.
        column: e.column().max(1),
        message: match path {
            Some(path) => format!("{path}: {message}"),
            None => message.to_owned(),
        },
    }
}

/// Walks a JSON document and refuses a key written twice in one object (serde_json keeps the
/// last, and a replayed reply must not hide one of two `input`s).
struct UniqueKeys;

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<UniqueKeys, D::Error> {
        d.deserialize_any(UniqueKeys).map(|()| UniqueKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for UniqueKeys {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate key `{}`",
                    crate::text::escape_line(&key)
                )));
            }
            map.next_value::<UniqueKeys>()?;
        }
        Ok(())
    }
}

/// Writes `value` as a YAML document.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(value)
}

/// The error's message (worded for users, without the parser's own position suffix) and its
/// position. The parser knows the position of every error it reports on text; should one ever
/// come without, the error is put at the end of the document, where reading stopped.
fn located(text: &str, e: &serde_saphyr::Error, path: Option<&str>) -> YamlError {
    let mut inner = e.without_snippet();
    while let serde_saphyr::Error::AliasError { error, .. } = inner {
        inner = error.without_snippet();
    }
    use serde_saphyr::MessageFormatter as _;
    let message = serde_saphyr::UserMessageFormatter.format_message(inner);
    let message = crate::text::escape_line(&message).into_owned();
    let (line, column) = match e.location() {
        Some(l) if l.line() > 0 && l.column() > 0 => (
            usize::try_from(l.line()).unwrap_or(usize::MAX),
            usize::try_from(l.column()).unwrap_or(usize::MAX),
        ),
        Some(_) | None => position_of(text, text.len()),
    };
    // The member being read when the error struck; `?` stands for a key not read yet.
    let path = path
        .map(|p| p.trim_end_matches('?').trim_end_matches('.'))
        .filter(|p| !p.is_empty() && is_about_a_member(inner));
    YamlError {
        line,
        column,
        message: match path {
            Some(path) => format!("{path}: {message}"),
            None => message,
        },
    }
}

/// Whether the error is about a member's value or keys (and so worth its field path), rather
/// than the text's syntax or the reader's limits.
fn is_about_a_member(e: &serde_saphyr::Error) -> bool {
    use serde_saphyr::Error as E;
    matches!(
        e,
        E::Message { .. }
            | E::SerdeInvalidType { .. }
            | E::SerdeInvalidValue { .. }
            | E::SerdeInvalidLength { .. }
            | E::SerdeUnknownVariant { .. }
            | E::SerdeUnknownField { .. }
            | E::SerdeMissingField { .. }
            | E::SerdeVariantId { .. }
            | E::DuplicateMappingKey { .. }
            | E::NullIntoString { .. }
            | E::InvalidScalar { .. }
            | E::InvalidBooleanStrict { .. }
            | E::InvalidCharNull { .. }
            | E::InvalidCharNotSingleScalar { .. }
            | E::NonFiniteFloat { .. }
            | E::TaggedScalarCannotDeserializeIntoString { .. }
            | E::BytesNotSupportedMissingBinaryTag { .. }
            | E::UnexpectedValueForUnit { .. }
            | E::TaggedEnumMismatch { .. }
            | E::Unexpected { .. }
    )
}

/// The 1-based line and character column of byte `offset` (clamped to the text and moved back
/// to a character boundary).
fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// A YAML value with what JSON cannot hold: the tags (CloudFormation's `!Ref`) and keys that
/// are not text. Read with [`tree`], then made JSON with [`Node::to_json`].
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Null, a boolean, a number or a string.
    Scalar(Value),
    Sequence(Vec<Node>),
    /// The entries in document order.
    Mapping(Vec<(Node, Node)>),
    /// A node with an application tag, as written (`!Ref`). YAML's own tags (`!!str`) have
    /// already shaped the value and are not kept.
    Tagged(String, Box<Node>),
}

/// Checks the limits, then reads the document as a [`Node`] tree.
pub fn tree(text: &str) -> Result<Node, YamlError> {
    check_limits(text)?;
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| located(text, &e, None))
}

impl Node {
    /// The node as JSON: keys that are not strings become their text, and each tagged node
    /// becomes what `on_tag` makes of its tag and its value (already JSON).
    pub fn to_json(&self, on_tag: &dyn Fn(&str, Value) -> Value) -> Value {
        match self {
            Node::Scalar(v) => v.clone(),
            Node::Sequence(items) => {
                Value::Array(items.iter().map(|n| n.to_json(on_tag)).collect())
            }
            Node::Mapping(entries) => {
                let mut out = Map::new();
                for (k, v) in entries {
                    let key = match k.to_json(on_tag) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    out.insert(key, v.to_json(on_tag));
                }
                Value::Object(out)
            }
            Node::Tagged(tag, inner) => on_tag(tag, inner.to_json(on_tag)),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        let serde_saphyr::Tagged(Untagged(node), tag) = serde::Deserialize::deserialize(d)?;
        Ok(match tag {
            Some(tag) if !tag.starts_with("tag:yaml.org,2002:") => {
                Node::Tagged(tag, Box::new(node))
            }
            Some(_) | None => node,
        })
    }
}

/// A node read without looking at its tag (the [`Node`] around it does).
struct Untagged(Node);

impl<'de> serde::Deserialize<'de> for Untagged {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Untagged, D::Error> {
        d.deserialize_any(NodeVisitor).map(Untagged)
    }
}

struct NodeVisitor;

impl<'de> serde::de::Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Bool(b)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::from(n)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::from(n)))
    }

    fn visit_i128<E>(self, n: i128) -> Result<Node, E> {
        Ok(Node::Scalar(i64::try_from(n).map_or_else(
            |_| Value::String(n.to_string()),
            Value::from,
        )))
    }

    fn visit_u128<E>(self, n: u128) -> Result<Node, E> {
        Ok(Node::Scalar(u64::try_from(n).map_or_else(
            |_| Value::String(n.to_string()),
            Value::from,
        )))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Node, E> {
        Ok(Node::Scalar(serde_json::Number::from_f64(n).map_or_else(
            || Value::String(n.to_string()),
            Value::Number,
        )))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(s)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::Sequence(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<Node, Node>()? {
            entries.push(entry);
        }
        Ok(Node::Mapping(entries))
    }
}

/// Refuses a document over [`MAX_BYTES`] or nested deeper than [`MAX_DEPTH`].
pub fn check_limits(text: &str) -> Result<(), YamlError> {
    if text.len() > MAX_BYTES {
        let (line, column) = position_of(text, MAX_BYTES);
        return Err(YamlError {
            line,
            column,
            message: format!(
                "the document is {} bytes; Strata reads YAML up to {MAX_BYTES} bytes",
                text.len()
            ),
        });
    }
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    // The indentation of a line that opened a block scalar (`|`, `>`): deeper lines are text.
    let mut scalar_at: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = line[indent..].trim_end();
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if let Some(at) = scalar_at {
            if indent > at {
                continue;
            }
            scalar_at = None;
        }
        if flow == 0 {
            while indents.last().is_some_and(|&top| top >= indent) {
                indents.pop();
            }
            indents.push(indent);
            // `- - - x`: each dash opens one more level on the same line.
            let mut at = indent;
            let mut tail = rest;
            while let Some(after) = tail.strip_prefix("- ") {
                let spaces = after.len() - after.trim_start_matches(' ').len();
                at += 2 + spaces;
                indents.push(at);
                tail = &after[spaces..];
            }
        }
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        for (column, c) in line.char_indices() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    '"' | '\'' if matches!(previous, ' ' | '[' | '{' | ',' | ':') => {
                        quote = Some(c)
                    }
                    '#' if previous == ' ' => break,
                    '[' | '{' => flow += 1,
                    ']' | '}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
            previous = c;
            if indents.len() + flow > MAX_DEPTH {
                return Err(YamlError {
                    line: i + 1,
                    column: line[..column].chars().count() + 1,
                    message: format!("the document nests deeper than {MAX_DEPTH} levels"),
                });
            }
        }
        if flow == 0 && (rest.ends_with(['|', '>']) || block_scalar_header(rest)) {
            scalar_at = Some(indent);
        }
    }
    Ok(())
}

/// `key: |-`, `key: >+2` and the like: a line that opens a block scalar.
fn block_scalar_header(rest: &str) -> bool {
    let last = rest.rsplit(' ').next().unwrap_or("");
    last.starts_with(['|', '>'])
        && last[1..]
            .chars()
            .all(|c| matches!(c, '-' | '+' | '1'..='9'))
}

/// 200 KB of ever deeper mappings, for the tests of each reader that this module refuses it
/// before parsing, at the line that goes too deep.
#[cfg(test)]
pub(crate) fn deeply_nested() -> String {
    (0..2000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_block_nesting_is_refused_with_its_position() {
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&" ".repeat(i));
            text.push_str("a:\n");
        }
        assert!(text.len() > 200 * 1024, "{}", text.len());
        let e = check_limits(&text).expect_err("too deep");
        assert_eq!(e.line, MAX_DEPTH + 1);
        assert!(e.message.contains("deeper than"), "{}", e.message);
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let text = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let e = from_str::<serde_json::Value>(&text).expect_err("too deep");
        assert_eq!((e.line, e.column), (1, MAX_DEPTH + 3));
    }

    #[test]
    fn dashes_nest_too() {
        let text = format!("{}x\n", "- ".repeat(MAX_DEPTH + 1));
        assert!(check_limits(&text).is_err());
    }

    #[test]
    fn ordinary_documents_pass() {
        let text =
            "a:\n  b: [1, {c: \"[[[\"}]\n  d: |\n    {{{{ [[[[ text\n  e:\n    - - x\n      - y\n";
        check_limits(text).expect("fine");
        let v: serde_json::Value = from_str(text).expect("parses");
        assert_eq!(v["a"]["e"][0][1], "y");
    }

    #[test]
    fn oversized_documents_are_refused_where_they_go_over() {
        let text = format!("a: b\n{}", "a".repeat(MAX_BYTES));
        let e = check_limits(&text).expect_err("too big");
        assert_eq!((e.line, e.column), (2, MAX_BYTES - 4));
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code, reason = "read only to be checked")]
    struct Shaped {
        inputs: Vec<String>,
        #[serde(default)]
        replies: Vec<Value>,
    }

    /// Every error says its position once, 1-based, and never line 0 (serde_yaml gave no
    /// position for more than one document or an alias bomb, and repeated the one it had).
    #[test]
    fn every_error_says_its_position_once() {
        let bomb: String = std::iter::once("- &a [x,x,x,x,x,x,x,x,x]\n".to_owned())
            .chain(('b'..='h').map(|c| {
                let prev = char::from(c as u8 - 1);
                format!("- &{c} [{}]\n", vec![format!("*{prev}"); 9].join(","))
            }))
            .collect();
        let e = from_str::<Value>(&bomb).expect_err("an alias bomb");
        assert_eq!((e.line, e.column), (6, 13), "{e}");
        let cases: [(&str, (usize, usize)); 5] = [
            ("inputs: [a]\n---\ninputs: [b]\n", (3, 1)),
            ("inputs: [a]\nreplies: *nowhere\n", (2, 10)),
            ("inputs:\n  - a\n  - [b]\n", (3, 5)),
            ("inputs: [a\n", (1, 9)),
            ("inputs: [\"\u{e9}\u{e9}\", {x: 1}]\n", (1, 16)),
        ];
        for (text, at) in cases {
            let e = from_str::<Shaped>(text).expect_err(text);
            assert_eq!((e.line, e.column), at, "{text:?}: {e}");
            assert!(!e.message.contains("line"), "{e}");
        }
    }

    #[test]
    fn a_member_of_the_wrong_shape_is_named() {
        let e = from_str::<Shaped>("inputs:\n  - a\n  - [b]\n").expect_err("a list");
        assert_eq!(
            e.to_string(),
            "line 3, column 5: inputs[1]: expected string scalar"
        );
        let e = read_document::<Shaped>("{\"inputs\": [\"a\", 5]}").expect_err("a number");
        assert_eq!((e.line, e.column), (1, 18), "{e}");
        assert!(e.message.starts_with("inputs[1]: invalid type"), "{e}");
    }

    /// serde_json and serde_yaml's `Value` kept the last of two equal keys; both readers now
    /// refuse them, at the second, however deep.
    #[test]
    fn duplicate_keys_are_refused_in_json_and_yaml() {
        let yaml = "inputs: [a]\nreplies:\n  - {q: 1, q: 2}\n";
        let e = read_document::<Shaped>(yaml).expect_err("duplicate in YAML");
        assert_eq!((e.line, e.column), (3, 12), "{e}");
        assert!(e.message.contains("duplicate"), "{e}");
        let json = "{\"inputs\": [\"a\"], \"replies\": [{\"q\": 1, \"q\": 2}]}";
        let e = read_document::<Shaped>(json).expect_err("duplicate in JSON");
        assert!(e.message.contains("duplicate key `q`"), "{e}");
        assert_eq!(e.line, 1, "{e}");
    }

    #[test]
    fn tags_and_keys_that_are_not_text_survive_in_a_tree() {
        let tree = tree("A: !Ref P\n200: x\nB: !!str 12\nC: .inf\n").expect("reads");
        let json = tree.to_json(&|tag, v| serde_json::json!({ tag: v }));
        assert_eq!(
            json,
            serde_json::json!({"A": {"!Ref": "P"}, "200": "x", "B": "12", "C": ".inf"})
        );
    }

    #[test]
    fn yaml_one_one_words_stay_text() {
        let v: Value = from_str("a: [y, no, on, 0755, 1_000]\n").expect("reads");
        assert_eq!(
            v,
            serde_json::json!({"a": ["y", "no", "on", "0755", "1_000"]})
        );
    }
}
