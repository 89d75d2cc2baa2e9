//! Drawing a flow as text: Graphviz dot and Mermaid, for docs and reviews.

use crate::model::flow::{ConnectionConfiguration, Flow, FlowDefinition};
use crate::nodes::NodeConfiguration;
use std::fmt::Write;

/// Graphviz dot. Loop bodies are clusters.
pub fn to_dot(flow: &Flow) -> String {
    let mut s = format!(
        "digraph {} {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n",
        quote(&flow.name)
    );
    dot_definition(&flow.definition, &mut s, 1);
    s.push_str("}\n");
    s
}

fn dot_definition(def: &FlowDefinition, s: &mut String, depth: usize) {
    let pad = "  ".repeat(depth);
    for n in &def.nodes {
        let _ = writeln!(
            s,
            "{pad}{} [label={}];",
            quote(&n.name),
            quote(&format!("{}\\n{}", n.name, n.node_type.as_str()))
        );
        if let Some(NodeConfiguration::Loop(l)) = &n.configuration {
            let _ = writeln!(
                s,
                "{pad}subgraph {} {{\n{pad}  label={};",
                quote(&format!("cluster_{}", n.name)),
                quote(&n.name)
            );
            dot_definition(&l.definition, s, depth + 1);
            let _ = writeln!(s, "{pad}}}");
        }
    }
    for c in &def.connections {
        let label = match &c.configuration {
            Some(ConnectionConfiguration::Data(d)) => {
                format!("{} → {}", d.source_output, d.target_input)
            }
            Some(ConnectionConfiguration::Conditional(k)) => format!("if {}", k.condition),
            None => String::new(),
        };
        let style = if matches!(
            c.configuration,
            Some(ConnectionConfiguration::Conditional(_))
        ) {
            ", style=dashed"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "{pad}{} -> {} [label={}{style}];",
            quote(&c.source),
            quote(&c.target),
            quote(&label)
        );
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Mermaid flowchart. Loop bodies are subgraphs.
pub fn to_mermaid(flow: &Flow) -> String {
    let mut s = String::from("flowchart LR\n");
    mermaid_definition(&flow.definition, &mut s, 1);
    s
}

fn mermaid_definition(def: &FlowDefinition, s: &mut String, depth: usize) {
    let pad = "  ".repeat(depth);
    for n in &def.nodes {
        let label = format!("{}<br/><small>{}</small>", n.name, n.node_type.as_str());
        let shape = match n.kind() {
            Some(crate::nodes::NodeType::Condition) => format!("{{\"{label}\"}}"),
            Some(crate::nodes::NodeType::Input | crate::nodes::NodeType::Output) => {
                format!("([\"{label}\"])")
            }
            _ => format!("[\"{label}\"]"),
        };
        let _ = writeln!(s, "{pad}{}{shape}", n.name);
        if let Some(NodeConfiguration::Loop(l)) = &n.configuration {
            let _ = writeln!(s, "{pad}subgraph {}_body [\"{} body\"]", n.name, n.name);
            mermaid_definition(&l.definition, s, depth + 1);
            let _ = writeln!(s, "{pad}end");
        }
    }
    for c in &def.connections {
        match &c.configuration {
            Some(ConnectionConfiguration::Conditional(k)) => {
                let _ = writeln!(s, "{pad}{} -. {} .-> {}", c.source, k.condition, c.target);
            }
            Some(ConnectionConfiguration::Data(d)) => {
                let _ = writeln!(
                    s,
                    "{pad}{} -- \"{} → {}\" --> {}",
                    c.source, d.source_output, d.target_input, c.target
                );
            }
            None => {
                let _ = writeln!(s, "{pad}{} --> {}", c.source, c.target);
            }
        }
    }
}
