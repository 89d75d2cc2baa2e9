//! The project document: one `NAME.strata.json` holding flows, agents, knowledge bases,
//! guardrails, model profiles and canvas positions.
//!
//! Loading is lenient where Bedrock is (missing configurations, unknown enum values are kept
//! for the compiler to report) and strict where a mistake would lose data (a newer schema
//! version, a malformed shape: both are errors naming the place).

pub mod agent;
pub mod common;
pub mod data_type;
pub mod flow;
pub mod handler;
pub mod names;
pub mod resources;

/// The model's enums are read leniently; the module sits at the crate root because the
/// diagnostics use it too, and is re-exported here where the model's readers look for it.
pub use crate::lenient;

pub use agent::Agent;
pub use data_type::DataType;
pub use flow::{Flow, FlowConnection, FlowDefinition, FlowNode, FlowNodeInput, FlowNodeOutput};
pub use handler::HandlerBinding;
pub use resources::{Guardrail, KnowledgeBase, ModelProfile};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The schema version this build writes, and the newest it reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A Strata project.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub schema_version: u32,
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub flows: Vec<Flow>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<Agent>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub knowledge_bases: Vec<KnowledgeBase>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guardrails: Vec<Guardrail>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub model_profiles: Vec<ModelProfile>,
    /// Where the project's agents ship unless an agent says otherwise (Strata only; see
    /// [`agent::AgentTarget`]). Unstated means Classic, as before targets existed.
    pub agent_target: Option<lenient::Lenient<agent::AgentTarget>>,
    /// Strata only: local handlers bound by name to Lambda functions and action groups, for
    /// runs on this machine (see [`handler`]). Never exported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handlers: Vec<HandlerBinding>,
    /// Canvas positions, apart from the logic: flow name → node name → position.
    /// Moving a node changes only this section.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub canvas: BTreeMap<String, BTreeMap<String, Position>>,
}

/// Where a node sits on the canvas.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

impl Project {
    pub fn new(name: &str) -> Project {
        Project {
            schema_version: SCHEMA_VERSION,
            name: name.to_owned(),
            description: None,
            flows: vec![],
            agents: vec![],
            knowledge_bases: vec![],
            guardrails: vec![],
            model_profiles: vec![],
            agent_target: None,
            handlers: vec![],
            canvas: BTreeMap::new(),
        }
    }

    /// Where `agent` ships: its own target, else the project's, else
    /// [`agent::AgentTarget::UNSTATED`]. A value Strata does not know is `None` (the compiler
    /// reports it).
    pub fn agent_target(&self, agent: &Agent) -> Option<agent::AgentTarget> {
        let stated = agent.agent_target.as_ref().or(self.agent_target.as_ref());
        match stated {
            None => Some(agent::AgentTarget::UNSTATED),
            Some(target) => target.get(),
        }
    }

    /// Whether the project agent `agent` targets AgentCore, so that a flow's Agent node
    /// reaches it through its harness (an InvokeHarness Lambda) rather than a Classic alias.
    pub fn reaches_harness(&self, agent: &str) -> bool {
        self.agent(agent)
            .is_some_and(|a| self.agent_target(a) == Some(agent::AgentTarget::Agentcore))
    }

    pub fn flow(&self, name: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.name == name)
    }

    pub fn agent(&self, name: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.agent_name == name)
    }

    /// The names of the project's agents, in the project's order.
    pub fn agent_names(&self) -> Vec<&str> {
        self.agents.iter().map(|a| a.agent_name.as_str()).collect()
    }

    /// The project guardrail a `guardrailIdentifier` names: by its name, or by the
    /// identifier of its deployed copy.
    pub fn guardrail(&self, reference: &str) -> Option<&Guardrail> {
        self.guardrails
            .iter()
            .find(|g| g.name == reference || g.guardrail_identifier.as_deref() == Some(reference))
    }

    /// The document as it is saved: pretty-printed, two-space indent, keys in a fixed
    /// order, a final newline. The same project always gives the same bytes.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a project always serialises");
        s.push('\n');
        s
    }
}

