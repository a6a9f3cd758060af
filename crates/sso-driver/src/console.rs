//! A federated AWS console sign-in URL for a role's credentials: [`console_url`] sends the
//! `getSigninToken` request of `sso_sts::console` over a [`Transport`] and builds the login
//! URL.
//!
//! The pure steps (the request, its answer, the login URL, the partition's hosts) are
//! `sso_sts::console`'s and are re-exported here. [`ConsoleError`] adds the transport failure to
//! `sso_sts::console::ConsoleError`; [`federation_endpoint`], [`console_destination`] and
//! [`service_destination`] return it so that callers handle one error type (a compatibility
//! layer for the CLI, to be removed when it uses `sso_sts::console` directly).
//!
//! The credentials, the sign-in token and the login URL are secrets: the types redact `Debug`,
//! errors never contain them, and the request URL is logged by [`crate::http::HttpClient`] only redacted.

use std::time::Duration;

use sso_sts::console as pure;
pub(crate) use sso_sts::console::{
    ConsoleCredentials, firefox_container_url, login_url, parse_signin_token, signin_token_request,
};

use crate::http::TransportError;
use crate::transport::Transport;

/// Errors of the console sign-in: those of `sso_sts::console::ConsoleError`, and no answer.
/// None contains a credential or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsoleError {
    /// The region's partition has no console federation endpoint we know of.
    #[error("{}", pure::ConsoleError::UnsupportedPartition { region: region.clone() })]
    UnsupportedPartition {
        /// The region.
        region: String,
    },
    /// The federation endpoint is not a usable URL.
    #[error("{}", pure::ConsoleError::InvalidEndpoint { endpoint: endpoint.clone(), reason })]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `SessionDuration` outside 900..=43200 seconds.
    #[error("{}", pure::ConsoleError::SessionDuration { seconds: *seconds })]
    SessionDuration {
        /// The requested duration in whole seconds.
        seconds: u64,
    },
    /// The federation endpoint answered with an error status.
    #[error("{}", pure::ConsoleError::Status { status: *status })]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// A 2xx response without a `SigninToken`.
    #[error("{}", pure::ConsoleError::MalformedResponse)]
    MalformedResponse,
    /// No response from the federation endpoint.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl From<pure::ConsoleError> for ConsoleError {
    fn from(error: pure::ConsoleError) -> Self {
        match error {
            pure::ConsoleError::UnsupportedPartition { region } => {
                Self::UnsupportedPartition { region }
            }
            pure::ConsoleError::InvalidEndpoint { endpoint, reason } => {
                Self::InvalidEndpoint { endpoint, reason }
            }
            pure::ConsoleError::SessionDuration { seconds } => Self::SessionDuration { seconds },
            pure::ConsoleError::Status { status } => Self::Status { status },
            pure::ConsoleError::MalformedResponse => Self::MalformedResponse,
            // `sso_sts::console::ConsoleError` is non-exhaustive; a new variant reads as itself.
            other => Self::InvalidEndpoint {
                endpoint: other.to_string(),
                reason: "unexpected console error",
            },
        }
    }
}

/// [`sso_sts::console::federation_endpoint`] with this module's error.
///
/// # Errors
///
/// [`ConsoleError::UnsupportedPartition`].
pub(crate) fn federation_endpoint(region: Option<&str>) -> Result<&'static str, ConsoleError> {
    Ok(pure::federation_endpoint(region)?)
}

/// [`sso_sts::console::console_destination`] with this module's error.
///
/// # Errors
///
/// [`ConsoleError::UnsupportedPartition`].
pub(crate) fn console_destination(region: Option<&str>) -> Result<String, ConsoleError> {
    Ok(pure::console_destination(region)?)
}

/// [`sso_sts::console::service_destination`] with this module's error.
///
/// # Errors
///
/// [`ConsoleError::UnsupportedPartition`].
pub(crate) fn service_destination(
    service: &str,
    region: Option<&str>,
) -> Result<Option<String>, ConsoleError> {
    Ok(pure::service_destination(service, region)?)
}

