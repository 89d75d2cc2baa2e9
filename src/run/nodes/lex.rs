//! The Lex node, answered from a fixture: Amazon Lex has no local equivalent, so a run reads
//! `<project>/.strata/lex/<botAliasId>.json` and predicts the intent from it.
//!
//! The fixture maps utterances to intents, either flat or under `utterances`, with an optional
//! `fallbackIntent` (default `FallbackIntent`, as Lex names it):
//!
//! ```json
//! {"utterances": {"order a pizza": "OrderPizza", "pizza": "OrderPizza"},
//!  "fallbackIntent": "FallbackIntent"}
//! ```
//!
//! An utterance equal to a key (ignoring case and surrounding space) wins; otherwise the
//! longest key contained in the input; otherwise the fallback.

use super::{single, string_input, Action, Call, Done};
use crate::model::flow::FlowNode;
use crate::nodes::lex::LexConfiguration;
use crate::run::{type_name, NodeError};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tokio::time::Instant;

/// What Lex predicts when nothing matches.
pub(super) const FALLBACK_INTENT: &str = "FallbackIntent";

node_run!(
    /// Predicts the intent from the bot alias's fixture.
    Lex(config) => execute
);

async fn execute(
    Call { run, node, inputs }: Call<'_>,
    config: &LexConfiguration,
) -> Result<Done, NodeError> {
    let text = string_input(node, inputs, "inputText")?.to_owned();
    let Some(alias_id) = bot_alias_id(&config.bot_alias_arn) else {
        return Err(NodeError::NoLocalEquivalent {
            node: node.name.clone(),
            message: format!(
                "Lex has no local equivalent, and botAliasArn {:?} names no bot alias (expected arn:aws:lex:<region>:<account>:bot-alias/<botId>/<botAliasId>) to find a fixture for",
                config.bot_alias_arn
            ),
        });
    };
    let path = fixture_path(&run.ctx.project_dir, alias_id);
    let began = Instant::now();
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(NodeError::NoLocalEquivalent {
                node: node.name.clone(),
                message: format!(
                    "Lex has no local equivalent: add a fixture at {} mapping utterances to intents, e.g. {{\"utterances\": {{\"order a pizza\": \"OrderPizza\"}}}}",
                    path.display()
                ),
            })
        }
        Err(e) => return Err(fixture_error(node, &path, e.to_string())),
    };
    let fixture: Value = serde_json::from_slice(&bytes)
        .map_err(|e| fixture_error(node, &path, format!("not JSON: {e}")))?;
    let intent = predict(&fixture, &text).map_err(|m| fixture_error(node, &path, m))?;
    Action {
        service: "lex (fixture)",
        operation: "RecognizeText",
        request: json!({
            "botAliasArn": config.bot_alias_arn,
            "localeId": config.locale_id,
            "text": text,
            "fixture": path.display().to_string(),
        }),
        response: json!({"predictedIntent": intent}),
    }
    .report(run, node, began)
    .await;
    Ok(single("predictedIntent", Value::String(intent)))
}

fn fixture_error(node: &FlowNode, path: &Path, message: String) -> NodeError {
    NodeError::Fixture {
        node: node.name.clone(),
        path: path.display().to_string(),
        message,
    }
}

/// `<project>/.strata/lex/<botAliasId>.json`.
pub(super) fn fixture_path(project_dir: &Path, alias_id: &str) -> PathBuf {
    project_dir
        .join(".strata")
        .join("lex")
        .join(format!("{alias_id}.json"))
}

/// The alias id of `arn:aws:lex:<region>:<account>:bot-alias/<botId>/<botAliasId>`; only
/// plain ids, so the fixture path stays in its folder.
pub(super) fn bot_alias_id(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let mut parts = resource.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("bot-alias"), Some(bot), Some(alias), None)
            if !bot.is_empty()
                && !alias.is_empty()
                && alias.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Some(alias)
        }
        _ => None,
    }
}

/// The intent a fixture predicts for `text`.
pub(super) fn predict(fixture: &Value, text: &str) -> Result<String, String> {
    let Value::Object(top) = fixture else {
        return Err("expected an object mapping utterances to intents".to_owned());
    };
    let fallback = match top.get("fallbackIntent") {
        None => FALLBACK_INTENT.to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(format!(
                "fallbackIntent must be a string, not {}",
                type_name(other)
            ))
        }
    };
    let table = match top.get("utterances") {
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(format!(
                "utterances must be an object, not {}",
                type_name(other)
            ))
        }
        None => top,
    };
    let mut pairs = Vec::new();
    for (utterance, intent) in table {
        if utterance == "fallbackIntent" {
            continue;
        }
        let Value::String(intent) = intent else {
            return Err(format!(
                "the intent for {utterance:?} must be a string, not {}",
                type_name(intent)
            ));
        };
        pairs.push((utterance.trim().to_lowercase(), intent));
    }
    let wanted = text.trim().to_lowercase();
    if let Some((_, intent)) = pairs.iter().find(|(u, _)| *u == wanted) {
        return Ok((*intent).clone());
    }
    let best = pairs
        .iter()
        .filter(|(u, _)| !u.is_empty() && wanted.contains(u.as_str()))
        .max_by_key(|(u, _)| u.len());
    Ok(best.map_or(fallback, |(_, intent)| (*intent).clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_ids_come_from_bot_alias_arns() {
        assert_eq!(
            bot_alias_id("arn:aws:lex:us-east-1:123456789012:bot-alias/BOT1234567/TSTALIASID"),
            Some("TSTALIASID")
        );
        assert_eq!(bot_alias_id(""), None);
        assert_eq!(
            bot_alias_id("arn:aws:lex:us-east-1:1:bot-alias/B/../x"),
            None
        );
    }

    #[test]
    fn exact_then_longest_substring_then_fallback() {
        let f = json!({"utterances": {"pizza": "OrderPizza", "cancel my pizza": "Cancel",
                                      "Hello": "Greet"}});
        assert_eq!(predict(&f, " hello ").unwrap(), "Greet");
        assert_eq!(predict(&f, "please cancel my pizza now").unwrap(), "Cancel");
        assert_eq!(predict(&f, "a pizza please").unwrap(), "OrderPizza");
        assert_eq!(predict(&f, "weather?").unwrap(), FALLBACK_INTENT);
        let flat = json!({"hi": "Greet", "fallbackIntent": "Nope"});
        assert_eq!(predict(&flat, "bye").unwrap(), "Nope");
        assert!(predict(&json!({"hi": 1}), "hi").is_err());
        assert!(predict(&json!([]), "hi").is_err());
    }
}
