//! `strata deploy`: read the account, show the plan, ask, apply.
//!
//! Exit codes: 0 deployed (or nothing to change, or `--dry-run`), 1 the deploy failed or was
//! declined, 2 the project could not be read or the command was misused.

use crate::deploy::host::HostError;
use crate::session::ship::{DeployRequest, DeployTarget};
use anyhow::{bail, Result};
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `strata deploy`.
#[derive(Args, Debug)]
pub struct DeployArgs {
    /// The Strata project to deploy.
    pub path: PathBuf,
    /// AWS region to deploy to.
    #[arg(long)]
    pub region: String,
    /// Named profile from ~/.aws/config.
    #[arg(long)]
    pub profile: Option<String>,
    /// Endpoint override for the Bedrock Agent control plane (e.g. a local fake).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Print the plan and exit without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// Role ARN for every flow and agent the project gives none.
    #[arg(long)]
    pub role_arn: Option<String>,
    /// Seconds one wait (agent prepare, alias, flow prepare) may take.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
    /// Seconds between two status polls while waiting.
    #[arg(long, default_value_t = 3.0)]
    pub poll_interval: f64,
}

/// Runs the command.
pub async fn deploy(args: DeployArgs) -> Result<u8> {
    let project = super::read_document(&args.path)?.project;
    let request = DeployRequest {
        target: DeployTarget::Classic,
        region: args.region.clone(),
        profile: args.profile.clone(),
        role_arn: args.role_arn.clone(),
        endpoint_url: args.endpoint_url.clone(),
        agent: None,
        timeout_secs: args.timeout,
        poll_interval_secs: args.poll_interval,
    };
    let deployer = match request.deployer().await {
        Ok(deployer) => deployer,
        Err(HostError::PollInterval { seconds, source }) => {
            bail!("--poll-interval {seconds}: {source}")
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
    };
    let deployer = deployer.with_progress(Arc::new(|line: &str| {
        eprintln!("{line}");
    }));
    let plan = match deployer.plan(&project).await {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
    };
    outp!("{plan}");
    if args.dry_run || !plan.has_changes() {
        return Ok(0);
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to deploy without confirmation: stdin is not a terminal; pass --yes to apply the plan above");
        }
        eprint!("Deploy these changes to {}? [y/N] ", args.region);
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            eprintln!("Nothing deployed.");
            return Ok(1);
        }
    }
    match deployer.apply(&plan).await {
        Ok(applied) => {
            outln!("Deployed ({} change(s)). Aliases:", applied.done.len());
            for (agent, arn) in &applied.agent_aliases {
                outln!("  agent {agent}: {arn}");
            }
            for (flow, arn) in &applied.flow_aliases {
                outln!("  flow {flow}: {arn}");
            }
            Ok(0)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(1)
        }
    }
}
