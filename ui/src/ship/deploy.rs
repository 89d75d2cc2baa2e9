//! The deploy view: where to (target — by default where the project's agents, or the one
//! agent, ship —, region, profile, roles: the gateway role when AgentCore needs a gateway),
//! the dry-run plan as a table (create / update / unchanged / delete per resource, an update's
//! fields one by one), Apply with each resource's progress and each error on its row, and
//! Cancel, after which each row says whether it was done. A project with errors is never
//! planned nor applied.

use super::{error_count, show_problems, DeployChoice};
use crate::{shell, Editor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use strata::session::ship::{
    DeployMessage, DeployRequest, DeployTarget, FieldChange, PlanRow, PlanView, RowAction,
};

/// Where a row stands during an apply.
#[derive(Debug, Clone, PartialEq)]
enum RowState {
    Working(String),
    Done(String),
    Failed(String),
    /// Under way when the apply was cancelled: it may or may not have been changed.
    Stopped(String),
    /// The apply ended (cancelled or failed) before it got to the row.
    NotDone,
}

/// After an apply stopped: rows under way are stopped, rows it had still to change not done.
fn stop_rows(rows: &mut BTreeMap<String, RowState>, plan: Option<&PlanView>) {
    for state in rows.values_mut() {
        if let RowState::Working(line) = state {
            *state = RowState::Stopped(line.clone());
        }
    }
    for row in plan.iter().flat_map(|p| &p.rows) {
        if row.action != RowAction::Unchanged && !rows.contains_key(&row.resource) {
            rows.insert(row.resource.clone(), RowState::NotDone);
        }
    }
}

/// Where the view stands.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// Settings; no plan yet (or the settings changed).
    Settings,
    Planning,
    Planned,
    Applying,
    /// The apply ended: its summary.
    Ended {
        ok: bool,
        summary: String,
    },
}

#[component]
pub fn DeployView() -> impl IntoView {
    let ed: Editor = expect_context();
    move || {
        let choice = ed.ship.deploy.get()?;
        // Only opening and closing rebuild the view, never a signal it reads as it is built.
        Some(untrack(|| deploy_view(ed, choice)))
    }
}

