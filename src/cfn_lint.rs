//! AWS's CloudFormation linter over an exported template, for the app's export dialog.
//!
//! The pinned cfn-lint is the one `scripts/setup.sh` installs (a virtual environment under the
//! user's cache folder); `$STRATA_CFN_LINT` names another. It is looked for, never downloaded:
//! without it the report says so and how to install it.

use crate::session::ship::{LintFinding, LintReport};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The cfn-lint version `scripts/setup.sh` installs.
pub const PINNED: &str = "1.58.0";

/// The pinned cfn-lint: `$STRATA_CFN_LINT`, else the copy `scripts/setup.sh` installs under
/// `$XDG_CACHE_HOME` (or `~/.cache`).
pub fn locate() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STRATA_CFN_LINT").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let exe = cache.join(format!("strata/cfn-lint-{PINNED}/bin/cfn-lint"));
    exe.is_file().then_some(exe)
}

/// Lints `text` (a template, JSON when `json`) with the cfn-lint at `exe`, from a temporary
/// file that is removed afterwards.
pub async fn lint_with(exe: &Path, text: &str, json: bool) -> LintReport {
    let file = match TempTemplate::write(text, json) {
        Ok(file) => file,
        Err(e) => {
            return LintReport::Failed {
                message: format!("cannot write a temporary template for cfn-lint: {e}"),
            }
        }
    };
    let out = tokio::process::Command::new(exe)
        .args(["--format", "json", "--regions", "us-east-1", "--"])
        .arg(&file.0)
        .kill_on_drop(true)
        .output()
        .await;
    match out {
        Ok(out) => match parse(&String::from_utf8_lossy(&out.stdout)) {
            Ok(findings) => LintReport::Linted {
                version: PINNED.to_owned(),
                findings,
            },
            Err(e) => LintReport::Failed {
                message: format!(
                    "cfn-lint answered without its JSON report ({e}): {}",
                    crate::text::ellipsize(&String::from_utf8_lossy(&out.stderr), 300)
                ),
            },
        },
        Err(e) => LintReport::Failed {
            message: format!("cannot run {}: {e}", exe.display()),
        },
    }
}

/// A template written for cfn-lint under the temporary folder (a new file, never one that
/// was there), removed when dropped.
struct TempTemplate(PathBuf);

impl TempTemplate {
    fn write(text: &str, json: bool) -> std::io::Result<TempTemplate> {
        use std::io::Write as _;
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let suffix = if json { "json" } else { "yaml" };
        let name = format!("strata-export-{}-{n}.template.{suffix}", std::process::id());
        let path = std::env::temp_dir().join(name);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        let template = TempTemplate(path);
        file.write_all(text.as_bytes())?;
        Ok(template)
    }
}

impl Drop for TempTemplate {
    fn drop(&mut self) {
        // A file left in the temporary folder is harmless; nothing to report.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Lints `text` with the pinned cfn-lint, or says it is not installed.
pub async fn lint(text: &str, json: bool) -> LintReport {
    match locate() {
        Some(exe) => lint_with(&exe, text, json).await,
        None => LintReport::NotInstalled {
            hint: format!(
                "cfn-lint {PINNED} is not installed: scripts/setup.sh installs it (or set STRATA_CFN_LINT to a cfn-lint)"
            ),
        },
    }
}

/// cfn-lint's `--format json` report as rows: rule, level, line, message.
pub fn parse(report: &str) -> Result<Vec<LintFinding>, serde_json::Error> {
    let findings: Vec<Value> = serde_json::from_str(report.trim())?;
    Ok(findings
        .iter()
        .map(|f| LintFinding {
            rule: f["Rule"]["Id"].as_str().unwrap_or("?").to_owned(),
            level: f["Level"].as_str().unwrap_or("?").to_owned(),
            line: f["Location"]["Start"]["LineNumber"].as_u64().unwrap_or(0),
            message: f["Message"].as_str().unwrap_or_default().to_owned(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_becomes_rows() {
        let report = r#"[{"Filename": "t.yaml", "Level": "Warning",
            "Location": {"Start": {"ColumnNumber": 3, "LineNumber": 12}, "End": {"ColumnNumber": 9, "LineNumber": 12}, "Path": ["Resources"]},
            "Message": "Unused parameter", "Rule": {"Id": "W2001", "Description": "", "ShortDescription": "", "Source": ""}}]"#;
        let rows = parse(report).expect("parses");
        assert_eq!(
            rows,
            vec![LintFinding {
                rule: "W2001".into(),
                level: "Warning".into(),
                line: 12,
                message: "Unused parameter".into()
            }]
        );
        assert_eq!(parse("[]").expect("empty"), vec![]);
        assert!(parse("Traceback (most recent call last)").is_err());
    }
}
