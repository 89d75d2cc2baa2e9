//! Fuzz targets, one per entry point that reads outside text, and the bad-input corpus whose
//! located errors are snapshotted. `cargo test --test fuzz` runs a short seeded smoke run of each;
//! `STRATA_FUZZ_SECONDS=600 cargo test --release --test fuzz -- --nocapture TARGET` runs one for
//! a set time (see README.md, "Test it").

mod support {
    pub mod fuzz;
}

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;
use std::path::{Path, PathBuf};
use strata::guardrail::{GuardrailEngine, Source};
use strata::import::ImportError;
use strata::model::{Guardrail, LoadError};
use support::fuzz::{self, documents, Render};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if ok {
        Ok(())
    } else {
        Err(TestCaseError::fail(what()))
    }
}

/// Every member of every fixture project whose key is `key`, as strings (JSON-encoded when
/// not a string).
fn fixture_members(key: &str) -> Vec<Value> {
    fn walk(v: &Value, key: &str, out: &mut Vec<Value>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k == key {
                        out.push(x.clone());
                    }
                    walk(x, key, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
        }
    }
    let mut out = Vec::new();
    let mut texts = fuzz::seeds(&root().join("tests/fixtures"), &[".json"]);
    texts.extend(fuzz::seeds(&root().join("templates"), &[".json"]));
    for t in texts {
        if let Ok(v) = serde_json::from_str::<Value>(&t) {
            walk(&v, key, &mut out);
        }
    }
    out
}

fn strings(values: Vec<Value>) -> Vec<String> {
    let mut out: Vec<String> = values
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    out.sort();
    out.dedup();
    out
}

// ---------------------------------------------------------------------------------------------
// Where errors say they are.

fn load_located(e: &LoadError) -> Result<(), String> {
    match e {
        LoadError::Syntax { line, .. } if *line == 0 => Err(format!("no line: {e}")),
        LoadError::Shape { path, .. } if path.is_empty() => Err(format!("no path: {e}")),
        // The schema version errors are about `schemaVersion`, and "not recognised" about the
        // whole document: their place is implied.
        LoadError::Syntax { .. }
        | LoadError::Shape { .. }
        | LoadError::NewerSchema { .. }
        | LoadError::UnknownSchema { .. }
        | LoadError::NotRecognised(_) => Ok(()),
    }
}

fn import_located(e: &ImportError) -> Result<(), String> {
    match e {
        ImportError::Load(l) => load_located(l),
        ImportError::Syntax { line: 0, .. } | ImportError::Syntax { column: 0, .. } => {
            Err(format!("no position: {e}"))
        }
        ImportError::Shape { at, .. } if at.is_empty() => Err(format!("no place: {e}")),
        ImportError::Unsupported { resource, .. } if resource.is_empty() => {
            Err(format!("no resource: {e}"))
        }
        ImportError::Syntax { .. }
        | ImportError::Shape { .. }
        | ImportError::Unsupported { .. }
        | ImportError::NotRecognised(_) => Ok(()),
    }
}

/// A JSON or YAML file's error says its 1-based line and column first, and only there.
fn located_once(message: &str) -> Result<(), String> {
    let position = regex::Regex::new(r"^line [1-9][0-9]*, column [1-9][0-9]*: ").expect("regex");
    let again = regex::Regex::new(r"line \d+,? column \d+").expect("regex");
    match position.find(message) {
        Some(m) if !again.is_match(&message[m.end()..]) => Ok(()),
        Some(_) | None => Err(format!("not located once: {message}")),
    }
}

fn column_in(column: usize, src: &str) -> bool {
    (1..=src.chars().count() + 1).contains(&column)
}

// ---------------------------------------------------------------------------------------------
// Targets.

fn project_seeds() -> Vec<String> {
    let mut s = fuzz::seeds(&root().join("tests/fixtures"), &[".json"]);
    s.extend(fuzz::seeds(&root().join("templates"), &[".json"]));
    s
}

#[test]
fn project_loader() {
    const RENDERS: &[Render] = &[Render::Json, Render::PrettyJson];
    fuzz::run(
        "project_loader",
        documents(project_seeds(), RENDERS),
        |text| {
            match strata::model::load(&text, "fuzz") {
                Ok(loaded) => {
                    // What loads must also compile without a panic.
                    let _ = strata::compile::compile(&loaded.project);
                    Ok(())
                }
                Err(e) => load_located(&e).map_err(TestCaseError::fail),
            }
        },
    );
}

