//! `strata deploy`: read the account, show the plan, ask, apply — to Bedrock Agents Classic
//! and Flows (`--target classic`) or to AgentCore (`--target agentcore`).
//!
//! Without `--target`, where the agents go decides: `--agent`'s own target; for the whole
//! project, the target all its agents name, else the project's `agentTarget` (Classic when it
//! names none, as for projects written before targets existed). The plan and the apply are the
//! host layer's ([`crate::deploy::host`]), as in the app's deploy view.
//!
//! Exit codes: 0 deployed (or nothing to change, or `--dry-run`), 1 the deploy failed or was
//! declined, 2 the project could not be read or the command was misused.

use crate::deploy::host::{HostError, PlanError};
use crate::deploy::Step;
use crate::model::Project;
use crate::session::ship::{DeployRequest, DeployTarget};
use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
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
    /// Endpoint override for the control plane, Bedrock Agent or AgentCore (e.g. a local fake).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Print the plan and exit without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// Role ARN for every flow and agent the project gives none (AgentCore: the harness's
    /// execution role).
    #[arg(long)]
    pub role_arn: Option<String>,
    /// Seconds one wait (agent prepare, alias, flow prepare; AgentCore: a resource getting
    /// READY) may take.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
    /// Seconds between two status polls while waiting (AgentCore: the first pause; it
    /// doubles up to eight times this).
    #[arg(long, default_value_t = 3.0)]
    pub poll_interval: f64,
    /// Where the agents go: `classic` (Bedrock Agents, and the project's flows) or
    /// `agentcore` (per agent a harness with its gateway, gateway targets and endpoints).
    /// Default: `--agent`'s own target, else the one all the project's agents name, else the
    /// project's `agentTarget` (classic when it names none).
    #[arg(long, value_enum)]
    pub target: Option<Target>,
    /// Deploy only this agent (Classic: with the project agents it calls as collaborators;
    /// AgentCore: whatever its own target; default: every agent whose target is agentcore).
    #[arg(long)]
    pub agent: Option<String>,
    /// With --target agentcore: the role of every gateway the project gives none (default:
    /// --role-arn).
    #[arg(long)]
    pub gateway_role_arn: Option<String>,
    /// With --target agentcore: a value for a placeholder deploy cannot fill itself, `NAME=VALUE`
    /// (repeatable), e.g. `ShippingDeskShippingApiKeyProviderArn=arn:…` for an OpenAPI target's
    /// API key credential provider (the error names the placeholder).
    #[arg(long = "value", value_name = "NAME=VALUE")]
    pub values: Vec<String>,
    /// With --target agentcore: the store whose recorded aliases (`strata alias set`) become
    /// harness endpoints, one per alias whose flow version runs the agent (default: the one
    /// `live` endpoint).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// Where `strata deploy` ships the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Amazon Bedrock AgentCore: harnesses, gateways, gateway targets, harness endpoints.
    Agentcore,
    /// Bedrock Agents Classic and Bedrock Flows.
    Classic,
}

/// `--target`, else where the project's agents (or `--agent`) go
/// ([`DeployTarget::default_for`]).
fn target(args: &DeployArgs, project: &Project) -> Result<DeployTarget> {
    match args.target {
        Some(Target::Agentcore) => Ok(DeployTarget::AgentCore),
        Some(Target::Classic) => Ok(DeployTarget::Classic),
        None => DeployTarget::default_for(project, args.agent.as_deref())
            .or_else(|e| bail!("{}: {e}; pass --target", args.path.display())),
    }
}

/// Asks on the terminal whether to apply; `Ok(false)` when declined.
fn confirmed(args: &DeployArgs) -> Result<bool> {
    if args.yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        bail!("refusing to deploy without confirmation: stdin is not a terminal; pass --yes to apply the plan above");
    }
    eprint!("Deploy these changes to {}? [y/N] ", args.region);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        eprintln!("Nothing deployed.");
        return Ok(false);
    }
    Ok(true)
}

/// Runs the command.
pub async fn deploy(args: DeployArgs) -> Result<u8> {
    let project = super::read_document(&args.path)?.project;
    let target = target(&args, &project)?;
    let request = DeployRequest {
        target,
        region: args.region.clone(),
        profile: args.profile.clone(),
        role_arn: args.role_arn.clone(),
        gateway_role_arn: args.gateway_role_arn.clone(),
        endpoint_url: args.endpoint_url.clone(),
        agent: args.agent.clone(),
        timeout_secs: args.timeout,
        poll_interval_secs: args.poll_interval,
        values: super::name_values("--value", &args.values)?,
    };
    if target == DeployTarget::AgentCore && !project.flows.is_empty() {
        eprintln!("note: --target agentcore deploys agents; the project's flows deploy with --target classic");
    }
    let history = match &args.data_dir {
        Some(dir) => {
            let store = crate::store::Store::open(dir).await?;
            crate::session::versions::history(&store, &project).await?
        }
        None => crate::export::History::default(),
    };
    let plan = match request.plan_with(&project, &history).await {
        Ok(plan) => plan.with_steps(Arc::new(|step: &Step| eprintln!("{}", step.line))),
        Err(PlanError::Host(HostError::PollInterval { seconds, source })) => {
            bail!("--poll-interval {seconds}: {source}")
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
    };
    outp!("{plan}");
    if args.dry_run || !plan.has_changes() {
        return Ok(0);
    }
    if !confirmed(&args)? {
        return Ok(1);
    }
    match plan.apply().await {
        Ok(outcome) => {
            outp!("{outcome}");
            Ok(0)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(1)
        }
    }
}
