//! Exports: a project as Bedrock API requests (CreateFlow, CreateAgent and the agent's
//! action-group, knowledge-base and collaborator requests) and as a CloudFormation template;
//! [`render`] also gives the AgentCore template and requests ([`crate::agentcore`]).
//!
//! Pure: every function returns values or strings, never touches files. Exports refuse a
//! project the compiler finds errors in, and never carry Strata-only fields (`projectAgent`,
//! `localHandler`, `local`, `samples`, `canvas`). The same project always gives the same bytes.

pub mod cloudformation;
pub mod pascal;
pub mod render;
mod yaml;

pub use render::{render, AgentReport, Format, Rendered, Subject};

pub use cloudformation::{
    export_cloudformation, export_cloudformation_with, FlowHistory, History, RecordedVersion,
    Template,
};

use crate::compile::compile;
use crate::diagnostic::Diagnostic;
use crate::model::agent::{AgentDescriptor, AgentKnowledgeBase, Collaborator};
use crate::model::common::GuardrailConfiguration;
use crate::model::flow::ConnectionConfiguration;
use crate::model::lenient::Lenient;
use crate::model::{Agent, Flow, FlowDefinition, Guardrail, KnowledgeBase, Project};
use crate::nodes::deployment::ProjectRefs;
use crate::nodes::NodeType;
use serde_json::{json, Map, Value};

/// Why an export could not be made. Says where, always.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    /// The compiler found errors; nothing is exported from a project Bedrock would reject.
    #[error("the project has {} error(s); fix them before exporting (first: {})", .diagnostics.iter().filter(|d| d.is_error()).count(), first_error(.diagnostics))]
    Invalid { diagnostics: Vec<Diagnostic> },
    #[error("the project has no flow named {flow:?}")]
    UnknownFlow { flow: String },
    #[error("the project has no agent named {agent:?}")]
    UnknownAgent { agent: String },
    /// A one-flow or one-agent format asked of a project that has none.
    #[error("the project has no {what} to export")]
    Nothing { what: &'static str },
    /// A node setting the CloudFormation schema of AWS::Bedrock::Flow cannot express.
    #[error("flow {flow:?} › node {node:?}: {what} cannot be expressed in CloudFormation (AWS::Bedrock::Flow); export the CreateFlow JSON instead, or change the node")]
    FlowNotInCloudFormation {
        flow: String,
        node: String,
        what: String,
    },
    /// An agent setting the CloudFormation schema of AWS::Bedrock::Agent cannot express.
    #[error("agent {agent:?}: {what} cannot be expressed in CloudFormation (AWS::Bedrock::Agent); export the CreateAgent JSON instead, or change the agent")]
    AgentNotInCloudFormation { agent: String, what: String },
    /// A project guardrail the schema of AWS::Bedrock::Guardrail cannot express.
    #[error("guardrail {guardrail:?}: {what} cannot be expressed in CloudFormation (AWS::Bedrock::Guardrail)")]
    GuardrailNotInCloudFormation { guardrail: String, what: String },
    /// A project knowledge base the schema of AWS::Bedrock::KnowledgeBase cannot express.
    #[error("knowledge base {knowledge_base:?}: {what} cannot be expressed in CloudFormation (AWS::Bedrock::KnowledgeBase)")]
    KnowledgeBaseNotInCloudFormation {
        knowledge_base: String,
        what: String,
    },
    /// A recorded alias points at a version that is not recorded.
    #[error("flow {flow:?} › alias {alias:?} points at version {version}, which is not recorded")]
    AliasWithoutVersion {
        flow: String,
        alias: String,
        version: u32,
    },
    /// A recorded alias name Bedrock would refuse (pattern `([0-9a-zA-Z][_-]?){1,100}`).
    #[error("flow {flow:?} › alias {alias:?}: Bedrock alias names are letters and digits, each optionally followed by one _ or -, at most 100 of them")]
    AliasName { flow: String, alias: String },
    /// An agent AgentCore cannot run, or whose names or values AgentCore's model refuses.
    #[error("agent {agent:?} cannot be exported to AgentCore: {reason}")]
    NotForAgentCore { agent: String, reason: String },
    /// A value that would not turn into JSON (not expected to happen; reported, not panicked on).
    #[error("{what} could not be converted to JSON: {message}")]
    Serialize { what: String, message: String },
}

fn first_error(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .find(|d| d.is_error())
        .map(|d| format!("{}: {} at {}", d.code, d.message, d.location))
        .unwrap_or_else(|| "none".to_owned())
}

