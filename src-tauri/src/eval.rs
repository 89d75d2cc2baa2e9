//! The evaluation commands: the page lists the suites beside its project, starts one through
//! the core's runner (`strata::eval::runner`) and gets its progress on a Tauri channel — each
//! finished case as it finishes, then the report. Live evaluations are kept in a registry so
//! the page can cancel them, and so closing the window cancels them.
//!
//! The logic takes an [`EvalOutbox`] (a function that delivers one message to the page) rather
//! than a channel, so it is tested with plain tokio and no webview.

use crate::channel::outbox;
use crate::files::AppError;
use crate::tasks::Tasks;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use strata::eval::protocol::{EvalMessage, EvalRequest, SuiteListing};
use strata::eval::runner::{Evaluation, Job};
use strata::store::Store;
use tokio_util::sync::CancellationToken;

/// Delivers one evaluation message to the page; `false` when the page is gone.
pub type EvalOutbox = crate::channel::Outbox<EvalMessage>;

/// The live evaluations of this window, by id, and the run store their cases are kept in.
pub struct Evaluations {
    /// Cancels each live evaluation.
    live: Mutex<HashMap<String, CancellationToken>>,
    /// The next evaluation's number.
    next: AtomicU64,
    /// The run store (`None`: cases run unrecorded, and do not open on the canvas).
    store: Option<Store>,
    /// The tasks of live evaluations, to wait for them at exit.
    tasks: Tasks,
}

