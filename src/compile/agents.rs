//! Agent checks: everything about an agent, its action groups, knowledge bases and
//! collaborators that can be known without asking AWS.
//!
//! Two kinds of finding live here. Bedrock's own limits (lengths, patterns, the shape of an
//! action group, the OpenAPI rules agents enforce) are errors, because CreateAgent,
//! CreateAgentActionGroup or PrepareAgent would reject them. Production lints (thin tool
//! descriptions, state-changing actions without confirmation, no guardrail, an unbounded
//! iteration cap) are warnings: the agent deploys, but behaves worse or less safely.

use crate::diagnostic::{Code, Diagnostics, Location, Severity};
use crate::model::agent::{
    ActionGroup, ActionGroupExecutor, ApiSchema, Collaboration, FunctionSchema,
    MemoryConfiguration, ParentSignature, PromptOverrideConfiguration, PromptType,
};
use crate::model::lenient::{Lenient, StrEnum};
use crate::model::{Agent, Project};
use crate::nodes::fields::{check_name, check_range, Field, Pattern};
use crate::openapi::{self, ApiDocument, Operation};
use regex::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// `Instruction`: 40..4000 characters.
pub const INSTRUCTION_CHARS: (usize, usize) = (40, 4000);
/// Operations Bedrock allows in one OpenAPI action group.
pub const MAX_OPERATIONS: usize = 11;
/// `PromptConfigurations`: at most 10.
pub const MAX_PROMPT_CONFIGURATIONS: usize = 10;
/// Above this many orchestration steps a turn is almost certainly looping.
pub const MAX_SENSIBLE_ITERATIONS: u32 = 100;

/// Verbs that change state wherever they appear in a name (`processRefund`, `sendEmail`).
const STATE_VERBS: &[&str] = &[
    "create", "update", "delete", "remove", "refund", "send", "cancel", "pay", "transfer",
    "submit", "approve", "write", "modify", "reset",
];

/// Verbs that are also common nouns (`order`, `book`, `issue`): they count only as the first
/// word, where a verb stands (`orderPizza`, but not `lookupOrderStatus`).
const LEADING_STATE_VERBS: &[&str] = &[
    "order", "book", "issue", "set", "close", "charge", "purchase",
];

/// A name that starts with one of these reads (`getRefundStatus`, `listCancelledOrders`).
const READ_VERBS: &[&str] = &[
    "get",
    "list",
    "lookup",
    "look",
    "find",
    "search",
    "read",
    "fetch",
    "query",
    "describe",
    "show",
    "view",
    "retrieve",
    "count",
    "is",
    "has",
    "check",
    "validate",
    "verify",
    "estimate",
    "calculate",
    "compute",
    "preview",
];

/// Checks one agent of the project. Duplicate agent names are the project's business and
/// are checked by the caller.
pub fn check_agent(project: &Project, agent: &Agent, out: &mut Diagnostics) {
    let at = Location::agent(&agent.agent_name);
    check_basics(project, agent, &at, out);
    check_guardrail(project, agent, &at, out);
    if let Some(memory) = &agent.memory_configuration {
        check_memory(memory, &at, out);
    }
    if let Some(overrides) = &agent.prompt_override_configuration {
        check_prompt_overrides(overrides, &at, out);
    }
    check_collaborators(project, agent, &at, out);
    check_knowledge_bases(project, agent, &at, out);
    let mut names = HashSet::new();
    for group in &agent.action_groups {
        let ag = at.action_group(&group.action_group_name);
        if !names.insert(group.action_group_name.as_str()) {
            out.report(
                Code::DuplicateName,
                ag.clone(),
                format!(
                    "agent {:?} has two action groups named {:?}",
                    agent.agent_name, group.action_group_name
                ),
            )
            .set_hint("Rename one of them, or merge their actions into one group.");
        }
        check_action_group(group, &ag, out);
    }
}

/// Name, instruction, model, role, key, orchestration, tags and local settings.
fn check_basics(project: &Project, agent: &Agent, at: &Location, out: &mut Diagnostics) {
    check_name(
        out,
        at.field("agentName"),
        "agent name",
        &agent.agent_name,
        Pattern::ResourceName,
    );
    check_instruction(agent, at, out);
    if let Some(d) = &agent.description {
        field(out, at, Field::new("description", 1, 200), d);
    }
    if let Some(ttl) = agent.idle_session_ttl_in_seconds {
        range(out, at, "idleSessionTTLInSeconds", ttl, 60, 5400);
    }
    if let Some(t) = &agent.orchestration_type {
        choice(
            out,
            at,
            "orchestrationType",
            t,
            &["DEFAULT", "CUSTOM_ORCHESTRATION"],
        );
    }
    let custom = agent.orchestration_type.as_deref() == Some("CUSTOM_ORCHESTRATION");
    match &agent.foundation_model {
        Some(m) => field(
            out,
            at,
            Field::new("foundationModel", 1, 2048).pattern(Pattern::ModelId),
            m,
        ),
        None if custom => {}
        None => {
            out.report(
                Code::AgentInvalidField,
                at.field("foundationModel"),
                format!("agent {:?} has no foundationModel", agent.agent_name),
            )
            .set_hint(
                "Set foundationModel to a model id or inference profile id, such as \
                 anthropic.claude-3-haiku-20240307-v1:0 (only CUSTOM_ORCHESTRATION agents go without).",
            );
        }
    }
    let orchestration_lambda = agent
        .custom_orchestration
        .as_ref()
        .and_then(|c| c.get("executor"))
        .and_then(|e| e.get("lambda"));
    match orchestration_lambda {
        Some(serde_json::Value::String(arn)) => field(
            out,
            at,
            Field::new("customOrchestration.executor.lambda", 1, 2048).pattern(Pattern::LambdaArn),
            arn,
        ),
        Some(_) | None if custom => {
            out.report(
                Code::AgentInvalidField,
                at.field("customOrchestration.executor.lambda"),
                format!(
                    "agent {:?} uses CUSTOM_ORCHESTRATION but names no orchestration Lambda",
                    agent.agent_name
                ),
            )
            .set_hint(
                "Set customOrchestration to {\"executor\": {\"lambda\": \"<Lambda ARN>\"}}, or use \
                 orchestrationType DEFAULT.",
            );
        }
        Some(_) | None => {}
    }
    if let Some(role) = &agent.agent_resource_role_arn {
        field(
            out,
            at,
            Field::new("agentResourceRoleArn", 0, 2048).pattern(Pattern::RoleArn),
            role,
        );
    }
    if let Some(key) = &agent.customer_encryption_key_arn {
        let before = out.len();
        field(
            out,
            at,
            Field::new("customerEncryptionKeyArn", 1, 2048),
            key,
        );
        if out.len() == before && !local_matches(LocalPattern::KmsKeyArn, key) {
            out.report(
                Code::AgentInvalidField,
                at.field("customerEncryptionKeyArn"),
                format!("customerEncryptionKeyArn {key:?} is not a KMS key ARN"),
            )
            .set_hint("Use a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/<key id>.");
        }
    }
    for (key, value) in &agent.tags {
        let name = format!("tags.{key}");
        if key.is_empty() || key.chars().count() > 128 || !local_matches(LocalPattern::Tag, key) {
            out.report(
                Code::AgentInvalidField,
                at.field(&name),
                format!("tag key {key:?} is not 1..128 letters, digits, spaces or . _ : / = + @ -"),
            )
            .set_hint("Rename the tag: Bedrock takes 1..128 of letters, digits, spaces and . _ : / = + @ -.");
        }
        if value.chars().count() > 256 || !local_matches(LocalPattern::Tag, value) {
            out.report(
                Code::AgentInvalidField,
                at.field(&name),
                format!("the value of tag {key:?} is not 0..256 letters, digits, spaces or . _ : / = + @ -"),
            )
            .set_hint("Shorten the value or drop other characters: Bedrock takes . _ : / = + @ - besides letters, digits and spaces.");
        }
    }
    if let Some(profile) = &agent.local.model_profile {
        if !project.model_profiles.iter().any(|p| p.name == *profile) {
            let known: Vec<&str> = project
                .model_profiles
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            out.report(
                Code::UnknownResourceReference,
                at.field("local.modelProfile"),
                format!(
                    "agent {:?} runs locally with model profile {profile:?}, which the project does not define",
                    agent.agent_name
                ),
            )
            .set_hint(if known.is_empty() {
                "Add the model profile to the project, or remove local.modelProfile to run with foundationModel."
                    .to_owned()
            } else {
                format!("The project's model profiles are: {}.", known.join(", "))
            });
        }
    }
    match agent.local.max_iterations {
        Some(n) if n == 0 || n > MAX_SENSIBLE_ITERATIONS => {
            out.report(
                Code::UnboundedIterations,
                at.field("local.maxIterations"),
                format!(
                    "agent {:?} has local.maxIterations {n}: {}",
                    agent.agent_name,
                    if n == 0 {
                        "no step can run"
                    } else {
                        "a looping agent would run (and bill) that many model calls in one turn"
                    }
                ),
            )
            .set_hint(format!(
                "Set local.maxIterations between 1 and {MAX_SENSIBLE_ITERATIONS} (10 to 20 suits most agents), or remove it for the runtime's default."
            ));
        }
        Some(_) | None => {}
    }
}

fn check_instruction(agent: &Agent, at: &Location, out: &mut Diagnostics) {
    let (min, max) = INSTRUCTION_CHARS;
    let at = at.field("instruction");
    match &agent.instruction {
        None => {
            out.report(
                Code::AgentInstructionLength,
                at,
                format!("agent {:?} has no instruction", agent.agent_name),
            )
            .set_hint(format!(
                "Write {min} to {max} characters telling the agent what it is for, what it may do and how to answer."
            ));
        }
        Some(text) => {
            let len = text.chars().count();
            if len < min || len > max {
                out.report(
                    Code::AgentInstructionLength,
                    at,
                    format!(
                        "the instruction of agent {:?} is {len} characters long; Bedrock takes {min}..{max}",
                        agent.agent_name
                    ),
                )
                .set_hint(if len < min {
                    "Say more: what the agent is for, what it may do, and how it should answer."
                } else {
                    "Shorten the instruction; move reference material into a knowledge base."
                });
            }
        }
    }
}

