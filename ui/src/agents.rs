//! The agent editor: the project's agents, and one agent's model, instruction (with a live
//! character counter), action groups (function tables or an OpenAPI text with its parsed
//! operations), executor, knowledge bases, guardrail, memory, collaborators and prompt
//! overrides.
//!
//! Every change builds the edited agent and applies it as one `SetAgent` command, so undo
//! and redo cover the agent editor like the canvas.

use crate::Editor;
use leptos::prelude::*;
use std::collections::BTreeMap;
use strata::edit::Command;
use strata::model::agent::{
    ActionGroup, ActionGroupExecutor, Agent, AgentDescriptor, AgentInference, AgentKnowledgeBase,
    ApiSchema, Collaboration, Collaborator, CreationMode, Function, FunctionSchema,
    MemoryConfiguration, ParameterDetail, ParameterType, PromptConfiguration,
    PromptOverrideConfiguration, PromptType, RelayConversationHistory, State,
};
use strata::model::common::GuardrailConfiguration;
use strata::model::lenient::{Lenient, StrEnum};
use strata::nodes::fields::Pattern;

/// Bedrock's limits on an agent's instruction.
pub const INSTRUCTION_MIN: usize = 40;
pub const INSTRUCTION_MAX: usize = 4000;

/// The prompt types CreateAgent takes overrides for.
const PROMPT_TYPES: [PromptType; 5] = [
    PromptType::PreProcessing,
    PromptType::Orchestration,
    PromptType::PostProcessing,
    PromptType::KnowledgeBaseResponseGeneration,
    PromptType::MemorySummarization,
];

/// The counter under the instruction: its text and whether Bedrock would refuse the length.
pub fn instruction_count(text: &str) -> (String, bool) {
    let n = text.chars().count();
    let bad = !(INSTRUCTION_MIN..=INSTRUCTION_MAX).contains(&n);
    let note = if n < INSTRUCTION_MIN {
        format!(" — at least {INSTRUCTION_MIN}")
    } else if n > INSTRUCTION_MAX {
        format!(" — {} too many", n - INSTRUCTION_MAX)
    } else {
        String::new()
    };
    (format!("{n} / {INSTRUCTION_MAX}{note}"), bad)
}

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

fn opt(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

/// A one-line field with a live check and a commit on change.
fn line(
    label: &'static str,
    id: &'static str,
    value: String,
    check: impl Fn(&str) -> Option<String> + Copy + 'static,
    commit: impl Fn(String) + 'static,
) -> AnyView {
    let message = RwSignal::new(check(&value));
    view! {
        <div class="form-field" data-field=id>
            <label>{label}</label>
            <input prop:value=value on:input=move |ev| message.set(check(&event_target_value(&ev)))
                on:change=move |ev| commit(event_target_value(&ev))/>
            {move || message.get().map(|m| view! { <div class="error field-error">{m}</div> })}
        </div>
    }
    .into_any()
}

fn length(min: usize, max: usize) -> impl Fn(&str) -> Option<String> + Copy {
    move |s: &str| {
        let n = s.chars().count();
        (!s.is_empty() && (n < min || n > max))
            .then(|| format!("{n} characters; Bedrock takes {min} to {max}"))
    }
}

fn pattern(p: Pattern) -> impl Fn(&str) -> Option<String> + Copy {
    move |s: &str| (!s.is_empty() && !p.matches(s)).then(|| format!("Must be {}", p.describe()))
}

fn integer(min: u32, max: u32) -> impl Fn(&str) -> Option<String> + Copy {
    move |s: &str| {
        if s.trim().is_empty() {
            return None;
        }
        match s.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => None,
            Ok(n) => Some(format!("{n}; Bedrock takes {min} to {max}")),
            Err(_) => Some("a whole number".to_owned()),
        }
    }
}

