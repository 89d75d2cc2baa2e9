//! Production lints on what the model chooses actions by: names that change state, and
//! descriptions too thin to choose by.

use crate::diagnostic::{Code, Diagnostics, Location};

/// Verbs that change state wherever they appear in a name (`processRefund`, `sendEmail`).
const STATE_VERBS: &[&str] = &[
    "create", "update", "delete", "remove", "refund", "send", "cancel", "pay", "transfer",
    "submit", "approve", "write", "modify", "reset",
];

/// Verbs that are also common nouns (`order`, `book`, `issue`): they count only as the first
/// word, where a verb stands (`orderPizza`, but not `lookupOrderStatus`).
const LEADING_STATE_VERBS: &[&str] = &[
    "order", "book", "issue", "set", "close", "charge", "purchase",
];

/// A name that starts with one of these reads (`getRefundStatus`, `listCancelledOrders`).
const READ_VERBS: &[&str] = &[
    "get",
    "list",
    "lookup",
    "look",
    "find",
    "search",
    "read",
    "fetch",
    "query",
    "describe",
    "show",
    "view",
    "retrieve",
    "count",
    "is",
    "has",
    "check",
    "validate",
    "verify",
    "estimate",
    "calculate",
    "compute",
    "preview",
];

/// The state-changing verb in a function or operation name, if any: `refundOrder` → refund.
/// Names that start with a reading verb (`getRefundStatus`) are reads.
pub fn state_changing_verb(name: &str) -> Option<&'static str> {
    let words = words(name);
    let first = words.first()?;
    if READ_VERBS.contains(&first.as_str()) {
        return None;
    }
    if let Some(v) = LEADING_STATE_VERBS.iter().find(|v| **v == first.as_str()) {
        return Some(v);
    }
    words
        .iter()
        .find_map(|w| STATE_VERBS.iter().find(|v| **v == w.as_str()).copied())
}

/// The lowercase words of an identifier: camelCase, PascalCase, snake_case, kebab-case and
/// acronyms (`HTTPRequest` → http, request).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_uppercase() => {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            }
            Some(_) | None => false,
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `ThinDescription` when a description the model chooses by is missing or one word. An
/// empty description is left to the length check, which already reports it.
pub(super) fn thin_description(
    out: &mut Diagnostics,
    at: Location,
    what: &str,
    name: &str,
    description: Option<&str>,
) {
    let message = match description {
        None => format!("{what} {name:?} has no description"),
        Some("") => return,
        Some(d) if d.split_whitespace().count() <= 1 => {
            format!("{what} {name:?} is described in one word ({:?})", d.trim())
        }
        Some(_) => return,
    };
    out.report(Code::ThinDescription, at, message).set_hint(format!(
        "Describe the {what} in a sentence: what it is or does, and when to use it. The model picks actions and fills parameters from these descriptions alone."
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_changing_verbs_in_names() {
        let cases: &[(&str, Option<&str>)] = &[
            ("refundOrder", Some("refund")),
            ("RefundOrder", Some("refund")),
            ("processRefund", Some("refund")),
            ("send-email", Some("send")),
            ("cancel_booking", Some("cancel")),
            ("HTTPDeleteUser", Some("delete")),
            ("orderPizza", Some("order")),
            ("bookFlight", Some("book")),
            ("resetPassword", Some("reset")),
            ("getOrder", None),
            ("lookupOrderStatus", None),
            ("getRefundStatus", None),
            ("listCancelledOrders", None),
            ("orderStatusGet", Some("order")),
            ("trackParcel", None),
            ("setup", None),
            ("", None),
            ("__", None),
            ("ÜberDelete", Some("delete")),
        ];
        for (name, expect) in cases {
            assert_eq!(state_changing_verb(name), *expect, "{name}");
        }
    }
}
