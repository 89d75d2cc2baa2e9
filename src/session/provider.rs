//! Where a run's or a chat's model replies come from: the provider a front end chose (Bedrock,
//! an OpenAI-compatible server, a replayed recording), routed per model profile of the project.

use super::protocol::ProviderChoice;
use super::Error;
use crate::model::lenient::Lenient;
use crate::model::resources::ProfileProvider;
use crate::model::Project;
use crate::providers::bedrock::{BedrockProvider, BedrockSettings};
use crate::providers::bedrock_guardrail::BedrockGuardrails;
use crate::providers::openai::{OpenAiProvider, OpenAiSettings};
use crate::providers::router::{Route, Router};
use crate::providers::scripted::ScriptedProvider;
use crate::providers::{
    BoxFuture, ModelProvider, ModelRequest, ModelResponse, OnText, ProviderError,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which kind of provider answers Prompt nodes and agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProviderKind {
    /// Amazon Bedrock with the standard AWS credential chain.
    #[default]
    Bedrock,
    /// An OpenAI-compatible chat-completions server.
    Openai,
    /// Replies replayed from a recording.
    Replay,
}

/// Everything that decides the provider: what a [`ProviderChoice`] says, plus what only the
/// command line sets (a Bedrock endpoint override). Credentials are never part of it.
#[derive(Debug, Clone, Default)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    /// The recording replayed (`Replay`).
    pub replay: Option<PathBuf>,
    /// The server root (`Openai`), e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: Option<String>,
    /// Sent to the OpenAI-compatible server instead of the project's model ids.
    pub model: Option<String>,
    pub profile: Option<String>,
    pub region: Option<String>,
    /// A Bedrock runtime endpoint override (a local fake).
    pub endpoint_url: Option<String>,
    /// What to do instead of Bedrock when there are no AWS credentials, in the front end's
    /// words (`, or run offline with --replay FILE…`).
    pub elsewhere: &'static str,
}

/// The shell's words for the alternatives to Bedrock without credentials.
const SHELL_ELSEWHERE: &str =
    ", or choose a replay file or an OpenAI-compatible server as the provider";

impl ProviderSettings {
    /// The settings a front end's choice makes; a relative replay path is the project's.
    pub fn from_choice(choice: &ProviderChoice, project_dir: &Path) -> ProviderSettings {
        let base = ProviderSettings {
            elsewhere: SHELL_ELSEWHERE,
            ..ProviderSettings::default()
        };
        match choice {
            ProviderChoice::Replay { path } => ProviderSettings {
                kind: ProviderKind::Replay,
                replay: Some(project_dir.join(path)),
                ..base
            },
            ProviderChoice::Openai { base_url, model } => ProviderSettings {
                kind: ProviderKind::Openai,
                base_url: Some(base_url.clone()),
                model: model.clone(),
                ..base
            },
            ProviderChoice::Bedrock { profile, region } => ProviderSettings {
                kind: ProviderKind::Bedrock,
                profile: profile.clone(),
                region: region.clone(),
                ..base
            },
        }
    }

