//! Handler bindings: a local handler (a file and a function) bound by name to the Lambda
//! function of LambdaFunction nodes or to an agent's action group, so that a Bedrock flow JSON
//! or a CloudFormation stack runs locally without editing its nodes. The project holds them in
//! `handlers`; `strata run`/`chat` take the same as `--handler NAME=FILE:FUNCTION`.
//!
//! A NAME matches a handler place by the Lambda ARN as written, by the function name inside
//! it, by the CloudFormation logical id an import keeps (`${GetAtt:Fn.Arn}`, `${Ref:Fn}`), or,
//! for an action group, by the action group's name. Pure: builds for wasm.

use super::agent::ActionGroupExecutor;
use super::Project;
use crate::nodes::NodeConfiguration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One binding: run `function` of `file` wherever `name` is called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandlerBinding {
    /// A Lambda function name or ARN, a CloudFormation logical id, or an action group name.
    pub name: String,
    /// The handler file, relative to the project file's folder (`--handler`: to the current
    /// folder).
    pub file: String,
    /// The function the file defines, called as `function(event, context)`.
    pub function: String,
    /// Environment variables the handler gets, besides those a Lambda always has.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
}

/// One `--handler-env NAME:KEY=VALUE`: a variable for the handler that runs for NAME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerVariable {
    pub name: String,
    pub key: String,
    pub value: String,
}

/// Why a binding cannot be read or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
    #[error("--handler {text:?}: {problem}; expected NAME=FILE:FUNCTION, e.g. orders=handlers/orders.py:handler")]
    HandlerFlag { text: String, problem: &'static str },
    #[error(
        "--handler-env {text:?}: {problem}; expected NAME:KEY=VALUE, e.g. orders:TABLE=orders-test"
    )]
    EnvironmentFlag { text: String, problem: &'static str },
    #[error(
        "{what} names {name:?}, which is no Lambda function or action group of the project ({})",
        known_list(known)
    )]
    UnknownName {
        /// `--handler` or `--handler-env`.
        what: &'static str,
        name: String,
        known: Vec<String>,
    },
    #[error("{what}: no file at {path}")]
    MissingFile { what: String, path: String },
    #[error("handler {name:?}: the environment variable {key} {problem}")]
    Variable {
        name: String,
        key: String,
        problem: &'static str,
    },
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "it has none".to_owned()
    } else {
        format!("its names: {}", known.join(", "))
    }
}

/// Variables Lambda sets itself (CreateFunction refuses them) or the sandbox sets: a binding
/// cannot give them.
pub const RESERVED_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "HOME",
    "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
    "PATH",
    "PYTHONDONTWRITEBYTECODE",
    "TMPDIR",
];

/// Why `key` cannot be a handler's environment variable, if it cannot.
pub fn variable_problem(key: &str) -> Option<&'static str> {
    let mut chars = key.chars();
    let well_formed = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        Some("is not a variable name (letters, digits and _, not starting with a digit)")
    } else if RESERVED_VARIABLES.contains(&key) {
        Some("is reserved: Lambda (or the local sandbox) sets it")
    } else {
        None
    }
}

impl HandlerBinding {
    /// Reads `NAME=FILE:FUNCTION` (the value of `--handler`).
    pub fn from_flag(text: &str) -> Result<HandlerBinding, BindingError> {
        let problem = |problem| BindingError::HandlerFlag {
            text: text.to_owned(),
            problem,
        };
        // Names (ARNs included) hold no `=`; the file may.
        let (name, target) = text.split_once('=').ok_or_else(|| problem("no `=`"))?;
        let (file, function) = target
            .rsplit_once(':')
            .ok_or_else(|| problem("no `:` before the function"))?;
        if name.trim().is_empty() {
            return Err(problem("the NAME is empty"));
        }
        if file.trim().is_empty() {
            return Err(problem("the FILE is empty"));
        }
        if function.trim().is_empty() {
            return Err(problem("the FUNCTION is empty"));
        }
        Ok(HandlerBinding {
            name: name.trim().to_owned(),
            file: file.trim().to_owned(),
            function: function.trim().to_owned(),
            environment: BTreeMap::new(),
        })
    }
}

