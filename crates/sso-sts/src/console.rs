//! The pure half of a federated AWS console sign-in URL for a role's credentials (the
//! federation endpoint).
//!
//! Two steps, as in the IAM guide's "custom identity broker" recipe:
//!
//! 1. `GET {federation}?Action=getSigninToken&Session={…}` with the credentials as JSON
//!    (`sessionId`, `sessionKey`, `sessionToken`) returns `{"SigninToken": "…"}`;
//! 2. `{federation}?Action=login&Issuer=…&Destination=…&SigninToken=…` is the URL that signs the
//!    browser in (the token is good for 15 minutes).
//!
//! [`signin_token_request`] builds the first request and [`parse_signin_token`] reads its
//! answer; [`login_url`] is the second step. The driver (`Sso::console_url`)
//! sends the request. [`federation_endpoint`] and [`console_destination`] pick the partition's
//! hosts from a region, through `sso_oidc::Partition`, the workspace's one partition table.
//!
//! `SessionDuration` (900 to 43200 seconds) is valid with role-session credentials, which is
//! what IAM Identity Center's GetRoleCredentials returns, and invalid with GetFederationToken
//! credentials; it is sent only when the caller asks for it, otherwise the endpoint's default
//! applies.
//!
//! The credentials, the sign-in token and the login URL are secrets: the types redact `Debug`,
//! errors never contain them.

use std::fmt;
use std::time::Duration;

use sso_oidc::{ConsoleDomains, Partition, SecretAccessKey, SessionToken};
use url::Url;

/// The federation endpoint of the `aws` partition.
pub const DEFAULT_FEDERATION_ENDPOINT: &str = AWS_CONSOLE.federation_endpoint;

/// The console of the `aws` partition.
pub const DEFAULT_CONSOLE_DESTINATION: &str = AWS_CONSOLE.console_home;

/// The console domains of the `aws` partition, which has a console.
const AWS_CONSOLE: ConsoleDomains = match Partition::AWS.console() {
    Some(domains) => domains,
    None => panic!("the aws partition has a console"),
};

/// The shortest console session `SessionDuration` allows.
pub const MIN_SESSION_DURATION: Duration = Duration::from_secs(900);

/// The longest console session `SessionDuration` allows.
pub const MAX_SESSION_DURATION: Duration = Duration::from_secs(43_200);

/// Temporary credentials to sign in to the console with.
///
/// `Debug` shows the access key id only.
#[derive(Clone)]
pub struct ConsoleCredentials {
    access_key_id: String,
    secret_access_key: SecretAccessKey,
    session_token: SessionToken,
}

impl ConsoleCredentials {
    /// Credentials from their three parts; only temporary credentials (with a session token)
    /// can sign in to the console.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: SecretAccessKey,
        session_token: SessionToken,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key,
            session_token,
        }
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }
}

impl From<&sso_oidc::portal::RoleCredentials> for ConsoleCredentials {
    fn from(credentials: &sso_oidc::portal::RoleCredentials) -> Self {
        Self::new(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.clone(),
            credentials.session_token.clone(),
        )
    }
}

impl fmt::Debug for ConsoleCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .finish()
    }
}

/// The federation endpoint's sign-in token: a bearer credential for 15 minutes.
#[derive(Clone, PartialEq, Eq)]
pub struct SigninToken(String);

impl SigninToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SigninToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigninToken(<redacted>)")
    }
}

/// Errors of the console sign-in's pure steps. None contains a credential or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsoleError {
    /// The region's partition has no console federation endpoint we know of.
    #[error("console sign-in is not available in the partition of region {region}")]
    UnsupportedPartition {
        /// The region.
        region: String,
    },
    /// The federation endpoint is not a usable URL.
    #[error("invalid federation endpoint {endpoint}: {reason}")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `SessionDuration` outside 900..=43200 seconds.
    #[error("console session duration {seconds} s is outside 900 to 43200 seconds")]
    SessionDuration {
        /// The requested duration in whole seconds.
        seconds: u64,
    },
    /// The federation endpoint answered with an error status.
    #[error(
        "the federation endpoint refused the credentials (HTTP {status}): they may have expired"
    )]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// A 2xx response without a `SigninToken`.
    #[error("the federation endpoint's response has no sign-in token")]
    MalformedResponse,
}

