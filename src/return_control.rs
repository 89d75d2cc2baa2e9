//! Bedrock's `ReturnControlPayload` as a person reads and answers it: the actions an agent
//! handed back (a confirmation, a result to type, or both), every parameter as the payload
//! gives it, and the `returnControlInvocationResults` member built from the answer. Pure and
//! wasm-safe: the CLI's prompts and the editor's pause form read a payload with this one code.
//!
//! The texts here are raw: a front end makes them safe for where it shows them (the CLI
//! escapes control characters, the page shows them as text nodes).

use serde_json::{json, Value};

/// What the agent asks of the person for one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// Run the action yourself and type its result (`RESULT`).
    Result,
    /// Approve or deny; the agent runs the action on approval (`USER_CONFIRMATION`).
    Confirmation,
    /// Approve or deny, then type the result (`USER_CONFIRMATION_AND_RESULT`).
    ConfirmationAndResult,
}

impl ActionKind {
    fn read(text: Option<&str>) -> ActionKind {
        match text {
            Some("USER_CONFIRMATION") => ActionKind::Confirmation,
            Some("USER_CONFIRMATION_AND_RESULT") => ActionKind::ConfirmationAndResult,
            // Bedrock's default, and what an unknown value is safest read as: nothing runs
            // without the person.
            _ => ActionKind::Result,
        }
    }

    /// Whether the person approves or denies.
    pub fn asks_confirmation(self) -> bool {
        match self {
            ActionKind::Confirmation | ActionKind::ConfirmationAndResult => true,
            ActionKind::Result => false,
        }
    }

    /// Whether the person types the action's result (after approving, when asked to).
    pub fn asks_result(self) -> bool {
        match self {
            ActionKind::Result | ActionKind::ConfirmationAndResult => true,
            ActionKind::Confirmation => false,
        }
    }
}

/// Which operation of the action group: a function (function schema) or an API operation
/// (OpenAPI schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionTarget {
    Function {
        function: String,
    },
    Api {
        http_method: String,
        api_path: String,
    },
}

/// One `{name, type, value}` of the payload. `value` is a string in Bedrock's model; any
/// other JSON value is kept as its JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    pub kind: String,
    pub value: String,
}

/// One `invocationInputs` member: an action the agent handed back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedAction {
    pub action_group: String,
    pub target: ActionTarget,
    pub kind: ActionKind,
    /// `parameters`, in the payload's order.
    pub parameters: Vec<Parameter>,
    /// An API operation's `requestBody` properties, with their media type.
    pub body: Option<(String, Vec<Parameter>)>,
}

/// The person's answer to one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionAnswer {
    /// Approved (only read when the action asks for a confirmation).
    pub confirmed: bool,
    /// The result's body (only read when the action asks for a result and is not denied).
    pub result: String,
}

/// The actions of a `ReturnControlPayload` (`{invocationId, invocationInputs}`), in order.
/// Members that are neither a function nor an API invocation are left out.
pub fn actions(payload: &Value) -> Vec<RequestedAction> {
    payload["invocationInputs"]
        .as_array()
        .map(|inputs| inputs.iter().filter_map(RequestedAction::read).collect())
        .unwrap_or_default()
}

/// Whether a typed reply approves a confirmation: `y`, `yes` or `confirm`, in any case.
pub fn confirms(reply: &str) -> bool {
    matches!(
        reply.trim().to_ascii_lowercase().as_str(),
        "y" | "yes" | "confirm"
    )
}

/// The `returnControlInvocationResults` for `payload` from replies given in advance (an
/// answers file, an evaluation case): for each action, a confirmation reply when it asks
/// one, then its result when it asks one and was not denied. `None` when the replies run out.
pub fn results_from_replies(
    payload: &Value,
    replies: &mut std::collections::VecDeque<String>,
) -> Option<Vec<Value>> {
    let mut results = Vec::new();
    for action in actions(payload) {
        let mut answer = ActionAnswer {
            confirmed: true,
            result: String::new(),
        };
        if action.kind.asks_confirmation() {
            answer.confirmed = confirms(&replies.pop_front()?);
        }
        if action.kind.asks_result() && answer.confirmed {
            answer.result = replies.pop_front()?;
        }
        results.push(action.result(&answer));
    }
    Some(results)
}

