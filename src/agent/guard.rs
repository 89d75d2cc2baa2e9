//! The agent's guardrail on each side of a turn: one of the project's, run by the local
//! engine, or one in the AWS account, applied with Bedrock's ApplyGuardrail.

use super::trace::{AgentTraceEvent, FailureTrace, GuardrailTrace};
use super::{AgentError, AgentRuntime};
use crate::guardrail::{GuardrailEngine, GuardrailOutcome, Source};
use crate::model::{Agent, Project};

/// The agent's guardrail: one of the project's, run by the local engine, or one in the AWS
/// account, applied by Bedrock.
#[derive(Debug)]
pub(super) enum Guard {
    Local(GuardrailEngine),
    Account {
        identifier: String,
        version: Option<String>,
    },
}

impl Guard {
    /// The guardrail `agent` names, if any: the project's guardrail of that name or id, else
    /// one in the account.
    pub(super) fn for_agent(project: &Project, agent: &Agent) -> Result<Option<Guard>, AgentError> {
        let named = agent.guardrail_configuration.as_ref().and_then(|g| {
            g.guardrail_identifier
                .as_deref()
                .map(|id| (id, g.guardrail_version.clone()))
        });
        let Some((id, version)) = named else {
            return Ok(None);
        };
        let found = project
            .guardrails
            .iter()
            .find(|g| g.name == id || g.guardrail_identifier.as_deref() == Some(id));
        Ok(Some(match found {
            Some(g) => Guard::Local(GuardrailEngine::new(g)?),
            None => Guard::Account {
                identifier: id.to_owned(),
                version,
            },
        }))
    }
}

impl AgentRuntime {
    /// Applies the agent's guardrail to one side, with its trace: the project's guardrail with
    /// the local engine, an account guardrail with Bedrock's ApplyGuardrail.
    pub(super) async fn guard(
        &self,
        source: Source,
        text: &str,
    ) -> Result<Option<GuardrailOutcome>, AgentError> {
        let outcome = match &self.guardrail {
            None => return Ok(None),
            Some(Guard::Local(engine)) => engine.apply(source, text),
            Some(Guard::Account {
                identifier,
                version,
            }) => {
                let Some(bedrock) = &self.bedrock_guardrails else {
                    return Err(AgentError::Unsupported {
                        agent: self.agent.agent_name.clone(),
                        message: format!(
                            "guardrail {identifier:?} is not one of the project's guardrails, and without the bedrock provider it cannot be applied with ApplyGuardrail; add it to the project's guardrails or run with --provider bedrock"
                        ),
                    });
                };
                match bedrock
                    .apply(identifier, version.as_deref(), source, text)
                    .await
                {
                    Ok(outcome) => outcome,
                    Err(e) => {
                        self.emit(AgentTraceEvent::FailureTrace(FailureTrace {
                            trace_id: self.next_id("guardrail"),
                            failure_code: 424,
                            failure_reason: e.to_string(),
                        }))
                        .await;
                        return Err(AgentError::Unsupported {
                            agent: self.agent.agent_name.clone(),
                            message: e.to_string(),
                        });
                    }
                }
            }
        };
        let intervened = outcome.action == crate::guardrail::GuardrailAction::GuardrailIntervened;
        let (input_assessments, output_assessments) = match source {
            Source::Input => (vec![outcome.assessment.clone()], vec![]),
            Source::Output => (vec![], vec![outcome.assessment.clone()]),
        };
        self.emit(AgentTraceEvent::GuardrailTrace(GuardrailTrace {
            trace_id: self.next_id("guardrail"),
            action: if intervened { "INTERVENED" } else { "NONE" }.to_owned(),
            input_assessments,
            output_assessments,
        }))
        .await;
        Ok(Some(outcome))
    }
}
