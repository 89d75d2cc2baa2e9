//! AgentCore (placeholder until h-acexport is merged).
pub mod adapter;
