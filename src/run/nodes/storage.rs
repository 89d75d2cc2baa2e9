//! Storage, run locally: objects are files under `<storage_root>/<bucket>/<key>`.

use super::{Done, NodeRun};
use crate::model::flow::FlowNode;
use crate::providers::BoxFuture;
use crate::run::shared::Run;
use crate::run::NodeError;
use serde_json::{Map, Value};
use super::{missing, single, string_input};
use crate::nodes::storage::S3Service;
use crate::nodes::{NodeConfiguration, NodeType};
use std::path::{Component, Path, PathBuf};

/// Writes the content to the object key.
pub(super) struct Storage;

impl NodeRun for Storage {
    fn execute<'a>(
        &'a self,
        run: &'a Run,
        node: &'a FlowNode,
        inputs: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Done, NodeError>> {
        Box::pin(storage(run, node, inputs))
    }
}

/// `<storage_root>/<bucket>/<key>`, refusing anything that could leave the bucket's folder.
pub(super) fn object_path(
    root: &Path,
    node: &FlowNode,
    service: &S3Service,
    key: &str,
) -> Result<PathBuf, NodeError> {
    let reject = |key: &str, reason: &str| NodeError::ObjectKey {
        node: node.name.clone(),
        key: key.to_owned(),
        reason: reason.to_owned(),
    };
    let bucket = service.bucket();
    if bucket.is_empty() || bucket.contains(['/', '\\']) || bucket.starts_with('.') {
        return Err(NodeError::Storage {
            node: node.name.clone(),
            path: bucket.to_owned(),
            message: "the bucket name is empty or not a plain name".to_owned(),
        });
    }
    if key.is_empty() {
        return Err(reject(key, "the key is empty"));
    }
    if key.contains('\\') || key.contains('\0') {
        return Err(reject(key, "backslashes and NUL are not allowed"));
    }
    let relative = Path::new(key);
    for c in relative.components() {
        match c {
            Component::Normal(_) => {}
            Component::ParentDir => {
                return Err(reject(key, "`..` would leave the bucket"));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(reject(key, "keys are relative to the bucket"));
            }
            Component::CurDir => return Err(reject(key, "`.` segments are not allowed")),
        }
    }
    Ok(root.join(bucket).join(relative))
}

async fn storage(
    run: &Run,
    node: &FlowNode,
    inputs: &Map<String, Value>,
) -> Result<Done, NodeError> {
    let Some(NodeConfiguration::Storage(config)) = &node.configuration else {
        return Err(missing(node, NodeType::Storage));
    };
    let key = string_input(node, inputs, "objectKey")?;
    let path = object_path(
        &run.ctx.storage_root,
        node,
        &config.service_configuration,
        key,
    )?;
    let body = match inputs.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let io_error = |e: std::io::Error| NodeError::Storage {
        node: node.name.clone(),
        path: path.display().to_string(),
        message: e.to_string(),
    };
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(io_error)?;
    }
    tokio::fs::write(&path, body).await.map_err(io_error)?;
    let uri = format!("s3://{}/{key}", config.service_configuration.bucket());
    Ok(single("s3Uri", Value::String(uri)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_keys_stay_inside_their_bucket() {
        let node: FlowNode =
            serde_json::from_value(json!({"name": "Save", "type": "Storage"})).unwrap();
        let service: S3Service =
            serde_json::from_value(json!({"s3": {"bucketName": "b1"}})).unwrap();
        let root = Path::new("/data");
        assert_eq!(
            object_path(root, &node, &service, "a/b.txt").unwrap(),
            Path::new("/data/b1/a/b.txt")
        );
        for bad in ["", "../x", "a/../../x", "/etc/passwd", "a\\b", "./a"] {
            let e = object_path(root, &node, &service, bad).unwrap_err();
            assert!(matches!(e, NodeError::ObjectKey { .. }), "{bad}: {e}");
        }
    }
}
