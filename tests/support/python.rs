//! Python drivers for the generated handlers and adapters: a script run by `python3` in the
//! test's folder (so it imports the files written there), whose printed JSON the test reads.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Runs `python3 -c driver ARGS…` in `dir` with `env` (and no bytecode files written), checks
/// that it succeeded and reads what it printed as JSON.
pub fn python_json(driver: &str, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Value {
    let out = Command::new("python3")
        .arg("-c")
        .arg(driver)
        .args(args)
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .envs(env.iter().copied())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the driver prints JSON")
}
