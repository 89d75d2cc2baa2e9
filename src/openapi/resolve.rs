//! Local `$ref`s (`#/components/...`) expanded against the document, within limits that keep
//! cycles, deep nesting and references that fan out bounded.

use serde_json::{Map, Value};

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

/// Expands local `$ref`s (`#/components/...`) against the document.
pub(super) struct Resolver<'a> {
    root: &'a Value,
    /// Values still allowed to be produced by expansion; see [`EXPANSION_BUDGET`].
    budget: usize,
}

impl<'a> Resolver<'a> {
    pub(super) fn new(root: &'a Value) -> Resolver<'a> {
        Resolver {
            root,
            budget: EXPANSION_BUDGET,
        }
    }

    /// Follows `$ref`s at the top of `v` only (a parameter, request body or path item
    /// defined under `components`), without expanding anything inside.
    pub(super) fn follow(&self, mut v: &'a Value) -> &'a Value {
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
    pub(super) fn resolve(&mut self, v: &Value) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::parse;

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
        // Expansion stops MAX_REF_DEPTH references down: the 2^16 uses found there keep
        // their `$ref`, and nothing below them is copied.
        fn refs<'v>(v: &'v Value, found: &mut Vec<&'v str>) {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        found.push(r);
                    }
                    map.values().for_each(|x| refs(x, found));
                }
                Value::Array(items) => items.iter().for_each(|x| refs(x, found)),
                Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
            }
        }
        let mut found = Vec::new();
        refs(&body.schema, &mut found);
        assert_eq!(found.len(), 1 << MAX_REF_DEPTH);
        assert!(
            found.iter().all(|r| *r == "#/components/schemas/S16"),
            "{:?}",
            found.first()
        );
        assert!(serde_json::to_string(&body.schema).map_or(0, |s| s.len()) < 50_000_000);
    }
}