/// Gets a sign-in token over `http` (with its retries) and returns the [`login_url`].
///
/// # Errors
///
/// [`ConsoleError`]: a refused or unreadable answer, no answer, or an invalid request.
pub(crate) async fn console_url<T: Transport>(
    http: &T,
    creds: &ConsoleCredentials,
    federation_endpoint: &str,
    destination: &str,
    issuer: Option<&str>,
    session_duration: Option<Duration>,
) -> Result<String, ConsoleError> {
    let request = signin_token_request(creds, federation_endpoint, session_duration)?;
    let response = http.send(request).await?;
    let token = parse_signin_token(&response)?;
    Ok(login_url(federation_endpoint, &token, destination, issuer))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use sso_oidc::{SecretAccessKey, SessionToken};

    use super::{ConsoleCredentials, ConsoleError};

    const KEY_ID: &str = "ASIAEXAMPLEKEYID0001";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYsecret";
    const TOKEN: &str = "IQoJb3JpZ2luX2VjE//session+token==";

    fn creds() -> ConsoleCredentials {
        ConsoleCredentials::new(
            KEY_ID,
            SecretAccessKey::new(SECRET),
            SessionToken::new(TOKEN),
        )
    }

    /// The decoded query parameters of `url`, in order.
    fn params(url: &str) -> Vec<(String, String)> {
        let url = url::Url::parse(url).expect("a URL");
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn client() -> crate::http::HttpClient {
        crate::http::HttpClient::new(
            crate::http::HttpConfig::default().max_attempts(1),
            &crate::env::Env::from_vars::<&str, &str>([]),
        )
        .expect("a client")
    }

    #[tokio::test]
    async fn console_url_against_a_mocked_federation_endpoint() {
        use wiremock::matchers::{method, path, query_param};
        use wiremock::{Mock, MockServer, ResponseTemplate};

        let server = MockServer::start().await;
        let session_matches = |request: &wiremock::Request| {
            let mut pairs = request.url.query_pairs();
            let names: Vec<String> = request
                .url
                .query_pairs()
                .map(|(k, _)| k.into_owned())
                .collect();
            let session = pairs
                .find(|(k, _)| k == "Session")
                .and_then(|(_, v)| serde_json::from_str::<BTreeMap<String, String>>(&v).ok());
            names == ["Action", "Session"]
                && session
                    == Some(BTreeMap::from([
                        ("sessionId".to_owned(), KEY_ID.to_owned()),
                        ("sessionKey".to_owned(), SECRET.to_owned()),
                        ("sessionToken".to_owned(), TOKEN.to_owned()),
                    ]))
        };
        Mock::given(method("GET"))
            .and(path("/federation"))
            .and(query_param("Action", "getSigninToken"))
            .and(session_matches)
            .respond_with(
                ResponseTemplate::new(200).set_body_string(r#"{"SigninToken":"mock/token+1"}"#),
            )
            .expect(1)
            .mount(&server)
            .await;
        let endpoint = format!("{}/federation", server.uri());
        let url = super::console_url(
            &client(),
            &creds(),
            &endpoint,
            "https://console.aws.amazon.com/",
            Some("https://example.com/"),
            None,
        )
        .await
        .expect("a console URL");
        assert!(
            url.starts_with(&format!("{endpoint}?Action=login&")),
            "{url}"
        );
        assert_eq!(
            params(&url),
            [
                ("Action".to_owned(), "login".to_owned()),
                ("Issuer".to_owned(), "https://example.com/".to_owned()),
                (
                    "Destination".to_owned(),
                    "https://console.aws.amazon.com/".to_owned()
                ),
                ("SigninToken".to_owned(), "mock/token+1".to_owned()),
            ]
        );
    }

    #[tokio::test]
    async fn console_url_reports_a_refusal_without_secrets() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};

        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(400).set_body_string("Bad Request"))
            .mount(&server)
            .await;
        let error = super::console_url(
            &client(),
            &creds(),
            &format!("{}/federation", server.uri()),
            "https://console.aws.amazon.com/",
            None,
            Some(Duration::from_secs(3600)),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(error, ConsoleError::Status { status: 400 }),
            "{error}"
        );
        let message = format!("{error} {error:?}");
        for secret in [SECRET, TOKEN] {
            assert!(!message.contains(secret), "{message}");
        }
    }

    #[tokio::test]
    async fn transport_failures_do_not_leak_the_session() {
        // Nothing listens on port 9 of the loopback interface.
        let error = super::console_url(
            &client(),
            &creds(),
            "http://127.0.0.1:9/federation",
            "https://console.aws.amazon.com/",
            None,
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(error, ConsoleError::Transport(_)), "{error}");
        let message = format!("{error} {error:?}");
        for secret in [SECRET, TOKEN, "sessionKey"] {
            assert!(!message.contains(secret), "{message}");
        }
    }
}
