//! Retrieval, run locally: reads the object Storage wrote under `<storage_root>/<bucket>/<key>`.

use super::storage::{object_path, refuse_links};
use super::{single, string_input, Call, Done};
use crate::nodes::retrieval::RetrievalConfiguration;
use crate::run::NodeError;
use serde_json::Value;

node_run!(
    /// Reads the object at the key.
    Retrieval(config) => retrieval
);

async fn retrieval(
    Call { run, node, inputs }: Call<'_>,
    config: &RetrievalConfiguration,
) -> Result<Done, NodeError> {
    let key = string_input(node, inputs, "objectKey")?;
    let root = &run.ctx.storage_root;
    let service = &config.service_configuration;
    let path = object_path(root, node, service, key)?;
    refuse_links(root, node, service, &path).await?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| NodeError::Storage {
            node: node.name.clone(),
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    let text = String::from_utf8(bytes).map_err(|_| NodeError::Storage {
        node: node.name.clone(),
        path: path.display().to_string(),
        message: "the object is not UTF-8 text".to_owned(),
    })?;
    Ok(single("s3Content", Value::String(text)))
}
