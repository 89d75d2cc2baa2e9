//! OpenAPI action groups on AgentCore. A Gateway `openApiSchema` target calls the API at the
//! document's server (`servers[].url`), not the group's Lambda function; so which target an
//! OpenAPI group becomes depends on where its API is:
//!
//! - an inline document that names an absolute server URL → an `openApiSchema` target with the
//!   document inline: the gateway calls that server, and the group's Lambda is not used;
//! - a document kept in S3 → an `openApiSchema` target reading it from S3 (the gateway reads the
//!   object itself, so Strata needs not): it must name a server the gateway can reach;
//! - an inline document without a server URL → a Lambda target with tools derived from its
//!   operations (the handler is the API's implementation, reached through the adapter).
//!
//! An `openApiSchema` target authenticates to the API with an API key from an AgentCore
//! Identity API-key credential provider, whose ARN is a parameter of the export (never a
//! secret in the template): `${<Agent><Group>ApiKeyProviderArn}` in the requests, a
//! CloudFormation parameter of that name in the template.

use super::report::{MigrationItem, Outcome};
use super::requests::*;
use crate::export::alphanumeric;
use crate::model::agent::{ActionGroup, ActionGroupExecutor, ApiSchema};
use serde_json::{json, Map, Value};

/// Which Gateway target an OpenAPI group becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiForm {
    /// An inline document naming a server: an `openApiSchema` target calling it.
    Served { server: String },
    /// A document in S3 (`s3://bucket/key`): an `openApiSchema` target reading it.
    S3 { uri: String },
    /// An inline document without a server: a Lambda target on the group's function.
    Handler,
}

/// The form of `group`'s OpenAPI document, if it has one.
pub fn api_form(group: &ActionGroup) -> Option<ApiForm> {
    match group.api_schema.as_ref()? {
        ApiSchema::S3(s3) => Some(ApiForm::S3 {
            uri: format!(
                "s3://{}/{}",
                s3.s3_bucket_name.as_deref().unwrap_or(""),
                s3.s3_object_key.as_deref().unwrap_or("")
            ),
        }),
        ApiSchema::Payload(text) => Some(match server_of(text) {
            Some(server) => ApiForm::Served { server },
            None => ApiForm::Handler,
        }),
    }
}

/// Whether `group` is reached through a Gateway Lambda target on its own function (and so
/// needs the adapter): a function schema, or an inline OpenAPI document without a server.
pub fn is_lambda_target(group: &ActionGroup) -> bool {
    matches!(
        group.action_group_executor,
        Some(ActionGroupExecutor::Lambda(_))
    ) && match api_form(group) {
        Some(form) => form == ApiForm::Handler,
        None => group.function_schema.is_some(),
    }
}

