//! The AgentCore control-plane requests that ship one agent, in the shapes of the service model
//! `bedrock-agentcore-control` (members camelCase exactly as it names them): CreateHarness,
//! CreateGateway, CreateGatewayTarget and CreateHarnessEndpoint, with the nested shapes they
//! use. Unions are enums with one variant per member, so a value names exactly one member.
//!
//! Ids a request cannot know before an earlier one has been sent are placeholders,
//! `${<Agent>GatewayId}`, `${<Agent>GatewayArn}`, `${<Agent>HarnessId}`,
//! `${<Agent>ExecutionRoleArn}`, `${<Agent>GatewayRoleArn}` (see [`super::placeholder`]); the
//! deploy step fills them in, as it does `${<Agent>AgentId}` for Classic.

use crate::lenient::StrEnum;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Everything that ships one agent to AgentCore, in the order it is sent: the gateway, its
/// targets, the harness (which names the gateway), then the harness's endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCoreRequests {
    /// The project agent these requests ship.
    pub agent: String,
    pub harness: CreateHarnessRequest,
    /// A gateway when the agent has tools that run behind one (Lambda action groups).
    pub gateway: Option<CreateGatewayRequest>,
    pub targets: Vec<CreateGatewayTargetRequest>,
    pub endpoints: Vec<CreateHarnessEndpointRequest>,
}

impl AgentCoreRequests {
    /// The document `strata export --format agentcore-json` writes:
    /// `{"createHarness":…, "createGateway":…, "createGatewayTargets":[…], "createHarnessEndpoints":[…]}`
    /// (`createGateway` is `null` when the agent needs no gateway).
    pub fn to_value(&self) -> Value {
        json!({
            "createHarness": to_json(&self.harness),
            "createGateway": self.gateway.as_ref().map(to_json).unwrap_or(Value::Null),
            "createGatewayTargets": self.targets.iter().map(to_json).collect::<Vec<_>>(),
            "createHarnessEndpoints": self.endpoints.iter().map(to_json).collect::<Vec<_>>(),
        })
    }

    /// Reads back the document [`AgentCoreRequests::to_value`] writes. `agent` names the project
    /// agent (the document does not carry it). A document that is not that shape is refused
    /// with serde's located message.
    pub fn from_value(agent: &str, v: &Value) -> Result<AgentCoreRequests, String> {
        let member = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
        let harness = serde_json::from_value(member("createHarness"))
            .map_err(|e| format!("createHarness: {e}"))?;
        let gateway = serde_json::from_value(member("createGateway"))
            .map_err(|e| format!("createGateway: {e}"))?;
        let list = |k: &str| match member(k) {
            Value::Null => Value::Array(vec![]),
            other => other,
        };
        let targets = serde_json::from_value(list("createGatewayTargets"))
            .map_err(|e| format!("createGatewayTargets: {e}"))?;
        let endpoints = serde_json::from_value(list("createHarnessEndpoints"))
            .map_err(|e| format!("createHarnessEndpoints: {e}"))?;
        Ok(AgentCoreRequests {
            agent: agent.to_owned(),
            harness,
            gateway,
            targets,
            endpoints,
        })
    }
}

/// Serialises a request; the types hold only strings, numbers, maps and lists, so this cannot
/// fail in practice (a failure gives `null`, never a panic).
fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// `CreateHarnessRequest`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateHarnessRequest {
    /// `HarnessName`: `[a-zA-Z][a-zA-Z0-9_]{0,39}`.
    pub harness_name: String,
    pub execution_role_arn: String,
    pub model: Option<HarnessModelConfiguration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_prompt: Vec<HarnessSystemContentBlock>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<HarnessTool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_tools: Vec<String>,
    pub memory: Option<HarnessMemoryConfiguration>,
    pub truncation: Option<HarnessTruncationConfiguration>,
    pub max_iterations: Option<u32>,
    pub max_tokens: Option<u32>,
    pub timeout_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Members Strata does not model (environment, hooks, skills, authorizer…), kept as they
    /// were read so an import can name them.
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    pub other: Map<String, Value>,
}

/// `HarnessModelConfiguration` (union). Strata writes Bedrock models only; the other members
/// are read so an import can name them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HarnessModelConfiguration {
    BedrockModelConfig(HarnessBedrockModelConfig),
    OpenAiModelConfig(Value),
    GeminiModelConfig(Value),
    LiteLlmModelConfig(Value),
}

