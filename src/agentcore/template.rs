//! Agents as a CloudFormation template for AgentCore: per agent an
//! `AWS::BedrockAgentCore::Harness`, a `Gateway` with a `GatewayTarget` per Lambda action group,
//! a `HarnessEndpoint` ([`super::ENDPOINT_NAME`], following the harness's version), and
//! least-privilege roles: the harness's (its exact model ARNs, its gateway, the code
//! interpreter, its memory) and the gateway's (its exact function ARNs).
//!
//! The resources are the requests of [`super::migrate`] in CloudFormation's casing, with the
//! placeholders of the requests replaced by `Fn::GetAtt` of the resources that make them.

use super::{AgentCoreRequests, HarnessMemoryConfiguration, HarnessToolConfiguration, Migration};
use crate::export::cloudformation::{
    get_att, model_arns, service_role, sub, Names, Permissions, Template,
};
use crate::export::pascal::{convert_with, Case};
use crate::export::{alphanumeric, Result};
use crate::model::Project;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Who assumes the roles: the AgentCore service.
const SERVICE: &str = "bedrock-agentcore.amazonaws.com";

/// An AgentCore template of `agents` (all of the project's when `None`) and the migration
/// report of each. Refuses, before anything is made, the first agent that cannot be exported.
pub fn export_agentcore_cloudformation(
    project: &Project,
    agent: Option<&str>,
) -> Result<(Template, Vec<Migration>)> {
    export_agentcore_cloudformation_with(project, agent, &crate::export::History::default())
}

/// [`export_agentcore_cloudformation`] with the recorded versions and aliases: a
/// HarnessEndpoint per alias ([`super::export_migration_with`]).
pub fn export_agentcore_cloudformation_with(
    project: &Project,
    agent: Option<&str>,
    history: &crate::export::History,
) -> Result<(Template, Vec<Migration>)> {
    let chosen: Vec<&str> = match agent {
        Some(a) => vec![a],
        None => project.agent_names(),
    };
    if chosen.is_empty() {
        return Err(crate::export::ExportError::Nothing { what: "agent" });
    }
    let mut migrations = vec![];
    for a in &chosen {
        migrations.push(super::export_migration_with(project, a, history)?);
    }
    let names = Names::new(project);
    let mut resources = BTreeMap::new();
    let mut outputs = BTreeMap::new();
    let mut notes = vec![];
    let mut parameters = BTreeMap::new();
    for m in &migrations {
        agent_resources(
            &m.requests,
            &names,
            &mut Parts {
                resources: &mut resources,
                outputs: &mut outputs,
                notes: &mut notes,
                parameters: &mut parameters,
            },
        );
    }
    let description = match agent {
        Some(a) => format!(
            "Agent {a} of Strata project {} on Amazon Bedrock AgentCore",
            project.name
        ),
        None => format!(
            "The agents of Strata project {} on Amazon Bedrock AgentCore",
            project.name
        ),
    };
    Ok((
        Template {
            description,
            project_name: project.name.clone(),
            parameters,
            resources,
            outputs,
            notes,
            referenced: BTreeMap::new(),
        },
        migrations,
    ))
}

/// The logical ids of one agent's resources.
struct Ids {
    base: String,
}

impl Ids {
    fn harness(&self) -> String {
        format!("{}Harness", self.base)
    }
    fn harness_role(&self) -> String {
        format!("{}HarnessRole", self.base)
    }
    fn gateway(&self) -> String {
        format!("{}Gateway", self.base)
    }
    fn gateway_role(&self) -> String {
        format!("{}GatewayRole", self.base)
    }
    fn target(&self, name: &str) -> String {
        format!("{}{}Target", self.base, alphanumeric(name))
    }
    fn endpoint(&self, name: &str) -> String {
        format!("{}{}Endpoint", self.base, alphanumeric(name))
    }
}

/// What one agent adds to the template.
struct Parts<'a> {
    resources: &'a mut BTreeMap<String, Value>,
    outputs: &'a mut BTreeMap<String, Value>,
    notes: &'a mut Vec<String>,
    parameters: &'a mut BTreeMap<String, Value>,
}

