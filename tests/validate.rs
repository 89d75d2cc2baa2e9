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

mod support {
    pub mod json;
    pub mod random_flow;
}

use support::json::strings;
use support::random_flow as random;

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

/// A fixture compiled as `strata validate` compiles it: against the files beside it (handler
/// files, documents folders).
fn compile_fixture(project: &Project) -> Compiled {
    #[cfg(feature = "runtime")]
    return strata::compile::compile_in(project, &fixtures_dir());
    #[cfg(not(feature = "runtime"))]
    return compile(project);
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
        let compiled = compile_fixture(&project);
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
    let types = strings(&data["validationTypes"], "type");
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
        let compiled = compile_fixture(&load_fixture(path).project);
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