/// `HarnessBedrockModelConfig`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HarnessBedrockModelConfig {
    pub model_id: String,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub api_format: Option<HarnessBedrockApiFormat>,
    /// `Document`: model-specific request fields (e.g. `top_k`, stop sequences).
    pub additional_params: Option<Value>,
}

crate::str_enum! {
    /// `HarnessBedrockApiFormat`.
    pub enum HarnessBedrockApiFormat {
        ConverseStream = "converse_stream",
        Responses = "responses",
        ChatCompletions = "chat_completions",
    }
}

/// `HarnessSystemContentBlock` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HarnessSystemContentBlock {
    Text(String),
}

/// `HarnessTool`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HarnessTool {
    #[serde(rename = "type")]
    pub tool_type: HarnessToolType,
    /// `HarnessToolName`: `[a-zA-Z0-9_-]+`, 1–64.
    pub name: Option<String>,
    pub config: Option<HarnessToolConfiguration>,
}

crate::str_enum! {
    /// `HarnessToolType`.
    pub enum HarnessToolType {
        RemoteMcp = "remote_mcp",
        AgentcoreBrowser = "agentcore_browser",
        AgentcoreGateway = "agentcore_gateway",
        InlineFunction = "inline_function",
        AgentcoreCodeInterpreter = "agentcore_code_interpreter",
    }
}

/// `HarnessToolConfiguration` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HarnessToolConfiguration {
    /// `HarnessRemoteMcpConfig`, kept as read.
    RemoteMcp(Value),
    AgentCoreBrowser(HarnessAgentCoreBrowserConfig),
    AgentCoreGateway(HarnessAgentCoreGatewayConfig),
    InlineFunction(HarnessInlineFunctionConfig),
    AgentCoreCodeInterpreter(HarnessAgentCoreCodeInterpreterConfig),
}

/// `HarnessAgentCoreBrowserConfig`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HarnessAgentCoreBrowserConfig {
    pub browser_arn: Option<String>,
}

/// `HarnessAgentCoreGatewayConfig`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HarnessAgentCoreGatewayConfig {
    pub gateway_arn: String,
    pub outbound_auth: Option<HarnessGatewayOutboundAuth>,
}

/// `HarnessGatewayOutboundAuth` (union of two `Unit`s).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HarnessGatewayOutboundAuth {
    AwsIam(Unit),
    None(Unit),
}

/// `Unit`: an empty structure, `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {}

/// `HarnessInlineFunctionConfig`: a tool the caller runs (return of control).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HarnessInlineFunctionConfig {
    /// 1–4096 characters.
    pub description: String,
    /// A JSON Schema (`SensitiveJson` document).
    pub input_schema: Value,
}

/// `HarnessAgentCoreCodeInterpreterConfig`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HarnessAgentCoreCodeInterpreterConfig {
    /// Absent: the AWS-managed code interpreter.
    pub code_interpreter_arn: Option<String>,
}

/// `HarnessMemoryConfiguration` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HarnessMemoryConfiguration {
    AgentCoreMemoryConfiguration(HarnessAgentCoreMemoryConfiguration),
    ManagedMemoryConfiguration(HarnessManagedMemoryConfiguration),
    Disabled(Unit),
}

/// `HarnessAgentCoreMemoryConfiguration`: an existing AgentCore memory.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HarnessAgentCoreMemoryConfiguration {
    pub arn: String,
    pub actor_id: Option<String>,
    pub messages_count: Option<u32>,
    /// `HarnessAgentCoreMemoryRetrievalConfigs`, kept as read.
    pub retrieval_config: Option<Value>,
}

/// `HarnessManagedMemoryConfiguration`: a memory the harness creates and owns.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HarnessManagedMemoryConfiguration {
    pub arn: Option<String>,
    /// 1–4 strategies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strategies: Vec<HarnessManagedMemoryStrategyType>,
    /// Days, 3–365.
    pub event_expiry_duration: Option<u32>,
    pub encryption_key_arn: Option<String>,
}

crate::str_enum! {
    /// `HarnessManagedMemoryStrategyType`.
    pub enum HarnessManagedMemoryStrategyType {
        Semantic = "SEMANTIC",
        Summarization = "SUMMARIZATION",
        UserPreference = "USER_PREFERENCE",
        Episodic = "EPISODIC",
    }
}

/// `HarnessTruncationConfiguration`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HarnessTruncationConfiguration {
    pub strategy: HarnessTruncationStrategy,
    /// `HarnessTruncationStrategyConfiguration` (union), kept as read.
    pub config: Option<Value>,
}

