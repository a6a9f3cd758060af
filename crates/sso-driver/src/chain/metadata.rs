//! The two metadata sources of the default chain: container credentials (ECS, EKS Pod
//! Identity) and the EC2 instance metadata service (IMDSv2), protocol.md §11.7 and §11.8.
//!
//! Both answer with the same JSON (`AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`,
//! optionally `AccountId` and `Code`), parsed by [`parse_metadata_credentials`]. Requests go
//! through the [`Transport`] with `send_once`: the retry rules here are the SDKs' own for these
//! endpoints (server errors retried, a refused connection not: on a laptop there is no
//! metadata service, and waiting for one helps nobody).

use std::net::IpAddr;
use std::path::PathBuf;

use sso_cache::{SecretAccessKey, SessionToken, Timestamp};

use crate::credentials::Credentials;
use crate::env::Env;
use crate::http::{TransportError, full_jitter_backoff};
use crate::transport::Transport;

/// The ECS task-metadata host that `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is relative to.
const ECS_HOST: &str = "http://169.254.170.2";
/// Hosts allowed over plain `http` besides loopback addresses (botocore `_validate_allowed_url`).
const ALLOWED_HTTP_HOSTS: &[&str] = &[
    "169.254.170.2",
    "169.254.170.23",
    "fd00:ec2::23",
    "localhost",
];
/// Attempts per metadata request (the Rust SDK's IMDS client; botocore's container provider
/// makes 3).
const METADATA_ATTEMPTS: u32 = 4;
/// IMDSv2 token lifetime asked for, in seconds (both SDKs).
const IMDS_TOKEN_TTL: &str = "21600";
/// Responses larger than this are refused (a credentials document is well under 4 KiB).
const MAX_BODY: usize = 64 * 1024;

/// Why a container or instance-metadata source gave no credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` names a host the SDKs refuse over `http`.
    #[error(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https, or http to a loopback address, 169.254.170.2, 169.254.170.23, fd00:ec2::23 or localhost; `{host}` is not allowed"
    )]
    HostNotAllowed {
        /// The host of the URI.
        host: String,
    },
    /// The container credentials URI is not a URL.
    #[error("the container credentials URI is not a valid http(s) URL")]
    BadUri,
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` cannot be read.
    #[error("cannot read the container authorization token file {}: {source}", path.display())]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The container authorization token holds a line break or another character a header
    /// cannot carry (the value itself is never shown).
    #[error(
        "the container authorization token is not a legal header value (a trailing newline in the token file?)"
    )]
    BadToken,
    /// IMDS is disabled on this instance (`403` for the token request).
    #[error("request forbidden: IMDS is disabled or the token request was refused (403)")]
    ImdsForbidden,
    /// `ec2_metadata_service_endpoint_mode` is neither `IPv4` nor `IPv6`.
    #[error("invalid IMDS endpoint mode `{0}`: expected IPv4 or IPv6")]
    BadEndpointMode(String),
    /// The instance has no IAM role (the role list is empty or not found).
    #[error("the instance has no IAM role: no credentials from the instance metadata service")]
    NoRole,
    /// The endpoint answered with an unexpected status.
    #[error("{source_name} answered {status} to {what}")]
    Status {
        /// `container credentials endpoint` or `instance metadata service`.
        source_name: &'static str,
        /// The request, e.g. `the credentials request`.
        what: &'static str,
        /// The HTTP status.
        status: u16,
    },
    /// The answer is not a credentials document (its content is never repeated: it may hold
    /// secrets).
    #[error("{source_name} sent an unusable credentials document: {reason}")]
    BadDocument {
        /// `container credentials endpoint` or `instance metadata service`.
        source_name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The request got no response.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

// --- Container credentials. ---

/// Where and how to ask for container credentials, from the environment.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ContainerSource {
    url: String,
    token: ContainerToken,
}

#[derive(Clone, PartialEq, Eq)]
enum ContainerToken {
    None,
    Value(String),
    File(PathBuf),
}

impl std::fmt::Debug for ContainerSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let token = match &self.token {
            ContainerToken::None => "none".to_owned(),
            ContainerToken::Value(_) => "<redacted>".to_owned(),
            ContainerToken::File(path) => format!("file {}", path.display()),
        };
        f.debug_struct("ContainerSource")
            .field("url", &self.url)
            .field("token", &token)
            .finish()
    }
}

impl ContainerSource {
    /// The container source configured in `env`, if any: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
    /// (relative to 169.254.170.2, and winning) or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (preferred) or `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    ///
    /// # Errors
    ///
    /// [`MetadataError::HostNotAllowed`] or [`MetadataError::BadUri`] for a full URI the SDKs
    /// refuse.
    pub(crate) fn from_env(env: &Env) -> Result<Option<Self>, MetadataError> {
        let url = if let Some(relative) = env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            format!("{ECS_HOST}{relative}")
        } else if let Some(full) = env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            check_full_uri(&full)?;
            full
        } else {
            return Ok(None);
        };
        let token = if let Some(path) = env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            ContainerToken::File(PathBuf::from(path))
        } else if let Some(value) = env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN") {
            ContainerToken::Value(value)
        } else {
            ContainerToken::None
        };
        Ok(Some(Self { url, token }))
    }

    /// The credentials URL (not secret).
    #[cfg(test)]
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Fetches the credentials: `GET` with `Accept: application/json` and the authorization
    /// token (re-read from its file on every call), retrying server errors.
    ///
    /// # Errors
    ///
    /// [`MetadataError`].
    pub(crate) async fn fetch<T: Transport>(
        &self,
        transport: &T,
    ) -> Result<Credentials, MetadataError> {
        let authorization = match &self.token {
            ContainerToken::None => None,
            ContainerToken::Value(value) => Some(zeroize_on_drop(value.clone())),
            ContainerToken::File(path) => Some(zeroize_on_drop(
                std::fs::read_to_string(path).map_err(|source| MetadataError::TokenFile {
                    path: path.clone(),
                    source,
                })?,
            )),
        };
        let build = || -> Result<http::Request<Vec<u8>>, MetadataError> {
            let mut request = http::Request::get(self.url.as_str())
                .header(http::header::ACCEPT, "application/json");
            if let Some(token) = &authorization {
                let value = http::HeaderValue::from_str(token.as_str())
                    .map_err(|_| MetadataError::BadToken)?;
                request = request.header(http::header::AUTHORIZATION, value);
            }
            request.body(Vec::new()).map_err(|_| MetadataError::BadUri)
        };
        let response = send_retrying(transport, build, |status| status >= 500).await?;
        if response.status() != http::StatusCode::OK {
            return Err(MetadataError::Status {
                source_name: CONTAINER,
                what: "the credentials request",
                status: response.status().as_u16(),
            });
        }
        parse_metadata_credentials(response.body(), CONTAINER)
    }
}

