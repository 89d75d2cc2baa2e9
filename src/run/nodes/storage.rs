//! Storage, run locally: objects are files under `<storage_root>/<bucket>/<key>`.

use super::{single, string_input, Call, Done};
use crate::model::flow::FlowNode;
use crate::model::names::Pattern;
use crate::nodes::storage::S3Service;
use crate::nodes::storage::StorageConfiguration;
use crate::run::NodeError;
use serde_json::Value;
use std::path::{Component, Path, PathBuf};

node_run!(
    /// Writes the content to the object key.
    Storage(config) => storage
);

/// `<storage_root>/<bucket>/<key>`, refusing anything that could leave the bucket's folder or
/// name an object other than `key`.
///
/// A key is taken only when its folder path stands for it one to one: S3 stores `a//b`,
/// `notes/./a` and `a/` as keys of their own, while the folder path would silently alias them
/// to `a/b`, `notes/a` and `a`, so such keys are refused rather than stored under another name.
pub(super) fn object_path(
    root: &Path,
    node: &FlowNode,
    service: &S3Service,
    key: &str,
) -> Result<PathBuf, NodeError> {
    let reject = |reason: &str| NodeError::ObjectKey {
        node: node.name.clone(),
        key: key.to_owned(),
        reason: reason.to_owned(),
    };
    let bucket = service.bucket();
    if !Pattern::BucketName.matches(bucket) {
        return Err(NodeError::Storage {
            node: node.name.clone(),
            path: bucket.to_owned(),
            message: format!("the bucket name is not {}", Pattern::BucketName.describe()),
        });
    }
    if key.is_empty() {
        return Err(reject("the key is empty"));
    }
    if key.contains(['\\', '\0']) {
        return Err(reject("backslashes and NUL are not allowed"));
    }
    if key.starts_with('/') {
        return Err(reject("keys are relative to the bucket"));
    }
    let mut path = root.join(bucket);
    for segment in key.split('/') {
        match segment {
            "" => {
                return Err(reject(
                    "empty segments (`//` or a trailing `/`) would be stored under another key",
                ))
            }
            "." => return Err(reject("`.` segments would be stored under another key")),
            ".." => return Err(reject("`..` would leave the bucket")),
            plain => path.push(plain),
        }
    }
    // A plain segment can still be read as something else on some platforms (`C:` on Windows).
    let plain = Path::new(key)
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    if !plain {
        return Err(reject("the key is not a plain relative path"));
    }
    Ok(path)
}

/// Refuses `path` when the bucket folder or anything between it and `path` (the object itself
/// included) is a symbolic link: following one could read or write outside the bucket.
/// Missing components are fine; Storage creates them as folders.
pub(super) async fn refuse_links(
    root: &Path,
    node: &FlowNode,
    service: &S3Service,
    path: &Path,
) -> Result<(), NodeError> {
    let bucket_dir = root.join(service.bucket());
    let Ok(below) = path.strip_prefix(&bucket_dir) else {
        return Ok(());
    };
    let mut at = bucket_dir.clone();
    let steps = std::iter::once(None).chain(below.components().map(Some));
    for step in steps {
        if let Some(c) = step {
            at.push(c);
        }
        match tokio::fs::symlink_metadata(&at).await {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(NodeError::Storage {
                    node: node.name.clone(),
                    path: at.display().to_string(),
                    message: "is a symbolic link; Strata does not follow links in a bucket's folder, so that no object is read or written outside it".to_owned(),
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(NodeError::Storage {
                    node: node.name.clone(),
                    path: at.display().to_string(),
                    message: e.to_string(),
                })
            }
        }
    }
    Ok(())
}

async fn storage(
    Call { run, node, inputs }: Call<'_>,
    config: &StorageConfiguration,
) -> Result<Done, NodeError> {
    let service = &config.service_configuration;
    let key = string_input(node, inputs, "objectKey")?;
    let root = &run.ctx.storage_root;
    let path = object_path(root, node, service, key)?;
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
    refuse_links(root, node, service, &path).await?;
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(io_error)?;
    }
    // Again after creating the folders, in case a link appeared in between.
    refuse_links(root, node, service, &path).await?;
    // `save::write_atomically`, as every other write: a temporary file renamed over the object
    // (a reader or a killed run sees the old object or the new one, never a torn one), the
    // temporaries of killed writers swept, a link at the object replaced, never written
    // through. On a blocking thread; once started it finishes, so no temporary is left behind
    // when the node's future is dropped.
    let target = path.clone();
    tokio::task::spawn_blocking(move || crate::save::write_atomically(&target, body.as_bytes()))
        .await
        .map_err(|e| io_error(std::io::Error::other(e)))?
        .map_err(|e| io_error(e.into_io()))?;
    let uri = format!("s3://{}/{key}", service.bucket());
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
            serde_json::from_value(json!({"s3": {"bucketName": "b12"}})).unwrap();
        let root = Path::new("/data");
        assert_eq!(
            object_path(root, &node, &service, "a/b.txt").unwrap(),
            Path::new("/data/b12/a/b.txt")
        );
        for bad in [
            "",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a\\b",
            "./a",
            "a//b",
            "notes/./a",
            "a/",
            "a/.",
            "a\0b",
            "//x",
        ] {
            let e = object_path(root, &node, &service, bad).unwrap_err();
            assert!(matches!(e, NodeError::ObjectKey { .. }), "{bad:?}: {e}");
        }
    }

    #[test]
    fn bucket_names_follow_s3s_rules_at_run_time_too() {
        let node: FlowNode =
            serde_json::from_value(json!({"name": "Save", "type": "Storage"})).unwrap();
        for bad in [
            "a..b",
            "..",
            "ab",
            "192.168.1.1",
            "xn--abc",
            "abc-s3alias",
            "Ab1",
        ] {
            let service: S3Service =
                serde_json::from_value(json!({"s3": {"bucketName": bad}})).unwrap();
            let e = object_path(Path::new("/data"), &node, &service, "k").unwrap_err();
            assert!(matches!(e, NodeError::Storage { .. }), "{bad}: {e}");
            assert!(e.to_string().contains("bucket name"), "{e}");
        }
    }
}
