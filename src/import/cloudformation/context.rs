//! What the template's resources say about each other: which agent an alias belongs to,
//! which guardrail or knowledge base a reference names, which role the template creates.

use crate::export::cloudformation::METADATA_KEY;
use serde_json::Value;
use std::collections::BTreeMap;

/// The resource and attribute of `Fn::GetAtt`, in either form.
pub(super) fn get_att(v: &Value) -> Option<(String, String)> {
    let att = v.as_object()?.get("Fn::GetAtt")?;
    match att {
        Value::Array(parts) if parts.len() == 2 => {
            Some((parts[0].as_str()?.to_owned(), parts[1].as_str()?.to_owned()))
        }
        Value::String(s) => s.split_once('.').map(|(a, b)| (a.to_owned(), b.to_owned())),
        _ => None,
    }
}

pub(super) fn ref_of(v: &Value) -> Option<&str> {
    v.as_object()?.get("Ref")?.as_str()
}

/// What the template's resources say about each other.
pub(super) struct Context<'a> {
    pub(super) resources: BTreeMap<&'a str, &'a Value>,
    /// Parameters Strata's export made for project knowledge bases → their names.
    pub(super) kb_parameters: BTreeMap<String, String>,
}

impl Context<'_> {
    pub(super) fn kind(&self, id: &str) -> Option<&str> {
        self.resources.get(id)?.get("Type")?.as_str()
    }

    pub(super) fn props(&self, id: &str) -> Option<&Value> {
        self.resources.get(id)?.get("Properties")
    }

    /// The name of the agent whose alias `v` refers to (`GetAtt Alias.AgentAliasArn`).
    pub(super) fn agent_of_alias(&self, v: &Value) -> Option<String> {
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
    pub(super) fn recorded(&self, id: &str, key: &str) -> Option<String> {
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
    pub(super) fn resource_reference(&self, v: &Value) -> Option<String> {
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
            // The guardrail resource's own `Version` is its working draft.
            ("AWS::Bedrock::Guardrail", "Version") => Some(
                self.recorded(&id, "GuardrailVersion")
                    .unwrap_or_else(|| "DRAFT".to_owned()),
            ),
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
    pub(super) fn name_resources(&self, v: &mut Value) {
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
    pub(super) fn is_template_role(&self, v: &Value) -> bool {
        match get_att(v) {
            Some((r, a)) => a == "Arn" && self.kind(&r) == Some("AWS::IAM::Role"),
            None => false,
        }
    }
}
