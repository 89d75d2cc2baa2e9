//! Action groups: their executor, their schema's shape, built-in parent groups, and function
//! schemas with their parameters.

use super::api_schema::check_openapi;
use super::lints::{state_changing_verb, thin_description};
use super::report::{choice, confirmation_value, field, unknown_value};
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::agent::{
    ActionGroup, ActionGroupExecutor, ApiSchema, FunctionSchema, ParentSignature,
};
use crate::model::lenient::Lenient;
use crate::model::names::{check_name, Field, Pattern};
use std::collections::HashSet;

pub(super) fn check_action_group(group: &ActionGroup, ag: &Location, out: &mut Diagnostics) {
    check_name(
        out,
        ag.field("actionGroupName"),
        "action group name",
        &group.action_group_name,
        Pattern::ResourceName,
    );
    if let Some(state) = &group.action_group_state {
        choice(out, ag, "actionGroupState", state);
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
            confirmation_value(out, &fl, "requireConfirmation", c.as_str());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::agents::fixtures::*;
    use crate::diagnostic::Code;
    use crate::model::agent::{ParameterDetail, S3Identifier};

    #[test]
    fn action_group_shapes() {
        use Code::*;
        check_cases(&[
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
                |p| group(p, "Orders").action_group_state = Some(Lenient::from_str_lenient("ON")),
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
        ]);
    }

    #[test]
    fn functions() {
        use Code::*;
        check_cases(&[
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
                |p| {
                    function(p, "refundOrder").require_confirmation =
                        Some(Lenient::from_str_lenient("YES"))
                },
                // An error, and no warning about running unconfirmed: the runtime asks.
                &[(
                    AgentInvalidField,
                    "requireConfirmation is \"YES\", not ENABLED or DISABLED",
                )],
            ),
        ]);
    }

    /// A state-changing function must not be callable on the model's word alone: a prompt
    /// injected through a document or a tool result could otherwise trigger it.
    #[test]
    fn state_changing_functions_need_confirmation_or_return_of_control() {
        check_cases(&[
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
                |p| {
                    function(p, "refundOrder").require_confirmation =
                        Some(Lenient::from_str_lenient("DISABLED"))
                },
                &[(
                    Code::UnconfirmedStateChange,
                    "action \"refundOrder\" › field \"requireConfirmation\"",
                )],
            ),
            (
                "refund with confirmation",
                |p| {
                    function(p, "refundOrder").require_confirmation =
                        Some(Lenient::from_str_lenient("ENABLED"))
                },
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
        ]);
    }
}
