//! What each node kind does when run on this machine, given the values on its inputs.
//! Iterator and Loop are containers and live in the executor; everything else is here.

use super::executor::{Done, Run};
use super::{type_name, NodeError};
use crate::compile::plan::PlanNode;
use crate::condition::parse_condition;
use crate::local_code::{self, Answer, NODE_HANDLER, PYTHON_HANDLER, PYTHON_INLINE};
use crate::model::flow::FlowNode;
use crate::model::lenient::Lenient;
use crate::model::DataType;
use crate::nodes::condition::DEFAULT_CONDITION;
use crate::nodes::prompt::{
    render, ContentBlock, InlinePrompt, PromptSource, Role as PromptRole, TemplateConfiguration,
    Tool, ToolChoice as PromptToolChoice,
};
use crate::nodes::storage::S3Service;
use crate::nodes::{NodeConfiguration, NodeType};
use crate::providers::{
    ChatMessage, ContentPart, Inference, ModelRequest, Role, TextDelta, ToolChoice, ToolSpec,
};
use serde_json::{json, Map, Value};
use std::path::{Component, Path, PathBuf};
use tokio::time::Instant;

/// Runs one node that is not a container.
pub(super) async fn execute(
    run: &Run,
    node: &PlanNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let name = node.node.name.as_str();
    let not_available = || NodeError::NotAvailable {
        node: name.to_owned(),
        kind: node.kind,
    };
    match node.kind {
        NodeType::Input | NodeType::LoopInput => Ok(Done {
            outputs: inputs.clone(),
            ..Done::default()
        }),
        NodeType::Output => {
            let document = inputs.get("document").cloned().unwrap_or(Value::Null);
            run.output(name, document).await;
            Ok(Done::default())
        }
        NodeType::Condition => condition(run, &node.node, inputs).await,
        NodeType::LoopController => loop_controller(run, &node.node, inputs).await,
        NodeType::Prompt => prompt(run, &node.node, inputs).await,
        NodeType::InlineCode => inline_code(run, &node.node, inputs).await,
        NodeType::LambdaFunction => lambda(run, &node.node, inputs).await,
        NodeType::Storage => storage(run, &node.node, inputs).await,
        NodeType::Retrieval => retrieval(run, &node.node, inputs).await,
        NodeType::Collector => {
            // A Collector outside any Iterator scope gathers its one item.
            let item = inputs.get("arrayItem").cloned().unwrap_or(Value::Null);
            Ok(single("collectedArray", Value::Array(vec![item])))
        }
        NodeType::Agent => super::agent_node::execute(run, &node.node, inputs).await,
        NodeType::KnowledgeBase => {
            super::knowledge_base_node::execute(run, &node.node, inputs).await
        }
        NodeType::Lex => super::lex_node::execute(run, &node.node, inputs).await,
        // Containers are run by the executor; reaching here is a wiring mistake, reported
        // as a failed node rather than a panic.
        NodeType::Iterator | NodeType::Loop => Err(not_available()),
    }
}

fn single(output: &str, value: Value) -> Done {
    let mut outputs = Map::new();
    outputs.insert(output.to_owned(), value);
    Done {
        outputs,
        ..Done::default()
    }
}

fn missing(node: &FlowNode, kind: NodeType) -> NodeError {
    NodeError::MissingConfiguration {
        node: node.name.clone(),
        kind,
    }
}

/// Conditions in order; the first that holds wins, else `default`.
async fn condition(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::Condition(config)) = &node.configuration else {
        return Err(missing(node, NodeType::Condition));
    };
    let mut chosen = None;
    for c in &config.conditions {
        let holds = match &c.expression {
            None => c.name == DEFAULT_CONDITION,
            Some(text) => evaluate_condition(node, &c.name, text, inputs)?,
        };
        if holds {
            chosen = Some(c.name.clone());
            break;
        }
    }
    run.emit(|at_ms| crate::run::RunEvent::ConditionResult {
        at_ms,
        node: node.name.clone(),
        satisfied_conditions: chosen.iter().cloned().collect(),
    })
    .await;
    Ok(Done {
        chosen: Some(chosen),
        ..Done::default()
    })
}

fn evaluate_condition(
    node: &FlowNode,
    condition: &str,
    text: &str,
    inputs: &Map<String, Value>,
) -> Result<bool, NodeError> {
    let err = |message: String| NodeError::Condition {
        node: node.name.clone(),
        condition: condition.to_owned(),
        message,
    };
    let parsed = parse_condition(text).map_err(|e| err(e.to_string()))?;
    parsed
        .evaluate(|name| inputs.get(name).cloned())
        .map_err(|e| err(e.message))
}

