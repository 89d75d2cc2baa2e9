//! Agent: hands its input to a Bedrock agent (one of the project's, or a deployed alias) and outputs the reply.

use super::deployment::{Access, ProjectRefs, Redeployed};
use super::form::{FormField, Widget};
use super::fresh_node;
use super::lambda_function::LambdaFunctionConfiguration;
use super::{Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::model::names::Pattern;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Agent,
    Category::Ai,
    "☺",
    "#805ad5",
    "Sends its input to an agent (one of this project's, or a deployed alias ARN) and outputs the agent's reply.",
    ports,
    new_node,
)
.configured::<AgentConfiguration>()
.with_form(FORM);

/// The fields the inspector edits.
const FORM: &[FormField] = &[
    FormField::new(&["projectAgent"], "Project agent", Widget::ProjectAgent)
        .optional()
        .help("Strata only: an agent of this project; export fills the alias ARN from its deployment."),
    AGENT_ALIAS_ARN,
];

/// The field the inspector edits and the check reads.
const AGENT_ALIAS_ARN: FormField = FormField::text(
    &["agentAliasArn"],
    "Agent alias ARN",
    0,
    2048,
    Some(Pattern::AgentAliasArn),
)
.help("A deployed agent alias; may stay empty while a project agent is chosen.");

/// `AgentFlowNodeConfiguration`, plus the project agent it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentConfiguration {
    /// The deployed alias. May stay empty while `projectAgent` is set: export fills it.
    #[serde(default)]
    pub agent_alias_arn: String,
    /// Strata only: the name of an agent defined in this project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_agent: Option<String>,
}

fn ports(_: &FlowNode) -> Ports {
    Ports::fixed(
        &[
            PortSpec::new("agentInputText", Some(DataType::String)),
            PortSpec::optional("promptAttributes", Some(DataType::Object)),
            PortSpec::optional("sessionAttributes", Some(DataType::Object)),
        ],
        &[PortSpec::new("agentResponse", Some(DataType::String))],
    )
}

fn new_node(name: &str) -> FlowNode {
    let config = AgentConfiguration {
        agent_alias_arn: String::new(),
        project_agent: None,
    };
    fresh_node(name, NodeConfiguration::Agent(config))
}

impl KindConfiguration for AgentConfiguration {
    fn check(&self, _: &FlowNode, out: &mut Diagnostics, at: &Location) {
        if self.project_agent.is_some() && self.agent_alias_arn.is_empty() {
            return;
        }
        AGENT_ALIAS_ARN.check_text(out, at, &self.agent_alias_arn);
    }

    fn access(&self) -> Vec<Access<'_>> {
        vec![Access::Agent {
            project_agent: self
                .project_agent
                .as_deref()
                .filter(|_| self.agent_alias_arn.is_empty()),
            alias_arn: &self.agent_alias_arn,
        }]
    }

    /// `projectAgent` is Strata's: an empty alias ARN gets the project agent's alias.
    /// A node that runs a project agent targeting AgentCore (and names no alias of its own)
    /// becomes a LambdaFunction node calling the generated InvokeHarness function: Bedrock
    /// flows reach only Classic agent aliases. An `agentAliasArn` set by hand keeps Classic.
    fn deploy_as(&self, refs: &dyn ProjectRefs) -> Option<Redeployed> {
        let agent = self
            .project_agent
            .as_deref()
            .filter(|_| self.agent_alias_arn.is_empty())?;
        let lambda_arn = refs.harness_invoker(agent)?;
        Some(Redeployed {
            configuration: NodeConfiguration::LambdaFunction(LambdaFunctionConfiguration {
                lambda_arn,
                local_handler: None,
            }),
            renamed_outputs: vec![("agentResponse", "functionResponse")],
        })
    }

    fn strip_local(&mut self, refs: &dyn ProjectRefs) {
        if let Some(agent) = self.project_agent.take() {
            if self.agent_alias_arn.is_empty() {
                self.agent_alias_arn = refs.agent_alias(&agent);
            }
        }
    }
}
