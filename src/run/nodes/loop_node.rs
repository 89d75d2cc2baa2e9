//! Loop: a container. The executor runs its body round after round (`executor/containers.rs`),
//! since that means scheduling the body's nodes.

node_run!(
    /// Runs its body while its LoopController says so.
    Loop => container
);
