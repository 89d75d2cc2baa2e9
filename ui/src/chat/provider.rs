//! Where a chat's model replies come from: a recording to replay, an OpenAI-compatible server,
//! or Bedrock with a profile and region (credentials stay in the AWS chain, never here).

use leptos::prelude::*;
use strata::session::protocol::ProviderChoice;

/// The provider's fields; `choice` holds a complete choice, or `None` while one is missing.
#[component]
pub fn ProviderFields(choice: RwSignal<Option<ProviderChoice>>) -> impl IntoView {
    let kind = RwSignal::new("replay".to_owned());
    let first = RwSignal::new(String::new());
    let second = RwSignal::new(String::new());
    // Set as each field changes, so a click right after typing sees the choice.
    let update = move || {
        let (a, b) = (
            first.get_untracked().trim().to_owned(),
            second.get_untracked().trim().to_owned(),
        );
        let opt = |s: String| (!s.is_empty()).then_some(s);
        choice.set(match kind.get_untracked().as_str() {
            "replay" => opt(a).map(|path| ProviderChoice::Replay { path }),
            "openai" => opt(a).map(|base_url| ProviderChoice::Openai {
                base_url,
                model: opt(b),
            }),
            _ => Some(ProviderChoice::Bedrock {
                profile: opt(a),
                region: opt(b),
            }),
        });
    };
    let labels = move || match kind.get().as_str() {
        "replay" => ("Replay file", None),
        "openai" => ("Base URL", Some("Model")),
        _ => ("AWS profile", Some("Region")),
    };
    view! {
        <label class="field">"Provider"
            <select class="provider-kind" on:change=move |ev| { kind.set(event_target_value(&ev)); update(); }>
                <option value="replay">"Replay a recording"</option>
                <option value="openai">"OpenAI-compatible"</option>
                <option value="bedrock">"Amazon Bedrock"</option>
            </select>
        </label>
        <label class="field">{move || labels().0}
            <input class="provider-first" prop:value=move || first.get()
                on:input=move |ev| { first.set(event_target_value(&ev)); update(); }/>
        </label>
        {move || labels().1.map(|l| view! {
            <label class="field">{l}
                <input class="provider-second" prop:value=move || second.get()
                    on:input=move |ev| { second.set(event_target_value(&ev)); update(); }/>
            </label>
        })}
    }
}