const CONTAINER: &str = "container credentials endpoint";
const IMDS: &str = "instance metadata service";

/// A string wiped from memory when dropped (the container authorization token).
fn zeroize_on_drop(value: String) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(value)
}

/// `https` to any host; `http` only to a loopback IP or one of [`ALLOWED_HTTP_HOSTS`]; no DNS.
fn check_full_uri(uri: &str) -> Result<(), MetadataError> {
    let url = url::Url::parse(uri).map_err(|_| MetadataError::BadUri)?;
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = match url.host() {
                Some(url::Host::Ipv4(ip)) => return allowed_ip(IpAddr::V4(ip), &ip.to_string()),
                Some(url::Host::Ipv6(ip)) => return allowed_ip(IpAddr::V6(ip), &ip.to_string()),
                Some(url::Host::Domain(name)) => name.to_owned(),
                None => return Err(MetadataError::BadUri),
            };
            if ALLOWED_HTTP_HOSTS.contains(&host.to_ascii_lowercase().as_str()) {
                Ok(())
            } else {
                Err(MetadataError::HostNotAllowed { host })
            }
        }
        _ => Err(MetadataError::BadUri),
    }
}

fn allowed_ip(ip: IpAddr, text: &str) -> Result<(), MetadataError> {
    if ip.is_loopback() || ALLOWED_HTTP_HOSTS.contains(&text) {
        Ok(())
    } else {
        Err(MetadataError::HostNotAllowed {
            host: text.to_owned(),
        })
    }
}

// --- IMDSv2. ---

/// The instance metadata service as configured: disabled, or its base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImdsSource {
    base: String,
}