impl Evaluations {
    pub fn new(store: Option<Store>) -> Evaluations {
        Evaluations {
            live: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            store,
            tasks: Tasks::default(),
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the evaluation `request` asks for; its messages go to `outbox`, starting with
    /// `Started`. A suite that cannot run is refused with every problem (and `Failed` says the
    /// same on the channel).
    pub fn start(
        self: &Arc<Evaluations>,
        request: EvalRequest,
        outbox: EvalOutbox,
    ) -> Result<String, AppError> {
        let refuse = |message: String| {
            outbox(EvalMessage::Failed {
                message: message.clone(),
            });
            Err(AppError::Run { message })
        };
        let evaluation = match Evaluation::load(Path::new(&request.suite_path), self.store.clone())
        {
            Ok(evaluation) => evaluation,
            Err(problems) => return refuse(problems.join("\n")),
        };
        let chosen: BTreeSet<usize> = match evaluation.choose(&request.variants) {
            Ok(chosen) => chosen,
            Err(message) => return refuse(message),
        };
        let repeat = request.repeat.max(1);
        let jobs: Vec<Job> = evaluation
            .jobs(repeat)
            .into_iter()
            .filter(|j| chosen.contains(&j.variant))
            .collect();
        let total = jobs.len();
        let id = format!("eval-{}", self.next.fetch_add(1, Ordering::Relaxed));
        outbox(EvalMessage::Started {
            evaluation_id: id.clone(),
            suite: evaluation.name.clone(),
            variants: evaluation.variant_names(&chosen),
            cases: evaluation
                .suite
                .cases
                .iter()
                .map(|c| c.id.clone())
                .collect(),
            repeats: repeat,
            total,
        });
        self.live().insert(id.clone(), evaluation.canceller());
        let evaluations = self.clone();
        let key = id.clone();
        let concurrency = request.concurrency.max(1);
        let task = tokio::spawn(async move {
            let to_page = outbox.clone();
            let finished = evaluation
                .run_jobs(jobs, concurrency, move |result| {
                    // A page that is gone does not stop the evaluation: its cases are recorded.
                    to_page(EvalMessage::CaseFinished {
                        result: result.clone(),
                    });
                })
                .await;
            let last = if finished.cancelled {
                EvalMessage::Cancelled {
                    done: finished.results.len(),
                    total,
                }
            } else {
                EvalMessage::Finished {
                    report: evaluation.report(&chosen, finished.results),
                    judge_cost_usd: finished.judge_cost,
                }
            };
            outbox(last);
            evaluations.live().remove(&key);
        });
        self.tasks.keep(task);
        Ok(id)
    }

    /// Cancels a live evaluation: no case starts after it and the running ones end cancelled;
    /// the page then gets `Cancelled`.
    pub fn cancel(&self, id: &str) -> Result<(), AppError> {
        self.live()
            .get(id)
            .map(CancellationToken::cancel)
            .ok_or_else(|| AppError::NoRun { id: id.to_owned() })
    }

    /// Cancels every live evaluation (the window is closing) and waits, at most `patience`,
    /// for their running cases to record how they ended.
    pub async fn cancel_all(&self, patience: Duration) {
        for token in self.live().values() {
            token.cancel();
        }
        let _ = tokio::time::timeout(patience, self.tasks.settle()).await;
    }
}

// The commands: one-line adapters from the page's calls to [`Evaluations`].

/// The suites beside the project at `project_path` (none for a project never saved).
#[tauri::command]
pub fn eval_suites(project_path: Option<String>) -> Vec<SuiteListing> {
    project_path
        .map(|p| strata::eval::runner::suites_beside(Path::new(&p)))
        .unwrap_or_default()
}

/// Async, so that it runs on the shell's tokio runtime, which the evaluation's task needs.
#[tauri::command]
pub async fn eval_start(
    request: EvalRequest,
    on_message: tauri::ipc::Channel<EvalMessage>,
    evaluations: tauri::State<'_, Arc<Evaluations>>,
) -> Result<String, AppError> {
    Arc::clone(&evaluations).start(request, outbox(on_message))
}

#[tauri::command]
pub fn eval_cancel(
    evaluation_id: String,
    evaluations: tauri::State<'_, Arc<Evaluations>>,
) -> Result<(), AppError> {
    evaluations.cancel(&evaluation_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    /// The customer-support example copied into `dir` (its suite, recordings and handlers).
    fn example(dir: &Path) -> String {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/customer-support");
        crate::tree::copy_tree(&example, dir);
        dir.join("support.strata.json").display().to_string()
    }

    fn streaming() -> (EvalOutbox, mpsc::UnboundedReceiver<EvalMessage>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Arc::new(move |m| tx.send(m).is_ok()), rx)
    }

    fn request(dir: &Path) -> EvalRequest {
        EvalRequest {
            suite_path: dir.join("triage.eval.yaml").display().to_string(),
            variants: Vec::new(),
            repeat: 1,
            concurrency: 2,
        }
    }

    #[test]
    fn the_suites_beside_a_project_are_listed_with_their_variants_and_cases() {
        let dir = tempfile::tempdir().expect("a folder");
        let project = example(dir.path());
        let suites = eval_suites(Some(project));
        assert_eq!(suites.len(), 1, "{suites:?}");
        assert_eq!(suites[0].file, "triage.eval.yaml");
        assert_eq!(suites[0].problem, None);
        let variants: Vec<&str> = suites[0].variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(variants, ["flow", "agent"]);
        assert!(suites[0].cases.len() >= 2);
        assert!(eval_suites(None).is_empty());
    }

    #[tokio::test]
    async fn an_evaluation_streams_each_case_then_the_report_and_records_every_case() {
        let dir = tempfile::tempdir().expect("a folder");
        example(dir.path());
        let store = Store::open(&dir.path().join("data"))
            .await
            .expect("a store");
        let evaluations = Arc::new(Evaluations::new(Some(store.clone())));
        let (outbox, mut rx) = streaming();
        let id = evaluations
            .start(request(dir.path()), outbox)
            .expect("it starts");
        let Some(EvalMessage::Started { total, cases, .. }) = rx.recv().await else {
            panic!("Started comes first");
        };
        assert_eq!(total, cases.len() * 2);
        let mut finished = Vec::new();
        let report = loop {
            match rx.recv().await.expect("the evaluation ends") {
                EvalMessage::CaseFinished { result } => finished.push(result),
                EvalMessage::Finished { report, .. } => break report,
                other => panic!("unexpected {other:?}"),
            }
        };
        assert_eq!(finished.len(), total);
        assert_eq!(report.cases.len(), total);
        assert!(report.recommendation.is_some());
        for case in &report.cases {
            let run_id = case.run_id.as_deref().expect("every case is a run");
            let recorded = strata::session::recorded_run(&store, run_id)
                .await
                .expect("the store reads");
            assert!(recorded.is_some(), "{run_id} is in the store");
        }
        assert!(
            evaluations.cancel(&id).is_err(),
            "a finished evaluation is no longer live"
        );
    }

    #[tokio::test]
    async fn cancelling_ends_with_cancelled_and_a_bad_suite_is_refused() {
        let dir = tempfile::tempdir().expect("a folder");
        example(dir.path());
        let evaluations = Arc::new(Evaluations::new(None));
        let (outbox, mut rx) = streaming();
        // On this one-thread runtime the evaluation's task has not run yet: nothing starts.
        let id = evaluations
            .start(request(dir.path()), outbox)
            .expect("it starts");
        evaluations.cancel(&id).expect("a live evaluation");
        let mut last = None;
        while let Some(m) = rx.recv().await {
            last = Some(m);
        }
        match last {
            Some(EvalMessage::Cancelled { done, total }) => {
                assert_eq!(done, 0);
                assert!(total > 0);
            }
            other => panic!("expected Cancelled, got {other:?}"),
        }

        let (outbox, mut rx) = streaming();
        let mut bad = request(dir.path());
        bad.variants = vec!["nosuch".to_owned()];
        let refused = evaluations.start(bad, outbox).expect_err("refused");
        assert!(
            refused.to_string().contains("no variant \"nosuch\""),
            "{refused}"
        );
        assert!(matches!(rx.recv().await, Some(EvalMessage::Failed { .. })));
    }
}
