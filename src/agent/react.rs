//! The ReAct loop: the model reasons and calls tools until it answers without one; action
//! groups run by their local handlers.

use super::handler;
use super::prompts::{InvocationText, DEFAULT_ORCHESTRATION_TEMPLATE};
use super::tools::{self, EventContext, Target, Tool};
use super::trace::{
    AgentTraceEvent, FailureTrace, InvocationInput, Observation, Rationale, StepTrace,
};
use super::turn::{Turn, Wait, Waiting};
use super::{AgentError, AgentRuntime, TurnOutcome};
use crate::model::agent::PromptType;
use crate::model::handler::action_group_slot;
use crate::providers::{ChatMessage, ContentPart, ModelRequest, Role};
use serde_json::{json, Value};

impl AgentRuntime {
    /// The ReAct loop from the current messages.
    pub(super) async fn drive(&self, mut turn: Turn) -> Result<TurnOutcome, AgentError> {
        let max = self.max_iterations();
        let (template, overridden) =
            self.template(PromptType::Orchestration, DEFAULT_ORCHESTRATION_TEMPLATE);
        let (inference, model_id) = self.inference(PromptType::Orchestration);
        let additional = self
            .prompt_config(PromptType::Orchestration)
            .and_then(|c| c.additional_model_request_fields.clone());
        // One request kept across the steps: the conversation is appended to, not copied
        // whole at every step, and the system prompt is filled again only when what it shows
        // (the prompt session attributes, the memory) changed.
        let mut request = ModelRequest {
            model_id,
            system: vec![],
            messages: vec![],
            inference,
            tools: self.tool_specs(),
            tool_choice: None,
            additional_fields: additional,
        };
        let mut system_for: Option<(serde_json::Map<String, Value>, Vec<String>)> = None;
        let mut invocation_text = InvocationText::default();
        loop {
            if turn.iterations >= max {
                let reason = format!(
                    "the agent did not reach a final answer within {max} orchestration steps (local.maxIterations)"
                );
                self.emit(AgentTraceEvent::FailureTrace(FailureTrace {
                    trace_id: self.next_id(&self.agent.agent_name),
                    failure_code: 400,
                    failure_reason: reason,
                }))
                .await;
                return Err(AgentError::IterationCap {
                    agent: self.agent.agent_name.clone(),
                    max,
                });
            }
            turn.iterations += 1;
            let unchanged = system_for.as_ref().is_some_and(|(attributes, memory)| {
                *attributes == turn.prompt_session_attributes && *memory == turn.memory
            });
            if !unchanged {
                request.system = vec![self.fill(&template, &turn, &[])];
                system_for = Some((turn.prompt_session_attributes.clone(), turn.memory.clone()));
            }
            if request.messages.len() > turn.messages.len() {
                request.messages.clear();
            }
            let known = request.messages.len();
            request
                .messages
                .extend_from_slice(turn.messages.get(known..).unwrap_or_default());
            let text = invocation_text.render(&request);
            let response = self
                .call_model_traced(
                    PromptType::Orchestration,
                    &request,
                    text,
                    overridden,
                    &mut turn.usage,
                )
                .await?;
            let text = response.text();
            let uses: Vec<(String, String, Value)> = response
                .content
                .iter()
                .filter_map(|c| match c {
                    ContentPart::ToolUse { id, name, input } => {
                        Some((id.clone(), name.clone(), input.clone()))
                    }
                    ContentPart::Text { .. } | ContentPart::ToolResult { .. } => None,
                })
                .collect();
            if uses.is_empty() {
                self.emit_observation(Observation {
                    observation_type: "FINISH".to_owned(),
                    final_response: Some(json!({ "text": text })),
                    ..Observation::default()
                })
                .await;
                turn.messages.push(ChatMessage {
                    role: Role::Assistant,
                    content: vec![ContentPart::Text { text: text.clone() }],
                });
                return self.finish(turn, text, true).await;
            }
            if !text.trim().is_empty() {
                self.emit(AgentTraceEvent::OrchestrationTrace(StepTrace::Rationale(
                    Rationale {
                        trace_id: self.next_id(&self.agent.agent_name),
                        text: text.clone(),
                    },
                )))
                .await;
            }
            turn.messages.push(ChatMessage {
                role: Role::Assistant,
                content: response.content.clone(),
            });
            for (index, (id, name, input)) in uses.into_iter().enumerate() {
                let Some(tool_index) = self.tools.iter().position(|t| t.spec.name == name) else {
                    let names: Vec<&str> =
                        self.tools.iter().map(|t| t.spec.name.as_str()).collect();
                    turn.results.push((
                        index,
                        ContentPart::ToolResult {
                            id,
                            content: json!({"error": {"type": "UnknownTool", "message": format!("there is no tool named {name:?}; the tools are: {}", names.join(", "))}}),
                            is_error: true,
                        },
                    ));
                    continue;
                };
                let Some(tool) = self.tools.get(tool_index) else {
                    continue;
                };
                if let Some(part) = self.refuse_arguments(tool_index, &id, &input).await {
                    turn.results.push((index, part));
                    continue;
                }
                let wait = match (
                    &tool.target,
                    tool.target.returns_control(),
                    tool.target.needs_confirmation(),
                ) {
                    (Target::UserInput, _, _) => Some(Wait::Ask),
                    (_, true, true) => Some(Wait::ConfirmAndResult),
                    (_, true, false) => Some(Wait::Result),
                    (_, false, true) => Some(Wait::Confirm),
                    (_, false, false) => None,
                };
                match wait {
                    Some(wait) => {
                        if wait != Wait::Ask {
                            self.emit_action_input(&tool.target, &input, &id).await;
                        }
                        turn.waiting.push(Waiting {
                            index,
                            tool_use_id: id,
                            tool: tool_index,
                            input,
                            wait,
                        });
                    }
                    None => {
                        let part = self.run_tool(&mut turn, tool_index, &id, &input).await;
                        turn.results.push((index, part));
                    }
                }
            }
            if !turn.waiting.is_empty() {
                return Ok(self.pause(turn).await);
            }
            turn.next_step();
        }
    }

