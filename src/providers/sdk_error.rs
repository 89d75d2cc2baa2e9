//! What a failed AWS SDK call says, read once for every AWS caller (the Bedrock provider,
//! Agent Runtime, ApplyGuardrail, deploy): each maps the [`SdkFailure`] onto its own error.
//!
//! Every AWS SDK crate re-exports the same `SdkError` and `ProvideErrorMetadata`, so these
//! functions take the errors of any of them.

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::event_stream::RawMessage;

/// What an SDK error's raw reply says about the exchange: an HTTP response has a status, an
/// event-stream message has none.
pub trait RawReply: std::fmt::Debug {
    fn status(&self) -> Option<u16>;
}

impl RawReply for HttpResponse {
    fn status(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }
}

impl RawReply for RawMessage {
    fn status(&self) -> Option<u16> {
        None
    }
}

/// A failed SDK call, by what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkFailure {
    /// The service answered with an error.
    Service {
        /// The error code (`ValidationException`, …), when the service sent one.
        code: Option<String>,
        /// The service's message, else the error as the SDK shows it.
        message: String,
        /// The HTTP status, when the reply was an HTTP response.
        status: Option<u16>,
        /// The service error as the SDK shows it.
        detail: String,
    },
    /// The request could not be built (configuration, credentials, a bad input).
    Request { detail: String },
    /// A reply came that could not be read.
    Reply { detail: String },
    /// No reply came: a timeout, a connection or dispatch failure.
    Connection { detail: String },
}

impl SdkFailure {
    /// Reads `error`.
    pub fn of<E, R>(error: &SdkError<E, R>) -> SdkFailure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: RawReply,
    {
        match error {
            SdkError::ServiceError(context) => {
                let service_error = context.err();
                SdkFailure::Service {
                    code: service_error.code().map(str::to_owned),
                    message: service_message(service_error),
                    status: context.raw().status(),
                    detail: detail(service_error),
                }
            }
            SdkError::ConstructionFailure(_) => SdkFailure::Request {
                detail: detail(error),
            },
            SdkError::ResponseError(_) => SdkFailure::Reply {
                detail: detail(error),
            },
            _ => SdkFailure::Connection {
                detail: detail(error),
            },
        }
    }
}

/// The service's error code and message of `error`, `CODE: message` (`(no message)` when it
/// sent none), or the whole error as the SDK shows it when there is no code. Deploy reports
/// AWS errors this way.
pub fn code_and_message<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let service_error = match error {
        SdkError::ServiceError(context) => Some(context.err()),
        _ => None,
    };
    match service_error.and_then(|e| e.code().map(|code| (code, e.message()))) {
        Some((code, message)) => format!("{code}: {}", message.unwrap_or("(no message)")),
        None => detail(error),
    }
}

/// The message a service error carries, or the whole error as the SDK shows it when it has none.
pub fn service_message<E>(service_error: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error,
{
    service_error
        .message()
        .map_or_else(|| detail(service_error), str::to_owned)
}

/// The error and its causes on one line, without the raw response dump of `Debug`.
pub fn detail(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(Inner);
    #[derive(Debug)]
    struct Inner;

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("dispatch failure")
        }
    }
    impl std::fmt::Display for Inner {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("connection refused")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    impl std::error::Error for Inner {}

    /// A service error of another SDK crate (deploy's), as deploy would get it.
    fn agent_service_error(
        code: Option<&str>,
        message: Option<&str>,
        status: u16,
    ) -> SdkError<aws_sdk_bedrockagent::operation::get_agent::GetAgentError, HttpResponse> {
        let mut meta = aws_sdk_bedrockagent::error::ErrorMetadata::builder();
        if let Some(code) = code {
            meta = meta.code(code);
        }
        if let Some(message) = message {
            meta = meta.message(message);
        }
        let error =
            aws_sdk_bedrockagent::operation::get_agent::GetAgentError::generic(meta.build());
        let status = status.try_into().expect("a status code");
        let raw = HttpResponse::new(status, aws_smithy_types::body::SdkBody::empty());
        SdkError::service_error(error, raw)
    }

    #[test]
    fn a_service_error_gives_its_code_message_and_status() {
        let error = agent_service_error(Some("ValidationException"), Some("bad name"), 400);
        let failure = SdkFailure::of(&error);
        assert!(
            matches!(
                &failure,
                SdkFailure::Service { code: Some(code), message, status: Some(400), .. }
                    if code == "ValidationException" && message == "bad name"
            ),
            "{failure:?}"
        );
        assert_eq!(code_and_message(&error), "ValidationException: bad name");
    }

    #[test]
    fn code_and_message_says_when_there_is_no_message() {
        let error = agent_service_error(Some("ThrottlingException"), None, 429);
        assert_eq!(
            code_and_message(&error),
            "ThrottlingException: (no message)"
        );
        let error = agent_service_error(None, None, 500);
        // No code: the error and its causes, without the SDK's debug dump of the response.
        let text = code_and_message(&error);
        assert_eq!(text, detail(&error));
        assert!(!text.contains("ServiceError {"), "{text}");
    }

    #[test]
    fn detail_joins_the_causes() {
        assert_eq!(
            detail(&Outer(Inner)),
            "dispatch failure: connection refused"
        );
    }
}
