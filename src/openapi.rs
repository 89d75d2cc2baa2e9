//! An action group's OpenAPI schema, read into the operations the compiler checks and the
//! local agent runtime offers to the model as tools.
//!
//! Bedrock takes the schema as JSON or YAML text (`apiSchema.payload`). Reading is lenient:
//! a malformed operation or parameter is skipped rather than failing the whole document, so
//! the compiler can still report everything else it finds. Only three things make the
//! document unreadable: text that is neither JSON nor YAML, a top level that is not an
//! object, and `paths` that is missing or not an object.

mod operation;
mod resolve;
mod text;

use resolve::Resolver;
use serde_json::{Map, Value};
use text::{read_text, scalar_text};

/// The HTTP methods OpenAPI 3.0 allows as keys of a path item, in the order operations are listed.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

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
    let mut resolver = Resolver::new(&raw);
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

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A JSON value's kind as a sentence names it ("an object"); also how the agent runtime tells
/// the model what it sent instead of a parameter's type.
pub(crate) fn kind_of(v: &Value) -> &'static str {
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
            "error: not valid JSON or YAML: unclosed bracket '[' (line 3, column 7)",
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
        let too_deep = OpenApiError::Syntax {
            message: "recursion limit exceeded".to_owned(),
            line: 1,
            column: 128,
        };
        let deep_json = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(parse(&deep_json), Err(too_deep.clone()));
        let deep_yaml = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(parse(&deep_yaml), Err(too_deep));
        // A billion laughs.
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        bomb = bomb.replace("*a0", "*a");
        // Refused where the expansion goes over the reader's budget.
        match parse(&bomb) {
            Err(OpenApiError::Syntax {
                message,
                line,
                column,
            }) => {
                assert!(message.contains("too large or too complex"), "{message}");
                assert_eq!((line, column), (6, 15));
            }
            other => panic!("expected a located syntax error, got {other:?}"),
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
                match parse(&doc[..i]) {
                    Ok(parsed) => {
                        let _ = parsed.enum_locations();
                        for op in &parsed.operations {
                            let _ = (op.tool_name(), op.input_schema(), op.is_state_changing());
                        }
                    }
                    // A JSON document cut short is unreadable text: its braces are open.
                    Err(e) if doc == ORDERS && i > 0 => {
                        assert!(matches!(e, OpenApiError::Syntax { .. }), "{i}: {e}");
                    }
                    Err(_) => {}
                }
            }
        }
    }
}
