//! Input expressions (`FlowNodeInput.expression`): Bedrock's `$.data…` JsonPath subset, parsed, printed, evaluated and typed.
//!
//! Grammar (reference §1.5), after the mandatory `$.data` prefix:
//!
//! ```text
//! segment := "." name | ".*" | "[" int "]" | "[" int ("," int)+ "]" | "[" int? ":" int? "]" | "[*]"
//! name    := [A-Za-z0-9_-]+            (may start with a digit)
//! int     := "-"? [0-9]+               (negative counts from the end)
//! ```
//!
//! Whitespace is accepted only after a comma inside brackets and on either side of `:`; anywhere else
//! it is reported, because Bedrock's own parser is that strict and a stray space is a common typo.
//!
//! Error columns are 1-based and count Unicode scalar values (`char`s), not bytes; an error at the
//! end of the text points one past the last character. A wrong or missing prefix (`$.dta`, `data.x`,
//! `$.datum`) is reported at column 1, since the prefix is a single token that either is `$.data` or
//! is not.
//!
//! Evaluation follows JsonPath: once a wildcard, pick list or slice has produced several values,
//! later segments apply to each of them, values they do not apply to are dropped (`$.data.*.mammals`
//! keeps only members that have `mammals`), and the result is an array. Before that point a segment
//! that does not apply is an error, since the result would otherwise be silently missing. As in
//! JsonPath, both wildcards (`.*` and `[*]`) list the members of an object and the elements of an array.

use crate::model::DataType;
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// A parsed input expression: `$.data` followed by zero or more [`Segment`]s.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InputExpression {
    segments: Vec<Segment>,
}

/// One step of an input expression after `$.data`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// `.name`: a member of an object.
    Field(String),
    /// `.*`: every member (of an object) or element (of an array).
    AnyField,
    /// `[i]`: one element of an array; negative counts from the end (`[-1]` is the last).
    Index(i64),
    /// `[i1, i2, …]`: the listed elements, in the order listed (the parser makes two or more).
    Pick(Vec<i64>),
    /// `[start:end]`: elements from `start` up to but excluding `end`; either side may be omitted.
    Slice(Option<i64>, Option<i64>),
    /// `[*]`: every element (of an array) or member (of an object).
    AnyIndex,
}

/// A syntax error in an input expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at column {column}: {message}")]
pub struct ExpressionError {
    /// 1-based character column where the problem starts (one past the end for "ran out of text").
    pub column: usize,
    pub message: String,
}

/// A failure while applying an expression (or a condition) to actual data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EvaluationError {
    pub message: String,
}

/// What can be known, before running, about the type an expression produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeOutcome {
    /// The result always has this type.
    Exactly(DataType),
    /// The result's type depends on the data (e.g. a member of an object).
    Unknown,
    /// The expression can never succeed on a value of the declared type; the text says why.
    Impossible(String),
}

impl Segment {
    /// True for segments that can select several values, which makes the whole result an array.
    pub fn yields_many(&self) -> bool {
        match self {
            Segment::Field(_) | Segment::Index(_) => false,
            Segment::AnyField | Segment::Pick(_) | Segment::Slice(..) | Segment::AnyIndex => true,
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Field(name) => write!(f, ".{name}"),
            Segment::AnyField => f.write_str(".*"),
            Segment::Index(i) => write!(f, "[{i}]"),
            Segment::Pick(indices) => {
                f.write_str("[")?;
                for (n, i) in indices.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{i}")?;
                }
                f.write_str("]")
            }
            Segment::Slice(start, end) => {
                f.write_str("[")?;
                if let Some(start) = start {
                    write!(f, "{start}")?;
                }
                f.write_str(":")?;
                if let Some(end) = end {
                    write!(f, "{end}")?;
                }
                f.write_str("]")
            }
            Segment::AnyIndex => f.write_str("[*]"),
        }
    }
}

impl InputExpression {
    /// `$.data`: the whole incoming value.
    pub fn whole_value() -> InputExpression {
        InputExpression {
            segments: Vec::new(),
        }
    }

