//! The tools of an agent on AgentCore: Lambda action groups as gateway targets (one gateway per
//! agent), return-of-control groups as `inline_function` tools, `AMAZON.CodeInterpreter` as the
//! managed code interpreter. Each group's fate goes into the migration report.

use super::openapi_target::ApiForm;
use super::report::{MigrationItem, Outcome};
use super::requests::*;
use super::Refusal;
use crate::lenient::StrEnum;
use crate::model::agent::{ActionGroup, ActionGroupExecutor, ApiSchema, ParentSignature, State};
use crate::model::lenient::Lenient;
use crate::model::{Agent, Project};
use serde_json::Value;

/// What the agent's action groups became.
pub(super) struct Tools {
    pub gateway: Option<CreateGatewayRequest>,
    pub targets: Vec<CreateGatewayTargetRequest>,
    /// The tools the harness declares (the gateway's own tool first when there is one).
    pub harness_tools: Vec<HarnessTool>,
    /// Classic tool name (`<group>__<tool>`) → the name the model sees on AgentCore, for
    /// each tool whose name changes (gateway tools are `<target>___<tool>`).
    pub renamed: Vec<(String, String)>,
}

/// One tool an action group declares: its name, description and JSON Schema input.
struct Declared {
    name: String,
    description: Option<String>,
    input_schema: Value,
    confirms: bool,
}

pub(super) fn tools(
    _project: &Project,
    agent: &Agent,
    report: &mut Vec<MigrationItem>,
) -> Result<Tools, Refusal> {
    let name = &agent.agent_name;
    let mut out = Tools {
        gateway: None,
        targets: vec![],
        harness_tools: vec![],
        renamed: vec![],
    };
    for group in &agent.action_groups {
        let g = &group.action_group_name;
        let item = |feature: String, outcome: Outcome| {
            MigrationItem::new(feature, outcome).in_action_group(g)
        };
        if group.action_group_state == Some(Lenient::Known(State::Disabled)) {
            report.push(item(
                format!("action group {g} (disabled)"),
                Outcome::Became("nothing: a disabled group is not exported".into()),
            ));
            continue;
        }
        if !group.parent_action_group_signature_params.is_empty() {
            report.push(item(
                format!("action group {g}: parentActionGroupSignatureParams"),
                Outcome::NoEquivalent(
                    "AgentCore's built-in tools take no signature parameters".into(),
                ),
            ));
        }
        if let Some(signature) = &group.parent_action_group_signature {
            match signature.get() {
                Some(ParentSignature::CodeInterpreter) => {
                    out.harness_tools.push(HarnessTool {
                        tool_type: HarnessToolType::AgentcoreCodeInterpreter,
                        name: Some("code_interpreter".into()),
                        config: Some(HarnessToolConfiguration::AgentCoreCodeInterpreter(
                            HarnessAgentCoreCodeInterpreterConfig::default(),
                        )),
                    });
                    report.push(item(
                        format!("action group {g} (AMAZON.CodeInterpreter)"),
                        Outcome::Became(
                            "the agentcore_code_interpreter tool code_interpreter (the AWS-managed interpreter)".into(),
                        ),
                    ));
                }
                Some(ParentSignature::UserInput) => report.push(item(
                    format!("action group {g} (AMAZON.UserInput)"),
                    Outcome::Became(
                        "nothing to declare: a harness ends its turn with the question and the caller's next message is the answer".into(),
                    ),
                )),
                Some(other) => report.push(item(
                    format!("action group {g} ({})", other.as_str()),
                    Outcome::NoEquivalent(
                        "AgentCore harness tools are remote_mcp, agentcore_gateway, inline_function, agentcore_code_interpreter and agentcore_browser; Anthropic's computer-use tools are not among them".into(),
                    ),
                )),
                None => report.push(item(
                    format!("action group {g} ({})", signature.as_str()),
                    Outcome::NoEquivalent("a signature Strata does not know".into()),
                )),
            }
            continue;
        }
        if let (Some(ActionGroupExecutor::Lambda(_)), Some(form)) = (
            &group.action_group_executor,
            super::openapi_target::api_form(group),
        ) {
            if form != ApiForm::Handler {
                let mut tools = vec![];
                if let ApiForm::Served { .. } = form {
                    for d in declared(group)? {
                        if d.confirms {
                            report.push(item(
                                format!("action group {g}: requireConfirmation of {}", d.name),
                                Outcome::NoEquivalent(
                                    "a gateway tool runs without asking the user; add a beforeToolCall hook to keep the approval".into(),
                                ),
                            ));
                        }
                        let tool = super::gateway_tool_name(g, &d.name);
                        out.renamed
                            .push((super::inline_tool_name(g, &d.name), tool.clone()));
                        tools.push(tool);
                    }
                }
                out.targets.push(super::openapi_target::target(
                    name, group, &form, &tools, report,
                ));
                continue;
            }
        }
        let declared = declared(group)?;
        match &group.action_group_executor {
            Some(ActionGroupExecutor::CustomControl(_)) => {
                let mut names = vec![];
                for d in declared {
                    let tool = super::inline_tool_name(g, &d.name);
                    names.push(tool.clone());
                    out.harness_tools.push(HarnessTool {
                        tool_type: HarnessToolType::InlineFunction,
                        name: Some(tool),
                        config: Some(HarnessToolConfiguration::InlineFunction(
                            HarnessInlineFunctionConfig {
                                description: description(&d, group),
                                input_schema: d.input_schema,
                            },
                        )),
                    });
                }
                report.push(item(
                    format!("action group {g} (return of control)"),
                    Outcome::Became(format!(
                        "inline_function tools {}: the harness returns each call to the caller, who runs it and sends the result back",
                        names.join(", ")
                    )),
                ));
            }
            Some(ActionGroupExecutor::Lambda(arn)) => {
                let mut definitions = vec![];
                let mut lost = vec![];
                for d in declared {
                    if d.confirms {
                        report.push(item(
                            format!("action group {g}: requireConfirmation of {}", d.name),
                            Outcome::NoEquivalent(
                                "a gateway tool runs without asking the user; make the group return control, or add a beforeToolCall hook, to keep the approval".into(),
                            ),
                        ));
                    }
                    out.renamed.push((
                        super::inline_tool_name(g, &d.name),
                        super::gateway_tool_name(g, &d.name),
                    ));
                    definitions.push(ToolDefinition {
                        input_schema: SchemaDefinition::from_json_schema(
                            &d.input_schema,
                            &d.name,
                            &mut lost,
                        ),
                        description: description(&d, group),
                        name: d.name,
                        output_schema: None,
                    });
                }
                if !lost.is_empty() {
                    report.push(item(
                        format!("action group {g}: JSON Schema keywords"),
                        Outcome::NoEquivalent(format!(
                            "a gateway tool schema holds only type, properties, required, items and description; left out: {}",
                            lost.join(", ")
                        )),
                    ));
                }
                let target = super::target_name(g);
                let why = match group.api_schema {
                    Some(_) => " (an OpenAPI group whose document names no server URL for a gateway OpenAPI target to call, so its Lambda handler is the API's implementation and stays the target)",
                    None => "",
                };
                report.push(item(
                    format!("action group {g} (Lambda)"),
                    Outcome::Became(format!(
                        "Lambda gateway target {target} calling {arn}{why}, tools {}; the gateway sends the function its own event, not the Classic action-group event, and the adapter gives the handler empty sessionAttributes and promptSessionAttributes and drops what it returns in them (a harness keeps no session attributes)",
                        definitions.iter().map(|d| super::gateway_tool_name(g, &d.name)).collect::<Vec<_>>().join(", ")
                    )),
                ));
                out.targets.push(CreateGatewayTargetRequest {
                    gateway_identifier: super::gateway_id_placeholder(&agent.agent_name),
                    name: target,
                    description: group
                        .description
                        .as_ref()
                        .filter(|d| (1..=200).contains(&d.chars().count()))
                        .cloned(),
                    target_configuration: TargetConfiguration::Mcp(McpTargetConfiguration::Lambda(
                        McpLambdaTargetConfiguration {
                            lambda_arn: arn.clone(),
                            tool_schema: ToolSchema::InlinePayload(definitions),
                        },
                    )),
                    credential_provider_configurations: vec![CredentialProviderConfiguration {
                        credential_provider_type: CredentialProviderType::GatewayIamRole,
                        credential_provider: None,
                    }],
                });
            }
            None => {
                return Err(Refusal {
                    field: format!("actionGroups[{g}]"),
                    reason: "the group has no executor (a Lambda function or RETURN_CONTROL)"
                        .into(),
                })
            }
        }
    }
    if !out.targets.is_empty() {
        out.gateway = Some(CreateGatewayRequest {
            name: super::gateway_name(name),
            description: Some(format!("Tools of agent {name}, exported by Strata")),
            role_arn: super::gateway_role_placeholder(name),
            protocol_type: Some(GatewayProtocolType::Mcp),
            authorizer_type: AuthorizerType::AwsIam,
            authorizer_configuration: None,
            kms_key_arn: agent.customer_encryption_key_arn.clone(),
            tags: agent.tags.clone(),
        });
        out.harness_tools.insert(
            0,
            HarnessTool {
                tool_type: HarnessToolType::AgentcoreGateway,
                name: Some(format!("{}_tools", super::harness_name(name))),
                config: Some(HarnessToolConfiguration::AgentCoreGateway(
                    HarnessAgentCoreGatewayConfig {
                        gateway_arn: super::gateway_arn_placeholder(name),
                        outbound_auth: Some(HarnessGatewayOutboundAuth::AwsIam(Unit {})),
                    },
                )),
            },
        );
    }
    Ok(out)
}

