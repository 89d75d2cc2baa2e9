//! Flows as AWS::Bedrock::Flow, FlowVersion and FlowAlias resources, with the recorded
//! versions and aliases of a [`History`].

use super::guardrail::resolve_guardrails;
use super::iam::{flow_permissions, role, Permissions};
use super::names::{get_att, resolve_markers, CfnRefs, Names};
use super::template::{fingerprint, named_properties, ALIAS_NAME};
use super::Parts;
use crate::export::pascal::to_pascal;
use crate::export::{alphanumeric, api_definition, to_value, ExportError, Result};
use crate::model::lenient::Lenient;
use crate::model::{Flow, Project};
use crate::nodes::prompt::{PromptSource, TemplateConfiguration, TemplateType};
use crate::nodes::NodeConfiguration;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Versions and aliases recorded for a project's flows (`strata version create`, `strata
/// alias set`), to carry into a template. The store holds them; `session::versions::history`
/// reads them into this (for the CLI, and for the app's shell, which hands it to the page).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// By flow name. A flow without recorded versions exports as if it had no history.
    pub flows: BTreeMap<String, FlowHistory>,
}

/// One flow's recorded versions and aliases.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlowHistory {
    /// Oldest first, numbered from 1 without gaps (as the store numbers them).
    pub versions: Vec<RecordedVersion>,
    /// Alias name → the version number it points at.
    pub aliases: BTreeMap<String, u32>,
}

/// A recorded version of a flow.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecordedVersion {
    pub number: u32,
    pub description: String,
    /// The flow as the version holds it.
    pub flow: Flow,
}

/// Settings of a flow that AWS::Bedrock::Flow cannot hold.
pub(super) fn check_flow_expressible(flow: &Flow) -> Result<()> {
    for (_, node) in flow.definition.all_nodes() {
        let refuse = |what: &str| {
            Err(ExportError::FlowNotInCloudFormation {
                flow: flow.name.clone(),
                node: node.name.clone(),
                what: what.to_owned(),
            })
        };
        if let Lenient::Unknown(t) = &node.node_type {
            return refuse(&format!("node type {t:?}"));
        }
        if let Some(NodeConfiguration::Unknown { key, .. }) = &node.configuration {
            return refuse(&format!("configuration {key:?}"));
        }
        if let Some(NodeConfiguration::KnowledgeBase(kb)) = &node.configuration {
            if let Some(inf) = &kb.inference_configuration {
                if inf.text().max_tokens.is_some_and(|m| m > 4096) {
                    return refuse("maxTokens above 4096");
                }
            }
        }
        let Some(NodeConfiguration::Prompt(p)) = &node.configuration else {
            continue;
        };
        let PromptSource::Inline(inline) = &p.source_configuration else {
            continue;
        };
        if inline.template_type != Lenient::Known(TemplateType::Text) {
            return refuse("a CHAT prompt template (the schema takes TEXT only)");
        }
        match &inline.template_configuration {
            TemplateConfiguration::Chat(_) => {
                return refuse("a CHAT prompt template (the schema takes TEXT only)")
            }
            TemplateConfiguration::Text(t) if t.cache_point.is_some() => {
                return refuse("a cache point in the prompt text");
            }
            TemplateConfiguration::Text(t) if t.text.chars().count() > 200_000 => {
                return refuse("prompt text longer than 200000 characters");
            }
            TemplateConfiguration::Text(_) => {}
        }
        if inline.additional_model_request_fields.is_some() {
            return refuse("additionalModelRequestFields on an inline prompt");
        }
        if let Some(inf) = &inline.inference_configuration {
            if inf.text().max_tokens.is_some_and(|m| m > 4096) {
                return refuse("maxTokens above 4096");
            }
        }
    }
    Ok(())
}

/// A flow's definition in the schema's PascalCase, references resolved to intrinsics.
pub(super) fn cfn_definition(
    project: &Project,
    flow: &Flow,
    names: &Names,
    kb_parameters: &mut BTreeSet<String>,
) -> Result<Value> {
    let def = api_definition(project, &flow.definition, &CfnRefs);
    let mut definition = to_pascal(&to_value(&format!("flow {:?}", flow.name), &def)?);
    resolve_markers(&mut definition, names, kb_parameters);
    resolve_guardrails(&mut definition, names);
    Ok(definition)
}

/// A FlowAlias named `name` routed to the version resource `version`, and its ARN as an output.
pub(super) fn flow_alias(
    flow_id: &str,
    flow: &str,
    name: &str,
    logical: &str,
    version: &str,
    resources: &mut BTreeMap<String, Value>,
    outputs: &mut BTreeMap<String, Value>,
) {
    resources.insert(
        logical.to_owned(),
        json!({
            "Type": "AWS::Bedrock::FlowAlias",
            "Properties": {
                "Name": name,
                "FlowArn": get_att(flow_id, "Arn"),
                "RoutingConfiguration": [{ "FlowVersion": get_att(version, "Version") }],
            },
        }),
    );
    outputs.insert(
        format!("{logical}Arn"),
        json!({
            "Description": format!("ARN of alias {name} of flow {flow}"),
            "Value": get_att(logical, "Arn"),
        }),
    );
}

