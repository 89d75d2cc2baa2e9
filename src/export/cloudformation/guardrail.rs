//! Project guardrails as AWS::Bedrock::Guardrail and GuardrailVersion resources, and the
//! references of agents and nodes to them.

use super::names::{get_att, CfnRefs, Names};
use super::template::{fingerprint, named_properties, record_in_metadata};
use crate::export::pascal::to_pascal;
use crate::export::{ExportError, References, Result};
use crate::model::{Guardrail, Project};
use crate::nodes::NodeConfiguration;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A reference to a project guardrail the template can neither create (no definition) nor
/// name (no identifier of a deployed copy) is an error naming it.
pub(super) fn check_references(project: &Project) -> Result<()> {
    let mut references: Vec<&str> = project
        .agents
        .iter()
        .filter_map(|a| a.guardrail_configuration.as_ref())
        .filter_map(|g| g.guardrail_identifier.as_deref())
        .collect();
    for f in &project.flows {
        for (_, node) in f.definition.all_nodes() {
            let g = if let Some(NodeConfiguration::Prompt(c)) = &node.configuration {
                c.guardrail_configuration.as_ref()
            } else if let Some(NodeConfiguration::KnowledgeBase(c)) = &node.configuration {
                c.guardrail_configuration.as_ref()
            } else {
                None
            };
            references.extend(g.and_then(|g| g.guardrail_identifier.as_deref()));
        }
    }
    for id in references {
        if let Some(g) = project.guardrail(id) {
            if !g.is_defined() && g.guardrail_identifier.is_none() {
                return Err(ExportError::GuardrailNotInCloudFormation {
                    guardrail: g.name.clone(),
                    what: "a reference to a guardrail with neither its definition (both blocked messages) nor the identifier of a deployed copy".to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// A `guardrailIdentifier` as the template writes it (see [`CfnRefs`]).
pub(super) fn guardrail_reference(project: &Project, id: &str) -> String {
    match project.guardrail(id) {
        Some(g) => CfnRefs.guardrail(g),
        None => id.to_owned(),
    }
}

/// `GuardrailConfiguration`s that name a guardrail the template creates get its id through
/// `Fn::GetAtt`; a numbered version becomes the template's GuardrailVersion (`DRAFT` stays).
pub(super) fn resolve_guardrails(value: &mut Value, names: &Names) {
    match value {
        Value::Object(m) => {
            if let Some(Value::Object(g)) = m.get_mut("GuardrailConfiguration") {
                let name = g
                    .get("GuardrailIdentifier")
                    .and_then(Value::as_str)
                    .and_then(|id| names.guardrail_refs.get(id))
                    .cloned();
                if let Some(name) = name {
                    let id = names.guardrail(&name);
                    g.insert("GuardrailIdentifier".into(), get_att(&id, "GuardrailId"));
                    match g.get("GuardrailVersion").and_then(Value::as_str) {
                        Some("DRAFT") | None => {}
                        Some(_) => {
                            g.insert(
                                "GuardrailVersion".into(),
                                get_att(&format!("{id}Version"), "Version"),
                            );
                        }
                    }
                }
            }
            for v in m.values_mut() {
                resolve_guardrails(v, names);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| resolve_guardrails(v, names)),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// An AWS::Bedrock::Guardrail from a project guardrail that holds its definition, and a
/// GuardrailVersion of it. The identifier and version the project records for a deployed
/// copy go in the resource's `Metadata`, where import finds them again.
pub(super) fn resources(
    g: &Guardrail,
    names: &Names,
    resources: &mut BTreeMap<String, Value>,
) -> Result<()> {
    let refuse = |what: String| ExportError::GuardrailNotInCloudFormation {
        guardrail: g.name.clone(),
        what,
    };
    let name_ok = (1..=50).contains(&g.name.chars().count())
        && g.name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err(refuse(
            "its name (the schema takes 1 to 50 letters, digits, - and _)".to_owned(),
        ));
    }
    let id = names.guardrail(&g.name);
    let mut props = named_properties(&g.name, g.description.as_ref());
    for (key, value) in [
        ("BlockedInputMessaging", &g.blocked_input_messaging),
        ("BlockedOutputsMessaging", &g.blocked_outputs_messaging),
    ] {
        if let Some(v) = value {
            props.insert(key.into(), Value::String(v.clone()));
        }
    }
    // The API's `tierConfig` is `TopicsTierConfig` / `ContentFiltersTierConfig` in the schema.
    for (key, value, tier) in [
        (
            "TopicPolicyConfig",
            &g.topic_policy_config,
            Some("TopicsTierConfig"),
        ),
        (
            "ContentPolicyConfig",
            &g.content_policy_config,
            Some("ContentFiltersTierConfig"),
        ),
        ("WordPolicyConfig", &g.word_policy_config, None),
        (
            "SensitiveInformationPolicyConfig",
            &g.sensitive_information_policy_config,
            None,
        ),
    ] {
        let Some(v) = value else { continue };
        let mut v = to_pascal(v);
        if let (Some(tier), Value::Object(m)) = (tier, &mut v) {
            if let Some(t) = m.remove("TierConfig") {
                m.insert(tier.into(), t);
            }
        }
        props.insert(key.into(), v);
    }
    let print = fingerprint(&Value::Object(props.clone()));
    let mut resource = json!({ "Type": "AWS::Bedrock::Guardrail", "Properties": props });
    record_in_metadata(
        &mut resource,
        &[
            ("GuardrailIdentifier", g.guardrail_identifier.as_ref()),
            ("GuardrailVersion", g.guardrail_version.as_ref()),
        ],
    );
    resources.insert(id.clone(), resource);
    resources.insert(
        format!("{id}Version"),
        json!({
            "Type": "AWS::Bedrock::GuardrailVersion",
            "Properties": {
                "GuardrailIdentifier": get_att(&id, "GuardrailId"),
                "Description": format!("Guardrail {} as exported by Strata (definition {print})", g.name),
            },
        }),
    );
    Ok(())
}
