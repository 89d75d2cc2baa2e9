//! Near-valid flows: built from the Input node outwards, every connection typed right.

use super::*;

impl Gen {
    /// A valid flow: Input, then a few steps each fed from earlier outputs, then Outputs.
    pub(super) fn structured(&mut self) -> FlowDefinition {
        let mut b = Builder::default();
        let mut input = (REGISTRY[0].new_node)("FlowInput");
        input.outputs[0].data_type = Lenient::Known(DataType::Object);
        b.add(input);
        let steps = 1 + self.below(7);
        for _ in 0..steps {
            match self.below(11) {
                0 | 1 => {
                    let mut node = self.fresh_node(NodeType::Prompt, "Ask");
                    node.inputs[0].data_type = Lenient::Known(*self.pick(&TYPES));
                    self.feed(&mut b, node);
                }
                2 => {
                    let mut node = self.fresh_node(NodeType::InlineCode, "Code");
                    node.outputs[0].data_type = Lenient::Known(*self.pick(&TYPES));
                    self.feed(&mut b, node);
                }
                3 => {
                    let mut node = self.fresh_node(NodeType::LambdaFunction, "Lambda");
                    if let Some(NodeConfiguration::LambdaFunction(c)) = &mut node.configuration {
                        c.lambda_arn =
                            "arn:aws:lambda:us-east-1:123456789012:function:step".to_owned();
                    }
                    self.feed(&mut b, node);
                }
                4 => {
                    let mut node = self.fresh_node(NodeType::KnowledgeBase, "Docs");
                    if let Some(NodeConfiguration::KnowledgeBase(c)) = &mut node.configuration {
                        c.knowledge_base_id = "KB12345678".to_owned();
                        if self.chance(0.5) {
                            c.model_id = Some("anthropic.claude-3-haiku-20240307-v1:0".to_owned());
                            node.outputs =
                                vec![FlowNodeOutput::new("outputText", DataType::String)];
                        }
                    }
                    self.feed(&mut b, node);
                }
                5 => {
                    let mut node = self.fresh_node(NodeType::Agent, "Agent");
                    if let Some(NodeConfiguration::Agent(c)) = &mut node.configuration {
                        c.agent_alias_arn =
                            "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS12345".to_owned();
                    }
                    self.feed(&mut b, node);
                }
                6 => {
                    let kind = if self.chance(0.5) {
                        NodeType::Storage
                    } else {
                        NodeType::Retrieval
                    };
                    let mut node = self.fresh_node(kind, "S3");
                    match &mut node.configuration {
                        Some(NodeConfiguration::Storage(c)) => {
                            c.service_configuration = s3("my-bucket");
                        }
                        Some(NodeConfiguration::Retrieval(c)) => {
                            c.service_configuration = s3("my-bucket");
                        }
                        _ => {}
                    }
                    self.feed(&mut b, node);
                }
                7 => {
                    let mut node = self.fresh_node(NodeType::Lex, "Lex");
                    if let Some(NodeConfiguration::Lex(c)) = &mut node.configuration {
                        c.bot_alias_arn =
                            "arn:aws:lex:us-east-1:123456789012:bot-alias/BOT1/ALIAS1".to_owned();
                    }
                    self.feed(&mut b, node);
                }
                8 => self.iterate(&mut b),
                9 => self.branch(&mut b),
                _ => self.looped(&mut b),
            }
        }
        // Outputs for a few of the outputs produced, always at least one.
        let count = 1 + self.below(3);
        for _ in 0..count {
            let (node, output, data_type) = self.pick(&b.sources).clone();
            let name = self.fresh("Out");
            let mut out = (NodeType::Output.kind().new_node)(&name);
            out.inputs[0].data_type = Lenient::Known(data_type);
            b.connections
                .push(FlowConnection::data(&node, &output, &name, "document"));
            b.add_node_only(out);
        }
        FlowDefinition {
            nodes: b.nodes,
            connections: b.connections,
        }
    }

    /// A new node of `kind`, named `base` and a fresh number.
    fn fresh_node(&mut self, kind: NodeType, base: &str) -> FlowNode {
        let name = self.fresh(base);
        (kind.kind().new_node)(&name)
    }

    /// Feeds each of `node`'s inputs from an earlier output, type-correctly, and adds it.
    fn feed(&mut self, b: &mut Builder, mut node: FlowNode) {
        for input in &mut node.inputs {
            let want = input.data_type.get().unwrap_or(DataType::String);
            let same: Vec<(String, String, DataType)> =
                b.sources.iter().filter(|s| s.2 == want).cloned().collect();
            let (src, out, expression) = if !same.is_empty() && self.chance(0.6) {
                let (n, o, _) = self.pick(&same).clone();
                (n, o, "$.data".to_owned())
            } else {
                let objects: Vec<(String, String, DataType)> = b
                    .sources
                    .iter()
                    .filter(|s| s.2 == DataType::Object)
                    .cloned()
                    .collect();
                let (n, o, _) = self.pick(&objects).clone();
                (n, o, format!("$.data.{}", self.fresh("field")))
            };
            input.expression = expression;
            b.connections
                .push(FlowConnection::data(&src, &out, &node.name, &input.name));
        }
        b.add(node);
    }