    /// The tool error for an action called with arguments that do not fit its schema, after
    /// the call and the error are in the trace; `None` when they fit (or it is not an action).
    /// Nothing that does not fit reaches a handler, a Lambda event or the application.
    async fn refuse_arguments(&self, tool: usize, id: &str, input: &Value) -> Option<ContentPart> {
        let t = self.tools.get(tool)?;
        match &t.target {
            Target::Function { .. } | Target::Api { .. } => {}
            Target::KnowledgeBase { .. } | Target::Collaborators(_) | Target::UserInput => {
                return None;
            }
        }
        let problems = t.arguments().problems(input);
        if problems.is_empty() {
            return None;
        }
        let message = format!(
            "the call to {} does not fit its schema, so it did not run: {}",
            t.spec.name,
            problems.join("; ")
        );
        self.emit_action_input(&t.target, input, id).await;
        self.observe("ACTION_GROUP", Some(json!({ "text": message })), None)
            .await;
        Some(tool_error(id, "InvalidArguments", &message))
    }

    pub(super) async fn emit_action_input(
        &self,
        target: &Target,
        input: &Value,
        invocation_id: &str,
    ) {
        self.emit_invocation_input(InvocationInput {
            invocation_type: "ACTION_GROUP".to_owned(),
            action_group_invocation_input: Some(tools::trace_input(target, input, invocation_id)),
            ..InvocationInput::default()
        })
        .await;
    }

    pub(super) async fn run_tool(
        &self,
        turn: &mut Turn,
        tool: usize,
        id: &str,
        input: &Value,
    ) -> ContentPart {
        let Some(t) = self.tools.get(tool) else {
            return tool_error(id, "Internal", "unknown tool");
        };
        match &t.target {
            Target::KnowledgeBase { id: kb, folder } => {
                self.search(turn, kb, folder.as_ref(), id, input).await
            }
            Target::Function { .. } | Target::Api { .. } => {
                self.emit_action_input(&t.target, input, id).await;
                self.run_action(turn, t, id, input).await
            }
            Target::Collaborators(collaborators) => {
                self.send_message(turn, collaborators, id, input).await
            }
            Target::UserInput => tool_error(id, "Internal", "ask_user runs through the user"),
        }
    }

