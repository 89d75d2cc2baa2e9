//! The model-provider options `strata run` and `strata chat` share, and the providers they
//! make: Bedrock, an OpenAI-compatible server, a replayed script, and a route per model
//! profile of the project.

use crate::model::lenient::Lenient;
use crate::model::resources::ProfileProvider;
use crate::model::Project;
use crate::providers::bedrock::{BedrockProvider, BedrockSettings};
use crate::providers::bedrock_guardrail::BedrockGuardrails;
use crate::providers::openai::{OpenAiProvider, OpenAiSettings};
use crate::providers::router::Route;
use crate::providers::scripted::ScriptedProvider;
use crate::providers::ModelProvider;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which model provider answers Prompt nodes.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ProviderKind {
    /// Amazon Bedrock Converse (ConverseStream with --stream), with the standard AWS credential chain.
    Bedrock,
    /// Any OpenAI-compatible chat-completions server (Ollama, llama.cpp, vLLM).
    Openai,
    /// Deterministic replies from a script file (see --replay).
    Scripted,
}

/// Which model provider answers, and how to reach it.
#[derive(Args, Debug, Clone, Default)]
pub struct ProviderArgs {
    /// The model provider (default: scripted with --replay, else bedrock).
    #[arg(long, value_enum)]
    pub provider: Option<ProviderKind>,
    /// Replay model replies from a script file (implies --provider scripted).
    #[arg(long)]
    pub replay: Option<PathBuf>,
    /// OpenAI-compatible server root, e.g. http://127.0.0.1:11434/v1.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Model id to send to the OpenAI-compatible server instead of the project's Bedrock ids.
    #[arg(long)]
    pub model: Option<String>,
    /// AWS profile for Bedrock.
    #[arg(long)]
    pub profile: Option<String>,
    /// AWS region for Bedrock.
    #[arg(long)]
    pub region: Option<String>,
    /// Endpoint override for Bedrock (e.g. a local fake).
    #[arg(long)]
    pub endpoint_url: Option<String>,
}

impl ProviderArgs {
    /// The provider asked for, or the one the other options imply.
    pub(super) fn provider_kind(&self) -> ProviderKind {
        match (self.provider, &self.replay) {
            (Some(k), _) => k,
            (None, Some(_)) => ProviderKind::Scripted,
            (None, None) if self.base_url.is_some() => ProviderKind::Openai,
            (None, None) => ProviderKind::Bedrock,
        }
    }

    /// With the bedrock provider, guardrails that live in the account are applied by Bedrock.
    /// Where Bedrock is reached: the profile, region and endpoint given.
    pub(super) fn bedrock_settings(&self) -> BedrockSettings {
        BedrockSettings {
            region: self.region.clone(),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }

    pub(super) fn bedrock_guardrails(&self) -> Option<BedrockGuardrails> {
        matches!(self.provider_kind(), ProviderKind::Bedrock)
            .then(|| BedrockGuardrails::lazy(self.bedrock_settings()))
    }
}

pub(super) async fn default_provider(args: &ProviderArgs) -> Result<Arc<dyn ModelProvider>> {
    Ok(match args.provider_kind() {
        ProviderKind::Scripted => {
            let path = args
                .replay
                .as_ref()
                .context("the scripted provider needs a script: --replay FILE")?;
            Arc::new(ScriptedProvider::from_file(path).map_err(|e| anyhow::anyhow!("{e}"))?)
        }
        ProviderKind::Openai => {
            let base_url = args
                .base_url
                .clone()
                .context("the openai provider needs --base-url, e.g. http://127.0.0.1:11434/v1")?;
            let provider = OpenAiProvider::new(&OpenAiSettings {
                base_url,
                api_key: None,
                timeout_secs: None,
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            match &args.model {
                Some(model) => rename_all_models(Arc::new(provider), model),
                None => Arc::new(provider),
            }
        }
        ProviderKind::Bedrock => {
            let settings = args.bedrock_settings();
            match aws_config(&settings, MODEL_ELSEWHERE).await {
                Ok(config) => Arc::new(BedrockProvider::from_sdk_config(&config)),
                // A flow without model calls still runs; each call says what is missing.
                Err(message) => Arc::new(Unavailable {
                    name: "bedrock",
                    message,
                }),
            }
        }
    })
}

/// What to do instead of Bedrock when there are no AWS credentials, for `run` and `chat`.
const MODEL_ELSEWHERE: &str =
    ", or run offline with --replay FILE, or on a local model server with --base-url URL";

/// The AWS configuration `settings` make, once it is known to give credentials
/// ([`BedrockSettings::load_checked`]).
pub(super) async fn aws_config(
    settings: &BedrockSettings,
    elsewhere: &str,
) -> std::result::Result<aws_config::SdkConfig, String> {
    settings.load_checked(elsewhere).await
}

/// A provider that cannot answer, and says why on every call.
struct Unavailable {
    name: &'static str,
    message: String,
}

impl ModelProvider for Unavailable {
    fn name(&self) -> &str {
        self.name
    }

    fn converse<'a>(
        &'a self,
        _request: &'a crate::providers::ModelRequest,
    ) -> crate::providers::BoxFuture<
        'a,
        Result<crate::providers::ModelResponse, crate::providers::ProviderError>,
    > {
        Box::pin(async move {
            Err(crate::providers::ProviderError::Configuration {
                provider: self.name.to_owned(),
                message: self.message.clone(),
            })
        })
    }

    fn converse_stream<'a>(
        &'a self,
        request: &'a crate::providers::ModelRequest,
        _on_text: crate::providers::OnText<'a>,
    ) -> crate::providers::BoxFuture<
        'a,
        Result<crate::providers::ModelResponse, crate::providers::ProviderError>,
    > {
        self.converse(request)
    }
}

/// Sends every request to one model id (`--model`), whatever the flow names.
fn rename_all_models(inner: Arc<dyn ModelProvider>, model: &str) -> Arc<dyn ModelProvider> {
    Arc::new(Renamed {
        inner,
        model: model.to_owned(),
    })
}

struct Renamed {
    inner: Arc<dyn ModelProvider>,
    model: String,
}

impl ModelProvider for Renamed {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn converse<'a>(
        &'a self,
        request: &'a crate::providers::ModelRequest,
    ) -> crate::providers::BoxFuture<
        'a,
        Result<crate::providers::ModelResponse, crate::providers::ProviderError>,
    > {
        Box::pin(async move {
            let mut r = request.clone();
            r.model_id = self.model.clone();
            self.inner.converse(&r).await
        })
    }

