//! One run of a flow, the way every front end runs it: the flow (or the version an alias
//! names) compiled, the input document resolved and checked, the provider routed and maybe
//! recorded, the run recorded in the store, its events streamed in order with the cost kept,
//! and the result the front end shows.

use super::pause::{Pause, PauseGate};
use super::protocol::{DebugOptions, RunInput, RunRequest, RunResultSummary, RunTarget};
use super::provider::ProviderSettings;
use super::{Error, Session};
use crate::compile::{compile_in, FlowPlan};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Flow, Project};
use crate::providers::scripted::Recorder;
use crate::providers::ModelProvider;
use crate::run::{
    run_flow_batched, AskUser, Debug, OnBreakpoint, ReturnControl, RunContext, RunEvent, RunResult,
    RunStatus, Seed,
};
use crate::store::{NewRun, RunId, RunOutcome, RunRecorder, RunSummary};
use crate::trace::Cost;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Where a run's input document comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum InputSource {
    /// The document as given (the CLI's `--input`): the Input node checks its type as the run
    /// starts, and a mismatch fails that node in the trace.
    Given(Value),
    /// A front end's choice: a saved sample, or a typed document checked against the Input
    /// node's type before anything runs.
    Chosen(RunInput),
    /// The flow's first sample.
    FirstSample,
}

/// How to run: everything a front end decides before pressing Run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The flow by name; `None`: the first.
    pub flow: Option<String>,
    /// Run the version this alias points at instead of the document as it is.
    pub alias: Option<String>,
    /// Run this recorded version instead of the document as it is (ignored with `alias`).
    pub version: Option<u32>,
    pub input: InputSource,
    pub provider: ProviderSettings,
    /// Save the run's model exchanges to this replay file.
    pub record: Option<PathBuf>,
    pub max_concurrency: usize,
    pub iterator_concurrency: usize,
    /// Stream model replies (text arrives as `contentBlockDelta` events).
    pub stream: bool,
    pub node_timeout: Duration,
    /// Folder for Storage/Retrieval buckets (default: `.strata/storage` beside the project).
    pub storage_root: Option<PathBuf>,
    pub debug: DebugOptions,
}

impl RunOptions {
    /// Options with the executor's defaults.
    pub fn new(input: InputSource, provider: ProviderSettings) -> RunOptions {
        RunOptions {
            flow: None,
            alias: None,
            version: None,
            input,
            provider,
            record: None,
            max_concurrency: crate::run::DEFAULT_MAX_CONCURRENCY,
            iterator_concurrency: crate::run::DEFAULT_ITERATOR_CONCURRENCY,
            stream: false,
            node_timeout: crate::run::DEFAULT_NODE_TIMEOUT,
            storage_root: None,
            debug: DebugOptions::default(),
        }
    }

    /// The options a front end's request makes; relative paths are the project's.
    pub fn from_request(request: &RunRequest, session: &Session) -> RunOptions {
        let dir = session.project_dir();
        let (alias, version) = match &request.target {
            Some(RunTarget::Alias { name }) => (Some(name.clone()), None),
            Some(RunTarget::Version { number }) => (None, Some(*number)),
            None => (None, None),
        };
        RunOptions {
            flow: Some(request.flow.clone()),
            alias,
            version,
            iterator_concurrency: request.iterator_concurrency,
            node_timeout: Duration::from_secs(request.timeout_secs.max(1)),
            record: request.record.as_ref().map(|r| dir.join(r)),
            debug: request.debug.clone(),
            ..RunOptions::new(
                InputSource::Chosen(request.input.clone()),
                ProviderSettings::from_choice(&request.provider, dir),
            )
        }
    }
}

/// What a front end does during a run: answer the run's questions, and cancel it.
/// A question is asked only once every event before it has reached the front end.
#[derive(Clone, Default)]
pub struct RunHooks {
    /// Answers an agent's question; without it the node fails.
    pub ask_user: Option<AskUser>,
    /// Answers a return of control or a confirmation; without it the node fails.
    pub return_control: Option<ReturnControl>,
    /// Answers a breakpoint; without it breakpoints do not pause.
    pub on_breakpoint: Option<OnBreakpoint>,
    pub cancel: CancellationToken,
}

