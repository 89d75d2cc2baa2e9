//! Import: Bedrock documents into a Strata project — CreateFlow/GetFlow JSON, GetAgent
//! responses (with their action groups), Strata's own agent request bundle, and CloudFormation
//! templates in JSON or YAML holding AWS::Bedrock::Flow and AWS::Bedrock::Agent resources.
//!
//! Pure: text in, project out. Imported flows get canvas positions from [`crate::layout`].
//! What cannot be carried over exactly (a CloudFormation `Ref` to a parameter, say) is kept
//! as readable text in its field and reported as a warning naming where it was.

pub(crate) mod agentcore;
pub mod cloudformation;

use crate::layout::auto_layout;
use crate::model::agent::{AgentKnowledgeBase, Collaborator};
use crate::model::{load, Agent, LoadError, Project, SourceFormat};
use serde_json::Value;

/// Why a document could not be imported. Says where, always.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// A Strata project or Bedrock flow JSON that did not load.
    #[error("{0}")]
    Load(#[from] LoadError),
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A member that does not have the shape Bedrock gives it.
    #[error("at {at}: {message}")]
    Shape { at: String, message: String },
    #[error("{0}")]
    NotRecognised(String),
    /// A CloudFormation resource Strata cannot read, such as a definition stored in S3.
    #[error("resource {resource}: {message}")]
    Unsupported { resource: String, message: String },
}

pub type Result<T> = std::result::Result<T, ImportError>;

/// What kind of document was imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// A Strata project or Bedrock flow JSON, as [`crate::model::load`] reads it.
    Flow(SourceFormat),
    /// A GetAgent response, or a CreateAgent request.
    Agent,
    /// The `{createAgent, actionGroups, knowledgeBases, collaborators}` bundle Strata exports.
    AgentRequests,
    /// A CloudFormation template.
    CloudFormation,
    /// A CreateHarness request, or the `{createHarness, createGateway, createGatewayTargets,
    /// createHarnessEndpoints}` document Strata's AgentCore export writes.
    AgentCore,
}

impl ImportFormat {
    /// What the document was, for people.
    pub fn describe(self) -> &'static str {
        match self {
            ImportFormat::Flow(f) => f.describe(),
            ImportFormat::Agent => "Bedrock agent JSON",
            ImportFormat::AgentRequests => "Strata agent export",
            ImportFormat::CloudFormation => "CloudFormation template",
            ImportFormat::AgentCore => "AgentCore harness requests",
        }
    }
}

impl ImportError {
    /// Line and column, when the error has them.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            ImportError::Load(e) => e.position(),
            ImportError::Syntax { line, column, .. } => Some((*line, *column)),
            ImportError::Shape { .. }
            | ImportError::NotRecognised(_)
            | ImportError::Unsupported { .. } => None,
        }
    }
}

/// Something imported with a caveat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    /// Where in the document, e.g. `Resources.TriageFlow.Properties.Definition.Nodes[5]`.
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// A project read from a document, with what it was and what to look at.
#[derive(Debug, Clone)]
pub struct Imported {
    pub project: Project,
    pub format: ImportFormat,
    pub warnings: Vec<ImportWarning>,
}

/// Reads any supported document into a project; see [`import`] for the warnings too.
pub fn import_document(text: &str, fallback_name: &str) -> Result<Project> {
    import(text, fallback_name).map(|i| i.project)
}

/// Reads any supported document into a project. `fallback_name` names the project (and a
/// bare flow definition) when the document carries no name.
pub fn import(text: &str, fallback_name: &str) -> Result<Imported> {
    import_with(text, fallback_name, &cloudformation::Parameters::new())
}

