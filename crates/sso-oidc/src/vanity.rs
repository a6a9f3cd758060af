//! Vanity start URLs (protocol.md §5.4): finding the AWS-owned portal and its region behind a
//! start URL on a host of the customer's own.
//!
//! A start URL on an AWS-owned host (`*.awsapps.com`, `*.portal.{region}.app.aws`, …) is used as
//! is. Any other `https` start URL is probed once: a `HEAD` request (a `GET` when the server
//! answers 405 or 501) whose redirect is **not** followed; the `Location` of a 301, 302, 303,
//! 307 or 308 (resolved relative to the start URL) is the portal. That URL is normalised (no
//! default port, no trailing `/`, no query or fragment), must be AWS-owned and `https`, and
//! names the region when its host has one of the portal patterns. This is botocore's
//! `awscli/customizations/sso/resolve.py`.
//!
//! This module holds the rules ([`is_aws_owned_host`], [`needs_resolution`],
//! [`region_from_host`], [`resolve_without_probe`], [`probe_request`], [`interpret_probe`],
//! [`finish`]) and sends nothing; the driver (its vanity probe, at `Sso::sign_in`) sends the probes
//! with a timeout and feeds the answers back.

/// Host suffixes of the AWS-owned portals (each matched on a label boundary).
const AWS_OWNED_SUFFIXES: [&str; 8] = [
    "app.aws",
    "portal.amazonaws.com",
    "portal.amazonaws.com.cn",
    "app.amazonwebservices.com.cn",
    "portal.amazonaws.eu",
    "api.amazonwebservices.eu",
    "awsapps.com",
    "awsapps.cn",
];

/// AWS-owned hosts matched exactly (the issuer form of start URLs).
const AWS_OWNED_EXACT: [&str; 4] = [
    "identitycenter.amazonaws.com",
    "identitycenter.amazonaws.com.cn",
    "identitycenter.amazonaws.eu",
    "identitycenter.us-gov.amazonaws.com",
];

/// The portal host patterns that name a region, as labels; `*` is the instance id and `R` the
/// region.
const REGION_PATTERNS: [&[&str]; 6] = [
    &["*", "portal", "R", "app", "aws"],
    &["*", "R", "portal", "amazonaws", "com"],
    &["*", "R", "portal", "amazonaws", "com", "cn"],
    &["*", "portal", "R", "app", "amazonwebservices", "com", "cn"],
    &["*", "R", "portal", "amazonaws", "eu"],
    &["*", "portal", "R", "api", "amazonwebservices", "eu"],
];

/// Redirect statuses whose `Location` is taken.
const REDIRECTS: [u16; 5] = [301, 302, 303, 307, 308];

/// Why a vanity start URL could not be resolved by the rules (the driver adds the failures of
/// the probe's transport). The messages are the AWS CLI's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VanityError {
    /// The start URL is not an `https` URL with a host.
    #[error("The sso_start_url must use the https scheme.")]
    NotHttps,
    /// The start URL or the redirect target is not a URL.
    #[error("Invalid sso_start_url: '{url}'")]
    InvalidUrl {
        /// The text that did not parse.
        url: String,
    },
    /// A redirect came without a `Location` header.
    #[error("Redirect response missing Location header.")]
    MissingLocation,
    /// The server answered with an error status.
    #[error("Failed to resolve start URL: HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// The redirect does not lead to an AWS-owned host.
    #[error(
        "Could not resolve start URL '{start_url}' to an AWS-owned endpoint. Final URL: '{final_url}'"
    )]
    NotAwsOwned {
        /// The configured start URL.
        start_url: String,
        /// Where the probe ended, normalised.
        final_url: String,
    },
    /// The redirect leads to an AWS-owned host over plain `http`.
    #[error("Resolved URL must use https. Got: '{url}'")]
    ResolvedNotHttps {
        /// The normalised final URL.
        url: String,
    },
}

/// Where a vanity start URL leads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolved {
    /// The AWS-owned portal URL, normalised (for `issuerUrl` or `startUrl`; cache keys keep the
    /// configured URL).
    pub url: String,
    /// The region named by the portal's host, if its host has a region in it.
    pub region: Option<String>,
}

/// The request method of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeMethod {
    /// The first probe.
    Head,
    /// The fallback when `HEAD` is refused with 405 or 501.
    Get,
}

/// What one probe's answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// The probe ended at this URL (the redirect target, or the start URL itself when the
    /// server answered without redirecting); not yet normalised or checked.
    Final(String),
    /// `HEAD` was refused: probe again with `GET`.
    RetryWithGet,
}

/// Whether `host` belongs to AWS (case-insensitive, a trailing `.` ignored).
pub fn is_aws_owned_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    AWS_OWNED_EXACT.contains(&host.as_str())
        || AWS_OWNED_SUFFIXES.iter().any(|suffix| {
            host == *suffix
                || host
                    .strip_suffix(suffix)
                    .is_some_and(|rest| rest.ends_with('.'))
        })
}

