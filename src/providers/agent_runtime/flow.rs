//! `InvokeFlow` on a deployed flow alias, read to the end of its event stream: the flow's
//! outputs, how it completed, and its trace as Strata's run events.

use super::{map_sdk_error, map_stream_error, AgentRuntimeClient, AgentRuntimeError};
use crate::providers::bedrock::{document_to_json, json_to_document};
use crate::providers::Usage;
use crate::trace::RunEvent;
use aws_sdk_bedrockagentruntime::types as at;
use serde_json::Value;
use std::time::Instant;

/// One InvokeFlow call, read to the end of the stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowInvocation {
    /// Each `flowOutputEvent`: the Output node's name and its document.
    pub outputs: Vec<(String, Value)>,
    /// The `flowCompletionEvent`'s reason (`SUCCESS`, `INPUT_REQUIRED`), if one came.
    pub completion: Option<String>,
    /// The trace: `NodeStarted` for each `nodeInputTrace`, `NodeAction` (with the tokens of a
    /// model call's `usage`) for each `nodeActionTrace`, timed from the call's start.
    pub events: Vec<RunEvent>,
    /// The tokens of every model call the trace shows.
    pub usage: Usage,
}

impl AgentRuntimeClient {
    /// `InvokeFlow` on the alias with `document` given to the Input node `input_node`, with
    /// the trace enabled.
    pub async fn invoke_flow(
        &self,
        flow_id: &str,
        alias_id: &str,
        input_node: &str,
        document: &Value,
    ) -> Result<FlowInvocation, AgentRuntimeError> {
        let target = format!("flow {flow_id} alias {alias_id}");
        let started = Instant::now();
        let input = at::FlowInput::builder()
            .node_name(input_node)
            .node_output_name("document")
            .content(at::FlowInputContent::Document(json_to_document(document)))
            .build()
            .map_err(|e| AgentRuntimeError::Request {
                target: target.clone(),
                message: e.to_string(),
            })?;
        let mut output = self
            .client(&target)
            .await?
            .invoke_flow()
            .flow_identifier(flow_id)
            .flow_alias_identifier(alias_id)
            .inputs(input)
            .enable_trace(true)
            .send()
            .await
            .map_err(|e| map_sdk_error(&target, &e))?;
        let mut flow = FlowInvocation::default();
        loop {
            let event = output
                .response_stream
                .recv()
                .await
                .map_err(|e| map_stream_error(&target, &e))?;
            let Some(event) = event else { break };
            let at_ms = started.elapsed().as_millis() as u64;
            match event {
                at::FlowResponseStream::FlowOutputEvent(out) => {
                    let document = match out.content() {
                        Some(at::FlowOutputContent::Document(d)) => document_to_json(d),
                        _ => Value::Null,
                    };
                    flow.outputs.push((out.node_name().to_owned(), document));
                }
                at::FlowResponseStream::FlowCompletionEvent(done) => {
                    flow.completion = Some(done.completion_reason().as_str().to_owned());
                }
                at::FlowResponseStream::FlowTraceEvent(trace) => {
                    if let Some(event) = trace.trace().and_then(|t| run_event(t, at_ms)) {
                        if let RunEvent::NodeAction {
                            usage: Some(usage), ..
                        } = &event
                        {
                            flow.usage.input_tokens += usage.input_tokens;
                            flow.usage.output_tokens += usage.output_tokens;
                        }
                        flow.events.push(event);
                    }
                }
                _ => {}
            }
        }
        Ok(flow)
    }
}

/// The run event a flow trace stands for, when it is a node's input or action.
fn run_event(trace: &at::FlowTrace, at_ms: u64) -> Option<RunEvent> {
    match trace {
        at::FlowTrace::NodeInputTrace(input) => Some(RunEvent::NodeStarted {
            at_ms,
            node: input.node_name().into(),
            execution_chain: Vec::new().into(),
        }),
        at::FlowTrace::NodeActionTrace(action) => {
            let json =
                |d: Option<&aws_smithy_types::Document>| d.map_or(Value::Null, document_to_json);
            let response = json(action.operation_response());
            let tokens = |key: &str| response.pointer(&format!("/usage/{key}"))?.as_u64();
            let usage = match (tokens("inputTokens"), tokens("outputTokens")) {
                (None, None) => None,
                (input, output) => Some(Usage {
                    input_tokens: input.unwrap_or(0),
                    output_tokens: output.unwrap_or(0),
                }),
            };
            Some(RunEvent::NodeAction {
                at_ms,
                node: action.node_name().into(),
                service_name: action.service_name().to_owned(),
                operation_name: action.operation_name().to_owned(),
                request: json(action.operation_request()).into(),
                response: response.into(),
                usage,
                latency_ms: 0,
            })
        }
        _ => None,
    }
}
