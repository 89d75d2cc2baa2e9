//! A flow in Bedrock's own vocabulary: `FlowDefinition`, `FlowNode`, `FlowConnection`.
//!
//! Field names and nesting follow the CreateFlow API (camelCase), so a flow in a Strata
//! project reads like the JSON Bedrock takes, and converting between the two is a copy.

use crate::model::lenient::Lenient;
use crate::model::DataType;
use crate::nodes::{NodeConfiguration, NodeType};
use serde::{Deserialize, Serialize};

crate::str_enum! {
    /// `FlowNodeInputCategory`: the role of a LoopController input in a DoWhile loop.
    pub enum InputCategory {
        LoopCondition = "LoopCondition",
        ReturnValueToLoopStart = "ReturnValueToLoopStart",
        ExitLoop = "ExitLoop",
    }
}

crate::str_enum! {
    /// `FlowConnectionType`.
    pub enum ConnectionType {
        Data = "Data",
        Conditional = "Conditional",
    }
}

/// A flow of the project: its Bedrock-level settings and its definition.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    pub name: String,
    pub description: Option<String>,
    pub execution_role_arn: Option<String>,
    pub customer_encryption_key_arn: Option<String>,
    #[serde(default)]
    pub definition: FlowDefinition,
    /// Sample inputs the user runs the flow with (the document given to the Input node).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<Sample>,
}

impl Flow {
    /// Checks a document against the type the flow's Input node declares for it, before a run
    /// (the run itself would fail the Input node the same way).
    pub fn check_input(&self, document: &serde_json::Value) -> Result<(), InputTypeMismatch> {
        let Some(input) = self
            .definition
            .nodes
            .iter()
            .find(|n| n.kind() == Some(NodeType::Input))
        else {
            return Ok(());
        };
        let Some(expected) = input.output("document").and_then(|o| o.data_type.get()) else {
            return Ok(());
        };
        let actual = DataType::of_value(document);
        if actual == Some(expected) {
            return Ok(());
        }
        Err(InputTypeMismatch {
            node: input.name.clone(),
            expected,
            actual: actual.map_or("null", DataType::as_str),
        })
    }
}

/// A run's input document is not of the type the flow's Input node declares.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("node {node}: output document is declared {expected} but the input is {actual}")]
pub struct InputTypeMismatch {
    pub node: String,
    pub expected: DataType,
    pub actual: &'static str,
}

/// A named input document for trying a flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sample {
    pub name: String,
    pub document: serde_json::Value,
}

/// `FlowDefinition`: nodes and connections. Also the body of a Loop node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowDefinition {
    #[serde(default)]
    pub nodes: Vec<FlowNode>,
    #[serde(default)]
    pub connections: Vec<FlowConnection>,
}

impl FlowDefinition {
    pub fn node(&self, name: &str) -> Option<&FlowNode> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn node_mut(&mut self, name: &str) -> Option<&mut FlowNode> {
        self.nodes.iter_mut().find(|n| n.name == name)
    }

    /// Every node of the flow, including those inside Loop bodies, with the name of the
    /// Loop that holds it (`None` at the top level).
    pub fn all_nodes(&self) -> Vec<(Option<&str>, &FlowNode)> {
        let mut out = Vec::new();
        collect_nodes(self, None, &mut out);
        out
    }
}

fn collect_nodes<'a>(
    def: &'a FlowDefinition,
    parent: Option<&'a str>,
    out: &mut Vec<(Option<&'a str>, &'a FlowNode)>,
) {
    for node in &def.nodes {
        out.push((parent, node));
        if let Some(NodeConfiguration::Loop(l)) = &node.configuration {
            collect_nodes(&l.definition, Some(&node.name), out);
        }
    }
}

/// `FlowNode`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowNode {
    pub name: String,
    #[serde(rename = "type")]
    pub node_type: Lenient<NodeType>,
    /// Bedrock accepts a node without configuration (AWS's own samples omit it for Input,
    /// Output, Iterator and Collector); the compiler decides whether that is a problem.
    pub configuration: Option<NodeConfiguration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<FlowNodeInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<FlowNodeOutput>,
}

