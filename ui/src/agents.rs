//! The agent editor: the project's agents, and one agent's model, instruction (with a live
//! character counter), action groups (function tables or an OpenAPI text with its parsed
//! operations), executor, knowledge bases, guardrail, memory, collaborators and prompt
//! overrides.
//!
//! The plain fields (name, model, instruction, description, session TTL, guardrail, memory
//! retention) are drawn by the node forms' [`field_view`] from the core's agent form
//! (`strata::nodes::form::agent`), so their limits are the compiler's. Action groups live in
//! `action_groups`, prompt overrides in `prompts`.
//!
//! Every change builds the edited agent and applies it as one `SetAgent` command, so undo
//! and redo cover the agent editor like the canvas.

mod action_groups;
mod prompts;

use crate::forms::{field_view, Apply, FieldOptions};
use crate::Editor;
use action_groups::action_groups;
use leptos::prelude::*;
use prompts::prompt_overrides;
use strata::edit::Command;
use strata::model::agent::{
    Agent, AgentDescriptor, AgentKnowledgeBase, Collaboration, Collaborator, MemoryConfiguration,
    RelayConversationHistory, State,
};
use strata::model::lenient::{Lenient, StrEnum};
use strata::nodes::form::{self, agent as agent_form, FormField};
fn agent_named(ed: &Editor, name: &str) -> Option<Agent> {
    ed.doc.with(|d| {
        d.as_ref().and_then(|d| {
            d.project
                .agents
                .iter()
                .find(|a| a.agent_name == name)
                .cloned()
        })
    })
}

/// Applies `change` to a copy of the agent and runs it as a `SetAgent` command.
fn update(ed: Editor, agent: &Agent, change: impl FnOnce(&mut Agent)) {
    let mut value = agent.clone();
    change(&mut value);
    if value != *agent {
        let renamed = value.agent_name != agent.agent_name;
        let new_name = value.agent_name.clone();
        ed.run(Command::SetAgent {
            agent: agent.agent_name.clone(),
            value: Box::new(value),
        });
        let applied = ed.doc.with_untracked(|d| {
            d.as_ref()
                .is_some_and(|d| d.project.agents.iter().any(|a| a.agent_name == new_name))
        });
        if renamed && applied {
            ed.agent.set(Some(new_name));
        }
    }
}

/// Applies a field of the agent form as a `SetAgent` command (through [`update`], so a rename
/// keeps the editor on the agent).
fn agent_apply(ed: Editor, agent: &Agent, field: &'static FormField) -> Apply {
    let agent = agent.clone();
    Box::new(move |text| {
        let value = form::set_in(&agent, field, text)?;
        if value == agent {
            return Ok(false);
        }
        update(ed, &agent, |x| *x = value);
        Ok(true)
    })
}

/// `N` copies of the edited agent: one for each handler of a row, which builds its change
/// from the agent as drawn.
fn copies<const N: usize>(agent: &Agent) -> [Agent; N] {
    std::array::from_fn(|_| agent.clone())
}

