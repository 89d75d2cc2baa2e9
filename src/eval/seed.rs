//! Seeding a suite (`strata eval seed`): cases from a flow's samples (each sample's document
//! an input, to be given expectations by hand) and from recorded runs (a succeeded run's input
//! a case's input, its output an `equals` expectation: a regression case), with the flow as
//! the suite's one variant.

use super::suite::{Case, Expectation, Suite, Target, Variant};
use crate::model::Project;
use crate::store::{RunFilter, RunRecord, RunStatus, Store};
use crate::trace::event::FlowOutputRecord;
use serde_json::Value;
use std::collections::BTreeSet;

/// What to seed from.
#[derive(Debug, Clone, Default)]
pub struct SeedOptions {
    pub flow: String,
    /// One case per sample of the flow.
    pub from_samples: bool,
    /// One case per recorded succeeded run of the flow, newest first, at most this many.
    pub from_runs: Option<u32>,
    /// The project file as the suite names it, relative to the suite.
    pub project_file: String,
    /// The variant's recording (`replay:`), relative to the suite.
    pub replay: Option<String>,
}

/// Why a suite cannot be seeded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the project has no flow {flow:?} (flows: {flows})")]
    NoFlow { flow: String, flows: String },
    #[error("nothing to seed from: say --from-samples, --from-runs N or both")]
    NoSource,
    #[error("flow {flow:?} has {what}: no case to seed")]
    NoCase { flow: String, what: String },
    #[error("reading recorded runs: {0}")]
    Store(#[from] crate::store::Error),
}

/// A recorded run as a case: its input and output.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCase {
    pub run_id: String,
    pub input: Value,
    pub output: Value,
}

/// The succeeded runs of `flow` in `project` (by name or path), newest first, at most `limit`.
pub async fn recorded_cases(
    store: &Store,
    project: &str,
    flow: &str,
    limit: u32,
) -> Result<Vec<RecordedCase>, SeedError> {
    let runs = store
        .list_runs(RunFilter {
            project: Some(project.to_owned()),
            flow: Some(flow.to_owned()),
            // Failed and cancelled runs are skipped: look further back for `limit` good ones.
            limit: limit.saturating_mul(4).max(limit),
        })
        .await?;
    Ok(runs
        .into_iter()
        .filter(|r| r.status == RunStatus::Succeeded)
        .filter_map(recorded_case)
        .take(limit as usize)
        .collect())
}

fn recorded_case(run: RunRecord) -> Option<RecordedCase> {
    let outputs: Vec<FlowOutputRecord> = serde_json::from_value(run.outputs?).ok()?;
    Some(RecordedCase {
        run_id: run.id.as_str().to_owned(),
        input: run.inputs,
        output: super::runner::case_output(&outputs),
    })
}

/// The suite: the flow as its one variant, a case per sample and per recorded run.
pub fn seed(
    project: &Project,
    options: &SeedOptions,
    recorded: &[RecordedCase],
) -> Result<Suite, SeedError> {
    let Some(flow) = project.flow(&options.flow) else {
        return Err(SeedError::NoFlow {
            flow: options.flow.clone(),
            flows: project
                .flows
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    if !options.from_samples && options.from_runs.is_none() {
        return Err(SeedError::NoSource);
    }
    let mut ids = BTreeSet::new();
    let mut unique = |base: String| {
        let mut id = base.clone();
        let mut n = 2;
        while !ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    };
    let mut cases = Vec::new();
    if options.from_samples {
        for sample in &flow.samples {
            cases.push(Case {
                id: unique(slug(&sample.name)),
                input: sample.document.clone(),
                turns: Vec::new(),
                answers: Vec::new(),
                expect: Vec::new(),
            });
        }
    }
    for run in recorded {
        let short: String = run
            .run_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        cases.push(Case {
            id: unique(format!("run-{}", short.get(..8).unwrap_or(&short))),
            input: run.input.clone(),
            turns: Vec::new(),
            answers: Vec::new(),
            expect: vec![Expectation::Equals(run.output.clone())],
        });
    }
    if cases.is_empty() {
        let what = match (options.from_samples, options.from_runs.is_some()) {
            (true, true) => "no sample and no succeeded recorded run",
            (true, false) => "no sample",
            (false, _) => "no succeeded recorded run",
        };
        return Err(SeedError::NoCase {
            flow: options.flow.clone(),
            what: what.to_owned(),
        });
    }
    Ok(Suite {
        suite: None,
        project: options.project_file.clone(),
        variants: vec![Variant {
            name: options.flow.clone(),
            target: Target::Flow(options.flow.clone()),
            input: None,
            replay: options.replay.clone(),
        }],
        judge: None,
        cases,
    })
}

/// The suite as YAML, with a first line saying where it came from and what to add.
pub fn to_yaml(suite: &Suite, flow: &str) -> Result<String, serde_saphyr::SerializeError> {
    Ok(format!(
        "# Seeded by `strata eval seed` from flow {flow:?}: cases from samples have no \
         expectation yet (add some); cases from recorded runs expect the output they gave.\n{}",
        crate::yaml::to_string(suite)?
    ))
}

/// A case id from a sample's name: letters, digits, `-` and `_`.
fn slug(name: &str) -> String {
    let s: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() {
        "sample".to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn project() -> Project {
        let template = crate::templates::find("support-triage").expect("the template");
        crate::templates::instantiate(template, "shop").expect("a project")
    }

    fn options() -> SeedOptions {
        SeedOptions {
            flow: "triage".into(),
            from_samples: true,
            from_runs: Some(5),
            project_file: "shop.strata.json".into(),
            replay: Some("replays/triage.yaml".into()),
        }
    }

    #[test]
    fn samples_and_runs_become_cases_that_read_back_and_check() {
        let project = project();
        let samples = project.flow("triage").expect("the flow").samples.len();
        assert!(samples > 0);
        let run = RecordedCase {
            run_id: "0190-abcdef12-3456".into(),
            input: json!({"message": "hello"}),
            output: json!({"answer": "hi"}),
        };
        let suite = seed(&project, &options(), &[run.clone(), run]).expect("a suite");
        assert_eq!(suite.cases.len(), samples + 2);
        assert!(suite.cases[..samples].iter().all(|c| c.expect.is_empty()));
        let last = &suite.cases[samples + 1];
        assert_eq!(last.id, "run-0190abcd-2", "ids stay unique");
        assert_eq!(last.input, json!({"message": "hello"}));
        assert_eq!(last.expect, [Expectation::Equals(json!({"answer": "hi"}))]);
        let text = to_yaml(&suite, "triage").expect("YAML");
        let back = Suite::parse(&text).expect("the seeded suite reads back");
        assert_eq!(back, suite);
        assert!(
            back.check(&project).is_empty(),
            "{:?}",
            back.check(&project)
        );
    }

    #[test]
    fn an_unknown_flow_or_nothing_to_seed_says_so() {
        let project = project();
        let mut o = options();
        o.flow = "nosuch".into();
        let e = seed(&project, &o, &[]).expect_err("no flow");
        assert_eq!(
            e.to_string(),
            "the project has no flow \"nosuch\" (flows: triage)"
        );
        let mut o = options();
        o.from_samples = false;
        let e = seed(&project, &o, &[]).expect_err("no case");
        assert_eq!(
            e.to_string(),
            "flow \"triage\" has no succeeded recorded run: no case to seed"
        );
        o.from_runs = None;
        assert!(matches!(seed(&project, &o, &[]), Err(SeedError::NoSource)));
    }
}
