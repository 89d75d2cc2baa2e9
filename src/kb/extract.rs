//! Turning one document into [`Block`]s of plain text that remember where they came from.
//!
//! - `.txt`: every non-blank line is a block; blank lines end paragraphs.
//! - `.md`/`.markdown`: the same, with Markdown syntax stripped lightly (headings, emphasis,
//!   links, images, list and quote markers, tables, code fences, front matter, HTML comments).
//! - `.html`/`.htm`: html5ever's tokenizer; every block element (`p`, `li`, `h1`…) is a block
//!   with the source lines it spans; `script`, `style`, `noscript`, `template`, `title`,
//!   `textarea`, `svg` and elements marked `hidden`/`aria-hidden="true"` are skipped.
//! - `.pdf`: `pdf-extract`, page by page; a PDF it cannot read is an error for this file only.

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, EndTag, StartTag, Tag, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;

/// A run of text with its place in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub text: String,
    /// First and last source line, 1-based (for PDFs: the line within the page's text).
    pub start: usize,
    pub end: usize,
    /// The 1-based page for PDF blocks.
    pub page: Option<usize>,
    /// A heading: a good place to start a chunk.
    pub heading: bool,
    /// The first block of a paragraph (joined to the one before with a blank line).
    pub paragraph: bool,
}

impl Block {
    pub(crate) fn words(&self) -> usize {
        self.text.split_whitespace().count()
    }
}

/// The kinds of document the index reads, by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Markdown,
    Html,
    Pdf,
}

impl Format {
    /// The format for a file extension (any case), or `None` for files the index skips.
    pub(crate) fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "txt" | "text" => Some(Format::Text),
            "md" | "markdown" => Some(Format::Markdown),
            "html" | "htm" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }
}

/// Blocks of a text or Markdown file, or of an HTML file, from its bytes. Invalid UTF-8 is
/// replaced, and the second value says whether that happened.
pub(crate) fn extract(format: Format, bytes: &[u8]) -> Result<(Vec<Block>, bool), String> {
    let text = String::from_utf8_lossy(bytes);
    let lossy = matches!(text, std::borrow::Cow::Owned(_));
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let blocks = match format {
        Format::Text => plain_lines(text, |_, line| LineKind::Text(line.trim().to_owned())),
        Format::Markdown => markdown(text),
        Format::Html => html(text),
        Format::Pdf => return pdf(bytes).map(|b| (b, false)),
    };
    Ok((blocks, lossy))
}

enum LineKind {
    Text(String),
    /// Text that starts a paragraph of its own (a list item).
    Item(String),
    Heading(String),
    /// Not text (a fence, a rule, a table separator): dropped without ending the paragraph.
    Skip,
    /// Ends the paragraph like a blank line.
    Break,
}

fn plain_lines(text: &str, mut classify: impl FnMut(usize, &str) -> LineKind) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph = true;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            paragraph = true;
            continue;
        }
        let (text, heading) = match classify(i, line) {
            LineKind::Text(t) => (t, false),
            LineKind::Item(t) => {
                paragraph = true;
                (t, false)
            }
            LineKind::Heading(t) => (t, true),
            LineKind::Skip => continue,
            LineKind::Break => {
                paragraph = true;
                continue;
            }
        };
        let text = collapse(&text);
        if text.is_empty() {
            continue;
        }
        blocks.push(Block {
            text,
            start: i + 1,
            end: i + 1,
            page: None,
            heading,
            paragraph: paragraph || heading,
        });
        // A heading is a paragraph of its own.
        paragraph = heading;
    }
    blocks
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// Markdown

