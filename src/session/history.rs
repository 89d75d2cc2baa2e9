//! A project's runs history as a front end shows it: the listing rows and one recorded run,
//! whole, read back from the run store.

use super::protocol::{RecordedRun, RunListing};
use super::Error;
use crate::store::{RunFilter, RunId, RunRecord, Store};
use crate::trace::RunEvent;

/// How many runs a history lists.
const HISTORY_LIMIT: u32 = 200;

/// The runs of a project (by its file path when it has one, else by name), newest first.
pub async fn run_listings(
    store: &Store,
    project_path: Option<&str>,
    project_name: &str,
) -> Result<Vec<RunListing>, Error> {
    let records = store
        .list_runs(RunFilter {
            project: Some(project_path.unwrap_or(project_name).to_owned()),
            flow: None,
            limit: HISTORY_LIMIT,
        })
        .await?;
    Ok(records.iter().map(listing).collect())
}

/// One recorded run with its events, if the store has it. An event this Strata cannot read
/// (written by a newer one) is left out rather than failing the whole run.
pub async fn recorded_run(store: &Store, run_id: &str) -> Result<Option<RecordedRun>, Error> {
    let id = RunId::from(run_id);
    let Some(record) = store.get_run(&id).await? else {
        return Ok(None);
    };
    let events = store
        .run_events(&id)
        .await?
        .into_iter()
        .filter_map(|e| serde_json::from_value::<RunEvent>(e.event).ok())
        .collect();
    Ok(Some(RecordedRun {
        listing: listing(&record),
        inputs: record.inputs,
        events,
    }))
}

fn listing(record: &RunRecord) -> RunListing {
    RunListing {
        run_id: record.id.as_str().to_owned(),
        flow: record.flow.clone(),
        status: record.status.as_str().to_owned(),
        provider: record.provider.clone(),
        started_at_ms: record.started_at_ms,
        duration_ms: record.duration_ms,
        input_tokens: record.input_tokens,
        output_tokens: record.output_tokens,
        cost_usd: record.cost_usd,
    }
}
