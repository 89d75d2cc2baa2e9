//! Checking one case's outcome against its expectations. Every expectation gives a verdict with
//! a detail a person can read; rubric expectations are scored by the judge model, so here they
//! only get their prompt (`judge_prompt`) and their reply read (`read_judge_reply`).

use super::report::Check;
use super::suite::{CallOrder, Expectation, Rubric, ToolCall};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a variant did with one case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The flow's output document (the first Output node's, or all of them as an object keyed
    /// by node when there are several), or the agent's last reply.
    pub output: Value,
    pub latency_ms: u64,
    /// `None` when a model used has no price.
    pub cost_usd: Option<f64>,
    pub model_calls: u64,
    pub tool_calls: Vec<ToolCall>,
    /// Why the run failed, when it did: every expectation then fails with it.
    pub error: Option<String>,
}

/// The verdict on `expectation`, or `None` for a rubric, which the judge decides.
pub fn check(expectation: &Expectation, outcome: &Outcome) -> Option<Check> {
    let verdict = |pass: bool, detail: String| {
        Some(Check {
            kind: expectation.kind().to_owned(),
            pass,
            detail,
        })
    };
    if let Some(error) = &outcome.error {
        if !matches!(expectation, Expectation::Judge(_)) {
            return verdict(false, format!("the run failed: {error}"));
        }
    }
    let text = text_of(&outcome.output);
    match expectation {
        Expectation::Equals(want) => {
            let pass = &outcome.output == want || matches!(want, Value::String(s) if *s == text);
            verdict(pass, format!("got {}", short(&text)))
        }
        Expectation::Contains(needle) => verdict(
            text.contains(needle.as_str()),
            format!("{needle:?} in {}", short(&text)),
        ),
        Expectation::NotContains(needle) => verdict(
            !text.contains(needle.as_str()),
            format!("{needle:?} not in {}", short(&text)),
        ),
        Expectation::Regex(pattern) => match regex::Regex::new(pattern) {
            Ok(re) => verdict(
                re.is_match(&text),
                format!("/{pattern}/ on {}", short(&text)),
            ),
            Err(e) => verdict(
                false,
                format!("{pattern:?} is not a regular expression: {e}"),
            ),
        },
        Expectation::JsonSchema(schema) => {
            let document = as_json(&outcome.output);
            match compile_schema(schema) {
                Ok(validator) => {
                    let errors: Vec<String> = validator
                        .iter_errors(&document)
                        .take(3)
                        .map(|e| format!("{} at {}", e, e.instance_path()))
                        .collect();
                    verdict(
                        errors.is_empty(),
                        if errors.is_empty() {
                            "valid".to_owned()
                        } else {
                            errors.join("; ")
                        },
                    )
                }
                Err(message) => verdict(false, message),
            }
        }
        Expectation::JsonPath(p) => match serde_json_path::JsonPath::parse(&p.path) {
            Ok(path) => {
                let document = as_json(&outcome.output);
                let found = path.query(&document).all();
                let pass = found.len() == 1 && found[0] == &p.equals;
                let got = match found.as_slice() {
                    [] => "nothing".to_owned(),
                    [one] => short(&one.to_string()),
                    many => format!("{} values", many.len()),
                };
                verdict(pass, format!("{} is {got}", p.path))
            }
            Err(e) => verdict(false, format!("{:?} is not a JSONPath: {e}", p.path)),
        },
        Expectation::MaxLatencyMs(max) => verdict(
            outcome.latency_ms <= *max,
            format!("{} ms (at most {max})", outcome.latency_ms),
        ),
        Expectation::MaxCostUsd(max) => match outcome.cost_usd {
            Some(cost) => verdict(cost <= *max, format!("${cost:.6} (at most ${max})")),
            None => verdict(
                false,
                "the cost is unknown: a model has no price".to_owned(),
            ),
        },
        Expectation::MaxModelCalls(max) => verdict(
            outcome.model_calls <= *max,
            format!("{} model calls (at most {max})", outcome.model_calls),
        ),
        Expectation::ToolCalls(expected) => {
            let (pass, detail) =
                tool_calls_match(&expected.calls, expected.order, &outcome.tool_calls);
            verdict(pass, detail)
        }
        Expectation::Judge(_) => None,
    }
}

/// Compiles a JSON Schema (its `$schema` decides the draft; 2020-12 by default).
pub fn compile_schema(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::validator_for(schema).map_err(|e| format!("the JSON Schema is malformed: {e}"))
}

