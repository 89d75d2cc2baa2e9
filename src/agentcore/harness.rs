//! The harness of an agent: model and inference settings, the system prompt (the instruction
//! and the orchestration prompt override, flattened), memory, limits and tools; and its
//! endpoint. Each setting's fate goes into the migration report.

use super::gateway::Tools;
use super::report::{MigrationItem, Outcome};
use super::requests::*;
use super::Refusal;
use crate::model::agent::{
    CreationMode, OrchestrationType, PromptConfiguration, PromptType, State, DEFAULT_MAX_ITERATIONS,
};
use crate::model::lenient::Lenient;
use crate::model::{Agent, Project};
use serde_json::{json, Map, Value};

/// `HarnessManagedMemoryConfiguration.eventExpiryDuration`: 3..365 days.
pub const MEMORY_DAYS: (u32, u32) = (3, 365);

/// The prompt variables Bedrock fills in an orchestration template besides `$instruction$`.
const FILLED_BY_CLASSIC: &str =
    "Bedrock Agents fills it in at run time; a harness system prompt is fixed text";

pub(super) fn harness(
    _project: &Project,
    agent: &Agent,
    tools: &Tools,
    report: &mut Vec<MigrationItem>,
) -> Result<CreateHarnessRequest, Refusal> {
    if agent.orchestration_type == Some(Lenient::Known(OrchestrationType::CustomOrchestration)) {
        return Err(Refusal {
            field: "orchestrationType".into(),
            reason: "a custom orchestration (a Lambda that runs the loop) has no place in a harness, which runs its own loop; ship it as an AgentCore Runtime instead".into(),
        });
    }
    let orchestration = agent.prompt_override_configuration.as_ref().and_then(|o| {
        o.prompt_configurations
            .iter()
            .find(|c| prompt_type(c) == Some(PromptType::Orchestration))
    });
    let model_id = orchestration
        .and_then(|c| c.foundation_model.clone())
        .or_else(|| agent.foundation_model.clone())
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| Refusal {
            field: "foundationModel".into(),
            reason: "a harness needs a model and the agent names none".into(),
        })?;
    let mut model = HarnessBedrockModelConfig {
        model_id: model_id.clone(),
        max_tokens: None,
        temperature: None,
        top_p: None,
        api_format: Some(HarnessBedrockApiFormat::ConverseStream),
        additional_params: None,
    };
    report.push(MigrationItem::new(
        "foundationModel".into(),
        Outcome::Became(format!(
            "model.bedrockModelConfig {model_id} (apiFormat converse_stream)"
        )),
    ));
    if let Some(profile) = &agent.local.model_profile {
        report.push(MigrationItem::new(
            format!("local model profile {profile}"),
            Outcome::NoEquivalent(
                "it picks the model of runs on this machine only; the harness uses the Bedrock model above".into(),
            ),
        ));
    }
    if let Some(c) = orchestration {
        inference(c, &mut model, report);
    }
    let system_prompt = system_prompt(agent, orchestration, tools, report);
    prompt_overrides(agent, report);

    let mut other = Map::new();
    if let Some(ttl) = agent.idle_session_ttl_in_seconds {
        other.insert(
            "environment".into(),
            json!({"agentCoreRuntimeEnvironment": {"lifecycleConfiguration": {"idleRuntimeSessionTimeout": ttl}}}),
        );
        report.push(MigrationItem::new(
            "idleSessionTTLInSeconds".into(),
            Outcome::Became(format!(
                "environment.agentCoreRuntimeEnvironment.lifecycleConfiguration.idleRuntimeSessionTimeout {ttl}"
            )),
        ));
    }
    let max_iterations = agent.local.max_iterations.unwrap_or(DEFAULT_MAX_ITERATIONS);
    report.push(MigrationItem::new(
        "iteration cap".into(),
        Outcome::Became(format!(
            "maxIterations {max_iterations} (the local iteration cap{})",
            if agent.local.max_iterations.is_none() {
                ", Bedrock's default"
            } else {
                ""
            }
        )),
    ));
    let execution_role_arn = match &agent.agent_resource_role_arn {
        Some(arn) => {
            report.push(MigrationItem::new(
                "agentResourceRoleArn".into(),
                Outcome::Became(
                    "executionRoleArn, as given: it must trust bedrock-agentcore.amazonaws.com (a Classic agent role trusts bedrock.amazonaws.com) and allow the model".into(),
                ),
            ));
            arn.clone()
        }
        None => super::execution_role_placeholder(&agent.agent_name),
    };
    if !agent.tags.is_empty() {
        report.push(MigrationItem::new(
            "tags".into(),
            Outcome::Became("the harness's and the gateway's tags".into()),
        ));
    }
    Ok(CreateHarnessRequest {
        harness_name: super::harness_name(&agent.agent_name),
        execution_role_arn,
        model: Some(HarnessModelConfiguration::BedrockModelConfig(model)),
        system_prompt,
        tools: tools.harness_tools.clone(),
        allowed_tools: vec![],
        memory: memory(agent, report),
        truncation: None,
        max_iterations: Some(max_iterations),
        max_tokens: None,
        timeout_seconds: None,
        tags: agent.tags.clone(),
        other,
    })
}

