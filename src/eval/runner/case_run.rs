//! One case kept as a run in the store while it runs outside the local engine (an agent
//! conversation, a deployed alias): its events recorded and read for model calls, tool calls,
//! the path and the cost, and its summary written when it ends.

use super::Evaluation;
use crate::eval::check::Outcome;
use crate::eval::suite::ToolCall;
use crate::model::Project;
use crate::providers::Usage;
use crate::store::{NewRun, RunOutcome, RunRecorder, RunSummary, Store};
use crate::trace::agent::StepTrace;
use crate::trace::{Cost, RunEvent};
use serde_json::Value;
use std::time::Instant;

/// A case being run: what its events showed so far, and its recording when there is a store.
pub(super) struct CaseRun<'a> {
    project: &'a Project,
    recording: Option<RunRecorder>,
    run_id: Option<String>,
    started: Instant,
    seen: Seen,
    cost: Cost,
}

impl<'a> CaseRun<'a> {
    /// Starts the run named `label` (`agent NAME`, `flow alias …`) with these inputs: in the
    /// store when there is one, and with its `RunStarted` event kept.
    pub(super) async fn start(
        evaluation: &'a Evaluation,
        store: Option<&Store>,
        label: &str,
        inputs: &Value,
    ) -> Result<CaseRun<'a>, String> {
        let recording = match store {
            Some(store) => Some(
                store
                    .start_run(NewRun {
                        project_path: evaluation.project_path.display().to_string(),
                        project_name: evaluation.project.name.clone(),
                        flow: label.to_owned(),
                        inputs: inputs.clone(),
                        provider: "eval".to_owned(),
                        alias: None,
                    })
                    .await
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        };
        let run_id = recording.as_ref().map(|r| r.id().as_str().to_owned());
        let mut run = CaseRun {
            project: &evaluation.project,
            recording,
            run_id: run_id.clone(),
            started: Instant::now(),
            seen: Seen::default(),
            cost: Cost::default(),
        };
        run.keep(RunEvent::RunStarted {
            at_ms: 0,
            run_id: run_id.unwrap_or_default(),
            flow: label.to_owned(),
            inputs: inputs.clone(),
        });
        Ok(run)
    }

    /// The run's id in the store, when there is one.
    pub(super) fn id(&self) -> Option<&str> {
        self.run_id.as_deref()
    }

    /// Milliseconds since the run started.
    pub(super) fn at(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Reads the event for the figures and records it.
    pub(super) fn keep(&mut self, event: RunEvent) {
        self.seen.add(&event);
        self.cost.add(self.project, &event);
        if let Some(r) = &self.recording {
            r.record(event);
        }
    }

    /// Ends the run with this output (kept as `node`'s output when there is no error) and
    /// writes its summary; the cost is `None` when a model call could not be priced.
    pub(super) async fn finish(
        mut self,
        node: &str,
        output: Value,
        error: Option<String>,
        usage: Usage,
    ) -> Result<(Outcome, Facts), String> {
        let latency_ms = self.at();
        if error.is_none() {
            self.keep(RunEvent::FlowOutput {
                at_ms: latency_ms,
                node: node.into(),
                document: output.clone(),
            });
        }
        let cost_usd = self.cost.unpriced.is_empty().then_some(self.cost.usd);
        if let Some(r) = self.recording {
            r.finish(RunSummary {
                status: if error.is_none() {
                    RunOutcome::Succeeded
                } else {
                    RunOutcome::Failed
                },
                outputs: output.clone(),
                error: error.clone(),
                duration_ms: latency_ms,
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
                cost_usd,
            })
            .await
            .map_err(|e| e.to_string())?;
        }
        Ok((
            Outcome {
                output,
                latency_ms,
                cost_usd,
                model_calls: self.seen.model_calls,
                tool_calls: self.seen.tool_calls,
                error,
            },
            Facts {
                run_id: self.run_id,
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
                path: self.seen.path,
            },
        ))
    }
}

/// What a run gives beyond the outcome the checks read.
#[derive(Debug, Default)]
pub(super) struct Facts {
    pub(super) run_id: Option<String>,
    pub(super) input_tokens: u64,
    pub(super) output_tokens: u64,
    pub(super) path: Vec<String>,
}

/// What the events of a run show: model calls, tool calls, and the path taken.
#[derive(Debug, Default)]
pub(super) struct Seen {
    pub(super) model_calls: u64,
    pub(super) tool_calls: Vec<ToolCall>,
    pub(super) path: Vec<String>,
}

impl Seen {
    pub(super) fn add(&mut self, event: &RunEvent) {
        match event {
            RunEvent::NodeStarted { node, .. } => self.path.push(node.to_string()),
            RunEvent::NodeAction { request, .. } if request.get("modelId").is_some() => {
                self.model_calls += 1;
            }
            RunEvent::AgentTrace { trace, .. } => match trace.step() {
                Some(StepTrace::ModelInvocationInput(_)) => self.model_calls += 1,
                Some(StepTrace::InvocationInput(input)) => {
                    if let Some(call) = input
                        .action_group_invocation_input
                        .as_ref()
                        .and_then(tool_call)
                    {
                        self.path
                            .push(format!("{}.{}", call.action_group, call.function));
                        self.tool_calls.push(call);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
}

/// A tool call from Bedrock's `actionGroupInvocationInput`: the group, the function (or API
/// path), and the parameters by name (a value that reads as JSON is taken as JSON).
fn tool_call(input: &Value) -> Option<ToolCall> {
    let action_group = input.get("actionGroupName")?.as_str()?.to_owned();
    let function = input
        .get("function")
        .or_else(|| input.get("apiPath"))?
        .as_str()?
        .to_owned();
    let mut arguments = serde_json::Map::new();
    for p in input
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(name), Some(value)) = (p.get("name").and_then(Value::as_str), p.get("value")) {
            let value = match value {
                Value::String(s) => serde_json::from_str::<Value>(s)
                    .ok()
                    .filter(|v| !v.is_string())
                    .unwrap_or_else(|| value.clone()),
                other => other.clone(),
            };
            arguments.insert(name.to_owned(), value);
        }
    }
    Some(ToolCall {
        action_group,
        function,
        arguments,
    })
}
