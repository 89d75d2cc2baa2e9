//! Condition node expressions (`FlowCondition.expression`): parsed, printed, checked against the node's inputs and evaluated.
//!
//! Grammar (reference §1.6), loosest binding first:
//!
//! ```text
//! condition := and ("or" and)*
//! and       := not ("and" not)*
//! not       := "not" not | primary
//! primary   := "(" condition ")" | operand (("==" | "!=" | ">" | ">=" | "<" | "<=") operand)?
//! operand   := input | string | number | "true" | "false"
//! input     := [A-Za-z][A-Za-z0-9_]*        (a node input, by name; keywords are lowercase)
//! string    := '"' (any char but '"' or '\', or '\"' or '\\')* '"'
//! number    := "-"? [0-9]+ ("." [0-9]+)?
//! ```
//!
//! A bare operand (`isValid`, `not isValid`) is a condition of its own and must be a Boolean.
//! `and` and `or` associate to the left. Comparisons do not chain (`a < b < c` is an error).
//!
//! Columns are 1-based and count Unicode scalar values (`char`s), not bytes; a problem found at the
//! end of the text points one past the last character (so `a >` reports column 4). Only input
//! operands carry a column, and [`Operand`]'s equality ignores it (the way `syn` ignores spans), so
//! a condition printed with [`fmt::Display`] and parsed again compares equal to the original.
//! Problems about literals alone (`1 == 1`) point at the nearest input of the comparison, or at
//! column 1 when there is none.

mod check;
mod eval;
mod lexer;
mod parser;

pub use parser::parse_condition;

use crate::model::DataType;
use std::fmt;
use std::str::FromStr;

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Or(Box<Condition>, Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    Compare {
        left: Operand,
        op: Comparison,
        right: Operand,
    },
    /// A bare operand used as a condition; it must be a Boolean.
    Truthy(Operand),
}

/// One side of a comparison.
#[derive(Debug, Clone)]
pub enum Operand {
    /// A node input, by name, with the 1-based column where its name starts.
    Input {
        name: String,
        column: usize,
    },
    Str(String),
    Number(f64),
    Bool(bool),
}

/// A relational operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A syntax error in a condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at column {column}: {message}")]
pub struct ConditionError {
    /// 1-based character column where the problem starts (one past the end for "ran out of text").
    pub column: usize,
    pub message: String,
}

/// Something wrong with a well-formed condition, given the node's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionProblem {
    pub kind: ConditionProblemKind,
    /// 1-based character column of the input the problem is about (see the module notes).
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionProblemKind {
    /// A name that is not an input of the node.
    UnknownInput,
    /// An operator applied to a type it does not compare, or a non-Boolean used as a condition.
    OperatorTypeMismatch,
    /// A comparison whose result does not depend on the data (two constants, an input with itself,
    /// `==`/`!=` between different types).
    ComparisonAlwaysConstant,
}

impl PartialEq for Operand {
    /// Equal when they denote the same operand; an input's column is where it was written, not
    /// what it is, so it is ignored.
    fn eq(&self, other: &Operand) -> bool {
        match (self, other) {
            (Operand::Input { name: a, .. }, Operand::Input { name: b, .. }) => a == b,
            (Operand::Str(a), Operand::Str(b)) => a == b,
            (Operand::Number(a), Operand::Number(b)) => a == b,
            (Operand::Bool(a), Operand::Bool(b)) => a == b,
            (
                Operand::Input { .. } | Operand::Str(_) | Operand::Number(_) | Operand::Bool(_),
                _,
            ) => false,
        }
    }
}

impl Operand {
    /// The column of an input operand; literals carry none.
    pub fn column(&self) -> Option<usize> {
        match self {
            Operand::Input { column, .. } => Some(*column),
            Operand::Str(_) | Operand::Number(_) | Operand::Bool(_) => None,
        }
    }

    /// The type of a literal; `None` for an input.
    pub fn literal_type(&self) -> Option<DataType> {
        match self {
            Operand::Input { .. } => None,
            Operand::Str(_) => Some(DataType::String),
            Operand::Number(_) => Some(DataType::Number),
            Operand::Bool(_) => Some(DataType::Boolean),
        }
    }

