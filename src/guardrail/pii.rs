//! Sensitive information: pattern-based PII detectors with validators, and the guardrail's
//! custom regexes.

use super::{overlaps, GuardrailEngine, Sides};
use regex::Regex;

#[derive(Debug, Clone)]
pub(super) struct PiiRule {
    pub(super) entity: String,
    pub(super) sides: Sides,
}

#[derive(Debug, Clone)]
pub(super) struct CustomRegex {
    pub(super) name: String,
    pub(super) pattern: String,
    pub(super) regex: Regex,
    pub(super) sides: Sides,
}

/// One PII pattern: the entity it finds, the regex, the capture group holding the entity,
/// and a validator for what it found.
#[derive(Debug, Clone)]
pub(super) struct Detector {
    pub(super) entity: &'static str,
    pub(super) regex: Regex,
    pub(super) group: usize,
    pub(super) validate: fn(&str) -> bool,
    /// Run on the ASCII-lowercased text (same byte offsets): the case-insensitive patterns.
    pub(super) lowercase: bool,
}

/// The entity types with a detector here, in the order they are looked for (earlier ones
/// win on overlapping text).
pub(super) const PATTERNS: &[(&str, &str, usize)] = &[
    (
        "EMAIL",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        0,
    ),
    (
        "URL",
        r#"\b(?:https?://|www\.)[^\s<>"']+[^\s<>"'.,;:!?)]"#,
        0,
    ),
    (
        "AWS_ACCESS_KEY",
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b",
        0,
    ),
    (
        "AWS_SECRET_KEY",
        r"(?i)\bsecret(?:[ _-]?access)?[ _-]?key\s*(?:is|:|=)?\s*([A-Za-z0-9/+=]{40})\b",
        1,
    ),
    ("CREDIT_DEBIT_CARD_NUMBER", r"\b\d(?:[ -]?\d){12,18}\b", 0),
    (
        "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
        r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b",
        0,
    ),
    (
        "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
        r"\b9\d{2}-(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])-\d{4}\b",
        0,
    ),
    ("US_SOCIAL_SECURITY_NUMBER", r"\b\d{3}-\d{2}-\d{4}\b", 0),
    (
        "US_BANK_ROUTING_NUMBER",
        r"(?i)\b(?:routing|aba)(?: number| no\.?| #)?\s*[:#]?\s*(\d{9})\b",
        1,
    ),
    (
        "US_BANK_ACCOUNT_NUMBER",
        r"(?i)\b(?:bank )?(?:account|acct)(?: number| no\.?| #)?\s*[:#]?\s*(\d{8,17})\b",
        1,
    ),
    (
        "CREDIT_DEBIT_CARD_CVV",
        r"(?i)\b(?:cvv2?|cvc|security code)\s*(?:is|:)?\s*(\d{3,4})\b",
        1,
    ),
    (
        "CREDIT_DEBIT_CARD_EXPIRY",
        r"\b(?:0[1-9]|1[0-2])/(?:\d{4}|\d{2})\b",
        0,
    ),
    (
        "MAC_ADDRESS",
        r"\b[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}\b",
        0,
    ),
    (
        "IP_ADDRESS",
        r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b",
        0,
    ),
    (
        "UK_NATIONAL_INSURANCE_NUMBER",
        r"\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b",
        0,
    ),
    (
        "VEHICLE_IDENTIFICATION_NUMBER",
        r"\b[A-HJ-NPR-Z0-9]{17}\b",
        0,
    ),
    (
        "PHONE",
        r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)|\b\d{3})[ .-]?\d{3}[ .-]?\d{4}\b",
        0,
    ),
    (
        "PASSWORD",
        r"(?i)\b(?:password|passcode)\s*(?:is|:|=)\s*(\S+)",
        1,
    ),
    (
        "USERNAME",
        r"(?i)\b(?:username|user name|login)\s*(?:is|:|=)\s*(\S+)",
        1,
    ),
    (
        "PIN",
        r"(?i)\bpin(?: code| number)?\s*(?:is|:|=)?\s*(\d{4,8})\b",
        1,
    ),
    ("AGE", r"(?i)\b(\d{1,3})\s*(?:years? old|y/o)\b", 1),
    (
        "NAME",
        r"\b(?:[Mm]y name is|I am|I'm|[Nn]ame:)\s+([A-Z][a-z]+(?: [A-Z][a-z]+){0,2})",
        1,
    ),
    (
        "ADDRESS",
        r"\b\d{1,5}(?: [A-Z][a-z]+){1,3} (?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl)\b\.?",
        0,
    ),
    (
        "SWIFT_CODE",
        r"(?i)\b(?:swift|bic)(?: code)?\s*(?:is|:)?\s*([a-z]{6}[a-z0-9]{2}(?:[a-z0-9]{3})?)\b",
        1,
    ),
];