fn check_guardrail(project: &Project, agent: &Agent, at: &Location, out: &mut Diagnostics) {
    if let Some(g) = &agent.guardrail_configuration {
        // A project guardrail's name is a reference the exports resolve, not a Bedrock id.
        let mut g = g.clone();
        if g.guardrail_identifier
            .as_deref()
            .is_some_and(|id| project.guardrail(id).is_some())
        {
            g.guardrail_identifier = None;
        }
        as_agent_field(out, |o| g.check(o, at, "guardrailConfiguration"));
    }
    let has_guardrail = agent
        .guardrail_configuration
        .as_ref()
        .and_then(|g| g.guardrail_identifier.as_deref())
        .is_some_and(|id| !id.is_empty());
    // An agent only other agents talk to (a collaborator) is protected by its supervisor's
    // guardrail; the designer says so with `userFacing: false`.
    if has_guardrail || agent.local.user_facing == Some(false) {
        return;
    }
    let mut hint = "Set guardrailConfiguration (guardrailIdentifier and guardrailVersion) so harmful \
                    content, prompt attacks and personal data are filtered; set local.userFacing to \
                    false if people never talk to this agent directly."
        .to_owned();
    if !project.guardrails.is_empty() {
        let names: Vec<&str> = project.guardrails.iter().map(|g| g.name.as_str()).collect();
        hint.push_str(&format!(
            " The project already defines guardrails: {}.",
            names.join(", ")
        ));
    }
    out.report(
        Code::NoGuardrail,
        at.field("guardrailConfiguration"),
        format!("agent {:?} has no guardrail", agent.agent_name),
    )
    .set_hint(hint);
}

fn check_memory(memory: &MemoryConfiguration, at: &Location, out: &mut Diagnostics) {
    if memory.enabled_memory_types != ["SESSION_SUMMARY"] {
        out.report(
            Code::AgentInvalidField,
            at.field("memoryConfiguration.enabledMemoryTypes"),
            format!(
                "enabledMemoryTypes is {:?}; Bedrock takes exactly [\"SESSION_SUMMARY\"]",
                memory.enabled_memory_types
            ),
        )
        .set_hint(
            "Set enabledMemoryTypes to [\"SESSION_SUMMARY\"], or remove memoryConfiguration.",
        );
    }
    if let Some(days) = memory.storage_days {
        range(out, at, "memoryConfiguration.storageDays", days, 0, 365);
    }
    let recent = memory
        .session_summary_configuration
        .as_ref()
        .and_then(|s| s.max_recent_sessions);
    if recent == Some(0) {
        out.report(
            Code::AgentInvalidField,
            at.field("memoryConfiguration.sessionSummaryConfiguration.maxRecentSessions"),
            "maxRecentSessions is 0; Bedrock takes at least 1",
        )
        .set_hint("Set maxRecentSessions to 1 or more, or remove it.");
    }
}

fn check_prompt_overrides(p: &PromptOverrideConfiguration, at: &Location, out: &mut Diagnostics) {
    let base = "promptOverrideConfiguration";
    let count = p.prompt_configurations.len();
    if count > MAX_PROMPT_CONFIGURATIONS {
        out.report(
            Code::AgentInvalidField,
            at.field(&format!("{base}.promptConfigurations")),
            format!(
                "{count} prompt configurations; Bedrock takes at most {MAX_PROMPT_CONFIGURATIONS}"
            ),
        )
        .set_hint("Keep one configuration per prompt type.");
    }
    let mut seen = HashSet::new();
    for (i, c) in p.prompt_configurations.iter().enumerate() {
        let prefix = format!("{base}.promptConfigurations[{i}]");
        match &c.prompt_type {
            None => {
                out.report(
                    Code::AgentInvalidField,
                    at.field(&format!("{prefix}.promptType")),
                    format!("prompt configuration {i} has no promptType"),
                )
                .set_hint(format!(
                    "Say which step it overrides: one of {}.",
                    Lenient::<PromptType>::expected()
                ));
            }
            Some(t) => {
                if !seen.insert(t.as_str().to_owned()) {
                    out.report(
                        Code::AgentInvalidField,
                        at.field(&format!("{prefix}.promptType")),
                        format!("promptType {} is configured more than once", t.as_str()),
                    )
                    .set_hint("Merge the configurations of this prompt type into one.");
                }
                match t {
                    Lenient::Known(PromptType::RoutingClassifier) => {
                        out.report(
                            Code::UnknownEnumValue,
                            at.field(&format!("{prefix}.promptType")),
                            "promptType ROUTING_CLASSIFIER is taken by CloudFormation but not listed by the CreateAgent API",
                        )
                        .set_hint("Deploy this agent through CloudFormation, or drop this configuration for an API deployment.");
                    }
                    Lenient::Known(
                        PromptType::PreProcessing
                        | PromptType::Orchestration
                        | PromptType::PostProcessing
                        | PromptType::KnowledgeBaseResponseGeneration
                        | PromptType::MemorySummarization,
                    ) => {}
                    Lenient::Unknown(_) => {
                        unknown_value(out, at, &format!("{prefix}.promptType"), t);
                    }
                }
            }
        }
        if let Some(mode) = &c.prompt_creation_mode {
            choice(
                out,
                at,
                &format!("{prefix}.promptCreationMode"),
                mode,
                &["DEFAULT", "OVERRIDDEN"],
            );
        }
        if let Some(state) = &c.prompt_state {
            choice(
                out,
                at,
                &format!("{prefix}.promptState"),
                state,
                &["ENABLED", "DISABLED"],
            );
        }
        if let Some(mode) = &c.parser_mode {
            choice(
                out,
                at,
                &format!("{prefix}.parserMode"),
                mode,
                &["DEFAULT", "OVERRIDDEN"],
            );
        }
        match &c.base_prompt_template {
            Some(t) => field(
                out,
                at,
                Field::new(&format!("{prefix}.basePromptTemplate"), 1, 100_000),
                t,
            ),
            None if c.prompt_creation_mode.as_deref() == Some("OVERRIDDEN") => {
                out.report(
                    Code::AgentInvalidField,
                    at.field(&format!("{prefix}.basePromptTemplate")),
                    format!("prompt configuration {i} is OVERRIDDEN but has no basePromptTemplate"),
                )
                .set_hint("Write the template, or set promptCreationMode to DEFAULT.");
            }
            None => {}
        }
        if let Some(m) = &c.foundation_model {
            field(
                out,
                at,
                Field::new(&format!("{prefix}.foundationModel"), 1, 2048).pattern(Pattern::ModelId),
                m,
            );
        }
        if let Some(inf) = &c.inference_configuration {
            let inf_base = format!("{prefix}.inferenceConfiguration");
            if let Some(t) = inf.temperature {
                range(out, at, &format!("{inf_base}.temperature"), t, 0.0, 1.0);
            }
            if let Some(t) = inf.top_p {
                range(out, at, &format!("{inf_base}.topP"), t, 0.0, 1.0);
            }
            if let Some(k) = inf.top_k {
                range(out, at, &format!("{inf_base}.topK"), k, 0, 500);
            }
            if inf.stop_sequences.len() > 4 {
                out.report(
                    Code::AgentInvalidField,
                    at.field(&format!("{inf_base}.stopSequences")),
                    format!(
                        "{} stop sequences; Bedrock takes at most 4",
                        inf.stop_sequences.len()
                    ),
                )
                .set_hint("Keep the four stop sequences that matter.");
            }
        }
        if c.parser_mode.as_deref() == Some("OVERRIDDEN") && p.override_lambda.is_none() {
            out.report(
                Code::AgentInvalidField,
                at.field(&format!("{prefix}.parserMode")),
                format!("prompt configuration {i} overrides the parser but no overrideLambda is set"),
            )
            .set_hint("Set promptOverrideConfiguration.overrideLambda to the parser Lambda's ARN, or set parserMode to DEFAULT.");
        }
    }
    if let Some(lambda) = &p.override_lambda {
        field(
            out,
            at,
            Field::new(&format!("{base}.overrideLambda"), 1, 2048).pattern(Pattern::LambdaArn),
            lambda,
        );
        let any_overridden = p
            .prompt_configurations
            .iter()
            .any(|c| c.parser_mode.as_deref() == Some("OVERRIDDEN"));
        if !any_overridden {
            out.report(
                Code::AgentInvalidField,
                at.field(&format!("{base}.overrideLambda")),
                "overrideLambda is set but no prompt configuration has parserMode OVERRIDDEN",
            )
            .set_hint("Set parserMode to OVERRIDDEN on the prompt types the Lambda parses, or remove overrideLambda.");
        }
    }
}

fn check_collaborators(project: &Project, agent: &Agent, at: &Location, out: &mut Diagnostics) {
    let collaboration = &agent.agent_collaboration;
    if let Some(c @ Lenient::Unknown(_)) = collaboration {
        unknown_value(out, at, "agentCollaboration", c);
    }
    let disabled = matches!(
        collaboration,
        None | Some(Lenient::Known(Collaboration::Disabled))
    );
    if disabled && !agent.collaborators.is_empty() {
        let d = out.report(
            Code::AgentInvalidField,
            at.field("agentCollaboration"),
            format!(
                "agent {:?} has {} collaborator(s) but agentCollaboration is {}",
                agent.agent_name,
                agent.collaborators.len(),
                collaboration.as_ref().map_or("not set", Lenient::as_str)
            ),
        );
        d.set_hint("Set agentCollaboration to SUPERVISOR or SUPERVISOR_ROUTER, or remove the collaborators.");
        // Bedrock refuses the association later, not the agent itself: a warning here.
        d.severity = Severity::Warning;
    }
    let mut names = HashSet::new();
    for (i, c) in agent.collaborators.iter().enumerate() {
        let prefix = format!("collaborators[{i}]");
        check_name(
            out,
            at.field(&format!("{prefix}.collaboratorName")),
            "collaborator name",
            &c.collaborator_name,
            Pattern::ResourceName,
        );
        if !names.insert(c.collaborator_name.as_str()) {
            out.report(
                Code::DuplicateName,
                at.field(&format!("{prefix}.collaboratorName")),
                format!("two collaborators are named {:?}", c.collaborator_name),
            )
            .set_hint("Give each collaborator its own name: the supervisor addresses them by it.");
        }
        field(
            out,
            at,
            Field::new(&format!("{prefix}.collaborationInstruction"), 1, 4000),
            &c.collaboration_instruction,
        );
        if let Some(relay) = &c.relay_conversation_history {
            choice(
                out,
                at,
                &format!("{prefix}.relayConversationHistory"),
                relay,
                &["TO_COLLABORATOR", "DISABLED"],
            );
        }
        let d = &c.agent_descriptor;
        let alias = d.alias_arn.as_deref().filter(|a| !a.is_empty());
        if let Some(alias) = alias {
            field(
                out,
                at,
                Field::new(&format!("{prefix}.agentDescriptor.aliasArn"), 0, 2048)
                    .pattern(Pattern::AgentAliasArn),
                alias,
            );
        }
        match &d.project_agent {
            Some(name) if *name == agent.agent_name => {
                out.report(
                    Code::AgentInvalidField,
                    at.field(&format!("{prefix}.agentDescriptor.projectAgent")),
                    format!(
                        "collaborator {:?} is agent {name:?} itself",
                        c.collaborator_name
                    ),
                )
                .set_hint("Name another agent of the project: an agent cannot delegate to itself.");
            }
            Some(name) if project.agent(name).is_none() => {
                out.report(
                    Code::UnknownAgentReference,
                    at.field(&format!("{prefix}.agentDescriptor.projectAgent")),
                    format!(
                        "collaborator {:?} is agent {name:?}, which the project does not define",
                        c.collaborator_name
                    ),
                )
                .set_hint(agents_hint(project));
            }
            Some(_) => {}
            None if alias.is_none() => {
                out.report(
                    Code::UnknownAgentReference,
                    at.field(&format!("{prefix}.agentDescriptor")),
                    format!("collaborator {:?} names no agent", c.collaborator_name),
                )
                .set_hint("Set agentDescriptor.projectAgent to an agent of the project, or aliasArn to a deployed alias.");
            }
            None => {}
        }
    }
}

