//! The local half of an AgentCore plan: which agents, their request documents (the
//! `--format agentcore-json` export), the roles filled in, every placeholder accounted for,
//! before any call to AWS.

use super::{resource_name, AgentCoreDeployer, Kind};
use crate::deploy::wire::{is_placeholder, substitute, unresolved, with, without};
use crate::deploy::DeployError;
use crate::export::ExportError;
use crate::model::agent::AgentTarget;
use crate::model::Project;
use serde_json::Value;

/// The agents a deploy to AgentCore takes: `only` (any target: it was asked for by name),
/// else every agent whose target is AgentCore, in project order.
pub fn agents(project: &Project, only: Option<&str>) -> Result<Vec<String>, DeployError> {
    if let Some(name) = only {
        return match project.agent(name) {
            Some(a) => Ok(vec![a.agent_name.clone()]),
            None => Err(DeployError::Export(ExportError::UnknownAgent {
                agent: name.to_owned(),
            })),
        };
    }
    let names: Vec<String> = project
        .agents
        .iter()
        .filter(|a| project.agent_target(a) == Some(AgentTarget::Agentcore))
        .map(|a| a.agent_name.clone())
        .collect();
    if names.is_empty() {
        return Err(DeployError::NoAgentCoreAgent {
            project: project.name.clone(),
        });
    }
    Ok(names)
}

/// The AgentCore request document (`{createHarness, createGateway, createGatewayTargets,
/// createHarnessEndpoints}`, as `strata export --format agentcore-json` writes it) of every
/// agent the deploy takes ([`agents`]): `(agent, document)`.
pub fn documents(
    project: &Project,
    only: Option<&str>,
) -> Result<Vec<(String, Value)>, DeployError> {
    documents_with(project, only, &crate::export::History::default())
}

/// [`documents`] with the recorded versions and aliases: a harness endpoint per alias
/// ([`crate::agentcore::export_migration_with`]).
pub fn documents_with(
    project: &Project,
    only: Option<&str>,
    history: &crate::export::History,
) -> Result<Vec<(String, Value)>, DeployError> {
    agents(project, only)?
        .into_iter()
        .map(|agent| {
            let migration = crate::agentcore::export_migration_with(project, &agent, history)?;
            Ok((agent, migration.requests.to_value()))
        })
        .collect()
}

fn check_resolved(resource: &str, value: &Value, allowed: &[String]) -> Result<(), DeployError> {
    match unresolved(value, allowed) {
        Some(placeholder) => Err(DeployError::Unfilled {
            resource: resource.to_owned(),
            placeholder,
        }),
        None => Ok(()),
    }
}

/// One resource's create request: the name it is found by, and the body without its URI
/// members (`gatewayIdentifier`, `harnessId`) and without `targetVersion` (deploy points
/// endpoints at the version it leaves the harness at).
pub(crate) struct Local {
    pub(crate) name: String,
    pub(crate) body: Value,
}

/// One agent's requests, checked.
pub(crate) struct LocalAgent {
    pub(crate) name: String,
    pub(crate) gateway: Option<Local>,
    pub(crate) targets: Vec<Local>,
    pub(crate) harness: Local,
    pub(crate) endpoints: Vec<Local>,
    /// The placeholders the harness's `agentcore_gateway` tools hold for the gateway's ARN.
    pub(crate) gateway_arn_refs: Vec<String>,
}

/// Member `key` of `body` as text, or an error naming what lacks it.
fn name_of(body: &Value, key: &str, resource: &str) -> Result<String, DeployError> {
    match body.get(key).and_then(Value::as_str) {
        Some(name) if !name.is_empty() => Ok(name.to_owned()),
        _ => Err(DeployError::Unsupported {
            resource: resource.to_owned(),
            what: format!("a request without {key} (deploy finds resources by name)"),
        }),
    }
}

fn items<'v>(document: &'v Value, key: &str) -> &'v [Value] {
    document
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