/// The first absolute `http(s)://` URL of the document's `servers`.
fn server_of(text: &str) -> Option<String> {
    let doc = crate::openapi::parse(text).ok()?;
    doc.raw
        .get("servers")?
        .as_array()?
        .iter()
        .filter_map(|s| s.get("url")?.as_str())
        .find(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(str::to_owned)
}

/// `${<Agent><Group>ApiKeyProviderArn}`: the API-key credential provider of a group's target.
pub fn api_key_placeholder(agent: &str, group: &str) -> String {
    super::placeholder(agent, &api_key_what(group))
}

/// The CloudFormation parameter of that provider ARN: `<Agent><Group>ApiKeyProviderArn`.
pub fn api_key_parameter(agent: &str, group: &str) -> String {
    format!("{}{}", alphanumeric(agent), api_key_what(group))
}

fn api_key_what(group: &str) -> String {
    format!("{}ApiKeyProviderArn", alphanumeric(group))
}

/// The `openApiSchema` target of `group` in `form` (not [`ApiForm::Handler`]), with the report
/// line saying which form it got and why.
pub(super) fn target(
    agent: &str,
    group: &ActionGroup,
    form: &ApiForm,
    tools: &[String],
    report: &mut Vec<MigrationItem>,
) -> CreateGatewayTargetRequest {
    let g = &group.action_group_name;
    let name = super::target_name(g);
    let lambda = match &group.action_group_executor {
        Some(ActionGroupExecutor::Lambda(arn)) => {
            format!("; the group's Lambda {arn} is not called (keep it only if it serves that API)")
        }
        _ => String::new(),
    };
    let provider = format!(
        "an API key from the AgentCore Identity credential provider given as {}",
        api_key_placeholder(agent, g)
    );
    let (schema, why) = match (form, &group.api_schema) {
        (ApiForm::Served { server }, Some(ApiSchema::Payload(text))) => (
            ApiSchemaConfiguration::InlinePayload(text.clone()),
            format!(
                "OpenAPI target {name} with the document inline (tools {}): the gateway calls the API at {server}, the document's server{lambda}; it authenticates with {provider}",
                tools.join(", ")
            ),
        ),
        (ApiForm::S3 { uri }, _) => (
            ApiSchemaConfiguration::S3(S3Configuration {
                uri: Some(uri.clone()),
                bucket_owner_account_id: None,
            }),
            format!(
                "OpenAPI target {name} reading the document from {uri}: the gateway reads it itself and calls the API at its servers URL, which the document must name (a document without one only works inline, as a Lambda target){lambda}; it authenticates with {provider}; the tool names are <target>___<operationId> as the document says"
            ),
        ),
        // Not an OpenAPI target: the caller makes a Lambda target instead.
        _ => (ApiSchemaConfiguration::InlinePayload(String::new()), String::new()),
    };
    report.push(
        MigrationItem::new(format!("action group {g} (OpenAPI)"), Outcome::Became(why))
            .in_action_group(g),
    );
    CreateGatewayTargetRequest {
        gateway_identifier: super::gateway_id_placeholder(agent),
        name,
        description: group
            .description
            .as_ref()
            .map(|d| d.trim().to_owned())
            .filter(|d| (1..=200).contains(&d.chars().count())),
        target_configuration: TargetConfiguration::Mcp(McpTargetConfiguration::OpenApiSchema(
            schema,
        )),
        credential_provider_configurations: vec![CredentialProviderConfiguration {
            credential_provider_type: CredentialProviderType::ApiKey,
            credential_provider: Some(json!({
                "apiKeyCredentialProvider": api_key_provider(agent, group)
            })),
        }],
    }
}

/// `ApiKeyCredentialProvider`: the provider ARN placeholder and, when the document declares an
/// API-key or bearer security scheme, where the key goes.
fn api_key_provider(agent: &str, group: &ActionGroup) -> Value {
    let mut m = Map::new();
    m.insert(
        "providerArn".into(),
        Value::String(api_key_placeholder(agent, &group.action_group_name)),
    );
    let schemes = match &group.api_schema {
        Some(ApiSchema::Payload(text)) => crate::openapi::parse(text)
            .ok()
            .and_then(|d| d.raw.pointer("/components/securitySchemes").cloned()),
        _ => None,
    };
    let schemes = schemes
        .as_ref()
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|s| s.values());
    for s in schemes {
        match (
            s.get("type").and_then(Value::as_str),
            s.get("in").and_then(Value::as_str),
        ) {
            (Some("apiKey"), Some(place @ ("header" | "query"))) => {
                if let Some(name) = s
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| (1..=64).contains(&n.len()))
                {
                    m.insert("credentialParameterName".into(), json!(name));
                    m.insert(
                        "credentialLocation".into(),
                        json!(if place == "header" {
                            "HEADER"
                        } else {
                            "QUERY_PARAMETER"
                        }),
                    );
                    break;
                }
            }
            (Some("http"), _) if s.get("scheme").and_then(Value::as_str) == Some("bearer") => {
                m.insert("credentialParameterName".into(), json!("Authorization"));
                m.insert("credentialPrefix".into(), json!("Bearer"));
                m.insert("credentialLocation".into(), json!("HEADER"));
                break;
            }
            _ => {}
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(api: ApiSchema) -> ActionGroup {
        serde_json::from_value(json!({
            "actionGroupName": "orders",
            "actionGroupExecutor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:orders"},
        }))
        .map(|mut g: ActionGroup| {
            g.api_schema = Some(api);
            g
        })
        .expect("group")
    }

    const DOC: &str = r#"{"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
      "servers": [{"url": "https://api.example.com/v1"}],
      "components": {"securitySchemes": {"k": {"type": "apiKey", "in": "header", "name": "x-api-key"}}},
      "paths": {"/orders": {"get": {"operationId": "listOrders", "description": "Lists orders",
        "responses": {"200": {"description": "ok"}}}}}}"#;

    #[test]
    fn the_form_follows_where_the_api_is() {
        let served = group(ApiSchema::Payload(DOC.into()));
        assert_eq!(
            api_form(&served),
            Some(ApiForm::Served {
                server: "https://api.example.com/v1".into()
            })
        );
        assert!(!is_lambda_target(&served));
        let bare = group(ApiSchema::Payload(
            DOC.replace("https://api.example.com/v1", "/v1"),
        ));
        assert_eq!(api_form(&bare), Some(ApiForm::Handler));
        assert!(is_lambda_target(&bare));
        let s3 = group(ApiSchema::S3(crate::model::agent::S3Identifier {
            s3_bucket_name: Some("b".into()),
            s3_object_key: Some("api/orders.json".into()),
        }));
        assert_eq!(
            api_form(&s3),
            Some(ApiForm::S3 {
                uri: "s3://b/api/orders.json".into()
            })
        );
    }

    #[test]
    fn the_target_takes_the_key_where_the_document_says() {
        let g = group(ApiSchema::Payload(DOC.into()));
        let mut report = vec![];
        let form = api_form(&g).expect("form");
        let t = target(
            "Shop",
            &g,
            &form,
            &["orders___listOrders".into()],
            &mut report,
        );
        let v = serde_json::to_value(&t).expect("json");
        assert_eq!(
            v["credentialProviderConfigurations"][0],
            json!({"credentialProviderType": "API_KEY", "credentialProvider": {"apiKeyCredentialProvider": {
                "providerArn": "${ShopOrdersApiKeyProviderArn}",
                "credentialParameterName": "x-api-key", "credentialLocation": "HEADER"}}})
        );
        assert!(v["targetConfiguration"]["mcp"]["openApiSchema"]["inlinePayload"].is_string());
        let Outcome::Became(why) = &report[0].outcome else {
            panic!("{report:?}")
        };
        assert!(why.contains("https://api.example.com/v1") && why.contains("is not called"));
    }
}
