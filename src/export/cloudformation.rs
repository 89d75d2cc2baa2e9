//! A project as one CloudFormation template: per flow a Flow, FlowVersion and FlowAlias;
//! per agent an Agent (inline action groups and knowledge bases, AutoPrepare) and an
//! AgentAlias; a least-privilege IAM role for each flow and agent the project gives no role;
//! parameters for what only the deployer knows; outputs for the alias ARNs.
//!
//! Property names follow [`super::pascal`]; Agent nodes that run a project agent are wired
//! with `Fn::GetAtt <Alias>.AgentAliasArn`. Settings the resource schemas cannot express
//! (CHAT prompts, inline `additionalModelRequestFields`, …) are errors naming the node.

use super::pascal::to_pascal;
use super::{
    action_group_body, agent_body, alphanumeric, api_definition, collaborator_alias, ensure_valid,
    resolve_knowledge_base, to_value, ExportError, References, Result,
};
use crate::model::agent::ParentSignature;
use crate::model::lenient::Lenient;
use crate::model::{Agent, Flow, FlowDefinition, Project};
use crate::nodes::prompt::{PromptSource, TemplateConfiguration, TemplateType};
use crate::nodes::NodeConfiguration;
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
        out.insert(
            "Metadata".into(),
            json!({ METADATA_KEY: { "Project": self.project_name } }),
        );
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
            (
                "Metadata",
                json!({ METADATA_KEY: { "Project": self.project_name } }),
            ),
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
        map.serialize_entry(
            "Metadata",
            &Sorted(&json!({ METADATA_KEY: { "Project": t.project_name } })),
        )?;
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
    fn knowledge_base(&self, name: &str) -> String {
        format!("{MARK}kb:{name}")
    }
}

