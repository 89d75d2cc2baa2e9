//! The debugger's controls on the selected node: "Run from here" (re-run it and everything
//! after it with the upstream outputs of the run shown), "Pin output" (later runs take the
//! pinned value, which can be edited, instead of running the node) and breakpoints (F9).
//! They live in the run state's [`DebugOptions`] for this project session: they never change
//! the project file.
//!
//! [`DebugOptions`]: strata::session::protocol::DebugOptions

use crate::run::RunState;
use crate::Editor;
use leptos::prelude::*;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use strata::session::protocol::RerunFrom;
use strata::trace::RunEvent;

/// The breakpoints and pins, read and changed through the run state's debug options.
#[derive(Clone, Copy)]
pub struct Debugging {
    run: RunState,
}

impl Debugging {
    pub fn new(run: RunState) -> Debugging {
        Debugging { run }
    }

    pub fn has_breakpoint(&self, node: &str) -> bool {
        self.run
            .debug
            .with(|d| d.breakpoints.iter().any(|b| b == node))
    }

    pub fn toggle_breakpoint(&self, node: &str) {
        self.run.debug.update(|d| {
            if let Some(at) = d.breakpoints.iter().position(|b| b == node) {
                d.breakpoints.remove(at);
            } else {
                d.breakpoints.push(node.to_owned());
            }
        });
    }

    pub fn pinned(&self, node: &str) -> Option<BTreeMap<String, Value>> {
        self.run.debug.with(|d| d.pins.get(node).cloned())
    }

    pub fn set_pin(&self, node: &str, outputs: Option<BTreeMap<String, Value>>) {
        self.run.debug.update(|d| match outputs {
            Some(outputs) => {
                d.pins.insert(node.to_owned(), outputs);
            }
            None => {
                d.pins.remove(node);
            }
        });
    }

    /// Forgets every breakpoint and pin: another project is open.
    pub fn clear(&self) {
        self.run.debug.update(|d| {
            d.breakpoints.clear();
            d.pins.clear();
            d.from = None;
        });
    }

    /// The run shown on the canvas, when it is a finished one a re-run can start from.
    pub fn recorded_run(&self) -> Option<String> {
        if self.run.live.get() {
            return None;
        }
        self.run.run_id.get()
    }

    /// Starts a run of `node` and everything after it, the nodes before it taken from the run
    /// shown. The run panel's flow, input and provider apply.
    pub fn run_from(&self, ed: Editor, node: &str) {
        let Some(run_id) = self.recorded_run() else {
            return;
        };
        self.run.debug.update(|d| {
            d.from = Some(RerunFrom {
                run_id,
                node: node.to_owned(),
            })
        });
        self.run.start(ed);
        // The start has read the options: the next run starts from the top again.
        self.run.debug.update(|d| d.from = None);
    }

    /// The outputs `node` produced last in the run shown: output name → value.
    pub fn last_outputs(&self, node: &str) -> Option<BTreeMap<String, Value>> {
        self.run.events.with(|events| {
            events.iter().rev().find_map(|e| match e {
                RunEvent::NodeOutput {
                    node: n, fields, ..
                } if &**n == node => Some(
                    fields
                        .iter()
                        .map(|f| (f.node_output_name.to_string(), f.content.document.clone()))
                        .collect(),
                ),
                _ => None,
            })
        })
    }
}

/// Reads an edited pin: a JSON object of output name → value.
pub(crate) fn read_pin(text: &str) -> Result<BTreeMap<String, Value>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    match value {
        Value::Object(map) => Ok(map.into_iter().collect()),
        _ => Err("a pin is an object: output name → value".to_owned()),
    }
}

fn pretty(outputs: &BTreeMap<String, Value>) -> String {
    let map: Map<String, Value> = outputs.clone().into_iter().collect();
    serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default()
}

/// The debug controls for `node`, under the inspector's fields.
pub fn debug_controls(ed: Editor, node: &str) -> impl IntoView {
    let debugging = Debugging::new(ed.run);
    let node = node.to_owned();
    let pin_text = RwSignal::new(
        debugging
            .pinned(&node)
            .map(|p| pretty(&p))
            .unwrap_or_default(),
    );
    let pin_error = RwSignal::new(None::<String>);
    let run_from = {
        let node = node.clone();
        move |_| debugging.run_from(ed, &node)
    };
    let toggle = {
        let node = node.clone();
        move |_| debugging.toggle_breakpoint(&node)
    };
    let pin = {
        let node = node.clone();
        move |_| {
            if debugging.pinned(&node).is_some() {
                debugging.set_pin(&node, None);
                pin_text.set(String::new());
                pin_error.set(None);
                return;
            }
            match debugging.last_outputs(&node) {
                Some(outputs) => {
                    pin_text.set(pretty(&outputs));
                    pin_error.set(None);
                    debugging.set_pin(&node, Some(outputs));
                }
                None => pin_error.set(Some(
                    "This node has no output in the run shown: run the flow first.".to_owned(),
                )),
            }
        }
    };
    let edit_pin = {
        let node = node.clone();
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            pin_text.set(text.clone());
            match read_pin(&text) {
                Ok(outputs) => {
                    pin_error.set(None);
                    debugging.set_pin(&node, Some(outputs));
                }
                Err(e) => pin_error.set(Some(e)),
            }
        }
    };
    let (n1, n2, n3) = (node.clone(), node.clone(), node);
    view! {
        <div class="debug-controls" id="debug-controls">
            <h3>"Debug"</h3>
            <div class="buttons">
                <button id="debug-run-from" on:click=run_from
                    prop:disabled=move || debugging.recorded_run().is_none()
                    title="Run this node and everything after it, with the outputs before it from the run shown">"Run from here"</button>
                <button id="debug-pin" class:on=move || debugging.pinned(&n1).is_some() on:click=pin
                    title="Later runs take this output instead of running the node">
                    {move || if debugging.pinned(&n2).is_some() { "Unpin output" } else { "Pin output" }}</button>
                <button id="debug-breakpoint" class:on=move || debugging.has_breakpoint(&n3) on:click=toggle
                    title="Pause before this node (F9)">"Toggle breakpoint"</button>
            </div>
            {move || (!pin_text.get().is_empty()).then(|| view! {
                <label class="field">"Pinned output (JSON)"
                    <textarea id="debug-pin-value" rows="5" spellcheck="false" prop:value=move || pin_text.get()
                        on:change=edit_pin.clone()></textarea>
                </label>
            })}
            {move || pin_error.get().map(|e| view! { <p class="field-error">{e}</p> })}
        </div>
    }
}

/// The marks a node carries on the canvas: a breakpoint dot, a pin.
pub fn node_marks(node: &str) -> impl IntoView {
    let run = use_context::<RunState>();
    let node = node.to_owned();
    move || {
        let debugging = Debugging::new(run?);
        let breakpoint = debugging.has_breakpoint(&node);
        let pinned = debugging.pinned(&node).is_some();
        Some(view! {
            {breakpoint.then(|| view! { <circle class="breakpoint-mark" cx="-2" cy="-2" r="6"><title>"Breakpoint (F9)"</title></circle> })}
            {pinned.then(|| view! { <text class="pin-mark" x="-8" y="38">"📌"<title>"Pinned output"</title></text> })}
        })
    }
}