impl HandlerVariable {
    /// Reads `NAME:KEY=VALUE` (the value of `--handler-env`). NAME may be an ARN, full of
    /// `:`; KEY holds none, so the last `:` before the first `=` ends NAME.
    pub fn from_flag(text: &str) -> Result<HandlerVariable, BindingError> {
        let problem = |problem| BindingError::EnvironmentFlag {
            text: text.to_owned(),
            problem,
        };
        let (head, value) = text.split_once('=').ok_or_else(|| problem("no `=`"))?;
        let (name, key) = head
            .rsplit_once(':')
            .ok_or_else(|| problem("no `:` between NAME and KEY"))?;
        if name.trim().is_empty() {
            return Err(problem("the NAME is empty"));
        }
        if let Some(p) = variable_problem(key) {
            return Err(problem(p));
        }
        Ok(HandlerVariable {
            name: name.trim().to_owned(),
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// The names a Lambda function reference answers to: the text as written, the function name
/// inside an ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`, also inside a
/// kept `${Sub:…}`), and the logical id of a kept `${GetAtt:Fn.Arn}` or `${Ref:Fn}`.
pub fn function_names(reference: &str) -> Vec<String> {
    let reference = reference.trim();
    let mut names = Vec::new();
    if reference.is_empty() {
        return names;
    }
    names.push(reference.to_owned());
    let inner = reference
        .strip_prefix("${Sub:")
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(reference);
    if let Some((_, after)) = inner.split_once(":function:") {
        let function = after.split(':').next().unwrap_or("");
        if !function.is_empty() {
            names.push(function.to_owned());
        }
    }
    if let Some(att) = reference
        .strip_prefix("${GetAtt:")
        .and_then(|s| s.strip_suffix('}'))
    {
        let id = att.split('.').next().unwrap_or("");
        if !id.is_empty() {
            names.push(id.to_owned());
        }
    }
    if let Some(id) = reference
        .strip_prefix("${Ref:")
        .and_then(|s| s.strip_suffix('}'))
    {
        if !id.is_empty() {
            names.push(id.to_owned());
        }
    }
    names.dedup();
    names
}

/// The region of a Lambda ARN (`arn:aws:lambda:REGION:…`), when it names one.
pub fn function_region(reference: &str) -> Option<&str> {
    let mut parts = reference.trim().split(':');
    let (arn, _partition, service, region) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (arn == "arn" && service == "lambda" && !region.is_empty() && !region.starts_with('$'))
        .then_some(region)
}

/// A place in a project where a local handler runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerSlot<'a> {
    /// A LambdaFunction node (loop bodies included) and the `lambdaArn` it calls.
    Function {
        flow: &'a str,
        node: &'a str,
        lambda_arn: &'a str,
    },
    /// An agent's action group and the Lambda of its executor, if it has one.
    ActionGroup {
        agent: &'a str,
        group: &'a str,
        lambda_arn: Option<&'a str>,
    },
}

impl HandlerSlot<'_> {
    /// Every name a binding may use for this place.
    pub fn names(&self) -> Vec<String> {
        match self {
            HandlerSlot::Function { lambda_arn, .. } => function_names(lambda_arn),
            HandlerSlot::ActionGroup {
                group, lambda_arn, ..
            } => {
                let mut names = vec![(*group).to_owned()];
                for n in lambda_arn.map(function_names).unwrap_or_default() {
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
                names
            }
        }
    }

    /// Whether a binding named `name` runs here.
    pub fn answers_to(&self, name: &str) -> bool {
        self.names().iter().any(|n| n == name)
    }
}

/// The slot of an action group.
pub fn action_group_slot<'a>(
    agent: &'a str,
    group: &'a super::agent::ActionGroup,
) -> HandlerSlot<'a> {
    HandlerSlot::ActionGroup {
        agent,
        group: &group.action_group_name,
        lambda_arn: match &group.action_group_executor {
            Some(ActionGroupExecutor::Lambda(arn)) => Some(arn),
            Some(ActionGroupExecutor::CustomControl(_)) | None => None,
        },
    }
}

impl Project {
    /// Every place a local handler can run: LambdaFunction nodes, then action groups.
    pub fn handler_slots(&self) -> Vec<HandlerSlot<'_>> {
        let mut slots = Vec::new();
        for f in &self.flows {
            for (_, node) in f.definition.all_nodes() {
                if let Some(NodeConfiguration::LambdaFunction(c)) = &node.configuration {
                    slots.push(HandlerSlot::Function {
                        flow: &f.name,
                        node: &node.name,
                        lambda_arn: &c.lambda_arn,
                    });
                }
            }
        }
        for a in &self.agents {
            for g in &a.action_groups {
                slots.push(action_group_slot(&a.agent_name, g));
            }
        }
        slots
    }

