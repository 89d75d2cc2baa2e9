//! The editor's actions: what a native menu item, a keyboard shortcut or a toolbar button asks
//! for. One list, shared by the desktop shell (which builds its menu from it) and the UI (which
//! resolves key presses with it), so the two cannot disagree.
//!
//! Each chord has one owner, so a key press acts once (WebKitGTK delivers a chord both to a native
//! menu accelerator and to the page when the web view has focus, which once ran every action
//! twice). The native menu owns the chords of document-wide actions that act the same wherever
//! the focus is ([`Action::menu_owns_chord`]: its items carry them as accelerators, and the page
//! leaves them alone inside the desktop shell); the page owns the rest, since only it knows
//! whether the focus is in a text field (Ctrl+Z there undoes typing, not the document).

use serde::{Deserialize, Serialize};

/// Something the editor does. Serialised as its menu item id (`"save-as"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    New,
    Open,
    Save,
    SaveAs,
    Undo,
    Redo,
    Delete,
    Duplicate,
    Copy,
    Paste,
    Find,
    Layout,
    Fit,
    ZoomIn,
    ZoomOut,
    Run,
    /// Cancels the run going on (Esc); nothing without one.
    CancelRun,
    About,
    /// The export dialog (every format `strata export` writes).
    Export,
    /// The deploy view (plan, apply).
    Deploy,
}

/// The native menu's submenus, in menu-bar order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Menu {
    File,
    Edit,
    View,
    Run,
    Help,
}

impl Menu {
    pub const ALL: [Menu; 5] = [Menu::File, Menu::Edit, Menu::View, Menu::Run, Menu::Help];

    pub fn label(self) -> &'static str {
        match self {
            Menu::File => "File",
            Menu::Edit => "Edit",
            Menu::View => "View",
            Menu::Run => "Run",
            Menu::Help => "Help",
        }
    }

    /// The actions listed in this submenu, in order.
    pub fn actions(self) -> impl Iterator<Item = Action> {
        Action::ALL
            .into_iter()
            .filter(move |a| a.menu() == Some(self))
    }
}

/// A key chord as the page sees it: Ctrl (or Cmd), Shift, and the key's name in lower case
/// (`KeyboardEvent.key`, so `"s"`, `"delete"`, `"f5"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord<'a> {
    pub ctrl: bool,
    pub shift: bool,
    pub key: &'a str,
}

/// Every chord and its action; an action may have several (Ctrl+Y and Ctrl+Shift+Z both redo).
const CHORDS: &[(bool, bool, &str, Action)] = &[
    (true, false, "n", Action::New),
    (true, false, "o", Action::Open),
    (true, false, "s", Action::Save),
    (true, true, "s", Action::SaveAs),
    (true, false, "z", Action::Undo),
    (true, true, "z", Action::Redo),
    (true, false, "y", Action::Redo),
    (false, false, "delete", Action::Delete),
    (false, true, "delete", Action::Delete),
    (false, false, "backspace", Action::Delete),
    (false, true, "backspace", Action::Delete),
    (true, false, "d", Action::Duplicate),
    (true, false, "c", Action::Copy),
    (true, false, "v", Action::Paste),
    (true, false, "f", Action::Find),
    (true, true, "l", Action::Layout),
    (true, false, "0", Action::Fit),
    (true, false, "=", Action::ZoomIn),
    (true, true, "=", Action::ZoomIn),
    (true, false, "+", Action::ZoomIn),
    (true, true, "+", Action::ZoomIn),
    (true, false, "-", Action::ZoomOut),
    (false, false, "f5", Action::Run),
    (false, false, "escape", Action::CancelRun),
];

impl Action {
    pub const ALL: [Action; 20] = [
        Action::New,
        Action::Open,
        Action::Save,
        Action::SaveAs,
        Action::Undo,
        Action::Redo,
        Action::Delete,
        Action::Duplicate,
        Action::Copy,
        Action::Paste,
        Action::Find,
        Action::Layout,
        Action::Fit,
        Action::ZoomIn,
        Action::ZoomOut,
        Action::Run,
        Action::CancelRun,
        Action::About,
        Action::Export,
        Action::Deploy,
    ];