/// A tool's description, which AgentCore requires: the tool's own, else its group's, else
/// its name.
fn description(d: &Declared, group: &ActionGroup) -> String {
    d.description
        .clone()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| group.description.clone().filter(|t| !t.trim().is_empty()))
        .unwrap_or_else(|| d.name.replace('_', " "))
}

/// The tools a group declares, from its function schema or its inline OpenAPI document.
fn declared(group: &ActionGroup) -> Result<Vec<Declared>, Refusal> {
    let field = format!("actionGroups[{}]", group.action_group_name);
    let mut out = vec![];
    if let Some(schema) = &group.function_schema {
        for f in schema.functions() {
            out.push(Declared {
                name: f.name.clone(),
                description: f.description.clone(),
                input_schema: f.input_schema(),
                confirms: f.requires_confirmation(),
            });
        }
    }
    match &group.api_schema {
        Some(ApiSchema::Payload(payload)) => {
            let doc = crate::openapi::parse(payload).map_err(|e| Refusal {
                field: format!("{field}.apiSchema"),
                reason: e.to_string(),
            })?;
            for op in doc.operations {
                out.push(Declared {
                    name: op.tool_name(),
                    description: op.description.clone().or_else(|| op.summary.clone()),
                    input_schema: op.input_schema(),
                    confirms: op.require_confirmation,
                });
            }
        }
        Some(ApiSchema::S3(_)) => {
            return Err(Refusal {
                field: format!("{field}.apiSchema.s3"),
                reason: "the tools of an OpenAPI schema kept in S3 cannot be derived without reading it; put the document inline (apiSchema.payload)".into(),
            })
        }
        None => {}
    }
    Ok(out)
}
