//! What every part of one run shares: the [`Run`], with the run's context, clock, event
//! sink and totals. The executor makes one per run; node kinds read and report through it.

use super::event::{FlowOutputRecord, RunEvent};
use super::sink::{Flushing, Sink, FLUSH_AT, HOLD_AT};
use super::{NodeFailure, RunContext};
use crate::model::Project;
use crate::providers::Usage;
use serde_json::Value;
use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// What every part of one run shares.
pub(super) struct Run {
    /// The project, for nodes that look things up (knowledge bases).
    pub project: Arc<Project>,
    pub flow: String,
    pub ctx: RunContext,
    /// Bounds the nodes that do work at once.
    pub semaphore: Arc<Semaphore>,
    /// Where events are gathered until the run waits (`sink.rs`).
    pub sink: Arc<Sink>,
    /// The run's start on tokio's clock, so paused-time tests see fixed timestamps.
    pub started: Instant,
    /// Outputs, failures and usage, added to by any task; held only to push.
    pub totals: Mutex<Totals>,
    /// The next node to start pauses: a breakpoint was answered with "step".
    pub stepping: AtomicBool,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Totals {
    pub outputs: Vec<FlowOutputRecord>,
    pub failures: Vec<NodeFailure>,
    pub usage: Usage,
}

impl Run {
    pub fn elapsed_ms(&self) -> u64 {
        self.ms_at(Instant::now())
    }

    /// The run's clock at `instant`, a reading the caller took for something else too.
    pub fn ms_at(&self, instant: Instant) -> u64 {
        let elapsed = instant.saturating_duration_since(self.started);
        u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
    }

    /// Emits an event stamped with the run's clock. It reaches the channel when the run
    /// next waits, when the scope next [`settle`]s, or now if very many are gathered
    /// (`sink.rs`). A closed channel is not an error: the run goes on and its result still
    /// says what happened.
    ///
    /// [`settle`]: Run::settle
    pub async fn emit(&self, make: impl FnOnce(u64) -> RunEvent) {
        self.emit_at(self.elapsed_ms(), make).await;
    }

    /// [`emit`], stamped with a reading of the run's clock the caller already took
    /// ([`elapsed_ms`], [`ms_at`]): events that happen together (a node's start and its
    /// inputs) share one reading instead of each asking the clock.
    ///
    /// [`emit`]: Run::emit
    /// [`elapsed_ms`]: Run::elapsed_ms
    /// [`ms_at`]: Run::ms_at
    pub async fn emit_at(&self, at_ms: u64, make: impl FnOnce(u64) -> RunEvent) {
        let event = make(at_ms);
        if self.sink.push_counting(event) >= HOLD_AT {
            self.sink.flush().await;
        }
    }

    /// Delivers the gathered events if enough are gathered, awaiting room in the channel:
    /// a scope does so between nodes, so a fast run is held back by a slow consumer there.
    pub async fn settle(&self) {
        if self.sink.gathered() >= FLUSH_AT {
            self.sink.flush().await;
        }
    }

    /// `work` delivering the run's gathered events whenever it waits and before it ends:
    /// every future that runs the run's code on a task of its own is wrapped in this.
    pub fn flushing<F>(&self, work: F) -> Flushing<F>
    where
        F: Future + Unpin,
        F::Output: Unpin,
    {
        Flushing::new(self.sink.clone(), work)
    }

    pub fn add_usage(&self, usage: Usage) {
        let mut t = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        t.usage.input_tokens += usage.input_tokens;
        t.usage.output_tokens += usage.output_tokens;
    }

    pub async fn output(&self, node: &str, document: Value) {
        self.totals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .outputs
            .push(FlowOutputRecord {
                node: node.to_owned(),
                document: document.clone(),
            });
        self.emit(|at_ms| RunEvent::FlowOutput {
            at_ms,
            node: node.into(),
            document,
        })
        .await;
    }
}
