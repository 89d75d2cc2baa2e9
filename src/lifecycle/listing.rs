//! What a front end shows of a flow's versions and aliases: plain data, built for wasm too,
//! so the editor page reads the very types the shell sends.

use serde::{Deserialize, Serialize};

/// One version, without its snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub number: u32,
    pub description: String,
    /// When it was made, in Unix milliseconds (UTC).
    pub created_at_ms: u64,
}

/// One alias and where a rollback would take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AliasInfo {
    pub name: String,
    pub version: u32,
    pub updated_at_ms: u64,
    /// The version it pointed at before its last move; `None`: nothing to roll back to.
    pub previous: Option<u32>,
}

/// A flow's versions (oldest first) and aliases (by name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowVersions {
    pub flow: String,
    pub versions: Vec<VersionInfo>,
    pub aliases: Vec<AliasInfo>,
}

/// What making a version did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionOutcome {
    pub number: u32,
    /// `false` when an identical snapshot already had this number.
    pub created: bool,
}

/// A move of an alias: where it pointed (`None`: it is new) and where it points now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasMove {
    pub name: String,
    pub from: Option<u32>,
    pub to: u32,
}

/// One side of a comparison: a version, or the document as it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    tag = "side",
    rename_all_fields = "camelCase"
)]
pub enum Side {
    /// The working copy (the CLI's `draft`).
    Draft,
    Version {
        number: u32,
    },
}

impl Side {
    /// `draft`, or a version number, as the CLI takes them.
    pub fn parse(text: &str) -> Option<Side> {
        if text.eq_ignore_ascii_case("draft") {
            return Some(Side::Draft);
        }
        text.parse().ok().map(|number| Side::Version { number })
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Side::Draft => f.write_str("draft"),
            Side::Version { number } => write!(f, "version {number}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_parse_as_the_cli_takes_them() {
        assert_eq!(Side::parse("DRAFT"), Some(Side::Draft));
        assert_eq!(Side::parse("3"), Some(Side::Version { number: 3 }));
        assert_eq!(Side::parse("v3"), None);
        assert_eq!(
            serde_json::to_value(Side::Version { number: 2 }).expect("json"),
            serde_json::json!({"side": "version", "number": 2})
        );
    }
}
