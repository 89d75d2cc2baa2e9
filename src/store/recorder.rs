//! Recording a run as it happens, off the run's hot path: events go through an unbounded
//! channel to a writer task that commits them in batches, so a run never waits on its
//! bookkeeping.
//!
//! Durability, chosen per write: the run's row (`create_run`, `finish_run`) and everything
//! else in the store are committed with SQLite's default `synchronous = FULL`; the events are
//! written on the writer's own connection with `synchronous = NORMAL` (in WAL mode: no fsync
//! per commit), and the run's final `finish_run` commit syncs the log they are in. So a
//! process killed mid-run loses at most the batch not yet committed (at most
//! [`BATCH_INTERVAL`] of events) and the run shows as `interrupted` the next time a store is
//! opened; an operating-system crash or power cut mid-run can lose the events committed since
//! the run's start, never a finished run.

use std::time::Duration;

use sqlx::{Connection, SqliteConnection};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::runs::EncodedEvent;
use super::{Error, NewRun, Result, RunId, RunSummary, Store};
use crate::run::RunEvent;

/// How long the first event of a batch waits for others to join it: a process killed mid-run
/// loses at most this much of its trace. Finishing the run commits at once, without waiting.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(50);

/// The most events one transaction commits; a longer backlog is several transactions.
pub const BATCH_EVENTS: usize = 4096;

const OP: &str = "record run events";

/// A run being recorded: [`RunRecorder::record`] hands each event to the writer task and
/// returns at once; [`RunRecorder::finish`] commits what is left, then the run's summary.
/// Dropped without `finish` (an error in the host), it still commits what it was given
/// promptly if the runtime lives on, and the run stays `running` until its process has gone,
/// when it is marked `interrupted`.
#[derive(Debug)]
pub struct RunRecorder {
    /// The run's id, as `create_run` made it.
    run_id: RunId,
    /// The store the summary is written to.
    store: Store,
    /// Events on their way to the writer. Unbounded so that `record` never waits: the backlog
    /// is what the writer has not committed yet, at most about one batch interval of events.
    events: mpsc::UnboundedSender<RunEvent>,
    /// The writer task; it ends once `events` is closed and every event it received is
    /// committed, with the first write error if any.
    writer: JoinHandle<Result<u64>>,
    /// Cancels the writer's batch wait when the recorder goes (finished or dropped), so the
    /// last batch is committed at once rather than after [`BATCH_INTERVAL`].
    flush_now: DropGuard,
}

impl Store {
    /// Records the start of a run (committed before this returns) and starts its writer.
    pub async fn start_run(&self, run: NewRun) -> Result<RunRecorder> {
        let run_id = self.create_run(run).await?;
        let (events, receiver) = mpsc::unbounded_channel();
        let flush = CancellationToken::new();
        let writer = tokio::spawn(write_events(
            self.clone(),
            run_id.clone(),
            receiver,
            flush.clone(),
        ));
        Ok(RunRecorder {
            run_id,
            store: self.clone(),
            events,
            writer,
            flush_now: flush.drop_guard(),
        })
    }
}

impl RunRecorder {
    /// The run's id.
    pub fn id(&self) -> &RunId {
        &self.run_id
    }

    /// Queues an event for the store; never waits. Events are numbered in the order given.
    /// After a write error the rest are dropped; [`RunRecorder::finish`] reports the error.
    pub fn record(&self, event: RunEvent) {
        // A closed channel means the writer stopped on an error, which `finish` returns.
        let _ = self.events.send(event);
    }

    /// Commits every event recorded so far, then the run's summary. Returns the number of
    /// events stored, or the first error the writer met (the summary is then not written,
    /// and the run is marked `interrupted` once this process has gone).
    pub async fn finish(self, summary: RunSummary) -> Result<u64> {
        let Self {
            run_id,
            store,
            events,
            writer,
            flush_now,
        } = self;
        // Closing the channel first means the writer, woken by the flush, finds every event.
        drop(events);
        drop(flush_now);
        let written = writer.await.map_err(|source| Error::WriterStopped {
            run_id: run_id.to_string(),
            source,
        })??;
        store.finish_run(&run_id, summary).await?;
        Ok(written)
    }
}

