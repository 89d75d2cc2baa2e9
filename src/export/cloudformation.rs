//! A project as one CloudFormation template: per flow a Flow, FlowVersion and FlowAlias (or,
//! with a [`History`] from the store, a FlowVersion per recorded version and a FlowAlias per
//! alias); per agent an Agent (inline action groups, knowledge bases and collaborators,
//! AutoPrepare) and an AgentAlias; per project guardrail that holds its definition a
//! Guardrail and a GuardrailVersion; per project knowledge base that holds its
//! `knowledgeBaseConfiguration` a KnowledgeBase; a least-privilege IAM role for each flow and
//! agent the project gives no role; parameters for what only the deployer knows (the id of a
//! knowledge base the project cannot create, a knowledge base's role); outputs for the alias
//! ARNs.
//!
//! Property names follow [`super::pascal`]; Agent nodes and collaborators that run a project
//! agent are wired with `Fn::GetAtt <Alias>.AgentAliasArn`, references to created guardrails
//! and knowledge bases with `Fn::GetAtt` too. Settings the resource schemas cannot express
//! (CHAT prompts, inline `additionalModelRequestFields`, …) are errors naming the node.

use super::pascal::to_pascal;
use super::{
    action_group_body, agent_body, alphanumeric, api_definition, collaborator_alias, ensure_valid,
    resolve_knowledge_base, to_value, ExportError, References, Result,
};
use crate::model::agent::ParentSignature;
use crate::model::lenient::Lenient;
use crate::model::{Agent, Flow, FlowDefinition, Guardrail, KnowledgeBase, Project};
use crate::nodes::deployment::Access;
use crate::nodes::prompt::{PromptSource, TemplateConfiguration, TemplateType};
use crate::nodes::{NodeConfiguration, NodeType};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The name the alias resources get; it is what `strata deploy` also calls the live alias.
pub const ALIAS_NAME: &str = "live";

/// The key of the template's `Metadata` that records which project it came from.
pub const METADATA_KEY: &str = "Strata";

/// A CloudFormation template. Maps are ordered by key, so output is deterministic.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub description: String,
    /// `Metadata.Strata.Project`: the project's name, read back by import.
    pub project_name: String,
    pub parameters: BTreeMap<String, Value>,
    pub resources: BTreeMap<String, Value>,
    pub outputs: BTreeMap<String, Value>,
    /// What the template cannot promise, for people (the CLI prints them on stderr).
    pub notes: Vec<String>,
    /// The project's knowledge bases and guardrails the template does not create, by name,
    /// as `Metadata.Strata.KnowledgeBases` / `Guardrails`: import reads them back, so the
    /// project they came from is whole again.
    pub referenced: BTreeMap<String, Value>,
}

impl Template {
    /// The template as a JSON value.
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        out.insert(
            "AWSTemplateFormatVersion".into(),
            Value::String("2010-09-09".into()),
        );
        out.insert(
            "Description".into(),
            Value::String(self.description.clone()),
        );
        out.insert("Metadata".into(), self.metadata());
        if !self.parameters.is_empty() {
            out.insert(
                "Parameters".into(),
                Value::Object(self.parameters.clone().into_iter().collect()),
            );
        }
        out.insert(
            "Resources".into(),
            Value::Object(self.resources.clone().into_iter().collect()),
        );
        if !self.outputs.is_empty() {
            out.insert(
                "Outputs".into(),
                Value::Object(self.outputs.clone().into_iter().collect()),
            );
        }
        Value::Object(out)
    }

    /// `Metadata`: `{Strata: {Project, KnowledgeBases?, Guardrails?}}`.
    fn metadata(&self) -> Value {
        let mut strata = Map::new();
        strata.insert("Project".into(), Value::String(self.project_name.clone()));
        for (k, v) in &self.referenced {
            strata.insert(k.clone(), v.clone());
        }
        json!({ METADATA_KEY: strata })
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&Ordered(self))
            .unwrap_or_else(|_| self.to_value().to_string());
        s.push('\n');
        s
    }

    /// YAML, with intrinsic functions in their long form (`Fn::GetAtt: [A, B]`), quoted
    /// where CloudFormation's YAML 1.1 reader would otherwise misread a string.
    pub fn to_yaml(&self) -> String {
        let mut sections = vec![
            (
                "AWSTemplateFormatVersion",
                Value::String("2010-09-09".into()),
            ),
            ("Description", Value::String(self.description.clone())),
            ("Metadata", self.metadata()),
        ];
        if !self.parameters.is_empty() {
            sections.push(("Parameters", section(&self.parameters)));
        }
        sections.push(("Resources", section(&self.resources)));
        if !self.outputs.is_empty() {
            sections.push(("Outputs", section(&self.outputs)));
        }
        super::yaml::document(&sections)
    }
}

fn section(map: &BTreeMap<String, Value>) -> Value {
    Value::Object(map.clone().into_iter().collect())
}

/// Serialises a template with its sections in the conventional order and every map sorted.
struct Ordered<'a>(&'a Template);

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let t = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("AWSTemplateFormatVersion", "2010-09-09")?;
        map.serialize_entry("Description", &t.description)?;
        map.serialize_entry("Metadata", &Sorted(&t.metadata()))?;
        if !t.parameters.is_empty() {
            map.serialize_entry("Parameters", &SortedMap(&t.parameters))?;
        }
        map.serialize_entry("Resources", &SortedMap(&t.resources))?;
        if !t.outputs.is_empty() {
            map.serialize_entry("Outputs", &SortedMap(&t.outputs))?;
        }
        map.end()
    }
}

struct SortedMap<'a>(&'a BTreeMap<String, Value>);

impl Serialize for SortedMap<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, &Sorted(v))?;
        }
        map.end()
    }
}

/// A JSON value serialised with object keys sorted, whatever serde_json's map order is.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(m) => {
                let keys: BTreeSet<&String> = m.keys().collect();
                let mut map = s.serialize_map(Some(m.len()))?;
                for k in keys {
                    if let Some(v) = m.get(k) {
                        map.serialize_entry(k, &Sorted(v))?;
                    }
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(&Sorted(v))?;
                }
                seq.end()
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
                self.0.serialize(s)
            }
        }
    }
}

