//! Small breakages of a flow built valid: a connection, a name, a type or a setting changed.

use super::*;

impl Gen {
    pub(super) fn mutate(&mut self, def: &mut FlowDefinition) {
        let n = def.nodes.len();
        match self.below(12) {
            0 if !def.connections.is_empty() => {
                let i = self.below(def.connections.len());
                def.connections.remove(i);
            }
            1 if !def.connections.is_empty() => {
                let mut c = self.pick(&def.connections).clone();
                if self.chance(0.5) {
                    c.name = self.fresh("Copy");
                }
                def.connections.push(c);
            }
            2 if n > 1 => {
                // A back edge: from a later node's output to an earlier node's input.
                let a = self.below(n);
                let z = self.below(n);
                let (from, to) = (a.max(z), a.min(z));
                if let (Some(o), Some(i)) = (
                    def.nodes[from].outputs.first(),
                    def.nodes[to].inputs.first(),
                ) {
                    let c = FlowConnection::data(
                        &def.nodes[from].name,
                        &o.name,
                        &def.nodes[to].name,
                        &i.name,
                    );
                    def.connections.push(c);
                }
            }
            3 if n > 0 => {
                let e = self.expression();
                let node = &mut def.nodes[self.rng.random_range(0..n)];
                if let Some(input) = node.inputs.first_mut() {
                    input.expression = e;
                }
            }
            4 if n > 0 => {
                let t = self.data_type();
                let node = &mut def.nodes[self.rng.random_range(0..n)];
                if let Some(input) = node.inputs.first_mut() {
                    input.data_type = t;
                } else if let Some(output) = node.outputs.first_mut() {
                    output.data_type = t;
                }
            }
            5 if n > 0 => {
                let name = self.name("Renamed");
                let i = self.below(n);
                def.nodes[i].name = name;
            }
            6 if n > 0 => {
                let i = self.below(n);
                def.nodes.remove(i);
            }
            7 if n > 0 => {
                let i = self.below(n);
                def.nodes[i].configuration = None;
            }
            8 => {
                for i in 0..n {
                    let inputs: Vec<String> =
                        def.nodes[i].inputs.iter().map(|x| x.name.clone()).collect();
                    let expression = self.condition_expression(&inputs, 0);
                    if let Some(NodeConfiguration::Condition(c)) = &mut def.nodes[i].configuration {
                        if let Some(first) = c.conditions.first_mut() {
                            first.expression = Some(expression);
                            break;
                        }
                    }
                }
            }
            9 => {
                let c = self.random_connection(def, &[]);
                def.connections.push(c);
            }
            10 if n > 0 => {
                let i = self.below(n);
                let mut node = def.nodes[i].clone();
                self.mutate_node(&mut node, 0, &[]);
                def.nodes[i] = node;
            }
            _ => {
                // Nodes in a different order change nothing Bedrock checks.
                let len = def.nodes.len();
                if len > 1 {
                    let a = self.below(len);
                    let z = self.below(len);
                    def.nodes.swap(a, z);
                }
            }
        }
    }
}
