//! The shell's side of the channels the page streams on (a run's or chat turn's messages, an
//! evaluation's, an apply's): the logic delivers to an [`Outbox`], a plain function, so it is
//! tested with plain tokio and no webview; a command turns the page's Tauri channel into one.

use std::sync::Arc;
use tauri::ipc::{Channel, IpcResponse};

/// Delivers one message to the page; `false` when the page is gone.
pub type Outbox<M> = Arc<dyn Fn(M) -> bool + Send + Sync>;

/// The outbox that sends each message on the page's `channel`.
pub fn outbox<M: IpcResponse + Send + Sync + 'static>(channel: Channel<M>) -> Outbox<M> {
    Arc::new(move |message| channel.send(message).is_ok())
}
