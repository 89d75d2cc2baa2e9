//! The inspector's configuration form, drawn from the node kind's field list in the core
//! registry (`strata::nodes::form`), and every committed value applied as a `SetConfiguration`
//! command. Under each node field stands what the compiler says about it — as the user types
//! ([`form::typed_diagnostics`]) and once committed (the editor's diagnostics at that field) —
//! so the inspector and the Problems panel never disagree. The agent editor draws its plain
//! fields with the same [`field_view`], checked by [`form::check`].

use crate::Editor;
use leptos::prelude::*;
use std::rc::Rc;
use strata::diagnostic::Diagnostic;
use strata::edit::Command;
use strata::model::FlowNode;
use strata::nodes::form::{self, FormField, Widget};
use strata::nodes::NodeConfiguration;

/// Where a committed field value goes: applies the text, `Ok(true)` when the document changed,
/// `Ok(false)` when it already held that value, or why the text cannot be applied.
pub(crate) type Apply = Box<dyn Fn(&str) -> Result<bool, form::FormError>>;

/// Extras a host may ask of a field: an id for its input, a live length counter under it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FieldOptions {
    pub input_id: Option<&'static str>,
    pub counter: bool,
}

/// What is wrong with a field's text, as the messages to show under it.
type Check = Rc<dyn Fn(&str) -> Vec<String>>;

/// One field: its input and the message under it, live while typing, committed on change
/// through `apply`. Checked with [`form::check`].
pub(crate) fn field_view(
    ed: Editor,
    field: &'static FormField,
    inner: &serde_json::Value,
    apply: Apply,
    options: FieldOptions,
) -> AnyView {
    let check: Check = Rc::new(move |text| form::check(field, text).into_iter().collect());
    let current = form::display(field, inner);
    let shown = check(&current);
    checked_field_view(ed, field, current, shown, check, apply, options)
}

/// A diagnostic as the line under a field: its message, then its hint.
fn said(d: &Diagnostic) -> String {
    if d.hint.is_empty() {
        d.message.clone()
    } else {
        format!("{} — {}", d.message, d.hint)
    }
}

/// A field whose messages are `shown` at first and `check`'s as the user types.
fn checked_field_view(
    ed: Editor,
    field: &'static FormField,
    current: String,
    shown: Vec<String>,
    check: Check,
    apply: Apply,
    options: FieldOptions,
) -> AnyView {
    let message = RwSignal::new(shown);
    let count = RwSignal::new(form::count(field, &current));
    let check2 = check.clone();
    let commit = move |text: String| match apply(&text) {
        Ok(true) => {}
        Ok(false) => message.set(check2(&text)),
        Err(e) => message.set(vec![e.to_string()]),
    };
    // A keystroke touches the page only where what it shows changed.
    let typed = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        set_if_changed(message, check(&text));
        if options.counter {
            set_if_changed(count, form::count(field, &text));
        }
    };
    let id = options.input_id;
    let input = match field.widget {
        Widget::Text { .. }
        | Widget::Integer { .. }
        | Widget::Decimal { .. }
        | Widget::Condition { .. } => {
            let placeholder = if field.optional { "not set" } else { "" };
            view! {
                <input id=id prop:value=current placeholder=placeholder on:input=typed
                    on:change=move |ev| commit(event_target_value(&ev))/>
            }
            .into_any()
        }
        Widget::LongText { code, .. } => view! {
            <textarea id=id class:code=code class="long" spellcheck="false" prop:value=current on:input=typed
                on:change=move |ev| commit(event_target_value(&ev))></textarea>
        }
        .into_any(),
        Widget::Json | Widget::Lines { .. } => view! {
            <textarea id=id class="short code" spellcheck="false" prop:value=current on:input=typed
                on:change=move |ev| commit(event_target_value(&ev))></textarea>
        }
        .into_any(),
        Widget::Choice(options) => {
            let mut options: Vec<String> = options.iter().map(|o| (*o).to_owned()).collect();
            if !current.is_empty() && !options.contains(&current) {
                options.push(current.clone());
            }
            select(options, current, field.optional, commit)
        }
        Widget::Union(members) => {
            let options = members.iter().map(|(m, _)| (*m).to_owned()).collect();
            select(options, current, false, commit)
        }
        Widget::ProjectAgent => {
            let mut options: Vec<String> = ed.doc.with_untracked(|d| {
                d.as_ref()
                    .map(|d| d.project.agents.iter().map(|a| a.agent_name.clone()).collect())
                    .unwrap_or_default()
            });
            if !current.is_empty() && !options.contains(&current) {
                options.push(current.clone());
            }
            let open = (!current.is_empty()).then(|| {
                let name = current.clone();
                view! {
                    <button class="add open-agent" on:click=move |_| {
                        ed.selection.set(vec![]);
                        ed.agent.set(Some(name.clone()));
                    }>"Edit agent"</button>
                }
            });
            view! { <div class="with-button">{select(options, current, true, commit)}{open}</div> }
                .into_any()
        }
    };
    view! {
        <div class="form-field" data-field=field.id()>
            <label title=field.help>{field.label}{(!field.help.is_empty()).then(|| view! { <span class="help">" ?"</span> })}</label>
            {input}
            {options.counter.then(|| view! {
                <div id=format!("{}-count", field.id()) class="counter" class:bad=move || count.get().is_some_and(|c| c.1)>{move || count.get().map(|c| c.0)}</div>
            })}
            {move || message.get().into_iter().map(|m| view! { <div class="error field-error">{m}</div> }).collect_view()}
        </div>
    }
    .into_any()
}