fn markdown(text: &str) -> Vec<Block> {
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

// ---------------------------------------------------------------------------------------------
// HTML

/// Elements whose content is never shown, and the tokenizer state their content needs.
fn skipped(name: &str) -> Option<Option<RawKind>> {
    match name {
        "script" => Some(Some(RawKind::ScriptData)),
        "style" | "noscript" | "xmp" | "iframe" | "noembed" | "noframes" => {
            Some(Some(RawKind::Rawtext))
        }
        "title" | "textarea" => Some(Some(RawKind::Rcdata)),
        "template" | "svg" | "math" | "object" | "select" | "datalist" => Some(None),
        _ => None,
    }
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "br"
            | "caption"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "head"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "tfoot"
            | "thead"
            | "tr"
            | "ul"
    )
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Elements whose end tag may be left out: a `hidden` one could hide the rest of the page.
fn end_tag_optional(name: &str) -> bool {
    matches!(
        name,
        "p" | "li"
            | "dt"
            | "dd"
            | "tr"
            | "td"
            | "th"
            | "option"
            | "optgroup"
            | "thead"
            | "tbody"
            | "tfoot"
            | "colgroup"
            | "caption"
            | "rt"
            | "rp"
            | "html"
            | "head"
            | "body"
    )
}

fn hidden(tag: &Tag) -> bool {
    tag.attrs.iter().any(|a| {
        let name = &*a.name.local;
        let value = a.value.to_ascii_lowercase();
        name == "hidden"
            || (name == "aria-hidden" && value.trim() == "true")
            || (name == "style" && value.replace(' ', "").contains("display:none"))
    })
}

#[derive(Default)]
struct HtmlState {
    blocks: Vec<Block>,
    text: String,
    /// Line of the first non-blank character of `text`.
    start: Option<usize>,
    end: usize,
    heading: bool,
    /// The element being skipped and how deep inside nested ones of its name we are.
    skip: Option<(String, usize)>,
}

impl HtmlState {
    fn flush(&mut self) {
        let text = collapse(&self.text);
        if let (false, Some(start)) = (text.is_empty(), self.start) {
            self.blocks.push(Block {
                text,
                start,
                end: self.end.max(start),
                page: None,
                heading: self.heading,
                paragraph: true,
            });
        }
        self.text.clear();
        self.start = None;
        self.heading = false;
    }

    fn characters(&mut self, s: &str, line: usize) {
        // `line` is the line the tokenizer was on when it emitted `s`, i.e. where it ends.
        let newlines = s.matches('\n').count();
        let first = line.saturating_sub(newlines);
        if self.start.is_none() {
            if let Some(pos) = s.find(|c: char| !c.is_whitespace()) {
                self.start = Some(first + s[..pos].matches('\n').count());
            }
        }
        if let Some(pos) = s.rfind(|c: char| !c.is_whitespace()) {
            self.end = first + s[..pos].matches('\n').count();
        }
        self.text.push_str(s);
    }

    fn tag(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name = &*tag.name;
        let raw = skipped(name).flatten();
        if let Some((skipping, depth)) = &mut self.skip {
            if name == skipping.as_str() {
                match tag.kind {
                    StartTag if !tag.self_closing => *depth += 1,
                    StartTag => {}
                    EndTag => {
                        *depth = depth.saturating_sub(1);
                        if *depth == 0 {
                            self.skip = None;
                        }
                    }
                }
            }
            return match (tag.kind, raw) {
                (StartTag, Some(kind)) if !tag.self_closing => TokenSinkResult::RawData(kind),
                _ => TokenSinkResult::Continue,
            };
        }
        if tag.kind == StartTag
            && !tag.self_closing
            && (skipped(name).is_some()
                || (hidden(tag) && !is_void(name) && !end_tag_optional(name)))
        {
            self.flush();
            self.skip = Some((name.to_owned(), 1));
            return raw.map_or(TokenSinkResult::Continue, TokenSinkResult::RawData);
        }
        if is_block(name) {
            self.flush();
            if tag.kind == StartTag && matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
                self.heading = true;
            }
        } else if matches!(name, "td" | "th" | "img" | "input" | "button" | "label") {
            self.text.push(' ');
        }
        TokenSinkResult::Continue
    }
}

struct HtmlSink(RefCell<HtmlState>);

impl TokenSink for HtmlSink {
    type Handle = ();

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<()> {
        let line = usize::try_from(line_number).unwrap_or(usize::MAX);
        let mut state = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) => state.tag(&tag),
            Token::CharacterTokens(s) => {
                if state.skip.is_none() {
                    state.characters(&s, line);
                }
                TokenSinkResult::Continue
            }
            Token::EOFToken => {
                state.flush();
                TokenSinkResult::Continue
            }
            Token::DoctypeToken(_)
            | Token::CommentToken(_)
            | Token::NullCharacterToken
            | Token::ParseError(_) => TokenSinkResult::Continue,
        }
    }
}

fn html(text: &str) -> Vec<Block> {
    let sink = HtmlSink(RefCell::new(HtmlState::default()));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    // The sink never asks to run a script, so one feed reads everything.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut state = tokenizer.sink.0.borrow_mut();
    state.flush();
    std::mem::take(&mut state.blocks)
}

// ---------------------------------------------------------------------------------------------
// PDF

fn pdf(bytes: &[u8]) -> Result<Vec<Block>, String> {
    // pdf-extract can panic on malformed files; a bad file must cost only itself.
    let pages = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem_by_pages(bytes)
    }))
    .map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_owned());
        format!("the PDF reader failed on this file ({why})")
    })?
    .map_err(|e| format!("cannot read this PDF: {e}"))?;
    let mut blocks = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let mut page_blocks = plain_lines(page, |_, l| LineKind::Text(l.trim().to_owned()));
        for b in &mut page_blocks {
            b.page = Some(p + 1);
        }
        if let Some(first) = page_blocks.first_mut() {
            first.paragraph = true;
        }
        blocks.extend(page_blocks);
    }
    if blocks.is_empty() {
        return Err("no text could be extracted from this PDF (scanned images?)".to_owned());
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(blocks: &[Block]) -> Vec<(&str, usize, usize, bool)> {
        blocks
            .iter()
            .map(|b| (b.text.as_str(), b.start, b.end, b.heading))
            .collect()
    }

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

    #[test]
    fn html_skips_scripts_and_hidden_parts_and_tracks_lines() {
        let page = "<!doctype html>\n<html><head><title>T</title>\n<style>p{color:red}</style>\n<script>var secret = '<p>nope</p>';</script></head>\n<body>\n<h1>Shipping\nFAQ</h1>\n<p>We ship &amp; deliver\nworldwide.</p>\n<div hidden><p>invisible</p></div>\n<ul><li>One<li>Two</ul>\n<p>Tail <b>bold</b></p>\n<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>";
        let b = html(page);
        assert_eq!(
            texts(&b),
            vec![
                ("Shipping FAQ", 6, 7, true),
                ("We ship & deliver worldwide.", 8, 9, false),
                ("One", 11, 11, false),
                ("Two", 11, 11, false),
                ("Tail bold", 12, 12, false),
                ("A B", 13, 13, false),
                ("1 2", 13, 13, false),
            ]
        );
    }

    #[test]
    fn garbage_never_panics() {
        for input in [
            "<",
            "<<<>>>",
            "<script>",
            "<div hidden>",
            "</p></p>",
            "<svg><p>x",
            "\u{0}",
        ] {
            let _ = html(input);
            let _ = markdown(input);
        }
        assert!(pdf(b"%PDF-1.4 not really").is_err());
        assert!(pdf(b"").is_err());
    }
}
