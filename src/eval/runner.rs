//! Running a suite: every case × variant × repeat through the host layer (`crate::session`),
//! with the providers each variant names, every case kept in the run store as a run (so it
//! opens as a trace), and the verdicts and figures each run gives.

use super::check::{self, Outcome};
use super::report::CaseResult;
use super::suite::{Case, Suite, Target, Variant};
use crate::model::Project;
use crate::run::RunStatus;
use crate::session::protocol::ProviderChoice;
use crate::session::{ChatOptions, InputSource, ProviderSettings, RunHooks, RunOptions, Session};
use crate::store::Store;
use crate::trace::{AgentTraceEvent, RunEvent};
use case_run::{CaseRun, Facts, Seen};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

mod alias;
mod case_run;
mod jobs;

pub use jobs::{suites_beside, Finished};

/// A suite ready to run: read, checked, its project loaded.
pub struct Evaluation {
    pub suite: Suite,
    pub name: String,
    pub project: Project,
    project_path: PathBuf,
    suite_dir: PathBuf,
    store: Option<Store>,
    /// Replaces every variant's own provider (`--replay`, `--base-url`, `--profile`).
    provider: Option<ProviderSettings>,
    /// Cancels the evaluation: no job starts after it, and the running ones end cancelled.
    cancel: CancellationToken,
}

/// One unit of work: a case, for a variant, the n-th time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Job {
    pub case: usize,
    pub variant: usize,
    pub repeat: u32,
}

impl Evaluation {
    /// Reads the suite at `path` and the project it names, and checks the suite against it:
    /// every problem is returned, located, before anything runs.
    pub fn load(path: &Path, store: Option<Store>) -> Result<Evaluation, Vec<String>> {
        let one = |m: String| vec![m];
        let text = std::fs::read_to_string(path)
            .map_err(|e| one(format!("{}: cannot read: {e}", path.display())))?;
        let suite = Suite::parse(&text).map_err(|e| one(format!("{}: {e}", path.display())))?;
        let suite_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let project_path = suite_dir.join(&suite.project);
        let project_text = std::fs::read_to_string(&project_path).map_err(|e| {
            one(format!(
                "{}: project {}: cannot read: {e}",
                path.display(),
                project_path.display()
            ))
        })?;
        let fallback = project_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("project");
        let project = crate::model::load(&project_text, fallback)
            .map_err(|e| one(format!("{}: {e}", project_path.display())))?
            .project;
        let problems = suite.check(&project);
        if !problems.is_empty() {
            return Err(problems
                .iter()
                .map(|p| format!("{}: {p}", path.display()))
                .collect());
        }
        let name = suite.suite.clone().unwrap_or_else(|| {
            let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("suite");
            file.trim_end_matches(".yaml")
                .trim_end_matches(".yml")
                .trim_end_matches(".json")
                .trim_end_matches(".eval")
                .to_owned()
        });
        Ok(Evaluation {
            suite,
            name,
            project,
            project_path,
            suite_dir,
            store,
            provider: None,
            cancel: CancellationToken::new(),
        })
    }

    /// Every variant answered by this provider instead of its own.
    pub fn with_provider(mut self, provider: ProviderSettings) -> Evaluation {
        self.provider = Some(provider);
        self
    }

    /// Every job of `repeats` rounds, case by case.
    pub fn jobs(&self, repeats: u32) -> Vec<Job> {
        let mut jobs = Vec::new();
        for repeat in 0..repeats.max(1) {
            for case in 0..self.suite.cases.len() {
                for variant in 0..self.suite.variants.len() {
                    jobs.push(Job {
                        case,
                        variant,
                        repeat,
                    });
                }
            }
        }
        jobs
    }

    fn provider_for(&self, variant: &Variant, case: &Case) -> ProviderSettings {
        if let Some(p) = &self.provider {
            return p.clone();
        }
        let choice = match &variant.replay {
            // Relative to the suite; `from_choice` resolves it there. `{case}` names one
            // recording per case, as `strata run --record` writes them.
            Some(replay) => ProviderChoice::Replay {
                path: replay.replace("{case}", &case.id),
            },
            None => ProviderChoice::Bedrock {
                profile: None,
                region: None,
            },
        };
        ProviderSettings::from_choice(&choice, &self.suite_dir)
    }

