//! `strata deploy`: read the account, show the plan, ask, apply — to Bedrock Agents Classic
//! and Flows (`--target classic`) or to AgentCore (`--target agentcore`).
//!
//! Without `--target`, the project's `agentTarget` decides (Classic when it names none, as
//! for projects written before targets existed).
//!
//! Exit codes: 0 deployed (or nothing to change, or `--dry-run`), 1 the deploy failed or was
//! declined, 2 the project could not be read or the command was misused.

use crate::deploy::agentcore::{self, AgentCoreDeployer};
use crate::deploy::host::HostError;
use crate::deploy::{DeployError, Plan};
use crate::model::agent::AgentTarget;
use crate::model::Project;
use crate::session::ship::{DeployRequest, DeployTarget};
use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use std::fmt;
use std::io::{BufRead, IsTerminal, Write};
use std::ops::ControlFlow;
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
    /// Default: the project's `agentTarget` (classic when it names none).
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
}

/// Where `strata deploy` ships the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Amazon Bedrock AgentCore: harnesses, gateways, gateway targets, harness endpoints.
    Agentcore,
    /// Bedrock Agents Classic and Bedrock Flows.
    Classic,
}

/// `--target`, else the project's `agentTarget`, else Classic.
fn target(args: &DeployArgs, project: &Project) -> Result<Target> {
    if let Some(target) = args.target {
        return Ok(target);
    }
    match project.agent_target.as_ref().map(|t| t.get()) {
        None | Some(Some(AgentTarget::Classic)) => Ok(Target::Classic),
        Some(Some(AgentTarget::Agentcore)) => Ok(Target::Agentcore),
        Some(None) => bail!(
            "{}: agentTarget {:?} is neither agentcore nor classic; pass --target",
            args.path.display(),
            project
                .agent_target
                .as_ref()
                .map(|t| t.as_str())
                .unwrap_or_default()
        ),
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

/// Shows the plan, or the error that stopped it, and asks whether to apply it: `Break` with
/// the exit code when the command ends here (an error, `--dry-run`, nothing to change, declined).
fn approved<P: fmt::Display>(
    args: &DeployArgs,
    planned: Result<P, DeployError>,
    has_changes: fn(&P) -> bool,
) -> Result<ControlFlow<u8, P>> {
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ControlFlow::Break(1));
        }
    };
    outp!("{plan}");
    if args.dry_run || !has_changes(&plan) {
        return Ok(ControlFlow::Break(0));
    }
    if !confirmed(args)? {
        return Ok(ControlFlow::Break(1));
    }
    Ok(ControlFlow::Continue(plan))
}

/// Runs the command.
pub async fn deploy(args: DeployArgs) -> Result<u8> {
    let project = super::read_document(&args.path)?.project;
    let target = target(&args, &project)?;
    let request = DeployRequest {
        target: DeployTarget::Classic,
        region: args.region.clone(),
        profile: args.profile.clone(),
        role_arn: args.role_arn.clone(),
        gateway_role_arn: args.gateway_role_arn.clone(),
        endpoint_url: args.endpoint_url.clone(),
        agent: args.agent.clone(),
        timeout_secs: args.timeout,
        poll_interval_secs: args.poll_interval,
    };
    let progress = Arc::new(|line: &str| {
        eprintln!("{line}");
    });
    let failed = |e: HostError| -> Result<u8> {
        match e {
            HostError::PollInterval { seconds, source } => {
                bail!("--poll-interval {seconds}: {source}")
            }
            e => {
                eprintln!("error: {e}");
                Ok(1)
            }
        }
    };
    if target == Target::Agentcore {
        let deployer = match request.agentcore_deployer().await {
            Ok(deployer) => deployer.with_progress(progress),
            Err(e) => return failed(e),
        };
        return deploy_agentcore(&args, &project, &deployer).await;
    }
    let deployer = match request.deployer().await {
        Ok(deployer) => deployer.with_progress(progress),
        Err(e) => return failed(e),
    };
    let planned = deployer.plan_scoped(&project, &request.scope()).await;
    let plan = match approved(&args, planned, Plan::has_changes)? {
        ControlFlow::Continue(plan) => plan,
        ControlFlow::Break(code) => return Ok(code),
    };
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

/// The AgentCore half of the command: plan, show, ask, apply.
async fn deploy_agentcore(
    args: &DeployArgs,
    project: &Project,
    deployer: &AgentCoreDeployer,
) -> Result<u8> {
    if !project.flows.is_empty() {
        eprintln!("note: --target agentcore deploys agents; the project's flows deploy with --target classic");
    }
    let planned = deployer.plan(project, args.agent.as_deref()).await;
    let plan = match approved(args, planned, agentcore::Plan::has_changes)? {
        ControlFlow::Continue(plan) => plan,
        ControlFlow::Break(code) => return Ok(code),
    };
    match deployer.apply(&plan).await {
        Ok(applied) => {
            outln!(
                "Deployed to AgentCore ({} change(s)). Harnesses and endpoints:",
                applied.done.len()
            );
            for (agent, arn) in &applied.harnesses {
                outln!("  agent {agent}: {arn}");
                for (_, endpoint, arn) in applied.endpoints.iter().filter(|e| &e.0 == agent) {
                    outln!("    endpoint {endpoint}: {arn}");
                }
            }
            Ok(0)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(1)
        }
    }
}