fn agents_hint(project: &Project) -> String {
    let known: Vec<&str> = project
        .agents
        .iter()
        .map(|a| a.agent_name.as_str())
        .collect();
    if known.is_empty() {
        "Define the agent in the project, or set aliasArn to a deployed alias.".to_owned()
    } else {
        format!(
            "The project's agents are: {}. Or set aliasArn to a deployed alias.",
            known.join(", ")
        )
    }
}

fn check_knowledge_bases(project: &Project, agent: &Agent, at: &Location, out: &mut Diagnostics) {
    let mut seen = HashSet::new();
    for (i, kb) in agent.knowledge_bases.iter().enumerate() {
        let prefix = format!("knowledgeBases[{i}]");
        field(
            out,
            at,
            Field::new(&format!("{prefix}.description"), 1, 200),
            &kb.description,
        );
        if let Some(state) = &kb.knowledge_base_state {
            choice(
                out,
                at,
                &format!("{prefix}.knowledgeBaseState"),
                state,
                &["ENABLED", "DISABLED"],
            );
        }
        let id = kb.knowledge_base_id.as_str();
        let local = project
            .knowledge_bases
            .iter()
            .find(|k| k.name == id || k.knowledge_base_id.as_deref() == Some(id));
        let identity = match local {
            Some(k) => k.name.clone(),
            None if Pattern::KnowledgeBaseId.matches(id) => id.to_owned(),
            None => {
                let known: Vec<&str> = project
                    .knowledge_bases
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect();
                out.report(
                    Code::UnknownResourceReference,
                    at.field(&format!("{prefix}.knowledgeBaseId")),
                    format!(
                        "knowledge base {id:?} is neither a knowledge base of the project nor a Bedrock knowledge base id"
                    ),
                )
                .set_hint(if known.is_empty() {
                    "Use a deployed knowledge base's 10-character id, or add the knowledge base to the project."
                        .to_owned()
                } else {
                    format!(
                        "Use a deployed knowledge base's 10-character id, or one of the project's: {}.",
                        known.join(", ")
                    )
                });
                continue;
            }
        };
        if !seen.insert(identity) {
            out.report(
                Code::DuplicateName,
                at.field(&format!("{prefix}.knowledgeBaseId")),
                format!("knowledge base {id:?} is associated with the agent twice"),
            )
            .set_hint("Keep one association and put both descriptions' meaning into it.");
        }
    }
}

fn check_action_group(group: &ActionGroup, ag: &Location, out: &mut Diagnostics) {
    check_name(
        out,
        ag.field("actionGroupName"),
        "action group name",
        &group.action_group_name,
        Pattern::ResourceName,
    );
    if let Some(state) = &group.action_group_state {
        choice(out, ag, "actionGroupState", state, &["ENABLED", "DISABLED"]);
    }
    if let Some(signature) = &group.parent_action_group_signature {
        check_parent_group(group, signature, ag, out);
        return;
    }
    if !group.parent_action_group_signature_params.is_empty() {
        out.report(
            Code::ActionGroupShape,
            ag.field("parentActionGroupSignatureParams"),
            format!(
                "action group {:?} has parentActionGroupSignatureParams but no parentActionGroupSignature",
                group.action_group_name
            ),
        )
        .set_hint("Remove the parameters, or set the parentActionGroupSignature they configure.");
    }
    if let Some(d) = &group.description {
        field(out, ag, Field::new("description", 1, 200), d);
    }
    thin_description(
        out,
        ag.field("description"),
        "action group",
        &group.action_group_name,
        group.description.as_deref(),
    );
    match &group.action_group_executor {
        None => {
            out.report(
                Code::ActionGroupShape,
                ag.field("actionGroupExecutor"),
                format!("action group {:?} has no executor", group.action_group_name),
            )
            .set_hint("Set actionGroupExecutor to {\"lambda\": \"<Lambda ARN>\"} or {\"customControl\": \"RETURN_CONTROL\"}.");
        }
        Some(ActionGroupExecutor::Lambda(arn)) => {
            field(
                out,
                ag,
                Field::new("actionGroupExecutor.lambda", 1, 2048).pattern(Pattern::LambdaArn),
                arn,
            );
        }
        Some(ActionGroupExecutor::CustomControl(method)) => {
            if method != "RETURN_CONTROL" {
                out.report(
                    Code::ActionGroupShape,
                    ag.field("actionGroupExecutor.customControl"),
                    format!("customControl is {method:?}; Bedrock takes only RETURN_CONTROL"),
                )
                .set_hint("Set customControl to RETURN_CONTROL, or use a Lambda executor.");
            }
        }
    }
    match (&group.api_schema, &group.function_schema) {
        (None, None) => {
            out.report(
                Code::ActionGroupShape,
                ag.clone(),
                format!("action group {:?} defines no actions: it has neither apiSchema nor functionSchema", group.action_group_name),
            )
            .set_hint("Describe the actions with a functionSchema (simplest) or an OpenAPI apiSchema.");
        }
        (Some(_), Some(_)) => {
            out.report(
                Code::ActionGroupShape,
                ag.clone(),
                format!("action group {:?} has both apiSchema and functionSchema", group.action_group_name),
            )
            .set_hint("Keep one of them: Bedrock takes either an OpenAPI schema or a function schema per group.");
        }
        (Some(_), None) | (None, Some(_)) => {}
    }
    match &group.api_schema {
        Some(ApiSchema::Payload(payload)) => check_openapi(group, payload, ag, out),
        Some(ApiSchema::S3(s3)) => {
            match &s3.s3_bucket_name {
                Some(b) => field(
                    out,
                    ag,
                    Field::new("apiSchema.s3.s3BucketName", 3, 63).pattern(Pattern::BucketName),
                    b,
                ),
                None => missing_s3(out, ag, "s3BucketName"),
            }
            match &s3.s3_object_key {
                Some(k) => field(out, ag, Field::new("apiSchema.s3.s3ObjectKey", 1, 1024), k),
                None => missing_s3(out, ag, "s3ObjectKey"),
            }
        }
        None => {}
    }
    if let Some(schema) = &group.function_schema {
        check_functions(group, schema, ag, out);
    }
}

fn missing_s3(out: &mut Diagnostics, ag: &Location, member: &str) {
    out.report(
        Code::AgentInvalidField,
        ag.field(&format!("apiSchema.s3.{member}")),
        format!("the S3 location of the OpenAPI schema has no {member}"),
    )
    .set_hint(
        "Give both s3BucketName and s3ObjectKey, or put the schema inline as apiSchema.payload.",
    );
}

/// A built-in group (`AMAZON.UserInput`, computer use): Bedrock supplies everything, so the
/// group must not describe or execute anything itself.
fn check_parent_group(
    group: &ActionGroup,
    signature: &Lenient<ParentSignature>,
    ag: &Location,
    out: &mut Diagnostics,
) {
    if let Lenient::Unknown(_) = signature {
        unknown_value(out, ag, "parentActionGroupSignature", signature);
    }
    let mut set = Vec::new();
    if group.description.is_some() {
        set.push("description");
    }
    if group.api_schema.is_some() {
        set.push("apiSchema");
    }
    if group.function_schema.is_some() {
        set.push("functionSchema");
    }
    if group.action_group_executor.is_some() {
        set.push("actionGroupExecutor");
    }
    if !set.is_empty() {
        out.report(
            Code::ActionGroupShape,
            ag.field("parentActionGroupSignature"),
            format!(
                "action group {:?} is the built-in {} but also sets {}",
                group.action_group_name,
                signature.as_str(),
                set.join(", ")
            ),
        )
        .set_hint(format!(
            "Bedrock requires a built-in group to leave {} empty: remove them, or drop parentActionGroupSignature to define your own actions.",
            set.join(", ")
        ));
    }
    for (key, value) in &group.parent_action_group_signature_params {
        let name = format!("parentActionGroupSignatureParams.{key}");
        if key.chars().count() > 100 || value.chars().count() > 100 {
            out.report(
                Code::AgentInvalidField,
                ag.field(&name),
                format!("signature parameter {key:?} or its value is longer than 100 characters"),
            )
            .set_hint("Bedrock takes keys and values of at most 100 characters.");
        }
    }
}

fn check_functions(
    group: &ActionGroup,
    schema: &FunctionSchema,
    ag: &Location,
    out: &mut Diagnostics,
) {
    let functions = schema.functions();
    if functions.is_empty() {
        out.report(
            Code::ActionGroupShape,
            ag.field("functionSchema.functions"),
            format!(
                "the function schema of action group {:?} lists no functions",
                group.action_group_name
            ),
        )
        .set_hint("Add the functions the agent may call, or remove the action group.");
    }
    let mut names = HashSet::new();
    for f in functions {
        let fl = ag.action(&f.name);
        check_name(
            out,
            fl.field("name"),
            "function name",
            &f.name,
            Pattern::ResourceName,
        );
        if !names.insert(f.name.as_str()) {
            out.report(
                Code::DuplicateName,
                fl.clone(),
                format!(
                    "action group {:?} has two functions named {:?}",
                    group.action_group_name, f.name
                ),
            )
            .set_hint("Rename one of them: the model calls functions by name.");
        }
        if let Some(d) = &f.description {
            field(out, &fl, Field::new("description", 1, 1200), d);
        }
        thin_description(
            out,
            fl.field("description"),
            "function",
            &f.name,
            f.description.as_deref(),
        );
        if let Some(c) = &f.require_confirmation {
            confirmation_value(out, &fl, "requireConfirmation", c);
        }
        for (pname, detail) in &f.parameters {
            let pl = fl.parameter(pname);
            check_name(
                out,
                pl.field("name"),
                "parameter name",
                pname,
                Pattern::ResourceName,
            );
            if let Some(d) = &detail.description {
                field(out, &pl, Field::new("description", 1, 500), d);
            }
            thin_description(
                out,
                pl.field("description"),
                "parameter",
                pname,
                detail.description.as_deref(),
            );
            if let Lenient::Unknown(_) = detail.param_type {
                unknown_value(out, &pl, "type", &detail.param_type);
            }
        }
        if group.returns_control() || f.requires_confirmation() {
            continue;
        }
        if let Some(verb) = state_changing_verb(&f.name) {
            out.report(
                Code::UnconfirmedStateChange,
                fl.field("requireConfirmation"),
                format!(
                    "function {:?} looks state-changing (\"{verb}\") but runs without confirmation or return of control",
                    f.name
                ),
            )
            .set_hint(
                "Set requireConfirmation to ENABLED so the user approves each call, or make the action \
                 group RETURN_CONTROL so your application performs it: otherwise a prompt-injected \
                 instruction can make the agent call it.",
            );
        }
    }
}

