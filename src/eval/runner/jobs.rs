//! Running many jobs and what a front end needs around that: the variants chosen by name, the
//! jobs at most K at once with each finished case handed to the front end as it finishes (the
//! CLI's progress bar, the app's grid), cancelling, the report, and the suites beside a project.

use super::{Evaluation, Job};
use crate::eval::protocol::SuiteListing;
use crate::eval::report::{CaseResult, Report, VariantName};
use futures::StreamExt;
use std::collections::BTreeSet;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// What [`Evaluation::run_jobs`] gives back.
#[derive(Debug)]
pub struct Finished {
    /// The finished cases, in the order they finished (a case cut short by cancelling is not
    /// among them: it runs again on resuming).
    pub results: Vec<CaseResult>,
    /// The judge's cost, apart from the variants' (`None`: unpriced).
    pub judge_cost: Option<f64>,
    /// Whether the evaluation was cancelled before every job ran.
    pub cancelled: bool,
}

impl Evaluation {
    /// The token that cancels this evaluation: no job starts after it, the running flow runs
    /// end cancelled (and are recorded so), and [`Evaluation::run_jobs`] returns.
    pub fn canceller(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Runs `jobs`, at most `concurrency` at once, each judged; `on_result` sees every case as
    /// it finishes.
    pub async fn run_jobs(
        &self,
        jobs: Vec<Job>,
        concurrency: usize,
        mut on_result: impl FnMut(&CaseResult),
    ) -> Finished {
        let finished = futures::stream::iter(jobs)
            .take_until(self.cancel.clone().cancelled_owned())
            .map(|job| async move {
                let mut result = self.run(job).await;
                let cost = self.judge(&mut result).await;
                (result, cost)
            })
            .buffer_unordered(concurrency.max(1));
        let mut finished = std::pin::pin!(finished);
        let mut results = Vec::new();
        let mut judge_cost = Some(0.0);
        while let Some((result, cost)) = finished.next().await {
            if self.cancel.is_cancelled() && result.failure.as_deref() == Some("cancelled") {
                continue;
            }
            judge_cost = judge_cost.zip(cost).map(|(a, b)| a + b);
            on_result(&result);
            results.push(result);
        }
        Finished {
            results,
            judge_cost,
            cancelled: self.cancel.is_cancelled(),
        }
    }

    /// The indices of the variants named (all when none is), or which name is unknown.
    pub fn choose(&self, wanted: &[String]) -> Result<BTreeSet<usize>, String> {
        let variants = &self.suite.variants;
        if wanted.is_empty() {
            return Ok((0..variants.len()).collect());
        }
        wanted
            .iter()
            .map(|name| {
                variants
                    .iter()
                    .position(|v| &v.name == name)
                    .ok_or_else(|| {
                        format!(
                            "the suite has no variant {name:?} (variants: {})",
                            variants
                                .iter()
                                .map(|v| v.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })
            })
            .collect()
    }

    /// The chosen variants, as reports name them.
    pub fn variant_names(&self, chosen: &BTreeSet<usize>) -> Vec<VariantName> {
        chosen
            .iter()
            .map(|&i| {
                let v = &self.suite.variants[i];
                VariantName {
                    name: v.name.clone(),
                    kind: v.target.kind().to_owned(),
                }
            })
            .collect()
    }

    /// The report of `results` for the chosen variants, the cases in suite order: case by
    /// case, variant by variant, repeat by repeat.
    pub fn report(&self, chosen: &BTreeSet<usize>, mut results: Vec<CaseResult>) -> Report {
        let variants = self.variant_names(chosen);
        results.sort_by_key(|r| {
            (
                self.suite.cases.iter().position(|c| c.id == r.id),
                variants.iter().position(|v| v.name == r.variant),
                r.repeat,
            )
        });
        Report::new(&self.name, &variants, results)
    }
}

/// The suites (`*.eval.yaml`) in the folder of the project at `project_path` that name that
/// project, sorted by file name; one that does not read or check is listed with its problem.
pub fn suites_beside(project_path: &Path) -> Vec<SuiteListing> {
    let dir = project_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".eval.yaml") || n.ends_with(".eval.yml"))
        })
        .collect();
    files.sort();
    let mut listings = Vec::new();
    for path in files {
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| super::Suite::parse(&text).map_err(|e| e.to_string()));
        if let Ok(suite) = &parsed {
            if !same(&dir.join(&suite.project), project_path) {
                continue;
            }
        }
        let loaded = Evaluation::load(&path, None);
        let problem = loaded.as_ref().err().map(|problems| problems.join("\n"));
        let (name, variants, cases) = match (&loaded, &parsed) {
            (Ok(e), _) => (
                e.name.clone(),
                e.variant_names(&(0..e.suite.variants.len()).collect()),
                e.suite.cases.iter().map(|c| c.id.clone()).collect(),
            ),
            (Err(_), Ok(suite)) => (
                suite.suite.clone().unwrap_or_else(|| file.clone()),
                Vec::new(),
                suite.cases.iter().map(|c| c.id.clone()).collect(),
            ),
            (Err(_), Err(_)) => (file.clone(), Vec::new(), Vec::new()),
        };
        listings.push(SuiteListing {
            path: path.display().to_string(),
            file,
            name,
            variants,
            cases,
            problem,
        });
    }
    listings
}
