//! Checking a condition against the types of the node's inputs: unknown names, comparisons
//! of the wrong types, and conditions that are always or never true.

use super::{Comparison, Condition, ConditionProblem, ConditionProblemKind, Operand};
use crate::expr::a_type;
use crate::model::DataType;

impl Condition {
    /// Checks names and operator/type fit. `input_type(name)` gives the declared type of a node
    /// input, `None` if no such input. Problems come in order of appearance.
    /// The condition's value when it does not depend on the data: `Some(false)` means it can
    /// never hold (for example `count == "x"` with `count` a Number), `Some(true)` that it
    /// always does. `input_type` gives the declared type of a node input.
    pub fn constant_value(&self, input_type: impl Fn(&str) -> Option<DataType>) -> Option<bool> {
        self.constant(&input_type)
    }

    fn constant(&self, input_type: &dyn Fn(&str) -> Option<DataType>) -> Option<bool> {
        match self {
            Condition::Not(c) => c.constant(input_type).map(|b| !b),
            Condition::And(l, r) => match (l.constant(input_type), r.constant(input_type)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Condition::Or(l, r) => match (l.constant(input_type), r.constant(input_type)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Condition::Truthy(Operand::Bool(b)) => Some(*b),
            Condition::Truthy(_) => None,
            Condition::Compare { left, op, right } => {
                if let (Operand::Input { name: a, .. }, Operand::Input { name: b, .. }) =
                    (left, right)
                {
                    if a == b {
                        return Some(matches!(
                            op,
                            Comparison::Eq | Comparison::Ge | Comparison::Le
                        ));
                    }
                }
                if left.column().is_none() && right.column().is_none() {
                    return self.evaluate(|_| None).ok();
                }
                let type_of = |o: &Operand| match o {
                    Operand::Input { name, .. } => input_type(name),
                    other => other.literal_type(),
                };
                match (type_of(left), type_of(right), op) {
                    (Some(l), Some(r), Comparison::Eq) if l != r => Some(false),
                    (Some(l), Some(r), Comparison::Ne) if l != r => Some(true),
                    _ => None,
                }
            }
        }
    }

    pub fn check(&self, input_type: impl Fn(&str) -> Option<DataType>) -> Vec<ConditionProblem> {
        let mut problems = Vec::new();
        self.check_into(&input_type, &mut problems);
        problems
    }

    fn check_into(
        &self,
        input_type: &dyn Fn(&str) -> Option<DataType>,
        out: &mut Vec<ConditionProblem>,
    ) {
        match self {
            Condition::Or(l, r) | Condition::And(l, r) => {
                l.check_into(input_type, out);
                r.check_into(input_type, out);
            }
            Condition::Not(c) => c.check_into(input_type, out),
            Condition::Truthy(operand) => {
                let column = operand.column().unwrap_or(1);
                match (operand, operand_type(operand, input_type, out)) {
                    (_, None) => {}
                    (Operand::Bool(b), _) => out.push(ConditionProblem {
                        kind: ConditionProblemKind::ComparisonAlwaysConstant,
                        column,
                        message: format!("the constant {b} makes this condition {}", verdict(*b)),
                    }),
                    (_, Some(DataType::Boolean)) => {}
                    (_, Some(ty)) => out.push(ConditionProblem {
                        kind: ConditionProblemKind::OperatorTypeMismatch,
                        column,
                        message: format!(
                            "{} is used as a condition, so it must be a Boolean, but it is {}",
                            operand.who(),
                            a_type(ty)
                        ),
                    }),
                }
            }
            Condition::Compare { left, op, right } => {
                let left_type = operand_type(left, input_type, out);
                let right_type = operand_type(right, input_type, out);
                let anchor = left.column().or(right.column()).unwrap_or(1);
                let mut mismatched = false;
                for (side, ty) in [(left, left_type), (right, right_type)] {
                    if let Some(ty) = ty.filter(|&ty| !op.accepts(ty)) {
                        mismatched = true;
                        out.push(ConditionProblem {
                            kind: ConditionProblemKind::OperatorTypeMismatch,
                            column: side.column().unwrap_or(anchor),
                            message: op.mismatch(&side.who(), a_type(ty)),
                        });
                    }
                }
                let (Some(left_type), Some(right_type)) = (left_type, right_type) else {
                    return;
                };
                if mismatched {
                    return;
                }
                let constant = if left_type != right_type {
                    // Only `==` and `!=` get here: ordering operators accept Numbers alone.
                    Some(format!(
                        "\"{op}\" compares {} with {}: {}",
                        a_type(left_type),
                        a_type(right_type),
                        verdict(*op == Comparison::Ne)
                    ))
                } else if let (Operand::Input { name: a, .. }, Operand::Input { name: b, .. }) =
                    (left, right)
                {
                    let always = matches!(op, Comparison::Eq | Comparison::Ge | Comparison::Le);
                    (a == b)
                        .then(|| format!("\"{a}\" is compared with itself: {}", verdict(always)))
                } else if left.column().is_none() && right.column().is_none() {
                    self.evaluate(|_| None)
                        .ok()
                        .map(|value| format!("\"{op}\" compares two constants: {}", verdict(value)))
                } else {
                    None
                };
                if let Some(message) = constant {
                    out.push(ConditionProblem {
                        kind: ConditionProblemKind::ComparisonAlwaysConstant,
                        column: anchor,
                        message,
                    });
                }
            }
        }
    }
}

/// The declared type of an operand, recording an unknown input as a problem.
fn operand_type(
    operand: &Operand,
    input_type: &dyn Fn(&str) -> Option<DataType>,
    out: &mut Vec<ConditionProblem>,
) -> Option<DataType> {
    match operand {
        Operand::Input { name, column } => {
            let ty = input_type(name);
            if ty.is_none() {
                out.push(ConditionProblem {
                    kind: ConditionProblemKind::UnknownInput,
                    column: *column,
                    message: format!("\"{name}\" is not an input of this node"),
                });
            }
            ty
        }
        Operand::Str(_) | Operand::Number(_) | Operand::Bool(_) => operand.literal_type(),
    }
}

impl Comparison {
    /// Whether this operator accepts operands of type `ty`.
    pub(super) fn accepts(self, ty: DataType) -> bool {
        if self.is_ordering() {
            ty == DataType::Number
        } else {
            matches!(ty, DataType::String | DataType::Number | DataType::Boolean)
        }
    }

    pub(super) fn mismatch(self, who: &str, what: &str) -> String {
        if self.is_ordering() {
            format!("\"{self}\" compares numbers, but {who} is {what}")
        } else {
            format!("\"{self}\" compares strings, numbers or booleans, but {who} is {what}")
        }
    }
}

fn verdict(always: bool) -> &'static str {
    if always {
        "always true"
    } else {
        "never true"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::parse_condition;

    /// Checks `input` against a node whose inputs are `inputs`; renders each problem on a line.
    fn check_problems(input: &str, inputs: &[(&str, DataType)], expect: &[&str]) {
        let condition = parse_condition(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let problems: Vec<String> = condition
            .check(|name| inputs.iter().find(|(n, _)| *n == name).map(|&(_, t)| t))
            .iter()
            .map(|p| format!("{:?} {}: {}", p.kind, p.column, p.message))
            .collect();
        assert_eq!(problems, expect, "input: {input:?}");
    }

    #[test]
    fn checks_names_and_types() {
        use DataType::*;
        let shop = [
            ("retailPrice", Number),
            ("marketPrice", Number),
            ("type", String),
            ("isValid", Boolean),
            ("tags", Array),
            ("meta", Object),
        ];
        check_problems(r#"(retailPrice > 10) and (type == "produce")"#, &shop, &[]);
        check_problems("retailPrice < marketPrice", &shop, &[]);
        check_problems("not isValid or isValid == false", &shop, &[]);
        check_problems("type != \"x\" and retailPrice >= -1.5", &shop, &[]);
        check_problems(
            "retailPrice > 10",
            &[],
            &[r#"UnknownInput 1: "retailPrice" is not an input of this node"#],
        );
        check_problems(
            "price > cost or price < 1",
            &shop,
            &[
                r#"UnknownInput 1: "price" is not an input of this node"#,
                r#"UnknownInput 9: "cost" is not an input of this node"#,
                r#"UnknownInput 17: "price" is not an input of this node"#,
            ],
        );
        check_problems(
            "type > 1",
            &shop,
            &[r#"OperatorTypeMismatch 1: ">" compares numbers, but "type" is a String"#],
        );
        check_problems(
            r#"retailPrice <= "10""#,
            &shop,
            &[
                r#"OperatorTypeMismatch 1: "<=" compares numbers, but the constant "10" is a String"#,
            ],
        );
        check_problems(
            "isValid >= type",
            &shop,
            &[
                r#"OperatorTypeMismatch 1: ">=" compares numbers, but "isValid" is a Boolean"#,
                r#"OperatorTypeMismatch 12: ">=" compares numbers, but "type" is a String"#,
            ],
        );
        check_problems(
            "tags == meta",
            &shop,
            &[
                r#"OperatorTypeMismatch 1: "==" compares strings, numbers or booleans, but "tags" is an Array"#,
                r#"OperatorTypeMismatch 9: "==" compares strings, numbers or booleans, but "meta" is an Object"#,
            ],
        );
        check_problems(
            r#"retailPrice == "10""#,
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "==" compares a Number with a String: never true"#],
        );
        check_problems(
            "isValid != 1",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "!=" compares a Boolean with a Number: always true"#],
        );
        check_problems(
            "type == retailPrice",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "==" compares a String with a Number: never true"#],
        );
        check_problems(
            "1 == 1",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "==" compares two constants: always true"#],
        );
        check_problems(
            r#"isValid and "a" > "b""#,
            &shop,
            &[
                r#"OperatorTypeMismatch 1: ">" compares numbers, but the constant "a" is a String"#,
                r#"OperatorTypeMismatch 1: ">" compares numbers, but the constant "b" is a String"#,
            ],
        );
        check_problems(
            "2 < 1",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "<" compares two constants: never true"#],
        );
        check_problems(
            r#""a" != 1"#,
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "!=" compares a String with a Number: always true"#],
        );
        check_problems(
            "retailPrice >= retailPrice",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: "retailPrice" is compared with itself: always true"#],
        );
        check_problems(
            "isValid and type != type",
            &shop,
            &[r#"ComparisonAlwaysConstant 13: "type" is compared with itself: never true"#],
        );
        check_problems(
            "retailPrice",
            &shop,
            &[
                r#"OperatorTypeMismatch 1: "retailPrice" is used as a condition, so it must be a Boolean, but it is a Number"#,
            ],
        );
        check_problems(
            "not meta",
            &shop,
            &[
                r#"OperatorTypeMismatch 5: "meta" is used as a condition, so it must be a Boolean, but it is an Object"#,
            ],
        );
        check_problems(
            r#""yes""#,
            &shop,
            &[
                r#"OperatorTypeMismatch 1: the constant "yes" is used as a condition, so it must be a Boolean, but it is a String"#,
            ],
        );
        check_problems(
            "isValid or true",
            &shop,
            &[r#"ComparisonAlwaysConstant 1: the constant true makes this condition always true"#],
        );
        check_problems(
            "ghost == 1 and ghost",
            &shop,
            &[
                r#"UnknownInput 1: "ghost" is not an input of this node"#,
                r#"UnknownInput 16: "ghost" is not an input of this node"#,
            ],
        );
        check_problems(
            r#"ghost > "x""#,
            &shop,
            &[
                r#"UnknownInput 1: "ghost" is not an input of this node"#,
                r#"OperatorTypeMismatch 1: ">" compares numbers, but the constant "x" is a String"#,
            ],
        );
    }
}
