//! The compiler against Bedrock's rules: one fixture per diagnostic code, clean real-world
//! definitions, golden snapshots of diagnostics and plans, and a seeded random-graph test.
//!
//! Fixtures live in `tests/fixtures/`: `err_<code>.json` / `warn_<code>.json` trigger the code
//! in their name (and only the codes `expected.json` lists for them); `ok_*.json` must compile
//! without a single diagnostic.
//!
//! Replay a random-graph failure with the seed it prints:
//! `SEED=<seed> CASES=1 cargo test --test validate random_graphs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use strata::compile::{compile, Compiled, FlowPlan};
use strata::diagnostic::{Code, Diagnostic, Origin, Severity};
use strata::model::lenient::{Lenient, StrEnum};
use strata::model::{load, FlowDefinition, Loaded, Project};
use strata::nodes::NodeConfiguration;

/// Codes that have no fixture, and why. Every other code must have one.
///
/// Empty: every code can be triggered from a document. A code added here needs a comment
/// saying why no document can trigger it (for example a code only the UI or the runner
/// reports); the test fails if a listed code does have a fixture, so the list cannot go stale.
const NO_FIXTURE: &[(Code, &str)] = &[];

/// Fixtures whose flow gets a plan although it has errors, because of a known compiler bug.
/// The test fails when one of them is fixed, so that the entry gets removed. Empty now.
const KNOWN_PLAN_DESPITE_ERRORS: &[&str] = &[];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture file, sorted by name.
fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| p.file_name().is_some_and(|n| n != "expected.json"))
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .expect("UTF-8 file name")
        .to_owned()
}