impl AgentCoreDeployer {
    /// `body` with its role member `member` set: the body's own ARN, else `fallback`.
    fn with_role(
        &self,
        resource: &str,
        body: &Value,
        member: &str,
        fallback: Option<&String>,
    ) -> Result<Value, DeployError> {
        let own = body
            .get(member)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && !is_placeholder(s));
        if own.is_some() {
            return Ok(body.clone());
        }
        let role = fallback.ok_or_else(|| DeployError::MissingRole {
            resource: resource.to_owned(),
            member: member.to_owned(),
        })?;
        Ok(with(body, member, Value::String(role.clone())))
    }

    /// One agent's document checked: roles filled, names present, no placeholder left but
    /// the ones deploy fills itself.
    pub(crate) fn local(&self, agent: &str, document: &Value) -> Result<LocalAgent, DeployError> {
        let given: std::collections::BTreeMap<String, String> = self
            .options
            .values
            .iter()
            .map(|(name, value)| (format!("${{{name}}}"), value.clone()))
            .collect();
        let mut document = document.clone();
        substitute(&mut document, &given);
        let document = &document;
        let harness = document.get("createHarness").unwrap_or(&Value::Null);
        let harness_name = name_of(harness, "harnessName", &format!("agent {agent:?}"))?;
        let resource = resource_name(agent, Kind::Harness, &harness_name);
        let role = self.options.role_arn.as_ref();
        let harness = self.with_role(&resource, harness, "executionRoleArn", role)?;

        let gateway = match document.get("createGateway").filter(|g| !g.is_null()) {
            None => None,
            Some(body) => {
                let name = name_of(body, "name", &format!("agent {agent:?} › gateway"))?;
                let resource = resource_name(agent, Kind::Gateway, &name);
                let role = self.options.gateway_role_arn.as_ref().or(role);
                let body = self.with_role(&resource, body, "roleArn", role)?;
                check_resolved(&resource, &body, &[])?;
                Some(Local { name, body })
            }
        };

        let mut targets = Vec::new();
        for body in items(document, "createGatewayTargets") {
            let name = name_of(body, "name", &format!("agent {agent:?} › gateway target"))?;
            let resource = resource_name(agent, Kind::GatewayTarget, &name);
            if gateway.is_none() {
                return Err(DeployError::Unsupported {
                    resource,
                    what: "a gateway target without a createGateway request".into(),
                });
            }
            let body = without(body, &["gatewayIdentifier"]);
            check_resolved(&resource, &body, &[])?;
            targets.push(Local { name, body });
        }

        let gateway_arn_refs: Vec<String> = items(&harness, "tools")
            .iter()
            .filter_map(|t| t.pointer("/config/agentCoreGateway/gatewayArn"))
            .filter_map(Value::as_str)
            .filter(|s| is_placeholder(s) && gateway.is_some())
            .map(str::to_owned)
            .collect();
        check_resolved(&resource, &harness, &gateway_arn_refs)?;

        let mut endpoints = Vec::new();
        for body in items(document, "createHarnessEndpoints") {
            let what = format!("agent {agent:?} › harness endpoint");
            let name = name_of(body, "endpointName", &what)?;
            let resource = resource_name(agent, Kind::HarnessEndpoint, &name);
            let body = without(body, &["harnessId", "targetVersion"]);
            check_resolved(&resource, &body, &[])?;
            endpoints.push(Local { name, body });
        }
        Ok(LocalAgent {
            name: agent.to_owned(),
            gateway,
            targets,
            harness: Local {
                name: harness_name,
                body: harness,
            },
            endpoints,
            gateway_arn_refs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::DeployOptions;
    use serde_json::json;

    fn deployer(role: Option<&str>) -> AgentCoreDeployer {
        let config = aws_sdk_bedrockagentcorecontrol::Config::builder()
            .behavior_version(aws_sdk_bedrockagentcorecontrol::config::BehaviorVersion::latest())
            .build();
        AgentCoreDeployer::new(
            aws_sdk_bedrockagentcorecontrol::Client::from_conf(config),
            DeployOptions {
                role_arn: role.map(str::to_owned),
                ..DeployOptions::default()
            },
        )
    }

    fn document() -> Value {
        json!({
            "createHarness": {
                "harnessName": "Billing",
                "executionRoleArn": "${BillingExecutionRoleArn}",
                "tools": [{"type": "agentcore_gateway", "name": "tools",
                           "config": {"agentCoreGateway": {"gatewayArn": "${BillingGatewayArn}"}}}]
            },
            "createGateway": {"name": "billing-gateway", "roleArn": "${BillingGatewayRoleArn}",
                              "authorizerType": "AWS_IAM"},
            "createGatewayTargets": [{"gatewayIdentifier": "${BillingGatewayId}", "name": "orders",
                                      "targetConfiguration": {"mcp": {"lambda": {"lambdaArn": "${OrdersLambdaArn}"}}}}],
            "createHarnessEndpoints": [{"harnessId": "${BillingHarnessId}", "endpointName": "live"}]
        })
    }

    #[test]
    fn roles_are_filled_and_deploy_owned_placeholders_allowed() {
        let d = deployer(Some("arn:aws:iam::123456789012:role/R"));
        let mut doc = document();
        doc["createGatewayTargets"][0]["targetConfiguration"]["mcp"]["lambda"]["lambdaArn"] =
            json!("arn:aws:lambda:us-east-1:123456789012:function:orders");
        let local = d.local("Billing", &doc).expect("checks");
        assert_eq!(
            local.harness.body["executionRoleArn"],
            "arn:aws:iam::123456789012:role/R"
        );
        assert_eq!(local.gateway_arn_refs, ["${BillingGatewayArn}"]);
        assert!(local.targets[0].body.get("gatewayIdentifier").is_none());
        assert!(local.endpoints[0].body.get("harnessId").is_none());
    }

    #[test]
    fn a_placeholder_deploy_cannot_fill_is_named() {
        let d = deployer(Some("arn:aws:iam::123456789012:role/R"));
        let Err(err) = d.local("Billing", &document()) else {
            panic!("the Lambda ARN is a placeholder");
        };
        assert_eq!(
            err,
            DeployError::Unfilled {
                resource: "agent \"Billing\" › gateway target \"orders\"".into(),
                placeholder: "${OrdersLambdaArn}".into(),
            }
        );
    }

    #[test]
    fn a_value_given_fills_its_placeholder() {
        let mut d = deployer(Some("arn:aws:iam::123456789012:role/R"));
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:orders";
        d.options
            .values
            .insert("OrdersLambdaArn".into(), arn.into());
        let local = d.local("Billing", &document()).expect("filled");
        assert_eq!(
            local.targets[0].body["targetConfiguration"]["mcp"]["lambda"]["lambdaArn"],
            arn
        );
        // Only whole placeholders are replaced: deploy's own stay for deploy.
        assert_eq!(local.gateway_arn_refs, ["${BillingGatewayArn}"]);
    }

    #[test]
    fn a_missing_role_is_named_before_anything() {
        let Err(err) = deployer(None).local("Billing", &document()) else {
            panic!("no role");
        };
        assert!(
            matches!(&err, DeployError::MissingRole { member, .. } if member == "executionRoleArn"),
            "{err}"
        );
    }
}
