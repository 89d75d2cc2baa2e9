//! Bedrock's `ApplyGuardrail` (`aws-sdk-bedrockruntime`) for guardrails that live in the AWS
//! account rather than in the project: an agent whose `guardrailConfiguration` names one is
//! checked by the service itself, and the answer is read into the same
//! [`GuardrailOutcome`] the local engine gives, so the trace reads the same either way.

use super::bedrock::BedrockSettings;
use crate::guardrail::{
    ContentFilterMatch, ContentPolicyAssessment, GuardrailAction, GuardrailAssessment,
    GuardrailOutcome, ManagedWordMatch, PiiMatch, RegexMatch, SensitiveInformationAssessment,
    Source, TopicMatch, TopicPolicyAssessment, WordMatch, WordPolicyAssessment,
};
use aws_sdk_bedrockruntime::types as bt;
use aws_sdk_bedrockruntime::Client;
use tokio::sync::OnceCell;

/// Applies account guardrails through Bedrock. Cheap to clone; clones share the client, which
/// loads the AWS configuration at the first call.
#[derive(Clone)]
pub struct BedrockGuardrails {
    settings: BedrockSettings,
    /// The client, or why the AWS configuration gave none (no credentials).
    client: std::sync::Arc<OnceCell<Result<Client, String>>>,
}

impl std::fmt::Debug for BedrockGuardrails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BedrockGuardrails")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Why `ApplyGuardrail` gave no outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ApplyGuardrail on guardrail {guardrail} (version {version}): {message}")]
pub struct GuardrailCallError {
    pub guardrail: String,
    pub version: String,
    pub message: String,
}

impl BedrockGuardrails {
    /// Loads the configuration (credential chain, `settings`' profile, region and endpoint)
    /// at the first call.
    pub fn lazy(settings: BedrockSettings) -> BedrockGuardrails {
        BedrockGuardrails {
            settings,
            client: std::sync::Arc::new(OnceCell::new()),
        }
    }

    /// On a client made by the caller (tests point one at a fake server).
    pub fn from_client(client: Client) -> BedrockGuardrails {
        BedrockGuardrails {
            settings: BedrockSettings::default(),
            client: std::sync::Arc::new(OnceCell::new_with(Some(Ok(client)))),
        }
    }