pub type Result<T> = std::result::Result<T, ExportError>;

/// The requests that create one agent, in the order they are sent. `agentId` in the
/// follow-up requests is the placeholder `${<Agent>AgentId}`: it is the id CreateAgent returns.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRequests {
    /// The CreateAgent body.
    pub create_agent: Value,
    /// CreateAgentActionGroup bodies (with `agentId` and `agentVersion: DRAFT`, the URI members).
    pub action_groups: Vec<Value>,
    /// AssociateAgentKnowledgeBase bodies.
    pub knowledge_bases: Vec<Value>,
    /// AssociateAgentCollaborator bodies.
    pub collaborators: Vec<Value>,
}

impl AgentRequests {
    /// All requests as one document `{createAgent, actionGroups, knowledgeBases, collaborators}`
    /// (the form `strata export` writes and `strata import` reads back).
    pub fn to_value(&self) -> Value {
        json!({
            "createAgent": self.create_agent,
            "actionGroups": self.action_groups,
            "knowledgeBases": self.knowledge_bases,
            "collaborators": self.collaborators,
        })
    }
}

/// Fails with every diagnostic when the project has errors.
pub fn ensure_valid(project: &Project) -> Result<()> {
    let compiled = compile(project);
    if compiled.has_errors() {
        return Err(ExportError::Invalid {
            diagnostics: compiled.diagnostics,
        });
    }
    Ok(())
}

/// Letters and digits of a name, each run capitalised: `support-triage` → `SupportTriage`.
/// Used for CloudFormation logical ids and for placeholder names.
pub fn alphanumeric(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'R');
    }
    out
}

/// The placeholder the CreateFlow export puts where the flow's execution role goes when
/// the project names none. The user (or the deploy step) replaces it with a role ARN.
pub const FLOW_ROLE_PLACEHOLDER: &str = "${FlowExecutionRoleArn}";

/// The placeholder for the alias ARN of a project agent, which exists only once deployed.
pub fn agent_alias_placeholder(agent: &str) -> String {
    format!("${{{}AliasArn}}", alphanumeric(agent))
}

/// The placeholder for the id CreateAgent returns, used in the follow-up requests.
pub fn agent_id_placeholder(agent: &str) -> String {
    format!("${{{}AgentId}}", alphanumeric(agent))
}

/// The placeholder for the role of an agent when the project names none.
pub fn agent_role_placeholder(agent: &str) -> String {
    format!("${{{}RoleArn}}", alphanumeric(agent))
}

/// The placeholder for a project knowledge base that has no Bedrock id yet.
pub fn knowledge_base_placeholder(name: &str) -> String {
    format!("${{{}KnowledgeBaseId}}", alphanumeric(name))
}

/// The placeholder for a project guardrail that has no Bedrock identifier yet.
pub fn guardrail_placeholder(name: &str) -> String {
    format!("${{{}GuardrailId}}", alphanumeric(name))
}

/// The placeholders (`${Name}`) an exported request still holds, sorted, each once: what the
/// user must replace before sending it (the deploy step fills them in itself).
pub fn placeholders(text: &str) -> Vec<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let name_len = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            found.insert(format!("${{{}}}", &after[..name_len]));
        }
        rest = after;
    }
    found.into_iter().collect()
}

/// How references the export cannot know literally are written.
pub(crate) trait References {
    /// The alias ARN of the project agent `agent`.
    fn agent_alias(&self, agent: &str) -> String;
    /// The id of a project knowledge base.
    fn knowledge_base(&self, kb: &KnowledgeBase) -> String;
    /// The identifier of a project guardrail.
    fn guardrail(&self, g: &Guardrail) -> String;
    /// The ARN of the generated Lambda function that calls the AgentCore harness of `agent`.
    fn harness_invoker(&self, agent: &str) -> String;
}

/// The placeholder for the ARN of the generated function that calls an agent's harness.
pub fn harness_invoker_placeholder(agent: &str) -> String {
    format!("${{{}HarnessInvokerArn}}", alphanumeric(agent))
}

/// Whether Agent nodes reach the project agent `agent` through its AgentCore harness.
pub fn reached_through_harness(project: &Project, agent: &str) -> bool {
    project.reaches_harness(agent)
}

/// Placeholders, for the API JSON exports.
pub(crate) struct Placeholders;

