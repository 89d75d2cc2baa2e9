//! The editable fields of each node kind's configuration, described once for every host.
//!
//! A kind lists its [`FormField`]s in its registry entry (`NodeKind::form`); the desktop
//! editor draws its inspector form from that list, and shows under each field what the compiler
//! says about it ([`typed_diagnostics`], [`is_at_field`]): one compiler decides, as the user
//! types and after. ([`check`] is the plain per-value check the agent form still uses.) A field names a path of
//! JSON keys inside the kind's configuration object, so one generic [`set`] edits any kind:
//! it writes the value at the path and reads the configuration back through serde, which
//! refuses shapes the model cannot hold. Keys no field covers stay as they are (the editor
//! offers them as raw JSON).

use super::{NodeConfiguration, NodeKind};
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::model::names::{Field, Pattern};
use crate::model::Project;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// How a field is edited and what it accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Widget {
    /// One line of text, `min..=max` characters, matching `pattern` when not empty.
    Text {
        min: usize,
        max: usize,
        pattern: Option<Pattern>,
    },
    /// Several lines of text (a prompt template, code), `min..=max` characters.
    LongText { min: usize, max: usize, code: bool },
    /// A whole number in `min..=max`.
    Integer { min: i64, max: i64 },
    /// A decimal number in `min..=max`.
    Decimal { min: f64, max: f64 },
    /// One of a fixed list of strings.
    Choice(&'static [&'static str]),
    /// Which member of a union object is set: `(member key, its fresh value as JSON)`.
    /// Choosing another member replaces the object with that member's fresh value.
    Union(&'static [(&'static str, &'static str)]),
    /// A list of strings, one per line, at most `max_items`.
    Lines { max_items: usize },
    /// A Condition expression (`LoopController`'s continue condition), at most `max` characters.
    Condition { max: usize },
    /// The name of an agent of this project (the editor offers the project's agents).
    ProjectAgent,
    /// Any JSON value.
    Json,
}

/// One editable field of a node kind's configuration.
#[derive(Debug, Clone, Copy)]
pub struct FormField {
    /// JSON keys from the kind's configuration object to the value.
    pub path: &'static [&'static str],
    pub label: &'static str,
    /// One sentence for the tooltip: what the field does.
    pub help: &'static str,
    pub widget: Widget,
    /// Cleared means absent (the key is removed) rather than an empty string.
    pub optional: bool,
    /// The field shows only while this path exists: the union member it belongs to.
    pub when: &'static [&'static str],
    /// Adjusts the rest of the configuration after this field changed (e.g. a Prompt's
    /// template follows its template type).
    pub then: Option<fn(&mut Value)>,
}