/// Decides whether the Loop goes round again; the Loop node reads the verdict.
async fn loop_controller(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::LoopController(config)) = &node.configuration else {
        return Err(missing(node, NodeType::LoopController));
    };
    let c = &config.continue_condition;
    let holds = match &c.expression {
        Some(text) => evaluate_condition(node, &c.name, text, inputs)?,
        None => false,
    };
    run.emit(|at_ms| crate::run::RunEvent::ConditionResult {
        at_ms,
        node: node.name.clone(),
        satisfied_conditions: if holds { vec![c.name.clone()] } else { vec![] },
    })
    .await;
    Ok(Done {
        chosen: Some(holds.then(|| c.name.clone())),
        ..Done::default()
    })
}

/// A value as it goes into a prompt: strings as they are, anything else as compact JSON.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Builds the Converse request of an inline prompt, filled from the inputs.
pub(super) fn prompt_request(inline: &InlinePrompt, inputs: &Map<String, Value>) -> ModelRequest {
    let fill = |text: &str| render(text, |var| inputs.get(var).map(as_text));
    let block_texts = |blocks: &[ContentBlock]| -> Vec<String> {
        blocks
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text(t) => Some(fill(t)),
                ContentBlock::CachePoint(_) => None,
            })
            .collect()
    };
    let mut request = ModelRequest {
        model_id: inline.model_id.clone(),
        additional_fields: inline.additional_model_request_fields.clone(),
        ..ModelRequest::default()
    };
    if let Some(inf) = &inline.inference_configuration {
        let t = inf.text();
        request.inference = Inference {
            temperature: t.temperature,
            top_p: t.top_p,
            max_tokens: t.max_tokens,
            stop_sequences: t.stop_sequences.clone(),
        };
    }
    match &inline.template_configuration {
        TemplateConfiguration::Text(t) => {
            request.messages = vec![ChatMessage::user_text(fill(&t.text))];
        }
        TemplateConfiguration::Chat(c) => {
            request.system = block_texts(&c.system);
            request.messages = c
                .messages
                .iter()
                .map(|m| ChatMessage {
                    role: match m.role {
                        Lenient::Known(PromptRole::Assistant) => Role::Assistant,
                        Lenient::Known(PromptRole::User) | Lenient::Unknown(_) => Role::User,
                    },
                    content: block_texts(&m.content)
                        .into_iter()
                        .map(|text| ContentPart::Text { text })
                        .collect(),
                })
                .collect();
            if let Some(tc) = &c.tool_configuration {
                request.tools = tc
                    .tools
                    .iter()
                    .filter_map(|t| match t {
                        Tool::ToolSpec(spec) => Some(ToolSpec {
                            name: spec.name.clone(),
                            description: spec.description.clone(),
                            input_schema: match &spec.input_schema {
                                crate::nodes::prompt::ToolInputSchema::Json(v) => v.clone(),
                            },
                        }),
                        Tool::CachePoint(_) => None,
                    })
                    .collect();
                request.tool_choice = tc.tool_choice.as_ref().map(|c| match c {
                    PromptToolChoice::Auto(_) => ToolChoice::Auto,
                    PromptToolChoice::Any(_) => ToolChoice::Any,
                    PromptToolChoice::Tool(t) => ToolChoice::Tool {
                        name: t.name.clone(),
                    },
                });
            }
        }
    }
    request
}

async fn prompt(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::Prompt(config)) = &node.configuration else {
        return Err(missing(node, NodeType::Prompt));
    };
    let inline = match &config.source_configuration {
        PromptSource::Inline(inline) => inline,
        PromptSource::Resource(r) => {
            return Err(NodeError::PromptResource {
                node: node.name.clone(),
                prompt_arn: r.prompt_arn.clone(),
            })
        }
    };
    let request = prompt_request(inline, inputs);
    let response = converse(run, node, &request).await?;
    let mut text = response.text();
    if text.is_empty() {
        // A reply that only calls tools: the calls are the completion.
        let calls: Vec<Value> = response
            .content
            .iter()
            .filter_map(|c| match c {
                ContentPart::ToolUse { name, input, .. } => {
                    Some(json!({"name": name, "input": input}))
                }
                ContentPart::Text { .. } | ContentPart::ToolResult { .. } => None,
            })
            .collect();
        if !calls.is_empty() {
            text = Value::Array(calls).to_string();
        }
    }
    Ok(single("modelCompletion", Value::String(text)))
}