/// What kind of document a file was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SourceFormat {
    /// A Strata project.
    Project,
    /// A CreateFlow request body.
    CreateFlowRequest,
    /// A GetFlow (or CreateFlow, UpdateFlow, GetFlowVersion) response body.
    GetFlowResponse,
    /// A bare `{nodes, connections}` definition.
    FlowDefinition,
}

impl SourceFormat {
    pub fn describe(self) -> &'static str {
        match self {
            SourceFormat::Project => "Strata project",
            SourceFormat::CreateFlowRequest => "Bedrock CreateFlow request",
            SourceFormat::GetFlowResponse => "Bedrock GetFlow response",
            SourceFormat::FlowDefinition => "Bedrock flow definition",
        }
    }
}

/// A document that was read, and what it was.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub project: Project,
    pub format: SourceFormat,
}

/// Why a document could not be read. Says where, always.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("at {path}: {message}")]
    Shape { path: String, message: String },
    #[error(
        "schema version {found} is newer than this Strata understands (up to {supported}); upgrade Strata to open it"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("schema version {found} is not a Strata schema version (1 to {supported})")]
    UnknownSchema { found: String, supported: u32 },
    #[error("{0}")]
    NotRecognised(String),
}

impl LoadError {
    /// Line and column, when the error has them.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            LoadError::Syntax { line, column, .. } => Some((*line, *column)),
            LoadError::Shape { .. }
            | LoadError::NewerSchema { .. }
            | LoadError::UnknownSchema { .. }
            | LoadError::NotRecognised(_) => None,
        }
    }
}

/// Reads a Strata project or a Bedrock flow document (CreateFlow request, GetFlow
/// response, or a bare definition). `fallback_name` names the project and flow when the
/// document carries no name (a bare definition).
pub fn load(text: &str, fallback_name: &str) -> Result<Loaded, LoadError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| LoadError::Syntax {
        line: e.line(),
        column: e.column(),
        message: syntax_message(&e),
    })?;
    let serde_json::Value::Object(map) = &value else {
        return Err(LoadError::NotRecognised(
            "the document is not a JSON object: expected a Strata project or a Bedrock flow definition"
                .to_owned(),
        ));
    };
    if let Some(version) = map.get("schemaVersion") {
        let found = version.as_u64();
        match found {
            Some(v) if v >= 1 && v <= u64::from(SCHEMA_VERSION) => {}
            Some(v) if v > u64::from(SCHEMA_VERSION) => {
                return Err(LoadError::NewerSchema {
                    found: u32::try_from(v).unwrap_or(u32::MAX),
                    supported: SCHEMA_VERSION,
                })
            }
            _ => {
                return Err(LoadError::UnknownSchema {
                    found: version.to_string(),
                    supported: SCHEMA_VERSION,
                })
            }
        }
        let project: Project = shaped(text)?;
        return Ok(Loaded {
            project,
            format: SourceFormat::Project,
        });
    }
    if map.contains_key("definition") || map.contains_key("executionRoleArn") {
        let is_response = ["id", "arn", "status", "createdAt", "version"]
            .iter()
            .any(|k| map.contains_key(*k));
        let flow: BedrockFlow = shaped(text)?;
        let name = flow
            .name
            .clone()
            .unwrap_or_else(|| fallback_name.to_owned());
        let mut project = Project::new(&name);
        project.flows.push(Flow {
            name,
            description: flow.description,
            execution_role_arn: flow.execution_role_arn,
            customer_encryption_key_arn: flow.customer_encryption_key_arn,
            definition: flow.definition.unwrap_or_default(),
            samples: vec![],
        });
        return Ok(Loaded {
            project,
            format: if is_response {
                SourceFormat::GetFlowResponse
            } else {
                SourceFormat::CreateFlowRequest
            },
        });
    }
    if map.contains_key("nodes") || map.contains_key("connections") {
        let definition: FlowDefinition = shaped(text)?;
        let mut project = Project::new(fallback_name);
        project.flows.push(Flow {
            name: fallback_name.to_owned(),
            description: None,
            execution_role_arn: None,
            customer_encryption_key_arn: None,
            definition,
            samples: vec![],
        });
        return Ok(Loaded {
            project,
            format: SourceFormat::FlowDefinition,
        });
    }
    if map.contains_key("Resources") || map.contains_key("AWSTemplateFormatVersion") {
        return Err(LoadError::NotRecognised(
            "this is a CloudFormation template; Strata reads Strata projects and Bedrock flow JSON (CreateFlow, GetFlow, or {nodes, connections})".to_owned(),
        ));
    }
    Err(LoadError::NotRecognised(
        "not a Strata project (no schemaVersion) nor a Bedrock flow (no definition, nodes or connections)"
            .to_owned(),
    ))
}

