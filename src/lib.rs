//! Strata's core: the project document, the node registry and the compiler.
//!
//! Everything here except the `cli` feature builds for `wasm32-unknown-unknown`, so the
//! desktop UI checks a project with the very code the CLI uses.

pub mod condition;
pub mod diagnostic;
pub mod expr;
pub mod model;
pub mod nodes;
