//! The project's shared resources: guardrail and knowledge-base names are distinct, and a
//! guardrail's policies hold only values CreateGuardrail accepts (its fixed sets of actions,
//! strengths and types, and booleans where it takes booleans).
//!
//! The policies are kept as the API's JSON so they round-trip unchanged; this walks that JSON
//! against the shapes of the Bedrock service model, with the value sets of the policy types the
//! guardrail engine reads (`guardrail::policy`), so a `"deny"`, `"high"` or `42` is an error
//! at the guardrail and field that hold it instead of a value the export passes on.

use crate::compile::DistinctNames;
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::guardrail::policy::{
    BlockAction, ContentFilterType, FilterStrength, ManagedWordList, PiiEntityType, PolicyAction,
    TierName, TopicType,
};
use crate::lenient::{Lenient, StrEnum};
use crate::model::{Guardrail, Project};
use serde_json::Value;

const ACTIONS: Member = Member::one_of::<BlockAction>();
const SENSITIVE_ACTIONS: Member = Member::one_of::<PolicyAction>();
const STRENGTHS: Member = Member::one_of::<FilterStrength>();

/// What one member of a policy entry may hold.
#[derive(Clone, Copy)]
enum Member {
    /// A value of an enum of the guardrail's types: whether a text is one, and the list of
    /// them for the hint.
    OneOf {
        accepts: fn(&str) -> bool,
        expected: fn() -> String,
    },
    Boolean,
    Text,
}

impl Member {
    const fn one_of<T: StrEnum>() -> Member {
        Member::OneOf {
            accepts: |s| T::parse(s).is_some(),
            expected: Lenient::<T>::expected,
        }
    }
}

/// One list of entries in a policy (`topicsConfig`, `filtersConfig`, …) and its members.
struct EntryList {
    key: &'static str,
    members: &'static [(&'static str, Member)],
}

/// One policy of CreateGuardrail: its lists of entries and its tier.
struct PolicyShape {
    key: &'static str,
    lists: &'static [EntryList],
    tier: Option<&'static str>,
}

const ENABLED: [(&str, Member); 2] = [
    ("inputEnabled", Member::Boolean),
    ("outputEnabled", Member::Boolean),
];

const POLICIES: &[PolicyShape] = &[
    PolicyShape {
        key: "topicPolicyConfig",
        tier: Some("tierConfig"),
        lists: &[EntryList {
            key: "topicsConfig",
            members: &[
                ("name", Member::Text),
                ("definition", Member::Text),
                ("type", Member::one_of::<TopicType>()),
                ("inputAction", ACTIONS),
                ("outputAction", ACTIONS),
                ENABLED[0],
                ENABLED[1],
            ],
        }],
    },
    PolicyShape {
        key: "contentPolicyConfig",
        tier: Some("tierConfig"),
        lists: &[EntryList {
            key: "filtersConfig",
            members: &[
                ("type", Member::one_of::<ContentFilterType>()),
                ("inputStrength", STRENGTHS),
                ("outputStrength", STRENGTHS),
                ("inputAction", ACTIONS),
                ("outputAction", ACTIONS),
                ENABLED[0],
                ENABLED[1],
            ],
        }],
    },
    PolicyShape {
        key: "wordPolicyConfig",
        tier: None,
        lists: &[
            EntryList {
                key: "wordsConfig",
                members: &[
                    ("text", Member::Text),
                    ("inputAction", ACTIONS),
                    ("outputAction", ACTIONS),
                    ENABLED[0],
                    ENABLED[1],
                ],
            },
            EntryList {
                key: "managedWordListsConfig",
                members: &[
                    ("type", Member::one_of::<ManagedWordList>()),
                    ("inputAction", ACTIONS),
                    ("outputAction", ACTIONS),
                    ENABLED[0],
                    ENABLED[1],
                ],
            },
        ],
    },
    PolicyShape {
        key: "sensitiveInformationPolicyConfig",
        tier: None,
        lists: &[
            EntryList {
                key: "piiEntitiesConfig",
                members: &[
                    ("type", Member::one_of::<PiiEntityType>()),
                    ("action", SENSITIVE_ACTIONS),
                    ("inputAction", SENSITIVE_ACTIONS),
                    ("outputAction", SENSITIVE_ACTIONS),
                    ENABLED[0],
                    ENABLED[1],
                ],
            },
            EntryList {
                key: "regexesConfig",
                members: &[
                    ("name", Member::Text),
                    ("pattern", Member::Text),
                    ("description", Member::Text),
                    ("action", SENSITIVE_ACTIONS),
                    ("inputAction", SENSITIVE_ACTIONS),
                    ("outputAction", SENSITIVE_ACTIONS),
                    ENABLED[0],
                    ENABLED[1],
                ],
            },
        ],
    },
];

/// Checks the project's guardrails and knowledge bases.
pub(super) fn check_resources(project: &Project, out: &mut Diagnostics) {
    let mut guardrails = DistinctNames::new("guardrails")
        .code(Code::DuplicateResourceName)
        .hint("Rename one of them: the exports know a guardrail by its name.");
    for g in &project.guardrails {
        guardrails.check(&g.name, &Location::guardrail(&g.name), out);
        check_guardrail(g, out);
    }
    let mut knowledge_bases = DistinctNames::new("knowledge bases")
        .code(Code::DuplicateResourceName)
        .hint("Rename one of them: nodes and exports know a knowledge base by its name.");
    for kb in &project.knowledge_bases {
        knowledge_bases.check(&kb.name, &Location::knowledge_base(&kb.name), out);
    }
}

