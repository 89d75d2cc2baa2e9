//! AWS::Bedrock::Guardrail resources back into project guardrails.

use super::intrinsics::{left_out, stringify_intrinsics};
use super::Found;
use crate::export::pascal::{recase, to_camel, Case};
use crate::import::{shaped, ImportWarning, Result};
use crate::model::Guardrail;
use serde_json::{Map, Value};

pub(super) fn resource(found: &Found<'_>, warnings: &mut Vec<ImportWarning>) -> Result<Guardrail> {
    let (ctx, id, props, at) = found.parts();
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
    left_out(props, KEPT, at, warnings);
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
        camel.insert(recase(key, Case::Camel), v);
    }
    if !camel.contains_key("name") {
        camel.insert("name".into(), Value::String(id.to_owned()));
    }
    for key in ["GuardrailIdentifier", "GuardrailVersion"] {
        if let Some(v) = ctx.recorded(id, key) {
            camel.insert(recase(key, Case::Camel), Value::String(v));
        }
    }
    let mut camel = Value::Object(camel);
    stringify_intrinsics(&mut camel, at, warnings);
    shaped(&camel, at)
}
