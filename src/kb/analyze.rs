//! Text analysis for the local knowledge base: Unicode word segmentation, lowercasing, a small
//! English stopword list and the Snowball English stemmer.
//!
//! Documents and queries go through the same [`Analyzer`], so a query term matches a chunk term
//! exactly when both stem to the same string.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// Words too common to tell chunks apart. Kept short on purpose: BM25's IDF already discounts
/// frequent terms, and this list only drops function words that carry no topic at all.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from",
    "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if",
    "in", "into", "is", "it", "its", "itself", "me", "my", "of", "on", "or", "our", "ours", "she",
    "should", "so", "such", "than", "that", "the", "their", "theirs", "them", "then", "there",
    "these", "they", "this", "those", "to", "too", "us", "was", "we", "were", "what", "when",
    "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
    "yours",
];

/// Turns text into index terms.
pub(crate) struct Analyzer {
    stemmer: Stemmer,
}

impl Clone for Analyzer {
    fn clone(&self) -> Self {
        Analyzer::default()
    }
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Analyzer(english)")
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }
}

impl Analyzer {
    /// The terms of `text`, in order, repeats kept.
    pub(crate) fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for word in text.unicode_words() {
            let lower = word.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
            // "customer's" → "customer"; the stemmer would do it too, but the stopword check
            // should see the bare word ("it's" → "it").
            let bare = lower
                .strip_suffix("'s")
                .unwrap_or(&lower)
                .trim_matches('\'');
            if bare.is_empty() || is_stopword(bare) {
                continue;
            }
            out.push(self.stemmer.stem(bare).into_owned());
        }
        out
    }
}

fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn lowercases_stems_and_drops_stopwords() {
        let a = Analyzer::default();
        assert_eq!(
            a.terms("How do I return the Refunded items?"),
            vec!["return", "refund", "item"]
        );
        assert_eq!(a.terms("The customer’s orders"), vec!["custom", "order"]);
        assert_eq!(
            a.terms("Café déjà-vu 3.5 GHz"),
            vec!["café", "déjà", "vu", "3.5", "ghz"]
        );
        assert!(a.terms("").is_empty());
        assert!(a.terms("  ... !!! ").is_empty());
    }
}