/// [`import`], with values for a CloudFormation template's parameters (and the pseudo
/// parameters `AWS::Region`, `AWS::AccountId`, `AWS::Partition`), as a stack would get them.
/// Other documents ignore them.
pub fn import_with(
    text: &str,
    fallback_name: &str,
    parameters: &cloudformation::Parameters,
) -> Result<Imported> {
    let trimmed = text.trim_start();
    let json: Option<Value> = serde_json::from_str(text).ok();
    let value = match json {
        Some(v) => v,
        None if trimmed.starts_with('{') || trimmed.starts_with('[') => {
            // Malformed JSON: let the loader report where.
            return Err(load(text, fallback_name)
                .err()
                .map(ImportError::Load)
                .unwrap_or_else(|| ImportError::NotRecognised("unreadable JSON".to_owned())));
        }
        None => {
            let v = cloudformation::yaml_to_json(text)?;
            if is_template(&v) {
                return cloudformation::import_template_with(&v, fallback_name, parameters);
            }
            return Err(ImportError::NotRecognised(
                "a YAML document that is not a CloudFormation template (no Resources)".to_owned(),
            ));
        }
    };
    if is_template(&value) {
        return cloudformation::import_template_with(&value, fallback_name, parameters);
    }
    if agentcore::is_harness_document(&value) {
        return agentcore::import_document(&value, fallback_name);
    }
    if let Some(obj) = value.as_object() {
        if obj.get("agent").is_some_and(Value::is_object) {
            return agent_document(&value, "agent", fallback_name, ImportFormat::Agent);
        }
        if obj.get("createAgent").is_some_and(Value::is_object) {
            return agent_document(
                &value,
                "createAgent",
                fallback_name,
                ImportFormat::AgentRequests,
            );
        }
        if obj.contains_key("agentName") && !obj.contains_key("schemaVersion") {
            let wrapped = serde_json::json!({ "agent": value });
            return agent_document(&wrapped, "agent", fallback_name, ImportFormat::Agent);
        }
    }
    let loaded = load(text, fallback_name)?;
    let mut project = loaded.project;
    if loaded.format != SourceFormat::Project {
        for f in &mut project.flows {
            if f.execution_role_arn.as_deref() == Some(crate::export::FLOW_ROLE_PLACEHOLDER) {
                f.execution_role_arn = None;
            }
        }
    }
    lay_out(&mut project);
    Ok(Imported {
        project,
        format: ImportFormat::Flow(loaded.format),
        warnings: vec![],
    })
}

fn is_template(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.contains_key("Resources") || m.contains_key("AWSTemplateFormatVersion"))
}

/// Gives every node without a canvas position one, flow by flow.
pub fn lay_out(project: &mut Project) {
    for f in &project.flows {
        let positions = auto_layout(&f.definition);
        let canvas = project.canvas.entry(f.name.clone()).or_default();
        for (node, pos) in positions {
            canvas.entry(node).or_insert(pos);
        }
    }
}

/// Deserialises `value` as `T`, naming the path of a mismatch below `at`.
pub(crate) fn shaped<T: serde::de::DeserializeOwned>(value: &Value, at: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ImportError::Shape {
            at: if path == "." {
                at.to_owned()
            } else {
                format!("{at}.{path}")
            },
            message: e.into_inner().to_string(),
        }
    })
}

