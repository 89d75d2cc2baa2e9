//! The KnowledgeBase node: `retrievalQuery` in; `retrievalResults` out (Retrieve), or
//! `outputText` when the node names a model (RetrieveAndGenerate), both on Bedrock.
//!
//! `knowledgeBaseId` may name one of the project's knowledge bases by id or by name. When that
//! knowledge base has a local `documents` folder, the node runs on this machine instead:
//! [`crate::kb::LocalIndex`] indexes the folder and answers the query (`retrievalResults` are
//! its hits in Retrieve's shape); with a model, the hits fill a prompt for the run's model
//! provider, which gives `outputText`. Otherwise the deployed knowledge base is queried.

use super::{single, string_input, Action, Call, Done};
use crate::kb::{Hit, LocalIndex};
use crate::model::flow::FlowNode;
use crate::model::resources::KnowledgeBase as ProjectKnowledgeBase;
use crate::nodes::knowledge_base::KnowledgeBaseConfiguration;
use crate::providers::{ChatMessage, Inference, ModelRequest};
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{json, Value};
use tokio::time::Instant;

node_run!(
    /// Queries the knowledge base (a local index, or the deployed one).
    KnowledgeBase(config) => execute
);

async fn execute(
    Call { run, node, inputs }: Call<'_>,
    config: &KnowledgeBaseConfiguration,
) -> Result<Done, NodeError> {
    let query = string_input(node, inputs, "retrievalQuery")?.to_owned();
    if let Some((kb, folder)) = local_documents(config, &run.project.knowledge_bases) {
        return local(run, node, config, kb, folder, query).await;
    }
    let kb_id = deployed_id(node, config, &run.project.knowledge_bases)?;
    let client = &run.ctx.agent_runtime;
    let began = Instant::now();
    let runtime_error = |source| NodeError::AgentRuntime {
        node: node.name.clone(),
        source,
    };
    let (operation, request, output, value) = match &config.model_id {
        Some(model) => {
            let template = config
                .prompt_template
                .as_ref()
                .map(|t| t.text_prompt_template.as_str());
            let text = client
                .retrieve_and_generate(&kb_id, model, &query, config.number_of_results, template)
                .await
                .map_err(runtime_error)?;
            let request = json!({
                "input": {"text": query},
                "retrieveAndGenerateConfiguration": {"type": "KNOWLEDGE_BASE",
                    "knowledgeBaseConfiguration": {"knowledgeBaseId": kb_id, "modelArn": model}},
            });
            (
                "RetrieveAndGenerate",
                request,
                "outputText",
                Value::String(text),
            )
        }
        None => {
            let results = client
                .retrieve(&kb_id, &query, config.number_of_results)
                .await
                .map_err(runtime_error)?;
            let request = json!({
                "knowledgeBaseId": kb_id,
                "retrievalQuery": {"text": query},
                "numberOfResults": config.number_of_results,
            });
            (
                "Retrieve",
                request,
                "retrievalResults",
                Value::Array(results),
            )
        }
    };
    Action {
        service: "bedrock-agent-runtime",
        operation,
        request,
        response: json!({ output: value }),
    }
    .report(run, node, began)
    .await;
    Ok(single(output, value))
}

/// Results when the node does not say how many.
const DEFAULT_RESULTS: u32 = 5;

/// What a generating node asks the model when it has no `promptTemplate`.
const DEFAULT_TEMPLATE: &str = "You are a question answering agent. Answer the question using only the search results below. If they do not contain the answer, say that you could not find it.\n\nSearch results:\n$search_results$\n\nQuestion: $query$";

/// The project knowledge base the node names (by id, then by name), if it has a local
/// documents folder.
fn local_documents<'a>(
    config: &KnowledgeBaseConfiguration,
    project: &'a [ProjectKnowledgeBase],
) -> Option<(&'a ProjectKnowledgeBase, &'a str)> {
    let wanted = config.knowledge_base_id.trim();
    if wanted.is_empty() {
        return None;
    }
    let kb = project
        .iter()
        .find(|kb| kb.knowledge_base_id.as_deref() == Some(wanted))
        .or_else(|| project.iter().find(|kb| kb.name == wanted))?;
    let folder = kb.documents.as_deref().filter(|d| !d.trim().is_empty())?;
    Some((kb, folder))
}

