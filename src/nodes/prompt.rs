//! Prompt: sends a prompt, inline (TEXT or CHAT, with tools) or from Prompt management, to a model.

use super::deployment::{Access, ProjectRefs};
use super::form::{FormField, Widget, GUARDRAIL_ID, GUARDRAIL_VERSION};
use super::fresh_node_with;
use super::{
    Category, KindConfiguration, NodeConfiguration, NodeKind, NodeType, PortRule, PortSpec, Ports,
};
use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::flow::FlowNode;
use crate::model::lenient::Lenient;
use crate::model::names::{check_name, Field, Pattern};
use crate::model::DataType;

pub static KIND: NodeKind = NodeKind::new(
    NodeType::Prompt,
    Category::Ai,
    "✎",
    "#2b6cb0",
    "Sends a prompt template, filled from its inputs, to a model and outputs the completion.",
    ports,
    new_node,
)
.configured::<PromptConfiguration>()
.with_form(FORM);

/// The union member the inline fields belong to.
const INLINE: &[&str] = &["sourceConfiguration", "inline"];

/// The fields the inspector edits.
const FORM: &[FormField] = &[
    FormField::new(
        &["sourceConfiguration"],
        "Source",
        Widget::Union(&[
            (
                "inline",
                r#"{"templateType":"TEXT","templateConfiguration":{"text":{"text":"{{input}}"}},"modelId":""}"#,
            ),
            ("resource", r#"{"promptArn":""}"#),
        ]),
    )
    .help("inline: the template is written here; resource: a prompt from Prompt management."),
    FormField::text(
        &["sourceConfiguration", "resource", "promptArn"],
        "Prompt ARN",
        1,
        2048,
        Some(Pattern::PromptArn),
    )
    .when(&["sourceConfiguration", "resource"]),
    FormField::text(
        &["sourceConfiguration", "inline", "modelId"],
        "Model id",
        1,
        2048,
        Some(Pattern::ModelId),
    )
    .when(INLINE)
    .help("A model id, inference profile id or ARN, e.g. anthropic.claude-3-haiku-20240307-v1:0."),
    FormField::new(
        &["sourceConfiguration", "inline", "templateType"],
        "Template type",
        Widget::Choice(&["TEXT", "CHAT"]),
    )
    .when(INLINE)
    .then(follow_template_type),
    FormField::new(
        &["sourceConfiguration", "inline", "templateConfiguration", "text", "text"],
        "Template",
        Widget::LongText { min: 1, max: 200_000, code: false },
    )
    .when(&["sourceConfiguration", "inline", "templateConfiguration", "text"])
    .help("{{name}} placeholders are filled from the node's inputs of the same name."),
    FormField::new(
        &["sourceConfiguration", "inline", "templateConfiguration", "chat"],
        "Chat template (JSON)",
        Widget::Json,
    )
    .when(&["sourceConfiguration", "inline", "templateConfiguration", "chat"])
    .help("messages, system, inputVariables and toolConfiguration, in the API's shape."),
    FormField::temperature(
        &["sourceConfiguration", "inline", "inferenceConfiguration", "text", "temperature"],
    )
    .when(INLINE),
    FormField::top_p(
        &["sourceConfiguration", "inline", "inferenceConfiguration", "text", "topP"],
    )
    .when(INLINE),
    FormField::max_tokens(
        &["sourceConfiguration", "inline", "inferenceConfiguration", "text", "maxTokens"],
    )
    .when(INLINE),
    FormField::stop_sequences(
        &["sourceConfiguration", "inline", "inferenceConfiguration", "text", "stopSequences"],
    )
    .when(INLINE),
    FormField::new(
        &["sourceConfiguration", "inline", "additionalModelRequestFields"],
        "Additional model fields (JSON)",
        Widget::Json,
    )
    .optional()
    .when(INLINE)
    .help("Model-specific request fields, passed through as they are."),
    GUARDRAIL_ID,
    GUARDRAIL_VERSION,
];

/// Keeps an inline prompt's template in step with its `templateType`: CHAT turns a text
/// template into one user message, TEXT joins a chat's system and message texts.
fn follow_template_type(inner: &mut serde_json::Value) {
    use serde_json::{json, Value};
    let Some(inline) = inner.pointer_mut("/sourceConfiguration/inline") else {
        return;
    };
    let want_chat = inline.get("templateType").and_then(Value::as_str) == Some("CHAT");
    let Some(Value::Object(template)) = inline.get_mut("templateConfiguration") else {
        return;
    };
    if want_chat {
        if let Some(text) = template.remove("text") {
            let body = text
                .get("text")
                .cloned()
                .unwrap_or(Value::String(String::new()));
            let mut chat = json!({"messages": [{"role": "user", "content": [{"text": body}]}]});
            if let Some(vars) = text.get("inputVariables") {
                chat["inputVariables"] = vars.clone();
            }
            template.insert("chat".to_owned(), chat);
        }
    } else if let Some(chat) = template.remove("chat") {
        let blocks = chat
            .get("system")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .chain(
                chat.get("messages")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.get("content").and_then(Value::as_array))
                    .flatten(),
            );
        let text: Vec<&str> = blocks
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect();
        let mut t = json!({"text": text.join("\n\n")});
        if let Some(vars) = chat.get("inputVariables") {
            t["inputVariables"] = vars.clone();
        }
        template.insert("text".to_owned(), t);
    }
}

