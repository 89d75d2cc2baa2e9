//! The order of events around a question: before a run asks the person anything (an agent's
//! question, a confirmation, a breakpoint), every event it emitted earlier has reached the
//! front end, and no later event overtakes the question. The CLI's trace lines never land in
//! the middle of a prompt; the shell's page sees a node's inputs before the pause that shows
//! them.

use tokio::sync::{mpsc, oneshot};

/// A question's claim on the event stream: the stream delivers every event the run sent
/// before the question, then waits until it is answered.
pub(super) struct Pause {
    /// Told when everything before the question is delivered.
    delivered: oneshot::Sender<()>,
    /// Resolves (or is dropped) when the question is answered.
    answered: oneshot::Receiver<()>,
}

impl Pause {
    /// Called by the stream once it has delivered everything before the question.
    pub(super) async fn wait_for_answer(self) {
        let _ = self.delivered.send(());
        let _ = self.answered.await;
    }
}

/// The asking side: one per run, cloned into every hook that asks.
#[derive(Clone)]
pub struct PauseGate {
    pauses: mpsc::UnboundedSender<Pause>,
}

impl PauseGate {
    /// A gate and the stream's end of it.
    pub(super) fn new() -> (PauseGate, mpsc::UnboundedReceiver<Pause>) {
        let (pauses, rx) = mpsc::unbounded_channel();
        (PauseGate { pauses }, rx)
    }

    /// Waits until the stream has caught up and holds it until the returned sender is
    /// dropped. Without a stream (it ended) it returns at once.
    pub async fn hold(&self) -> oneshot::Sender<()> {
        let (delivered, caught_up) = oneshot::channel();
        let (release, answered) = oneshot::channel();
        if self
            .pauses
            .send(Pause {
                delivered,
                answered,
            })
            .is_ok()
        {
            let _ = caught_up.await;
        }
        release
    }
}
