//! Strata's core: the project document, the node registry, the compiler and exports.
//!
//! Everything here except the `cli` feature builds for `wasm32-unknown-unknown`, so the
//! desktop UI checks a project with the very code the CLI uses.

#[cfg(feature = "runtime")]
pub mod agent;

/// The global allocator the binaries (the CLI, the desktop app, the benches) declare with
/// `#[global_allocator]`: mimalloc, whose per-thread free lists serve the events a run builds
/// on one thread and its consumer frees on another (docs/PERFORMANCE.md, fourth pass).
#[cfg(feature = "runtime")]
pub use mimalloc::MiMalloc as Allocator;
pub mod agentcore;
#[cfg(feature = "runtime")]
pub mod cfn_lint;
#[cfg(feature = "cli")]
pub mod cli;
pub mod compile;
pub mod condition;
#[cfg(feature = "runtime")]
pub mod deploy;
pub mod diagnostic;
pub mod draft;
pub mod edit;
pub mod eval;
pub mod export;
pub mod expr;
pub mod gallery;
pub mod graph;
pub mod guardrail;
#[cfg(feature = "runtime")]
pub mod handlers;
pub mod import;
#[cfg(feature = "runtime")]
pub mod kb;
pub mod layout;
pub mod lenient;
pub mod lifecycle;
#[cfg(feature = "runtime")]
pub(crate) mod local_code;
pub mod model;
pub mod nodes;
pub mod openapi;
pub mod pricing;
pub mod providers;
pub mod return_control;
#[cfg(feature = "runtime")]
pub mod run;
pub mod save;
#[cfg(test)]
mod seeded;
pub mod session;
#[cfg(feature = "runtime")]
pub mod store;
pub mod templates;
pub mod text;
pub mod trace;
pub mod yaml;