impl References for Placeholders {
    fn agent_alias(&self, agent: &str) -> String {
        agent_alias_placeholder(agent)
    }
    fn knowledge_base(&self, kb: &KnowledgeBase) -> String {
        match &kb.knowledge_base_id {
            Some(real) => real.clone(),
            None => knowledge_base_placeholder(&kb.name),
        }
    }
    fn guardrail(&self, g: &Guardrail) -> String {
        match &g.guardrail_identifier {
            Some(real) => real.clone(),
            None => guardrail_placeholder(&g.name),
        }
    }
    fn harness_invoker(&self, agent: &str) -> String {
        harness_invoker_placeholder(agent)
    }
}

/// A guardrail reference resolved: one naming a project guardrail becomes what `refs` says.
pub(crate) fn resolve_guardrail(
    project: &Project,
    g: &mut Option<GuardrailConfiguration>,
    refs: &dyn References,
) {
    let Some(g) = g else { return };
    let Some(found) = g
        .guardrail_identifier
        .as_deref()
        .and_then(|id| project.guardrail(id))
    else {
        return;
    };
    g.guardrail_identifier = Some(refs.guardrail(found));
}

/// A knowledge-base reference resolved: a project knowledge base's name becomes what
/// `refs` says (its id, a placeholder, a CloudFormation reference).
pub(crate) fn resolve_knowledge_base(project: &Project, id: &str, refs: &dyn References) -> String {
    match project.knowledge_bases.iter().find(|k| k.name == id) {
        Some(kb) => refs.knowledge_base(kb),
        None => id.to_owned(),
    }
}

/// The definition as Bedrock takes it: Strata-only fields removed, project agents and
/// project knowledge bases replaced by what `refs` says.
pub(crate) fn api_definition(
    project: &Project,
    definition: &FlowDefinition,
    refs: &dyn References,
) -> FlowDefinition {
    let mut def = definition.clone();
    strip_definition(project, &mut def, refs);
    def
}

fn strip_definition(project: &Project, def: &mut FlowDefinition, refs: &dyn References) {
    let refs = ApiRefs { project, refs };
    let mut renamed: Vec<(String, &str, &str)> = Vec::new();
    for node in &mut def.nodes {
        let Some(config) = &mut node.configuration else {
            continue;
        };
        let Some(kind) = config.node_type().map(NodeType::kind) else {
            continue;
        };
        match (kind.deploy_as)(config, &refs) {
            Some(redeployed) => {
                let new_type = redeployed.configuration.node_type();
                *config = redeployed.configuration;
                if let Some(t) = new_type {
                    node.node_type = Lenient::Known(t);
                }
                for (old, new) in redeployed.renamed_outputs {
                    for o in node.outputs.iter_mut().filter(|o| o.name == old) {
                        o.name = new.to_owned();
                    }
                    renamed.push((node.name.clone(), old, new));
                }
            }
            None => (kind.strip_local)(config, &refs),
        }
    }
    for c in &mut def.connections {
        let Some(ConnectionConfiguration::Data(data)) = &mut c.configuration else {
            continue;
        };
        if let Some((_, _, new)) = renamed
            .iter()
            .find(|(node, old, _)| *node == c.source && data.source_output == *old)
        {
            data.source_output = (*new).to_owned();
        }
    }
}

/// What a node's references to the project become in an API request: what `refs` says.
struct ApiRefs<'a> {
    project: &'a Project,
    refs: &'a dyn References,
}

impl ProjectRefs for ApiRefs<'_> {
    fn agent_alias(&self, agent: &str) -> String {
        self.refs.agent_alias(agent)
    }
    fn knowledge_base_id(&self, id: &str) -> String {
        resolve_knowledge_base(self.project, id, self.refs)
    }
    fn guardrail(&self, guardrail: &mut Option<GuardrailConfiguration>) {
        resolve_guardrail(self.project, guardrail, self.refs);
    }
    fn definition(&self, definition: &mut FlowDefinition) {
        strip_definition(self.project, definition, self.refs);
    }
    fn harness_invoker(&self, agent: &str) -> Option<String> {
        reached_through_harness(self.project, agent).then(|| self.refs.harness_invoker(agent))
    }
}

pub(crate) fn to_value<T: serde::Serialize>(what: &str, t: &T) -> Result<Value> {
    serde_json::to_value(t).map_err(|e| ExportError::Serialize {
        what: what.to_owned(),
        message: e.to_string(),
    })
}

