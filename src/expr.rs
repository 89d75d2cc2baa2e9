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

mod eval;
mod parser;

pub(crate) use eval::a_type;
pub use parser::parse_input_expression;

use crate::model::DataType;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use serde_json::Value;

    pub(super) fn document() -> Value {
        json!({
            "animals": {"reptiles": ["snake", "turtle", "iguana"]},
            "numbers": [1, 2, 3, 5, 8],
            "organisms": {"mammals": ["cat", "horse", "mouse"]}
        })
    }

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
        let mut rng = crate::seeded::Seeded::from_env();
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
