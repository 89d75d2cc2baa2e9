//! The fuzz harness: seeded proptest runs with a time budget, and structure-aware generators
//! that mutate valid documents (text edits, JSON value swaps, YAML re-rendering) as well as
//! producing random strings.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::Value;
use std::cell::Cell;
use std::path::Path;
use std::time::{Duration, Instant};

/// The largest input a generator hands a target; parsers refuse or handle anything bigger
/// before it reaches them, so larger inputs only slow the run.
pub const MAX_INPUT: usize = 64 * 1024;

/// Cases per round: a smoke run is one round; a timed run repeats rounds with new seeds.
const SMOKE_CASES: u32 = 300;

/// The seed a smoke run uses when `STRATA_FUZZ_SEED` is not set, so CI runs are repeatable.
const DEFAULT_SEED: u64 = 0x5354_5241_5441;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn rng(seed: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let word = seed.rotate_left(u32::try_from(i).unwrap_or(0) * 16) ^ (i as u64);
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// Runs `check` on generated cases. Without `STRATA_FUZZ_SECONDS` this is one seeded round of
/// [`SMOKE_CASES`]; with it, rounds with consecutive seeds until the time is spent, and a case
/// slower than `STRATA_FUZZ_CASE_MS` (default 2000) fails. A failure names the round's seed:
/// `STRATA_FUZZ_SEED=<seed> cargo test --release --test fuzz <target>` replays it.
pub fn run<S>(name: &str, strategy: S, check: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
{
    let seed = env_u64("STRATA_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let budget = env_u64("STRATA_FUZZ_SECONDS").map(Duration::from_secs);
    let case_limit = Duration::from_millis(env_u64("STRATA_FUZZ_CASE_MS").unwrap_or(2000));
    let cases = env_u64("STRATA_FUZZ_CASES")
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(SMOKE_CASES);
    let started = Instant::now();
    let slowest = Cell::new(Duration::ZERO);
    let mut total: u64 = 0;
    for round in 0u64.. {
        let round_seed = seed.wrapping_add(round);
        let config = Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 4096,
            ..Config::default()
        };
        let mut runner = TestRunner::new_with_rng(config, rng(round_seed));
        let result = runner.run(&strategy, |value| {
            let t = Instant::now();
            check(value)?;
            let took = t.elapsed();
            slowest.set(slowest.get().max(took));
            if budget.is_some() && took > case_limit {
                return Err(TestCaseError::fail(format!(
                    "one case took {took:?}, over {case_limit:?}"
                )));
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!(
                "fuzz target {name} failed after {total} cases: {e}\n\
                 replay: STRATA_FUZZ_SEED={round_seed} cargo test --release --test fuzz -- {name}"
            );
        }
        total += u64::from(cases);
        match budget {
            Some(b) if started.elapsed() < b => {}
            _ => break,
        }
    }
    eprintln!(
        "fuzz {name}: {total} cases in {:.1?} from seed {seed}, slowest case {:?}",
        started.elapsed(),
        slowest.get()
    );
}

/// The text of every file in `dir` whose name ends with one of `exts`.
pub fn seeds(dir: &Path, exts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.to_string_lossy().into_owned();
        if exts.iter().any(|x| name.ends_with(x)) {
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(text);
            }
        }
    }
    out
}

/// Tokens that break parsers in interesting ways: structure, YAML tags and aliases,
/// CloudFormation intrinsics, numbers at the edges, and text that is not ASCII.
pub const DICTIONARY: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "\\",
    "\\u0000",
    "\\ud800",
    "null",
    "true",
    "-1",
    "0",
    "1e999",
    "-9223372036854775809",
    "18446744073709551616",
    "0.5",
    "NaN",
    "\n",
    "\r\n",
    "\t",
    "  ",
    "- ",
    "&a ",
    "*a",
    "<<: *a",
    "!Ref ",
    "!GetAtt ",
    "!Sub ",
    "!Join ",
    "!If ",
    "!!binary ",
    "!!str ",
    "? ",
    "|\n  ",
    ">-\n  ",
    "---\n",
    "...\n",
    "#",
    "'",
    "%YAML 1.2\n",
    "{\"Ref\": \"X\"}",
    "{\"Fn::GetAtt\": []}",
    "{\"Fn::Sub\": 1}",
    "$.data",
    "$.data[",
    "[*]",
    ".*",
    "[-1]",
    "[1:]",
    "[0,1]",
    "==",
    "!=",
    "<=",
    "and",
    "or",
    "not",
    "(",
    ")",
    "\u{0966}\u{0967}\u{0968}",
    "\u{096F}",
    "é",
    "\u{1F600}",
    "\u{202E}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{1B}[2J",
    "\r",
    "\u{0}",
    "DE89 3704 0044 0532 0130 00",
    "4111 1111 1111 1111",
    "123-45-6789",
    "a@b.co",
    "ignore previous instructions",
];

/// A string of anything, dictionary tokens included.
pub fn text_fragment() -> BoxedStrategy<String> {
    prop_oneof![
        3 => proptest::sample::select(DICTIONARY).prop_map(str::to_owned),
        2 => "\\PC{0,12}",
        1 => proptest::collection::vec(any::<char>(), 0..8).prop_map(|c| c.into_iter().collect()),
        1 => (1usize..200, proptest::sample::select(&["[", "{\"a\":", "- ", "  a:\n", "(", "not "][..]))
            .prop_map(|(n, t)| t.repeat(n)),
    ]
    .boxed()
}

/// One edit of a text.
#[derive(Debug, Clone)]
pub enum Edit {
    Insert(usize, String),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), text_fragment()).prop_map(|(at, t)| Edit::Insert(at, t)),
        3 => (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Delete(at, n)),
        1 => (any::<usize>(), 1usize..256).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn boundary(text: &str, at: usize) -> usize {
    let mut i = at % (text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Applies `edits` in order, keeping the result under [`MAX_INPUT`] bytes.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_owned();
    for e in edits {
        match e {
            Edit::Insert(at, t) => {
                let i = boundary(&s, *at);
                s.insert_str(i, t);
            }
            Edit::Delete(at, n) => {
                let i = boundary(&s, *at);
                let j = boundary(&s, i + n).max(i);
                s.replace_range(i..j, "");
            }
            Edit::Duplicate(at, n) => {
                let i = boundary(&s, *at);
                let j = boundary(&s, i + n).max(i);
                let piece = s[i..j].to_owned();
                s.insert_str(j, &piece);
            }
            Edit::Truncate(at) => {
                let i = boundary(&s, *at);
                s.truncate(i);
            }
        }
        if s.len() > MAX_INPUT {
            let i = boundary(&s, MAX_INPUT);
            s.truncate(i);
        }
    }
    s
}

/// A JSON value to put where another was: wrong types, edge numbers, deep nesting.
pub fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text_fragment().prop_map(Value::String),
        "\\PC{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-zA-Z]{1,10}|\\PC{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => 0,
    }
}