/// The endpoints of the harness when no alias is recorded: one, [`super::ENDPOINT_NAME`], on
/// its latest version, as a Classic export has one alias of that name.
pub(super) fn endpoints(agent: &Agent) -> Vec<CreateHarnessEndpointRequest> {
    vec![endpoint(
        agent,
        super::ENDPOINT_NAME,
        agent
            .description
            .clone()
            .filter(|d| (1..=256).contains(&d.chars().count())),
    )]
}

fn endpoint(
    agent: &Agent,
    name: &str,
    description: Option<String>,
) -> CreateHarnessEndpointRequest {
    CreateHarnessEndpointRequest {
        harness_id: super::harness_id_placeholder(&agent.agent_name),
        endpoint_name: name.to_owned(),
        target_version: None,
        description,
        tags: agent.tags.clone(),
    }
}

/// An alias recorded in the project's store (`strata alias set`) on a flow version whose Agent
/// nodes run the agent: where Classic has an agent alias, AgentCore has a harness endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAlias {
    pub name: String,
    pub flow: String,
    /// The flow version the alias names.
    pub version: u32,
}

/// The aliases of `history` whose flow version runs the project agent `agent` in an Agent node
/// (the node names the project agent and no alias of its own), by alias name; an alias name
/// recorded on several such flows is taken once, from the first flow.
pub fn recorded_aliases(history: &crate::export::History, agent: &str) -> Vec<RecordedAlias> {
    let mut out: Vec<RecordedAlias> = Vec::new();
    for (flow, h) in &history.flows {
        for (name, &version) in &h.aliases {
            let Some(recorded) = h.versions.iter().find(|v| v.number == version) else {
                continue;
            };
            let runs_it = recorded.flow.definition.all_nodes().iter().any(|(_, node)| {
                matches!(&node.configuration,
                    Some(crate::nodes::NodeConfiguration::Agent(c))
                        if c.project_agent.as_deref() == Some(agent) && c.agent_alias_arn.is_empty())
            });
            if runs_it && !out.iter().any(|a| &a.name == name) {
                out.push(RecordedAlias {
                    name: name.clone(),
                    flow: flow.clone(),
                    version,
                });
            }
        }
    }
    out
}

/// `HarnessEndpointName`'s pattern: `[a-zA-Z][a-zA-Z0-9_]{0,47}`.
fn endpoint_name(alias: &str) -> Option<String> {
    let name = alias.replace('-', "_");
    let mut chars = name.chars();
    let fits = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.chars().count() <= 48;
    fits.then_some(name)
}

/// A harness endpoint per recorded alias instead of the one `live` endpoint (which stays when
/// no alias is recorded), each named after its alias; the report says what each became and
/// names an alias AgentCore cannot name.
pub fn endpoints_for_aliases(
    agent: &Agent,
    aliases: &[RecordedAlias],
    requests: &mut AgentCoreRequests,
    report: &mut Vec<MigrationItem>,
) {
    let mut made = Vec::new();
    for a in aliases {
        let feature = format!("alias {} (flow {} version {})", a.name, a.flow, a.version);
        let Some(name) = endpoint_name(&a.name) else {
            report.push(MigrationItem::new(
                feature,
                Outcome::NoEquivalent(
                    "a harness endpoint name is a letter then up to 47 letters, digits or _: rename the alias".into(),
                ),
            ));
            continue;
        };
        if made
            .iter()
            .any(|e: &CreateHarnessEndpointRequest| e.endpoint_name == name)
        {
            continue;
        }
        report.push(MigrationItem::new(
            feature,
            Outcome::Became(format!(
                "harness endpoint {name}, serving the harness version this export makes (AgentCore numbers harness versions itself: the endpoint is moved to another one with UpdateHarnessEndpoint targetVersion)"
            )),
        ));
        let description = format!(
            "Alias {} of flow {} (version {})",
            a.name, a.flow, a.version
        );
        made.push(endpoint(agent, &name, Some(description)));
    }
    if !made.is_empty() {
        requests.endpoints = made;
    }
}

