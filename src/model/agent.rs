//! A Bedrock agent, in the shapes of CreateAgent, CreateAgentActionGroup,
//! AssociateAgentKnowledgeBase and AssociateAgentCollaborator, plus local-run settings.

use crate::model::common::GuardrailConfiguration;
use crate::model::lenient::Lenient;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::str_enum! {
    /// `PromptType` (the control-plane enum, plus ROUTING_CLASSIFIER which CloudFormation takes).
    pub enum PromptType {
        PreProcessing = "PRE_PROCESSING",
        Orchestration = "ORCHESTRATION",
        PostProcessing = "POST_PROCESSING",
        KnowledgeBaseResponseGeneration = "KNOWLEDGE_BASE_RESPONSE_GENERATION",
        MemorySummarization = "MEMORY_SUMMARIZATION",
        RoutingClassifier = "ROUTING_CLASSIFIER",
    }
}

crate::str_enum! {
    /// `ActionGroupSignature`: built-in parent action groups.
    pub enum ParentSignature {
        UserInput = "AMAZON.UserInput",
        CodeInterpreter = "AMAZON.CodeInterpreter",
        Computer = "ANTHROPIC.Computer",
        Bash = "ANTHROPIC.Bash",
        TextEditor = "ANTHROPIC.TextEditor",
    }
}

crate::str_enum! {
    /// `ParameterType` of a function parameter.
    pub enum ParameterType {
        String = "string",
        Number = "number",
        Integer = "integer",
        Boolean = "boolean",
        Array = "array",
    }
}

crate::str_enum! {
    /// `AgentCollaboration`.
    pub enum Collaboration {
        Supervisor = "SUPERVISOR",
        SupervisorRouter = "SUPERVISOR_ROUTER",
        Disabled = "DISABLED",
    }
}

crate::str_enum! {
    /// `OrchestrationType`.
    pub enum OrchestrationType {
        Default = "DEFAULT",
        CustomOrchestration = "CUSTOM_ORCHESTRATION",
    }
}

crate::str_enum! {
    /// `CreationMode`: whether a prompt's template (`promptCreationMode`) or its parser
    /// (`parserMode`) is Bedrock's default or the agent's own.
    pub enum CreationMode {
        Default = "DEFAULT",
        Overridden = "OVERRIDDEN",
    }
}

crate::str_enum! {
    /// `PromptState`, `ActionGroupState`, `KnowledgeBaseState` and `RequireConfirmation`:
    /// four enums of the API model with the same two values.
    pub enum State {
        Enabled = "ENABLED",
        Disabled = "DISABLED",
    }
}

impl State {
    /// `ENABLED` when `on`, else `DISABLED`.
    pub fn from_on(on: bool) -> State {
        if on {
            State::Enabled
        } else {
            State::Disabled
        }
    }
}

crate::str_enum! {
    /// `RelayConversationHistory`.
    pub enum RelayConversationHistory {
        ToCollaborator = "TO_COLLABORATOR",
        Disabled = "DISABLED",
    }
}

/// An agent of the project.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub agent_name: String,
    pub foundation_model: Option<String>,
    pub instruction: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "idleSessionTTLInSeconds")]
    pub idle_session_ttl_in_seconds: Option<u32>,
    pub agent_resource_role_arn: Option<String>,
    pub customer_encryption_key_arn: Option<String>,
    pub orchestration_type: Option<Lenient<OrchestrationType>>,
    /// `CustomOrchestration` in the API's shape.
    pub custom_orchestration: Option<serde_json::Value>,
    pub prompt_override_configuration: Option<PromptOverrideConfiguration>,
    pub guardrail_configuration: Option<GuardrailConfiguration>,
    pub memory_configuration: Option<MemoryConfiguration>,
    pub agent_collaboration: Option<Lenient<Collaboration>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action_groups: Vec<ActionGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub knowledge_bases: Vec<AgentKnowledgeBase>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collaborators: Vec<Collaborator>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Strata only: where this agent ships, overriding the project's `agentTarget`. Never part
    /// of a CreateAgent request.
    pub agent_target: Option<Lenient<AgentTarget>>,
    /// How Strata runs this agent on the user's machine.
    #[serde(default, skip_serializing_if = "LocalAgentSettings::is_default")]
    pub local: LocalAgentSettings,
}

crate::str_enum! {
    /// Where a project agent is shipped: Amazon Bedrock AgentCore (a managed harness with its
    /// tools behind a gateway), or Agents Classic (CreateAgent, `AWS::Bedrock::Agent`), which
    /// accounts that joined AWS after 2026-07-30 cannot use.
    pub enum AgentTarget {
        Agentcore = "agentcore",
        Classic = "classic",
    }
}

