//! AWS's CloudFormation linter over written templates. cfn-lint is found as
//! `$STRATA_CFN_LINT`, else the copy `scripts/setup.sh` installs, else on `PATH`. A missing
//! cfn-lint fails the test: the check is skipped only on purpose, with
//! `STRATA_SKIP_CFN_LINT=1`, which says how many templates went unlinted, and never under CI.

use serde_json::Value;
use std::io::Write as _;
use std::path::PathBuf;

/// Set to `1` to skip cfn-lint on purpose (refused when `CI` is set).
const SKIP: &str = "STRATA_SKIP_CFN_LINT";

fn executable() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STRATA_CFN_LINT") {
        return Some(PathBuf::from(p));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    if let Some(c) = cache {
        let p = c.join("strata/cfn-lint-1.58.0/bin/cfn-lint");
        if p.is_file() {
            return Some(p);
        }
    }
    let on_path = std::process::Command::new("cfn-lint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    on_path.then(|| PathBuf::from("cfn-lint"))
}

/// Whether the check is skipped on purpose: `STRATA_SKIP_CFN_LINT=1`, and not under CI.
fn skipped_on_purpose() -> bool {
    let skip = std::env::var(SKIP).is_ok_and(|v| v == "1");
    assert!(
        !(skip && std::env::var_os("CI").is_some()),
        "{SKIP}=1 is refused under CI: the cfn-lint check must run there"
    );
    skip
}

/// Runs cfn-lint over `files` and returns its findings, one line each; `None` when the check
/// is skipped on purpose. Panics when cfn-lint is missing and the skip was not asked for.
pub fn lint(files: &[PathBuf]) -> Option<Vec<String>> {
    if skipped_on_purpose() {
        // Written past the test harness's capture, so that the skip shows in every run.
        let _ = writeln!(
            std::io::stderr(),
            "cfn-lint skipped for {} templates ({SKIP}=1)",
            files.len()
        );
        return None;
    }
    let exe = executable().unwrap_or_else(|| {
        panic!(
            "cfn-lint is not installed: run scripts/setup.sh (it installs cfn-lint 1.58.0), \
             or set {SKIP}=1 to skip this check on purpose"
        )
    });
    let out = std::process::Command::new(&exe)
        .args(["--format", "json", "--regions", "us-east-1", "--"])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let findings: Vec<Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "cfn-lint gave no JSON ({e}); exit {:?}\nstdout: {stdout}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Some(
        findings
            .iter()
            .map(|f| {
                format!(
                    "{}:{} {} {}",
                    f["Filename"].as_str().unwrap_or("?"),
                    f["Location"]["Start"]["LineNumber"],
                    f["Rule"]["Id"].as_str().unwrap_or("?"),
                    f["Message"].as_str().unwrap_or("?")
                )
            })
            .collect(),
    )
}
