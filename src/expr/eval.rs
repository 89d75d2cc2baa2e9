//! Evaluating an input expression on a value, and the type it yields from a declared type.

use super::{EvaluationError, InputExpression, Segment, TypeOutcome};
use crate::model::DataType;
use serde_json::Value;

impl InputExpression {
    /// Applies the expression to the value arriving on the input.
    pub fn evaluate(&self, value: &Value) -> Result<Value, EvaluationError> {
        // `$.data` itself, the usual case: the value as it is.
        if self.segments.is_empty() {
            return Ok(value.clone());
        }
        let mut current: Vec<&Value> = vec![value];
        let mut many = false;
        for (n, segment) in self.segments.iter().enumerate() {
            let mut next = Vec::new();
            for v in &current {
                if let Err(message) = apply(segment, v, &mut next) {
                    // Several values: JsonPath drops those a segment does not apply to.
                    if !many {
                        return Err(EvaluationError {
                            message: format!("{message} (at `{}`)", self.prefix(n)),
                        });
                    }
                }
            }
            many |= segment.yields_many();
            current = next;
        }
        if many {
            Ok(Value::Array(current.into_iter().cloned().collect()))
        } else {
            // Without a multi-valued segment every step keeps exactly one value.
            Ok(current.first().map_or(Value::Null, |v| (*v).clone()))
        }
    }

    /// The type this expression produces from a value of the declared `incoming` type.
    pub fn result_type(&self, incoming: DataType) -> TypeOutcome {
        let mut known = Some(incoming);
        for (n, segment) in self.segments.iter().enumerate() {
            let Some(ty) = known else {
                break;
            };
            if let Err(message) = applies_to(segment, ty) {
                return TypeOutcome::Impossible(format!("{message} (at `{}`)", self.prefix(n)));
            }
            if segment.yields_many() {
                // Elements are of unknown type and are skipped where later segments do not fit.
                return TypeOutcome::Exactly(DataType::Array);
            }
            // A member or element of a declared Object or Array has no declared type of its own.
            known = None;
        }
        match known {
            Some(ty) => TypeOutcome::Exactly(ty),
            None if self.yields_many() => TypeOutcome::Exactly(DataType::Array),
            None => TypeOutcome::Unknown,
        }
    }
}

/// "a String", "an Object", …, for messages.
pub(crate) fn a_type(ty: DataType) -> &'static str {
    match ty {
        DataType::String => "a String",
        DataType::Number => "a Number",
        DataType::Boolean => "a Boolean",
        DataType::Object => "an Object",
        DataType::Array => "an Array",
    }
}

fn a_value(value: &Value) -> &'static str {
    DataType::of_value(value).map_or("null", a_type)
}

/// Whether a segment can apply to a value of type `ty`; the error is the message for the user.
fn applies_to(segment: &Segment, ty: DataType) -> Result<(), String> {
    let container = matches!(ty, DataType::Object | DataType::Array);
    let fits = match segment {
        Segment::Field(_) => ty == DataType::Object,
        Segment::AnyField | Segment::AnyIndex => container,
        Segment::Index(_) | Segment::Pick(_) | Segment::Slice(..) => ty == DataType::Array,
    };
    if fits {
        Ok(())
    } else {
        Err(not_applicable(segment, a_type(ty)))
    }
}

fn not_applicable(segment: &Segment, what: &str) -> String {
    match segment {
        Segment::Field(name) => format!("cannot take field `{name}` of {what}"),
        Segment::Index(i) => format!("cannot take index {i} of {what}"),
        Segment::Pick(_) => format!("cannot pick elements `{segment}` of {what}"),
        Segment::Slice(..) => format!("cannot take slice `{segment}` of {what}"),
        Segment::AnyField | Segment::AnyIndex => {
            format!("wildcard `{segment}` needs an Object or an Array, not {what}")
        }
    }
}

/// Applies one segment to one value, pushing what it selects onto `out`.
fn apply<'v>(segment: &Segment, value: &'v Value, out: &mut Vec<&'v Value>) -> Result<(), String> {
    match (segment, value) {
        (Segment::Field(name), Value::Object(map)) => match map.get(name) {
            Some(v) => out.push(v),
            None => return Err(format!("field `{name}` not found in object")),
        },
        (Segment::AnyField | Segment::AnyIndex, Value::Object(map)) => out.extend(map.values()),
        (Segment::AnyField | Segment::AnyIndex, Value::Array(items)) => out.extend(items),
        (Segment::Index(i), Value::Array(items)) => out.push(element(items, *i)?),
        (Segment::Pick(indices), Value::Array(items)) => {
            for i in indices {
                out.push(element(items, *i)?);
            }
        }
        (Segment::Slice(start, end), Value::Array(items)) => {
            let len = items.len();
            let from = start.map_or(0, |s| clamp(s, len));
            let to = end.map_or(len, |e| clamp(e, len));
            if from < to {
                out.extend(items.get(from..to).unwrap_or_default());
            }
        }
        (_, other) => return Err(not_applicable(segment, a_value(other))),
    }
    Ok(())
}

