//! The compiler: a project in, every diagnostic and an execution plan per flow out.
//!
//! It never stops at the first problem. A flow gets a plan only when it has no errors;
//! the diagnostics say why when it does not.

pub mod agents;
#[cfg(feature = "runtime")]
mod documents;
mod flow;
pub mod handlers;
pub mod plan;
mod resources;

use crate::diagnostic::{Code, Diagnostic, Diagnostics, Location};
use crate::model::names::{check_name, Pattern};
use crate::model::Project;
use crate::nodes::NodeConfiguration;
pub use plan::{FlowPlan, Gate, InputSource, InputWiring, PlanNode, PlanNodeId};
use std::collections::HashSet;

/// What compiling a project gives.
#[derive(Debug)]
pub struct Compiled {
    /// One plan per flow that has no errors, in project order.
    pub plans: Vec<FlowPlan>,
    /// Every problem found, in project order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn plan(&self, flow: &str) -> Option<&FlowPlan> {
        self.plans.iter().find(|p| p.flow_name() == flow)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// The names of one kind of thing that must differ (flows, nodes, inputs…): the second use of
/// a name is a diagnostic, "two flows are named \"x\"".
pub(crate) struct DistinctNames<'a> {
    seen: HashSet<&'a str>,
    /// The things, in the plural: `flows`.
    things: &'static str,
    code: Code,
    hint: Option<&'static str>,
}

impl<'a> DistinctNames<'a> {
    /// Names that must differ, [`Code::DuplicateName`] when they do not.
    pub(crate) fn new(things: &'static str) -> Self {
        DistinctNames {
            seen: HashSet::new(),
            things,
            code: Code::DuplicateName,
            hint: None,
        }
    }

    pub(crate) fn code(self, code: Code) -> Self {
        DistinctNames { code, ..self }
    }

    pub(crate) fn hint(self, hint: &'static str) -> Self {
        DistinctNames {
            hint: Some(hint),
            ..self
        }
    }

    /// Takes `name`, the name of the thing at `at`; reports it when it was taken before.
    pub(crate) fn check(&mut self, name: &'a str, at: &Location, out: &mut Diagnostics) {
        if self.seen.insert(name) {
            return;
        }
        let things = self.things;
        let d = out.report(
            self.code,
            at.clone(),
            format!("two {things} are named {name:?}"),
        );
        if let Some(hint) = self.hint {
            d.set_hint(hint);
        }
    }
}

/// Compiles a whole project.
pub fn compile(project: &Project) -> Compiled {
    let mut out = Diagnostics::default();
    let mut plans = Vec::new();
    let mut flow_names = DistinctNames::new("flows").hint("Rename one of them.");
    for f in &project.flows {
        let at = Location::flow(&f.name);
        check_name(
            &mut out,
            at.clone(),
            "flow name",
            &f.name,
            Pattern::ResourceName,
        );
        flow_names.check(&f.name, &at, &mut out);
        if let Some(d) = &f.description {
            crate::model::names::Field::new("description", 1, 200).check(&mut out, &at, d);
        }
        if let Some(role) = &f.execution_role_arn {
            crate::model::names::Field::new("executionRoleArn", 0, 2048)
                .pattern(Pattern::RoleArn)
                .check(&mut out, &at, role);
        }
        let before = out.len();
        let plan = flow::compile_flow(project, f, &mut out);
        check_references(project, f, &mut out);
        let flow_has_errors = out.as_slice()[before..].iter().any(Diagnostic::is_error);
        if let (Some(plan), false) = (plan, flow_has_errors) {
            plans.push(plan);
        }
    }
    let mut agent_names = DistinctNames::new("agents").hint("Rename one of them.");
    for a in &project.agents {
        agent_names.check(&a.agent_name, &Location::agent(&a.agent_name), &mut out);
        agents::check_agent(project, a, &mut out);
    }
    handlers::check(project, &mut out);
    resources::check_resources(project, &mut out);
    Compiled {
        plans,
        diagnostics: out.into_vec(),
    }
}

/// [`compile`], plus what only this machine can tell: local handlers that resolve (through
/// symbolic links) outside `project_dir`, the folder holding the project file, and handler
/// files or knowledge-base documents folders that are not there.
#[cfg(feature = "runtime")]
pub fn compile_in(project: &Project, project_dir: &std::path::Path) -> Compiled {
    let mut compiled = compile(project);
    compiled
        .diagnostics
        .extend(handlers::check_on_disk(project, project_dir));
    compiled
        .diagnostics
        .extend(documents::check_on_disk(project, project_dir));
    compiled
}

/// References from a flow to the project's agents.
fn check_references(project: &Project, f: &crate::model::Flow, out: &mut Diagnostics) {
    {
        for (loop_node, node) in f.definition.all_nodes() {
            let Some(NodeConfiguration::Agent(c)) = &node.configuration else {
                continue;
            };
            if let Some(name) = &c.project_agent {
                if project.reaches_harness(name) {
                    let mut at = Location::flow(&f.name).node(&node.name);
                    at.loop_node = loop_node.map(str::to_owned);
                    report_agentcore_node(name, &c.agent_alias_arn, at, out);
                }
                if project.agent(name).is_none() {
                    let mut at = Location::flow(&f.name).node(&node.name);
                    at.loop_node = loop_node.map(str::to_owned);
                    let known: Vec<&str> = project.agent_names();
                    out.report(
                        Code::UnknownAgentReference,
                        at.field("agent.projectAgent"),
                        format!("the node runs agent {name:?}, which the project does not define"),
                    )
                    .set_hint(if known.is_empty() {
                        "Define the agent in the project, or set agentAliasArn to a deployed alias."
                            .to_owned()
                    } else {
                        format!("The project's agents are: {}.", known.join(", "))
                    });
                }
            }
        }
    }
}

/// Which way an Agent node on a project agent that targets AgentCore deploys: Bedrock Flows
/// reach only Classic agent aliases.
fn report_agentcore_node(agent: &str, alias_arn: &str, at: Location, out: &mut Diagnostics) {
    if alias_arn.is_empty() {
        out.report(
            Code::AgentNodeOnAgentCore,
            at.field("agent.projectAgent"),
            format!(
                "agent {agent:?} targets AgentCore, which flows cannot call as an agent: the export makes this node a LambdaFunction node whose generated function calls InvokeHarness on {agent:?}'s harness (local runs still run the agent)"
            ),
        )
        .set_hint(
            "To keep calling a Classic agent alias instead, set agentAliasArn on the node."
                .to_owned(),
        );
    } else {
        out.report(
            Code::AgentNodeOnAgentCore,
            at.field("agent.agentAliasArn"),
            format!(
                "agent {agent:?} targets AgentCore, but this node keeps the Classic alias it names: the deployed flow calls that alias, not {agent:?}'s harness"
            ),
        )
        .set_hint(
            "Clear agentAliasArn to call the agent's AgentCore harness through a generated Lambda function."
                .to_owned(),
        );
    }
}
