//! Reading `strata eval --json` reports in tests.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use serde_json::Value;

/// The report's variant named `name`.
pub fn variant(report: &Value, name: &str) -> Value {
    report["variants"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("variant {name}: {report:#}"))
}

/// The report's case `id` of `variant` (its first repeat).
pub fn case(report: &Value, id: &str, variant: &str) -> Value {
    report["cases"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == id && c["variant"] == variant))
        .cloned()
        .unwrap_or_else(|| panic!("case {id} of {variant}: {report:#}"))
}
