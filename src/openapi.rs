//! An action group's OpenAPI schema, read into the operations the compiler checks and the
//! local agent runtime offers to the model as tools.
//!
//! Bedrock takes the schema as JSON or YAML text (`apiSchema.payload`). Reading is lenient:
//! a malformed operation or parameter is skipped rather than failing the whole document, so
//! the compiler can still report everything else it finds. Only three things make the
//! document unreadable: text that is neither JSON nor YAML, a top level that is not an
//! object, and `paths` that is missing or not an object.

use serde_json::{Map, Value};
use std::fmt;

/// The HTTP methods OpenAPI 3.0 allows as keys of a path item, in the order operations are listed.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// How many `$ref`s may be expanded inside one another. Schemas that refer to themselves
/// (a tree node with children of its own type) stop here and keep their `$ref`.
const MAX_REF_DEPTH: usize = 16;

/// How deep a resolved value may nest before references are no longer expanded. Keeps the
/// recursion (and the recursive drop of the result) shallow enough for a wasm stack.
const MAX_NESTING: usize = 64;

/// How many values reference expansion may produce for one document. A small document
/// whose references fan out (A uses B twice, B uses C twice, ...) would otherwise grow
/// exponentially.
const EXPANSION_BUDGET: usize = 200_000;

/// The longest tool name model APIs accept (`[a-zA-Z0-9_-]{1,64}`).
const MAX_TOOL_NAME: usize = 64;

/// A parsed OpenAPI document: its version and its operations, in path order.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiDocument {
    /// The `openapi` field as written; numbers (YAML `openapi: 3.0`) are turned into text.
    pub openapi: Option<String>,
    /// Every operation of every path: paths in sorted order, each path's methods in the
    /// order get, put, post, delete, options, head, patch, trace.
    pub operations: Vec<Operation>,
    /// The whole document, unresolved, as read.
    pub raw: Value,
}

/// One operation: a method on a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub path: String,
    /// Lowercase: `get`, `post`, ...
    pub method: String,
    pub operation_id: Option<String>,
    pub description: Option<String>,
    pub summary: Option<String>,
    /// The path item's parameters merged with the operation's (the operation's win), with
    /// `$ref`s resolved.
    pub parameters: Vec<OpParameter>,
    pub request_body: Option<RequestBody>,
    /// `x-requireConfirmation` is set to anything but `DISABLED`.
    pub require_confirmation: bool,
}

/// A parameter of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OpParameter {
    pub name: String,
    /// `path`, `query` or `header` (as written; empty when the document omits `in`).
    pub location: String,
    pub description: Option<String>,
    pub required: bool,
    /// The parameter's schema with local `$ref`s resolved; `null` when it has none.
    pub schema: Value,
}

/// The request body of an operation: the JSON media type if there is one, else the first.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    pub media_type: String,
    pub description: Option<String>,
    pub required: bool,
    /// The media type's schema with local `$ref`s resolved; `null` when it has none.
    pub schema: Value,
}

/// Why an OpenAPI payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenApiError {
    #[error("not valid JSON or YAML: {message}{}", position(*.line, *.column))]
    Syntax {
        message: String,
        /// 1-based; 0 when the parser did not say.
        line: usize,
        /// 1-based; 0 when the parser did not say.
        column: usize,
    },
    #[error("the document is not an object: its top level is {found}")]
    NotAnObject { found: &'static str },
    #[error("`paths` is missing or not an object: at the top level, `paths` is {found}")]
    Paths { found: &'static str },
}

fn position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" (line {line}, column {column})")
    }
}