fn prompt_type(c: &PromptConfiguration) -> Option<PromptType> {
    c.prompt_type.as_ref().and_then(|t| t.get())
}

fn inference(
    c: &PromptConfiguration,
    model: &mut HarnessBedrockModelConfig,
    report: &mut Vec<MigrationItem>,
) {
    if let Some(i) = &c.inference_configuration {
        model.temperature = i.temperature;
        model.top_p = i.top_p;
        model.max_tokens = i.maximum_length;
        report.push(MigrationItem::new(
            "orchestration inferenceConfiguration".into(),
            Outcome::Became("the model's temperature, topP and maxTokens (maximumLength)".into()),
        ));
        if i.top_k.is_some() || !i.stop_sequences.is_empty() {
            report.push(MigrationItem::new(
                "orchestration topK and stopSequences".into(),
                Outcome::NoEquivalent(
                    "HarnessBedrockModelConfig sets maxTokens, temperature and topP only; a model that takes them needs them in additionalParams, in its own request format".into(),
                ),
            ));
        }
    }
    if let Some(fields) = &c.additional_model_request_fields {
        model.additional_params = Some(fields.clone());
        report.push(MigrationItem::new(
            "orchestration additionalModelRequestFields".into(),
            Outcome::Became("the model's additionalParams, passed to the model unchanged".into()),
        ));
    }
}

/// The system prompt: the instruction (its tool names as the model sees them on AgentCore),
/// inside the orchestration template when the agent overrides it.
fn system_prompt(
    agent: &Agent,
    orchestration: Option<&PromptConfiguration>,
    tools: &Tools,
    report: &mut Vec<MigrationItem>,
) -> Vec<HarnessSystemContentBlock> {
    let mut instruction = agent.instruction.clone().unwrap_or_default();
    let mut renamed = vec![];
    for (old, new) in &tools.renamed {
        if instruction.contains(old.as_str()) {
            instruction = instruction.replace(old.as_str(), new);
            renamed.push(format!("{old} → {new}"));
        }
    }
    report.push(MigrationItem::new(
        "instruction".into(),
        Outcome::Became("the system prompt".into()),
    ));
    if !renamed.is_empty() {
        report.push(MigrationItem::new(
            "tool names in the instruction".into(),
            Outcome::Became(format!(
                "the names the gateway gives its tools: {}",
                renamed.join(", ")
            )),
        ));
    }
    let template = orchestration
        .filter(|c| c.prompt_creation_mode == Some(Lenient::Known(CreationMode::Overridden)))
        .and_then(|c| c.base_prompt_template.as_deref());
    let Some(template) = template else {
        return blocks(vec![instruction]);
    };
    let flat = flatten(template, &instruction);
    let mut left_out: Vec<String> = flat.dropped.clone();
    if flat.dropped_messages {
        left_out.push("the template's example messages".into());
    }
    report.push(MigrationItem::new(
        "orchestration basePromptTemplate".into(),
        Outcome::Became(match flat.has_instruction {
            true => "the system prompt, with $instruction$ filled in".into(),
            false => "a second system prompt block after the instruction".into(),
        }),
    ));
    if !left_out.is_empty() {
        report.push(MigrationItem::new(
            format!("orchestration template variables {}", left_out.join(", ")),
            Outcome::NoEquivalent(format!("left out: {FILLED_BY_CLASSIC}")),
        ));
    }
    if flat
        .dropped
        .iter()
        .any(|v| v.contains("session_attributes"))
    {
        report.push(MigrationItem::new(
            "session attributes".into(),
            Outcome::NoEquivalent(
                "a harness has no session or prompt-session attributes; pass such values in the message, or keep them in memory".into(),
            ),
        ));
    }
    match flat.has_instruction {
        true => blocks(vec![flat.text]),
        false => blocks(vec![instruction, flat.text]),
    }
}

fn blocks(texts: Vec<String>) -> Vec<HarnessSystemContentBlock> {
    texts
        .into_iter()
        .filter(|t| !t.trim().is_empty())
        .map(HarnessSystemContentBlock::Text)
        .collect()
}

/// An orchestration template as plain text.
pub(super) struct Flat {
    pub text: String,
    pub has_instruction: bool,
    /// `$variables$` other than `$instruction$`, left out.
    pub dropped: Vec<String>,
    /// Whether a JSON (messages API) template had messages besides its system text.
    pub dropped_messages: bool,
}

