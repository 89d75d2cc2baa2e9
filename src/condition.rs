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

use crate::expr::{a_type, EvaluationError};
use crate::model::DataType;
use serde_json::Value;
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

    fn value(&self, lookup: &dyn Fn(&str) -> Option<Value>) -> Result<Value, EvaluationError> {
        match self {
            Operand::Input { name, .. } => lookup(name).ok_or_else(|| EvaluationError {
                message: format!("no value for input \"{name}\""),
            }),
            Operand::Str(s) => Ok(Value::String(s.clone())),
            Operand::Number(n) => serde_json::Number::from_f64(*n)
                .map(Value::Number)
                .ok_or_else(|| EvaluationError {
                    message: format!("the constant {n} is not a finite number"),
                }),
            Operand::Bool(b) => Ok(Value::Bool(*b)),
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

    /// Whether this operator accepts operands of type `ty`.
    fn accepts(self, ty: DataType) -> bool {
        if self.is_ordering() {
            ty == DataType::Number
        } else {
            matches!(ty, DataType::String | DataType::Number | DataType::Boolean)
        }
    }

    fn mismatch(self, who: &str, what: &str) -> String {
        if self.is_ordering() {
            format!("\"{self}\" compares numbers, but {who} is {what}")
        } else {
            format!("\"{self}\" compares strings, numbers or booleans, but {who} is {what}")
        }
    }

    fn apply(
        self,
        (left, l): (&Operand, &Value),
        (right, r): (&Operand, &Value),
    ) -> Result<bool, EvaluationError> {
        for (who, v) in [(left, l), (right, r)] {
            if !DataType::of_value(v).is_some_and(|ty| self.accepts(ty)) {
                let what = DataType::of_value(v).map_or("null", a_type);
                return Err(EvaluationError {
                    message: self.mismatch(&who.who(), what),
                });
            }
        }
        // Values of different types are never equal (Bedrock: "the type must also match").
        let equal = match (l, r) {
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (Value::Bool(a), Value::Bool(b)) => a == b,
            _ => false,
        };
        let a = l.as_f64().unwrap_or(f64::NAN);
        let b = r.as_f64().unwrap_or(f64::NAN);
        Ok(match self {
            Comparison::Eq => equal,
            Comparison::Ne => !equal,
            Comparison::Gt => a > b,
            Comparison::Ge => a >= b,
            Comparison::Lt => a < b,
            Comparison::Le => a <= b,
        })
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

    /// Checks names and operator/type fit. `input_type(name)` gives the declared type of a node
    /// input, `None` if no such input. Problems come in order of appearance.
    /// The condition's value when it does not depend on the data: `Some(false)` means it can
    /// never hold (for example `count == "x"` with `count` a Number), `Some(true)` that it
    /// always does. `input_type` gives the declared type of a node input.
    pub fn constant_value(&self, input_type: impl Fn(&str) -> Option<DataType>) -> Option<bool> {
        self.constant(&input_type)
    }

    fn constant(&self, input_type: &dyn Fn(&str) -> Option<DataType>) -> Option<bool> {
        match self {
            Condition::Not(c) => c.constant(input_type).map(|b| !b),
            Condition::And(l, r) => match (l.constant(input_type), r.constant(input_type)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Condition::Or(l, r) => match (l.constant(input_type), r.constant(input_type)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Condition::Truthy(Operand::Bool(b)) => Some(*b),
            Condition::Truthy(_) => None,
            Condition::Compare { left, op, right } => {
                if let (Operand::Input { name: a, .. }, Operand::Input { name: b, .. }) =
                    (left, right)
                {
                    if a == b {
                        return Some(matches!(
                            op,
                            Comparison::Eq | Comparison::Ge | Comparison::Le
                        ));
                    }
                }
                if left.column().is_none() && right.column().is_none() {
                    return self.evaluate(|_| None).ok();
                }
                let type_of = |o: &Operand| match o {
                    Operand::Input { name, .. } => input_type(name),
                    other => other.literal_type(),
                };
                match (type_of(left), type_of(right), op) {
                    (Some(l), Some(r), Comparison::Eq) if l != r => Some(false),
                    (Some(l), Some(r), Comparison::Ne) if l != r => Some(true),
                    _ => None,
                }
            }
        }
    }

    pub fn check(&self, input_type: impl Fn(&str) -> Option<DataType>) -> Vec<ConditionProblem> {
        let mut problems = Vec::new();
        self.check_into(&input_type, &mut problems);
        problems
    }

    fn check_into(
        &self,
        input_type: &dyn Fn(&str) -> Option<DataType>,
        out: &mut Vec<ConditionProblem>,
    ) {
        match self {
            Condition::Or(l, r) | Condition::And(l, r) => {
                l.check_into(input_type, out);
                r.check_into(input_type, out);
            }
            Condition::Not(c) => c.check_into(input_type, out),
            Condition::Truthy(operand) => {
                let column = operand.column().unwrap_or(1);
                match (operand, operand_type(operand, input_type, out)) {
                    (_, None) => {}
                    (Operand::Bool(b), _) => out.push(ConditionProblem {
                        kind: ConditionProblemKind::ComparisonAlwaysConstant,
                        column,
                        message: format!("the constant {b} makes this condition {}", verdict(*b)),
                    }),
                    (_, Some(DataType::Boolean)) => {}
                    (_, Some(ty)) => out.push(ConditionProblem {
                        kind: ConditionProblemKind::OperatorTypeMismatch,
                        column,
                        message: format!(
                            "{} is used as a condition, so it must be a Boolean, but it is {}",
                            operand.who(),
                            a_type(ty)
                        ),
                    }),
                }
            }
            Condition::Compare { left, op, right } => {
                let left_type = operand_type(left, input_type, out);
                let right_type = operand_type(right, input_type, out);
                let anchor = left.column().or(right.column()).unwrap_or(1);
                let mut mismatched = false;
                for (side, ty) in [(left, left_type), (right, right_type)] {
                    if let Some(ty) = ty.filter(|&ty| !op.accepts(ty)) {
                        mismatched = true;
                        out.push(ConditionProblem {
                            kind: ConditionProblemKind::OperatorTypeMismatch,
                            column: side.column().unwrap_or(anchor),
                            message: op.mismatch(&side.who(), a_type(ty)),
                        });
                    }
                }
                let (Some(left_type), Some(right_type)) = (left_type, right_type) else {
                    return;
                };
                if mismatched {
                    return;
                }
                let constant = if left_type != right_type {
                    // Only `==` and `!=` get here: ordering operators accept Numbers alone.
                    Some(format!(
                        "\"{op}\" compares {} with {}: {}",
                        a_type(left_type),
                        a_type(right_type),
                        verdict(*op == Comparison::Ne)
                    ))
                } else if let (Operand::Input { name: a, .. }, Operand::Input { name: b, .. }) =
                    (left, right)
                {
                    let always = matches!(op, Comparison::Eq | Comparison::Ge | Comparison::Le);
                    (a == b)
                        .then(|| format!("\"{a}\" is compared with itself: {}", verdict(always)))
                } else if left.column().is_none() && right.column().is_none() {
                    self.evaluate(|_| None)
                        .ok()
                        .map(|value| format!("\"{op}\" compares two constants: {}", verdict(value)))
                } else {
                    None
                };
                if let Some(message) = constant {
                    out.push(ConditionProblem {
                        kind: ConditionProblemKind::ComparisonAlwaysConstant,
                        column: anchor,
                        message,
                    });
                }
            }
        }
    }

    /// Evaluates the condition; `lookup(name)` gives the value arriving on a node input.
    /// `==` between values of different types is false; ordering operators on non-numbers, and
    /// non-Booleans used as conditions, are errors naming the input. `and` and `or` short-circuit:
    /// when the left side decides, the right side is not evaluated and its inputs not looked up.
    pub fn evaluate(
        &self,
        lookup: impl Fn(&str) -> Option<Value>,
    ) -> Result<bool, EvaluationError> {
        self.eval(&lookup)
    }

    fn eval(&self, lookup: &dyn Fn(&str) -> Option<Value>) -> Result<bool, EvaluationError> {
        match self {
            Condition::Or(l, r) => Ok(l.eval(lookup)? || r.eval(lookup)?),
            Condition::And(l, r) => Ok(l.eval(lookup)? && r.eval(lookup)?),
            Condition::Not(c) => Ok(!c.eval(lookup)?),
            Condition::Compare { left, op, right } => {
                let l = left.value(lookup)?;
                let r = right.value(lookup)?;
                op.apply((left, &l), (right, &r))
            }
            Condition::Truthy(operand) => match operand.value(lookup)? {
                Value::Bool(b) => Ok(b),
                other => Err(EvaluationError {
                    message: format!(
                        "{} is used as a condition, so it must be a Boolean, but it is {}",
                        operand.who(),
                        DataType::of_value(&other).map_or("null", a_type)
                    ),
                }),
            },
        }
    }
}

fn verdict(always: bool) -> &'static str {
    if always {
        "always true"
    } else {
        "never true"
    }
}

/// The declared type of an operand, recording an unknown input as a problem.
fn operand_type(
    operand: &Operand,
    input_type: &dyn Fn(&str) -> Option<DataType>,
    out: &mut Vec<ConditionProblem>,
) -> Option<DataType> {
    match operand {
        Operand::Input { name, column } => {
            let ty = input_type(name);
            if ty.is_none() {
                out.push(ConditionProblem {
                    kind: ConditionProblemKind::UnknownInput,
                    column: *column,
                    message: format!("\"{name}\" is not an input of this node"),
                });
            }
            ty
        }
        Operand::Str(_) | Operand::Number(_) | Operand::Bool(_) => operand.literal_type(),
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

/// Deeper nesting than this is refused, so that no input can exhaust the stack (Bedrock caps
/// conditions at 64 characters, far below it).
const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Str(String),
    Number(f64),
    True,
    False,
    And,
    Or,
    Not,
    Open,
    Close,
    Op(Comparison),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    column: usize,
    /// The source text, for messages.
    text: String,
}

impl Token {
    fn describe(&self) -> String {
        match &self.tok {
            Tok::Str(_) => format!("the string {}", self.text),
            Tok::Number(_) => format!("the number {}", self.text),
            Tok::Name(name) => {
                let lower = name.to_ascii_lowercase();
                if ["and", "or", "not", "true", "false"].contains(&lower.as_str()) {
                    format!("\"{name}\" (keywords are lowercase: \"{lower}\")")
                } else {
                    format!("\"{name}\"")
                }
            }
            Tok::True
            | Tok::False
            | Tok::And
            | Tok::Or
            | Tok::Not
            | Tok::Open
            | Tok::Close
            | Tok::Op(_) => format!("\"{}\"", self.text),
        }
    }

    fn operand(&self) -> Option<Operand> {
        match &self.tok {
            Tok::Name(name) => Some(Operand::Input {
                name: name.clone(),
                column: self.column,
            }),
            Tok::Str(s) => Some(Operand::Str(s.clone())),
            Tok::Number(n) => Some(Operand::Number(*n)),
            Tok::True => Some(Operand::Bool(true)),
            Tok::False => Some(Operand::Bool(false)),
            Tok::And | Tok::Or | Tok::Not | Tok::Open | Tok::Close | Tok::Op(_) => None,
        }
    }
}

fn error(column: usize, message: String) -> ConditionError {
    ConditionError { column, message }
}

fn quote(c: char) -> String {
    format!("\"{}\"", c.escape_debug())
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

impl Lexer {
    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn tokens(mut self) -> Result<Vec<Token>, ConditionError> {
        let mut tokens = Vec::new();
        while let Some(c) = self.peek_at(0) {
            let start = self.pos;
            let column = start + 1;
            let next = self.peek_at(1);
            let tok = match c {
                c if c.is_whitespace() => {
                    self.pos += 1;
                    continue;
                }
                '(' => self.take(1, Tok::Open),
                ')' => self.take(1, Tok::Close),
                '=' if next == Some('=') && self.peek_at(2) == Some('=') => {
                    return Err(error(
                        column,
                        "\"===\" is not an operator; use \"==\"".into(),
                    ))
                }
                '=' if next == Some('=') => self.take(2, Tok::Op(Comparison::Eq)),
                '=' => {
                    return Err(error(
                        column,
                        "\"=\" is not an operator; use \"==\" to compare".into(),
                    ))
                }
                '!' if next == Some('=') => self.take(2, Tok::Op(Comparison::Ne)),
                '!' => {
                    return Err(error(
                        column,
                        "\"!\" is not an operator; use \"not\" to negate or \"!=\" to compare"
                            .into(),
                    ))
                }
                '<' if next == Some('>') => {
                    return Err(error(
                        column,
                        "\"<>\" is not an operator; use \"!=\"".into(),
                    ))
                }
                '<' if next == Some('=') => self.take(2, Tok::Op(Comparison::Le)),
                '<' => self.take(1, Tok::Op(Comparison::Lt)),
                '>' if next == Some('=') => self.take(2, Tok::Op(Comparison::Ge)),
                '>' => self.take(1, Tok::Op(Comparison::Gt)),
                '&' | '|' => {
                    let op: String = if next == Some(c) {
                        [c, c].iter().collect()
                    } else {
                        c.into()
                    };
                    let word = if c == '&' { "and" } else { "or" };
                    return Err(error(
                        column,
                        format!("\"{op}\" is not an operator; use \"{word}\""),
                    ));
                }
                '"' => self.string()?,
                '\'' => {
                    return Err(error(
                        column,
                        "strings use double quotes (\"), not '".into(),
                    ))
                }
                '-' => self.number()?,
                c if c.is_ascii_digit() => self.number()?,
                c if c.is_ascii_alphabetic() => self.word(),
                '.' if next.is_some_and(|n| n.is_ascii_digit()) => {
                    return Err(error(column, "numbers need a digit before \".\"".into()))
                }
                c => return Err(error(column, format!("unexpected character {}", quote(c)))),
            };
            let text = self
                .chars
                .get(start..self.pos)
                .unwrap_or_default()
                .iter()
                .collect();
            tokens.push(Token { tok, column, text });
        }
        Ok(tokens)
    }

    fn take(&mut self, len: usize, tok: Tok) -> Tok {
        self.pos += len;
        tok
    }

    fn word(&mut self) -> Tok {
        let start = self.pos;
        while self
            .peek_at(0)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        let word: String = self
            .chars
            .get(start..self.pos)
            .unwrap_or_default()
            .iter()
            .collect();
        match word.as_str() {
            "and" => Tok::And,
            "or" => Tok::Or,
            "not" => Tok::Not,
            "true" => Tok::True,
            "false" => Tok::False,
            _ => Tok::Name(word),
        }
    }

    fn string(&mut self) -> Result<Tok, ConditionError> {
        let open = self.pos + 1;
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek_at(0) {
                None => {
                    return Err(error(
                        self.pos + 1,
                        format!("unterminated string opened at column {open}"),
                    ))
                }
                Some('"') => {
                    self.pos += 1;
                    return Ok(Tok::Str(text));
                }
                Some('\\') => match self.peek_at(1) {
                    Some(c @ ('"' | '\\')) => {
                        text.push(c);
                        self.pos += 2;
                    }
                    other => {
                        let shown =
                            other.map_or_else(String::new, |c| c.escape_debug().to_string());
                        return Err(error(
                            self.pos + 1,
                            format!(
                                "unsupported escape \"\\{shown}\" in string (only \\\" and \\\\ are allowed)"
                            ),
                        ));
                    }
                },
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn number(&mut self) -> Result<Tok, ConditionError> {
        let start = self.pos;
        if self.peek_at(0) == Some('-') {
            self.pos += 1;
        }
        let digits = |lexer: &mut Lexer| {
            let from = lexer.pos;
            while lexer.peek_at(0).is_some_and(|c| c.is_ascii_digit()) {
                lexer.pos += 1;
            }
            lexer.pos > from
        };
        if !digits(self) {
            let found = self
                .peek_at(0)
                .map_or("the end of the condition".into(), quote);
            return Err(error(
                self.pos + 1,
                format!("expected a digit after \"-\", found {found}"),
            ));
        }
        if self.peek_at(0) == Some('.') {
            self.pos += 1;
            if !digits(self) {
                return Err(error(
                    self.pos + 1,
                    "expected a digit after the decimal point".into(),
                ));
            }
        }
        if let Some(c) = self
            .peek_at(0)
            .filter(|&c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            return Err(error(
                self.pos + 1,
                format!("unexpected character {} in a number", quote(c)),
            ));
        }
        let text: String = self
            .chars
            .get(start..self.pos)
            .unwrap_or_default()
            .iter()
            .collect();
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Tok::Number(n)),
            _ => Err(error(start + 1, format!("the number {text} is too large"))),
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// The column just past the last character, where "ran out of text" errors point.
    end: usize,
    /// How many `(` and `not` the parser is inside, bounded by [`MAX_DEPTH`].
    nesting: usize,
    /// Whether the last primary was a bare operand (so an operator could have followed).
    bare_operand: bool,
}

/// Parses a Condition node expression such as `(retailPrice > 10) and (type == "produce")`.
pub fn parse_condition(src: &str) -> Result<Condition, ConditionError> {
    let chars: Vec<char> = src.chars().collect();
    let end = chars.len() + 1;
    let tokens = Lexer { chars, pos: 0 }.tokens()?;
    if tokens.is_empty() {
        return Err(ConditionError {
            column: 1,
            message: "the condition is empty".into(),
        });
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        end,
        nesting: 0,
        bare_operand: false,
    };
    let (condition, _) = parser.or()?;
    match parser.peek() {
        None => Ok(condition),
        Some(token) if token.tok == Tok::Close => Err(ConditionError {
            column: token.column,
            message: "unmatched \")\"".into(),
        }),
        Some(token) => Err(parser.unexpected_after_condition(token)),
    }
}

/// Conditions come with their tree depth, which must stay within [`MAX_DEPTH`].
type Parsed = Result<(Condition, usize), ConditionError>;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next_is(&self, tok: &Tok) -> bool {
        self.peek().is_some_and(|t| &t.tok == tok)
    }

    /// The column of the next token, or the end.
    fn column(&self) -> usize {
        self.peek().map_or(self.end, |t| t.column)
    }

    fn found(&self) -> String {
        self.peek()
            .map_or_else(|| "the end of the condition".into(), Token::describe)
    }

    fn previous_text(&self) -> Option<&str> {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map(|t| t.text.as_str())
    }

    fn too_deep(column: usize) -> ConditionError {
        ConditionError {
            column,
            message: format!("the condition is nested too deeply (more than {MAX_DEPTH} levels)"),
        }
    }

    fn deeper(depth: usize, column: usize) -> Result<usize, ConditionError> {
        if depth >= MAX_DEPTH {
            Err(Parser::too_deep(column))
        } else {
            Ok(depth + 1)
        }
    }

    fn unexpected_after_condition(&self, token: &Token) -> ConditionError {
        let expected = if self.bare_operand {
            "a comparison operator, \"and\", \"or\""
        } else {
            "\"and\", \"or\""
        };
        ConditionError {
            column: token.column,
            message: format!(
                "expected {expected} or the end of the condition, found {}",
                token.describe()
            ),
        }
    }

    fn or(&mut self) -> Parsed {
        let (mut left, mut depth) = self.and()?;
        while self.next_is(&Tok::Or) {
            let column = self.column();
            self.pos += 1;
            let (right, right_depth) = self.and()?;
            depth = Parser::deeper(depth.max(right_depth), column)?;
            left = Condition::Or(Box::new(left), Box::new(right));
        }
        Ok((left, depth))
    }

    fn and(&mut self) -> Parsed {
        let (mut left, mut depth) = self.not()?;
        while self.next_is(&Tok::And) {
            let column = self.column();
            self.pos += 1;
            let (right, right_depth) = self.not()?;
            depth = Parser::deeper(depth.max(right_depth), column)?;
            left = Condition::And(Box::new(left), Box::new(right));
        }
        Ok((left, depth))
    }

    fn not(&mut self) -> Parsed {
        if !self.next_is(&Tok::Not) {
            return self.primary();
        }
        let column = self.column();
        self.pos += 1;
        self.enter(column)?;
        let (inner, depth) = self.not()?;
        self.nesting -= 1;
        Ok((
            Condition::Not(Box::new(inner)),
            Parser::deeper(depth, column)?,
        ))
    }

    fn enter(&mut self, column: usize) -> Result<(), ConditionError> {
        if self.nesting >= MAX_DEPTH {
            return Err(Parser::too_deep(column));
        }
        self.nesting += 1;
        Ok(())
    }

    fn primary(&mut self) -> Parsed {
        let Some(token) = self.peek().cloned() else {
            return Err(self.expected_condition());
        };
        if token.tok == Tok::Open {
            self.pos += 1;
            self.enter(token.column)?;
            let (inner, depth) = self.or()?;
            self.nesting -= 1;
            return match self.peek() {
                Some(t) if t.tok == Tok::Close => {
                    self.pos += 1;
                    self.bare_operand = false;
                    Ok((inner, depth))
                }
                None => Err(ConditionError {
                    column: self.end,
                    message: format!("unclosed \"(\" opened at column {}", token.column),
                }),
                Some(t) => Err(ConditionError {
                    column: t.column,
                    message: format!(
                        "expected \")\" to close \"(\" opened at column {}, found {}",
                        token.column,
                        t.describe()
                    ),
                }),
            };
        }
        let Some(left) = token.operand() else {
            if let Tok::Op(op) = token.tok {
                return Err(ConditionError {
                    column: token.column,
                    message: format!("expected an input name or a constant before \"{op}\""),
                });
            }
            return Err(self.expected_condition());
        };
        self.pos += 1;
        let Some(Tok::Op(op)) = self.peek().map(|t| t.tok.clone()) else {
            self.bare_operand = true;
            return Ok((Condition::Truthy(left), 1));
        };
        self.pos += 1;
        let Some(right) = self.peek().and_then(Token::operand) else {
            return Err(ConditionError {
                column: self.column(),
                message: format!(
                    "expected an input name or a constant after \"{op}\", found {}",
                    self.found()
                ),
            });
        };
        self.pos += 1;
        if let Some(Tok::Op(_)) = self.peek().map(|t| &t.tok) {
            return Err(ConditionError {
                column: self.column(),
                message: "comparisons cannot be chained; join them with \"and\"".into(),
            });
        }
        self.bare_operand = false;
        Ok((Condition::Compare { left, op, right }, 1))
    }

    fn expected_condition(&self) -> ConditionError {
        let after = self
            .previous_text()
            .map_or_else(String::new, |t| format!(" after \"{t}\""));
        ConditionError {
            column: self.column(),
            message: format!("expected a condition{after}, found {}", self.found()),
        }
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

    /// A compact tree: `(and (> price@2 10) (truthy ok@20))`; input operands show their column.
    fn tree(c: &Condition) -> String {
        let operand = |o: &Operand| match o {
            Operand::Input { name, column } => format!("{name}@{column}"),
            Operand::Str(_) | Operand::Number(_) | Operand::Bool(_) => o.to_string(),
        };
        match c {
            Condition::Or(l, r) => format!("(or {} {})", tree(l), tree(r)),
            Condition::And(l, r) => format!("(and {} {})", tree(l), tree(r)),
            Condition::Not(c) => format!("(not {})", tree(c)),
            Condition::Compare { left, op, right } => {
                format!("({op} {} {})", operand(left), operand(right))
            }
            Condition::Truthy(o) => format!("(truthy {})", operand(o)),
        }
    }

    /// Parses `input` and renders `canonical text | tree`, or `error COLUMN: message`.
    fn check(input: &str, expect: &str) {
        let actual = match parse_condition(input) {
            Ok(c) => format!("{c} | {}", tree(&c)),
            Err(e) => format!("error {}: {}", e.column, e.message),
        };
        assert_eq!(actual, expect, "input: {input:?}");
    }

    /// Checks `input` against a node whose inputs are `inputs`; renders each problem on a line.
    fn check_problems(input: &str, inputs: &[(&str, DataType)], expect: &[&str]) {
        let condition = parse_condition(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let problems: Vec<String> = condition
            .check(|name| inputs.iter().find(|(n, _)| *n == name).map(|&(_, t)| t))
            .iter()
            .map(|p| format!("{:?} {}: {}", p.kind, p.column, p.message))
            .collect();
        assert_eq!(problems, expect, "input: {input:?}");
    }

    /// Evaluates `input` with the members of `values` as inputs; `expect` is `true`, `false` or `error: …`.
    fn check_eval(input: &str, values: Value, expect: &str) {
        let condition = parse_condition(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let actual = match condition.evaluate(|name| values.get(name).cloned()) {
            Ok(b) => b.to_string(),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(actual, expect, "input: {input:?}");
    }

    #[test]
    fn parses_the_guide_examples() {
        check(
            r#"(retailPrice > 10) and (type == "produce")"#,
            r#"(retailPrice > 10) and (type == "produce") | (and (> retailPrice@2 10) (== type@25 "produce"))"#,
        );
        check(
            "retailPrice < marketPrice",
            "retailPrice < marketPrice | (< retailPrice@1 marketPrice@15)",
        );
        check("not (A > B)", "not (A > B) | (not (> A@6 B@10))");
        check(r#"kind == "BUG""#, r#"kind == "BUG" | (== kind@1 "BUG")"#);
        check("isValid", "isValid | (truthy isValid@1)");
        check("not isValid", "not isValid | (not (truthy isValid@5))");
    }

    #[test]
    fn parses_every_operator_and_literal() {
        check("a == 1", "a == 1 | (== a@1 1)");
        check("a != 1", "a != 1 | (!= a@1 1)");
        check("a > 1", "a > 1 | (> a@1 1)");
        check("a >= 1", "a >= 1 | (>= a@1 1)");
        check("a < 1", "a < 1 | (< a@1 1)");
        check("a <= 1", "a <= 1 | (<= a@1 1)");
        check("a<=-1.5", "a <= -1.5 | (<= a@1 -1.5)");
        check("a == 007", "a == 7 | (== a@1 7)");
        check("a == 0.25", "a == 0.25 | (== a@1 0.25)");
        check("a == -0", "a == -0 | (== a@1 -0)");
        check("a == true", "a == true | (== a@1 true)");
        check("false != a", "false != a | (!= false a@10)");
        check(r#"a == """#, r#"a == "" | (== a@1 "")"#);
        check(
            r#"a == "say \"hi\" \\ bye""#,
            r#"a == "say \"hi\" \\ bye" | (== a@1 "say \"hi\" \\ bye")"#,
        );
        check(
            r#"a == "héllo 日本""#,
            r#"a == "héllo 日本" | (== a@1 "héllo 日本")"#,
        );
        check("a_1 == B2_c", "a_1 == B2_c | (== a_1@1 B2_c@8)");
        check(
            "andy or nothing",
            "andy or nothing | (or (truthy andy@1) (truthy nothing@9))",
        );
        check("\ta\n==\r\n1 ", "a == 1 | (== a@2 1)");
        check("1 == 1", "1 == 1 | (== 1 1)");
        check("true", "true | (truthy true)");
    }

    #[test]
    fn respects_precedence_and_grouping() {
        check(
            "a or b and c",
            "a or (b and c) | (or (truthy a@1) (and (truthy b@6) (truthy c@12)))",
        );
        check(
            "a and b or c",
            "(a and b) or c | (or (and (truthy a@1) (truthy b@7)) (truthy c@12))",
        );
        check(
            "not a and b",
            "not a and b | (and (not (truthy a@5)) (truthy b@11))",
        );
        check(
            "not a or not b",
            "not a or not b | (or (not (truthy a@5)) (not (truthy b@14)))",
        );
        check("not not a", "not not a | (not (not (truthy a@9)))");
        check(
            "a and b and c",
            "(a and b) and c | (and (and (truthy a@1) (truthy b@7)) (truthy c@13))",
        );
        check(
            "a or (b or c)",
            "a or (b or c) | (or (truthy a@1) (or (truthy b@7) (truthy c@12)))",
        );
        check(
            "(a or b) and c",
            "(a or b) and c | (and (or (truthy a@2) (truthy b@7)) (truthy c@14))",
        );
        check("((a))", "a | (truthy a@3)");
        check(
            "not (a and b)",
            "not (a and b) | (not (and (truthy a@6) (truthy b@12)))",
        );
        check(
            "a > 1 and b < 2 or not c == \"x\"",
            "((a > 1) and (b < 2)) or not (c == \"x\") | (or (and (> a@1 1) (< b@11 2)) (not (== c@24 \"x\")))",
        );
    }

    #[test]
    fn reports_malformed_conditions() {
        check("", "error 1: the condition is empty");
        check("   ", "error 1: the condition is empty");
        check(
            "a >",
            r#"error 4: expected an input name or a constant after ">", found the end of the condition"#,
        );
        check(
            "a > and",
            r#"error 5: expected an input name or a constant after ">", found "and""#,
        );
        check(
            "a > (b)",
            r#"error 5: expected an input name or a constant after ">", found "(""#,
        );
        check(
            "> 1",
            r#"error 1: expected an input name or a constant before ">""#,
        );
        check("(a > 1", r#"error 7: unclosed "(" opened at column 1"#);
        check("((a > 1)", r#"error 9: unclosed "(" opened at column 1"#);
        check(
            "(a > 1 b",
            r#"error 8: expected ")" to close "(" opened at column 1, found "b""#,
        );
        check(
            "(a b)",
            r#"error 4: expected ")" to close "(" opened at column 1, found "b""#,
        );
        check("a > 1)", r#"error 6: unmatched ")""#);
        check(")", r#"error 1: expected a condition, found ")""#);
        check(
            "()",
            r#"error 2: expected a condition after "(", found ")""#,
        );
        check("a ===  1", r#"error 3: "===" is not an operator; use "==""#);
        check(
            "a = 1",
            r#"error 3: "=" is not an operator; use "==" to compare"#,
        );
        check(
            "a => 1",
            r#"error 3: "=" is not an operator; use "==" to compare"#,
        );
        check(
            "!a",
            r#"error 1: "!" is not an operator; use "not" to negate or "!=" to compare"#,
        );
        check("a <> 1", r#"error 3: "<>" is not an operator; use "!=""#);
        check("a && b", r#"error 3: "&&" is not an operator; use "and""#);
        check("a | b", r#"error 3: "|" is not an operator; use "or""#);
        check("a || b", r#"error 3: "||" is not an operator; use "or""#);
        check(
            r#""unterminated"#,
            "error 14: unterminated string opened at column 1",
        );
        check(
            r#"a == "x\"#,
            "error 8: unsupported escape \"\\\" in string (only \\\" and \\\\ are allowed)",
        );
        check(
            r#"a == "x\n""#,
            "error 8: unsupported escape \"\\n\" in string (only \\\" and \\\\ are allowed)",
        );
        check(
            "a == 'x'",
            r#"error 6: strings use double quotes ("), not '"#,
        );
        check(
            "a > 1 > 2",
            r#"error 7: comparisons cannot be chained; join them with "and""#,
        );
        check(
            "(a) > 1",
            r#"error 5: expected "and", "or" or the end of the condition, found ">""#,
        );
        check(
            "a b",
            r#"error 3: expected a comparison operator, "and", "or" or the end of the condition, found "b""#,
        );
        check(
            "a > 1 b",
            r#"error 7: expected "and", "or" or the end of the condition, found "b""#,
        );
        check(
            "a > 1 2",
            r#"error 7: expected "and", "or" or the end of the condition, found the number 2"#,
        );
        check(
            r#"a > 1 "x""#,
            r#"error 7: expected "and", "or" or the end of the condition, found the string "x""#,
        );
        check(
            "a AND b",
            r#"error 3: expected a comparison operator, "and", "or" or the end of the condition, found "AND" (keywords are lowercase: "and")"#,
        );
        check(
            "a and",
            r#"error 6: expected a condition after "and", found the end of the condition"#,
        );
        check(
            "a or or b",
            r#"error 6: expected a condition after "or", found "or""#,
        );
        check("and a", r#"error 1: expected a condition, found "and""#);
        check(
            "not",
            r#"error 4: expected a condition after "not", found the end of the condition"#,
        );
        check(
            "a == not b",
            r#"error 6: expected an input name or a constant after "==", found "not""#,
        );
        check(
            "a > -",
            r#"error 6: expected a digit after "-", found the end of the condition"#,
        );
        check(
            "a > - 1",
            r#"error 6: expected a digit after "-", found " ""#,
        );
        check(
            "a > 1.",
            "error 7: expected a digit after the decimal point",
        );
        check("a > .5", r#"error 5: numbers need a digit before ".""#);
        check(
            "a > 1e5",
            r#"error 6: unexpected character "e" in a number"#,
        );
        check(
            "a > 1.2.3",
            r#"error 8: unexpected character "." in a number"#,
        );
        check(
            "a > 10abc",
            r#"error 7: unexpected character "a" in a number"#,
        );
        check("_a", r#"error 1: unexpected character "_""#);
        check("$.data", r#"error 1: unexpected character "$""#);
        let zeros = "0".repeat(400);
        check(
            &format!("a > 1{zeros}"),
            &format!("error 5: the number 1{zeros} is too large"),
        );
        // Columns count characters, not bytes.
        check("é", r#"error 1: unexpected character "é""#);
        check(r#""日本" == ü"#, r#"error 9: unexpected character "ü""#);
        check("prïce > 1", r#"error 3: unexpected character "ï""#);
        check("a\u{0}", r#"error 2: unexpected character "\0""#);
    }

    #[test]
    fn refuses_nesting_that_could_exhaust_the_stack() {
        let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        check(&deep, "a | (truthy a@101)");
        let deeper = format!("{}a{}", "(".repeat(101), ")".repeat(101));
        check(
            &deeper,
            "error 101: the condition is nested too deeply (more than 100 levels)",
        );
        let nots = format!("{}a", "not ".repeat(101));
        check(
            &nots,
            "error 401: the condition is nested too deeply (more than 100 levels)",
        );
        let chain = format!("a{}", " and a".repeat(100));
        check(
            &chain,
            "error 597: the condition is nested too deeply (more than 100 levels)",
        );
        let long = format!("a{}", " and a".repeat(99));
        assert!(parse_condition(&long).is_ok());
        let huge = "(".repeat(100_000);
        check(
            &huge,
            "error 101: the condition is nested too deeply (more than 100 levels)",
        );
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
    fn checks_names_and_types() {
        use DataType::*;
        let shop = [
            ("retailPrice", Number),
            ("marketPrice", Number),
            ("type", String),
            ("isValid", Boolean),
            ("tags", Array),
            ("meta", Object),
        ];
        check_problems(r#"(retailPrice > 10) and (type == "produce")"#, &shop, &[]);
        check_problems("retailPrice < marketPrice", &shop, &[]);
        check_problems("not isValid or isValid == false", &shop, &[]);
        check_problems("type != \"x\" and retailPrice >= -1.5", &shop, &[]);
        check_problems(
            "retailPrice > 10",
            &[],
            &[r#"UnknownInput 1: "retailPrice" is not an input of this node"#],
        );
        check_problems(
            "price > cost or price < 1",
            &shop,
            &[
                r#"UnknownInput 1: "price" is not an input of this node"#,
                r#"UnknownInput 9: "cost" is not an input of this node"#,
                r#"UnknownInput 17: "price" is not an input of this node"#,
            ],
        );
        check_problems(
            "type > 1",
            &shop,
            &[r#"OperatorTypeMismatch 1: ">" compares numbers, but "type" is a String"#],
        );
        check_problems(
            r#"retailPrice <= "10""#,
            &shop,
            &[
                r#"OperatorTypeMismatch 1: "<=" compares numbers, but the constant "10" is a String"#,
            ],
        );
        check_problems(
            "isValid >= type",
            &shop,
            &[
                r#"OperatorTypeMismatch 1: ">=" compares numbers, but "isValid" is a Boolean"#,
                r#"OperatorTypeMismatch 12: ">=" compares numbers, but "type" is a String"#,
            ],
        );
        check_problems(
            "tags == meta",
            &shop,
            &[
                r#"OperatorTypeMismatch 1: "==" compares strings, numbers or booleans, but "tags" is an Array"#,
                r#"OperatorTypeMismatch 9: "==" compares strings, numbers or booleans, but "meta" is an Object"#,
            ],
        );
        check_problems(
            r#"retailPrice == "10""#,
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "==" compares a Number with a String: never true"#],
        );
        check_problems(
            "isValid != 1",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "!=" compares a Boolean with a Number: always true"#],
        );
        check_problems(
            "type == retailPrice",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "==" compares a String with a Number: never true"#],
        );
        check_problems(
            "1 == 1",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "==" compares two constants: always true"#],
        );
        check_problems(
            r#"isValid and "a" > "b""#,
            &shop,
            &[
                r#"OperatorTypeMismatch 1: ">" compares numbers, but the constant "a" is a String"#,
                r#"OperatorTypeMismatch 1: ">" compares numbers, but the constant "b" is a String"#,
            ],
        );
        check_problems(
            "2 < 1",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "<" compares two constants: never true"#],
        );
        check_problems(
            r#""a" != 1"#,
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "!=" compares a String with a Number: always true"#],
        );
        check_problems(
            "retailPrice >= retailPrice",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "retailPrice" is compared with itself: always true"#],
        );
        check_problems(
            "isValid and type != type",
            &shop,
            &[r#"ComparisonAlwaysConstant 13: "type" is compared with itself: never true"#],
        );
        check_problems(
            "retailPrice",
            &shop,
            &[
                r#"OperatorTypeMismatch 1: "retailPrice" is used as a condition, so it must be a Boolean, but it is a Number"#,
            ],
        );
        check_problems(
            "not meta",
            &shop,
            &[
                r#"OperatorTypeMismatch 5: "meta" is used as a condition, so it must be a Boolean, but it is an Object"#,
            ],
        );
        check_problems(
            r#""yes""#,
            &shop,
            &[
                r#"OperatorTypeMismatch 1: the constant "yes" is used as a condition, so it must be a Boolean, but it is a String"#,
            ],
        );
        check_problems(
            "isValid or true",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: the constant true makes this condition always true"#],
        );
        check_problems(
            "ghost == 1 and ghost",
            &shop,
            &[
                r#"UnknownInput 1: "ghost" is not an input of this node"#,
                r#"UnknownInput 16: "ghost" is not an input of this node"#,
            ],
        );
        check_problems(
            r#"ghost > "x""#,
            &shop,
            &[
                r#"UnknownInput 1: "ghost" is not an input of this node"#,
                r#"OperatorTypeMismatch 1: ">" compares numbers, but the constant "x" is a String"#,
            ],
        );
    }

    #[test]
    fn evaluates() {
        let item = json!({
            "retailPrice": 12, "marketPrice": 15.5, "type": "produce", "kind": "BUG",
            "isValid": true, "A": 3, "B": 2, "meta": {"a": 1}, "nothing": null
        });
        let cases = [
            (r#"(retailPrice > 10) and (type == "produce")"#, "true"),
            (r#"(retailPrice > 12) and (type == "produce")"#, "false"),
            ("retailPrice >= 12 and retailPrice <= 12", "true"),
            ("retailPrice < marketPrice", "true"),
            ("marketPrice < retailPrice", "false"),
            ("not (A > B)", "false"),
            ("not (B > A)", "true"),
            (r#"kind == "BUG""#, "true"),
            (r#"kind != "BUG""#, "false"),
            (r#"kind == "bug""#, "false"),
            ("isValid", "true"),
            ("not isValid", "false"),
            ("isValid == true", "true"),
            ("retailPrice == 12.0", "true"),
            ("retailPrice == -12", "false"),
            // Different types are never equal.
            (r#"retailPrice == "12""#, "false"),
            (r#"retailPrice != "12""#, "true"),
            ("isValid == 1", "false"),
            ("false or isValid and A > B", "true"),
            ("A > B or nosuch", "true"),
            ("B > A and nosuch", "false"),
            ("1 < 2", "true"),
            ("nosuch > 1", r#"error: no value for input "nosuch""#),
            (
                "type > 1",
                r#"error: ">" compares numbers, but "type" is a String"#,
            ),
            (
                r#"A <= "3""#,
                r#"error: "<=" compares numbers, but the constant "3" is a String"#,
            ),
            (
                "meta == 1",
                r#"error: "==" compares strings, numbers or booleans, but "meta" is an Object"#,
            ),
            (
                "nothing != 1",
                r#"error: "!=" compares strings, numbers or booleans, but "nothing" is null"#,
            ),
            (
                "A",
                r#"error: "A" is used as a condition, so it must be a Boolean, but it is a Number"#,
            ),
            (
                "not nothing",
                r#"error: "nothing" is used as a condition, so it must be a Boolean, but it is null"#,
            ),
        ];
        for (src, expect) in cases {
            check_eval(src, item.clone(), expect);
        }
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
        let mut rng = Lcg::from_env();
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