/// Marks a reference inside typed values until it becomes an intrinsic function. The
/// leading control character keeps it apart from anything a user could type in a form.
const MARK: &str = "\u{1}strata:";

struct CfnRefs;

impl References for CfnRefs {
    fn agent_alias(&self, agent: &str) -> String {
        format!("{MARK}agent-alias:{agent}")
    }
    /// A guardrail the template creates keeps its name ([`resolve_guardrails`] makes it a
    /// reference); another one is named by its identifier, or left as the project names it.
    fn guardrail(&self, g: &Guardrail) -> String {
        match (&g.guardrail_identifier, g.is_defined()) {
            (Some(id), false) => id.clone(),
            (Some(_), true) | (None, _) => g.name.clone(),
        }
    }
    fn knowledge_base(&self, kb: &KnowledgeBase) -> String {
        if kb.knowledge_base_configuration.is_some() {
            format!("{MARK}kb-resource:{}", kb.name)
        } else if let Some(id) = &kb.knowledge_base_id {
            id.clone()
        } else {
            format!("{MARK}kb:{}", kb.name)
        }
    }
}

/// Logical ids of the project's resources.
struct Names {
    flows: BTreeMap<String, String>,
    agents: BTreeMap<String, String>,
    /// Guardrails the template creates, by project name.
    guardrails: BTreeMap<String, String>,
    /// How agents and nodes may name a created guardrail (its name, or the identifier the
    /// project also records for it) → its project name.
    guardrail_refs: BTreeMap<String, String>,
    /// Knowledge bases the template creates, by project name.
    knowledge_bases: BTreeMap<String, String>,
}

impl Names {
    fn new(project: &Project) -> Names {
        let mut used = BTreeSet::new();
        let mut unique = |base: String| {
            let mut candidate = base.clone();
            let mut n = 2;
            while !used.insert(candidate.clone()) {
                candidate = format!("{base}{n}");
                n += 1;
            }
            candidate
        };
        let mut agents = BTreeMap::new();
        for a in &project.agents {
            let base = alphanumeric(&a.agent_name);
            let base = base.strip_suffix("Agent").unwrap_or(&base).to_owned();
            let base = if base.is_empty() {
                "R".to_owned()
            } else {
                base
            };
            agents.insert(a.agent_name.clone(), unique(format!("{base}Agent")));
        }
        let mut flows = BTreeMap::new();
        for f in &project.flows {
            flows.insert(
                f.name.clone(),
                unique(format!("{}Flow", alphanumeric(&f.name))),
            );
        }
        let mut guardrails = BTreeMap::new();
        let mut guardrail_refs = BTreeMap::new();
        for g in project.guardrails.iter().filter(|g| g.is_defined()) {
            guardrails.insert(
                g.name.clone(),
                unique(format!("{}Guardrail", alphanumeric(&g.name))),
            );
            guardrail_refs.insert(g.name.clone(), g.name.clone());
            if let Some(id) = &g.guardrail_identifier {
                guardrail_refs.insert(id.clone(), g.name.clone());
            }
        }
        let mut knowledge_bases = BTreeMap::new();
        for k in &project.knowledge_bases {
            if k.knowledge_base_configuration.is_some() {
                knowledge_bases.insert(
                    k.name.clone(),
                    unique(format!("{}KnowledgeBase", alphanumeric(&k.name))),
                );
            }
        }
        Names {
            flows,
            agents,
            guardrails,
            guardrail_refs,
            knowledge_bases,
        }
    }

    fn guardrail(&self, name: &str) -> String {
        self.guardrails
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("{}Guardrail", alphanumeric(name)))
    }

    fn knowledge_base(&self, name: &str) -> String {
        self.knowledge_bases
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("{}KnowledgeBase", alphanumeric(name)))
    }

    fn agent(&self, name: &str) -> String {
        self.agents
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("{}Agent", alphanumeric(name)))
    }

    fn flow(&self, name: &str) -> String {
        self.flows
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("{}Flow", alphanumeric(name)))
    }
}

/// The parameter that holds a project knowledge base's id.
pub(crate) fn knowledge_base_parameter(name: &str) -> String {
    format!("{}KnowledgeBaseId", alphanumeric(name))
}

fn get_att(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [resource, attribute] })
}

/// `Fn::Sub` of a text whose `${…}` are CloudFormation's; `literal` parts are escaped.
fn sub(template: &str) -> Value {
    json!({ "Fn::Sub": template })
}

fn escape_sub(literal: &str) -> String {
    literal.replace("${", "${!")
}