/// Reads an action group's OpenAPI payload, JSON or YAML.
pub fn parse(payload: &str) -> Result<ApiDocument, OpenApiError> {
    let raw = read_text(payload)?;
    let Value::Object(top) = &raw else {
        return Err(OpenApiError::NotAnObject {
            found: if payload.trim().is_empty() {
                "empty"
            } else {
                kind_of(&raw)
            },
        });
    };
    let paths = match top.get("paths") {
        Some(Value::Object(paths)) => paths,
        Some(other) => {
            return Err(OpenApiError::Paths {
                found: kind_of(other),
            })
        }
        None => return Err(OpenApiError::Paths { found: "missing" }),
    };
    let openapi = top.get("openapi").and_then(scalar_text);
    let mut resolver = Resolver {
        root: &raw,
        budget: EXPANSION_BUDGET,
    };
    let mut operations = Vec::new();
    for (path, item) in paths {
        let Value::Object(item) = resolver.follow(item) else {
            continue;
        };
        let shared = item
            .get("parameters")
            .map(|p| read_parameters(&mut resolver, p))
            .unwrap_or_default();
        for (key, op) in item {
            let method = key.to_ascii_lowercase();
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Value::Object(op) = op else {
                continue;
            };
            let mut parameters = shared.clone();
            if let Some(own) = op.get("parameters") {
                for p in read_parameters(&mut resolver, own) {
                    // OpenAPI identifies a parameter by name and location; the operation's
                    // definition replaces the path item's.
                    parameters.retain(|q| !(q.name == p.name && q.location == p.location));
                    parameters.push(p);
                }
            }
            operations.push(Operation {
                path: path.clone(),
                method,
                operation_id: text(op, "operationId"),
                description: text(op, "description"),
                summary: text(op, "summary"),
                parameters,
                request_body: op
                    .get("requestBody")
                    .and_then(|b| read_request_body(&mut resolver, b)),
                // Anything but DISABLED asks: a misspelt value must not run the action
                // unconfirmed (the compiler reports it as an error).
                require_confirmation: match op.get("x-requireConfirmation") {
                    None | Some(Value::Null) => false,
                    Some(value) => value.as_str() != Some("DISABLED"),
                },
            });
        }
    }
    // Path and method order, whatever order the JSON map keeps its keys in.
    operations.sort_by_key(|o| {
        let rank = METHODS
            .iter()
            .position(|m| *m == o.method)
            .unwrap_or(METHODS.len());
        (o.path.clone(), rank)
    });
    Ok(ApiDocument {
        openapi,
        operations,
        raw,
    })
}

impl ApiDocument {
    /// Where the document uses the `enum` keyword, as JSON pointers (`#/paths/~1orders/get/...`),
    /// looking under `paths` and `components`. Bedrock agents reject `enum`.
    pub fn enum_locations(&self) -> Vec<String> {
        let mut found = Vec::new();
        for section in ["paths", "components"] {
            if let Some(v) = self.raw.get(section) {
                let mut pointer = format!("#/{section}");
                // The keys of `paths` are paths, not keywords.
                find_enums(v, &mut pointer, section == "paths", &mut found);
            }
        }
        found
    }
}

impl Operation {
    /// `POST /orders`: how people name an operation that has no operationId.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.path)
    }

    /// The name the runtime gives this operation as a model tool: the operationId, else the
    /// method and path, made into `[a-zA-Z0-9_-]{1,64}` (model APIs reject anything else).
    pub fn tool_name(&self) -> String {
        let id = self.operation_id.as_deref().unwrap_or_default();
        let name = tool_name_from(id);
        if !name.is_empty() {
            return name;
        }
        // The path starts with `/`, which becomes the `_` after the method.
        let name = tool_name_from(&format!("{}{}", self.method, self.path));
        if name.is_empty() {
            "operation".to_owned()
        } else {
            name
        }
    }

    /// The operation's input as one JSON Schema object: every parameter, then the request
    /// body's properties, each with its description. The runtime gives it to a model as
    /// the tool's input schema, and maps the model's arguments back to parameters (by name)
    /// and body properties (the rest).
    ///
    /// A parameter and a body property of the same name: the parameter wins. A body whose
    /// schema has no `properties` (an array, a string) becomes one property named `body`
    /// (`requestBody` if a parameter is already called `body`). Body properties are
    /// required only when the body itself is.
    pub fn input_schema(&self) -> Value {
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        for p in &self.parameters {
            if properties.contains_key(&p.name) {
                continue;
            }
            properties.insert(
                p.name.clone(),
                with_description(&p.schema, p.description.as_deref()),
            );
            // OpenAPI requires path parameters to be required; a document that forgets
            // still cannot call the path without them.
            if p.required || p.location == "path" {
                required.push(Value::String(p.name.clone()));
            }
        }
        if let Some(body) = &self.request_body {
            match body.schema.get("properties") {
                Some(Value::Object(props)) => {
                    let body_required: Vec<&str> = body
                        .schema
                        .get("required")
                        .and_then(Value::as_array)
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    for (name, schema) in props {
                        if properties.contains_key(name) {
                            continue;
                        }
                        properties.insert(name.clone(), with_description(schema, None));
                        if body.required && body_required.contains(&name.as_str()) {
                            required.push(Value::String(name.clone()));
                        }
                    }
                }
                Some(_) | None => {
                    let name = if properties.contains_key("body") {
                        "requestBody"
                    } else {
                        "body"
                    };
                    if !properties.contains_key(name) {
                        properties.insert(
                            name.to_owned(),
                            with_description(&body.schema, body.description.as_deref()),
                        );
                        if body.required {
                            required.push(Value::String(name.to_owned()));
                        }
                    }
                }
            }
        }
        let mut schema = Map::new();
        schema.insert("type".to_owned(), Value::String("object".to_owned()));
        schema.insert("properties".to_owned(), Value::Object(properties));
        schema.insert("required".to_owned(), Value::Array(required));
        Value::Object(schema)
    }

    /// Whether the method changes state on the server: anything but GET, HEAD and OPTIONS.
    pub fn is_state_changing(&self) -> bool {
        !matches!(self.method.as_str(), "get" | "head" | "options")
    }
}