fn deploy_view(ed: Editor, choice: DeployChoice) -> impl IntoView {
    let target = ed.doc.with_untracked(|d| {
        d.as_ref()
            .map(|d| DeployTarget::default_for(&d.project, choice.agent.as_deref()))
    });
    let request = RwSignal::new(DeployRequest {
        target: match &target {
            Some(Ok(t)) => *t,
            Some(Err(_)) | None => DeployTarget::Classic,
        },
        region: "us-east-1".to_owned(),
        agent: choice.agent.clone(),
        ..DeployRequest::default()
    });
    let plan = RwSignal::new(None::<PlanView>);
    let phase = RwSignal::new(Phase::Settings);
    let problem = RwSignal::new(match target {
        Some(Err(e)) => Some(format!("{e}: choose the target")),
        Some(Ok(_)) | None => None,
    });
    let agent = choice.agent.clone();
    let needs_gateway = Memo::new(move |_| {
        let target = request.with(|r| r.target);
        ed.doc.with(|d| {
            d.as_ref()
                .is_some_and(|d| target.needs_gateway(&d.project, agent.as_deref()))
        })
    });
    let flows_elsewhere = Memo::new(move |_| {
        request.with(|r| r.target == DeployTarget::AgentCore && r.agent.is_none())
            && ed
                .doc
                .with(|d| d.as_ref().is_some_and(|d| !d.project.flows.is_empty()))
    });
    let rows = RwSignal::new(BTreeMap::<String, RowState>::new());
    let channel = StoredValue::new_local(None::<shell::Channel<DeployMessage>>);
    let errors = Memo::new(move |_| error_count(&ed));
    let edit = move |change: fn(&mut DeployRequest, String), value: String| {
        request.update(|r| change(r, value));
        plan.set(None);
        phase.set(Phase::Settings);
    };
    let dry_run = move || {
        problem.set(None);
        rows.set(BTreeMap::new());
        phase.set(Phase::Planning);
        let text = ed
            .doc
            .with_untracked(|d| d.as_ref().map(|d| d.project.to_json()));
        let req = request.get_untracked();
        spawn_local(async move {
            let Some(text) = text else { return };
            match shell::deploy_plan(&req, &text).await {
                Ok(view) => {
                    plan.set(Some(view));
                    phase.set(Phase::Planned);
                }
                Err(e) => {
                    problem.set(Some(e.message));
                    phase.set(Phase::Settings);
                }
            }
        });
    };
    let on_message = move |message: DeployMessage| match message {
        DeployMessage::Step {
            resource,
            done,
            line,
        } => rows.update(|r| {
            // A resource changed stays done while the deploy waits for it to be ready.
            if done {
                r.insert(resource, RowState::Done(line));
            } else if !matches!(r.get(&resource), Some(RowState::Done(_))) {
                r.insert(resource, RowState::Working(line));
            }
        }),
        DeployMessage::Finished { done, aliases } => {
            let names: Vec<String> = aliases
                .iter()
                .map(|a| format!("{} {}: {}", a.kind, a.name, a.arn))
                .collect();
            phase.set(Phase::Ended {
                ok: true,
                summary: format!("Deployed ({} change(s)). {}", done.len(), names.join("; ")),
            });
        }
        DeployMessage::Failed {
            resource, message, ..
        } => {
            rows.update(|r| {
                if let Some(resource) = resource {
                    r.insert(resource, RowState::Failed(message.clone()));
                }
                plan.with_untracked(|p| stop_rows(r, p.as_ref()));
            });
            phase.set(Phase::Ended {
                ok: false,
                summary: message,
            });
        }
        DeployMessage::Cancelled { done } => {
            rows.update(|r| plan.with_untracked(|p| stop_rows(r, p.as_ref())));
            phase.set(Phase::Ended {
                ok: false,
                summary: match done.len() {
                    0 => "Cancelled; nothing had been changed.".to_owned(),
                    n => format!("Cancelled after {n} change(s): {}", done.join("; ")),
                },
            })
        }
    };
    let apply = move || {
        let Some(id) = plan.with_untracked(|p| p.as_ref().map(|p| p.id)) else {
            return;
        };
        if error_count(&ed) > 0 {
            return;
        }
        phase.set(Phase::Applying);
        let ch = shell::Channel::new(on_message, move |m| problem.set(Some(m)));
        spawn_local(async move {
            let sent = shell::deploy_apply(id, &ch).await;
            channel.set_value(Some(ch));
            if let Err(e) = sent {
                problem.set(Some(e.message));
                phase.set(Phase::Planned);
            }
        });
    };
    let cancel = move || {
        if phase.get_untracked() == Phase::Applying {
            spawn_local(async {
                // The apply ends with its `cancelled` message; a failed call leaves it going.
                let _ = shell::deploy_cancel().await;
            });
        } else {
            ed.ship.deploy.set(None);
        }
    };
    let title = match &choice.agent {
        Some(agent) => format!("Deploy agent {agent}"),
        None => "Deploy".to_owned(),
    };
    let scope_note = choice.agent.clone().map(|agent| {
        let text = move || match request.with(|r| r.target) {
            DeployTarget::AgentCore => format!("Only agent {agent}: its harness, its gateway and gateway targets, its endpoints."),
            DeployTarget::Classic => format!("Only agent {agent}, its action groups, knowledge bases and collaborators (project agents it calls are deployed first). No flows."),
        };
        view! { <p class="hint" id="deploy-scope">{text}</p> }
    });
    let text_field = move |id: &'static str,
                           label: &'static str,
                           get: fn(&DeployRequest) -> String,
                           set: fn(&mut DeployRequest, String)| {
        view! {
            <label class="field">{label}
                <input id=id prop:value=move || request.with(get) on:change=move |ev| edit(set, event_target_value(&ev))/>
            </label>
        }
    };
    let applying = move || phase.get() == Phase::Applying;
    let can_plan =
        move || errors.get() == 0 && !matches!(phase.get(), Phase::Planning | Phase::Applying);
    let can_apply = move || {
        errors.get() == 0
            && phase.get() == Phase::Planned
            && plan.with(|p| p.as_ref().is_some_and(|p| p.has_changes))
    };
    view! {
        <div class="modal-back">
            <div class="modal ship ship-deploy" id="deploy-view" on:keydown=move |ev| { if ev.key() == "Escape" && !applying() { ed.ship.deploy.set(None) } }>
                <h3>{title}</h3>
                {scope_note}
                <div class="ship-row">
                    <label class="field">"Target"
                        <select id="deploy-target" on:change=move |ev| {
                            let id = event_target_value(&ev);
                            if let Some(t) = DeployTarget::ALL.into_iter().find(|t| t.id() == id) {
                                request.update(|r| r.target = t);
                                plan.set(None);
                                phase.set(Phase::Settings);
                            }
                        }>
                            {DeployTarget::ALL.into_iter().map(|t| view! {
                                <option value=t.id() selected=move || request.with(|r| r.target == t)>{t.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    {text_field("deploy-region", "Region", |r| r.region.clone(), |r, v| r.region = v.trim().to_owned())}
                    {text_field("deploy-profile", "Profile", |r| r.profile.clone().unwrap_or_default(), |r, v| r.profile = Some(v.trim().to_owned()).filter(|v| !v.is_empty()))}
                </div>
                {move || flows_elsewhere.get().then(|| view! {
                    <p class="hint" id="deploy-flows-note">"AgentCore takes the project's agents; its flows deploy with the Classic target (an Agent node on an AgentCore agent becomes a function that calls its harness)."</p>
                })}
                <div class="ship-row">
                    <label class="field">{move || match request.with(|r| r.target) {
                            DeployTarget::AgentCore => "Harness execution role ARN for agents without one",
                            DeployTarget::Classic => "Role ARN for flows and agents without one",
                        }}
                        <input id="deploy-role" prop:value=move || request.with(|r| r.role_arn.clone().unwrap_or_default())
                            on:change=move |ev| edit(|r, v| r.role_arn = Some(v.trim().to_owned()).filter(|v| !v.is_empty()), event_target_value(&ev))/>
                    </label>
                    {move || needs_gateway.get().then(|| text_field("deploy-gateway-role", "Gateway role ARN (default: the role beside)", |r| r.gateway_role_arn.clone().unwrap_or_default(), |r, v| r.gateway_role_arn = Some(v.trim().to_owned()).filter(|v| !v.is_empty())))}
                    {text_field("deploy-poll", "Poll every (s)", |r| r.poll_interval_secs.to_string(), |r, v| if let Ok(s) = v.trim().parse() { r.poll_interval_secs = s })}
                </div>
                <p class="hint">"Credentials come from your AWS profile or environment; Strata never stores them."</p>
                {move || (errors.get() > 0).then(|| view! {
                    <div class="error ship-blocked" id="deploy-errors">
                        {format!("The project has {} error(s) and cannot be deployed. The Problems panel shows where. ", errors.get())}
                        <button id="deploy-show-problems" on:click=move |_| { ed.ship.deploy.set(None); show_problems(); }>"Show problems"</button>
                    </div>
                })}
                {move || problem.get().map(|m| view! { <div class="error" id="deploy-problem">{m}</div> })}
                {move || (phase.get() == Phase::Planning).then(|| view! { <p class="hint" id="deploy-planning">"Reading the account…"</p> })}
                {move || plan.get().map(|p| plan_table(p, rows))}
                {move || match phase.get() {
                    Phase::Ended { ok, summary } => Some(view! {
                        <div class=if ok { "ship-done" } else { "error" } id="deploy-result" data-ok=ok.to_string()>{summary}</div>
                    }),
                    Phase::Settings | Phase::Planning | Phase::Planned | Phase::Applying => None,
                }}
                <div class="buttons">
                    <button id="deploy-cancel" on:click=move |_| cancel()>{move || if applying() { "Cancel deploy" } else { "Close" }}</button>
                    <button id="deploy-dry-run" disabled=move || !can_plan() on:click=move |_| dry_run()>"Plan (dry run)"</button>
                    <button id="deploy-apply" disabled=move || !can_apply() on:click=move |_| apply()>"Apply"</button>
                </div>
            </div>
        </div>
    }
}

/// The plan's rows with each one's progress during an apply.
fn plan_table(plan: PlanView, rows: RwSignal<BTreeMap<String, RowState>>) -> impl IntoView {
    let summary = if plan.has_changes {
        let count = |a: RowAction| plan.rows.iter().filter(|r| r.action == a).count();
        format!(
            "{} to create, {} to update, {} to delete, {} unchanged",
            count(RowAction::Create),
            count(RowAction::Update),
            count(RowAction::Delete),
            count(RowAction::Unchanged)
        )
    } else {
        "Nothing to change.".to_owned()
    };
    view! {
        <div class="plan" id="deploy-plan">
            <p class="plan-summary">{summary}</p>
            <table class="plan-table">
                <tr><th>"Resource"</th><th>"Name"</th><th>"Change"</th><th>"Progress"</th></tr>
                {plan.rows.into_iter().map(|row| plan_row(row, rows)).collect_view()}
            </table>
        </div>
    }
}

fn plan_row(row: PlanRow, rows: RwSignal<BTreeMap<String, RowState>>) -> impl IntoView {
    let key = row.resource.clone();
    let state = move || rows.with(|r| r.get(&key).cloned());
    let action = row.action.label();
    let mut change = action.to_owned();
    if !row.also.is_empty() {
        change = format!("{change} ({})", row.also.join(", "));
    }
    let progress = move || match state() {
        None => view! { <span class="state"></span> }.into_any(),
        Some(RowState::Working(line)) => {
            view! { <span class="state working" title=line>"working…"</span> }.into_any()
        }
        Some(RowState::Done(line)) => view! { <span class="state done">{line}</span> }.into_any(),
        Some(RowState::Failed(message)) => {
            view! { <span class="state failed">{message}</span> }.into_any()
        }
        Some(RowState::Stopped(line)) => view! {
            <span class="state stopped" title=line>"cancelled while under way (check it)"</span>
        }
        .into_any(),
        Some(RowState::NotDone) => {
            view! { <span class="state not-done">"not done"</span> }.into_any()
        }
    };
    let status = {
        let key = row.resource.clone();
        move || match rows.with(|r| r.get(&key).cloned()) {
            None => "",
            Some(RowState::Working(_)) => "working",
            Some(RowState::Done(_)) => "done",
            Some(RowState::Failed(_)) => "failed",
            Some(RowState::Stopped(_)) => "stopped",
            Some(RowState::NotDone) => "not-done",
        }
    };
    let changes = (!row.changes.is_empty()).then(|| {
        view! {
            <tr class="field-diff-row">
                <td colspan="4">
                    <table class="field-diff">
                        {row.changes.iter().map(field_change).collect_view()}
                    </table>
                </td>
            </tr>
        }
    });
    view! {
        <tr class=format!("plan-row {action}") data-resource=row.resource.clone() data-action=action data-status=status>
            <td class="kind">{row.kind.clone()}</td>
            <td class="name">{row.name.clone()}</td>
            <td class="action">{change}</td>
            <td class="progress">{progress}</td>
        </tr>
        {changes}
    }
}

fn field_change(change: &FieldChange) -> impl IntoView {
    let show = |v: &Option<serde_json::Value>| match v {
        Some(v) => strata::text::ellipsize(&v.to_string(), 200).into_owned(),
        None => "(unset)".to_owned(),
    };
    view! {
        <tr class="field-change" data-path=change.path.clone()>
            <td class="path">{change.path.clone()}</td>
            <td class="before">{show(&change.before)}</td>
            <td class="arrow">"→"</td>
            <td class="after">{show(&change.after)}</td>
        </tr>
    }
}