/// Replaces the markers left by [`CfnRefs`] by intrinsic functions, noting the parameters used.
fn resolve_markers(value: &mut Value, names: &Names, parameters: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix(MARK) {
                if let Some(agent) = rest.strip_prefix("agent-alias:") {
                    *value = get_att(&format!("{}Alias", names.agent(agent)), "AgentAliasArn");
                } else if let Some(kb) = rest.strip_prefix("kb:") {
                    let p = knowledge_base_parameter(kb);
                    parameters.insert(kb.to_owned());
                    *value = json!({ "Ref": p });
                } else if let Some(kb) = rest.strip_prefix("kb-resource:") {
                    *value = get_att(&names.knowledge_base(kb), "KnowledgeBaseId");
                } else if let Some(kb) = rest.strip_prefix("kb-arn:") {
                    *value = get_att(&names.knowledge_base(kb), "KnowledgeBaseArn");
                } else if let Some(g) = rest.strip_prefix("guardrail-arn:") {
                    *value = get_att(&names.guardrail(g), "GuardrailArn");
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                resolve_markers(v, names, parameters);
            }
        }
        Value::Object(m) => {
            for v in m.values_mut() {
                resolve_markers(v, names, parameters);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Permissions a role needs, gathered from what the flow or agent uses. Resources keep the
/// order they were first met in, without repeats, so the policy is stable.
#[derive(Default)]
struct Permissions {
    statements: Vec<(&'static str, Vec<&'static str>, Vec<Value>)>,
}

impl Permissions {
    fn allow(&mut self, sid: &'static str, actions: &[&'static str], resource: Value) {
        match self.statements.iter_mut().find(|(s, _, _)| *s == sid) {
            Some((_, _, resources)) => {
                if !resources.contains(&resource) {
                    resources.push(resource);
                }
            }
            None => self
                .statements
                .push((sid, actions.to_vec(), vec![resource])),
        }
    }

    fn models(&mut self, model_id: &str) {
        for arn in model_arns(model_id) {
            self.allow("InvokeModels", &["bedrock:InvokeModel"], arn);
        }
    }

    fn guardrail(&mut self, identifier: &str, names: &Names) {
        let arn = if let Some(name) = names.guardrail_refs.get(identifier) {
            Value::String(format!("{MARK}guardrail-arn:{name}"))
        } else if identifier.starts_with("arn:") {
            Value::String(identifier.to_owned())
        } else {
            sub(&format!(
                "arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:guardrail/{}",
                escape_sub(identifier)
            ))
        };
        self.allow("ApplyGuardrails", &["bedrock:ApplyGuardrail"], arn);
    }

    fn knowledge_base(&mut self, id: &str, generate: bool) {
        let marked = id.strip_prefix(MARK);
        let arn = if let Some(name) = marked.and_then(|r| r.strip_prefix("kb:")) {
            sub(&format!(
                "arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:knowledge-base/${{{}}}",
                knowledge_base_parameter(name)
            ))
        } else if let Some(name) = marked.and_then(|r| r.strip_prefix("kb-resource:")) {
            Value::String(format!("{MARK}kb-arn:{name}"))
        } else {
            sub(&format!(
                "arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:knowledge-base/{}",
                escape_sub(id)
            ))
        };
        if generate {
            self.allow(
                "UseKnowledgeBases",
                &["bedrock:Retrieve", "bedrock:RetrieveAndGenerate"],
                arn,
            );
        } else {
            self.allow("UseKnowledgeBases", &["bedrock:Retrieve"], arn);
        }
    }

    fn policy(&self, name: &str, names: &Names) -> Option<Value> {
        if self.statements.is_empty() {
            return None;
        }
        let mut statements = Vec::new();
        for (sid, actions, resources) in &self.statements {
            let mut resources = Value::Array(resources.clone());
            resolve_markers(&mut resources, names, &mut BTreeSet::new());
            statements.push(json!({
                "Sid": sid,
                "Effect": "Allow",
                "Action": actions,
                "Resource": resources,
            }));
        }
        Some(json!([{
            "PolicyName": name,
            "PolicyDocument": { "Version": "2012-10-17", "Statement": statements },
        }]))
    }
}

/// Geographic prefixes of cross-region inference profile ids (`us.anthropic.…`).
const PROFILE_PREFIXES: &[&str] = &["us", "eu", "apac", "global", "us-gov", "jp", "au", "ca"];

/// The ARNs InvokeModel needs for a model id: the foundation model in this region, or for
/// an inference profile the profile and its model in every region it routes to.
fn model_arns(model_id: &str) -> Vec<Value> {
    if model_id.starts_with("arn:") {
        return vec![Value::String(model_id.to_owned())];
    }
    if let Some((prefix, base)) = model_id.split_once('.') {
        if PROFILE_PREFIXES.contains(&prefix) {
            return vec![
                sub(&format!(
                    "arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:inference-profile/{}",
                    escape_sub(model_id)
                )),
                sub(&format!(
                    "arn:${{AWS::Partition}}:bedrock:*::foundation-model/{}",
                    escape_sub(base)
                )),
            ];
        }
    }
    vec![sub(&format!(
        "arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}::foundation-model/{}",
        escape_sub(model_id)
    ))]
}

fn role(policy_name: &str, permissions: &Permissions, names: &Names) -> Value {
    let mut props = Map::new();
    props.insert(
        "AssumeRolePolicyDocument".into(),
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": "bedrock.amazonaws.com" },
                "Action": "sts:AssumeRole",
                "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } },
            }],
        }),
    );
    if let Some(p) = permissions.policy(policy_name, names) {
        props.insert("Policies".into(), p);
    }
    json!({ "Type": "AWS::IAM::Role", "Properties": props })
}

/// Settings of a flow that AWS::Bedrock::Flow cannot hold.
fn check_flow_expressible(flow: &Flow) -> Result<()> {
    for (_, node) in flow.definition.all_nodes() {
        let refuse = |what: &str| {
            Err(ExportError::FlowNotInCloudFormation {
                flow: flow.name.clone(),
                node: node.name.clone(),
                what: what.to_owned(),
            })
        };
        if let Lenient::Unknown(t) = &node.node_type {
            return refuse(&format!("node type {t:?}"));
        }
        if let Some(NodeConfiguration::Unknown { key, .. }) = &node.configuration {
            return refuse(&format!("configuration {key:?}"));
        }
        if let Some(NodeConfiguration::KnowledgeBase(kb)) = &node.configuration {
            if let Some(inf) = &kb.inference_configuration {
                if inf.text().max_tokens.is_some_and(|m| m > 4096) {
                    return refuse("maxTokens above 4096");
                }
            }
        }
        let Some(NodeConfiguration::Prompt(p)) = &node.configuration else {
            continue;
        };
        let PromptSource::Inline(inline) = &p.source_configuration else {
            continue;
        };
        if inline.template_type != Lenient::Known(TemplateType::Text) {
            return refuse("a CHAT prompt template (the schema takes TEXT only)");
        }
        match &inline.template_configuration {
            TemplateConfiguration::Chat(_) => {
                return refuse("a CHAT prompt template (the schema takes TEXT only)")
            }
            TemplateConfiguration::Text(t) if t.cache_point.is_some() => {
                return refuse("a cache point in the prompt text");
            }
            TemplateConfiguration::Text(t) if t.text.chars().count() > 200_000 => {
                return refuse("prompt text longer than 200000 characters");
            }
            TemplateConfiguration::Text(_) => {}
        }
        if inline.additional_model_request_fields.is_some() {
            return refuse("additionalModelRequestFields on an inline prompt");
        }
        if let Some(inf) = &inline.inference_configuration {
            if inf.text().max_tokens.is_some_and(|m| m > 4096) {
                return refuse("maxTokens above 4096");
            }
        }
    }
    Ok(())
}

