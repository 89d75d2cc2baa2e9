//! One export, as text: the format chosen, the flow or agent it is about, the text a front end
//! writes or shows, and the notes that go with it. `strata export` and the app's export dialog
//! both call [`render`]; neither decides on its own what a format holds.

use super::{export_agent_json, export_cloudformation_with, export_flow_json, History, Result};
use crate::model::Project;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every format an export can take. `strata export --format` takes these names, and its help
/// shows the first paragraph of each variant's comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// CloudFormation template, YAML (also `cfn-yaml`).
    #[cfg_attr(feature = "cli", value(alias = "cfn-yaml"))]
    Cloudformation,
    /// CloudFormation template, JSON (also `cfn-json`).
    #[cfg_attr(feature = "cli", value(alias = "cfn-json"))]
    CloudformationJson,
    /// CreateFlow request JSON.
    ///
    /// It holds one flow.
    FlowJson,
    /// {createAgent, actionGroups, knowledgeBases, collaborators} request JSON.
    ///
    /// It holds one agent.
    AgentJson,
    /// Amazon Bedrock AgentCore CloudFormation template (harness, gateway, targets, endpoint,
    /// roles), YAML.
    ///
    /// It holds every agent, or the one named.
    AgentcoreCfnYaml,
    /// Amazon Bedrock AgentCore CloudFormation template, JSON.
    AgentcoreCfnJson,
    /// {createHarness, createGateway, createGatewayTargets, createHarnessEndpoints} request JSON.
    ///
    /// It holds one agent.
    AgentcoreJson,
}

/// What a format is about: the whole project, one flow or one agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Project,
    Flow,
    Agent,
}

impl Format {
    /// Every format, in the order a chooser lists them.
    pub const ALL: [Format; 7] = [
        Format::Cloudformation,
        Format::CloudformationJson,
        Format::FlowJson,
        Format::AgentJson,
        Format::AgentcoreCfnYaml,
        Format::AgentcoreCfnJson,
        Format::AgentcoreJson,
    ];

    /// The name `strata export --format` takes.
    pub fn id(self) -> &'static str {
        match self {
            Format::Cloudformation => "cloudformation",
            Format::CloudformationJson => "cloudformation-json",
            Format::FlowJson => "flow-json",
            Format::AgentJson => "agent-json",
            Format::AgentcoreCfnYaml => "agentcore-cfn-yaml",
            Format::AgentcoreCfnJson => "agentcore-cfn-json",
            Format::AgentcoreJson => "agentcore-json",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Format::Cloudformation => "CloudFormation template (YAML)",
            Format::CloudformationJson => "CloudFormation template (JSON)",
            Format::FlowJson => "CreateFlow request (JSON)",
            Format::AgentJson => "Agent requests (JSON)",
            Format::AgentcoreCfnYaml => "AgentCore CloudFormation template (YAML)",
            Format::AgentcoreCfnJson => "AgentCore CloudFormation template (JSON)",
            Format::AgentcoreJson => "AgentCore requests (JSON)",
        }
    }

    pub fn subject(self) -> Subject {
        match self {
            // An AgentCore template holds every agent, or the one `name` picks.
            Format::Cloudformation
            | Format::CloudformationJson
            | Format::AgentcoreCfnYaml
            | Format::AgentcoreCfnJson => Subject::Project,
            Format::FlowJson => Subject::Flow,
            Format::AgentJson | Format::AgentcoreJson => Subject::Agent,
        }
    }

    /// Whether the text is a CloudFormation template (cfn-lint reads it).
    pub fn is_template(self) -> bool {
        matches!(
            self,
            Format::Cloudformation
                | Format::CloudformationJson
                | Format::AgentcoreCfnYaml
                | Format::AgentcoreCfnJson
        )
    }

    /// Whether the format ships agents to AgentCore (and so comes with a migration report).
    pub fn is_agentcore(self) -> bool {
        matches!(
            self,
            Format::AgentcoreCfnYaml | Format::AgentcoreCfnJson | Format::AgentcoreJson
        )
    }

    /// Whether recorded versions and aliases (`History`) shape the text: flow versions and
    /// aliases in a template, a harness endpoint per alias in the AgentCore formats.
    pub fn takes_history(self) -> bool {
        self.is_template() || self.is_agentcore()
    }

    /// The file name proposed for `name` (the project, flow or agent exported).
    pub fn file_name(self, name: &str) -> String {
        let stem = crate::text::plain_file_stem(name);
        match self {
            Format::Cloudformation => format!("{stem}.template.yaml"),
            Format::CloudformationJson => format!("{stem}.template.json"),
            Format::FlowJson => format!("{stem}.flow.json"),
            Format::AgentJson => format!("{stem}.agent.json"),
            Format::AgentcoreCfnYaml => format!("{stem}.agentcore.template.yaml"),
            Format::AgentcoreCfnJson => format!("{stem}.agentcore.template.json"),
            Format::AgentcoreJson => format!("{stem}.agentcore.json"),
        }
    }
}

