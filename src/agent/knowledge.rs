//! Knowledge bases as a tool: a search over the local index of a project knowledge base, or
//! Retrieve for one in the account, optionally answered through the generation prompt.

use super::prompts::DEFAULT_KB_TEMPLATE;
use super::react::tool_error;
use super::trace::InvocationInput;
use super::turn::Turn;
use super::{AgentRuntime, KB_RESULTS};
use crate::kb::LocalIndex;
use crate::model::agent::PromptType;
use crate::providers::ContentPart;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

impl AgentRuntime {
    pub(super) async fn index(
        &self,
        kb: &str,
        folder: &std::path::Path,
    ) -> Result<Arc<LocalIndex>, String> {
        let mut indexes = self.indexes.lock().await;
        if let Some(i) = indexes.get(kb) {
            return Ok(i.clone());
        }
        let never = tokio_util::sync::CancellationToken::new();
        let built = LocalIndex::build_in_background(folder.to_path_buf(), &never)
            .await
            .map_err(|e| e.to_string())?;
        let index = Arc::new(built.0);
        indexes.insert(kb.to_owned(), index.clone());
        Ok(index)
    }

    pub(super) async fn search(
        &self,
        turn: &mut Turn,
        kb: &str,
        folder: Option<&PathBuf>,
        id: &str,
        input: &Value,
    ) -> ContentPart {
        let query = input
            .get("searchQuery")
            .or_else(|| input.get("query"))
            .and_then(Value::as_str)
            .map_or_else(|| input.to_string(), str::to_owned);
        self.emit_invocation_input(InvocationInput {
            invocation_type: "KNOWLEDGE_BASE".to_owned(),
            knowledge_base_lookup_input: Some(json!({ "knowledgeBaseId": kb, "text": query })),
            ..InvocationInput::default()
        })
        .await;
        let found = match (folder, &self.agent_runtime) {
            (Some(folder), _) => match self.index(kb, folder).await {
                Ok(index) => Ok(index
                    .search(&query, KB_RESULTS)
                    .iter()
                    .map(crate::kb::Hit::to_retrieval_result)
                    .collect::<Vec<Value>>()),
                Err(e) => Err(format!("knowledge base {kb:?}: {e}")),
            },
            (None, Some(client)) => client
                .retrieve(kb, &query, u32::try_from(KB_RESULTS).ok())
                .await
                .map_err(|e| format!("knowledge base {kb:?}: {e}")),
            (None, None) => Err(format!(
                "knowledge base {kb:?} has no local documents folder in the project and this run has no Bedrock connection; give it `documents` to search it on this machine"
            )),
        };
        let references = match found {
            Ok(r) => r,
            Err(message) => {
                self.observe(
                    "KNOWLEDGE_BASE",
                    None,
                    Some(json!({ "retrievedReferences": [], "error": message })),
                )
                .await;
                return tool_error(id, "KnowledgeBaseUnavailable", &message);
            }
        };
        self.observe(
            "KNOWLEDGE_BASE",
            None,
            Some(json!({ "retrievedReferences": references })),
        )
        .await;
        let passages = if references.is_empty() {
            "No passage matched the search.".to_owned()
        } else {
            references
                .iter()
                .enumerate()
                .map(|(i, r)| passage(i + 1, r))
                .collect::<Vec<_>>()
                .join("\n\n")
        };
        let hits = references;
        let (template, overridden) = self.template(
            PromptType::KnowledgeBaseResponseGeneration,
            DEFAULT_KB_TEMPLATE,
        );
        if !overridden || hits.is_empty() {
            return ContentPart::ToolResult {
                id: id.to_owned(),
                content: Value::String(passages),
                is_error: false,
            };
        }
        let system = self.fill(
            &template,
            turn,
            &[
                ("$search_results$", passages.clone()),
                ("$query$", query.clone()),
            ],
        );
        let generated = self
            .call_stage(
                PromptType::KnowledgeBaseResponseGeneration,
                system,
                query,
                true,
                &mut turn.usage,
            )
            .await;
        match generated {
            Ok(r) => ContentPart::ToolResult {
                id: id.to_owned(),
                content: Value::String(r.text()),
                is_error: false,
            },
            Err(e) => tool_error(id, "KnowledgeBaseResponseGeneration", &e.to_string()),
        }
    }
}

/// One retrieved reference (`KnowledgeBaseRetrievalResult` JSON, local or from Bedrock) as
/// the model reads it: number, source, place, score, text.
fn passage(n: usize, reference: &Value) -> String {
    let location = &reference["location"];
    let source = reference["metadata"]["x-amz-bedrock-kb-source-uri"]
        .as_str()
        .or_else(|| location["s3Location"]["uri"].as_str())
        .or_else(|| location["webLocation"]["url"].as_str())
        .or_else(|| location["confluenceLocation"]["url"].as_str())
        .or_else(|| location["customDocumentLocation"]["id"].as_str())
        .unwrap_or("unknown source");
    let local = &location["localLocation"];
    let place = match (&local["lines"], &local["page"]) {
        (lines, _) if lines.is_object() => {
            let (start, end) = (&lines["start"], &lines["end"]);
            if start == end {
                format!(", line {start}")
            } else {
                format!(", lines {start}-{end}")
            }
        }
        (_, page) if !page.is_null() => format!(", page {page}"),
        _ => String::new(),
    };
    let score = reference["score"]
        .as_f64()
        .map_or_else(String::new, |s| format!("; score {s:.2}"));
    let text = reference["content"]["text"].as_str().unwrap_or("");
    format!("[{n}] (source: {source}{place}{score})\n{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_passage_names_its_file_and_lines() {
        let reference = json!({
            "content": {"text": "Reset it from the login page."},
            "location": {"localLocation": {"path": "reset.md", "lines": {"start": 3, "end": 5}}},
            "metadata": {"x-amz-bedrock-kb-source-uri": "reset.md"},
            "score": 1.5,
        });
        assert_eq!(
            passage(1, &reference),
            "[1] (source: reset.md, lines 3-5; score 1.50)\nReset it from the login page."
        );
    }

    #[test]
    fn a_bedrock_passage_names_its_s3_uri_and_page() {
        let reference = json!({
            "content": {"text": "Refunds take 5 days."},
            "location": {"s3Location": {"uri": "s3://help/refunds.pdf"}, "localLocation": {"page": 2}},
        });
        assert_eq!(
            passage(2, &reference),
            "[2] (source: s3://help/refunds.pdf, page 2)\nRefunds take 5 days."
        );
    }
}