    /// Runs one job and checks its expectations (rubrics are left to the judge).
    pub async fn run(&self, job: Job) -> CaseResult {
        let case = &self.suite.cases[job.case];
        let variant = &self.suite.variants[job.variant];
        let started = Instant::now();
        let ran = match self.input_for(variant, case) {
            Ok(input) => match &variant.target {
                Target::Flow(flow) => self.run_flow(flow, input, case, variant).await,
                Target::Agent(agent) => self.run_agent(agent, input, case, variant).await,
                Target::FlowAlias(alias) => self.run_flow_alias(alias, input).await,
                Target::AgentAlias(arn) => self.run_agent_alias(arn, input, case).await,
            },
            Err(e) => Err(e),
        };
        let (outcome, facts) = match ran {
            Ok(ran) => ran,
            Err(error) => (
                Outcome {
                    latency_ms: started.elapsed().as_millis() as u64,
                    error: Some(error),
                    ..Outcome::default()
                },
                Facts::default(),
            ),
        };
        let checks: Vec<super::Check> = case
            .expect
            .iter()
            .filter_map(|e| check::check(e, &outcome))
            .collect();
        let failure = outcome.error.as_ref().map(|e| failure_kind(e).to_owned());
        CaseResult {
            id: case.id.clone(),
            variant: variant.name.clone(),
            repeat: job.repeat,
            pass: outcome.error.is_none() && checks.iter().all(|c| c.pass),
            checks,
            run_id: facts.run_id,
            latency_ms: outcome.latency_ms,
            cost_usd: outcome.cost_usd,
            output: outcome.output,
            model_calls: outcome.model_calls,
            input_tokens: facts.input_tokens,
            output_tokens: facts.output_tokens,
            path: facts.path,
            failure,
        }
    }

    /// Scores the case's rubrics with the suite's judge: each adds a check (a reply the
    /// judge gave no score in fails it, saying so). Returns the judge's cost, counted apart
    /// from the variant's (`None`: unpriced).
    pub async fn judge(&self, result: &mut CaseResult) -> Option<f64> {
        let case = self.suite.cases.iter().find(|c| c.id == result.id)?;
        let rubrics: Vec<&super::suite::Rubric> = case
            .expect
            .iter()
            .filter_map(|e| match e {
                super::suite::Expectation::Judge(r) => Some(r),
                _ => None,
            })
            .collect();
        let judge = self.suite.judge.as_ref()?;
        if rubrics.is_empty() {
            return Some(0.0);
        }
        let settings = match self.provider.clone() {
            Some(p) => p,
            None => {
                let choice = match (&judge.replay, &judge.base_url) {
                    (Some(replay), _) => ProviderChoice::Replay {
                        path: replay.clone(),
                    },
                    (None, Some(base_url)) => ProviderChoice::Openai {
                        base_url: base_url.clone(),
                        model: Some(judge.model.clone()),
                    },
                    (None, None) => ProviderChoice::Bedrock {
                        profile: judge.profile.clone(),
                        region: judge.region.clone(),
                    },
                };
                ProviderSettings::from_choice(&choice, &self.suite_dir)
            }
        };
        let mut cost = Some(0.0);
        let provider = match settings.provider(&self.project, &self.suite_dir).await {
            Ok(p) => p,
            Err(e) => {
                for _ in rubrics {
                    result.checks.push(super::Check {
                        kind: "judge".into(),
                        pass: false,
                        detail: format!("the judge cannot run: {e}"),
                    });
                }
                result.pass = false;
                return None;
            }
        };
        for rubric in rubrics {
            let prompt = check::judge_prompt(rubric, &case.input, &result.output);
            let request = crate::providers::ModelRequest {
                model_id: judge.model.clone(),
                messages: vec![crate::providers::ChatMessage::user_text(prompt)],
                ..crate::providers::ModelRequest::default()
            };
            let verdict = match provider.converse(&request).await {
                Ok(reply) => {
                    cost = cost
                        .zip(crate::pricing::cost(
                            Some(&self.project),
                            &judge.model,
                            reply.usage.input_tokens,
                            reply.usage.output_tokens,
                        ))
                        .map(|(a, b)| a + b);
                    check::read_judge_reply(rubric, &reply.text()).unwrap_or_else(|detail| {
                        super::Check {
                            kind: "judge".into(),
                            pass: false,
                            detail,
                        }
                    })
                }
                Err(e) => super::Check {
                    kind: "judge".into(),
                    pass: false,
                    detail: format!("the judge's call failed: {e}"),
                },
            };
            result.pass &= verdict.pass;
            result.checks.push(verdict);
        }
        cost
    }

    /// The case's input as the variant takes it.
    fn input_for(&self, variant: &Variant, case: &Case) -> Result<Value, String> {
        let Some(expression) = &variant.input else {
            return Ok(case.input.clone());
        };
        let parsed = crate::expr::parse_input_expression(expression)
            .map_err(|e| format!("variant {}: input {expression:?}: {e}", variant.name))?;
        parsed
            .evaluate(&case.input)
            .map_err(|e| format!("variant {}: input {expression:?}: {e}", variant.name))
    }

    fn session(&self) -> Session {
        Session::new(
            self.project.clone(),
            Some(&self.project_path),
            self.store.clone(),
        )
    }