/// Whether `actual` holds the `expected` calls (each with at least its arguments), in order
/// (others may come between) or in any order; the detail names the first call missing.
fn tool_calls_match(
    expected: &[ToolCall],
    order: CallOrder,
    actual: &[ToolCall],
) -> (bool, String) {
    let fits = |want: &ToolCall, got: &ToolCall| {
        want.action_group == got.action_group
            && want.function == got.function
            && want
                .arguments
                .iter()
                .all(|(k, v)| got.arguments.get(k) == Some(v))
    };
    let mut used = vec![false; actual.len()];
    let mut from = 0;
    for want in expected {
        let found = match order {
            CallOrder::InOrder => actual[from..]
                .iter()
                .position(|got| fits(want, got))
                .map(|i| i + from),
            CallOrder::AnyOrder => actual
                .iter()
                .enumerate()
                .position(|(i, got)| !used[i] && fits(want, got)),
        };
        match found {
            Some(i) => {
                used[i] = true;
                from = i + 1;
            }
            None => {
                let made: Vec<String> = actual
                    .iter()
                    .map(|c| format!("{}.{}", c.action_group, c.function))
                    .collect();
                return (
                    false,
                    format!(
                        "no call {}.{} with {}{} (calls made: {})",
                        want.action_group,
                        want.function,
                        Value::Object(want.arguments.clone()),
                        if order == CallOrder::InOrder {
                            " after the calls before it"
                        } else {
                            ""
                        },
                        if made.is_empty() {
                            "none".to_owned()
                        } else {
                            made.join(", ")
                        }
                    ),
                );
            }
        }
    }
    (true, format!("{} expected calls made", expected.len()))
}

/// The prompt the judge model gets for a rubric: the rubric, the case's input and the output,
/// and the reply format. Shown to the user as is.
pub fn judge_prompt(rubric: &Rubric, input: &Value, output: &Value) -> String {
    format!(
        "You are grading the output of an AI workflow against a rubric.\n\n\
         Rubric:\n{}\n\nInput:\n{}\n\nOutput:\n{}\n\n\
         Score the output from 1 (fails the rubric) to 5 (fully meets it). Reply with JSON only: \
         {{\"score\": <1-5>, \"reason\": \"<one sentence>\"}}",
        rubric.rubric,
        text_of(input),
        text_of(output)
    )
}

