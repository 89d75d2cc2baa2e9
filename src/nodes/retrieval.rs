//! Retrieval: reads an S3 object (UTF-8 text) and outputs its content.

use super::deployment::Access;
use super::form::FormField;
use super::fresh_node;
use super::storage::S3Service;
use super::{Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Retrieval,
    Category::Data,
    "⬆",
    "#4a5568",
    "Reads a UTF-8 S3 object (a local folder per bucket when run in Strata) and outputs its content.",
    ports,
    new_node,
)
.configured::<RetrievalConfiguration>()
.with_form(FORM);

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
    // The per-node structure says String, the summary table Any: accept any declared type
    // (a fresh node declares String).
    Ports::fixed(
        &[PortSpec::new("objectKey", Some(DataType::String))],
        &[PortSpec::new("s3Content", None)],
    )
}

fn new_node(name: &str) -> FlowNode {
    let config = RetrievalConfiguration {
        service_configuration: S3Service::default(),
    };
    fresh_node(name, NodeConfiguration::Retrieval(config))
}

impl KindConfiguration for RetrievalConfiguration {
    fn check(&self, _: &FlowNode, out: &mut Diagnostics, at: &Location) {
        self.service_configuration.check(out, at);
    }

    fn access(&self) -> Vec<Access<'_>> {
        vec![Access::ReadObjects {
            bucket: self.service_configuration.bucket(),
        }]
    }
}
