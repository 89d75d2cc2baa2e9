//! Evaluation: measuring designs (flows, agents) on the same cases. `stats` holds the
//! statistics the reports rest on; `suite` the suite file and its checks before a run; `check`
//! the verdict of each expectation on a case's outcome; `report` the metrics, comparisons and
//! recommendation built from every case's result (`strata eval --json`); `protocol` what a front end
//! and the host speak while a suite runs.

#[cfg(feature = "runtime")]
pub mod check;
pub mod html;
pub mod junit;
pub mod protocol;
pub mod report;
#[cfg(feature = "runtime")]
pub mod runner;
#[cfg(feature = "runtime")]
pub mod seed;
pub mod stats;
#[cfg(feature = "runtime")]
pub mod suite;

pub use report::Check;
