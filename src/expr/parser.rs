//! Reading an input expression's text: the `$.data` prefix, then its segments, with Bedrock's
//! strictness about whitespace.

use super::{ExpressionError, InputExpression, Segment};

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
        let text = String::from_iter(self.chars.get(start..self.pos).unwrap_or_default());
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

    /// Parses `input` and renders the result as `canonical text | segments` or `error COLUMN: message`.
    fn check(input: &str, expect: &str) {
        let actual = match parse_input_expression(input) {
            Ok(e) => format!("{e} | {:?}", e.segments()),
            Err(e) => format!("error {}: {}", e.column, e.message),
        };
        assert_eq!(actual, expect, "input: {input:?}");
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
        for (input, found) in [
            ("$.dta", "$.dta"),
            ("$.dta.x", "$.dta"),
            ("data.x", "data"),
            ("$.datum[0]", "$.datum"),
            ("$.database", "$.database"),
            ("$.Data", "$.Data"),
            (" $.data", " "),
            ("[0]", "["),
            ("$", "$"),
        ] {
            check(
                input,
                &format!(r#"error 1: expected "$.data" at the start, found "{found}""#),
            );
        }
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
        for (input, column) in [
            ("$.data ", 7),
            ("$.data [0]", 7),
            ("$.data[ 0]", 8),
            ("$.data[0 ]", 9),
            ("$.data[0 ,1]", 9),
            ("$.data[1:2 ]", 11),
        ] {
            check(
                input,
                &format!(
                    r#"error {column}: unexpected whitespace (only allowed after "," and around ":" inside brackets)"#
                ),
            );
        }
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
}
