//! The run's events on their way out: gathered as the run emits them and handed to the
//! caller's channel whenever the run would wait, so an event costs no cross-thread wake-up
//! of its own, yet nothing a person waits on is held back.
//!
//! Every future that runs executor code on a task of its own — the run itself, each
//! spawned node task — is wrapped in [`Flushing`], which delivers what is
//! gathered each time that future returns `Pending`: when a model call, a tool, a question
//! to the user or another task keeps the run waiting, everything said before it is on the
//! channel. Streamed deltas arrive as the stream yields them, a failure at the latest when
//! the run next waits. A run that never waits (an instant model) delivers every
//! [`FLUSH_AT`] events, awaiting room in the channel then: the caller's bounded channel still
//! holds a fast run back, and the gathered events never grow past that.
//!
//! Order is emission order: events are gathered under one lock in the order they are
//! emitted, and taken from the front and sent under the same lock.

use super::event::RunEvent;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_util::sync::PollSender;

/// How many events a run gathers before it delivers them without waiting to wait.
pub(super) const FLUSH_AT: usize = 128;

/// How many events a node's own work gathers before it delivers them itself. Below this,
/// the scope delivers them between nodes ([`FLUSH_AT`]), so waiting for room in a full
/// channel does not happen inside a node's timed work (where a wait arms the node's
/// timeout: a timer registration and a wake-up of the runtime's timer).
pub(super) const HOLD_AT: usize = 8 * FLUSH_AT;

/// Where the run's events go: one at a time ([`run_flow`]), or in batches of those emitted
/// between two waits ([`run_flow_batched`]).
///
/// [`run_flow`]: super::run_flow
/// [`run_flow_batched`]: super::run_flow_batched
pub(super) enum Outlet {
    Events(mpsc::Sender<RunEvent>),
    Batches(mpsc::Sender<Vec<RunEvent>>),
}

/// The events of one run not yet on the channel, and the channel.
pub(super) struct Sink {
    /// Emitted, not yet sent, oldest first. Held only to push, or to take from the front
    /// and send, never across an await.
    gathered: Mutex<VecDeque<RunEvent>>,
    outlet: Outlet,
}

/// A delivery waiting for room in the channel: its place in the channel's queue, kept
/// between polls of one future so waiting for room is fair and wakes that future.
#[derive(Default)]
pub(super) struct Delivery(Option<Reserving>);

enum Reserving {
    Events(PollSender<RunEvent>),
    Batches(PollSender<Vec<RunEvent>>),
}

impl Delivery {
    /// Gives up a place in the channel's queue: nothing is left to send.
    fn release(&mut self) {
        match &mut self.0 {
            Some(Reserving::Events(p)) => {
                p.abort_send();
            }
            Some(Reserving::Batches(p)) => {
                p.abort_send();
            }
            None => {}
        }
    }
}

impl Sink {
    pub(super) fn new(outlet: Outlet) -> Self {
        Sink {
            gathered: Mutex::new(VecDeque::with_capacity(BATCH_ROOM)),
            outlet,
        }
    }

    /// Gathers an event; `true` when enough are gathered to deliver them now.
    #[cfg(test)]
    pub(super) fn push(&self, event: RunEvent) -> bool {
        self.push_counting(event) >= FLUSH_AT
    }

    /// Gathers an event; how many are gathered now.
    pub(super) fn push_counting(&self, event: RunEvent) -> usize {
        let mut gathered = self.gathered.lock().unwrap_or_else(PoisonError::into_inner);
        gathered.push_back(event);
        gathered.len()
    }

