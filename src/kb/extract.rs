//! Turning one document into [`Block`]s of plain text that remember where they came from.
//!
//! - `.txt`: every non-blank line is a block; blank lines end paragraphs.
//! - `.md`/`.markdown`: the same, with Markdown syntax stripped lightly (headings, emphasis,
//!   links, images, list and quote markers, tables, code fences, front matter, HTML comments).
//! - `.html`/`.htm`: html5ever's tokenizer; every block element (`p`, `li`, `h1`…) is a block
//!   with the source lines it spans; `script`, `style`, `noscript`, `template`, `title`,
//!   `textarea`, `svg` and elements marked `hidden`/`aria-hidden="true"` are skipped.
//! - `.pdf`: `pdf-extract`, page by page; a PDF it cannot read is an error for this file only.

mod html;
mod markdown;

use html::html;
use markdown::markdown;

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

    pub(super) fn texts(blocks: &[Block]) -> Vec<(&str, usize, usize, bool)> {
        blocks
            .iter()
            .map(|b| (b.text.as_str(), b.start, b.end, b.heading))
            .collect()
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
