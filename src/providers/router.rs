//! Routes each model call to a provider: the project's model profile serving that model id,
//! else the run's default provider.

use super::{BoxFuture, ModelProvider, ModelRequest, ModelResponse, OnText, ProviderError};
use std::borrow::Cow;
use std::sync::Arc;

/// One route: the model ids it serves, the provider, and the id to send instead.
pub struct Route {
    pub serves: Vec<String>,
    pub provider: Arc<dyn ModelProvider>,
    /// When set, requests go to the provider with this model id (e.g. `llama3.1` on Ollama
    /// standing in for a Bedrock model id).
    pub model_id: Option<String>,
}

/// A provider that picks another provider per model id.
pub struct Router {
    default: Arc<dyn ModelProvider>,
    routes: Vec<Route>,
}

impl Router {
    pub fn new(default: Arc<dyn ModelProvider>, routes: Vec<Route>) -> Router {
        Router { default, routes }
    }

    fn route(&self, model_id: &str) -> Option<&Route> {
        self.routes
            .iter()
            .find(|r| r.serves.iter().any(|s| s == model_id))
    }
}

impl Router {
    /// The provider for a request, and the request as that provider should get it.
    fn target<'a>(
        &'a self,
        request: &'a ModelRequest,
    ) -> (&'a dyn ModelProvider, Cow<'a, ModelRequest>) {
        match self.route(&request.model_id) {
            None => (self.default.as_ref(), Cow::Borrowed(request)),
            Some(route) => match &route.model_id {
                None => (route.provider.as_ref(), Cow::Borrowed(request)),
                Some(id) => {
                    let mut rewritten = request.clone();
                    rewritten.model_id = id.clone();
                    (route.provider.as_ref(), Cow::Owned(rewritten))
                }
            },
        }
    }
}

impl ModelProvider for Router {
    fn name(&self) -> &str {
        self.default.name()
    }

    fn converse<'a>(
        &'a self,
        request: &'a ModelRequest,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async move {
            let (provider, request) = self.target(request);
            provider.converse(&request).await
        })
    }

    fn converse_stream<'a>(
        &'a self,
        request: &'a ModelRequest,
        on_text: OnText<'a>,
    ) -> BoxFuture<'a, Result<ModelResponse, ProviderError>> {
        Box::pin(async move {
            let (provider, request) = self.target(request);
            provider.converse_stream(&request, on_text).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::scripted::{Script, ScriptedProvider};

    fn scripted(text: &str) -> Arc<dyn ModelProvider> {
        let script =
            Script::parse(&format!("[{{\"text\": \"{text}\"}}]"), "test").expect("script parses");
        Arc::new(ScriptedProvider::new(script))
    }

    /// Polls a future that never waits on I/O (the scripted provider answers at once).
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut cx = Context::from_waker(Waker::noop());
        let mut f = std::pin::pin!(f);
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    #[test]
    fn routes_by_model_id_and_rewrites_it() {
        let router = Router::new(
            scripted("default"),
            vec![Route {
                serves: vec!["anthropic.claude-3-haiku-20240307-v1:0".into()],
                provider: scripted("routed"),
                model_id: Some("llama3.1".into()),
            }],
        );
        let mut req = ModelRequest {
            model_id: "anthropic.claude-3-haiku-20240307-v1:0".into(),
            ..ModelRequest::default()
        };
        req.messages
            .push(crate::providers::ChatMessage::user_text("hi"));
        assert_eq!(
            block_on(router.converse(&req)).expect("reply").text(),
            "routed"
        );
        req.model_id = "amazon.nova-lite-v1:0".into();
        assert_eq!(
            block_on(router.converse(&req)).expect("reply").text(),
            "default"
        );
    }
}
