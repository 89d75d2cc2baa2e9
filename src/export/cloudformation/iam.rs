//! Least-privilege IAM roles: the permissions a flow or an agent needs, gathered from what it
//! uses, as an AWS::IAM::Role that Bedrock may assume.

use super::guardrail::guardrail_reference;
use super::names::{
    escape_sub, knowledge_base_parameter, resolve_markers, sub, CfnRefs, Names, MARK,
};
use crate::export::{reached_through_harness, resolve_knowledge_base, References};
use crate::model::{FlowDefinition, Project};
use crate::nodes::deployment::Access;
use crate::nodes::NodeType;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The statement that lets a role use knowledge bases; its place among the statements is
/// where the first knowledge base was met.
const USE_KNOWLEDGE_BASES: &str = "UseKnowledgeBases";
const RETRIEVE: &[&str] = &["bedrock:Retrieve"];
const RETRIEVE_AND_GENERATE: &[&str] = &["bedrock:Retrieve", "bedrock:RetrieveAndGenerate"];

/// Permissions a role needs, gathered from what the flow or agent uses. Resources keep the
/// order they were first met in, without repeats, so the policy is stable.
#[derive(Default)]
pub(crate) struct Permissions {
    statements: Vec<(&'static str, Vec<&'static str>, Vec<Value>)>,
    /// Each knowledge base met, and whether any of its nodes generates: the actions it gets
    /// are the union of what its nodes need, whatever their order.
    knowledge_bases: Vec<(Value, bool)>,
}

