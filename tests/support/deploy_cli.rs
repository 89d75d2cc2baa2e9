//! `strata deploy` as the deploy tests run it: against a fake control plane on 127.0.0.1, with
//! test credentials, none of this machine's AWS configuration, and stdin that is not a terminal.
//! A test binary using it names `cli` and `fake_http` too.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use super::cli::Run;
use super::fake_http::TEST_AWS_ENV;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs `strata deploy FILE --region us-east-1 --endpoint-url URL --poll-interval 0.002 ARGS…`
/// with [`TEST_AWS_ENV`], no profile or session token, and stdin that is not a terminal.
pub async fn strata_deploy(endpoint: &str, file: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.arg("deploy")
        .arg(file)
        .args(["--region", "us-east-1", "--endpoint-url", endpoint])
        .args(["--poll-interval", "0.002"])
        .args(args)
        .envs(TEST_AWS_ENV)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("strata runs"))
        .await
        .expect("the command thread");
    Run::from(out)
}

/// `project` written to a temporary folder as `support-triage.strata.json`: (folder, file).
pub fn project_file(project: &strata::model::Project) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("support-triage.strata.json");
    let text = serde_json::to_string_pretty(project).expect("serializes");
    std::fs::write(&path, text).expect("writes the project");
    (dir, path)
}
