//! Applying a guardrail to one side of a text: every policy, then blocking or anonymising.

use super::assessment::*;
use super::content;
use super::prompt_attack::is_prompt_attack;
use super::topics::topic_matches;
use super::words::{contains_phrase, content_words, words, PROFANITY};
use super::{action_word, overlaps, Act, GuardrailEngine, Source};
use std::collections::BTreeSet;

impl GuardrailEngine {
    /// Applies every policy to `text` on one side.
    pub fn apply(&self, source: Source, text: &str) -> GuardrailOutcome {
        let mut assessment = GuardrailAssessment::default();
        let mut blocked = false;
        let mut intervened = false;
        let lowered_words = words(text);
        let content: BTreeSet<String> = content_words(text).into_iter().collect();

        // Denied topics.
        let mut topics = Vec::new();
        for t in &self.topics {
            let act = t.sides.on(source);
            if act == Act::Nothing || !topic_matches(t, &lowered_words, &content) {
                continue;
            }
            blocked = true;
            topics.push(TopicMatch {
                name: t.name.clone(),
                topic_type: "DENY".to_owned(),
                action: "BLOCKED".to_owned(),
            });
        }
        if !topics.is_empty() {
            assessment.topic_policy = Some(TopicPolicyAssessment { topics });
        }

        // Content filters: prompt attack, then the harmful categories.
        let mut filters = Vec::new();
        if let Some(sides) = self.prompt_attack {
            if sides.on(source) != Act::Nothing && is_prompt_attack(text) {
                blocked = true;
                filters.push(ContentFilterMatch {
                    filter_type: "PROMPT_ATTACK".to_owned(),
                    confidence: "HIGH".to_owned(),
                    action: "BLOCKED".to_owned(),
                });
            }
        }
        for f in &self.filters {
            let threshold = match source {
                Source::Input => f.input,
                Source::Output => f.output,
            };
            let (Some(threshold), Act::Block) = (threshold, f.sides.on(source)) else {
                continue;
            };
            match content::classify(&f.kind, &lowered_words) {
                Some(confidence) if confidence >= threshold => {
                    blocked = true;
                    filters.push(ContentFilterMatch {
                        filter_type: f.kind.clone(),
                        confidence: confidence.as_str().to_owned(),
                        action: "BLOCKED".to_owned(),
                    });
                }
                Some(_) | None => {}
            }
        }
        if !filters.is_empty() {
            assessment.content_policy = Some(ContentPolicyAssessment { filters });
        }

        // Word filters.
        let mut word_policy = WordPolicyAssessment::default();
        for w in &self.words {
            if w.sides.on(source) == Act::Nothing || !contains_phrase(&lowered_words, &w.words) {
                continue;
            }
            blocked = true;
            word_policy.custom_words.push(WordMatch {
                matched: w.text.clone(),
                action: "BLOCKED".to_owned(),
            });
        }
        if let Some(sides) = self.profanity {
            if sides.on(source) != Act::Nothing {
                for word in &lowered_words {
                    if PROFANITY.contains(&word.as_str()) {
                        blocked = true;
                        word_policy.managed_word_lists.push(ManagedWordMatch {
                            matched: word.clone(),
                            list_type: "PROFANITY".to_owned(),
                            action: "BLOCKED".to_owned(),
                        });
                    }
                }
            }
        }
        if !word_policy.custom_words.is_empty() || !word_policy.managed_word_lists.is_empty() {
            assessment.word_policy = Some(word_policy);
        }

        // Sensitive information: collect spans, then anonymise from the end.
        let mut spans: Vec<(usize, usize, String)> = Vec::new();
        let mut sensitive = SensitiveInformationAssessment::default();
        for (start, end, entity) in self.find_pii(text) {
            let Some(rule) = self.pii.iter().find(|p| p.entity == entity) else {
                continue;
            };
            let act = rule.sides.on(source);
            let matched = text.get(start..end).unwrap_or_default().to_owned();
            match act {
                Act::Nothing => continue,
                Act::Block => blocked = true,
                Act::Anonymize => spans.push((start, end, format!("{{{entity}}}"))),
            }
            intervened = true;
            sensitive.pii_entities.push(PiiMatch {
                entity_type: entity,
                matched,
                action: action_word(act).to_owned(),
            });
        }
        for r in &self.regexes {
            let act = r.sides.on(source);
            if act == Act::Nothing {
                continue;
            }
            for m in r.regex.find_iter(text) {
                if m.start() == m.end() || overlaps(&spans, m.start(), m.end()) {
                    continue;
                }
                match act {
                    Act::Block => blocked = true,
                    Act::Anonymize | Act::Nothing => {
                        spans.push((m.start(), m.end(), format!("{{{}}}", r.name)));
                    }
                }
                intervened = true;
                sensitive.regexes.push(RegexMatch {
                    name: r.name.clone(),
                    regex: r.pattern.clone(),
                    matched: m.as_str().to_owned(),
                    action: action_word(act).to_owned(),
                });
            }
        }
        if !sensitive.pii_entities.is_empty() || !sensitive.regexes.is_empty() {
            assessment.sensitive_information_policy = Some(sensitive);
        }

        let intervened = intervened || blocked;
        let output = if blocked {
            match source {
                Source::Input => self.blocked_input.clone(),
                Source::Output => self.blocked_output.clone(),
            }
        } else {
            spans.sort_by_key(|s| s.0);
            let mut out = String::with_capacity(text.len());
            let mut at = 0;
            for (start, end, replacement) in &spans {
                if *start < at {
                    continue;
                }
                out.push_str(text.get(at..*start).unwrap_or_default());
                out.push_str(replacement);
                at = *end;
            }
            out.push_str(text.get(at..).unwrap_or_default());
            out
        };
        GuardrailOutcome {
            action: if intervened {
                GuardrailAction::GuardrailIntervened
            } else {
                GuardrailAction::None
            },
            blocked,
            output,
            assessment,
        }
    }
}