/// `source` made into `[a-zA-Z0-9_-]{0,64}`. A name that already fits is kept as it is;
/// otherwise other characters become `_`, runs of them one `_`, and none leads or trails.
fn tool_name_from(source: &str) -> String {
    let fits = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if source.chars().count() <= MAX_TOOL_NAME && source.chars().all(fits) {
        return source.to_owned();
    }
    let mut name = String::new();
    let mut replaced = false;
    for c in source.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            name.push(c);
            replaced = false;
        } else if !replaced && !name.is_empty() {
            // Runs of other characters (`/{`, `}/`) read better as one underscore.
            name.push('_');
            replaced = true;
        }
    }
    let name: String = name.chars().take(MAX_TOOL_NAME).collect();
    name.trim_end_matches('_').to_owned()
}

/// A property schema for [`Operation::input_schema`]: the schema (a string when there is
/// none, since Bedrock passes parameter values as strings) with `description` set.
fn with_description(schema: &Value, description: Option<&str>) -> Value {
    let mut out = match schema {
        Value::Object(m) => m.clone(),
        _ => {
            let mut m = Map::new();
            m.insert("type".to_owned(), Value::String("string".to_owned()));
            m
        }
    };
    if let Some(d) = description {
        out.insert("description".to_owned(), Value::String(d.to_owned()));
    }
    Value::Object(out)
}

/// Parses the text as JSON when it looks like JSON, else as YAML. JSON's messages are the
/// better ones for JSON text, so they are the ones reported when both parsers fail.
fn read_text(payload: &str) -> Result<Value, OpenApiError> {
    let looks_like_json = matches!(payload.trim_start().chars().next(), Some('{' | '['));
    if looks_like_json {
        match serde_json::from_str::<Value>(payload) {
            Ok(v) => return Ok(v),
            Err(json_error) => {
                // A YAML flow mapping (`{openapi: 3.0.0, ...}`) starts like JSON too.
                return read_yaml(payload).map_err(|_| OpenApiError::Syntax {
                    message: strip_position(&json_error.to_string()),
                    line: json_error.line(),
                    column: json_error.column(),
                });
            }
        }
    }
    read_yaml(payload)
}

fn read_yaml(payload: &str) -> Result<Value, OpenApiError> {
    let mut yaml: serde_yaml::Value =
        serde_yaml::from_str(payload).map_err(|e| OpenApiError::Syntax {
            message: strip_position(&e.to_string()),
            line: e.location().map_or(0, |l| l.line()),
            column: e.location().map_or(0, |l| l.column()),
        })?;
    // `<<: *defaults` merge keys are how YAML authors share parameter lists. A malformed
    // merge is left as the plain `<<` key rather than rejecting the document.
    let mut merged = yaml.clone();
    if merged.apply_merge().is_ok() {
        yaml = merged;
    }
    Ok(yaml_to_json(yaml))
}

