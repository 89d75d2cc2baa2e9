//! Project knowledge bases that hold their configuration, as AWS::Bedrock::KnowledgeBase.

use super::names::Names;
use super::template::{named_properties, record_in_metadata};
use crate::export::pascal::to_pascal;
use crate::export::{ExportError, Result};
use crate::model::KnowledgeBase;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// An AWS::Bedrock::KnowledgeBase from a project knowledge base that holds its
/// configuration. Without a `roleArn` in the project, the role is a template parameter
/// (its trust and storage permissions depend on the vector store, which the deployer knows).
pub(super) fn resource(
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
    let mut props = named_properties(&kb.name, kb.description.as_ref());
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
    record_in_metadata(
        &mut resource,
        &[
            ("KnowledgeBaseId", kb.knowledge_base_id.as_ref()),
            ("Documents", kb.documents.as_ref()),
        ],
    );
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
