//! `strata eval --junit FILE`: the report as JUnit XML for CI, one test case per case ×
//! variant (× repeat when there are several), grouped in one test suite per variant. A failed
//! expectation is a `<failure>` naming each check that failed; a run that did not finish is an
//! `<error>`.

use super::report::{CaseResult, Report};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// The report as a JUnit XML document (the Ant/Jenkins `testsuites` format CI tools read).
pub fn to_junit(report: &Report) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail; the `let _` keep the element calls readable.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let totals = counts(report.cases.iter());
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", report.suite.as_str()));
    push_counts(&mut root, &totals);
    let _ = w.write_event(Event::Start(root));
    for variant in &report.variants {
        let cases: Vec<&CaseResult> = report
            .cases
            .iter()
            .filter(|c| c.variant == variant.name)
            .collect();
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute((
            "name",
            format!("{} ({})", variant.name, variant.kind).as_str(),
        ));
        push_counts(&mut suite, &counts(cases.iter().copied()));
        let _ = w.write_event(Event::Start(suite));
        for case in cases {
            write_case(&mut w, report, case, variant.repeats > 1);
        }
        let _ = w.write_event(Event::End(BytesEnd::new("testsuite")));
    }
    let _ = w.write_event(Event::End(BytesEnd::new("testsuites")));
    let mut text = String::from_utf8(w.into_inner()).unwrap_or_default();
    text.push('\n');
    text
}

/// Tests, failures, errors and seconds of some cases.
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    seconds: f64,
}

fn counts<'a>(cases: impl Iterator<Item = &'a CaseResult>) -> Counts {
    let mut c = Counts {
        tests: 0,
        failures: 0,
        errors: 0,
        seconds: 0.0,
    };
    for case in cases {
        c.tests += 1;
        c.seconds += case.latency_ms as f64 / 1000.0;
        match (case.pass, &case.failure) {
            (true, _) => {}
            (false, Some(_)) => c.errors += 1,
            (false, None) => c.failures += 1,
        }
    }
    c
}

fn push_counts(element: &mut BytesStart<'_>, c: &Counts) {
    element.push_attribute(("tests", c.tests.to_string().as_str()));
    element.push_attribute(("failures", c.failures.to_string().as_str()));
    element.push_attribute(("errors", c.errors.to_string().as_str()));
    element.push_attribute(("time", format!("{:.3}", c.seconds).as_str()));
}

fn write_case(w: &mut Writer<Vec<u8>>, report: &Report, case: &CaseResult, repeats: bool) {
    let name = if repeats {
        format!("{} #{}", case.id, case.repeat + 1)
    } else {
        case.id.clone()
    };
    let mut element = BytesStart::new("testcase");
    element.push_attribute(("name", name.as_str()));
    element.push_attribute((
        "classname",
        format!("{}.{}", report.suite, case.variant).as_str(),
    ));
    element.push_attribute((
        "time",
        format!("{:.3}", case.latency_ms as f64 / 1000.0).as_str(),
    ));
    if case.pass {
        let _ = w.write_event(Event::Empty(element));
        return;
    }
    let _ = w.write_event(Event::Start(element));
    let failed = case.failed_checks();
    let (tag, kind) = match &case.failure {
        Some(kind) => ("error", kind.as_str()),
        None => ("failure", "expectation"),
    };
    let mut problem = BytesStart::new(tag);
    problem.push_attribute((
        "message",
        failed
            .first()
            .map_or("the run did not finish", String::as_str),
    ));
    problem.push_attribute(("type", kind));
    let _ = w.write_event(Event::Start(problem));
    let mut body = failed.join("\n");
    if let Some(run) = &case.run_id {
        body.push_str(&format!("\nrun {run}: strata runs show {run}"));
    }
    let _ = w.write_event(Event::Text(BytesText::new(&body)));
    let _ = w.write_event(Event::End(BytesEnd::new(tag)));
    let _ = w.write_event(Event::End(BytesEnd::new("testcase")));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Check;
    use quick_xml::events::Event;
    use quick_xml::Reader;
    use serde_json::json;

    fn result(id: &str, variant: &str, pass: bool, failure: Option<&str>) -> CaseResult {
        CaseResult {
            id: id.into(),
            variant: variant.into(),
            repeat: 0,
            pass,
            checks: vec![Check {
                kind: "contains".into(),
                pass,
                detail: "\"<refund>\" & more in \"…\"".into(),
            }],
            run_id: Some(format!("run_{id}")),
            latency_ms: 1500,
            cost_usd: Some(0.001),
            output: json!("x"),
            model_calls: 1,
            input_tokens: 1,
            output_tokens: 1,
            path: vec![],
            failure: failure.map(str::to_owned),
        }
    }

    /// An element's name, attributes and text.
    type Element = (String, Vec<(String, String)>, String);

    /// Every element with its attributes, in document order, read back by an XML parser.
    fn elements(xml: &str) -> Vec<Element> {
        let mut reader = Reader::from_str(xml);
        let mut out: Vec<Element> = Vec::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => out.push((
                    e.name().as_ref().to_owned(),
                    e.attributes()
                        .map(|a| {
                            let a = a.expect("an attribute");
                            (
                                a.key.as_ref().to_owned(),
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .expect("escaped")
                                    .into_owned(),
                            )
                        })
                        .collect(),
                    String::new(),
                )),
                Event::Text(t) => {
                    if let Some(last) = out.last_mut() {
                        last.2.push_str(&t.into_inner());
                    }
                }
                Event::Eof => return out,
                _ => {}
            }
        }
    }

    #[test]
    fn one_testcase_per_case_and_variant_with_failures_and_errors() {
        let variants = crate::eval::report::tests::variants();
        let report = Report::new(
            "triage",
            &variants,
            vec![
                result("c1", "flow", true, None),
                result("c2", "flow", false, None),
                result("c1", "agent", false, Some("timeout")),
                result("c2", "agent", true, None),
            ],
        );
        let xml = to_junit(&report);
        let els = elements(&xml);
        let attr = |i: usize, k: &str| {
            els[i]
                .1
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(els[0].0, "testsuites");
        assert_eq!(
            (attr(0, "tests"), attr(0, "failures"), attr(0, "errors")),
            ("4".into(), "1".into(), "1".into())
        );
        assert_eq!(attr(0, "time"), "6.000");
        let names: Vec<&str> = els.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "testsuites",
                "testsuite",
                "testcase",
                "testcase",
                "failure",
                "testsuite",
                "testcase",
                "error",
                "testcase"
            ]
        );
        assert_eq!(attr(1, "name"), "flow (flow)");
        assert_eq!(attr(2, "classname"), "triage.flow");
        // Markup in a detail is escaped in the file and reads back as written.
        assert!(xml.contains("&lt;refund&gt;"), "{xml}");
        assert_eq!(attr(4, "message"), "contains: \"<refund>\" & more in \"…\"");
        assert!(els[4].2.contains("strata runs show run_c2"), "{:?}", els[4]);
        assert_eq!(attr(7, "type"), "timeout");
    }
}