/// Reads the judge's reply (JSON, possibly inside other text or a code fence) into the
/// rubric's verdict; a reply without a score from 1 to 5 is an error naming what came back.
pub fn read_judge_reply(rubric: &Rubric, reply: &str) -> Result<Check, String> {
    let start = reply.find('{');
    let end = reply.rfind('}');
    let parsed: Option<Value> = match (start, end) {
        (Some(s), Some(e)) if s < e => serde_json::from_str(&reply[s..=e]).ok(),
        _ => None,
    };
    let score = parsed
        .as_ref()
        .and_then(|v| v.get("score"))
        .and_then(Value::as_f64)
        .filter(|s| (1.0..=5.0).contains(s))
        .ok_or_else(|| format!("the judge gave no score from 1 to 5: {}", short(reply)))?;
    let reason = parsed
        .as_ref()
        .and_then(|v| v.get("reason"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    Ok(Check {
        kind: "judge".to_owned(),
        pass: score >= f64::from(rubric.pass_score),
        detail: format!("score {score} (passes at {}): {reason}", rubric.pass_score),
    })
}

/// Text as itself, anything else as compact JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Text that holds JSON is read as JSON; anything else is itself.
fn as_json(value: &Value) -> Value {
    match value {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| value.clone()),
        other => other.clone(),
    }
}

fn short(text: &str) -> String {
    format!("{:?}", crate::text::ellipsize(text, 80))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::suite::{JsonPathEquals, ToolCallsExpected};
    use serde_json::json;

    fn outcome(output: Value) -> Outcome {
        Outcome {
            output,
            latency_ms: 1200,
            cost_usd: Some(0.0021),
            model_calls: 3,
            tool_calls: vec![
                call("orders", "lookup", json!({"orderId": "123"})),
                call(
                    "orders",
                    "refund",
                    json!({"orderId": "123", "reason": "late"}),
                ),
            ],
            error: None,
        }
    }

    fn call(group: &str, function: &str, arguments: Value) -> ToolCall {
        ToolCall {
            action_group: group.into(),
            function: function.into(),
            arguments: arguments.as_object().cloned().unwrap_or_default(),
        }
    }

    fn pass(e: Expectation, o: &Outcome) -> bool {
        check(&e, o).expect("a verdict").pass
    }

    #[test]
    fn text_expectations() {
        let o = outcome(json!("Refunded order 123."));
        assert!(pass(Expectation::Contains("order 123".into()), &o));
        assert!(!pass(Expectation::Contains("order 124".into()), &o));
        assert!(pass(Expectation::NotContains("sorry".into()), &o));
        assert!(!pass(Expectation::NotContains("Refund".into()), &o));
        assert!(pass(Expectation::Regex(r"order \d{3}\.$".into()), &o));
        assert!(!pass(Expectation::Regex(r"^order".into()), &o));
        assert!(pass(Expectation::Equals(json!("Refunded order 123.")), &o));
        assert!(!pass(Expectation::Equals(json!("Refunded")), &o));
    }

    #[test]
    fn json_expectations_read_text_that_holds_json() {
        let o = outcome(json!(r#"{"status": "refunded", "items": [{"id": 7}]}"#));
        let path = |p: &str, v: Value| {
            Expectation::JsonPath(JsonPathEquals {
                path: p.into(),
                equals: v,
            })
        };
        assert!(pass(path("$.status", json!("refunded")), &o));
        assert!(pass(path("$.items[0].id", json!(7)), &o));
        assert!(!pass(path("$.status", json!("open")), &o));
        let missing = check(&path("$.nothing", json!(1)), &o).expect("a verdict");
        assert!(
            !missing.pass && missing.detail.contains("nothing"),
            "{missing:?}"
        );
        let schema = json!({"type": "object", "required": ["status"],
            "properties": {"status": {"enum": ["refunded", "open"]}}});
        assert!(pass(Expectation::JsonSchema(schema), &o));
        let strict = json!({"type": "object", "required": ["total"]});
        let v = check(&Expectation::JsonSchema(strict), &o).expect("a verdict");
        assert!(!v.pass && v.detail.contains("total"), "{v:?}");
    }

    #[test]
    fn limits() {
        let o = outcome(json!("ok"));
        assert!(pass(Expectation::MaxLatencyMs(1200), &o));
        assert!(!pass(Expectation::MaxLatencyMs(1199), &o));
        assert!(pass(Expectation::MaxCostUsd(0.003), &o));
        assert!(!pass(Expectation::MaxCostUsd(0.002), &o));
        assert!(pass(Expectation::MaxModelCalls(3), &o));
        assert!(!pass(Expectation::MaxModelCalls(2), &o));
        let unpriced = Outcome {
            cost_usd: None,
            ..o
        };
        assert!(!pass(Expectation::MaxCostUsd(1.0), &unpriced));
    }

    #[test]
    fn tool_calls_in_order_or_any_order_with_argument_subsets() {
        let o = outcome(json!("done"));
        let expect = |calls: Vec<ToolCall>, order| {
            Expectation::ToolCalls(ToolCallsExpected { calls, order })
        };
        let refund = call("orders", "refund", json!({"orderId": "123"}));
        let lookup = call("orders", "lookup", json!({}));
        assert!(pass(
            expect(vec![lookup.clone(), refund.clone()], CallOrder::InOrder),
            &o
        ));
        assert!(!pass(
            expect(vec![refund.clone(), lookup.clone()], CallOrder::InOrder),
            &o
        ));
        assert!(pass(
            expect(vec![refund.clone(), lookup.clone()], CallOrder::AnyOrder),
            &o
        ));
        let wrong = call("orders", "refund", json!({"orderId": "999"}));
        let v = check(&expect(vec![wrong], CallOrder::AnyOrder), &o).expect("a verdict");
        assert!(
            !v.pass && v.detail.contains("orders.lookup, orders.refund"),
            "{v:?}"
        );
        // The same call twice needs two calls.
        assert!(!pass(
            expect(vec![refund.clone(), refund], CallOrder::AnyOrder),
            &o
        ));
    }

    #[test]
    fn a_failed_run_fails_every_expectation_with_its_error() {
        let o = Outcome {
            error: Some("node Classify: timed out".into()),
            ..outcome(json!(null))
        };
        let v = check(&Expectation::NotContains("x".into()), &o).expect("a verdict");
        assert!(!v.pass && v.detail.contains("timed out"), "{v:?}");
        assert_eq!(
            check(
                &Expectation::Judge(Rubric {
                    rubric: "r".into(),
                    pass_score: 4
                }),
                &o
            ),
            None
        );
    }

    #[test]
    fn judge_replies_are_read_or_refused() {
        let rubric = Rubric {
            rubric: "Polite".into(),
            pass_score: 4,
        };
        let prompt = judge_prompt(&rubric, &json!({"message": "hi"}), &json!("Hello!"));
        assert!(
            prompt.contains("Polite") && prompt.contains("Hello!") && prompt.contains("\"score\"")
        );
        let v = read_judge_reply(
            &rubric,
            "```json\n{\"score\": 5, \"reason\": \"kind\"}\n```",
        )
        .expect("read");
        assert!(v.pass && v.detail.contains("kind"), "{v:?}");
        assert!(
            !read_judge_reply(&rubric, r#"{"score": 3}"#)
                .expect("read")
                .pass
        );
        assert!(read_judge_reply(&rubric, "I think it is good").is_err());
        assert!(read_judge_reply(&rubric, r#"{"score": 9}"#).is_err());
    }
}
