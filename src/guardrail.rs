//! A local guardrail engine for the project's guardrails (reference §8): sensitive information
//! (PII entities and custom regexes, BLOCK or ANONYMIZE), denied topics, word filters (custom
//! words and a small managed profanity list) and the prompt-attack content filter.
//!
//! It reads the policies as the project keeps them (CreateGuardrail JSON) and answers with
//! Bedrock's `GuardrailAssessment` shape, so a local run's guardrail trace reads like a
//! deployed one. Pure code, no I/O: it builds for wasm, so the desktop app can preview it.
//!
//! What it is and is not:
//! - PII detection is pattern based (regular expressions with validators: Luhn for card
//!   numbers, range checks for IPv4 and US SSNs, mod-97 for IBANs, the ABA checksum for
//!   routing numbers). Entities that need context (account numbers, CVVs, PINs, passwords,
//!   user names, names) are found only after a cue word ("account number 12345678"). Entity
//!   types with no reliable pattern (for example `DRIVER_ID`, `LICENSE_PLATE`) are listed by
//!   [`GuardrailEngine::unsupported_entities`] and never match.
//! - Denied topics use a simple lexical classifier, not a model: a topic matches when its
//!   name occurs as a phrase, when most content words of one of its examples occur, or when
//!   three or more content words of its definition occur. Expect misses on paraphrases.
//! - `PROMPT_ATTACK` is evaluated with phrase patterns ("ignore previous instructions", "you
//!   are now", asking for the system prompt). HATE, INSULTS, SEXUAL, VIOLENCE and MISCONDUCT
//!   use the weighted lexicons of [`content`], with Bedrock's strength thresholds; filter
//!   types it does not know (for example image-only ones) are reported by
//!   [`GuardrailEngine::unsupported_filters`].

mod apply;
mod assessment;
mod content;
mod pii;
pub mod policy;
mod prompt_attack;
mod topics;
mod words;

pub use assessment::{
    ContentFilterMatch, ContentPolicyAssessment, GuardrailAction, GuardrailAssessment,
    GuardrailOutcome, ManagedWordMatch, PiiMatch, RegexMatch, SensitiveInformationAssessment,
    TopicMatch, TopicPolicyAssessment, WordMatch, WordPolicyAssessment,
};
pub use pii::luhn_card;
pub use prompt_attack::is_prompt_attack;

use crate::model::lenient::Lenient;
use crate::model::Guardrail;
use pii::{validator, CustomRegex, Detector, PiiRule, PATTERNS};
use policy::{
    ContentFilterType, ContentPolicy, EntryActions, FilterStrength, ManagedWordList, PolicyAction,
    SensitiveInformationPolicy, TopicPolicy, WordPolicy,
};
use regex::Regex;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use topics::Topic;
use words::{content_words, words, Word};

/// Bedrock's default messages when a guardrail leaves them empty.
const DEFAULT_BLOCKED: &str = "Sorry, the model cannot answer this question.";

/// Which side of the model the text is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Source {
    Input,
    Output,
}

/// Why a guardrail could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardrailError {
    #[error("guardrail {guardrail:?}: regex {name:?} does not compile: {message}")]
    BadRegex {
        guardrail: String,
        name: String,
        message: String,
    },
    #[error("guardrail {guardrail:?}: {message}")]
    BadPolicy { guardrail: String, message: String },
}

/// What a policy entry does on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Block,
    Anonymize,
    Nothing,
}

/// An entry's action per side, read from `action`/`inputAction`/`outputAction` and
/// `inputEnabled`/`outputEnabled`.
#[derive(Debug, Clone, Copy)]
struct Sides {
    input: Act,
    output: Act,
}

impl Sides {
    fn read(entry: &EntryActions, default: Act) -> Sides {
        let act = |action: &Option<Lenient<PolicyAction>>| match action {
            Some(Lenient::Known(PolicyAction::Block)) => Some(Act::Block),
            Some(Lenient::Known(PolicyAction::Anonymize)) => Some(Act::Anonymize),
            Some(Lenient::Known(PolicyAction::None)) => Some(Act::Nothing),
            Some(Lenient::Unknown(_)) | None => None,
        };
        let base = act(&entry.action).unwrap_or(default);
        let side = |action: &Option<Lenient<PolicyAction>>, enabled: Option<bool>| {
            if enabled.unwrap_or(true) {
                act(action).unwrap_or(base)
            } else {
                Act::Nothing
            }
        };
        Sides {
            input: side(&entry.input_action, entry.input_enabled),
            output: side(&entry.output_action, entry.output_enabled),
        }
    }

    fn on(self, source: Source) -> Act {
        match source {
            Source::Input => self.input,
            Source::Output => self.output,
        }
    }
}

/// A harmful-content filter: its category and the lowest confidence it blocks per side.
#[derive(Debug, Clone)]
struct ContentFilter {
    pub(super) kind: String,
    pub(super) input: Option<content::Confidence>,
    pub(super) output: Option<content::Confidence>,
    pub(super) sides: Sides,
}