/// Checks the one declared output of a node against the value it got.
fn check_output(node: &FlowNode, output: &str, value: &Value) -> Result<(), NodeError> {
    let declared = node.output(output).and_then(|o| o.data_type.get());
    match declared {
        Some(expected) if DataType::of_value(value) != Some(expected) => {
            Err(NodeError::OutputType {
                node: node.name.clone(),
                output: output.to_owned(),
                expected,
                actual: type_name(value),
            })
        }
        Some(_) | None => Ok(()),
    }
}

async fn inline_code(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::InlineCode(config)) = &node.configuration else {
        return Err(missing(node, NodeType::InlineCode));
    };
    let request = json!({"code": config.code, "inputs": inputs});
    let began = Instant::now();
    let answer = local_code::run_wrapper("python3", PYTHON_INLINE, &run.ctx.project_dir, &request)
        .await
        .map_err(|f| NodeError::Process {
            node: node.name.clone(),
            program: f.program,
            message: f.message,
        })?;
    let value = match answer {
        Answer::Value(v) => v,
        Answer::Raised(message) => {
            return Err(NodeError::InlineCode {
                node: node.name.clone(),
                message,
            })
        }
    };
    let latency_ms = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
    run.emit(|at_ms| crate::run::RunEvent::NodeAction {
        at_ms,
        node: node.name.clone(),
        service_name: "python3".to_owned(),
        operation_name: "InlineCode".to_owned(),
        request: json!({"inputs": inputs}),
        response: value.clone(),
        usage: None,
        latency_ms,
    })
    .await;
    check_output(node, "response", &value)?;
    Ok(single("response", value))
}

/// The flow Lambda event (reference §4(b)) for a node and its input values.
pub(super) fn lambda_event(flow: &str, node: &FlowNode, inputs: &Map<String, Value>) -> Value {
    let flow_arn = format!("arn:aws:bedrock:local:000000000000:flow/{flow}");
    let fields: Vec<Value> = node
        .inputs
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "type": i.data_type.as_str(),
                "expression": i.expression,
                "value": inputs.get(&i.name).cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    json!({
        "messageVersion": "1.0",
        "flow": {
            "flowArn": flow_arn,
            "flowAliasArn": format!("{flow_arn}/alias/TSTALIASID"),
        },
        "node": {"name": node.name, "inputs": fields},
    })
}

async fn lambda(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::LambdaFunction(config)) = &node.configuration else {
        return Err(missing(node, NodeType::LambdaFunction));
    };
    let Some(handler) = config
        .local_handler
        .as_deref()
        .filter(|h| !h.trim().is_empty())
    else {
        return Err(NodeError::NoLocalHandler {
            node: node.name.clone(),
        });
    };
    let handler_error = |message: String| NodeError::Handler {
        node: node.name.clone(),
        handler: handler.to_owned(),
        message,
    };
    let Some((file, function)) = handler.rsplit_once(':') else {
        return Err(handler_error(
            "expected FILE:FUNCTION, e.g. handlers/enrich.py:handler".to_owned(),
        ));
    };
    // Absolute, because the child runs in the handler's folder: a relative project path
    // would not resolve from there.
    let path = run.ctx.project_dir.join(file);
    let path = std::path::absolute(&path).unwrap_or(path);
    if !path.is_file() {
        return Err(handler_error(format!("no file at {}", path.display())));
    }
    let (program, wrapper) = match path.extension().and_then(|e| e.to_str()) {
        Some("py") => ("python3", PYTHON_HANDLER),
        Some("js" | "cjs") => ("node", NODE_HANDLER),
        Some(_) | None => {
            return Err(handler_error(
                "only Python (.py) and Node (.js, .cjs) handlers run locally".to_owned(),
            ))
        }
    };
    let event = lambda_event(&run.flow, node, inputs);
    let function_name = if config.lambda_arn.is_empty() {
        node.name.clone()
    } else {
        config.lambda_arn.clone()
    };
    let request = json!({
        "path": path.display().to_string(),
        "function": function,
        "event": event,
        "functionName": function_name,
        "functionArn": config.lambda_arn,
        "requestId": format!("{}-{}", node.name, run.elapsed_ms()),
        "remainingMs": u64::try_from(run.ctx.node_timeout.as_millis()).unwrap_or(u64::MAX),
    });
    let cwd = path.parent().unwrap_or(&run.ctx.project_dir).to_path_buf();
    let began = Instant::now();
    let answer = local_code::run_wrapper(program, wrapper, &cwd, &request)
        .await
        .map_err(|f| NodeError::Process {
            node: node.name.clone(),
            program: f.program,
            message: f.message,
        })?;
    let value = match answer {
        Answer::Value(v) => v,
        Answer::Raised(message) => return Err(handler_error(message)),
    };
    let latency_ms = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
    run.emit(|at_ms| crate::run::RunEvent::NodeAction {
        at_ms,
        node: node.name.clone(),
        service_name: "lambda".to_owned(),
        operation_name: "Invoke".to_owned(),
        request: event,
        response: value.clone(),
        usage: None,
        latency_ms,
    })
    .await;
    check_output(node, "functionResponse", &value)?;
    Ok(single("functionResponse", value))
}

