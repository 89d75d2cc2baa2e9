//! AgentCore's limits and patterns, from the service model `bedrock-agentcore-control`, checked
//! on a project agent as it would ship: the names the export derives (harness, gateway,
//! targets, tools), the system prompt, tool descriptions, the iteration cap and tags. The
//! compiler runs these for agents that target AgentCore; the AgentCore export runs them for
//! every agent it ships, and refuses on an error.
//!
//! Also here: the migration report as diagnostics ([`report_diagnostics`]), so the editor's
//! Problems panel shows what an agent that targets AgentCore loses on the way.

use super::{gateway_name, harness_name, inline_tool_name, target_name, Outcome};
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::agent::ActionGroupExecutor;
use crate::model::{Agent, Project};
use regex::Regex;
use std::sync::OnceLock;

/// `HarnessName`.
pub const HARNESS_NAME: &str = "[a-zA-Z][a-zA-Z0-9_]{0,39}";
/// `GatewayName`.
pub const GATEWAY_NAME: &str = "([0-9a-zA-Z][-]?){1,48}";
/// `TargetName`.
pub const TARGET_NAME: &str = "([0-9a-zA-Z][-]?){1,100}";
/// `HarnessToolName` (1..64).
pub const TOOL_NAME: &str = "[a-zA-Z0-9_-]{1,64}";
/// `HarnessInlineFunctionDescription`: 1..4096 characters.
pub const INLINE_DESCRIPTION_CHARS: usize = 4096;
/// `TagsMap`: at most 50 tags; `TagKey` 1..128, `TagValue` 0..256, both of this alphabet.
pub const MAX_TAGS: usize = 50;
pub const TAG_TEXT: &str = r"[a-zA-Z0-9\s._:/=+@-]*";

fn matches(pattern: &'static str, text: &str) -> bool {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(&'static str, Regex)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, re)) = cache.iter().find(|(p, _)| *p == pattern) {
        return re.is_match(text);
    }
    match Regex::new(&format!("^(?:{pattern})$")) {
        Ok(re) => {
            let found = re.is_match(text);
            cache.push((pattern, re));
            found
        }
        Err(_) => true,
    }
}