fn element(items: &[Value], index: i64) -> Result<&Value, String> {
    resolve(index, items.len())
        .and_then(|i| items.get(i))
        .ok_or_else(|| format!("index {index} out of range for array of {}", items.len()))
}

/// A possibly negative index into `len` elements, if it is in range.
fn resolve(index: i64, len: usize) -> Option<usize> {
    if index >= 0 {
        usize::try_from(index).ok().filter(|&i| i < len)
    } else {
        let back = usize::try_from(index.unsigned_abs()).ok()?;
        len.checked_sub(back)
    }
}

/// A slice bound, counted from the end when negative, clamped to `0..=len`.
fn clamp(bound: i64, len: usize) -> usize {
    if bound >= 0 {
        usize::try_from(bound).map_or(len, |b| b.min(len))
    } else {
        usize::try_from(bound.unsigned_abs()).map_or(0, |back| len.saturating_sub(back))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse_input_expression;
    use crate::expr::tests::document;
    use serde_json::json;

    /// Evaluates `input` on the reference document; `expect` is compact JSON or `error: message`.
    fn check_eval(input: &str, expect: &str) {
        let expr = parse_input_expression(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let actual = match expr.evaluate(&document()) {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(actual, expect, "input: {input:?}");
    }

    fn check_type(input: &str, incoming: DataType, expect: &str) {
        let expr = parse_input_expression(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let actual = match expr.result_type(incoming) {
            TypeOutcome::Exactly(t) => t.to_string(),
            TypeOutcome::Unknown => "Unknown".to_string(),
            TypeOutcome::Impossible(why) => format!("Impossible: {why}"),
        };
        assert_eq!(actual, expect, "input: {input:?} on {incoming}");
    }

    #[test]
    fn evaluates_on_the_reference_document() {
        check_eval("$.data", &document().to_string());
        check_eval("$.data.numbers", "[1,2,3,5,8]");
        check_eval("$.data.numbers[0, 3]", "[1,5]");
        check_eval("$.data.numbers[3, 0, 3]", "[5,1,5]");
        check_eval("$.data.numbers[0]", "1");
        check_eval("$.data.numbers[-1]", "8");
        check_eval("$.data.numbers[-5]", "1");
        check_eval("$.data.numbers[1:3]", "[2,3]");
        check_eval("$.data.numbers[:2]", "[1,2]");
        check_eval("$.data.numbers[-2:]", "[5,8]");
        check_eval("$.data.numbers[:-3]", "[1,2]");
        check_eval("$.data.numbers[3:1]", "[]");
        check_eval("$.data.numbers[2:100]", "[3,5,8]");
        check_eval("$.data.numbers[-100:1]", "[1]");
        check_eval("$.data.numbers[:]", "[1,2,3,5,8]");
        check_eval("$.data.numbers[*]", "[1,2,3,5,8]");
        check_eval("$.data.numbers.*", "[1,2,3,5,8]");
        check_eval("$.data.organisms.mammals[1:]", r#"["horse","mouse"]"#);
        check_eval("$.data.organisms.mammals[1]", r#""horse""#);
        check_eval("$.data.animals.reptiles[-1]", r#""iguana""#);
        // Members without `mammals` are skipped; members are visited in key order.
        check_eval("$.data.*.mammals", r#"[["cat","horse","mouse"]]"#);
        check_eval("$.data.*.reptiles[0]", r#"["snake"]"#);
        check_eval("$.data.*.*[0]", r#"["snake","cat"]"#);
        check_eval(
            "$.data.*.*",
            r#"[["snake","turtle","iguana"],1,2,3,5,8,["cat","horse","mouse"]]"#,
        );
        check_eval("$.data[*][*][1]", r#"["turtle","horse"]"#);
        check_eval("$.data.numbers[0, 1][0]", "[]");
        check_eval("$.data.numbers[0:2].x", "[]");
        check_eval("$.data.*.nothing", "[]");
        // A single path that does not fit is an error, naming where it stopped.
        check_eval(
            "$.data.x",
            "error: field `x` not found in object (at `$.data`)",
        );
        check_eval(
            "$.data.animals.reptiles[5]",
            "error: index 5 out of range for array of 3 (at `$.data.animals.reptiles`)",
        );
        check_eval(
            "$.data.numbers[-6]",
            "error: index -6 out of range for array of 5 (at `$.data.numbers`)",
        );
        check_eval(
            "$.data.numbers[-9223372036854775808]",
            "error: index -9223372036854775808 out of range for array of 5 (at `$.data.numbers`)",
        );
        check_eval(
            "$.data.numbers[0, 9]",
            "error: index 9 out of range for array of 5 (at `$.data.numbers`)",
        );
        check_eval(
            "$.data.animals.reptiles[0].a",
            "error: cannot take field `a` of a String (at `$.data.animals.reptiles[0]`)",
        );
        check_eval(
            "$.data.numbers.a",
            "error: cannot take field `a` of an Array (at `$.data.numbers`)",
        );
        check_eval(
            "$.data[0]",
            "error: cannot take index 0 of an Object (at `$.data`)",
        );
        check_eval(
            "$.data[0, 1]",
            "error: cannot pick elements `[0, 1]` of an Object (at `$.data`)",
        );
        check_eval(
            "$.data[1:]",
            "error: cannot take slice `[1:]` of an Object (at `$.data`)",
        );
        check_eval(
            "$.data.numbers[0].*",
            "error: wildcard `.*` needs an Object or an Array, not a Number (at `$.data.numbers[0]`)",
        );
        check_eval(
            "$.data.numbers[0][*]",
            "error: wildcard `[*]` needs an Object or an Array, not a Number (at `$.data.numbers[0]`)",
        );
    }

    #[test]
    fn evaluates_scalars_and_null() {
        let expr = parse_input_expression("$.data").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(expr.evaluate(&json!("hi")), Ok(json!("hi")));
        assert_eq!(expr.evaluate(&Value::Null), Ok(Value::Null));
        let field = parse_input_expression("$.data.x").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            field.evaluate(&Value::Null).map_err(|e| e.message),
            Err("cannot take field `x` of null (at `$.data`)".to_string())
        );
        assert_eq!(field.evaluate(&json!({"x": null})), Ok(Value::Null));
        let empty = parse_input_expression("$.data[-1:]").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(empty.evaluate(&json!([])), Ok(json!([])));
    }

    #[test]
    fn reasons_about_result_types() {
        use DataType::*;
        for ty in DataType::ALL {
            check_type("$.data", ty, ty.as_str());
        }
        check_type("$.data.x", Object, "Unknown");
        check_type("$.data.x.y[0]", Object, "Unknown");
        check_type("$.data.*", Object, "Array");
        check_type("$.data[*]", Object, "Array");
        check_type("$.data.*.x", Object, "Array");
        check_type("$.data[0]", Array, "Unknown");
        check_type("$.data[0].x[1]", Array, "Unknown");
        check_type("$.data[0, 1]", Array, "Array");
        check_type("$.data[1:]", Array, "Array");
        check_type("$.data[*].x", Array, "Array");
        check_type("$.data.*", Array, "Array");
        check_type("$.data.x[1:]", Object, "Array");
        check_type(
            "$.data.x",
            String,
            "Impossible: cannot take field `x` of a String (at `$.data`)",
        );
        check_type(
            "$.data.x",
            Array,
            "Impossible: cannot take field `x` of an Array (at `$.data`)",
        );
        check_type(
            "$.data[0]",
            Number,
            "Impossible: cannot take index 0 of a Number (at `$.data`)",
        );
        check_type(
            "$.data[0]",
            Object,
            "Impossible: cannot take index 0 of an Object (at `$.data`)",
        );
        check_type(
            "$.data[1:]",
            Boolean,
            "Impossible: cannot take slice `[1:]` of a Boolean (at `$.data`)",
        );
        check_type(
            "$.data[0, 1]",
            Object,
            "Impossible: cannot pick elements `[0, 1]` of an Object (at `$.data`)",
        );
        check_type(
            "$.data.*",
            Number,
            "Impossible: wildcard `.*` needs an Object or an Array, not a Number (at `$.data`)",
        );
        check_type(
            "$.data[*]",
            String,
            "Impossible: wildcard `[*]` needs an Object or an Array, not a String (at `$.data`)",
        );
    }
}
