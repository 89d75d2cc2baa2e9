//! KnowledgeBase: retrieves from a knowledge base, and generates an answer when a model is set.

use super::deployment::{Access, ProjectRefs};
use super::form::{FormField, Widget, GUARDRAIL_ID, GUARDRAIL_VERSION};
use super::fresh_node;
use super::{
    Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports,
};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::common::{GuardrailConfiguration, InferenceConfiguration};
use crate::model::flow::FlowNode;
use crate::model::names::{check_range, Pattern};
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind::new(
    NodeType::KnowledgeBase,
    Category::Ai,
    "≡",
    "#2c7a7b",
    "Queries a knowledge base: returns the retrieved passages, or a generated answer when a model is set.",
    ports,
    new_node,
)
.configured::<KnowledgeBaseConfiguration>()
.with_form(FORM);

/// The fields the inspector edits.
const FORM: &[FormField] = &[
    KNOWLEDGE_BASE_ID,
    MODEL_ID,
    FormField::new(
        &["numberOfResults"],
        "Number of results",
        Widget::Integer { min: 1, max: 100 },
    )
    .optional(),
    PROMPT_TEMPLATE,
    FormField::temperature(&["inferenceConfiguration", "text", "temperature"]),
    FormField::top_p(&["inferenceConfiguration", "text", "topP"]),
    FormField::max_tokens(&["inferenceConfiguration", "text", "maxTokens"]),
    FormField::stop_sequences(&["inferenceConfiguration", "text", "stopSequences"]),
    GUARDRAIL_ID,
    GUARDRAIL_VERSION,
    FormField::new(
        &["rerankingConfiguration"],
        "Reranking (JSON)",
        Widget::Json,
    )
    .optional()
    .help("VectorSearchRerankingConfiguration, in the API's shape."),
    FormField::new(
        &["orchestrationConfiguration"],
        "Orchestration (JSON)",
        Widget::Json,
    )
    .optional()
    .help("KnowledgeBaseOrchestrationConfiguration, in the API's shape."),
];

// The text fields the inspector edits and the check reads.

const KNOWLEDGE_BASE_ID: FormField = FormField::text(
    &["knowledgeBaseId"],
    "Knowledge base id",
    0,
    10,
    Some(Pattern::FlowKnowledgeBaseId),
)
.help("A Bedrock knowledge base id, or a project knowledge base for local runs.");

const MODEL_ID: FormField =
    FormField::text(&["modelId"], "Model id", 1, 2048, Some(Pattern::ModelId))
        .optional()
        .help("Set it to generate an answer; leave it empty to output the retrieved passages.");

const PROMPT_TEMPLATE: FormField = FormField::new(
    &["promptTemplate", "textPromptTemplate"],
    "Prompt template",
    Widget::LongText {
        min: 1,
        max: 100_000,
        code: false,
    },
)
.optional()
.help("The generation prompt; $search_results$ stands for the passages.");

/// `KnowledgeBaseFlowNodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnowledgeBaseConfiguration {
    /// A Bedrock knowledge base id; for local runs, a project knowledge base of the same id or name.
    pub knowledge_base_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrail_configuration: Option<GuardrailConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_results: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_template: Option<KnowledgeBasePromptTemplate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_configuration: Option<InferenceConfiguration>,
    /// `VectorSearchRerankingConfiguration`, kept in the API's shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reranking_configuration: Option<serde_json::Value>,
    /// `KnowledgeBaseOrchestrationConfiguration`, kept in the API's shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orchestration_configuration: Option<serde_json::Value>,
}

/// `KnowledgeBasePromptTemplate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnowledgeBasePromptTemplate {
    pub text_prompt_template: String,
}

fn generates(node: &FlowNode) -> bool {
    matches!(&node.configuration, Some(NodeConfiguration::KnowledgeBase(c)) if c.model_id.is_some())
}

fn ports(node: &FlowNode) -> Ports {
    let output = if generates(node) {
        PortSpec::new("outputText", Some(DataType::String))
    } else {
        PortSpec::new("retrievalResults", Some(DataType::Array))
    };
    Ports {
        inputs: PortRule::Fixed(vec![PortSpec::new(
            "retrievalQuery",
            Some(DataType::String),
        )]),
        outputs: PortRule::Fixed(vec![output]),
    }
}

fn new_node(name: &str) -> FlowNode {
    let config = KnowledgeBaseConfiguration {
        knowledge_base_id: String::new(),
        model_id: None,
        guardrail_configuration: None,
        number_of_results: Some(5),
        prompt_template: None,
        inference_configuration: None,
        reranking_configuration: None,
        orchestration_configuration: None,
    };
    fresh_node(name, NodeConfiguration::KnowledgeBase(config))
}

impl KindConfiguration for KnowledgeBaseConfiguration {
    fn check(&self, _: &FlowNode, out: &mut Diagnostics, at: &Location) {
        KNOWLEDGE_BASE_ID.check_text(out, at, &self.knowledge_base_id);
        if let Some(m) = &self.model_id {
            MODEL_ID.check_text(out, at, m);
        }
        if let Some(n) = self.number_of_results {
            check_range(out, at, "numberOfResults", n, 1, 100);
        }
        if let Some(t) = &self.prompt_template {
            PROMPT_TEMPLATE.check_text(out, at, &t.text_prompt_template);
        }
        if let Some(inf) = &self.inference_configuration {
            inf.check(out, at, "inferenceConfiguration");
        }
        if let Some(g) = &self.guardrail_configuration {
            g.check(out, at, "guardrailConfiguration");
        }
    }

    fn access(&self) -> Vec<Access<'_>> {
        let mut access = vec![Access::KnowledgeBase {
            id: &self.knowledge_base_id,
            generate: self.model_id.is_some(),
        }];
        if let Some(m) = &self.model_id {
            access.push(Access::Model(m));
        }
        if let Some(m) = self
            .reranking_configuration
            .as_ref()
            .and_then(|r| r.pointer("/bedrockRerankingConfiguration/modelConfiguration/modelArn"))
            .and_then(serde_json::Value::as_str)
        {
            access.extend([Access::Rerank, Access::Model(m)]);
        }
        access.extend(Access::guardrail(self.guardrail_configuration.as_ref()));
        access
    }

    /// A project knowledge base or guardrail named in the node becomes what names it on AWS.
    fn strip_local(&mut self, refs: &dyn ProjectRefs) {
        self.knowledge_base_id = refs.knowledge_base_id(&self.knowledge_base_id);
        refs.guardrail(&mut self.guardrail_configuration);
    }
}