fn flow_permissions(project: &Project, def: &FlowDefinition, names: &Names, p: &mut Permissions) {
    for (_, node) in def.all_nodes() {
        let Some(config) = &node.configuration else {
            continue;
        };
        let Some(kind) = config.node_type().map(NodeType::kind) else {
            continue;
        };
        for access in (kind.access)(config) {
            p.grant(project, names, access);
        }
    }
}

impl Permissions {
    /// The statements that let the flow role reach what a node reaches.
    fn grant(&mut self, project: &Project, names: &Names, access: Access<'_>) {
        match access {
            Access::Model(model_id) => self.models(model_id),
            Access::Prompt(arn) => {
                let base = unversioned_prompt(arn);
                self.allow(
                    "UsePrompts",
                    &["bedrock:GetPrompt", "bedrock:RenderPrompt"],
                    Value::String(base.clone()),
                );
                self.allow(
                    "UsePrompts",
                    &["bedrock:GetPrompt", "bedrock:RenderPrompt"],
                    Value::String(format!("{base}:*")),
                );
            }
            Access::Guardrail(id) => self.guardrail(&guardrail_reference(project, id), names),
            Access::KnowledgeBase { id, generate } => {
                let id = resolve_knowledge_base(project, id, &CfnRefs);
                self.knowledge_base(&id, generate);
            }
            Access::Rerank => self.allow("Rerank", &["bedrock:Rerank"], Value::String("*".into())),
            Access::Agent {
                project_agent,
                alias_arn,
            } => {
                let arn = match project_agent {
                    Some(agent) => CfnRefs.agent_alias(agent),
                    None => alias_arn.to_owned(),
                };
                self.allow("InvokeAgents", &["bedrock:InvokeAgent"], Value::String(arn));
            }
            Access::Function(arn) => self.allow(
                "InvokeFunctions",
                &["lambda:InvokeFunction"],
                Value::String(arn.to_owned()),
            ),
            Access::WriteObjects { bucket } => self.allow(
                "WriteObjects",
                &["s3:PutObject"],
                sub(&format!(
                    "arn:${{AWS::Partition}}:s3:::{}/*",
                    escape_sub(bucket)
                )),
            ),
            Access::ReadObjects { bucket } => self.allow(
                "ReadObjects",
                &["s3:GetObject"],
                sub(&format!(
                    "arn:${{AWS::Partition}}:s3:::{}/*",
                    escape_sub(bucket)
                )),
            ),
            Access::Lex(arn) => self.allow(
                "RecognizeUtterances",
                &["lex:RecognizeUtterance"],
                Value::String(arn.to_owned()),
            ),
        }
    }
}

