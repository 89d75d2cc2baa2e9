//! An agent's action groups: each group's executor (Lambda, local handler, or return of control),
//! and its schema as a function table or an OpenAPI text with its parsed operations.

use super::{copies, line, opt, update};
use crate::Editor;
use leptos::prelude::*;
use std::collections::BTreeMap;
use strata::model::agent::{
    ActionGroup, ActionGroupExecutor, Agent, ApiSchema, Function, FunctionSchema, ParameterDetail,
    ParameterType, State,
};
use strata::model::lenient::{Lenient, StrEnum};
use strata::nodes::form::agent as agent_form;

pub(super) fn action_groups(ed: Editor, agent: &Agent) -> AnyView {
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
    let [a1, a2, a3, a4, a5, a6] = copies(agent);
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
                    {line(&agent_form::ACTION_GROUP_LAMBDA, arn, move |v| {
                        group_update(ed, &a, g, |x| x.action_group_executor = Some(ActionGroupExecutor::Lambda(v)))
                    })}
                    {line(&agent_form::ACTION_GROUP_LOCAL_HANDLER, group.local_handler.clone().unwrap_or_default(), move |v| {
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
    let [a1, a2, a3, a4, a5] = copies(agent);
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
