//! The panels around the canvas: toolbar, palette, inspector, problems, status and dialogs.

use crate::{shell, Editor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use strata::diagnostic::Severity;
use strata::edit::{Action, Command};
use strata::model::lenient::Lenient;
use strata::model::{DataType, FlowNode, FlowNodeInput, FlowNodeOutput};
use strata::nodes::condition::FlowCondition;
use strata::nodes::{NodeConfiguration, REGISTRY};

#[component]
pub fn Toolbar() -> impl IntoView {
    let ed: Editor = expect_context();
    let can_undo = move || {
        ed.doc
            .with(|d| d.as_ref().is_some_and(|d| d.history.can_undo()))
    };
    let can_redo = move || {
        ed.doc
            .with(|d| d.as_ref().is_some_and(|d| d.history.can_redo()))
    };
    view! {
        <div class="toolbar">
            <span class="brand">"Strata"</span>
            <button id="new" title="Start from a template or an example" on:click=move |_| ed.action(Action::New)>"New…"</button>
            <button id="open" on:click=move |_| ed.action(Action::Open)>"Open…"</button>
            <button id="save" on:click=move |_| ed.save()>"Save"</button>
            <button id="save-as" on:click=move |_| ed.action(Action::SaveAs)>"Save As…"</button>
            <button id="export" title="Export the project (CloudFormation, CreateFlow, agent requests)" on:click=move |_| ed.action(Action::Export)>"Export…"</button>
            <button id="deploy" title="Plan and apply a deploy to an AWS account" on:click=move |_| ed.action(Action::Deploy)>"Deploy…"</button>
            <span class="sep"></span>
            <button id="undo" disabled=move || !can_undo() on:click=move |_| ed.undo()>"Undo"</button>
            <button id="redo" disabled=move || !can_redo() on:click=move |_| ed.redo()>"Redo"</button>
            <button id="delete" on:click=move |_| ed.delete_selection()>"Delete"</button>
            <button id="duplicate" on:click=move |_| ed.duplicate_selection()>"Duplicate"</button>
            <span class="sep"></span>
            <crate::flows::FlowPicker/>
            <span class="file" id="file-name">{move || ed.doc.with(|d| d.as_ref().map(|d| {
                let p = d.path.clone().unwrap_or_else(|| "not saved yet".to_owned());
                if d.dirty { format!("● {p}") } else { p }
            }).unwrap_or_default())}</span>
        </div>
    }
}

#[component]
pub fn RecoveryBanner() -> impl IntoView {
    let ed: Editor = expect_context();
    move || {
        ed.recovery.get().map(|doc| {
            let where_ = doc.path.clone().unwrap_or_else(|| "an unsaved project".to_owned());
            let d2 = doc.clone();
            view! {
                <div class="banner" id="recovery">
                    {format!("Strata closed with unsaved changes to {where_}. ")}
                    <button on:click=move |_| { ed.show(d2.clone(), true); ed.recovery.set(None); }>"Recover"</button>
                    <button on:click=move |_| {
                        ed.recovery.set(None);
                        spawn_local(async { let _ = shell::discard_recovery().await; });
                    }>"Discard"</button>
                </div>
            }
        })
    }
}

#[component]
pub fn Palette() -> impl IntoView {
    let ed: Editor = expect_context();
    let items = REGISTRY
        .iter()
        .map(|k| {
            let kind = k.node_type;
            let add = move |_| {
                ed.run(Command::AddNode {
                    flow: ed.flow(),
                    kind,
                    position: ed.new_node_spot(kind),
                });
            };
            view! {
                <button class="palette-item" data-kind=k.name() title=k.summary on:click=add>
                    <span class="icon" style=format!("background:{}", k.colour)>{k.icon}</span>
                    <span class="label">
                        <span class="name">{k.name()}</span>
                        <span class="summary">{k.summary}</span>
                    </span>
                </button>
            }
        })
        .collect_view();
    view! { <div class="palette"><crate::agents::AgentList/><h3>"Nodes"</h3>{items}</div> }
}

/// The selected node, if exactly one is selected.
fn selected_node(ed: &Editor) -> Option<FlowNode> {
    let sel = ed.selection.get();
    if sel.len() != 1 {
        return None;
    }
    ed.doc.with(|d| {
        d.as_ref()
            .and_then(|d| d.project.flow(&d.flow))
            .and_then(|f| f.definition.node(&sel[0]).cloned())
    })
}

fn type_select(current: String, on_pick: impl Fn(String) + 'static) -> impl IntoView {
    let options = DataType::ALL
        .iter()
        .map(|t| {
            let s = t.as_str();
            view! { <option value=s selected={current == s}>{s}</option> }
        })
        .collect_view();
    view! { <select class="type" on:change=move |ev| on_pick(event_target_value(&ev))>{options}</select> }
}

#[component]
pub fn Inspector() -> impl IntoView {
    let ed: Editor = expect_context();
    move || {
        let sel_count = ed.selection.with(Vec::len);
        let Some(node) = selected_node(&ed) else {
            if sel_count == 0 {
                if let Some(agent) = ed.agent.get() {
                    return view! { <div class="inspector">{crate::agents::agent_editor(ed, &agent)}</div> }
                        .into_any();
                }
            }
            let text = if sel_count > 1 {
                format!("{sel_count} nodes selected")
            } else {
                "Select a node to edit it. Drag from an output (right) to an input (left) to connect; from a condition to a node to route.".to_owned()
            };
            return view! { <div class="inspector"><p class="hint">{text}</p></div> }.into_any();
        };
        let flow = ed.flow();
        let name = node.name.clone();
        let summary = node
            .kind()
            .map_or("A node type Strata does not know.", |k| k.kind().summary);
        let rename = {
            let (flow, name) = (flow.clone(), name.clone());
            move |ev: leptos::ev::Event| {
                ed.run(Command::RenameNode {
                    flow: flow.clone(),
                    from: name.clone(),
                    to: event_target_value(&ev),
                })
            }
        };
        view! {
            <div class="inspector">
                <h3>{node.node_type.as_str().to_owned()}</h3>
                <p class="summary">{summary}</p>
                <label class="field">"Name" <input id="node-name" prop:value=name.clone() on:change=rename/></label>
                <crate::inspect::NodeRun node=name.clone()/>
                {inputs_editor(ed, &flow, &node)}
                {outputs_editor(ed, &flow, &node)}
                {conditions_editor(ed, &flow, &node)}
                {crate::forms::node_form(ed, &flow, &node)}
                {configuration_editor(ed, &flow, &node)}
                {crate::pause::debug_controls(ed, &name)}
            </div>
        }
        .into_any()
    }
}

/// A row of a list a panel edits (a node's input, output or condition): it has a name, unique
/// in its list.
trait Row: Clone + Send + Sync + 'static {
    fn name(&self) -> &str;
    fn name_mut(&mut self) -> &mut String;
}

