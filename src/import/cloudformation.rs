//! CloudFormation templates (JSON or YAML) into a project: AWS::Bedrock::Flow,
//! AWS::Bedrock::Agent, AWS::Bedrock::Guardrail and AWS::Bedrock::KnowledgeBase resources,
//! converted back from PascalCase.
//!
//! YAML short forms (`!Ref`, `!GetAtt`, `!Sub`, …) become the long JSON forms first. An Agent
//! node or collaborator whose alias ARN is `Fn::GetAtt <Alias>.AgentAliasArn` of an
//! AgentAlias in the template points at the imported agent of that alias (`projectAgent`);
//! a reference to a guardrail or knowledge base of the template becomes the project's name
//! for it; a role the template itself creates is left out (export creates it again). Any other
//! intrinsic value is kept as text such as `${Ref:ParamName}` and reported as a warning. A
//! flow whose definition is in S3 (`DefinitionS3Location`) is an error: the object cannot be
//! read offline.

use super::{lay_out, shaped, ImportError, ImportFormat, ImportWarning, Imported, Result};
use crate::export::cloudformation::{
    default_description, knowledge_base_parameter, rename_supplemental_locations, METADATA_KEY,
};
use crate::export::pascal::{is_intrinsic, to_camel};
use crate::model::{Agent, Flow, FlowDefinition, Guardrail, KnowledgeBase, Project};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Marks an alias ARN resolved to a project agent, until the typed model takes it.
const AGENT_MARK: &str = "\u{1}strata-agent:";

/// Reads YAML (CloudFormation's short-form tags included) as JSON in the long forms.
pub fn yaml_to_json(text: &str) -> Result<Value> {
    let y: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        ImportError::Syntax {
            line,
            column,
            message: e.to_string(),
        }
    })?;
    Ok(convert_yaml(&y))
}

fn convert_yaml(y: &serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match y {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(items) => Value::Array(items.iter().map(convert_yaml).collect()),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s.clone(),
                    other => serde_yaml::to_string(other)
                        .map(|s| s.trim().to_owned())
                        .unwrap_or_default(),
                };
                out.insert(key, convert_yaml(v));
            }
            Value::Object(out)
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = convert_yaml(&t.value);
            let (key, value) = match name {
                "Ref" => (name.to_owned(), inner),
                "GetAtt" => {
                    // `!GetAtt A.B` is the short form of `Fn::GetAtt: [A, B]`.
                    let v = match inner {
                        Value::String(s) => match s.split_once('.') {
                            Some((a, b)) => Value::Array(vec![a.into(), b.into()]),
                            None => Value::String(s),
                        },
                        other => other,
                    };
                    ("Fn::GetAtt".to_owned(), v)
                }
                other => (format!("Fn::{other}"), inner),
            };
            let mut m = Map::new();
            m.insert(key, value);
            Value::Object(m)
        }
    }
}

/// The resource and attribute of `Fn::GetAtt`, in either form.
fn get_att(v: &Value) -> Option<(String, String)> {
    let att = v.as_object()?.get("Fn::GetAtt")?;
    match att {
        Value::Array(parts) if parts.len() == 2 => {
            Some((parts[0].as_str()?.to_owned(), parts[1].as_str()?.to_owned()))
        }
        Value::String(s) => s.split_once('.').map(|(a, b)| (a.to_owned(), b.to_owned())),
        _ => None,
    }
}

fn ref_of(v: &Value) -> Option<&str> {
    v.as_object()?.get("Ref")?.as_str()
}

/// What the template's resources say about each other.
struct Context<'a> {
    resources: BTreeMap<&'a str, &'a Value>,
    /// Parameters Strata's export made for project knowledge bases → their names.
    kb_parameters: BTreeMap<String, String>,
}

