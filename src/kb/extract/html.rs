//! HTML as blocks through html5ever's tokenizer: every block element is a block with the
//! source lines it spans; hidden and non-text elements are skipped.

use super::{collapse, Block};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, EndTag, StartTag, Tag, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;

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

pub(super) fn html(text: &str) -> Vec<Block> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::extract::tests::texts;

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
}
