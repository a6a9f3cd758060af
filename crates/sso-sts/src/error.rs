//! Errors: what STS said (`StsServiceError`), a response we could not use (`StsResponseError`),
//! and a request that could not be signed (`SignError`).

use std::fmt;

use sso_oidc::retry::{RetryKind, classify_error};

/// The STS operation a request or response belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StsOperation {
    /// `AssumeRole`.
    AssumeRole,
    /// `AssumeRoleWithWebIdentity`.
    AssumeRoleWithWebIdentity,
    /// `GetCallerIdentity`.
    GetCallerIdentity,
}

impl StsOperation {
    /// The model's operation name, also the `Action` parameter.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::AssumeRole => "AssumeRole",
            Self::AssumeRoleWithWebIdentity => "AssumeRoleWithWebIdentity",
            Self::GetCallerIdentity => "GetCallerIdentity",
        }
    }
}

impl fmt::Display for StsOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An STS error response (`<ErrorResponse><Error><Code>…`), decoded as botocore's query parser
/// does; a body without an `<Error>` gives the HTTP status as the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsServiceError {
    /// The HTTP status.
    pub status: u16,
    /// `Error/Code`, e.g. `AccessDenied`, `ExpiredToken`, `Throttling`.
    pub code: String,
    /// `Error/Message`.
    pub message: Option<String>,
    /// `Error/Type`: `Sender` or `Receiver`.
    pub error_type: Option<String>,
    /// `RequestId`.
    pub request_id: Option<String>,
}

impl StsServiceError {
    /// Throttling or transient per botocore's standard retry mode, plus STS's
    /// `IDPCommunicationError` (`botocore/retries/special.py`, `RetryIDPCommunicationError`).
    #[must_use]
    pub fn retry_kind(&self) -> Option<RetryKind> {
        classify_error(self.status, Some(&self.code))
            .or((self.code == "IDPCommunicationError").then_some(RetryKind::Transient))
    }

    /// Whether a driver may send the same request again.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.retry_kind().is_some()
    }
}

impl fmt::Display for StsServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "STS answered {} (HTTP {})", self.code, self.status)?;
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StsServiceError {}

/// A response that could not be turned into an operation's output.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StsResponseError {
    /// STS answered with an error. The wording follows the AWS CLI's
    /// `An error occurred (Code) when calling the Op operation: Message`.
    #[error("an error occurred ({}) when calling the {operation} operation{}", .error.code, describe(.error.message.as_deref()))]
    Service {
        /// The operation.
        operation: StsOperation,
        /// What STS said (boxed: error paths are cold).
        error: Box<StsServiceError>,
    },
    /// A success status with a body we cannot read: a proxy or a wrong endpoint.
    #[error(
        "{operation} returned HTTP {status} with an unreadable body: {detail}; check the STS endpoint configuration"
    )]
    Malformed {
        /// The operation.
        operation: StsOperation,
        /// The HTTP status.
        status: u16,
        /// What was wrong (never secret material).
        detail: String,
    },
}

impl StsResponseError {
    /// The service error, if STS sent one.
    #[must_use]
    pub fn service_error(&self) -> Option<&StsServiceError> {
        match self {
            Self::Service { error, .. } => Some(error),
            Self::Malformed { .. } => None,
        }
    }

    /// Whether a driver may send the same request again (see [`StsServiceError::retry_kind`]).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.service_error()
            .is_some_and(StsServiceError::is_retryable)
    }
}

fn describe(message: Option<&str>) -> String {
    message.map(|m| format!(": {m}")).unwrap_or_default()
}

/// A request that could not be signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The signer refused the inputs (never includes the secret key).
    #[error("could not sign the {operation} request: {detail}")]
    Signing {
        /// The operation.
        operation: StsOperation,
        /// The signer's explanation.
        detail: String,
    },
}
