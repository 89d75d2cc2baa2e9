//! What a node kind means once deployed: the AWS it reaches (which the CloudFormation export
//! grants to the flow's role) and the Strata-only fields it drops before going to Bedrock.
//!
//! Each kind answers for itself through its registry entry ([`NodeKind::access`] and
//! [`NodeKind::strip_local`]); export only turns the answers into IAM statements and API
//! requests, so it holds no per-kind code.
//!
//! [`NodeKind::access`]: super::NodeKind::access
//! [`NodeKind::strip_local`]: super::NodeKind::strip_local

use super::NodeConfiguration;
use crate::model::common::GuardrailConfiguration;
use crate::model::FlowDefinition;

/// Something on AWS a node calls when Bedrock runs it, as the node's configuration names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access<'a> {
    /// Invoking a model: a model id, an inference profile or a model ARN.
    Model(&'a str),
    /// Getting and rendering a Prompt management prompt (any of its versions), by ARN.
    Prompt(&'a str),
    /// Applying a guardrail: its identifier, ARN or the name of a project guardrail.
    Guardrail(&'a str),
    /// Retrieving from a knowledge base (id or project knowledge base name), and generating
    /// from it when the node names a model.
    KnowledgeBase { id: &'a str, generate: bool },
    /// Reranking retrieved results (the reranking model is a separate [`Access::Model`]).
    Rerank,
    /// Invoking an agent alias by ARN, or the alias of the project agent named.
    Agent {
        project_agent: Option<&'a str>,
        alias_arn: &'a str,
    },
    /// Invoking a Lambda function, by ARN.
    Function(&'a str),
    /// Writing objects into an S3 bucket.
    WriteObjects { bucket: &'a str },
    /// Reading objects from an S3 bucket.
    ReadObjects { bucket: &'a str },
    /// Recognizing utterances with a Lex bot alias, by ARN.
    Lex(&'a str),
}

impl<'a> Access<'a> {
    /// The guardrail a node's `guardrailConfiguration` applies, when it names one.
    pub fn guardrail(configuration: Option<&'a GuardrailConfiguration>) -> Option<Access<'a>> {
        configuration
            .and_then(|g| g.guardrail_identifier.as_deref())
            .map(Access::Guardrail)
    }
}

/// What export puts in place of a node's references to the project.
pub trait ProjectRefs {
    /// The alias ARN (or its placeholder) of the project agent `agent`.
    fn agent_alias(&self, agent: &str) -> String;
    /// The id for `id`, which may name a project knowledge base.
    fn knowledge_base_id(&self, id: &str) -> String;
    /// Replaces a reference to a project guardrail by what names it on AWS.
    fn guardrail(&self, guardrail: &mut Option<GuardrailConfiguration>);
    /// Strips an inner definition (a Loop's body) the same way.
    fn definition(&self, definition: &mut FlowDefinition);
    /// The ARN (or its placeholder) of the generated Lambda function that calls the AgentCore
    /// harness of the project agent `agent`, when that agent targets AgentCore; `None` when
    /// Bedrock reaches it as a Classic agent alias.
    fn harness_invoker(&self, _agent: &str) -> Option<String> {
        None
    }
}

/// A node Bedrock runs as another kind once deployed: its new configuration (whose kind is the
/// node's new type) and the outputs renamed on the way (old name, new name), which the
/// connections leaving the node follow.
#[derive(Debug, Clone, PartialEq)]
pub struct Redeployed {
    pub configuration: NodeConfiguration,
    pub renamed_outputs: Vec<(&'static str, &'static str)>,
}

/// For kinds that deploy as themselves.
pub fn same_kind(_: &NodeConfiguration, _: &dyn ProjectRefs) -> Option<Redeployed> {
    None
}

/// For kinds that reach nothing outside the flow.
pub fn no_access(_: &NodeConfiguration) -> Vec<Access<'_>> {
    Vec::new()
}

/// For kinds without Strata-only fields.
pub fn nothing_local(_: &mut NodeConfiguration, _: &dyn ProjectRefs) {}