/// Flattens a template: a messages-API JSON template gives its `system` text; `$instruction$`
/// is filled in; every other `$variable$` is taken out and named.
pub(super) fn flatten(template: &str, instruction: &str) -> Flat {
    let mut dropped_messages = false;
    let mut text = template.to_owned();
    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(template) {
        if let Some(system) = m.get("system").and_then(Value::as_str) {
            dropped_messages = m
                .get("messages")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
            text = system.to_owned();
        }
    }
    let has_instruction = text.contains("$instruction$");
    text = text.replace("$instruction$", instruction);
    let mut dropped = vec![];
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with('$') {
            let var = format!("${}$", &after[..len]);
            if !dropped.contains(&var) {
                dropped.push(var);
            }
            rest = &after[len + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Flat {
        text: out.trim().to_owned(),
        has_instruction,
        dropped,
        dropped_messages,
    }
}

/// The prompt override stages other than orchestration, and the override settings a harness
/// has no place for.
fn prompt_overrides(agent: &Agent, report: &mut Vec<MigrationItem>) {
    let Some(o) = &agent.prompt_override_configuration else {
        return;
    };
    if let Some(lambda) = &o.override_lambda {
        report.push(MigrationItem::new(
            "prompt overrideLambda".into(),
            Outcome::NoEquivalent(format!(
                "a harness has no parser Lambda; {lambda} is not called"
            )),
        ));
    }
    for c in &o.prompt_configurations {
        let name = c
            .prompt_type
            .as_ref()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_else(|| "(no type)".into());
        if c.parser_mode == Some(Lenient::Known(CreationMode::Overridden)) {
            report.push(MigrationItem::new(
                format!("{name} parserMode OVERRIDDEN"),
                Outcome::NoEquivalent("a harness parses the model's output itself".into()),
            ));
        }
        if prompt_type(c) == Some(PromptType::Orchestration) {
            continue;
        }
        let disabled = c.prompt_state == Some(Lenient::Known(State::Disabled));
        report.push(MigrationItem::new(
            format!("{name} prompt override"),
            match disabled {
                true => Outcome::Became(format!(
                    "nothing: the override turns the stage off and a harness has no {name} stage"
                )),
                false => Outcome::NoEquivalent(format!(
                    "a harness runs one loop with one system prompt; it has no {name} stage"
                )),
            },
        ));
    }
}

/// Classic memory (`SESSION_SUMMARY`) as the harness's managed memory with the summarization
/// strategy; `storageDays` as the event expiry.
fn memory(agent: &Agent, report: &mut Vec<MigrationItem>) -> Option<HarnessMemoryConfiguration> {
    let m = agent.memory_configuration.as_ref()?;
    let summary = m
        .enabled_memory_types
        .iter()
        .any(|t| t == "SESSION_SUMMARY");
    for t in m
        .enabled_memory_types
        .iter()
        .filter(|t| *t != "SESSION_SUMMARY")
    {
        report.push(MigrationItem::new(
            format!("memory type {t}"),
            Outcome::NoEquivalent("a memory type Strata does not know".into()),
        ));
    }
    if !summary {
        return None;
    }
    let stated = m.storage_days.unwrap_or(30);
    let days = stated.clamp(MEMORY_DAYS.0, MEMORY_DAYS.1);
    report.push(MigrationItem::new(
        "memoryConfiguration SESSION_SUMMARY".into(),
        Outcome::Became(format!(
            "managed memory with the SUMMARIZATION strategy, events kept {days} days{}",
            if days != stated {
                format!(
                    " (storageDays {stated} is outside AgentCore's {}..{})",
                    MEMORY_DAYS.0, MEMORY_DAYS.1
                )
            } else {
                String::new()
            }
        )),
    ));
    if m.session_summary_configuration
        .as_ref()
        .is_some_and(|s| s.max_recent_sessions.is_some())
    {
        report.push(MigrationItem::new(
            "memory maxRecentSessions".into(),
            Outcome::NoEquivalent(
                "the managed memory retrieves what is relevant, not a number of recent sessions"
                    .into(),
            ),
        ));
    }
    Some(HarnessMemoryConfiguration::ManagedMemoryConfiguration(
        HarnessManagedMemoryConfiguration {
            arn: None,
            strategies: vec![HarnessManagedMemoryStrategyType::Summarization],
            event_expiry_duration: Some(days),
            encryption_key_arn: agent.customer_encryption_key_arn.clone(),
        },
    ))
}
