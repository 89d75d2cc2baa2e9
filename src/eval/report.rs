//! From the results of every case × variant × repeat to what `strata eval` reports: metrics per
//! variant with their uncertainty, paired comparisons, and a recommendation stated from the
//! numbers. The serialized [`Report`] is the `--json` contract of issue 15.

use super::stats::{self, Interval, Z_95};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One expectation's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub kind: String,
    pub pass: bool,
    pub detail: String,
}

/// One run of one case by one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseResult {
    pub id: String,
    pub variant: String,
    pub repeat: u32,
    pub pass: bool,
    pub checks: Vec<Check>,
    /// Opens with `strata runs show`.
    pub run_id: Option<String>,
    pub latency_ms: u64,
    pub cost_usd: Option<f64>,
    pub output: Value,
    // Beyond the contract's fields: what the metrics are computed from, kept so a resumed
    // evaluation reads finished cases back whole.
    #[serde(default)]
    pub model_calls: u64,
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    /// The nodes visited or tools called, in order: two runs with the same path decided alike.
    #[serde(default)]
    pub path: Vec<String>,
    /// Why the run failed (`timeout`, `cancelled`, `failed`, …) when it did; a run that
    /// finished but missed an expectation has none.
    #[serde(default)]
    pub failure: Option<String>,
}

impl CaseResult {
    /// The expectations this run missed, each as `kind: detail`.
    pub fn failed_checks(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| !c.pass)
            .map(|c| format!("{}: {}", c.kind, c.detail))
            .collect()
    }
}

/// A variant as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantName {
    pub name: String,
    /// `flow`, `agent`, `flow-alias` or `agent-alias`.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

/// The metrics of one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantMetrics {
    pub name: String,
    pub kind: String,
    pub cases: usize,
    pub repeats: u32,
    pub pass_rate: f64,
    /// 95% Wilson interval, `[lo, hi]`.
    pub pass_rate_interval: [f64; 2],
    /// Per expectation kind: its pass rate.
    pub expectations: BTreeMap<String, f64>,
    pub latency_ms: Latency,
    pub model_calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// The variant's total; `None` when a model had no price.
    pub cost_usd: Option<f64>,
    /// `1000 × costUsd / (cases × repeats)`.
    pub cost_per1000_usd: Option<f64>,
    /// The share of cases whose outputs are identical in every repeat (`None` with one repeat).
    pub determinism: Option<f64>,
    /// The mean, over cases, of the number of distinct paths its repeats took.
    pub distinct_paths: f64,
    pub failures: BTreeMap<String, u64>,
}

/// Two variants on the same cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub a: String,
    pub b: String,
    /// `passRate(b) − passRate(a)`.
    pub pass_rate_diff: f64,
    /// McNemar's exact test on the paired pass/fail.
    pub p_value: f64,
    /// `cost(b) / cost(a)`.
    pub cost_ratio: Option<f64>,
    /// `p95(b) / p95(a)`.
    pub latency_p95_ratio: Option<f64>,
    /// 95% bootstrap interval of the mean latency difference (b − a), ms, paired by case.
    pub latency_diff_interval: Option<Interval>,
    /// 95% bootstrap interval of the mean cost difference (b − a) per case, USD.
    pub cost_diff_interval: Option<Interval>,
    /// Cases only `a` passed, and only `b` passed (in every repeat).
    pub only_a: Vec<String>,
    pub only_b: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub choice: String,
    pub reasons: Vec<String>,
}

/// The whole report: `strata eval --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub suite: String,
    pub variants: Vec<VariantMetrics>,
    pub comparisons: Vec<Comparison>,
    pub recommendation: Option<Recommendation>,
    pub cases: Vec<CaseResult>,
}

/// A difference in pass rate below this p-value is called significant.
const SIGNIFICANT: f64 = 0.05;
/// A pass-rate gap this small (or smaller) does not stop a cheaper variant being chosen.
const PRACTICAL_GAP: f64 = 0.05;
/// Resamples of the bootstrap intervals, and their seed (a report is reproducible).
const RESAMPLES: usize = 2000;
const SEED: u64 = 0x5747_4154;

impl Report {
    /// Builds the report of `results` for `variants`, in the order given.
    pub fn new(suite: &str, variants: &[VariantName], results: Vec<CaseResult>) -> Report {
        let metrics: Vec<VariantMetrics> = variants.iter().map(|v| metrics(v, &results)).collect();
        let mut comparisons = Vec::new();
        for (i, a) in variants.iter().enumerate() {
            for b in &variants[i + 1..] {
                comparisons.push(compare(&a.name, &b.name, &metrics, &results));
            }
        }
        let recommendation = recommend(&metrics, &comparisons, variants);
        Report {
            suite: suite.to_owned(),
            variants: metrics,
            comparisons,
            recommendation,
            cases: results,
        }
    }