impl FormField {
    pub const fn new(path: &'static [&'static str], label: &'static str, widget: Widget) -> Self {
        FormField {
            path,
            label,
            help: "",
            widget,
            optional: false,
            when: &[],
            then: None,
        }
    }

    pub const fn text(
        path: &'static [&'static str],
        label: &'static str,
        min: usize,
        max: usize,
        pattern: Option<Pattern>,
    ) -> Self {
        FormField::new(path, label, Widget::Text { min, max, pattern })
    }

    pub const fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// `serviceConfiguration.s3.bucketName` of Storage and Retrieval nodes, with `help`.
    pub const fn s3_bucket(help: &'static str) -> FormField {
        FormField::text(
            &["serviceConfiguration", "s3", "bucketName"],
            "S3 bucket",
            3,
            63,
            Some(Pattern::BucketName),
        )
        .help(help)
    }

    /// An optional inference `temperature` at `path`, 0 to 1 (Prompt and KnowledgeBase nodes,
    /// an agent's overridden prompt).
    pub const fn temperature(path: &'static [&'static str]) -> FormField {
        FormField::new(path, "Temperature", Widget::Decimal { min: 0.0, max: 1.0 }).optional()
    }

    /// An optional inference `topP` at `path`, 0 to 1.
    pub const fn top_p(path: &'static [&'static str]) -> FormField {
        FormField::new(path, "Top P", Widget::Decimal { min: 0.0, max: 1.0 }).optional()
    }

    /// An optional inference `maxTokens` at `path`, any unsigned 32-bit number.
    pub const fn max_tokens(path: &'static [&'static str]) -> FormField {
        FormField::new(
            path,
            "Max tokens",
            Widget::Integer {
                min: 0,
                max: 4_294_967_295,
            },
        )
        .optional()
    }

    /// Optional inference `stopSequences` at `path`, at most 4.
    pub const fn stop_sequences(path: &'static [&'static str]) -> FormField {
        FormField::new(path, "Stop sequences", Widget::Lines { max_items: 4 })
            .optional()
            .help("One per line, at most 4.")
    }

    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }

    pub const fn when(mut self, when: &'static [&'static str]) -> Self {
        self.when = when;
        self
    }

    pub const fn then(mut self, then: fn(&mut Value)) -> Self {
        self.then = Some(then);
        self
    }

    /// The path joined with dots, e.g. `inferenceConfiguration.text.temperature`: an id for
    /// the field that hosts and tests can name.
    pub fn id(&self) -> String {
        self.path.join(".")
    }

    /// The compiler's check of `value` against this text field's limits and pattern, reported
    /// at the field's id, so the form and the check say them once. A field that may be empty
    /// (`min` 0) reports an empty value as a draft that preparing the flow refuses, as [`check`]
    /// says in the form. Only text widgets hold such limits; the others report nothing.
    pub fn check_text(&self, out: &mut Diagnostics, at: &Location, value: &str) {
        let (min, max, pattern) = match self.widget {
            Widget::Text { min, max, pattern } => (min, max, pattern),
            Widget::LongText { min, max, .. } => (min, max, None),
            Widget::Integer { .. }
            | Widget::Decimal { .. }
            | Widget::Choice(_)
            | Widget::Union(_)
            | Widget::Lines { .. }
            | Widget::Condition { .. }
            | Widget::ProjectAgent
            | Widget::Json => return,
        };
        let name = self.id();
        Field {
            name: &name,
            min,
            max,
            pattern,
            empty_is_draft: min == 0,
        }
        .check(out, at, value);
    }
}

/// Why a typed value was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// The text cannot become a value of the field (not a number, not JSON).
    #[error("{label}: {message}")]
    Value { label: String, message: String },
    /// The configuration would no longer have the shape of its kind.
    #[error("the configuration would not be valid: {message}")]
    Shape { message: String },
}