/// Sets `signal` only when `value` differs, so nothing that shows it is drawn again.
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|v| *v != value) {
        signal.set(value);
    }
}

/// Applies a field of a node's configuration as a `SetConfiguration` command.
fn node_apply(
    ed: Editor,
    flow: &str,
    node: &str,
    config: &NodeConfiguration,
    field: &'static FormField,
) -> Apply {
    let (flow, node, config) = (flow.to_owned(), node.to_owned(), config.clone());
    Box::new(move |text| {
        let c = form::set(&config, field, text)?;
        if c == config {
            return Ok(false);
        }
        ed.run(Command::SetConfiguration {
            flow: flow.clone(),
            node: node.clone(),
            configuration: Some(Box::new(c)),
        });
        Ok(true)
    })
}

fn select(
    options: Vec<String>,
    current: String,
    with_none: bool,
    commit: impl Fn(String) + 'static,
) -> AnyView {
    let none =
        with_none.then(|| view! { <option value="" selected=current.is_empty()>"—"</option> });
    let items = options
        .into_iter()
        .map(|o| {
            let sel = o == current;
            view! { <option value=o.clone() selected=sel>{o.clone()}</option> }
        })
        .collect_view();
    view! { <select on:change=move |ev| commit(event_target_value(&ev))>{none}{items}</select> }
        .into_any()
}

/// The form of a node's configuration, when its kind has fields; notes keys only raw JSON edits.
pub fn node_form(ed: Editor, flow: &str, node: &FlowNode) -> Option<AnyView> {
    let config = node.configuration.as_ref()?;
    let kind = config.node_type()?.kind();
    if kind.form.is_empty() {
        return None;
    }
    let inner = form::inner(config);
    let fields = kind
        .form
        .iter()
        .filter(|f| form::visible(f, &inner))
        .map(|f| {
            let (flow, name) = (flow.to_owned(), node.name.clone());
            let shown = ed.diagnostics.with_untracked(|all| {
                all.iter()
                    .filter(|d| form::is_at_field(d, &flow, &name, f))
                    .map(said)
                    .collect()
            });
            let check: Check = {
                let (flow, name) = (flow.clone(), name.clone());
                Rc::new(move |text| {
                    ed.doc.with_untracked(|d| {
                        let Some(d) = d else { return vec![] };
                        match form::typed_diagnostics(&d.project, &flow, &name, f, text) {
                            Ok(found) => found.iter().map(said).collect(),
                            Err(e) => vec![e.to_string()],
                        }
                    })
                })
            };
            checked_field_view(
                ed,
                f,
                form::display(f, &inner),
                shown,
                check,
                node_apply(ed, &flow, &name, config, f),
                FieldOptions::default(),
            )
        })
        .collect_view();
    let others = form::other_keys(kind, &inner);
    let note = (!others.is_empty()).then(|| {
        view! {
            <p class="hint">{format!("Also set: {} — edit under Raw JSON.", others.join(", "))}</p>
        }
    });
    Some(
        view! {
            <section class="config-form" id="config-form">
                <h4>"Configuration"</h4>
                {fields}
                {note}
            </section>
        }
        .into_any(),
    )
}
