//! Small flows written as Bedrock JSON: a project around definitions, and the nodes and
//! connections most tests are made of.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use serde_json::{json, Value};
use strata::model::Project;

pub const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// A one-flow project, the flow named `main`.
pub fn project(definition: Value) -> Project {
    project_of(vec![("main", definition)])
}

/// A project of the named flows.
pub fn project_of(flows: Vec<(&str, Value)>) -> Project {
    let flows: Vec<Value> = flows
        .into_iter()
        .map(|(name, definition)| json!({"name": name, "definition": definition}))
        .collect();
    serde_json::from_value(json!({"schemaVersion": 1, "name": "t", "flows": flows}))
        .expect("test project is well-formed")
}

/// The Input node `FlowInput`, its `document` of type `ty`.
pub fn input_node(ty: &str) -> Value {
    json!({"name": "FlowInput", "type": "Input", "configuration": {"input": {}},
           "outputs": [{"name": "document", "type": ty}]})
}

/// An Output node whose `document` of type `ty` is the whole of what it receives.
pub fn output_node(name: &str, ty: &str) -> Value {
    json!({"name": name, "type": "Output", "configuration": {"output": {}},
           "inputs": [{"name": "document", "type": ty, "expression": "$.data"}]})
}

/// A TEXT Prompt node on [`MODEL`] with one String input `var`.
pub fn prompt_node(name: &str, text: &str, var: &str, expression: &str) -> Value {
    json!({"name": name, "type": "Prompt",
           "configuration": {"prompt": {"sourceConfiguration": {"inline": {
               "templateType": "TEXT",
               "templateConfiguration": {"text": {"text": text}},
               "modelId": MODEL}}}},
           "inputs": [{"name": var, "type": "String", "expression": expression}],
           "outputs": [{"name": "modelCompletion", "type": "String"}]})
}

/// An Iterator node over the Array `array`, giving String items.
pub fn iterator_node(name: &str) -> Value {
    json!({"name": name, "type": "Iterator", "configuration": {"iterator": {}},
           "inputs": [{"name": "array", "type": "Array", "expression": "$.data"}],
           "outputs": [{"name": "arrayItem", "type": "String"},
                       {"name": "arraySize", "type": "Number"}]})
}

/// A Collector node gathering String items into `collectedArray`.
pub fn collector_node(name: &str) -> Value {
    json!({"name": name, "type": "Collector", "configuration": {"collector": {}},
           "inputs": [{"name": "arrayItem", "type": "String", "expression": "$.data"},
                      {"name": "arraySize", "type": "Number", "expression": "$.data"}],
           "outputs": [{"name": "collectedArray", "type": "Array"}]})
}

/// An Agent node whose `agent` configuration is `agent` (`{"agentAliasArn": …}` or
/// `{"projectAgent": …}`), its `agentInputText` the whole of what it receives.
pub fn agent_node(name: &str, agent: Value) -> Value {
    json!({"name": name, "type": "Agent", "configuration": {"agent": agent},
           "inputs": [{"name": "agentInputText", "type": "String", "expression": "$.data"}],
           "outputs": [{"name": "agentResponse", "type": "String"}]})
}

/// FlowInput (String) → the Agent node `name` ([`agent_node`]) → Output `FlowOutputNode`.
pub fn agent_flow(name: &str, agent: Value) -> Value {
    json!({
        "nodes": [
            input_node("String"),
            agent_node(name, agent),
            output_node("FlowOutputNode", "String"),
        ],
        "connections": [
            data("FlowInput", "document", name, "agentInputText"),
            data(name, "agentResponse", "FlowOutputNode", "document"),
        ]
    })
}

/// A Data connection from `source.output` to `target.input`.
pub fn data(source: &str, output: &str, target: &str, input: &str) -> Value {
    json!({"name": format!("{source}{output}To{target}{input}"), "type": "Data",
           "source": source, "target": target,
           "configuration": {"data": {"sourceOutput": output, "targetInput": input}}})
}

/// A Conditional connection taken when `condition` of `source` holds.
pub fn conditional(source: &str, condition: &str, target: &str) -> Value {
    json!({"name": format!("{source}{condition}To{target}"), "type": "Conditional",
           "source": source, "target": target,
           "configuration": {"conditional": {"condition": condition}}})
}

/// Input → Iterator `Each` → `step` → Collector `Gather` → Output `All`: `step` (a node
/// whose String input `input` takes each item, and whose `modelCompletion` is collected) runs
/// once per item of the input array.
pub fn iterate_and_collect(step: Value, input: &str) -> Project {
    let name = step["name"]
        .as_str()
        .expect("the step has a name")
        .to_owned();
    project(json!({
        "nodes": [
            input_node("Array"),
            iterator_node("Each"),
            step,
            collector_node("Gather"),
            output_node("All", "Array"),
        ],
        "connections": [
            data("FlowInput", "document", "Each", "array"),
            data("Each", "arrayItem", &name, input),
            data("Each", "arraySize", "Gather", "arraySize"),
            data(&name, "modelCompletion", "Gather", "arrayItem"),
            data("Gather", "collectedArray", "All", "document"),
        ]
    }))
}

/// A project file of `steps` Prompt nodes in a chain between an Input and an Output.
pub fn chain_project(steps: usize) -> Value {
    let names: Vec<String> = std::iter::once("FlowInput".to_owned())
        .chain((0..steps).map(|i| format!("Step{i}")))
        .chain(std::iter::once("FlowOutput".to_owned()))
        .collect();
    let mut nodes = vec![input_node("String")];
    nodes.extend(
        names[1..=steps]
            .iter()
            .map(|name| prompt_node(name, "Improve: {{text}}", "text", "$.data")),
    );
    nodes.push(output_node("FlowOutput", "String"));
    let connections: Vec<Value> = names
        .windows(2)
        .map(|pair| {
            let output = if pair[0] == "FlowInput" {
                "document"
            } else {
                "modelCompletion"
            };
            let input = if pair[1] == "FlowOutput" {
                "document"
            } else {
                "text"
            };
            data(&pair[0], output, &pair[1], input)
        })
        .collect();
    serde_json::to_value(project(json!({"nodes": nodes, "connections": connections})))
        .expect("a project serialises")
}