/// Imports `text`: it loads, or is refused saying where.
fn import_refused_with_a_place(text: &str) -> Result<(), TestCaseError> {
    match strata::import::import(text, "fuzz") {
        Ok(_) => Ok(()),
        Err(e) => import_located(&e).map_err(TestCaseError::fail),
    }
}

#[test]
fn import_json() {
    const RENDERS: &[Render] = &[Render::Json, Render::PrettyJson];
    let mut seeds = fuzz::seeds(&root().join("tests/import_fixtures"), &[".json"]);
    seeds.extend(fuzz::seeds(&root().join("templates"), &[".json"]));
    fuzz::run("import_json", documents(seeds, RENDERS), |text| {
        import_refused_with_a_place(&text)
    });
}

#[test]
fn import_yaml() {
    const RENDERS: &[Render] = &[Render::Yaml];
    let seeds = fuzz::seeds(&root().join("tests/import_fixtures"), &[".yaml", ".yml"]);
    fuzz::run("import_yaml", documents(seeds, RENDERS), |text| {
        import_refused_with_a_place(&text)
    });
}

const EXPRESSIONS: &[&str] = &[
    "$.data",
    "$.data.a.b",
    "$.data[0]",
    "$.data[-1]",
    "$.data[0, 3, -2]",
    "$.data[1:]",
    "$.data[:-1]",
    "$.data[*].name",
    "$.data.*",
    "$.data.numbers[0:2]",
];

#[test]
fn input_expression() {
    let mut seeds = strings(fixture_members("expression"));
    seeds.retain(|s| s.starts_with("$."));
    seeds.extend(EXPRESSIONS.iter().map(|s| (*s).to_owned()));
    let data = prop_oneof![
        Just(serde_json::json!({"a": {"b": [1, 2, 3]}, "numbers": [1, 2, 3, 4]})),
        fuzz::json_value(),
    ];
    let strategy = (documents(seeds, &[Render::Json]), data);
    fuzz::run(
        "input_expression",
        strategy,
        |(src, data)| match strata::expr::parse_input_expression(&src) {
            Ok(e) => {
                let _ = e.evaluate(&data);
                let _ = e.result_type(strata::model::DataType::Object);
                let _ = e.to_string();
                Ok(())
            }
            Err(e) => ensure(column_in(e.column, &src), || {
                format!("column {} outside {src:?}: {e}", e.column)
            }),
        },
    );
}

const CONDITIONS: &[&str] = &[
    "(retailPrice > 10) and (type == \"produce\")",
    "not (a < 3) or b",
    "x == 1.5",
    "name != 'x'",
    "flag",
    "a >= b and c <= d",
];

#[test]
fn condition() {
    let mut seeds = strings(fixture_members("expression"));
    seeds.retain(|s| !s.starts_with("$."));
    seeds.extend(CONDITIONS.iter().map(|s| (*s).to_owned()));
    let strategy = (
        documents(seeds, &[Render::Json]),
        prop::collection::vec(fuzz::json_value(), 1..4),
    );
    fuzz::run(
        "condition",
        strategy,
        |(src, values)| match strata::condition::parse_condition(&src) {
            Ok(c) => {
                let names = c.input_names().len();
                let _ = c.check(|_| Some(strata::model::DataType::Number));
                let _ = c.evaluate(|name| Some(values[name.len() % values.len()].clone()));
                let _ = c.to_string();
                ensure(names <= src.len(), || {
                    "more inputs than characters".to_owned()
                })
            }
            Err(e) => ensure(column_in(e.column, &src), || {
                format!("column {} outside {src:?}: {e}", e.column)
            }),
        },
    );
}

const OPENAPI_YAML: &str = "openapi: 3.0.0\ninfo:\n  title: t\n  version: '1'\npaths:\n  /items/{id}:\n    get:\n      operationId: getItem\n      description: Gets one\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema: {type: string}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Item'}\ncomponents:\n  schemas:\n    Item:\n      type: object\n      properties:\n        id: {type: string}\n        next: {$ref: '#/components/schemas/Item'}\n";