    /// How messages name this operand: `"price"` for an input, `the constant 10` for a literal.
    fn who(&self) -> String {
        match self {
            Operand::Input { name, .. } => format!("\"{name}\""),
            Operand::Str(_) | Operand::Number(_) | Operand::Bool(_) => {
                format!("the constant {self}")
            }
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Input { name, .. } => f.write_str(name),
            Operand::Str(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
            // `f64`'s Display never uses an exponent, so this is always a valid number literal.
            Operand::Number(n) => write!(f, "{n}"),
            Operand::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Eq => "==",
            Comparison::Ne => "!=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
        }
    }

    /// True for `>`, `>=`, `<`, `<=`, which compare numbers only.
    pub fn is_ordering(self) -> bool {
        match self {
            Comparison::Eq | Comparison::Ne => false,
            Comparison::Gt | Comparison::Ge | Comparison::Lt | Comparison::Le => true,
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ConditionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at column {}: {}", self.column, self.message)
    }
}

impl Condition {
    /// The input names the condition reads, in order of first appearance.
    pub fn input_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.visit_operands(&mut |operand| {
            if let Operand::Input { name, .. } = operand {
                if !names.contains(&name.as_str()) {
                    names.push(name.as_str());
                }
            }
        });
        names
    }

    fn visit_operands<'a>(&'a self, visit: &mut impl FnMut(&'a Operand)) {
        match self {
            Condition::Or(l, r) | Condition::And(l, r) => {
                l.visit_operands(visit);
                r.visit_operands(visit);
            }
            Condition::Not(c) => c.visit_operands(visit),
            Condition::Compare { left, right, .. } => {
                visit(left);
                visit(right);
            }
            Condition::Truthy(o) => visit(o),
        }
    }
}

impl fmt::Display for Condition {
    /// Canonical text: `and`/`or` operands and `not`'s operand are parenthesised unless they are
    /// a bare operand or a `not`, e.g. `(retailPrice > 10) and (type == "produce")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Or(l, r) => write!(f, "{} or {}", Grouped(l), Grouped(r)),
            Condition::And(l, r) => write!(f, "{} and {}", Grouped(l), Grouped(r)),
            Condition::Not(c) => write!(f, "not {}", Grouped(c)),
            Condition::Compare { left, op, right } => write!(f, "{left} {op} {right}"),
            Condition::Truthy(operand) => write!(f, "{operand}"),
        }
    }
}

/// A sub-condition printed in parentheses when it is a comparison, `and` or `or`.
struct Grouped<'a>(&'a Condition);

impl fmt::Display for Grouped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Condition::Truthy(_) | Condition::Not(_) => write!(f, "{}", self.0),
            Condition::Or(..) | Condition::And(..) | Condition::Compare { .. } => {
                write!(f, "({})", self.0)
            }
        }
    }
}

impl FromStr for Condition {
    type Err = ConditionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_condition(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        /// Any text parses or fails at a column inside it (or one past its end); what parses
        /// evaluates without a panic.
        #[test]
        fn any_text_parses_or_fails_inside_it(
            src in prop_oneof![any::<String>(), "[a-zé€0-9 ()\"'<>=!.&|-]{0,40}|(and|or|not|true|false| )*"],
        ) {
            match parse_condition(&src) {
                Ok(c) => {
                    let _ = c.evaluate(|name| Some(json!(name.chars().count())));
                }
                Err(e) => prop_assert!((1..=src.chars().count() + 1).contains(&e.column), "{e:?}"),
            }
        }
    }