/// The console domains of `region`'s partition (`aws` without a region).
///
/// The region is looked up lowercased in `sso_oidc::Partition`'s table, so `CN-NORTH-1` is in
/// `aws-cn`; a region of no known shape is in `aws`, as for endpoints.
fn console_domains(region: Option<&str>) -> Result<ConsoleDomains, ConsoleError> {
    let Some(region) = region else {
        return Ok(AWS_CONSOLE);
    };
    Partition::of(&region.to_ascii_lowercase())
        .console()
        .ok_or_else(|| ConsoleError::UnsupportedPartition {
            region: region.to_owned(),
        })
}

/// The federation endpoint for `region`'s partition (`aws` without a region):
/// `signin.aws.amazon.com`, `signin.amazonaws-us-gov.com` or `signin.amazonaws.cn`.
///
/// # Errors
///
/// [`ConsoleError::UnsupportedPartition`] for a partition without a console we know of.
pub fn federation_endpoint(region: Option<&str>) -> Result<&'static str, ConsoleError> {
    Ok(console_domains(region)?.federation_endpoint)
}

/// The console home to land on: `https://{region}.console.aws.amazon.com/` for a region of the
/// `aws` partition, the partition's console with `?region=` for `aws-cn` and `aws-us-gov`, and
/// `https://console.aws.amazon.com/` without a region.
///
/// # Errors
///
/// [`ConsoleError::UnsupportedPartition`].
pub fn console_destination(region: Option<&str>) -> Result<String, ConsoleError> {
    let domains = console_domains(region)?;
    Ok(match (domains.regional_console_domain, region) {
        (_, None) => domains.console_home.to_owned(),
        (Some(domain), Some(region)) => format!("https://{}.{domain}/", encode(region)),
        (None, Some(region)) => format!(
            "{}console/home?region={}",
            domains.console_home,
            encode(region)
        ),
    })
}

/// The console page of `service` (`s3`, `ec2`, `cloudformation`, ...; lowercase letters, digits
/// and `-`): `{console}/{service}/home`, with `?region=` when a region is named, on the
/// region's partition's console ([`console_destination`]). `None` for a name that is not a
/// service shortcut.
///
/// # Errors
///
/// [`ConsoleError::UnsupportedPartition`].
pub fn service_destination(
    service: &str,
    region: Option<&str>,
) -> Result<Option<String>, ConsoleError> {
    let valid = !service.is_empty()
        && service.len() <= 64
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        return Ok(None);
    }
    let home = console_destination(region)?;
    // `console_destination` ends in `/`, or in `console/home?region=R` (aws-cn, aws-us-gov).
    let root = home
        .split_once("console/home?")
        .map_or(home.as_str(), |(root, _)| root);
    Ok(Some(match region {
        Some(region) => format!("{root}{service}/home?region={}", encode(region)),
        None => format!("{root}{service}/home"),
    }))
}

/// `url` opened in the Firefox container named `name` (created when missing) through the
/// `ext+container:` scheme of the "Open external links in a container" extension.
#[must_use]
pub fn firefox_container_url(name: &str, url: &str) -> String {
    format!("ext+container:name={}&url={}", encode(name), encode(url))
}