impl ImdsSource {
    /// The IMDS settings of `env` and the active profile's `profile_value` lookup:
    /// `AWS_EC2_METADATA_DISABLED=true` turns it off (`None`); the endpoint is
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT` / `ec2_metadata_service_endpoint`, else by
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` / `ec2_metadata_service_endpoint_mode`
    /// (`IPv4`: `http://169.254.169.254`, `IPv6`: `http://[fd00:ec2::254]`).
    ///
    /// # Errors
    ///
    /// [`MetadataError::BadEndpointMode`].
    pub(crate) fn from_settings(
        env: &Env,
        profile_value: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, MetadataError> {
        if env
            .var("AWS_EC2_METADATA_DISABLED")
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
        {
            return Ok(None);
        }
        let setting = |var: &str, key: &str| env.var(var).or_else(|| profile_value(key));
        if let Some(endpoint) = setting(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "ec2_metadata_service_endpoint",
        ) {
            return Ok(Some(Self {
                base: endpoint.trim_end_matches('/').to_owned(),
            }));
        }
        let base = match setting(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
            "ec2_metadata_service_endpoint_mode",
        ) {
            None => "http://169.254.169.254",
            Some(mode) if mode.eq_ignore_ascii_case("ipv4") => "http://169.254.169.254",
            Some(mode) if mode.eq_ignore_ascii_case("ipv6") => "http://[fd00:ec2::254]",
            Some(mode) => return Err(MetadataError::BadEndpointMode(mode)),
        };
        Ok(Some(Self {
            base: base.to_owned(),
        }))
    }

    /// The base URL, e.g. `http://169.254.169.254`.
    #[cfg(test)]
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// Fetches the instance role's credentials: a session token first (`PUT
    /// /latest/api/token`; IMDSv2 only, a 403 is an error), then the role name, then its
    /// credentials, each retried on 5xx and 401.
    ///
    /// # Errors
    ///
    /// [`MetadataError`]; [`MetadataError::NoRole`] when the instance has no role.
    pub(crate) async fn fetch<T: Transport>(
        &self,
        transport: &T,
    ) -> Result<Credentials, MetadataError> {
        let retry = |status: u16| status >= 500 || status == 401;
        let token_url = format!("{}/latest/api/token", self.base);
        let response = send_retrying(
            transport,
            || {
                http::Request::put(token_url.as_str())
                    .header("x-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL)
                    .body(Vec::new())
                    .map_err(|_| MetadataError::BadUri)
            },
            retry,
        )
        .await?;
        match response.status().as_u16() {
            200 => {}
            403 => return Err(MetadataError::ImdsForbidden),
            status => {
                return Err(MetadataError::Status {
                    source_name: IMDS,
                    what: "the token request",
                    status,
                });
            }
        }
        let token = zeroize::Zeroizing::new(
            String::from_utf8(response.into_body())
                .map_err(|_| bad(IMDS, "the token is not text"))?,
        );
        let get = |path: String| {
            let token = token.clone();
            move || {
                http::Request::get(path.as_str())
                    .header("x-aws-ec2-metadata-token", token.as_str())
                    .body(Vec::new())
                    .map_err(|_| MetadataError::BadToken)
            }
        };
        let list_url = format!("{}/latest/meta-data/iam/security-credentials/", self.base);
        let response = send_retrying(transport, get(list_url.clone()), retry).await?;
        let role = match response.status().as_u16() {
            200 => String::from_utf8(response.into_body())
                .map_err(|_| bad(IMDS, "the role name is not text"))?,
            404 => return Err(MetadataError::NoRole),
            status => {
                return Err(MetadataError::Status {
                    source_name: IMDS,
                    what: "the role request",
                    status,
                });
            }
        };
        let role = role.lines().next().unwrap_or_default().trim().to_owned();
        if role.is_empty() || role.contains('/') {
            return Err(MetadataError::NoRole);
        }
        let response = send_retrying(transport, get(format!("{list_url}{role}")), retry).await?;
        match response.status().as_u16() {
            200 => parse_metadata_credentials(response.body(), IMDS),
            404 => Err(MetadataError::NoRole),
            status => Err(MetadataError::Status {
                source_name: IMDS,
                what: "the credentials request",
                status,
            }),
        }
    }
}

fn bad(source_name: &'static str, reason: &str) -> MetadataError {
    MetadataError::BadDocument {
        source_name,
        reason: reason.to_owned(),
    }
}

/// Sends the request `build` makes, up to [`METADATA_ATTEMPTS`] times while `retry(status)`
/// says so, with a short jittered backoff. A transport failure is not retried.
async fn send_retrying<T: Transport>(
    transport: &T,
    build: impl Fn() -> Result<http::Request<Vec<u8>>, MetadataError>,
    retry: impl Fn(u16) -> bool,
) -> Result<http::Response<Vec<u8>>, MetadataError> {
    let mut attempt = 1;
    loop {
        let response = transport.send_once(build()?).await?;
        if response.body().len() > MAX_BODY {
            return Err(MetadataError::BadDocument {
                source_name: "metadata endpoint",
                reason: format!("the response is larger than {MAX_BODY} bytes"),
            });
        }
        if attempt >= METADATA_ATTEMPTS || !retry(response.status().as_u16()) {
            return Ok(response);
        }
        let delay = full_jitter_backoff(
            attempt,
            std::time::Duration::from_millis(50),
            std::time::Duration::from_secs(1),
            fastrand::f64(),
        );
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
}

/// Parses a container or IMDS credentials document: `AccessKeyId`, `SecretAccessKey`, `Token`
/// (or `SessionToken`), `Expiration` (or `ExpiresAt`), optional `AccountId`; key case ignored
/// (the Rust SDK's reading); a `Code` other than `Success` is an error.
///
/// # Errors
///
/// [`MetadataError::BadDocument`], never quoting the document.
pub(super) fn parse_metadata_credentials(
    body: &[u8],
    source_name: &'static str,
) -> Result<Credentials, MetadataError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| bad(source_name, "invalid JSON"))?;
    let object = value
        .as_object()
        .ok_or_else(|| bad(source_name, "not a JSON object"))?;
    let field = |names: &[&str]| -> Option<&str> {
        object
            .iter()
            .find(|(key, _)| names.iter().any(|name| key.eq_ignore_ascii_case(name)))
            .and_then(|(_, value)| value.as_str())
    };
    if let Some(code) = field(&["Code"])
        && code != "Success"
    {
        let code: String = code.chars().filter(|c| !c.is_control()).take(64).collect();
        return Err(bad(source_name, &format!("the endpoint reported `{code}`")));
    }
    let required = |names: &[&str]| {
        field(names).ok_or_else(|| bad(source_name, &format!("`{}` is missing", names[0])))
    };
    let access_key_id = required(&["AccessKeyId"])?;
    let secret = required(&["SecretAccessKey"])?;
    let token = required(&["Token", "SessionToken"])?;
    let expiration = required(&["Expiration", "ExpiresAt"])?;
    let expiration = Timestamp::parse(expiration)
        .map_err(|_| bad(source_name, "`Expiration` is not an RFC 3339 time"))?;
    Ok(Credentials {
        access_key_id: access_key_id.to_owned(),
        secret_access_key: SecretAccessKey::new(secret),
        session_token: Some(SessionToken::new(token)),
        expiration: Some(expiration),
        account_id: field(&["AccountId"]).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn full_uri_hosts_follow_botocore() {
        for ok in [
            "https://example.com/creds",
            "http://127.0.0.1:8080/creds",
            "http://[::1]/x",
            "http://169.254.170.23/v1/credentials",
            "http://localhost:9/x",
        ] {
            check_full_uri(ok).unwrap();
        }
        for refused in [
            "http://example.com/creds",
            "http://10.0.0.1/x",
            "ftp://127.0.0.1/",
        ] {
            assert!(check_full_uri(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn relative_uri_wins_and_token_file_beats_token() {
        let env = Env::from_vars([
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x"),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-token-value"),
        ]);
        let source = ContainerSource::from_env(&env).unwrap().unwrap();
        assert_eq!(source.url(), "http://169.254.170.2/v2/x");
        assert!(!format!("{source:?}").contains("secret-token-value"));
        let env = Env::from_vars([
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/x"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "v"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/t"),
        ]);
        let source = ContainerSource::from_env(&env).unwrap().unwrap();
        assert!(source.token == ContainerToken::File(PathBuf::from("/t")));
        assert!(
            ContainerSource::from_env(&Env::from_vars([("A", "b")]))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn imds_settings() {
        let none = |_: &str| None;
        let disabled = Env::from_vars([("AWS_EC2_METADATA_DISABLED", "True")]);
        assert!(
            ImdsSource::from_settings(&disabled, none)
                .unwrap()
                .is_none()
        );
        let ipv6 = Env::from_vars([("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")]);
        assert_eq!(
            ImdsSource::from_settings(&ipv6, none)
                .unwrap()
                .unwrap()
                .base(),
            "http://[fd00:ec2::254]"
        );
        let profile = |key: &str| {
            (key == "ec2_metadata_service_endpoint").then(|| "http://127.0.0.1:9/".to_owned())
        };
        assert_eq!(
            ImdsSource::from_settings(&ipv6, profile)
                .unwrap()
                .unwrap()
                .base(),
            "http://127.0.0.1:9"
        );
        let bad_mode = Env::from_vars([("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv5")]);
        assert!(ImdsSource::from_settings(&bad_mode, none).is_err());
    }

    #[test]
    fn documents_parse_case_insensitively_and_never_quote_secrets() {
        let doc = br#"{"Code":"Success","accessKeyId":"ASIA1","SecretAccessKey":"s3cret","Token":"t0k","Expiration":"2030-01-01T00:00:00Z","AccountId":"123"}"#;
        let credentials = parse_metadata_credentials(doc, IMDS).unwrap();
        assert_eq!(credentials.access_key_id, "ASIA1");
        assert_eq!(credentials.account_id.as_deref(), Some("123"));
        let error =
            parse_metadata_credentials(br#"{"AccessKeyId":"A","SecretAccessKey":"s3cret"}"#, IMDS)
                .unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
        let error = parse_metadata_credentials(br#"{"Code":"AssumeRoleUnauthorizedAccess"}"#, IMDS)
            .unwrap_err();
        assert!(
            error.to_string().contains("AssumeRoleUnauthorizedAccess"),
            "{error}"
        );
    }
}
