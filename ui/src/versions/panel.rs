//! The Versions panel under the canvas: make a version with a description; the versions with
//! their descriptions, dates and aliases; compare any two (or one with the working copy) on
//! the canvas; set, move and roll back aliases.

use super::VersionsState;
use crate::Editor;
use leptos::prelude::*;
use strata::lifecycle::Side;

/// A side as a select's value: `draft` or the version's number.
fn side_value(side: Side) -> String {
    match side {
        Side::Draft => "draft".to_owned(),
        Side::Version { number } => number.to_string(),
    }
}

#[component]
pub fn VersionsPanel() -> impl IntoView {
    let ed: Editor = expect_context();
    let state: VersionsState = expect_context();
    // The list follows the project and the flow on the canvas (not every edit).
    let key = Memo::new(move |_| {
        ed.doc
            .with(|d| d.as_ref().map(|d| (d.project.name.clone(), d.flow.clone())))
    });
    Effect::new(move |_| {
        if key.get().is_some() {
            state.refresh(ed);
        }
    });
    let description = RwSignal::new(String::new());
    let older = RwSignal::new(None::<Side>);
    let newer = RwSignal::new(Side::Draft);
    let alias_name = RwSignal::new(String::new());
    let alias_version = RwSignal::new(None::<u32>);
    let numbers = move || {
        state
            .listing
            .with(|l| l.versions.iter().map(|v| v.number).collect::<Vec<_>>())
    };
    let latest = move || numbers().last().copied();
    let options = move |chosen: Option<Side>, with_draft: bool| {
        let mut sides: Vec<Side> = numbers()
            .into_iter()
            .map(|number| Side::Version { number })
            .collect();
        if with_draft {
            sides.push(Side::Draft);
        }
        sides
            .into_iter()
            .map(|side| {
                let label = match side {
                    Side::Draft => "working copy".to_owned(),
                    Side::Version { number } => format!("version {number}"),
                };
                view! { <option value=side_value(side) selected=chosen == Some(side)>{label}</option> }
            })
            .collect_view()
    };
    let parse = |v: &str| Side::parse(v).unwrap_or(Side::Draft);
    let create = move |_| {
        state.create(ed, description.get_untracked());
        description.set(String::new());
    };
    let compare = move |_| {
        let Some(a) = older
            .get_untracked()
            .or_else(|| latest().map(|number| Side::Version { number }))
        else {
            state.message.set(Some((
                true,
                "Make a version first: there is nothing to compare with".to_owned(),
            )));
            return;
        };
        state.compare(ed, a, newer.get_untracked());
    };
    let set_alias = move |_| {
        let name = alias_name.get_untracked().trim().to_owned();
        let Some(version) = alias_version.get_untracked().or_else(latest) else {
            state.message.set(Some((
                true,
                "Make a version first: an alias points at one".to_owned(),
            )));
            return;
        };
        state.set_alias(ed, name, version);
    };
    let version_rows = move || {
        let listing = state.listing.get();
        listing
            .versions
            .iter()
            .rev()
            .map(|v| {
                let number = v.number;
                let aliases: Vec<String> = listing
                    .aliases
                    .iter()
                    .filter(|a| a.version == number)
                    .map(|a| a.name.clone())
                    .collect();
                view! {
                    <tr class="version-row" data-version=number.to_string()>
                        <td class="number">{format!("v{number}")}</td>
                        <td class="description">{if v.description.is_empty() { "—".to_owned() } else { v.description.clone() }}</td>
                        <td class="date">{super::date_text(v.created_at_ms)}</td>
                        <td class="aliases">{aliases.join(", ")}</td>
                        <td>
                            <button class="version-diff" title="Compare this version with the working copy on the canvas"
                                on:click=move |_| state.compare(ed, Side::Version { number }, Side::Draft)>"Diff with working copy"</button>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    let alias_rows = move || {
        let listing = state.listing.get();
        listing
            .aliases
            .iter()
            .map(|a| {
                let name = a.name.clone();
                let (move_name, back_name) = (name.clone(), name.clone());
                let target = RwSignal::new(a.version);
                let previous = a.previous;
                let choices = listing
                    .versions
                    .iter()
                    .map(|v| {
                        let selected = v.number == a.version;
                        view! { <option value=v.number.to_string() selected=selected>{format!("v{}", v.number)}</option> }
                    })
                    .collect_view();
                view! {
                    <li class="alias-row" data-alias=name.clone() data-version=a.version.to_string()>
                        <span class="alias-name">{name.clone()}</span>
                        <span class="alias-points">{format!("→ v{}", a.version)}</span>
                        <select class="alias-target" on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse() { target.set(n) }
                        }>{choices}</select>
                        <button class="alias-move" on:click=move |_| state.set_alias(ed, move_name.clone(), target.get_untracked())>"Move"</button>
                        <button class="alias-rollback" disabled=previous.is_none()
                            title=previous.map_or_else(|| "It has not moved since it was made".to_owned(), |p| format!("Point it back at version {p}"))
                            on:click=move |_| state.rollback(ed, back_name.clone())>
                            {previous.map_or_else(|| "Roll back".to_owned(), |p| format!("Roll back to v{p}"))}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    let body = move || {
        state.open.get().then(|| {
            view! {
                <div class="versions-body">
                    <div class="versions-actions">
                        <input id="version-description" placeholder="What changed (optional)"
                            prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
                        <button id="version-create" class="primary" title="Record the flow as it is now as the next version"
                            on:click=create>"Create version"</button>
                        <span class="sep"></span>
                        <label>"Compare "
                            <select id="diff-older" on:change=move |ev| older.set(Some(parse(&event_target_value(&ev))))>
                                {move || options(older.get().or_else(|| latest().map(|number| Side::Version { number })), true)}
                            </select>
                        </label>
                        <label>" with "
                            <select id="diff-newer" on:change=move |ev| newer.set(parse(&event_target_value(&ev)))>
                                {move || options(Some(newer.get()), true)}
                            </select>
                        </label>
                        <button id="diff-show" title="Colour what differs on the canvas" on:click=compare>"Show on canvas"</button>
                        <button id="versions-refresh" title="Read the versions again" on:click=move |_| state.refresh(ed)>"↻"</button>
                    </div>
                    <div class="versions-lists">
                        <table id="versions-list">
                            <thead><tr><th>"Version"</th><th>"Description"</th><th>"Made"</th><th>"Aliases"</th><th></th></tr></thead>
                            <tbody>{version_rows}</tbody>
                        </table>
                        <div class="aliases">
                            <ul id="aliases-list">{alias_rows}</ul>
                            <div class="alias-new">
                                <input id="alias-name" placeholder="alias name, e.g. live"
                                    prop:value=move || alias_name.get() on:input=move |ev| alias_name.set(event_target_value(&ev))/>
                                <select id="alias-version" on:change=move |ev| alias_version.set(event_target_value(&ev).parse().ok())>
                                    {move || { let chosen = alias_version.get().or_else(latest); numbers().into_iter().rev().map(|n| {
                                        view! { <option value=n.to_string() selected=chosen == Some(n)>{format!("v{n}")}</option> }
                                    }).collect_view() }}
                                </select>
                                <button id="alias-set" on:click=set_alias>"Set alias"</button>
                            </div>
                        </div>
                    </div>
                </div>
            }
        })
    };
    view! {
        <div class="versions-panel" id="versions-panel">
            <div class="run-tabs">
                <button class="run-tab" id="tab-versions" class:open=move || state.open.get()
                    on:click=move |_| state.open.update(|o| *o = !*o)>
                    {move || format!("Versions ({})", state.listing.with(|l| l.versions.len()))}
                </button>
                {move || state.message.get().map(|(refused, text)| view! {
                    <span class="versions-message" id="versions-message" class:refused=refused>{text}</span>
                })}
            </div>
            {body}
        </div>
    }
}
