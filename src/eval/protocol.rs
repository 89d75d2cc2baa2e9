//! What a front end and the host speak about evaluations (wasm-safe, no feature): the suites
//! beside a project, the request to run one, and the messages streamed while it runs — each
//! finished case as it finishes, then the whole report.

use super::report::{CaseResult, Report, VariantName};
use serde::{Deserialize, Serialize};

/// A suite file beside a project, as a front end lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuiteListing {
    /// The suite file's path.
    pub path: String,
    /// Its file name (`triage.eval.yaml`).
    pub file: String,
    /// The suite's name (its `suite:`, else the file's name without `.eval.yaml`).
    pub name: String,
    pub variants: Vec<VariantName>,
    /// The case ids, in order.
    pub cases: Vec<String>,
    /// Why the suite cannot run (it does not read, or names what the project lacks).
    pub problem: Option<String>,
}

/// Run a suite: these variants (all when empty), every case `repeat` times, at most
/// `concurrency` cases at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvalRequest {
    pub suite_path: String,
    #[serde(default)]
    pub variants: Vec<String>,
    #[serde(default = "one")]
    pub repeat: u32,
    #[serde(default = "one_usize")]
    pub concurrency: usize,
}

fn one() -> u32 {
    1
}

fn one_usize() -> usize {
    1
}

/// What the host streams to a front end during one evaluation, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum EvalMessage {
    /// The evaluation has an id and this many jobs: the cases (in order) for the variants
    /// (in order), `repeats` times each.
    Started {
        evaluation_id: String,
        suite: String,
        variants: Vec<VariantName>,
        cases: Vec<String>,
        repeats: u32,
        total: usize,
    },
    /// One case × variant × repeat has finished, its verdict and run id with it.
    CaseFinished { result: CaseResult },
    /// Every job finished: the report (`strata eval --json`'s) and the judge's cost, apart.
    Finished {
        report: Report,
        judge_cost_usd: Option<f64>,
    },
    /// Cancelled: `done` of `total` jobs had finished.
    Cancelled { done: usize, total: usize },
    /// The evaluation could not start or ended abnormally: what, and what to do.
    Failed { message: String },
}