    /// An expression from its segments (`$.data` is implied).
    pub fn from_segments(segments: Vec<Segment>) -> InputExpression {
        InputExpression { segments }
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True for exactly `$.data`.
    pub fn is_whole_value(&self) -> bool {
        self.segments.is_empty()
    }

    /// True when a wildcard, pick list or slice appears, so the result is always an array.
    pub fn yields_many(&self) -> bool {
        self.segments.iter().any(Segment::yields_many)
    }

    /// Applies the expression to the value arriving on the input.
    pub fn evaluate(&self, value: &Value) -> Result<Value, EvaluationError> {
        let mut current: Vec<&Value> = vec![value];
        let mut many = false;
        for (n, segment) in self.segments.iter().enumerate() {
            let mut next = Vec::new();
            for v in &current {
                if let Err(message) = apply(segment, v, &mut next) {
                    // Several values: JsonPath drops those a segment does not apply to.
                    if !many {
                        return Err(EvaluationError {
                            message: format!("{message} (at `{}`)", self.prefix(n)),
                        });
                    }
                }
            }
            many |= segment.yields_many();
            current = next;
        }
        if many {
            Ok(Value::Array(current.into_iter().cloned().collect()))
        } else {
            // Without a multi-valued segment every step keeps exactly one value.
            Ok(current.first().map_or(Value::Null, |v| (*v).clone()))
        }
    }

    /// The type this expression produces from a value of the declared `incoming` type.
    pub fn result_type(&self, incoming: DataType) -> TypeOutcome {
        let mut known = Some(incoming);
        for (n, segment) in self.segments.iter().enumerate() {
            let Some(ty) = known else {
                break;
            };
            if let Err(message) = applies_to(segment, ty) {
                return TypeOutcome::Impossible(format!("{message} (at `{}`)", self.prefix(n)));
            }
            if segment.yields_many() {
                // Elements are of unknown type and are skipped where later segments do not fit.
                return TypeOutcome::Exactly(DataType::Array);
            }
            // A member or element of a declared Object or Array has no declared type of its own.
            known = None;
        }
        match known {
            Some(ty) => TypeOutcome::Exactly(ty),
            None if self.yields_many() => TypeOutcome::Exactly(DataType::Array),
            None => TypeOutcome::Unknown,
        }
    }

    /// The text of the first `n` segments, to say where an error happened.
    fn prefix(&self, n: usize) -> InputExpression {
        InputExpression {
            segments: self.segments.get(..n).unwrap_or(&self.segments).to_vec(),
        }
    }
}

impl fmt::Display for InputExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$.data")?;
        for segment in &self.segments {
            write!(f, "{segment}")?;
        }
        Ok(())
    }
}

impl FromStr for InputExpression {
    type Err = ExpressionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_input_expression(s)
    }
}

/// "a String", "an Object", …, for messages.
pub(crate) fn a_type(ty: DataType) -> &'static str {
    match ty {
        DataType::String => "a String",
        DataType::Number => "a Number",
        DataType::Boolean => "a Boolean",
        DataType::Object => "an Object",
        DataType::Array => "an Array",
    }
}

fn a_value(value: &Value) -> &'static str {
    DataType::of_value(value).map_or("null", a_type)
}

/// Whether a segment can apply to a value of type `ty`; the error is the message for the user.
fn applies_to(segment: &Segment, ty: DataType) -> Result<(), String> {
    let container = matches!(ty, DataType::Object | DataType::Array);
    let fits = match segment {
        Segment::Field(_) => ty == DataType::Object,
        Segment::AnyField | Segment::AnyIndex => container,
        Segment::Index(_) | Segment::Pick(_) | Segment::Slice(..) => ty == DataType::Array,
    };
    if fits {
        Ok(())
    } else {
        Err(not_applicable(segment, a_type(ty)))
    }
}

fn not_applicable(segment: &Segment, what: &str) -> String {
    match segment {
        Segment::Field(name) => format!("cannot take field `{name}` of {what}"),
        Segment::Index(i) => format!("cannot take index {i} of {what}"),
        Segment::Pick(_) => format!("cannot pick elements `{segment}` of {what}"),
        Segment::Slice(..) => format!("cannot take slice `{segment}` of {what}"),
        Segment::AnyField | Segment::AnyIndex => {
            format!("wildcard `{segment}` needs an Object or an Array, not {what}")
        }
    }
}

/// Applies one segment to one value, pushing what it selects onto `out`.
fn apply<'v>(segment: &Segment, value: &'v Value, out: &mut Vec<&'v Value>) -> Result<(), String> {
    match (segment, value) {
        (Segment::Field(name), Value::Object(map)) => match map.get(name) {
            Some(v) => out.push(v),
            None => return Err(format!("field `{name}` not found in object")),
        },
        (Segment::AnyField | Segment::AnyIndex, Value::Object(map)) => out.extend(map.values()),
        (Segment::AnyField | Segment::AnyIndex, Value::Array(items)) => out.extend(items),
        (Segment::Index(i), Value::Array(items)) => out.push(element(items, *i)?),
        (Segment::Pick(indices), Value::Array(items)) => {
            for i in indices {
                out.push(element(items, *i)?);
            }
        }
        (Segment::Slice(start, end), Value::Array(items)) => {
            let len = items.len();
            let from = start.map_or(0, |s| clamp(s, len));
            let to = end.map_or(len, |e| clamp(e, len));
            if from < to {
                out.extend(items.get(from..to).unwrap_or_default());
            }
        }
        (_, other) => return Err(not_applicable(segment, a_value(other))),
    }
    Ok(())
}

