//! Runs and their recorded events: what the executor streamed, kept for listing and replay.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::sqlite::{Sqlite, SqliteConnection};
use sqlx::{FromRow, QueryBuilder};

use super::{from_sql_int, next_tick, now_ms, to_sql_int, Error, Result, Store};

/// A run's id: `run_<16-digit tick>_<process id in hex>`. Ids of one process sort in the order
/// the runs were created, and ids of different processes by start time to the millisecond.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(String);

impl RunId {
    /// A new id, for a run recorded here or run without the store (`--no-store`), so every
    /// run id has this one format.
    pub fn generate() -> Self {
        Self(format!("run_{:016}_{:x}", next_tick(), std::process::id()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for RunId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

impl From<&str> for RunId {
    fn from(id: &str) -> Self {
        Self(id.to_owned())
    }
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Started and not finished; after a crash it stays so until marked interrupted.
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// The process recording it ended before the run did.
    Interrupted,
}

impl RunStatus {
    /// The status as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RunStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "running" => Ok(Self::Running),
            "succeeded" => Ok(Self::Succeeded),
            "failed" => Ok(Self::Failed),
            "cancelled" => Ok(Self::Cancelled),
            "interrupted" => Ok(Self::Interrupted),
            other => Err(other.to_owned()),
        }
    }
}

/// How a run ended, as its host reports it; `running` and `interrupted` are the store's to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    Succeeded,
    Failed,
    Cancelled,
}

impl From<RunOutcome> for RunStatus {
    fn from(outcome: RunOutcome) -> Self {
        match outcome {
            RunOutcome::Succeeded => Self::Succeeded,
            RunOutcome::Failed => Self::Failed,
            RunOutcome::Cancelled => Self::Cancelled,
        }
    }
}

/// What is known when a run starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    pub project_path: String,
    pub project_name: String,
    pub flow: String,
    pub inputs: Value,
    /// The model provider: `bedrock`, `openai`, `scripted`, ...
    pub provider: String,
    /// The alias the run went through, when it ran a version rather than the draft.
    pub alias: Option<String>,
}

/// What is known when a run ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub status: RunOutcome,
    pub outputs: Value,
    pub error: Option<String>,
    pub duration_ms: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Unknown when a model has no price.
    pub cost_usd: Option<f64>,
}

/// Which runs [`Store::list_runs`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFilter {
    /// A project's name or its file path.
    pub project: Option<String>,
    pub flow: Option<String>,
    pub limit: u32,
}

impl Default for RunFilter {
    fn default() -> Self {
        Self {
            project: None,
            flow: None,
            limit: 50,
        }
    }
}

/// A stored run. The summary fields are `None` while it runs, or when it was interrupted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: RunId,
    pub project_path: String,
    pub project_name: String,
    pub flow: String,
    pub inputs: Value,
    pub provider: String,
    pub alias: Option<String>,
    pub status: RunStatus,
    pub outputs: Option<Value>,
    pub error: Option<String>,
    pub duration_ms: Option<u64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cost_usd: Option<f64>,
    pub started_at_ms: u64,
    pub finished_at_ms: Option<u64>,
}

/// One recorded event of a run, as the executor emitted it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub seq: u64,
    pub at_ms: u64,
    pub kind: String,
    pub event: Value,
}

/// An event ready to be inserted: its JSON already written out.
pub(super) struct EncodedEvent {
    pub(super) seq: u64,
    pub(super) at_ms: u64,
    /// The event's tag (`nodeOutput`, ...), kept in a column for queries that skip the JSON.
    pub(super) kind: String,
    pub(super) json: String,
}

/// A `runs` row as SQLite returns it.
#[derive(FromRow)]
struct RunRow {
    id: String,
    project_path: String,
    project_name: String,
    flow: String,
    inputs_json: String,
    provider: String,
    alias: Option<String>,
    status: String,
    outputs_json: Option<String>,
    error: Option<String>,
    duration_ms: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cost_usd: Option<f64>,
    started_at_ms: i64,
    finished_at_ms: Option<i64>,
}

/// A `run_events` row as SQLite returns it.
#[derive(FromRow)]
struct EventRow {
    seq: i64,
    at_ms: i64,
    kind: String,
    event_json: String,
}

/// The columns of [`RunRow`]. A macro rather than a `const` so `concat!` can build each
/// statement as one static literal: sqlx only takes SQL it can see is not assembled at run time.
macro_rules! run_select {
    ($($rest:literal),*) => {
        concat!(
            "SELECT id, project_path, project_name, flow, inputs_json, provider, alias, status, \
             outputs_json, error, duration_ms, input_tokens, output_tokens, cost_usd, \
             started_at_ms, finished_at_ms FROM runs ",
            $($rest),*
        )
    };
}

