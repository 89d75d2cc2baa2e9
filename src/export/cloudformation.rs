//! A project as one CloudFormation template: per flow a Flow, FlowVersion and FlowAlias (or,
//! with a [`History`] from the store, a FlowVersion per recorded version and a FlowAlias per
//! alias); per agent an Agent (inline action groups, knowledge bases and collaborators,
//! AutoPrepare) and an AgentAlias; per project guardrail that holds its definition a
//! Guardrail and a GuardrailVersion; per project knowledge base that holds its
//! `knowledgeBaseConfiguration` a KnowledgeBase; a least-privilege IAM role for each flow and
//! agent the project gives no role; parameters for what only the deployer knows (the id of a
//! knowledge base the project cannot create, a knowledge base's role); outputs for the alias
//! ARNs.
//!
//! Property names follow [`super::pascal`]; Agent nodes and collaborators that run a project
//! agent are wired with `Fn::GetAtt <Alias>.AgentAliasArn`, references to created guardrails
//! and knowledge bases with `Fn::GetAtt` too. Settings the resource schemas cannot express
//! (CHAT prompts, inline `additionalModelRequestFields`, …) are errors naming the node.

mod agent;
mod flow;
mod guardrail;
mod harness;
mod iam;
mod knowledge_base;
mod names;
mod template;

pub use flow::{FlowHistory, History, RecordedVersion};
pub(crate) use harness::INVOKER_OF;
pub(crate) use iam::{model_arns, service_role, Permissions};
pub(crate) use knowledge_base::rename_supplemental_locations;
pub(crate) use names::knowledge_base_parameter;
pub(crate) use names::{get_att, sub, Names};
pub use template::{default_description, Template, ALIAS_NAME, METADATA_KEY};

use super::{ensure_valid, to_value, Result};
use crate::model::Project;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The most resources CloudFormation takes in one stack.
pub const RESOURCE_LIMIT: usize = 500;

/// What a template gathers while it is built, resource by resource.
#[derive(Default)]
struct Parts {
    resources: BTreeMap<String, Value>,
    outputs: BTreeMap<String, Value>,
    /// Project knowledge bases the template names by a parameter (it cannot create them).
    kb_parameters: BTreeSet<String>,
    /// What the template cannot promise; see [`Template::notes`].
    notes: Vec<String>,
    /// Other parameters, by logical id (the harness ARNs of AgentCore agents flows reach).
    parameters: BTreeMap<String, Value>,
}

/// The whole project as a CloudFormation template: per flow a Flow, one FlowVersion and the
/// [`ALIAS_NAME`] FlowAlias on it. Same as [`export_cloudformation_with`] and no history.
pub fn export_cloudformation(project: &Project) -> Result<Template> {
    export_cloudformation_with(project, &History::default())
}