/// A flow ready to run: compiled, with the version an alias named.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The project as it runs (the alias's version of the flow, when one was named).
    pub project: Project,
    pub plan: FlowPlan,
    pub flow: String,
    /// The alias and the version it named.
    pub alias: Option<(String, u32)>,
    /// The recorded version that runs (an alias's, or one named), `None`: the working copy.
    pub version: Option<u32>,
    /// Warnings to show before running: code from outside the project that is about to run.
    pub warnings: Vec<Diagnostic>,
}

impl Prepared {
    fn flow(&self) -> &Flow {
        self.project
            .flow(&self.flow)
            .expect("a prepared flow is in its project")
    }

    /// The input document `source` gives, checked as [`InputSource`] says.
    pub fn input_document(&self, source: &InputSource) -> Result<Value, Error> {
        let flow = self.flow();
        let sample = |name: Option<&str>| {
            let found = match name {
                Some(name) => flow.samples.iter().find(|s| s.name == name),
                None => flow.samples.first(),
            };
            found.map(|s| s.document.clone()).ok_or_else(|| match name {
                Some(name) => Error::NoSample {
                    flow: flow.name.clone(),
                    sample: name.to_owned(),
                },
                None => Error::NoInput {
                    flow: flow.name.clone(),
                },
            })
        };
        match source {
            InputSource::Given(document) => Ok(document.clone()),
            InputSource::FirstSample => sample(None),
            InputSource::Chosen(RunInput::Sample { name }) => sample(Some(name)),
            InputSource::Chosen(RunInput::Document { document }) => {
                self.check_input_type(document)?;
                Ok(document.clone())
            }
        }
    }

    /// A typed document must be of the type the flow's Input node declares (the check the
    /// editor page makes before it asks, [`Flow::check_input`]).
    fn check_input_type(&self, document: &Value) -> Result<(), Error> {
        let flow = self.flow();
        flow.check_input(document).map_err(|e| Error::InputType {
            flow: flow.name.clone(),
            node: e.node,
            expected: e.expected,
            actual: e.actual.to_owned(),
        })
    }
}

/// How a run ended, for the front end to show.
#[derive(Debug)]
pub struct RunReport {
    pub result: RunResult,
    /// The machine-readable result (the run id, cost and where the prices came from).
    pub summary: RunResultSummary,
    /// Whether the run is in the store.
    pub stored: bool,
    /// The account of the priced calls (`usd` counts them even when some model has no price).
    pub cost: Cost,
}

/// A run under way: its id and provider are known, its events not yet read.
pub struct LiveRun {
    run_id: RunId,
    provider: String,
    project: Project,
    handle: JoinHandle<RunResult>,
    /// The run's events in batches: what it emitted between two waits, one message each.
    events: mpsc::Receiver<Vec<RunEvent>>,
    pauses: mpsc::UnboundedReceiver<Pause>,
    recording: Option<RunRecorder>,
    recorder: Option<(Arc<Recorder>, PathBuf)>,
    cancel: CancellationToken,
}

impl Session {
    /// Resolves the flow and alias and compiles the flow. A flow with errors cannot run:
    /// [`Error::FlowHasErrors`] lists them all.
    pub async fn prepare(
        &self,
        flow: Option<&str>,
        alias: Option<&str>,
    ) -> Result<Prepared, Error> {
        let target = alias.map(|name| RunTarget::Alias {
            name: name.to_owned(),
        });
        self.prepare_at(flow, target.as_ref()).await
    }

