//! Chaos: any nodes of any kind, with random names, ports, settings and connections.

use super::*;

impl Gen {
    pub(super) fn chaos(&mut self, depth: usize, outer: &[String]) -> FlowDefinition {
        let n = self.below(if depth == 0 { 12 } else { 6 });
        let mut nodes = Vec::with_capacity(n);
        for _ in 0..n {
            let kind = *self.pick(REGISTRY);
            let name = self.name(kind.name());
            let mut node = (kind.new_node)(&name);
            self.mutate_node(&mut node, depth, outer);
            nodes.push(node);
        }
        let mut def = FlowDefinition {
            nodes,
            connections: vec![],
        };
        let m = self.below(2 * n + 3);
        for _ in 0..m {
            let c = self.random_connection(&def, outer);
            def.connections.push(c);
        }
        def
    }

    fn endpoint(&mut self, def: &FlowDefinition, outer: &[String]) -> String {
        match self.below(12) {
            0 => (*self.pick(GARBAGE_NAMES)).to_owned(),
            1 if !outer.is_empty() => self.pick(outer).clone(),
            _ if !def.nodes.is_empty() => self.pick(&def.nodes).name.clone(),
            _ => "Nowhere".to_owned(),
        }
    }

    pub(super) fn random_connection(
        &mut self,
        def: &FlowDefinition,
        outer: &[String],
    ) -> FlowConnection {
        let source = self.endpoint(def, outer);
        let target = self.endpoint(def, outer);
        let src = def.nodes.iter().find(|n| n.name == source);
        let tgt = def.nodes.iter().find(|n| n.name == target);
        let conditional = self.chance(0.25);
        let output = match src {
            Some(n) if !n.outputs.is_empty() && !self.chance(0.1) => {
                self.pick(&n.outputs).name.clone()
            }
            _ => self.name("out"),
        };
        let input = match tgt {
            Some(n) if !n.inputs.is_empty() && !self.chance(0.1) => {
                self.pick(&n.inputs).name.clone()
            }
            _ => self.name("in"),
        };
        let condition = match src.and_then(|n| match &n.configuration {
            Some(NodeConfiguration::Condition(c)) if !c.conditions.is_empty() => {
                Some(c.conditions.clone())
            }
            _ => None,
        }) {
            Some(conds) if !self.chance(0.1) => self.pick(&conds).name.clone(),
            _ => (*self.pick(&["default", "matched", "nope"])).to_owned(),
        };
        let mut c = if conditional {
            FlowConnection::conditional(&source, &condition, &target)
        } else {
            FlowConnection::data(&source, &output, &target, &input)
        };
        match self.below(30) {
            0 => c.configuration = None,
            1 => c.connection_type = Lenient::Unknown("Streaming".to_owned()),
            2 => {
                c.configuration = Some(if conditional {
                    ConnectionConfiguration::Data(DataConnection {
                        source_output: output,
                        target_input: input,
                    })
                } else {
                    ConnectionConfiguration::Conditional(ConditionalConnection { condition })
                })
            }
            3 => c.name = (*self.pick(GARBAGE_NAMES)).to_owned(),
            4 => c.name = "Dup".to_owned(),
            _ => {}
        }
        c
    }

    pub(super) fn mutate_node(&mut self, node: &mut FlowNode, depth: usize, outer: &[String]) {
        if self.chance(0.03) {
            node.node_type = Lenient::Unknown("Quantum".to_owned());
        }
        if self.chance(0.05) {
            node.configuration = None;
        }
        for input in &mut node.inputs {
            if self.chance(0.3) {
                input.expression = self.expression();
            }
            if self.chance(0.15) {
                input.data_type = self.data_type();
            }
            if self.chance(0.1) {
                input.category = Some(if self.chance(0.1) {
                    Lenient::Unknown("Sometimes".to_owned())
                } else {
                    Lenient::Known(*self.pick(InputCategory::VALUES))
                });
            }
        }
        for output in &mut node.outputs {
            if self.chance(0.15) {
                output.data_type = self.data_type();
            }
        }
        if self.chance(0.2) {
            let name = self.name("extra");
            let data_type = self.data_type();
            let expression = self.expression();
            node.inputs.push(FlowNodeInput {
                name,
                data_type,
                expression,
                category: None,
            });
        }
        if self.chance(0.1) && !node.inputs.is_empty() {
            let i = self.below(node.inputs.len());
            node.inputs.remove(i);
        }
        if self.chance(0.1) {
            let name = self.name("more");
            let data_type = self.data_type();
            node.outputs.push(FlowNodeOutput { name, data_type });
        }
        if self.chance(0.1) && !node.outputs.is_empty() {
            let i = self.below(node.outputs.len());
            node.outputs.remove(i);
        }
        if self.chance(0.02) {
            let count = 3 + self.below(25);
            for _ in 0..count {
                let name = self.fresh("many");
                node.inputs
                    .push(FlowNodeInput::new(&name, DataType::String));
            }
        }
        let inputs: Vec<String> = node.inputs.iter().map(|i| i.name.clone()).collect();
        let own_name = node.name.clone();
        match &mut node.configuration {
            Some(NodeConfiguration::Condition(c)) if self.chance(0.8) => {
                let count = self.below(8);
                c.conditions.clear();
                for _ in 0..count {
                    let name = if self.chance(0.25) {
                        "default".to_owned()
                    } else {
                        self.name("cond")
                    };
                    let expression = if self.chance(0.15) {
                        None
                    } else {
                        Some(self.condition_expression(&inputs, 0))
                    };
                    c.conditions.push(FlowCondition { name, expression });
                }
            }
            Some(NodeConfiguration::LoopController(c)) if self.chance(0.5) => {
                c.continue_condition.expression = if self.chance(0.1) {
                    None
                } else {
                    Some(self.condition_expression(&inputs, 0))
                };
                if self.chance(0.2) {
                    c.max_iterations = Some(self.rng.random_range(0..2000));
                }
            }
            Some(NodeConfiguration::Prompt(p)) if self.chance(0.4) => {
                if let PromptSource::Inline(inline) = &mut p.source_configuration {
                    if let TemplateConfiguration::Text(t) = &mut inline.template_configuration {
                        let mut text = String::from("Say ");
                        for _ in 0..self.below(4) {
                            let var = if !inputs.is_empty() && self.chance(0.7) {
                                self.pick(&inputs).clone()
                            } else {
                                self.name("var")
                            };
                            text.push_str(&format!("{{{{{var}}}}} and "));
                        }
                        if self.chance(0.1) {
                            text.push_str("{{unclosed");
                        }
                        t.text = text;
                    }
                }
            }
            Some(NodeConfiguration::Loop(l)) if depth < 2 => {
                let mut names: Vec<String> = outer.to_vec();
                names.push(own_name);
                match self.below(3) {
                    0 => l.definition = self.chaos(depth + 1, &names),
                    1 => {
                        for _ in 0..self.below(4) {
                            let kind = *self.pick(REGISTRY);
                            let name = self.name(kind.name());
                            let mut inner = (kind.new_node)(&name);
                            self.mutate_node(&mut inner, depth + 1, &names);
                            l.definition.nodes.push(inner);
                        }
                        for _ in 0..self.below(4) {
                            let c = self.random_connection(&l.definition, &names);
                            l.definition.connections.push(c);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}