/// Builds `GET {federation_endpoint}?Action=getSigninToken[&SessionDuration=N]&Session=…`.
///
/// `Session` is the URL-encoded JSON `{"sessionId","sessionKey","sessionToken"}`.
/// `session_duration` must be within [`MIN_SESSION_DURATION`]..=[`MAX_SESSION_DURATION`]
/// (whole seconds are sent); leave it `None` unless the user asked for a duration. The endpoint
/// must be `https`, or `http` on a loopback host (tests).
///
/// # Errors
///
/// [`ConsoleError::InvalidEndpoint`], [`ConsoleError::SessionDuration`].
pub fn signin_token_request(
    creds: &ConsoleCredentials,
    federation_endpoint: &str,
    session_duration: Option<Duration>,
) -> Result<http::Request<Vec<u8>>, ConsoleError> {
    let base = checked_endpoint(federation_endpoint)?;
    let mut url = format!("{base}?Action=getSigninToken");
    if let Some(duration) = session_duration {
        if !(MIN_SESSION_DURATION..=MAX_SESSION_DURATION).contains(&duration) {
            return Err(ConsoleError::SessionDuration {
                seconds: duration.as_secs(),
            });
        }
        url.push_str(&format!("&SessionDuration={}", duration.as_secs()));
    }
    let session = serde_json::json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key.expose_secret(),
        "sessionToken": creds.session_token.expose_secret(),
    })
    .to_string();
    url.push_str("&Session=");
    url.push_str(&encode(&session));
    http::Request::get(url)
        .body(Vec::new())
        .map_err(|_| ConsoleError::InvalidEndpoint {
            endpoint: federation_endpoint.to_owned(),
            reason: "not a valid request URI",
        })
}

/// Reads the sign-in token from the getSigninToken response.
///
/// A non-2xx status is [`ConsoleError::Status`]; a body that is not a JSON object with a
/// non-empty string `SigninToken` is [`ConsoleError::MalformedResponse`].
///
/// # Errors
///
/// As above.
pub fn parse_signin_token(response: &http::Response<Vec<u8>>) -> Result<SigninToken, ConsoleError> {
    if !response.status().is_success() {
        return Err(ConsoleError::Status {
            status: response.status().as_u16(),
        });
    }
    let body: serde_json::Value =
        serde_json::from_slice(response.body()).map_err(|_| ConsoleError::MalformedResponse)?;
    match body.get("SigninToken").and_then(serde_json::Value::as_str) {
        Some(token) if !token.is_empty() => Ok(SigninToken::new(token)),
        _ => Err(ConsoleError::MalformedResponse),
    }
}

/// The sign-in URL: `{federation_endpoint}?Action=login[&Issuer=…]&Destination=…&SigninToken=…`,
/// every value URL-encoded.
///
/// `destination` is where the console opens (see [`console_destination`]); `issuer` is where the
/// user is sent when the session expires. The URL signs in whoever opens it within 15 minutes:
/// show it only when asked to.
pub fn login_url(
    federation_endpoint: &str,
    token: &SigninToken,
    destination: &str,
    issuer: Option<&str>,
) -> String {
    let mut url = format!("{federation_endpoint}?Action=login");
    if let Some(issuer) = issuer {
        url.push_str("&Issuer=");
        url.push_str(&encode(issuer));
    }
    url.push_str("&Destination=");
    url.push_str(&encode(destination));
    url.push_str("&SigninToken=");
    url.push_str(&encode(token.expose_secret()));
    url
}

