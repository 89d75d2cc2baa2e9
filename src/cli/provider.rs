//! The model-provider options `strata run` and `strata chat` share; the host layer
//! ([`crate::session::ProviderSettings`]) makes the provider from them.

use crate::session::{self, ProviderSettings};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
    fn provider_kind(&self) -> ProviderKind {
        match (self.provider, &self.replay) {
            (Some(k), _) => k,
            (None, Some(_)) => ProviderKind::Scripted,
            (None, None) if self.base_url.is_some() => ProviderKind::Openai,
            (None, None) => ProviderKind::Bedrock,
        }
    }

    /// The host layer's provider settings these options make.
    pub(super) fn settings(&self) -> ProviderSettings {
        ProviderSettings {
            kind: match self.provider_kind() {
                ProviderKind::Bedrock => session::ProviderKind::Bedrock,
                ProviderKind::Openai => session::ProviderKind::Openai,
                ProviderKind::Scripted => session::ProviderKind::Replay,
            },
            replay: self.replay.clone(),
            base_url: self.base_url.clone(),
            model: self.model.clone(),
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            elsewhere: MODEL_ELSEWHERE,
        }
    }
}

/// What to do instead of Bedrock when there are no AWS credentials, for `run` and `chat`.
const MODEL_ELSEWHERE: &str =
    ", or run offline with --replay FILE, or on a local model server with --base-url URL";
