//! Shipping from the app: the export dialog (`export.rs`) and the deploy view (`deploy.rs`),
//! opened from the menu and the toolbar (`Action::Export`, `Action::Deploy`) or, for one agent,
//! from the agent list. What they show comes from the core: the export's text from
//! [`strata::export::render`] (the function `strata export` calls), the plan and the apply's
//! steps from the deploy host layer through the shell.

pub mod deploy;
pub mod export;

use leptos::prelude::*;
use strata::export::Format;

/// What the export dialog opens on: a format and, for a one-flow or one-agent format, which.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportChoice {
    pub format: Format,
    pub subject: Option<String>,
}

/// What the deploy view covers: the project, or one agent (with the project agents it calls).
#[derive(Debug, Clone, PartialEq)]
pub struct DeployChoice {
    pub agent: Option<String>,
}

/// The ship dialogs' state: which is open, on what.
#[derive(Clone, Copy)]
pub struct Ship {
    pub export: RwSignal<Option<ExportChoice>>,
    pub deploy: RwSignal<Option<DeployChoice>>,
}

impl Ship {
    pub fn new() -> Ship {
        Ship {
            export: RwSignal::new(None),
            deploy: RwSignal::new(None),
        }
    }

    /// Opens the export dialog: on the whole project's template, or on one agent's requests.
    pub fn open_export(&self, agent: Option<String>) {
        self.deploy.set(None);
        self.export.set(Some(match agent {
            Some(name) => ExportChoice {
                format: Format::AgentJson,
                subject: Some(name),
            },
            None => ExportChoice {
                format: Format::ALL[0],
                subject: None,
            },
        }));
    }

    /// Opens the deploy view on the project, or on one agent.
    pub fn open_deploy(&self, agent: Option<String>) {
        self.export.set(None);
        self.deploy.set(Some(DeployChoice { agent }));
    }
}

impl Default for Ship {
    fn default() -> Ship {
        Ship::new()
    }
}

/// The export dialog and the deploy view, whichever is open.
#[component]
pub fn ShipDialogs() -> impl IntoView {
    view! {
        <export::ExportDialog/>
        <deploy::DeployView/>
    }
}

/// How many errors the compiler finds in the open document.
pub(crate) fn error_count(ed: &crate::Editor) -> usize {
    ed.diagnostics
        .with(|d| d.iter().filter(|d| d.is_error()).count())
}

/// The Problems panel brought into view (it lists where the errors are).
pub(crate) fn show_problems() {
    if let Some(panel) = document().query_selector(".problems").ok().flatten() {
        panel.scroll_into_view();
    }
}