/// The line before a paused agent's actions: whether it wants confirmations, results it
/// returned control for, or both.
pub fn heading(node: &str, actions: &[RequestedAction]) -> String {
    let confirms = actions.iter().any(|a| a.kind.asks_confirmation());
    let results = actions.iter().any(|a| a.kind == ActionKind::Result);
    let what = match (confirms, results) {
        (true, false) => "wants a confirmation",
        (true, true) => "wants a confirmation and returned control",
        (false, _) => "returned control",
    };
    format!("{node} {what}:")
}

/// A `[{name, type, value}]` list as `name=value, ...` (a trace's or a payload's parameters).
pub fn parameters_line(list: &Value) -> String {
    parameters_joined(list, "=")
}

/// A `[{name, type, value}]` list as `name{between}value` pairs joined by `, `.
pub fn parameters_joined(list: &Value, between: &str) -> String {
    join(&read_parameters(list), between)
}

fn join(parameters: &[Parameter], between: &str) -> String {
    parameters
        .iter()
        .map(|p| format!("{}{between}{}", p.name, p.value))
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_parameters(list: &Value) -> Vec<Parameter> {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    list.as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| Parameter {
                    name: p["name"].as_str().unwrap_or("?").to_owned(),
                    kind: p["type"].as_str().unwrap_or("").to_owned(),
                    value: match &p["value"] {
                        Value::Null => String::new(),
                        v => text(v),
                    },
                })
                .collect()
        })
        .unwrap_or_default()
}

impl RequestedAction {
    fn read(input: &Value) -> Option<RequestedAction> {
        let (member, target) = match (
            input.get("functionInvocationInput"),
            input.get("apiInvocationInput"),
        ) {
            (Some(m), _) => (
                m,
                ActionTarget::Function {
                    function: m["function"].as_str().unwrap_or("?").to_owned(),
                },
            ),
            (None, Some(m)) => (
                m,
                ActionTarget::Api {
                    http_method: m["httpMethod"].as_str().unwrap_or("").to_owned(),
                    api_path: m["apiPath"].as_str().unwrap_or("").to_owned(),
                },
            ),
            (None, None) => return None,
        };
        let body = member["requestBody"]["content"]
            .as_object()
            .and_then(|content| content.iter().next())
            .map(|(media, c)| (media.clone(), read_parameters(&c["properties"])));
        Some(RequestedAction {
            action_group: member["actionGroup"].as_str().unwrap_or("?").to_owned(),
            target,
            kind: ActionKind::read(member["actionInvocationType"].as_str()),
            parameters: read_parameters(&member["parameters"]),
            body,
        })
    }

    /// The function's name, or `METHOD /path`.
    pub fn operation(&self) -> String {
        match &self.target {
            ActionTarget::Function { function } => function.clone(),
            ActionTarget::Api {
                http_method,
                api_path,
            } => format!("{http_method} {api_path}"),
        }
    }

    /// `group.operation(name=value, ...)`: the parameters, then the request body's properties.
    pub fn call(&self) -> String {
        let mut all = self.parameters.clone();
        if let Some((_, body)) = &self.body {
            all.extend(body.iter().cloned());
        }
        format!(
            "{}.{}({})",
            self.action_group,
            self.operation(),
            join(&all, "=")
        )
    }