/// The configuration object of a node (the value under its kind's key), or `null`.
pub fn inner(config: &NodeConfiguration) -> Value {
    match serde_json::to_value(config) {
        Ok(Value::Object(mut m)) => {
            let key = config.key().to_owned();
            m.remove(&key).unwrap_or(Value::Null)
        }
        _ => Value::Null,
    }
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

/// Whether the field applies to this configuration (its union member is chosen).
pub fn visible(field: &FormField, inner: &Value) -> bool {
    field.when.is_empty() || get(inner, field.when).is_some()
}

/// The field's current value as the text an input shows.
pub fn display(field: &FormField, inner: &Value) -> String {
    let Some(v) = get(inner, field.path) else {
        return String::new();
    };
    match (field.widget, v) {
        (Widget::Union(_), Value::Object(m)) => m.keys().next().cloned().unwrap_or_default(),
        (Widget::Json, v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        (Widget::Lines { .. }, Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Null) => String::new(),
        (_, other) => other.to_string(),
    }
}

/// What is wrong with `text` for this field, as the inspector shows it under the input;
/// `None` when Bedrock takes it. The same limits and patterns as the compiler's checks.
pub fn check(field: &FormField, text: &str) -> Option<String> {
    let len = text.chars().count();
    if text.is_empty() {
        if field.optional {
            return None;
        }
        return match field.widget {
            Widget::Text { min, .. } | Widget::LongText { min, .. } if min == 0 => Some(format!(
                "{} is empty: Bedrock saves a draft like this, but preparing the flow fails",
                field.label
            )),
            Widget::Json | Widget::Lines { .. } => None,
            Widget::Text { .. }
            | Widget::LongText { .. }
            | Widget::Integer { .. }
            | Widget::Decimal { .. }
            | Widget::Choice(_)
            | Widget::Union(_)
            | Widget::Condition { .. }
            | Widget::ProjectAgent => Some(format!("{} is required", field.label)),
        };
    }
    match field.widget {
        Widget::Text { min, max, pattern } => {
            if len < min || len > max {
                return Some(format!(
                    "{} is {len} characters long; Bedrock takes {min} to {max}",
                    field.label
                ));
            }
            pattern
                .filter(|p| !p.matches(text))
                .map(|p| format!("Must be {}", p.describe()))
        }
        Widget::LongText { min, max, .. } => (len < min || len > max).then(|| {
            format!(
                "{} is {len} characters long; Bedrock takes {min} to {max}",
                field.label
            )
        }),
        Widget::Integer { min, max } => match text.trim().parse::<i64>() {
            Err(_) => Some(format!("{} must be a whole number", field.label)),
            Ok(n) if n < min || n > max => Some(format!(
                "{} is {n}; Bedrock takes {min} to {max}",
                field.label
            )),
            Ok(_) => None,
        },
        Widget::Decimal { min, max } => match text.trim().parse::<f64>() {
            Ok(n) if !n.is_finite() => Some(format!("{} must be a number", field.label)),
            Err(_) => Some(format!("{} must be a number", field.label)),
            Ok(n) if n < min || n > max => Some(format!(
                "{} is {n}; Bedrock takes {min} to {max}",
                field.label
            )),
            Ok(_) => None,
        },
        Widget::Choice(options) => (!options.contains(&text))
            .then(|| format!("{} must be one of {}", field.label, options.join(", "))),
        Widget::Union(members) => (!members.iter().any(|(m, _)| *m == text)).then(|| {
            let names: Vec<&str> = members.iter().map(|(m, _)| *m).collect();
            format!("{} must be one of {}", field.label, names.join(", "))
        }),
        Widget::Lines { max_items } => {
            let n = lines(text).len();
            (n > max_items).then(|| {
                format!(
                    "{} has {n} entries; Bedrock takes at most {max_items}",
                    field.label
                )
            })
        }
        Widget::Condition { max } => {
            if len > max {
                return Some(format!(
                    "{} is {len} characters long; Bedrock takes at most {max}",
                    field.label
                ));
            }
            crate::condition::parse_condition(text)
                .err()
                .map(|e| format!("column {}: {}", e.column, e.message))
        }
        Widget::ProjectAgent => None,
        Widget::Json => serde_json::from_str::<Value>(text)
            .err()
            .map(|e| format!("not JSON: {e}")),
    }
}

/// Whether diagnostic `d` is about field `field` of top-level node `node` in flow `flow`: its
/// location names that node and the field's path (or a part of it, `path.key`, `path[0]`).
pub fn is_at_field(d: &Diagnostic, flow: &str, node: &str, field: &FormField) -> bool {
    let l = &d.location;
    let id = field.id();
    l.flow.as_deref() == Some(flow)
        && l.loop_node.is_none()
        && l.node.as_deref() == Some(node)
        && l.field.as_deref().is_some_and(|f| {
            f.strip_prefix(id.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[', ' ']))
        })
}

/// What the compiler says about field `field` of node `node` (top level of flow `flow`) if the
/// field held `text`: the project compiled with that value, its diagnostics at the field. An
/// error when the text cannot be a value of the field at all. The inspector shows exactly this,
/// as the user types, so it never says more (or less) than the Problems panel will.
pub fn typed_diagnostics(
    project: &Project,
    flow: &str,
    node: &str,
    field: &FormField,
    text: &str,
) -> Result<Vec<Diagnostic>, FormError> {
    let mut edited = project.clone();
    // Only the edited flow matters: the others' diagnostics are filtered away anyway.
    edited.flows.retain(|f| f.name == flow);
    let Some(n) = edited
        .flows
        .first_mut()
        .and_then(|f| f.definition.node_mut(node))
    else {
        return Ok(vec![]);
    };
    let Some(config) = &n.configuration else {
        return Ok(vec![]);
    };
    n.configuration = Some(set(config, field, text)?);
    Ok(crate::compile::compile(&edited)
        .diagnostics
        .into_iter()
        .filter(|d| is_at_field(d, flow, node, field))
        .collect())
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// The value to store for `text`: `None` removes the key. Errors only when the text cannot
/// be a value at all; out-of-range values are stored and reported by the compiler.
fn parse(field: &FormField, text: &str) -> Result<Option<Value>, FormError> {
    let bad = |message: String| FormError::Value {
        label: field.label.to_owned(),
        message,
    };
    if text.trim().is_empty() && field.optional {
        return Ok(None);
    }
    Ok(Some(match field.widget {
        Widget::Text { .. }
        | Widget::LongText { .. }
        | Widget::Choice(_)
        | Widget::Condition { .. }
        | Widget::ProjectAgent => Value::String(text.to_owned()),
        Widget::Integer { .. } => {
            let n: i64 = text
                .trim()
                .parse()
                .map_err(|_| bad("must be a whole number".to_owned()))?;
            Value::from(n)
        }
        Widget::Decimal { .. } => {
            let n: f64 = text
                .trim()
                .parse()
                .map_err(|_| bad("must be a number".to_owned()))?;
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or_else(|| bad("must be a finite number".to_owned()))?
        }
        Widget::Union(members) => {
            let (_, fresh) = members
                .iter()
                .find(|(m, _)| *m == text)
                .ok_or_else(|| bad(format!("{text:?} is not one of its choices")))?;
            let fresh: Value = serde_json::from_str(fresh)
                .map_err(|e| bad(format!("the registry's default is not JSON: {e}")))?;
            let mut m = Map::new();
            m.insert(text.to_owned(), fresh);
            Value::Object(m)
        }
        Widget::Lines { .. } => Value::Array(
            lines(text)
                .into_iter()
                .map(|l| Value::String(l.to_owned()))
                .collect(),
        ),
        Widget::Json => {
            if text.trim().is_empty() {
                return Ok(None);
            }
            serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?
        }
    }))
}

/// Writes `value` at `path`, creating objects on the way; `None` removes the key and then
/// every object left empty above it, down to (not including) `keep` keys from the root.
fn put(root: &mut Value, path: &[&str], value: Option<Value>, keep: usize) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    match value {
        Some(v) => {
            let mut at = root;
            for k in parents {
                if !at.is_object() {
                    *at = Value::Object(Map::new());
                }
                let Value::Object(m) = at else { return };
                at = m
                    .entry((*k).to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
            }
            if !at.is_object() {
                *at = Value::Object(Map::new());
            }
            if let Value::Object(m) = at {
                m.insert((*last).to_owned(), v);
            }
        }
        None => {
            let Some(Value::Object(m)) = path_mut(root, parents) else {
                return;
            };
            m.remove(*last);
            // Prune objects emptied by the removal, deepest first.
            for depth in ((keep + 1)..=parents.len()).rev() {
                let (name, above) = parents[..depth].split_last().expect("depth ≥ 1");
                let empty = matches!(
                    path_mut(root, &parents[..depth]),
                    Some(Value::Object(m)) if m.is_empty()
                );
                if !empty {
                    break;
                }
                if let Some(Value::Object(m)) = path_mut(root, above) {
                    m.remove(*name);
                }
            }
        }
    }
}

fn path_mut<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| v.get_mut(*k))
}

/// The configuration with the field set from `text`, or why it cannot be.
pub fn set(
    config: &NodeConfiguration,
    field: &FormField,
    text: &str,
) -> Result<NodeConfiguration, FormError> {
    let inner = inner(config);
    if matches!(field.widget, Widget::Union(_)) && display(field, &inner) == text {
        // The member already chosen keeps what it holds.
        return Ok(config.clone());
    }
    let mut outer = Map::new();
    outer.insert(config.key().to_owned(), set_value(inner, field, text)?);
    serde_json::from_value(Value::Object(outer)).map_err(|e| FormError::Shape {
        message: e.to_string(),
    })
}

/// Any document that serialises to a JSON object (a project agent, say) with the field set
/// from `text`, read back through serde, or why it cannot be.
pub fn set_in<T: Serialize + DeserializeOwned>(
    document: &T,
    field: &FormField,
    text: &str,
) -> Result<T, FormError> {
    let shape = |e: serde_json::Error| FormError::Shape {
        message: e.to_string(),
    };
    let value = serde_json::to_value(document).map_err(shape)?;
    serde_json::from_value(set_value(value, field, text)?).map_err(shape)
}

/// `inner` (an object, or anything else which then becomes one) with the field set from `text`
/// and the field's follow-up applied.
fn set_value(mut inner: Value, field: &FormField, text: &str) -> Result<Value, FormError> {
    let value = parse(field, text)?;
    if !inner.is_object() {
        inner = Value::Object(Map::new());
    }
    put(&mut inner, field.path, value, field.when.len());
    if let Some(then) = field.then {
        then(&mut inner);
    }
    Ok(inner)
}

/// The live counter under a text field with a length limit: `"10 / 4000 — at least 40"`, and
/// whether Bedrock would refuse that length. `None` for fields without one.
pub fn count(field: &FormField, text: &str) -> Option<(String, bool)> {
    let (Widget::Text { min, max, .. } | Widget::LongText { min, max, .. }) = field.widget else {
        return None;
    };
    let n = text.chars().count();
    let note = if n < min {
        format!(" — at least {min}")
    } else if n > max {
        format!(" — {} too many", n - max)
    } else {
        String::new()
    };
    Some((format!("{n} / {max}{note}"), !(min..=max).contains(&n)))
}

/// Top-level keys of the configuration that no field of the kind edits: the editor offers
/// them as raw JSON.
pub fn other_keys(kind: &NodeKind, inner: &Value) -> Vec<String> {
    let Value::Object(m) = inner else {
        return vec![];
    };
    m.keys()
        .filter(|k| {
            !kind
                .form
                .iter()
                .any(|f| f.path.first() == Some(&k.as_str()))
        })
        .cloned()
        .collect()
}

/// Guardrail fields, as Prompt and KnowledgeBase nodes have them at the top level.
pub const GUARDRAIL_ID: FormField = FormField::text(
    &["guardrailConfiguration", "guardrailIdentifier"],
    "Guardrail",
    0,
    2048,
    Some(Pattern::GuardrailIdentifier),
)
.optional()
.help("A guardrail id or ARN applied to the model call.");

pub const GUARDRAIL_VERSION: FormField = FormField::text(
    &["guardrailConfiguration", "guardrailVersion"],
    "Guardrail version",
    1,
    8,
    Some(Pattern::GuardrailVersion),
)
.optional()
.help("A version number, or DRAFT.");

pub mod agent;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::{NodeType, REGISTRY};

    fn fresh(t: NodeType) -> NodeConfiguration {
        (t.kind().new_node)("N").configuration.unwrap()
    }

    fn field(t: NodeType, id: &str) -> &'static FormField {
        t.kind()
            .form
            .iter()
            .find(|f| f.id() == id)
            .unwrap_or_else(|| panic!("{t:?} has no field {id}"))
    }

    #[test]
    fn every_field_reads_and_writes_its_own_value_back() {
        for kind in REGISTRY {
            let config = fresh(kind.node_type);
            let inner = inner(&config);
            for f in kind.form.iter().filter(|f| visible(f, &inner)) {
                let shown = display(f, &inner);
                let again = set(&config, f, &shown)
                    .unwrap_or_else(|e| panic!("{}.{}: {e}", kind.name(), f.id()));
                if f.then.is_none() {
                    assert_eq!(again, config, "{}.{} round trip", kind.name(), f.id());
                }
            }
            for (_, members) in kind.form.iter().filter_map(|f| match f.widget {
                Widget::Union(m) => Some((f, m)),
                _ => None,
            }) {
                for (_, fresh) in members {
                    serde_json::from_str::<Value>(fresh).expect("union defaults are JSON");
                }
            }
        }
    }

    #[test]
    fn prompt_fields_edit_the_inline_template() {
        let config = fresh(NodeType::Prompt);
        let t = field(
            NodeType::Prompt,
            "sourceConfiguration.inline.inferenceConfiguration.text.temperature",
        );
        let c = set(&config, t, "0.2").unwrap();
        assert_eq!(display(t, &inner(&c)), "0.2");
        assert_eq!(
            check(t, "1.5").as_deref(),
            Some("Temperature is 1.5; Bedrock takes 0 to 1")
        );
        assert!(matches!(
            set(&config, t, "warm"),
            Err(FormError::Value { .. })
        ));
        // Clearing removes the key and the emptied inference configuration with it.
        let back = set(&c, t, "").unwrap();
        assert_eq!(back, config);

        let model = field(NodeType::Prompt, "sourceConfiguration.inline.modelId");
        assert!(check(model, "has space")
            .unwrap()
            .starts_with("Must be a model id"));
        assert_eq!(check(model, "anthropic.claude-3-haiku-20240307-v1:0"), None);

        // CHAT turns the text template into one user message, TEXT back into text.
        let ty = field(NodeType::Prompt, "sourceConfiguration.inline.templateType");
        let chat = set(&config, ty, "CHAT").unwrap();
        let i = inner(&chat);
        let text = field(
            NodeType::Prompt,
            "sourceConfiguration.inline.templateConfiguration.text.text",
        );
        assert!(!visible(text, &i));
        assert!(i
            .pointer(
                "/sourceConfiguration/inline/templateConfiguration/chat/messages/0/content/0/text"
            )
            .is_some());
        let back = set(&chat, ty, "TEXT").unwrap();
        assert_eq!(display(text, &inner(&back)), display(text, &inner(&config)));

        // Switching the source to a managed prompt shows its ARN field instead.
        let src = field(NodeType::Prompt, "sourceConfiguration");
        let res = set(&config, src, "resource").unwrap();
        let arn = field(NodeType::Prompt, "sourceConfiguration.resource.promptArn");
        assert!(visible(arn, &inner(&res)) && !visible(model, &inner(&res)));
    }

    #[test]
    fn limits_and_patterns_give_messages() {
        let n = field(NodeType::KnowledgeBase, "numberOfResults");
        assert_eq!(
            check(n, "101").as_deref(),
            Some("Number of results is 101; Bedrock takes 1 to 100")
        );
        assert!(check(n, "ten").is_some());
        let c = set(&fresh(NodeType::KnowledgeBase), n, "-3");
        assert!(matches!(c, Err(FormError::Shape { .. })), "{c:?}");
        let b = field(NodeType::Storage, "serviceConfiguration.s3.bucketName");
        assert!(check(b, "My_Bucket").is_some());
        assert_eq!(check(b, "my-bucket"), None);
        let stop = field(
            NodeType::Prompt,
            "sourceConfiguration.inline.inferenceConfiguration.text.stopSequences",
        );
        assert!(check(stop, "a\nb\nc\nd\ne").is_some());
        let cond = field(NodeType::LoopController, "continueCondition.expression");
        assert!(check(cond, "count <").unwrap().starts_with("column"));
        let arn = field(NodeType::LambdaFunction, "lambdaArn");
        assert!(check(arn, "").unwrap().contains("draft"));
    }

    /// A text field checks its value as the compiler does, at the field's id: empty is a draft
    /// only where the form allows 0 characters, and the pattern applies to what is typed.
    #[test]
    fn text_fields_carry_the_compilers_check() {
        let said = |f: &FormField, value: &str| {
            let mut out = Diagnostics::default();
            f.check_text(&mut out, &Location::flow("f").node("N"), value);
            out.into_vec()
                .into_iter()
                .map(|d| (d.location.field.unwrap_or_default(), d.message))
                .collect::<Vec<_>>()
        };
        let kb = field(NodeType::KnowledgeBase, "knowledgeBaseId");
        assert_eq!(
            said(kb, ""),
            [(
                "knowledgeBaseId".to_owned(),
                "knowledgeBaseId is empty".to_owned()
            )]
        );
        assert_eq!(
            said(kb, "ABCDEFGHIJK")[0].1,
            "knowledgeBaseId is 11 characters long; Bedrock takes 0..10"
        );
        assert_eq!(said(kb, "ABCDEFGHIJ"), []);
        assert_eq!(
            said(kb, "kb-1")[0].1,
            "knowledgeBaseId \"kb-1\" is not letters and digits, at most 10"
        );
        let template = field(NodeType::KnowledgeBase, "promptTemplate.textPromptTemplate");
        assert_eq!(
            said(template, ""),
            [(
                "promptTemplate.textPromptTemplate".to_owned(),
                "promptTemplate.textPromptTemplate is 0 characters long; Bedrock takes 1..100000"
                    .to_owned()
            )]
        );
        assert_eq!(
            said(field(NodeType::KnowledgeBase, "numberOfResults"), "0"),
            []
        );
    }

    /// The inspector says what the compiler says: an Agent node using a project agent has an
    /// empty alias ARN that the compiler fills, so nothing is wrong with it.
    #[test]
    fn typed_diagnostics_are_the_compilers() {
        let t = crate::templates::find("support-triage").unwrap();
        let mut p = crate::templates::instantiate(t, "t").unwrap();
        let agent = p.agents[0].agent_name.clone();
        let mut node = (NodeType::Agent.kind().new_node)("Ask");
        if let Some(NodeConfiguration::Agent(c)) = &mut node.configuration {
            c.project_agent = Some(agent.clone());
        }
        p.flows[0].definition.nodes.push(node);
        let arn = field(NodeType::Agent, "agentAliasArn");
        let said = typed_diagnostics(&p, "triage", "Ask", arn, "").unwrap();
        assert!(said.is_empty(), "{said:?}");
        let compiled = crate::compile::compile(&p).diagnostics;
        assert!(!compiled
            .iter()
            .any(|d| is_at_field(d, "triage", "Ask", arn)));

        // Without a project agent the empty ARN is the compiler's problem, and the inspector's.
        let who = field(NodeType::Agent, "projectAgent");
        let cleared = typed_diagnostics(&p, "triage", "Ask", who, "").unwrap();
        assert!(cleared.is_empty(), "{cleared:?}");
        let mut q = p.clone();
        let n = q.flows[0].definition.node_mut("Ask").unwrap();
        n.configuration = Some(set(n.configuration.as_ref().unwrap(), who, "").unwrap());
        let said = typed_diagnostics(&q, "triage", "Ask", arn, "").unwrap();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(crate::compile::compile(&q)
            .diagnostics
            .iter()
            .any(|d| is_at_field(d, "triage", "Ask", arn) && d.message == said[0].message));
        let bad = typed_diagnostics(&p, "triage", "Ask", arn, "not-an-arn").unwrap();
        assert!(bad[0].message.contains("agentAliasArn"), "{bad:?}");

        // A value the field cannot hold at all is refused before compiling.
        let t = field(
            NodeType::Prompt,
            "sourceConfiguration.inline.inferenceConfiguration.text.temperature",
        );
        assert!(typed_diagnostics(&p, "triage", "Classify", t, "warm").is_err());
        let hot = typed_diagnostics(&p, "triage", "Classify", t, "1.5").unwrap();
        assert_eq!(hot.len(), 1, "{hot:?}");
    }

    #[test]
    fn other_keys_are_those_no_field_edits() {
        let mut config = fresh(NodeType::KnowledgeBase);
        if let NodeConfiguration::KnowledgeBase(c) = &mut config {
            c.reranking_configuration =
                Some(serde_json::json!({"type": "BEDROCK_RERANKING_MODEL"}));
        }
        assert!(other_keys(NodeType::KnowledgeBase.kind(), &inner(&config)).is_empty());
        let unknown: NodeConfiguration =
            serde_json::from_str(r#"{"lex": {"botAliasArn": "", "localeId": "en_US"}}"#).unwrap();
        assert!(other_keys(NodeType::Lex.kind(), &inner(&unknown)).is_empty());
    }
}