/// Both parsers append " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> String {
    static PATTERN: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = PATTERN.get_or_init(|| regex::Regex::new(r" at line \d+ column \d+").ok());
    match re {
        Some(re) => re.replace_all(message, "").into_owned(),
        None => message.to_owned(),
    }
}

/// YAML values as JSON. Keys that are not strings (`200:` under `responses`) become their
/// text; tags are dropped; numbers JSON cannot hold (`.inf`, `.nan`) become their text.
fn yaml_to_json(v: serde_yaml::Value) -> Value {
    match v {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => yaml_number(&n),
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(items) => {
            Value::Array(items.into_iter().map(yaml_to_json).collect())
        }
        serde_yaml::Value::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match yaml_to_json(k) {
                    Value::String(s) => s,
                    Value::Null => "null".to_owned(),
                    other => other.to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn yaml_number(n: &serde_yaml::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        n.as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

/// The text of a scalar: strings as they are, numbers and booleans as written.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn read_parameters<'a>(resolver: &mut Resolver<'a>, list: &'a Value) -> Vec<OpParameter> {
    let Value::Array(items) = list else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let Value::Object(p) = resolver.follow(item) else {
            continue;
        };
        let Some(name) = text(p, "name") else {
            continue;
        };
        out.push(OpParameter {
            name,
            location: text(p, "in").unwrap_or_default(),
            description: text(p, "description"),
            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            schema: p.get("schema").map_or(Value::Null, |s| resolver.resolve(s)),
        });
    }
    out
}

fn read_request_body<'a>(resolver: &mut Resolver<'a>, body: &'a Value) -> Option<RequestBody> {
    let Value::Object(body) = resolver.follow(body) else {
        return None;
    };
    let Some(Value::Object(content)) = body.get("content") else {
        return None;
    };
    let (media_type, media) = content
        .iter()
        .find(|(k, _)| k.as_str() == "application/json")
        .or_else(|| content.iter().next())?;
    Some(RequestBody {
        media_type: media_type.clone(),
        description: text(body, "description"),
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        schema: media
            .get("schema")
            .map_or(Value::Null, |s| resolver.resolve(s)),
    })
}

/// Expands local `$ref`s (`#/components/...`) against the document.
struct Resolver<'a> {
    root: &'a Value,
    /// Values still allowed to be produced by expansion; see [`EXPANSION_BUDGET`].
    budget: usize,
}

impl<'a> Resolver<'a> {
    /// Follows `$ref`s at the top of `v` only (a parameter, request body or path item
    /// defined under `components`), without expanding anything inside.
    fn follow(&self, mut v: &'a Value) -> &'a Value {
        let mut seen: Vec<&str> = Vec::new();
        while let Some(Value::String(reference)) = v.get("$ref") {
            if seen.len() >= MAX_REF_DEPTH || seen.contains(&reference.as_str()) {
                break;
            }
            let Some(target) = reference
                .strip_prefix('#')
                .filter(|p| !p.is_empty())
                .and_then(|p| self.root.pointer(p))
            else {
                break;
            };
            seen.push(reference);
            v = target;
        }
        v
    }

    /// A copy of `v` with its local `$ref`s expanded, as far as the limits allow.
    fn resolve(&mut self, v: &Value) -> Value {
        let mut stack = Vec::new();
        self.expand(v, &mut stack, 0)
    }

    fn expand(&mut self, v: &Value, stack: &mut Vec<String>, nesting: usize) -> Value {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    if let Some(target) = self.target(reference, stack, nesting) {
                        stack.push(reference.clone());
                        let mut out = self.expand(target, stack, nesting + 1);
                        stack.pop();
                        // OpenAPI 3.0 says siblings of `$ref` are ignored, but authors put
                        // descriptions there and mean them; they override the target's.
                        if let Value::Object(out_map) = &mut out {
                            for (k, sibling) in map {
                                if k != "$ref" {
                                    let sibling = self.expand(sibling, stack, nesting + 1);
                                    out_map.insert(k.clone(), sibling);
                                }
                            }
                        }
                        return out;
                    }
                }
                self.budget = self.budget.saturating_sub(1);
                let mut out = Map::new();
                for (k, x) in map {
                    out.insert(k.clone(), self.expand(x, stack, nesting + 1));
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                self.budget = self.budget.saturating_sub(1);
                Value::Array(
                    items
                        .iter()
                        .map(|x| self.expand(x, stack, nesting + 1))
                        .collect(),
                )
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => v.clone(),
        }
    }

