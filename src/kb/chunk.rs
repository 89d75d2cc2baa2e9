//! Cutting a document's [`Block`]s into chunks of about [`TARGET`] words.
//!
//! Chunks follow the document's structure: a heading starts a new chunk once the current one
//! has [`MIN_AT_HEADING`] words, a chunk ends at a paragraph or line boundary once it reaches
//! [`TARGET`] words and never grows past [`MAX`] (a longer block is split between words).
//! A chunk cut inside a section begins with the last ~[`OVERLAP`] words of the one before it,
//! so a passage that straddles the cut is whole in one of them. Chunks never span PDF pages.

use super::extract::Block;
use super::Location;

/// Words at which a chunk is closed at the next boundary.
pub(crate) const TARGET: usize = 300;
/// Words a chunk never exceeds.
pub(crate) const MAX: usize = 400;
/// Words a chunk needs before a heading closes it (smaller sections are merged).
pub(crate) const MIN_AT_HEADING: usize = 150;
/// Words carried over from one chunk into the next within a section.
pub(crate) const OVERLAP: usize = 50;

/// A chunk before it is indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Draft {
    pub text: String,
    pub location: Location,
}

struct Part {
    block: Block,
    words: usize,
    /// Carried over from the chunk before: a chunk of only such parts is not emitted.
    carried: bool,
}

#[derive(Default)]
struct Builder {
    parts: Vec<Part>,
    words: usize,
    out: Vec<Draft>,
}

impl Builder {
    fn fresh_words(&self) -> usize {
        self.parts
            .iter()
            .filter(|p| !p.carried)
            .map(|p| p.words)
            .sum()
    }

    fn push(&mut self, block: Block, words: usize, carried: bool) {
        self.words += words;
        self.parts.push(Part {
            block,
            words,
            carried,
        });
    }

    /// Emits the current chunk; with `overlap`, the next one starts with its tail.
    fn flush(&mut self, overlap: bool) {
        if self.fresh_words() == 0 {
            self.parts.clear();
            self.words = 0;
            return;
        }
        // A heading at the very end belongs to the next chunk.
        let mut trailing_headings = Vec::new();
        while self.parts.last().is_some_and(|p| p.block.heading) && self.parts.len() > 1 {
            if let Some(p) = self.parts.pop() {
                trailing_headings.push(p);
            }
        }
        trailing_headings.reverse();
        let parts = std::mem::take(&mut self.parts);
        self.words = 0;
        if let Some(draft) = render(&parts) {
            self.out.push(draft);
        }
        if overlap && trailing_headings.is_empty() {
            for (block, words) in tail(&parts) {
                self.push(block, words, true);
            }
        }
        for p in trailing_headings {
            self.push(p.block, p.words, false);
        }
    }
}

/// The last ~OVERLAP words of `parts`: whole blocks where they fit, else the end of the last.
fn tail(parts: &[Part]) -> Vec<(Block, usize)> {
    let mut taken: Vec<(Block, usize)> = Vec::new();
    let mut words = 0;
    for p in parts.iter().rev() {
        if p.block.heading || words + p.words > OVERLAP || taken.len() + 1 >= parts.len() {
            break;
        }
        words += p.words;
        taken.push((p.block.clone(), p.words));
    }
    if taken.is_empty() {
        if let Some(last) = parts
            .last()
            .filter(|p| !p.block.heading && p.words > OVERLAP)
        {
            let all: Vec<&str> = last.block.text.split_whitespace().collect();
            let keep = all
                .get(all.len().saturating_sub(OVERLAP)..)
                .unwrap_or_default();
            let mut block = last.block.clone();
            block.text = keep.join(" ");
            block.paragraph = true;
            taken.push((block, keep.len()));
        }
    }
    taken.reverse();
    taken
}

fn render(parts: &[Part]) -> Option<Draft> {
    let first = parts.first()?;
    let mut text = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            text.push_str(if p.block.paragraph { "\n\n" } else { "\n" });
        }
        text.push_str(&p.block.text);
    }
    let location = match first.block.page {
        Some(page) => Location::Page(page),
        None => Location::Lines {
            start: parts
                .iter()
                .map(|p| p.block.start)
                .min()
                .unwrap_or(first.block.start),
            end: parts
                .iter()
                .map(|p| p.block.end)
                .max()
                .unwrap_or(first.block.end),
        },
    };
    Some(Draft { text, location })
}

