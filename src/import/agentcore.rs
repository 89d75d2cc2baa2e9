//! AgentCore harness definitions into a project agent that `strata chat` and flows run: a
//! CreateHarness request, the `{createHarness, createGateway, createGatewayTargets,
//! createHarnessEndpoints}` document `strata export --format agentcore-json` writes, or (through
//! `import/cloudformation.rs`) an `AWS::BedrockAgentCore::Harness` with its gateway targets.
//!
//! The mapping is the AgentCore export's (`crate::agentcore`) read backwards: the model's id
//! becomes `foundationModel`, the system prompt the instruction (gateway tool names
//! `<target>___<tool>` back to the local `<group>__<tool>`), `inline_function` tools
//! return-of-control action groups, Lambda gateway targets action groups with function schemas
//! from their tool schemas (run locally by the project's `handlers` bindings, by the group's
//! name or the function's), the code interpreter `AMAZON.CodeInterpreter`, managed memory with
//! the summarization strategy `SESSION_SUMMARY`, `maxIterations` the local iteration cap. The
//! agent gets `agentTarget: agentcore`. Everything else is a warning naming where it was; nothing
//! is dropped in silence. Pure: works on the requests' camelCase JSON.

mod tools;

use super::{ImportError, ImportFormat, ImportWarning, Imported, Result};
use crate::model::agent::{AgentTarget, MemoryConfiguration, DEFAULT_MAX_ITERATIONS};
use crate::model::lenient::Lenient;
use crate::model::{Agent, Project};
use serde_json::{Map, Value};

/// One gateway target, as a CreateGatewayTarget request (camelCase), and where it was.
pub(crate) struct Target {
    pub request: Value,
    pub at: String,
}

/// A harness to import: its CreateHarness request (camelCase), where it was, and the targets
/// of the gateway its `agentcore_gateway` tool names (`None` when that gateway is not in the
/// document).
pub(crate) struct Harness<'a> {
    pub request: &'a Value,
    pub at: String,
    pub targets: Option<Vec<Target>>,
}

/// Whether `v` is a harness document: the agentcore-json bundle or a bare CreateHarness.
pub(crate) fn is_harness_document(v: &Value) -> bool {
    let Some(m) = v.as_object() else { return false };
    m.get("createHarness").is_some_and(Value::is_object)
        || (m.contains_key("harnessName")
            && !m.contains_key("schemaVersion")
            && (m.contains_key("model") || m.contains_key("executionRoleArn")))
}

/// Imports a harness document into a new project named `fallback_name`.
pub(crate) fn import_document(v: &Value, fallback_name: &str) -> Result<Imported> {
    let mut warnings = Vec::new();
    let (harness, at, targets) = match v.get("createHarness") {
        Some(h) => {
            let targets = v
                .get("createGatewayTargets")
                .and_then(Value::as_array)
                .map(|ts| {
                    ts.iter()
                        .enumerate()
                        .map(|(i, t)| Target {
                            request: t.clone(),
                            at: format!("createGatewayTargets[{i}]"),
                        })
                        .collect()
                });
            for (i, e) in items(v, "createHarnessEndpoints").enumerate() {
                endpoint(e, &format!("createHarnessEndpoints[{i}]"), &mut warnings);
            }
            for key in v.as_object().into_iter().flat_map(|m| m.keys()) {
                if !matches!(
                    key.as_str(),
                    "createHarness"
                        | "createGateway"
                        | "createGatewayTargets"
                        | "createHarnessEndpoints"
                ) {
                    warnings.push(ImportWarning {
                        at: key.clone(),
                        message: "not part of an AgentCore export; not imported".into(),
                    });
                }
            }
            (h, "createHarness".to_owned(), targets)
        }
        None => (v, "CreateHarnessRequest".to_owned(), None),
    };
    let agent = agent(
        &Harness {
            request: harness,
            at,
            targets,
        },
        &mut warnings,
    )?;
    let mut project = Project::new(fallback_name);
    project.agent_target = Some(Lenient::Known(AgentTarget::Agentcore));
    project.agents.push(agent);
    Ok(Imported {
        project,
        format: ImportFormat::AgentCore,
        warnings,
    })
}

