//! Parsing the tokens into a [`Condition`], loosest binding first, with a bound on nesting.

use super::lexer::{Lexer, Tok, Token};
use super::{Condition, ConditionError};

/// Deeper nesting than this is refused, so that no input can exhaust the stack (Bedrock caps
/// conditions at 64 characters, far below it).
const MAX_DEPTH: usize = 100;

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
    let tokens = Lexer::new(chars).tokens()?;
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
        self.left_associative(&Tok::Or, Parser::and, Condition::Or)
    }

    fn and(&mut self) -> Parsed {
        self.left_associative(&Tok::And, Parser::not, Condition::And)
    }

    /// `operand (op operand)*`, grouped from the left: `a or b or c` is `(a or b) or c`.
    fn left_associative(
        &mut self,
        op: &Tok,
        operand: fn(&mut Self) -> Parsed,
        join: fn(Box<Condition>, Box<Condition>) -> Condition,
    ) -> Parsed {
        let (mut left, mut depth) = operand(self)?;
        while self.next_is(op) {
            let column = self.column();
            self.pos += 1;
            let (right, right_depth) = operand(self)?;
            depth = Parser::deeper(depth.max(right_depth), column)?;
            left = join(Box::new(left), Box::new(right));
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
    use crate::condition::Operand;

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
}