impl Permissions {
    pub(crate) fn allow(&mut self, sid: &'static str, actions: &[&'static str], resource: Value) {
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

    /// Lets the role decrypt and encrypt with the KMS key `arn` (a customer-managed key).
    pub(crate) fn allow_encryption_key(&mut self, arn: &str) {
        self.allow(
            "UseEncryptionKey",
            &["kms:Decrypt", "kms:GenerateDataKey"],
            Value::String(arn.to_owned()),
        );
    }

    pub(super) fn models(&mut self, model_id: &str) {
        for arn in model_arns(model_id) {
            self.allow("InvokeModels", &["bedrock:InvokeModel"], arn);
        }
    }

    pub(super) fn guardrail(&mut self, identifier: &str, names: &Names) {
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

    pub(super) fn knowledge_base(&mut self, id: &str, generate: bool) {
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
        match self.knowledge_bases.iter_mut().find(|(a, _)| *a == arn) {
            Some((_, generates)) => *generates |= generate,
            None => self.knowledge_bases.push((arn, generate)),
        }
        if !self
            .statements
            .iter()
            .any(|(sid, _, _)| *sid == USE_KNOWLEDGE_BASES)
        {
            self.statements.push((USE_KNOWLEDGE_BASES, vec![], vec![]));
        }
    }

    /// The knowledge-base statements: one when every knowledge base needs the same actions;
    /// otherwise the generating ones and the retrieve-only ones apart, so no knowledge base
    /// gets more than its nodes need.
    fn knowledge_base_statements(
        &self,
    ) -> Vec<(&'static str, &'static [&'static str], Vec<Value>)> {
        let (generating, retrieving): (Vec<_>, Vec<_>) =
            self.knowledge_bases.iter().partition(|(_, g)| *g);
        let arns = |kbs: Vec<&(Value, bool)>| kbs.into_iter().map(|(a, _)| a.clone()).collect();
        match (generating.is_empty(), retrieving.is_empty()) {
            (true, _) => vec![(USE_KNOWLEDGE_BASES, RETRIEVE, arns(retrieving))],
            (false, true) => vec![(USE_KNOWLEDGE_BASES, RETRIEVE_AND_GENERATE, arns(generating))],
            (false, false) => vec![
                (USE_KNOWLEDGE_BASES, RETRIEVE_AND_GENERATE, arns(generating)),
                ("RetrieveFromKnowledgeBases", RETRIEVE, arns(retrieving)),
            ],
        }
    }

    pub(crate) fn policy(&self, name: &str, names: &Names) -> Option<Value> {
        if self.statements.is_empty() {
            return None;
        }
        let mut statements = Vec::new();
        let listed = self
            .statements
            .iter()
            .flat_map(|(sid, actions, resources)| {
                if *sid == USE_KNOWLEDGE_BASES {
                    self.knowledge_base_statements()
                } else {
                    vec![(*sid, actions.as_slice(), resources.clone())]
                }
            });
        for (sid, actions, resources) in listed {
            let mut resources = Value::Array(resources);
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
pub(super) const PROFILE_PREFIXES: &[&str] =
    &["us", "eu", "apac", "global", "us-gov", "jp", "au", "ca"];

/// The ARNs InvokeModel needs for a model id: the foundation model in this region, or for
/// an inference profile the profile and its model in every region it routes to.
pub(crate) fn model_arns(model_id: &str) -> Vec<Value> {
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

pub(super) fn role(policy_name: &str, permissions: &Permissions, names: &Names) -> Value {
    service_role("bedrock.amazonaws.com", policy_name, permissions, names)
}

/// A role `service` may assume (from this account only), with the policy `permissions` make.
pub(crate) fn service_role(
    service: &str,
    policy_name: &str,
    permissions: &Permissions,
    names: &Names,
) -> Value {
    let mut props = Map::new();
    props.insert(
        "AssumeRolePolicyDocument".into(),
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": service },
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

pub(super) fn flow_permissions(
    project: &Project,
    def: &FlowDefinition,
    names: &Names,
    p: &mut Permissions,
) {
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
                match project_agent {
                    // Deployed as a LambdaFunction node calling the agent's harness.
                    Some(agent) if reached_through_harness(project, agent) => self.allow(
                        "InvokeFunctions",
                        &["lambda:InvokeFunction"],
                        Value::String(CfnRefs.harness_invoker(agent)),
                    ),
                    Some(agent) => self.allow(
                        "InvokeAgents",
                        &["bedrock:InvokeAgent"],
                        Value::String(CfnRefs.agent_alias(agent)),
                    ),
                    None => self.allow(
                        "InvokeAgents",
                        &["bedrock:InvokeAgent"],
                        Value::String(alias_arn.to_owned()),
                    ),
                }
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

/// `arn:…:prompt/ID:3` → `arn:…:prompt/ID`.
pub(super) fn unversioned_prompt(arn: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::cloudformation::names::sub;

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

    /// The statements of a flow role whose nodes use knowledge bases `(id, generate)` in order.
    fn knowledge_base_policy(uses: &[(&str, bool)]) -> Value {
        let project: Project =
            serde_json::from_value(serde_json::json!({"schemaVersion": 1, "name": "p"}))
                .expect("project");
        let mut p = Permissions::default();
        for (id, generate) in uses {
            p.knowledge_base(id, *generate);
        }
        let policy = p.policy("p", &Names::new(&project)).expect("policy");
        let statements = &policy[0]["PolicyDocument"]["Statement"];
        let mut out = statements.clone();
        for s in out.as_array_mut().expect("statements") {
            let resources: Vec<Value> = s["Resource"]
                .as_array()
                .expect("resources")
                .iter()
                .map(|r| r["Fn::Sub"].clone())
                .collect();
            s["Resource"] = Value::Array(resources);
        }
        out
    }

    /// The policy for two knowledge-base uses, after checking that their order does not change it.
    fn policy_either_way(a: (&str, bool), b: (&str, bool)) -> Value {
        let policy = knowledge_base_policy(&[a, b]);
        assert_eq!(knowledge_base_policy(&[b, a]), policy, "{a:?} then {b:?}");
        policy
    }

    #[test]
    fn a_knowledge_base_gets_the_union_of_what_its_nodes_need_in_any_order() {
        let arn =
            "arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:knowledge-base/KB1";
        let both = json!([{"Sid": "UseKnowledgeBases", "Effect": "Allow",
            "Action": ["bedrock:Retrieve", "bedrock:RetrieveAndGenerate"], "Resource": [arn]}]);
        assert_eq!(policy_either_way(("KB1", false), ("KB1", true)), both);
    }

    #[test]
    fn a_retrieve_only_knowledge_base_gets_no_generation_from_another() {
        let kb = |id: &str| {
            format!("arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:knowledge-base/{id}")
        };
        let expected = json!([
            {"Sid": "UseKnowledgeBases", "Effect": "Allow",
             "Action": ["bedrock:Retrieve", "bedrock:RetrieveAndGenerate"], "Resource": [kb("KB2")]},
            {"Sid": "RetrieveFromKnowledgeBases", "Effect": "Allow",
             "Action": ["bedrock:Retrieve"], "Resource": [kb("KB1")]},
        ]);
        assert_eq!(policy_either_way(("KB1", false), ("KB2", true)), expected);
    }

    #[test]
    fn prompt_versions_are_dropped_for_the_policy() {
        assert_eq!(
            unversioned_prompt("arn:aws:bedrock:us-east-1:123456789012:prompt/ABCDEFGHIJ:3"),
            "arn:aws:bedrock:us-east-1:123456789012:prompt/ABCDEFGHIJ"
        );
    }
}
