//! What model calls cost: a price table per model id, overridable per model profile.
//!
//! Prices are on-demand USD per 1,000 tokens in us-east-1 as published by AWS; they change,
//! so a project's model profile may carry its own (`pricePer1kTokens`), which wins.

pub use crate::model::resources::Price;
use crate::model::Project;

/// Model id prefixes (after any inference-profile region prefix) and their prices.
static TABLE: &[(&str, Price)] = &[
    (
        "anthropic.claude-3-haiku",
        Price {
            input: 0.000_25,
            output: 0.001_25,
        },
    ),
    (
        "anthropic.claude-3-5-haiku",
        Price {
            input: 0.000_8,
            output: 0.004,
        },
    ),
    (
        "anthropic.claude-3-5-sonnet",
        Price {
            input: 0.003,
            output: 0.015,
        },
    ),
    (
        "anthropic.claude-3-7-sonnet",
        Price {
            input: 0.003,
            output: 0.015,
        },
    ),
    (
        "anthropic.claude-sonnet-4",
        Price {
            input: 0.003,
            output: 0.015,
        },
    ),
    (
        "anthropic.claude-3-sonnet",
        Price {
            input: 0.003,
            output: 0.015,
        },
    ),
    (
        "anthropic.claude-3-opus",
        Price {
            input: 0.015,
            output: 0.075,
        },
    ),
    (
        "anthropic.claude-opus-4",
        Price {
            input: 0.015,
            output: 0.075,
        },
    ),
    (
        "anthropic.claude-v2",
        Price {
            input: 0.008,
            output: 0.024,
        },
    ),
    (
        "anthropic.claude-instant",
        Price {
            input: 0.000_8,
            output: 0.002_4,
        },
    ),
    (
        "amazon.nova-micro",
        Price {
            input: 0.000_035,
            output: 0.000_14,
        },
    ),
    (
        "amazon.nova-lite",
        Price {
            input: 0.000_06,
            output: 0.000_24,
        },
    ),
    (
        "amazon.nova-pro",
        Price {
            input: 0.000_8,
            output: 0.003_2,
        },
    ),
    (
        "amazon.titan-text-express",
        Price {
            input: 0.000_2,
            output: 0.000_6,
        },
    ),
    (
        "amazon.titan-text-lite",
        Price {
            input: 0.000_15,
            output: 0.000_2,
        },
    ),
    (
        "meta.llama3-1-8b",
        Price {
            input: 0.000_22,
            output: 0.000_22,
        },
    ),
    (
        "meta.llama3-1-70b",
        Price {
            input: 0.000_72,
            output: 0.000_72,
        },
    ),
    (
        "meta.llama3-8b",
        Price {
            input: 0.000_3,
            output: 0.000_6,
        },
    ),
    (
        "meta.llama3-70b",
        Price {
            input: 0.002_65,
            output: 0.003_5,
        },
    ),
    (
        "mistral.mistral-large",
        Price {
            input: 0.004,
            output: 0.012,
        },
    ),
    (
        "mistral.mistral-small",
        Price {
            input: 0.001,
            output: 0.003,
        },
    ),
    (
        "mistral.mistral-7b",
        Price {
            input: 0.000_15,
            output: 0.000_2,
        },
    ),
    (
        "cohere.command-r-plus",
        Price {
            input: 0.003,
            output: 0.015,
        },
    ),
    (
        "cohere.command-r",
        Price {
            input: 0.000_5,
            output: 0.001_5,
        },
    ),
];

/// The bare model id: without an ARN prefix or an inference-profile region prefix.
pub fn base_model_id(model_id: &str) -> &str {
    let id = model_id.rsplit('/').next().unwrap_or(model_id);
    for prefix in [
        "us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca.",
    ] {
        if let Some(rest) = id.strip_prefix(prefix) {
            return rest;
        }
    }
    id
}

/// The price of a model: the project's model profile serving it, else the built-in table.
pub fn price(project: Option<&Project>, model_id: &str) -> Option<Price> {
    if let Some(p) = project.and_then(|p| {
        p.model_profiles
            .iter()
            .find(|m| {
                m.serves.iter().any(|s| s == model_id) || m.model_id.as_deref() == Some(model_id)
            })
            .and_then(|m| m.price_per_1k_tokens)
    }) {
        return Some(p);
    }
    let base = base_model_id(model_id);
    TABLE
        .iter()
        .filter(|(prefix, _)| base.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, p)| *p)
}

/// The cost in USD of a call, when the model's price is known.
pub fn cost(
    project: Option<&Project>,
    model_id: &str,
    input_tokens: u64,
    output_tokens: u64,
) -> Option<f64> {
    let p = price(project, model_id)?;
    Some((input_tokens as f64 * p.input + output_tokens as f64 * p.output) / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins_and_profiles_are_stripped() {
        assert_eq!(
            base_model_id("us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
            "anthropic.claude-3-5-sonnet-20241022-v2:0"
        );
        assert_eq!(
            base_model_id("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"),
            "amazon.nova-lite-v1:0"
        );
        let haiku35 = price(None, "anthropic.claude-3-5-haiku-20241022-v1:0").unwrap();
        assert_eq!(haiku35.input, 0.000_8);
        let rplus = price(None, "cohere.command-r-plus-v1:0").unwrap();
        assert_eq!(rplus.output, 0.015);
        assert!(price(None, "someone.unknown-model").is_none());
    }

    #[test]
    fn cost_of_a_call() {
        let c = cost(None, "anthropic.claude-3-haiku-20240307-v1:0", 1000, 1000).unwrap();
        assert!((c - 0.0015).abs() < 1e-12);
    }

    #[test]
    fn a_profile_price_overrides_the_table() {
        let mut p = Project::new("x");
        p.model_profiles.push(crate::model::ModelProfile {
            name: "local".into(),
            provider: "openai".into(),
            model_id: Some("llama3".into()),
            region: None,
            base_url: None,
            script: None,
            serves: vec!["anthropic.claude-3-haiku-20240307-v1:0".into()],
            price_per_1k_tokens: Some(Price {
                input: 0.0,
                output: 0.0,
            }),
        });
        assert_eq!(
            cost(Some(&p), "anthropic.claude-3-haiku-20240307-v1:0", 500, 500),
            Some(0.0)
        );
    }
}