fn agent_resources(r: &AgentCoreRequests, names: &Names, parts: &mut Parts<'_>) {
    let Parts {
        resources,
        outputs,
        notes,
        parameters,
    } = parts;
    let agent = &r.agent;
    let ids = Ids {
        base: alphanumeric(agent),
    };
    let mut refs: Vec<(String, Value)> = vec![
        (
            super::harness_id_placeholder(agent),
            get_att(&ids.harness(), "HarnessId"),
        ),
        (
            super::gateway_id_placeholder(agent),
            get_att(&ids.gateway(), "GatewayIdentifier"),
        ),
        (
            super::gateway_arn_placeholder(agent),
            get_att(&ids.gateway(), "GatewayArn"),
        ),
        (
            super::gateway_role_placeholder(agent),
            get_att(&ids.gateway_role(), "Arn"),
        ),
    ];

    // The harness's role, unless the agent names one.
    let mut perms = Permissions::default();
    if let Some(super::HarnessModelConfiguration::BedrockModelConfig(m)) = &r.harness.model {
        for arn in model_arns(&m.model_id) {
            perms.allow(
                "InvokeModels",
                &[
                    "bedrock:InvokeModel",
                    "bedrock:InvokeModelWithResponseStream",
                ],
                arn,
            );
        }
    }
    for tool in &r.harness.tools {
        match &tool.config {
            Some(HarnessToolConfiguration::AgentCoreGateway(_)) => perms.allow(
                "InvokeGateway",
                &["bedrock-agentcore:InvokeGateway"],
                get_att(&ids.gateway(), "GatewayArn"),
            ),
            Some(HarnessToolConfiguration::AgentCoreCodeInterpreter(_)) => perms.allow(
                "UseCodeInterpreter",
                &[
                    "bedrock-agentcore:StartCodeInterpreterSession",
                    "bedrock-agentcore:InvokeCodeInterpreter",
                    "bedrock-agentcore:StopCodeInterpreterSession",
                ],
                sub("arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:aws:code-interpreter/aws.codeinterpreter.v1"),
            ),
            _ => {}
        }
    }
    if let Some(HarnessMemoryConfiguration::ManagedMemoryConfiguration(m)) = &r.harness.memory {
        perms.allow(
            "UseManagedMemory",
            &[
                "bedrock-agentcore:CreateEvent",
                "bedrock-agentcore:ListEvents",
                "bedrock-agentcore:GetEvent",
                "bedrock-agentcore:RetrieveMemoryRecords",
                "bedrock-agentcore:ListMemoryRecords",
            ],
            sub(
                "arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:memory/*",
            ),
        );
        notes.push(format!(
            "agent {agent}: the harness creates its managed memory itself, so its role may use the account's memories in the region (memory/*): the memory's ARN is not known before it exists"
        ));
        if let Some(key) = &m.encryption_key_arn {
            perms.allow_encryption_key(key);
        }
    }
    if r.harness.execution_role_arn == super::execution_role_placeholder(agent) {
        resources.insert(
            ids.harness_role(),
            service_role(
                SERVICE,
                &format!("{}HarnessPermissions", ids.base),
                &perms,
                names,
            ),
        );
        refs.push((
            super::execution_role_placeholder(agent),
            get_att(&ids.harness_role(), "Arn"),
        ));
    }

    let harness = serde_json::to_value(&r.harness).unwrap_or(Value::Null);
    let mut props = convert_with(
        &harness,
        Case::Pascal,
        &[
            "inputSchema",
            "additionalParams",
            "environmentVariables",
            "tags",
        ],
        &[],
    );
    tags_as_list(&mut props);
    resources.insert(
        ids.harness(),
        json!({"Type": "AWS::BedrockAgentCore::Harness", "Properties": props}),
    );

    if let Some(gateway) = &r.gateway {
        let mut gperms = Permissions::default();
        for t in &r.targets {
            match &t.target_configuration {
                super::TargetConfiguration::Mcp(super::McpTargetConfiguration::Lambda(l)) => gperms
                    .allow(
                        "InvokeFunctions",
                        &["lambda:InvokeFunction"],
                        Value::String(l.lambda_arn.clone()),
                    ),
                super::TargetConfiguration::Mcp(super::McpTargetConfiguration::OpenApiSchema(
                    schema,
                )) => {
                    openapi_target_parts(agent, t, schema, &mut gperms, parameters, &mut refs);
                }
                _ => {}
            }
        }
        if parameters.keys().any(|k| k.starts_with(&ids.base)) {
            notes.push(format!(
                "agent {agent}: each OpenAPI gateway target authenticates with an API key kept by an AgentCore Identity API-key credential provider; create the provider (CreateApiKeyCredentialProvider) and give its ARN as the template's parameter of that target"
            ));
        }
        if let Some(key) = &gateway.kms_key_arn {
            gperms.allow_encryption_key(key);
        }
        resources.insert(
            ids.gateway_role(),
            service_role(
                SERVICE,
                &format!("{}GatewayPermissions", ids.base),
                &gperms,
                names,
            ),
        );
        let v = serde_json::to_value(gateway).unwrap_or(Value::Null);
        resources.insert(
            ids.gateway(),
            json!({"Type": "AWS::BedrockAgentCore::Gateway",
                   "Properties": convert_with(&v, Case::Pascal, &["tags"], &[])}),
        );
        for t in &r.targets {
            let v = serde_json::to_value(t).unwrap_or(Value::Null);
            resources.insert(
                ids.target(&t.name),
                json!({"Type": "AWS::BedrockAgentCore::GatewayTarget",
                       "Properties": convert_with(&v, Case::Pascal, &[], &["properties"])}),
            );
        }
    }
    for e in &r.endpoints {
        let v = serde_json::to_value(e).unwrap_or(Value::Null);
        let mut props = convert_with(&v, Case::Pascal, &["tags"], &[]);
        tags_as_list(&mut props);
        if let Value::Object(m) = &mut props {
            // The endpoint serves the harness as the template defines it, version by version.
            m.insert("TargetVersion".into(), get_att(&ids.harness(), "Version"));
        }
        resources.insert(
            ids.endpoint(&e.endpoint_name),
            json!({"Type": "AWS::BedrockAgentCore::HarnessEndpoint", "Properties": props}),
        );
        outputs.insert(
            format!("{}{}EndpointArn", ids.base, alphanumeric(&e.endpoint_name)),
            json!({"Description": format!("ARN of endpoint {} of agent {agent}'s harness", e.endpoint_name),
                   "Value": get_att(&ids.endpoint(&e.endpoint_name), "Arn")}),
        );
    }
    outputs.insert(
        format!("{}HarnessArn", ids.base),
        json!({"Description": format!("ARN of agent {agent}'s harness"),
               "Value": get_att(&ids.harness(), "Arn")}),
    );
    for (id, resource) in resources.iter_mut() {
        if id.starts_with(&ids.base) {
            replace_placeholders(resource, &refs);
        }
    }
}

