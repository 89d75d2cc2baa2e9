//! Markdown as blocks: stripped lightly (headings, emphasis, links, images, list and quote
//! markers, tables, code fences, front matter, HTML comments), each line keeping its number.

use super::{plain_lines, Block, LineKind};

pub(super) fn markdown(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    // Front matter: a `---` first line up to the next `---` or `...`.
    let mut front_end = 0;
    if lines.first().map(|l| l.trim_end()) == Some("---") {
        if let Some(pos) = lines
            .iter()
            .skip(1)
            .position(|l| matches!(l.trim_end(), "---" | "..."))
        {
            front_end = pos + 2;
        }
    }
    // Setext headings: a text line followed by `===` or `---`.
    let is_underline = |l: &str| {
        let t = l.trim();
        !t.is_empty() && (t.chars().all(|c| c == '=') || t.chars().all(|c| c == '-'))
    };
    let mut setext = vec![false; lines.len()];
    for i in 0..lines.len().saturating_sub(1) {
        let (this, next) = (lines[i], lines[i + 1]);
        if !this.trim().is_empty()
            && is_underline(next)
            && !this
                .trim_start()
                .starts_with(['#', '>', '-', '*', '+', '|', '`', '~'])
        {
            setext[i] = true;
        }
    }
    let mut fence: Option<String> = None;
    plain_lines(text, |i, line| {
        let was_setext = i > 0 && setext.get(i - 1).copied().unwrap_or(false);
        if i < front_end {
            return LineKind::Skip;
        }
        let trimmed = line.trim();
        if let Some(marker) = &fence {
            if trimmed.starts_with(marker.as_str()) {
                fence = None;
                return LineKind::Break;
            }
            return LineKind::Text(line.to_owned());
        }
        if let Some(marker) = ["```", "~~~"].iter().find(|m| trimmed.starts_with(**m)) {
            fence = Some((*marker).to_owned());
            return LineKind::Break;
        }
        if was_setext && is_underline(line) {
            return LineKind::Skip;
        }
        if setext.get(i).copied().unwrap_or(false) {
            return LineKind::Heading(inline(trimmed));
        }
        // Thematic breaks.
        let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() >= 3
            && (compact.chars().all(|c| c == '-')
                || compact.chars().all(|c| c == '*')
                || compact.chars().all(|c| c == '_'))
        {
            return LineKind::Break;
        }
        if let Some(rest) = atx_heading(trimmed) {
            return LineKind::Heading(inline(rest));
        }
        // Reference definitions: `[id]: https://…`.
        if trimmed.starts_with('[') && trimmed.contains("]:") {
            let label_end = trimmed.find("]:").unwrap_or(0);
            if !trimmed[..label_end].contains(']') {
                return LineKind::Skip;
            }
        }
        // Table separator rows.
        if trimmed.contains('-')
            && trimmed.contains('|')
            && trimmed.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
        {
            return LineKind::Skip;
        }
        let mut rest = trimmed;
        // Quote markers, then list markers, then task boxes.
        while let Some(r) = rest.strip_prefix('>') {
            rest = r.trim_start();
        }
        let starts_item = rest
            .strip_prefix(['-', '*', '+'])
            .filter(|r| r.starts_with(' '))
            .or_else(|| {
                let digits = rest.chars().take_while(char::is_ascii_digit).count();
                (digits > 0 && digits < 10)
                    .then(|| &rest[digits..])
                    .and_then(|r| r.strip_prefix(['.', ')']))
                    .filter(|r| r.is_empty() || r.starts_with(' '))
            });
        let item = starts_item.is_some();
        if let Some(r) = starts_item {
            rest = r.trim_start();
            for boxed in ["[ ]", "[x]", "[X]"] {
                if let Some(r) = rest.strip_prefix(boxed) {
                    rest = r.trim_start();
                }
            }
        }
        let text = inline(&rest.replace('|', " "));
        if item {
            LineKind::Item(text)
        } else {
            LineKind::Text(text)
        }
    })
}

fn atx_heading(line: &str) -> Option<&str> {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let rest = &line[hashes..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim();
    // Closing hashes: `## Title ##`.
    let rest = rest.trim_end_matches('#').trim_end();
    Some(rest)
}

/// Strips inline Markdown: images and links keep their text, code spans and emphasis lose
/// their markers, inline HTML tags and comments go.
fn inline(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() && chars[i + 1].is_ascii_punctuation() => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '!' if chars.get(i + 1) == Some(&'[') => {
                i += 1;
            }
            '[' => {
                // `[text](url)` or `[text][ref]`: keep the text.
                if let Some(close) = find(&chars, i + 1, ']') {
                    let after = close + 1;
                    let skip_to = match chars.get(after) {
                        Some('(') => find(&chars, after + 1, ')').map(|e| e + 1),
                        Some('[') => find(&chars, after + 1, ']').map(|e| e + 1),
                        _ => Some(after),
                    };
                    if let Some(next) = skip_to {
                        out.push_str(&inline(&chars[i + 1..close].iter().collect::<String>()));
                        i = next;
                        continue;
                    }
                }
                out.push(c);
                i += 1;
            }
            '<' => {
                // Autolinks keep their address; tags and comments go.
                if let Some(close) = find(&chars, i + 1, '>') {
                    let inner: String = chars[i + 1..close].iter().collect();
                    if inner.contains("://") || inner.contains('@') && !inner.contains(' ') {
                        out.push_str(&inner);
                    } else if !(inner
                        .starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!'))
                    {
                        out.push(c);
                        i += 1;
                        continue;
                    }
                    i = close + 1;
                    continue;
                }
                out.push(c);
                i += 1;
            }
            '`' | '~' => {
                i += 1;
            }
            '*' | '_' => {
                // `_` inside a word (snake_case) stays.
                let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
                let next = chars.get(i + 1).copied();
                let inside = c == '_'
                    && prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric);
                if inside {
                    out.push(c);
                }
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn find(chars: &[char], from: usize, want: char) -> Option<usize> {
    chars
        .get(from..)?
        .iter()
        .position(|&c| c == want)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::extract::tests::texts;

    #[test]
    fn markdown_is_stripped_lightly_and_keeps_lines() {
        let md = "---\ntitle: x\n---\n# Refunds #\n\nYou get **full** [refunds](http://x) in _30 days_.\n\n- item `one`\n- item two\n\n```sh\nrun_this --now\n```\nSetext\n======\n| a | b |\n|---|---|\n| c | d |\n![logo](l.png) <br> <https://example.com>\n";
        let b = markdown(md);
        assert_eq!(
            texts(&b),
            vec![
                ("Refunds", 4, 4, true),
                ("You get full refunds in 30 days.", 6, 6, false),
                ("item one", 8, 8, false),
                ("item two", 9, 9, false),
                ("run_this --now", 12, 12, false),
                ("Setext", 14, 14, true),
                ("a b", 16, 16, false),
                ("c d", 18, 18, false),
                ("logo https://example.com", 19, 19, false),
            ]
        );
        assert!(b[2].paragraph && b[3].paragraph);
    }
}
