//! Agents as AWS::Bedrock::Agent (inline action groups, knowledge bases and collaborators,
//! AutoPrepare) and AgentAlias, with the Lambda permissions their action groups need.

use super::guardrail::{guardrail_reference, resolve_guardrails};
use super::iam::{role, Permissions};
use super::names::{get_att, resolve_markers, CfnRefs, Names};
use super::template::ALIAS_NAME;
use crate::export::pascal::to_pascal;
use crate::export::{
    action_group_body, agent_body, alphanumeric, collaborator_alias, collaborator_body,
    knowledge_base_body, resolve_knowledge_base, ExportError, Result,
};
use crate::model::agent::ParentSignature;
use crate::model::lenient::Lenient;
use crate::model::{Agent, Project};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn resources(
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
    crate::export::resolve_guardrail(project, &mut resolved.guardrail_configuration, &CfnRefs);
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
        kbs.push(to_pascal(&Value::Object(knowledge_base_body(kb, kb_id))));
    }

    let mut collaborators = Vec::new();
    for c in &agent.collaborators {
        let alias = collaborator_alias(&c.agent_descriptor, &CfnRefs);
        perms.allow(
            "InvokeCollaborators",
            &["bedrock:GetAgentAlias", "bedrock:InvokeAgent"],
            Value::String(alias.clone()),
        );
        collaborators.push(to_pascal(&Value::Object(collaborator_body(c, alias))));
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
