//! Text that comes from outside: decoding a file's bytes with a located error, cutting text on
//! character boundaries, and escaping what a model, a tool or a document wrote before it reaches
//! a terminal or a prompt.
//!
//! Text from a model, a tool or a document is data. Printed raw, a `\r`, an ANSI escape or a
//! bidirectional override in it could redraw a confirmation prompt to show another action; the
//! escapes here make every such character visible instead. Pure and wasm-safe: the CLI, the
//! desktop shell and the UI share it.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Why a file's bytes are not text Strata can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is not UTF-8 text: invalid byte 0x{byte:02x} at byte offset {offset} \
         (line {line}, column {column})"
    )]
    InvalidUtf8 {
        /// The offset of the first bad byte from the start of the file, BOM included.
        offset: usize,
        /// The bad byte itself.
        byte: u8,
        /// 1-based line of the bad byte.
        line: usize,
        /// 1-based character column of the bad byte.
        column: usize,
    },
}

/// The UTF-8 byte order mark some editors put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a file's bytes as text: a UTF-8 byte order mark is skipped, an empty file (or one with
/// only a BOM or white space) is called empty, and invalid UTF-8 is reported with its byte offset,
/// line and column.
pub fn decode(bytes: &[u8]) -> Result<&str, DecodeError> {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let skipped = bytes.len() - body.len();
    match std::str::from_utf8(body) {
        Ok(text) if text.trim().is_empty() => Err(DecodeError::Empty),
        Ok(text) => Ok(text),
        Err(error) => {
            let good = &body[..error.valid_up_to()];
            // `good` is valid UTF-8 by construction; count lines and characters in it.
            let good = std::str::from_utf8(good).unwrap_or_default();
            let line = good.matches('\n').count() + 1;
            let column = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(DecodeError::InvalidUtf8 {
                offset: skipped + error.valid_up_to(),
                byte: body[error.valid_up_to()],
                line,
                column,
            })
        }
    }
}

/// The first `max_chars` characters of `text` (all of it when shorter), cut on a character
/// boundary: never a panic on multi-byte text.
pub fn truncate_chars(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

/// `text` shortened to at most `max_chars` characters, with `…` standing for what was cut.
pub fn ellipsize(text: &str, max_chars: usize) -> Cow<'_, str> {
    if max_chars == 0 {
        return Cow::Borrowed("");
    }
    let kept = truncate_chars(text, max_chars);
    if kept.len() == text.len() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("{}…", truncate_chars(text, max_chars - 1)))
    }
}

/// Escapes every character that could move the cursor, change colours or reorder what a
/// terminal shows, for text printed on one line (a trace line, an action's arguments in a
/// confirmation prompt): line breaks and tabs too.
pub fn escape_line(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Like [`escape_line`], but keeps line breaks and tabs, for text printed as a block (a flow's
/// answer, an agent's reply). Carriage returns are still escaped: they would overwrite the line.
pub fn escape_block(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_layout: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| needs_escape(c, keep_layout)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !needs_escape(c, keep_layout) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            other => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{{{:x}}}", u32::from(other));
            }
        }
    }
    Cow::Owned(out)
}

