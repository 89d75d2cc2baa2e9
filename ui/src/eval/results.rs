//! An evaluation's report: the recommendation, the metrics per variant (pass rate with its
//! Wilson interval, latency, calls, tokens, cost, determinism), the paired comparisons, and a
//! row per case × variant × repeat that opens its run on the canvas.

use super::grid::open_run;
use super::EvalState;
use crate::inspect::ms_text;
use crate::Editor;
use leptos::prelude::*;
use strata::eval::report::{Report, VariantMetrics};

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn money(c: Option<f64>) -> String {
    c.map_or_else(|| "?".to_owned(), |c| format!("${c:.4}"))
}

fn metrics_row(v: &VariantMetrics) -> impl IntoView {
    let [lo, hi] = v.pass_rate_interval;
    view! {
        <tr data-variant=v.name.clone()>
            <th>{v.name.clone()}</th>
            <td>{v.kind.clone()}</td>
            <td>{(v.cases * v.repeats as usize).to_string()}</td>
            <td class="eval-pass-rate">{format!("{} ({}–{})", percent(v.pass_rate), percent(lo), percent(hi))}</td>
            <td>{ms_text(v.latency_ms.p50.round() as u64)}</td>
            <td>{ms_text(v.latency_ms.p95.round() as u64)}</td>
            <td>{v.model_calls.to_string()}</td>
            <td>{format!("{} / {}", v.input_tokens, v.output_tokens)}</td>
            <td>{money(v.cost_usd)}</td>
            <td>{money(v.cost_per1000_usd)}</td>
            <td>{v.determinism.map_or_else(|| "–".to_owned(), percent)}</td>
            <td>{format!("{:.1}", v.distinct_paths)}</td>
        </tr>
    }
}

fn report_view(ed: Editor, state: EvalState, report: Report, judge: Option<f64>) -> impl IntoView {
    let recommendation = report.recommendation.clone().map(|r| {
        let reasons = r
            .reasons
            .iter()
            .map(|reason| view! { <li>{reason.clone()}</li> })
            .collect_view();
        view! {
            <div class="eval-recommendation" id="eval-recommendation" data-choice=r.choice.clone()>
                <strong>{format!("Recommendation: {}", r.choice)}</strong>
                <ul>{reasons}</ul>
            </div>
        }
    });
    let metrics = report.variants.iter().map(metrics_row).collect_view();
    let comparisons = report
        .comparisons
        .iter()
        .map(|c| {
            let ratio = |r: Option<f64>| r.map_or_else(|| "?".to_owned(), |r| format!("×{r:.2}"));
            view! {
                <li>{format!(
                    "{} vs {}: pass rate {:+.0} points (p = {:.3}), cost {}, p95 {}",
                    c.b, c.a, c.pass_rate_diff * 100.0, c.p_value, ratio(c.cost_ratio), ratio(c.latency_p95_ratio)
                )}</li>
            }
        })
        .collect_view();
    let cases = report
        .cases
        .iter()
        .map(|c| {
            let failed = c.failed_checks();
            let output = match &c.output {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let run_id = c.run_id.clone();
            let has_run = run_id.is_some();
            view! {
                <tr class="eval-case" data-case=c.id.clone() data-variant=c.variant.clone()
                    data-repeat=c.repeat.to_string() data-pass=c.pass.to_string()>
                    <th>{c.id.clone()}</th>
                    <td>{c.variant.clone()}</td>
                    <td>{(c.repeat + 1).to_string()}</td>
                    <td class="eval-verdict">{if c.pass { "pass" } else { "FAIL" }}</td>
                    <td>{ms_text(c.latency_ms)}</td>
                    <td>{money(c.cost_usd)}</td>
                    <td class="eval-failed">{failed.join("; ")}</td>
                    <td class="eval-output" title=output.clone()>{strata::text::ellipsize(&output, 80).into_owned()}</td>
                    <td><button class="eval-open" disabled=!has_run title="Open this case's run on the canvas"
                        on:click=move |_| open_run(ed, state, run_id.clone())>"Open"</button></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="eval-report" id="eval-report">
            {recommendation}
            <table class="eval-metrics" id="eval-metrics">
                <thead><tr>
                    <th>"Variant"</th><th>"Kind"</th><th>"Runs"</th><th>"Pass (95% CI)"</th>
                    <th>"p50"</th><th>"p95"</th><th>"Calls"</th><th>"Tokens in / out"</th>
                    <th>"Cost"</th><th>"$ / 1000"</th><th>"Same output"</th><th>"Paths"</th>
                </tr></thead>
                <tbody>{metrics}</tbody>
            </table>
            <ul class="eval-comparisons">{comparisons}</ul>
            {judge.filter(|c| *c > 0.0).map(|c| view! { <p class="hint">{format!("Judge: ${c:.6}, not counted in the variants' cost.")}</p> })}
            <table class="eval-cases" id="eval-cases">
                <thead><tr>
                    <th>"Case"</th><th>"Variant"</th><th>"#"</th><th>"Verdict"</th><th>"Latency"</th>
                    <th>"Cost"</th><th>"Failed expectations"</th><th>"Output"</th><th></th>
                </tr></thead>
                <tbody>{cases}</tbody>
            </table>
        </div>
    }
}

#[component]
pub fn Results() -> impl IntoView {
    let ed: Editor = expect_context();
    let state: EvalState = expect_context();
    move || {
        state
            .report
            .get()
            .map(|(report, judge)| report_view(ed, state, report, judge))
    }
}