    /// What a reference points at, if it is local, exists, is not already being expanded
    /// (a cycle), and the limits allow one more expansion.
    fn target(&self, reference: &str, stack: &[String], nesting: usize) -> Option<&'a Value> {
        if stack.len() >= MAX_REF_DEPTH
            || nesting >= MAX_NESTING
            || self.budget == 0
            || stack.iter().any(|r| r == reference)
        {
            return None;
        }
        let pointer = reference.strip_prefix('#')?;
        if pointer.is_empty() {
            // `#` is the whole document: always a cycle for anything inside it.
            return None;
        }
        self.root.pointer(pointer)
    }
}

/// Collects the pointers of `enum` keywords. `names` says that the keys of this object are
/// names (of properties, schemas, paths), not keywords: a property called `enum` is fine.
fn find_enums(v: &Value, pointer: &mut String, names: bool, found: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                if k == "enum" && !names {
                    found.push(pointer.clone());
                } else if !names
                    && (matches!(k.as_str(), "example" | "examples" | "default")
                        || k.starts_with("x-"))
                {
                    // Example data, defaults and extensions hold values, not schemas.
                } else {
                    let child_names = !names
                        && matches!(
                            k.as_str(),
                            "properties"
                                | "patternProperties"
                                | "schemas"
                                | "parameters"
                                | "requestBodies"
                                | "responses"
                                | "headers"
                                | "content"
                                | "links"
                                | "callbacks"
                                | "securitySchemes"
                                | "definitions"
                        );
                    find_enums(x, pointer, child_names, found);
                }
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                find_enums(x, pointer, false, found);
                pointer.truncate(len);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

impl fmt::Display for Operation {
    /// `createOrder (POST /orders)`, or `POST /orders` without an operationId.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.operation_id {
            Some(id) => write!(f, "{id} ({})", self.label()),
            None => f.write_str(&self.label()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text is a document or an error; a syntax error's line is inside the text.
        #[test]
        fn any_text_is_a_document_or_a_located_error(
            payload in prop_oneof![
                any::<String>(),
                "(openapi: 3\\.0\\.0\n|paths:\n|  /[a-zé€{}]{0,5}:\n|    (get|post):\n|      operationId: [a-zé]{0,5}\n|      parameters: \\[\\{name: é, in: path\\}\\]\n|[ :{}\\[\\]é€\"'#-]{0,6}\n)*",
            ],
        ) {
            match parse(&payload) {
                Ok(doc) => {
                    for op in &doc.operations {
                        let _ = (op.input_schema(), op.tool_name(), op.to_string());
                    }
                }
                Err(OpenApiError::Syntax { line, .. }) => {
                    prop_assert!(line <= payload.split('\n').count() + 1, "line {line}");
                }
                Err(_) => {}
            }
        }
    }

    /// The document as a small text picture: one line per operation, indented lines for its
    /// parameters and body. Errors are `error: <message>`.
    fn render(payload: &str) -> String {
        let doc = match parse(payload) {
            Ok(doc) => doc,
            Err(e) => return format!("error: {e}"),
        };
        let mut s = format!("openapi {}\n", doc.openapi.as_deref().unwrap_or("-"));
        for op in &doc.operations {
            s.push_str(&format!("{op} tool={}", op.tool_name()));
            if let Some(d) = &op.description {
                s.push_str(&format!(" {d:?}"));
            }
            if op.require_confirmation {
                s.push_str(" confirm");
            }
            s.push('\n');
            for p in &op.parameters {
                s.push_str(&format!(
                    "  {} in {}{} {}",
                    p.name,
                    p.location,
                    if p.required { " required" } else { "" },
                    p.schema
                ));
                if let Some(d) = &p.description {
                    s.push_str(&format!(" {d:?}"));
                }
                s.push('\n');
            }
            if let Some(b) = &op.request_body {
                s.push_str(&format!(
                    "  body {}{} {}\n",
                    b.media_type,
                    if b.required { " required" } else { "" },
                    b.schema
                ));
            }
        }
        s
    }

    fn check(payload: &str, expect: &str) {
        let got = render(payload);
        assert_eq!(
            got.trim_end(),
            expect.trim(),
            "\n--- payload:\n{payload}\n--- got:\n{got}"
        );
    }

    /// Parameters and a body through `$ref`s, and a confirmed POST.
    const ORDERS: &str = r##"{
              "openapi": "3.0.0",
              "paths": {
                "/orders/{orderId}": {
                  "parameters": [{"$ref": "#/components/parameters/OrderId"}],
                  "get": {"operationId": "getOrder", "description": "Looks up one order."},
                  "post": {
                    "operationId": "refundOrder",
                    "description": "Refunds an order.",
                    "x-requireConfirmation": "ENABLED",
                    "requestBody": {
                      "required": true,
                      "content": {
                        "text/plain": {"schema": {"type": "string"}},
                        "application/json": {"schema": {"$ref": "#/components/schemas/Refund"}}
                      }
                    }
                  }
                }
              },
              "components": {
                "parameters": {
                  "OrderId": {"name": "orderId", "in": "path", "required": true,
                              "description": "The order's id.", "schema": {"type": "string"}}
                },
                "schemas": {
                  "Refund": {"type": "object", "required": ["amount"],
                             "properties": {"amount": {"$ref": "#/components/schemas/Money"}}},
                  "Money": {"type": "number", "description": "An amount in euros."}
                }
              }
            }"##;

    #[test]
    fn json_operations_with_refs_and_confirmation() {
        check(
            ORDERS,
            r#"
openapi 3.0.0
getOrder (GET /orders/{orderId}) tool=getOrder "Looks up one order."
  orderId in path required {"type":"string"} "The order's id."
refundOrder (POST /orders/{orderId}) tool=refundOrder "Refunds an order." confirm
  orderId in path required {"type":"string"} "The order's id."
  body application/json required {"properties":{"amount":{"description":"An amount in euros.","type":"number"}},"required":["amount"],"type":"object"}
"#,
        );
    }

    #[test]
    fn yaml_with_numeric_keys_merge_keys_and_a_numeric_version() {
        check(
            r#"
openapi: 3.0
x-common: &common
  description: Shared words for several operations.
paths:
  /b:
    delete:
      <<: *common
      responses:
        200:
          description: ok
  /a:
    put:
      summary: no id, no description
      parameters:
        - name: q
          in: query
        - in: query
        - not a parameter
"#,
            r#"
openapi 3.0
PUT /a tool=put_a
  q in query null
DELETE /b tool=delete_b "Shared words for several operations."
"#,
        );
    }

    #[test]
    fn operation_parameters_replace_path_parameters_of_the_same_name_and_place() {
        check(
            r#"{"openapi": "3.0.0", "paths": {"/x": {
                "parameters": [{"name": "id", "in": "query", "description": "old"},
                               {"name": "id", "in": "header"}],
                "GET": {"parameters": [{"name": "id", "in": "query", "description": "new"}]}}}}"#,
            r#"