fn check_openapi(group: &ActionGroup, payload: &str, ag: &Location, out: &mut Diagnostics) {
    let doc = match openapi::parse(payload) {
        Ok(doc) => doc,
        Err(e) => {
            out.report(
                Code::OpenApiUnparsable,
                ag.field("apiSchema.payload"),
                format!(
                    "the OpenAPI schema of action group {:?} cannot be read: {e}",
                    group.action_group_name
                ),
            )
            .set_hint(
                "Fix the schema: an OpenAPI 3.0.0 document in JSON or YAML with a `paths` object.",
            );
            return;
        }
    };
    if doc.openapi.as_deref() != Some("3.0.0") {
        out.report(
            Code::OpenApiVersion,
            ag.field("apiSchema.payload.openapi"),
            match &doc.openapi {
                Some(v) => format!(
                    "the OpenAPI schema of action group {:?} says openapi {v:?}; Bedrock agents take exactly \"3.0.0\"",
                    group.action_group_name
                ),
                None => format!(
                    "the OpenAPI schema of action group {:?} has no `openapi` version",
                    group.action_group_name
                ),
            },
        )
        .set_hint("Set `openapi: 3.0.0` at the top of the schema (as a string).");
    }
    if doc.operations.is_empty() {
        out.report(
            Code::ActionGroupShape,
            ag.field("apiSchema.payload.paths"),
            format!(
                "the OpenAPI schema of action group {:?} has no operations",
                group.action_group_name
            ),
        )
        .set_hint(
            "Add the operations the agent may call under `paths`, or remove the action group.",
        );
    }
    if doc.operations.len() > MAX_OPERATIONS {
        out.report(
            Code::OpenApiTooManyOperations,
            ag.field("apiSchema.payload.paths"),
            format!(
                "action group {:?} has {} operations; Bedrock takes at most {MAX_OPERATIONS} per group",
                group.action_group_name,
                doc.operations.len()
            ),
        )
        .set_hint("Split the operations across several action groups.");
    }
    let mut tools = HashSet::new();
    for op in &doc.operations {
        let ol = ag.action(&action_label(op));
        check_operation(group, op, &doc.raw, &ol, out);
        if !tools.insert(op.tool_name()) {
            out.report(
                Code::DuplicateName,
                ol.clone(),
                format!(
                    "two operations of action group {:?} are both called {:?}",
                    group.action_group_name,
                    op.tool_name()
                ),
            )
            .set_hint("Give each operation its own operationId.");
        }
    }
    check_enums(&doc, ag, out);
}

/// How a location names an operation: its operationId, else `POST /orders`.
fn action_label(op: &Operation) -> String {
    match op.operation_id.as_deref() {
        Some(id) if !id.trim().is_empty() => id.to_owned(),
        Some(_) | None => op.label(),
    }
}

/// The operation's `x-requireConfirmation` as the document writes it.
fn doc_confirmation<'a>(
    raw: &'a serde_json::Value,
    op: &Operation,
) -> Option<&'a serde_json::Value> {
    raw.get("paths")?
        .get(&op.path)?
        .get(&op.method)?
        .get("x-requireConfirmation")
}

fn check_operation(
    group: &ActionGroup,
    op: &Operation,
    raw: &serde_json::Value,
    ol: &Location,
    out: &mut Diagnostics,
) {
    if !op.path.starts_with('/') {
        out.report(
            Code::OpenApiPath,
            ol.field("path"),
            format!("path {:?} of operation {op} does not start with /", op.path),
        )
        .set_hint(format!("Write it as \"/{}\".", op.path));
    }
    if op
        .operation_id
        .as_deref()
        .is_none_or(|id| id.trim().is_empty())
    {
        out.report(
            Code::OpenApiOperationId,
            ol.field("operationId"),
            format!("operation {} has no operationId", op.label()),
        )
        .set_hint("Add an operationId: a short verb-first name such as getOrder, which the agent sees as the action's name.");
    }
    match op.description.as_deref().map(str::trim) {
        None | Some("") => {
            out.report(
                Code::OpenApiDescription,
                ol.field("description"),
                format!("operation {op} has no description"),
            )
            .set_hint("Add a description saying what the operation does and when to use it; Bedrock requires it (summary is not enough).");
        }
        Some(d) => {
            if d.split_whitespace().count() <= 1 {
                thin_description(
                    out,
                    ol.field("description"),
                    "operation",
                    &action_label(op),
                    Some(d),
                );
            }
        }
    }
    // Parameters and body properties as the model sees them: through the tool's input schema.
    let schema = op.input_schema();
    if let Some(serde_json::Value::Object(props)) = schema.get("properties") {
        for (name, prop) in props {
            let description = prop.get("description").and_then(serde_json::Value::as_str);
            thin_description(
                out,
                ol.parameter(name).field("description"),
                "parameter",
                name,
                description,
            );
        }
    }
    if let Some(value) = doc_confirmation(raw, op) {
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        confirmation_value(out, ol, "x-requireConfirmation", &text);
    }
    if group.returns_control() || op.require_confirmation {
        return;
    }
    let reason = if op.is_state_changing() {
        Some(format!(
            "it is a {} operation",
            op.method.to_ascii_uppercase()
        ))
    } else {
        op.operation_id
            .as_deref()
            .and_then(state_changing_verb)
            .map(|verb| format!("its operationId says \"{verb}\""))
    };
    if let Some(reason) = reason {
        out.report(
            Code::UnconfirmedStateChange,
            ol.field("x-requireConfirmation"),
            format!("operation {op} changes state ({reason}) but runs without confirmation or return of control"),
        )
        .set_hint(
            "Add `x-requireConfirmation: ENABLED` to the operation so the user approves each call, or \
             make the action group RETURN_CONTROL so your application performs it: otherwise a \
             prompt-injected instruction can make the agent call it.",
        );
    }
}