/// Control characters (C0, DEL, C1) and the Unicode format characters that reorder or hide
/// text (bidirectional embeddings, overrides and isolates; zero-width marks).
fn needs_escape(c: char, keep_layout: bool) -> bool {
    if keep_layout && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// A project name made safe as a file name in the current folder: no path separators, no `..`,
/// no control characters, no leading dot; `imported` when nothing is left.
pub fn plain_file_stem(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.replace("..", "_");
    let cleaned = cleaned
        .trim()
        .trim_start_matches(['.', '_', '-'])
        .trim_end_matches('.');
    let cleaned = truncate_chars(cleaned, 100);
    if cleaned.trim().is_empty() {
        "imported".to_owned()
    } else {
        cleaned.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decode_names_empty_files_and_skips_a_bom() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b"  \n"), Err(DecodeError::Empty));
        assert_eq!(decode(b"\xEF\xBB\xBF"), Err(DecodeError::Empty));
        assert_eq!(decode(b"\xEF\xBB\xBF{\"a\":1}"), Ok("{\"a\":1}"));
        assert_eq!(decode("héllo".as_bytes()), Ok("héllo"));
    }

    #[test]
    fn decode_locates_invalid_utf8() {
        let err = decode(b"{\n  \"name\": \"caf\xE9\"\n}").expect_err("latin-1 byte");
        assert_eq!(
            err,
            DecodeError::InvalidUtf8 {
                offset: 16,
                byte: 0xE9,
                line: 2,
                column: 15
            }
        );
        assert_eq!(
            err.to_string(),
            "the file is not UTF-8 text: invalid byte 0xe9 at byte offset 16 (line 2, column 15)"
        );
        // The offset counts the BOM, as a hex editor would show it.
        let err = decode(b"\xEF\xBB\xBFab\xFF").expect_err("bad byte");
        assert!(matches!(
            err,
            DecodeError::InvalidUtf8 {
                offset: 5,
                line: 1,
                column: 3,
                ..
            }
        ));
    }

    #[test]
    fn truncation_cuts_on_character_boundaries() {
        assert_eq!(truncate_chars("१२३४५६", 2), "१२");
        assert_eq!(truncate_chars("ab", 5), "ab");
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 3), "abc");
        assert_eq!(ellipsize("日本語のテキスト", 3), "日本…");
        assert_eq!(ellipsize("abc", 0), "");
    }

    #[test]
    fn escapes_make_terminal_controls_visible() {
        // A model's tool call that tries to redraw the confirmation line.
        let hostile = "refund 5\r\x1b[2Kdelete_account(all=true)\x1b[0m";
        assert_eq!(
            escape_line(hostile),
            "refund 5\\r\\u{1b}[2Kdelete_account(all=true)\\u{1b}[0m"
        );
        assert_eq!(
            escape_line("two\nlines\tand a tab"),
            "two\\nlines\\tand a tab"
        );
        assert_eq!(escape_block("two\nlines\tkept\r"), "two\nlines\tkept\\r");
        // Right-to-left override, which would show "txt.exe" as "exe.txt".
        assert_eq!(escape_line("a\u{202E}b"), "a\\u{202e}b");
        assert!(matches!(
            escape_line("plain text, ünïcödé"),
            Cow::Borrowed(_)
        ));
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            match decode(&bytes) {
                Ok(text) => prop_assert!(!text.trim().is_empty()),
                Err(DecodeError::Empty) => {}
                Err(DecodeError::InvalidUtf8 { offset, byte, .. }) => {
                    prop_assert_eq!(bytes[offset], byte);
                }
            }
        }

        #[test]
        fn truncation_is_a_prefix_of_at_most_n_chars(text in "\\PC*", n in 0usize..40) {
            let cut = truncate_chars(&text, n);
            prop_assert!(text.starts_with(cut));
            prop_assert!(cut.chars().count() <= n);
            prop_assert!(ellipsize(&text, n).chars().count() <= n);
        }

        #[test]
        fn escaped_text_has_no_controls_and_loses_nothing(text in any::<String>()) {
            let line = escape_line(&text);
            prop_assert!(!line.chars().any(|c| needs_escape(c, false)));
            let block = escape_block(&text);
            prop_assert!(!block.chars().any(|c| needs_escape(c, true)));
            // Every visible character survives in order.
            let visible: String = text.chars().filter(|c| !needs_escape(*c, false)).collect();
            let mut rest = line.as_ref();
            for c in visible.chars() {
                let at = rest.find(c);
                prop_assert!(at.is_some());
                rest = &rest[at.unwrap_or(0) + c.len_utf8()..];
            }
        }
    }

    #[test]
    fn an_imported_name_stays_a_plain_file_name() {
        for (name, expect) in [
            ("support", "support"),
            ("../../etc/passwd", "etc_passwd"),
            ("a/b\\c", "a_b_c"),
            ("..", "imported"),
            ("", "imported"),
            ("\u{1b}[2Kx\r", "[2Kx_"),
            ("/", "imported"),
        ] {
            let got = plain_file_stem(name);
            assert_eq!(got, expect, "{name:?}");
            assert!(!got.contains(['/', '\\']) && !got.contains("..") && !got.starts_with('.'));
        }
    }
}
