//! Evaluation: measuring designs (flows, agents) on the same cases. `stats` holds the
//! statistics the reports rest on.

pub mod stats;