/// Splits a block longer than MAX words into pieces of TARGET words, all at its location.
fn split(block: Block) -> Vec<(Block, usize)> {
    let words = block.words();
    if words <= MAX {
        return vec![(block, words)];
    }
    let all: Vec<&str> = block.text.split_whitespace().collect();
    all.chunks(TARGET)
        .enumerate()
        .map(|(i, piece)| {
            let mut b = block.clone();
            b.text = piece.join(" ");
            b.paragraph = block.paragraph && i == 0;
            (b, piece.len())
        })
        .collect()
}

/// The chunks of one document.
pub(crate) fn chunks(blocks: &[Block]) -> Vec<Draft> {
    let mut b = Builder::default();
    let mut page = None;
    for block in blocks {
        for (block, words) in split(block.clone()) {
            if block.page != page {
                b.flush(false);
                page = block.page;
            }
            if block.heading && b.fresh_words() >= MIN_AT_HEADING {
                b.flush(false);
            } else if b.words + words > MAX {
                b.flush(true);
                // The carried tail must not push this block over the limit.
                if b.words + words > MAX {
                    b.parts.retain(|p| !p.carried);
                    b.words = b.parts.iter().map(|p| p.words).sum();
                }
            }
            b.push(block, words, false);
            if b.words >= TARGET {
                b.flush(true);
            }
        }
    }
    b.flush(false);
    b.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize, words: usize, paragraph: bool) -> Block {
        Block {
            text: (0..words)
                .map(|w| format!("w{n}_{w}"))
                .collect::<Vec<_>>()
                .join(" "),
            start: n,
            end: n,
            page: None,
            heading: false,
            paragraph,
        }
    }

    fn heading(n: usize) -> Block {
        Block {
            text: format!("Heading {n}"),
            heading: true,
            ..line(n, 0, true)
        }
    }

    fn words(d: &Draft) -> usize {
        d.text.split_whitespace().count()
    }

    #[test]
    fn small_documents_are_one_chunk() {
        let blocks = vec![heading(1), line(3, 40, true), line(4, 30, false)];
        let out = chunks(&blocks);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].location, Location::Lines { start: 1, end: 4 });
        assert_eq!(out[0].text.lines().count(), 4, "{}", out[0].text);
        assert!(chunks(&[]).is_empty());
    }

    #[test]
    fn long_sections_are_cut_with_overlap_and_headings_start_chunks() {
        let mut blocks = vec![heading(1)];
        blocks.extend((0..20).map(|i| line(2 + i, 40, i % 3 == 0)));
        blocks.push(heading(30));
        blocks.extend((0..3).map(|i| line(31 + i, 40, true)));
        let out = chunks(&blocks);
        assert!(out.len() >= 3, "{out:#?}");
        for d in &out {
            assert!(words(d) <= MAX, "{} words", words(d));
        }
        // Consecutive chunks in the first section share a line.
        let (Location::Lines { end: e0, .. }, Location::Lines { start: s1, .. }) =
            (out[0].location, out[1].location)
        else {
            panic!("lines expected");
        };
        assert!(s1 <= e0, "overlap expected: {e0} vs {s1}");
        // The second heading starts a chunk, with no overlap from the section before.
        let last = out.last().unwrap();
        assert!(last.text.starts_with("Heading 30"), "{}", last.text);
        assert_eq!(last.location, Location::Lines { start: 30, end: 33 });
    }

    #[test]
    fn huge_lines_are_split_and_pages_kept_apart() {
        let out = chunks(&[line(1, 1000, true)]);
        assert!(out.len() >= 3);
        assert!(out.iter().all(|d| words(d) <= MAX));
        assert!(out
            .iter()
            .all(|d| d.location == Location::Lines { start: 1, end: 1 }));
        let mut p1 = line(1, 20, true);
        p1.page = Some(1);
        let mut p2 = line(1, 20, true);
        p2.page = Some(2);
        let out = chunks(&[p1, p2]);
        assert_eq!(
            out.iter().map(|d| d.location).collect::<Vec<_>>(),
            vec![Location::Page(1), Location::Page(2)]
        );
    }
}