    /// Resolves the flow and the recorded version `target` names (`None`: the working copy)
    /// and compiles the flow, as [`Session::prepare`] does.
    pub async fn prepare_at(
        &self,
        flow: Option<&str>,
        target: Option<&RunTarget>,
    ) -> Result<Prepared, Error> {
        let flow = self.flow_name(flow)?;
        let mut project = self.project.clone();
        let mut resolved = None;
        let mut version = None;
        match target {
            Some(RunTarget::Alias { name }) => {
                let (number, snapshot) = self.resolve_alias(&flow, name).await?;
                project = crate::lifecycle::project_at(&project, &snapshot);
                resolved = Some((name.clone(), number));
                version = Some(number);
            }
            Some(RunTarget::Version { number }) => {
                let store = self.store.as_ref().ok_or(Error::VersionNeedsStore)?;
                let snapshot =
                    super::version_snapshot(store, &self.project, &flow, *number).await?;
                project = crate::lifecycle::project_at(&project, &snapshot);
                version = Some(*number);
            }
            None => {}
        }
        let compiled = compile_in(&project, self.project_dir());
        let Some(plan) = compiled.plan(&flow).cloned() else {
            return Err(Error::FlowHasErrors {
                errors: compiled.errors().cloned().collect(),
                flow,
            });
        };
        let warnings = compiled
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::HandlerOutsideProject)
            .cloned()
            .collect();
        Ok(Prepared {
            project,
            plan,
            flow,
            alias: resolved,
            version,
            warnings,
        })
    }

    /// Starts `prepared` on `document`: the provider is made, the run gets its id (and its
    /// row in the store) and the executor starts. Read its events with [`LiveRun::stream`].
    pub async fn start(
        &self,
        prepared: Prepared,
        document: Value,
        options: &RunOptions,
        hooks: RunHooks,
    ) -> Result<LiveRun, Error> {
        let debug = self.debug(&prepared, &options.debug, &hooks).await?;
        let routed = options
            .provider
            .provider(&prepared.project, self.project_dir())
            .await?;
        let recorder = options
            .record
            .as_ref()
            .map(|path| (Arc::new(Recorder::new(routed.clone())), path.clone()));
        let provider: Arc<dyn ModelProvider> = match &recorder {
            Some((r, _)) => r.clone(),
            None => routed,
        };
        // The trace is written to the store off the run's path, in batches. Every run gets
        // its id here, stored or not, so the trace, the front end and the store agree.
        let recording = match &self.store {
            Some(store) => Some(
                store
                    .start_run(NewRun {
                        project_path: self.label(),
                        project_name: prepared.project.name.clone(),
                        flow: prepared.flow.clone(),
                        inputs: document.clone(),
                        provider: provider.name().to_owned(),
                        alias: prepared.alias.as_ref().map(|(a, _)| a.clone()),
                    })
                    .await?,
            ),
            None => None,
        };
        let run_id = recording
            .as_ref()
            .map(|r| r.id().clone())
            .unwrap_or_else(RunId::generate);
        let mut ctx = RunContext::new(provider.clone(), self.project_dir())
            .with_cancel(hooks.cancel.clone())
            .with_max_concurrency(options.max_concurrency)
            .with_iterator_concurrency(options.iterator_concurrency)
            .with_stream(options.stream)
            .with_node_timeout(options.node_timeout)
            .with_run_id(run_id.as_str())
            .with_handlers(self.handlers());
        if let Some(root) = &options.storage_root {
            ctx = ctx.with_storage_root(root);
        }
        if let Some(store) = &self.store {
            ctx = ctx.with_store(store.clone());
        }
        if let Some(guardrails) = options.provider.bedrock_guardrails() {
            ctx = ctx.with_bedrock_guardrails(guardrails);
        }
        let (gate, pauses) = PauseGate::new();
        if let Some(mut debug) = debug {
            if let Some(on_breakpoint) = debug.on_breakpoint.take() {
                let gate = gate.clone();
                debug.on_breakpoint = Some(Arc::new(move |node, inputs| {
                    let (on_breakpoint, gate) = (on_breakpoint.clone(), gate.clone());
                    Box::pin(async move {
                        let _held = gate.hold().await;
                        on_breakpoint(node, inputs).await
                    })
                }));
            }
            ctx = ctx.with_debug(debug);
        }
        if let Some(ask) = hooks.ask_user {
            let gate = gate.clone();
            ctx = ctx.with_ask_user(Arc::new(move |node, question| {
                let (ask, gate) = (ask.clone(), gate.clone());
                Box::pin(async move {
                    let _held = gate.hold().await;
                    ask(node, question).await
                })
            }));
        }
        if let Some(answer) = hooks.return_control {
            ctx = ctx.with_return_control(Arc::new(move |node, payload| {
                let (answer, gate) = (answer.clone(), gate.clone());
                Box::pin(async move {
                    let _held = gate.hold().await;
                    answer(node, payload).await
                })
            }));
        }
        // Batches, not single events: a run that never waits (an instant model) hands its
        // events over a batch at a time, so this side is woken once per batch.
        let (tx, events) = mpsc::channel::<Vec<RunEvent>>(16);
        let project = prepared.project.clone();
        let plan = prepared.plan;
        let handle = tokio::spawn(async move {
            run_flow_batched(&plan, &prepared.project, document, ctx, tx).await
        });
        Ok(LiveRun {
            run_id,
            provider: provider.name().to_owned(),
            project,
            handle,
            events,
            pauses,
            recording,
            recorder,
            cancel: hooks.cancel,
        })
    }

    /// The executor's debug options for `options`: the recorded run a re-run starts from is
    /// read from the store, and the whole is checked against the flow before anything starts.
    async fn debug(
        &self,
        prepared: &Prepared,
        options: &DebugOptions,
        hooks: &RunHooks,
    ) -> Result<Option<Debug>, Error> {
        if options == &DebugOptions::default() {
            return Ok(None);
        }
        let seed = match &options.from {
            Some(from) => {
                let store = self.store.as_ref().ok_or(Error::RerunNeedsStore)?;
                let recorded =
                    super::recorded_run(store, &from.run_id)
                        .await?
                        .ok_or_else(|| Error::NoRecordedRun {
                            run_id: from.run_id.clone(),
                        })?;
                Some(Seed::from_events(&from.node, &recorded.events))
            }
            None => None,
        };
        let debug = Debug {
            seed,
            pins: options.pins.clone(),
            breakpoints: options.breakpoints.clone(),
            on_breakpoint: hooks.on_breakpoint.clone(),
        };
        debug.check(&prepared.plan)?;
        Ok(Some(debug))
    }

    /// Prepares, resolves the input and starts, for front ends that show no step between.
    pub async fn start_run(&self, options: &RunOptions, hooks: RunHooks) -> Result<LiveRun, Error> {
        let target = match (&options.alias, options.version) {
            (Some(name), _) => Some(RunTarget::Alias { name: name.clone() }),
            (None, Some(number)) => Some(RunTarget::Version { number }),
            (None, None) => None,
        };
        let prepared = self
            .prepare_at(options.flow.as_deref(), target.as_ref())
            .await?;
        let document = prepared.input_document(&options.input)?;
        self.start(prepared, document, options, hooks).await
    }
}