    /// The menu item id, as the shell sends it to the page.
    pub fn id(self) -> &'static str {
        match self {
            Action::New => "new",
            Action::Open => "open",
            Action::Save => "save",
            Action::SaveAs => "save-as",
            Action::Undo => "undo",
            Action::Redo => "redo",
            Action::Delete => "delete",
            Action::Duplicate => "duplicate",
            Action::Copy => "copy",
            Action::Paste => "paste",
            Action::Find => "find",
            Action::Layout => "layout",
            Action::Fit => "fit",
            Action::ZoomIn => "zoom-in",
            Action::ZoomOut => "zoom-out",
            Action::Run => "run",
            Action::CancelRun => "cancel-run",
            Action::About => "about",
            Action::Export => "export",
            Action::Deploy => "deploy",
        }
    }

    /// The action with menu item id `id`.
    pub fn from_id(id: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.id() == id)
    }

    /// The menu item's label.
    pub fn label(self) -> &'static str {
        match self {
            Action::New => "New",
            Action::Open => "Open…",
            Action::Save => "Save",
            Action::SaveAs => "Save As…",
            Action::Undo => "Undo",
            Action::Redo => "Redo",
            Action::Delete => "Delete",
            Action::Duplicate => "Duplicate",
            Action::Copy => "Copy",
            Action::Paste => "Paste",
            Action::Find => "Find Node…",
            Action::Layout => "Auto-Layout",
            Action::Fit => "Fit to View",
            Action::ZoomIn => "Zoom In",
            Action::ZoomOut => "Zoom Out",
            Action::Run => "Run Flow",
            Action::CancelRun => "Cancel Run",
            Action::About => "About Strata",
            Action::Export => "Export…",
            Action::Deploy => "Deploy…",
        }
    }

    /// The submenu that lists the action.
    pub fn menu(self) -> Option<Menu> {
        match self {
            Action::New | Action::Open | Action::Save | Action::SaveAs => Some(Menu::File),
            Action::Undo
            | Action::Redo
            | Action::Delete
            | Action::Duplicate
            | Action::Copy
            | Action::Paste
            | Action::Find => Some(Menu::Edit),
            Action::Layout | Action::Fit | Action::ZoomIn | Action::ZoomOut => Some(Menu::View),
            Action::Run | Action::CancelRun => Some(Menu::Run),
            Action::About => Some(Menu::Help),
            Action::Export | Action::Deploy => Some(Menu::File),
        }
    }

    /// Whether the native menu owns the action's chords (as accelerators), so that the page
    /// inside the desktop shell must not act on them too. True for menu actions that act the same
    /// wherever the focus is; Find stays the page's, which also closes the find box with Escape.
    /// Cancel Run stays the page's too: a native Escape accelerator would take Escape from every
    /// dialog and field, and only the page knows whether a run is going on.
    pub fn menu_owns_chord(self) -> bool {
        self.menu().is_some()
            && self.in_fields()
            && !matches!(self, Action::Find | Action::CancelRun)
    }

    /// The native menu accelerator (`"CmdOrCtrl+Shift+S"`, `"F5"`) of a chord the menu owns.
    pub fn accelerator(self) -> Option<String> {
        if !self.menu_owns_chord() {
            return None;
        }
        let keys = self.shortcut()?;
        Some(match keys.strip_prefix("Ctrl+") {
            Some(rest) => format!("CmdOrCtrl+{rest}"),
            None => keys,
        })
    }

    /// Whether the shortcut acts while the focus is in a text field. Document-wide actions do
    /// (and F5 must not fall through to the web view's reload); undo, delete, copy and the like
    /// belong to the field then.
    pub fn in_fields(self) -> bool {
        match self {
            Action::New
            | Action::Open
            | Action::Save
            | Action::SaveAs
            | Action::Find
            | Action::Layout
            | Action::Run
            | Action::CancelRun => true,
            Action::Undo
            | Action::Redo
            | Action::Delete
            | Action::Duplicate
            | Action::Copy
            | Action::Paste
            | Action::Fit
            | Action::ZoomIn
            | Action::ZoomOut
            | Action::About
            | Action::Export
            | Action::Deploy => false,
        }
    }

    /// The action a chord asks for, if any.
    pub fn for_chord(chord: Chord<'_>) -> Option<Action> {
        CHORDS
            .iter()
            .find(|(ctrl, shift, key, _)| {
                *ctrl == chord.ctrl && *shift == chord.shift && *key == chord.key
            })
            .map(|(_, _, _, action)| *action)
    }

    /// The action's first shortcut, for display (`"Ctrl+Shift+S"`, `"Delete"`).
    pub fn shortcut(self) -> Option<String> {
        let (ctrl, shift, key, _) = CHORDS.iter().find(|(.., a)| *a == self)?;
        let mut parts = Vec::new();
        if *ctrl {
            parts.push("Ctrl".to_owned());
        }
        if *shift {
            parts.push("Shift".to_owned());
        }
        let mut chars = key.chars();
        let first = chars.next()?;
        parts.push(first.to_uppercase().chain(chars).collect());
        Some(parts.join("+"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(ctrl: bool, shift: bool, key: &str) -> Option<Action> {
        Action::for_chord(Chord { ctrl, shift, key })
    }

    #[test]
    fn ids_round_trip_and_match_the_json() {
        for a in Action::ALL {
            assert_eq!(Action::from_id(a.id()), Some(a));
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                format!("\"{}\"", a.id())
            );
        }
        assert_eq!(Action::from_id("quit"), None);
    }

    #[test]
    fn chords_resolve_to_one_action() {
        assert_eq!(chord(true, false, "s"), Some(Action::Save));
        assert_eq!(chord(true, true, "s"), Some(Action::SaveAs));
        assert_eq!(chord(true, false, "y"), Some(Action::Redo));
        assert_eq!(chord(true, true, "z"), Some(Action::Redo));
        assert_eq!(chord(false, true, "backspace"), Some(Action::Delete));
        assert_eq!(chord(false, false, "s"), None);
        for (i, (c, s, k, _)) in CHORDS.iter().enumerate() {
            assert!(
                !CHORDS[..i]
                    .iter()
                    .any(|(c2, s2, k2, _)| (c2, s2, k2) == (c, s, k)),
                "chord {k:?} listed twice"
            );
        }
    }

    #[test]
    fn menus_list_every_menu_action_once() {
        let listed: Vec<Action> = Menu::ALL.into_iter().flat_map(Menu::actions).collect();
        assert_eq!(listed.len(), Action::ALL.len());
        assert!(Menu::Edit.actions().any(|a| a == Action::Copy));
        assert!(Menu::Edit.actions().any(|a| a == Action::Paste));
        assert_eq!(Action::SaveAs.shortcut().as_deref(), Some("Ctrl+Shift+S"));
        assert_eq!(Action::Delete.shortcut().as_deref(), Some("Delete"));
        assert_eq!(Action::About.shortcut(), None);
    }

    /// Every chord has one owner: the menu (with an accelerator) or the page (without).
    #[test]
    fn each_chord_has_one_owner() {
        assert_eq!(
            Action::SaveAs.accelerator().as_deref(),
            Some("CmdOrCtrl+Shift+S")
        );
        assert_eq!(Action::Run.accelerator().as_deref(), Some("F5"));
        assert_eq!(chord(false, false, "escape"), Some(Action::CancelRun));
        assert_eq!(Action::CancelRun.accelerator(), None);
        assert_eq!(Action::Save.accelerator().as_deref(), Some("CmdOrCtrl+S"));
        // Copy, paste and undo belong to a text field when it has the focus: the page's.
        for a in [
            Action::Copy,
            Action::Paste,
            Action::Undo,
            Action::Delete,
            Action::Find,
        ] {
            assert!(!a.menu_owns_chord() && a.accelerator().is_none(), "{a:?}");
        }
        for a in Action::ALL {
            assert_eq!(
                a.accelerator().is_some(),
                a.menu_owns_chord() && a.shortcut().is_some(),
                "{a:?}"
            );
        }
    }
}
