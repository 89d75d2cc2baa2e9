//! Agent: hands its input to a Bedrock agent (one of the project's, or a deployed alias) and outputs the reply.

use super::deployment::{Access, ProjectRefs};
use crate::model::names::{Field, Pattern};
use super::form::{FormField, Widget};
use super::{Category, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports};
use crate::diagnostic::{Diagnostics, Location};
use crate::model::flow::{FlowNode, FlowNodeInput, FlowNodeOutput};
use crate::model::lenient::Lenient;
use crate::model::DataType;
use serde::{Deserialize, Serialize};

pub static KIND: NodeKind = NodeKind {
    node_type: NodeType::Agent,
    config_key: NodeType::Agent.config_key(),
    summary: "Sends its input to an agent (one of this project's, or a deployed alias ARN) and outputs the agent's reply.",
    category: Category::Ai,
    icon: "☺",
    colour: "#805ad5",
    config_required: true,
    allowed_in_loop: true,
    loop_only: false,
    ports,
    new_node,
    check,
    form: FORM,
    access,
    strip_local,
};

/// The fields the inspector edits.
const FORM: &[FormField] = &[
    FormField::new(&["projectAgent"], "Project agent", Widget::ProjectAgent)
        .optional()
        .help("Strata only: an agent of this project; export fills the alias ARN from its deployment."),
    FormField::text(&["agentAliasArn"], "Agent alias ARN", 0, 2048, Some(Pattern::AgentAliasArn))
        .help("A deployed agent alias; may stay empty while a project agent is chosen."),
];

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
    Ports {
        inputs: PortRule::Fixed(vec![
            PortSpec::new("agentInputText", Some(DataType::String)),
            PortSpec::optional("promptAttributes", Some(DataType::Object)),
            PortSpec::optional("sessionAttributes", Some(DataType::Object)),
        ]),
        outputs: PortRule::Fixed(vec![PortSpec::new("agentResponse", Some(DataType::String))]),
    }
}

fn new_node(name: &str) -> FlowNode {
    FlowNode {
        name: name.to_owned(),
        node_type: Lenient::Known(NodeType::Agent),
        configuration: Some(NodeConfiguration::Agent(AgentConfiguration {
            agent_alias_arn: String::new(),
            project_agent: None,
        })),
        inputs: vec![FlowNodeInput::new("agentInputText", DataType::String)],
        outputs: vec![FlowNodeOutput::new("agentResponse", DataType::String)],
    }
}

fn check(node: &FlowNode, out: &mut Diagnostics, at: &Location) {
    let Some(NodeConfiguration::Agent(c)) = &node.configuration else {
        return;
    };
    if c.project_agent.is_some() && c.agent_alias_arn.is_empty() {
        return;
    }
    Field::new("agentAliasArn", 0, 2048)
        .pattern(Pattern::AgentAliasArn)
        .draft_empty()
        .check(out, at, &c.agent_alias_arn);
}

fn access(config: &NodeConfiguration) -> Vec<Access<'_>> {
    let NodeConfiguration::Agent(c) = config else {
        return vec![];
    };
    vec![Access::Agent {
        project_agent: c
            .project_agent
            .as_deref()
            .filter(|_| c.agent_alias_arn.is_empty()),
        alias_arn: &c.agent_alias_arn,
    }]
}

/// `projectAgent` is Strata's: an empty alias ARN gets the project agent's alias.
fn strip_local(config: &mut NodeConfiguration, refs: &dyn ProjectRefs) {
    let NodeConfiguration::Agent(c) = config else {
        return;
    };
    if let Some(agent) = c.project_agent.take() {
        if c.agent_alias_arn.is_empty() {
            c.agent_alias_arn = refs.agent_alias(&agent);
        }
    }
}
