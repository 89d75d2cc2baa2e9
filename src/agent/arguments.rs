//! Checking a model's tool arguments against the action's schema before anything runs: the
//! function's parameters or the OpenAPI operation's parameters and request body, as the tool's
//! input schema offers them to the model.
//!
//! A model may send wrong types, leave out a required parameter or invent one; a handler (or
//! the application, on return of control) must never see such a call. What is wrong goes back
//! to the model as a tool error naming each parameter, so it can call again.

use crate::openapi::kind_of;
use serde_json::Value;
use std::fmt;

/// One action's argument schema, each property's JSON Schema compiled once: a tool is
/// checked on every call, and compiling a validator costs far more than running it.
pub(crate) struct Arguments {
    /// The parameters that must be present.
    required: Vec<String>,
    /// Each parameter, in the schema's order (the order an error lists them in).
    properties: Vec<(String, Property)>,
}

struct Property {
    /// OpenAPI 3.0's `nullable: true`: a null fits whatever the schema says.
    nullable: bool,
    /// `None` when the property schema is not valid JSON Schema (an unknown parameter
    /// type, say, which the compiler reports): only its presence is checked.
    validator: Option<jsonschema::Validator>,
}

impl fmt::Debug for Arguments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arguments")
            .field("required", &self.required)
            .field(
                "properties",
                &self.properties.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Arguments {
    /// Compiles `schema`, the tool's input schema: an object with `properties` and
    /// `required`, each property read as JSON Schema draft 4 (which OpenAPI 3.0 follows).
    pub(crate) fn new(schema: &Value) -> Arguments {
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, property)| {
                let nullable = property.get("nullable").and_then(Value::as_bool) == Some(true);
                let validator = jsonschema::draft4::new(property).ok();
                (
                    name.clone(),
                    Property {
                        nullable,
                        validator,
                    },
                )
            })
            .collect();
        Arguments {
            required,
            properties,
        }
    }

    /// What is wrong with one call's arguments, one sentence per problem; empty when they
    /// fit. Unknown parameters are refused, required ones must be present, and each value
    /// must fit its property's schema.
    pub(crate) fn problems(&self, input: &Value) -> Vec<String> {
        let Some(args) = input.as_object() else {
            return vec![format!(
                "the arguments must be an object of named parameters, not {}",
                kind_of(input)
            )];
        };
        let mut out = Vec::new();
        for name in &self.required {
            if !args.contains_key(name) {
                out.push(format!("parameter {name:?} is required but missing"));
            }
        }
        for (name, value) in args {
            let Some((_, property)) = self.properties.iter().find(|(n, _)| n == name) else {
                let known: Vec<&str> = self.properties.iter().map(|(n, _)| n.as_str()).collect();
                out.push(if known.is_empty() {
                    format!("parameter {name:?} is not a parameter: this action takes none")
                } else {
                    format!(
                        "parameter {name:?} is not a parameter of this action (it takes {})",
                        known.join(", ")
                    )
                });
                continue;
            };
            out.extend(property.problems(name, value));
        }
        out
    }
}

impl Property {
    /// What is wrong with one parameter's value under its property schema.
    fn problems(&self, name: &str, value: &Value) -> Vec<String> {
        // OpenAPI 3.0's `nullable` is not JSON Schema: a null is fine where it says so.
        if value.is_null() && self.nullable {
            return vec![];
        }
        let Some(validator) = &self.validator else {
            return vec![];
        };
        validator
            .iter_errors(value)
            .map(|error| {
                let at = error.instance_path().to_string();
                if at.is_empty() {
                    format!("parameter {name:?}: {error}")
                } else {
                    format!("parameter {name:?} at {at}: {error}")
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn invoice() -> Value {
        json!({"type": "object",
            "properties": {"invoice_id": {"type": "string"}, "include_items": {"type": "boolean"},
                "amount": {"type": "number"}, "seats": {"type": "integer"},
                "tags": {"type": "array", "items": {}}, "when": {"type": "date"},
                "plan": {"type": "string", "enum": ["basic", "pro"], "nullable": true}},
            "required": ["invoice_id"]})
    }

    fn check(input: Value, expect: &[&str]) {
        let found = Arguments::new(&invoice()).problems(&input);
        assert_eq!(found.len(), expect.len(), "{input}: {found:#?}");
        for (f, e) in found.iter().zip(expect) {
            assert!(f.contains(e), "{input}: {f:?} should contain {e:?}");
        }
    }

    #[test]
    fn arguments_that_fit_pass() {
        check(json!({"invoice_id": "INV-7"}), &[]);
        check(
            json!({"invoice_id": "I", "include_items": true, "amount": 4.5, "seats": 3,
                   "tags": ["a", 1], "when": "tomorrow", "plan": null}),
            &[],
        );
        check(json!({"invoice_id": "I", "plan": "pro"}), &[]);
    }

    #[test]
    fn each_mismatch_names_its_parameter() {
        check(
            json!({}),
            &["parameter \"invoice_id\" is required but missing"],
        );
        check(
            json!({"invoice_id": 7}),
            &["parameter \"invoice_id\": 7 is not of type \"string\""],
        );
        check(
            json!({"invoice_id": "I", "include_items": "yes"}),
            &["parameter \"include_items\""],
        );
        check(json!({"invoice_id": "I", "amount": "4"}), &["\"amount\""]);
        check(json!({"invoice_id": "I", "seats": 2.5}), &["\"seats\""]);
        check(json!({"invoice_id": "I", "tags": "a"}), &["\"tags\""]);
        check(json!({"invoice_id": "I", "plan": "gold"}), &["\"plan\""]);
        check(
            json!({"invoice_id": "I", "refund_all": true}),
            &["parameter \"refund_all\" is not a parameter of this action (it takes amount"],
        );
        check(
            json!({"include_items": 1, "x": 1}),
            &["\"invoice_id\" is required", "\"include_items\"", "\"x\""],
        );
        check(
            json!(["INV-7"]),
            &["must be an object of named parameters, not an array"],
        );
    }

    #[test]
    fn a_function_without_parameters_takes_none() {
        let schema = json!({"type": "object", "properties": {}, "required": []});
        let arguments = Arguments::new(&schema);
        assert!(arguments.problems(&json!({})).is_empty());
        assert_eq!(
            arguments.problems(&json!({"a": 1})),
            ["parameter \"a\" is not a parameter: this action takes none"]
        );
    }
}
