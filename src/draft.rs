//! Drafts a counterpart design: an agent from a flow (`strata draft agent --from-flow`) or a
//! flow skeleton from an agent (`strata draft flow --from-agent`), added to a project so a team
//! can compare the two without writing the second by hand. Pure: builds for wasm.

use crate::compile::agents::INSTRUCTION_CHARS;
use crate::model::agent::{
    ActionGroup, ActionGroupExecutor, AgentDescriptor, AgentKnowledgeBase, Collaboration,
    Collaborator, Function, FunctionSchema, ParameterDetail, ParameterType,
};
use crate::model::flow::FlowConnection;
use crate::model::lenient::Lenient;
use crate::model::{Agent, DataType, Flow, FlowDefinition, FlowNode, Project};
use crate::nodes::condition::{FlowCondition, DEFAULT_CONDITION};
use crate::nodes::prompt::{InputVariable, PromptSource, TemplateConfiguration};
use crate::nodes::{NodeConfiguration, NodeType};
use std::collections::BTreeMap;

/// The model a draft uses when its source names none.
const FALLBACK_MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// Conditions one Condition node holds besides `default` (Bedrock allows five in all).
const CONDITIONS_PER_ROUTE: usize = 4;

/// What a draft added, and what it could not carry over.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The name of the agent or flow added to the project.
    pub name: String,
    /// Things the user should know: what was approximated or left out.
    pub notes: Vec<String>,
}

/// Why a draft cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DraftError {
    #[error("the project has no flow named {name:?} (its flows: {})", list(known))]
    UnknownFlow { name: String, known: Vec<String> },
    #[error(
        "the project has no agent named {name:?} (its agents: {})",
        list(known)
    )]
    UnknownAgent { name: String, known: Vec<String> },
    #[error("the project already has {what} named {name:?}; choose another name")]
    NameTaken { what: &'static str, name: String },
}

fn list(known: &[String]) -> String {
    if known.is_empty() {
        "none".to_owned()
    } else {
        known.join(", ")
    }
}

/// Adds to `project` an agent drafted from flow `flow`, named `name` (default `<flow>-agent`).
pub fn agent_from_flow(
    project: &mut Project,
    flow: &str,
    name: Option<&str>,
) -> Result<Draft, DraftError> {
    let source = project
        .flow(flow)
        .ok_or_else(|| DraftError::UnknownFlow {
            name: flow.to_owned(),
            known: project.flows.iter().map(|f| f.name.clone()).collect(),
        })?
        .clone();
    let name = name.map_or_else(|| format!("{flow}-agent"), str::to_owned);
    if project.agent(&name).is_some() {
        return Err(DraftError::NameTaken {
            what: "an agent",
            name,
        });
    }
    let mut notes = Vec::new();
    let mut agent = Agent::new(&name);
    agent.description = Some(format!("Drafted from the flow {flow:?}"));
    let nodes = source.definition.all_nodes();
    let prompts: Vec<(&str, String, String)> = nodes
        .iter()
        .filter_map(|(_, n)| match &n.configuration {
            Some(NodeConfiguration::Prompt(p)) => match &p.source_configuration {
                PromptSource::Inline(i) => Some((
                    n.name.as_str(),
                    template_text(&i.template_configuration),
                    i.model_id.clone(),
                )),
                PromptSource::Resource(_) => None,
            },
            _ => None,
        })
        .collect();
    agent.foundation_model = Some(
        prompts
            .iter()
            .map(|(_, _, m)| m.clone())
            .find(|m| !m.is_empty())
            .unwrap_or_else(|| FALLBACK_MODEL.to_owned()),
    );
    agent.instruction = Some(instruction(&source, &prompts));
    for (_, node) in &nodes {
        match &node.configuration {
            Some(NodeConfiguration::LambdaFunction(l)) => {
                let parameters = node
                    .inputs
                    .iter()
                    .map(|i| {
                        let detail = ParameterDetail {
                            param_type: Lenient::Known(parameter_type(i.data_type.get())),
                            description: Some(format!("The {} the flow passes to {}", i.name, node.name)),
                            required: Some(true),
                        };
                        (i.name.clone(), detail)
                    })
                    .collect();
                let executor = if l.lambda_arn.is_empty() {
                    notes.push(format!("node {}: no Lambda ARN, so its action group returns control until one is set", node.name));
                    ActionGroupExecutor::CustomControl("RETURN_CONTROL".to_owned())
                } else {
                    ActionGroupExecutor::Lambda(l.lambda_arn.clone())
                };
                agent.action_groups.push(ActionGroup {
                    action_group_name: node.name.clone(),
                    description: Some(format!("What the flow's {} node does", node.name)),
                    action_group_executor: Some(executor),
                    api_schema: None,
                    function_schema: Some(FunctionSchema::Functions(vec![Function {
                        name: node.name.clone(),
                        description: Some(format!("Runs the handler of the flow's {} node", node.name)),
                        parameters,
                        require_confirmation: None,
                    }])),
                    parent_action_group_signature: None,
                    parent_action_group_signature_params: BTreeMap::new(),
                    action_group_state: None,
                    local_handler: l.local_handler.clone(),
                });
            }
            Some(NodeConfiguration::KnowledgeBase(k)) => {
                if !agent.knowledge_bases.iter().any(|b| b.knowledge_base_id == k.knowledge_base_id) {
                    agent.knowledge_bases.push(AgentKnowledgeBase {
                        knowledge_base_id: k.knowledge_base_id.clone(),
                        description: format!("What the flow's {} node looks up", node.name),
                        knowledge_base_state: None,
                    });
                }
            }
            Some(NodeConfiguration::Agent(a)) => match &a.project_agent {
                Some(other) if other != &name => agent.collaborators.push(Collaborator {
                    collaborator_name: node.name.clone(),
                    agent_descriptor: AgentDescriptor {
                        alias_arn: None,
                        project_agent: Some(other.clone()),
                    },
                    collaboration_instruction: format!("Hand over what the flow's {} node handled: requests for the agent {other}.", node.name),
                    relay_conversation_history: None,
                }),
                _ => notes.push(format!("node {}: calls an agent that is not in the project, so it is not a collaborator of the draft", node.name)),
            },
            Some(NodeConfiguration::Condition(_)) => {}
            _ if matches!(node.kind(), Some(NodeType::Input | NodeType::Output | NodeType::Prompt | NodeType::Condition)) => {}
            _ => notes.push(format!("node {} ({}): no agent counterpart; the instruction does not cover it", node.name, node.node_type.as_str())),
        }
    }
    if !agent.collaborators.is_empty() {
        agent.agent_collaboration = Some(Lenient::Known(Collaboration::Supervisor));
    }
    project.agents.push(agent);
    Ok(Draft { name, notes })
}