/// `expected.json`: fixture file name → the set of codes it must produce.
fn expected() -> BTreeMap<String, BTreeSet<String>> {
    let text =
        std::fs::read_to_string(fixtures_dir().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json is a map of file name to code list")
}

fn load_fixture(path: &Path) -> Loaded {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let stem = file_name(path).trim_end_matches(".json").to_owned();
    load(&text, &stem).unwrap_or_else(|e| panic!("{} does not load: {e}", path.display()))
}

/// `CyclicConnection` → `cyclic_connection`.
fn snake_case(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn describe(diagnostics: &[Diagnostic]) -> String {
    let mut s = String::new();
    for d in diagnostics {
        let _ = writeln!(s, "    {d}");
    }
    if s.is_empty() {
        s.push_str("    (no diagnostics)\n");
    }
    s
}

fn codes_of(compiled: &Compiled) -> BTreeSet<String> {
    compiled
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// (a) fixtures

#[test]
fn each_fixture_produces_exactly_its_expected_codes() {
    let expected = expected();
    let files = fixture_files();
    assert!(files.len() > 60, "only {} fixtures found", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = file_name(path);
        let want: BTreeSet<String> = if name.starts_with("ok_") {
            BTreeSet::new()
        } else {
            match expected.get(&name) {
                Some(codes) => codes.clone(),
                None => {
                    failures.push(format!("{name}: not listed in expected.json"));
                    continue;
                }
            }
        };
        let project = load_fixture(path).project;
        let compiled = compile(&project);
        let got = codes_of(&compiled);
        if got != want {
            failures.push(format!(
                "{name}: expected {want:?}, got {got:?}\n{}",
                describe(&compiled.diagnostics)
            ));
        }
        // A flow gets a plan exactly when it has no errors (and holds nothing unknown).
        for flow in &project.flows {
            let flow_errors = compiled
                .errors()
                .any(|d| d.location.flow.as_deref() == Some(flow.name.as_str()));
            let plan = compiled.plan(&flow.name);
            let wrong = flow_errors == plan.is_some()
                && !(plan.is_none() && random::unrunnable(&flow.definition));
            let known_bug = KNOWN_PLAN_DESPITE_ERRORS.contains(&name.as_str());
            if wrong && !known_bug {
                failures.push(format!(
                    "{name}: flow {:?} has errors: {flow_errors}, a plan: {}",
                    flow.name,
                    plan.is_some()
                ));
            }
            if known_bug && !wrong {
                failures.push(format!(
                    "{name}: fixed; remove it from KNOWN_PLAN_DESPITE_ERRORS"
                ));
            }
            if let Some(plan) = plan {
                if let Err(e) = check_plan(plan, &flow.definition) {
                    failures.push(format!("{name}: {e}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixture_names_follow_their_code_and_severity() {
    let expected = expected();
    let files: BTreeSet<String> = fixture_files().iter().map(|p| file_name(p)).collect();
    for name in expected.keys() {
        assert!(
            files.contains(name),
            "expected.json lists {name}, which is not a fixture"
        );
        assert!(
            !name.starts_with("ok_"),
            "{name}: ok fixtures expect no codes and are not listed"
        );
    }
    for name in &files {
        if name.starts_with("ok_") {
            continue;
        }
        let codes = &expected[name];
        let (prefix, severity) = if let Some(rest) = name.strip_prefix("err_") {
            (rest, Severity::Error)
        } else if let Some(rest) = name.strip_prefix("warn_") {
            (rest, Severity::Warning)
        } else {
            panic!("{name}: fixtures are named ok_*, err_<code> or warn_<code>");
        };
        let stem = prefix.trim_end_matches(".json");
        let code = Code::VALUES
            .iter()
            .copied()
            .find(|c| snake_case(c.as_str()) == stem)
            .unwrap_or_else(|| panic!("{name}: {stem:?} is not the snake_case name of a code"));
        assert_eq!(
            code.severity(),
            severity,
            "{name}: {code} is a {}",
            code.severity()
        );
        assert!(
            codes.contains(code.as_str()),
            "{name} must expect {code}, expects {codes:?}"
        );
        for c in codes {
            assert!(Code::parse(c).is_some(), "{name}: {c:?} is not a code");
        }
    }
}

#[test]
fn every_code_has_a_fixture_unless_allow_listed() {
    let expected = expected();
    let covered: BTreeSet<&str> = expected.values().flatten().map(String::as_str).collect();
    let named: BTreeSet<String> = fixture_files().iter().map(|p| file_name(p)).collect();
    let mut missing = Vec::new();
    for &code in Code::VALUES {
        let snake = snake_case(code.as_str());
        let has_file = named.contains(&format!("err_{snake}.json"))
            || named.contains(&format!("warn_{snake}.json"));
        let allowed = NO_FIXTURE.iter().any(|(c, _)| *c == code);
        if allowed {
            assert!(
                !has_file,
                "{code} is allow-listed but has a fixture: remove it from NO_FIXTURE"
            );
        } else if !has_file || !covered.contains(code.as_str()) {
            missing.push(code.as_str());
        }
    }
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn at_least_six_clean_real_world_fixtures() {
    let ok: Vec<String> = fixture_files()
        .iter()
        .map(|p| file_name(p))
        .filter(|n| n.starts_with("ok_"))
        .collect();
    assert!(ok.len() >= 6, "only {} ok fixtures: {ok:?}", ok.len());
    // They use the three Bedrock document shapes and a project.
    let formats: BTreeSet<String> = ok
        .iter()
        .map(|n| format!("{:?}", load_fixture(&fixtures_dir().join(n)).format))
        .collect();
    for f in [
        "FlowDefinition",
        "CreateFlowRequest",
        "GetFlowResponse",
        "Project",
    ] {
        assert!(formats.contains(f), "no ok fixture is a {f}: {formats:?}");
    }
}

#[test]
fn bedrock_codes_are_exactly_bedrocks_flow_validation_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/flow-validation-types.json");
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("reference data"))
            .expect("JSON");
    let types: Vec<&str> = data["validationTypes"]
        .as_array()
        .expect("validationTypes")
        .iter()
        .map(|t| t["type"].as_str().expect("type"))
        .collect();
    assert!(types.len() >= 33, "{} validation types", types.len());
    for t in &types {
        if *t == "Unspecified" {
            continue;
        }
        let code = Code::parse(t).unwrap_or_else(|| panic!("FlowValidationType {t} is not a Code"));
        assert_eq!(code.origin(), Origin::Bedrock, "{t} must be a Bedrock code");
        assert_eq!(code.as_str(), *t);
    }
    for &code in Code::VALUES {
        if code.origin() == Origin::Bedrock {
            assert!(
                types.contains(&code.as_str()),
                "{code} claims to be Bedrock's but is not a FlowValidationType"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (b) golden diagnostics

#[test]
fn diagnostics_snapshots() {
    insta::glob!("fixtures/{err,warn,ok}_*.json", |path| {
        let compiled = compile(&load_fixture(path).project);
        insta::assert_json_snapshot!("diagnostics", compiled.diagnostics);
    });
}

// ---------------------------------------------------------------------------------------------
// (c) plans of the templates

/// Every node name of a definition, loop bodies included.
fn all_names(def: &FlowDefinition) -> Vec<String> {
    def.all_nodes()
        .iter()
        .map(|(_, n)| n.name.clone())
        .collect()
}

/// The invariants `compile::plan` documents, and that `render` lists every node.
fn check_plan(plan: &FlowPlan, def: &FlowDefinition) -> Result<(), String> {
    let rendered = plan.render();
    for name in all_names(def) {
        if !rendered.contains(&format!(". {name} [")) {
            return Err(format!("render does not list node {name:?}:\n{rendered}"));
        }
    }
    let g = plan.graph();
    if g.len() != def.nodes.len() {
        return Err(format!(
            "plan has {} nodes, definition {}",
            g.len(),
            def.nodes.len()
        ));
    }
    let order: Vec<_> = g.order().collect();
    if order.len() != g.len() {
        return Err(format!("order lists {} of {} nodes", order.len(), g.len()));
    }
    for (pos, id) in order.iter().enumerate() {
        let node = g.node(*id);
        if node.inputs.len() != node.node.inputs.len() {
            return Err(format!(
                "{}: {} wired inputs of {}",
                node.node.name,
                node.inputs.len(),
                node.node.inputs.len()
            ));
        }
        for (succ, _) in g.successors(*id) {
            let later = order
                .iter()
                .position(|x| *x == succ)
                .expect("successor in order");
            if later <= pos {
                return Err(format!(
                    "{} runs after its successor {}",
                    node.node.name,
                    g.node(succ).node.name
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn template_plans_snapshots() {
    assert_eq!(strata::templates::TEMPLATES.len(), 4);
    for t in strata::templates::TEMPLATES {
        let project =
            strata::templates::instantiate(t, t.name).unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let compiled = compile(&project);
        assert!(
            !compiled.has_errors(),
            "template {} has errors:\n{}",
            t.name,
            describe(&compiled.diagnostics)
        );
        assert_eq!(
            compiled.plans.len(),
            project.flows.len(),
            "template {}",
            t.name
        );
        for flow in &project.flows {
            let plan = compiled.plan(&flow.name).expect("a plan per flow");
            check_plan(plan, &flow.definition)
                .unwrap_or_else(|e| panic!("{}/{}: {e}", t.name, flow.name));
            insta::assert_snapshot!(format!("plan_{}_{}", t.name, flow.name), plan.render());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (d) random graphs

mod random {
    use rand::seq::IndexedRandom;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use strata::model::flow::{
        ConditionalConnection, ConnectionConfiguration, DataConnection, FlowConnection,
        FlowDefinition, FlowNode, FlowNodeInput, FlowNodeOutput, InputCategory,
    };
    use strata::model::lenient::{Lenient, StrEnum};
    use strata::model::DataType;
    use strata::nodes::condition::FlowCondition;
    use strata::nodes::prompt::{PromptSource, TemplateConfiguration};
    use strata::nodes::{NodeConfiguration, NodeType, REGISTRY};

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

        // ----------------------------------------------------------------- chaos

        fn chaos(&mut self, depth: usize, outer: &[String]) -> FlowDefinition {
            let n = self.below(if depth == 0 { 12 } else { 6 });
            let mut nodes = Vec::with_capacity(n);
            for _ in 0..n {
                let kind = *self.pick(REGISTRY);
                let name = self.name(kind.name());
                let mut node = (kind.new_node)(&name);
                self.mutate_node(&mut node, depth, outer);
                nodes.push(node);
            }
            let mut def = FlowDefinition {
                nodes,
                connections: vec![],
            };
            let m = self.below(2 * n + 3);
            for _ in 0..m {
                let c = self.random_connection(&def, outer);
                def.connections.push(c);
            }
            def
        }

        fn endpoint(&mut self, def: &FlowDefinition, outer: &[String]) -> String {
            match self.below(12) {
                0 => (*self.pick(GARBAGE_NAMES)).to_owned(),
                1 if !outer.is_empty() => self.pick(outer).clone(),
                _ if !def.nodes.is_empty() => self.pick(&def.nodes).name.clone(),
                _ => "Nowhere".to_owned(),
            }
        }

        fn random_connection(&mut self, def: &FlowDefinition, outer: &[String]) -> FlowConnection {
            let source = self.endpoint(def, outer);
            let target = self.endpoint(def, outer);
            let src = def.nodes.iter().find(|n| n.name == source);
            let tgt = def.nodes.iter().find(|n| n.name == target);
            let conditional = self.chance(0.25);
            let output = match src {
                Some(n) if !n.outputs.is_empty() && !self.chance(0.1) => {
                    self.pick(&n.outputs).name.clone()
                }
                _ => self.name("out"),
            };
            let input = match tgt {
                Some(n) if !n.inputs.is_empty() && !self.chance(0.1) => {
                    self.pick(&n.inputs).name.clone()
                }
                _ => self.name("in"),
            };
            let condition = match src.and_then(|n| match &n.configuration {
                Some(NodeConfiguration::Condition(c)) if !c.conditions.is_empty() => {
                    Some(c.conditions.clone())
                }
                _ => None,
            }) {
                Some(conds) if !self.chance(0.1) => self.pick(&conds).name.clone(),
                _ => (*self.pick(&["default", "matched", "nope"])).to_owned(),
            };
            let mut c = if conditional {
                FlowConnection::conditional(&source, &condition, &target)
            } else {
                FlowConnection::data(&source, &output, &target, &input)
            };
            match self.below(30) {
                0 => c.configuration = None,
                1 => c.connection_type = Lenient::Unknown("Streaming".to_owned()),
                2 => {
                    c.configuration = Some(if conditional {
                        ConnectionConfiguration::Data(DataConnection {
                            source_output: output,
                            target_input: input,
                        })
                    } else {
                        ConnectionConfiguration::Conditional(ConditionalConnection { condition })
                    })
                }
                3 => c.name = (*self.pick(GARBAGE_NAMES)).to_owned(),
                4 => c.name = "Dup".to_owned(),
                _ => {}
            }
            c
        }

        fn mutate_node(&mut self, node: &mut FlowNode, depth: usize, outer: &[String]) {
            if self.chance(0.03) {
                node.node_type = Lenient::Unknown("Quantum".to_owned());
            }
            if self.chance(0.05) {
                node.configuration = None;
            }
            for input in &mut node.inputs {
                if self.chance(0.3) {
                    input.expression = self.expression();
                }
                if self.chance(0.15) {
                    input.data_type = self.data_type();
                }
                if self.chance(0.1) {
                    input.category = Some(if self.chance(0.1) {
                        Lenient::Unknown("Sometimes".to_owned())
                    } else {
                        Lenient::Known(*self.pick(InputCategory::VALUES))
                    });
                }
            }
            for output in &mut node.outputs {
                if self.chance(0.15) {
                    output.data_type = self.data_type();
                }
            }
            if self.chance(0.2) {
                let name = self.name("extra");
                let data_type = self.data_type();
                let expression = self.expression();
                node.inputs.push(FlowNodeInput {
                    name,
                    data_type,
                    expression,
                    category: None,
                });
            }
            if self.chance(0.1) && !node.inputs.is_empty() {
                let i = self.below(node.inputs.len());
                node.inputs.remove(i);
            }
            if self.chance(0.1) {
                let name = self.name("more");
                let data_type = self.data_type();
                node.outputs.push(FlowNodeOutput { name, data_type });
            }
            if self.chance(0.1) && !node.outputs.is_empty() {
                let i = self.below(node.outputs.len());
                node.outputs.remove(i);
            }
            if self.chance(0.02) {
                let count = 3 + self.below(25);
                for _ in 0..count {
                    let name = self.fresh("many");
                    node.inputs
                        .push(FlowNodeInput::new(&name, DataType::String));
                }
            }
            let inputs: Vec<String> = node.inputs.iter().map(|i| i.name.clone()).collect();
            let own_name = node.name.clone();
            match &mut node.configuration {
                Some(NodeConfiguration::Condition(c)) if self.chance(0.8) => {
                    let count = self.below(8);
                    c.conditions.clear();
                    for _ in 0..count {
                        let name = if self.chance(0.25) {
                            "default".to_owned()
                        } else {
                            self.name("cond")
                        };
                        let expression = if self.chance(0.15) {
                            None
                        } else {
                            Some(self.condition_expression(&inputs, 0))
                        };
                        c.conditions.push(FlowCondition { name, expression });
                    }
                }
                Some(NodeConfiguration::LoopController(c)) if self.chance(0.5) => {
                    c.continue_condition.expression = if self.chance(0.1) {
                        None
                    } else {
                        Some(self.condition_expression(&inputs, 0))
                    };
                    if self.chance(0.2) {
                        c.max_iterations = Some(self.rng.random_range(0..2000));
                    }
                }
                Some(NodeConfiguration::Prompt(p)) if self.chance(0.4) => {
                    if let PromptSource::Inline(inline) = &mut p.source_configuration {
                        if let TemplateConfiguration::Text(t) = &mut inline.template_configuration {
                            let mut text = String::from("Say ");
                            for _ in 0..self.below(4) {
                                let var = if !inputs.is_empty() && self.chance(0.7) {
                                    self.pick(&inputs).clone()
                                } else {
                                    self.name("var")
                                };
                                text.push_str(&format!("{{{{{var}}}}} and "));
                            }
                            if self.chance(0.1) {
                                text.push_str("{{unclosed");
                            }
                            t.text = text;
                        }
                    }
                }
                Some(NodeConfiguration::Loop(l)) if depth < 2 => {
                    let mut names: Vec<String> = outer.to_vec();
                    names.push(own_name);
                    match self.below(3) {
                        0 => l.definition = self.chaos(depth + 1, &names),
                        1 => {
                            for _ in 0..self.below(4) {
                                let kind = *self.pick(REGISTRY);
                                let name = self.name(kind.name());
                                let mut inner = (kind.new_node)(&name);
                                self.mutate_node(&mut inner, depth + 1, &names);
                                l.definition.nodes.push(inner);
                            }
                            for _ in 0..self.below(4) {
                                let c = self.random_connection(&l.definition, &names);
                                l.definition.connections.push(c);
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }

        // ----------------------------------------------------------------- near-valid flows

        /// A valid flow: Input, then a few steps each fed from earlier outputs, then Outputs.
        fn structured(&mut self) -> FlowDefinition {
            let mut b = Builder::default();
            let mut input = (REGISTRY[0].new_node)("FlowInput");
            input.outputs[0].data_type = Lenient::Known(DataType::Object);
            b.add(input);
            let steps = 1 + self.below(7);
            for _ in 0..steps {
                match self.below(11) {
                    0 | 1 => {
                        let name = self.fresh("Ask");
                        let mut node = (NodeType::Prompt.kind().new_node)(&name);
                        node.inputs[0].data_type = Lenient::Known(*self.pick(&TYPES));
                        self.feed(&mut b, node);
                    }
                    2 => {
                        let name = self.fresh("Code");
                        let mut node = (NodeType::InlineCode.kind().new_node)(&name);
                        node.outputs[0].data_type = Lenient::Known(*self.pick(&TYPES));
                        self.feed(&mut b, node);
                    }
                    3 => {
                        let name = self.fresh("Lambda");
                        let mut node = (NodeType::LambdaFunction.kind().new_node)(&name);
                        if let Some(NodeConfiguration::LambdaFunction(c)) = &mut node.configuration
                        {
                            c.lambda_arn =
                                "arn:aws:lambda:us-east-1:123456789012:function:step".to_owned();
                        }
                        self.feed(&mut b, node);
                    }
                    4 => {
                        let name = self.fresh("Docs");
                        let mut node = (NodeType::KnowledgeBase.kind().new_node)(&name);
                        if let Some(NodeConfiguration::KnowledgeBase(c)) = &mut node.configuration {
                            c.knowledge_base_id = "KB12345678".to_owned();
                            if self.chance(0.5) {
                                c.model_id =
                                    Some("anthropic.claude-3-haiku-20240307-v1:0".to_owned());
                                node.outputs =
                                    vec![FlowNodeOutput::new("outputText", DataType::String)];
                            }
                        }
                        self.feed(&mut b, node);
                    }
                    5 => {
                        let name = self.fresh("Agent");
                        let mut node = (NodeType::Agent.kind().new_node)(&name);
                        if let Some(NodeConfiguration::Agent(c)) = &mut node.configuration {
                            c.agent_alias_arn =
                                "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS12345".to_owned();
                        }
                        self.feed(&mut b, node);
                    }
                    6 => {
                        let kind = if self.chance(0.5) {
                            NodeType::Storage
                        } else {
                            NodeType::Retrieval
                        };
                        let name = self.fresh("S3");
                        let mut node = (kind.kind().new_node)(&name);
                        match &mut node.configuration {
                            Some(NodeConfiguration::Storage(c)) => {
                                c.service_configuration = s3("my-bucket");
                            }
                            Some(NodeConfiguration::Retrieval(c)) => {
                                c.service_configuration = s3("my-bucket");
                            }
                            _ => {}
                        }
                        self.feed(&mut b, node);
                    }
                    7 => {
                        let name = self.fresh("Lex");
                        let mut node = (NodeType::Lex.kind().new_node)(&name);
                        if let Some(NodeConfiguration::Lex(c)) = &mut node.configuration {
                            c.bot_alias_arn =
                                "arn:aws:lex:us-east-1:123456789012:bot-alias/BOT1/ALIAS1"
                                    .to_owned();
                        }
                        self.feed(&mut b, node);
                    }
                    8 => self.iterate(&mut b),
                    9 => self.branch(&mut b),
                    _ => self.looped(&mut b),
                }
            }
            // Outputs for a few of the outputs produced, always at least one.
            let count = 1 + self.below(3);
            for _ in 0..count {
                let (node, output, data_type) = self.pick(&b.sources).clone();
                let name = self.fresh("Out");
                let mut out = (NodeType::Output.kind().new_node)(&name);
                out.inputs[0].data_type = Lenient::Known(data_type);
                b.connections
                    .push(FlowConnection::data(&node, &output, &name, "document"));
                b.add_node_only(out);
            }
            FlowDefinition {
                nodes: b.nodes,
                connections: b.connections,
            }
        }

        /// Feeds each of `node`'s inputs from an earlier output, type-correctly, and adds it.
        fn feed(&mut self, b: &mut Builder, mut node: FlowNode) {
            for input in &mut node.inputs {
                let want = input.data_type.get().unwrap_or(DataType::String);
                let same: Vec<(String, String, DataType)> =
                    b.sources.iter().filter(|s| s.2 == want).cloned().collect();
                let (src, out, expression) = if !same.is_empty() && self.chance(0.6) {
                    let (n, o, _) = self.pick(&same).clone();
                    (n, o, "$.data".to_owned())
                } else {
                    let objects: Vec<(String, String, DataType)> = b
                        .sources
                        .iter()
                        .filter(|s| s.2 == DataType::Object)
                        .cloned()
                        .collect();
                    let (n, o, _) = self.pick(&objects).clone();
                    (n, o, format!("$.data.{}", self.fresh("field")))
                };
                input.expression = expression;
                b.connections
                    .push(FlowConnection::data(&src, &out, &node.name, &input.name));
            }
            b.add(node);
        }

        /// Iterator → Prompt → Collector.
        fn iterate(&mut self, b: &mut Builder) {
            let it = self.fresh("Each");
            let step = self.fresh("PerItem");
            let col = self.fresh("Gather");
            let iterator = (NodeType::Iterator.kind().new_node)(&it);
            self.feed(b, iterator);
            let mut prompt = (NodeType::Prompt.kind().new_node)(&step);
            prompt.inputs[0].expression = "$.data".to_owned();
            b.connections
                .push(FlowConnection::data(&it, "arrayItem", &step, "topic"));
            b.add(prompt);
            let collector = (NodeType::Collector.kind().new_node)(&col);
            b.connections.push(FlowConnection::data(
                &step,
                "modelCompletion",
                &col,
                "arrayItem",
            ));
            b.connections
                .push(FlowConnection::data(&it, "arraySize", &col, "arraySize"));
            b.add(collector);
        }

        /// A Condition whose two conditions gate an Output each; the gated Output takes its
        /// document from a Data connection, or the value the Condition node forwards.
        fn branch(&mut self, b: &mut Builder) {
            let name = self.fresh("Route");
            let mut node = (NodeType::Condition.kind().new_node)(&name);
            if let Some(NodeConfiguration::Condition(c)) = &mut node.configuration {
                let expression = *self.pick(&[
                    "value == \"yes\"",
                    "value != \"\"",
                    "(value == \"a\") or (value == \"b\")",
                    "not (value == \"no\")",
                    "value == \"ünïcödé 🙂\"",
                ]);
                c.conditions[0].expression = Some(expression.to_owned());
            }
            self.feed(b, node);
            for condition in ["matched", "default"] {
                let out = self.fresh("Branch");
                let mut output = (NodeType::Output.kind().new_node)(&out);
                b.connections
                    .push(FlowConnection::conditional(&name, condition, &out));
                if self.chance(0.5) {
                    output.inputs[0].data_type = Lenient::Known(DataType::String);
                } else {
                    let (src, o, t) = self.pick(&b.sources).clone();
                    output.inputs[0].data_type = Lenient::Known(t);
                    b.connections
                        .push(FlowConnection::data(&src, &o, &out, "document"));
                }
                b.add_node_only(output);
            }
        }

        /// The palette's Loop, with unique body names, a body step and a condition that
        /// reads an input the controller has.
        fn looped(&mut self, b: &mut Builder) {
            let name = self.fresh("Loop");
            let mut node = (NodeType::Loop.kind().new_node)(&name);
            let start = format!("{name}Start");
            let end = format!("{name}End");
            let step = format!("{name}Step");
            if let Some(NodeConfiguration::Loop(l)) = &mut node.configuration {
                let body = &mut l.definition;
                for n in &mut body.nodes {
                    n.name = match n.kind() {
                        Some(NodeType::LoopInput) => start.clone(),
                        _ => end.clone(),
                    };
                    if let Some(NodeConfiguration::LoopController(c)) = &mut n.configuration {
                        // A condition of its own, on the value the step returns.
                        c.continue_condition.expression = Some("text != \"stop\"".to_owned());
                    }
                }
                let mut prompt = (NodeType::Prompt.kind().new_node)(&step);
                prompt.inputs[0].expression = "$.data".to_owned();
                body.nodes.push(prompt);
                body.connections = vec![
                    FlowConnection::data(&start, "text", &step, "topic"),
                    FlowConnection::data(&step, "modelCompletion", &end, "text"),
                    FlowConnection::data(&start, "text", &end, "result"),
                ];
            }
            self.feed(b, node);
        }

        // ----------------------------------------------------------------- mutations

        fn mutate(&mut self, def: &mut FlowDefinition) {
            let n = def.nodes.len();
            match self.below(12) {
                0 if !def.connections.is_empty() => {
                    let i = self.below(def.connections.len());
                    def.connections.remove(i);
                }
                1 if !def.connections.is_empty() => {
                    let mut c = self.pick(&def.connections).clone();
                    if self.chance(0.5) {
                        c.name = self.fresh("Copy");
                    }
                    def.connections.push(c);
                }
                2 if n > 1 => {
                    // A back edge: from a later node's output to an earlier node's input.
                    let a = self.below(n);
                    let z = self.below(n);
                    let (from, to) = (a.max(z), a.min(z));
                    if let (Some(o), Some(i)) = (
                        def.nodes[from].outputs.first(),
                        def.nodes[to].inputs.first(),
                    ) {
                        let c = FlowConnection::data(
                            &def.nodes[from].name,
                            &o.name,
                            &def.nodes[to].name,
                            &i.name,
                        );
                        def.connections.push(c);
                    }
                }
                3 if n > 0 => {
                    let e = self.expression();
                    let node = &mut def.nodes[self.rng.random_range(0..n)];
                    if let Some(input) = node.inputs.first_mut() {
                        input.expression = e;
                    }
                }
                4 if n > 0 => {
                    let t = self.data_type();
                    let node = &mut def.nodes[self.rng.random_range(0..n)];
                    if let Some(input) = node.inputs.first_mut() {
                        input.data_type = t;
                    } else if let Some(output) = node.outputs.first_mut() {
                        output.data_type = t;
                    }
                }
                5 if n > 0 => {
                    let name = self.name("Renamed");
                    let i = self.below(n);
                    def.nodes[i].name = name;
                }
                6 if n > 0 => {
                    let i = self.below(n);
                    def.nodes.remove(i);
                }
                7 if n > 0 => {
                    let i = self.below(n);
                    def.nodes[i].configuration = None;
                }
                8 => {
                    for i in 0..n {
                        let inputs: Vec<String> =
                            def.nodes[i].inputs.iter().map(|x| x.name.clone()).collect();
                        let expression = self.condition_expression(&inputs, 0);
                        if let Some(NodeConfiguration::Condition(c)) =
                            &mut def.nodes[i].configuration
                        {
                            if let Some(first) = c.conditions.first_mut() {
                                first.expression = Some(expression);
                                break;
                            }
                        }
                    }
                }
                9 => {
                    let c = self.random_connection(def, &[]);
                    def.connections.push(c);
                }
                10 if n > 0 => {
                    let i = self.below(n);
                    let mut node = def.nodes[i].clone();
                    self.mutate_node(&mut node, 0, &[]);
                    def.nodes[i] = node;
                }
                _ => {
                    // Nodes in a different order change nothing Bedrock checks.
                    let len = def.nodes.len();
                    if len > 1 {
                        let a = self.below(len);
                        let z = self.below(len);
                        def.nodes.swap(a, z);
                    }
                }
            }
        }
    }

    fn s3(bucket: &str) -> strata::nodes::storage::S3Service {
        strata::nodes::storage::S3Service::S3(strata::nodes::storage::S3Bucket {
            bucket_name: bucket.to_owned(),
        })
    }

    #[derive(Default)]
    struct Builder {
        nodes: Vec<FlowNode>,
        connections: Vec<FlowConnection>,
        /// (node, output, type) of every output so far.
        sources: Vec<(String, String, DataType)>,
    }

    impl Builder {
        fn add(&mut self, node: FlowNode) {
            for o in &node.outputs {
                if let Some(t) = o.data_type.get() {
                    self.sources.push((node.name.clone(), o.name.clone(), t));
                }
            }
            self.nodes.push(node);
        }

        fn add_node_only(&mut self, node: FlowNode) {
            self.nodes.push(node);
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
}

fn seed_from_env() -> u64 {
    match std::env::var("SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("SEED={s:?} is not a u64")),
        Err(_) => 0x5EED_F10E,
    }
}

fn cases_from_env() -> u64 {
    std::env::var("CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(2000)
}

/// Checks one random case; `Err` says what went wrong.
fn check_random_case(seed: u64) -> Result<(bool, bool), String> {
    let mut generator = random::Gen::new(seed);
    let (definition, pristine) = generator.definition();
    let mut project = Project::new("random");
    project.flows.push(strata::model::Flow {
        name: "random".to_owned(),
        description: None,
        execution_role_arn: None,
        customer_encryption_key_arn: None,
        definition,
        samples: vec![],
    });
    let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compile(&project)))
        .map_err(|_| "compile panicked".to_owned())?;
    let def = &project.flows[0].definition;
    let errors = compiled.has_errors();
    let plan = compiled.plan("random");
    if errors && plan.is_some() {
        return Err("a plan despite errors".to_owned());
    }
    if !errors && plan.is_none() && !random::unrunnable(def) {
        return Err("no errors but no plan".to_owned());
    }
    if pristine && errors {
        return Err(format!(
            "a flow built valid has errors:\n{}",
            describe(&compiled.diagnostics)
        ));
    }
    if let Some(plan) = plan {
        check_plan(plan, def)?;
    }
    for d in &compiled.diagnostics {
        if d.severity != d.code.severity() && d.code != Code::TooManyConnections {
            return Err(format!("{} reported as {}: {d}", d.code, d.severity));
        }
        if d.location.flow.as_deref() != Some("random") {
            return Err(format!("diagnostic without its flow: {d}"));
        }
        if d.message.is_empty() {
            return Err(format!("{} without a message", d.code));
        }
    }
    // Compiling is a function of the document: saving and loading it changes nothing.
    let reloaded = load(&project.to_json(), "random")
        .map_err(|e| format!("saved project does not load: {e}"))?;
    if reloaded.project != project {
        return Err("the project changed on a save/load round trip".to_owned());
    }
    let again = compile(&reloaded.project);
    if again.diagnostics != compiled.diagnostics {
        return Err("diagnostics changed after a save/load round trip".to_owned());
    }
    Ok((plan.is_some(), errors))
}

#[test]
fn random_graphs() {
    let base = seed_from_env();
    let cases = cases_from_env();
    let mut plans = 0u64;
    let mut with_errors = 0u64;
    let mut failures = Vec::new();
    for i in 0..cases {
        let seed = base.wrapping_add(i);
        match check_random_case(seed) {
            Ok((plan, errors)) => {
                plans += u64::from(plan);
                with_errors += u64::from(errors);
            }
            Err(why) => {
                let (def, _) = random::Gen::new(seed).definition();
                failures.push(format!(
                    "case {i}: {why}\n  replay: SEED={seed} CASES=1 cargo test --test validate random_graphs\n  definition: {}",
                    serde_json::to_string(&def).unwrap_or_default()
                ));
                if failures.len() >= 5 {
                    break;
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "random graphs (SEED={base}, CASES={cases}) failed:\n\n{}",
        failures.join("\n\n")
    );
    if cases >= 200 {
        // Both sides of "a plan iff no errors" must be exercised, or the test proves nothing.
        assert!(
            plans * 10 >= cases,
            "only {plans} of {cases} random flows got a plan"
        );
        assert!(
            with_errors * 4 >= cases,
            "only {with_errors} of {cases} random flows had errors"
        );
    }
    eprintln!(
        "random graphs: SEED={base}, {cases} cases, {plans} plans, {with_errors} with errors"
    );
}

// ---------------------------------------------------------------------------------------------
// A few properties of the fixtures beyond their codes.

#[test]
fn unknown_values_are_warnings_and_kept() {
    for name in [
        "warn_unknown_node_type.json",
        "warn_unknown_enum_value.json",
    ] {
        let loaded = load_fixture(&fixtures_dir().join(name));
        let compiled = compile(&loaded.project);
        assert!(
            !compiled.has_errors(),
            "{name}:\n{}",
            describe(&compiled.diagnostics)
        );
        let saved = loaded.project.to_json();
        assert!(
            saved.contains("DataAutomation") || saved.contains("\"system\""),
            "{name}: unknown value lost on save"
        );
    }
    let def = &load_fixture(&fixtures_dir().join("warn_unknown_node_type.json"))
        .project
        .flows[0]
        .definition;
    assert!(def
        .nodes
        .iter()
        .any(|n| matches!(&n.node_type, Lenient::Unknown(t) if t == "DataAutomation")));
    assert!(def.nodes.iter().any(|n| matches!(&n.configuration, Some(NodeConfiguration::Unknown { key, .. }) if key == "dataAutomation")));
}

/// Whether a diagnostic points at the right place.
type PointsRight = fn(&Diagnostic) -> bool;

#[test]
fn bedrock_diagnostics_point_where_bedrock_does() {
    // Bedrock's FlowValidationDetails name a node, a connection or nothing; Strata's location
    // must carry the same member for a sample of codes.
    let cases: &[(&str, Code, PointsRight)] = &[
        ("err_cyclic_connection.json", Code::CyclicConnection, |d| {
            d.location.connection.is_some()
        }),
        ("err_unreachable_node.json", Code::UnreachableNode, |d| {
            d.location.node.is_some()
        }),
        (
            "err_unknown_connection_target.json",
            Code::UnknownConnectionTarget,
            |d| d.location.connection.as_deref() == Some("SummariseToArchiveContent"),
        ),
        (
            "err_malformed_condition_expression.json",
            Code::MalformedConditionExpression,
            |d| {
                d.location.node.as_deref() == Some("Route")
                    && d.location.condition.as_deref() == Some("isBug")
            },
        ),
        (
            "err_malformed_node_input_expression.json",
            Code::MalformedNodeInputExpression,
            |d| {
                d.location.node.as_deref() == Some("Summarise")
                    && d.location.input.as_deref() == Some("message")
            },
        ),
        (
            "err_missing_default_condition.json",
            Code::MissingDefaultCondition,
            |d| d.location.node.as_deref() == Some("Route"),
        ),
        (
            "err_unfulfilled_node_input.json",
            Code::UnfulfilledNodeInput,
            |d| {
                d.location.node.as_deref() == Some("Reply")
                    && d.location.input.as_deref() == Some("tone")
            },
        ),
        (
            "err_missing_loop_controller_node.json",
            Code::MissingLoopControllerNode,
            |d| d.location.node.as_deref() == Some("Refine"),
        ),
        (
            "err_missing_ending_nodes.json",
            Code::MissingEndingNodes,
            |d| d.location.node.is_none() && d.location.connection.is_none(),
        ),
    ];
    for (file, code, check) in cases {
        let compiled = compile(&load_fixture(&fixtures_dir().join(file)).project);
        let found: Vec<&Diagnostic> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.code == *code)
            .collect();
        assert!(!found.is_empty(), "{file}: no {code}");
        for d in found {
            assert!(check(d), "{file}: {code} points at {:?}", d.location);
            assert!(!d.hint.is_empty(), "{file}: {code} has no hint");
        }
    }
}

#[test]
fn cyclic_connection_names_each_connection_of_the_cycle() {
    let compiled =
        compile(&load_fixture(&fixtures_dir().join("err_cyclic_connection.json")).project);
    let on_cycle: BTreeSet<&str> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::CyclicConnection)
        .filter_map(|d| d.location.connection.as_deref())
        .collect();
    assert_eq!(
        on_cycle,
        BTreeSet::from(["CritiqueToDraftFeedback", "DraftToCritiqueDraft"]),
        "the edge to the Output is not on the cycle"
    );
}

/// `compile_in` resolves handlers on disk: a link out of the project is a warning, a handler
/// inside is not, and the text-only check already catches `..` and absolute paths.
#[cfg(all(unix, feature = "runtime"))]
#[test]
fn handlers_linked_out_of_the_project_are_warnings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project_dir = dir.path().join("project");
    std::fs::create_dir_all(project_dir.join("handlers")).expect("mkdir");
    std::fs::write(project_dir.join("handlers/inside.py"), "").expect("write");
    std::fs::write(dir.path().join("outside.py"), "").expect("write");
    std::os::unix::fs::symlink(
        dir.path().join("outside.py"),
        project_dir.join("handlers/linked.py"),
    )
    .expect("link");
    let path = fixtures_dir().join("warn_handler_outside_project.json");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let codes_for = |handler: &str| -> Vec<String> {
        let mut doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        doc["nodes"][1]["configuration"]["lambdaFunction"]["localHandler"] =
            serde_json::Value::String(handler.to_owned());
        let project = load(&doc.to_string(), "linked").expect("loads").project;
        strata::compile::compile_in(&project, &project_dir)
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect()
    };
    assert_eq!(
        codes_for("handlers/inside.py:handler"),
        Vec::<String>::new()
    );
    let linked = codes_for("handlers/linked.py:handler");
    assert_eq!(linked.len(), 1, "{linked:?}");
    assert!(linked[0].starts_with("HandlerOutsideProject"), "{linked:?}");
    assert!(linked[0].contains("outside.py"), "{linked:?}");
    assert_eq!(codes_for("/tmp/abs.py:handler").len(), 1);
    assert_eq!(codes_for("../outside.py:handler").len(), 1);
}