/// Every row kind keeps its name in a `name` member.
macro_rules! impl_row_by_name {
    ($($row:ty),*) => {$(
        impl Row for $row {
            fn name(&self) -> &str {
                &self.name
            }
            fn name_mut(&mut self) -> &mut String {
                &mut self.name
            }
        }
    )*};
}

impl_row_by_name!(FlowNodeInput, FlowNodeOutput, FlowCondition);

/// A list a panel edits row by row: each change takes the list as it was drawn, changes a copy
/// and hands it to `set`, which runs the document command. It is `Copy`, so every row's
/// handlers take it as they are.
struct RowList<T: Row> {
    all: StoredValue<Vec<T>>,
    set: Callback<Vec<T>>,
}

impl<T: Row> Clone for RowList<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Row> Copy for RowList<T> {}

impl<T: Row> RowList<T> {
    /// The list `all` of `node` in `flow`; `command` makes the document command that sets it
    /// (from the flow's name, the node's and the list).
    fn new(
        ed: Editor,
        flow: &str,
        node: &FlowNode,
        all: Vec<T>,
        command: impl Fn(String, String, Vec<T>) -> Command + Send + Sync + 'static,
    ) -> Self {
        let (flow, node) = (flow.to_owned(), node.name.clone());
        RowList {
            all: StoredValue::new(all),
            set: Callback::new(move |all| ed.run(command(flow.clone(), node.clone(), all))),
        }
    }

    /// Each row as `row` draws it from its index and the row.
    fn rows<V: IntoView>(self, row: impl Fn(usize, &T) -> V) -> Vec<V> {
        self.all
            .with_value(|all| all.iter().enumerate().map(|(i, r)| row(i, r)).collect())
    }

    fn change(self, change: impl FnOnce(&mut Vec<T>)) {
        let mut list = self.all.get_value();
        change(&mut list);
        self.set.run(list);
    }