impl Context<'_> {
    fn kind(&self, id: &str) -> Option<&str> {
        self.resources.get(id)?.get("Type")?.as_str()
    }

    fn props(&self, id: &str) -> Option<&Value> {
        self.resources.get(id)?.get("Properties")
    }

    /// The name of the agent whose alias `v` refers to (`GetAtt Alias.AgentAliasArn`).
    fn agent_of_alias(&self, v: &Value) -> Option<String> {
        let (alias, attribute) = get_att(v)?;
        if attribute != "AgentAliasArn" || self.kind(&alias)? != "AWS::Bedrock::AgentAlias" {
            return None;
        }
        let agent_ref = self.props(&alias)?.get("AgentId")?;
        let agent = match get_att(agent_ref) {
            Some((a, att)) if att == "AgentId" => a,
            Some(_) => return None,
            None => ref_of(agent_ref)?.to_owned(),
        };
        if self.kind(&agent)? != "AWS::Bedrock::Agent" {
            return None;
        }
        self.props(&agent)?
            .get("AgentName")?
            .as_str()
            .map(str::to_owned)
    }

    /// A resource's `Metadata.Strata.<key>` string, which export writes for what the
    /// schema has no place for (a deployed guardrail's identifier, a local documents folder).
    fn recorded(&self, id: &str, key: &str) -> Option<String> {
        self.resources
            .get(id)?
            .pointer(&format!("/Metadata/{METADATA_KEY}/{key}"))?
            .as_str()
            .map(str::to_owned)
    }

    /// The project's way of naming what `v` points at, when it is a guardrail, guardrail
    /// version or knowledge base of this template: the guardrail's recorded identifier or
    /// its name; the recorded version (`1`, what a new stack makes, otherwise); the
    /// knowledge base's name.
    fn resource_reference(&self, v: &Value) -> Option<String> {
        if let Some(name) = ref_of(v).and_then(|p| self.kb_parameters.get(p)) {
            return Some(name.clone());
        }
        let (id, attribute) = match (get_att(v), ref_of(v)) {
            (Some((id, attribute)), _) => (id, attribute),
            (None, Some(id)) => (id.to_owned(), String::new()),
            (None, None) => return None,
        };
        match (self.kind(&id)?, attribute.as_str()) {
            ("AWS::Bedrock::Guardrail", "GuardrailId") => self
                .recorded(&id, "GuardrailIdentifier")
                .or_else(|| self.props(&id)?.get("Name")?.as_str().map(str::to_owned)),
            ("AWS::Bedrock::GuardrailVersion", "Version") => {
                let guardrail = self.props(&id)?.get("GuardrailIdentifier")?;
                let guardrail = get_att(guardrail)
                    .map(|(g, _)| g)
                    .or_else(|| ref_of(guardrail).map(str::to_owned));
                Some(
                    guardrail
                        .and_then(|g| self.recorded(&g, "GuardrailVersion"))
                        .unwrap_or_else(|| "1".to_owned()),
                )
            }
            ("AWS::Bedrock::KnowledgeBase", "KnowledgeBaseId" | "") => {
                self.props(&id)?.get("Name")?.as_str().map(str::to_owned)
            }
            _ => None,
        }
    }

    /// Replaces references to the template's guardrails and knowledge bases by the names
    /// the project uses for them.
    fn name_resources(&self, v: &mut Value) {
        if let Some(name) = self.resource_reference(v) {
            *v = Value::String(name);
            return;
        }
        match v {
            Value::Object(m) => m.values_mut().for_each(|c| self.name_resources(c)),
            Value::Array(items) => items.iter_mut().for_each(|c| self.name_resources(c)),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
        }
    }

    /// Whether `v` is the ARN of a role this template creates.
    fn is_template_role(&self, v: &Value) -> bool {
        match get_att(v) {
            Some((r, a)) => a == "Arn" && self.kind(&r) == Some("AWS::IAM::Role"),
            None => false,
        }
    }
}

/// Resource types that export generates from flows and agents: imported through them.
const DERIVED: &[&str] = &[
    "AWS::Bedrock::FlowVersion",
    "AWS::Bedrock::FlowAlias",
    "AWS::Bedrock::AgentAlias",
    "AWS::Bedrock::GuardrailVersion",
    "AWS::IAM::Role",
    "AWS::Lambda::Permission",
];

