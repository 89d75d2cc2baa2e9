//! The run panel's choice of what runs: the working copy, a recorded version, or the version
//! an alias points at (the run request's `target`, resolved by the host layer).

use super::VersionsState;
use crate::Editor;
use leptos::prelude::*;
use strata::session::protocol::RunTarget;

/// A target as the select's value: empty for the working copy, `v:N`, `a:NAME`.
fn value(target: Option<&RunTarget>) -> String {
    match target {
        None => String::new(),
        Some(RunTarget::Version { number }) => format!("v:{number}"),
        Some(RunTarget::Alias { name }) => format!("a:{name}"),
    }
}

fn parse(value: &str) -> Option<RunTarget> {
    if let Some(n) = value.strip_prefix("v:") {
        return n.parse().ok().map(|number| RunTarget::Version { number });
    }
    value.strip_prefix("a:").map(|name| RunTarget::Alias {
        name: name.to_owned(),
    })
}

/// "Runs: working copy / version N / alias A", beside the run panel's flow.
#[component]
pub fn RunTargetChoice() -> impl IntoView {
    let ed: Editor = expect_context();
    let Some(state) = use_context::<VersionsState>() else {
        return ().into_any();
    };
    let form = ed.run.form;
    let on_change = move |ev: leptos::ev::Event| {
        let target = parse(&event_target_value(&ev));
        form.update(|f| f.target = target);
        ed.run.form_error.set(None);
    };
    let options = move || {
        let chosen = form.with(|f| value(f.target.as_ref()));
        let listing = state.listing.get();
        let mut items = vec![(String::new(), "working copy".to_owned())];
        for v in listing.versions.iter().rev() {
            items.push((
                value(Some(&RunTarget::Version { number: v.number })),
                format!("version {}", v.number),
            ));
        }
        for a in &listing.aliases {
            items.push((
                value(Some(&RunTarget::Alias {
                    name: a.name.clone(),
                })),
                format!("alias {} (v{})", a.name, a.version),
            ));
        }
        items
            .into_iter()
            .map(|(v, label)| {
                let selected = v == chosen;
                view! { <option value=v selected=selected>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <label title="What runs: the flow as it is, a recorded version, or the version an alias points at">"Runs "
            <select id="run-target" on:change=on_change>{options}</select>
        </label>
    }
    .into_any()
}
