//! Reading the JSON a test gets back: the same member of every item of an array.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use serde_json::Value;

/// The string member `key` of each item of `array`, in order; an item without it fails the
/// test.
pub fn strings<'a>(array: &'a Value, key: &str) -> Vec<&'a str> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("an array, not {array}"))
        .iter()
        .map(|item| {
            item[key]
                .as_str()
                .unwrap_or_else(|| panic!("no string {key} in {item}"))
        })
        .collect()
}
