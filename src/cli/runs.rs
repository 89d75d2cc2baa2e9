//! `strata runs list|show`: what the run store remembers.

use crate::store::{RunFilter, RunId, Store};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub command: RunsCommand,
    /// Where runs are recorded (default: $STRATA_DATA_DIR, else the per-user data folder).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum RunsCommand {
    /// The most recent runs, newest first.
    List {
        /// Only runs of this project (name or path).
        #[arg(long)]
        project: Option<String>,
        /// Only runs of this flow.
        #[arg(long)]
        flow: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One run: its summary and every trace event.
    Show {
        /// The run's id, or `latest` for the newest run.
        id: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn runs(args: RunsArgs) -> Result<u8> {
    let dir = Store::resolve_data_dir(args.data_dir.as_deref())?;
    let store = Store::open(&dir).await?;
    match args.command {
        RunsCommand::List {
            project,
            flow,
            limit,
            json,
        } => {
            let runs = store
                .list_runs(RunFilter {
                    project,
                    flow,
                    limit,
                })
                .await?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&runs)?);
                return Ok(0);
            }
            if runs.is_empty() {
                outln!("no runs recorded in {}", dir.display());
            }
            for r in runs {
                outln!(
                    "{}  {:<11} {}/{}  {} ms  {} tokens{}",
                    r.id,
                    r.status.as_str(),
                    r.project_name,
                    r.flow,
                    r.duration_ms
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into()),
                    r.input_tokens.unwrap_or(0) + r.output_tokens.unwrap_or(0),
                    r.cost_usd.map(|c| format!("  ${c:.6}")).unwrap_or_default()
                );
            }
            Ok(0)
        }
        RunsCommand::Show { id, json } => {
            let id = if id == "latest" {
                let newest = store
                    .list_runs(RunFilter {
                        project: None,
                        flow: None,
                        limit: 1,
                    })
                    .await?;
                newest
                    .into_iter()
                    .next()
                    .map(|r| r.id)
                    .with_context(|| format!("no runs recorded in {}", dir.display()))?
            } else {
                RunId::from(id.as_str())
            };
            let run = store
                .get_run(&id)
                .await?
                .with_context(|| format!("no run {id} in {}", dir.display()))?;
            let events = store.run_events(&id).await?;
            if json {
                let all = serde_json::json!({ "run": run, "events": events.iter().map(|e| &e.event).collect::<Vec<_>>() });
                outln!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(0);
            }
            outln!("run      {}", run.id);
            outln!("project  {} ({})", run.project_name, run.project_path);
            outln!("flow     {}", run.flow);
            outln!("status   {}", run.status.as_str());
            outln!("provider {}", run.provider);
            outln!("inputs   {}", run.inputs);
            if let Some(o) = &run.outputs {
                outln!("outputs  {o}");
            }
            if let Some(e) = &run.error {
                outln!("error    {e}");
            }
            outln!(
                "usage    {} input + {} output tokens{}",
                run.input_tokens.unwrap_or(0),
                run.output_tokens.unwrap_or(0),
                run.cost_usd
                    .map(|c| format!(", ${c:.6}"))
                    .unwrap_or_default()
            );
            outln!("events   {}", events.len());
            for e in events {
                outln!("  {:>7}ms {:<16} {}", e.at_ms, e.kind, e.event);
            }
            Ok(0)
        }
    }
}
