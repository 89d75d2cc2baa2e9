//! A small checker of JSON against botocore shapes (the service model AWS's SDKs are
//! generated from), and the routing of REST-JSON requests to the model's operations.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use serde_json::{json, Map, Value};

/// A small checker of a value against botocore shapes: required and unknown members,
/// unions, enums, lengths, list sizes, numeric ranges and (anchored) patterns.
pub struct Shapes {
    shapes: Map<String, Value>,
    operations: Map<String, Value>,
}

impl Shapes {
    /// The Bedrock Agent control plane's model, `tests/data/botocore/bedrock-agent.service-2.json`.
    pub fn bedrock_agent() -> Shapes {
        // Beside this file, so that a test of another crate (the app's) that includes this
        // module finds it too.
        Shapes::parse(
            "bedrock-agent.service-2.json",
            include_str!("../data/botocore/bedrock-agent.service-2.json"),
        )
    }

    /// The AgentCore control plane's model, as far as shipping an agent uses it (CreateHarness,
    /// CreateGateway, CreateGatewayTarget, CreateHarnessEndpoint and their shapes):
    /// `tests/data/botocore/bedrock-agentcore-control.service-2.excerpt.json`.
    pub fn agentcore_control() -> Shapes {
        Shapes::parse(
            "bedrock-agentcore-control.service-2.excerpt.json",
            include_str!("../data/botocore/bedrock-agentcore-control.service-2.excerpt.json"),
        )
    }

    /// The AgentCore data plane's model as far as InvokeHarness's request goes:
    /// `tests/data/botocore/bedrock-agentcore.service-2.excerpt.json`.
    pub fn agentcore_data() -> Shapes {
        Shapes::parse(
            "bedrock-agentcore.service-2.excerpt.json",
            include_str!("../data/botocore/bedrock-agentcore.service-2.excerpt.json"),
        )
    }

    fn parse(file: &str, text: &str) -> Shapes {
        let model: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        Shapes {
            shapes: model["shapes"].as_object().expect("shapes").clone(),
            operations: model["operations"].as_object().expect("operations").clone(),
        }
    }

    /// The output shape of `operation`, when it has one.
    pub fn output_shape(&self, operation: &str) -> Option<&str> {
        self.operations.get(operation)?["output"]["shape"].as_str()
    }

    /// Checks `v` against `shape`, adding what is wrong to `errors`, each line starting with
    /// `at` (where `v` is) and naming the shape.
    pub fn check(&self, shape: &str, v: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(s) = self.shapes.get(shape) else {
            errors.push(format!("{at}: unknown shape {shape}"));
            return;
        };
        self.check_shape(shape, s, v, at, errors);
    }

