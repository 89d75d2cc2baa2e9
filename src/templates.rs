//! Starter projects, shipped inside the binary so `strata new` and the app's gallery work anywhere.
//!
//! A template is its project file plus the files the project names, so that what `strata new`
//! makes validates without warnings and runs offline at once: local handlers, knowledge-base
//! documents, and a replay file of scripted model replies per flow (`replays/<flow>.yaml`).
//! They live in `templates/<name>/` and are embedded here.

/// A starter project.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    pub name: &'static str,
    pub summary: &'static str,
    /// The project file's text.
    pub text: &'static str,
    /// The files that go beside the project file.
    pub files: &'static [TemplateFile],
}

/// A file a template brings: handler code, a document, a replay or answers file.
#[derive(Debug, Clone, Copy)]
pub struct TemplateFile {
    /// Where it goes, relative to the project file's folder, with `/` between folders.
    pub path: &'static str,
    pub contents: &'static [u8],
}

/// `starter_files!("templates/support-triage", ["handlers/orders.py", "docs/billing.md"])`:
/// the files `handlers/orders.py` and `docs/billing.md` of `templates/support-triage/`, which go
/// to the same paths beside the new project file.
macro_rules! starter_files {
    ($folder:expr, [$($path:literal),* $(,)?]) => {
        &[$(TemplateFile {
            path: $path,
            contents: include_bytes!(concat!("../", $folder, "/", $path)),
        }),*]
    };
}

/// `template!("blank", summary, ["replays/main.yaml"])`: the template whose project file is
/// `templates/blank.strata.json`, with those files of `templates/blank/`.
macro_rules! template {
    ($name:literal, $summary:literal, [$($path:literal),* $(,)?]) => {
        Template {
            name: $name,
            summary: $summary,
            text: include_str!(concat!("../templates/", $name, ".strata.json")),
            files: starter_files!(concat!("templates/", $name), [$($path),*]),
        }
    };
}

/// Every template, in gallery order.
pub static TEMPLATES: &[Template] = &[
    template!(
        "blank",
        "An Input node wired to an Output node.",
        ["replays/main.yaml"]
    ),
    template!(
        "support-triage",
        "Classify a support message with a prompt, route it with a condition, answer bugs with an agent that can look up and refund orders.",
        [
            "handlers/orders.py",
            "docs/billing.md",
            "docs/exporting.md",
            "docs/known-issues.md",
            "replays/triage.yaml",
            "answers/triage.yaml",
            "answers/chat.yaml",
        ]
    ),
    template!(
        "batch-summaries",
        "Summarise each document of an array with an Iterator, a Prompt and a Collector.",
        ["replays/summaries.yaml"]
    ),
    template!(
        "refine-loop",
        "Improve a draft in a DoWhile Loop until a reviewer prompt approves it or ten rounds pass.",
        ["replays/refine.yaml"]
    ),
];

/// Every example (`examples/<name>/`), embedded like the templates with the files its project
/// names, so that the app's gallery opens one as a new unsaved project that runs at once.
pub static EXAMPLES: &[Template] = &[Template {
    name: "customer-support",
    summary: "A support agent with billing, subscription and notification actions, a help centre, a guardrail and memory, and a triage flow in front of it.",
    text: include_str!("../examples/customer-support/support.strata.json"),
    files: starter_files!(
        "examples/customer-support",
        [
            "handlers/billing.py",
            "handlers/subscriptions.py",
            "handlers/notifications.py",
            "handlers/function_response.py",
            "help/change-or-cancel-plan.md",
            "help/email-notifications.md",
            "help/invoices-explained.md",
            "help/refund-policy.md",
            "help/reset-password.md",
            "help/update-payment-method.md",
            "replays/chat.yaml",
            "replays/triage.yaml",
            "replays/eval/agent-password-reset.yaml",
            "replays/eval/agent-refund-extra-seats.yaml",
            "answers/chat.yaml",
            "answers/triage.yaml",
            "triage.eval.yaml",
        ]
    ),
}];