    /// Whether every expectation of every case was met: `strata eval`'s exit code 0.
    pub fn all_passed(&self) -> bool {
        self.cases.iter().all(|c| c.pass)
    }
}

fn of<'a>(results: &'a [CaseResult], variant: &'a str) -> impl Iterator<Item = &'a CaseResult> {
    results.iter().filter(move |r| r.variant == variant)
}

fn metrics(v: &VariantName, results: &[CaseResult]) -> VariantMetrics {
    let runs: Vec<&CaseResult> = of(results, &v.name).collect();
    let cases: BTreeSet<&str> = runs.iter().map(|r| r.id.as_str()).collect();
    let repeats = runs.iter().map(|r| r.repeat + 1).max().unwrap_or(0);
    let passed = runs.iter().filter(|r| r.pass).count() as u64;
    let n = runs.len() as u64;
    let interval = stats::wilson(passed, n, Z_95).unwrap_or(Interval { lo: 0.0, hi: 1.0 });
    let mut expectations: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for check in runs.iter().flat_map(|r| &r.checks) {
        let e = expectations.entry(check.kind.clone()).or_default();
        e.0 += u64::from(check.pass);
        e.1 += 1;
    }
    let latencies: Vec<f64> = runs.iter().map(|r| r.latency_ms as f64).collect();
    let costs: Option<Vec<f64>> = runs.iter().map(|r| r.cost_usd).collect();
    let cost = costs.map(|c| c.iter().sum::<f64>());
    let mut by_case: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for r in &runs {
        by_case.entry(r.id.as_str()).or_default().push(r);
    }
    let determinism = (repeats > 1 && !by_case.is_empty()).then(|| {
        let same = by_case
            .values()
            .filter(|rs| rs.windows(2).all(|w| w[0].output == w[1].output))
            .count();
        same as f64 / by_case.len() as f64
    });
    let distinct_paths = if by_case.is_empty() {
        0.0
    } else {
        by_case
            .values()
            .map(|rs| rs.iter().map(|r| &r.path).collect::<BTreeSet<_>>().len() as f64)
            .sum::<f64>()
            / by_case.len() as f64
    };
    let mut failures = BTreeMap::new();
    for r in runs.iter().filter(|r| !r.pass) {
        let kind = r
            .failure
            .clone()
            .unwrap_or_else(|| "expectation".to_owned());
        *failures.entry(kind).or_insert(0) += 1;
    }
    VariantMetrics {
        name: v.name.clone(),
        kind: v.kind.clone(),
        cases: cases.len(),
        repeats,
        pass_rate: if n == 0 {
            0.0
        } else {
            passed as f64 / n as f64
        },
        pass_rate_interval: [interval.lo, interval.hi],
        expectations: expectations
            .into_iter()
            .map(|(k, (p, t))| (k, p as f64 / t as f64))
            .collect(),
        latency_ms: Latency {
            p50: stats::percentile(&latencies, 50.0).unwrap_or(0.0),
            p95: stats::percentile(&latencies, 95.0).unwrap_or(0.0),
            max: latencies.iter().copied().fold(0.0, f64::max),
        },
        model_calls: runs.iter().map(|r| r.model_calls).sum(),
        input_tokens: runs.iter().map(|r| r.input_tokens).sum(),
        output_tokens: runs.iter().map(|r| r.output_tokens).sum(),
        cost_usd: cost,
        cost_per1000_usd: cost.filter(|_| n > 0).map(|c| 1000.0 * c / n as f64),
        determinism,
        distinct_paths,
        failures,
    }
}