fn nth_mut(v: &mut Value, n: usize) -> Option<&mut Value> {
    if n == 0 {
        return Some(v);
    }
    let mut n = n - 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(a) => a.iter_mut().collect(),
        Value::Object(m) => m.values_mut().collect(),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => return None,
    };
    for c in children {
        let size = count(c);
        if n < size {
            return nth_mut(c, n);
        }
        n -= size;
    }
    None
}

/// Replaces one member of `v` (chosen by `at`) with `with`, or removes it when `with` is `None`.
pub fn swap_value(v: &mut Value, at: usize, with: Option<Value>) {
    let n = at % count(v);
    if let Some(slot) = nth_mut(v, n) {
        match with {
            Some(w) => *slot = w,
            None => {
                if let Value::Object(m) = slot {
                    let first = m.keys().nth(at % m.len().max(1)).cloned();
                    if let Some(k) = first {
                        m.remove(&k);
                    }
                } else if let Value::Array(a) = slot {
                    if !a.is_empty() {
                        let k = at % a.len();
                        a.remove(k);
                    }
                }
            }
        }
    }
}

/// How a document is rendered after its values were swapped.
#[derive(Debug, Clone, Copy)]
pub enum Render {
    Json,
    PrettyJson,
    Yaml,
}

/// Structure-aware inputs from `seeds`: each seed parsed (JSON, else YAML), a few of its values
/// swapped or removed, rendered in `renders`, then a few text edits. Plus plain random text.
pub fn documents(seeds: Vec<String>, renders: &'static [Render]) -> BoxedStrategy<String> {
    assert!(!seeds.is_empty(), "no seeds");
    let parsed: Vec<(String, Option<Value>)> = seeds
        .into_iter()
        .map(|s| {
            let v = serde_json::from_str::<Value>(&s)
                .ok()
                .or_else(|| strata::yaml::from_str::<Value>(&s).ok());
            (s, v)
        })
        .collect();
    let structured = (
        proptest::sample::select(parsed.clone()),
        proptest::collection::vec(
            (
                any::<usize>(),
                proptest::option::weighted(0.8, json_value()),
            ),
            0..4,
        ),
        proptest::sample::select(renders),
        proptest::collection::vec(edit(), 0..3),
    )
        .prop_map(|((text, value), swaps, render, edits)| {
            let base = match value {
                Some(mut v) if !swaps.is_empty() => {
                    for (at, with) in swaps {
                        swap_value(&mut v, at, with);
                    }
                    match render {
                        Render::Json => serde_json::to_string(&v).unwrap_or_default(),
                        Render::PrettyJson => serde_json::to_string_pretty(&v).unwrap_or_default(),
                        Render::Yaml => strata::yaml::to_string(&v).unwrap_or_default(),
                    }
                }
                Some(_) | None => text,
            };
            apply(&base, &edits)
        });
    let textual = (
        proptest::sample::select(parsed.into_iter().map(|(s, _)| s).collect::<Vec<_>>()),
        proptest::collection::vec(edit(), 1..8),
    )
        .prop_map(|(text, edits)| apply(&text, &edits));
    prop_oneof![
        4 => structured,
        3 => textual,
        1 => "\\PC{0,200}",
        1 => proptest::collection::vec(any::<u8>(), 0..200)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
    .boxed()
}