/// The CreateFlow request for one flow of the project, in the API's camelCase shapes.
///
/// A flow without `executionRoleArn` gets [`FLOW_ROLE_PLACEHOLDER`]; an Agent node that runs
/// a project agent gets `${<Agent>AliasArn}`; a KnowledgeBase node naming a project
/// knowledge base without an id gets `${<Name>KnowledgeBaseId}`, a guardrail reference naming a
/// project guardrail gets its identifier or `${<Name>GuardrailId}`. Replace them before sending.
pub fn export_flow_json(project: &Project, flow: &str) -> Result<Value> {
    ensure_valid(project)?;
    let f = project.flow(flow).ok_or_else(|| ExportError::UnknownFlow {
        flow: flow.to_owned(),
    })?;
    create_flow_request(project, f)
}

pub(crate) fn create_flow_request(project: &Project, f: &Flow) -> Result<Value> {
    let def = api_definition(project, &f.definition, &Placeholders);
    let mut out = Map::new();
    out.insert("name".into(), Value::String(f.name.clone()));
    if let Some(d) = &f.description {
        out.insert("description".into(), Value::String(d.clone()));
    }
    out.insert(
        "executionRoleArn".into(),
        Value::String(
            f.execution_role_arn
                .clone()
                .unwrap_or_else(|| FLOW_ROLE_PLACEHOLDER.to_owned()),
        ),
    );
    if let Some(k) = &f.customer_encryption_key_arn {
        out.insert("customerEncryptionKeyArn".into(), Value::String(k.clone()));
    }
    out.insert(
        "definition".into(),
        to_value(&format!("flow {:?}", f.name), &def)?,
    );
    Ok(Value::Object(out))
}

/// The agent in CreateAgent's shape, without its action groups, knowledge bases,
/// collaborators and local settings (those go in their own requests or nowhere).
pub(crate) fn agent_body(agent: &Agent) -> Result<Map<String, Value>> {
    let mut bare = agent.clone();
    bare.action_groups.clear();
    bare.knowledge_bases.clear();
    bare.collaborators.clear();
    bare.local = Default::default();
    bare.agent_target = None;
    match to_value(&format!("agent {:?}", agent.agent_name), &bare)? {
        Value::Object(m) => Ok(m),
        other => Err(ExportError::Serialize {
            what: format!("agent {:?}", agent.agent_name),
            message: format!("expected an object, got {other}"),
        }),
    }
}

/// An action group as the API takes it: without the local handler.
pub(crate) fn action_group_body(
    agent: &Agent,
    group: &crate::model::agent::ActionGroup,
) -> Result<Map<String, Value>> {
    let mut g = group.clone();
    g.local_handler = None;
    match to_value(
        &format!(
            "agent {:?} › action group {:?}",
            agent.agent_name, group.action_group_name
        ),
        &g,
    )? {
        Value::Object(m) => Ok(m),
        other => Err(ExportError::Serialize {
            what: format!("action group {:?}", group.action_group_name),
            message: format!("expected an object, got {other}"),
        }),
    }
}

/// A collaborator's alias ARN: literal, or the project agent's alias.
pub(crate) fn collaborator_alias(descriptor: &AgentDescriptor, refs: &dyn References) -> String {
    match (&descriptor.alias_arn, &descriptor.project_agent) {
        (Some(arn), _) if !arn.is_empty() => arn.clone(),
        (_, Some(agent)) => refs.agent_alias(agent),
        (Some(arn), None) => arn.clone(),
        (None, None) => String::new(),
    }
}

/// What AssociateAgentKnowledgeBase says of a knowledge base (camelCase; CloudFormation takes
/// the same members in PascalCase), with its id resolved to `knowledge_base_id`.
pub(crate) fn knowledge_base_body(
    kb: &AgentKnowledgeBase,
    knowledge_base_id: String,
) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("knowledgeBaseId".into(), Value::String(knowledge_base_id));
    body.insert("description".into(), Value::String(kb.description.clone()));
    if let Some(s) = &kb.knowledge_base_state {
        body.insert("knowledgeBaseState".into(), Value::String(s.to_string()));
    }
    body
}

/// What AssociateAgentCollaborator says of a collaborator (camelCase; CloudFormation takes
/// the same members in PascalCase), its descriptor pointing at `alias_arn`.
pub(crate) fn collaborator_body(c: &Collaborator, alias_arn: String) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("agentDescriptor".into(), json!({ "aliasArn": alias_arn }));
    body.insert(
        "collaboratorName".into(),
        Value::String(c.collaborator_name.clone()),
    );
    body.insert(
        "collaborationInstruction".into(),
        Value::String(c.collaboration_instruction.clone()),
    );
    if let Some(r) = &c.relay_conversation_history {
        body.insert(
            "relayConversationHistory".into(),
            Value::String(r.to_string()),
        );
    }
    body
}