impl Store {
    /// Records the start of a run and returns its new id.
    pub async fn create_run(&self, run: NewRun) -> Result<RunId> {
        const OP: &str = "create run";
        let id = RunId::generate();
        let inputs = self.encode_json(OP, "inputs_json", &run.inputs)?;
        sqlx::query(
            "INSERT INTO runs (id, project_path, project_name, flow, inputs_json, provider, alias, \
             status, host_pid, started_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'running', ?8, ?9)",
        )
        .bind(id.as_str())
        .bind(&run.project_path)
        .bind(&run.project_name)
        .bind(&run.flow)
        .bind(inputs)
        .bind(&run.provider)
        .bind(&run.alias)
        .bind(i64::from(std::process::id()))
        .bind(to_sql_int(now_ms()))
        .execute(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        Ok(id)
    }

    /// Appends a batch of events `(seq, at_ms, kind, event)` to a run, all or none: one
    /// transaction per batch keeps a live trace cheap to record. A repeated `seq` is an error.
    pub async fn append_events(
        &self,
        run_id: &RunId,
        events: &[(u64, u64, &str, &Value)],
    ) -> Result<()> {
        const OP: &str = "append run events";
        if events.is_empty() {
            return Ok(());
        }
        let encoded = events
            .iter()
            .map(|(seq, at_ms, kind, event)| {
                Ok(EncodedEvent {
                    seq: *seq,
                    at_ms: *at_ms,
                    kind: (*kind).to_owned(),
                    json: self.encode_json(OP, "event_json", event)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.pool.begin().await.map_err(self.query_error(OP))?;
        self.insert_events(&mut tx, OP, run_id, &encoded).await?;
        tx.commit().await.map_err(self.query_error(OP))
    }

    /// Inserts encoded events of one run on `conn`, a few hundred rows per statement: one
    /// statement per event made a long trace cost a round trip to SQLite's thread per event.
    /// The caller owns the transaction.
    pub(super) async fn insert_events(
        &self,
        conn: &mut SqliteConnection,
        op: &'static str,
        run_id: &RunId,
        events: &[EncodedEvent],
    ) -> Result<()> {
        // Five parameters a row stays far below SQLite's 32,766 per statement.
        const ROWS_PER_STATEMENT: usize = 256;
        for chunk in events.chunks(ROWS_PER_STATEMENT) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO run_events (run_id, seq, at_ms, kind, event_json) ",
            );
            insert.push_values(chunk, |mut row, event| {
                row.push_bind(run_id.as_str())
                    .push_bind(to_sql_int(event.seq))
                    .push_bind(to_sql_int(event.at_ms))
                    .push_bind(event.kind.as_str())
                    .push_bind(event.json.as_str());
            });
            insert
                .build()
                .execute(&mut *conn)
                .await
                .map_err(|source| self.run_write_error(op, run_id, source))?;
        }
        Ok(())
    }

    /// Records how a run ended. Only a `running` run can finish: finishing one twice, or one
    /// already marked interrupted, is reported rather than silently overwriting history.
    pub async fn finish_run(&self, run_id: &RunId, summary: RunSummary) -> Result<()> {
        const OP: &str = "finish run";
        let outputs = self.encode_json(OP, "outputs_json", &summary.outputs)?;
        let status: RunStatus = summary.status.into();
        let updated = sqlx::query(
            "UPDATE runs SET status = ?2, outputs_json = ?3, error = ?4, duration_ms = ?5, \
             input_tokens = ?6, output_tokens = ?7, cost_usd = ?8, finished_at_ms = ?9 \
             WHERE id = ?1 AND status = 'running'",
        )
        .bind(run_id.as_str())
        .bind(status.as_str())
        .bind(outputs)
        .bind(&summary.error)
        .bind(to_sql_int(summary.duration_ms))
        .bind(to_sql_int(summary.input_tokens))
        .bind(to_sql_int(summary.output_tokens))
        .bind(summary.cost_usd)
        .bind(to_sql_int(now_ms()))
        .execute(&self.pool)
        .await
        .map_err(self.query_error(OP))?
        .rows_affected();
        if updated == 1 {
            return Ok(());
        }
        match self.get_run(run_id).await? {
            Some(run) => Err(Error::RunAlreadyFinished {
                op: OP,
                run_id: run_id.to_string(),
                status: run.status,
                path: self.path.clone(),
            }),
            None => Err(self.run_not_found(OP, run_id)),
        }
    }

    /// Runs newest first, optionally of one project (by name or path) and one flow.
    pub async fn list_runs(&self, filter: RunFilter) -> Result<Vec<RunRecord>> {
        const OP: &str = "list runs";
        // One static statement: an absent filter binds NULL and matches everything.
        let rows: Vec<RunRow> = sqlx::query_as(run_select!(
            "WHERE (?1 IS NULL OR project_name = ?1 OR project_path = ?1) ",
            "AND (?2 IS NULL OR flow = ?2) ORDER BY started_at_ms DESC, id DESC LIMIT ?3"
        ))
        .bind(&filter.project)
        .bind(&filter.flow)
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        rows.into_iter()
            .map(|row| self.run_record(OP, row))
            .collect()
    }

    /// One run with its summary and timestamps, if it exists.
    pub async fn get_run(&self, run_id: &RunId) -> Result<Option<RunRecord>> {
        const OP: &str = "get run";
        let row: Option<RunRow> = sqlx::query_as(run_select!("WHERE id = ?1"))
            .bind(run_id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_error(OP))?;
        row.map(|row| self.run_record(OP, row)).transpose()
    }

    /// A run's events in sequence order (empty for a run without events or an unknown id).
    pub async fn run_events(&self, run_id: &RunId) -> Result<Vec<StoredEvent>> {
        const OP: &str = "read run events";
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT seq, at_ms, kind, event_json FROM run_events WHERE run_id = ?1 ORDER BY seq",
        )
        .bind(run_id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_error(OP))?;
        rows.into_iter()
            .map(|row| {
                Ok(StoredEvent {
                    seq: from_sql_int(row.seq),
                    at_ms: from_sql_int(row.at_ms),
                    kind: row.kind,
                    event: self.decode_json(OP, "event_json", &row.event_json)?,
                })
            })
            .collect()
    }

    /// Marks `running` runs whose recording process has gone as `interrupted`, and returns how
    /// many. Hosts call it after [`Store::open`]. Runs of this process, and of processes known
    /// to be alive (the desktop app beside the CLI), are left alone; where liveness cannot be
    /// told (no `/proc`), every other process's running run counts as interrupted.
    pub async fn mark_interrupted_runs(&self) -> Result<u64> {
        const OP: &str = "mark interrupted runs";
        let running: Vec<(String, i64)> =
            sqlx::query_as("SELECT id, host_pid FROM runs WHERE status = 'running'")
                .fetch_all(&self.pool)
                .await
                .map_err(self.query_error(OP))?;
        let mut marked = 0;
        for (id, pid) in running {
            if process_is_alive(pid) {
                continue;
            }
            // `status = 'running'` again: the run may have finished since it was read.
            marked += sqlx::query(
                "UPDATE runs SET status = 'interrupted', finished_at_ms = ?2 WHERE id = ?1 AND status = 'running'",
            )
            .bind(&id)
            .bind(to_sql_int(now_ms()))
            .execute(&self.pool)
            .await
            .map_err(self.query_error(OP))?
            .rows_affected();
        }
        Ok(marked)
    }

    fn run_record(&self, op: &'static str, row: RunRow) -> Result<RunRecord> {
        let status = row.status.parse().map_err(|value| Error::BadValue {
            op,
            column: "status",
            value,
            path: self.path.clone(),
        })?;
        let outputs = row
            .outputs_json
            .as_deref()
            .map(|text| self.decode_json(op, "outputs_json", text))
            .transpose()?;
        Ok(RunRecord {
            id: RunId(row.id),
            project_path: row.project_path,
            project_name: row.project_name,
            flow: row.flow,
            inputs: self.decode_json(op, "inputs_json", &row.inputs_json)?,
            provider: row.provider,
            alias: row.alias,
            status,
            outputs,
            error: row.error,
            duration_ms: row.duration_ms.map(from_sql_int),
            input_tokens: row.input_tokens.map(from_sql_int),
            output_tokens: row.output_tokens.map(from_sql_int),
            cost_usd: row.cost_usd,
            started_at_ms: from_sql_int(row.started_at_ms),
            finished_at_ms: row.finished_at_ms.map(from_sql_int),
        })
    }

    fn run_not_found(&self, op: &'static str, run_id: &RunId) -> Error {
        Error::RunNotFound {
            op,
            run_id: run_id.to_string(),
            path: self.path.clone(),
        }
    }

    /// A write naming a run failed: a foreign-key violation means the run does not exist.
    fn run_write_error(&self, op: &'static str, run_id: &RunId, source: sqlx::Error) -> Error {
        match source.as_database_error() {
            Some(db) if db.is_foreign_key_violation() => self.run_not_found(op, run_id),
            Some(_) | None => (self.query_error(op))(source),
        }
    }
}

/// Whether the process that recorded a run is still running it. This process always is; on
/// systems with `/proc` another pid is alive while its entry exists. Elsewhere it cannot be told
/// without `unsafe` FFI, which the workspace forbids, so other processes count as gone.
fn process_is_alive(pid: i64) -> bool {
    if pid == i64::from(std::process::id()) {
        return true;
    }
    let proc_root = Path::new("/proc");
    proc_root.join("self").exists() && proc_root.join(pid.to_string()).exists()
}