impl LiveRun {
    pub fn id(&self) -> &str {
        self.run_id.as_str()
    }

    /// The name of the provider that answers (`bedrock`, `openai`, `scripted`).
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// Passes every event to `sink` in order until the run ends, then records the result.
    /// The last event, `runFinished`, carries the run id and the cost. Before a question is
    /// asked (through [`RunHooks`]) every earlier event has been given to `sink`.
    pub async fn stream(
        mut self,
        mut sink: impl FnMut(&RunEvent) -> std::io::Result<()>,
    ) -> Result<RunReport, Error> {
        let mut cost = Cost::default();
        let run_id = self.run_id.as_str().to_owned();
        let recording = self.recording.take();
        let mut take = |mut event: RunEvent| -> Result<(), Error> {
            cost.add(&self.project, &event);
            if let RunEvent::RunFinished {
                run_id: id,
                cost_usd,
                unpriced,
                ..
            } = &mut event
            {
                *id = Some(run_id.clone());
                *cost_usd = cost.unpriced.is_empty().then_some(cost.usd);
                unpriced.clone_from(&cost.unpriced);
            }
            sink(&event).map_err(Error::Sink)?;
            if let Some(recording) = &recording {
                recording.record(event);
            }
            Ok(())
        };
        let streamed: Result<(), Error> = async {
            loop {
                tokio::select! {
                    biased;
                    batch = self.events.recv() => match batch {
                        Some(batch) => batch.into_iter().try_for_each(&mut take)?,
                        None => return Ok(()),
                    },
                    Some(pause) = self.pauses.recv() => {
                        // Everything the run said before it asked goes out before the question.
                        while let Ok(batch) = self.events.try_recv() {
                            batch.into_iter().try_for_each(&mut take)?;
                        }
                        pause.wait_for_answer().await;
                    }
                }
            }
        }
        .await;
        if let Err(error) = streamed {
            // The front end cannot follow the run any more: stop it rather than run unseen.
            self.cancel.cancel();
            return Err(error);
        }
        let result = self.handle.await.map_err(|e| Error::Task {
            message: e.to_string(),
        })?;
        let mut recorded_to = None;
        if let Some((recorder, path)) = &self.recorder {
            recorder.save(path).map_err(|e| Error::Record {
                path: path.clone(),
                message: e.to_string(),
            })?;
            recorded_to = Some(path.display().to_string());
        }
        let cost_usd = cost.unpriced.is_empty().then_some(cost.usd);
        let stored = recording.is_some();
        if let Some(recording) = recording {
            recording
                .finish(RunSummary {
                    status: match result.status {
                        RunStatus::Succeeded => RunOutcome::Succeeded,
                        RunStatus::Failed => RunOutcome::Failed,
                        RunStatus::Cancelled => RunOutcome::Cancelled,
                    },
                    outputs: serde_json::to_value(&result.outputs).unwrap_or(Value::Null),
                    error: (!result.failures.is_empty()).then(|| {
                        result
                            .failures
                            .iter()
                            .map(|f| format!("{}: {}", f.node, f.error))
                            .collect::<Vec<_>>()
                            .join("; ")
                    }),
                    duration_ms: result.duration_ms,
                    input_tokens: result.usage.input_tokens,
                    output_tokens: result.usage.output_tokens,
                    cost_usd,
                })
                .await?;
        }
        let summary = RunResultSummary {
            run_id: self.run_id.as_str().to_owned(),
            status: result.status,
            outputs: result.outputs.clone(),
            usage: result.usage,
            duration_ms: result.duration_ms,
            cost_usd,
            unpriced: cost.unpriced.clone(),
            price_source: price_source(&self.project),
            recorded_to,
        };
        Ok(RunReport {
            result,
            summary,
            stored,
            cost,
        })
    }
}