/// Checks `agent` against AgentCore's limits, as [`super::migrate`] would ship it.
pub fn check_agent(_project: &Project, agent: &Agent, out: &mut Diagnostics) {
    let at = Location::agent(&agent.agent_name);
    let name = &agent.agent_name;
    let harness = harness_name(name);
    if !matches(HARNESS_NAME, &harness) {
        out.report(
            Code::AgentCoreName,
            at.field("agentName"),
            format!("agent {name:?} would be harness {harness:?}, which AgentCore refuses: a harness name is a letter, then up to 39 letters, digits or _"),
        )
        .set_hint("Rename the agent: start with a letter, use letters, digits, _ or -, 40 characters at most.");
    }
    let lambda_groups: Vec<_> = agent
        .action_groups
        .iter()
        .filter(|g| {
            matches!(
                g.action_group_executor,
                Some(ActionGroupExecutor::Lambda(_))
            )
        })
        .collect();
    if !lambda_groups.is_empty() && !matches(GATEWAY_NAME, &gateway_name(name)) {
        out.report(
            Code::AgentCoreName,
            at.field("agentName"),
            format!("agent {name:?} would name its gateway {:?}, which AgentCore refuses: at most 48 letters or digits, each optionally followed by one -", gateway_name(name)),
        )
        .set_hint("Shorten the agent's name to 48 letters or digits.");
    }
    for g in &lambda_groups {
        let target = target_name(&g.action_group_name);
        if !matches(TARGET_NAME, &target) {
            out.report(
                Code::AgentCoreName,
                at.action_group(&g.action_group_name),
                format!("action group {:?} would be gateway target {target:?}, which AgentCore refuses: letters or digits, each optionally followed by one - or _", g.action_group_name),
            )
            .set_hint("Rename the action group with letters, digits and single _ or - between them.");
        }
    }
    for g in agent.action_groups.iter().filter(|g| g.returns_control()) {
        let ag = at.action_group(&g.action_group_name);
        for f in g.function_schema.iter().flat_map(|s| s.functions()) {
            let tool = inline_tool_name(&g.action_group_name, &f.name);
            if !matches(TOOL_NAME, &tool) {
                out.report(
                    Code::AgentCoreName,
                    ag.action(&f.name),
                    format!("function {:?} would be the inline_function tool {tool:?}, which AgentCore refuses: 1 to 64 letters, digits, _ or -", f.name),
                )
                .set_hint("Shorten the action group's or the function's name (the tool is <group>__<function>).");
            }
            if f.description
                .as_ref()
                .is_some_and(|d| d.chars().count() > INLINE_DESCRIPTION_CHARS)
            {
                out.report(
                    Code::AgentCoreLimit,
                    ag.action(&f.name).field("description"),
                    format!("the description of function {:?} is longer than the {INLINE_DESCRIPTION_CHARS} characters an inline_function tool takes", f.name),
                );
            }
        }
    }
    if agent
        .instruction
        .as_ref()
        .is_none_or(|i| i.trim().is_empty())
    {
        out.report(
            Code::AgentCoreLimit,
            at.field("instruction"),
            format!("agent {name:?} has no instruction, and a harness's system prompt text takes at least 1 character"),
        )
        .set_hint("Write the instruction: it becomes the harness's system prompt.");
    }
    if agent.local.max_iterations == Some(0) {
        out.report(
            Code::AgentCoreLimit,
            at.field("local.maxIterations"),
            format!("agent {name:?} caps a turn at 0 iterations; its harness's maxIterations would end every turn before the model answers"),
        )
        .set_hint("Set the iteration cap to 1 or more (Bedrock's default is 10).");
    }
    if agent.tags.len() > MAX_TAGS {
        out.report(
            Code::AgentCoreLimit,
            at.field("tags"),
            format!(
                "agent {name:?} has {} tags; a harness takes at most {MAX_TAGS}",
                agent.tags.len()
            ),
        );
    }
    for (k, v) in &agent.tags {
        let key_ok = (1..=128).contains(&k.chars().count()) && matches(TAG_TEXT, k);
        let value_ok = v.chars().count() <= 256 && matches(TAG_TEXT, v);
        if !key_ok || !value_ok {
            out.report(
                Code::AgentCoreLimit,
                at.field(&format!("tags.{k}")),
                format!("tag {k:?}: AgentCore takes keys of 1..128 and values of up to 256 letters, digits, spaces and . _ : / = + @ -"),
            );
        }
    }
}

/// The migration report of an agent that targets AgentCore, as diagnostics: a warning for
/// each Classic feature with no AgentCore equivalent, or an error when the agent cannot be
/// shipped at all.
pub fn report_diagnostics(project: &Project, agent: &Agent, out: &mut Diagnostics) {
    let at = Location::agent(&agent.agent_name);
    match super::migrate(project, agent) {
        // The compiler reports a missing model itself.
        Err(refusal) if refusal.field == "foundationModel" => {}
        Err(refusal) => {
            out.report(
                Code::AgentCoreNotExportable,
                at.field(&refusal.field),
                format!(
                    "agent {:?} targets AgentCore but cannot be exported to it: {}",
                    agent.agent_name, refusal.reason
                ),
            )
            .set_hint("Change the agent, or set its agentTarget to classic.");
        }
        Ok(m) => {
            for item in m.report {
                let Outcome::NoEquivalent(why) = &item.outcome else {
                    continue;
                };
                let location = match &item.action_group {
                    Some(g) => at.action_group(g),
                    None => at.clone(),
                };
                out.report(
                    Code::AgentCoreNoEquivalent,
                    location,
                    format!("{}: no AgentCore equivalent: {why}", item.feature),
                )
                .set_hint("The AgentCore export leaves it out and says so in its migration report; set the agent's agentTarget to classic to keep it.");
            }
        }
    }
}