#[test]
fn openapi() {
    let mut seeds = strings(fixture_members("payload"));
    seeds.push(OPENAPI_YAML.to_owned());
    const RENDERS: &[Render] = &[Render::Json, Render::Yaml];
    fuzz::run("openapi", documents(seeds, RENDERS), |text| {
        use strata::openapi::OpenApiError;
        match strata::openapi::parse(&text) {
            Ok(_) => Ok(()),
            // JSON and YAML errors alike say where.
            Err(e @ OpenApiError::Syntax { line, column, .. }) => {
                ensure(line > 0 && column > 0, || format!("no position: {e}"))
            }
            // Both are about the top level of the document.
            Err(OpenApiError::NotAnObject { .. } | OpenApiError::Paths { .. }) => Ok(()),
        }
    });
}

#[test]
fn replay_file() {
    let mut seeds = fuzz::seeds(
        &root().join("examples/customer-support/replays"),
        &[".yaml"],
    );
    seeds.extend(fuzz::seeds(&root().join("tests/run_fixtures"), &[".yaml"]));
    const RENDERS: &[Render] = &[Render::Json, Render::Yaml];
    fuzz::run("replay_file", documents(seeds, RENDERS), |text| {
        use strata::providers::scripted::{Script, ScriptError};
        match Script::parse(&text, "replay.yaml") {
            Err(ScriptError::Malformed { message, .. }) => {
                located_once(&message).map_err(TestCaseError::fail)
            }
            Ok(_) | Err(_) => Ok(()),
        }
    });
}

#[test]
fn answers_file() {
    let seeds = fuzz::seeds(
        &root().join("examples/customer-support/answers"),
        &[".yaml"],
    );
    const RENDERS: &[Render] = &[Render::Json, Render::Yaml];
    fuzz::run(
        "answers_file",
        documents(seeds, RENDERS),
        |text| match strata::cli::ask::parse(&text) {
            Ok(_) => Ok(()),
            Err(e) => located_once(&e.to_string()).map_err(TestCaseError::fail),
        },
    );
}

/// Text a guardrail sees: anything, with the things its detectors look for mixed in.
fn guarded_text() -> BoxedStrategy<String> {
    prop::collection::vec(
        prop_oneof![
            3 => fuzz::text_fragment(),
            1 => "[0-9\u{0966}-\u{096F}\u{0660}-\u{0669} -]{0,30}",
            1 => "[A-Z]{2}[0-9\u{0966}-\u{096F}]{2}[ 0-9A-Z\u{0966}-\u{096F}]{10,30}",
            1 => "\\PC{0,30}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
    .boxed()
}

/// Every PII entity the engine detects, so each detector sees the generated text.
const PII_ENTITIES: &[&str] = &[
    "EMAIL",
    "URL",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "CREDIT_DEBIT_CARD_NUMBER",
    // Devanagari digits match `\d`; the IBAN check once sliced inside them and panicked
    // (tests/bad_inputs/finding_guardrail_iban_devanagari.json).
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
    "US_SOCIAL_SECURITY_NUMBER",
    "US_BANK_ROUTING_NUMBER",
    "US_BANK_ACCOUNT_NUMBER",
    "CREDIT_DEBIT_CARD_CVV",
    "CREDIT_DEBIT_CARD_EXPIRY",
    "MAC_ADDRESS",
    "IP_ADDRESS",
    "UK_NATIONAL_INSURANCE_NUMBER",
    "VEHICLE_IDENTIFICATION_NUMBER",
    "PHONE",
    "PASSWORD",
    "USERNAME",
    "PIN",
    "AGE",
    "NAME",
    "ADDRESS",
    "SWIFT_CODE",
];

/// A guardrail with every policy on, half the PII entities blocked and half anonymised.
fn every_policy_guardrail() -> String {
    let pii: Vec<Value> = PII_ENTITIES
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let action = if i % 2 == 0 { "ANONYMIZE" } else { "BLOCK" };
            serde_json::json!({"type": e, "action": action})
        })
        .collect();
    serde_json::json!({
        "name": "every-policy",
        "blockedInputMessaging": "blocked in",
        "blockedOutputsMessaging": "blocked out",
        "contentPolicyConfig": {"filtersConfig": [
            {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
            {"type": "HATE", "inputStrength": "LOW", "outputStrength": "HIGH"}
        ]},
        "topicPolicyConfig": {"topicsConfig": [
            {"name": "money", "definition": "Investment advice", "examples": ["Which stock?"], "type": "DENY"}
        ]},
        "wordPolicyConfig": {
            "wordsConfig": [{"text": "forbidden word"}, {"text": "\u{0967}\u{0968}"}],
            "managedWordListsConfig": [{"type": "PROFANITY"}]
        },
        "sensitiveInformationPolicyConfig": {
            "piiEntitiesConfig": pii,
            "regexesConfig": [{"name": "order", "pattern": "ORD-[0-9]{6}", "action": "ANONYMIZE"}]
        }
    })
    .to_string()
}

#[test]
fn guardrail() {
    let mut seeds: Vec<String> = fixture_members("guardrails")
        .into_iter()
        .filter_map(|v| v.as_array().cloned())
        .flatten()
        .map(|g| g.to_string())
        .collect();
    seeds.push(every_policy_guardrail());
    let every = every_policy_guardrail();
    let strategy = (
        prop_oneof![1 => Just(every), 2 => documents(seeds, &[Render::Json])],
        guarded_text(),
        any::<bool>(),
    );
    fuzz::run("guardrail", strategy, |(doc, text, input)| {
        let Ok(g) = serde_json::from_str::<Guardrail>(&doc) else {
            return Ok(());
        };
        if let Ok(engine) = GuardrailEngine::new(&g) {
            let source = if input { Source::Input } else { Source::Output };
            let _ = engine.apply(source, &text);
        }
        Ok(())
    });
}

/// The fuzz target's finding, kept: an IBAN rule over text with a Devanagari digit in the
/// IBAN's check digits blocks or passes the text instead of panicking.
#[test]
fn guardrail_finding_iban_with_devanagari_digits() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad_inputs/finding_guardrail_iban_devanagari.json");
    let finding: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("finding file"))
            .expect("finding JSON");
    let guardrail: Guardrail =
        serde_json::from_value(finding["guardrail"].clone()).expect("guardrail");
    let engine = GuardrailEngine::new(&guardrail).expect("engine");
    let text = finding["text"].as_str().expect("text");
    let outcome = engine.apply(Source::Output, text);
    // Not a valid IBAN (its check digits are not ASCII), so nothing is blocked or changed.
    assert!(!outcome.blocked, "{outcome:?}");
    assert_eq!(outcome.output, text);
}