/// Reads a template (already JSON) into a project.
pub fn import_template(template: &Value, fallback_name: &str) -> Result<Imported> {
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return Err(ImportError::Shape {
            at: "Resources".to_owned(),
            message: "a template needs a Resources object".to_owned(),
        });
    };
    let referenced = |key: &str| -> Vec<(String, Value)> {
        template
            .pointer(&format!("/Metadata/{METADATA_KEY}/{key}"))
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    let mut knowledge_bases = Vec::new();
    for (name, kb) in referenced("KnowledgeBases") {
        let at = format!("Metadata.{METADATA_KEY}.KnowledgeBases.{name}");
        knowledge_bases.push(shaped::<KnowledgeBase>(&kb, &at)?);
    }
    let mut guardrails = Vec::new();
    for (name, g) in referenced("Guardrails") {
        let at = format!("Metadata.{METADATA_KEY}.Guardrails.{name}");
        guardrails.push(shaped::<Guardrail>(&g, &at)?);
    }
    let ctx = Context {
        resources: resources.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        kb_parameters: knowledge_bases
            .iter()
            .filter(|k| k.knowledge_base_id.is_none())
            .map(|k| (knowledge_base_parameter(&k.name), k.name.clone()))
            .collect(),
    };
    let name = template
        .pointer(&format!("/Metadata/{METADATA_KEY}/Project"))
        .and_then(Value::as_str)
        .unwrap_or(fallback_name)
        .to_owned();
    let mut project = Project::new(&name);
    project.description = template
        .get("Description")
        .and_then(Value::as_str)
        .filter(|d| *d != default_description(&name))
        .map(str::to_owned);
    project.knowledge_bases = knowledge_bases;
    project.guardrails = guardrails;
    let mut warnings = Vec::new();
    for (id, resource) in &ctx.resources {
        let at = format!("Resources.{id}");
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        let props = resource.get("Properties").cloned().unwrap_or_default();
        match kind {
            "AWS::Bedrock::Flow" => {
                let flow = flow_resource(&ctx, id, &props, &at, &mut warnings)?;
                project.flows.push(flow);
            }
            "AWS::Bedrock::Agent" => {
                let agent = agent_resource(&ctx, &props, &at, &mut warnings)?;
                project.agents.push(agent);
            }
            "AWS::Bedrock::Guardrail" => {
                let guardrail = guardrail_resource(&ctx, id, &props, &at, &mut warnings)?;
                project.guardrails.push(guardrail);
            }
            "AWS::Bedrock::KnowledgeBase" => {
                let kb = knowledge_base_resource(&ctx, id, &props, &at, &mut warnings)?;
                project.knowledge_bases.push(kb);
            }
            k if DERIVED.contains(&k) => {}
            other => warnings.push(ImportWarning {
                at,
                message: format!("resource type {other:?} is not imported"),
            }),
        }
    }
    if project.flows.is_empty()
        && project.agents.is_empty()
        && project.guardrails.is_empty()
        && project.knowledge_bases.is_empty()
    {
        return Err(ImportError::NotRecognised(
            "the template has no AWS::Bedrock::Flow, Agent, Guardrail or KnowledgeBase resource"
                .to_owned(),
        ));
    }
    lay_out(&mut project);
    Ok(Imported {
        project,
        format: ImportFormat::CloudFormation,
        warnings,
    })
}

/// A string property, or the readable text of an intrinsic (with a warning).
fn text_property(
    props: &Value,
    key: &str,
    at: &str,
    warnings: &mut Vec<ImportWarning>,
) -> Option<String> {
    let v = props.get(key)?;
    match v {
        Value::String(s) => Some(s.clone()),
        other => {
            let mut v = other.clone();
            stringify_intrinsics(&mut v, &format!("{at}.{key}"), warnings);
            Some(match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
        }
    }
}

fn flow_resource(
    ctx: &Context<'_>,
    id: &str,
    props: &Value,
    at: &str,
    warnings: &mut Vec<ImportWarning>,
) -> Result<Flow> {
    let at = format!("{at}.Properties");
    let name = match props.get("Name") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            warnings.push(ImportWarning {
                at: format!("{at}.Name"),
                message: format!("the flow name is not literal; the flow is named {id:?}"),
            });
            id.to_owned()
        }
    };
    let execution_role_arn = match props.get("ExecutionRoleArn") {
        Some(v) if ctx.is_template_role(v) => None,
        Some(_) => text_property(props, "ExecutionRoleArn", &at, warnings),
        None => None,
    };
    let mut definition = if let Some(d) = props.get("Definition") {
        d.clone()
    } else if let Some(s) = props.get("DefinitionString") {
        definition_string(ctx, s, props.get("DefinitionSubstitutions"), &at, warnings)?
    } else if let Some(location) = props.get("DefinitionS3Location") {
        let part = |k: &str| match location.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "?".to_owned(),
        };
        return Err(ImportError::Unsupported {
            resource: id.to_owned(),
            message: format!(
                "the flow definition is an S3 object (DefinitionS3Location s3://{}/{}), which import cannot fetch: it reads files, not AWS; download the object (aws s3 cp) and import that JSON, or inline it as Definition",
                part("Bucket"),
                part("Key")
            ),
        });
    } else {
        Value::Object(Map::new())
    };
    mark_agent_nodes(ctx, &mut definition);
    ctx.name_resources(&mut definition);
    let mut definition = to_camel(&definition);
    stringify_intrinsics(&mut definition, &format!("{at}.Definition"), warnings);
    unmark_agent_nodes(&mut definition);
    let definition: FlowDefinition = shaped(&definition, &format!("{at}.Definition"))?;
    Ok(Flow {
        name,
        description: text_property(props, "Description", &at, warnings),
        execution_role_arn,
        customer_encryption_key_arn: text_property(
            props,
            "CustomerEncryptionKeyArn",
            &at,
            warnings,
        ),
        definition,
        samples: vec![],
    })
}