impl FlowNode {
    pub fn input(&self, name: &str) -> Option<&FlowNodeInput> {
        self.inputs.iter().find(|i| i.name == name)
    }

    pub fn output(&self, name: &str) -> Option<&FlowNodeOutput> {
        self.outputs.iter().find(|o| o.name == name)
    }

    pub fn kind(&self) -> Option<NodeType> {
        self.node_type.get()
    }
}

/// `FlowNodeInput`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowNodeInput {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: Lenient<DataType>,
    pub expression: String,
    pub category: Option<Lenient<InputCategory>>,
}

impl FlowNodeInput {
    pub fn new(name: &str, data_type: DataType) -> FlowNodeInput {
        FlowNodeInput {
            name: name.to_owned(),
            data_type: Lenient::Known(data_type),
            expression: "$.data".to_owned(),
            category: None,
        }
    }
}

/// `FlowNodeOutput`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowNodeOutput {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: Lenient<DataType>,
}

impl FlowNodeOutput {
    pub fn new(name: &str, data_type: DataType) -> FlowNodeOutput {
        FlowNodeOutput {
            name: name.to_owned(),
            data_type: Lenient::Known(data_type),
        }
    }
}

/// `FlowConnection`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowConnection {
    pub name: String,
    #[serde(rename = "type")]
    pub connection_type: Lenient<ConnectionType>,
    pub source: String,
    pub target: String,
    pub configuration: Option<ConnectionConfiguration>,
}

impl FlowConnection {
    /// A Data connection named the way the Bedrock console names them.
    pub fn data(source: &str, output: &str, target: &str, input: &str) -> FlowConnection {
        FlowConnection {
            name: format!("{source}{output}To{target}{input}"),
            connection_type: Lenient::Known(ConnectionType::Data),
            source: source.to_owned(),
            target: target.to_owned(),
            configuration: Some(ConnectionConfiguration::Data(DataConnection {
                source_output: output.to_owned(),
                target_input: input.to_owned(),
            })),
        }
    }

    /// A Conditional connection from a Condition node's condition.
    pub fn conditional(source: &str, condition: &str, target: &str) -> FlowConnection {
        FlowConnection {
            name: format!("{source}{condition}To{target}"),
            connection_type: Lenient::Known(ConnectionType::Conditional),
            source: source.to_owned(),
            target: target.to_owned(),
            configuration: Some(ConnectionConfiguration::Conditional(
                ConditionalConnection {
                    condition: condition.to_owned(),
                },
            )),
        }
    }

    pub fn data_ports(&self) -> Option<&DataConnection> {
        match &self.configuration {
            Some(ConnectionConfiguration::Data(d)) => Some(d),
            Some(ConnectionConfiguration::Conditional(_)) | None => None,
        }
    }

    pub fn condition(&self) -> Option<&str> {
        match &self.configuration {
            Some(ConnectionConfiguration::Conditional(c)) => Some(&c.condition),
            Some(ConnectionConfiguration::Data(_)) | None => None,
        }
    }
}

/// `FlowConnectionConfiguration` (a union: exactly one key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionConfiguration {
    Data(DataConnection),
    Conditional(ConditionalConnection),
}

/// `FlowDataConnectionConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataConnection {
    pub source_output: String,
    pub target_input: String,
}

/// `FlowConditionalConnectionConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionalConnection {
    pub condition: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_input_of_the_wrong_type_is_refused_before_the_run() {
        let flow: Flow = serde_json::from_value(json!({"name": "f", "definition": {"nodes": [
            {"name": "In", "type": "Input",
             "outputs": [{"name": "document", "type": "Object"}]}]}}))
        .expect("a flow");
        assert_eq!(flow.check_input(&json!({"message": "hi"})), Ok(()));
        assert_eq!(
            flow.check_input(&json!("hi")).map_err(|e| e.to_string()),
            Err("node In: output document is declared Object but the input is String".to_owned())
        );
        assert!(flow.check_input(&json!(null)).is_err());
    }
}