/// The whole project as a CloudFormation template, with the recorded versions and aliases
/// of `history`: a flow that has recorded versions gets one FlowVersion per version (each
/// depending on the one before, so a new stack numbers them as the store did) and one
/// FlowAlias per alias, routed with `Fn::GetAtt <Version>.Version`. A version whose recorded
/// flow differs from the flow as it is now gets a note in [`Template::notes`]: CloudFormation
/// snapshots the definition in the template when it creates a version, so on a stack that
/// lacks that version it would hold the current definition.
pub fn export_cloudformation_with(project: &Project, history: &History) -> Result<Template> {
    ensure_valid(project)?;
    let names = Names::new(project);
    let mut parts = Parts::default();
    let mut role_parameters = BTreeMap::new();

    guardrail::check_references(project)?;
    for g in project.guardrails.iter().filter(|g| g.is_defined()) {
        guardrail::resources(g, &names, &mut parts.resources)?;
    }
    for kb in &project.knowledge_bases {
        if kb.knowledge_base_configuration.is_some() {
            knowledge_base::resource(kb, &names, &mut parts.resources, &mut role_parameters)?;
        }
    }

    for agent in &project.agents {
        if project.reaches_harness(&agent.agent_name) {
            parts.notes.push(format!(
                "agent {0} targets AgentCore, so this template holds no AWS::Bedrock::Agent for it: `strata export --format agentcore-cfn-yaml --agent {0}` makes its harness, and flows reach it through a generated InvokeHarness function",
                agent.agent_name
            ));
            continue;
        }
        for c in &agent.collaborators {
            if let (None | Some(""), Some(other)) = (
                c.agent_descriptor.alias_arn.as_deref(),
                c.agent_descriptor.project_agent.as_deref(),
            ) {
                if project.reaches_harness(other) {
                    return Err(crate::export::ExportError::AgentNotInCloudFormation {
                        agent: agent.agent_name.clone(),
                        what: format!(
                            "collaborator {other:?}, which targets AgentCore (a Classic supervisor calls only Classic agent aliases; give the collaborator an aliasArn, or ship both to the same target),"
                        ),
                    });
                }
            }
        }
        agent::resources(
            project,
            agent,
            &names,
            &mut parts.resources,
            &mut parts.kb_parameters,
        )?;
        let id = names.agent(&agent.agent_name);
        parts.outputs.insert(
            format!("{id}AliasArn"),
            json!({
                "Description": format!("Alias ARN of agent {}", agent.agent_name),
                "Value": get_att(&format!("{id}Alias"), "AgentAliasArn"),
            }),
        );
    }

    for flow in &project.flows {
        flow::resources(project, flow, history, &names, &mut parts)?;
    }

    let mut parameters: BTreeMap<String, Value> = parts
        .kb_parameters
        .iter()
        .map(|kb| {
            (
                knowledge_base_parameter(kb),
                json!({
                    "Type": "String",
                    "Description": format!("Id of the deployed knowledge base {kb:?} (10 letters or digits)"),
                    "AllowedPattern": "^[0-9a-zA-Z]{10}$",
                }),
            )
        })
        .collect();
    parameters.extend(role_parameters);
    parameters.extend(std::mem::take(&mut parts.parameters));
    if parts.resources.len() > RESOURCE_LIMIT {
        parts.notes.push(format!(
            "the template has {} resources, more than the {RESOURCE_LIMIT} CloudFormation allows in one stack: \
             creating the stack will fail; split the project (for example flows and agents into separate projects)",
            parts.resources.len()
        ));
    }

    Ok(Template {
        description: project
            .description
            .clone()
            .unwrap_or_else(|| default_description(&project.name)),
        project_name: project.name.clone(),
        parameters,
        resources: parts.resources,
        outputs: parts.outputs,
        notes: parts.notes,
        referenced: referenced(project)?,
    })
}

/// The project's knowledge bases and guardrails that are not resources of the template, in
/// their project shape (camelCase), keyed `KnowledgeBases` / `Guardrails`, then by name.
fn referenced(project: &Project) -> Result<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    let kbs = project
        .knowledge_bases
        .iter()
        .filter(|k| k.knowledge_base_configuration.is_none());
    let kbs = by_name("knowledge base", kbs.map(|k| (&k.name, k)))?;
    if !kbs.is_empty() {
        out.insert("KnowledgeBases".to_owned(), Value::Object(kbs));
    }
    let guardrails = project.guardrails.iter().filter(|g| !g.is_defined());
    let guardrails = by_name("guardrail", guardrails.map(|g| (&g.name, g)))?;
    if !guardrails.is_empty() {
        out.insert("Guardrails".to_owned(), Value::Object(guardrails));
    }
    Ok(out)
}

/// Each `(name, item)` as `name → item` in its project shape; `kind` names the item in an error.
fn by_name<'a, T: serde::Serialize + 'a>(
    kind: &str,
    items: impl Iterator<Item = (&'a String, &'a T)>,
) -> Result<Map<String, Value>> {
    items
        .map(|(name, item)| Ok((name.clone(), to_value(&format!("{kind} {name:?}"), item)?)))
        .collect()
}