/// Logical ids of the project's resources.
struct Names {
    flows: BTreeMap<String, String>,
    agents: BTreeMap<String, String>,
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
        Names { flows, agents }
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
fn knowledge_base_parameter(name: &str) -> String {
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

    fn guardrail(&mut self, identifier: &str) {
        let arn = if identifier.starts_with("arn:") {
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
        let arn = match id.strip_prefix(MARK).and_then(|r| r.strip_prefix("kb:")) {
            Some(name) => sub(&format!(
                "arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:knowledge-base/${{{}}}",
                knowledge_base_parameter(name)
            )),
            None => sub(&format!(
                "arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:knowledge-base/{}",
                escape_sub(id)
            )),
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

fn flow_permissions(project: &Project, def: &FlowDefinition, p: &mut Permissions) {
    for (_, node) in def.all_nodes() {
        let Some(config) = &node.configuration else {
            continue;
        };
        match config {
            NodeConfiguration::Prompt(c) => {
                match &c.source_configuration {
                    PromptSource::Inline(i) => p.models(&i.model_id),
                    PromptSource::Resource(r) => {
                        let base = unversioned_prompt(&r.prompt_arn);
                        p.allow(
                            "UsePrompts",
                            &["bedrock:GetPrompt", "bedrock:RenderPrompt"],
                            Value::String(base.clone()),
                        );
                        p.allow(
                            "UsePrompts",
                            &["bedrock:GetPrompt", "bedrock:RenderPrompt"],
                            Value::String(format!("{base}:*")),
                        );
                    }
                }
                if let Some(id) = c
                    .guardrail_configuration
                    .as_ref()
                    .and_then(|g| g.guardrail_identifier.as_deref())
                {
                    p.guardrail(id);
                }
            }
            NodeConfiguration::KnowledgeBase(c) => {
                let id = resolve_knowledge_base(project, &c.knowledge_base_id, &CfnRefs);
                p.knowledge_base(&id, c.model_id.is_some());
                if let Some(m) = &c.model_id {
                    p.models(m);
                }
                if let Some(m) = c
                    .reranking_configuration
                    .as_ref()
                    .and_then(|r| {
                        r.pointer("/bedrockRerankingConfiguration/modelConfiguration/modelArn")
                    })
                    .and_then(Value::as_str)
                {
                    p.allow("Rerank", &["bedrock:Rerank"], Value::String("*".into()));
                    p.models(m);
                }
                if let Some(id) = c
                    .guardrail_configuration
                    .as_ref()
                    .and_then(|g| g.guardrail_identifier.as_deref())
                {
                    p.guardrail(id);
                }
            }
            NodeConfiguration::Agent(c) => {
                let arn = match (&c.project_agent, c.agent_alias_arn.is_empty()) {
                    (Some(agent), true) => CfnRefs.agent_alias(agent),
                    _ => c.agent_alias_arn.clone(),
                };
                p.allow("InvokeAgents", &["bedrock:InvokeAgent"], Value::String(arn));
            }
            NodeConfiguration::LambdaFunction(c) => p.allow(
                "InvokeFunctions",
                &["lambda:InvokeFunction"],
                Value::String(c.lambda_arn.clone()),
            ),
            NodeConfiguration::Storage(c) => p.allow(
                "WriteObjects",
                &["s3:PutObject"],
                sub(&format!(
                    "arn:${{AWS::Partition}}:s3:::{}/*",
                    escape_sub(c.service_configuration.bucket())
                )),
            ),
            NodeConfiguration::Retrieval(c) => p.allow(
                "ReadObjects",
                &["s3:GetObject"],
                sub(&format!(
                    "arn:${{AWS::Partition}}:s3:::{}/*",
                    escape_sub(c.service_configuration.bucket())
                )),
            ),
            NodeConfiguration::Lex(c) => p.allow(
                "RecognizeUtterances",
                &["lex:RecognizeUtterance"],
                Value::String(c.bot_alias_arn.clone()),
            ),
            NodeConfiguration::Input(_)
            | NodeConfiguration::Output(_)
            | NodeConfiguration::Condition(_)
            | NodeConfiguration::Iterator(_)
            | NodeConfiguration::Collector(_)
            | NodeConfiguration::InlineCode(_)
            | NodeConfiguration::Loop(_)
            | NodeConfiguration::LoopInput(_)
            | NodeConfiguration::LoopController(_)
            | NodeConfiguration::Unknown { .. } => {}
        }
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

/// The whole project as a CloudFormation template.
pub fn export_cloudformation(project: &Project) -> Result<Template> {
    ensure_valid(project)?;
    let names = Names::new(project);
    let mut resources = BTreeMap::new();
    let mut outputs = BTreeMap::new();
    let mut kb_parameters = BTreeSet::new();

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
        let def = api_definition(project, &flow.definition, &CfnRefs);
        let mut definition = to_pascal(&to_value(&format!("flow {:?}", flow.name), &def)?);
        resolve_markers(&mut definition, &names, &mut kb_parameters);

        let mut props = Map::new();
        props.insert("Name".into(), Value::String(flow.name.clone()));
        if let Some(d) = &flow.description {
            props.insert("Description".into(), Value::String(d.clone()));
        }
        let role_arn = match &flow.execution_role_arn {
            Some(arn) => Value::String(arn.clone()),
            None => {
                let mut perms = Permissions::default();
                flow_permissions(project, &flow.definition, &mut perms);
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
        resources.insert(
            format!("{id}Alias"),
            json!({
                "Type": "AWS::Bedrock::FlowAlias",
                "Properties": {
                    "Name": ALIAS_NAME,
                    "FlowArn": get_att(&id, "Arn"),
                    "RoutingConfiguration": [{ "FlowVersion": get_att(&format!("{id}Version"), "Version") }],
                },
            }),
        );
        outputs.insert(
            format!("{id}AliasArn"),
            json!({
                "Description": format!("Alias ARN of flow {}", flow.name),
                "Value": get_att(&format!("{id}Alias"), "Arn"),
            }),
        );
    }

    let parameters = kb_parameters
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

    Ok(Template {
        description: project
            .description
            .clone()
            .unwrap_or_else(|| default_description(&project.name)),
        project_name: project.name.clone(),
        parameters,
        resources,
        outputs,
    })
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
    let mut props = to_pascal(&Value::Object(agent_body(agent)?));
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
        perms.guardrail(g);
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
            v.insert("KnowledgeBaseState".into(), Value::String(s.clone()));
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
            v.insert("RelayConversationHistory".into(), Value::String(r.clone()));
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
