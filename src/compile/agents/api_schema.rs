//! OpenAPI action groups (`apiSchema.payload`): the rules Bedrock agents enforce on the
//! document and its operations, and the lints on what the model reads from it.

use super::lints::{state_changing_verb, thin_description};
use super::report::confirmation_value;
use super::MAX_OPERATIONS;
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::agent::ActionGroup;
use crate::openapi::{self, ApiDocument, Operation};
use std::collections::HashSet;

pub(super) fn check_openapi(
    group: &ActionGroup,
    payload: &str,
    ag: &Location,
    out: &mut Diagnostics,
) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::agents::check_agent;
    use crate::compile::agents::fixtures::*;
    use crate::diagnostic::Code;
    use crate::model::agent::ApiSchema;

    #[test]
    fn openapi_schemas() {
        use Code::*;
        check_cases(&[
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
        ]);
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