/// `DefinitionString` with `DefinitionSubstitutions` applied, parsed. The string holds the
/// PascalCase definition per the schema; a camelCase one (as some stacks carry) is accepted.
fn definition_string(
    ctx: &Context<'_>,
    s: &Value,
    substitutions: Option<&Value>,
    at: &str,
    warnings: &mut Vec<ImportWarning>,
) -> Result<Value> {
    let mut sub = false;
    let mut text = match s {
        Value::String(s) => s.clone(),
        Value::Object(m) => match m.get("Fn::Sub") {
            Some(Value::String(s)) => {
                sub = true;
                s.clone()
            }
            Some(Value::Array(parts)) => {
                sub = true;
                parts
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            }
            _ => {
                return Err(ImportError::Shape {
                    at: format!("{at}.DefinitionString"),
                    message: "expected a JSON string".to_owned(),
                })
            }
        },
        _ => {
            return Err(ImportError::Shape {
                at: format!("{at}.DefinitionString"),
                message: "expected a JSON string".to_owned(),
            })
        }
    };
    if let Some(Value::Object(subs)) = substitutions {
        for (key, value) in subs {
            let replacement = match value {
                Value::String(s) => escape_json(s),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => match (ctx.agent_of_alias(other), ctx.resource_reference(other)) {
                    (Some(agent), _) => escape_json(&format!("{AGENT_MARK}{agent}")),
                    (None, Some(name)) => escape_json(&name),
                    (None, None) => {
                        let mut v = other.clone();
                        stringify_intrinsics(
                            &mut v,
                            &format!("{at}.DefinitionSubstitutions.{key}"),
                            warnings,
                        );
                        escape_json(v.as_str().unwrap_or_default())
                    }
                },
            };
            text = text.replace(&format!("${{{key}}}"), &replacement);
        }
    }
    if sub && text.contains("${") {
        warnings.push(ImportWarning {
            at: format!("{at}.DefinitionString"),
            message: "an Fn::Sub string: the CloudFormation variables left in it (such as ${AWS::Region}) are kept as text; replace them with real values before running or deploying".to_owned(),
        });
    }
    serde_json::from_str(&text).map_err(|e| ImportError::Shape {
        at: format!("{at}.DefinitionString"),
        message: format!(
            "not JSON after substitutions: {e} (line {}, column {})",
            e.line(),
            e.column()
        ),
    })
}