mod configuration;

pub use configuration::*;

/// Finds `{{name}}` placeholders (spaces inside the braces are tolerated).
pub fn collect_variables(text: &str, out: &mut Vec<String>) {
    let mut rest = text;
    while let Some(start) = find_pair(rest, b'{') {
        let after = &rest[start + 2..];
        let Some(end) = find_pair(after, b'}') else {
            break;
        };
        let name = after[..end].trim();
        if !name.is_empty() && !name.contains('{') && !out.iter().any(|v| v == name) {
            out.push(name.to_owned());
        }
        rest = &after[end + 2..];
    }
}

/// Replaces `{{name}}` placeholders with values; unknown names are left as they are.
pub fn render(text: &str, value_of: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_pair(rest, b'{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = find_pair(after, b'}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match value_of(name) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Where `{{` (or `}}`) first occurs in `text`: a plain byte scan, since setting up
/// `str::find`'s searcher cost more than scanning these short templates (rendered once per
/// Prompt run, so once per Iterator item).
fn find_pair(text: &str, brace: u8) -> Option<usize> {
    text.as_bytes().windows(2).position(|w| w == [brace, brace])
}

fn ports(_: &FlowNode) -> Ports {
    Ports {
        inputs: PortRule::User { max: 20 },
        outputs: PortRule::Fixed(vec![PortSpec::new(
            "modelCompletion",
            Some(DataType::String),
        )]),
    }
}

fn new_node(name: &str) -> FlowNode {
    let config = PromptConfiguration {
        source_configuration: PromptSource::Inline(InlinePrompt {
            template_type: Lenient::Known(TemplateType::Text),
            template_configuration: TemplateConfiguration::Text(TextTemplate {
                text: "{{topic}}".to_owned(),
                cache_point: None,
                input_variables: vec![InputVariable {
                    name: "topic".to_owned(),
                }],
            }),
            model_id: "anthropic.claude-3-haiku-20240307-v1:0".to_owned(),
            inference_configuration: None,
            additional_model_request_fields: None,
        }),
        guardrail_configuration: None,
    };
    fresh_node_with(
        name,
        NodeConfiguration::Prompt(config),
        &[("topic", DataType::String)],
        &[],
    )
}

impl KindConfiguration for PromptConfiguration {
    fn check(&self, node: &FlowNode, out: &mut Diagnostics, at: &Location) {
        if let Some(g) = &self.guardrail_configuration {
            g.check(out, at, "guardrailConfiguration");
        }
        let inline = match &self.source_configuration {
            PromptSource::Resource(r) => {
                Field::new("sourceConfiguration.resource.promptArn", 0, 2048)
                    .pattern(Pattern::PromptArn)
                    .draft_empty()
                    .check(out, at, &r.prompt_arn);
                return;
            }
            PromptSource::Inline(inline) => inline,
        };
        let base = "sourceConfiguration.inline";
        Field::new(&format!("{base}.modelId"), 0, 2048)
            .pattern(Pattern::ModelId)
            .draft_empty()
            .check(out, at, &inline.model_id);
        if let Some(inf) = &inline.inference_configuration {
            inf.check(out, at, &format!("{base}.inferenceConfiguration"));
        }
        let (key_type, variables) = match &inline.template_configuration {
            TemplateConfiguration::Text(t) => {
                if t.text.is_empty() {
                    out.report(
                        Code::InvalidFieldValue,
                        at.field(&format!("{base}.templateConfiguration.text.text")),
                        "the prompt text is empty",
                    )
                    .set_hint(
                        "Write the prompt; use {{name}} for each value that comes from an input.",
                    );
                }
                (TemplateType::Text, &t.input_variables)
            }
            TemplateConfiguration::Chat(c) => {
                if c.messages.is_empty() {
                    out.report(
                        Code::InvalidFieldValue,
                        at.field(&format!("{base}.templateConfiguration.chat.messages")),
                        "a CHAT template needs at least one message",
                    )
                    .set_hint("Add a user message.");
                }
                for (i, m) in c.messages.iter().enumerate() {
                    if let Lenient::Unknown(role) = &m.role {
                        out.report(
                            Code::UnknownEnumValue,
                            at.field(&format!(
                                "{base}.templateConfiguration.chat.messages[{i}].role"
                            )),
                            format!("message role {role:?} is not user or assistant"),
                        );
                    }
                }
                if let Some(tc) = &c.tool_configuration {
                    if tc.tools.is_empty() {
                        out.report(
                            Code::InvalidFieldValue,
                            at.field(&format!(
                                "{base}.templateConfiguration.chat.toolConfiguration.tools"
                            )),
                            "a tool configuration needs at least one tool",
                        );
                    }
                    for tool in &tc.tools {
                        if let Tool::ToolSpec(spec) = tool {
                            check_name(
                                out,
                                at.field(&format!(
                                    "{base}.templateConfiguration.chat.toolConfiguration.tools"
                                )),
                                "tool name",
                                &spec.name,
                                Pattern::ToolName,
                            );
                        }
                    }
                }
                (TemplateType::Chat, &c.input_variables)
            }
        };
        match &inline.template_type {
            Lenient::Known(t) if *t == key_type => {}
            Lenient::Known(t) => {
                out.report(
                    Code::InvalidFieldValue,
                    at.field(&format!("{base}.templateType")),
                    format!(
                        "templateType is {t} but the template configuration is {}",
                        key_type
                    ),
                )
                .set_hint(
                    "Make templateType match the templateConfiguration key (TEXT ↔ text, CHAT ↔ chat).",
                );
            }
            Lenient::Unknown(s) => {
                out.report(
                    Code::UnknownEnumValue,
                    at.field(&format!("{base}.templateType")),
                    format!("templateType {s:?} is not TEXT or CHAT"),
                );
            }
        }
        for v in variables {
            check_name(
                out,
                at.field(&format!("{base}.templateConfiguration.inputVariables")),
                "input variable",
                &v.name,
                Pattern::VariableName,
            );
        }
        // Template variables against the node's inputs: each {{variable}} needs an input of
        // that name, and an input the template never uses is probably a typo.
        let used = inline.template_variables();
        for var in &used {
            if node.input(var).is_none() {
                out.report(
                    Code::TemplateVariableWithoutInput,
                    at.field(&format!("{base}.templateConfiguration")),
                    format!(
                        "the template uses {{{{{var}}}}} but the node has no input named {var:?}"
                    ),
                )
                .set_hint(format!(
                    "Add an input named {var:?} to the node, or fix the placeholder."
                ));
            }
        }
        for input in &node.inputs {
            if !used.contains(&input.name) {
                out.report(
                    Code::InputNotInTemplate,
                    at.input(&input.name),
                    format!("input {:?} is not used by the prompt template", input.name),
                )
                .set_hint(format!(
                    "Use {{{{{}}}}} in the template, or remove the input.",
                    input.name
                ));
            }
        }
    }

    fn access(&self) -> Vec<Access<'_>> {
        let mut access = vec![match &self.source_configuration {
            PromptSource::Inline(i) => Access::Model(&i.model_id),
            PromptSource::Resource(r) => Access::Prompt(&r.prompt_arn),
        }];
        access.extend(Access::guardrail(self.guardrail_configuration.as_ref()));
        access
    }

    /// A project guardrail named in the node becomes what names it on AWS.
    fn strip_local(&mut self, refs: &dyn ProjectRefs) {
        refs.guardrail(&mut self.guardrail_configuration);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text: the variables found are trimmed text from inside it, and rendering with
        /// no known values gives the text back.
        #[test]
        fn any_template_text_is_read_without_a_panic(
            text in prop_oneof![any::<String>(), "([{} é€a-z]|\\{\\{|\\}\\}){0,30}"],
        ) {
            let mut found = Vec::new();
            collect_variables(&text, &mut found);
            for name in &found {
                prop_assert!(text.contains(name.as_str()) && name.trim() == name);
            }
            prop_assert_eq!(render(&text, |_| None), text.clone());
            let _ = render(&text, |n| Some(n.to_uppercase()));
        }
    }

    #[test]
    fn variables_are_found_once_in_order() {
        let mut v = Vec::new();
        collect_variables("Hi {{name}}, {{ topic }} and {{name}} {{unclosed", &mut v);
        assert_eq!(v, ["name", "topic"]);
    }

    #[test]
    fn render_fills_known_and_keeps_unknown() {
        let s = render("A {{x}} B {{y}} {{", |n| (n == "x").then(|| "1".to_owned()));
        assert_eq!(s, "A 1 B {{y}} {{");
    }
}
