//! A seeded generator of random flow definitions for the compiler's property test: half are
//! built valid and then perhaps broken a little (`structured`, `mutations`), half are chaos
//! (`chaos`). The same seed gives the same flow.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use strata::model::flow::{
    ConditionalConnection, ConnectionConfiguration, DataConnection, FlowConnection, FlowDefinition,
    FlowNode, FlowNodeInput, FlowNodeOutput, InputCategory,
};
use strata::model::lenient::{Lenient, StrEnum};
use strata::model::DataType;
use strata::nodes::condition::FlowCondition;
use strata::nodes::prompt::{PromptSource, TemplateConfiguration};
use strata::nodes::{NodeConfiguration, NodeType, REGISTRY};

mod chaos;
mod mutations;
mod structured;

const GARBAGE_NAMES: &[&str] = &[
    "",
    "a",
    "1abc",
    "a__b",
    "ab_",
    "my-node",
    "naïve",
    "名前ノード",
    "Input",
    "default",
    "$.data",
    " Spaced ",
    "x\u{0}y",
    "🙂🙂",
    "DROP TABLE",
    "a_b_c_d",
];
const VALID_EXPRESSIONS: &[&str] = &[
    "$.data",
    "$.data",
    "$.data",
    "$.data.x",
    "$.data.items[0]",
    "$.data[0]",
    "$.data[-1]",
    "$.data[0, 2]",
    "$.data[1:]",
    "$.data[:2]",
    "$.data.*",
    "$.data[*].name",
    "$.data.a.b.c",
    "$.data.message",
];
const GARBAGE_EXPRESSIONS: &[&str] = &[
    "",
    "$",
    "$.",
    "$.dat",
    "$.datum",
    "$.data.",
    "$.data..x",
    "$.data[",
    "$.data[1:",
    "$.data[a]",
    "$.data[1,]",
    "$.data.x y",
    "data.x",
    "$.données",
    "$.data.ключ",
    "$.data.😀",
    " $.data",
    "$.data[99999999999999999999]",
    "$.data.customer.profile.preferences.communication.channels.primary.address",
];
const GARBAGE_CONDITIONS: &[&str] = &[
    "",
    "==",
    "a ==",
    "(a",
    "a)",
    "a < b < c",
    "kind == 'x'",
    "ñ == 1",
    "a === b",
    "\"unterminated",
    "1 == 1",
    "not",
    "true",
    "false",
    "and or",
    "x == \"\\\"",
    "値 == 1",
    "a == -",
    "((((((((((a))))))))))",
    "a ≥ 1",
    "kind == \"BUG\" and",
    "count > 1e5",
    "a == b == c",
];
const OPS: &[&str] = &["==", "!=", "<", "<=", ">", ">="];
const TYPES: [DataType; 5] = DataType::ALL;

pub struct Gen {
    rng: ChaCha8Rng,
    counter: usize,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            counter: 0,
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n.max(1))
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        items.choose(&mut self.rng).expect("non-empty")
    }

    fn fresh(&mut self, base: &str) -> String {
        self.counter += 1;
        format!("{base}{}", self.counter)
    }

    fn name(&mut self, base: &str) -> String {
        if self.chance(0.08) {
            let g = (*self.pick(GARBAGE_NAMES)).to_owned();
            if self.chance(0.2) {
                return g.repeat(40);
            }
            return g;
        }
        self.fresh(base)
    }

    fn data_type(&mut self) -> Lenient<DataType> {
        if self.chance(0.02) {
            return Lenient::Unknown("Tensor".to_owned());
        }
        Lenient::Known(*self.pick(&TYPES))
    }

    fn expression(&mut self) -> String {
        if self.chance(0.2) {
            (*self.pick(GARBAGE_EXPRESSIONS)).to_owned()
        } else {
            (*self.pick(VALID_EXPRESSIONS)).to_owned()
        }
    }

    fn string_literal(&mut self) -> String {
        let s = *self.pick(&[
            "BUG",
            "",
            "ünïcödé",
            "a \\\"quote\\\"",
            "🙂",
            "x y z",
            "\\\\",
        ]);
        format!("\"{s}\"")
    }

    fn operand(&mut self, inputs: &[String]) -> String {
        match self.below(6) {
            0 | 1 if !inputs.is_empty() => self.pick(inputs).clone(),
            0 | 1 => "missing".to_owned(),
            2 => self.string_literal(),
            3 => format!("{}", self.rng.random_range(-1000..1000) as f64 / 8.0),
            4 => (*self.pick(&["true", "false"])).to_owned(),
            _ => (*self.pick(&["unknownInput", "kind", "value", "done"])).to_owned(),
        }
    }

    /// A condition from the grammar, over the node's inputs (or unknown names).
    fn condition_expression(&mut self, inputs: &[String], depth: usize) -> String {
        if depth == 0 && self.chance(0.15) {
            return (*self.pick(GARBAGE_CONDITIONS)).to_owned();
        }
        match self.below(if depth > 2 { 2 } else { 6 }) {
            0 => {
                let l = self.operand(inputs);
                let op = *self.pick(OPS);
                let r = self.operand(inputs);
                format!("{l} {op} {r}")
            }
            1 => self.operand(inputs),
            2 => format!("not {}", self.condition_expression(inputs, depth + 1)),
            3 => format!("({})", self.condition_expression(inputs, depth + 1)),
            4 => format!(
                "{} and {}",
                self.condition_expression(inputs, depth + 1),
                self.condition_expression(inputs, depth + 1)
            ),
            _ => format!(
                "{} or {}",
                self.condition_expression(inputs, depth + 1),
                self.condition_expression(inputs, depth + 1)
            ),
        }
    }

    /// A flow definition: half near-valid (built valid, then perhaps broken a little),
    /// half chaos.
    pub fn definition(&mut self) -> (FlowDefinition, bool) {
        if self.chance(0.5) {
            let mut def = self.structured();
            let mutations = if self.chance(0.5) {
                0
            } else {
                1 + self.below(3)
            };
            for _ in 0..mutations {
                self.mutate(&mut def);
            }
            (def, mutations == 0)
        } else {
            (self.chaos(0, &[]), false)
        }
    }
}

/// Whether the definition holds something the compiler keeps but cannot run (an unknown
/// node type or input type): such a flow may have no plan even without errors.
/// Kept-but-unknown node, data or connection types are warnings, and leave no plan.
pub fn unrunnable(def: &FlowDefinition) -> bool {
    fn unknown_connection(def: &FlowDefinition) -> bool {
        def.connections
            .iter()
            .any(|c| matches!(c.connection_type, Lenient::Unknown(_)))
    }
    unknown_connection(def)
        || def.all_nodes().iter().any(|(_, n)| {
            matches!(n.node_type, Lenient::Unknown(_))
                || n.inputs
                    .iter()
                    .any(|i| matches!(i.data_type, Lenient::Unknown(_)))
                || match &n.configuration {
                    Some(strata::nodes::NodeConfiguration::Loop(l)) => {
                        unknown_connection(&l.definition)
                    }
                    _ => false,
                }
        })
}