/// Whether `start_url` is an `https` URL on a host that is not AWS-owned, so that the wizard
/// should probe it for its region. `false` for anything that does not parse.
pub fn needs_resolution(start_url: &str) -> bool {
    match url::Url::parse(start_url.trim()) {
        Ok(url) => url.scheme() == "https" && url.host_str().is_some_and(|h| !is_aws_owned_host(h)),
        Err(_) => false,
    }
}

/// The region in a portal host such as `ssoins-123.portal.us-west-2.app.aws` or
/// `ssoins-123.eu-west-1.portal.amazonaws.com`, lowercased; `None` for other hosts.
pub fn region_from_host(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    REGION_PATTERNS.iter().find_map(|pattern| {
        if pattern.len() != labels.len() {
            return None;
        }
        let mut region = None;
        for (want, label) in pattern.iter().zip(&labels) {
            match *want {
                "*" if !label.is_empty() => {}
                "R" if !label.is_empty()
                    && label
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') =>
                {
                    region = Some((*label).to_owned());
                }
                fixed if fixed == *label => {}
                _ => return None,
            }
        }
        region
    })
}

/// The probe request for `url`: no body, redirects are not followed by the client.
pub fn probe_request(
    url: &str,
    method: ProbeMethod,
) -> Result<http::Request<Vec<u8>>, VanityError> {
    let method = match method {
        ProbeMethod::Head => http::Method::HEAD,
        ProbeMethod::Get => http::Method::GET,
    };
    http::Request::builder()
        .method(method)
        .uri(url)
        .body(Vec::new())
        .map_err(|_| VanityError::InvalidUrl {
            url: url.to_owned(),
        })
}

/// Interprets the answer to a probe of `url`: a redirect's `Location` (relative to `url`), a
/// refused `HEAD`, another error status, or the end of the road at `url` itself.
pub fn interpret_probe(
    url: &str,
    method: ProbeMethod,
    status: u16,
    location: Option<&str>,
) -> Result<ProbeOutcome, VanityError> {
    if REDIRECTS.contains(&status) {
        let location = location
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .ok_or(VanityError::MissingLocation)?;
        let base = url::Url::parse(url).map_err(|_| VanityError::InvalidUrl {
            url: url.to_owned(),
        })?;
        let target = base.join(location).map_err(|_| VanityError::InvalidUrl {
            url: location.to_owned(),
        })?;
        return Ok(ProbeOutcome::Final(target.into()));
    }
    if method == ProbeMethod::Head && (status == 405 || status == 501) {
        return Ok(ProbeOutcome::RetryWithGet);
    }
    if status >= 400 {
        return Err(VanityError::Status { status });
    }
    Ok(ProbeOutcome::Final(url.to_owned()))
}

/// Normalises the URL a probe ended at and checks it: it must be AWS-owned and `https`.
pub fn finish(start_url: &str, final_url: &str) -> Result<Resolved, VanityError> {
    let url = url::Url::parse(final_url).map_err(|_| VanityError::InvalidUrl {
        url: final_url.to_owned(),
    })?;
    let host = url.host_str().unwrap_or_default().to_owned();
    // `url` already drops the scheme's default port and lowercases the host.
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let normalised = format!(
        "{}://{host}{port}{}",
        url.scheme(),
        url.path().trim_end_matches('/')
    );
    if host.is_empty() || !is_aws_owned_host(&host) {
        return Err(VanityError::NotAwsOwned {
            start_url: start_url.to_owned(),
            final_url: normalised,
        });
    }
    if url.scheme() != "https" {
        return Err(VanityError::ResolvedNotHttps { url: normalised });
    }
    Ok(Resolved {
        region: region_from_host(&host),
        url: normalised,
    })
}