/// The members of CreateFlow/GetFlow Strata reads; the rest (ids, status, timestamps) is
/// the service's and is not part of the design.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BedrockFlow {
    name: Option<String>,
    description: Option<String>,
    execution_role_arn: Option<String>,
    customer_encryption_key_arn: Option<String>,
    definition: Option<FlowDefinition>,
}

fn shaped<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, LoadError> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        LoadError::Shape {
            path: if path == "." {
                "the top level".to_owned()
            } else {
                path
            },
            message: format!(
                "{} (line {}, column {})",
                strip_position(&inner),
                inner.line(),
                inner.column()
            ),
        }
    })
}

fn syntax_message(e: &serde_json::Error) -> String {
    strip_position(e)
}

/// serde_json appends " at line L column C" to its messages; Strata reports those separately.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_schema_is_a_clear_error() {
        let e = load(r#"{"schemaVersion": 99, "name": "x", "flows": []}"#, "x").unwrap_err();
        assert_eq!(
            e,
            LoadError::NewerSchema {
                found: 99,
                supported: SCHEMA_VERSION
            }
        );
        let e = load(r#"{"schemaVersion": "one", "name": "x"}"#, "x").unwrap_err();
        assert!(matches!(e, LoadError::UnknownSchema { .. }));
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = load("{\n  \"nodes\": [,]\n}", "x").unwrap_err();
        assert_eq!(e.position(), Some((2, 13)));
    }

    #[test]
    fn shape_errors_name_the_path() {
        let e = load(
            r#"{"nodes": [{"name": "In", "type": "Input", "outputs": [{"name": "document"}]}]}"#,
            "x",
        )
        .unwrap_err();
        match e {
            LoadError::Shape { path, message } => {
                assert_eq!(path, "nodes[0].outputs[0]");
                assert!(message.contains("missing field `type`"), "{message}");
            }
            other => panic!("expected a shape error, got {other:?}"),
        }
    }

    #[test]
    fn bare_definition_and_create_flow_load_as_one_flow() {
        let def = r#"{"nodes": [{"name": "FlowInput", "type": "Input", "outputs": [{"name": "document", "type": "String"}]}], "connections": []}"#;
        let l = load(def, "triage").unwrap();
        assert_eq!(l.format, SourceFormat::FlowDefinition);
        assert_eq!(l.project.flows[0].name, "triage");
        let req = format!(
            r#"{{"name": "f1", "executionRoleArn": "arn:aws:iam::123456789012:role/r", "definition": {def}}}"#
        );
        let l = load(&req, "x").unwrap();
        assert_eq!(l.format, SourceFormat::CreateFlowRequest);
        assert_eq!(l.project.flows[0].definition.nodes.len(), 1);
        let resp = format!(
            r#"{{"name": "f1", "id": "ABCDEFGHIJ", "status": "Prepared", "definition": {def}}}"#
        );
        assert_eq!(
            load(&resp, "x").unwrap().format,
            SourceFormat::GetFlowResponse
        );
    }

    #[test]
    fn unknown_values_are_kept_and_saved_back() {
        let def = r#"{"nodes": [{"name": "Future", "type": "Quantum", "configuration": {"quantum": {"qubits": 3}}, "outputs": [{"name": "o", "type": "Tensor"}]}]}"#;
        let l = load(def, "x").unwrap();
        let json = serde_json::to_value(&l.project.flows[0].definition).unwrap();
        assert_eq!(json["nodes"][0]["type"], "Quantum");
        assert_eq!(json["nodes"][0]["configuration"]["quantum"]["qubits"], 3);
        assert_eq!(json["nodes"][0]["outputs"][0]["type"], "Tensor");
    }
}