crate::str_enum! {
    /// `HarnessTruncationStrategy`.
    pub enum HarnessTruncationStrategy {
        SlidingWindow = "sliding_window",
        Summarization = "summarization",
        None = "none",
    }
}

/// `CreateGatewayRequest`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateGatewayRequest {
    /// `GatewayName`: `([0-9a-zA-Z][-]?){1,48}`.
    pub name: String,
    /// 1–200 characters.
    pub description: Option<String>,
    pub role_arn: String,
    pub protocol_type: Option<GatewayProtocolType>,
    pub authorizer_type: AuthorizerType,
    /// `AuthorizerConfiguration` (union), kept as read.
    pub authorizer_configuration: Option<Value>,
    pub kms_key_arn: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

crate::str_enum! {
    /// `GatewayProtocolType`.
    pub enum GatewayProtocolType {
        Mcp = "MCP",
    }
}

crate::str_enum! {
    /// `AuthorizerType`.
    pub enum AuthorizerType {
        CustomJwt = "CUSTOM_JWT",
        AwsIam = "AWS_IAM",
        None = "NONE",
        AuthenticateOnly = "AUTHENTICATE_ONLY",
    }
}

/// `CreateGatewayTargetRequest`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateGatewayTargetRequest {
    /// The gateway's id: `${<Agent>GatewayId}` until the gateway exists.
    pub gateway_identifier: String,
    /// `TargetName`: `([0-9a-zA-Z][-]?){1,100}`.
    pub name: String,
    /// 1–200 characters.
    pub description: Option<String>,
    pub target_configuration: TargetConfiguration,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_provider_configurations: Vec<CredentialProviderConfiguration>,
}

/// `TargetConfiguration` (union; Strata writes `mcp`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TargetConfiguration {
    Mcp(McpTargetConfiguration),
    /// `HttpTargetConfiguration`, kept as read.
    Http(Value),
    /// `InferenceTargetConfiguration`, kept as read.
    Inference(Value),
}

/// `McpTargetConfiguration` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum McpTargetConfiguration {
    OpenApiSchema(ApiSchemaConfiguration),
    SmithyModel(ApiSchemaConfiguration),
    Lambda(McpLambdaTargetConfiguration),
    /// `McpServerTargetConfiguration`, kept as read.
    McpServer(Value),
    /// `ApiGatewayTargetConfiguration`, kept as read.
    ApiGateway(Value),
    /// `ConnectorTargetConfiguration`, kept as read.
    Connector(Value),
}

/// `ApiSchemaConfiguration` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ApiSchemaConfiguration {
    S3(S3Configuration),
    /// The schema document as text.
    InlinePayload(String),
}

/// `S3Configuration`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Configuration {
    pub uri: Option<String>,
    pub bucket_owner_account_id: Option<String>,
}

/// `McpLambdaTargetConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpLambdaTargetConfiguration {
    pub lambda_arn: String,
    pub tool_schema: ToolSchema,
}

/// `ToolSchema` (union).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ToolSchema {
    S3(S3Configuration),
    InlinePayload(Vec<ToolDefinition>),
}

/// `ToolDefinition`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolDefinition {
    pub name: String,
    pub description: String,
    pub input_schema: SchemaDefinition,
    pub output_schema: Option<SchemaDefinition>,
}

/// `SchemaDefinition`: the JSON Schema subset a gateway tool takes.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaDefinition {
    #[serde(rename = "type")]
    pub schema_type: SchemaType,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, SchemaDefinition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    pub items: Option<Box<SchemaDefinition>>,
    pub description: Option<String>,
}

impl SchemaDefinition {
    /// A schema of `schema_type` with nothing else.
    pub fn of(schema_type: SchemaType) -> SchemaDefinition {
        SchemaDefinition {
            schema_type,
            properties: BTreeMap::new(),
            required: vec![],
            items: None,
            description: None,
        }
    }

