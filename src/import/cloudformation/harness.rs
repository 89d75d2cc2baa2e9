//! `AWS::BedrockAgentCore::Harness` resources, with the gateway targets of the gateway their
//! `agentcore_gateway` tool names and their endpoints, into project agents through
//! [`crate::import::agentcore`]: the properties go back to the CreateHarness request's
//! camelCase, a role the template creates is left out (export creates it again), and other
//! intrinsic values are kept as text with a warning.

use super::context::{get_att, ref_of, Context};
use super::intrinsics::stringify_intrinsics;
use super::Found;
use crate::export::pascal::{convert_with, Case};
use crate::import::agentcore::{self, Harness, Target};
use crate::import::{ImportWarning, Result};
use crate::model::Agent;
use serde_json::Value;
use std::collections::BTreeSet;

pub(super) const GATEWAY: &str = "AWS::BedrockAgentCore::Gateway";
pub(super) const TARGET: &str = "AWS::BedrockAgentCore::GatewayTarget";
pub(super) const ENDPOINT: &str = "AWS::BedrockAgentCore::HarnessEndpoint";

/// The logical id `v` names (`Ref` or `Fn::GetAtt`).
fn names(v: &Value) -> Option<String> {
    get_att(v)
        .map(|(id, _)| id)
        .or_else(|| ref_of(v).map(str::to_owned))
}

/// The agent a harness resource stands for; `consumed` gets the gateways, targets and
/// endpoints read with it.
pub(super) fn resource(
    found: &Found<'_>,
    consumed: &mut BTreeSet<String>,
    warnings: &mut Vec<ImportWarning>,
) -> Result<Agent> {
    let (ctx, id, props, at) = found.parts();
    let mut request = convert_with(
        props,
        Case::Camel,
        &[
            "inputSchema",
            "additionalParams",
            "environmentVariables",
            "tags",
        ],
        &[],
    );
    if props
        .get("ExecutionRoleArn")
        .is_some_and(|r| ctx.is_template_role(r))
    {
        if let Value::Object(m) = &mut request {
            m.remove("executionRoleArn");
        }
    }
    let mut targets = None;
    if let Some(Value::Array(tools)) = request.get_mut("tools") {
        for tool in tools {
            let Some(arn) = tool.pointer_mut("/config/agentCoreGateway/gatewayArn") else {
                continue;
            };
            let Some(gateway) = names(arn).filter(|g| ctx.kind(g) == Some(GATEWAY)) else {
                continue;
            };
            *arn = Value::String(format!("gateway {gateway} of the template"));
            consumed.insert(gateway.clone());
            targets = Some(gateway_targets(ctx, &gateway, consumed, warnings));
        }
    }
    stringify_intrinsics(&mut request, at, warnings);
    for (eid, e) in &ctx.resources {
        let props = e.get("Properties").cloned().unwrap_or_default();
        if ctx.kind(eid) == Some(ENDPOINT)
            && props.get("HarnessId").and_then(names).as_deref() == Some(id)
        {
            consumed.insert((*eid).to_owned());
            let camel = convert_with(&props, Case::Camel, &["tags"], &[]);
            agentcore::endpoint(&camel, &format!("Resources.{eid}.Properties"), warnings);
        }
    }
    agentcore::agent(
        &Harness {
            request: &request,
            at: at.to_owned(),
            targets,
        },
        warnings,
    )
}

/// The targets of the gateway `gateway`, in the template's order of logical ids.
fn gateway_targets(
    ctx: &Context<'_>,
    gateway: &str,
    consumed: &mut BTreeSet<String>,
    warnings: &mut Vec<ImportWarning>,
) -> Vec<Target> {
    let mut out = Vec::new();
    for (tid, t) in &ctx.resources {
        if ctx.kind(tid) != Some(TARGET) {
            continue;
        }
        let props = t.get("Properties").cloned().unwrap_or_default();
        if props.get("GatewayIdentifier").and_then(names).as_deref() != Some(gateway) {
            continue;
        }
        consumed.insert((*tid).to_owned());
        let at = format!("Resources.{tid}.Properties");
        let mut request = convert_with(&props, Case::Camel, &[], &["properties"]);
        if let Value::Object(m) = &mut request {
            m.remove("gatewayIdentifier");
        }
        stringify_intrinsics(&mut request, &at, warnings);
        out.push(Target { request, at });
    }
    out
}

/// Whether `id` is a generated InvokeHarness function of the template, or its log group.
pub(super) fn is_invoker_part(ctx: &Context<'_>, id: &str) -> bool {
    let invoker = |id: &str| {
        ctx.kind(id) == Some("AWS::Lambda::Function")
            && ctx
                .recorded(id, crate::export::cloudformation::INVOKER_OF)
                .is_some()
    };
    invoker(id) || id.strip_suffix("Logs").is_some_and(invoker)
}

/// LambdaFunction nodes that call a generated InvokeHarness function become the Agent nodes
/// they were exported from (marked as running the project agent), their output
/// `functionResponse` `agentResponse` again, in `definition` (PascalCase) and its Loop bodies.
pub(super) fn restore_agent_nodes(ctx: &Context<'_>, definition: &mut Value) {
    let mut renamed = Vec::new();
    if let Some(Value::Array(nodes)) = definition.get_mut("Nodes") {
        for node in nodes.iter_mut() {
            if let Some(inner) = node.pointer_mut("/Configuration/Loop/Definition") {
                restore_agent_nodes(ctx, inner);
            }
            let agent = node
                .pointer("/Configuration/LambdaFunction/LambdaArn")
                .and_then(get_att)
                .filter(|(_, attribute)| attribute == "Arn")
                .and_then(|(id, _)| ctx.recorded(&id, crate::export::cloudformation::INVOKER_OF));
            let Some(agent) = agent else { continue };
            let Value::Object(n) = node else { continue };
            n.insert("Type".into(), Value::String("Agent".into()));
            n.insert(
                "Configuration".into(),
                serde_json::json!({"Agent": {"AgentAliasArn": format!("{}{agent}", super::flow::AGENT_MARK)}}),
            );
            if let Some(Value::Array(outputs)) = n.get_mut("Outputs") {
                for o in outputs {
                    if o.get("Name").and_then(Value::as_str) == Some("functionResponse") {
                        o["Name"] = Value::String("agentResponse".into());
                    }
                }
            }
            if let Some(name) = n.get("Name").and_then(Value::as_str) {
                renamed.push(name.to_owned());
            }
        }
    }
    if let Some(Value::Array(connections)) = definition.get_mut("Connections") {
        for c in connections {
            let from_restored = c
                .get("Source")
                .and_then(Value::as_str)
                .is_some_and(|s| renamed.iter().any(|r| r == s));
            if let Some(out) = c.pointer_mut("/Configuration/Data/SourceOutput") {
                if from_restored && out == "functionResponse" {
                    *out = Value::String("agentResponse".into());
                }
            }
        }
    }
}