/// A GetAgent response `{agent, actionGroups?, knowledgeBases?, collaborators?}` (action
/// groups as AgentActionGroup or GetAgentActionGroup `{agentActionGroup}` shapes; the list
/// forms `agentKnowledgeBaseSummaries` / `agentCollaboratorSummaries` also read), or the
/// request bundle Strata exports.
fn agent_document(
    doc: &Value,
    agent_key: &str,
    fallback_name: &str,
    format: ImportFormat,
) -> Result<Imported> {
    let mut agent_value = doc.get(agent_key).cloned().unwrap_or(Value::Null);
    let mut warnings = Vec::new();
    if let Some(m) = agent_value.as_object_mut() {
        for k in ["actionGroups", "knowledgeBases", "collaborators", "local"] {
            m.remove(k);
        }
        if let Some(Value::String(role)) = m.get("agentResourceRoleArn") {
            if role.starts_with("${") {
                m.remove("agentResourceRoleArn");
            }
        }
    }
    let mut agent: Agent = shaped(&agent_value, agent_key)?;
    let list = |keys: &[&str]| -> Vec<(String, Value)> {
        for k in keys {
            if let Some(Value::Array(items)) = doc.get(*k) {
                return items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{k}[{i}]"), v.clone()))
                    .collect();
            }
        }
        vec![]
    };
    for (at, mut g) in list(&["actionGroups", "agentActionGroups"]) {
        if let Some(inner) = g.get("agentActionGroup") {
            g = inner.clone();
        }
        if let Some(m) = g.as_object_mut() {
            // The response spells it `parentActionSignature`; the request `…GroupSignature`.
            if let Some(sig) = m.remove("parentActionSignature") {
                m.entry("parentActionGroupSignature").or_insert(sig);
            }
            for k in ["agentId", "agentVersion", "actionGroupId", "localHandler"] {
                m.remove(k);
            }
        }
        agent.action_groups.push(shaped(&g, &at)?);
    }
    for (at, kb) in list(&["knowledgeBases", "agentKnowledgeBaseSummaries"]) {
        let kb: AgentKnowledgeBase = shaped(&kb, &at)?;
        agent.knowledge_bases.push(kb);
    }
    for (at, c) in list(&["collaborators", "agentCollaboratorSummaries"]) {
        let c: Collaborator = shaped(&c, &at)?;
        if c.agent_descriptor
            .alias_arn
            .as_deref()
            .is_some_and(|a| a.starts_with("${"))
        {
            warnings.push(ImportWarning {
                at: format!("{at}.agentDescriptor.aliasArn"),
                message: "a placeholder alias ARN; point the collaborator at a project agent or a deployed alias".to_owned(),
            });
        }
        agent.collaborators.push(c);
    }
    let name = if agent.agent_name.is_empty() {
        fallback_name.to_owned()
    } else {
        agent.agent_name.clone()
    };
    let mut project = Project::new(&name);
    project.agents.push(agent);
    Ok(Imported {
        project,
        format,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_agent_response_with_action_groups() {
        let doc = r#"{
          "agent": {"agentName": "Billing", "agentId": "ABCDEFGHIJ", "agentStatus": "PREPARED",
                    "foundationModel": "anthropic.claude-3-haiku-20240307-v1:0",
                    "agentResourceRoleArn": "arn:aws:iam::123456789012:role/r"},
          "actionGroups": [
            {"agentActionGroup": {"actionGroupName": "ask", "actionGroupId": "X", "parentActionSignature": "AMAZON.UserInput"}},
            {"actionGroupName": "orders", "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
             "functionSchema": {"functions": [{"name": "f", "parameters": {"id": {"type": "string"}}}]}}
          ]
        }"#;
        let i = import(doc, "x").expect("imports");
        assert_eq!(i.format, ImportFormat::Agent);
        let a = &i.project.agents[0];
        assert_eq!(a.agent_name, "Billing");
        assert_eq!(a.action_groups.len(), 2);
        assert_eq!(
            a.action_groups[0]
                .parent_action_group_signature
                .as_ref()
                .map(|s| s.as_str().to_owned()),
            Some("AMAZON.UserInput".to_owned())
        );
        assert!(a.action_groups[1].returns_control());
    }

    #[test]
    fn bad_documents_say_where() {
        assert!(matches!(
            import("{\"nodes\": [,]}", "x"),
            Err(ImportError::Load(LoadError::Syntax { line: 1, .. }))
        ));
        assert!(matches!(
            import("just: yaml", "x"),
            Err(ImportError::NotRecognised(_))
        ));
        assert!(matches!(
            import("a: [unclosed", "x"),
            Err(ImportError::Syntax { .. })
        ));
        match import(r#"{"agent": {"agentName": 5}}"#, "x") {
            Err(ImportError::Shape { at, .. }) => assert_eq!(at, "agent.agentName"),
            other => panic!("expected a shape error, got {other:?}"),
        }
    }
}
