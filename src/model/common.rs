//! Shapes the API uses in several places: guardrail references and inference settings.

use crate::diagnostic::{Diagnostics, Location};
use crate::model::names::{check_range, Field, Pattern};
use serde::{Deserialize, Serialize};

/// `GuardrailConfiguration` (flows and agents).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardrailConfiguration {
    pub guardrail_identifier: Option<String>,
    pub guardrail_version: Option<String>,
}

impl GuardrailConfiguration {
    pub fn check(&self, out: &mut Diagnostics, at: &Location, prefix: &str) {
        if let Some(id) = &self.guardrail_identifier {
            Field::new(&format!("{prefix}.guardrailIdentifier"), 0, 2048)
                .pattern(Pattern::GuardrailIdentifier)
                .check(out, at, id);
        }
        if let Some(v) = &self.guardrail_version {
            Field::new(&format!("{prefix}.guardrailVersion"), 1, 8)
                .pattern(Pattern::GuardrailVersion)
                .check(out, at, v);
        }
    }
}

/// `PromptInferenceConfiguration`: a union whose only member is `text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InferenceConfiguration {
    Text(TextInference),
}

impl InferenceConfiguration {
    pub fn text(&self) -> &TextInference {
        match self {
            InferenceConfiguration::Text(t) => t,
        }
    }

    pub fn check(&self, out: &mut Diagnostics, at: &Location, prefix: &str) {
        self.text().check(out, at, &format!("{prefix}.text"));
    }
}

/// `PromptModelInferenceConfiguration`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextInference {
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
}

impl TextInference {
    pub fn check(&self, out: &mut Diagnostics, at: &Location, prefix: &str) {
        if let Some(t) = self.temperature {
            check_range(out, at, &format!("{prefix}.temperature"), t, 0.0, 1.0);
        }
        if let Some(p) = self.top_p {
            check_range(out, at, &format!("{prefix}.topP"), p, 0.0, 1.0);
        }
        if self.stop_sequences.len() > 4 {
            check_range(
                out,
                at,
                &format!("{prefix}.stopSequences (count)"),
                self.stop_sequences.len(),
                0,
                4,
            );
        }
    }
}