/// `<storage_root>/<bucket>/<key>`, refusing anything that could leave the bucket's folder.
fn object_path(
    root: &Path,
    node: &FlowNode,
    service: &S3Service,
    key: &str,
) -> Result<PathBuf, NodeError> {
    let reject = |key: &str, reason: &str| NodeError::ObjectKey {
        node: node.name.clone(),
        key: key.to_owned(),
        reason: reason.to_owned(),
    };
    let bucket = service.bucket();
    if bucket.is_empty() || bucket.contains(['/', '\\']) || bucket.starts_with('.') {
        return Err(NodeError::Storage {
            node: node.name.clone(),
            path: bucket.to_owned(),
            message: "the bucket name is empty or not a plain name".to_owned(),
        });
    }
    if key.is_empty() {
        return Err(reject(key, "the key is empty"));
    }
    if key.contains('\\') || key.contains('\0') {
        return Err(reject(key, "backslashes and NUL are not allowed"));
    }
    let relative = Path::new(key);
    for c in relative.components() {
        match c {
            Component::Normal(_) => {}
            Component::ParentDir => {
                return Err(reject(key, "`..` would leave the bucket"));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(reject(key, "keys are relative to the bucket"));
            }
            Component::CurDir => return Err(reject(key, "`.` segments are not allowed")),
        }
    }
    Ok(root.join(bucket).join(relative))
}

fn string_input<'a>(
    node: &FlowNode,
    inputs: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, NodeError> {
    match inputs.get(name) {
        Some(Value::String(s)) => Ok(s),
        other => Err(NodeError::InputType {
            node: node.name.clone(),
            input: name.to_owned(),
            expected: DataType::String,
            actual: other.map_or_else(|| "missing".to_owned(), type_name),
        }),
    }
}

async fn storage(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::Storage(config)) = &node.configuration else {
        return Err(missing(node, NodeType::Storage));
    };
    let key = string_input(node, inputs, "objectKey")?;
    let path = object_path(
        &run.ctx.storage_root,
        node,
        &config.service_configuration,
        key,
    )?;
    let body = match inputs.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let io_error = |e: std::io::Error| NodeError::Storage {
        node: node.name.clone(),
        path: path.display().to_string(),
        message: e.to_string(),
    };
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(io_error)?;
    }
    tokio::fs::write(&path, body).await.map_err(io_error)?;
    let uri = format!("s3://{}/{key}", config.service_configuration.bucket());
    Ok(single("s3Uri", Value::String(uri)))
}

async fn retrieval(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::Retrieval(config)) = &node.configuration else {
        return Err(missing(node, NodeType::Retrieval));
    };
    let key = string_input(node, inputs, "objectKey")?;
    let path = object_path(
        &run.ctx.storage_root,
        node,
        &config.service_configuration,
        key,
    )?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| NodeError::Storage {
            node: node.name.clone(),
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    let text = String::from_utf8(bytes).map_err(|_| NodeError::Storage {
        node: node.name.clone(),
        path: path.display().to_string(),
        message: "the object is not UTF-8 text".to_owned(),
    })?;
    Ok(single("s3Content", Value::String(text)))
}

