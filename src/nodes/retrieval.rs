//! Retrieval: reads an S3 object (UTF-8 text) and outputs its content.

use super::deployment::{nothing_local, Access};
use super::form::FormField;
use super::storage::{S3Bucket, S3Service};
use super::{Category, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput, FlowNodeOutput};
use crate::model::lenient::Lenient;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::Retrieval,
    config_key: NodeType::Retrieval.config_key(),
    summary: "Reads a UTF-8 S3 object (a local folder per bucket when run in Strata) and outputs its content.",
    category: Category::Data,
    icon: "⬆",
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
    "The bucket the object is read from (a folder per bucket in local runs).",
)];

/// `RetrievalFlowNodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetrievalConfiguration {
    pub service_configuration: S3Service,
}

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::Fixed(vec![PortSpec::new("objectKey", Some(DataType::String))]),
        // The per-node structure says String, the summary table Any: accept any declared type.
        outputs: PortRule::Fixed(vec![PortSpec::new("s3Content", None)]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::Retrieval),
        configuration: Some(NodeConfiguration::Retrieval(RetrievalConfiguration {
            service_configuration: S3Service::S3(S3Bucket {
                bucket_name: String::new(),
            }),
        })),
        inputs: vec![FlowNodeInput::new("objectKey", DataType::String)],
        outputs: vec![FlowNodeOutput::new("s3Content", DataType::String)],
    }
}

fn check(node: &FlowNode, out: &mut Diagnostics, at: &Location) {
    if let Some(NodeConfiguration::Retrieval(c)) = &node.configuration {
        c.service_configuration.check(out, at);
    }
}

fn access(config: &NodeConfiguration) -> Vec<Access<'_>> {
    let NodeConfiguration::Retrieval(c) = config else {
        return vec![];
    };
    vec![Access::ReadObjects {
        bucket: c.service_configuration.bucket(),
    }]
}
