//! An agent's prompt overrides: per prompt type, the template, parser and inference settings.

use super::{copies, line, opt, update};
use crate::Editor;
use leptos::prelude::*;
use strata::model::agent::{
    Agent, AgentInference, CreationMode, PromptConfiguration, PromptOverrideConfiguration,
    PromptType, State,
};
use strata::model::lenient::{Lenient, StrEnum};
use strata::nodes::form::agent as agent_form;

/// The prompt types CreateAgent takes overrides for.
const PROMPT_TYPES: [PromptType; 5] = [
    PromptType::PreProcessing,
    PromptType::Orchestration,
    PromptType::PostProcessing,
    PromptType::KnowledgeBaseResponseGeneration,
    PromptType::MemorySummarization,
];

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

pub(super) fn prompt_overrides(ed: Editor, agent: &Agent) -> AnyView {
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
            let [a1, a2, a3, a4] = copies(agent);
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
                    {line(&agent_form::PROMPT_TEMPERATURE, temp, move |v| {
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