    /// Runs an action's local handler and reads its response.
    pub(super) async fn run_action(
        &self,
        turn: &mut Turn,
        t: &Tool,
        id: &str,
        input: &Value,
    ) -> ContentPart {
        let Some(group) = t.target.group() else {
            return tool_error(id, "Internal", "not an action");
        };
        let slot = action_group_slot(&self.agent.agent_name, group);
        let callee = self
            .handlers
            .callee(&slot, group.local_handler.as_deref(), &self.project_dir);
        let Some(callee) = callee else {
            let message = match tools::lambda_arn(group) {
                Some(arn) => format!(
                    "action group {:?} calls the Lambda function {arn}, which cannot run on this machine: set the action group's localHandler (FILE:FUNCTION, e.g. handlers/orders.py:handler) or bind one (`--handler {}=FILE:FUNCTION`, or the project's `handlers`)",
                    group.action_group_name, group.action_group_name
                ),
                None => format!(
                    "action group {:?} has no executor and no localHandler",
                    group.action_group_name
                ),
            };
            self.observe("ACTION_GROUP", Some(json!({ "text": message })), None)
                .await;
            return tool_error(id, "NoLocalHandler", &message);
        };
        let ctx = EventContext {
            agent_name: &self.agent.agent_name,
            session_id: &turn.session_id,
            input_text: &turn.input_text,
            session_attributes: &turn.session_attributes,
            prompt_session_attributes: &turn.prompt_session_attributes,
        };
        let event = tools::lambda_event(&ctx, &t.target, input);
        let function_name = tools::lambda_arn(group)
            .unwrap_or(&group.action_group_name)
            .to_owned();
        let answer = handler::call(&callee, &function_name, &event, self.handler_timeout).await;
        let reply = match answer {
            Ok(value) => tools::parse_response(&t.target, &value).map_err(|m| {
                format!(
                    "local handler {:?} answered a malformed response: {m}",
                    callee.label
                )
            }),
            Err(message) => Err(message),
        };
        match reply {
            Err(message) => {
                self.observe("ACTION_GROUP", Some(json!({ "text": message })), None)
                    .await;
                tool_error(id, "HandlerError", &message)
            }
            Ok(reply) => {
                if let Some(a) = reply.session_attributes {
                    turn.session_attributes = a;
                }
                if let Some(a) = reply.prompt_session_attributes {
                    turn.prompt_session_attributes = a;
                }
                let kind = if reply.response_state.as_deref() == Some("REPROMPT") {
                    "REPROMPT"
                } else {
                    "ACTION_GROUP"
                };
                self.observe(
                    kind,
                    Some(json!({ "text": reply.text, "metadata": {"responseState": reply.response_state} })),
                    None,
                )
                .await;
                if reply.is_error {
                    tool_error(id, "ActionFailed", &reply.text)
                } else {
                    ContentPart::ToolResult {
                        id: id.to_owned(),
                        content: Value::String(reply.text),
                        is_error: false,
                    }
                }
            }
        }
    }

    pub(super) async fn observe(
        &self,
        kind: &str,
        action_output: Option<Value>,
        kb_output: Option<Value>,
    ) {
        self.emit_observation(Observation {
            observation_type: kind.to_owned(),
            action_group_invocation_output: action_output,
            knowledge_base_lookup_output: kb_output,
            ..Observation::default()
        })
        .await;
    }

    /// Emits an orchestration `invocationInput` under the next trace id.
    pub(super) async fn emit_invocation_input(&self, input: InvocationInput) {
        self.emit(AgentTraceEvent::OrchestrationTrace(
            StepTrace::InvocationInput(InvocationInput {
                trace_id: self.next_id(&self.agent.agent_name),
                ..input
            }),
        ))
        .await;
    }

    /// Emits an orchestration `observation` under the next trace id.
    pub(super) async fn emit_observation(&self, observation: Observation) {
        self.emit(AgentTraceEvent::OrchestrationTrace(StepTrace::Observation(
            Observation {
                trace_id: self.next_id(&self.agent.agent_name),
                ..observation
            },
        )))
        .await;
    }
}

/// A failed tool call as the model sees it.
pub(super) fn tool_error(id: &str, kind: &str, message: &str) -> ContentPart {
    ContentPart::ToolResult {
        id: id.to_owned(),
        content: json!({ "error": { "type": kind, "message": message } }),
        is_error: true,
    }
}
