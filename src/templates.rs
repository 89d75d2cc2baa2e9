//! Starter projects, shipped inside the binary so `strata new` and the app's gallery work anywhere.

/// A starter project.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    pub name: &'static str,
    pub summary: &'static str,
    /// The project file's text.
    pub text: &'static str,
}

/// Every template, in gallery order.
pub static TEMPLATES: &[Template] = &[
    Template {
        name: "blank",
        summary: "An Input node wired to an Output node.",
        text: include_str!("../templates/blank.strata.json"),
    },
    Template {
        name: "support-triage",
        summary: "Classify a support message with a prompt, route it with a condition, answer bugs with an agent that can look up and refund orders.",
        text: include_str!("../templates/support-triage.strata.json"),
    },
    Template {
        name: "batch-summaries",
        summary: "Summarise each document of an array with an Iterator, a Prompt and a Collector.",
        text: include_str!("../templates/batch-summaries.strata.json"),
    },
    Template {
        name: "refine-loop",
        summary: "Improve a draft in a DoWhile Loop until a reviewer prompt approves it or ten rounds pass.",
        text: include_str!("../templates/refine-loop.strata.json"),
    },
];

pub fn find(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

/// The template's project, renamed. Templates are tested to load.
pub fn instantiate(
    template: &Template,
    name: &str,
) -> Result<crate::model::Project, crate::model::LoadError> {
    let mut project = crate::model::load(template.text, name)?.project;
    project.name = name.to_owned();
    Ok(project)
}