    /// Where Bedrock is reached: the profile, region and endpoint given.
    pub fn bedrock(&self) -> BedrockSettings {
        BedrockSettings {
            region: self.region.clone(),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }

    /// With the Bedrock provider, guardrails that live in the account are applied by Bedrock.
    pub fn bedrock_guardrails(&self) -> Option<BedrockGuardrails> {
        (self.kind == ProviderKind::Bedrock).then(|| BedrockGuardrails::lazy(self.bedrock()))
    }

    /// The provider these settings name, routed per model profile of `project`.
    pub async fn provider(
        &self,
        project: &Project,
        project_dir: &Path,
    ) -> Result<Arc<dyn ModelProvider>, Error> {
        let base = self.base().await?;
        Ok(Arc::new(Router::new(
            base,
            profile_routes(project, project_dir, self.elsewhere).await?,
        )))
    }

    async fn base(&self) -> Result<Arc<dyn ModelProvider>, Error> {
        let provider_error = |message: String| Error::Provider { message };
        Ok(match self.kind {
            ProviderKind::Replay => {
                let path = self.replay.as_ref().ok_or_else(|| {
                    provider_error("the scripted provider needs a script: --replay FILE".to_owned())
                })?;
                Arc::new(
                    ScriptedProvider::from_file(path).map_err(|e| provider_error(e.to_string()))?,
                )
            }
            ProviderKind::Openai => {
                let base_url = self.base_url.clone().ok_or_else(|| {
                    provider_error(
                        "the openai provider needs --base-url, e.g. http://127.0.0.1:11434/v1"
                            .to_owned(),
                    )
                })?;
                let provider = OpenAiProvider::new(&OpenAiSettings {
                    base_url,
                    api_key: None,
                    timeout_secs: None,
                })
                .map_err(|e| provider_error(e.to_string()))?;
                match &self.model {
                    Some(model) => rename_all_models(Arc::new(provider), model),
                    None => Arc::new(provider),
                }
            }
            ProviderKind::Bedrock => match self.bedrock().load_checked(self.elsewhere).await {
                Ok(config) => Arc::new(BedrockProvider::from_sdk_config(&config)),
                // A flow without model calls still runs; each call says what is missing.
                Err(message) => Arc::new(Unavailable {
                    name: "bedrock",
                    message,
                }),
            },
        })
    }
}

/// What a provider's call gives back.
type Reply<'a> = BoxFuture<'a, Result<ModelResponse, ProviderError>>;

/// A provider that cannot answer, and says why on every call.
struct Unavailable {
    name: &'static str,
    message: String,
}

impl ModelProvider for Unavailable {
    fn name(&self) -> &str {
        self.name
    }

    fn converse<'a>(&'a self, _request: &'a ModelRequest) -> Reply<'a> {
        Box::pin(async move {
            Err(ProviderError::Configuration {
                provider: self.name.to_owned(),
                message: self.message.clone(),
            })
        })
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

impl Renamed {
    fn renamed(&self, request: &ModelRequest) -> ModelRequest {
        let mut r = request.clone();
        r.model_id = self.model.clone();
        r
    }
}

impl ModelProvider for Renamed {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn converse<'a>(&'a self, request: &'a ModelRequest) -> Reply<'a> {
        Box::pin(async move { self.inner.converse(&self.renamed(request)).await })
    }

    fn converse_stream<'a>(&'a self, request: &'a ModelRequest, on_text: OnText<'a>) -> Reply<'a> {
        Box::pin(async move {
            let request = self.renamed(request);
            self.inner.converse_stream(&request, on_text).await
        })
    }
}

/// A route per model profile of the project.
async fn profile_routes(
    project: &Project,
    project_dir: &Path,
    elsewhere: &str,
) -> Result<Vec<Route>, Error> {
    let mut routes = Vec::new();
    for p in &project.model_profiles {
        if p.serves.is_empty() {
            continue;
        }
        let profile_error = |message: String| Error::Profile {
            profile: p.name.clone(),
            message,
        };
        let provider: Arc<dyn ModelProvider> = match &p.provider {
            Lenient::Known(ProfileProvider::Bedrock) => {
                let settings = BedrockSettings {
                    region: p.region.clone(),
                    profile: None,
                    endpoint_url: p.base_url.clone(),
                };
                match BedrockProvider::from_settings(&settings, elsewhere).await {
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
                        .ok_or_else(|| profile_error("needs baseUrl".to_owned()))?,
                    api_key: None,
                    timeout_secs: None,
                })
                .map_err(|e| profile_error(e.to_string()))?,
            ),
            Lenient::Known(ProfileProvider::Scripted) => {
                let script = p
                    .script
                    .as_ref()
                    .ok_or_else(|| profile_error("needs script".to_owned()))?;
                Arc::new(
                    ScriptedProvider::from_file(&project_dir.join(script))
                        .map_err(|e| profile_error(e.to_string()))?,
                )
            }
            Lenient::Unknown(other) => {
                return Err(profile_error(format!(
                    "has provider {other:?}; use bedrock, openai or scripted"
                )))
            }
        };
        routes.push(Route {
            serves: p.serves.clone(),
            provider,
            model_id: p.model_id.clone(),
        });
    }
    Ok(routes)
}