    /// Iterator → Prompt → Collector.
    fn iterate(&mut self, b: &mut Builder) {
        let it = self.fresh("Each");
        let step = self.fresh("PerItem");
        let col = self.fresh("Gather");
        let iterator = (NodeType::Iterator.kind().new_node)(&it);
        self.feed(b, iterator);
        let mut prompt = (NodeType::Prompt.kind().new_node)(&step);
        prompt.inputs[0].expression = "$.data".to_owned();
        b.connections
            .push(FlowConnection::data(&it, "arrayItem", &step, "topic"));
        b.add(prompt);
        let collector = (NodeType::Collector.kind().new_node)(&col);
        b.connections.push(FlowConnection::data(
            &step,
            "modelCompletion",
            &col,
            "arrayItem",
        ));
        b.connections
            .push(FlowConnection::data(&it, "arraySize", &col, "arraySize"));
        b.add(collector);
    }

    /// A Condition whose two conditions gate an Output each; the gated Output takes its
    /// document from a Data connection, or the value the Condition node forwards.
    fn branch(&mut self, b: &mut Builder) {
        let name = self.fresh("Route");
        let mut node = (NodeType::Condition.kind().new_node)(&name);
        if let Some(NodeConfiguration::Condition(c)) = &mut node.configuration {
            let expression = *self.pick(&[
                "value == \"yes\"",
                "value != \"\"",
                "(value == \"a\") or (value == \"b\")",
                "not (value == \"no\")",
                "value == \"ünïcödé 🙂\"",
            ]);
            c.conditions[0].expression = Some(expression.to_owned());
        }
        self.feed(b, node);
        for condition in ["matched", "default"] {
            let out = self.fresh("Branch");
            let mut output = (NodeType::Output.kind().new_node)(&out);
            b.connections
                .push(FlowConnection::conditional(&name, condition, &out));
            if self.chance(0.5) {
                output.inputs[0].data_type = Lenient::Known(DataType::String);
            } else {
                let (src, o, t) = self.pick(&b.sources).clone();
                output.inputs[0].data_type = Lenient::Known(t);
                b.connections
                    .push(FlowConnection::data(&src, &o, &out, "document"));
            }
            b.add_node_only(output);
        }
    }

    /// The palette's Loop, with unique body names, a body step and a condition that
    /// reads an input the controller has.
    fn looped(&mut self, b: &mut Builder) {
        let name = self.fresh("Loop");
        let mut node = (NodeType::Loop.kind().new_node)(&name);
        let start = format!("{name}Start");
        let end = format!("{name}End");
        let step = format!("{name}Step");
        if let Some(NodeConfiguration::Loop(l)) = &mut node.configuration {
            let body = &mut l.definition;
            for n in &mut body.nodes {
                n.name = match n.kind() {
                    Some(NodeType::LoopInput) => start.clone(),
                    _ => end.clone(),
                };
                if let Some(NodeConfiguration::LoopController(c)) = &mut n.configuration {
                    // A condition of its own, on the value the step returns.
                    c.continue_condition.expression = Some("text != \"stop\"".to_owned());
                }
            }
            let mut prompt = (NodeType::Prompt.kind().new_node)(&step);
            prompt.inputs[0].expression = "$.data".to_owned();
            body.nodes.push(prompt);
            body.connections = vec![
                FlowConnection::data(&start, "text", &step, "topic"),
                FlowConnection::data(&step, "modelCompletion", &end, "text"),
                FlowConnection::data(&start, "text", &end, "result"),
            ];
        }
        self.feed(b, node);
    }
}

fn s3(bucket: &str) -> strata::nodes::storage::S3Service {
    strata::nodes::storage::S3Service::S3(strata::nodes::storage::S3Bucket {
        bucket_name: bucket.to_owned(),
    })
}

#[derive(Default)]
struct Builder {
    nodes: Vec<FlowNode>,
    connections: Vec<FlowConnection>,
    /// (node, output, type) of every output so far.
    sources: Vec<(String, String, DataType)>,
}

impl Builder {
    fn add(&mut self, node: FlowNode) {
        for o in &node.outputs {
            if let Some(t) = o.data_type.get() {
                self.sources.push((node.name.clone(), o.name.clone(), t));
            }
        }
        self.nodes.push(node);
    }

    fn add_node_only(&mut self, node: FlowNode) {
        self.nodes.push(node);
    }
}