/// One model call for a node: sends it through the run's provider (streamed when the run
/// streams, its text deltas reported as `contentBlockDelta` events as they arrive), adds its
/// usage to the run's totals and reports it as a `nodeAction` event.
pub(super) async fn converse(
    run: &Run,
    node: &FlowNode,
    request: &crate::providers::ModelRequest,
) -> Result<crate::providers::ModelResponse, NodeError> {
    let began = Instant::now();
    let (operation, reply) = if run.ctx.stream {
        (
            "ConverseStream",
            converse_streamed(run, node, request).await,
        )
    } else {
        ("Converse", run.ctx.provider.converse(request).await)
    };
    let response = reply.map_err(|source| NodeError::Model {
        node: node.name.clone(),
        source,
    })?;
    let latency_ms = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
    run.add_usage(response.usage);
    run.emit(|at_ms| crate::run::RunEvent::NodeAction {
        at_ms,
        node: node.name.clone(),
        service_name: run.ctx.provider.name().to_owned(),
        operation_name: operation.to_owned(),
        request: serde_json::to_value(request).unwrap_or(Value::Null),
        response: serde_json::to_value(&response).unwrap_or(Value::Null),
        usage: Some(response.usage),
        latency_ms,
    })
    .await;
    Ok(response)
}

/// A streamed model call: the provider hands deltas to a channel without waiting, and this
/// task turns them into events in arrival order while the call goes on.
async fn converse_streamed(
    run: &Run,
    node: &FlowNode,
    request: &crate::providers::ModelRequest,
) -> Result<crate::providers::ModelResponse, crate::providers::ProviderError> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<TextDelta>();
    // A closed receiver only means the node stopped listening; the reply still completes.
    let on_text = move |delta: TextDelta| {
        let _ = tx.send(delta);
    };
    let call = run.ctx.provider.converse_stream(request, &on_text);
    tokio::pin!(call);
    let emit = |delta: TextDelta| {
        run.emit(move |at_ms| crate::run::RunEvent::ContentBlockDelta {
            at_ms,
            node: node.name.clone(),
            content_block_index: delta.content_block_index,
            text: delta.text,
        })
    };
    let result = loop {
        tokio::select! {
            biased;
            Some(delta) = rx.recv() => emit(delta).await,
            result = &mut call => break result,
        }
    };
    while let Ok(delta) = rx.try_recv() {
        emit(delta).await;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inline(config: Value) -> InlinePrompt {
        serde_json::from_value(config).unwrap()
    }

    #[test]
    fn chat_prompts_fill_system_messages_and_tools() {
        let p = inline(json!({
            "templateType": "CHAT",
            "templateConfiguration": {"chat": {
                "system": [{"text": "You sort {{kind}}."}, {"cachePoint": {"type": "default"}}],
                "messages": [
                    {"role": "user", "content": [{"text": "Sort {{items}}"}]},
                    {"role": "assistant", "content": [{"text": "OK"}]}],
                "toolConfiguration": {
                    "tools": [{"toolSpec": {"name": "sort", "inputSchema": {"json": {"type": "object"}}}}],
                    "toolChoice": {"tool": {"name": "sort"}}}}},
            "modelId": "m",
            "inferenceConfiguration": {"text": {"temperature": 0.5, "maxTokens": 10}}
        }));
        let mut inputs = Map::new();
        inputs.insert("kind".to_owned(), json!("fruit"));
        inputs.insert("items".to_owned(), json!(["b", "a"]));
        let r = prompt_request(&p, &inputs);
        assert_eq!(r.system, ["You sort fruit."]);
        assert_eq!(r.messages.len(), 2);
        assert_eq!(
            r.messages[0].content,
            [ContentPart::Text {
                text: "Sort [\"b\",\"a\"]".to_owned()
            }]
        );
        assert_eq!(r.messages[1].role, Role::Assistant);
        assert_eq!(r.tools[0].name, "sort");
        assert_eq!(
            r.tool_choice,
            Some(ToolChoice::Tool {
                name: "sort".to_owned()
            })
        );
        assert_eq!(r.inference.max_tokens, Some(10));
    }

    #[test]
    fn object_keys_stay_inside_their_bucket() {
        let node: FlowNode =
            serde_json::from_value(json!({"name": "Save", "type": "Storage"})).unwrap();
        let service: S3Service =
            serde_json::from_value(json!({"s3": {"bucketName": "b1"}})).unwrap();
        let root = Path::new("/data");
        assert_eq!(
            object_path(root, &node, &service, "a/b.txt").unwrap(),
            Path::new("/data/b1/a/b.txt")
        );
        for bad in ["", "../x", "a/../../x", "/etc/passwd", "a\\b", "./a"] {
            let e = object_path(root, &node, &service, bad).unwrap_err();
            assert!(matches!(e, NodeError::ObjectKey { .. }), "{bad}: {e}");
        }
    }
}