// ---------------------------------------------------------------------------------------------
// The bad-input corpus: every file's located error, snapshotted.

/// What an entry point says about one corpus file.
fn describe(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("corpus files are UTF-8");
    let category = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match category {
        "project" => match strata::model::load(&text, "bad") {
            Ok(l) => format!("loaded as {}", l.format.describe()),
            Err(e) => format!("{e:?}\n{e}"),
        },
        "import" => match strata::import::import(&text, "bad") {
            Ok(i) => format!(
                "imported as {} with {} warning(s)",
                i.format.describe(),
                i.warnings.len()
            ),
            Err(e) => format!("{e:?}\n{e}"),
        },
        "expression" => match strata::expr::parse_input_expression(text.trim_end_matches('\n')) {
            Ok(e) => format!("parsed: {e}"),
            Err(e) => format!("{e:?}\n{e}"),
        },
        "condition" => match strata::condition::parse_condition(text.trim_end_matches('\n')) {
            Ok(c) => format!("parsed: {c}"),
            Err(e) => format!("{e:?}\n{e}"),
        },
        "openapi" => match strata::openapi::parse(&text) {
            Ok(d) => format!("parsed: {} operation(s)", d.operations.len()),
            Err(e) => format!("{e:?}\n{e}"),
        },
        "replay" => match strata::providers::scripted::Script::parse(&text, "replay") {
            Ok(s) => format!("parsed: {} reply(ies)", s.replies.len()),
            Err(e) => format!("{e}"),
        },
        "answers" => match strata::cli::ask::parse(&text) {
            Ok(a) => format!("parsed: {} reply(ies)", a.replies.len()),
            Err(e) => format!("{e}"),
        },
        other => panic!("unknown corpus category {other}"),
    }
}

#[test]
fn bad_inputs() {
    insta::glob!("bad_inputs/*/*", |path| {
        let name = path
            .strip_prefix(root().join("tests/bad_inputs"))
            .unwrap_or(path)
            .display()
            .to_string();
        insta::assert_snapshot!(format!("{name}\n---\n{}", describe(path)));
    });
}

#[test]
fn bad_inputs_corpus_is_large() {
    let n = std::fs::read_dir(root().join("tests/bad_inputs"))
        .expect("tests/bad_inputs")
        .filter_map(Result::ok)
        .filter(|d| d.path().is_dir())
        .flat_map(|d| {
            std::fs::read_dir(d.path())
                .expect("category")
                .filter_map(Result::ok)
        })
        .count();
    assert!(n >= 200, "only {n} bad inputs");
}