/// An export made: the text, what it is of, and what the user should know about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rendered {
    pub format: Format,
    /// The project, flow or agent exported.
    pub subject: String,
    pub text: String,
    /// Notes to show beside the text (what the export assumed or left out).
    pub notes: Vec<String>,
    /// `${…}` placeholders left in a request for the sender to fill in.
    pub placeholders: Vec<String>,
    /// The file name proposed for it.
    pub file_name: String,
    /// AgentCore formats: per agent, each Classic feature it uses and what it became, or why
    /// AgentCore has no equivalent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub migration: Vec<AgentReport>,
}

/// The migration report of one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentReport {
    pub agent: String,
    pub items: Vec<crate::agentcore::MigrationItem>,
}

impl AgentReport {
    fn of(m: &crate::agentcore::Migration) -> AgentReport {
        AgentReport {
            agent: m.requests.agent.clone(),
            items: m.report.clone(),
        }
    }
}

/// Exports `project` in `format`. `name` picks the flow or agent of a one-subject format (the
/// first when `None`); `history` carries recorded versions and aliases into templates.
pub fn render(
    project: &Project,
    format: Format,
    name: Option<&str>,
    history: &History,
) -> Result<Rendered> {
    let pick = |names: Vec<&str>, what: &'static str| -> Result<String> {
        match name {
            Some(n) => Ok(n.to_owned()),
            None => names
                .first()
                .map(|n| (*n).to_owned())
                .ok_or(super::ExportError::Nothing { what }),
        }
    };
    let mut migration = vec![];
    let (subject, text, notes) = match (format, format.subject()) {
        (Format::AgentcoreCfnYaml | Format::AgentcoreCfnJson, _) => {
            let (template, migrations) =
                crate::agentcore::template::export_agentcore_cloudformation_with(
                    project, name, history,
                )?;
            migration = migrations.iter().map(AgentReport::of).collect();
            let text = match format {
                Format::AgentcoreCfnJson => template.to_json(),
                _ => template.to_yaml(),
            };
            let subject = name
                .map(str::to_owned)
                .unwrap_or_else(|| project.name.clone());
            (subject, text, template.notes)
        }
        (Format::AgentcoreJson, _) => {
            let agents = project.agents.iter().map(|a| a.agent_name.as_str());
            let agent = pick(agents.collect(), "agent")?;
            let m = crate::agentcore::export_migration_with(project, &agent, history)?;
            migration = vec![AgentReport::of(&m)];
            (agent, pretty(&m.requests.to_value()), vec![])
        }
        (_, Subject::Project) => {
            let template = export_cloudformation_with(project, history)?;
            let text = match format {
                Format::CloudformationJson => template.to_json(),
                _ => template.to_yaml(),
            };
            (project.name.clone(), text, template.notes)
        }
        (_, Subject::Flow) => {
            let flow = pick(
                project.flows.iter().map(|f| f.name.as_str()).collect(),
                "flow",
            )?;
            let text = pretty(&export_flow_json(project, &flow)?);
            (flow, text, vec![])
        }
        (_, Subject::Agent) => {
            let agents = project.agents.iter().map(|a| a.agent_name.as_str());
            let agent = pick(agents.collect(), "agent")?;
            let text = pretty(&export_agent_json(project, &agent)?.to_value());
            (agent, text, vec![])
        }
    };
    let placeholders = match format.is_template() {
        true => vec![],
        false => super::placeholders(&text),
    };
    Ok(Rendered {
        format,
        file_name: format.file_name(&subject),
        subject,
        text,
        notes,
        placeholders,
        migration,
    })
}

fn pretty(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> Project {
        let template = crate::templates::find("support-triage").expect("template");
        crate::templates::instantiate(template, "Triage").expect("loads")
    }

    #[test]
    fn every_format_renders_the_template_project() {
        let p = project();
        for format in Format::ALL {
            if format.subject() == Subject::Agent && p.agents.is_empty() {
                continue;
            }
            let r = render(&p, format, None, &History::default()).expect("renders");
            assert!(!r.text.is_empty(), "{format:?}");
            assert_eq!(r.format, format);
            assert!(r.file_name.ends_with(".json") || r.file_name.ends_with(".yaml"));
        }
    }

    #[test]
    fn a_one_subject_format_without_subjects_says_so() {
        let p = Project::new("empty");
        let err = render(&p, Format::AgentJson, None, &History::default()).unwrap_err();
        assert_eq!(err.to_string(), "the project has no agent to export");
    }

    #[test]
    fn ids_round_trip_through_serde() {
        for format in Format::ALL {
            let json = serde_json::to_value(format).unwrap();
            assert_eq!(json, Value::String(format.id().to_owned()));
        }
    }
}
