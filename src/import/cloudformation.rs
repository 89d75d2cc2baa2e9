//! CloudFormation templates (JSON or YAML) into a project: AWS::Bedrock::Flow,
//! AWS::Bedrock::Agent, AWS::Bedrock::Guardrail and AWS::Bedrock::KnowledgeBase resources,
//! converted back from PascalCase.
//!
//! YAML short forms (`!Ref`, `!GetAtt`, `!Sub`, …) become the long JSON forms first. An Agent
//! node or collaborator whose alias ARN is `Fn::GetAtt <Alias>.AgentAliasArn` of an
//! AgentAlias in the template points at the imported agent of that alias (`projectAgent`);
//! a reference to a guardrail or knowledge base of the template becomes the project's name
//! for it; a role the template itself creates is left out (export creates it again). Any other
//! intrinsic value is kept as text such as `${Ref:ParamName}` and reported as a warning. A
//! flow whose definition is in S3 (`DefinitionS3Location`) is an error: the object cannot be
//! read offline.

mod agent;
mod context;
mod flow;
mod guardrail;
mod harness;
mod intrinsics;
mod knowledge_base;
mod parameters;
mod yaml;

pub use parameters::Parameters;

pub use yaml::yaml_to_json;

use super::{lay_out, shaped, ImportError, ImportFormat, ImportWarning, Imported, Result};
use crate::export::cloudformation::{default_description, knowledge_base_parameter, METADATA_KEY};
use crate::model::{Guardrail, KnowledgeBase, Project};
use context::Context;
use serde_json::Value;

/// Resource types that export generates from flows and agents: imported through them.
const DERIVED: &[&str] = &[
    "AWS::Bedrock::FlowVersion",
    "AWS::Bedrock::FlowAlias",
    "AWS::Bedrock::AgentAlias",
    "AWS::Bedrock::GuardrailVersion",
    "AWS::IAM::Role",
    "AWS::Lambda::Permission",
];

/// Reads a template (already JSON) into a project, with the template's parameter defaults.
pub fn import_template(template: &Value, fallback_name: &str) -> Result<Imported> {
    import_template_with(template, fallback_name, &Parameters::new())
}

/// Reads a template (already JSON) into a project; `given` holds parameter values (and
/// `AWS::Region`, `AWS::AccountId`) as a stack would get them, over the template's defaults.
pub fn import_template_with(
    template: &Value,
    fallback_name: &str,
    given: &Parameters,
) -> Result<Imported> {
    let mut warnings = Vec::new();
    let mut resolved = template.clone();
    parameters::resolve(&mut resolved, given, &mut warnings);
    let template = &resolved;
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return Err(ImportError::Shape {
            at: "Resources".to_owned(),
            message: "a template needs a Resources object".to_owned(),
        });
    };
    let referenced = |key: &str| -> Vec<(String, Value)> {
        template
            .pointer(&format!("/Metadata/{METADATA_KEY}/{key}"))
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    let mut knowledge_bases = Vec::new();
    for (name, kb) in referenced("KnowledgeBases") {
        let at = format!("Metadata.{METADATA_KEY}.KnowledgeBases.{name}");
        knowledge_bases.push(shaped::<KnowledgeBase>(&kb, &at)?);
    }
    let mut guardrails = Vec::new();
    for (name, g) in referenced("Guardrails") {
        let at = format!("Metadata.{METADATA_KEY}.Guardrails.{name}");
        guardrails.push(shaped::<Guardrail>(&g, &at)?);
    }
    let ctx = Context {
        resources: resources.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        kb_parameters: knowledge_bases
            .iter()
            .filter(|k| k.knowledge_base_id.is_none())
            .map(|k| (knowledge_base_parameter(&k.name), k.name.clone()))
            .collect(),
    };
    let name = template
        .pointer(&format!("/Metadata/{METADATA_KEY}/Project"))
        .and_then(Value::as_str)
        .unwrap_or(fallback_name)
        .to_owned();
    let mut project = Project::new(&name);
    project.description = template
        .get("Description")
        .and_then(Value::as_str)
        .filter(|d| *d != default_description(&name))
        .map(str::to_owned);
    project.knowledge_bases = knowledge_bases;
    project.guardrails = guardrails;
    let mut consumed = std::collections::BTreeSet::new();
    let mut agentcore_parts = Vec::new();
    for (id, resource) in &ctx.resources {
        let at = format!("Resources.{id}");
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        let props = resource.get("Properties").cloned().unwrap_or_default();
        let found = Found {
            ctx: &ctx,
            id,
            props: &props,
            at: format!("{at}.Properties"),
        };
        match kind {
            "AWS::Bedrock::Flow" => {
                let flow = flow::resource(&found, &mut warnings)?;
                project.flows.push(flow);
            }
            "AWS::Bedrock::Agent" => {
                let agent = agent::resource(&found, &mut warnings)?;
                project.agents.push(agent);
            }
            "AWS::Bedrock::Guardrail" => {
                let guardrail = guardrail::resource(&found, &mut warnings)?;
                project.guardrails.push(guardrail);
            }
            "AWS::Bedrock::KnowledgeBase" => {
                let kb = knowledge_base::resource(&found, &mut warnings)?;
                project.knowledge_bases.push(kb);
            }
            "AWS::BedrockAgentCore::Harness" => {
                let agent = harness::resource(&found, &mut consumed, &mut warnings)?;
                project.agents.push(agent);
            }
            harness::GATEWAY | harness::TARGET | harness::ENDPOINT => {
                agentcore_parts.push((at, kind, *id));
            }
            "AWS::Lambda::Function" | "AWS::Logs::LogGroup"
                if harness::is_invoker_part(&ctx, id) => {}
            k if DERIVED.contains(&k) => {}
            other => warnings.push(ImportWarning {
                at,
                message: format!("resource type {other:?} is not imported"),
            }),
        }
    }
    for (at, kind, id) in agentcore_parts {
        if !consumed.contains(id) {
            warnings.push(ImportWarning {
                at,
                message: format!(
                    "{kind} belongs to no AWS::BedrockAgentCore::Harness of the template; not imported"
                ),
            });
        }
    }
    if project.flows.is_empty()
        && project.agents.is_empty()
        && project.guardrails.is_empty()
        && project.knowledge_bases.is_empty()
    {
        return Err(ImportError::NotRecognised(
            "the template has no AWS::Bedrock::Flow, Agent, Guardrail or KnowledgeBase resource, nor an AWS::BedrockAgentCore::Harness"
                .to_owned(),
        ));
    }
    lay_out(&mut project);
    Ok(Imported {
        project,
        format: ImportFormat::CloudFormation,
        warnings,
    })
}

/// A resource of the template being imported: the template, the resource's logical id, its
/// `Properties` and where they stand (`Resources.<id>.Properties`, for warnings and errors).
struct Found<'a> {
    ctx: &'a Context<'a>,
    id: &'a str,
    props: &'a Value,
    at: String,
}

impl<'a> Found<'a> {
    /// The template, the logical id, the `Properties` and where they stand.
    fn parts(&self) -> (&'a Context<'a>, &'a str, &'a Value, &str) {
        (self.ctx, self.id, self.props, &self.at)
    }
}