    /// The client, loaded (and checked for credentials) at the first call.
    async fn client(&self) -> Result<&Client, String> {
        self.client
            .get_or_init(|| async {
                let config = self.settings.load_checked("").await?;
                Ok(Client::new(&config))
            })
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Checks `text` as the `source` side with guardrail `identifier` at `version`
    /// (`DRAFT` when none is given).
    pub async fn apply(
        &self,
        identifier: &str,
        version: Option<&str>,
        source: Source,
        text: &str,
    ) -> Result<GuardrailOutcome, GuardrailCallError> {
        let version = version.unwrap_or("DRAFT");
        let fail = |message: String| GuardrailCallError {
            guardrail: identifier.to_owned(),
            version: version.to_owned(),
            message,
        };
        let block = bt::GuardrailTextBlock::builder()
            .text(text)
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let output = self
            .client()
            .await
            .map_err(&fail)?
            .apply_guardrail()
            .guardrail_identifier(identifier)
            .guardrail_version(version)
            .source(match source {
                Source::Input => bt::GuardrailContentSource::Input,
                Source::Output => bt::GuardrailContentSource::Output,
            })
            .content(bt::GuardrailContentBlock::Text(block))
            .send()
            .await
            .map_err(|e| fail(super::bedrock::map_sdk_error(e).to_string()))?;
        let action = match output.action() {
            bt::GuardrailAction::GuardrailIntervened => GuardrailAction::GuardrailIntervened,
            bt::GuardrailAction::None => GuardrailAction::None,
            other => {
                return Err(fail(format!(
                    "the service answered an unknown action {:?}",
                    other.as_str()
                )))
            }
        };
        let assessment = output
            .assessments()
            .iter()
            .map(assessment)
            .fold(GuardrailAssessment::default(), merge);
        let blocked = action == GuardrailAction::GuardrailIntervened && blocks(&assessment);
        let output_text: String = output.outputs().iter().filter_map(|o| o.text()).collect();
        Ok(GuardrailOutcome {
            action,
            blocked,
            // Not intervened: the service sends no output and the text stands.
            output: if action == GuardrailAction::None || output.outputs().is_empty() {
                text.to_owned()
            } else {
                output_text
            },
            assessment,
        })
    }
}

/// Whether any policy in the assessment blocked (rather than masked) something.
fn blocks(a: &GuardrailAssessment) -> bool {
    let blocked = |action: &str| action == "BLOCKED";
    a.topic_policy
        .as_ref()
        .is_some_and(|t| t.topics.iter().any(|m| blocked(&m.action)))
        || a.content_policy
            .as_ref()
            .is_some_and(|c| c.filters.iter().any(|m| blocked(&m.action)))
        || a.word_policy.as_ref().is_some_and(|w| {
            w.custom_words.iter().any(|m| blocked(&m.action))
                || w.managed_word_lists.iter().any(|m| blocked(&m.action))
        })
        || a.sensitive_information_policy.as_ref().is_some_and(|s| {
            s.pii_entities.iter().any(|m| blocked(&m.action))
                || s.regexes.iter().any(|m| blocked(&m.action))
        })
}

fn assessment(a: &bt::GuardrailAssessment) -> GuardrailAssessment {
    GuardrailAssessment {
        topic_policy: a.topic_policy().map(|t| TopicPolicyAssessment {
            topics: t
                .topics()
                .iter()
                .map(|m| TopicMatch {
                    name: m.name().to_owned(),
                    topic_type: m.r#type().as_str().to_owned(),
                    action: m.action().as_str().to_owned(),
                })
                .collect(),
        }),
        content_policy: a.content_policy().map(|c| ContentPolicyAssessment {
            filters: c
                .filters()
                .iter()
                .map(|m| ContentFilterMatch {
                    filter_type: m.r#type().as_str().to_owned(),
                    confidence: m.confidence().as_str().to_owned(),
                    action: m.action().as_str().to_owned(),
                })
                .collect(),
        }),
        word_policy: a.word_policy().map(|w| WordPolicyAssessment {
            custom_words: w
                .custom_words()
                .iter()
                .map(|m| WordMatch {
                    matched: m.r#match().to_owned(),
                    action: m.action().as_str().to_owned(),
                })
                .collect(),
            managed_word_lists: w
                .managed_word_lists()
                .iter()
                .map(|m| ManagedWordMatch {
                    matched: m.r#match().to_owned(),
                    list_type: m.r#type().as_str().to_owned(),
                    action: m.action().as_str().to_owned(),
                })
                .collect(),
        }),
        sensitive_information_policy: a.sensitive_information_policy().map(|s| {
            SensitiveInformationAssessment {
                pii_entities: s
                    .pii_entities()
                    .iter()
                    .map(|m| PiiMatch {
                        entity_type: m.r#type().as_str().to_owned(),
                        matched: m.r#match().to_owned(),
                        action: m.action().as_str().to_owned(),
                    })
                    .collect(),
                regexes: s
                    .regexes()
                    .iter()
                    .map(|m| RegexMatch {
                        name: m.name().unwrap_or_default().to_owned(),
                        regex: m.regex().unwrap_or_default().to_owned(),
                        matched: m.r#match().unwrap_or_default().to_owned(),
                        action: m.action().as_str().to_owned(),
                    })
                    .collect(),
            }
        }),
    }
}

/// The service may answer one assessment per content block; the trace keeps one per side.
fn merge(mut into: GuardrailAssessment, next: GuardrailAssessment) -> GuardrailAssessment {
    fn join<T>(a: Option<T>, b: Option<T>, f: impl FnOnce(&mut T, T)) -> Option<T> {
        match (a, b) {
            (Some(mut a), Some(b)) => {
                f(&mut a, b);
                Some(a)
            }
            (a, b) => a.or(b),
        }
    }
    into.topic_policy = join(into.topic_policy, next.topic_policy, |a, b| {
        a.topics.extend(b.topics);
    });
    into.content_policy = join(into.content_policy, next.content_policy, |a, b| {
        a.filters.extend(b.filters);
    });
    into.word_policy = join(into.word_policy, next.word_policy, |a, b| {
        a.custom_words.extend(b.custom_words);
        a.managed_word_lists.extend(b.managed_word_lists);
    });
    into.sensitive_information_policy = join(
        into.sensitive_information_policy,
        next.sensitive_information_policy,
        |a, b| {
            a.pii_entities.extend(b.pii_entities);
            a.regexes.extend(b.regexes);
        },
    );
    into
}