    /// Checks `v` against the shape `s`, named `shape`.
    fn check_shape(&self, shape: &str, s: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        let num = |k: &str| s.get(k).and_then(Value::as_f64);
        match s["type"].as_str().unwrap_or("") {
            "structure" => {
                if s.get("document") == Some(&json!(true)) {
                    return;
                }
                let Some(obj) = v.as_object() else {
                    errors.push(format!("{at}: expected an object ({shape})"));
                    return;
                };
                let members = s["members"].as_object().cloned().unwrap_or_default();
                for r in s
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let r = r.as_str().unwrap_or("");
                    if !obj.contains_key(r) {
                        errors.push(format!("{at}: missing required member {r} ({shape})"));
                    }
                }
                if s.get("union") == Some(&json!(true)) && obj.len() != 1 {
                    errors.push(format!("{at}: a union takes exactly one member ({shape})"));
                }
                for (k, child) in obj {
                    match members.get(k) {
                        Some(m) => self.check(
                            m["shape"].as_str().unwrap_or(""),
                            child,
                            &format!("{at}.{k}"),
                            errors,
                        ),
                        None => errors.push(format!("{at}: unknown member {k} ({shape})")),
                    }
                }
            }
            "list" => {
                let Some(items) = v.as_array() else {
                    errors.push(format!("{at}: expected a list ({shape})"));
                    return;
                };
                if num("max").is_some_and(|m| items.len() as f64 > m) {
                    errors.push(format!("{at}: more than {:?} items ({shape})", num("max")));
                }
                if num("min").is_some_and(|m| (items.len() as f64) < m) {
                    errors.push(format!("{at}: fewer than {:?} items ({shape})", num("min")));
                }
                let member = s["member"]["shape"].as_str().unwrap_or("");
                for (i, item) in items.iter().enumerate() {
                    self.check(member, item, &format!("{at}[{i}]"), errors);
                }
            }
            "map" => {
                let Some(obj) = v.as_object() else {
                    errors.push(format!("{at}: expected a map ({shape})"));
                    return;
                };
                let key = s["key"]["shape"].as_str().unwrap_or("");
                let value = s["value"]["shape"].as_str().unwrap_or("");
                for (k, child) in obj {
                    self.check(
                        key,
                        &Value::String(k.clone()),
                        &format!("{at} key {k:?}"),
                        errors,
                    );
                    self.check(value, child, &format!("{at}.{k}"), errors);
                }
            }
            "string" => {
                let Some(text) = v.as_str() else {
                    errors.push(format!("{at}: expected a string ({shape})"));
                    return;
                };
                if let Some(values) = s.get("enum").and_then(Value::as_array) {
                    if !values.iter().any(|e| e == v) {
                        errors.push(format!("{at}: {text:?} is not one of {values:?}"));
                    }
                }
                let len = text.chars().count() as f64;
                if num("min").is_some_and(|m| len < m) || num("max").is_some_and(|m| len > m) {
                    errors.push(format!(
                        "{at}: length {len} outside {:?}..{:?} ({shape})",
                        num("min"),
                        num("max")
                    ));
                }
                if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                    let anchored =
                        format!("^(?:{})$", p.trim_start_matches('^').trim_end_matches('$'));
                    if let Ok(re) = regex::Regex::new(&anchored) {
                        if !re.is_match(text) {
                            errors.push(format!("{at}: {text:?} does not match /{p}/ ({shape})"));
                        }
                    }
                }
            }
            "integer" | "long" => match v.as_i64() {
                Some(n) => {
                    if num("min").is_some_and(|m| (n as f64) < m)
                        || num("max").is_some_and(|m| n as f64 > m)
                    {
                        errors.push(format!("{at}: {n} out of range ({shape})"));
                    }
                }
                None => errors.push(format!("{at}: expected an integer ({shape})")),
            },
            "float" | "double" => match v.as_f64() {
                Some(n) => {
                    if num("min").is_some_and(|m| n < m) || num("max").is_some_and(|m| n > m) {
                        errors.push(format!("{at}: {n} out of range ({shape})"));
                    }
                }
                None => errors.push(format!("{at}: expected a number ({shape})")),
            },
            "boolean" => {
                if !v.is_boolean() {
                    errors.push(format!("{at}: expected a boolean ({shape})"));
                }
            }
            "timestamp" | "blob" => {}
            other => errors.push(format!("{at}: unhandled shape type {other}")),
        }
    }

    /// The operation `method path` calls: the one whose `requestUri` matches the path, each
    /// `{label}` one segment (`{label+}` the rest).
    pub fn operation(&self, method: &str, path: &str) -> Option<&str> {
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.operations.iter().find_map(|(name, op)| {
            let http = &op["http"];
            let uri = http["requestUri"].as_str()?;
            let uri = uri.split('?').next().unwrap_or(uri);
            let pattern: Vec<&str> = uri.trim_matches('/').split('/').collect();
            let matches = http["method"].as_str() == Some(method)
                && (pattern.len() == segments.len()
                    || pattern.last().is_some_and(|p| p.ends_with("+}")))
                && pattern.iter().zip(&segments).all(|(p, s)| {
                    (p.starts_with('{') && p.ends_with('}') && !s.is_empty()) || p == s
                });
            matches.then_some(name.as_str())
        })
    }

    /// Asserts that each `(method, path)` is routed to its operation, or to none.
    #[track_caller]
    pub fn assert_routes(&self, routes: &[(&str, &str, Option<&str>)]) {
        for (method, path, operation) in routes {
            assert_eq!(self.operation(method, path), *operation, "{method} {path}");
        }
    }

    /// What [`Shapes::check_body`] finds wrong with `body` as the body of `operation`.
    pub fn body_errors(&self, operation: &str, body: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check_body(operation, body, &mut errors);
        errors
    }

    /// Checks the JSON body of a REST-JSON call of `operation`: the members of its input
    /// that travel in the body (not in the URI, the query string or a header), as `check`.
    pub fn check_body(&self, operation: &str, body: &Value, errors: &mut Vec<String>) {
        let Some(input) = self
            .operations
            .get(operation)
            .map(|op| &op["input"]["shape"])
        else {
            errors.push(format!("{operation}: not an operation of the model"));
            return;
        };
        let Some(input) = input.as_str() else {
            if !body.as_object().is_none_or(Map::is_empty) {
                errors.push(format!("{operation}: takes no body, got {body}"));
            }
            return;
        };
        let mut shape = self.shapes[input].clone();
        let elsewhere: Vec<String> = shape["members"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, m)| m.get("location").is_some())
            .map(|(k, _)| k.clone())
            .collect();
        if let Some(members) = shape["members"].as_object_mut() {
            members.retain(|k, _| !elsewhere.contains(k));
        }
        if let Some(required) = shape.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| !elsewhere.iter().any(|k| r == k.as_str()));
        }
        let empty = json!({});
        let body = if body.is_null() { &empty } else { body };
        self.check_shape(input, &shape, body, operation, errors);
    }
}