/// A template or an example by name: what the app's gallery makes a new project from.
pub fn find_starter(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().chain(EXAMPLES).find(|t| t.name == name)
}

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
    // New projects ship their agents to AgentCore, where accounts that joined AWS after
    // 2026-07-30 can run them (a template may still say otherwise).
    if project.agent_target.is_none() {
        project.agent_target = Some(crate::model::lenient::Lenient::Known(
            crate::model::agent::AgentTarget::Agentcore,
        ));
    }
    Ok(project)
}

/// Writes the template's files beside a project saved for the first time in `dir`, skipping
/// every file that is already there (whatever it holds: nothing is ever overwritten). Returns
/// the files written. The desktop app calls this when a project made from a template is first
/// saved, so it brings what `strata new` brings.
pub fn write_missing_files(
    template: &Template,
    dir: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>, crate::save::SaveError> {
    let mut written = Vec::new();
    for file in template.files {
        let target = dir.join(file.path);
        if target.symlink_metadata().is_ok() {
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| {
                crate::save::SaveError::CreateFolder {
                    path: parent.to_owned(),
                    source,
                }
            })?;
        }
        crate::save::write_atomically(&target, file.contents)?;
        written.push(target);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_written_and_existing_ones_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = find("support-triage").expect("template");
        let kept = dir.path().join("handlers/orders.py");
        std::fs::create_dir_all(kept.parent().expect("parent")).expect("folder");
        std::fs::write(&kept, "# mine").expect("write");
        let written = write_missing_files(t, dir.path()).expect("written");
        assert_eq!(written.len(), t.files.len() - 1, "{written:?}");
        assert!(!written.contains(&kept));
        assert_eq!(std::fs::read_to_string(&kept).expect("read"), "# mine");
        for f in t.files.iter().filter(|f| f.path != "handlers/orders.py") {
            assert_eq!(
                std::fs::read(dir.path().join(f.path)).expect("read"),
                f.contents
            );
        }
        assert!(write_missing_files(t, dir.path())
            .expect("again")
            .is_empty());
    }

    /// Each template's files are where its project looks for them: one replay per flow, and
    /// (with the runtime) every handler file and documents folder on disk.
    #[test]
    fn new_projects_ship_their_agents_to_agentcore() {
        for t in TEMPLATES {
            let project = instantiate(t, t.name).expect("the template loads");
            assert!(project.to_json().contains("\"agentTarget\": \"agentcore\""));
            for a in &project.agents {
                // An agent that states its own target keeps it (support-triage's BillingAgent
                // asks for confirmations and uses a guardrail, which AgentCore cannot carry).
                let expected = match a.agent_target.as_ref().and_then(|t| t.get()) {
                    Some(own) => own,
                    None => crate::model::agent::AgentTarget::Agentcore,
                };
                assert_eq!(project.agent_target(a), Some(expected), "{}", t.name);
            }
        }
    }

    #[test]
    fn every_template_brings_what_its_project_names() {
        for t in TEMPLATES {
            let project = instantiate(t, t.name).expect("the template loads");
            for flow in &project.flows {
                let replay = format!("replays/{}.yaml", flow.name);
                assert!(
                    t.files.iter().any(|f| f.path == replay),
                    "{}: no {replay}",
                    t.name
                );
            }
            #[cfg(feature = "runtime")]
            {
                let dir = tempfile::tempdir().expect("a temporary folder");
                for f in t.files {
                    let path = dir.path().join(f.path);
                    std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
                    std::fs::write(&path, f.contents).expect("write");
                }
                let compiled = crate::compile::compile_in(&project, dir.path());
                // New projects target AgentCore, which has no guardrail or confirmation of
                // its own: the agents that use them say so, and nothing else is said.
                let said: Vec<_> = compiled
                    .diagnostics
                    .iter()
                    // An Agent node on such an agent says how it deploys (an InvokeHarness
                    // function) too.
                    .filter(|d| {
                        !matches!(
                            d.code,
                            crate::diagnostic::Code::AgentCoreNoEquivalent
                                | crate::diagnostic::Code::AgentNodeOnAgentCore
                        )
                    })
                    .collect();
                assert!(said.is_empty(), "{}: {:?}", t.name, said);
            }
        }
    }
}