fn opt(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

/// A one-line field with a live check and a commit on change.
/// One text field of a list row (an action group, a prompt override), checked as the user
/// types by the core's form machinery.
fn line(field: &'static FormField, value: String, commit: impl Fn(String) + 'static) -> AnyView {
    let message = RwSignal::new(form::check(field, &value));
    view! {
        <div class="form-field" data-field=field.id()>
            <label>{field.label}</label>
            <input prop:value=value on:input=move |ev| message.set(form::check(field, &event_target_value(&ev)))
                on:change=move |ev| commit(event_target_value(&ev))/>
            {move || message.get().map(|m| view! { <div class="error field-error">{m}</div> })}
        </div>
    }
    .into_any()
}

/// The list of the project's agents, for the palette column.
#[component]
pub fn AgentList() -> impl IntoView {
    let ed: Editor = expect_context();
    let names = move || -> Vec<String> {
        ed.doc.with(|d| {
            let names = d
                .as_ref()
                .map(|d| d.project.agent_names())
                .unwrap_or_default();
            names.into_iter().map(str::to_owned).collect()
        })
    };
    let add = move |_| {
        ed.run(Command::AddAgent {
            name: "Agent".to_owned(),
        });
        let last = ed.doc.with_untracked(|d| {
            d.as_ref()
                .and_then(|d| d.project.agents.last().map(|a| a.agent_name.clone()))
        });
        ed.selection.set(vec![]);
        ed.agent.set(last);
    };
    view! {
        <div class="agent-list" id="agents">
            <h3>"Agents" <button class="add" id="add-agent" on:click=add>"+ agent"</button></h3>
            {move || names().into_iter().map(|n| {
                let n2 = n.clone();
                let current = move || ed.agent.get().as_deref() == Some(n2.as_str());
                let n3 = n.clone();
                view! {
                    <button class="agent-item" class:current=current data-agent=n.clone() on:click=move |_| {
                        ed.selection.set(vec![]);
                        ed.agent.set(Some(n3.clone()));
                    }>
                        <span class="icon">"☺"</span>
                        <span class="name">{n.clone()}</span>
                    </button>
                }
            }).collect_view()}
        </div>
    }
}

/// The editor of one agent of the project.
pub fn agent_editor(ed: Editor, name: &str) -> AnyView {
    let Some(agent) = agent_named(&ed, name) else {
        return view! { <p class="hint">{format!("The project has no agent {name:?}.")}</p> }
            .into_any();
    };
    let a = agent.clone();
    let memory_on = agent.memory_configuration.as_ref().is_some_and(|m| {
        m.enabled_memory_types
            .iter()
            .any(|t| t == "SESSION_SUMMARY")
    });
    let inner = serde_json::to_value(&agent).unwrap_or_default();
    let field = |f: &'static FormField, options: FieldOptions| {
        field_view(ed, f, &inner, agent_apply(ed, &agent, f), options)
    };
    let plain = |f: &'static FormField| field(f, FieldOptions::default());
    let ag = |f: fn(Editor, &Agent) -> AnyView| f(ed, &agent);
    view! {
        <div class="agent-editor" id="agent-editor" data-agent=agent.agent_name.clone()>
            <h3>"Agent" <button class="add" title="Close the agent editor" on:click=move |_| ed.agent.set(None)>"×"</button></h3>
            {plain(&agent_form::NAME)}
            {plain(&agent_form::FOUNDATION_MODEL)}
            {field(&agent_form::INSTRUCTION, FieldOptions { input_id: Some("agent-instruction"), counter: true })}
            {plain(&agent_form::DESCRIPTION)}
            {plain(&agent_form::IDLE_SESSION_TTL)}
            <h4>"Target"</h4>
            {project_target(ed)}
            {plain(&agent_form::AGENT_TARGET)}
            <h4>"Guardrail"</h4>
            {plain(&agent_form::GUARDRAIL[0])}
            {plain(&agent_form::GUARDRAIL[1])}
            <h4>"Memory"</h4>
            <label class="check"><input type="checkbox" id="memory" prop:checked=memory_on on:change={
                let a = a.clone();
                move |ev| {
                    let on = event_target_checked(&ev);
                    update(ed, &a, |x| x.memory_configuration = on.then(|| MemoryConfiguration {
                        enabled_memory_types: vec!["SESSION_SUMMARY".to_owned()],
                        storage_days: Some(30),
                        session_summary_configuration: None,
                    }));
                }
            }/>" Session summaries across sessions"</label>
            {memory_on.then(|| plain(&agent_form::STORAGE_DAYS))}
            {ag(knowledge_bases)}
            {ag(action_groups)}
            {ag(collaborators)}
            {ag(prompt_overrides)}
        </div>
    }
    .into_any()
}

/// The project's `agentTarget`: where its agents ship unless one says otherwise.
fn project_target(ed: Editor) -> AnyView {
    let current = ed.doc.with(|d| {
        d.as_ref()
            .and_then(|d| d.project.agent_target.as_ref())
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default()
    });
    let options = [
        ("agentcore", "AgentCore"),
        ("classic", "Agents Classic"),
        ("", "unset (Agents Classic)"),
    ]
    .into_iter()
    .map(|(v, label)| view! { <option value=v selected=v == current>{label}</option> })
    .collect_view();
    view! {
        <div class="form-field" data-field="projectAgentTarget">
            <label>"Project default"</label>
            <select id="project-agent-target" title="Where the project's agents ship unless an agent says otherwise" on:change=move |ev| {
                let v = event_target_value(&ev);
                ed.run(Command::SetAgentTarget {
                    target: (!v.is_empty()).then(|| Lenient::from_str_lenient(&v)),
                });
            }>{options}</select>
        </div>
    }
    .into_any()
}

fn knowledge_bases(ed: Editor, agent: &Agent) -> AnyView {
    let rows = agent
        .knowledge_bases
        .iter()
        .enumerate()
        .map(|(i, kb)| {
            let [a1, a2, a3, a4] = copies(agent);
            let enabled = kb.knowledge_base_state != Some(Lenient::Known(State::Disabled));
            view! {
                <div class="row kb" data-kb=kb.knowledge_base_id.clone()>
                    <input class="name" placeholder="id" prop:value=kb.knowledge_base_id.clone() on:change=move |ev| {
                        update(ed, &a1, |x| x.knowledge_bases[i].knowledge_base_id = event_target_value(&ev))
                    }/>
                    <input placeholder="what it holds (1–200)" prop:value=kb.description.clone() on:change=move |ev| {
                        update(ed, &a2, |x| x.knowledge_bases[i].description = event_target_value(&ev))
                    }/>
                    <input type="checkbox" title="Enabled" prop:checked=enabled on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        update(ed, &a3, |x| x.knowledge_bases[i].knowledge_base_state =
                            Some(State::from_on(on).into()))
                    }/>
                    <button class="remove" title="Remove" on:click=move |_| update(ed, &a4, |x| { x.knowledge_bases.remove(i); })>"×"</button>
                </div>
            }
        })
        .collect_view();
    let a = agent.clone();
    view! {
        <section class="agent-section" id="agent-kbs">
            <h4>"Knowledge bases" <button class="add" on:click=move |_| update(ed, &a, |x| x.knowledge_bases.push(AgentKnowledgeBase {
                knowledge_base_id: String::new(),
                description: String::new(),
                knowledge_base_state: None,
            }))>"+ knowledge base"</button></h4>
            {rows}
        </section>
    }
    .into_any()
}