/// A string's JSON escaping, without the quotes (it goes inside quotes already there).
fn escape_json(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

/// Agent nodes wired to an alias of the template: `AgentAliasArn` becomes a mark.
fn mark_agent_nodes(ctx: &Context<'_>, v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(agent)) = m.get_mut("Agent") {
                if let Some(arn) = agent.get("AgentAliasArn") {
                    if let Some(name) = ctx.agent_of_alias(arn) {
                        agent.insert(
                            "AgentAliasArn".into(),
                            Value::String(format!("{AGENT_MARK}{name}")),
                        );
                    }
                }
            }
            for v in m.values_mut() {
                mark_agent_nodes(ctx, v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mark_agent_nodes(ctx, v)),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// Marks (camelCase by now) become `projectAgent` with an empty `agentAliasArn`.
fn unmark_agent_nodes(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(agent)) = m.get_mut("agent") {
                let name = agent
                    .get("agentAliasArn")
                    .and_then(Value::as_str)
                    .and_then(|s| s.strip_prefix(AGENT_MARK))
                    .map(str::to_owned);
                if let Some(name) = name {
                    agent.insert("agentAliasArn".into(), Value::String(String::new()));
                    agent.insert("projectAgent".into(), Value::String(name));
                }
            }
            for v in m.values_mut() {
                unmark_agent_nodes(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unmark_agent_nodes),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// Replaces every intrinsic function left in `v` by readable text, with a warning each.
fn stringify_intrinsics(v: &mut Value, at: &str, warnings: &mut Vec<ImportWarning>) {
    match v {
        Value::Object(m) if is_intrinsic(m) => {
            let text = intrinsic_text(m);
            warnings.push(ImportWarning {
                at: at.to_owned(),
                message: format!(
                    "a CloudFormation value, kept as the text {text:?}: replace it with the real value before running or deploying"
                ),
            });
            *v = Value::String(text);
        }
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                stringify_intrinsics(child, &format!("{at}.{k}"), warnings);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                stringify_intrinsics(child, &format!("{at}[{i}]"), warnings);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// `${Ref:Name}`, `${GetAtt:Res.Attr}`, `${Sub:text}`, or `${Fn::X:<json>}`.
fn intrinsic_text(m: &Map<String, Value>) -> String {
    let whole = Value::Object(m.clone());
    if let Some(r) = ref_of(&whole) {
        return format!("${{Ref:{r}}}");
    }
    if let Some((res, att)) = get_att(&whole) {
        return format!("${{GetAtt:{res}.{att}}}");
    }
    if let Some(Value::String(s)) = m.get("Fn::Sub") {
        return format!("${{Sub:{s}}}");
    }
    match m.iter().next() {
        Some((k, v)) => format!("${{{k}:{v}}}"),
        None => String::new(),
    }
}

fn agent_resource(
    ctx: &Context<'_>,
    props: &Value,
    at: &str,
    warnings: &mut Vec<ImportWarning>,
) -> Result<Agent> {
    let at = format!("{at}.Properties");
    let mut props = props.clone();
    if let Some(m) = props.as_object_mut() {
        if m.get("AgentResourceRoleArn")
            .is_some_and(|v| ctx.is_template_role(v))
        {
            m.remove("AgentResourceRoleArn");
        }
        for k in [
            "AutoPrepare",
            "SkipResourceInUseCheckOnDelete",
            "TestAliasTags",
        ] {
            m.remove(k);
        }
        if let Some(Value::Array(groups)) = m.get_mut("ActionGroups") {
            for g in groups.iter_mut().filter_map(Value::as_object_mut) {
                g.remove("SkipResourceInUseCheckOnDelete");
            }
        }
        if let Some(collaborators) = m.remove("AgentCollaborators") {
            let mut collaborators = collaborators;
            if let Value::Array(items) = &mut collaborators {
                for c in items.iter_mut() {
                    let Some(descriptor) =
                        c.get_mut("AgentDescriptor").and_then(Value::as_object_mut)
                    else {
                        continue;
                    };
                    let agent = descriptor
                        .get("AliasArn")
                        .and_then(|a| ctx.agent_of_alias(a));
                    if let Some(agent) = agent {
                        descriptor.remove("AliasArn");
                        descriptor.insert("ProjectAgent".into(), Value::String(agent));
                    }
                }
            }
            m.insert("Collaborators".into(), collaborators);
        }
    }
    ctx.name_resources(&mut props);
    let mut camel = to_camel(&props);
    stringify_intrinsics(&mut camel, &at, warnings);
    shaped(&camel, &at)
}

/// Properties of a resource that the project has no place for: a warning each.
fn left_out(props: &Value, kept: &[&str], at: &str, warnings: &mut Vec<ImportWarning>) {
    for key in props.as_object().into_iter().flat_map(|m| m.keys()) {
        if !kept.contains(&key.as_str()) {
            warnings.push(ImportWarning {
                at: format!("{at}.{key}"),
                message: "not imported: a Strata project does not hold this setting".to_owned(),
            });
        }
    }
}

fn guardrail_resource(
    ctx: &Context<'_>,
    id: &str,
    props: &Value,
    at: &str,
    warnings: &mut Vec<ImportWarning>,
) -> Result<Guardrail> {
    let at = format!("{at}.Properties");
    const KEPT: &[&str] = &[
        "Name",
        "Description",
        "BlockedInputMessaging",
        "BlockedOutputsMessaging",
        "TopicPolicyConfig",
        "ContentPolicyConfig",
        "WordPolicyConfig",
        "SensitiveInformationPolicyConfig",
    ];
    left_out(props, KEPT, &at, warnings);
    let mut camel = Map::new();
    for key in KEPT {
        let Some(v) = props.get(*key) else { continue };
        let mut v = to_camel(v);
        if let Value::Object(m) = &mut v {
            for tier in ["topicsTierConfig", "contentFiltersTierConfig"] {
                if let Some(t) = m.remove(tier) {
                    m.insert("tierConfig".into(), t);
                }
            }
        }
        camel.insert(
            crate::export::pascal::recase(key, crate::export::pascal::Case::Camel),
            v,
        );
    }
    if !camel.contains_key("name") {
        camel.insert("name".into(), Value::String(id.to_owned()));
    }
    for key in ["GuardrailIdentifier", "GuardrailVersion"] {
        if let Some(v) = ctx.recorded(id, key) {
            camel.insert(
                crate::export::pascal::recase(key, crate::export::pascal::Case::Camel),
                Value::String(v),
            );
        }
    }
    let mut camel = Value::Object(camel);
    stringify_intrinsics(&mut camel, &at, warnings);
    shaped(&camel, &at)
}

fn knowledge_base_resource(
    ctx: &Context<'_>,
    id: &str,
    props: &Value,
    at: &str,
    warnings: &mut Vec<ImportWarning>,
) -> Result<KnowledgeBase> {
    let at = format!("{at}.Properties");
    left_out(
        props,
        &[
            "Name",
            "Description",
            "RoleArn",
            "KnowledgeBaseConfiguration",
            "StorageConfiguration",
        ],
        &at,
        warnings,
    );
    let name = match props.get("Name") {
        Some(Value::String(s)) => s.clone(),
        _ => id.to_owned(),
    };
    let mut kb = KnowledgeBase::named(&name);
    kb.description = text_property(props, "Description", &at, warnings);
    // A role the deployer passes in (a `Ref` to a parameter) is what a project without
    // `roleArn` exports as.
    kb.role_arn = match props.get("RoleArn") {
        Some(v) if ref_of(v).is_some_and(|r| ctx.kind(r).is_none()) => None,
        Some(_) => text_property(props, "RoleArn", &at, warnings),
        None => None,
    };
    if let Some(c) = props.get("KnowledgeBaseConfiguration") {
        let mut c = to_camel(c);
        rename_supplemental_locations(
            &mut c,
            "supplementalDataStorageLocations",
            "storageLocations",
        );
        stringify_intrinsics(
            &mut c,
            &format!("{at}.KnowledgeBaseConfiguration"),
            warnings,
        );
        kb.knowledge_base_configuration = Some(c);
    }
    if let Some(c) = props.get("StorageConfiguration") {
        let mut c = to_camel(c);
        stringify_intrinsics(&mut c, &format!("{at}.StorageConfiguration"), warnings);
        kb.storage_configuration = Some(c);
    }
    kb.knowledge_base_id = ctx.recorded(id, "KnowledgeBaseId");
    kb.documents = ctx.recorded(id, "Documents");
    Ok(kb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_form_tags_become_long_forms() {
        let v = yaml_to_json(
            "A: !Ref P\nB: !GetAtt Res.Attr\nC: !Sub 'x-${AWS::Region}'\nD: !Join ['', [a, !Ref P]]\nE: 3\n",
        )
        .expect("parses");
        assert_eq!(
            v,
            json!({
                "A": {"Ref": "P"},
                "B": {"Fn::GetAtt": ["Res", "Attr"]},
                "C": {"Fn::Sub": "x-${AWS::Region}"},
                "D": {"Fn::Join": ["", ["a", {"Ref": "P"}]]},
                "E": 3
            })
        );
    }

    #[test]
    fn intrinsics_read_as_text() {
        let mut m = Map::new();
        m.insert("Ref".into(), json!("KbId"));
        assert_eq!(intrinsic_text(&m), "${Ref:KbId}");
        let mut warnings = vec![];
        let mut v = json!({"a": [{"Fn::GetAtt": "X.Y"}]});
        stringify_intrinsics(&mut v, "R", &mut warnings);
        assert_eq!(v, json!({"a": ["${GetAtt:X.Y}"]}));
        assert_eq!(warnings[0].at, "R.a[0]");
    }
}