/// An OpenAPI target's share of the template: the parameter naming its API-key credential
/// provider (and the reference that replaces its placeholder), the gateway role's right to
/// read the key through AgentCore Identity, and to read a document kept in S3.
fn openapi_target_parts(
    agent: &str,
    t: &super::CreateGatewayTargetRequest,
    schema: &super::ApiSchemaConfiguration,
    gperms: &mut Permissions,
    parameters: &mut BTreeMap<String, Value>,
    refs: &mut Vec<(String, Value)>,
) {
    use super::openapi_target::{api_key_parameter, api_key_placeholder};
    if let super::ApiSchemaConfiguration::S3(s3) = schema {
        if let Some(object) = s3.uri.as_deref().and_then(|u| u.strip_prefix("s3://")) {
            gperms.allow(
                "ReadOpenApiDocuments",
                &["s3:GetObject"],
                sub(&format!("arn:${{AWS::Partition}}:s3:::{object}")),
            );
        }
    }
    // The group the target stands for: the placeholder its provider ARN names.
    let provider = t
        .credential_provider_configurations
        .iter()
        .filter_map(|c| c.credential_provider.as_ref())
        .filter_map(|p| p.pointer("/apiKeyCredentialProvider/providerArn")?.as_str())
        .next();
    let Some(placeholder) = provider else { return };
    let Some(group) = group_of_placeholder(agent, placeholder) else {
        return;
    };
    let parameter = api_key_parameter(agent, &group);
    debug_assert_eq!(api_key_placeholder(agent, &group), placeholder);
    parameters.insert(
        parameter.clone(),
        json!({"Type": "String",
               "Description": format!("ARN of the AgentCore Identity API-key credential provider gateway target {} of agent {agent} authenticates with", t.name),
               "AllowedPattern": "^arn:([^:]*):([^:]*):([^:]*):([0-9]{12})?:(.+)$"}),
    );
    refs.push((placeholder.to_owned(), json!({"Ref": parameter})));
    gperms.allow(
        "GetApiKeys",
        &["bedrock-agentcore:GetResourceApiKey"],
        json!({"Ref": parameter}),
    );
    gperms.allow(
        "GetWorkloadAccessToken",
        &["bedrock-agentcore:GetWorkloadAccessToken"],
        sub("arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:workload-identity-directory/default/workload-identity/*"),
    );
}

/// The group whose `${<Agent><Group>ApiKeyProviderArn}` placeholder `placeholder` is (as its
/// alphanumeric name, which is all the parameter needs).
fn group_of_placeholder(agent: &str, placeholder: &str) -> Option<String> {
    placeholder
        .strip_prefix(&format!("${{{}", alphanumeric(agent)))?
        .strip_suffix("ApiKeyProviderArn}")
        .map(str::to_owned)
}

/// CloudFormation's `Tags` of a harness and an endpoint: a list of `{Key, Value}`, where the
/// API takes a map.
fn tags_as_list(props: &mut Value) {
    if let Some(Value::Object(tags)) = props.get("Tags").cloned() {
        let list: Vec<Value> = tags
            .into_iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        if let Value::Object(m) = props {
            m.insert("Tags".into(), Value::Array(list));
        }
    }
}

/// Replaces every string that is exactly one of the placeholders by its intrinsic function.
fn replace_placeholders(v: &mut Value, refs: &[(String, Value)]) {
    match v {
        Value::String(s) => {
            if let Some((_, r)) = refs.iter().find(|(p, _)| p == s) {
                *v = r.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| replace_placeholders(i, refs)),
        Value::Object(m) => {
            let m: &mut Map<String, Value> = m;
            m.values_mut().for_each(|i| replace_placeholders(i, refs));
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