/// The list of the project's agents, for the palette column.
#[component]
pub fn AgentList() -> impl IntoView {
    let ed: Editor = expect_context();
    let names = move || {
        ed.doc.with(|d| {
            d.as_ref()
                .map(|d| {
                    d.project
                        .agents
                        .iter()
                        .map(|a| a.agent_name.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
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
    let instruction = agent.instruction.clone().unwrap_or_default();
    let count = RwSignal::new(instruction_count(&instruction));
    let guard = agent.guardrail_configuration.clone().unwrap_or_default();
    let memory_on = agent.memory_configuration.as_ref().is_some_and(|m| {
        m.enabled_memory_types
            .iter()
            .any(|t| t == "SESSION_SUMMARY")
    });
    let ag = |f: fn(Editor, &Agent) -> AnyView| f(ed, &agent);
    view! {
        <div class="agent-editor" id="agent-editor" data-agent=agent.agent_name.clone()>
            <h3>"Agent" <button class="add" title="Close the agent editor" on:click=move |_| ed.agent.set(None)>"×"</button></h3>
            {line("Name", "agentName", agent.agent_name.clone(), pattern(Pattern::ResourceName), {
                let a = a.clone();
                move |v| update(ed, &a, |x| x.agent_name = v)
            })}
            {line("Foundation model", "foundationModel", agent.foundation_model.clone().unwrap_or_default(), pattern(Pattern::ModelId), {
                let a = a.clone();
                move |v| update(ed, &a, |x| x.foundation_model = opt(v))
            })}
            <div class="form-field" data-field="instruction">
                <label>"Instruction"</label>
                <textarea class="long" id="agent-instruction" prop:value=instruction
                    on:input=move |ev| count.set(instruction_count(&event_target_value(&ev)))
                    on:change={
                        let a = a.clone();
                        move |ev| update(ed, &a, |x| x.instruction = opt(event_target_value(&ev)))
                    }></textarea>
                <div id="instruction-count" class="counter" class:bad=move || count.get().1>{move || count.get().0}</div>
            </div>
            {line("Description", "description", agent.description.clone().unwrap_or_default(), length(1, 200), {
                let a = a.clone();
                move |v| update(ed, &a, |x| x.description = opt(v))
            })}
            {line("Idle session TTL (seconds)", "idleSessionTTLInSeconds",
                agent.idle_session_ttl_in_seconds.map(|n| n.to_string()).unwrap_or_default(), integer(60, 5400), {
                let a = a.clone();
                move |v| {
                    if let Ok(n) = v.trim().parse() {
                        update(ed, &a, |x| x.idle_session_ttl_in_seconds = Some(n));
                    } else if v.trim().is_empty() {
                        update(ed, &a, |x| x.idle_session_ttl_in_seconds = None);
                    }
                }
            })}
            <h4>"Guardrail"</h4>
            {line("Guardrail", "guardrailIdentifier", guard.guardrail_identifier.clone().unwrap_or_default(), pattern(Pattern::GuardrailIdentifier), {
                let a = a.clone();
                move |v| update(ed, &a, |x| set_guardrail(x, |g| g.guardrail_identifier = opt(v)))
            })}
            {line("Guardrail version", "guardrailVersion", guard.guardrail_version.clone().unwrap_or_default(), pattern(Pattern::GuardrailVersion), {
                let a = a.clone();
                move |v| update(ed, &a, |x| set_guardrail(x, |g| g.guardrail_version = opt(v)))
            })}
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
            {memory_on.then(|| line("Storage days", "storageDays",
                agent.memory_configuration.as_ref().and_then(|m| m.storage_days).map(|n| n.to_string()).unwrap_or_default(),
                integer(0, 365), {
                let a = a.clone();
                move |v| if let Ok(n) = v.trim().parse() {
                    update(ed, &a, |x| if let Some(m) = &mut x.memory_configuration { m.storage_days = Some(n) });
                }
            }))}
            {ag(knowledge_bases)}
            {ag(action_groups)}
            {ag(collaborators)}
            {ag(prompt_overrides)}
        </div>
    }
    .into_any()
}

fn set_guardrail(agent: &mut Agent, change: impl FnOnce(&mut GuardrailConfiguration)) {
    let mut g = agent.guardrail_configuration.clone().unwrap_or_default();
    change(&mut g);
    agent.guardrail_configuration =
        (g.guardrail_identifier.is_some() || g.guardrail_version.is_some()).then_some(g);
}

fn knowledge_bases(ed: Editor, agent: &Agent) -> AnyView {
    let rows = agent
        .knowledge_bases
        .iter()
        .enumerate()
        .map(|(i, kb)| {
            let (a1, a2, a3, a4) = (agent.clone(), agent.clone(), agent.clone(), agent.clone());
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
                d.project
                    .agents
                    .iter()
                    .map(|a| a.agent_name.clone())
                    .filter(|n| *n != agent.agent_name)
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
            let (a1, a2, a3, a4, a5, a6) = (
                agent.clone(),
                agent.clone(),
                agent.clone(),
                agent.clone(),
                agent.clone(),
                agent.clone(),
            );
            let local = c.agent_descriptor.project_agent.clone().unwrap_or_default();
            let choices = std::iter::once(String::new())
                .chain(others.iter().cloned())
                .map(|n| {
                    let label = if n.is_empty() { "(deployed alias only)".to_owned() } else { n.clone() };
                    view! { <option value=n.clone() selected=n == local>{label}</option> }
                })
                .collect_view();
            let alias = c.agent_descriptor.alias_arn.clone().unwrap_or_default();
            let alias_problem = (!alias.is_empty() && !Pattern::AgentAliasArn.matches(&alias))
                .then(|| Pattern::AgentAliasArn.describe());
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

fn action_groups(ed: Editor, agent: &Agent) -> AnyView {
    let groups = agent
        .action_groups
        .iter()
        .enumerate()
        .map(|(g, group)| action_group(ed, agent, g, group))
        .collect_view();
    let a = agent.clone();
    let add = move |_| {
        update(ed, &a, |x| {
            let taken = |n: &str| x.action_groups.iter().any(|g| g.action_group_name == n);
            let name = (1..)
                .map(|i| format!("actions{i}"))
                .find(|n| !taken(n))
                .unwrap_or_default();
            x.action_groups.push(ActionGroup {
                action_group_name: name,
                description: None,
                action_group_executor: Some(ActionGroupExecutor::CustomControl(
                    "RETURN_CONTROL".to_owned(),
                )),
                api_schema: None,
                function_schema: Some(FunctionSchema::Functions(vec![])),
                parent_action_group_signature: None,
                parent_action_group_signature_params: BTreeMap::new(),
                action_group_state: None,
                local_handler: None,
            })
        })
    };
    view! {
        <section class="agent-section" id="action-groups">
            <h4>"Action groups" <button class="add" id="add-action-group" on:click=add>"+ action group"</button></h4>
            {groups}
        </section>
    }
    .into_any()
}

/// Runs `change` on action group `g` of the agent.
fn group_update(ed: Editor, agent: &Agent, g: usize, change: impl FnOnce(&mut ActionGroup)) {
    update(ed, agent, |x| {
        if let Some(group) = x.action_groups.get_mut(g) {
            change(group);
        }
    });
}

fn action_group(ed: Editor, agent: &Agent, g: usize, group: &ActionGroup) -> AnyView {
    if let Some(signature) = &group.parent_action_group_signature {
        // A built-in group (AMAZON.UserInput, AMAZON.CodeInterpreter): Bedrock supplies its
        // tool; it has no executor or schema to edit.
        let a = agent.clone();
        let what = match signature.as_str() {
            "AMAZON.UserInput" => "the agent may ask the user for missing information",
            "AMAZON.CodeInterpreter" => "the agent may write and run code",
            _ => "a built-in action group",
        };
        return view! {
            <div class="action-group builtin" data-group=group.action_group_name.clone()>
                <div class="group-head">
                    <span class="name">{group.action_group_name.clone()}</span>
                    <button class="remove" title="Remove the action group" on:click=move |_| update(ed, &a, |x| { x.action_groups.remove(g); })>"×"</button>
                </div>
                <p class="hint">{format!("Built in ({}): {what}.", signature.as_str())}</p>
            </div>
        }
        .into_any();
    }
    let executor = match &group.action_group_executor {
        Some(ActionGroupExecutor::Lambda(_)) => "lambda",
        Some(ActionGroupExecutor::CustomControl(_)) => "RETURN_CONTROL",
        None => "",
    };
    let schema = match (&group.api_schema, &group.function_schema) {
        (Some(_), _) => "openapi",
        (None, Some(_)) => "functions",
        (None, None) => "",
    };
    let lambda = match &group.action_group_executor {
        Some(ActionGroupExecutor::Lambda(arn)) => Some(arn.clone()),
        Some(ActionGroupExecutor::CustomControl(_)) | None => None,
    };
    let (a1, a2, a3, a4, a5, a6) = (
        agent.clone(),
        agent.clone(),
        agent.clone(),
        agent.clone(),
        agent.clone(),
        agent.clone(),
    );
    let body = match schema {
        "openapi" => openapi_editor(ed, agent, g, group),
        "functions" => functions_editor(ed, agent, g, group),
        _ => view! { <p class="hint">"A built-in or S3-hosted schema: edit it in the project file."</p> }.into_any(),
    };
    view! {
        <div class="action-group" data-group=group.action_group_name.clone()>
            <div class="group-head">
                <input class="name" prop:value=group.action_group_name.clone() on:change=move |ev| {
                    group_update(ed, &a1, g, |x| x.action_group_name = event_target_value(&ev))
                }/>
                <button class="remove" title="Remove the action group" on:click=move |_| update(ed, &a2, |x| { x.action_groups.remove(g); })>"×"</button>
            </div>
            <input class="wide" placeholder="description (1–200)" prop:value=group.description.clone().unwrap_or_default() on:change=move |ev| {
                group_update(ed, &a3, g, |x| x.description = opt(event_target_value(&ev)))
            }/>
            <div class="pair">
                <label>"Executor "
                    <select class="executor" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        group_update(ed, &a4, g, |x| x.action_group_executor = Some(if v == "lambda" {
                            ActionGroupExecutor::Lambda(String::new())
                        } else {
                            ActionGroupExecutor::CustomControl("RETURN_CONTROL".to_owned())
                        }))
                    }>
                        <option value="lambda" selected=executor == "lambda">"Lambda"</option>
                        <option value="RETURN_CONTROL" selected=executor == "RETURN_CONTROL">"Return control"</option>
                    </select>
                </label>
                <label>"Schema "
                    <select class="schema" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        group_update(ed, &a5, g, |x| if v == "openapi" {
                            x.function_schema = None;
                            x.api_schema = Some(ApiSchema::Payload(OPENAPI_START.to_owned()));
                        } else {
                            x.api_schema = None;
                            x.function_schema = Some(FunctionSchema::Functions(vec![]));
                        })
                    }>
                        <option value="functions" selected=schema == "functions">"Functions"</option>
                        <option value="openapi" selected=schema == "openapi">"OpenAPI"</option>
                    </select>
                </label>
            </div>
            {lambda.map(|arn| {
                let a = a6.clone();
                let b = a6.clone();
                view! {
                    {line("Lambda ARN", "lambda", arn, pattern(Pattern::LambdaArn), move |v| {
                        group_update(ed, &a, g, |x| x.action_group_executor = Some(ActionGroupExecutor::Lambda(v)))
                    })}
                    {line("Local handler", "localHandler", group.local_handler.clone().unwrap_or_default(), |_| None, move |v| {
                        group_update(ed, &b, g, |x| x.local_handler = opt(v))
                    })}
                }
            })}
            {body}
        </div>
    }
    .into_any()
}

const OPENAPI_START: &str =
    "openapi: 3.0.0\ninfo:\n  title: actions\n  version: 1.0.0\npaths: {}\n";

fn openapi_editor(ed: Editor, agent: &Agent, g: usize, group: &ActionGroup) -> AnyView {
    let text = match &group.api_schema {
        Some(ApiSchema::Payload(p)) => p.clone(),
        Some(ApiSchema::S3(_)) | None => String::new(),
    };
    let draft = RwSignal::new(text.clone());
    let a = agent.clone();
    let operations = move || {
        match strata::openapi::parse(&draft.get()) {
        Err(e) => view! { <div class="error openapi-error">{e.to_string()}</div> }.into_any(),
        Ok(doc) if doc.operations.is_empty() => {
            view! { <p class="hint">"No operations yet: add paths."</p> }.into_any()
        }
        Ok(doc) => view! {
            <ul class="operations">
                {doc.operations.iter().map(|op| view! {
                    <li class="operation">
                        <span class="method">{op.method.to_uppercase()}</span>" "
                        <span class="path">{op.path.clone()}</span>" "
                        <span class="op-id">{op.operation_id.clone().unwrap_or_else(|| "(no operationId)".to_owned())}</span>
                        {op.require_confirmation.then(|| view! { <span class="confirm">" confirms"</span> })}
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    };
    view! {
        <div class="openapi">
            <textarea class="long code openapi-text" spellcheck="false" prop:value=text
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    group_update(ed, &a, g, |x| x.api_schema = Some(ApiSchema::Payload(v)))
                }></textarea>
            {operations}
        </div>
    }
    .into_any()
}

/// Runs `change` on the function list of action group `g`.
fn functions_update(ed: Editor, agent: &Agent, g: usize, change: impl FnOnce(&mut Vec<Function>)) {
    group_update(ed, agent, g, |x| {
        let mut list = x
            .function_schema
            .as_ref()
            .map(|s| s.functions().to_vec())
            .unwrap_or_default();
        change(&mut list);
        x.function_schema = Some(FunctionSchema::Functions(list));
    });
}

fn functions_editor(ed: Editor, agent: &Agent, g: usize, group: &ActionGroup) -> AnyView {
    let functions = group
        .function_schema
        .as_ref()
        .map(|s| s.functions().to_vec())
        .unwrap_or_default();
    let rows = functions
        .iter()
        .enumerate()
        .map(|(f, function)| function_view(ed, agent, g, f, function))
        .collect_view();
    let a = agent.clone();
    let add = move |_| {
        functions_update(ed, &a, g, |list| {
            let name = (1..)
                .map(|i| format!("function{i}"))
                .find(|n| !list.iter().any(|f| f.name == *n))
                .unwrap_or_default();
            list.push(Function {
                name,
                description: None,
                parameters: BTreeMap::new(),
                require_confirmation: None,
            })
        })
    };
    view! {
        <div class="functions">
            {rows}
            <button class="add add-function" on:click=add>"+ function"</button>
        </div>
    }
    .into_any()
}

fn function_view(ed: Editor, agent: &Agent, g: usize, f: usize, function: &Function) -> AnyView {
    let fu = move |a: &Agent, change: Box<dyn FnOnce(&mut Function)>| {
        functions_update(ed, a, g, |list| {
            if let Some(x) = list.get_mut(f) {
                change(x);
            }
        })
    };
    let (a1, a2, a3, a4, a5) = (
        agent.clone(),
        agent.clone(),
        agent.clone(),
        agent.clone(),
        agent.clone(),
    );
    let params = function
        .parameters
        .iter()
        .map(|(p, detail)| {
            let (b1, b2, b3, b4, b5) = (
                agent.clone(),
                agent.clone(),
                agent.clone(),
                agent.clone(),
                agent.clone(),
            );
            let (p1, p2, p3, p4, p5) = (p.clone(), p.clone(), p.clone(), p.clone(), p.clone());
            let types = ParameterType::VALUES
                .iter()
                .map(|t| {
                    let s = t.as_str();
                    view! { <option value=s selected=detail.param_type.as_str() == s>{s}</option> }
                })
                .collect_view();
            view! {
                <div class="row param" data-param=p.clone()>
                    <input class="name" prop:value=p.clone() on:change=move |ev| {
                        let to = event_target_value(&ev);
                        let p1 = p1.clone();
                        fu(&b1, Box::new(move |x: &mut Function| {
                            if let Some(d) = x.parameters.remove(&p1) {
                                x.parameters.insert(to, d);
                            }
                        }))
                    }/>
                    <select on:change=move |ev| {
                        let t = event_target_value(&ev);
                        let p2 = p2.clone();
                        fu(&b2, Box::new(move |x: &mut Function| {
                            if let Some(d) = x.parameters.get_mut(&p2) { d.param_type = Lenient::from_str_lenient(&t) }
                        }))
                    }>{types}</select>
                    <input placeholder="description" prop:value=detail.description.clone().unwrap_or_default() on:change=move |ev| {
                        let v = opt(event_target_value(&ev));
                        let p3 = p3.clone();
                        fu(&b3, Box::new(move |x: &mut Function| {
                            if let Some(d) = x.parameters.get_mut(&p3) { d.description = v }
                        }))
                    }/>
                    <input type="checkbox" title="Required" prop:checked=detail.required.unwrap_or(false) on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        let p4 = p4.clone();
                        fu(&b4, Box::new(move |x: &mut Function| {
                            if let Some(d) = x.parameters.get_mut(&p4) { d.required = Some(on) }
                        }))
                    }/>
                    <button class="remove" title="Remove" on:click=move |_| {
                        let p = p5.clone();
                        fu(&b5, Box::new(move |x: &mut Function| { x.parameters.remove(&p); }))
                    }>"×"</button>
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="function" data-function=function.name.clone()>
            <div class="group-head">
                <input class="name" prop:value=function.name.clone() on:change=move |ev| {
                    let v = event_target_value(&ev);
                    fu(&a1, Box::new(move |x: &mut Function| x.name = v))
                }/>
                <label class="check" title="Ask the user before running it"><input type="checkbox" prop:checked=function.requires_confirmation() on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    fu(&a2, Box::new(move |x: &mut Function| x.require_confirmation = Some(State::from_on(on).into())))
                }/>" confirm"</label>
                <button class="remove" title="Remove the function" on:click=move |_| {
                    functions_update(ed, &a3, g, |list| { list.remove(f); })
                }>"×"</button>
            </div>
            <input class="wide" placeholder="what it does, for the model (1–1200)" prop:value=function.description.clone().unwrap_or_default() on:change=move |ev| {
                let v = opt(event_target_value(&ev));
                fu(&a4, Box::new(move |x: &mut Function| x.description = v))
            }/>
            <div class="params-head"><span>"parameter"</span><span>"type"</span><span>"description"</span><span>"req."</span></div>
            {params}
            <button class="add" on:click=move |_| fu(&a5, Box::new(|x: &mut Function| {
                let name = (1..).map(|i| format!("param{i}")).find(|n| !x.parameters.contains_key(n)).unwrap_or_default();
                x.parameters.insert(name, ParameterDetail {
                    param_type: Lenient::Known(ParameterType::String),
                    description: None,
                    required: Some(true),
                });
            }))>"+ parameter"</button>
        </div>
    }
    .into_any()
}

/// Runs `change` on the override of `prompt_type`, creating it (OVERRIDDEN) when missing and
/// dropping the whole configuration when no override is left.
fn override_update(
    ed: Editor,
    agent: &Agent,
    prompt_type: PromptType,
    change: impl FnOnce(&mut Option<PromptConfiguration>),
) {
    update(ed, agent, |x| {
        let mut o =
            x.prompt_override_configuration
                .clone()
                .unwrap_or(PromptOverrideConfiguration {
                    prompt_configurations: vec![],
                    override_lambda: None,
                });
        let at = o
            .prompt_configurations
            .iter()
            .position(|c| c.prompt_type.as_ref().and_then(Lenient::get) == Some(prompt_type));
        let mut one = at.map(|i| o.prompt_configurations.remove(i));
        change(&mut one);
        if let Some(c) = one {
            o.prompt_configurations
                .insert(at.unwrap_or(o.prompt_configurations.len()), c);
        }
        x.prompt_override_configuration =
            (!o.prompt_configurations.is_empty() || o.override_lambda.is_some()).then_some(o);
    });
}

fn prompt_overrides(ed: Editor, agent: &Agent) -> AnyView {
    let rows = PROMPT_TYPES
        .iter()
        .map(|&t| {
            let current = agent.prompt_override_configuration.as_ref().and_then(|o| {
                o.prompt_configurations
                    .iter()
                    .find(|c| c.prompt_type.as_ref().and_then(Lenient::get) == Some(t))
                    .cloned()
            });
            let overridden = current
                .as_ref()
                .is_some_and(|c| c.prompt_creation_mode == Some(Lenient::Known(CreationMode::Overridden)));
            let (a1, a2, a3, a4) = (agent.clone(), agent.clone(), agent.clone(), agent.clone());
            let details = current.filter(|_| overridden).map(|c| {
                let enabled = c.prompt_state != Some(Lenient::Known(State::Disabled));
                let temp = c
                    .inference_configuration
                    .as_ref()
                    .and_then(|i| i.temperature)
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                view! {
                    <label class="check"><input type="checkbox" prop:checked=enabled on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        override_update(ed, &a2, t, |c| if let Some(c) = c {
                            c.prompt_state = Some(State::from_on(on).into());
                        })
                    }/>" enabled"</label>
                    <textarea class="long code" spellcheck="false" placeholder="base prompt template" prop:value=c.base_prompt_template.clone().unwrap_or_default()
                        on:change=move |ev| {
                            let v = opt(event_target_value(&ev));
                            override_update(ed, &a3, t, |c| if let Some(c) = c { c.base_prompt_template = v })
                        }></textarea>
                    {line("Temperature", "temperature", temp, |s| {
                        (!s.trim().is_empty() && !s.trim().parse::<f64>().is_ok_and(|v| (0.0..=1.0).contains(&v)))
                            .then(|| "a number from 0 to 1".to_owned())
                    }, move |v| {
                        let value = v.trim().parse::<f64>().ok().filter(|v| (0.0..=1.0).contains(v));
                        if value.is_some() || v.trim().is_empty() {
                            override_update(ed, &a4, t, |c| if let Some(c) = c {
                                let mut inf = c.inference_configuration.clone().unwrap_or_default();
                                inf.temperature = value;
                                c.inference_configuration = Some(inf).filter(|i| *i != AgentInference::default());
                            })
                        }
                    })}
                }
            });
            view! {
                <div class="override" data-prompt-type=t.as_str()>
                    <label class="check"><input type="checkbox" prop:checked=overridden on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        override_update(ed, &a1, t, |c| *c = on.then(|| PromptConfiguration {
                            prompt_type: Some(Lenient::Known(t)),
                            prompt_creation_mode: Some(CreationMode::Overridden.into()),
                            prompt_state: Some(State::Enabled.into()),
                            base_prompt_template: None,
                            inference_configuration: None,
                            parser_mode: None,
                            foundation_model: None,
                            additional_model_request_fields: None,
                        }))
                    }/>{format!(" {}", t.as_str())}</label>
                    {details}
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="agent-section" id="prompt-overrides">
            <h4>"Prompt overrides"</h4>
            {rows}
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counter_says_when_bedrock_refuses() {
        assert_eq!(
            instruction_count("short"),
            ("5 / 4000 — at least 40".to_owned(), true)
        );
        let ok = "x".repeat(40);
        assert_eq!(instruction_count(&ok), ("40 / 4000".to_owned(), false));
        let long = "é".repeat(4001);
        assert_eq!(
            instruction_count(&long),
            ("4001 / 4000 — 1 too many".to_owned(), true)
        );
    }
}
