//! AWS::Bedrock::KnowledgeBase resources back into project knowledge bases.

use super::context::ref_of;
use super::intrinsics::{left_out, stringify_intrinsics, text_property};
use super::Found;
use crate::export::cloudformation::rename_supplemental_locations;
use crate::export::pascal::to_camel;
use crate::import::{ImportWarning, Result};
use crate::model::KnowledgeBase;
use serde_json::Value;

pub(super) fn resource(
    found: &Found<'_>,
    warnings: &mut Vec<ImportWarning>,
) -> Result<KnowledgeBase> {
    let (ctx, id, props, at) = found.parts();
    left_out(
        props,
        &[
            "Name",
            "Description",
            "RoleArn",
            "KnowledgeBaseConfiguration",
            "StorageConfiguration",
        ],
        at,
        warnings,
    );
    let name = match props.get("Name") {
        Some(Value::String(s)) => s.clone(),
        _ => id.to_owned(),
    };
    let mut kb = KnowledgeBase::named(&name);
    kb.description = text_property(props, "Description", at, warnings);
    // A role the deployer passes in (a `Ref` to a parameter) is what a project without
    // `roleArn` exports as.
    kb.role_arn = match props.get("RoleArn") {
        Some(v) if ref_of(v).is_some_and(|r| ctx.kind(r).is_none()) => None,
        Some(_) => text_property(props, "RoleArn", at, warnings),
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
