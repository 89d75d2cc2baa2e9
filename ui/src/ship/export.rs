//! The export dialog: every format `strata export` writes ([`Format::ALL`]), the text as
//! [`strata::export::render`] makes it, the file it will write (proposed beside the project,
//! changeable with the system's save dialog), and cfn-lint's findings on a template. A project
//! with errors is not exported; an existing file is replaced only once the person says so.

use super::{error_count, show_problems, ExportChoice};
use crate::{shell, Editor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::{HashMap, HashSet};
use strata::export::{render, Format, History, Rendered, Subject};
use strata::session::ship::LintReport;

/// The names a one-subject format can export: the project's flows or agents.
fn subjects(ed: &Editor, format: Format) -> Vec<String> {
    ed.doc.with(|d| {
        let Some(d) = d else { return vec![] };
        match format.subject() {
            Subject::Project => vec![],
            Subject::Flow => d.project.flows.iter().map(|f| f.name.clone()).collect(),
            Subject::Agent => d
                .project
                .agent_names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        }
    })
}

/// What writing the export is waiting on.
#[derive(Debug, Clone, PartialEq)]
enum Write {
    Idle,
    /// The file exists: replace it?
    Confirm(String),
    Written(String),
    Failed(String),
}

#[component]
pub fn ExportDialog() -> impl IntoView {
    let ed: Editor = expect_context();
    let ship = ed.ship;
    move || {
        let choice = ship.export.get()?;
        // Only opening and closing rebuild the dialog, never a signal it reads as it is built.
        Some(untrack(|| export_dialog(ed, choice)))
    }
}

/// What cfn-lint is asked about: the template's text, and whether it is JSON.
type LintKey = (bool, String);

fn export_dialog(ed: Editor, choice: ExportChoice) -> impl IntoView {
    let ship = ed.ship;
    let format = RwSignal::new(choice.format);
    let subject = RwSignal::new(choice.subject);
    let path = RwSignal::new(String::new());
    let write = RwSignal::new(Write::Idle);
    let errors = Memo::new(move |_| error_count(&ed));
    // The recorded versions and aliases a template carries, read once as the dialog opens (as
    // `strata export --data-dir` reads them); `None` until the shell answers.
    let history = RwSignal::new(None::<Result<History, String>>);
    let project_text = ed
        .doc
        .with_untracked(|d| d.as_ref().map(|d| d.project.to_json()));
    spawn_local(async move {
        let read = match project_text {
            Some(text) => shell::versions_history(&text).await.map_err(|e| e.message),
            None => Ok(History::default()),
        };
        history.set(Some(read));
    });
    // `None` while a template waits for the recorded versions.
    let rendered: Memo<Option<Result<Rendered, String>>> = Memo::new(move |_| {
        let (format, subject) = (format.get(), subject.get());
        let history = match format.takes_history() {
            true => history.get()?,
            false => Ok(History::default()),
        };
        Some(ed.doc.with(|d| {
            let d = d.as_ref().ok_or_else(|| "No project is open.".to_owned())?;
            let none = History::default();
            let used = history.as_ref().unwrap_or(&none);
            let mut r =
                render(&d.project, format, subject.as_deref(), used).map_err(|e| e.to_string())?;
            match &history {
                Err(e) => r.notes.push(format!(
                    "Recorded versions and aliases are left out: they could not be read ({e})."
                )),
                Ok(h) if format.takes_history() => r.notes.extend(carried(h)),
                Ok(_) => {}
            }
            Ok(r)
        }))
    });
    let text = Memo::new(move |_| rendered.with(|r| done(r).map(|r| r.text.clone())));
    let file_name = Memo::new(move |_| rendered.with(|r| done(r).map(|r| r.file_name.clone())));
    // The proposed file follows the format and subject: the project's folder, that file name.
    Effect::new(move |_| {
        let Some(name) = file_name.get() else { return };
        let project_path = ed
            .doc
            .with_untracked(|d| d.as_ref().and_then(|d| d.path.clone()));
        spawn_local(async move {
            let proposed = shell::export_target_path(project_path.as_deref(), &name)
                .await
                .unwrap_or(name);
            path.set(proposed);
        });
    });
    // A written mark is about the text written: another text drops it.
    Effect::new(move |previous: Option<Option<String>>| {
        let now = text.get();
        if previous.is_some_and(|p| p != now) {
            write.set(Write::Idle);
        }
        now
    });
    // cfn-lint runs once per template text (and JSON or YAML): its report is kept for the
    // dialog's life, so going back to a format shows its findings without asking again, and
    // an answer about another text never shows under this one.
    let lint_key = Memo::new(move |_| {
        rendered.with(|r| {
            done(r)
                .filter(|r| r.format.is_template())
                .map(|r| (r.file_name.ends_with(".json"), r.text.clone()))
        })
    });
    let reports = RwSignal::new(HashMap::<LintKey, LintReport>::new());
    let asked = StoredValue::new(HashSet::<LintKey>::new());
    Effect::new(move |_| {
        let Some(key) = lint_key.get() else { return };
        if !asked
            .try_update_value(|a| a.insert(key.clone()))
            .unwrap_or(false)
        {
            return;
        }
        spawn_local(async move {
            let report = shell::export_lint(&key.1, key.0)
                .await
                .unwrap_or_else(|e| LintReport::Failed { message: e.message });
            reports.update(|r| {
                r.insert(key, report);
            });
        });
    });
    let lint = move || {
        let key = lint_key.get()?;
        Some(reports.with(|r| r.get(&key).cloned()))
    };
    let save = move |replace: bool| {
        let Some(text) = text.get_untracked() else {
            return;
        };
        let target = path.get_untracked();
        spawn_local(async move {
            match shell::export_save(&target, &text, replace).await {
                Ok(()) => write.set(Write::Written(target)),
                Err(e) if e.code == "exists" => write.set(Write::Confirm(target)),
                Err(e) => write.set(Write::Failed(e.message)),
            }
        });
    };
    let close = move || ship.export.set(None);
    let formats = Format::ALL.into_iter().map(|f| {
        view! { <option value=f.id() selected=move || format.get() == f>{f.label()}</option> }
    });
    let subject_picker = move || {
        let f = format.get();
        let names = subjects(&ed, f);
        (f.subject() != Subject::Project && !names.is_empty()).then(|| {
            let label = if f.subject() == Subject::Flow { "Flow" } else { "Agent" };
            let current = subject.get().or_else(|| names.first().cloned()).unwrap_or_default();
            view! {
                <label class="field">{label}
                    <select id="export-subject" on:change=move |ev| subject.set(Some(event_target_value(&ev)))>
                        {names.into_iter().map(|n| {
                            let selected = n == current;
                            view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }
        })
    };
    let blocked = move || errors.get() > 0 || text.with(Option::is_none);
    view! {
        <div class="modal-back">
            <div class="modal ship" id="export-dialog" on:keydown=move |ev| { if ev.key() == "Escape" { close() } }>
                <h3>"Export"</h3>
                <div class="ship-row">
                    <label class="field">"Format"
                        <select id="export-format" on:change=move |ev| {
                            let id = event_target_value(&ev);
                            if let Some(f) = Format::ALL.into_iter().find(|f| f.id() == id) {
                                if f.subject() != format.get_untracked().subject() {
                                    subject.set(None);
                                }
                                format.set(f);
                            }
                        }>{formats.collect_view()}</select>
                    </label>
                    {subject_picker}
                </div>
                {move || (errors.get() > 0).then(|| view! {
                    <div class="error ship-blocked" id="export-errors">
                        {format!("The project has {} error(s) and cannot be exported: Bedrock would refuse it. The Problems panel shows where. ", errors.get())}
                        <button id="export-show-problems" on:click=move |_| { close(); show_problems(); }>"Show problems"</button>
                    </div>
                })}
                {move || rendered.get().and_then(Result::err).filter(|_| errors.get() == 0).map(|e| view! {
                    <div class="error ship-blocked" id="export-error">{e}</div>
                })}
                {move || match text.get() {
                    Some(t) => Some(view! { <pre class="ship-preview" id="export-preview">{t}</pre> }.into_any()),
                    // Waiting for the recorded versions; after an error there is nothing to show.
                    None => rendered.with(Option::is_none).then(|| view! {
                        <pre class="ship-preview" id="export-preview">"Reading the recorded versions…"</pre>
                    }.into_any()),
                }}
                {move || rendered.with(|r| done(r).map(|r| {
                    let mut notes = r.notes.clone();
                    if !r.placeholders.is_empty() {
                        let (them, it) = if r.placeholders.len() == 1 { ("it", "this") } else { ("them", "these") };
                        notes.push(format!("Replace {it} before sending: {} (Deploy fills {them} in).", r.placeholders.join(", ")));
                    }
                    view! { <ul class="ship-notes">{notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul> }
                }))}
                {move || lint().map(lint_view)}
                {move || text.with(Option::is_some).then(|| view! {
                <div class="with-button">
                    <input id="export-path" prop:value=move || path.get()
                        on:input=move |ev| { path.set(event_target_value(&ev)); write.set(Write::Idle); }/>
                    <button id="export-browse" title="Choose with the system's file dialog" on:click=move |_| {
                        let suggested = path.get_untracked();
                        spawn_local(async move {
                            match shell::export_pick_path(&suggested).await {
                                Ok(Some(p)) => { path.set(p); write.set(Write::Idle); }
                                Ok(None) => {}
                                Err(e) => write.set(Write::Failed(e.message)),
                            }
                        });
                    }>"Browse…"</button>
                </div>
                })}
                {move || match write.get() {
                    Write::Idle => None,
                    Write::Confirm(p) => Some(view! {
                        <div class="ship-confirm" id="export-replace" role="alertdialog">
                            {format!("{p} exists. Replace it?")}
                            <button id="export-replace-cancel" on:click=move |_| write.set(Write::Idle)>"Keep it"</button>
                            <button id="export-replace-ok" on:click=move |_| save(true)>"Replace"</button>
                        </div>
                    }.into_any()),
                    Write::Written(p) => Some(view! { <div class="ship-done" id="export-written">{format!("Wrote {p}")}</div> }.into_any()),
                    Write::Failed(m) => Some(view! { <div class="error" id="export-write-error">{m}</div> }.into_any()),
                }}
                <div class="buttons">
                    <button id="export-cancel" on:click=move |_| close()>"Close"</button>
                    <button id="export-ok" disabled=blocked on:click=move |_| save(false)>"Export"</button>
                </div>
            </div>
        </div>
    }
}

/// cfn-lint's findings under the preview of a template, or why there are none.
fn lint_view(report: Option<LintReport>) -> AnyView {
    match report {
        None => view! { <div class="ship-lint" id="export-lint" data-state="running">"cfn-lint is checking the template…"</div> }.into_any(),
        Some(LintReport::NotInstalled { hint }) => view! {
            <div class="ship-lint note" id="export-lint" data-state="missing">{hint}</div>
        }.into_any(),
        Some(LintReport::Failed { message }) => view! {
            <div class="ship-lint error" id="export-lint" data-state="failed">{message}</div>
        }.into_any(),
        Some(LintReport::Linted { version, findings }) if findings.is_empty() => view! {
            <div class="ship-lint ok" id="export-lint" data-state="clean">{format!("cfn-lint {version}: no findings.")}</div>
        }.into_any(),
        Some(LintReport::Linted { version, findings }) => view! {
            <div class="ship-lint" id="export-lint" data-state="findings">
                {format!("cfn-lint {version}: {} finding(s)", findings.len())}
                <table class="lint-findings">
                    <tr><th>"Rule"</th><th>"Line"</th><th>"Message"</th></tr>
                    {findings.into_iter().map(|f| view! {
                        <tr class=format!("lint-finding {}", f.level.to_lowercase()) data-rule=f.rule.clone()>
                            <td>{f.rule.clone()}</td><td>{f.line}</td><td>{f.message.clone()}</td>
                        </tr>
                    }).collect_view()}
                </table>
            </div>
        }.into_any(),
    }
}

/// The export, once rendered without error.
fn done(r: &Option<Result<Rendered, String>>) -> Option<&Rendered> {
    match r {
        Some(Ok(r)) => Some(r),
        _ => None,
    }
}

/// What a template carries of each flow's recorded versions and aliases.
fn carried(history: &History) -> Vec<String> {
    history
        .flows
        .iter()
        .filter(|(_, h)| !h.versions.is_empty())
        .map(|(flow, h)| {
            let versions = match h.versions.len() {
                1 => "its recorded version".to_owned(),
                n => format!("its {n} recorded versions"),
            };
            let aliases: Vec<&str> = h.aliases.keys().map(String::as_str).collect();
            let aliases = match aliases.len() {
                0 => String::new(),
                1 => format!(" and alias {}", aliases[0]),
                _ => format!(" and aliases {}", aliases.join(", ")),
            };
            format!("Flow {flow}: {versions}{aliases} go into the template (as with `strata export --data-dir`).")
        })
        .collect()
}