    /// The `returnControlInvocationResults` member answering this action: a denied
    /// confirmation carries no result.
    pub fn result(&self, answer: &ActionAnswer) -> Value {
        let mut result = json!({ "actionGroup": self.action_group });
        match &self.target {
            ActionTarget::Function { function } => result["function"] = json!(function),
            ActionTarget::Api {
                http_method,
                api_path,
            } => {
                result["apiPath"] = json!(api_path);
                result["httpMethod"] = json!(http_method);
            }
        }
        let confirmed = !self.kind.asks_confirmation() || answer.confirmed;
        if self.kind.asks_confirmation() {
            result["confirmationState"] = json!(if confirmed { "CONFIRM" } else { "DENY" });
        }
        if self.kind.asks_result() && confirmed {
            match &self.target {
                ActionTarget::Function { .. } => {
                    result["responseBody"] = json!({ "TEXT": { "body": answer.result } });
                }
                ActionTarget::Api { .. } => {
                    result["responseBody"] =
                        json!({ "application/json": { "body": answer.result } });
                    result["httpStatusCode"] = json!(200);
                }
            }
        }
        match &self.target {
            ActionTarget::Function { .. } => json!({ "functionResult": result }),
            ActionTarget::Api { .. } => json!({ "apiResult": result }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload() -> Value {
        json!({"invocationId": "inv-1", "invocationInputs": [
            {"functionInvocationInput": {"actionGroup": "orders", "actionInvocationType": "USER_CONFIRMATION",
              "agentId": "A", "function": "refundOrder",
              "parameters": [{"name": "orderId", "type": "string", "value": "A-1001"},
                             {"name": "amount", "type": "number", "value": 12.5}]}},
            {"apiInvocationInput": {"actionGroup": "crm", "actionInvocationType": "RESULT",
              "apiPath": "/customers/{id}", "httpMethod": "POST",
              "parameters": [{"name": "id", "type": "string", "value": "7"}],
              "requestBody": {"content": {"application/json": {"properties": [
                  {"name": "note", "type": "string", "value": "<b>hi</b>"}]}}}}},
            {"somethingElse": {}}
        ]})
    }

    #[test]
    fn the_actions_keep_every_parameter_as_the_payload_gives_it() {
        let actions = actions(&payload());
        assert_eq!(actions.len(), 2);
        assert_eq!(
            actions[0].call(),
            "orders.refundOrder(orderId=A-1001, amount=12.5)"
        );
        assert_eq!(actions[0].kind, ActionKind::Confirmation);
        assert_eq!(
            actions[1].call(),
            "crm.POST /customers/{id}(id=7, note=<b>hi</b>)"
        );
        assert_eq!(
            actions[1].body,
            Some((
                "application/json".to_owned(),
                vec![Parameter {
                    name: "note".to_owned(),
                    kind: "string".to_owned(),
                    value: "<b>hi</b>".to_owned()
                }]
            ))
        );
        assert_eq!(
            heading("Support", &actions),
            "Support wants a confirmation and returned control:"
        );
    }

    #[test]
    fn answers_become_bedrock_results() {
        let actions = actions(&payload());
        let yes = ActionAnswer {
            confirmed: true,
            result: String::new(),
        };
        assert_eq!(
            actions[0].result(&yes),
            json!({"functionResult": {"actionGroup": "orders", "function": "refundOrder",
                                      "confirmationState": "CONFIRM"}})
        );
        let no = ActionAnswer {
            confirmed: false,
            result: "ignored".to_owned(),
        };
        assert_eq!(
            actions[0].result(&no)["functionResult"]["confirmationState"],
            "DENY"
        );
        let typed = ActionAnswer {
            confirmed: false,
            result: "{\"ok\":true}".to_owned(),
        };
        assert_eq!(
            actions[1].result(&typed),
            json!({"apiResult": {"actionGroup": "crm", "apiPath": "/customers/{id}", "httpMethod": "POST",
                                 "httpStatusCode": 200,
                                 "responseBody": {"application/json": {"body": "{\"ok\":true}"}}}})
        );
    }

    #[test]
    fn a_malformed_payload_reads_as_no_actions() {
        assert!(actions(&json!("nonsense")).is_empty());
        assert_eq!(heading("N", &[]), "N returned control:");
        assert_eq!(parameters_line(&json!(null)), "");
    }
}