/// The node on this machine: search the local index, and generate when a model is set.
async fn local(
    run: &Run,
    node: &FlowNode,
    config: &KnowledgeBaseConfiguration,
    kb: &ProjectKnowledgeBase,
    folder: &str,
    query: String,
) -> Result<Done, NodeError> {
    let path = run.ctx.project_dir.join(folder);
    let began = Instant::now();
    // Dropping this future (the node's timeout) or cancelling the run stops the indexing.
    let built = LocalIndex::build_in_background(path.clone(), &run.ctx.cancel).await;
    let (index, warnings) = built.map_err(|e| NodeError::NoLocalEquivalent {
        node: node.name.clone(),
        message: format!("knowledge base {:?}: {e}", kb.name),
    })?;
    let k = config.number_of_results.unwrap_or(DEFAULT_RESULTS).max(1);
    let hits = index.search(&query, usize::try_from(k).unwrap_or(usize::MAX));
    let results: Vec<Value> = hits.iter().map(Hit::to_retrieval_result).collect();
    Action {
        service: "local-knowledge-base",
        operation: "Retrieve",
        request: json!({"knowledgeBase": kb.name, "documents": path.display().to_string(),
                        "retrievalQuery": {"text": query}, "numberOfResults": k}),
        response: json!({
            "retrievalResults": results,
            "warnings": warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
    }
    .report(run, node, began)
    .await;
    let Some(model) = &config.model_id else {
        return Ok(single("retrievalResults", Value::Array(results)));
    };
    let template = config
        .prompt_template
        .as_ref()
        .map_or(DEFAULT_TEMPLATE, |t| t.text_prompt_template.as_str());
    let request = ModelRequest {
        model_id: model.clone(),
        messages: vec![ChatMessage::user_text(fill_template(
            template, &hits, &query,
        ))],
        inference: Inference::default(),
        ..ModelRequest::default()
    };
    let response = crate::run::converse::converse(run, node, std::sync::Arc::new(request)).await?;
    Ok(single("outputText", Value::String(response.text())))
}

/// The prompt: `$search_results$` becomes the numbered passages and `$query$` the question
/// (appended when the template has no `$query$`).
fn fill_template(template: &str, hits: &[Hit], query: &str) -> String {
    let passages = if hits.is_empty() {
        "(no results)".to_owned()
    } else {
        hits.iter()
            .enumerate()
            .map(|(i, h)| format!("[{}] ({} {})\n{}", i + 1, h.source, h.location, h.text))
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    let mut prompt = if template.contains("$search_results$") {
        template.replace("$search_results$", &passages)
    } else {
        format!("{template}\n\nSearch results:\n{passages}")
    };
    if prompt.contains("$query$") {
        prompt = prompt.replace("$query$", query);
    } else {
        prompt.push_str("\n\nQuestion: ");
        prompt.push_str(query);
    }
    prompt
}

/// The Bedrock knowledge base id to query: that of the project knowledge base the node names
/// (by id or name), else the node's id as it is.
fn deployed_id(
    node: &FlowNode,
    config: &KnowledgeBaseConfiguration,
    project: &[ProjectKnowledgeBase],
) -> Result<String, NodeError> {
    let wanted = config.knowledge_base_id.trim();
    if wanted.is_empty() {
        return Err(NodeError::NoLocalEquivalent {
            node: node.name.clone(),
            message: "the node has no knowledgeBaseId".to_owned(),
        });
    }
    let found = project
        .iter()
        .find(|kb| kb.knowledge_base_id.as_deref() == Some(wanted))
        .or_else(|| project.iter().find(|kb| kb.name == wanted));
    match found {
        Some(kb) => match &kb.knowledge_base_id {
            Some(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
            Some(_) | None => Err(NodeError::NoLocalEquivalent {
                node: node.name.clone(),
                message: format!(
                    "knowledge base {:?} has neither a knowledgeBaseId nor a local documents folder",
                    kb.name
                ),
            }),
        },
        None => Ok(wanted.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb(name: &str, id: Option<&str>, docs: Option<&str>) -> ProjectKnowledgeBase {
        ProjectKnowledgeBase {
            knowledge_base_id: id.map(str::to_owned),
            documents: docs.map(str::to_owned),
            ..ProjectKnowledgeBase::named(name)
        }
    }

    #[test]
    fn project_knowledge_bases_resolve_by_id_or_name() {
        let node: FlowNode =
            serde_json::from_value(json!({"name": "KB", "type": "KnowledgeBase"})).unwrap();
        let config = |id: &str| -> KnowledgeBaseConfiguration {
            serde_json::from_value(json!({"knowledgeBaseId": id})).unwrap()
        };
        let project = vec![
            kb("docs", Some("ABCDEFGHIJ"), None),
            kb("empty", None, None),
        ];
        assert_eq!(
            deployed_id(&node, &config("docs"), &project).unwrap(),
            "ABCDEFGHIJ"
        );
        assert_eq!(
            deployed_id(&node, &config("ZZZZZZZZZZ"), &project).unwrap(),
            "ZZZZZZZZZZ"
        );
        let e = deployed_id(&node, &config("empty"), &project).unwrap_err();
        assert!(e.to_string().contains("neither"), "{e}");
        assert!(deployed_id(&node, &config(" "), &project).is_err());
    }
}
