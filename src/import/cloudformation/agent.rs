//! AWS::Bedrock::Agent resources back into agents, collaborators of the template's agents
//! as project agents.

use super::intrinsics::stringify_intrinsics;
use super::Found;
use crate::export::pascal::to_camel;
use crate::import::{shaped, ImportWarning, Result};
use crate::model::Agent;
use serde_json::Value;

pub(super) fn resource(found: &Found<'_>, warnings: &mut Vec<ImportWarning>) -> Result<Agent> {
    let (ctx, _, props, at) = found.parts();
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
    stringify_intrinsics(&mut camel, at, warnings);
    shaped(&camel, at)
}
