//! Logical ids of the project's resources, and the markers typed values carry until they
//! become intrinsic functions (`Fn::GetAtt`, `Ref`, `Fn::Sub`).

use crate::export::{alphanumeric, References};
use crate::model::{Guardrail, KnowledgeBase, Project};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Marks a reference inside typed values until it becomes an intrinsic function. The
/// leading control character keeps it apart from anything a user could type in a form.
pub(super) const MARK: &str = "\u{1}strata:";

pub(super) struct CfnRefs;

impl References for CfnRefs {
    fn agent_alias(&self, agent: &str) -> String {
        format!("{MARK}agent-alias:{agent}")
    }
    fn harness_invoker(&self, agent: &str) -> String {
        format!("{MARK}harness-invoker:{agent}")
    }
    /// A guardrail the template creates keeps its name ([`super::guardrail::resolve_guardrails`] makes it a
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
pub(crate) struct Names {
    pub(super) flows: BTreeMap<String, String>,
    pub(super) agents: BTreeMap<String, String>,
    /// Guardrails the template creates, by project name.
    pub(super) guardrails: BTreeMap<String, String>,
    /// How agents and nodes may name a created guardrail (its name, or the identifier the
    /// project also records for it) → its project name.
    pub(super) guardrail_refs: BTreeMap<String, String>,
    /// Knowledge bases the template creates, by project name.
    pub(super) knowledge_bases: BTreeMap<String, String>,
}

impl Names {
    pub(crate) fn new(project: &Project) -> Names {
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

    pub(super) fn guardrail(&self, name: &str) -> String {
        logical_id(&self.guardrails, name, "Guardrail")
    }

    pub(super) fn knowledge_base(&self, name: &str) -> String {
        logical_id(&self.knowledge_bases, name, "KnowledgeBase")
    }

    pub(super) fn agent(&self, name: &str) -> String {
        logical_id(&self.agents, name, "Agent")
    }

    pub(super) fn flow(&self, name: &str) -> String {
        logical_id(&self.flows, name, "Flow")
    }
}

/// The logical id `ids` gives `name`, or `<Name><Kind>` for a name the project does not hold.
fn logical_id(ids: &BTreeMap<String, String>, name: &str, kind: &str) -> String {
    ids.get(name)
        .cloned()
        .unwrap_or_else(|| format!("{}{kind}", alphanumeric(name)))
}

/// The parameter that holds a project knowledge base's id.
pub(crate) fn knowledge_base_parameter(name: &str) -> String {
    format!("{}KnowledgeBaseId", alphanumeric(name))
}

pub(crate) fn get_att(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [resource, attribute] })
}

/// `Fn::Sub` of a text whose `${…}` are CloudFormation's; `literal` parts are escaped.
pub(crate) fn sub(template: &str) -> Value {
    json!({ "Fn::Sub": template })
}

pub(super) fn escape_sub(literal: &str) -> String {
    literal.replace("${", "${!")
}

/// Replaces the markers left by [`CfnRefs`] by intrinsic functions, noting the parameters used.
pub(super) fn resolve_markers(value: &mut Value, names: &Names, parameters: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix(MARK) {
                if let Some(agent) = rest.strip_prefix("agent-alias:") {
                    *value = get_att(&format!("{}Alias", names.agent(agent)), "AgentAliasArn");
                } else if let Some(agent) = rest.strip_prefix("harness-invoker:") {
                    *value = get_att(&super::harness::invoker(names, agent), "Arn");
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
