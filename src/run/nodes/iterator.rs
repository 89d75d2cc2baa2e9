//! Iterator: a container. The executor runs its scope once per item and gathers its
//! Collectors (`executor/containers.rs`), since that means scheduling other nodes.

node_run!(
    /// Runs its scope once per item of `array`.
    Iterator => container
);