/// A guardrail ready to apply.
#[derive(Debug, Clone)]
pub struct GuardrailEngine {
    name: String,
    blocked_input: String,
    blocked_output: String,
    topics: Vec<Topic>,
    words: Vec<Word>,
    profanity: Option<Sides>,
    pii: Vec<PiiRule>,
    regexes: Vec<CustomRegex>,
    prompt_attack: Option<Sides>,
    filters: Vec<ContentFilter>,
    unsupported_filters: Vec<String>,
    detectors: Vec<Detector>,
}

impl GuardrailEngine {
    /// Reads a project guardrail's policies.
    pub fn new(guardrail: &Guardrail) -> Result<GuardrailEngine, GuardrailError> {
        let name = guardrail.name.clone();
        let mut engine = GuardrailEngine {
            blocked_input: guardrail
                .blocked_input_messaging
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| DEFAULT_BLOCKED.to_owned()),
            blocked_output: guardrail
                .blocked_outputs_messaging
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| DEFAULT_BLOCKED.to_owned()),
            name: name.clone(),
            topics: vec![],
            words: vec![],
            profanity: None,
            pii: vec![],
            regexes: vec![],
            prompt_attack: None,
            filters: vec![],
            unsupported_filters: vec![],
            detectors: vec![],
        };
        for (entity, pattern, group) in PATTERNS {
            // `(?i)` needs the regex crate's unicode-case feature: match lowercased text instead.
            let (pattern, lowercase) = match pattern.strip_prefix("(?i)") {
                Some(p) => (p, true),
                None => (*pattern, false),
            };
            let regex = Regex::new(pattern).map_err(|e| GuardrailError::BadPolicy {
                guardrail: name.clone(),
                message: format!("built-in pattern for {entity}: {e}"),
            })?;
            engine.detectors.push(Detector {
                entity,
                regex,
                group: *group,
                validate: validator(entity),
                lowercase,
            });
        }
        let topics: TopicPolicy =
            read_policy(&name, "topicPolicyConfig", &guardrail.topic_policy_config)?;
        for t in topics.topics_config {
            let examples = t
                .examples
                .iter()
                .map(|e| content_words(e))
                .filter(|w| !w.is_empty())
                .collect();
            engine.topics.push(Topic {
                name_words: words(&t.name),
                definition_words: content_words(&t.definition).into_iter().collect(),
                examples,
                sides: Sides::read(&t.actions, Act::Block),
                name: t.name,
            });
        }
        let word_policy: WordPolicy =
            read_policy(&name, "wordPolicyConfig", &guardrail.word_policy_config)?;
        for w in word_policy.words_config {
            let split = words(&w.text);
            if !split.is_empty() {
                engine.words.push(Word {
                    sides: Sides::read(&w.actions, Act::Block),
                    text: w.text,
                    words: split,
                });
            }
        }
        for m in word_policy.managed_word_lists_config {
            if m.list_type.get() == Some(ManagedWordList::Profanity) {
                engine.profanity = Some(Sides::read(&m.actions, Act::Block));
            }
        }
        let sensitive: SensitiveInformationPolicy = read_policy(
            &name,
            "sensitiveInformationPolicyConfig",
            &guardrail.sensitive_information_policy_config,
        )?;
        for p in sensitive.pii_entities_config {
            engine.pii.push(PiiRule {
                sides: Sides::read(&p.actions, Act::Block),
                entity: p.entity_type.as_str().to_owned(),
            });
        }
        for r in sensitive.regexes_config {
            let regex = Regex::new(&r.pattern).map_err(|e| GuardrailError::BadRegex {
                guardrail: name.clone(),
                name: r.name.clone(),
                message: e.to_string(),
            })?;
            engine.regexes.push(CustomRegex {
                sides: Sides::read(&r.actions, Act::Block),
                name: r.name,
                pattern: r.pattern,
                regex,
            });
        }
        let content_policy: ContentPolicy = read_policy(
            &name,
            "contentPolicyConfig",
            &guardrail.content_policy_config,
        )?;
        for f in content_policy.filters_config {
            let input = f.input_strength.as_ref().map(Lenient::as_str);
            let output = f.output_strength.as_ref().map(Lenient::as_str);
            if f.filter_type.get() == Some(ContentFilterType::PromptAttack) {
                let none = |s: &Option<Lenient<FilterStrength>>| {
                    s.as_ref().and_then(Lenient::get) == Some(FilterStrength::None)
                };
                let mut sides = Sides::read(&f.actions, Act::Block);
                if none(&f.input_strength) {
                    sides.input = Act::Nothing;
                }
                if none(&f.output_strength) {
                    sides.output = Act::Nothing;
                }
                engine.prompt_attack = Some(sides);
            } else if content::known(f.filter_type.as_str()) {
                engine.filters.push(ContentFilter {
                    sides: Sides::read(&f.actions, Act::Block),
                    input: content::threshold(input.unwrap_or("NONE")),
                    output: content::threshold(output.unwrap_or("NONE")),
                    kind: f.filter_type.as_str().to_owned(),
                });
            } else if input != Some("NONE") || output != Some("NONE") {
                engine
                    .unsupported_filters
                    .push(f.filter_type.as_str().to_owned());
            }
        }
        Ok(engine)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Content filter types this engine cannot evaluate locally (they never match).
    pub fn unsupported_filters(&self) -> &[String] {
        &self.unsupported_filters
    }

    /// PII entity types the guardrail names that have no local detector (they never match).
    pub fn unsupported_entities(&self) -> Vec<String> {
        self.pii
            .iter()
            .filter(|p| !PATTERNS.iter().any(|(e, _, _)| *e == p.entity))
            .map(|p| p.entity.clone())
            .collect()
    }
}

