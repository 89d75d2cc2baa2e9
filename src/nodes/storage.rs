//! Storage: writes its content to an S3 object and outputs the object's URI.

use super::deployment::Access;
use super::form::FormField;
use super::fresh_node;
use super::{Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::model::names::{Field, Pattern};
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Storage,
    Category::Data,
    "⬇",
    "#4a5568",
    "Writes its content to an S3 object (a local folder per bucket when run in Strata) and outputs its URI.",
    ports,
    new_node,
)
.configured::<StorageConfiguration>()
.with_form(FORM);

/// The fields the inspector edits.
const FORM: &[FormField] = &[FormField::s3_bucket(
    "The bucket the content is written to (a folder per bucket in local runs).",
)];

/// `StorageFlowNodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageConfiguration {
    pub service_configuration: S3Service,
}

/// `StorageFlowNodeServiceConfiguration` / `RetrievalFlowNodeServiceConfiguration` (unions with one member).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum S3Service {
    S3(S3Bucket),
}

/// A service with no bucket chosen yet, for a fresh node.
impl Default for S3Service {
    fn default() -> Self {
        S3Service::S3(S3Bucket {
            bucket_name: String::new(),
        })
    }
}

impl S3Service {
    pub fn bucket(&self) -> &str {
        match self {
            S3Service::S3(b) => &b.bucket_name,
        }
    }

    pub(crate) fn check(&self, out: &mut Diagnostics, at: &Location) {
        Field::new("serviceConfiguration.s3.bucketName", 0, 63)
            .pattern(Pattern::BucketName)
            .draft_empty()
            .check(out, at, self.bucket());
    }
}

/// `StorageFlowNodeS3Configuration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Bucket {
    pub bucket_name: String,
}

fn ports(_: &FlowNode) -> Ports {
    Ports::fixed(
        &[
            PortSpec::new("content", None),
            PortSpec::new("objectKey", Some(DataType::String)),
        ],
        &[PortSpec::new("s3Uri", Some(DataType::String))],
    )
}

fn new_node(name: &str) -> FlowNode {
    let config = StorageConfiguration {
        service_configuration: S3Service::default(),
    };
    fresh_node(name, NodeConfiguration::Storage(config))
}

impl KindConfiguration for StorageConfiguration {
    fn check(&self, _: &FlowNode, out: &mut Diagnostics, at: &Location) {
        self.service_configuration.check(out, at);
    }

    fn access(&self) -> Vec<Access<'_>> {
        vec![Access::WriteObjects {
            bucket: self.service_configuration.bucket(),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    #[test]
    fn bucket_names_s3_refuses_are_diagnosed_on_the_field() {
        for bad in [
            "a..b",
            "192.168.0.1",
            "xn--bucket",
            "logs-s3alias",
            "logs--ol-s3",
            "-logs",
        ] {
            let service = S3Service::S3(S3Bucket {
                bucket_name: bad.to_owned(),
            });
            let mut out = Diagnostics::default();
            service.check(&mut out, &Location::flow("f").node("Save"));
            let found = out.into_vec();
            assert_eq!(found.len(), 1, "{bad}: {found:?}");
            assert_eq!(found[0].code, Code::InvalidFieldValue);
            assert_eq!(
                found[0].location.field.as_deref(),
                Some("serviceConfiguration.s3.bucketName")
            );
        }
        let mut out = Diagnostics::default();
        S3Service::S3(S3Bucket {
            bucket_name: "notes.bucket-1".to_owned(),
        })
        .check(&mut out, &Location::flow("f"));
        assert!(out.is_empty());
    }
}