    /// Row `i`, named `name`: a `div` of class `class` whose attribute `key` names the row
    /// (`data-input="question"`), with the name's box (renamed on change), `cells`, the
    /// button that takes the row away, then `after` (what is wrong with the row).
    fn row(
        self,
        i: usize,
        name: &str,
        (class, key): (&'static str, &'static str),
        cells: impl IntoView,
        after: impl IntoView,
    ) -> impl IntoView {
        view! {
            <div class=class>
                <input class="name" prop:value=name.to_owned() on:change=move |ev| {
                    self.change(|v| *v[i].name_mut() = event_target_value(&ev))
                }/>
                {cells}
                <button class="remove" title="Remove" on:click=move |_| {
                    self.change(|v| { v.remove(i); })
                }>"×"</button>
                {after}
            </div>
        }
        .attr(key, name.to_owned())
    }

    /// "+ `noun`": `add` puts a new row named `noun1`, `noun2`, … (the first free) in the list.
    fn add_button(
        self,
        noun: &'static str,
        add: impl Fn(&mut Vec<T>, String) + Send + Sync + 'static,
    ) -> impl IntoView {
        view! {
            <button class="add" on:click=move |_| {
                self.change(|v| {
                    let name = unused_name(noun, v);
                    add(v, name)
                })
            }>{format!("+ {noun}")}</button>
        }
    }
}

/// A node's list editor: the section `id`, its title with the "+" button when the list takes
/// more rows, then the rows.
fn list_section(
    id: &'static str,
    title: &'static str,
    add: Option<impl IntoView>,
    rows: impl IntoView,
) -> impl IntoView {
    view! {
        <section class="ports-editor" id=id>
            <h4>{title} {add}</h4>
            {rows}
        </section>
    }
}

/// `prefix1`, `prefix2`, …: the first that no row of `rows` has.
fn unused_name(prefix: &str, rows: &[impl Row]) -> String {
    (1..)
        .map(|i| format!("{prefix}{i}"))
        .find(|n| !rows.iter().any(|r| r.name() == n))
        .unwrap_or_default()
}

fn inputs_editor(ed: Editor, flow: &str, node: &FlowNode) -> impl IntoView {
    let list = RowList::new(ed, flow, node, node.inputs.clone(), |flow, node, inputs| {
        Command::SetInputs { flow, node, inputs }
    });
    let rows = list.rows(|i, input| {
        let expr_error = strata::expr::parse_input_expression(&input.expression)
            .err()
            .map(|e| view! { <div class="error">{e.to_string()}</div> });
        let cells = view! {
            {type_select(input.data_type.as_str().to_owned(), move |t| {
                list.change(|v| v[i].data_type = Lenient::from_str_lenient(&t))
            })}
            <input class="expr" prop:value=input.expression.clone() on:change=move |ev| {
                list.change(|v| v[i].expression = event_target_value(&ev))
            }/>
        };
        list.row(i, &input.name, ("row", "data-input"), cells, expr_error)
    });
    let add = list.add_button("input", |v, name| {
        v.push(FlowNodeInput::new(&name, DataType::String))
    });
    list_section("inputs", "Inputs", Some(add), rows)
}

fn outputs_editor(ed: Editor, flow: &str, node: &FlowNode) -> impl IntoView {
    let list = RowList::new(
        ed,
        flow,
        node,
        node.outputs.clone(),
        |flow, node, outputs| Command::SetOutputs {
            flow,
            node,
            outputs,
        },
    );
    let rows = list.rows(|i, output| {
        let cells = type_select(output.data_type.as_str().to_owned(), move |t| {
            list.change(|v| v[i].data_type = Lenient::from_str_lenient(&t))
        });
        list.row(i, &output.name, ("row", "data-output"), cells, ())
    });
    // A kind with fixed outputs (none at all, for Output) gets no "+ output".
    let user_named = node.kind().is_none_or(|k| {
        matches!(
            (k.kind().ports)(node).outputs,
            strata::nodes::PortRule::User { .. }
        )
    });
    let add = user_named.then(|| {
        list.add_button("output", |v, name| {
            v.push(FlowNodeOutput::new(&name, DataType::String))
        })
    });
    list_section("outputs", "Outputs", add, rows)
}

