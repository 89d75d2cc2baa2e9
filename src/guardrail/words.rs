//! Words: the tokenizer every policy shares, the guardrail's custom words and a small managed
//! profanity list.

use super::Sides;

#[derive(Debug, Clone)]
pub(super) struct Word {
    pub(super) text: String,
    pub(super) words: Vec<String>,
    pub(super) sides: Sides,
}

/// A small managed profanity list (the words Bedrock's list certainly holds; not exhaustive).
pub(super) const PROFANITY: &[&str] = &[
    "fuck",
    "fucking",
    "fucked",
    "shit",
    "shitty",
    "bullshit",
    "bitch",
    "bastard",
    "asshole",
    "dickhead",
    "motherfucker",
    "cunt",
    "crap",
    "damn",
    "piss",
    "pissed",
    "prick",
    "wanker",
    "bollocks",
    "twat",
];

pub(super) const STOPWORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "are",
    "but",
    "not",
    "you",
    "your",
    "yours",
    "with",
    "this",
    "that",
    "from",
    "they",
    "their",
    "them",
    "have",
    "has",
    "had",
    "was",
    "were",
    "will",
    "would",
    "can",
    "could",
    "should",
    "about",
    "into",
    "any",
    "all",
    "our",
    "ours",
    "what",
    "which",
    "who",
    "whom",
    "how",
    "when",
    "where",
    "why",
    "does",
    "did",
    "doing",
    "its",
    "it's",
    "than",
    "then",
    "there",
    "these",
    "those",
    "also",
    "such",
    "some",
    "more",
    "most",
    "other",
    "over",
    "under",
    "out",
    "off",
    "very",
    "just",
    "like",
    "get",
    "give",
    "make",
    "may",
    "might",
    "must",
    "one",
    "per",
    "via",
    "using",
    "use",
    "used",
    "including",
    "etc",
    "topic",
    "topics",
    "related",
    "relating",
    "questions",
    "question",
    "ask",
    "asking",
    "discussion",
    "discussing",
    "talk",
    "talking",
    "anything",
    "something",
    "things",
    "thing",
    "i'm",
    "i'd",
    "me",
    "my",
];

/// Lowercase words (letters, digits and apostrophes).
pub(super) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A crude stem: enough to let "refunds" meet "refund" and "investing" meet "invest".
pub(super) fn stem(word: &str) -> String {
    for suffix in ["ing", "ies", "es", "ed", "s"] {
        if let Some(base) = word.strip_suffix(suffix) {
            if base.chars().count() >= 3 {
                return if suffix == "ies" {
                    format!("{base}y")
                } else {
                    base.to_owned()
                };
            }
        }
    }
    word.to_owned()
}

/// Stemmed words of three letters or more that are not stop words.
pub(super) fn content_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words(text) {
        if w.chars().count() < 3 || STOPWORDS.contains(&w.as_str()) {
            continue;
        }
        let s = stem(&w);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

pub(super) fn contains_phrase(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
