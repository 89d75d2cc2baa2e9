//! Agent checks (being written).
use crate::diagnostic::Diagnostics;
use crate::model::{Agent, Project};
pub fn check_agent(_project: &Project, _agent: &Agent, _out: &mut Diagnostics) {}