/// A reference to a project guardrail the template can neither create (no definition) nor
/// name (no identifier of a deployed copy) is an error naming it.
fn check_guardrail_references(project: &Project) -> Result<()> {
    let mut references: Vec<&str> = project
        .agents
        .iter()
        .filter_map(|a| a.guardrail_configuration.as_ref())
        .filter_map(|g| g.guardrail_identifier.as_deref())
        .collect();
    for f in &project.flows {
        for (_, node) in f.definition.all_nodes() {
            let g = if let Some(NodeConfiguration::Prompt(c)) = &node.configuration {
                c.guardrail_configuration.as_ref()
            } else if let Some(NodeConfiguration::KnowledgeBase(c)) = &node.configuration {
                c.guardrail_configuration.as_ref()
            } else {
                None
            };
            references.extend(g.and_then(|g| g.guardrail_identifier.as_deref()));
        }
    }
    for id in references {
        if let Some(g) = project.guardrail(id) {
            if !g.is_defined() && g.guardrail_identifier.is_none() {
                return Err(ExportError::GuardrailNotInCloudFormation {
                    guardrail: g.name.clone(),
                    what: "a reference to a guardrail with neither its definition (both blocked messages) nor the identifier of a deployed copy".to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// A `guardrailIdentifier` as the template writes it (see [`CfnRefs`]).
fn guardrail_reference(project: &Project, id: &str) -> String {
    match project.guardrail(id) {
        Some(g) => CfnRefs.guardrail(g),
        None => id.to_owned(),
    }
}

/// `arn:…:prompt/ID:3` → `arn:…:prompt/ID`.
fn unversioned_prompt(arn: &str) -> String {
    match arn.rfind(":prompt/") {
        Some(i) => {
            let tail = &arn[i + ":prompt/".len()..];
            match tail.find(':') {
                Some(j) => arn[..i + ":prompt/".len() + j].to_owned(),
                None => arn.to_owned(),
            }
        }
        None => arn.to_owned(),
    }
}

/// A short, stable fingerprint (FNV-1a) of a definition. It goes in the FlowVersion's
/// description, which is create-only: a changed definition replaces the version resource,
/// which snapshots the new DRAFT.
fn fingerprint(value: &Value) -> String {
    let text = serde_json::to_string(&Sorted(value)).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Versions and aliases recorded for a project's flows (`strata version create`, `strata
/// alias set`), to carry into a template. The store holds them; the CLI reads them into this.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// By flow name. A flow without recorded versions exports as if it had no history.
    pub flows: BTreeMap<String, FlowHistory>,
}

/// One flow's recorded versions and aliases.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowHistory {
    /// Oldest first, numbered from 1 without gaps (as the store numbers them).
    pub versions: Vec<RecordedVersion>,
    /// Alias name → the version number it points at.
    pub aliases: BTreeMap<String, u32>,
}

/// A recorded version of a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedVersion {
    pub number: u32,
    pub description: String,
    /// The flow as the version holds it.
    pub flow: Flow,
}

/// The whole project as a CloudFormation template: per flow a Flow, one FlowVersion and the
/// [`ALIAS_NAME`] FlowAlias on it. Same as [`export_cloudformation_with`] and no history.
pub fn export_cloudformation(project: &Project) -> Result<Template> {
    export_cloudformation_with(project, &History::default())
}

/// The whole project as a CloudFormation template, with the recorded versions and aliases
/// of `history`: a flow that has recorded versions gets one FlowVersion per version (each
/// depending on the one before, so a new stack numbers them as the store did) and one
/// FlowAlias per alias, routed with `Fn::GetAtt <Version>.Version`. A version whose recorded
/// flow differs from the flow as it is now gets a note in [`Template::notes`]: CloudFormation
/// snapshots the definition in the template when it creates a version, so on a stack that
/// lacks that version it would hold the current definition.
pub fn export_cloudformation_with(project: &Project, history: &History) -> Result<Template> {
    ensure_valid(project)?;
    let names = Names::new(project);
    let mut resources = BTreeMap::new();
    let mut outputs = BTreeMap::new();
    let mut kb_parameters = BTreeSet::new();
    let mut notes = Vec::new();
    let mut role_parameters = BTreeMap::new();

    check_guardrail_references(project)?;
    for g in project.guardrails.iter().filter(|g| g.is_defined()) {
        guardrail_resources(g, &names, &mut resources)?;
    }
    for kb in &project.knowledge_bases {
        if kb.knowledge_base_configuration.is_some() {
            knowledge_base_resource(kb, &names, &mut resources, &mut role_parameters)?;
        }
    }

    for agent in &project.agents {
        agent_resources(project, agent, &names, &mut resources, &mut kb_parameters)?;
        let id = names.agent(&agent.agent_name);
        outputs.insert(
            format!("{id}AliasArn"),
            json!({
                "Description": format!("Alias ARN of agent {}", agent.agent_name),
                "Value": get_att(&format!("{id}Alias"), "AgentAliasArn"),
            }),
        );
    }

    for flow in &project.flows {
        check_flow_expressible(flow)?;
        let id = names.flow(&flow.name);
        let definition = cfn_definition(project, flow, &names, &mut kb_parameters)?;

        let mut props = Map::new();
        props.insert("Name".into(), Value::String(flow.name.clone()));
        if let Some(d) = &flow.description {
            props.insert("Description".into(), Value::String(d.clone()));
        }
        let role_arn = match &flow.execution_role_arn {
            Some(arn) => Value::String(arn.clone()),
            None => {
                let mut perms = Permissions::default();
                flow_permissions(project, &flow.definition, &names, &mut perms);
                resources.insert(
                    format!("{id}Role"),
                    role(&format!("{id}Permissions"), &perms, &names),
                );
                get_att(&format!("{id}Role"), "Arn")
            }
        };
        props.insert("ExecutionRoleArn".into(), role_arn);
        if let Some(k) = &flow.customer_encryption_key_arn {
            props.insert("CustomerEncryptionKeyArn".into(), Value::String(k.clone()));
        }
        let print = fingerprint(&definition);
        props.insert("Definition".into(), definition);
        resources.insert(
            id.clone(),
            json!({ "Type": "AWS::Bedrock::Flow", "Properties": props }),
        );
        match history
            .flows
            .get(&flow.name)
            .filter(|h| !h.versions.is_empty())
        {
            None => {
                resources.insert(
                    format!("{id}Version"),
                    json!({
                        "Type": "AWS::Bedrock::FlowVersion",
                        "Properties": {
                            "FlowArn": get_att(&id, "Arn"),
                            "Description": format!("Flow {} as exported by Strata (definition {print})", flow.name),
                        },
                    }),
                );
                flow_alias(
                    &id,
                    &flow.name,
                    ALIAS_NAME,
                    &format!("{id}Alias"),
                    &format!("{id}Version"),
                    &mut resources,
                    &mut outputs,
                );
            }
            Some(h) => {
                let mut kb_unused = BTreeSet::new();
                let mut previous: Option<String> = None;
                for v in &h.versions {
                    let recorded = cfn_definition(project, &v.flow, &names, &mut kb_unused)?;
                    let recorded_print = fingerprint(&recorded);
                    if recorded_print != print {
                        notes.push(format!(
                            "flow {} version {}: recorded from a different definition than the flow has now; \
                             CloudFormation creates a FlowVersion from the definition in the template, so on a \
                             stack that does not have this version yet it will hold the current definition",
                            flow.name, v.number
                        ));
                    }
                    let logical = format!("{id}Version{}", v.number);
                    let mut resource = json!({
                        "Type": "AWS::Bedrock::FlowVersion",
                        "Properties": {
                            "FlowArn": get_att(&id, "Arn"),
                            "Description": version_description(&flow.name, v, &recorded_print),
                        },
                    });
                    if let Some(p) = &previous {
                        resource["DependsOn"] = Value::String(p.clone());
                    }
                    resources.insert(logical.clone(), resource);
                    previous = Some(logical);
                }
                let mut used = BTreeSet::new();
                for (alias, number) in &h.aliases {
                    if !h.versions.iter().any(|v| v.number == *number) {
                        return Err(ExportError::AliasWithoutVersion {
                            flow: flow.name.clone(),
                            alias: alias.clone(),
                            version: *number,
                        });
                    }
                    if !valid_alias_name(alias) {
                        return Err(ExportError::AliasName {
                            flow: flow.name.clone(),
                            alias: alias.clone(),
                        });
                    }
                    let base = format!("{id}Alias{}", alphanumeric(alias));
                    let mut logical = base.clone();
                    let mut n = 2;
                    while !used.insert(logical.clone()) || resources.contains_key(&logical) {
                        logical = format!("{base}{n}");
                        n += 1;
                    }
                    flow_alias(
                        &id,
                        &flow.name,
                        alias,
                        &logical,
                        &format!("{id}Version{number}"),
                        &mut resources,
                        &mut outputs,
                    );
                }
            }
        }
    }

    let mut parameters: BTreeMap<String, Value> = kb_parameters
        .iter()
        .map(|kb| {
            (
                knowledge_base_parameter(kb),
                json!({
                    "Type": "String",
                    "Description": format!("Id of the deployed knowledge base {kb:?} (10 letters or digits)"),
                    "AllowedPattern": "^[0-9a-zA-Z]{10}$",
                }),
            )
        })
        .collect();
    parameters.extend(role_parameters);

    Ok(Template {
        description: project
            .description
            .clone()
            .unwrap_or_else(|| default_description(&project.name)),
        project_name: project.name.clone(),
        parameters,
        resources,
        outputs,
        notes,
        referenced: referenced(project)?,
    })
}

/// The project's knowledge bases and guardrails that are not resources of the template, in
/// their project shape (camelCase), keyed `KnowledgeBases` / `Guardrails`, then by name.
fn referenced(project: &Project) -> Result<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    let kbs: Map<String, Value> = project
        .knowledge_bases
        .iter()
        .filter(|k| k.knowledge_base_configuration.is_none())
        .map(|k| {
            Ok((
                k.name.clone(),
                to_value(&format!("knowledge base {:?}", k.name), k)?,
            ))
        })
        .collect::<Result<_>>()?;
    if !kbs.is_empty() {
        out.insert("KnowledgeBases".to_owned(), Value::Object(kbs));
    }
    let guardrails: Map<String, Value> = project
        .guardrails
        .iter()
        .filter(|g| !g.is_defined())
        .map(|g| {
            Ok((
                g.name.clone(),
                to_value(&format!("guardrail {:?}", g.name), g)?,
            ))
        })
        .collect::<Result<_>>()?;
    if !guardrails.is_empty() {
        out.insert("Guardrails".to_owned(), Value::Object(guardrails));
    }
    Ok(out)
}

/// A flow's definition in the schema's PascalCase, references resolved to intrinsics.
fn cfn_definition(
    project: &Project,
    flow: &Flow,
    names: &Names,
    kb_parameters: &mut BTreeSet<String>,
) -> Result<Value> {
    let def = api_definition(project, &flow.definition, &CfnRefs);
    let mut definition = to_pascal(&to_value(&format!("flow {:?}", flow.name), &def)?);
    resolve_markers(&mut definition, names, kb_parameters);
    resolve_guardrails(&mut definition, names);
    Ok(definition)
}

/// `GuardrailConfiguration`s that name a guardrail the template creates get its id through
/// `Fn::GetAtt`; a numbered version becomes the template's GuardrailVersion (`DRAFT` stays).
fn resolve_guardrails(value: &mut Value, names: &Names) {
    match value {
        Value::Object(m) => {
            if let Some(Value::Object(g)) = m.get_mut("GuardrailConfiguration") {
                let name = g
                    .get("GuardrailIdentifier")
                    .and_then(Value::as_str)
                    .and_then(|id| names.guardrail_refs.get(id))
                    .cloned();
                if let Some(name) = name {
                    let id = names.guardrail(&name);
                    g.insert("GuardrailIdentifier".into(), get_att(&id, "GuardrailId"));
                    match g.get("GuardrailVersion").and_then(Value::as_str) {
                        Some("DRAFT") | None => {}
                        Some(_) => {
                            g.insert(
                                "GuardrailVersion".into(),
                                get_att(&format!("{id}Version"), "Version"),
                            );
                        }
                    }
                }
            }
            for v in m.values_mut() {
                resolve_guardrails(v, names);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| resolve_guardrails(v, names)),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// An AWS::Bedrock::Guardrail from a project guardrail that holds its definition, and a
/// GuardrailVersion of it. The identifier and version the project records for a deployed
/// copy go in the resource's `Metadata`, where import finds them again.
fn guardrail_resources(
    g: &Guardrail,
    names: &Names,
    resources: &mut BTreeMap<String, Value>,
) -> Result<()> {
    let refuse = |what: String| ExportError::GuardrailNotInCloudFormation {
        guardrail: g.name.clone(),
        what,
    };
    let name_ok = (1..=50).contains(&g.name.chars().count())
        && g.name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err(refuse(
            "its name (the schema takes 1 to 50 letters, digits, - and _)".to_owned(),
        ));
    }
    let id = names.guardrail(&g.name);
    let mut props = Map::new();
    props.insert("Name".into(), Value::String(g.name.clone()));
    if let Some(d) = &g.description {
        props.insert("Description".into(), Value::String(d.clone()));
    }
    for (key, value) in [
        ("BlockedInputMessaging", &g.blocked_input_messaging),
        ("BlockedOutputsMessaging", &g.blocked_outputs_messaging),
    ] {
        if let Some(v) = value {
            props.insert(key.into(), Value::String(v.clone()));
        }
    }
    // The API's `tierConfig` is `TopicsTierConfig` / `ContentFiltersTierConfig` in the schema.
    for (key, value, tier) in [
        (
            "TopicPolicyConfig",
            &g.topic_policy_config,
            Some("TopicsTierConfig"),
        ),
        (
            "ContentPolicyConfig",
            &g.content_policy_config,
            Some("ContentFiltersTierConfig"),
        ),
        ("WordPolicyConfig", &g.word_policy_config, None),
        (
            "SensitiveInformationPolicyConfig",
            &g.sensitive_information_policy_config,
            None,
        ),
    ] {
        let Some(v) = value else { continue };
        let mut v = to_pascal(v);
        if let (Some(tier), Value::Object(m)) = (tier, &mut v) {
            if let Some(t) = m.remove("TierConfig") {
                m.insert(tier.into(), t);
            }
        }
        props.insert(key.into(), v);
    }
    let print = fingerprint(&Value::Object(props.clone()));
    let mut resource = json!({ "Type": "AWS::Bedrock::Guardrail", "Properties": props });
    let mut recorded = Map::new();
    if let Some(i) = &g.guardrail_identifier {
        recorded.insert("GuardrailIdentifier".into(), Value::String(i.clone()));
    }
    if let Some(v) = &g.guardrail_version {
        recorded.insert("GuardrailVersion".into(), Value::String(v.clone()));
    }
    if !recorded.is_empty() {
        resource["Metadata"] = json!({ METADATA_KEY: recorded });
    }
    resources.insert(id.clone(), resource);
    resources.insert(
        format!("{id}Version"),
        json!({
            "Type": "AWS::Bedrock::GuardrailVersion",
            "Properties": {
                "GuardrailIdentifier": get_att(&id, "GuardrailId"),
                "Description": format!("Guardrail {} as exported by Strata (definition {print})", g.name),
            },
        }),
    );
    Ok(())
}

/// An AWS::Bedrock::KnowledgeBase from a project knowledge base that holds its
/// configuration. Without a `roleArn` in the project, the role is a template parameter
/// (its trust and storage permissions depend on the vector store, which the deployer knows).
fn knowledge_base_resource(
    kb: &KnowledgeBase,
    names: &Names,
    resources: &mut BTreeMap<String, Value>,
    parameters: &mut BTreeMap<String, Value>,
) -> Result<()> {
    let refuse = |what: &str| ExportError::KnowledgeBaseNotInCloudFormation {
        knowledge_base: kb.name.clone(),
        what: what.to_owned(),
    };
    if kb
        .storage_configuration
        .as_ref()
        .and_then(|s| s.get("redisEnterpriseCloudConfiguration"))
        .is_some()
    {
        return Err(refuse("a Redis Enterprise Cloud vector store"));
    }
    let id = names.knowledge_base(&kb.name);
    let mut props = Map::new();
    props.insert("Name".into(), Value::String(kb.name.clone()));
    if let Some(d) = &kb.description {
        props.insert("Description".into(), Value::String(d.clone()));
    }
    let role = match &kb.role_arn {
        Some(arn) => Value::String(arn.clone()),
        None => {
            let parameter = format!("{id}RoleArn");
            parameters.insert(
                parameter.clone(),
                json!({
                    "Type": "String",
                    "Description": format!("ARN of the role Bedrock uses for knowledge base {:?}", kb.name),
                    "AllowedPattern": "^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$",
                }),
            );
            json!({ "Ref": parameter })
        }
    };
    props.insert("RoleArn".into(), role);
    if let Some(c) = &kb.knowledge_base_configuration {
        let mut c = to_pascal(c);
        rename_supplemental_locations(
            &mut c,
            "StorageLocations",
            "SupplementalDataStorageLocations",
        );
        props.insert("KnowledgeBaseConfiguration".into(), c);
    }
    if let Some(s) = &kb.storage_configuration {
        props.insert("StorageConfiguration".into(), to_pascal(s));
    }
    let mut resource = json!({ "Type": "AWS::Bedrock::KnowledgeBase", "Properties": props });
    let mut recorded = Map::new();
    if let Some(i) = &kb.knowledge_base_id {
        recorded.insert("KnowledgeBaseId".into(), Value::String(i.clone()));
    }
    if let Some(d) = &kb.documents {
        recorded.insert("Documents".into(), Value::String(d.clone()));
    }
    if !recorded.is_empty() {
        resource["Metadata"] = json!({ METADATA_KEY: recorded });
    }
    resources.insert(id, resource);
    Ok(())
}

/// The API's `supplementalDataStorageConfiguration.storageLocations` is
/// `SupplementalDataStorageLocations` in the schema; `from` → `to` wherever it occurs.
pub(crate) fn rename_supplemental_locations(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if k == "SupplementalDataStorageConfiguration"
                    || k == "supplementalDataStorageConfiguration"
                {
                    if let Value::Object(inner) = v {
                        if let Some(l) = inner.remove(from) {
                            inner.insert(to.into(), l);
                        }
                    }
                }
                rename_supplemental_locations(v, from, to);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| rename_supplemental_locations(v, from, to)),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// A FlowAlias named `name` routed to the version resource `version`, and its ARN as an output.
fn flow_alias(
    flow_id: &str,
    flow: &str,
    name: &str,
    logical: &str,
    version: &str,
    resources: &mut BTreeMap<String, Value>,
    outputs: &mut BTreeMap<String, Value>,
) {
    resources.insert(
        logical.to_owned(),
        json!({
            "Type": "AWS::Bedrock::FlowAlias",
            "Properties": {
                "Name": name,
                "FlowArn": get_att(flow_id, "Arn"),
                "RoutingConfiguration": [{ "FlowVersion": get_att(version, "Version") }],
            },
        }),
    );
    outputs.insert(
        format!("{logical}Arn"),
        json!({
            "Description": format!("ARN of alias {name} of flow {flow}"),
            "Value": get_att(logical, "Arn"),
        }),
    );
}

/// The create-only description of a recorded version: its number and definition
/// fingerprint (so the resource stays as long as the version does), then the user's words,
/// cut to the schema's 200 characters.
fn version_description(flow: &str, v: &RecordedVersion, print: &str) -> String {
    let head = format!("Flow {flow} version {} (definition {print})", v.number);
    let text = if v.description.trim().is_empty() {
        head
    } else {
        format!("{head}: {}", v.description.trim())
    };
    text.chars().take(200).collect()
}

/// Bedrock's alias name pattern, `([0-9a-zA-Z][_-]?){1,100}`.
fn valid_alias_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let mut groups = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            return false;
        }
        i += 1;
        if i < bytes.len() && (bytes[i] == b'_' || bytes[i] == b'-') {
            i += 1;
        }
        groups += 1;
    }
    (1..=100).contains(&groups)
}

/// The description a template gets when the project has none; import recognises it.
pub fn default_description(project: &str) -> String {
    format!("Strata project {project}")
}

fn agent_resources(
    project: &Project,
    agent: &Agent,
    names: &Names,
    resources: &mut BTreeMap<String, Value>,
    kb_parameters: &mut BTreeSet<String>,
) -> Result<()> {
    let id = names.agent(&agent.agent_name);
    let refuse = |what: String| ExportError::AgentNotInCloudFormation {
        agent: agent.agent_name.clone(),
        what,
    };
    let mut resolved = agent.clone();
    super::resolve_guardrail(project, &mut resolved.guardrail_configuration, &CfnRefs);
    let mut props = to_pascal(&Value::Object(agent_body(&resolved)?));
    let mut perms = Permissions::default();
    if let Some(m) = &agent.foundation_model {
        perms.models(m);
    }
    if let Some(o) = &agent.prompt_override_configuration {
        for c in &o.prompt_configurations {
            if let Some(m) = &c.foundation_model {
                perms.models(m);
            }
        }
    }
    if let Some(g) = agent
        .guardrail_configuration
        .as_ref()
        .and_then(|g| g.guardrail_identifier.as_deref())
    {
        perms.guardrail(&guardrail_reference(project, g), names);
    }

    let mut groups = Vec::new();
    for g in &agent.action_groups {
        match &g.parent_action_group_signature {
            Some(Lenient::Known(
                ParentSignature::Computer | ParentSignature::Bash | ParentSignature::TextEditor,
            ))
            | Some(Lenient::Unknown(_)) => {
                return Err(refuse(format!(
                    "action group {:?} with parent signature {}",
                    g.action_group_name,
                    g.parent_action_group_signature
                        .as_ref()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default()
                )));
            }
            Some(Lenient::Known(ParentSignature::UserInput | ParentSignature::CodeInterpreter))
            | None => {}
        }
        if !g.parent_action_group_signature_params.is_empty() {
            return Err(refuse(format!(
                "parentActionGroupSignatureParams of action group {:?}",
                g.action_group_name
            )));
        }
        if let Some(crate::model::agent::ActionGroupExecutor::Lambda(arn)) =
            &g.action_group_executor
        {
            let permission = format!("{id}{}Permission", alphanumeric(&g.action_group_name));
            resources.insert(
                permission,
                json!({
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "Action": "lambda:InvokeFunction",
                        "FunctionName": arn,
                        "Principal": "bedrock.amazonaws.com",
                        "SourceArn": get_att(&id, "AgentArn"),
                    },
                }),
            );
        }
        groups.push(to_pascal(&Value::Object(action_group_body(agent, g)?)));
    }

    let mut kbs = Vec::new();
    for kb in &agent.knowledge_bases {
        let kb_id = resolve_knowledge_base(project, &kb.knowledge_base_id, &CfnRefs);
        perms.knowledge_base(&kb_id, true);
        let mut v = Map::new();
        v.insert("KnowledgeBaseId".into(), Value::String(kb_id));
        v.insert("Description".into(), Value::String(kb.description.clone()));
        if let Some(s) = &kb.knowledge_base_state {
            v.insert("KnowledgeBaseState".into(), Value::String(s.to_string()));
        }
        kbs.push(Value::Object(v));
    }

    let mut collaborators = Vec::new();
    for c in &agent.collaborators {
        let alias = collaborator_alias(&c.agent_descriptor, &CfnRefs);
        perms.allow(
            "InvokeCollaborators",
            &["bedrock:GetAgentAlias", "bedrock:InvokeAgent"],
            Value::String(alias.clone()),
        );
        let mut v = Map::new();
        v.insert("AgentDescriptor".into(), json!({ "AliasArn": alias }));
        v.insert(
            "CollaboratorName".into(),
            Value::String(c.collaborator_name.clone()),
        );
        v.insert(
            "CollaborationInstruction".into(),
            Value::String(c.collaboration_instruction.clone()),
        );
        if let Some(r) = &c.relay_conversation_history {
            v.insert(
                "RelayConversationHistory".into(),
                Value::String(r.to_string()),
            );
        }
        collaborators.push(Value::Object(v));
    }

    if let Value::Object(m) = &mut props {
        if !groups.is_empty() {
            m.insert("ActionGroups".into(), Value::Array(groups));
        }
        if !kbs.is_empty() {
            m.insert("KnowledgeBases".into(), Value::Array(kbs));
        }
        if !collaborators.is_empty() {
            m.insert("AgentCollaborators".into(), Value::Array(collaborators));
        }
        m.insert("AutoPrepare".into(), Value::Bool(true));
        if agent.agent_resource_role_arn.is_none() {
            resources.insert(
                format!("{id}Role"),
                role(&format!("{id}Permissions"), &perms, names),
            );
            m.insert(
                "AgentResourceRoleArn".into(),
                get_att(&format!("{id}Role"), "Arn"),
            );
        }
    }
    resolve_markers(&mut props, names, kb_parameters);
    resolve_guardrails(&mut props, names);
    resources.insert(
        id.clone(),
        json!({ "Type": "AWS::Bedrock::Agent", "Properties": props }),
    );
    resources.insert(
        format!("{id}Alias"),
        json!({
            "Type": "AWS::Bedrock::AgentAlias",
            "Properties": {
                "AgentAliasName": ALIAS_NAME,
                "AgentId": get_att(&id, "AgentId"),
                "Description": format!("Alias of agent {} as exported by Strata", agent.agent_name),
            },
        }),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_arns_by_kind_of_id() {
        assert_eq!(
            model_arns("anthropic.claude-3-haiku-20240307-v1:0"),
            vec![sub("arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0")]
        );
        assert_eq!(model_arns("us.anthropic.x").len(), 2);
        assert_eq!(
            model_arns("arn:aws:bedrock:us-east-1::foundation-model/x"),
            vec![Value::String(
                "arn:aws:bedrock:us-east-1::foundation-model/x".into()
            )]
        );
    }

    #[test]
    fn prompt_versions_are_dropped_for_the_policy() {
        assert_eq!(
            unversioned_prompt("arn:aws:bedrock:us-east-1:123456789012:prompt/ABCDEFGHIJ:3"),
            "arn:aws:bedrock:us-east-1:123456789012:prompt/ABCDEFGHIJ"
        );
    }
}