    /// The nearest `SchemaDefinition` to a JSON Schema: its type (`object` when it names
    /// none but has properties, else `string`), properties, required names, items and description. What the subset cannot say
    /// (enums, formats, bounds) is left out; `lost` gets a line for each such keyword.
    pub fn from_json_schema(v: &Value, at: &str, lost: &mut Vec<String>) -> SchemaDefinition {
        let stated = v
            .get("type")
            .and_then(Value::as_str)
            .and_then(SchemaType::parse);
        let schema_type = match stated {
            Some(t) => t,
            None if v.get("properties").is_some() => SchemaType::Object,
            // Any value (`{}`, an array's untyped items): the subset needs a type.
            None => {
                lost.push(format!("{at}: any type (declared as string)"));
                SchemaType::String
            }
        };
        let mut out = SchemaDefinition::of(schema_type);
        out.description = v
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(Value::Object(props)) = v.get("properties") {
            for (name, p) in props {
                let child = SchemaDefinition::from_json_schema(p, &format!("{at}.{name}"), lost);
                out.properties.insert(name.clone(), child);
            }
        }
        if let Some(Value::Array(req)) = v.get("required") {
            out.required = req
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
        if let Some(items) = v.get("items") {
            out.items = Some(Box::new(SchemaDefinition::from_json_schema(
                items,
                &format!("{at}[]"),
                lost,
            )));
        } else if schema_type == SchemaType::Array {
            out.items = Some(Box::new(SchemaDefinition::of(SchemaType::String)));
        }
        if let Value::Object(m) = v {
            for k in m.keys() {
                if !matches!(
                    k.as_str(),
                    "type" | "properties" | "required" | "items" | "description"
                ) {
                    lost.push(format!("{at}: {k}"));
                }
            }
        }
        out
    }
}

crate::str_enum! {
    /// `SchemaType`.
    pub enum SchemaType {
        String = "string",
        Number = "number",
        Object = "object",
        Array = "array",
        Boolean = "boolean",
        Integer = "integer",
    }
}

/// `CredentialProviderConfiguration`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialProviderConfiguration {
    pub credential_provider_type: CredentialProviderType,
    /// `CredentialProvider` (union: OAuth, API key or IAM), kept as read.
    pub credential_provider: Option<Value>,
}

crate::str_enum! {
    /// `CredentialProviderType`.
    pub enum CredentialProviderType {
        GatewayIamRole = "GATEWAY_IAM_ROLE",
        Oauth = "OAUTH",
        ApiKey = "API_KEY",
        CallerIamCredentials = "CALLER_IAM_CREDENTIALS",
        JwtPassthrough = "JWT_PASSTHROUGH",
    }
}

/// `CreateHarnessEndpointRequest`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateHarnessEndpointRequest {
    /// The harness's id: `${<Agent>HarnessId}` until the harness exists.
    pub harness_id: String,
    /// `HarnessEndpointName`: `[a-zA-Z][a-zA-Z0-9_]{0,47}`.
    pub endpoint_name: String,
    /// `HarnessVersion`: `[1-9][0-9]{0,4}`; absent: the harness's latest version.
    pub target_version: Option<String>,
    /// 1–256 characters.
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unions_serialise_as_one_member_objects() {
        let tool = HarnessTool {
            tool_type: HarnessToolType::AgentcoreGateway,
            name: Some("tools".into()),
            config: Some(HarnessToolConfiguration::AgentCoreGateway(
                HarnessAgentCoreGatewayConfig {
                    gateway_arn: "${SupportGatewayArn}".into(),
                    outbound_auth: Some(HarnessGatewayOutboundAuth::AwsIam(Unit {})),
                },
            )),
        };
        assert_eq!(
            serde_json::to_value(&tool).unwrap(),
            json!({"type": "agentcore_gateway", "name": "tools", "config": {"agentCoreGateway": {
                "gatewayArn": "${SupportGatewayArn}", "outboundAuth": {"awsIam": {}}}}})
        );
        let memory = HarnessMemoryConfiguration::Disabled(Unit {});
        assert_eq!(
            serde_json::to_value(&memory).unwrap(),
            json!({"disabled": {}})
        );
    }

    #[test]
    fn a_harness_request_keeps_members_strata_does_not_model() {
        let v = json!({"harnessName": "h", "executionRoleArn": "arn:aws:iam::123456789012:role/r",
            "hooks": [{"beforeInvocation": {}}]});
        let r: CreateHarnessRequest = serde_json::from_value(v.clone()).unwrap();
        assert!(r.other.contains_key("hooks"));
        assert_eq!(serde_json::to_value(&r).unwrap(), v);
    }

    #[test]
    fn json_schema_keywords_the_subset_cannot_say_are_named() {
        let mut lost = vec![];
        let s = SchemaDefinition::from_json_schema(
            &json!({"type": "object", "properties": {"plan": {"type": "string", "enum": ["a"]}}, "required": ["plan"]}),
            "in",
            &mut lost,
        );
        assert_eq!(s.required, vec!["plan".to_owned()]);
        assert_eq!(lost, vec!["in.plan: enum".to_owned()]);
    }
}
