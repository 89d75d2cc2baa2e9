//! Prompt overrides: `promptOverrideConfiguration`, one prompt type's template, parser and
//! inference settings at a time.

use super::report::{choice, field, range, unknown_value};
use super::MAX_PROMPT_CONFIGURATIONS;
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::agent::{CreationMode, PromptOverrideConfiguration, PromptType};
use crate::model::lenient::Lenient;
use crate::model::names::{Field, Pattern};
use std::collections::HashSet;

pub(super) const OVERRIDDEN: Lenient<CreationMode> = Lenient::Known(CreationMode::Overridden);

pub(super) fn check_prompt_overrides(
    p: &PromptOverrideConfiguration,
    at: &Location,
    out: &mut Diagnostics,
) {
    let base = "promptOverrideConfiguration";
    let count = p.prompt_configurations.len();
    if count > MAX_PROMPT_CONFIGURATIONS {
        out.report(
            Code::AgentInvalidField,
            at.field(&format!("{base}.promptConfigurations")),
            format!(
                "{count} prompt configurations; Bedrock takes at most {MAX_PROMPT_CONFIGURATIONS}"
            ),
        )
        .set_hint("Keep one configuration per prompt type.");
    }
    let mut seen = HashSet::new();
    for (i, c) in p.prompt_configurations.iter().enumerate() {
        let prefix = format!("{base}.promptConfigurations[{i}]");
        match &c.prompt_type {
            None => {
                out.report(
                    Code::AgentInvalidField,
                    at.field(&format!("{prefix}.promptType")),
                    format!("prompt configuration {i} has no promptType"),
                )
                .set_hint(format!(
                    "Say which step it overrides: one of {}.",
                    Lenient::<PromptType>::expected()
                ));
            }
            Some(t) => {
                if !seen.insert(t.as_str().to_owned()) {
                    out.report(
                        Code::AgentInvalidField,
                        at.field(&format!("{prefix}.promptType")),
                        format!("promptType {} is configured more than once", t.as_str()),
                    )
                    .set_hint("Merge the configurations of this prompt type into one.");
                }
                match t {
                    Lenient::Known(PromptType::RoutingClassifier) => {
                        out.report(
                            Code::UnknownEnumValue,
                            at.field(&format!("{prefix}.promptType")),
                            "promptType ROUTING_CLASSIFIER is taken by CloudFormation but not listed by the CreateAgent API",
                        )
                        .set_hint("Deploy this agent through CloudFormation, or drop this configuration for an API deployment.");
                    }
                    Lenient::Known(
                        PromptType::PreProcessing
                        | PromptType::Orchestration
                        | PromptType::PostProcessing
                        | PromptType::KnowledgeBaseResponseGeneration
                        | PromptType::MemorySummarization,
                    ) => {}
                    Lenient::Unknown(_) => {
                        unknown_value(out, at, &format!("{prefix}.promptType"), t);
                    }
                }
            }
        }
        if let Some(mode) = &c.prompt_creation_mode {
            choice(out, at, &format!("{prefix}.promptCreationMode"), mode);
        }
        if let Some(state) = &c.prompt_state {
            choice(out, at, &format!("{prefix}.promptState"), state);
        }
        if let Some(mode) = &c.parser_mode {
            choice(out, at, &format!("{prefix}.parserMode"), mode);
        }
        match &c.base_prompt_template {
            Some(t) => field(
                out,
                at,
                Field::new(&format!("{prefix}.basePromptTemplate"), 1, 100_000),
                t,
            ),
            None if c.prompt_creation_mode == Some(OVERRIDDEN) => {
                out.report(
                    Code::AgentInvalidField,
                    at.field(&format!("{prefix}.basePromptTemplate")),
                    format!("prompt configuration {i} is OVERRIDDEN but has no basePromptTemplate"),
                )
                .set_hint("Write the template, or set promptCreationMode to DEFAULT.");
            }
            None => {}
        }
        if let Some(m) = &c.foundation_model {
            field(
                out,
                at,
                Field::new(&format!("{prefix}.foundationModel"), 1, 2048).pattern(Pattern::ModelId),
                m,
            );
        }
        if let Some(inf) = &c.inference_configuration {
            let inf_base = format!("{prefix}.inferenceConfiguration");
            if let Some(t) = inf.temperature {
                range(out, at, &format!("{inf_base}.temperature"), t, 0.0, 1.0);
            }
            if let Some(t) = inf.top_p {
                range(out, at, &format!("{inf_base}.topP"), t, 0.0, 1.0);
            }
            if let Some(k) = inf.top_k {
                range(out, at, &format!("{inf_base}.topK"), k, 0, 500);
            }
            if inf.stop_sequences.len() > 4 {
                out.report(
                    Code::AgentInvalidField,
                    at.field(&format!("{inf_base}.stopSequences")),
                    format!(
                        "{} stop sequences; Bedrock takes at most 4",
                        inf.stop_sequences.len()
                    ),
                )
                .set_hint("Keep the four stop sequences that matter.");
            }
        }
        if c.parser_mode == Some(OVERRIDDEN) && p.override_lambda.is_none() {
            out.report(
                Code::AgentInvalidField,
                at.field(&format!("{prefix}.parserMode")),
                format!("prompt configuration {i} overrides the parser but no overrideLambda is set"),
            )
            .set_hint("Set promptOverrideConfiguration.overrideLambda to the parser Lambda's ARN, or set parserMode to DEFAULT.");
        }
    }
    if let Some(lambda) = &p.override_lambda {
        field(
            out,
            at,
            Field::new(&format!("{base}.overrideLambda"), 1, 2048).pattern(Pattern::LambdaArn),
            lambda,
        );
        let any_overridden = p
            .prompt_configurations
            .iter()
            .any(|c| c.parser_mode == Some(OVERRIDDEN));
        if !any_overridden {
            out.report(
                Code::AgentInvalidField,
                at.field(&format!("{base}.overrideLambda")),
                "overrideLambda is set but no prompt configuration has parserMode OVERRIDDEN",
            )
            .set_hint("Set parserMode to OVERRIDDEN on the prompt types the Lambda parses, or remove overrideLambda.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::agents::fixtures::*;
    use crate::diagnostic::Code;
    use crate::model::agent::PromptConfiguration;

    #[test]
    fn prompt_overrides() {
        use Code::*;
        check_cases(&[
            (
                "unknown type",
                |p| {
                    prompt(p).prompt_configurations[0].prompt_type =
                        Some(Lenient::Unknown("FUTURE".into()))
                },
                &[(UnknownEnumValue, "promptType is \"FUTURE\"")],
            ),
            (
                "routing classifier",
                |p| {
                    prompt(p).prompt_configurations[0].prompt_type =
                        Some(PromptType::RoutingClassifier.into())
                },
                &[(UnknownEnumValue, "ROUTING_CLASSIFIER")],
            ),
            (
                "no type",
                |p| prompt(p).prompt_configurations[0].prompt_type = None,
                &[(AgentInvalidField, "has no promptType")],
            ),
            (
                "repeated type",
                |p| {
                    let c = prompt(p).prompt_configurations[0].clone();
                    prompt(p).prompt_configurations.push(c);
                },
                &[(
                    AgentInvalidField,
                    "ORCHESTRATION is configured more than once",
                )],
            ),
            (
                "eleven configurations",
                |p| {
                    let c = PromptConfiguration {
                        prompt_type: None,
                        prompt_creation_mode: None,
                        prompt_state: None,
                        base_prompt_template: None,
                        inference_configuration: None,
                        parser_mode: None,
                        foundation_model: None,
                        additional_model_request_fields: None,
                    };
                    let types = [
                        PromptType::PreProcessing,
                        PromptType::PostProcessing,
                        PromptType::KnowledgeBaseResponseGeneration,
                        PromptType::MemorySummarization,
                    ];
                    for i in 0..10 {
                        let mut c = c.clone();
                        c.prompt_type = Some(types[i % 4].into());
                        prompt(p).prompt_configurations.push(c);
                    }
                },
                &[
                    (AgentInvalidField, "11 prompt configurations"),
                    (AgentInvalidField, "more than once"),
                    (AgentInvalidField, "more than once"),
                    (AgentInvalidField, "more than once"),
                    (AgentInvalidField, "more than once"),
                    (AgentInvalidField, "more than once"),
                    (AgentInvalidField, "more than once"),
                ],
            ),
            (
                "empty template",
                |p| prompt(p).prompt_configurations[0].base_prompt_template = Some(String::new()),
                &[(AgentInvalidField, "basePromptTemplate is 0 characters")],
            ),
            (
                "overridden without template",
                |p| prompt(p).prompt_configurations[0].base_prompt_template = None,
                &[(
                    AgentInvalidField,
                    "OVERRIDDEN but has no basePromptTemplate",
                )],
            ),
            (
                "lowercase mode",
                |p| {
                    prompt(p).prompt_configurations[0].prompt_creation_mode =
                        Some(Lenient::from_str_lenient("overridden"))
                },
                &[(UnknownEnumValue, "promptCreationMode is \"overridden\"")],
            ),
            (
                "unknown state",
                |p| {
                    prompt(p).prompt_configurations[0].prompt_state =
                        Some(Lenient::from_str_lenient("ON"))
                },
                &[(UnknownEnumValue, "promptState")],
            ),
            (
                "inference out of range",
                |p| {
                    let inf = inference(p);
                    inf.temperature = Some(1.5);
                    inf.top_p = Some(-0.1);
                    inf.top_k = Some(501);
                    inf.stop_sequences = vec!["a".into(); 5];
                },
                &[
                    (AgentInvalidField, "temperature is 1.5"),
                    (AgentInvalidField, "topP is -0.1"),
                    (AgentInvalidField, "topK is 501"),
                    (AgentInvalidField, "5 stop sequences"),
                ],
            ),
            (
                "bad prompt model",
                |p| prompt(p).prompt_configurations[0].foundation_model = Some("a model".into()),
                &[(AgentInvalidField, "promptConfigurations[0].foundationModel")],
            ),
            (
                "override lambda without an overridden parser",
                |p| {
                    prompt(p).override_lambda =
                        Some("arn:aws:lambda:us-east-1:123456789012:function:parse".into())
                },
                &[(
                    AgentInvalidField,
                    "no prompt configuration has parserMode OVERRIDDEN",
                )],
            ),
            (
                "overridden parser without lambda",
                |p| {
                    prompt(p).prompt_configurations[0].parser_mode =
                        Some(Lenient::from_str_lenient("OVERRIDDEN"))
                },
                &[(AgentInvalidField, "no overrideLambda is set")],
            ),
            (
                "overridden parser with lambda",
                |p| {
                    prompt(p).prompt_configurations[0].parser_mode =
                        Some(Lenient::from_str_lenient("OVERRIDDEN"));
                    prompt(p).override_lambda =
                        Some("arn:aws:lambda:us-east-1:123456789012:function:parse".into());
                },
                &[],
            ),
            (
                "bad override lambda",
                |p| {
                    prompt(p).prompt_configurations[0].parser_mode =
                        Some(Lenient::from_str_lenient("OVERRIDDEN"));
                    prompt(p).override_lambda = Some("parse".into());
                },
                &[(AgentInvalidField, "overrideLambda \"parse\"")],
            ),
        ]);
    }
}
