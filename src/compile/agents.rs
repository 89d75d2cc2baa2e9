//! Agent checks: everything about an agent, its action groups, knowledge bases and
//! collaborators that can be known without asking AWS.
//!
//! Two kinds of finding live here. Bedrock's own limits (lengths, patterns, the shape of an
//! action group, the OpenAPI rules agents enforce) are errors, because CreateAgent,
//! CreateAgentActionGroup or PrepareAgent would reject them. Production lints (thin tool
//! descriptions, state-changing actions without confirmation, no guardrail, an unbounded
//! iteration cap) are warnings: the agent deploys, but behaves worse or less safely.

mod action_groups;
mod api_schema;
mod associations;
mod basics;
#[cfg(test)]
mod fixtures;
mod lints;
mod prompts;
mod report;

pub use lints::state_changing_verb;

use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::agent::AgentTarget;
use crate::model::{Agent, Project};
use std::collections::HashSet;

/// `Instruction`: 40..4000 characters.
pub const INSTRUCTION_CHARS: (usize, usize) = (40, 4000);

/// Operations Bedrock allows in one OpenAPI action group.
pub const MAX_OPERATIONS: usize = 11;

/// `PromptConfigurations`: at most 10.
pub const MAX_PROMPT_CONFIGURATIONS: usize = 10;

/// Above this many orchestration steps a turn is almost certainly looping.
pub const MAX_SENSIBLE_ITERATIONS: u32 = 100;

/// Checks one agent of the project. Duplicate agent names are the project's business and
/// are checked by the caller.
pub fn check_agent(project: &Project, agent: &Agent, out: &mut Diagnostics) {
    let at = Location::agent(&agent.agent_name);
    basics::check_basics(project, agent, &at, out);
    basics::check_guardrail(project, agent, &at, out);
    if let Some(memory) = &agent.memory_configuration {
        basics::check_memory(memory, &at, out);
    }
    if let Some(overrides) = &agent.prompt_override_configuration {
        prompts::check_prompt_overrides(overrides, &at, out);
    }
    associations::check_collaborators(project, agent, &at, out);
    associations::check_knowledge_bases(project, agent, &at, out);
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
        action_groups::check_action_group(group, &ag, out);
    }
    check_target(project, agent, &at, out);
}

/// The agent's target: a value Strata does not know is reported; an agent that ships to
/// AgentCore is checked against AgentCore's limits, and what it loses on the way is shown.
fn check_target(project: &Project, agent: &Agent, at: &Location, out: &mut Diagnostics) {
    for (field, stated) in [
        ("agentTarget", agent.agent_target.as_ref()),
        ("project agentTarget", project.agent_target.as_ref()),
    ] {
        if let Some(t) = stated.filter(|t| t.get().is_none()) {
            out.report(
                Code::UnknownEnumValue,
                at.field(field),
                format!(
                    "agentTarget {:?} is not one Strata knows (agentcore, classic)",
                    t.as_str()
                ),
            );
        }
    }
    if project.agent_target(agent) == Some(AgentTarget::Agentcore) {
        crate::agentcore::limits::check_agent(project, agent, out);
        crate::agentcore::limits::report_diagnostics(project, agent, out);
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::check;

    #[test]
    fn the_good_agent_is_clean() {
        check("good", |_| {}, &[]);
    }
}