fn element(items: &[Value], index: i64) -> Result<&Value, String> {
    resolve(index, items.len())
        .and_then(|i| items.get(i))
        .ok_or_else(|| format!("index {index} out of range for array of {}", items.len()))
}

/// A possibly negative index into `len` elements, if it is in range.
fn resolve(index: i64, len: usize) -> Option<usize> {
    if index >= 0 {
        usize::try_from(index).ok().filter(|&i| i < len)
    } else {
        let back = usize::try_from(index.unsigned_abs()).ok()?;
        len.checked_sub(back)
    }
}

/// A slice bound, counted from the end when negative, clamped to `0..=len`.
fn clamp(bound: i64, len: usize) -> usize {
    if bound >= 0 {
        usize::try_from(bound).map_or(len, |b| b.min(len))
    } else {
        usize::try_from(bound.unsigned_abs()).map_or(0, |back| len.saturating_sub(back))
    }
}

/// Parses an input expression such as `$.data.numbers[0, 3]`.
pub fn parse_input_expression(src: &str) -> Result<InputExpression, ExpressionError> {
    let mut cursor = Cursor {
        chars: src.chars().collect(),
        pos: 0,
    };
    cursor.prefix()?;
    let mut segments = Vec::new();
    while let Some(c) = cursor.peek() {
        match c {
            '.' => {
                cursor.pos += 1;
                segments.push(cursor.field()?);
            }
            '[' => segments.push(cursor.bracket()?),
            c if c.is_whitespace() => return Err(cursor.whitespace()),
            c => {
                return Err(cursor.error(format!(
                    "unexpected character {} (expected \".\" or \"[\")",
                    quote(c)
                )))
            }
        }
    }
    Ok(InputExpression { segments })
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn quote(c: char) -> String {
    format!("\"{}\"", c.escape_debug())
}

fn describe(c: Option<char>) -> String {
    c.map_or_else(|| "the end of the expression".to_string(), quote)
}

struct Cursor {
    chars: Vec<char>,
    /// 0-based index of the next character; its column is `pos + 1`.
    pos: usize,
}

impl Cursor {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn error(&self, message: String) -> ExpressionError {
        ExpressionError {
            column: self.pos + 1,
            message,
        }
    }

    fn whitespace(&self) -> ExpressionError {
        self.error(
            "unexpected whitespace (only allowed after \",\" and around \":\" inside brackets)"
                .to_string(),
        )
    }

    fn prefix(&mut self) -> Result<(), ExpressionError> {
        const PREFIX: [char; 6] = ['$', '.', 'd', 'a', 't', 'a'];
        let head = self.chars.get(..PREFIX.len());
        let boundary = !self
            .chars
            .get(PREFIX.len())
            .copied()
            .is_some_and(is_name_char);
        if head == Some(&PREFIX[..]) && boundary {
            self.pos = PREFIX.len();
            return Ok(());
        }
        // Show the word that stands where `$.data` should be: up to the next segment.
        let found: String = self
            .chars
            .iter()
            .enumerate()
            .take_while(|&(i, &c)| !(c == '[' || c.is_whitespace() || (c == '.' && i >= 2)))
            .map(|(_, &c)| c)
            .take(16)
            .collect();
        let found = match (found.is_empty(), self.chars.first()) {
            (_, None) => "the expression is empty".to_string(),
            (true, Some(&c)) => format!("found {}", quote(c)),
            (false, Some(_)) => format!("found \"{}\"", found.escape_debug()),
        };
        Err(ExpressionError {
            column: 1,
            message: format!("expected \"$.data\" at the start, {found}"),
        })
    }

    /// After a `.`: a name or `*`.
    fn field(&mut self) -> Result<Segment, ExpressionError> {
        if self.peek() == Some('*') {
            self.pos += 1;
            return Ok(Segment::AnyField);
        }
        let start = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        match self.chars.get(start..self.pos) {
            Some(name) if !name.is_empty() => Ok(Segment::Field(name.iter().collect())),
            _ => Err(self.error(format!(
                "expected a field name after \".\", found {}",
                describe(self.peek())
            ))),
        }
    }

    /// A bracketed segment, starting at its `[`.
    fn bracket(&mut self) -> Result<Segment, ExpressionError> {
        let open = self.pos + 1;
        self.pos += 1;
        let segment = match self.peek() {
            Some('*') => {
                self.pos += 1;
                Segment::AnyIndex
            }
            Some(':') => self.slice(None)?,
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let first = self.int()?;
                self.space_before(':')?;
                match self.peek() {
                    Some(',') => self.pick(first)?,
                    Some(':') => self.slice(Some(first))?,
                    Some(']') | None => Segment::Index(first),
                    Some(c) => {
                        return Err(self.error(format!(
                            "expected \"]\", \",\" or \":\" after the index, found {}",
                            quote(c)
                        )))
                    }
                }
            }
            Some(']') => {
                return Err(self.error(
                    "expected an index, a slice or \"*\" between \"[\" and \"]\"".to_string(),
                ))
            }
            Some('\'' | '"') => {
                return Err(self.error(
                    "quoted field names are not supported; write \".name\" instead".to_string(),
                ))
            }
            Some(c) if c.is_whitespace() => return Err(self.whitespace()),
            c => {
                return Err(self.error(format!(
                    "expected an index, a slice or \"*\" after \"[\", found {}",
                    describe(c)
                )))
            }
        };
        match self.peek() {
            Some(']') => {
                self.pos += 1;
                Ok(segment)
            }
            None => Err(self.error(format!("unclosed \"[\" opened at column {open}"))),
            Some(c) if c.is_whitespace() => Err(self.whitespace()),
            Some(c) => Err(self.error(format!(
                "expected \"]\" to close \"[\" opened at column {open}, found {}",
                quote(c)
            ))),
        }
    }

    /// `[first, i2, …` up to (not including) the `]`.
    fn pick(&mut self, first: i64) -> Result<Segment, ExpressionError> {
        let mut indices = vec![first];
        while self.peek() == Some(',') {
            self.pos += 1;
            self.skip_whitespace();
            match self.peek() {
                Some(c) if c == '-' || c.is_ascii_digit() => indices.push(self.int()?),
                c => {
                    return Err(self.error(format!(
                        "expected an index after \",\", found {}",
                        describe(c)
                    )))
                }
            }
        }
        Ok(Segment::Pick(indices))
    }

    /// From the `:` of a slice up to (not including) the `]`.
    fn slice(&mut self, start: Option<i64>) -> Result<Segment, ExpressionError> {
        self.pos += 1;
        self.skip_whitespace();
        let end = match self.peek() {
            Some(c) if c == '-' || c.is_ascii_digit() => Some(self.int()?),
            _ => None,
        };
        if self.peek() == Some(':') {
            return Err(
                self.error("slice steps (`[start:end:step]`) are not supported".to_string())
            );
        }
        Ok(Segment::Slice(start, end))
    }

    fn int(&mut self) -> Result<i64, ExpressionError> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits {
            return Err(self.error(format!(
                "expected a digit after \"-\", found {}",
                describe(self.peek())
            )));
        }
        let text: String = self
            .chars
            .get(start..self.pos)
            .unwrap_or_default()
            .iter()
            .collect();
        text.parse().map_err(|_| ExpressionError {
            column: start + 1,
            message: format!("index {text} is too large"),
        })
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Skips whitespace only if `allowed` follows it; whitespace before anything else is an error.
    fn space_before(&mut self, allowed: char) -> Result<(), ExpressionError> {
        let start = self.pos;
        self.skip_whitespace();
        if self.pos > start && self.peek() != Some(allowed) {
            self.pos = start;
            return Err(self.whitespace());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        /// Any text parses or fails at a column inside it (or one past its end); what parses
        /// evaluates on any data without a panic.
        #[test]
        fn any_text_parses_or_fails_inside_it(
            src in prop_oneof![any::<String>(), "\\$\\.data[.\\[\\]'\"a-zé€0-9 *-]{0,30}"],
        ) {
            match parse_input_expression(&src) {
                Ok(e) => {
                    let _ = e.evaluate(&json!({"a": [1, {"é": "x"}], "b": "text"}));
                }
                Err(e) => prop_assert!((1..=src.chars().count() + 1).contains(&e.column), "{e:?}"),
            }
        }
    }

    /// Parses `input` and renders the result as `canonical text | segments` or `error COLUMN: message`.
    fn check(input: &str, expect: &str) {
        let actual = match parse_input_expression(input) {
            Ok(e) => format!("{e} | {:?}", e.segments()),
            Err(e) => format!("error {}: {}", e.column, e.message),
        };
        assert_eq!(actual, expect, "input: {input:?}");
    }

    fn document() -> Value {
        json!({
            "animals": {"reptiles": ["snake", "turtle", "iguana"]},
            "numbers": [1, 2, 3, 5, 8],
            "organisms": {"mammals": ["cat", "horse", "mouse"]}
        })
    }

    /// Evaluates `input` on the reference document; `expect` is compact JSON or `error: message`.
    fn check_eval(input: &str, expect: &str) {
        let expr = parse_input_expression(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let actual = match expr.evaluate(&document()) {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(actual, expect, "input: {input:?}");
    }

    fn check_type(input: &str, incoming: DataType, expect: &str) {
        let expr = parse_input_expression(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let actual = match expr.result_type(incoming) {
            TypeOutcome::Exactly(t) => t.to_string(),
            TypeOutcome::Unknown => "Unknown".to_string(),
            TypeOutcome::Impossible(why) => format!("Impossible: {why}"),
        };
        assert_eq!(actual, expect, "input: {input:?} on {incoming}");
    }

    #[test]
    fn parses_every_form() {
        check("$.data", "$.data | []");
        check("$.data.numbers", r#"$.data.numbers | [Field("numbers")]"#);
        check("$.data.a-b_c", r#"$.data.a-b_c | [Field("a-b_c")]"#);
        check("$.data.0abc", r#"$.data.0abc | [Field("0abc")]"#);
        check("$.data.1", r#"$.data.1 | [Field("1")]"#);
        check("$.data.*", "$.data.* | [AnyField]");
        check("$.data[*]", "$.data[*] | [AnyIndex]");
        check("$.data[0]", "$.data[0] | [Index(0)]");
        check("$.data[-1]", "$.data[-1] | [Index(-1)]");
        check("$.data[007]", "$.data[7] | [Index(7)]");
        check("$.data[-0]", "$.data[0] | [Index(0)]");
        check(
            "$.data.numbers[0, 3]",
            r#"$.data.numbers[0, 3] | [Field("numbers"), Pick([0, 3])]"#,
        );
        check("$.data[0,3]", "$.data[0, 3] | [Pick([0, 3])]");
        check(
            "$.data[0,  -1,\t2]",
            "$.data[0, -1, 2] | [Pick([0, -1, 2])]",
        );
        check("$.data[1:3]", "$.data[1:3] | [Slice(Some(1), Some(3))]");
        check("$.data[1 : 3]", "$.data[1:3] | [Slice(Some(1), Some(3))]");
        check("$.data[1:]", "$.data[1:] | [Slice(Some(1), None)]");
        check("$.data[:2]", "$.data[:2] | [Slice(None, Some(2))]");
        check("$.data[:]", "$.data[:] | [Slice(None, None)]");
        check("$.data[-2:]", "$.data[-2:] | [Slice(Some(-2), None)]");
        check(
            "$.data.organisms.mammals[1:]",
            r#"$.data.organisms.mammals[1:] | [Field("organisms"), Field("mammals"), Slice(Some(1), None)]"#,
        );
        check(
            "$.data.*.mammals",
            r#"$.data.*.mammals | [AnyField, Field("mammals")]"#,
        );
        check(
            "$.data[*][0].x",
            r#"$.data[*][0].x | [AnyIndex, Index(0), Field("x")]"#,
        );
        check(
            "$.data[-9223372036854775808]",
            "$.data[-9223372036854775808] | [Index(-9223372036854775808)]",
        );
    }

    #[test]
    fn reports_malformed_expressions() {
        // The prefix is one token: any departure from `$.data` is reported at column 1.
        check(
            "",
            r#"error 1: expected "$.data" at the start, the expression is empty"#,
        );
        check(
            "$.dta",
            r#"error 1: expected "$.data" at the start, found "$.dta""#,
        );
        check(
            "$.dta.x",
            r#"error 1: expected "$.data" at the start, found "$.dta""#,
        );
        check(
            "data.x",
            r#"error 1: expected "$.data" at the start, found "data""#,
        );
        check(
            "$.datum[0]",
            r#"error 1: expected "$.data" at the start, found "$.datum""#,
        );
        check(
            "$.database",
            r#"error 1: expected "$.data" at the start, found "$.database""#,
        );
        check(
            "$.Data",
            r#"error 1: expected "$.data" at the start, found "$.Data""#,
        );
        check(
            " $.data",
            r#"error 1: expected "$.data" at the start, found " ""#,
        );
        check(
            "[0]",
            r#"error 1: expected "$.data" at the start, found "[""#,
        );
        check("$", r#"error 1: expected "$.data" at the start, found "$""#);
        check("$.data[1", r#"error 9: unclosed "[" opened at column 7"#);
        check(
            "$.data.numbers[0, 3",
            r#"error 20: unclosed "[" opened at column 15"#,
        );
        check("$.data[1:", r#"error 10: unclosed "[" opened at column 7"#);
        check("$.data[*", r#"error 9: unclosed "[" opened at column 7"#);
        check(
            "$.data[",
            r#"error 8: expected an index, a slice or "*" after "[", found the end of the expression"#,
        );
        check(
            "$.data[1}",
            r#"error 9: expected "]", "," or ":" after the index, found "}""#,
        );
        check(
            "$.data[1:2}",
            r#"error 11: expected "]" to close "[" opened at column 7, found "}""#,
        );
        check(
            "$.data[*,1]",
            r#"error 9: expected "]" to close "[" opened at column 7, found ",""#,
        );
        check(
            "$.data}",
            r#"error 7: unexpected character "}" (expected "." or "[")"#,
        );
        check(
            "$.data.x}",
            r#"error 9: unexpected character "}" (expected "." or "[")"#,
        );
        check(
            "$.data.",
            r#"error 8: expected a field name after ".", found the end of the expression"#,
        );
        check(
            "$.data..x",
            r#"error 8: expected a field name after ".", found ".""#,
        );
        check(
            "$.data.[0]",
            r#"error 8: expected a field name after ".", found "[""#,
        );
        check(
            "$.data.a$",
            r#"error 9: unexpected character "$" (expected "." or "[")"#,
        );
        check(
            "$.data[]",
            r#"error 8: expected an index, a slice or "*" between "[" and "]""#,
        );
        check(
            "$.data['x']",
            r#"error 8: quoted field names are not supported; write ".name" instead"#,
        );
        check(
            "$.data[x]",
            r#"error 8: expected an index, a slice or "*" after "[", found "x""#,
        );
        check(
            "$.data[-]",
            r#"error 9: expected a digit after "-", found "]""#,
        );
        check(
            "$.data[1,]",
            r#"error 10: expected an index after ",", found "]""#,
        );
        check(
            "$.data[1,*]",
            r#"error 10: expected an index after ",", found "*""#,
        );
        check(
            "$.data[1, 2:3]",
            r#"error 12: expected "]" to close "[" opened at column 7, found ":""#,
        );
        check(
            "$.data[1:2:3]",
            r#"error 11: slice steps (`[start:end:step]`) are not supported"#,
        );
        check(
            "$.data[99999999999999999999]",
            "error 8: index 99999999999999999999 is too large",
        );
        check(
            "$.data[+1]",
            r#"error 8: expected an index, a slice or "*" after "[", found "+""#,
        );
        check(
            "$.data[1.5]",
            r#"error 9: expected "]", "," or ":" after the index, found ".""#,
        );
        // Whitespace: only after commas and around colons.
        check(
            "$.data ",
            r#"error 7: unexpected whitespace (only allowed after "," and around ":" inside brackets)"#,
        );
        check(
            "$.data [0]",
            r#"error 7: unexpected whitespace (only allowed after "," and around ":" inside brackets)"#,
        );
        check(
            "$.data[ 0]",
            r#"error 8: unexpected whitespace (only allowed after "," and around ":" inside brackets)"#,
        );
        check(
            "$.data[0 ]",
            r#"error 9: unexpected whitespace (only allowed after "," and around ":" inside brackets)"#,
        );
        check(
            "$.data[0 ,1]",
            r#"error 9: unexpected whitespace (only allowed after "," and around ":" inside brackets)"#,
        );
        check(
            "$.data[1:2 ]",
            r#"error 11: unexpected whitespace (only allowed after "," and around ":" inside brackets)"#,
        );
        check("$.data[1: ]", "$.data[1:] | [Slice(Some(1), None)]");
        check(
            "$.data. x",
            r#"error 8: expected a field name after ".", found " ""#,
        );
        // Columns count characters, not bytes.
        check(
            "$.data.é",
            r#"error 8: expected a field name after ".", found "é""#,
        );
        check(
            "$.data.a.ü.b",
            r#"error 10: expected a field name after ".", found "ü""#,
        );
        check(
            "$.data[日本]",
            r#"error 8: expected an index, a slice or "*" after "[", found "日""#,
        );
        check(
            "$.data\n",
            r#"error 7: unexpected whitespace (only allowed after "," and around ":" inside brackets)"#,
        );
        check(
            "$.data\u{0}",
            r#"error 7: unexpected character "\0" (expected "." or "[")"#,
        );
    }

    #[test]
    fn evaluates_on_the_reference_document() {
        check_eval("$.data", &document().to_string());
        check_eval("$.data.numbers", "[1,2,3,5,8]");
        check_eval("$.data.numbers[0, 3]", "[1,5]");
        check_eval("$.data.numbers[3, 0, 3]", "[5,1,5]");
        check_eval("$.data.numbers[0]", "1");
        check_eval("$.data.numbers[-1]", "8");
        check_eval("$.data.numbers[-5]", "1");
        check_eval("$.data.numbers[1:3]", "[2,3]");
        check_eval("$.data.numbers[:2]", "[1,2]");
        check_eval("$.data.numbers[-2:]", "[5,8]");
        check_eval("$.data.numbers[:-3]", "[1,2]");
        check_eval("$.data.numbers[3:1]", "[]");
        check_eval("$.data.numbers[2:100]", "[3,5,8]");
        check_eval("$.data.numbers[-100:1]", "[1]");
        check_eval("$.data.numbers[:]", "[1,2,3,5,8]");
        check_eval("$.data.numbers[*]", "[1,2,3,5,8]");
        check_eval("$.data.numbers.*", "[1,2,3,5,8]");
        check_eval("$.data.organisms.mammals[1:]", r#"["horse","mouse"]"#);
        check_eval("$.data.organisms.mammals[1]", r#""horse""#);
        check_eval("$.data.animals.reptiles[-1]", r#""iguana""#);
        // Members without `mammals` are skipped; members are visited in key order.
        check_eval("$.data.*.mammals", r#"[["cat","horse","mouse"]]"#);
        check_eval("$.data.*.reptiles[0]", r#"["snake"]"#);
        check_eval("$.data.*.*[0]", r#"["snake","cat"]"#);
        check_eval(
            "$.data.*.*",
            r#"[["snake","turtle","iguana"],1,2,3,5,8,["cat","horse","mouse"]]"#,
        );
        check_eval("$.data[*][*][1]", r#"["turtle","horse"]"#);
        check_eval("$.data.numbers[0, 1][0]", "[]");
        check_eval("$.data.numbers[0:2].x", "[]");
        check_eval("$.data.*.nothing", "[]");
        // A single path that does not fit is an error, naming where it stopped.
        check_eval(
            "$.data.x",
            "error: field `x` not found in object (at `$.data`)",
        );
        check_eval(
            "$.data.animals.reptiles[5]",
            "error: index 5 out of range for array of 3 (at `$.data.animals.reptiles`)",
        );
        check_eval(
            "$.data.numbers[-6]",
            "error: index -6 out of range for array of 5 (at `$.data.numbers`)",
        );
        check_eval(
            "$.data.numbers[-9223372036854775808]",
            "error: index -9223372036854775808 out of range for array of 5 (at `$.data.numbers`)",
        );
        check_eval(
            "$.data.numbers[0, 9]",
            "error: index 9 out of range for array of 5 (at `$.data.numbers`)",
        );
        check_eval(
            "$.data.animals.reptiles[0].a",
            "error: cannot take field `a` of a String (at `$.data.animals.reptiles[0]`)",
        );
        check_eval(
            "$.data.numbers.a",
            "error: cannot take field `a` of an Array (at `$.data.numbers`)",
        );
        check_eval(
            "$.data[0]",
            "error: cannot take index 0 of an Object (at `$.data`)",
        );
        check_eval(
            "$.data[0, 1]",
            "error: cannot pick elements `[0, 1]` of an Object (at `$.data`)",
        );
        check_eval(
            "$.data[1:]",
            "error: cannot take slice `[1:]` of an Object (at `$.data`)",
        );
        check_eval(
            "$.data.numbers[0].*",
            "error: wildcard `.*` needs an Object or an Array, not a Number (at `$.data.numbers[0]`)",
        );
        check_eval(
            "$.data.numbers[0][*]",
            "error: wildcard `[*]` needs an Object or an Array, not a Number (at `$.data.numbers[0]`)",
        );
    }

    #[test]
    fn evaluates_scalars_and_null() {
        let expr = parse_input_expression("$.data").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(expr.evaluate(&json!("hi")), Ok(json!("hi")));
        assert_eq!(expr.evaluate(&Value::Null), Ok(Value::Null));
        let field = parse_input_expression("$.data.x").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            field.evaluate(&Value::Null).map_err(|e| e.message),
            Err("cannot take field `x` of null (at `$.data`)".to_string())
        );
        assert_eq!(field.evaluate(&json!({"x": null})), Ok(Value::Null));
        let empty = parse_input_expression("$.data[-1:]").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(empty.evaluate(&json!([])), Ok(json!([])));
    }

    #[test]
    fn reasons_about_result_types() {
        use DataType::*;
        for ty in DataType::ALL {
            check_type("$.data", ty, ty.as_str());
        }
        check_type("$.data.x", Object, "Unknown");
        check_type("$.data.x.y[0]", Object, "Unknown");
        check_type("$.data.*", Object, "Array");
        check_type("$.data[*]", Object, "Array");
        check_type("$.data.*.x", Object, "Array");
        check_type("$.data[0]", Array, "Unknown");
        check_type("$.data[0].x[1]", Array, "Unknown");
        check_type("$.data[0, 1]", Array, "Array");
        check_type("$.data[1:]", Array, "Array");
        check_type("$.data[*].x", Array, "Array");
        check_type("$.data.*", Array, "Array");
        check_type("$.data.x[1:]", Object, "Array");
        check_type(
            "$.data.x",
            String,
            "Impossible: cannot take field `x` of a String (at `$.data`)",
        );
        check_type(
            "$.data.x",
            Array,
            "Impossible: cannot take field `x` of an Array (at `$.data`)",
        );
        check_type(
            "$.data[0]",
            Number,
            "Impossible: cannot take index 0 of a Number (at `$.data`)",
        );
        check_type(
            "$.data[0]",
            Object,
            "Impossible: cannot take index 0 of an Object (at `$.data`)",
        );
        check_type(
            "$.data[1:]",
            Boolean,
            "Impossible: cannot take slice `[1:]` of a Boolean (at `$.data`)",
        );
        check_type(
            "$.data[0, 1]",
            Object,
            "Impossible: cannot pick elements `[0, 1]` of an Object (at `$.data`)",
        );
        check_type(
            "$.data.*",
            Number,
            "Impossible: wildcard `.*` needs an Object or an Array, not a Number (at `$.data`)",
        );
        check_type(
            "$.data[*]",
            String,
            "Impossible: wildcard `[*]` needs an Object or an Array, not a String (at `$.data`)",
        );
    }

    #[test]
    fn reports_shape() {
        let whole = parse_input_expression("$.data").unwrap_or_else(|e| panic!("{e}"));
        assert!(whole.is_whole_value() && !whole.yields_many());
        assert_eq!(whole, InputExpression::whole_value());
        for (src, many) in [
            ("$.data.a[0]", false),
            ("$.data.*", true),
            ("$.data[*]", true),
            ("$.data[0, 1]", true),
            ("$.data[1:]", true),
            ("$.data.a.*.b", true),
        ] {
            let expr: InputExpression = src.parse().unwrap_or_else(|e| panic!("{src}: {e}"));
            assert!(!expr.is_whole_value(), "{src}");
            assert_eq!(expr.yields_many(), many, "{src}");
        }
        assert_eq!(
            ExpressionError {
                column: 3,
                message: "oops".into()
            }
            .to_string(),
            "at column 3: oops"
        );
    }

    /// A replayable pseudo-random generator (Knuth's MMIX LCG); `SEED=n` replays a run.
    struct Lcg(u64);

    impl Lcg {
        fn from_env() -> Lcg {
            let seed = std::env::var("SEED")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0x5eed);
            Lcg(seed)
        }

        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = u64::try_from(n.max(1)).unwrap_or(u64::MAX);
            usize::try_from((self.0 >> 33) % n).unwrap_or(0)
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items.get(self.below(items.len())).copied().unwrap_or("")
        }
    }

    #[test]
    fn random_text_never_panics_and_round_trips() {
        // Whole segments make valid expressions likely; the loose characters break them.
        const PIECES: &[&str] = &[
            ".numbers",
            ".organisms",
            ".mammals",
            ".animals",
            ".a-b",
            ".0",
            ".*",
            "[*]",
            "[0]",
            "[-1]",
            "[3]",
            "[0, 3]",
            "[1,-2]",
            "[1:]",
            "[:2]",
            "[-2 : 4]",
            "[:]",
            ".",
            "[",
            "]",
            "*",
            "0",
            "-",
            ":",
            ",",
            ", ",
            " ",
            "9999999999999999999999",
            "é",
            "日",
            "\"",
            "'",
            "$",
            "\t",
            "x",
            "$.data",
        ];
        let mut rng = Lcg::from_env();
        let values = [
            document(),
            json!([document(), [1, 2]]),
            json!("text"),
            Value::Null,
        ];
        let mut parsed = 0;
        for _ in 0..20_000 {
            let len = rng.below(8);
            let start = if rng.below(8) == 0 { "" } else { "$.data" };
            let text: String = std::iter::once(start)
                .chain((0..len).map(|_| rng.pick(PIECES)))
                .collect();
            if let Ok(expr) = parse_input_expression(&text) {
                parsed += 1;
                let again = parse_input_expression(&expr.to_string());
                assert_eq!(again.as_ref(), Ok(&expr), "text {text:?} printed as {expr}");
                for value in &values {
                    let _ = expr.evaluate(value);
                }
                for ty in DataType::ALL {
                    let _ = expr.result_type(ty);
                }
            }
        }
        assert!(parsed > 1000, "only {parsed} random expressions parsed");
        // Arbitrary characters, not just grammar pieces.
        for _ in 0..5_000 {
            let len = rng.below(12);
            let text: String = (0..len)
                .map(|_| {
                    char::from_u32(u32::try_from(rng.below(0x3000)).unwrap_or(0)).unwrap_or('?')
                })
                .collect();
            if let Ok(expr) = parse_input_expression(&text) {
                assert_eq!(parse_input_expression(&expr.to_string()), Ok(expr));
            }
        }
    }
}
