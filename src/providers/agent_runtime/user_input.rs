//! Asking the user through a deployed agent: the question of an `ASK_USER` observation or of a
//! returned `AMAZON.UserInput` action, and the answer sent back as that action's result.

use super::{ReturnControlResult, USER_INPUT_ACTION_GROUP};
use aws_sdk_bedrockagentruntime::types as at;
use serde_json::Value;

/// The question of an `ASK_USER` observation ("" when it carries no text).
pub(super) fn ask_user_question(part: &at::TracePart) -> Option<String> {
    let observation = match part.trace()? {
        at::Trace::OrchestrationTrace(at::OrchestrationTrace::Observation(o)) => o,
        at::Trace::RoutingClassifierTrace(at::RoutingClassifierTrace::Observation(o)) => o,
        _ => return None,
    };
    if observation.r#type() != Some(&at::Type::AskUser) {
        return None;
    }
    Some(
        observation
            .final_response()
            .and_then(|f| f.text())
            .unwrap_or_default()
            .to_owned(),
    )
}

/// The returned `AMAZON.UserInput` action in a return-of-control payload (API JSON), if any.
pub fn user_input_member(rc: &Value) -> Option<&Value> {
    rc.get("invocationInputs")?
        .as_array()?
        .iter()
        .filter_map(|m| m.get("functionInvocationInput"))
        .find(|f| {
            f.get("actionGroup").and_then(Value::as_str) == Some(USER_INPUT_ACTION_GROUP)
                || f.get("function")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.contains("UserInput"))
        })
}

impl ReturnControlResult {
    /// The user's answer to a returned `AMAZON.UserInput` action in `rc`.
    pub fn user_input(rc: &Value, answer: String) -> ReturnControlResult {
        let member = user_input_member(rc);
        let field = |name: &str, default: &str| {
            member
                .and_then(|f| f.get(name))
                .and_then(Value::as_str)
                .unwrap_or(default)
                .to_owned()
        };
        ReturnControlResult {
            action_group: field("actionGroup", USER_INPUT_ACTION_GROUP),
            function: Some(field("function", "AMAZON.UserInput")),
            api_path: None,
            http_method: None,
            body: answer,
            confirmation_state: None,
            http_status_code: None,
        }
    }
}

/// The question of a returned `AMAZON.UserInput` action, if that is what was returned.
pub(super) fn user_input_question(payload: &at::ReturnControlPayload) -> Option<String> {
    payload.invocation_inputs().iter().find_map(|member| {
        let at::InvocationInputMember::FunctionInvocationInput(f) = member else {
            return None;
        };
        let is_user_input = f.action_group() == USER_INPUT_ACTION_GROUP
            || f.function().is_some_and(|n| n.contains("UserInput"));
        if !is_user_input {
            return None;
        }
        let params = f.parameters();
        let question = params
            .iter()
            .find(|p| p.name() == Some("question"))
            .or_else(|| params.first())
            .and_then(|p| p.value())
            .unwrap_or_default();
        Some(question.to_owned())
    })
}
