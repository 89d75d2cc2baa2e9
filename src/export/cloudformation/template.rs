//! The template itself: its sections, its deterministic JSON and YAML, and the fingerprint
//! that ties a created version to the definition it snapshots.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The name the alias resources get; it is what `strata deploy` also calls the live alias.
pub const ALIAS_NAME: &str = "live";

/// The key of the template's `Metadata` that records which project it came from.
pub const METADATA_KEY: &str = "Strata";

/// A resource's own `Metadata`: the Strata-only values given that are set (a recorded id, a
/// local folder…) under [`METADATA_KEY`], so an import gives them back. No `Metadata` when none
/// is set.
pub(super) fn record_in_metadata(resource: &mut Value, values: &[(&str, Option<&String>)]) {
    let recorded: Map<String, Value> = values
        .iter()
        .filter_map(|&(key, value)| Some((key.to_owned(), Value::String(value?.clone()))))
        .collect();
    if !recorded.is_empty() {
        resource["Metadata"] = json!({ METADATA_KEY: recorded });
    }
}

/// The first `Properties` of a flow, guardrail or knowledge base: its `Name`, and its
/// `Description` when it has one.
pub(super) fn named_properties(name: &str, description: Option<&String>) -> Map<String, Value> {
    let mut props = Map::new();
    props.insert("Name".into(), Value::String(name.to_owned()));
    if let Some(d) = description {
        props.insert("Description".into(), Value::String(d.clone()));
    }
    props
}

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
        crate::export::yaml::document(&sections)
    }
}

pub(super) fn section(map: &BTreeMap<String, Value>) -> Value {
    Value::Object(map.clone().into_iter().collect())
}

/// Serialises a template with its sections in the conventional order and every map sorted.
pub(super) struct Ordered<'a>(&'a Template);

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

pub(super) struct SortedMap<'a>(&'a BTreeMap<String, Value>);

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
pub(super) struct Sorted<'a>(&'a Value);

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

/// A short, stable fingerprint (FNV-1a) of a definition. It goes in the FlowVersion's
/// description, which is create-only: a changed definition replaces the version resource,
/// which snapshots the new DRAFT.
pub(super) fn fingerprint(value: &Value) -> String {
    let text = serde_json::to_string(&Sorted(value)).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The description a template gets when the project has none; import recognises it.
pub fn default_description(project: &str) -> String {
    format!("Strata project {project}")
}