impl GuardrailEngine {
    /// Non-overlapping PII spans `(start, end, entity)` for the entity types this guardrail
    /// configures, earlier detectors first.
    pub(super) fn find_pii(&self, text: &str) -> Vec<(usize, usize, String)> {
        let mut found: Vec<(usize, usize, String)> = Vec::new();
        let lowered = text.to_ascii_lowercase();
        for d in &self.detectors {
            if !self.pii.iter().any(|p| p.entity == d.entity) {
                continue;
            }
            let haystack = if d.lowercase { lowered.as_str() } else { text };
            for caps in d.regex.captures_iter(haystack) {
                let Some(m) = caps.get(d.group) else {
                    continue;
                };
                if overlaps(&found, m.start(), m.end()) || !(d.validate)(m.as_str()) {
                    continue;
                }
                found.push((m.start(), m.end(), d.entity.to_owned()));
            }
        }
        found.sort_by_key(|f| f.0);
        found
    }
}

pub(super) fn validator(entity: &str) -> fn(&str) -> bool {
    match entity {
        "CREDIT_DEBIT_CARD_NUMBER" => luhn_card,
        "US_SOCIAL_SECURITY_NUMBER" => valid_ssn,
        "IP_ADDRESS" => valid_ip,
        "INTERNATIONAL_BANK_ACCOUNT_NUMBER" => valid_iban,
        "US_BANK_ROUTING_NUMBER" => valid_routing,
        "VEHICLE_IDENTIFICATION_NUMBER" => letters_and_digits,
        "AGE" => valid_age,
        _ => always,
    }
}

fn always(_: &str) -> bool {
    true
}

/// 13 to 19 digits passing the Luhn check.
pub fn luhn_card(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn valid_ssn(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [area, group, serial] = parts.as_slice() else {
        return false;
    };
    *area != "000"
        && *area != "666"
        && !area.starts_with('9')
        && *group != "00"
        && *serial != "0000"
}

fn valid_ip(s: &str) -> bool {
    if s.contains(':') {
        return true;
    }
    s.split('.')
        .all(|p| p.parse::<u16>().is_ok_and(|n| n <= 255))
}

pub(super) fn valid_iban(s: &str) -> bool {
    // `\d` in the pattern matches any script's digits: an IBAN has ASCII ones only, and the
    // check below works on characters, never on byte offsets.
    let compact: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) || !compact.iter().all(char::is_ascii_alphanumeric) {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut remainder: u64 = 0;
    for c in tail.iter().chain(head) {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        let digits = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * digits + u64::from(value)) % 97;
    }
    remainder == 1
}

fn valid_routing(s: &str) -> bool {
    let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 9 {
        return false;
    }
    let sum = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8]);
    sum.is_multiple_of(10)
}

fn letters_and_digits(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit()) && s.chars().any(|c| c.is_ascii_alphabetic())
}

fn valid_age(s: &str) -> bool {
    s.parse::<u32>().is_ok_and(|n| n <= 130)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_iban() {
        assert!(luhn_card("4111 1111 1111 1111"));
        assert!(!luhn_card("4111 1111 1111 1112"));
        assert!(valid_iban("GB82 WEST 1234 5698 7654 32"));
        assert!(!valid_iban("GB82 WEST 1234 5698 7654 33"));
        assert!(valid_routing("011000015"));
    }

    #[test]
    fn built_in_patterns_compile() {
        for (entity, p, _) in PATTERNS {
            let p = p.strip_prefix("(?i)").unwrap_or(p);
            assert!(Regex::new(p).is_ok(), "{entity}: {p}");
        }
    }
}
