//! Evaluation: measuring designs (flows, agents) on the same cases. `stats` holds the
//! statistics the reports rest on; `suite` the suite file and its checks before a run; `check`
//! the verdict of each expectation on a case's outcome.

#[cfg(feature = "runtime")]
pub mod check;
pub mod stats;
#[cfg(feature = "runtime")]
pub mod suite;