/// The start of a resolution: the answer when `start_url` needs no probe (an AWS-owned host:
/// the URL normalised, with the region its host names), `None` when it must be probed.
///
/// # Errors
///
/// [`VanityError::InvalidUrl`] for text that is not a URL, [`VanityError::NotHttps`] for a URL
/// that is not `https` with a host, and [`finish`]'s errors.
pub fn resolve_without_probe(start_url: &str) -> Result<Option<Resolved>, VanityError> {
    let start_url = start_url.trim();
    let parsed = url::Url::parse(start_url).map_err(|_| VanityError::InvalidUrl {
        url: start_url.to_owned(),
    })?;
    if parsed.scheme() != "https" || parsed.host_str().is_none() {
        return Err(VanityError::NotHttps);
    }
    if needs_resolution(start_url) {
        return Ok(None);
    }
    finish(start_url, start_url).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_owned_hosts_match_on_label_boundaries() {
        for host in [
            "d-123.awsapps.com",
            "D-123.AWSAPPS.COM.",
            "start.cn-north-1.home.awsapps.cn",
            "ssoins-1.portal.us-west-2.app.aws",
            "ssoins-1.eu-west-1.portal.amazonaws.com",
            "ssoins-1.cn-north-1.portal.amazonaws.com.cn",
            "ssoins-1.portal.cn-north-1.app.amazonwebservices.com.cn",
            "ssoins-1.eusc-de-east-1.portal.amazonaws.eu",
            "ssoins-1.portal.eusc-de-east-1.api.amazonwebservices.eu",
            "identitycenter.amazonaws.com",
            "identitycenter.us-gov.amazonaws.com",
            "awsapps.com",
        ] {
            assert!(is_aws_owned_host(host), "{host}");
        }
        for host in [
            "sso.example.com",
            "evilawsapps.com",
            "awsapps.com.evil.example",
            "x.identitycenter.amazonaws.com",
            "amazonaws.com",
        ] {
            assert!(!is_aws_owned_host(host), "{host}");
        }
    }

    #[test]
    fn only_https_urls_on_other_hosts_need_resolution() {
        assert!(needs_resolution("https://sso.example.com/start"));
        assert!(!needs_resolution("https://d-123.awsapps.com/start"));
        assert!(!needs_resolution("http://sso.example.com/start"));
        assert!(!needs_resolution("d-123"));
    }

    #[test]
    fn regions_come_from_the_portal_patterns() {
        let cases = [
            ("ssoins-1.portal.us-west-2.app.aws", Some("us-west-2")),
            ("SSOINS-ABC.PORTAL.US-WEST-2.APP.AWS", Some("us-west-2")),
            ("ssoins-1.eu-west-1.portal.amazonaws.com", Some("eu-west-1")),
            (
                "ssoins-1.cn-north-1.portal.amazonaws.com.cn",
                Some("cn-north-1"),
            ),
            (
                "ssoins-1.portal.cn-northwest-1.app.amazonwebservices.com.cn",
                Some("cn-northwest-1"),
            ),
            (
                "ssoins-1.eusc-de-east-1.portal.amazonaws.eu",
                Some("eusc-de-east-1"),
            ),
            (
                "ssoins-1.portal.eusc-de-east-1.api.amazonwebservices.eu",
                Some("eusc-de-east-1"),
            ),
            ("d-123.awsapps.com", None),
            ("a.b.portal.us-west-2.app.aws", None),
            (".portal.us-west-2.app.aws", None),
            ("ssoins-1.portal.us_west.app.aws", None),
        ];
        for (host, region) in cases {
            assert_eq!(region_from_host(host).as_deref(), region, "{host}");
        }
    }

    #[test]
    fn probes_follow_one_redirect_relative_to_the_url() {
        let url = "https://sso.example.com/start";
        assert_eq!(
            interpret_probe(
                url,
                ProbeMethod::Head,
                302,
                Some("https://ssoins-1.portal.us-east-2.app.aws/?x=1")
            )
            .unwrap(),
            ProbeOutcome::Final("https://ssoins-1.portal.us-east-2.app.aws/?x=1".to_owned())
        );
        assert_eq!(
            interpret_probe(url, ProbeMethod::Get, 308, Some("/elsewhere")).unwrap(),
            ProbeOutcome::Final("https://sso.example.com/elsewhere".to_owned())
        );
        assert!(matches!(
            interpret_probe(url, ProbeMethod::Head, 301, None),
            Err(VanityError::MissingLocation)
        ));
        assert_eq!(
            interpret_probe(url, ProbeMethod::Head, 405, None).unwrap(),
            ProbeOutcome::RetryWithGet
        );
        assert!(matches!(
            interpret_probe(url, ProbeMethod::Get, 501, None),
            Err(VanityError::Status { status: 501 })
        ));
        assert_eq!(
            interpret_probe(url, ProbeMethod::Head, 200, None).unwrap(),
            ProbeOutcome::Final(url.to_owned())
        );
    }

    #[test]
    fn the_final_url_is_normalised_and_checked() {
        let start = "https://sso.example.com/start";
        let resolved = finish(
            start,
            "https://SSOINS-1.portal.us-east-2.app.aws:443/start/?q=1#frag",
        )
        .unwrap();
        assert_eq!(
            resolved.url,
            "https://ssoins-1.portal.us-east-2.app.aws/start"
        );
        assert_eq!(resolved.region.as_deref(), Some("us-east-2"));
        let resolved = finish(start, "https://d-123.awsapps.com:8443/").unwrap();
        assert_eq!(resolved.url, "https://d-123.awsapps.com:8443");
        assert_eq!(resolved.region, None);
        let error = finish(start, "https://sso.example.com/start/").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Could not resolve start URL 'https://sso.example.com/start' to an AWS-owned endpoint. Final URL: 'https://sso.example.com/start'"
        );
        let error = finish(start, "http://d-123.awsapps.com/start").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Resolved URL must use https. Got: 'http://d-123.awsapps.com/start'"
        );
    }
}