openapi 3.0.0
GET /x tool=get_x
  id in header null
  id in query null "new"
"#,
        );
    }

    #[test]
    fn unreadable_documents_say_why_and_where() {
        check(
            "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {,}\n}",
            "error: not valid JSON or YAML: key must be a string (line 3, column 13)",
        );
        check(
            "openapi: 3.0.0\npaths:\n  /a: [\n",
            "error: not valid JSON or YAML: did not find expected node content, while parsing a flow node (line 4, column 1)",
        );
        check(
            "",
            "error: the document is not an object: its top level is empty",
        );
        check(
            "[1, 2]",
            "error: the document is not an object: its top level is an array",
        );
        check(
            "just text",
            "error: the document is not an object: its top level is a string",
        );
        check(
            r#"{"openapi": "3.0.0"}"#,
            "error: `paths` is missing or not an object: at the top level, `paths` is missing",
        );
        check(
            "openapi: 3.0.0\npaths: [a]",
            "error: `paths` is missing or not an object: at the top level, `paths` is an array",
        );
        check("{openapi: 3.0.0, paths: {}}", "openapi 3.0.0");
    }

    #[test]
    fn hostile_documents_end_in_errors_or_bounded_results() {
        // Nesting past the parsers' recursion limits.
        let deep_json = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert!(render(&deep_json).starts_with("error: not valid JSON or YAML"));
        let deep_yaml = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        assert!(render(&deep_yaml).starts_with("error: not valid JSON or YAML"));
        // A billion laughs.
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        bomb = bomb.replace("*a0", "*a");
        assert!(render(&bomb).starts_with("error: not valid JSON or YAML: repetition limit"));
    }

    #[test]
    fn references_that_cycle_or_fan_out_stay_bounded() {
        let cyclic = r##"{"openapi": "3.0.0", "paths": {"/t": {"post": {"requestBody": {"content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}}},
            "components": {"schemas": {"Node": {"type": "object", "properties": {
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "self": {"$ref": "#"}, "away": {"$ref": "other.json#/X"}, "gone": {"$ref": "#/nope"}}}}}}"##;
        let doc = parse(cyclic).expect("parses");
        let schema = &doc.operations[0]
            .request_body
            .as_ref()
            .expect("body")
            .schema;
        let props = &schema["properties"];
        assert_eq!(props["self"], serde_json::json!({"$ref": "#"}));
        assert_eq!(props["away"], serde_json::json!({"$ref": "other.json#/X"}));
        assert_eq!(props["gone"], serde_json::json!({"$ref": "#/nope"}));
        // The cycle is cut where the reference repeats.
        assert_eq!(
            props["children"]["items"],
            serde_json::json!({"$ref": "#/components/schemas/Node"})
        );

        // Forty levels, each using the next twice: 2^40 values if expanded naively.
        let mut schemas = Vec::new();
        for i in 0..40 {
            let next = format!("#/components/schemas/S{}", i + 1);
            schemas.push(format!(
                r#""S{i}": {{"type": "object", "properties": {{"l": {{"$ref": "{next}"}}, "r": {{"$ref": "{next}"}}}}}}"#
            ));
        }
        schemas.push(r#""S40": {"type": "string"}"#.to_owned());
        let fan = format!(
            r##"{{"openapi": "3.0.0", "paths": {{"/f": {{"post": {{"requestBody": {{"content": {{
                "application/json": {{"schema": {{"$ref": "#/components/schemas/S0"}}}}}}}}}}}}}},
                "components": {{"schemas": {{{}}}}}}}"##,
            schemas.join(",")
        );
        let doc = parse(&fan).expect("parses");
        let body = doc.operations[0].request_body.as_ref().expect("body");
        assert!(serde_json::to_string(&body.schema).map_or(0, |s| s.len()) < 50_000_000);
    }

    fn op(method: &str, path: &str, id: Option<&str>) -> Operation {
        Operation {
            path: path.to_owned(),
            method: method.to_owned(),
            operation_id: id.map(str::to_owned),
            description: None,
            summary: None,
            parameters: vec![],
            request_body: None,
            require_confirmation: false,
        }
    }

    #[test]
    fn tool_names_fit_model_apis() {
        let long = "x".repeat(80);
        let cases: &[(&str, &str, Option<&str>, &str)] = &[
            ("get", "/orders/{orderId}", None, "get_orders_orderId"),
            ("post", "/orders", Some("createOrder"), "createOrder"),
            (
                "post",
                "/orders",
                Some("orders.create v2"),
                "orders_create_v2",
            ),
            ("post", "/orders", Some("   "), "post_orders"),
            ("get", "/", None, "get"),
            ("get", "/é/ü", Some("ÿ"), "get"),
            ("get", "/a", Some(&long), &long[..64]),
            ("get", "/a", Some("_-x-_"), "_-x-_"),
            ("get", "/a", Some("get__order_v2"), "get__order_v2"),
            ("get", "/a", Some("a b__c"), "a_b__c"),
        ];
        for (method, path, id, expect) in cases {
            let name = op(method, path, *id).tool_name();
            assert_eq!(name, *expect, "{method} {path} {id:?}");
            let fits = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            assert!(fits && (1..=64).contains(&name.len()), "{name:?}");
        }
    }

    #[test]
    fn state_changing_methods() {
        for (method, expect) in [
            ("get", false),
            ("head", false),
            ("options", false),
            ("post", true),
            ("put", true),
            ("patch", true),
            ("delete", true),
        ] {
            assert_eq!(
                op(method, "/", None).is_state_changing(),
                expect,
                "{method}"
            );
        }
    }

    #[test]
    fn input_schema_joins_parameters_and_body() {
        let cases: &[(&str, serde_json::Value)] = &[
            (
                r##"{"openapi": "3.0.0", "paths": {"/o/{id}": {"post": {
                    "parameters": [
                        {"name": "id", "in": "path", "description": "The order id."},
                        {"name": "note", "in": "query", "schema": {"type": "string", "description": "own"},
                         "description": "A note for the clerk."}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["amount", "id"],
                        "properties": {"amount": {"type": "number", "description": "How much."},
                                       "id": {"type": "integer"}}}}}}}}}}"##,
                serde_json::json!({"type": "object", "properties": {
                    "id": {"type": "string", "description": "The order id."},
                    "note": {"type": "string", "description": "A note for the clerk."},
                    "amount": {"type": "number", "description": "How much."}},
                    "required": ["id", "amount"]}),
            ),
            (
                r##"{"openapi": "3.0.0", "paths": {"/o": {"put": {
                    "parameters": [{"name": "body", "in": "query", "required": true, "schema": {"type": "boolean"}}],
                    "requestBody": {"description": "The lines.", "content": {"text/csv": {"schema": {
                        "type": "array", "items": {"type": "string"}}}}}}}}}"##,
                serde_json::json!({"type": "object", "properties": {
                    "body": {"type": "boolean"},
                    "requestBody": {"type": "array", "items": {"type": "string"}, "description": "The lines."}},
                    "required": ["body"]}),
            ),
            (
                r#"{"openapi": "3.0.0", "paths": {"/o": {"get": {}}}}"#,
                serde_json::json!({"type": "object", "properties": {}, "required": []}),
            ),
        ];
        for (payload, expect) in cases {
            let doc = parse(payload).expect("parses");
            assert_eq!(&doc.operations[0].input_schema(), expect, "{payload}");
        }
    }

    #[test]
    fn enum_keywords_are_found_where_schemas_are() {
        let cases: &[(&str, &[&str])] = &[
            (
                r##"{"openapi": "3.0.0",
                  "paths": {"/a/b": {"get": {"parameters": [
                      {"name": "s", "in": "query", "schema": {"type": "string", "enum": ["x", "y"]},
                       "example": {"enum": 1}}]}}},
                  "components": {"schemas": {
                      "enum": {"type": "object", "properties": {
                          "enum": {"type": "string"},
                          "kind": {"type": "string", "enum": ["a"], "default": {"enum": 2}}}},
                      "T": {"x-notes": {"enum": 3}, "examples": {"enum": {"value": {"enum": 4}}}}}}}"##,
                &[
                    "#/paths/~1a~1b/get/parameters/0/schema/enum",
                    "#/components/schemas/enum/properties/kind/enum",
                ],
            ),
            (r#"{"openapi": "3.0.0", "paths": {"/enum": {}}}"#, &[]),
        ];
        for (payload, expect) in cases {
            let doc = parse(payload).expect("parses");
            assert_eq!(doc.enum_locations(), *expect, "{payload}");
        }
    }

    #[test]
    fn every_prefix_of_a_document_reads_or_fails_cleanly() {
        let yaml = "openapi: 3.0.0\npaths:\n  /a/{id}:\n    parameters:\n      - {name: id, in: path, schema: {$ref: '#/components/schemas/Id'}}\n    post:\n      operationId: send\n      requestBody:\n        content:\n          application/json:\n            schema: {type: object, properties: {x: {type: string, enum: [a]}}}\ncomponents:\n  schemas:\n    Id: {type: string}\n";
        for doc in [ORDERS, yaml] {
            for (i, _) in doc.char_indices() {
                if let Ok(parsed) = parse(&doc[..i]) {
                    let _ = parsed.enum_locations();
                    for op in &parsed.operations {
                        let _ = (op.tool_name(), op.input_schema(), op.is_state_changing());
                    }
                }
            }
        }
    }
}
