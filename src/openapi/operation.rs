//! An operation of the document: the name the model calls it by, and the tool input schema
//! its parameters and body make.

use super::Operation;
use serde_json::{Map, Value};
use std::fmt;

/// The longest tool name model APIs accept (`[a-zA-Z0-9_-]{1,64}`).
const MAX_TOOL_NAME: usize = 64;

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
    use crate::openapi::parse;

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
}
