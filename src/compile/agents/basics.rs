//! An agent's own fields: name, instruction, model, orchestration, role, key, tags, guardrail,
//! memory and local-run settings.

use super::report::{as_agent_field, choice, field, range};
use super::{INSTRUCTION_CHARS, MAX_SENSIBLE_ITERATIONS};
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::agent::{MemoryConfiguration, OrchestrationType};
use crate::model::lenient::Lenient;
use crate::model::names::{check_name, Field, Pattern};
use crate::model::{Agent, Project};
use regex::Regex;
use std::sync::OnceLock;

/// Name, instruction, model, role, key, orchestration, tags and local settings.
pub(super) fn check_basics(project: &Project, agent: &Agent, at: &Location, out: &mut Diagnostics) {
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
        choice(out, at, "orchestrationType", t);
    }
    let custom =
        agent.orchestration_type == Some(Lenient::Known(OrchestrationType::CustomOrchestration));
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

pub(super) fn check_guardrail(
    project: &Project,
    agent: &Agent,
    at: &Location,
    out: &mut Diagnostics,
) {
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

pub(super) fn check_memory(memory: &MemoryConfiguration, at: &Location, out: &mut Diagnostics) {
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
    use crate::compile::agents::fixtures::*;
    use crate::diagnostic::Code;
    use crate::model::{Guardrail, ModelProfile};
    use serde_json::json;

    #[test]
    fn agent_fields() {
        use Code::*;
        check_cases(&[
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
                    a.orchestration_type = Some(Lenient::from_str_lenient("CUSTOM_ORCHESTRATION"));
                    a.custom_orchestration = Some(
                        json!({"executor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:orch"}}),
                    );
                },
                &[],
            ),
            (
                "custom orchestration without its lambda",
                |p| {
                    agent(p).orchestration_type =
                        Some(Lenient::from_str_lenient("CUSTOM_ORCHESTRATION"))
                },
                &[(AgentInvalidField, "customOrchestration.executor.lambda")],
            ),
            (
                "bad orchestration lambda",
                |p| agent(p).custom_orchestration = Some(json!({"executor": {"lambda": "orch"}})),
                &[(AgentInvalidField, "Lambda function ARN")],
            ),
            (
                "unknown orchestration",
                |p| agent(p).orchestration_type = Some(Lenient::from_str_lenient("SMART")),
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
        ]);
    }

    #[test]
    fn instructions() {
        check_cases(&[
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
        ]);
    }

    #[test]
    fn guardrails_memory_and_iterations() {
        use Code::*;
        check_cases(&[
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
        ]);
    }
}
