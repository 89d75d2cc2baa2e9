//! Storage: writes its content to an S3 object and outputs the object's URI.

use super::deployment::{nothing_local, Access};
use crate::model::names::{Field, Pattern};
use super::form::FormField;
use super::{Category, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput, FlowNodeOutput};
use crate::model::lenient::Lenient;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::Storage,
    config_key: NodeType::Storage.config_key(),
    summary: "Writes its content to an S3 object (a local folder per bucket when run in Strata) and outputs its URI.",
    category: Category::Data,
    icon: "⬇",
    colour: "#4a5568",
    config_required: true,
    allowed_in_loop: true,
    loop_only: false,
    ports,
    new_node,
    check,
    form: FORM,
    access,
    strip_local: nothing_local,
};

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
    Ports {
        inputs: PortRule::Fixed(vec![
            PortSpec::new("content", None),
            PortSpec::new("objectKey", Some(DataType::String)),
        ]),
        outputs: PortRule::Fixed(vec![PortSpec::new("s3Uri", Some(DataType::String))]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::Storage),
        configuration: Some(NodeConfiguration::Storage(StorageConfiguration {
            service_configuration: S3Service::S3(S3Bucket {
                bucket_name: String::new(),
            }),
        })),
        inputs: vec![
            FlowNodeInput::new("content", DataType::String),
            FlowNodeInput::new("objectKey", DataType::String),
        ],
        outputs: vec![FlowNodeOutput::new("s3Uri", DataType::String)],
    }
}

fn check(node: &FlowNode, out: &mut Diagnostics, at: &Location) {
    if let Some(NodeConfiguration::Storage(c)) = &node.configuration {
        c.service_configuration.check(out, at);
    }
}

fn access(config: &NodeConfiguration) -> Vec<Access<'_>> {
    let NodeConfiguration::Storage(c) = config else {
        return vec![];
    };
    vec![Access::WriteObjects {
        bucket: c.service_configuration.bucket(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    #[test]
    fn bucket_names_s3_refuses_are_diagnosed_on_the_field() {
        for bad in ["a..b", "192.168.0.1", "xn--bucket", "logs-s3alias", "logs--ol-s3", "-logs"] {
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