    fn converse_stream<'a>(
        &'a self,
        request: &'a crate::providers::ModelRequest,
        on_text: crate::providers::OnText<'a>,
    ) -> crate::providers::BoxFuture<
        'a,
        Result<crate::providers::ModelResponse, crate::providers::ProviderError>,
    > {
        Box::pin(async move {
            let mut r = request.clone();
            r.model_id = self.model.clone();
            self.inner.converse_stream(&r, on_text).await
        })
    }
}

/// A route per model profile of the project.
pub(super) async fn profile_routes(project: &Project, project_dir: &Path) -> Result<Vec<Route>> {
    let mut routes = Vec::new();
    for p in &project.model_profiles {
        if p.serves.is_empty() {
            continue;
        }
        let provider: Arc<dyn ModelProvider> = match &p.provider {
            Lenient::Known(ProfileProvider::Bedrock) => {
                let settings = BedrockSettings {
                    region: p.region.clone(),
                    profile: None,
                    endpoint_url: p.base_url.clone(),
                };
                match BedrockProvider::from_settings(&settings, MODEL_ELSEWHERE).await {
                    Ok(provider) => Arc::new(provider),
                    // A flow without calls to this profile's models still runs.
                    Err(message) => Arc::new(Unavailable {
                        name: "bedrock",
                        message,
                    }),
                }
            }
            Lenient::Known(ProfileProvider::OpenAi) => Arc::new(
                OpenAiProvider::new(&OpenAiSettings {
                    base_url: p
                        .base_url
                        .clone()
                        .with_context(|| format!("model profile {:?} needs baseUrl", p.name))?,
                    api_key: None,
                    timeout_secs: None,
                })
                .map_err(|e| anyhow::anyhow!("model profile {:?}: {e}", p.name))?,
            ),
            Lenient::Known(ProfileProvider::Scripted) => {
                let script = p
                    .script
                    .as_ref()
                    .with_context(|| format!("model profile {:?} needs script", p.name))?;
                Arc::new(
                    ScriptedProvider::from_file(&project_dir.join(script))
                        .map_err(|e| anyhow::anyhow!("model profile {:?}: {e}", p.name))?,
                )
            }
            Lenient::Unknown(other) => bail!(
                "model profile {:?} has provider {other:?}; use bedrock, openai or scripted",
                p.name
            ),
        };
        routes.push(Route {
            serves: p.serves.clone(),
            provider,
            model_id: p.model_id.clone(),
        });
    }
    Ok(routes)
}