    #[test]
    fn lists_input_names() {
        let names = |src: &str| {
            parse_condition(src)
                .map(|c| c.input_names().join(","))
                .unwrap_or_else(|e| e.to_string())
        };
        assert_eq!(
            names(r#"(retailPrice > 10) and (type == "produce")"#),
            "retailPrice,type"
        );
        assert_eq!(names("b > a or a < c and not b"), "b,a,c");
        assert_eq!(names(r#""x" == "y""#), "");
        assert_eq!(names("isValid"), "isValid");
    }

    #[test]
    fn prints_what_it_parses() {
        let c = Condition::Compare {
            left: Operand::Input {
                name: "x".into(),
                column: 99,
            },
            op: Comparison::Ge,
            right: Operand::Str("a\"b\\".into()),
        };
        assert_eq!(c.to_string(), r#"x >= "a\"b\\""#);
        assert_eq!(parse_condition(&c.to_string()), Ok(c));
        let ops = [
            Comparison::Eq,
            Comparison::Ne,
            Comparison::Gt,
            Comparison::Ge,
            Comparison::Lt,
            Comparison::Le,
        ];
        let texts: Vec<&str> = ops.iter().map(|op| op.as_str()).collect();
        assert_eq!(texts, ["==", "!=", ">", ">=", "<", "<="]);
        for n in [0.1, 1e21, 1e-7, -2.5e300, 123_456.789] {
            let c = Condition::Compare {
                left: Operand::Number(n),
                op: Comparison::Eq,
                right: Operand::Bool(false),
            };
            assert_eq!(parse_condition(&c.to_string()), Ok(c), "{n}");
        }
        let problem = ConditionProblem {
            kind: ConditionProblemKind::UnknownInput,
            column: 4,
            message: "m".into(),
        };
        assert_eq!(problem.to_string(), "at column 4: m");
        assert_eq!(
            "a >".parse::<Condition>().map_err(|e| e.to_string()),
            Err("at column 4: expected an input name or a constant after \">\", found the end of the condition".into())
        );
    }

    #[test]
    fn random_text_never_panics_and_round_trips() {
        // Operands and operators alternate most of the time, so many texts are valid.
        const OPERANDS: &[&str] = &[
            "a",
            "b",
            "price",
            "isValid",
            "true",
            "false",
            "\"x\"",
            "\"\\\"\"",
            "1",
            "-2.5",
            "0",
            "(a > 1)",
            "not isValid",
            "(isValid or b == \"x\")",
        ];
        const OPERATORS: &[&str] = &["==", "!=", ">", ">=", "<", "<=", "and", "or", "and not"];
        const NOISE: &[&str] = &[
            "(", ")", "=", "!", "\"", "\\", ".", "-", "é", "日", "'", "&", "$.data", "[0]", "_",
            "\n", "", "AND", "not",
        ];
        let mut rng = crate::seeded::Seeded::from_env();
        let values = json!({"a": 1, "b": "x", "price": 2.5, "isValid": true});
        let types = |name: &str| match name {
            "a" | "price" => Some(DataType::Number),
            "b" => Some(DataType::String),
            "isValid" => Some(DataType::Boolean),
            _ => None,
        };
        let mut parsed = 0;
        for round in 0..30_000 {
            let len = rng.below(8);
            let text: String = if round % 4 == 0 {
                // Arbitrary characters, not just grammar pieces.
                (0..len)
                    .map(|_| {
                        char::from_u32(u32::try_from(rng.below(0x3000)).unwrap_or(0)).unwrap_or('?')
                    })
                    .collect()
            } else {
                let mut text = String::new();
                for n in 0..=len {
                    let pieces = match (rng.below(6), n % 2) {
                        (0, _) => NOISE,
                        (_, 0) => OPERANDS,
                        (_, _) => OPERATORS,
                    };
                    text.push_str(rng.pick(pieces));
                    text.push_str(if rng.below(5) == 0 { "" } else { " " });
                }
                text
            };
            if let Ok(expr) = crate::expr::parse_input_expression(&text) {
                assert_eq!(
                    crate::expr::parse_input_expression(&expr.to_string()),
                    Ok(expr)
                );
            }
            if let Ok(condition) = parse_condition(&text) {
                parsed += 1;
                let printed = condition.to_string();
                assert_eq!(
                    parse_condition(&printed).as_ref(),
                    Ok(&condition),
                    "text {text:?} printed as {printed}"
                );
                let _ = condition.check(types);
                let _ = condition.evaluate(|name| values.get(name).cloned());
                let _ = condition.input_names();
            }
        }
        assert!(parsed > 1000, "only {parsed} random conditions parsed");
    }
}