/// Multi-agent collaboration: the agent's role, and its collaborators (a project agent that
/// stands in locally and/or the deployed alias, the instruction for when to use it, and
/// whether the conversation is relayed).
fn collaborators(ed: Editor, agent: &Agent) -> AnyView {
    let others: Vec<String> = ed.doc.with_untracked(|d| {
        d.as_ref()
            .map(|d| {
                let names = d.project.agent_names().into_iter();
                names
                    .filter(|n| *n != agent.agent_name)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    });
    let role = agent
        .agent_collaboration
        .as_ref()
        .map_or_else(|| "DISABLED".to_owned(), |c| c.as_str().to_owned());
    let a = agent.clone();
    let roles = Collaboration::VALUES
        .iter()
        .map(|c| {
            let v = c.as_str();
            view! { <option value=v selected=v == role>{v}</option> }
        })
        .collect_view();
    let rows = agent
        .collaborators
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let [a1, a2, a3, a4, a5, a6] = copies(agent);
            let local = c.agent_descriptor.project_agent.clone().unwrap_or_default();
            let choices = std::iter::once(String::new())
                .chain(others.iter().cloned())
                .map(|n| {
                    let label = if n.is_empty() { "(deployed alias only)".to_owned() } else { n.clone() };
                    view! { <option value=n.clone() selected=n == local>{label}</option> }
                })
                .collect_view();
            let alias = c.agent_descriptor.alias_arn.clone().unwrap_or_default();
            let alias_problem = form::check(&agent_form::COLLABORATOR_ALIAS_ARN, &alias);
            let relay = c.relay_conversation_history == Some(Lenient::Known(RelayConversationHistory::ToCollaborator));
            view! {
                <div class="row collaborator" data-collaborator=c.collaborator_name.clone()>
                    <input class="name" placeholder="name" prop:value=c.collaborator_name.clone() on:change=move |ev| {
                        update(ed, &a1, |x| x.collaborators[i].collaborator_name = event_target_value(&ev))
                    }/>
                    <select class="agent" title="The project agent that stands in for it on this machine" on:change=move |ev| {
                        update(ed, &a2, |x| x.collaborators[i].agent_descriptor.project_agent = opt(event_target_value(&ev)))
                    }>{choices}</select>
                    <input class="alias" placeholder="agent alias ARN (for deploy)" prop:value=alias on:change=move |ev| {
                        update(ed, &a3, |x| x.collaborators[i].agent_descriptor.alias_arn = opt(event_target_value(&ev)))
                    }/>
                    <label class="check history" title="Relay the conversation history to the collaborator">
                        <input type="checkbox" prop:checked=relay on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            update(ed, &a4, |x| x.collaborators[i].relay_conversation_history =
                                Some(if on { RelayConversationHistory::ToCollaborator } else { RelayConversationHistory::Disabled }.into()))
                        }/>" history"
                    </label>
                    <button class="remove" title="Remove" on:click=move |_| update(ed, &a5, |x| { x.collaborators.remove(i); })>"×"</button>
                    <textarea class="short instruction" placeholder="when the supervisor should ask it, and for what"
                        prop:value=c.collaboration_instruction.clone() on:change=move |ev| {
                        update(ed, &a6, |x| x.collaborators[i].collaboration_instruction = event_target_value(&ev))
                    }></textarea>
                    {alias_problem.map(|m| view! { <div class="error field-error">{m}</div> })}
                </div>
            }
        })
        .collect_view();
    let a2 = agent.clone();
    let add = move |_| {
        update(ed, &a2, |x| {
            x.collaborators.push(Collaborator {
                collaborator_name: String::new(),
                agent_descriptor: AgentDescriptor {
                    alias_arn: None,
                    project_agent: None,
                },
                collaboration_instruction: String::new(),
                relay_conversation_history: None,
            });
            if !matches!(
                x.agent_collaboration.as_ref().and_then(|c| c.get()),
                Some(Collaboration::Supervisor | Collaboration::SupervisorRouter)
            ) {
                x.agent_collaboration = Some(Lenient::Known(Collaboration::Supervisor));
            }
        })
    };
    view! {
        <section class="agent-section" id="agent-collaborators">
            <h4>"Collaboration" <button class="add" id="add-collaborator" on:click=add>"+ collaborator"</button></h4>
            <div class="form-field" data-field="agentCollaboration">
                <label>"Role"</label>
                <select id="agent-collaboration" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    update(ed, &a, |x| x.agent_collaboration = (v != "DISABLED").then(|| Lenient::from_str_lenient(&v)))
                }>{roles}</select>
            </div>
            {rows}
        </section>
    }
    .into_any()
}