/// One `OpenApiEnum` per `enum` keyword, at the operation and parameter it belongs to when
/// it is written inside one.
fn check_enums(doc: &ApiDocument, ag: &Location, out: &mut Diagnostics) {
    for pointer in doc.enum_locations() {
        let mut at = ag.field("apiSchema.payload");
        let segments: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        if let [section, path, method, rest @ ..] = segments.as_slice() {
            let method = method.to_ascii_lowercase();
            let op = doc
                .operations
                .iter()
                .find(|o| section == "paths" && o.path == *path && o.method == method);
            if let Some(op) = op {
                at = ag.action(&action_label(op)).field("apiSchema.payload");
                let parameter = match rest {
                    [first, index, ..] if first == "parameters" => {
                        let raw_pointer = format!(
                            "/paths/{}/{}/parameters/{index}/name",
                            escape(path),
                            escape(segments.get(2).map_or("", String::as_str))
                        );
                        doc.raw
                            .pointer(&raw_pointer)
                            .and_then(serde_json::Value::as_str)
                            .map(str::to_owned)
                    }
                    _ => rest
                        .iter()
                        .position(|s| s == "properties")
                        .and_then(|i| rest.get(i + 1))
                        .cloned(),
                };
                if let Some(p) = parameter {
                    at = at.parameter(&p);
                }
            }
        }
        out.report(
            Code::OpenApiEnum,
            at,
            format!("the OpenAPI schema uses `enum` at {pointer}, which Bedrock agents do not support"),
        )
        .set_hint("Remove the enum and list the allowed values in the description instead (\"one of: a, b, c\").");
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The state-changing verb in a function or operation name, if any: `refundOrder` → refund.
/// Names that start with a reading verb (`getRefundStatus`) are reads.
pub fn state_changing_verb(name: &str) -> Option<&'static str> {
    let words = words(name);
    let first = words.first()?;
    if READ_VERBS.contains(&first.as_str()) {
        return None;
    }
    if let Some(v) = LEADING_STATE_VERBS.iter().find(|v| **v == first.as_str()) {
        return Some(v);
    }
    words
        .iter()
        .find_map(|w| STATE_VERBS.iter().find(|v| **v == w.as_str()).copied())
}

/// The lowercase words of an identifier: camelCase, PascalCase, snake_case, kebab-case and
/// acronyms (`HTTPRequest` → http, request).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_uppercase() => {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            }
            Some(_) | None => false,
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `ThinDescription` when a description the model chooses by is missing or one word. An
/// empty description is left to the length check, which already reports it.
fn thin_description(
    out: &mut Diagnostics,
    at: Location,
    what: &str,
    name: &str,
    description: Option<&str>,
) {
    let message = match description {
        None => format!("{what} {name:?} has no description"),
        Some("") => return,
        Some(d) if d.split_whitespace().count() <= 1 => {
            format!("{what} {name:?} is described in one word ({:?})", d.trim())
        }
        Some(_) => return,
    };
    out.report(Code::ThinDescription, at, message).set_hint(format!(
        "Describe the {what} in a sentence: what it is or does, and when to use it. The model picks actions and fills parameters from these descriptions alone."
    ));
}

/// `UnknownEnumValue` for a string field outside its fixed set.
fn choice(out: &mut Diagnostics, at: &Location, name: &str, value: &str, allowed: &[&str]) {
    if allowed.contains(&value) {
        return;
    }
    out.report(
        Code::UnknownEnumValue,
        at.field(name),
        format!("{name} is {value:?}, not one of {}", allowed.join(", ")),
    )
    .set_hint(format!(
        "Use one of {} (they are case-sensitive); an unknown value is kept but Bedrock may reject it.",
        allowed.join(", ")
    ));
}

/// An error for a confirmation setting other than `ENABLED` or `DISABLED`: a warning would let
/// a typo run a state-changing action unconfirmed, so the runtime asks instead, and the export
/// would fail in Bedrock.
fn confirmation_value(out: &mut Diagnostics, at: &Location, name: &str, value: &str) {
    if matches!(value, "ENABLED" | "DISABLED") {
        return;
    }
    out.report(
        Code::AgentInvalidField,
        at.field(name),
        format!("{name} is {value:?}, not ENABLED or DISABLED"),
    )
    .set_hint(
        "Write ENABLED (the user approves each call) or DISABLED (case-sensitive); until then \
         Strata asks before running the action, as with ENABLED.",
    );
}

/// `UnknownEnumValue` for a lenient enum holding a value Strata does not know.
fn unknown_value<T: StrEnum>(out: &mut Diagnostics, at: &Location, name: &str, value: &Lenient<T>) {
    out.report(
        Code::UnknownEnumValue,
        at.field(name),
        format!("{name} is {:?}, which Strata does not know", value.as_str()),
    )
    .set_hint(format!(
        "Use one of {}; an unknown value is kept as it is, but Bedrock may reject it.",
        Lenient::<T>::expected()
    ));
}

/// Runs a shared field check and files what it finds under the agent's code: the same limits
/// as everywhere, reported as `AgentInvalidField`.
fn as_agent_field(out: &mut Diagnostics, check: impl FnOnce(&mut Diagnostics)) {
    let mut found = Diagnostics::default();
    check(&mut found);
    for mut d in found.into_vec() {
        if d.code == Code::InvalidFieldValue {
            d.code = Code::AgentInvalidField;
            d.severity = Code::AgentInvalidField.severity();
        }
        out.push(d);
    }
}

/// A string field's length and pattern, as `AgentInvalidField`.
fn field(out: &mut Diagnostics, at: &Location, f: Field<'_>, value: &str) {
    as_agent_field(out, |o| f.check(o, at, value));
}

/// A number's range, as `AgentInvalidField`.
fn range<T: PartialOrd + std::fmt::Display + Copy>(
    out: &mut Diagnostics,
    at: &Location,
    name: &str,
    value: T,
    min: T,
    max: T,
) {
    as_agent_field(out, |o| check_range(o, at, name, value, min, max));
}

/// Patterns of the API model that only agents use, so they live here rather than in
/// [`Pattern`].
#[derive(Clone, Copy)]
enum LocalPattern {
    /// `KmsKeyArn`.
    KmsKeyArn,
    /// `TagKey` and `TagValue` (the same characters).
    Tag,
}

fn local_matches(p: LocalPattern, s: &str) -> bool {
    static KMS: OnceLock<Option<Regex>> = OnceLock::new();
    static TAG: OnceLock<Option<Regex>> = OnceLock::new();
    let re = match p {
        LocalPattern::KmsKeyArn => KMS.get_or_init(|| {
            Regex::new(r"^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}$")
                .ok()
        }),
        LocalPattern::Tag => TAG.get_or_init(|| Regex::new(r"^[a-zA-Z0-9\s._:/=+@-]*$").ok()),
    };
    // The patterns are constant and tested; should one ever fail to build, the value passes
    // rather than the check failing everything.
    re.as_ref().is_none_or(|re| re.is_match(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::agent::{
        AgentInference, ApiSchema, Function, ParameterDetail, PromptConfiguration, S3Identifier,
    };
    use crate::model::{Guardrail, ModelProfile};
    use serde_json::json;

    const SHIPPING: &str = r#"
openapi: 3.0.0
paths:
  /parcels/{parcelId}:
    get:
      operationId: trackParcel
      description: Says where a parcel is and when it arrives.
      parameters:
        - name: parcelId
          in: path
          required: true
          description: The parcel's tracking number.
          schema: {type: string}
    post:
      operationId: rerouteParcel
      description: Sends a parcel to another address.
      x-requireConfirmation: ENABLED
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Address'
components:
  schemas:
    Address:
      type: object
      properties:
        street: {type: string, description: The street and house number.}
"#;

    /// A project whose first agent has one of everything, all of it right.
    fn project() -> Project {
        let agent = json!({
            "agentName": "Support",
            "foundationModel": "anthropic.claude-3-haiku-20240307-v1:0",
            "instruction": "You help customers with their orders. Be brief, be polite, never guess.",
            "description": "Answers customer questions about orders.",
            "idleSessionTTLInSeconds": 600,
            "agentResourceRoleArn": "arn:aws:iam::123456789012:role/SupportAgent",
            "customerEncryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012",
            "orchestrationType": "DEFAULT",
            "promptOverrideConfiguration": {"promptConfigurations": [{
                "promptType": "ORCHESTRATION", "promptCreationMode": "OVERRIDDEN",
                "promptState": "ENABLED", "basePromptTemplate": "You are a support agent. $instruction$",
                "inferenceConfiguration": {"temperature": 0.2, "topP": 0.9, "topK": 250,
                                           "maximumLength": 2048, "stopSequences": ["</answer>"]},
                "parserMode": "DEFAULT"}]},
            "guardrailConfiguration": {"guardrailIdentifier": "abc123def", "guardrailVersion": "1"},
            "memoryConfiguration": {"enabledMemoryTypes": ["SESSION_SUMMARY"], "storageDays": 30,
                                    "sessionSummaryConfiguration": {"maxRecentSessions": 5}},
            "agentCollaboration": "SUPERVISOR",
            "actionGroups": [
                {"actionGroupName": "Orders", "description": "Looks up and refunds customer orders.",
                 "actionGroupExecutor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:orders"},
                 "actionGroupState": "ENABLED", "localHandler": "handlers/orders.py:handler",
                 "functionSchema": {"functions": [
                    {"name": "lookupOrder", "description": "Finds an order by its number.",
                     "parameters": {"orderId": {"type": "string", "description": "The order number.", "required": true}}},
                    {"name": "refundOrder", "description": "Refunds an order in full.",
                     "requireConfirmation": "ENABLED",
                     "parameters": {"orderId": {"type": "string", "description": "The order number.", "required": true}}}]}},
                {"actionGroupName": "Shipping", "description": "Tracks and reroutes parcels.",
                 "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
                 "apiSchema": {"payload": SHIPPING}},
                {"actionGroupName": "AskUser", "parentActionGroupSignature": "AMAZON.UserInput"}
            ],
            "knowledgeBases": [
                {"knowledgeBaseId": "faq", "description": "Answers to frequent questions.", "knowledgeBaseState": "ENABLED"},
                {"knowledgeBaseId": "ABCDEFGHIJ", "description": "Shipping policies."}
            ],
            "collaborators": [
                {"collaboratorName": "billing", "agentDescriptor": {"projectAgent": "Billing"},
                 "collaborationInstruction": "Ask billing about invoices.", "relayConversationHistory": "TO_COLLABORATOR"},
                {"collaboratorName": "legal",
                 "agentDescriptor": {"aliasArn": "arn:aws:bedrock:us-east-1:123456789012:agent-alias/ABCDEFGHIJ/KLMNOPQRST"},
                 "collaborationInstruction": "Ask legal about contracts."}
            ],
            "tags": {"team": "support"},
            "local": {"maxIterations": 10, "userFacing": true}
        });
        let mut p = Project::new("shop");
        p.agents
            .push(serde_json::from_value(agent).expect("the good agent reads"));
        p.agents.push(Agent::new("Billing"));
        p.knowledge_bases.push(
            serde_json::from_value(json!({"name": "faq", "knowledgeBaseId": "KB12345678"}))
                .expect("reads"),
        );
        p
    }

    /// A named mutation of the good project and the diagnostics it must give.
    type Case = (
        &'static str,
        fn(&mut Project),
        &'static [(Code, &'static str)],
    );

    fn agent(p: &mut Project) -> &mut Agent {
        &mut p.agents[0]
    }

    fn group<'a>(p: &'a mut Project, name: &str) -> &'a mut ActionGroup {
        agent(p)
            .action_groups
            .iter_mut()
            .find(|g| g.action_group_name == name)
            .expect("the good agent has this group")
    }

    fn function<'a>(p: &'a mut Project, name: &str) -> &'a mut Function {
        match &mut group(p, "Orders").function_schema {
            Some(FunctionSchema::Functions(fs)) => {
                fs.iter_mut().find(|f| f.name == name).expect("function")
            }
            None => panic!("Orders has functions"),
        }
    }

    fn prompt(p: &mut Project) -> &mut PromptOverrideConfiguration {
        agent(p)
            .prompt_override_configuration
            .as_mut()
            .expect("overrides")
    }

    fn inference(p: &mut Project) -> &mut AgentInference {
        prompt(p).prompt_configurations[0]
            .inference_configuration
            .as_mut()
            .expect("inference")
    }

    fn shipping(p: &mut Project, payload: String) {
        let g = group(p, "Shipping");
        g.api_schema = Some(ApiSchema::Payload(payload));
        g.action_group_executor = Some(ActionGroupExecutor::Lambda(
            "arn:aws:lambda:us-east-1:123456789012:function:shipping".to_owned(),
        ));
    }

    /// Mutates the good project, checks its first agent, and compares the codes found with
    /// `expect`; each expected text must appear in that diagnostic's message, location or hint.
    fn check(name: &str, mutate: fn(&mut Project), expect: &[(Code, &str)]) {
        let mut p = project();
        mutate(&mut p);
        let mut out = Diagnostics::default();
        check_agent(&p, &p.agents[0], &mut out);
        let found = out.into_vec();
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            found.len(),
            expect.len(),
            "{name}: expected {expect:?}, found:\n{}",
            shown.join("\n")
        );
        let mut unmatched: Vec<&crate::diagnostic::Diagnostic> = found.iter().collect();
        for (code, text) in expect {
            let i = unmatched
                .iter()
                .position(|d| d.code == *code && d.to_string().contains(text));
            match i {
                Some(i) => {
                    unmatched.remove(i);
                }
                None => panic!(
                    "{name}: no {code:?} mentioning {text:?} among:\n{}",
                    shown.join("\n")
                ),
            }
        }
        for d in &found {
            assert!(!d.hint.is_empty(), "{name}: no hint on {d}");
            assert_eq!(
                d.location.agent.as_deref(),
                Some(p.agents[0].agent_name.as_str()),
                "{name}: {d}"
            );
        }
    }

    #[test]
    fn the_good_agent_is_clean() {
        check("good", |_| {}, &[]);
    }

    #[test]
    fn agent_fields() {
        use Code::*;
        let cases: &[Case] = &[
            (
                "bad name",
                |p| agent(p).agent_name = "Sup port".into(),
                &[(InvalidName, "agentName")],
            ),
            (
                "long description",
                |p| agent(p).description = Some("x".repeat(201)),
                &[(AgentInvalidField, "201 characters")],
            ),
            (
                "empty description",
                |p| agent(p).description = Some(String::new()),
                &[(AgentInvalidField, "description")],
            ),
            (
                "ttl too short",
                |p| agent(p).idle_session_ttl_in_seconds = Some(59),
                &[(AgentInvalidField, "idleSessionTTLInSeconds is 59")],
            ),
            (
                "ttl too long",
                |p| agent(p).idle_session_ttl_in_seconds = Some(5401),
                &[(AgentInvalidField, "60..5400")],
            ),
            (
                "no model",
                |p| agent(p).foundation_model = None,
                &[(AgentInvalidField, "no foundationModel")],
            ),
            (
                "bad model",
                |p| agent(p).foundation_model = Some("claude 3".into()),
                &[(AgentInvalidField, "foundationModel \"claude 3\"")],
            ),
            (
                "custom orchestration needs no model",
                |p| {
                    let a = agent(p);
                    a.foundation_model = None;
                    a.orchestration_type = Some("CUSTOM_ORCHESTRATION".into());
                    a.custom_orchestration = Some(
                        json!({"executor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:orch"}}),
                    );
                },
                &[],
            ),
            (
                "custom orchestration without its lambda",
                |p| agent(p).orchestration_type = Some("CUSTOM_ORCHESTRATION".into()),
                &[(AgentInvalidField, "customOrchestration.executor.lambda")],
            ),
            (
                "bad orchestration lambda",
                |p| agent(p).custom_orchestration = Some(json!({"executor": {"lambda": "orch"}})),
                &[(AgentInvalidField, "Lambda function ARN")],
            ),
            (
                "unknown orchestration",
                |p| agent(p).orchestration_type = Some("SMART".into()),
                &[(UnknownEnumValue, "orchestrationType is \"SMART\"")],
            ),
            (
                "bad role",
                |p| agent(p).agent_resource_role_arn = Some("SupportAgent".into()),
                &[(AgentInvalidField, "IAM role ARN")],
            ),
            (
                "bad key",
                |p| {
                    agent(p).customer_encryption_key_arn =
                        Some("arn:aws:kms:us-east-1:123456789012:alias/x".into())
                },
                &[(AgentInvalidField, "not a KMS key ARN")],
            ),
            (
                "bad tag",
                |p| {
                    agent(p).tags.insert("team!".into(), "a;b".into());
                },
                &[
                    (AgentInvalidField, "tag key \"team!\""),
                    (AgentInvalidField, "value of tag \"team!\""),
                ],
            ),
            (
                "unknown model profile",
                |p| agent(p).local.model_profile = Some("fast".into()),
                &[(UnknownResourceReference, "local.modelProfile")],
            ),
            (
                "known model profile",
                |p| {
                    agent(p).local.model_profile = Some("fast".into());
                    p.model_profiles.push(ModelProfile {
                        name: "fast".into(),
                        provider: "scripted".into(),
                        model_id: None,
                        region: None,
                        base_url: None,
                        script: None,
                        serves: vec![],
                        price_per_1k_tokens: None,
                    });
                },
                &[],
            ),
        ];
        for (name, mutate, expect) in cases {
            check(name, *mutate, expect);
        }
    }

    #[test]
    fn instructions() {
        let cases: &[Case] = &[
            (
                "none",
                |p| agent(p).instruction = None,
                &[(Code::AgentInstructionLength, "has no instruction")],
            ),
            (
                "39 characters",
                |p| agent(p).instruction = Some("x".repeat(39)),
                &[(Code::AgentInstructionLength, "39 characters")],
            ),
            (
                "40 characters of two bytes each",
                |p| agent(p).instruction = Some("é".repeat(40)),
                &[],
            ),
            (
                "4000 characters",
                |p| agent(p).instruction = Some("x".repeat(4000)),
                &[],
            ),
            (
                "4001 characters",
                |p| agent(p).instruction = Some("x".repeat(4001)),
                &[(Code::AgentInstructionLength, "40..4000")],
            ),
        ];
        for (name, mutate, expect) in cases {
            check(name, *mutate, expect);
        }
    }

    #[test]
    fn guardrails_memory_and_iterations() {
        use Code::*;
        let cases: &[Case] = &[
            (
                "no guardrail",
                |p| agent(p).guardrail_configuration = None,
                &[(NoGuardrail, "has no guardrail")],
            ),
            (
                "guardrail without identifier",
                |p| {
                    agent(p)
                        .guardrail_configuration
                        .as_mut()
                        .expect("g")
                        .guardrail_identifier = None
                },
                &[(NoGuardrail, "guardrailConfiguration")],
            ),
            (
                "no guardrail, project has some",
                |p| {
                    agent(p).guardrail_configuration = None;
                    p.guardrails.push(
                        serde_json::from_value::<Guardrail>(json!({"name": "pii"})).expect("reads"),
                    );
                },
                &[(NoGuardrail, "project already defines guardrails: pii")],
            ),
            (
                "no guardrail, not user-facing",
                |p| {
                    agent(p).guardrail_configuration = None;
                    agent(p).local.user_facing = Some(false);
                },
                &[],
            ),
            (
                "bad guardrail",
                |p| {
                    agent(p).guardrail_configuration = Some(
                        serde_json::from_value(
                            json!({"guardrailIdentifier": "ABC", "guardrailVersion": "v1"}),
                        )
                        .expect("reads"),
                    )
                },
                &[
                    (AgentInvalidField, "guardrailIdentifier"),
                    (AgentInvalidField, "guardrailVersion"),
                ],
            ),
            (
                "memory types",
                |p| {
                    agent(p)
                        .memory_configuration
                        .as_mut()
                        .expect("m")
                        .enabled_memory_types = vec![]
                },
                &[(AgentInvalidField, "exactly [\"SESSION_SUMMARY\"]")],
            ),
            (
                "storage days",
                |p| {
                    agent(p)
                        .memory_configuration
                        .as_mut()
                        .expect("m")
                        .storage_days = Some(366)
                },
                &[(AgentInvalidField, "storageDays is 366")],
            ),
            (
                "recent sessions",
                |p| {
                    agent(p)
                        .memory_configuration
                        .as_mut()
                        .expect("m")
                        .session_summary_configuration
                        .as_mut()
                        .expect("s")
                        .max_recent_sessions = Some(0)
                },
                &[(AgentInvalidField, "maxRecentSessions is 0")],
            ),
            (
                "no iteration cap",
                |p| agent(p).local.max_iterations = None,
                &[],
            ),
            (
                "zero iterations",
                |p| agent(p).local.max_iterations = Some(0),
                &[(UnboundedIterations, "no step can run")],
            ),
            (
                "100 iterations",
                |p| agent(p).local.max_iterations = Some(100),
                &[],
            ),
            (
                "101 iterations",
                |p| agent(p).local.max_iterations = Some(101),
                &[(UnboundedIterations, "maxIterations 101")],
            ),
        ];
        for (name, mutate, expect) in cases {
            check(name, *mutate, expect);
        }
    }

    #[test]
    fn prompt_overrides() {
        use Code::*;
        let cases: &[Case] = &[
            (
                "unknown type",
                |p| {
                    prompt(p).prompt_configurations[0].prompt_type =
                        Some(Lenient::Unknown("FUTURE".into()))
                },
                &[(UnknownEnumValue, "promptType is \"FUTURE\"")],
            ),
            (
                "routing classifier",
                |p| {
                    prompt(p).prompt_configurations[0].prompt_type =
                        Some(PromptType::RoutingClassifier.into())
                },
                &[(UnknownEnumValue, "ROUTING_CLASSIFIER")],
            ),
            (
                "no type",
                |p| prompt(p).prompt_configurations[0].prompt_type = None,
                &[(AgentInvalidField, "has no promptType")],
            ),
            (
                "repeated type",
                |p| {
                    let c = prompt(p).prompt_configurations[0].clone();
                    prompt(p).prompt_configurations.push(c);
                },
                &[(
                    AgentInvalidField,
                    "ORCHESTRATION is configured more than once",
                )],
            ),
            (
                "eleven configurations",
                |p| {
                    let c = PromptConfiguration {
                        prompt_type: None,
                        prompt_creation_mode: None,
                        prompt_state: None,
                        base_prompt_template: None,
                        inference_configuration: None,
                        parser_mode: None,
                        foundation_model: None,
                        additional_model_request_fields: None,
                    };
                    let types = [
                        PromptType::PreProcessing,
                        PromptType::PostProcessing,
                        PromptType::KnowledgeBaseResponseGeneration,
                        PromptType::MemorySummarization,
                    ];
                    for i in 0..10 {
                        let mut c = c.clone();
                        c.prompt_type = Some(types[i % 4].into());
                        prompt(p).prompt_configurations.push(c);
                    }
                },
                &[
                    (AgentInvalidField, "11 prompt configurations"),
                    (AgentInvalidField, "more than once"),
                    (AgentInvalidField, "more than once"),
                    (AgentInvalidField, "more than once"),
                    (AgentInvalidField, "more than once"),
                    (AgentInvalidField, "more than once"),
                    (AgentInvalidField, "more than once"),
                ],
            ),
            (
                "empty template",
                |p| prompt(p).prompt_configurations[0].base_prompt_template = Some(String::new()),
                &[(AgentInvalidField, "basePromptTemplate is 0 characters")],
            ),
            (
                "overridden without template",
                |p| prompt(p).prompt_configurations[0].base_prompt_template = None,
                &[(
                    AgentInvalidField,
                    "OVERRIDDEN but has no basePromptTemplate",
                )],
            ),
            (
                "lowercase mode",
                |p| {
                    prompt(p).prompt_configurations[0].prompt_creation_mode =
                        Some("overridden".into())
                },
                &[(UnknownEnumValue, "promptCreationMode is \"overridden\"")],
            ),
            (
                "unknown state",
                |p| prompt(p).prompt_configurations[0].prompt_state = Some("ON".into()),
                &[(UnknownEnumValue, "promptState")],
            ),
            (
                "inference out of range",
                |p| {
                    let inf = inference(p);
                    inf.temperature = Some(1.5);
                    inf.top_p = Some(-0.1);
                    inf.top_k = Some(501);
                    inf.stop_sequences = vec!["a".into(); 5];
                },
                &[
                    (AgentInvalidField, "temperature is 1.5"),
                    (AgentInvalidField, "topP is -0.1"),
                    (AgentInvalidField, "topK is 501"),
                    (AgentInvalidField, "5 stop sequences"),
                ],
            ),
            (
                "bad prompt model",
                |p| prompt(p).prompt_configurations[0].foundation_model = Some("a model".into()),
                &[(AgentInvalidField, "promptConfigurations[0].foundationModel")],
            ),
            (
                "override lambda without an overridden parser",
                |p| {
                    prompt(p).override_lambda =
                        Some("arn:aws:lambda:us-east-1:123456789012:function:parse".into())
                },
                &[(
                    AgentInvalidField,
                    "no prompt configuration has parserMode OVERRIDDEN",
                )],
            ),
            (
                "overridden parser without lambda",
                |p| prompt(p).prompt_configurations[0].parser_mode = Some("OVERRIDDEN".into()),
                &[(AgentInvalidField, "no overrideLambda is set")],
            ),
            (
                "overridden parser with lambda",
                |p| {
                    prompt(p).prompt_configurations[0].parser_mode = Some("OVERRIDDEN".into());
                    prompt(p).override_lambda =
                        Some("arn:aws:lambda:us-east-1:123456789012:function:parse".into());
                },
                &[],
            ),
            (
                "bad override lambda",
                |p| {
                    prompt(p).prompt_configurations[0].parser_mode = Some("OVERRIDDEN".into());
                    prompt(p).override_lambda = Some("parse".into());
                },
                &[(AgentInvalidField, "overrideLambda \"parse\"")],
            ),
        ];
        for (name, mutate, expect) in cases {
            check(name, *mutate, expect);
        }
    }

    #[test]
    fn collaborators_and_knowledge_bases() {
        use Code::*;
        let cases: &[Case] = &[
            (
                "collaboration disabled",
                |p| agent(p).agent_collaboration = Some(Collaboration::Disabled.into()),
                &[(AgentInvalidField, "agentCollaboration is DISABLED")],
            ),
            (
                "collaboration unset",
                |p| agent(p).agent_collaboration = None,
                &[(AgentInvalidField, "not set")],
            ),
            (
                "collaboration unknown",
                |p| agent(p).agent_collaboration = Some(Lenient::Unknown("PEER".into())),
                &[(UnknownEnumValue, "agentCollaboration is \"PEER\"")],
            ),
            (
                "no collaborators, disabled",
                |p| {
                    agent(p).collaborators.clear();
                    agent(p).agent_collaboration = None;
                },
                &[],
            ),
            (
                "bad collaborator name",
                |p| agent(p).collaborators[0].collaborator_name = "bill ing".into(),
                &[(InvalidName, "collaborators[0].collaboratorName")],
            ),
            (
                "duplicate collaborator",
                |p| agent(p).collaborators[1].collaborator_name = "billing".into(),
                &[(DuplicateName, "two collaborators are named \"billing\"")],
            ),
            (
                "empty collaboration instruction",
                |p| agent(p).collaborators[0].collaboration_instruction = String::new(),
                &[(
                    AgentInvalidField,
                    "collaborationInstruction is 0 characters",
                )],
            ),
            (
                "unknown project agent",
                |p| {
                    agent(p).collaborators[0].agent_descriptor.project_agent = Some("Nobody".into())
                },
                &[(
                    UnknownAgentReference,
                    "The project's agents are: Support, Billing",
                )],
            ),
            (
                "itself",
                |p| {
                    agent(p).collaborators[0].agent_descriptor.project_agent =
                        Some("Support".into())
                },
                &[(AgentInvalidField, "is agent \"Support\" itself")],
            ),
            (
                "no agent at all",
                |p| agent(p).collaborators[1].agent_descriptor.alias_arn = None,
                &[(
                    UnknownAgentReference,
                    "collaborator \"legal\" names no agent",
                )],
            ),
            (
                "bad alias",
                |p| {
                    agent(p).collaborators[1].agent_descriptor.alias_arn =
                        Some("arn:aws:bedrock:us-east-1:123456789012:agent/ABCDEFGHIJ".into())
                },
                &[(AgentInvalidField, "agent alias ARN")],
            ),
            (
                "unknown relay",
                |p| agent(p).collaborators[0].relay_conversation_history = Some("ALL".into()),
                &[(UnknownEnumValue, "relayConversationHistory")],
            ),
            (
                "kb without description",
                |p| agent(p).knowledge_bases[0].description = String::new(),
                &[(AgentInvalidField, "knowledgeBases[0].description")],
            ),
            (
                "unknown kb",
                |p| agent(p).knowledge_bases[0].knowledge_base_id = "wiki".into(),
                &[(UnknownResourceReference, "one of the project's: faq")],
            ),
            (
                "kb by its deployed id, twice",
                |p| agent(p).knowledge_bases[1].knowledge_base_id = "KB12345678".into(),
                &[(DuplicateName, "associated with the agent twice")],
            ),
            (
                "unknown kb state",
                |p| agent(p).knowledge_bases[1].knowledge_base_state = Some("OFF".into()),
                &[(UnknownEnumValue, "knowledgeBaseState")],
            ),
        ];
        for (name, mutate, expect) in cases {
            check(name, *mutate, expect);
        }
    }

    #[test]
    fn action_group_shapes() {
        use Code::*;
        let cases: &[Case] = &[
            (
                "duplicate group",
                |p| group(p, "Shipping").action_group_name = "Orders".into(),
                &[(DuplicateName, "two action groups named \"Orders\"")],
            ),
            (
                "bad group name",
                |p| group(p, "Orders").action_group_name = "Or ders".into(),
                &[(InvalidName, "actionGroupName")],
            ),
            (
                "unknown state",
                |p| group(p, "Orders").action_group_state = Some("ON".into()),
                &[(UnknownEnumValue, "actionGroupState")],
            ),
            (
                "built-in with a description",
                |p| group(p, "AskUser").description = Some("Asks the user.".into()),
                &[(
                    ActionGroupShape,
                    "AMAZON.UserInput but also sets description",
                )],
            ),
            (
                "built-in with everything",
                |p| {
                    let g = group(p, "AskUser");
                    g.action_group_executor =
                        Some(ActionGroupExecutor::CustomControl("RETURN_CONTROL".into()));
                    g.function_schema = Some(FunctionSchema::Functions(vec![]));
                    g.api_schema = Some(ApiSchema::Payload("x".into()));
                },
                &[(
                    ActionGroupShape,
                    "apiSchema, functionSchema, actionGroupExecutor",
                )],
            ),
            (
                "unknown built-in",
                |p| {
                    group(p, "AskUser").parent_action_group_signature =
                        Some(Lenient::Unknown("AMAZON.Future".into()))
                },
                &[(UnknownEnumValue, "AMAZON.Future")],
            ),
            (
                "signature params without signature",
                |p| {
                    group(p, "Orders")
                        .parent_action_group_signature_params
                        .insert("type".into(), "computer_20241022".into());
                },
                &[(ActionGroupShape, "no parentActionGroupSignature")],
            ),
            (
                "long signature param",
                |p| {
                    group(p, "AskUser")
                        .parent_action_group_signature_params
                        .insert("k".into(), "v".repeat(101));
                },
                &[(AgentInvalidField, "longer than 100")],
            ),
            (
                "no schema",
                |p| group(p, "Orders").function_schema = None,
                &[(ActionGroupShape, "neither apiSchema nor functionSchema")],
            ),
            (
                "both schemas",
                |p| group(p, "Orders").api_schema = Some(ApiSchema::Payload(SHIPPING.into())),
                &[
                    (ActionGroupShape, "both apiSchema and functionSchema"),
                    // The OpenAPI operations now run by the Lambda: the POST is confirmed, the GET reads.
                ],
            ),
            (
                "no executor",
                |p| group(p, "Orders").action_group_executor = None,
                &[(ActionGroupShape, "has no executor")],
            ),
            (
                "bad custom control",
                |p| {
                    group(p, "Shipping").action_group_executor =
                        Some(ActionGroupExecutor::CustomControl("ASK".into()))
                },
                &[(ActionGroupShape, "customControl is \"ASK\"")],
            ),
            (
                "bad lambda",
                |p| {
                    group(p, "Orders").action_group_executor =
                        Some(ActionGroupExecutor::Lambda("orders".into()))
                },
                &[(AgentInvalidField, "actionGroupExecutor.lambda")],
            ),
            (
                "lambda without a local handler is fine",
                |p| group(p, "Orders").local_handler = None,
                &[],
            ),
            (
                "no functions",
                |p| group(p, "Orders").function_schema = Some(FunctionSchema::Functions(vec![])),
                &[(ActionGroupShape, "lists no functions")],
            ),
            (
                "thin group description",
                |p| group(p, "Orders").description = Some("Orders".into()),
                &[(
                    ThinDescription,
                    "action group \"Orders\" is described in one word",
                )],
            ),
            (
                "no group description",
                |p| group(p, "Orders").description = None,
                &[(ThinDescription, "has no description")],
            ),
            (
                "long group description",
                |p| group(p, "Orders").description = Some("word ".repeat(41)),
                &[(AgentInvalidField, "205 characters")],
            ),
            (
                "s3 schema",
                |p| {
                    let g = group(p, "Shipping");
                    g.api_schema = Some(ApiSchema::S3(S3Identifier {
                        s3_bucket_name: Some("schemas".into()),
                        s3_object_key: Some("shipping.yaml".into()),
                    }));
                },
                &[],
            ),
            (
                "bad s3 schema",
                |p| {
                    let g = group(p, "Shipping");
                    g.api_schema = Some(ApiSchema::S3(S3Identifier {
                        s3_bucket_name: Some("My_Bucket".into()),
                        s3_object_key: None,
                    }));
                },
                &[
                    (AgentInvalidField, "s3BucketName"),
                    (AgentInvalidField, "no s3ObjectKey"),
                ],
            ),
        ];
        for (name, mutate, expect) in cases {
            check(name, *mutate, expect);
        }
    }

    #[test]
    fn functions() {
        use Code::*;
        let cases: &[Case] = &[
            (
                "bad function name",
                |p| function(p, "lookupOrder").name = "lookup order".into(),
                &[(InvalidName, "function name \"lookup order\"")],
            ),
            (
                "duplicate function",
                |p| function(p, "refundOrder").name = "lookupOrder".into(),
                &[(DuplicateName, "two functions named \"lookupOrder\"")],
            ),
            (
                "long function description",
                |p| function(p, "lookupOrder").description = Some("ab ".repeat(401)),
                &[(AgentInvalidField, "1203 characters")],
            ),
            (
                "no function description",
                |p| function(p, "lookupOrder").description = None,
                &[(
                    ThinDescription,
                    "function \"lookupOrder\" has no description",
                )],
            ),
            (
                "one-word function description",
                |p| function(p, "lookupOrder").description = Some(" Lookup. ".into()),
                &[(ThinDescription, "in one word (\"Lookup.\")")],
            ),
            (
                "long parameter description",
                |p| {
                    function(p, "lookupOrder")
                        .parameters
                        .get_mut("orderId")
                        .expect("param")
                        .description = Some("ab ".repeat(167));
                },
                &[(AgentInvalidField, "parameter \"orderId\"")],
            ),
            (
                "no parameter description",
                |p| {
                    function(p, "lookupOrder")
                        .parameters
                        .get_mut("orderId")
                        .expect("param")
                        .description = None;
                },
                &[(ThinDescription, "parameter \"orderId\" has no description")],
            ),
            (
                "one-word parameter description",
                |p| {
                    function(p, "lookupOrder")
                        .parameters
                        .get_mut("orderId")
                        .expect("param")
                        .description = Some("Id".into());
                },
                &[(
                    ThinDescription,
                    "action \"lookupOrder\" › parameter \"orderId\"",
                )],
            ),
            (
                "bad parameter name",
                |p| {
                    function(p, "lookupOrder").parameters.insert(
                        "order id".into(),
                        ParameterDetail {
                            param_type: Lenient::Unknown("date".into()),
                            description: Some("When it was placed.".into()),
                            required: None,
                        },
                    );
                },
                &[
                    (InvalidName, "parameter name \"order id\""),
                    (UnknownEnumValue, "type is \"date\""),
                ],
            ),
            (
                "unknown confirmation value",
                |p| function(p, "refundOrder").require_confirmation = Some("YES".into()),
                // An error, and no warning about running unconfirmed: the runtime asks.
                &[(
                    AgentInvalidField,
                    "requireConfirmation is \"YES\", not ENABLED or DISABLED",
                )],
            ),
        ];
        for (name, mutate, expect) in cases {
            check(name, *mutate, expect);
        }
    }

    /// A state-changing function must not be callable on the model's word alone: a prompt
    /// injected through a document or a tool result could otherwise trigger it.
    #[test]
    fn state_changing_functions_need_confirmation_or_return_of_control() {
        let cases: &[Case] = &[
            (
                "refund without confirmation",
                |p| function(p, "refundOrder").require_confirmation = None,
                &[(
                    Code::UnconfirmedStateChange,
                    "function \"refundOrder\" looks state-changing (\"refund\")",
                )],
            ),
            (
                "refund with confirmation disabled",
                |p| function(p, "refundOrder").require_confirmation = Some("DISABLED".into()),
                &[(
                    Code::UnconfirmedStateChange,
                    "action \"refundOrder\" › field \"requireConfirmation\"",
                )],
            ),
            (
                "refund with confirmation",
                |p| function(p, "refundOrder").require_confirmation = Some("ENABLED".into()),
                &[],
            ),
            (
                "refund returned to the application",
                |p| {
                    function(p, "refundOrder").require_confirmation = None;
                    group(p, "Orders").action_group_executor =
                        Some(ActionGroupExecutor::CustomControl("RETURN_CONTROL".into()));
                },
                &[],
            ),
            (
                "a read named like a write",
                |p| function(p, "lookupOrder").name = "getRefundStatus".into(),
                &[],
            ),
            (
                "a leading noun-verb",
                |p| function(p, "lookupOrder").name = "order_pizza".into(),
                &[(Code::UnconfirmedStateChange, "(\"order\")")],
            ),
        ];
        for (name, mutate, expect) in cases {
            check(name, *mutate, expect);
        }
    }

    #[test]
    fn openapi_schemas() {
        use Code::*;
        let cases: &[Case] = &[
            ("lambda runs a confirmed POST", |p| shipping(p, SHIPPING.into()), &[]),
            ("unparsable", |p| shipping(p, "openapi: 3.0.0\npaths: {\n".into()),
                &[(OpenApiUnparsable, "cannot be read: not valid JSON or YAML")]),
            ("no paths", |p| shipping(p, r#"{"openapi": "3.0.0"}"#.into()), &[(OpenApiUnparsable, "`paths` is missing")]),
            ("version", |p| shipping(p, SHIPPING.replace("3.0.0", "3.1.0")), &[(OpenApiVersion, "says openapi \"3.1.0\"")]),
            ("numeric version", |p| shipping(p, SHIPPING.replace("3.0.0", "3.0")), &[(OpenApiVersion, "\"3.0\"")]),
            ("no version", |p| shipping(p, SHIPPING.replace("openapi: 3.0.0", "")), &[(OpenApiVersion, "no `openapi`")]),
            ("no operations", |p| shipping(p, "openapi: 3.0.0\npaths: {}".into()), &[(ActionGroupShape, "has no operations")]),
            ("relative path", |p| shipping(p, SHIPPING.replace("/parcels/{parcelId}", "parcels/{parcelId}")),
                &[(OpenApiPath, "path \"parcels/{parcelId}\" of operation trackParcel (GET parcels/{parcelId})"),
                  (OpenApiPath, "rerouteParcel")]),
            ("no operationId", |p| shipping(p, SHIPPING.replace("operationId: trackParcel", "summary: Track")),
                &[(OpenApiOperationId, "action \"GET /parcels/{parcelId}\"")]),
            ("no description", |p| shipping(p, SHIPPING.replace("description: Says where a parcel is and when it arrives.", "summary: Track.")),
                &[(OpenApiDescription, "operation trackParcel (GET /parcels/{parcelId}) has no description")]),
            ("one-word description", |p| shipping(p, SHIPPING.replace("Says where a parcel is and when it arrives.", "Tracks.")),
                &[(ThinDescription, "operation \"trackParcel\" is described in one word")]),
            ("thin parameter", |p| shipping(p, SHIPPING.replace("The parcel's tracking number.", "Number")),
                &[(ThinDescription, "action \"trackParcel\" › parameter \"parcelId\"")]),
            ("thin body property", |p| shipping(p, SHIPPING.replace(", description: The street and house number.", "")),
                &[(ThinDescription, "action \"rerouteParcel\" › parameter \"street\"")]),
            ("unconfirmed POST", |p| shipping(p, SHIPPING.replace("x-requireConfirmation: ENABLED", "x-requireConfirmation: DISABLED")),
                &[(UnconfirmedStateChange, "it is a POST operation")]),
            // An error, and no warning about running unconfirmed: the runtime asks.
            ("misspelt confirmation", |p| shipping(p, SHIPPING.replace("x-requireConfirmation: ENABLED", "x-requireConfirmation: enabled")),
                &[(AgentInvalidField, "x-requireConfirmation is \"enabled\", not ENABLED or DISABLED\n  at agent \"Support\" › action group \"Shipping\" › action \"rerouteParcel\" › field \"x-requireConfirmation\"")]),
            ("confirmation as a boolean", |p| shipping(p, SHIPPING.replace("x-requireConfirmation: ENABLED", "x-requireConfirmation: true")),
                &[(AgentInvalidField, "x-requireConfirmation is \"true\", not ENABLED or DISABLED")]),
            ("unconfirmed POST returned to the application", |p| {
                let payload = SHIPPING.replace("x-requireConfirmation: ENABLED", "");
                group(p, "Shipping").api_schema = Some(ApiSchema::Payload(payload));
            }, &[]),
            ("a GET named like a write", |p| shipping(p, SHIPPING.replace("trackParcel", "cancelParcel")),
                &[(UnconfirmedStateChange, "its operationId says \"cancel\"")]),
            ("enum in a parameter", |p| shipping(p, SHIPPING.replace("schema: {type: string}", "schema: {type: string, enum: [a, b]}")),
                &[(OpenApiEnum, "#/paths/~1parcels~1{parcelId}/get/parameters/0/schema/enum")]),
            ("enum in a component", |p| shipping(p, SHIPPING.replace("street: {type: string,", "street: {type: string, enum: [x],")),
                &[(OpenApiEnum, "#/components/schemas/Address/properties/street/enum")]),
            ("duplicate operationId", |p| shipping(p, SHIPPING.replace("rerouteParcel", "trackParcel")),
                &[(DuplicateName, "both called \"trackParcel\"")]),
            ("twelve operations", |p| {
                let mut payload = String::from("openapi: 3.0.0\npaths:\n");
                for i in 0..12 {
                    payload.push_str(&format!("  /p{i}:\n    get:\n      operationId: read{i}\n      description: Reads thing {i}.\n"));
                }
                shipping(p, payload);
            }, &[(OpenApiTooManyOperations, "12 operations")]),
        ];
        for (name, mutate, expect) in cases {
            check(name, *mutate, expect);
        }
    }

    #[test]
    fn enums_point_at_their_operation_and_parameter() {
        let mut p = project();
        shipping(
            &mut p,
            SHIPPING.replace(
                "schema: {type: string}",
                "schema: {type: string, enum: [a, b]}",
            ),
        );
        let mut out = Diagnostics::default();
        check_agent(&p, &p.agents[0], &mut out);
        let d = &out.as_slice()[0];
        assert_eq!(d.location.action.as_deref(), Some("trackParcel"));
        assert_eq!(d.location.parameter.as_deref(), Some("parcelId"));
        assert_eq!(d.location.action_group.as_deref(), Some("Shipping"));
    }

    #[test]
    fn state_changing_verbs_in_names() {
        let cases: &[(&str, Option<&str>)] = &[
            ("refundOrder", Some("refund")),
            ("RefundOrder", Some("refund")),
            ("processRefund", Some("refund")),
            ("send-email", Some("send")),
            ("cancel_booking", Some("cancel")),
            ("HTTPDeleteUser", Some("delete")),
            ("orderPizza", Some("order")),
            ("bookFlight", Some("book")),
            ("resetPassword", Some("reset")),
            ("getOrder", None),
            ("lookupOrderStatus", None),
            ("getRefundStatus", None),
            ("listCancelledOrders", None),
            ("orderStatusGet", Some("order")),
            ("trackParcel", None),
            ("setup", None),
            ("", None),
            ("__", None),
            ("ÜberDelete", Some("delete")),
        ];
        for (name, expect) in cases {
            assert_eq!(state_changing_verb(name), *expect, "{name}");
        }
    }

    /// Whatever half-typed schema the editor holds, checking it ends in diagnostics with hints.
    #[test]
    fn every_prefix_of_a_schema_checks_cleanly() {
        for (i, _) in SHIPPING.char_indices() {
            let mut p = project();
            shipping(&mut p, SHIPPING[..i].to_owned());
            let mut out = Diagnostics::default();
            check_agent(&p, &p.agents[0], &mut out);
            for d in out.as_slice() {
                assert!(!d.hint.is_empty(), "prefix {i}: no hint on {d}");
            }
        }
    }
}