fn action_word(act: Act) -> &'static str {
    match act {
        Act::Anonymize => "ANONYMIZED",
        Act::Block | Act::Nothing => "BLOCKED",
    }
}

fn overlaps(spans: &[(usize, usize, String)], start: usize, end: usize) -> bool {
    spans.iter().any(|(s, e, _)| start < *e && *s < end)
}

/// A policy of `guardrail` read into its type; an absent policy is an empty one.
fn read_policy<T: DeserializeOwned + Default>(
    guardrail: &str,
    key: &str,
    policy: &Option<serde_json::Value>,
) -> Result<T, GuardrailError> {
    let Some(value) = policy else {
        return Ok(T::default());
    };
    T::deserialize(value).map_err(|e| GuardrailError::BadPolicy {
        guardrail: guardrail.to_owned(),
        message: format!("{key}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// A guardrail with every policy kind: each PII entity (anonymised or blocked), a custom
    /// regex, a topic, custom and managed words, the content filters and prompt attack.
    fn every_policy(pii_action: &str) -> GuardrailEngine {
        let entities: Vec<_> = PATTERNS
            .iter()
            .map(|(entity, _, _)| json!({"type": entity, "action": pii_action}))
            .collect();
        let guardrail: Guardrail = serde_json::from_value(json!({
            "name": "all",
            "topicPolicyConfig": {"topicsConfig": [{"name": "Investment advice", "type": "DENY",
                "definition": "Recommendations about stocks, bonds and funds to invest in.",
                "examples": ["Which stocks should I buy?"]}]},
            "wordPolicyConfig": {"wordsConfig": [{"text": "secret project"}],
                "managedWordListsConfig": [{"type": "PROFANITY"}]},
            "contentPolicyConfig": {"filtersConfig": [
                {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"},
                {"type": "INSULTS", "inputStrength": "LOW", "outputStrength": "MEDIUM"},
                {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}]},
            "sensitiveInformationPolicyConfig": {"piiEntitiesConfig": entities,
                "regexesConfig": [{"name": "ORDER", "pattern": "ORD-\\d+|\\d{2}\\b", "action": pii_action}]}
        }))
        .expect("guardrail");
        GuardrailEngine::new(&guardrail).expect("engine")
    }

    /// Text that looks like what the detectors look for, in several scripts.
    fn lookalike() -> impl Strategy<Value = String> {
        "[A-Z0-9a-z ०-९٠-٩€éß@.:/+()#-]{0,80}"
    }

    #[test]
    fn an_iban_with_devanagari_digits_is_not_a_panic() {
        // `\d` matches any script's digits; the IBAN check used to cut the match by bytes.
        for action in ["ANONYMIZE", "BLOCK"] {
            let engine = every_policy(action);
            let text = "pay to GB८२ WEST 1234 5698 7654 32 please";
            let outcome = engine.apply(Source::Input, text);
            assert!(!outcome.output.is_empty());
        }
        assert!(!pii::valid_iban("GB८२WEST12345698765432"));
    }

    proptest! {
        #[test]
        fn every_policy_takes_any_text(
            text in prop_oneof![any::<String>(), lookalike()],
            anonymize in any::<bool>(),
            output in any::<bool>(),
        ) {
            let engine = every_policy(if anonymize { "ANONYMIZE" } else { "BLOCK" });
            let source = if output { Source::Output } else { Source::Input };
            for (start, end, _) in engine.find_pii(&text) {
                prop_assert!(start < end && end <= text.len());
                prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
            }
            let outcome = engine.apply(source, &text);
            if let Some(sensitive) = &outcome.assessment.sensitive_information_policy {
                for m in &sensitive.pii_entities {
                    prop_assert!(text.contains(&m.matched));
                }
                for m in &sensitive.regexes {
                    prop_assert!(text.contains(&m.matched));
                }
            }
            if outcome.action == GuardrailAction::None {
                prop_assert_eq!(&outcome.output, &text);
            }
        }
    }
}
