//! `strata eval seed`: write a suite whose cases come from a flow's samples and recorded runs.

use crate::eval::seed::{recorded_cases, seed as seed_suite, to_yaml, SeedOptions};
use crate::save::{check_target, write_atomically};
use crate::store::Store;
use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `strata eval seed`.
#[derive(Args, Debug, Clone)]
pub struct SeedArgs {
    /// The project file (NAME.strata.json).
    pub project: PathBuf,
    /// The flow whose samples and runs become cases; it is the suite's variant.
    #[arg(long)]
    pub flow: String,
    /// A case per sample of the flow (its document the input; expectations to add by hand).
    #[arg(long)]
    pub from_samples: bool,
    /// A case per recorded succeeded run of the flow, the N newest: its input the case's
    /// input, its output an `equals` expectation.
    #[arg(long, value_name = "N")]
    pub from_runs: Option<u32>,
    /// Where runs are recorded (default: $STRATA_DATA_DIR, else the per-user data folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The variant's recording of model replies (`replay:`), relative to the suite.
    #[arg(long)]
    pub replay: Option<String>,
    /// The suite to write (NAME.eval.yaml).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace the --out file when it exists.
    #[arg(long)]
    pub force: bool,
}

/// Writes the suite; exit 0, or 2 when the flow is unknown or there is nothing to seed.
pub async fn seed(args: SeedArgs) -> Result<u8> {
    check_target(&args.out, args.force, &[args.project.as_path()])?;
    let text = std::fs::read_to_string(&args.project)
        .with_context(|| format!("cannot read {}", args.project.display()))?;
    let fallback = args
        .project
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("project");
    let project = crate::model::load(&text, fallback)
        .with_context(|| format!("{}", args.project.display()))?
        .project;
    let recorded = match args.from_runs {
        Some(n) if project.flow(&args.flow).is_some() => {
            let dir = Store::resolve_data_dir(args.data_dir.as_deref())?;
            let store = Store::open(&dir).await?;
            recorded_cases(&store, &project.name, &args.flow, n).await?
        }
        _ => Vec::new(),
    };
    let options = SeedOptions {
        flow: args.flow.clone(),
        from_samples: args.from_samples,
        from_runs: args.from_runs,
        project_file: project_file(&args.project, &args.out),
        replay: args.replay.clone(),
    };
    let suite = match seed_suite(&project, &options, &recorded) {
        Ok(suite) => suite,
        Err(e) => {
            eprintln!("error: {}: {e}", args.project.display());
            return Ok(2);
        }
    };
    let yaml = to_yaml(&suite, &args.flow).context("cannot write the suite as YAML")?;
    write_atomically(&args.out, yaml.as_bytes())?;
    let from_runs = recorded.len();
    outln!(
        "wrote {} ({} cases: {} from samples, {from_runs} from recorded runs)",
        args.out.display(),
        suite.cases.len(),
        suite.cases.len() - from_runs
    );
    Ok(0)
}

/// The project as the suite names it: relative to the suite's folder when it is inside it,
/// else its absolute path.
fn project_file(project: &Path, out: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let project = absolute(project);
    let out_dir = absolute(out)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    project
        .strip_prefix(&out_dir)
        .map(Path::to_path_buf)
        .unwrap_or(project)
        .display()
        .to_string()
}