/// The writer: waits for an event, lets a batch gather for [`BATCH_INTERVAL`] (or until told
/// to flush), then commits everything queued in one transaction per [`BATCH_EVENTS`].
/// Returns how many events it committed.
async fn write_events(
    store: Store,
    run_id: RunId,
    mut events: mpsc::UnboundedReceiver<RunEvent>,
    flush: CancellationToken,
) -> Result<u64> {
    // A connection of its own, out of the pool, so its relaxed sync setting stays with it.
    let mut conn = store
        .pool
        .acquire()
        .await
        .map_err(store.query_error(OP))?
        .detach();
    sqlx::query("PRAGMA synchronous = NORMAL")
        .execute(&mut conn)
        .await
        .map_err(store.query_error(OP))?;
    let mut batch = Vec::new();
    let mut seq = 0u64;
    while let Some(first) = events.recv().await {
        batch.push(encode(&store, seq, &first)?);
        seq += 1;
        // Sleeping rather than receiving one by one: the run's side of the channel then wakes
        // nobody per event.
        tokio::select! {
            () = tokio::time::sleep(BATCH_INTERVAL) => {}
            () = flush.cancelled() => {}
        }
        // Empty or closed alike: commit what was taken; a closed channel ends the outer loop.
        while let Ok(event) = events.try_recv() {
            batch.push(encode(&store, seq, &event)?);
            seq += 1;
            if batch.len() == BATCH_EVENTS {
                commit(&store, &mut conn, &run_id, &batch).await?;
                batch.clear();
            }
        }
        commit(&store, &mut conn, &run_id, &batch).await?;
        batch.clear();
    }
    conn.close().await.map_err(store.query_error(OP))?;
    Ok(seq)
}

/// One transaction for a batch.
async fn commit(
    store: &Store,
    conn: &mut SqliteConnection,
    run_id: &RunId,
    batch: &[EncodedEvent],
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut tx = conn.begin().await.map_err(store.query_error(OP))?;
    store.insert_events(&mut tx, OP, run_id, batch).await?;
    tx.commit().await.map_err(store.query_error(OP))
}

/// An event's row: its JSON, and its `event` tag as the kind. Written straight to text, not
/// through a `serde_json::Value`: for a long trace that intermediate tree was most of the
/// recording's cost.
fn encode(store: &Store, seq: u64, event: &RunEvent) -> Result<EncodedEvent> {
    let json = serde_json::to_string(event).map_err(|source| Error::Json {
        op: OP,
        column: "event_json",
        path: store.path.clone(),
        source,
    })?;
    Ok(EncodedEvent {
        seq,
        at_ms: event.at_ms(),
        kind: kind_of(&json).to_owned(),
        json,
    })
}

/// The `event` tag of a serialised [`RunEvent`]. Serde writes an internally tagged enum's tag
/// as the first field, so it is read off the front rather than by parsing the whole text.
fn kind_of(json: &str) -> &str {
    json.strip_prefix(r#"{"event":""#)
        .and_then(|rest| rest.split_once('"'))
        .map_or("event", |(kind, _)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_is_the_event_tag() {
        let events = [
            RunEvent::NodeStarted {
                at_ms: 1,
                node: "A".into(),
                execution_chain: vec![].into(),
            },
            RunEvent::FlowOutput {
                at_ms: 2,
                node: "Out".into(),
                document: serde_json::json!({"event": "not this one"}),
            },
            RunEvent::Cancelled { at_ms: 3 },
        ];
        for event in events {
            let json = serde_json::to_string(&event).expect("JSON");
            let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            assert_eq!(Some(kind_of(&json)), value["event"].as_str(), "{json}");
        }
        assert_eq!(kind_of("{}"), "event");
    }
}