/// The create-only description of a recorded version: its number and definition
/// fingerprint (so the resource stays as long as the version does), then the user's words,
/// cut to the schema's 200 characters.
pub(super) fn version_description(flow: &str, v: &RecordedVersion, print: &str) -> String {
    let head = format!("Flow {flow} version {} (definition {print})", v.number);
    let text = if v.description.trim().is_empty() {
        head
    } else {
        format!("{head}: {}", v.description.trim())
    };
    text.chars().take(200).collect()
}

/// Bedrock's alias name pattern, `([0-9a-zA-Z][_-]?){1,100}`.
pub(super) fn valid_alias_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let mut groups = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            return false;
        }
        i += 1;
        if i < bytes.len() && (bytes[i] == b'_' || bytes[i] == b'-') {
            i += 1;
        }
        groups += 1;
    }
    (1..=100).contains(&groups)
}

/// A flow's resources: the Flow, its role when the project gives none, and either one
/// FlowVersion with the [`ALIAS_NAME`] FlowAlias on it or, with recorded history, a
/// FlowVersion per version and a FlowAlias per alias.
pub(super) fn resources(
    project: &Project,
    flow: &Flow,
    history: &History,
    names: &Names,
    parts: &mut Parts,
) -> Result<()> {
    check_flow_expressible(flow)?;
    super::harness::resources(project, flow, names, parts);
    let id = names.flow(&flow.name);
    let definition = cfn_definition(project, flow, names, &mut parts.kb_parameters)?;

    let mut props = named_properties(&flow.name, flow.description.as_ref());
    let role_arn = match &flow.execution_role_arn {
        Some(arn) => Value::String(arn.clone()),
        None => {
            let mut perms = Permissions::default();
            flow_permissions(project, &flow.definition, names, &mut perms);
            parts.resources.insert(
                format!("{id}Role"),
                role(&format!("{id}Permissions"), &perms, names),
            );
            get_att(&format!("{id}Role"), "Arn")
        }
    };
    props.insert("ExecutionRoleArn".into(), role_arn);
    if let Some(k) = &flow.customer_encryption_key_arn {
        props.insert("CustomerEncryptionKeyArn".into(), Value::String(k.clone()));
    }
    let print = fingerprint(&definition);
    props.insert("Definition".into(), definition);
    parts.resources.insert(
        id.clone(),
        json!({ "Type": "AWS::Bedrock::Flow", "Properties": props }),
    );
    match history
        .flows
        .get(&flow.name)
        .filter(|h| !h.versions.is_empty())
    {
        None => {
            parts.resources.insert(
                format!("{id}Version"),
                json!({
                    "Type": "AWS::Bedrock::FlowVersion",
                    "Properties": {
                        "FlowArn": get_att(&id, "Arn"),
                        "Description": format!("Flow {} as exported by Strata (definition {print})", flow.name),
                    },
                }),
            );
            flow_alias(
                &id,
                &flow.name,
                ALIAS_NAME,
                &format!("{id}Alias"),
                &format!("{id}Version"),
                &mut parts.resources,
                &mut parts.outputs,
            );
        }
        Some(h) => {
            let mut kb_unused = BTreeSet::new();
            let mut previous: Option<String> = None;
            for v in &h.versions {
                let recorded = cfn_definition(project, &v.flow, names, &mut kb_unused)?;
                let recorded_print = fingerprint(&recorded);
                if recorded_print != print {
                    parts.notes.push(format!(
                        "flow {} version {}: recorded from a different definition than the flow has now; \
                         CloudFormation creates a FlowVersion from the definition in the template, so on a \
                         stack that does not have this version yet it will hold the current definition",
                        flow.name, v.number
                    ));
                }
                let logical = format!("{id}Version{}", v.number);
                let mut resource = json!({
                    "Type": "AWS::Bedrock::FlowVersion",
                    "Properties": {
                        "FlowArn": get_att(&id, "Arn"),
                        "Description": version_description(&flow.name, v, &recorded_print),
                    },
                });
                if let Some(p) = &previous {
                    resource["DependsOn"] = Value::String(p.clone());
                }
                parts.resources.insert(logical.clone(), resource);
                previous = Some(logical);
            }
            let mut used = BTreeSet::new();
            for (alias, number) in &h.aliases {
                if !h.versions.iter().any(|v| v.number == *number) {
                    return Err(ExportError::AliasWithoutVersion {
                        flow: flow.name.clone(),
                        alias: alias.clone(),
                        version: *number,
                    });
                }
                if !valid_alias_name(alias) {
                    return Err(ExportError::AliasName {
                        flow: flow.name.clone(),
                        alias: alias.clone(),
                    });
                }
                let base = format!("{id}Alias{}", alphanumeric(alias));
                let mut logical = base.clone();
                let mut n = 2;
                while !used.insert(logical.clone()) || parts.resources.contains_key(&logical) {
                    logical = format!("{base}{n}");
                    n += 1;
                }
                flow_alias(
                    &id,
                    &flow.name,
                    alias,
                    &logical,
                    &format!("{id}Version{number}"),
                    &mut parts.resources,
                    &mut parts.outputs,
                );
            }
        }
    }
    Ok(())
}
