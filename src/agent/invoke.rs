//! One turn from start to end: the session, the input guardrail, pre-processing, routing,
//! the ReAct loop, post-processing, the output guardrail and the session save.

use super::prompts::{between, DEFAULT_POST_PROCESSING_TEMPLATE, DEFAULT_PRE_PROCESSING_TEMPLATE};
use super::trace::{AgentTraceEvent, Metadata, ModelInvocationOutput, StepTrace};
use super::turn::{Turn, Wait};
use super::{AgentError, AgentRuntime, ResumeInput, TurnOutcome, TurnRequest};
use crate::guardrail::Source;
use crate::model::agent::PromptType;
use crate::providers::ChatMessage;
use serde_json::json;
use std::sync::PoisonError;

impl AgentRuntime {
    /// Runs one turn. If the session has a question pending (`AMAZON.UserInput`), the input
    /// text is its answer.
    pub async fn invoke(&self, request: TurnRequest) -> Result<TurnOutcome, AgentError> {
        let asked = {
            let pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            pending
                .iter()
                .find(|(_, t)| {
                    t.session_id == request.session_id
                        && t.waiting.iter().any(|w| w.wait == Wait::Ask)
                })
                .map(|(id, _)| id.clone())
        };
        if let Some(id) = asked {
            return self
                .resume(&id, ResumeInput::Answer(request.input_text))
                .await;
        }
        let mut turn = Turn::new(request.session_id.clone(), request.input_text.clone());
        self.load_session(&mut turn, request.memory_id.as_deref())
            .await?;
        if let Some(a) = request.session_attributes {
            turn.session_attributes = a;
        }
        if let Some(a) = request.prompt_session_attributes {
            turn.prompt_session_attributes = a;
        }

        // Input guardrail.
        if let Some(outcome) = self.guard(Source::Input, &turn.input_text).await? {
            if outcome.blocked {
                return self.finish(turn, outcome.output, false).await;
            }
            turn.input_text = outcome.output;
        }

        if !self.pre_process(&mut turn).await? {
            return self
                .finish(
                    turn,
                    "Sorry, I can't help with that request.".to_owned(),
                    false,
                )
                .await;
        }

        turn.messages = turn.prior_history.clone();
        turn.messages
            .push(ChatMessage::user_text(turn.input_text.clone()));
        if let Some(collaborator) = self.route(&mut turn).await? {
            let message = turn.input_text.clone();
            return match self
                .ask_collaborator(&mut turn, &collaborator, message)
                .await
            {
                Ok(text) => self.finish(turn, text, true).await,
                // A failed route falls back to the supervisor, as Bedrock does.
                Err(_) => self.drive(turn).await,
            };
        }
        self.drive(turn).await
    }

    /// Post-processing, the output guardrail, and the session save.
    pub(super) async fn finish(
        &self,
        mut turn: Turn,
        text: String,
        post_process: bool,
    ) -> Result<TurnOutcome, AgentError> {
        let mut text = text;
        if post_process && self.stage_enabled(PromptType::PostProcessing) {
            text = self.post_process(&mut turn, &text).await?;
        }
        if post_process {
            if let Some(outcome) = self.guard(Source::Output, &text).await? {
                text = outcome.output;
            }
        }
        self.save_session(&turn, &text).await?;
        Ok(TurnOutcome::Finished {
            text,
            usage: turn.usage,
            session_attributes: turn.session_attributes,
        })
    }

    /// The pre-processing stage, when enabled: classifies the input and says whether the
    /// agent should answer it (categories A, B and C are turned away).
    async fn pre_process(&self, turn: &mut Turn) -> Result<bool, AgentError> {
        if !self.stage_enabled(PromptType::PreProcessing) {
            return Ok(true);
        }
        let (template, overridden) =
            self.template(PromptType::PreProcessing, DEFAULT_PRE_PROCESSING_TEMPLATE);
        let system = self.fill(&template, turn, &[]);
        let response = self
            .call_turn_stage(PromptType::PreProcessing, system, overridden, turn)
            .await?;
        let text = response.text();
        let category =
            between(&text, "<category>", "</category>").map(|c| c.trim().to_ascii_uppercase());
        let valid = !matches!(category.as_deref(), Some("A" | "B" | "C"));
        self.emit(AgentTraceEvent::PreProcessingTrace(
            StepTrace::ModelInvocationOutput(ModelInvocationOutput {
                trace_id: self.next_id("preprocessing"),
                raw_response: json!({ "content": text }),
                metadata: Metadata {
                    usage: response.usage,
                    total_time_ms: response.latency_ms,
                },
                parsed_response: Some(json!({ "isValid": valid, "rationale": text })),
            }),
        ))
        .await;
        Ok(valid)
    }

    /// The post-processing stage: the model rewrites the answer for the user.
    async fn post_process(&self, turn: &mut Turn, text: &str) -> Result<String, AgentError> {
        let (template, overridden) =
            self.template(PromptType::PostProcessing, DEFAULT_POST_PROCESSING_TEMPLATE);
        let system = self.fill(
            &template,
            turn,
            &[
                ("$latest_response$", text.to_owned()),
                ("$bot_response$", text.to_owned()),
            ],
        );
        let response = self
            .call_turn_stage(PromptType::PostProcessing, system, overridden, turn)
            .await?;
        let raw = response.text();
        Ok(between(&raw, "<final_response>", "</final_response>")
            .map_or(raw.clone(), |s| s.trim().to_owned()))
    }
}
