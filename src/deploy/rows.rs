//! A plan as rows for the app's deploy view: one per resource, named as the apply's steps and
//! errors name it, so progress and failures land on their row.

use super::agentcore::{self, ResourcePlan};
use super::{Action, AliasPlan, Change, ChildPlan, Plan};
use crate::session::ship::{DeployTarget, FieldChange, PlanRow, PlanView, RowAction};

fn row(resource: String, kind: &str, name: &str, action: &Action, also: Vec<String>) -> PlanRow {
    let (action, changes) = match action {
        Action::Create => (RowAction::Create, vec![]),
        Action::Unchanged => (RowAction::Unchanged, vec![]),
        Action::Delete => (RowAction::Delete, vec![]),
        Action::Update(changes) => (RowAction::Update, changes.iter().map(field).collect()),
    };
    PlanRow {
        resource,
        kind: kind.to_owned(),
        name: name.to_owned(),
        action,
        changes,
        also,
    }
}

fn field(change: &Change) -> FieldChange {
    FieldChange {
        path: change.path.clone(),
        before: change.before.clone(),
        after: Some(change.after.clone()),
    }
}

fn children(out: &mut Vec<PlanRow>, parent: &str, kind: &str, list: &[ChildPlan]) {
    for c in list {
        let resource = format!("{parent} › {kind} {:?}", c.name);
        out.push(row(resource, kind, &c.name, &c.action, vec![]));
    }
}

fn alias(parent: &str, kind: &str, alias: &AliasPlan, moved: &str) -> PlanRow {
    let resource = format!("{parent} › alias {:?}", alias.name);
    // An alias "update" has no fields of its own: it moves to the new version.
    let also = match alias.action {
        Action::Update(_) => vec![moved.to_owned()],
        Action::Create | Action::Unchanged | Action::Delete => vec![],
    };
    row(resource, kind, &alias.name, &alias.action, also)
}

impl Plan {
    /// One row per resource, in the order apply goes through them.
    pub fn rows(&self) -> Vec<PlanRow> {
        let mut out = Vec::new();
        for a in &self.agents {
            let resource = format!("agent {:?}", a.name);
            let also = a
                .prepare
                .then(|| "prepare".to_owned())
                .into_iter()
                .collect();
            out.push(row(resource.clone(), "agent", &a.name, &a.action, also));
            children(&mut out, &resource, "action group", &a.action_groups);
            children(&mut out, &resource, "knowledge base", &a.knowledge_bases);
            children(&mut out, &resource, "collaborator", &a.collaborators);
            out.push(alias(
                &resource,
                "agent alias",
                &a.alias,
                "to a new version",
            ));
        }
        for f in &self.flows {
            let resource = format!("flow {:?}", f.name);
            let mut also = Vec::new();
            if f.prepare {
                also.push("prepare".to_owned());
            }
            if f.new_version {
                also.push("new version".to_owned());
            }
            out.push(row(resource.clone(), "flow", &f.name, &f.action, also));
            out.push(alias(
                &resource,
                "flow alias",
                &f.alias,
                "to the new version",
            ));
        }
        out
    }

    /// The plan as the deploy view shows it; `id` identifies it for Apply.
    pub fn view(&self, id: u64, target: DeployTarget) -> PlanView {
        PlanView {
            id,
            project: self.project.clone(),
            target,
            rows: self.rows(),
            has_changes: self.has_changes(),
            text: self.to_string(),
        }
    }
}

fn agentcore_row(agent: &str, r: &ResourcePlan) -> PlanRow {
    let (action, changes) = match &r.action {
        agentcore::Action::Create => (RowAction::Create, vec![]),
        agentcore::Action::Unchanged => (RowAction::Unchanged, vec![]),
        agentcore::Action::Delete => (RowAction::Delete, vec![]),
        agentcore::Action::Update(changes) => {
            (RowAction::Update, changes.iter().map(field).collect())
        }
    };
    PlanRow {
        resource: agentcore::resource_name(agent, r.kind, &r.name),
        kind: r.kind.as_str().to_owned(),
        name: r.name.clone(),
        action,
        changes,
        also: vec![],
    }
}

impl agentcore::Plan {
    /// One row per resource, in the order apply goes through them, named as the apply's
    /// steps and errors name them.
    pub fn rows(&self) -> Vec<PlanRow> {
        self.agents
            .iter()
            .flat_map(|a| a.resources().map(|r| agentcore_row(&a.name, r)))
            .collect()
    }

    /// The plan as the deploy view shows it; `id` identifies it for Apply.
    pub fn view(&self, id: u64) -> PlanView {
        PlanView {
            id,
            project: self.project.clone(),
            target: DeployTarget::AgentCore,
            rows: self.rows(),
            has_changes: self.has_changes(),
            text: self.to_string(),
        }
    }
}
