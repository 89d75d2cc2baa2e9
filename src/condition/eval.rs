//! Evaluating a condition on the values arriving at the node's inputs.

use super::{Comparison, Condition, Operand};
use crate::expr::{a_type, EvaluationError};
use crate::model::DataType;
use serde_json::Value;

impl Condition {
    /// Evaluates the condition; `lookup(name)` gives the value arriving on a node input.
    /// `==` between values of different types is false; ordering operators on non-numbers, and
    /// non-Booleans used as conditions, are errors naming the input. `and` and `or` short-circuit:
    /// when the left side decides, the right side is not evaluated and its inputs not looked up.
    pub fn evaluate(
        &self,
        lookup: impl Fn(&str) -> Option<Value>,
    ) -> Result<bool, EvaluationError> {
        self.eval(&lookup)
    }

    fn eval(&self, lookup: &dyn Fn(&str) -> Option<Value>) -> Result<bool, EvaluationError> {
        match self {
            Condition::Or(l, r) => Ok(l.eval(lookup)? || r.eval(lookup)?),
            Condition::And(l, r) => Ok(l.eval(lookup)? && r.eval(lookup)?),
            Condition::Not(c) => Ok(!c.eval(lookup)?),
            Condition::Compare { left, op, right } => {
                let l = left.value(lookup)?;
                let r = right.value(lookup)?;
                op.apply((left, &l), (right, &r))
            }
            Condition::Truthy(operand) => match operand.value(lookup)? {
                Value::Bool(b) => Ok(b),
                other => Err(EvaluationError {
                    message: format!(
                        "{} is used as a condition, so it must be a Boolean, but it is {}",
                        operand.who(),
                        DataType::of_value(&other).map_or("null", a_type)
                    ),
                }),
            },
        }
    }
}

impl Operand {
    fn value(&self, lookup: &dyn Fn(&str) -> Option<Value>) -> Result<Value, EvaluationError> {
        match self {
            Operand::Input { name, .. } => lookup(name).ok_or_else(|| EvaluationError {
                message: format!("no value for input \"{name}\""),
            }),
            Operand::Str(s) => Ok(Value::String(s.clone())),
            Operand::Number(n) => serde_json::Number::from_f64(*n)
                .map(Value::Number)
                .ok_or_else(|| EvaluationError {
                    message: format!("the constant {n} is not a finite number"),
                }),
            Operand::Bool(b) => Ok(Value::Bool(*b)),
        }
    }
}

impl Comparison {
    fn apply(
        self,
        (left, l): (&Operand, &Value),
        (right, r): (&Operand, &Value),
    ) -> Result<bool, EvaluationError> {
        for (who, v) in [(left, l), (right, r)] {
            if !DataType::of_value(v).is_some_and(|ty| self.accepts(ty)) {
                let what = DataType::of_value(v).map_or("null", a_type);
                return Err(EvaluationError {
                    message: self.mismatch(&who.who(), what),
                });
            }
        }
        // Values of different types are never equal (Bedrock: "the type must also match").
        let equal = match (l, r) {
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (Value::Bool(a), Value::Bool(b)) => a == b,
            _ => false,
        };
        let a = l.as_f64().unwrap_or(f64::NAN);
        let b = r.as_f64().unwrap_or(f64::NAN);
        Ok(match self {
            Comparison::Eq => equal,
            Comparison::Ne => !equal,
            Comparison::Gt => a > b,
            Comparison::Ge => a >= b,
            Comparison::Lt => a < b,
            Comparison::Le => a <= b,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::parse_condition;
    use serde_json::json;

    /// Evaluates `input` with the members of `values` as inputs; `expect` is `true`, `false` or `error: …`.
    fn check_eval(input: &str, values: Value, expect: &str) {
        let condition = parse_condition(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let actual = match condition.evaluate(|name| values.get(name).cloned()) {
            Ok(b) => b.to_string(),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(actual, expect, "input: {input:?}");
    }

    #[test]
    fn evaluates() {
        let item = json!({
            "retailPrice": 12, "marketPrice": 15.5, "type": "produce", "kind": "BUG",
            "isValid": true, "A": 3, "B": 2, "meta": {"a": 1}, "nothing": null
        });
        let cases = [
            (r#"(retailPrice > 10) and (type == "produce")"#, "true"),
            (r#"(retailPrice > 12) and (type == "produce")"#, "false"),
            ("retailPrice >= 12 and retailPrice <= 12", "true"),
            ("retailPrice < marketPrice", "true"),
            ("marketPrice < retailPrice", "false"),
            ("not (A > B)", "false"),
            ("not (B > A)", "true"),
            (r#"kind == "BUG""#, "true"),
            (r#"kind != "BUG""#, "false"),
            (r#"kind == "bug""#, "false"),
            ("isValid", "true"),
            ("not isValid", "false"),
            ("isValid == true", "true"),
            ("retailPrice == 12.0", "true"),
            ("retailPrice == -12", "false"),
            // Different types are never equal.
            (r#"retailPrice == "12""#, "false"),
            (r#"retailPrice != "12""#, "true"),
            ("isValid == 1", "false"),
            ("false or isValid and A > B", "true"),
            ("A > B or nosuch", "true"),
            ("B > A and nosuch", "false"),
            ("1 < 2", "true"),
            ("nosuch > 1", r#"error: no value for input "nosuch""#),
            (
                "type > 1",
                r#"error: ">" compares numbers, but "type" is a String"#,
            ),
            (
                r#"A <= "3""#,
                r#"error: "<=" compares numbers, but the constant "3" is a String"#,
            ),
            (
                "meta == 1",
                r#"error: "==" compares strings, numbers or booleans, but "meta" is an Object"#,
            ),
            (
                "nothing != 1",
                r#"error: "!=" compares strings, numbers or booleans, but "nothing" is null"#,
            ),
            (
                "A",
                r#"error: "A" is used as a condition, so it must be a Boolean, but it is a Number"#,
            ),
            (
                "not nothing",
                r#"error: "nothing" is used as a condition, so it must be a Boolean, but it is null"#,
            ),
        ];
        for (src, expect) in cases {
            check_eval(src, item.clone(), expect);
        }
    }
}