/// A harness endpoint: the one the export makes is Classic's alias; another is named.
pub(crate) fn endpoint(e: &Value, at: &str, warnings: &mut Vec<ImportWarning>) {
    let name = e.get("endpointName").and_then(Value::as_str).unwrap_or("");
    if name != crate::agentcore::ENDPOINT_NAME {
        warnings.push(ImportWarning {
            at: at.to_owned(),
            message: format!(
                "harness endpoint {name:?} is not imported: a project agent has no aliases (`strata alias set` records them locally, and the AgentCore export makes the endpoint {:?})",
                crate::agentcore::ENDPOINT_NAME
            ),
        });
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The elements of the array member `key` of `v` (none when it is absent or not an array).
fn items<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// Warns about every member of `v` not in `known`.
fn left_out(v: &Value, known: &[&str], at: &str, what: &str, warnings: &mut Vec<ImportWarning>) {
    for key in v.as_object().into_iter().flat_map(Map::keys) {
        if !known.contains(&key.as_str()) {
            warnings.push(ImportWarning {
                at: format!("{at}.{key}"),
                message: format!("{what} {key} has no equivalent in a project agent; not imported"),
            });
        }
    }
}

/// The project agent a harness stands for.
pub(crate) fn agent(h: &Harness<'_>, warnings: &mut Vec<ImportWarning>) -> Result<Agent> {
    let v = h.request;
    let at = &h.at;
    if !v.is_object() {
        return Err(ImportError::Shape {
            at: at.clone(),
            message: "a harness is an object".into(),
        });
    }
    let name = match v.get("harnessName") {
        Some(Value::String(name)) => name,
        other => {
            return Err(ImportError::Shape {
                at: format!("{at}.harnessName"),
                message: match other {
                    None => "a harness needs a harnessName".into(),
                    Some(v) => format!("the harness name is text, not {v}"),
                },
            })
        }
    };
    let mut agent = Agent::new(name);
    agent.agent_target = Some(Lenient::Known(AgentTarget::Agentcore));
    left_out(
        v,
        &[
            "harnessName",
            "clientToken",
            "executionRoleArn",
            "model",
            "systemPrompt",
            "tools",
            "memory",
            "maxIterations",
            "tags",
            "environment",
        ],
        at,
        "the harness setting",
        warnings,
    );
    match v.get("executionRoleArn") {
        Some(Value::String(arn)) if arn.starts_with("arn:") => {
            agent.agent_resource_role_arn = Some(arn.clone());
        }
        // A placeholder (`${<Agent>ExecutionRoleArn}`) or a role the template creates: the
        // export makes one again.
        Some(Value::String(_)) | None => {}
        Some(other) => warnings.push(ImportWarning {
            at: format!("{at}.executionRoleArn"),
            message: format!("{other} is not a role ARN; not imported"),
        }),
    }
    model(v.get("model"), &format!("{at}.model"), &mut agent, warnings);
    let imported_tools = tools::tools(h, &mut agent, warnings)?;
    agent.instruction = instruction(v, at, &imported_tools.renamed, warnings);
    memory(
        v.get("memory"),
        &format!("{at}.memory"),
        &mut agent,
        warnings,
    );
    if let Some(n) = v.get("maxIterations").and_then(Value::as_u64) {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        if n != DEFAULT_MAX_ITERATIONS {
            agent.local.max_iterations = Some(n);
        }
    }
    agent.tags = tags(v.get("tags"), &format!("{at}.tags"), warnings);
    environment(
        v.get("environment"),
        &format!("{at}.environment"),
        &mut agent,
        warnings,
    );
    Ok(agent)
}

/// The model: a Bedrock model's id is the agent's model; its settings have no place outside a
/// prompt override, and another provider's model is named as it is.
fn model(v: Option<&Value>, at: &str, agent: &mut Agent, warnings: &mut Vec<ImportWarning>) {
    let Some(v) = v else {
        warnings.push(ImportWarning {
            at: at.to_owned(),
            message: "the harness names no model; set the agent's foundationModel".into(),
        });
        return;
    };
    let Some((kind, config)) = v.as_object().and_then(|m| m.iter().next()) else {
        return;
    };
    agent.foundation_model = text(config, "modelId").map(str::to_owned);
    let at = format!("{at}.{kind}");
    if kind != "bedrockModelConfig" {
        warnings.push(ImportWarning {
            at: at.clone(),
            message: format!(
                "a {kind} model is not a Bedrock model: its id is kept as the agent's model; run it locally through a model profile (local.modelProfile) that reaches that provider"
            ),
        });
    }
    for key in config.as_object().into_iter().flat_map(Map::keys) {
        let ignored = match key.as_str() {
            "modelId" => false,
            "apiFormat" => text(config, "apiFormat") != Some("converse_stream"),
            _ => true,
        };
        if ignored {
            warnings.push(ImportWarning {
                at: format!("{at}.{key}"),
                message: format!(
                    "the model's {key} is not imported: a project agent sets inference only in a prompt override"
                ),
            });
        }
    }
}

/// The instruction: the system prompt's blocks, with the gateway's tool names back to the
/// names local runs and Classic use.
fn instruction(
    v: &Value,
    at: &str,
    renamed: &[(String, String)],
    warnings: &mut Vec<ImportWarning>,
) -> Option<String> {
    let mut texts = Vec::new();
    for (i, block) in items(v, "systemPrompt").enumerate() {
        match text(block, "text") {
            Some(t) => texts.push(t.to_owned()),
            None => warnings.push(ImportWarning {
                at: format!("{at}.systemPrompt[{i}]"),
                message: "a system prompt block without text; not imported".into(),
            }),
        }
    }
    if texts.is_empty() {
        return None;
    }
    let mut instruction = texts.join("\n\n");
    for (gateway, local) in renamed {
        instruction = instruction.replace(gateway.as_str(), local);
    }
    Some(instruction)
}

/// Managed memory with the summarization strategy is Classic's session summary.
fn memory(v: Option<&Value>, at: &str, agent: &mut Agent, warnings: &mut Vec<ImportWarning>) {
    let Some(v) = v else { return };
    let Some((kind, config)) = v.as_object().and_then(|m| m.iter().next()) else {
        return;
    };
    let at = format!("{at}.{kind}");
    if kind != "managedMemoryConfiguration" {
        if kind != "disabled" {
            warnings.push(ImportWarning {
                at,
                message: format!(
                    "{kind} (an existing AgentCore memory) has no equivalent; the agent is imported without memory"
                ),
            });
        }
        return;
    }
    for s in items(config, "strategies") {
        let s = s.as_str().unwrap_or_default();
        if !s.eq_ignore_ascii_case("summarization") {
            warnings.push(ImportWarning {
                at: format!("{at}.strategies"),
                message: format!(
                    "memory strategy {s} has no Classic equivalent (Strata keeps session summaries); not imported"
                ),
            });
        }
    }
    if config.get("arn").is_some() {
        warnings.push(ImportWarning {
            at: format!("{at}.arn"),
            message: "the memory's ARN is not imported (the harness creates its memory)".into(),
        });
    }
    agent.customer_encryption_key_arn = text(config, "encryptionKeyArn").map(str::to_owned);
    agent.memory_configuration = Some(MemoryConfiguration {
        enabled_memory_types: vec!["SESSION_SUMMARY".into()],
        storage_days: config
            .get("eventExpiryDuration")
            .and_then(Value::as_u64)
            .and_then(|d| u32::try_from(d).ok()),
        session_summary_configuration: None,
    });
}

/// Tags, as a map or as CloudFormation's `[{Key, Value}]` list.
fn tags(
    v: Option<&Value>,
    at: &str,
    warnings: &mut Vec<ImportWarning>,
) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    match v {
        Some(Value::Object(m)) => {
            for (k, val) in m {
                match val.as_str() {
                    Some(s) => {
                        out.insert(k.clone(), s.to_owned());
                    }
                    None => warnings.push(ImportWarning {
                        at: format!("{at}.{k}"),
                        message: "a tag value that is not text; not imported".into(),
                    }),
                }
            }
        }
        Some(Value::Array(items)) => {
            for (i, t) in items.iter().enumerate() {
                match (
                    text(t, "key").or(text(t, "Key")),
                    text(t, "value").or(text(t, "Value")),
                ) {
                    (Some(k), Some(val)) => {
                        out.insert(k.to_owned(), val.to_owned());
                    }
                    _ => warnings.push(ImportWarning {
                        at: format!("{at}[{i}]"),
                        message: "a tag without a text key and value; not imported".into(),
                    }),
                }
            }
        }
        Some(_) | None => {}
    }
    out
}

/// The runtime environment: its idle session timeout is Classic's `idleSessionTTLInSeconds`.
fn environment(v: Option<&Value>, at: &str, agent: &mut Agent, warnings: &mut Vec<ImportWarning>) {
    let Some(v) = v else { return };
    let ttl_at = "/agentCoreRuntimeEnvironment/lifecycleConfiguration/idleRuntimeSessionTimeout";
    agent.idle_session_ttl_in_seconds = v
        .pointer(ttl_at)
        .and_then(Value::as_u64)
        .and_then(|t| u32::try_from(t).ok());
    let mut rest = v.clone();
    if let Some(Value::Object(l)) =
        rest.pointer_mut("/agentCoreRuntimeEnvironment/lifecycleConfiguration")
    {
        l.remove("idleRuntimeSessionTimeout");
    }
    let only_ttl =
        rest == serde_json::json!({"agentCoreRuntimeEnvironment": {"lifecycleConfiguration": {}}});
    if !only_ttl {
        warnings.push(ImportWarning {
            at: at.to_owned(),
            message: "the harness environment (besides its idle session timeout) has no equivalent in a project agent; not imported".into(),
        });
    }
}
