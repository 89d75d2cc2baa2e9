//! Denied topics, matched by a lexical classifier: the topic's name as a phrase, most content
//! words of an example, or three content words of its definition.

use super::words::contains_phrase;
use super::Sides;
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
pub(super) struct Topic {
    pub(super) name: String,
    pub(super) name_words: Vec<String>,
    pub(super) definition_words: BTreeSet<String>,
    pub(super) examples: Vec<Vec<String>>,
    pub(super) sides: Sides,
}

pub(super) fn topic_matches(
    topic: &Topic,
    text_words: &[String],
    content: &BTreeSet<String>,
) -> bool {
    if contains_phrase(text_words, &topic.name_words) {
        return true;
    }
    for example in &topic.examples {
        let hits = example.iter().filter(|w| content.contains(*w)).count();
        // At least 60% of the example's content words, and at least one.
        if hits > 0 && hits * 5 >= example.len() * 3 {
            return true;
        }
    }
    topic.definition_words.intersection(content).count() >= 3
}