fn policy<'a>(g: &'a Guardrail, key: &str) -> Option<&'a Value> {
    match key {
        "topicPolicyConfig" => g.topic_policy_config.as_ref(),
        "contentPolicyConfig" => g.content_policy_config.as_ref(),
        "wordPolicyConfig" => g.word_policy_config.as_ref(),
        "sensitiveInformationPolicyConfig" => g.sensitive_information_policy_config.as_ref(),
        _ => None,
    }
}

fn check_guardrail(g: &Guardrail, out: &mut Diagnostics) {
    let at = Location::guardrail(&g.name);
    for shape in POLICIES {
        let Some(value) = policy(g, shape.key) else {
            continue;
        };
        let Some(object) = value.as_object() else {
            wrong(out, &at, shape.key, value, "an object");
            continue;
        };
        for list in shape.lists {
            let Some(entries) = object.get(list.key) else {
                continue;
            };
            let path = format!("{}.{}", shape.key, list.key);
            let Some(entries) = entries.as_array() else {
                wrong(out, &at, &path, entries, "a list");
                continue;
            };
            for (i, entry) in entries.iter().enumerate() {
                let path = format!("{path}[{i}]");
                let Some(entry) = entry.as_object() else {
                    wrong(out, &at, &path, entry, "an object");
                    continue;
                };
                for (member, kind) in list.members {
                    if let Some(v) = entry.get(*member) {
                        check_member(out, &at, &format!("{path}.{member}"), v, *kind);
                    }
                }
            }
        }
        if let Some(tier) = shape.tier.and_then(|t| object.get(t)) {
            let path = format!("{}.tierConfig", shape.key);
            match tier.as_object() {
                Some(tier) => {
                    if let Some(v) = tier.get("tierName") {
                        check_member(
                            out,
                            &at,
                            &format!("{path}.tierName"),
                            v,
                            Member::one_of::<TierName>(),
                        );
                    }
                }
                None => wrong(out, &at, &path, tier, "an object"),
            }
        }
    }
}

fn check_member(out: &mut Diagnostics, at: &Location, path: &str, value: &Value, kind: Member) {
    match kind {
        Member::Boolean if !value.is_boolean() => wrong(out, at, path, value, "true or false"),
        Member::Text if !value.is_string() => wrong(out, at, path, value, "a string"),
        Member::OneOf { accepts, expected } if !value.as_str().is_some_and(accepts) => {
            out.report(
                Code::InvalidGuardrailField,
                at.field(path),
                format!("{path} is {value}, which CreateGuardrail does not accept"),
            )
            .set_hint(format!("Use one of: {}.", expected()));
        }
        _ => {}
    }
}

fn wrong(out: &mut Diagnostics, at: &Location, path: &str, value: &Value, expected: &str) {
    out.report(
        Code::InvalidGuardrailField,
        at.field(path),
        format!("{path} is {value}; CreateGuardrail expects {expected}"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lenient::StrEnum;
    use serde_json::json;

    fn check(project: serde_json::Value) -> Vec<String> {
        let project: Project = serde_json::from_value(project).expect("project");
        let mut out = Diagnostics::default();
        check_resources(&project, &mut out);
        out.into_vec()
            .iter()
            .map(|d| format!("{} at {}", d.code.as_str(), d.location))
            .collect()
    }

    #[test]
    fn wrong_strengths_actions_and_types_are_errors_at_their_field() {
        let found = check(json!({"schemaVersion": 1, "name": "p", "guardrails": [{
            "name": "safety",
            "contentPolicyConfig": {"filtersConfig": [
                {"type": "HATE", "inputStrength": "high", "outputStrength": "HIGH"}
            ]},
            "topicPolicyConfig": {"topicsConfig": [
                {"name": "Investing", "definition": "Advice.", "type": "deny"}
            ]},
            "sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [
                {"type": 42, "action": "BLOCK", "inputEnabled": "yes"}
            ]}
        }]}));
        assert_eq!(
            found,
            [
                "InvalidGuardrailField at guardrail \"safety\" › field \"topicPolicyConfig.topicsConfig[0].type\"",
                "InvalidGuardrailField at guardrail \"safety\" › field \"contentPolicyConfig.filtersConfig[0].inputStrength\"",
                "InvalidGuardrailField at guardrail \"safety\" › field \"sensitiveInformationPolicyConfig.piiEntitiesConfig[0].type\"",
                "InvalidGuardrailField at guardrail \"safety\" › field \"sensitiveInformationPolicyConfig.piiEntitiesConfig[0].inputEnabled\"",
            ]
        );
    }

    #[test]
    fn a_well_formed_guardrail_passes() {
        let found = check(json!({"schemaVersion": 1, "name": "p", "guardrails": [{
            "name": "safety",
            "contentPolicyConfig": {"filtersConfig": [
                {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}
            ], "tierConfig": {"tierName": "STANDARD"}},
            "wordPolicyConfig": {"managedWordListsConfig": [{"type": "PROFANITY"}]},
            "sensitiveInformationPolicyConfig": {"regexesConfig": [
                {"name": "id", "pattern": "X-\\d+", "action": "ANONYMIZE", "outputEnabled": false}
            ]}
        }]}));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn duplicate_guardrail_and_knowledge_base_names_are_errors() {
        let found = check(json!({"schemaVersion": 1, "name": "p",
            "guardrails": [{"name": "safety"}, {"name": "safety"}],
            "knowledgeBases": [{"name": "docs"}, {"name": "docs"}]
        }));
        assert_eq!(
            found,
            [
                "DuplicateResourceName at guardrail \"safety\"",
                "DuplicateResourceName at knowledge base \"docs\"",
            ]
        );
    }
}
