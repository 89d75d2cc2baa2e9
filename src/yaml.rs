//! Limits every YAML entry point checks before parsing: a size cap and a nesting cap, found
//! by a cheap line scan, so a deeply nested file is refused at once (with its line and column)
//! instead of keeping the YAML parser busy for minutes. Pure code; builds for wasm.

use serde::de::DeserializeOwned;

/// The largest YAML document read, in bytes.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// The deepest nesting read: block levels (indentation and `- ` items) plus flow brackets.
pub const MAX_DEPTH: usize = 100;

/// Why a YAML document was not read; `line` and `column` are 1-based (0 when unknown). The
/// message ends with the position, as serde_yaml's do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Checks the limits, then parses.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_limits(text)?;
    serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        YamlError {
            line,
            column,
            message: e.to_string(),
        }
    })
}

/// Refuses a document over [`MAX_BYTES`] or nested deeper than [`MAX_DEPTH`].
pub fn check_limits(text: &str) -> Result<(), YamlError> {
    if text.len() > MAX_BYTES {
        return Err(YamlError {
            line: 0,
            column: 0,
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
                let (line, column) = (i + 1, column + 1);
                // Worded like the parser's own errors, which end with their position.
                return Err(YamlError {
                    line,
                    column,
                    message: format!(
                        "the document nests deeper than {MAX_DEPTH} levels at line {line} column {column}"
                    ),
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
    fn oversized_documents_are_refused() {
        let text = "a".repeat(MAX_BYTES + 1);
        assert!(check_limits(&text).is_err());
    }
}