fn compare(a: &str, b: &str, metrics: &[VariantMetrics], results: &[CaseResult]) -> Comparison {
    let key = |r: &CaseResult| (r.id.clone(), r.repeat);
    let b_runs: BTreeMap<(String, u32), &CaseResult> =
        of(results, b).map(|r| (key(r), r)).collect();
    let pairs: Vec<(&CaseResult, &CaseResult)> = of(results, a)
        .filter_map(|ra| b_runs.get(&key(ra)).map(|rb| (ra, *rb)))
        .collect();
    let a_only = pairs.iter().filter(|(x, y)| x.pass && !y.pass).count() as u64;
    let b_only = pairs.iter().filter(|(x, y)| !x.pass && y.pass).count() as u64;
    let find = |name: &str| metrics.iter().find(|m| m.name == name);
    let (ma, mb) = (find(a), find(b));
    let ratio = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) if x > 0.0 => Some(y / x),
        _ => None,
    };
    let la: Vec<f64> = pairs.iter().map(|(x, _)| x.latency_ms as f64).collect();
    let lb: Vec<f64> = pairs.iter().map(|(_, y)| y.latency_ms as f64).collect();
    let costs: Option<(Vec<f64>, Vec<f64>)> = pairs
        .iter()
        .map(|(x, y)| Some((x.cost_usd?, y.cost_usd?)))
        .collect::<Option<Vec<_>>>()
        .map(|v| v.into_iter().unzip());
    // Cases one variant passed in every repeat and the other in none.
    let always = |variant: &str, pass: bool| -> BTreeSet<String> {
        let mut by_case: BTreeMap<&str, bool> = BTreeMap::new();
        for r in of(results, variant) {
            let e = by_case.entry(r.id.as_str()).or_insert(true);
            *e &= r.pass == pass;
        }
        by_case
            .into_iter()
            .filter(|(_, all)| *all)
            .map(|(c, _)| c.to_owned())
            .collect()
    };
    let only = |x: &str, y: &str| -> Vec<String> {
        always(x, true)
            .intersection(&always(y, false))
            .cloned()
            .collect()
    };
    Comparison {
        a: a.to_owned(),
        b: b.to_owned(),
        pass_rate_diff: mb.map_or(0.0, |m| m.pass_rate) - ma.map_or(0.0, |m| m.pass_rate),
        p_value: stats::mcnemar_exact(a_only, b_only),
        cost_ratio: ratio(ma.and_then(|m| m.cost_usd), mb.and_then(|m| m.cost_usd)),
        latency_p95_ratio: ratio(ma.map(|m| m.latency_ms.p95), mb.map(|m| m.latency_ms.p95)),
        latency_diff_interval: stats::bootstrap_paired_difference(
            &la,
            &lb,
            stats::mean,
            RESAMPLES,
            SEED,
        ),
        cost_diff_interval: costs.and_then(|(ca, cb)| {
            stats::bootstrap_paired_difference(&ca, &cb, stats::mean, RESAMPLES, SEED)
        }),
        only_a: only(a, b),
        only_b: only(b, a),
    }
}

