//! The host layer: what every front end (the `strata` CLI, the desktop shell) decides the same
//! way before, during and after a run or a chat. `protocol` is the vocabulary a front end and
//! the host speak — plain data, built for wasm too, so the editor page uses the very types the
//! shell sends.

pub mod protocol;
