//! The tasks a window's runs and evaluations go on in, kept so that closing the window can
//! wait for them to record how they ended.

use std::sync::{Mutex, PoisonError};
use tokio::task::JoinHandle;

/// The tasks started so far that may still be going on.
#[derive(Default)]
pub struct Tasks(Mutex<Vec<JoinHandle<()>>>);

impl Tasks {
    /// Keeps `task` to wait for, and forgets the ones that have ended.
    pub fn keep(&self, task: JoinHandle<()>) {
        let mut tasks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    /// Waits until every task kept so far has ended.
    pub async fn settle(&self) {
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        for t in tasks {
            // A panic in a task is its run's or evaluation's own failure, already told to the
            // page; nothing waits on it.
            let _ = t.await;
        }
    }
}