    /// How many events are gathered.
    pub(super) fn gathered(&self) -> usize {
        self.gathered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Delivers everything gathered, waiting for room in the channel if it is full.
    pub(super) async fn flush(&self) {
        let mut delivery = Delivery::default();
        poll_fn(|cx| self.poll_flush(&mut delivery, cx)).await;
    }

    /// Sends what is gathered while the channel has room; `Pending` (with `cx` woken when
    /// there is room again) when it has none. A closed channel drops the events: the run
    /// goes on and its result still says what happened.
    pub(super) fn poll_flush(&self, delivery: &mut Delivery, cx: &mut Context<'_>) -> Poll<()> {
        let mut gathered = self.gathered.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if gathered.is_empty() {
                delivery.release();
                return Poll::Ready(());
            }
            // Room at once (the usual case): no future, no allocation.
            let sent = match &self.outlet {
                Outlet::Events(tx) => match tx.try_reserve() {
                    Ok(permit) => {
                        if let Some(event) = gathered.pop_front() {
                            permit.send(event);
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
                Outlet::Batches(tx) => match tx.try_reserve() {
                    Ok(permit) => {
                        permit.send(take_batch(&mut gathered));
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
            };
            match sent {
                Ok(()) => continue,
                Err(TrySendError::Closed(())) => {
                    gathered.clear();
                    return Poll::Ready(());
                }
                Err(TrySendError::Full(())) => {}
            }
            // The channel is full: queue for room, keeping the place across polls.
            let reserving = delivery.0.get_or_insert_with(|| match &self.outlet {
                Outlet::Events(tx) => Reserving::Events(PollSender::new(tx.clone())),
                Outlet::Batches(tx) => Reserving::Batches(PollSender::new(tx.clone())),
            });
            let sent = match reserving {
                Reserving::Events(p) => p
                    .poll_reserve(cx)
                    .map_ok(|()| {
                        if let Some(event) = gathered.pop_front() {
                            let _ = p.send_item(event);
                        }
                    })
                    .map_err(|_closed| ()),
                Reserving::Batches(p) => p
                    .poll_reserve(cx)
                    .map_ok(|()| {
                        let _ = p.send_item(take_batch(&mut gathered));
                    })
                    .map_err(|_closed| ()),
            };
            match sent {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(())) => {
                    gathered.clear();
                    return Poll::Ready(());
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Room for a batch: a scope delivers once a node ends with [`FLUSH_AT`] or more gathered,
/// so a batch is usually a few events over it; growing past the room copies every event.
const BATCH_ROOM: usize = 2 * FLUSH_AT;

/// Everything gathered, as one batch, leaving room for the next batch: growing the queue
/// from empty, event by event, was 3% of an instant 10,000-item run, and growing it from
/// exactly [`FLUSH_AT`] once per batch 5.5%. The queue is only
/// pushed at its back and emptied whole, so it is contiguous and becomes the batch
/// without a copy.
fn take_batch(gathered: &mut VecDeque<RunEvent>) -> Vec<RunEvent> {
    Vec::from(std::mem::replace(
        gathered,
        VecDeque::with_capacity(BATCH_ROOM),
    ))
}

/// A future of the run whose gathered events are delivered each time it waits, and before
/// it ends: its output is given only once everything emitted before is on the channel.
pub(super) struct Flushing<F: Future + Unpin> {
    sink: Arc<Sink>,
    inner: F,
    delivery: Delivery,
    output: Option<F::Output>,
}

impl<F: Future + Unpin> Flushing<F> {
    pub(super) fn new(sink: Arc<Sink>, inner: F) -> Self {
        Flushing {
            sink,
            inner,
            delivery: Delivery::default(),
            output: None,
        }
    }
}

impl<F> Future for Flushing<F>
where
    F: Future + Unpin,
    F::Output: Unpin,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        if this.output.is_none() {
            match Pin::new(&mut this.inner).poll(cx) {
                Poll::Ready(output) => this.output = Some(output),
                Poll::Pending => {
                    // The run waits: what it said so far goes out now. Room or not, this
                    // future is woken again by what it waits for or by room in the channel.
                    let _ = this.sink.poll_flush(&mut this.delivery, cx);
                    return Poll::Pending;
                }
            }
        }
        match this.sink.poll_flush(&mut this.delivery, cx) {
            Poll::Ready(()) => match this.output.take() {
                Some(output) => Poll::Ready(output),
                None => Poll::Pending,
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::oneshot;

    fn event(n: u64) -> RunEvent {
        RunEvent::Cancelled { at_ms: n }
    }

    fn number(event: &RunEvent) -> u64 {
        match event {
            RunEvent::Cancelled { at_ms } => *at_ms,
            other => panic!("not a test event: {other:?}"),
        }
    }

    /// Emits as the run does: gathers, and delivers when enough are gathered.
    async fn emit(sink: &Sink, n: u64) {
        if sink.push(event(n)) {
            sink.flush().await;
        }
    }

    /// The next message, or `None` when none comes while every task waits (the paused
    /// clock jumps the minute at once then).
    async fn next<T>(rx: &mut mpsc::Receiver<T>) -> Option<T> {
        tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .ok()
            .flatten()
    }

    #[tokio::test(start_paused = true)]
    async fn what_was_emitted_goes_out_when_the_run_waits_and_before_it_ends() {
        let (tx, mut rx) = mpsc::channel(16);
        let sink = Arc::new(Sink::new(Outlet::Events(tx)));
        let (go, wait) = oneshot::channel::<()>();
        let run = sink.clone();
        let task = tokio::spawn(Flushing::new(
            sink.clone(),
            Box::pin(async move {
                for n in 0..3 {
                    emit(&run, n).await;
                }
                let _ = wait.await;
                emit(&run, 3).await;
                "done"
            }),
        ));
        for n in 0..3 {
            assert_eq!(next(&mut rx).await.as_ref().map(number), Some(n));
        }
        // Nothing more until the run goes on.
        assert!(next(&mut rx).await.is_none());
        let _ = go.send(());
        assert_eq!(next(&mut rx).await.as_ref().map(number), Some(3));
        assert_eq!(task.await.ok(), Some("done"));
    }

    #[tokio::test]
    async fn a_full_channel_holds_the_run_back_and_keeps_the_order() {
        let (tx, mut rx) = mpsc::channel(1);
        let sink = Arc::new(Sink::new(Outlet::Events(tx)));
        let run = sink.clone();
        let task = tokio::spawn(Flushing::new(
            sink.clone(),
            Box::pin(async move {
                for n in 0..1000 {
                    emit(&run, n).await;
                    if n % 7 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            }),
        ));
        drop(sink);
        let mut seen = Vec::new();
        while let Some(e) = rx.recv().await {
            seen.push(number(&e));
        }
        assert!(task.await.is_ok());
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn batches_are_what_was_emitted_between_two_waits() {
        let (tx, mut rx) = mpsc::channel(1);
        let sink = Arc::new(Sink::new(Outlet::Batches(tx)));
        let (go, wait) = oneshot::channel::<()>();
        let run = sink.clone();
        let task = tokio::spawn(Flushing::new(
            sink.clone(),
            Box::pin(async move {
                emit(&run, 0).await;
                emit(&run, 1).await;
                let _ = wait.await;
                for n in 2..(2 + FLUSH_AT as u64 + 1) {
                    emit(&run, n).await;
                }
            }),
        ));
        drop(sink);
        let numbers = |batch: Option<Vec<RunEvent>>| -> Vec<u64> {
            batch.unwrap_or_default().iter().map(number).collect()
        };
        assert_eq!(numbers(next(&mut rx).await), [0, 1]);
        let _ = go.send(());
        // A run that never waits delivers every FLUSH_AT events, then the rest as it ends.
        let full: Vec<u64> = (2..2 + FLUSH_AT as u64).collect();
        assert_eq!(numbers(next(&mut rx).await), full);
        assert_eq!(numbers(next(&mut rx).await), [2 + FLUSH_AT as u64]);
        assert!(next(&mut rx).await.is_none());
        assert!(task.await.is_ok());
    }

    #[tokio::test]
    async fn a_dropped_receiver_does_not_stop_the_run() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let sink = Arc::new(Sink::new(Outlet::Events(tx)));
        let run = sink.clone();
        let ran = Flushing::new(
            sink,
            Box::pin(async move {
                for n in 0..500 {
                    emit(&run, n).await;
                }
                500
            }),
        )
        .await;
        assert_eq!(ran, 500);
    }
}
