//! Cutting a condition's text into tokens, with the column each starts at.

use super::{Comparison, ConditionError, Operand};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) column: usize,
    /// The source text, for messages.
    pub(super) text: String,
}

impl Token {
    pub(super) fn describe(&self) -> String {
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

    pub(super) fn operand(&self) -> Option<Operand> {
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

pub(super) struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

impl Lexer {
    pub(super) fn new(chars: Vec<char>) -> Lexer {
        Lexer { chars, pos: 0 }
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    pub(super) fn tokens(mut self) -> Result<Vec<Token>, ConditionError> {
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
        let word = String::from_iter(self.chars.get(start..self.pos).unwrap_or_default());
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
        let text = String::from_iter(self.chars.get(start..self.pos).unwrap_or_default());
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Tok::Number(n)),
            _ => Err(error(start + 1, format!("the number {text} is too large"))),
        }
    }
}