/// `application/x-www-form-urlencoded` encoding of one value (space as `+`).
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The endpoint without a trailing query, after checking its scheme and host.
fn checked_endpoint(endpoint: &str) -> Result<&str, ConsoleError> {
    let invalid = |reason| ConsoleError::InvalidEndpoint {
        endpoint: endpoint.to_owned(),
        reason,
    };
    let url = Url::parse(endpoint).map_err(|_| invalid("not a URL"))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment"));
    }
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(endpoint),
        "http" if loopback => Ok(endpoint),
        _ => Err(invalid("credentials are only sent over https")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use sso_oidc::{SecretAccessKey, SessionToken};

    use super::{
        ConsoleCredentials, ConsoleError, DEFAULT_FEDERATION_ENDPOINT, SigninToken,
        console_destination, federation_endpoint, login_url, parse_signin_token,
        signin_token_request,
    };

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

    #[test]
    fn signin_token_request_field_by_field() {
        let request =
            signin_token_request(&creds(), DEFAULT_FEDERATION_ENDPOINT, None).expect("valid");
        assert_eq!(request.method(), http::Method::GET);
        assert!(request.body().is_empty());
        let uri = request.uri();
        assert_eq!(uri.scheme_str(), Some("https"));
        assert_eq!(uri.host(), Some("signin.aws.amazon.com"));
        assert_eq!(uri.path(), "/federation");
        let params = params(&uri.to_string());
        let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["Action", "Session"],
            "no SessionDuration by default"
        );
        assert_eq!(params[0].1, "getSigninToken");
        let session: BTreeMap<String, String> =
            serde_json::from_str(&params[1].1).expect("Session is JSON");
        assert_eq!(
            session,
            BTreeMap::from([
                ("sessionId".to_owned(), KEY_ID.to_owned()),
                ("sessionKey".to_owned(), SECRET.to_owned()),
                ("sessionToken".to_owned(), TOKEN.to_owned()),
            ])
        );
        // `+`, `/` and `=` of the secrets are encoded, not left to mean something else.
        let query = uri.query().expect("a query");
        assert!(!query.contains('/') && !query.contains("=="), "{query}");
    }

    #[test]
    fn session_duration_is_sent_when_asked_and_checked() {
        let request = signin_token_request(
            &creds(),
            DEFAULT_FEDERATION_ENDPOINT,
            Some(Duration::from_secs(3600)),
        )
        .expect("valid");
        let params = params(&request.uri().to_string());
        assert_eq!(
            params[0],
            ("Action".to_owned(), "getSigninToken".to_owned())
        );
        assert_eq!(params[1], ("SessionDuration".to_owned(), "3600".to_owned()));
        assert_eq!(params[2].0, "Session");
        for seconds in [899, 43_201] {
            let error = signin_token_request(
                &creds(),
                DEFAULT_FEDERATION_ENDPOINT,
                Some(Duration::from_secs(seconds)),
            )
            .unwrap_err();
            assert!(matches!(error, ConsoleError::SessionDuration { seconds: s } if s == seconds));
        }
    }

    #[test]
    fn endpoints_must_be_https_or_loopback() {
        for bad in [
            "http://signin.aws.amazon.com/federation",
            "not a url",
            "https://signin.aws.amazon.com/federation?x=1",
        ] {
            let error = signin_token_request(&creds(), bad, None).unwrap_err();
            assert!(
                matches!(error, ConsoleError::InvalidEndpoint { .. }),
                "{bad}"
            );
            assert!(!error.to_string().contains(SECRET));
        }
        assert!(signin_token_request(&creds(), "http://127.0.0.1:9/federation", None).is_ok());
    }

    #[test]
    fn signin_token_responses() {
        let response = |status: u16, body: &str| {
            http::Response::builder()
                .status(status)
                .body(body.as_bytes().to_vec())
                .expect("valid response")
        };
        let token =
            parse_signin_token(&response(200, r#"{"SigninToken":"tok+en/1=="}"#)).expect("a token");
        assert_eq!(token.expose_secret(), "tok+en/1==");
        assert!(matches!(
            parse_signin_token(&response(400, "Bad Request")),
            Err(ConsoleError::Status { status: 400 })
        ));
        for body in [
            "",
            "<html/>",
            r#"{"SigninToken":""}"#,
            r#"{"SigninToken":1}"#,
            "[]",
        ] {
            assert!(
                matches!(
                    parse_signin_token(&response(200, body)),
                    Err(ConsoleError::MalformedResponse)
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn login_url_field_by_field() {
        let token = SigninToken::new("tok+en/1==");
        let url = login_url(
            DEFAULT_FEDERATION_ENDPOINT,
            &token,
            "https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2#Instances:",
            Some("https://example.com/sso expired"),
        );
        assert!(url.starts_with("https://signin.aws.amazon.com/federation?Action=login&"));
        assert_eq!(
            params(&url),
            [
                ("Action".to_owned(), "login".to_owned()),
                (
                    "Issuer".to_owned(),
                    "https://example.com/sso expired".to_owned()
                ),
                (
                    "Destination".to_owned(),
                    "https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2#Instances:"
                        .to_owned()
                ),
                ("SigninToken".to_owned(), "tok+en/1==".to_owned()),
            ]
        );
        let without_issuer = login_url(
            DEFAULT_FEDERATION_ENDPOINT,
            &token,
            "https://console.aws.amazon.com/",
            None,
        );
        assert_eq!(
            without_issuer,
            "https://signin.aws.amazon.com/federation?Action=login&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&SigninToken=tok%2Ben%2F1%3D%3D"
        );
    }

    #[test]
    fn partitions() {
        assert_eq!(
            federation_endpoint(None).ok(),
            Some(DEFAULT_FEDERATION_ENDPOINT)
        );
        assert_eq!(
            federation_endpoint(Some("eu-west-1")).ok(),
            Some(DEFAULT_FEDERATION_ENDPOINT)
        );
        assert_eq!(
            federation_endpoint(Some("us-gov-west-1")).ok(),
            Some("https://signin.amazonaws-us-gov.com/federation")
        );
        assert_eq!(
            federation_endpoint(Some("cn-north-1")).ok(),
            Some("https://signin.amazonaws.cn/federation")
        );
        for isolated in [
            "us-iso-east-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "eusc-de-east-1",
        ] {
            assert!(matches!(
                federation_endpoint(Some(isolated)),
                Err(ConsoleError::UnsupportedPartition { .. })
            ));
            assert!(console_destination(Some(isolated)).is_err());
        }
        assert_eq!(
            console_destination(None).ok().as_deref(),
            Some("https://console.aws.amazon.com/")
        );
        assert_eq!(
            console_destination(Some("eu-central-1")).ok().as_deref(),
            Some("https://eu-central-1.console.aws.amazon.com/")
        );
        assert_eq!(
            console_destination(Some("us-gov-east-1")).ok().as_deref(),
            Some("https://console.amazonaws-us-gov.com/console/home?region=us-gov-east-1")
        );
        assert_eq!(
            console_destination(Some("cn-northwest-1")).ok().as_deref(),
            Some("https://console.amazonaws.cn/console/home?region=cn-northwest-1")
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let debug = format!("{:?} {:?}", creds(), SigninToken::new("tok-secret"));
        assert!(debug.contains(KEY_ID), "{debug}");
        for secret in [SECRET, TOKEN, "tok-secret"] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
    #[test]
    fn service_shortcuts_land_on_the_service_home_of_the_partition() {
        let page = |service, region| super::service_destination(service, region).unwrap();
        assert_eq!(
            page("s3", Some("eu-west-1")).as_deref(),
            Some("https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1")
        );
        assert_eq!(
            page("ec2", None).as_deref(),
            Some("https://console.aws.amazon.com/ec2/home")
        );
        assert_eq!(
            page("cloudformation", Some("us-gov-west-1")).as_deref(),
            Some("https://console.amazonaws-us-gov.com/cloudformation/home?region=us-gov-west-1")
        );
        assert_eq!(
            page("s3", Some("cn-north-1")).as_deref(),
            Some("https://console.amazonaws.cn/s3/home?region=cn-north-1")
        );
        for bad in ["", "S3", "s3/../x", "s3?x=1", "a b", "évian"] {
            assert_eq!(page(bad, Some("eu-west-1")), None, "{bad:?}");
        }
    }

    #[test]
    fn firefox_container_urls_encode_name_and_target() {
        assert_eq!(
            super::firefox_container_url(
                "dev admin",
                "https://signin.aws.amazon.com/federation?Action=login&x=1"
            ),
            "ext+container:name=dev+admin&url=https%3A%2F%2Fsignin.aws.amazon.com%2Ffederation%3FAction%3Dlogin%26x%3D1"
        );
    }
}
