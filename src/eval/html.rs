//! `strata eval --html FILE`: one self-contained page (no script, no outside file: it opens
//! offline and can be mailed) with the recommendation, the metrics and comparisons as tables,
//! and three plots drawn as inline SVG — cost against pass rate per variant (with the pass
//! rate's interval), the latency of every run per variant (with p50 and p95 marked), and a
//! pass/fail grid of every case × variant × repeat. Every text from the suite or a model is
//! escaped.
//!
//! The plots are a few rectangles, circles and lines each, so they are written here rather than
//! through a plotting crate, whose SVG output would need a font back end to place its labels.

use super::report::{CaseResult, Report, VariantMetrics};
use quick_xml::escape::escape;
use std::fmt::Write;

/// Colours per variant, in order (cycled).
const COLOURS: [&str; 6] = [
    "#2563eb", "#d97706", "#059669", "#7c3aed", "#dc2626", "#0891b2",
];

/// The report as one HTML page.
pub fn to_html(report: &Report) -> String {
    let mut page = String::new();
    let title = format!("Evaluation: {}", report.suite);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    if let Some(r) = &report.recommendation {
        let _ = write!(
            page,
            "<section class=\"choice\"><h2>Recommendation: {}</h2><ul>",
            escape(&r.choice)
        );
        for reason in &r.reasons {
            let _ = write!(page, "<li>{}</li>", escape(reason));
        }
        page.push_str("</ul></section>\n");
    }
    metrics_table(&mut page, &report.variants);
    comparisons_table(&mut page, report);
    page.push_str("<h2>Cost and pass rate</h2>\n");
    page.push_str(&cost_plot(&report.variants));
    page.push_str("<h2>Latency of every run</h2>\n");
    page.push_str(&latency_plot(report));
    page.push_str("<h2>Cases</h2>\n");
    page.push_str(&case_grid(report));
    page.push_str("</body></html>\n");
    page
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#111}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}\
th:first-child,td:first-child{text-align:left}.choice{background:#f0f7ff;border-left:4px solid #2563eb;padding:.5em 1em}\
svg{display:block;margin:1em 0}svg text{font:12px system-ui,sans-serif;fill:#333}";

fn money(x: Option<f64>) -> String {
    x.map_or_else(|| "unknown".to_owned(), |c| format!("${c:.4}"))
}

fn metrics_table(page: &mut String, variants: &[VariantMetrics]) {
    page.push_str("<h2>Variants</h2><table><tr><th>variant</th><th>kind</th><th>cases × repeats</th><th>pass rate (95% interval)</th><th>p50 / p95 / max ms</th><th>model calls</th><th>tokens in / out</th><th>cost</th><th>per 1,000 cases</th><th>identical outputs</th><th>distinct paths</th></tr>");
    for v in variants {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{} × {}</td><td>{:.0}% ({:.0}–{:.0}%)</td><td>{:.0} / {:.0} / {:.0}</td><td>{}</td><td>{} / {}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
            escape(&v.name),
            escape(&v.kind),
            v.cases,
            v.repeats,
            v.pass_rate * 100.0,
            v.pass_rate_interval[0] * 100.0,
            v.pass_rate_interval[1] * 100.0,
            v.latency_ms.p50,
            v.latency_ms.p95,
            v.latency_ms.max,
            v.model_calls,
            v.input_tokens,
            v.output_tokens,
            money(v.cost_usd),
            money(v.cost_per1000_usd),
            v.determinism
                .map_or_else(|| "one repeat".to_owned(), |d| format!("{:.0}%", d * 100.0)),
            v.distinct_paths
        );
    }
    page.push_str("</table>\n");
}

fn comparisons_table(page: &mut String, report: &Report) {
    if report.comparisons.is_empty() {
        return;
    }
    page.push_str("<h2>Comparisons</h2><table><tr><th>a → b</th><th>pass rate b − a</th><th>p (McNemar)</th><th>cost b / a</th><th>p95 b / a</th><th>mean latency b − a (95%)</th></tr>");
    for c in &report.comparisons {
        let ratio = |r: Option<f64>| r.map_or_else(|| "–".to_owned(), |r| format!("{r:.2}×"));
        let _ = write!(
            page,
            "<tr><td>{} → {}</td><td>{:+.0} pts</td><td>{:.3}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.a),
            escape(&c.b),
            c.pass_rate_diff * 100.0,
            c.p_value,
            ratio(c.cost_ratio),
            ratio(c.latency_p95_ratio),
            c.latency_diff_interval
                .map_or_else(|| "–".to_owned(), |i| format!("{:.0} to {:.0} ms", i.lo, i.hi))
        );
    }
    page.push_str("</table>\n");
}

/// Cost per 1,000 cases (x) against pass rate (y), one point per variant with its interval.
fn cost_plot(variants: &[VariantMetrics]) -> String {
    let (w, h, left, bottom, top, right) = (640.0, 320.0, 60.0, 40.0, 20.0, 140.0);
    let max_cost = variants
        .iter()
        .filter_map(|v| v.cost_per1000_usd)
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.15;
    let x = |c: f64| left + c / max_cost * (w - left - right);
    let y = |p: f64| top + (1.0 - p) * (h - top - bottom);
    let mut svg = format!(
        "<svg class=\"plot cost\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"cost against pass rate\">"
    );
    axes(&mut svg, w - right, h, left, bottom, top);
    for p in [0.0, 0.5, 1.0] {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.0}%</text>",
            left - 6.0,
            y(p) + 4.0,
            p * 100.0
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{left}\" y=\"{0}\">$0</text><text x=\"{1}\" y=\"{0}\" text-anchor=\"end\">${max_cost:.4} per 1,000 cases</text>",
        h - 8.0,
        w - right
    );
    for (i, v) in variants.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let Some(cost) = v.cost_per1000_usd else {
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\">{}: cost unknown</text>",
                w - right + 8.0,
                top + 16.0 * i as f64,
                escape(&v.name)
            );
            continue;
        };
        let (cx, cy) = (x(cost), y(v.pass_rate));
        let _ = write!(
            svg,
            "<line x1=\"{cx}\" x2=\"{cx}\" y1=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"2\"/><circle class=\"point\" cx=\"{cx}\" cy=\"{cy}\" r=\"6\" fill=\"{colour}\"><title>{}: {:.0}% at ${cost:.4} per 1,000</title></circle><text x=\"{}\" y=\"{}\">{}</text>",
            y(v.pass_rate_interval[0]),
            y(v.pass_rate_interval[1]),
            escape(&v.name),
            v.pass_rate * 100.0,
            cx + 9.0,
            cy - 8.0,
            escape(&v.name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Every run's latency as a dot on one row per variant, p50 and p95 as ticks.
fn latency_plot(report: &Report) -> String {
    let row = 46.0;
    let (w, left, right, top) = (640.0, 110.0, 30.0, 10.0);
    let h = top + row * report.variants.len() as f64 + 30.0;
    let max = report
        .variants
        .iter()
        .map(|v| v.latency_ms.max)
        .fold(1.0f64, f64::max)
        * 1.05;
    let x = |ms: f64| left + ms / max * (w - left - right);
    let mut svg = format!(
        "<svg class=\"plot latency\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"latency of every run\">"
    );
    axes(&mut svg, w - right, h, left, 30.0, top);
    let _ = write!(
        svg,
        "<text x=\"{left}\" y=\"{0}\">0 ms</text><text x=\"{1}\" y=\"{0}\" text-anchor=\"end\">{max:.0} ms</text>",
        h - 8.0,
        w - right
    );
    for (i, v) in report.variants.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let cy = top + row * i as f64 + row / 2.0;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            cy + 4.0,
            escape(&v.name)
        );
        for r in report.cases.iter().filter(|c| c.variant == v.name) {
            let _ = write!(
                svg,
                "<circle class=\"run\" cx=\"{:.1}\" cy=\"{cy}\" r=\"3\" fill=\"{colour}\" fill-opacity=\"0.5\"><title>{} #{}: {} ms</title></circle>",
                x(r.latency_ms as f64),
                escape(&r.id),
                r.repeat + 1,
                r.latency_ms
            );
        }
        for (label, ms) in [("p50", v.latency_ms.p50), ("p95", v.latency_ms.p95)] {
            let _ = write!(
                svg,
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#111\" stroke-width=\"2\"/><text x=\"{0:.1}\" y=\"{3}\" text-anchor=\"middle\">{label}</text>",
                x(ms),
                cy - 12.0,
                cy + 12.0,
                cy - 15.0
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// One row per case, one cell per variant × repeat: green passed, red failed (a failed run
/// darker), each with the failed checks in its tooltip.
fn case_grid(report: &Report) -> String {
    let mut ids: Vec<&str> = Vec::new();
    for c in &report.cases {
        if !ids.contains(&c.id.as_str()) {
            ids.push(&c.id);
        }
    }
    let columns: Vec<(&str, u32)> = report
        .variants
        .iter()
        .flat_map(|v| (0..v.repeats.max(1)).map(move |r| (v.name.as_str(), r)))
        .collect();
    let (cell, left, top) = (16.0, 160.0, 120.0);
    let w = left + cell * columns.len() as f64 + 20.0;
    let h = top + cell * ids.len() as f64 + 10.0;
    let mut svg = format!(
        "<svg class=\"plot grid\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"pass and fail of every case\">"
    );
    for (j, (variant, repeat)) in columns.iter().enumerate() {
        let cx = left + cell * j as f64 + cell / 2.0;
        let _ = write!(
            svg,
            "<text transform=\"translate({cx},{}) rotate(-60)\">{} #{}</text>",
            top - 6.0,
            escape(*variant),
            repeat + 1
        );
    }
    for (i, id) in ids.iter().enumerate() {
        let cy = top + cell * i as f64;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            cy + 12.0,
            escape(*id)
        );
        for (j, (variant, repeat)) in columns.iter().enumerate() {
            let found: Option<&CaseResult> = report
                .cases
                .iter()
                .find(|c| c.id == *id && c.variant == *variant && c.repeat == *repeat);
            let (fill, class, tip) = match found {
                Some(c) if c.pass => ("#16a34a", "pass", "passed".to_owned()),
                Some(c) => (
                    if c.failure.is_some() {
                        "#7f1d1d"
                    } else {
                        "#dc2626"
                    },
                    "fail",
                    c.failed_checks().join("; "),
                ),
                None => ("#e5e7eb", "none", "not run".to_owned()),
            };
            let _ = write!(
                svg,
                "<rect class=\"{class}\" x=\"{}\" y=\"{cy}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"><title>{} · {} #{}: {}</title></rect>",
                left + cell * j as f64,
                cell - 2.0,
                cell - 2.0,
                escape(*id),
                escape(*variant),
                repeat + 1,
                escape(&tip)
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn axes(svg: &mut String, right: f64, h: f64, left: f64, bottom: f64, top: f64) {
    let _ = write!(
        svg,
        "<path d=\"M{left},{top} V{} H{right}\" fill=\"none\" stroke=\"#999\"/>",
        h - bottom
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::report::VariantName;
    use crate::eval::Check;
    use serde_json::json;

    pub(crate) fn sample() -> Report {
        let mut results = Vec::new();
        for repeat in 0..2 {
            for case in 0..6u64 {
                for (variant, latency, cost) in
                    [("flow", 100, 0.001), ("agent<script>", 400, 0.004)]
                {
                    let pass = !(case + u64::from(repeat)).is_multiple_of(3) || variant == "flow";
                    results.push(CaseResult {
                        id: format!("case-{case}"),
                        variant: variant.into(),
                        repeat,
                        pass,
                        checks: vec![Check {
                            kind: "contains".into(),
                            pass,
                            detail: "<b>bold</b>".into(),
                        }],
                        run_id: None,
                        latency_ms: latency + case * 10,
                        cost_usd: Some(cost),
                        output: json!("x"),
                        model_calls: 1,
                        input_tokens: 1,
                        output_tokens: 1,
                        path: vec![],
                        failure: None,
                    });
                }
            }
        }
        let variants = [
            VariantName {
                name: "flow".into(),
                kind: "flow".into(),
            },
            VariantName {
                name: "agent<script>".into(),
                kind: "agent".into(),
            },
        ];
        Report::new("triage & co", &variants, results)
    }

    #[test]
    fn the_page_holds_every_plot_and_escapes_what_came_from_outside() {
        let html = to_html(&sample());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(
            !html.contains("<script"),
            "no script, and names are escaped"
        );
        assert!(html.contains("agent&lt;script&gt;"));
        assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"));
        assert!(html.contains("triage &amp; co"));
        for plot in ["plot cost", "plot latency", "plot grid"] {
            assert!(html.contains(plot), "{plot}");
        }
        // Two variant points, 24 run dots, 24 grid cells.
        assert_eq!(html.matches("class=\"point\"").count(), 2);
        assert_eq!(html.matches("class=\"run\"").count(), 24);
        let cells = html.matches("class=\"pass\"").count() + html.matches("class=\"fail\"").count();
        assert_eq!(cells, 24);
        assert_eq!(html.matches("class=\"fail\"").count(), 4);
        // `STRATA_EVAL_HTML_SAMPLE=FILE` keeps the page, to open it in a browser.
        if let Some(out) = std::env::var_os("STRATA_EVAL_HTML_SAMPLE") {
            std::fs::write(out, &html).expect("the sample page");
        }
        assert!(
            !html.contains("href=\"http") && !html.contains("src=\""),
            "self-contained"
        );
    }
}