/// Where a run's prices come from, as the status bar names it (the page's own view of a
/// run names them the same way).
pub(super) fn price_source(project: &Project) -> String {
    crate::trace::view::price_source(project)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DataType;
    use crate::session::protocol::{ProviderChoice, RunRequest};
    use crate::session::{recorded_run, run_listings};
    use crate::store::Store;
    use serde_json::json;
    use std::path::Path;

    const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

    /// `tests/session_fixtures`: Input (String) → Prompt on [`MODEL`] → Output, a sample
    /// and a replay that answers once.
    const PROJECT: &str = include_str!("../../tests/session_fixtures/summarise.strata.json");
    const REPLAY: &str = include_str!("../../tests/session_fixtures/replay.yaml");

    fn project() -> Project {
        serde_json::from_str(PROJECT).expect("a project")
    }

    /// A session on [`project`] saved in `dir`, beside its replay.
    async fn session(dir: &Path, store: bool) -> Session {
        std::fs::write(dir.join("replay.yaml"), REPLAY).expect("the replay");
        let store = match store {
            true => Some(Store::open(&dir.join("data")).await.expect("a store")),
            false => None,
        };
        Session::new(project(), Some(&dir.join("t.strata.json")), store)
    }

    fn request(input: RunInput) -> RunRequest {
        serde_json::from_value(json!({
            "flow": "main",
            "input": input,
            "provider": ProviderChoice::Replay { path: "replay.yaml".to_owned() },
        }))
        .expect("a request")
    }

    async fn run(
        session: &Session,
        request: &RunRequest,
    ) -> Result<(RunReport, Vec<RunEvent>), Error> {
        let options = RunOptions::from_request(request, session);
        let live = session.start_run(&options, RunHooks::default()).await?;
        let mut events = Vec::new();
        let report = live
            .stream(|e| {
                events.push(e.clone());
                Ok(())
            })
            .await?;
        Ok((report, events))
    }

    #[tokio::test]
    async fn a_replayed_run_is_streamed_priced_and_stored() {
        let dir = tempfile::tempdir().expect("a folder");
        let session = session(dir.path(), true).await;
        let (report, events) = run(
            &session,
            &request(RunInput::Sample {
                name: "hello".to_owned(),
            }),
        )
        .await
        .expect("the run");
        assert_eq!(report.result.status, RunStatus::Succeeded);
        assert_eq!(report.summary.outputs[0].document, json!("a summary"));
        let expected = crate::pricing::cost(Some(session.project()), MODEL, 1000, 100)
            .expect("the model has a price");
        assert_eq!(report.summary.cost_usd, Some(expected));
        assert!(report.summary.price_source.contains("built-in"));
        let Some(RunEvent::RunFinished {
            run_id,
            cost_usd,
            unpriced,
            ..
        }) = events.last()
        else {
            panic!("the last event is runFinished: {events:#?}");
        };
        assert_eq!(run_id.as_deref(), Some(report.summary.run_id.as_str()));
        assert_eq!(*cost_usd, Some(expected));
        assert!(unpriced.is_empty());

        let store = session.store().expect("the store");
        let listed = run_listings(
            store,
            Some(&dir.path().join("t.strata.json").display().to_string()),
            "t",
        )
        .await
        .expect("the history");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].run_id, report.summary.run_id);
        assert_eq!(listed[0].status, "succeeded");
        assert_eq!(listed[0].cost_usd, Some(expected));
        assert_eq!(listed[0].input_tokens, Some(1000));
        let recorded = recorded_run(store, &report.summary.run_id)
            .await
            .expect("the store answers")
            .expect("the run is recorded");
        assert_eq!(recorded.events, events);
        assert_eq!(recorded.inputs, json!("hi"));
    }

    #[tokio::test]
    async fn a_typed_document_of_the_wrong_type_is_refused_before_running() {
        let dir = tempfile::tempdir().expect("a folder");
        let session = session(dir.path(), true).await;
        let error = run(
            &session,
            &request(RunInput::Document {
                document: json!({"text": "hi"}),
            }),
        )
        .await
        .expect_err("an object where a string is declared");
        let Error::InputType {
            node,
            expected,
            actual,
            ..
        } = &error
        else {
            panic!("{error}");
        };
        assert_eq!(
            (node.as_str(), *expected, actual.as_str()),
            ("FlowInput", DataType::String, "Object")
        );
        assert!(error.to_string().contains("takes String"), "{error}");
        let store = session.store().expect("the store");
        assert!(
            run_listings(store, None, "t")
                .await
                .expect("history")
                .is_empty(),
            "nothing ran"
        );

        let (report, _) = run(
            &session,
            &request(RunInput::Document {
                document: json!("typed"),
            }),
        )
        .await
        .expect("a string is accepted");
        assert_eq!(report.result.status, RunStatus::Succeeded);
    }

    #[tokio::test]
    async fn a_missing_sample_or_a_malformed_replay_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("a folder");
        let session = session(dir.path(), false).await;
        let error = run(
            &session,
            &request(RunInput::Sample {
                name: "nope".to_owned(),
            }),
        )
        .await
        .expect_err("no such sample");
        assert_eq!(
            error.to_string(),
            "flow \"main\" has no sample named \"nope\""
        );

        std::fs::write(dir.path().join("replay.yaml"), "replies: [[[").expect("a bad replay");
        let error = run(
            &session,
            &request(RunInput::Sample {
                name: "hello".to_owned(),
            }),
        )
        .await
        .expect_err("a malformed replay");
        assert!(matches!(error, Error::Provider { .. }), "{error:?}");
        assert!(error.to_string().contains("replay.yaml"), "{error}");
    }

    #[tokio::test]
    async fn a_rerun_from_a_node_reuses_the_recorded_outputs_before_it() {
        let dir = tempfile::tempdir().expect("a folder");
        let session = session(dir.path(), true).await;
        let first = request(RunInput::Sample {
            name: "hello".to_owned(),
        });
        let (report, events) = run(&session, &first).await.expect("the first run");
        let calls = |events: &[RunEvent]| {
            events
                .iter()
                .filter(|e| matches!(e, RunEvent::NodeAction { .. }))
                .count()
        };
        assert_eq!(calls(&events), 1);

        let mut again = first.clone();
        again.debug.from = Some(crate::session::protocol::RerunFrom {
            run_id: report.summary.run_id.clone(),
            node: "Done".to_owned(),
        });
        let (rerun, events) = run(&session, &again).await.expect("the re-run");
        assert_eq!(rerun.result.status, RunStatus::Succeeded);
        assert_eq!(
            calls(&events),
            0,
            "the model is not called again: {events:#?}"
        );
        assert!(events
            .iter()
            .any(|e| matches!(e, RunEvent::NodeReused { node, .. } if &**node == "Summarise")));
        assert_eq!(rerun.summary.outputs[0].document, json!("a summary"));

        again.debug.from = Some(crate::session::protocol::RerunFrom {
            run_id: "run_0000000000000000_0".to_owned(),
            node: "Done".to_owned(),
        });
        let error = run(&session, &again).await.expect_err("no such run");
        assert!(matches!(error, Error::NoRecordedRun { .. }), "{error}");
        again.debug.from = None;
        again.debug.breakpoints = vec!["Nowhere".to_owned()];
        let error = run(&session, &again).await.expect_err("no such node");
        assert!(matches!(error, Error::Debug(_)), "{error}");
        assert!(error.to_string().contains("Nowhere"), "{error}");
    }

    #[tokio::test]
    async fn a_breakpoint_asks_after_every_earlier_event_and_a_pin_replaces_the_model() {
        let dir = tempfile::tempdir().expect("a folder");
        let session = session(dir.path(), false).await;
        let mut request = request(RunInput::Sample {
            name: "hello".to_owned(),
        });
        request.debug.breakpoints = vec!["Summarise".to_owned()];
        let options = RunOptions::from_request(&request, &session);
        let seen = Arc::new(std::sync::Mutex::new(Vec::<RunEvent>::new()));
        let at_pause = Arc::new(std::sync::Mutex::new(None));
        let hooks = RunHooks {
            on_breakpoint: Some({
                let (seen, at_pause) = (seen.clone(), at_pause.clone());
                Arc::new(move |node, inputs| {
                    // What the front end had been given when it was asked.
                    let given = seen.lock().expect("not poisoned").clone();
                    *at_pause.lock().expect("not poisoned") = Some((node, inputs, given));
                    Box::pin(async { Some(crate::run::BreakpointAction::default()) })
                })
            }),
            ..RunHooks::default()
        };
        let live = session.start_run(&options, hooks).await.expect("started");
        let report = live
            .stream(|e| {
                seen.lock().expect("not poisoned").push(e.clone());
                Ok(())
            })
            .await
            .expect("the run");
        assert_eq!(report.result.status, RunStatus::Succeeded);
        let (node, inputs, given) = at_pause
            .lock()
            .expect("not poisoned")
            .take()
            .expect("the breakpoint paused");
        assert_eq!(node, "Summarise");
        assert_eq!(inputs[0].content.document, json!("hi"));
        assert!(
            given
                .iter()
                .any(|e| matches!(e, RunEvent::NodeOutput { node, .. } if &**node == "FlowInput")),
            "the Input's output reached the front end before the pause: {given:#?}"
        );

        request.debug.breakpoints.clear();
        request.debug.pins = [(
            "Summarise".to_owned(),
            [("modelCompletion".to_owned(), json!("pinned"))].into(),
        )]
        .into();
        let (report, events) = run(&session, &request).await.expect("the pinned run");
        assert_eq!(report.summary.outputs[0].document, json!("pinned"));
        assert!(!events
            .iter()
            .any(|e| matches!(e, RunEvent::NodeAction { .. })));
    }
}