impl AgentTarget {
    /// What a project or agent that names no target ships to: Classic, so projects written
    /// before targets existed keep exporting what they always did. New projects (`strata new`,
    /// New in the app) name `agentcore`.
    pub const UNSTATED: AgentTarget = AgentTarget::Classic;
}

impl Agent {
    pub fn new(name: &str) -> Agent {
        Agent {
            agent_name: name.to_owned(),
            foundation_model: None,
            instruction: None,
            description: None,
            idle_session_ttl_in_seconds: None,
            agent_resource_role_arn: None,
            customer_encryption_key_arn: None,
            orchestration_type: None,
            custom_orchestration: None,
            prompt_override_configuration: None,
            guardrail_configuration: None,
            memory_configuration: None,
            agent_collaboration: None,
            action_groups: vec![],
            knowledge_bases: vec![],
            collaborators: vec![],
            tags: BTreeMap::new(),
            agent_target: None,
            local: LocalAgentSettings::default(),
        }
    }
}

/// Bedrock's default cap on orchestration steps in one turn: what a local run takes when
/// `local.maxIterations` is unstated, and the harness's `maxIterations` on AgentCore.
pub const DEFAULT_MAX_ITERATIONS: u32 = 10;

/// Local-run settings of an agent. Never exported.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalAgentSettings {
    /// The most orchestration steps one turn may take before the run fails.
    pub max_iterations: Option<u32>,
    /// A model profile of the project to run this agent with instead of `foundationModel`.
    pub model_profile: Option<String>,
    /// Whether people talk to this agent directly (then it should have a guardrail).
    pub user_facing: Option<bool>,
}

impl LocalAgentSettings {
    fn is_default(&self) -> bool {
        *self == LocalAgentSettings::default()
    }
}

/// `PromptOverrideConfiguration`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptOverrideConfiguration {
    #[serde(default)]
    pub prompt_configurations: Vec<PromptConfiguration>,
    pub override_lambda: Option<String>,
}

/// `PromptConfiguration`: one prompt type's template and settings.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptConfiguration {
    pub prompt_type: Option<Lenient<PromptType>>,
    pub prompt_creation_mode: Option<Lenient<CreationMode>>,
    pub prompt_state: Option<Lenient<State>>,
    pub base_prompt_template: Option<String>,
    pub inference_configuration: Option<AgentInference>,
    pub parser_mode: Option<Lenient<CreationMode>>,
    pub foundation_model: Option<String>,
    pub additional_model_request_fields: Option<serde_json::Value>,
}

/// `InferenceConfiguration` of an agent prompt.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentInference {
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub top_k: Option<u32>,
    pub maximum_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
}

/// `MemoryConfiguration`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryConfiguration {
    pub enabled_memory_types: Vec<String>,
    pub storage_days: Option<u32>,
    pub session_summary_configuration: Option<SessionSummaryConfiguration>,
}

/// `SessionSummaryConfiguration`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummaryConfiguration {
    pub max_recent_sessions: Option<u32>,
}

/// An action group: CreateAgentActionGroup's body plus the local handler.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionGroup {
    pub action_group_name: String,
    pub description: Option<String>,
    pub action_group_executor: Option<ActionGroupExecutor>,
    pub api_schema: Option<ApiSchema>,
    pub function_schema: Option<FunctionSchema>,
    pub parent_action_group_signature: Option<Lenient<ParentSignature>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parent_action_group_signature_params: BTreeMap<String, String>,
    pub action_group_state: Option<Lenient<State>>,
    /// Strata only: the local handler standing in for the Lambda, e.g. `handlers/orders.py:handler`.
    pub local_handler: Option<String>,
}

impl ActionGroup {
    pub fn returns_control(&self) -> bool {
        matches!(
            self.action_group_executor,
            Some(ActionGroupExecutor::CustomControl(_))
        )
    }
}

/// `ActionGroupExecutor` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActionGroupExecutor {
    Lambda(String),
    /// Always `RETURN_CONTROL`.
    CustomControl(String),
}

/// `APISchema` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ApiSchema {
    /// An OpenAPI 3 document, as JSON or YAML text.
    Payload(String),
    S3(S3Identifier),
}

/// `S3Identifier`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Identifier {
    pub s3_bucket_name: Option<String>,
    pub s3_object_key: Option<String>,
}

/// `FunctionSchema` (union with one member).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FunctionSchema {
    Functions(Vec<Function>),
}

impl FunctionSchema {
    pub fn functions(&self) -> &[Function] {
        match self {
            FunctionSchema::Functions(f) => f,
        }
    }
}