fn conditions_editor(ed: Editor, flow: &str, node: &FlowNode) -> Option<AnyView> {
    let Some(NodeConfiguration::Condition(c)) = &node.configuration else {
        return None;
    };
    let list = RowList::new(
        ed,
        flow,
        node,
        c.conditions.clone(),
        |flow, node, conditions| Command::SetConditions {
            flow,
            node,
            conditions,
        },
    );
    let rows = list.rows(|i, cond| {
        let is_default = cond.name == strata::nodes::condition::DEFAULT_CONDITION;
        let error = cond
            .expression
            .as_deref()
            .and_then(|e| strata::condition::parse_condition(e).err())
            .map(|e| view! { <div class="error condition-error">{format!("column {}: {}", e.column, e.message)}</div> });
        let cells = view! {
            <input class="expr" disabled=is_default placeholder={if is_default { "taken when no other holds" } else { "e.g. kind == \"BUG\"" }}
                prop:value=cond.expression.clone().unwrap_or_default() on:change=move |ev| {
                let text = event_target_value(&ev);
                list.change(|v| v[i].expression = (!text.is_empty()).then_some(text))
            }/>
        };
        list.row(i, &cond.name, ("row condition", "data-condition"), cells, error)
    });
    let add = list.add_button("condition", |v, name| {
        let at = v
            .iter()
            .position(|c| c.name == strata::nodes::condition::DEFAULT_CONDITION)
            .unwrap_or(v.len());
        v.insert(
            at,
            FlowCondition {
                name,
                expression: Some("true".to_owned()),
            },
        );
    });
    Some(list_section("conditions", "Conditions", Some(add), rows).into_any())
}

/// The configuration as raw JSON: for keys the form does not cover and kinds Strata does not know.
fn configuration_editor(ed: Editor, flow: &str, node: &FlowNode) -> impl IntoView {
    // Open when Strata has no form for it: a configuration key it does not know.
    let open = node
        .configuration
        .as_ref()
        .is_some_and(|c| c.node_type().is_none());
    let text = node
        .configuration
        .as_ref()
        .and_then(|c| serde_json::to_string_pretty(c).ok())
        .unwrap_or_default();
    let draft = RwSignal::new(text);
    let error = RwSignal::new(None::<String>);
    let (flow, name) = (flow.to_owned(), node.name.clone());
    let apply = move |_| {
        let t = draft.get_untracked();
        let parsed: Result<Option<Box<NodeConfiguration>>, _> = if t.trim().is_empty() {
            Ok(None)
        } else {
            serde_json::from_str::<NodeConfiguration>(&t).map(|c| Some(Box::new(c)))
        };
        match parsed {
            Ok(configuration) => {
                error.set(None);
                ed.run(Command::SetConfiguration {
                    flow: flow.clone(),
                    node: name.clone(),
                    configuration,
                });
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    view! {
        <details class="config-editor" open=open>
            <summary>"Raw JSON" <button id="apply-config" class="add" on:click=apply>"Apply"</button></summary>
            <textarea id="config" spellcheck="false" prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
            {move || error.get().map(|e| view! { <div class="error" id="config-error">{e}</div> })}
        </details>
    }
}

#[component]
pub fn Problems() -> impl IntoView {
    let ed: Editor = expect_context();
    let list = move || {
        let diags = ed.diagnostics.get();
        let count = diags.len();
        let items = diags
            .into_iter()
            .map(|d| {
                let loc = &d.location;
                let place = [
                    loc.flow.as_deref(),
                    loc.agent.as_deref(),
                    loc.node.as_deref(),
                    loc.input.as_deref().or(loc.output.as_deref()).or(loc.condition.as_deref()),
                    loc.connection.as_deref(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" › ");
                let (flow, node) = (loc.flow.clone(), loc.node.clone());
                let click = move |_| {
                    if let (Some(f), Some(n)) = (flow.clone(), node.clone()) {
                        ed.doc.update(|d| if let Some(d) = d { d.flow = f });
                        ed.selection.set(vec![n]);
                    }
                };
                let sev = if d.severity == Severity::Error { "error" } else { "warning" };
                view! {
                    <li class=format!("problem {sev}") data-code=d.code.to_string() data-node=loc.node.clone().unwrap_or_default() on:click=click>
                        <span class="sev">{sev}</span>
                        <span class="code">{d.code.to_string()}</span>
                        <span class="place">{place}</span>
                        <span class="message">{d.message.clone()}</span>
                        {(!d.hint.is_empty()).then(|| view! { <span class="hint">{d.hint.clone()}</span> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <h3>{if count == 0 { "No problems".to_owned() } else { format!("Problems ({count})") }}</h3>
            <ul>{items}</ul>
        }
    };
    view! { <div class="problems" id="problems">{list}</div> }
}

#[component]
pub fn StatusLine() -> impl IntoView {
    let ed: Editor = expect_context();
    view! {
        <div id="status" class="status" class:refused=move || ed.status.with(|s| s.as_ref().is_some_and(|s| s.0))>
            {move || ed.status.get().map(|s| s.1).unwrap_or_default()}
        </div>
    }
}
