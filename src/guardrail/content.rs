//! The harmful-content filters of a content policy (`HATE`, `INSULTS`, `SEXUAL`, `VIOLENCE`,
//! `MISCONDUCT`), evaluated with a small lexical classifier: each category has phrases
//! weighted by how sure a match makes us (LOW, MEDIUM, HIGH). A text's confidence for a
//! category is the strongest phrase found, raised one level when three or more different
//! phrases of the category occur. Bedrock's rule then decides: a filter at strength HIGH
//! blocks LOW, MEDIUM and HIGH confidence; MEDIUM blocks MEDIUM and HIGH; LOW blocks HIGH
//! only; NONE blocks nothing.
//!
//! This is not Bedrock's model: paraphrases are missed and quoted text is caught. It lets a
//! design be tried offline with the filters switched on; the deployed guardrail decides.

/// How sure a match is, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "LOW",
            Confidence::Medium => "MEDIUM",
            Confidence::High => "HIGH",
        }
    }

    fn raised(self) -> Confidence {
        match self {
            Confidence::Low => Confidence::Medium,
            Confidence::Medium | Confidence::High => Confidence::High,
        }
    }
}

/// The lowest confidence a filter `strength` blocks, `None` for `NONE` (or unknown).
pub(crate) fn threshold(strength: &str) -> Option<Confidence> {
    match strength {
        "HIGH" => Some(Confidence::Low),
        "MEDIUM" => Some(Confidence::Medium),
        "LOW" => Some(Confidence::High),
        _ => None,
    }
}

use Confidence::{High, Low, Medium};

const HATE: &[(&str, Confidence)] = &[
    ("subhuman", High),
    ("ethnic cleansing", High),
    ("exterminate them", High),
    ("inferior race", High),
    ("master race", High),
    ("are vermin", High),
    ("are animals", Medium),
    ("go back to your country", Medium),
    ("don't belong in this country", Medium),
    ("should be deported", Medium),
    ("hate all", Medium),
    ("i hate those people", Medium),
    ("those people", Low),
    ("your kind", Low),
];

const INSULTS: &[(&str, Confidence)] = &[
    ("piece of garbage", High),
    ("piece of trash", High),
    ("you disgust me", High),
    ("waste of space", High),
    ("you're pathetic", Medium),
    ("you are pathetic", Medium),
    ("idiot", Medium),
    ("moron", Medium),
    ("imbecile", Medium),
    ("incompetent", Medium),
    ("worthless", Medium),
    ("loser", Medium),
    ("stupid", Low),
    ("dumb", Low),
    ("useless", Low),
    ("clown", Low),
    ("shut up", Low),
];

const SEXUAL: &[(&str, Confidence)] = &[
    ("pornography", High),
    ("porn", High),
    ("explicit sex", High),
    ("sexual intercourse", High),
    ("sex scene", High),
    ("nude photos", High),
    ("nudes", High),
    ("erotic", Medium),
    ("naked", Medium),
    ("nude", Medium),
    ("sexy", Low),
    ("seductive", Low),
    ("lingerie", Low),
];

const VIOLENCE: &[(&str, Confidence)] = &[
    ("i will kill you", High),
    ("i'm going to kill", High),
    ("kill you", High),
    ("murder", High),
    ("behead", High),
    ("massacre", High),
    ("shoot them", High),
    ("stab", High),
    ("torture", High),
    ("beat you up", High),
    ("blow up", Medium),
    ("bloodbath", Medium),
    ("kill", Low),
    ("shoot", Low),
    ("bloodshed", Medium),
    ("weapon", Low),
    ("punch", Low),
    ("fight", Low),
    ("attack", Low),
];

const MISCONDUCT: &[(&str, Confidence)] = &[
    ("make a bomb", High),
    ("build a bomb", High),
    ("make meth", High),
    ("cook meth", High),
    ("launder money", High),
    ("money laundering", High),
    ("credit card fraud", High),
    ("identity theft", High),
    ("hack into", High),
    ("steal a car", High),
    ("counterfeit money", High),
    ("evade taxes", Medium),
    ("tax evasion", Medium),
    ("phishing", Medium),
    ("buy drugs", Medium),
    ("bribe", Medium),
    ("shoplift", Medium),
    ("pick a lock", Low),
    ("fake id", Medium),
    ("cheat", Low),
];

/// The phrases of a filter type, or `None` for a type this classifier does not know.
fn lexicon(kind: &str) -> Option<&'static [(&'static str, Confidence)]> {
    match kind {
        "HATE" => Some(HATE),
        "INSULTS" => Some(INSULTS),
        "SEXUAL" => Some(SEXUAL),
        "VIOLENCE" => Some(VIOLENCE),
        "MISCONDUCT" => Some(MISCONDUCT),
        _ => None,
    }
}

/// Whether `kind` is one of the categories classified here.
pub(crate) fn known(kind: &str) -> bool {
    lexicon(kind).is_some()
}

/// The confidence that `words` (lowercased, in order) fall in category `kind`; `None` when
/// nothing matched.
pub(crate) fn classify(kind: &str, words: &[String]) -> Option<Confidence> {
    let lexicon = lexicon(kind)?;
    let mut best: Option<Confidence> = None;
    let mut hits = 0;
    for (phrase, confidence) in lexicon {
        let needle: Vec<&str> = phrase.split(' ').collect();
        let found = words
            .windows(needle.len())
            .any(|w| w.iter().map(String::as_str).eq(needle.iter().copied()));
        if found {
            hits += 1;
            best = best.max(Some(*confidence));
        }
    }
    best.map(|c| if hits >= 3 { c.raised() } else { c })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Vec<String> {
        super::super::words(text)
    }

    #[test]
    fn confidence_is_the_strongest_phrase_raised_by_many_hits() {
        assert_eq!(classify("INSULTS", &w("That was a dumb idea")), Some(Low));
        assert_eq!(classify("INSULTS", &w("You idiot")), Some(Medium));
        assert_eq!(
            classify("INSULTS", &w("You stupid, useless clown")),
            Some(Medium)
        );
        assert_eq!(classify("VIOLENCE", &w("I will kill you")), Some(High));
        assert_eq!(
            classify("MISCONDUCT", &w("How do I make a bomb?")),
            Some(High)
        );
        assert_eq!(classify("HATE", &w("Where is my parcel?")), None);
        assert_eq!(classify("PROMPT_ATTACK", &w("anything")), None);
    }

    #[test]
    fn strength_thresholds_follow_bedrock() {
        assert_eq!(threshold("HIGH"), Some(Low));
        assert_eq!(threshold("MEDIUM"), Some(Medium));
        assert_eq!(threshold("LOW"), Some(High));
        assert_eq!(threshold("NONE"), None);
    }
}