/// `Function`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Function {
    pub name: String,
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, ParameterDetail>,
    pub require_confirmation: Option<Lenient<State>>,
}

impl Function {
    /// The JSON Schema of the function's parameters: an object with one property per
    /// parameter (its type and description; arrays of anything), the required ones listed.
    /// What a local run gives the model, and what an AgentCore tool declares.
    pub fn input_schema(&self) -> serde_json::Value {
        use serde_json::{json, Map};
        let mut properties = Map::new();
        let mut required = Vec::new();
        for (name, detail) in &self.parameters {
            let kind = detail.param_type.as_str().to_owned();
            let mut schema = json!({ "type": kind });
            if kind == "array" {
                schema["items"] = json!({});
            }
            if let Some(d) = &detail.description {
                schema["description"] = json!(d);
            }
            properties.insert(name.clone(), schema);
            if detail.required == Some(true) {
                required.push(json!(name));
            }
        }
        json!({ "type": "object", "properties": properties, "required": required })
    }

    /// Whether the user approves each call: anything but an absent or `DISABLED` setting asks,
    /// so a misspelt value never runs the action unconfirmed (the compiler reports it).
    pub fn requires_confirmation(&self) -> bool {
        !matches!(
            self.require_confirmation.as_ref().map(|c| c.get()),
            None | Some(Some(State::Disabled))
        )
    }
}

/// `ParameterDetail`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParameterDetail {
    #[serde(rename = "type")]
    pub param_type: Lenient<ParameterType>,
    pub description: Option<String>,
    pub required: Option<bool>,
}

/// AssociateAgentKnowledgeBase's body.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentKnowledgeBase {
    /// A Bedrock knowledge base id, or the name of a project knowledge base.
    pub knowledge_base_id: String,
    pub description: String,
    pub knowledge_base_state: Option<Lenient<State>>,
}

/// AssociateAgentCollaborator's body.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collaborator {
    pub collaborator_name: String,
    pub agent_descriptor: AgentDescriptor,
    pub collaboration_instruction: String,
    pub relay_conversation_history: Option<Lenient<RelayConversationHistory>>,
}

/// `AgentDescriptor`: the collaborator's alias, or a project agent.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDescriptor {
    pub alias_arn: Option<String>,
    /// Strata only: a project agent standing in for the alias.
    pub project_agent: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enum_fields_keep_unknown_values_and_write_them_back() {
        let agent = json!({
            "agentName": "Support",
            "orchestrationType": "SMART",
            "promptOverrideConfiguration": {"promptConfigurations": [{
                "promptType": "ORCHESTRATION",
                "promptCreationMode": "OVERRIDDEN",
                "promptState": "PAUSED",
                "parserMode": "DEFAULT"
            }]},
            "actionGroups": [{
                "actionGroupName": "Orders",
                "actionGroupState": "DISABLED",
                "functionSchema": {"functions": [{"name": "refund", "requireConfirmation": "ENABLED"}]}
            }],
            "knowledgeBases": [{"knowledgeBaseId": "KB", "description": "d", "knowledgeBaseState": "OFF"}],
            "collaborators": [{
                "collaboratorName": "Billing",
                "agentDescriptor": {"projectAgent": "Billing"},
                "collaborationInstruction": "i",
                "relayConversationHistory": "TO_COLLABORATOR"
            }]
        });
        let a: Agent = serde_json::from_value(agent.clone()).unwrap();
        assert_eq!(a.orchestration_type, Some(Lenient::Unknown("SMART".into())));
        let c = &a
            .prompt_override_configuration
            .as_ref()
            .unwrap()
            .prompt_configurations[0];
        assert_eq!(
            c.prompt_creation_mode,
            Some(CreationMode::Overridden.into())
        );
        assert_eq!(c.prompt_state, Some(Lenient::Unknown("PAUSED".into())));
        assert_eq!(c.parser_mode, Some(CreationMode::Default.into()));
        assert_eq!(
            a.action_groups[0].action_group_state,
            Some(State::Disabled.into())
        );
        assert!(a.action_groups[0]
            .function_schema
            .as_ref()
            .unwrap()
            .functions()[0]
            .requires_confirmation());
        assert_eq!(
            a.knowledge_bases[0].knowledge_base_state,
            Some(Lenient::Unknown("OFF".into()))
        );
        assert_eq!(
            a.collaborators[0].relay_conversation_history,
            Some(RelayConversationHistory::ToCollaborator.into())
        );
        assert_eq!(serde_json::to_value(&a).unwrap(), agent);
    }
}