    /// The names handler bindings may use in this project, each once, in the project's order.
    pub fn handler_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for slot in self.handler_slots() {
            for n in slot.names() {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        names
    }

    /// Whether any handler place of the project answers to `name`.
    pub fn has_handler_name(&self, name: &str) -> bool {
        self.handler_slots().iter().any(|s| s.answers_to(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_answers_to_its_arn_name_and_logical_id() {
        assert_eq!(
            function_names("arn:aws:lambda:us-east-1:123456789012:function:enrich:live"),
            [
                "arn:aws:lambda:us-east-1:123456789012:function:enrich:live",
                "enrich"
            ]
        );
        assert_eq!(
            function_names("${GetAtt:EnrichFunction.Arn}"),
            ["${GetAtt:EnrichFunction.Arn}", "EnrichFunction"]
        );
        assert_eq!(
            function_names("${Ref:OrdersFn}"),
            ["${Ref:OrdersFn}", "OrdersFn"]
        );
        assert_eq!(
            function_names("${Sub:arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:tag}")
                [1],
            "tag"
        );
        assert_eq!(function_names("enrich"), ["enrich"]);
        assert!(function_names(" ").is_empty());
        assert_eq!(
            function_region("arn:aws:lambda:eu-west-1:1:function:x"),
            Some("eu-west-1")
        );
        assert_eq!(function_region("${GetAtt:X.Arn}"), None);
    }

    #[test]
    fn flags_read_their_parts_or_say_what_is_wrong() {
        let b = HandlerBinding::from_flag(
            "arn:aws:lambda:us-east-1:1:function:enrich=handlers/enrich.py:handler",
        )
        .expect("a binding");
        assert_eq!(b.name, "arn:aws:lambda:us-east-1:1:function:enrich");
        assert_eq!(
            (b.file.as_str(), b.function.as_str()),
            ("handlers/enrich.py", "handler")
        );
        for (bad, says) in [
            ("enrich", "no `=`"),
            ("enrich=handlers/enrich.py", "no `:`"),
            ("=h.py:handler", "NAME is empty"),
            ("enrich=:handler", "FILE is empty"),
            ("enrich=h.py:", "FUNCTION is empty"),
        ] {
            let e = HandlerBinding::from_flag(bad).expect_err(bad).to_string();
            assert!(e.starts_with("--handler ") && e.contains(says), "{e}");
        }
        let v = HandlerVariable::from_flag("arn:aws:lambda:us-east-1:1:function:x:TABLE=a=b")
            .expect("a variable");
        assert_eq!(
            (v.name.as_str(), v.key.as_str(), v.value.as_str()),
            ("arn:aws:lambda:us-east-1:1:function:x", "TABLE", "a=b")
        );
        for bad in [
            "orders",
            "TABLE=x",
            ":TABLE=x",
            "orders:1X=y",
            "orders:AWS_REGION=x",
        ] {
            assert!(HandlerVariable::from_flag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bindings_round_trip_and_are_left_out_when_there_are_none() {
        let text = r#"{"schemaVersion": 1, "name": "p", "flows": [],
            "handlers": [{"name": "orders", "file": "h/o.py", "function": "handler",
                          "environment": {"B": "2", "A": "1"}}]}"#;
        let project = crate::model::load(text, "p").expect("loads").project;
        let saved = project.to_json();
        assert!(saved.contains("\"A\": \"1\",\n"), "{saved}");
        let again = crate::model::load(&saved, "p").expect("loads").project;
        assert_eq!(again, project);
        assert_eq!(again.to_json(), saved);
        assert_eq!(again.schema_version, crate::model::SCHEMA_VERSION);
        assert!(!Project::new("p").to_json().contains("handlers"));
    }
}
