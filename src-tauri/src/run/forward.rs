//! The forwarder between a run and the page: events batched (at most [`BATCH_MAX`] in one
//! message, at most [`BATCH_WINDOW`] late), and every other message sent after the events
//! queued before it, so a pause or the end never overtakes what led to it.

use std::time::Duration;
use strata::run::RunEvent;
use strata::session::protocol::RunMessage;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// At most this long between an event and the batch that carries it to the page.
pub const BATCH_WINDOW: Duration = Duration::from_millis(30);
/// At most this many events in one batch.
pub const BATCH_MAX: usize = 500;

/// Delivers one run message to the page; `false` when the page is gone.
pub type Outbox = crate::channel::Outbox<RunMessage>;

/// What the forwarder carries to the page, in order.
pub enum Outgoing {
    /// Batched with its neighbours.
    Event(RunEvent),
    /// Sent alone, after every event queued before it (a pause, the end, a failure).
    Message(RunMessage),
}

/// Starts the task that batches `Outgoing` items into messages for `outbox`: whatever has
/// queued goes out at once, at most [`BATCH_WINDOW`] after its first event or when
/// [`BATCH_MAX`] events have gathered; a message flushes the events before it first. The task
/// ends when every sender is dropped, after sending what is left.
pub fn forward(outbox: Outbox) -> (mpsc::UnboundedSender<Outgoing>, JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
    let handle = tokio::spawn(async move {
        let flush = |batch: &mut Vec<RunEvent>| {
            if !batch.is_empty() {
                outbox(RunMessage::Events {
                    events: std::mem::take(batch),
                });
            }
        };
        let mut batch = Vec::new();
        while let Some(first) = rx.recv().await {
            match first {
                Outgoing::Event(e) => batch.push(e),
                Outgoing::Message(m) => {
                    outbox(m);
                    continue;
                }
            }
            let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
            while batch.len() < BATCH_MAX {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(Outgoing::Event(e))) => batch.push(e),
                    Ok(Some(Outgoing::Message(m))) => {
                        flush(&mut batch);
                        outbox(m);
                        break;
                    }
                    Ok(None) | Err(_) => break,
                }
            }
            flush(&mut batch);
        }
    });
    (tx, handle)
}