/// The variant to choose: among those whose pass rate is not significantly below the best
/// one's, the cheapest (then the fastest at p95, then the most deterministic); with the
/// reasons, in numbers.
fn recommend(
    metrics: &[VariantMetrics],
    comparisons: &[Comparison],
    variants: &[VariantName],
) -> Option<Recommendation> {
    let best = metrics
        .iter()
        .max_by(|x, y| x.pass_rate.total_cmp(&y.pass_rate))?;
    let between = |x: &str, y: &str| {
        comparisons
            .iter()
            .find(|c| (c.a == x && c.b == y) || (c.a == y && c.b == x))
    };
    // As good as the best: not significantly worse, and within a few points of it — with
    // few cases a large gap is not yet significant, and the evidence still favours the best.
    let as_good = |m: &&VariantMetrics| {
        m.name == best.name
            || (best.pass_rate - m.pass_rate <= PRACTICAL_GAP
                && between(&m.name, &best.name).is_some_and(|c| c.p_value >= SIGNIFICANT))
    };
    let cost = |m: &VariantMetrics| m.cost_per1000_usd.unwrap_or(f64::INFINITY);
    let choice = metrics.iter().filter(as_good).min_by(|x, y| {
        cost(x)
            .total_cmp(&cost(y))
            .then(x.latency_ms.p95.total_cmp(&y.latency_ms.p95))
            .then(
                y.determinism
                    .unwrap_or(0.0)
                    .total_cmp(&x.determinism.unwrap_or(0.0)),
            )
    })?;
    let mut reasons = Vec::new();
    for other in metrics.iter().filter(|m| m.name != choice.name) {
        let Some(c) = between(&choice.name, &other.name) else {
            continue;
        };
        let significance = if c.p_value < SIGNIFICANT {
            format!("significant, p = {:.3}", c.p_value)
        } else {
            format!("difference not significant, p = {:.2}", c.p_value)
        };
        reasons.push(format!(
            "pass rate {} vs {} for {} ({significance})",
            percent(choice.pass_rate),
            percent(other.pass_rate),
            other.name
        ));
        if let (Some(mine), Some(theirs)) = (choice.cost_usd, other.cost_usd) {
            if mine > 0.0 && theirs >= mine {
                reasons.push(format!("{:.1}× cheaper than {}", theirs / mine, other.name));
            } else if theirs > 0.0 {
                reasons.push(format!("{:.1}× the cost of {}", mine / theirs, other.name));
            }
        }
        if choice.latency_ms.p95 > 0.0 {
            reasons.push(format!(
                "p95 latency {:.0} ms vs {:.0} ms ({:.1}×)",
                choice.latency_ms.p95,
                other.latency_ms.p95,
                other.latency_ms.p95 / choice.latency_ms.p95
            ));
        }
        if let (Some(d1), Some(d2)) = (choice.determinism, other.determinism) {
            reasons.push(format!(
                "identical outputs across repeats in {} of cases vs {}",
                percent(d1),
                percent(d2)
            ));
        }
        let other_wins = if c.a == choice.name {
            &c.only_b
        } else {
            &c.only_a
        };
        if !other_wins.is_empty() {
            reasons.push(format!(
                "{} wins only on {}",
                other.name,
                other_wins.join(", ")
            ));
            let kind = |name: &str| {
                variants
                    .iter()
                    .find(|v| v.name == name)
                    .map(|v| v.kind.as_str())
            };
            if kind(&choice.name) == Some("flow") && kind(&other.name) == Some("agent") {
                reasons.push(format!(
                    "consider a hybrid: a flow whose Condition sends cases like {} to an Agent node running {}",
                    other_wins.join(", "),
                    other.name
                ));
            }
        }
    }
    let fewest = metrics.iter().map(|m| m.cases).min().unwrap_or(0);
    if comparisons
        .iter()
        .any(|c| c.p_value >= SIGNIFICANT && c.pass_rate_diff.abs() > PRACTICAL_GAP)
    {
        reasons.push(format!(
            "with {fewest} cases a gap in pass rate this large is not yet significant: add cases to be sure"
        ));
    }
    Some(Recommendation {
        choice: choice.name.clone(),
        reasons,
    })
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// Ten cases; the flow passes 1–9 at 100 ms and $0.001, the agent passes 2–10 at 400 ms
    /// and $0.004, and answers case 3 differently in its second repeat.
    fn results(repeats: u32) -> Vec<CaseResult> {
        let mut out = Vec::new();
        for repeat in 0..repeats {
            for case in 1..=10u64 {
                let id = format!("c{case}");
                out.push(CaseResult {
                    id: id.clone(),
                    variant: "flow".into(),
                    repeat,
                    pass: case != 10,
                    checks: vec![Check {
                        kind: "contains".into(),
                        pass: case != 10,
                        detail: String::new(),
                    }],
                    run_id: Some(format!("run_f{case}_{repeat}")),
                    latency_ms: 100 + case,
                    cost_usd: Some(0.001),
                    output: json!(format!("answer {case}")),
                    model_calls: 1,
                    input_tokens: 100,
                    output_tokens: 10,
                    path: vec!["Classify".into(), "Route".into()],
                    failure: None,
                });
                let varies = case == 3 && repeat == 1;
                out.push(CaseResult {
                    id,
                    variant: "agent".into(),
                    repeat,
                    pass: case != 1,
                    checks: vec![Check {
                        kind: "contains".into(),
                        pass: case != 1,
                        detail: String::new(),
                    }],
                    run_id: Some(format!("run_a{case}_{repeat}")),
                    latency_ms: 400 + case,
                    cost_usd: Some(0.004),
                    output: json!(if varies {
                        "other".to_owned()
                    } else {
                        format!("answer {case}")
                    }),
                    model_calls: 3,
                    input_tokens: 900,
                    output_tokens: 60,
                    path: if varies {
                        vec!["lookup".into()]
                    } else {
                        vec!["lookup".into(), "refund".into()]
                    },
                    failure: (case == 1).then(|| "timeout".to_owned()),
                });
            }
        }
        out
    }

    /// A flow variant and an agent variant, each named for its kind.
    pub(crate) fn variants() -> Vec<VariantName> {
        vec![
            VariantName {
                name: "flow".into(),
                kind: "flow".into(),
            },
            VariantName {
                name: "agent".into(),
                kind: "agent".into(),
            },
        ]
    }

    #[test]
    fn metrics_per_variant_are_what_the_cases_say() {
        let report = Report::new("triage", &variants(), results(2));
        let [flow, agent] = &report.variants[..] else {
            panic!("two variants")
        };
        assert_eq!((flow.cases, flow.repeats), (10, 2));
        assert_eq!(flow.pass_rate, 0.9);
        let w = stats::wilson(18, 20, Z_95).expect("an interval");
        assert_eq!(flow.pass_rate_interval, [w.lo, w.hi]);
        assert_eq!(flow.expectations["contains"], 0.9);
        assert_eq!(
            (
                flow.latency_ms.p50,
                flow.latency_ms.p95,
                flow.latency_ms.max
            ),
            (105.0, 110.0, 110.0)
        );
        assert_eq!(
            (flow.model_calls, flow.input_tokens, flow.output_tokens),
            (20, 2000, 200)
        );
        assert!((flow.cost_usd.expect("priced") - 0.02).abs() < 1e-12);
        assert!((flow.cost_per1000_usd.expect("priced") - 1.0).abs() < 1e-9);
        assert_eq!(flow.determinism, Some(1.0));
        assert_eq!(agent.determinism, Some(0.9));
        assert_eq!(flow.distinct_paths, 1.0);
        assert!((agent.distinct_paths - 1.1).abs() < 1e-12);
        assert_eq!(
            flow.failures,
            BTreeMap::from([("expectation".to_owned(), 2)])
        );
        assert_eq!(agent.failures, BTreeMap::from([("timeout".to_owned(), 2)]));
        assert_eq!(
            Report::new("s", &variants(), results(1)).variants[0].determinism,
            None
        );
    }

    #[test]
    fn the_comparison_and_recommendation_follow_from_the_numbers() {
        let report = Report::new("triage", &variants(), results(2));
        let c = &report.comparisons[0];
        assert_eq!((c.a.as_str(), c.b.as_str()), ("flow", "agent"));
        assert!(c.pass_rate_diff.abs() < 1e-12);
        // 2 pairs only the flow passed, 2 only the agent: no difference.
        assert_eq!(c.p_value, 1.0);
        assert!((c.cost_ratio.expect("priced") - 4.0).abs() < 1e-9);
        let lat = c.latency_diff_interval.expect("an interval");
        assert!(lat.contains(300.0) && lat.lo > 290.0, "{lat:?}");
        assert_eq!(
            (c.only_a.clone(), c.only_b.clone()),
            (vec!["c1".to_owned()], vec!["c10".to_owned()])
        );
        let r = report.recommendation.as_ref().expect("a recommendation");
        assert_eq!(r.choice, "flow");
        let text = r.reasons.join("\n");
        for said in [
            "pass rate 90% vs 90%",
            "not significant",
            "4.0× cheaper than agent",
            "agent wins only on c10",
            "consider a hybrid",
        ] {
            assert!(text.contains(said), "{said}: {text}");
        }
        assert!(!report.all_passed());
    }

    #[test]
    fn a_significantly_better_variant_wins_even_when_dearer() {
        let mut rs = results(2);
        for r in rs.iter_mut().filter(|r| r.variant == "flow") {
            r.pass = r.id == "c1";
        }
        for r in rs.iter_mut().filter(|r| r.variant == "agent") {
            r.pass = true;
        }
        let report = Report::new("triage", &variants(), rs);
        assert!(report.comparisons[0].p_value < 0.01);
        assert_eq!(report.recommendation.expect("one").choice, "agent");
    }

    #[test]
    fn the_json_has_the_contracts_fields() {
        let value =
            serde_json::to_value(Report::new("triage", &variants(), results(1))).expect("JSON");
        let variant = &value["variants"][0];
        for key in [
            "name",
            "kind",
            "cases",
            "repeats",
            "passRate",
            "passRateInterval",
            "latencyMs",
            "modelCalls",
            "inputTokens",
            "outputTokens",
            "costUsd",
            "costPer1000Usd",
            "determinism",
            "distinctPaths",
            "failures",
        ] {
            assert!(variant.get(key).is_some(), "variants[].{key}: {variant}");
        }
        for key in ["p50", "p95", "max"] {
            assert!(variant["latencyMs"].get(key).is_some(), "{key}");
        }
        for key in [
            "a",
            "b",
            "passRateDiff",
            "pValue",
            "costRatio",
            "latencyP95Ratio",
        ] {
            assert!(
                value["comparisons"][0].get(key).is_some(),
                "comparisons[].{key}"
            );
        }
        assert!(value["recommendation"]["choice"].is_string());
        assert!(value["recommendation"]["reasons"].is_array());
        let case = &value["cases"][0];
        for key in [
            "id",
            "variant",
            "repeat",
            "pass",
            "checks",
            "runId",
            "latencyMs",
            "costUsd",
            "output",
        ] {
            assert!(case.get(key).is_some(), "cases[].{key}: {case}");
        }
        assert_eq!(value["cases"].as_array().map(Vec::len), Some(20));
        assert_eq!(value["suite"], "triage");
    }
}