fn template_text(t: &TemplateConfiguration) -> String {
    match t {
        TemplateConfiguration::Text(t) => t.text.clone(),
        TemplateConfiguration::Chat(c) => {
            let blocks = c
                .system
                .iter()
                .chain(c.messages.iter().flat_map(|m| &m.content));
            blocks
                .filter_map(|b| match b {
                    crate::nodes::prompt::ContentBlock::Text(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

/// The agent's instruction: the flow's purpose and each Prompt's intent, within Bedrock's limits.
fn instruction(flow: &Flow, prompts: &[(&str, String, String)]) -> String {
    let mut text = format!(
        "You do the job of the flow {}: {}.",
        flow.name,
        flow.description
            .as_deref()
            .unwrap_or("answer the user's request")
            .trim_end_matches('.')
    );
    for (node, template, _) in prompts {
        text.push_str(&format!("\nAs its {node} step did: {}", template.trim()));
    }
    text.push_str("\nUse your tools and knowledge bases to look facts up before you state them.");
    let max = INSTRUCTION_CHARS.1;
    if text.chars().count() > max {
        text = text.chars().take(max).collect();
    }
    text
}

fn parameter_type(t: Option<DataType>) -> ParameterType {
    match t {
        Some(DataType::Number) => ParameterType::Number,
        Some(DataType::Boolean) => ParameterType::Boolean,
        Some(DataType::Array) => ParameterType::Array,
        _ => ParameterType::String,
    }
}

/// Adds to `project` a flow skeleton drafted from agent `agent`, named `name` (default
/// `<agent>-flow`): Input → Classify → Route → a LambdaFunction per function → Answer → Output,
/// with the agent's knowledge bases on the default (help) branch. Laid out for the canvas.
pub fn flow_from_agent(
    project: &mut Project,
    agent: &str,
    name: Option<&str>,
) -> Result<Draft, DraftError> {
    let source = project
        .agent(agent)
        .ok_or_else(|| DraftError::UnknownAgent {
            name: agent.to_owned(),
            known: project
                .agent_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        })?
        .clone();
    let name = name.map_or_else(|| format!("{}-flow", agent.to_lowercase()), str::to_owned);
    if project.flow(&name).is_some() {
        return Err(DraftError::NameTaken {
            what: "a flow",
            name,
        });
    }
    let model = source
        .foundation_model
        .clone()
        .unwrap_or_else(|| FALLBACK_MODEL.to_owned());
    let mut notes = vec!["each tool node gets the whole message as `message`; the agent's handlers read function parameters from an action-group event, so adapt them to the flow Lambda event".to_owned()];
    let mut def = FlowDefinition::default();
    let mut input = new(NodeType::Input, "Request");
    input.outputs[0].data_type = Lenient::Known(DataType::String);
    def.nodes.push(input);

    // Every function with a Lambda (or local handler) behind it becomes a tool.
    struct Tool {
        node: String,
        function: String,
        description: String,
        arn: String,
        handler: Option<String>,
    }
    let mut tools: Vec<Tool> = Vec::new();
    for group in &source.action_groups {
        let arn = match &group.action_group_executor {
            Some(ActionGroupExecutor::Lambda(arn)) => arn.clone(),
            _ if group.local_handler.is_some() => String::new(),
            _ => {
                if group.parent_action_group_signature.is_none() {
                    notes.push(format!("action group {}: returns control to the caller, so the flow has no node for it", group.action_group_name));
                }
                continue;
            }
        };
        let functions = group
            .function_schema
            .as_ref()
            .map(|s| s.functions().to_vec())
            .unwrap_or_default();
        if functions.is_empty() {
            notes.push(format!("action group {}: has no function schema (an OpenAPI schema?), so the flow has no node for it", group.action_group_name));
        }
        for f in functions {
            tools.push(Tool {
                node: node_name(&format!("{}_{}", group.action_group_name, f.name)),
                function: f.name.clone(),
                description: f.description.clone().unwrap_or_default(),
                arn: arn.clone(),
                handler: group.local_handler.clone(),
            });
        }
    }

    let choices: Vec<String> = tools
        .iter()
        .map(|t| format!("{}: {}", t.function, t.description))
        .collect();
    let mut classify = prompt(
        "Classify",
        &format!(
            "Decide which of these actions the customer's message needs and answer with its name only, or HELP if none:\n{}\n\nMessage: {{{{message}}}}",
            choices.join("\n")
        ),
        &model,
        &[("message", DataType::String)],
    );
    classify.outputs[0].data_type = Lenient::Known(DataType::String);
    def.nodes.push(classify);
    def.connections.push(FlowConnection::data(
        "Request", "document", "Classify", "message",
    ));

    // Routes of at most four conditions each, chained on `default`.
    let chunks: Vec<&[Tool]> = tools.chunks(CONDITIONS_PER_ROUTE).collect();
    let mut route_from: Option<String> = None;
    for (i, chunk) in chunks.iter().enumerate() {
        let route = if i == 0 {
            "Route".to_owned()
        } else {
            format!("Route{}", i + 1)
        };
        let mut node = new(NodeType::Condition, &route);
        node.inputs[0].name = "choice".to_owned();
        let mut conditions: Vec<FlowCondition> = chunk
            .iter()
            .map(|t| FlowCondition {
                name: condition_name(&t.node),
                expression: Some(format!("choice == \"{}\"", t.function)),
            })
            .collect();
        conditions.push(FlowCondition {
            name: DEFAULT_CONDITION.to_owned(),
            expression: None,
        });
        if let Some(NodeConfiguration::Condition(c)) = &mut node.configuration {
            c.conditions = conditions;
        }
        def.nodes.push(node);
        def.connections.push(FlowConnection::data(
            "Classify",
            "modelCompletion",
            &route,
            "choice",
        ));
        if let Some(previous) = &route_from {
            def.connections.push(FlowConnection::conditional(
                previous,
                DEFAULT_CONDITION,
                &route,
            ));
        }
        for t in *chunk {
            let mut tool = new(NodeType::LambdaFunction, &t.node);
            tool.inputs[0].name = "message".to_owned();
            if let Some(NodeConfiguration::LambdaFunction(l)) = &mut tool.configuration {
                l.lambda_arn = t.arn.clone();
                l.local_handler = t.handler.clone();
            }
            def.nodes.push(tool);
            def.connections.push(FlowConnection::conditional(
                &route,
                &condition_name(&t.node),
                &t.node,
            ));
            def.connections.push(FlowConnection::data(
                "Request", "document", &t.node, "message",
            ));
            let answer = node_name(&format!("{}Answer", t.node));
            def.nodes.push(prompt(
                &answer,
                &format!("Answer the customer's message from the result of {}.\n\nMessage: {{{{message}}}}\nResult: {{{{result}}}}", t.function),
                &model,
                &[("message", DataType::String), ("result", DataType::Object)],
            ));
            def.connections.push(FlowConnection::data(
                "Request", "document", &answer, "message",
            ));
            def.connections.push(FlowConnection::data(
                &t.node,
                "functionResponse",
                &answer,
                "result",
            ));
            let reply = node_name(&format!("{}Reply", t.node));
            def.nodes.push(output(&reply));
            def.connections.push(FlowConnection::data(
                &answer,
                "modelCompletion",
                &reply,
                "document",
            ));
        }
        route_from = Some(route);
    }

    // The help branch: the agent's knowledge bases, or a plain answer.
    let help_from = route_from.map(|r| (r, DEFAULT_CONDITION));
    let mut help_nodes: Vec<(String, &str)> = Vec::new();
    for (i, kb) in source.knowledge_bases.iter().enumerate() {
        let name = if i == 0 {
            "Help".to_owned()
        } else {
            format!("Help{}", i + 1)
        };
        let mut node = new(NodeType::KnowledgeBase, &name);
        if let Some(NodeConfiguration::KnowledgeBase(k)) = &mut node.configuration {
            k.knowledge_base_id = kb.knowledge_base_id.clone();
            k.model_id = Some(model.clone());
        }
        node.outputs = vec![crate::model::FlowNodeOutput::new(
            "outputText",
            DataType::String,
        )];
        def.nodes.push(node);
        help_nodes.push((name, "outputText"));
        if i > 0 {
            notes.push(format!("knowledge base {}: on its own help branch node {}, which nothing routes to; connect it where it belongs", kb.knowledge_base_id, help_nodes[i].0));
        }
    }
    if help_nodes.is_empty() {
        def.nodes.push(prompt(
            "Help",
            "Answer the customer's message helpfully and briefly.\n\nMessage: {{message}}",
            &model,
            &[("message", DataType::String)],
        ));
        help_nodes.push(("Help".to_owned(), "modelCompletion"));
    }
    for (i, (node, out)) in help_nodes.iter().enumerate() {
        let query = if def.node(node).and_then(|n| n.kind()) == Some(NodeType::KnowledgeBase) {
            "retrievalQuery"
        } else {
            "message"
        };
        def.connections
            .push(FlowConnection::data("Request", "document", node, query));
        if i == 0 {
            if let Some((route, condition)) = &help_from {
                def.connections
                    .push(FlowConnection::conditional(route, condition, node));
            }
        }
        let reply = format!("{node}Reply");
        def.nodes.push(output(&reply));
        def.connections
            .push(FlowConnection::data(node, out, &reply, "document"));
    }
    if source.knowledge_bases.len() > 1 {
        // Unreached help nodes would be errors; keep only the first.
        let extra: Vec<String> = help_nodes[1..]
            .iter()
            .flat_map(|(n, _)| [n.clone(), format!("{n}Reply")])
            .collect();
        def.nodes.retain(|n| !extra.contains(&n.name));
        def.connections
            .retain(|c| !extra.contains(&c.source) && !extra.contains(&c.target));
    }
    if !source.collaborators.is_empty() {
        notes.push(format!(
            "the agent's {} collaborator(s) have no node in the skeleton; add Agent nodes for them",
            source.collaborators.len()
        ));
    }
    let layout = crate::layout::auto_layout(&def);
    project.canvas.insert(name.clone(), layout);
    project.flows.push(Flow {
        name: name.clone(),
        description: Some(format!(
            "Drafted from the agent {agent}: classify, route, call the tool, answer"
        )),
        execution_role_arn: None,
        customer_encryption_key_arn: None,
        definition: def,
        samples: vec![],
    });
    Ok(Draft { name, notes })
}

/// A fresh node of the registry.
fn new(kind: NodeType, name: &str) -> FlowNode {
    (kind.kind().new_node)(name)
}

fn output(name: &str) -> FlowNode {
    let mut node = new(NodeType::Output, name);
    node.inputs[0].data_type = Lenient::Known(DataType::String);
    node
}

fn prompt(name: &str, text: &str, model: &str, inputs: &[(&str, DataType)]) -> FlowNode {
    let mut node = new(NodeType::Prompt, name);
    if let Some(NodeConfiguration::Prompt(p)) = &mut node.configuration {
        if let PromptSource::Inline(i) = &mut p.source_configuration {
            i.model_id = model.to_owned();
            if let TemplateConfiguration::Text(t) = &mut i.template_configuration {
                t.text = text.to_owned();
                t.input_variables = inputs
                    .iter()
                    .map(|(n, _)| InputVariable {
                        name: (*n).to_owned(),
                    })
                    .collect();
            }
        }
    }
    node.inputs = inputs
        .iter()
        .map(|(n, t)| crate::model::FlowNodeInput::new(n, *t))
        .collect();
    node
}

/// A node name Bedrock takes: letters and digits, one `_` or `-` between, at most 50.
fn node_name(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out: String = out.trim_end_matches('_').chars().take(50).collect();
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() {
        "Tool".to_owned()
    } else {
        out
    }
}

fn condition_name(node: &str) -> String {
    format!("is_{node}")
        .chars()
        .take(50)
        .collect::<String>()
        .trim_end_matches('_')
        .to_owned()
}