    async fn run_flow(
        &self,
        flow: &str,
        input: Value,
        case: &Case,
        variant: &Variant,
    ) -> Result<(Outcome, Facts), String> {
        let session = self.session();
        let mut options =
            RunOptions::new(InputSource::Given(input), self.provider_for(variant, case));
        options.flow = Some(flow.to_owned());
        let live = session
            .start_run(&options, self.answering(&case.answers))
            .await
            .map_err(|e| e.to_string())?;
        let stored = session.store().is_some();
        let run_id = live.id().to_owned();
        let mut seen = Seen::default();
        let report = live
            .stream(|event| {
                seen.add(event);
                Ok(())
            })
            .await
            .map_err(|e| e.to_string())?;
        let result = &report.result;
        let output = case_output(&result.outputs);
        let error = match result.status {
            RunStatus::Succeeded => None,
            RunStatus::Cancelled => Some("cancelled".to_owned()),
            RunStatus::Failed => Some(
                result
                    .failures
                    .iter()
                    .map(|f| format!("{}: {}", f.node, f.error))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        Ok((
            Outcome {
                output,
                latency_ms: result.duration_ms,
                cost_usd: report.summary.cost_usd,
                model_calls: seen.model_calls,
                tool_calls: seen.tool_calls,
                error,
            },
            Facts {
                run_id: stored.then_some(run_id),
                input_tokens: result.usage.input_tokens,
                output_tokens: result.usage.output_tokens,
                path: seen.path,
            },
        ))
    }

    /// An agent case: each turn in one conversation; the last reply is the output. The turns
    /// are kept in the store as one run whose events are the agent's steps.
    async fn run_agent(
        &self,
        agent: &str,
        input: Value,
        case: &Case,
        variant: &Variant,
    ) -> Result<(Outcome, Facts), String> {
        let session = self.session();
        let turns = turns_of(case, &input);
        let label = format!("agent {agent}");
        let mut run = CaseRun::start(self, session.store(), &label, &input).await?;
        let mut chat = session
            .chat(ChatOptions {
                agent: agent.to_owned(),
                provider: self.provider_for(variant, case),
                handler_timeout: Duration::from_secs(30),
                session_id: None,
                memory_id: None,
            })
            .await
            .map_err(|e| e.to_string())?;
        let hooks = self.answering(&case.answers);
        let mut reply = String::new();
        let mut usage = crate::providers::Usage::default();
        let mut error = None;
        for turn in turns {
            let mut on_trace = |t: &AgentTraceEvent| {
                run.keep(RunEvent::AgentTrace {
                    at_ms: run.at(),
                    node: agent.into(),
                    trace: t.clone(),
                });
            };
            // A chat turn does not watch the token itself: the evaluation stops waiting.
            let answered = tokio::select! {
                answered = chat.turn(turn, &hooks, &mut on_trace) => answered.map_err(|e| e.to_string()),
                () = self.cancel.cancelled() => Err("cancelled".to_owned()),
            };
            match answered {
                Ok(turn) => {
                    reply = turn.text;
                    usage.input_tokens += turn.usage.input_tokens;
                    usage.output_tokens += turn.usage.output_tokens;
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        run.finish(agent, Value::String(reply), error, usage).await
    }

    /// Hooks that answer the run's questions and returns of control from the case's
    /// replies, in order, and stop the run when the evaluation is cancelled.
    fn answering(&self, replies: &[String]) -> RunHooks {
        RunHooks {
            cancel: self.cancel.child_token(),
            ..answering(replies)
        }
    }
}

/// A flow run's output as a case's: the Output node's document, or (with several) an object
/// of them by node name.
pub(crate) fn case_output(outputs: &[crate::trace::event::FlowOutputRecord]) -> Value {
    match outputs {
        [one] => one.document.clone(),
        many => Value::Object(
            many.iter()
                .map(|o| (o.node.clone(), o.document.clone()))
                .collect(),
        ),
    }
}

/// An agent case's user turns: the case's `turns`, or its input (after the variant's mapping)
/// as the one turn.
fn turns_of(case: &Case, input: &Value) -> Vec<String> {
    if case.turns.is_empty() {
        vec![match input {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }]
    } else {
        case.turns.clone()
    }
}

/// Hooks that answer the run's questions and returns of control from the case's replies, in
/// order; when they run out the node fails, saying nobody answered.
fn answering(replies: &[String]) -> RunHooks {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};
    let queue = Arc::new(Mutex::new(replies.iter().cloned().collect::<VecDeque<_>>()));
    let asked = queue.clone();
    RunHooks {
        ask_user: Some(Arc::new(move |_node, _question| {
            let next = asked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop_front();
            Box::pin(async move { next })
        })),
        return_control: Some(Arc::new(move |_node, payload| {
            let results = crate::return_control::results_from_replies(
                &payload,
                &mut queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            Box::pin(async move { results })
        })),
        ..RunHooks::default()
    }
}

/// The kind of a run's failure, for the failures-by-kind count.
fn failure_kind(error: &str) -> &'static str {
    let e = error.to_ascii_lowercase();
    if e == "cancelled" {
        "cancelled"
    } else if e.contains("timed out") || e.contains("timeout") {
        "timeout"
    } else if e.contains("credentials") || e.contains("cannot reach") || e.contains("provider") {
        "provider"
    } else if e.contains("handler") || e.contains("lambda") {
        "handler"
    } else {
        "failed"
    }
}
