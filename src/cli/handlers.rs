//! `--handler` and `--handler-env` of `strata run` and `strata chat`: the flags only; what
//! they mean is `crate::handlers`, bound through `Session::bind_handlers`.

use crate::model::handler::BindingError;
use crate::session::Session;
use clap::Args;

/// Handler bindings given on the command line.
#[derive(Args, Debug, Default)]
pub struct HandlerArgs {
    /// Run FUNCTION of FILE (relative to the current folder) wherever NAME is called: a Lambda
    /// function name or ARN as the flow or template writes it, a CloudFormation logical id, or
    /// an action group name. Repeatable; replaces the project's binding of the same NAME.
    #[arg(long = "handler", value_name = "NAME=FILE:FUNCTION")]
    pub handler: Vec<String>,
    /// An environment variable for the handler that runs for NAME (besides the ones a Lambda
    /// has; nothing comes from your shell). Repeatable.
    #[arg(long = "handler-env", value_name = "NAME:KEY=VALUE")]
    pub handler_env: Vec<String>,
}

impl HandlerArgs {
    /// Binds the handlers to `session`'s project (Lambda calls in `region`).
    pub fn bind(&self, session: &mut Session, region: Option<String>) -> Result<(), BindingError> {
        session.bind_handlers(&self.handler, &self.handler_env, region)
    }
}
