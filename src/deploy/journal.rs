//! What an apply has done so far, shared by the Classic and the AgentCore apply: each change
//! is reported as a done [`super::Step`] and kept, for the error that may stop the deploy and
//! for the `done` list of what was applied; create calls get client tokens derived from
//! project, resource and content, so that a retried deploy does not make twins.

use super::diff::client_token;
use super::plan::sent;
use super::wire::with;
use super::{DeployError, Deployer};
use aws_sdk_bedrockagent::config::http::HttpResponse;
use aws_sdk_bedrockagent::error::{ProvideErrorMetadata, SdkError};
use serde_json::Value;
use std::future::Future;

/// The deployer of one apply, its project, and the changes made so far.
pub(crate) struct Journal<'a, C> {
    pub(crate) d: &'a Deployer<C>,
    project: &'a str,
    /// One line per change made, in order.
    pub(crate) done: Vec<String>,
}

impl<'a, C> Journal<'a, C> {
    pub(crate) fn new(d: &'a Deployer<C>, project: &'a str) -> Journal<'a, C> {
        Journal {
            d,
            project,
            done: Vec::new(),
        }
    }

    /// A change made to `resource`: reported as its step and kept in what was done.
    pub(crate) fn record(&mut self, resource: &str, line: String) {
        self.d.step(resource, true, &line);
        self.done.push(line);
    }

    /// Awaits one call about `resource`; a failure names `operation` and what was done.
    pub(crate) async fn sent<T, E>(
        &self,
        operation: &str,
        resource: &str,
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, DeployError>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        sent(operation, resource, &self.done, call).await
    }

    /// Sends one mutating call about `resource` and, once it succeeded, records `line`.
    pub(crate) async fn write<T, E>(
        &mut self,
        operation: &str,
        resource: &str,
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        line: String,
    ) -> Result<T, DeployError>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let out = self.sent(operation, resource, call).await?;
        self.record(resource, line);
        Ok(out)
    }

    /// The client token of a request: `resource` names what the request makes.
    pub(crate) fn token(&self, resource: &str, content: &Value) -> String {
        client_token(self.project, resource, content)
    }

    /// The client token of a create call and its body with the token in `clientToken`.
    pub(crate) fn tokened(&self, resource: &str, body: &Value) -> (String, Value) {
        let token = self.token(resource, body);
        let body = with(body, "clientToken", Value::String(token.clone()));
        (token, body)
    }
}
