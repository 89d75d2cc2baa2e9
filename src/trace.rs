//! What a run says and how it reads: the events of a flow run and of an agent's steps, in
//! Bedrock's trace vocabulary. Pure data, built for wasm too, so the CLI, the desktop shell, the
//! run store and the editor page all read one run the same way.

pub mod agent;
pub mod calls;
pub mod cost;
pub mod event;
pub mod inspect;
pub mod payload;
pub mod view;

pub use agent::AgentTraceEvent;
pub use cost::Cost;
pub use event::{RunEvent, RunStatus};
pub use payload::Payload;
pub use view::RunView;