/// The requests that create one agent of the project: CreateAgent, then one
/// CreateAgentActionGroup per action group (DRAFT), AssociateAgentKnowledgeBase per
/// knowledge base (project names resolved to ids) and AssociateAgentCollaborator per collaborator.
pub fn export_agent_json(project: &Project, agent: &str) -> Result<AgentRequests> {
    ensure_valid(project)?;
    let a = project
        .agent(agent)
        .ok_or_else(|| ExportError::UnknownAgent {
            agent: agent.to_owned(),
        })?;
    let mut resolved = a.clone();
    resolve_guardrail(
        project,
        &mut resolved.guardrail_configuration,
        &Placeholders,
    );
    let mut create = agent_body(&resolved)?;
    if !create.contains_key("agentResourceRoleArn") {
        create.insert(
            "agentResourceRoleArn".into(),
            Value::String(agent_role_placeholder(&a.agent_name)),
        );
    }
    let agent_id = Value::String(agent_id_placeholder(&a.agent_name));
    let draft = Value::String("DRAFT".to_owned());
    let mut action_groups = Vec::new();
    for g in &a.action_groups {
        let mut body = action_group_body(a, g)?;
        body.insert("agentId".into(), agent_id.clone());
        body.insert("agentVersion".into(), draft.clone());
        action_groups.push(Value::Object(body));
    }
    let mut knowledge_bases = Vec::new();
    for kb in &a.knowledge_bases {
        let mut body = Map::new();
        body.insert("agentId".into(), agent_id.clone());
        body.insert("agentVersion".into(), draft.clone());
        let kb_id = resolve_knowledge_base(project, &kb.knowledge_base_id, &Placeholders);
        body.extend(knowledge_base_body(kb, kb_id));
        knowledge_bases.push(Value::Object(body));
    }
    let mut collaborators = Vec::new();
    for c in &a.collaborators {
        let mut body = Map::new();
        body.insert("agentId".into(), agent_id.clone());
        body.insert("agentVersion".into(), draft.clone());
        let alias = collaborator_alias(&c.agent_descriptor, &Placeholders);
        body.extend(collaborator_body(c, alias));
        collaborators.push(Value::Object(body));
    }
    Ok(AgentRequests {
        create_agent: Value::Object(create),
        action_groups,
        knowledge_bases,
        collaborators,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_once_each_and_text_that_only_looks_alike_is_not() {
        let text = r#"{"a": "${BillingAgentAliasArn}", "b": "${FlowExecutionRoleArn}",
            "c": "${BillingAgentAliasArn}", "d": "${not one}", "e": "${}", "f": "${Open"#;
        assert_eq!(
            placeholders(text),
            ["${BillingAgentAliasArn}", "${FlowExecutionRoleArn}"]
        );
        assert!(placeholders("no placeholders here").is_empty());
    }

    #[test]
    fn alphanumeric_names() {
        assert_eq!(alphanumeric("support-triage"), "SupportTriage");
        assert_eq!(alphanumeric("BillingAgent"), "BillingAgent");
        assert_eq!(alphanumeric("9lives"), "R9lives");
        assert_eq!(alphanumeric("--"), "R");
        assert_eq!(alphanumeric("a_b c"), "ABC");
    }

    #[test]
    fn strata_only_fields_never_leave() {
        let mut project = crate::templates::instantiate(
            crate::templates::find("support-triage").expect("template"),
            "support-triage",
        )
        .expect("loads");
        // Classic: the Agent node keeps its alias (an AgentCore agent's node becomes a Lambda).
        project.agent_target = Some(crate::model::agent::AgentTarget::Classic.into());
        let flow = export_flow_json(&project, "triage").expect("exports");
        let text = flow.to_string();
        assert!(!text.contains("projectAgent"), "{text}");
        assert!(!text.contains("samples"), "{text}");
        assert!(text.contains("${BillingAgentAliasArn}"), "{text}");
        assert!(
            placeholders(&text).contains(&"${BillingAgentAliasArn}".to_owned()),
            "{text}"
        );
        assert_eq!(flow["executionRoleArn"], FLOW_ROLE_PLACEHOLDER);
        let agent = export_agent_json(&project, "BillingAgent").expect("exports");
        let text = agent.to_value().to_string();
        assert!(!text.contains("localHandler"), "{text}");
        assert!(!text.contains("maxIterations"), "{text}");
        assert_eq!(agent.action_groups[0]["agentVersion"], "DRAFT");
        assert_eq!(
            agent.action_groups[1]["parentActionGroupSignature"],
            "AMAZON.UserInput"
        );
    }
}
