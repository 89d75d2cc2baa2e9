//! The form of a project agent's plain fields (name, model, instruction, description, session
//! TTL, guardrail, memory retention): the same [`FormField`] machinery as node forms, with the
//! limits the compiler checks, so the agent editor and `strata validate` agree.

use super::{FormField, Widget, GUARDRAIL_ID, GUARDRAIL_VERSION};
use crate::compile::agents::INSTRUCTION_CHARS;
use crate::model::names::Pattern;

pub const NAME: FormField =
    FormField::text(&["agentName"], "Name", 1, 100, Some(Pattern::ResourceName));

pub const FOUNDATION_MODEL: FormField = FormField::text(
    &["foundationModel"],
    "Foundation model",
    1,
    2048,
    Some(Pattern::ModelId),
)
.optional()
.help("The model that orchestrates the agent: a model id, inference profile id or ARN.");

/// The instruction, 40 to 4000 characters: [`INSTRUCTION_CHARS`], the compiler's limit.
pub const INSTRUCTION: FormField = FormField::new(
    &["instruction"],
    "Instruction",
    Widget::LongText {
        min: INSTRUCTION_CHARS.0,
        max: INSTRUCTION_CHARS.1,
        code: false,
    },
)
.optional()
.help("What the agent does and how it should behave.");

pub const DESCRIPTION: FormField = FormField::text(&["description"], "Description", 1, 200, None)
    .optional()
    .help("What the agent is for, for people and for a supervisor choosing it.");

pub const IDLE_SESSION_TTL: FormField = FormField::new(
    &["idleSessionTTLInSeconds"],
    "Idle session TTL (seconds)",
    Widget::Integer { min: 60, max: 5400 },
)
.optional()
.help("How long Bedrock keeps a quiet conversation's session.");

/// The guardrail fields, as nodes have them; an agent drops the configuration once both clear.
pub const GUARDRAIL: [FormField; 2] = [GUARDRAIL_ID, GUARDRAIL_VERSION];

/// Days session summaries are kept; shown while memory is on.
pub const STORAGE_DAYS: FormField = FormField::new(
    &["memoryConfiguration", "storageDays"],
    "Storage days",
    Widget::Integer { min: 0, max: 365 },
)
.optional()
.when(&["memoryConfiguration"]);

/// The Lambda function an action group calls, in the action group's row.
pub const ACTION_GROUP_LAMBDA: FormField = FormField::text(
    &["actionGroupExecutor", "lambda"],
    "Lambda ARN",
    0,
    2048,
    Some(Pattern::LambdaArn),
)
.optional();

/// Strata only: the handler local runs call instead of the action group's Lambda.
pub const ACTION_GROUP_LOCAL_HANDLER: FormField =
    FormField::text(&["localHandler"], "Local handler", 1, 1024, None).optional();

/// A collaborator's deployed alias, in the collaborator's row.
pub const COLLABORATOR_ALIAS_ARN: FormField = FormField::text(
    &["agentDescriptor", "aliasArn"],
    "Agent alias ARN",
    0,
    2048,
    Some(Pattern::AgentAliasArn),
)
.optional();

/// The temperature of an overridden prompt.
pub const PROMPT_TEMPERATURE: FormField =
    FormField::temperature(&["inferenceConfiguration", "temperature"]);

/// Where this agent ships, overriding the project's `agentTarget` (Strata only).
pub const AGENT_TARGET: FormField = FormField::new(
    &["agentTarget"],
    "Ships to",
    Widget::Choice(&["agentcore", "classic"]),
)
.optional()
.help("Amazon Bedrock AgentCore (a harness, its tools behind a gateway) or Agents Classic (CreateAgent), which accounts that joined AWS after 2026-07-30 cannot use. Unset: the project's choice.");

/// Every field of the agent form, in the editor's order.
pub const FORM: [FormField; 8] = [
    NAME,
    FOUNDATION_MODEL,
    INSTRUCTION,
    DESCRIPTION,
    IDLE_SESSION_TTL,
    GUARDRAIL[0],
    GUARDRAIL[1],
    STORAGE_DAYS,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::agent::Agent;
    use crate::nodes::form::{check, count, display, set_in, visible, FormError};

    fn json(agent: &Agent) -> serde_json::Value {
        serde_json::to_value(agent).unwrap()
    }

    #[test]
    fn every_field_reads_and_writes_its_own_value_back() {
        let mut agent = Agent::new("Billing");
        agent.instruction = Some("x".repeat(50));
        agent.idle_session_ttl_in_seconds = Some(600);
        for f in FORM.iter().filter(|f| visible(f, &json(&agent))) {
            let shown = display(f, &json(&agent));
            let again = set_in(&agent, f, &shown).unwrap_or_else(|e| panic!("{}: {e}", f.id()));
            assert_eq!(again, agent, "{} round trip", f.id());
        }
    }

    #[test]
    fn the_instruction_counts_against_the_compilers_limit() {
        assert_eq!(
            count(&INSTRUCTION, "short"),
            Some(("5 / 4000 — at least 40".to_owned(), true))
        );
        assert_eq!(
            count(&INSTRUCTION, &"x".repeat(40)),
            Some(("40 / 4000".to_owned(), false))
        );
        assert_eq!(
            count(&INSTRUCTION, &"é".repeat(4001)),
            Some(("4001 / 4000 — 1 too many".to_owned(), true))
        );
        assert!(check(&INSTRUCTION, "short").is_some());
        assert_eq!(check(&INSTRUCTION, ""), None, "cleared means unset");
    }

    #[test]
    fn clearing_removes_and_bad_values_are_refused() {
        let agent = Agent::new("Billing");
        let with = set_in(&agent, &GUARDRAIL[0], "abc123").unwrap();
        assert!(with.guardrail_configuration.is_some());
        let without = set_in(&with, &GUARDRAIL[0], "").unwrap();
        assert_eq!(without, agent, "the emptied guardrail configuration goes");
        assert!(matches!(
            set_in(&agent, &IDLE_SESSION_TTL, "-5"),
            Err(FormError::Shape { .. })
        ));
        assert!(!visible(&STORAGE_DAYS, &json(&agent)));
    }
}
