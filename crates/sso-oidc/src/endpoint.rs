//! Endpoint resolution for SSO-OIDC (`oidc.{region}…`), the portal (`portal.sso.{region}…`) and
//! regional STS (`sts.{region}…`; `sso-sts` adds the global endpoint and the signing region).
//!
//! Implements the partition, FIPS and dual-stack rules of the services' endpoint rule sets and
//! the configured-endpoint overrides the SDKs honour (protocol.md sections 1.5 and 2.2). Every
//! input is a value: the driver reads the environment and the config file and fills
//! [`EndpointOverrides`]; this module reads nothing itself and knows nothing of `sso-config`.
//!
//! [`Partition`] is the workspace's one partition table: DNS suffixes for the endpoints here and
//! in `sso-sts`, and the console's sign-in domains for `sso_sts::console`.

use url::Url;

/// Which service an endpoint is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// SSO-OIDC (`sso-oidc`, endpoint prefix `oidc`).
    SsoOidc,
    /// The SSO portal (`sso`, endpoint prefix `portal.sso`).
    Portal,
    /// STS (`sts`, endpoint prefix `sts`), regional endpoints only.
    Sts,
}

/// Configured endpoint URLs as found by the driver, before precedence is applied.
///
/// Fill each field with the raw value (empty strings count as unset). Precedence, highest
/// first: the service's environment variable, `AWS_ENDPOINT_URL`, the service's block in the
/// profile's `[services]` section, the profile's `endpoint_url`. The ignore switch comes from
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, else the profile's `ignore_configured_endpoint_urls`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointOverrides {
    /// `AWS_ENDPOINT_URL_SSO_OIDC`.
    pub env_sso_oidc: Option<String>,
    /// `AWS_ENDPOINT_URL_SSO`.
    pub env_sso: Option<String>,
    /// `AWS_ENDPOINT_URL_STS`.
    pub env_sts: Option<String>,
    /// `AWS_ENDPOINT_URL`.
    pub env_global: Option<String>,
    /// `endpoint_url` in the `sso_oidc` block of the profile's `[services NAME]` section.
    pub services_sso_oidc: Option<String>,
    /// `endpoint_url` in the `sso` block of the profile's `[services NAME]` section.
    pub services_sso: Option<String>,
    /// `endpoint_url` in the `sts` block of the profile's `[services NAME]` section.
    pub services_sts: Option<String>,
    /// `endpoint_url` directly in the profile.
    pub profile: Option<String>,
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (raw; `true` in any case switches overrides off).
    pub env_ignore_configured_endpoint_urls: Option<String>,
    /// `ignore_configured_endpoint_urls` in the profile (raw; used when the variable is unset).
    pub profile_ignore_configured_endpoint_urls: Option<String>,
}

impl EndpointOverrides {
    /// The configured endpoint URL for `service` after precedence and the ignore switch.
    #[must_use]
    pub fn configured_url(&self, service: Service) -> Option<&str> {
        let ignore = non_empty(self.env_ignore_configured_endpoint_urls.as_deref())
            .or(non_empty(
                self.profile_ignore_configured_endpoint_urls.as_deref(),
            ))
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
        if ignore {
            return None;
        }
        let (env_service, services_block) = match service {
            Service::SsoOidc => (&self.env_sso_oidc, &self.services_sso_oidc),
            Service::Portal => (&self.env_sso, &self.services_sso),
            Service::Sts => (&self.env_sts, &self.services_sts),
        };
        non_empty(env_service.as_deref())
            .or(non_empty(self.env_global.as_deref()))
            .or(non_empty(services_block.as_deref()))
            .or(non_empty(self.profile.as_deref()))
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}

/// The parameters of the endpoint rule sets, plus the configured overrides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointParams {
    /// `sso_region`.
    pub region: Option<String>,
    /// `use_fips_endpoint` / `AWS_USE_FIPS_ENDPOINT`.
    pub use_fips: bool,
    /// `use_dualstack_endpoint` / `AWS_USE_DUALSTACK_ENDPOINT`.
    pub use_dual_stack: bool,
    /// Configured endpoint URLs.
    pub overrides: EndpointOverrides,
}

/// Why no endpoint could be resolved. The messages are the rule sets' own.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// No region was configured.
    #[error("Invalid Configuration: Missing Region; set sso_region in the sso-session or profile")]
    MissingRegion,
    /// The region is not a valid host label.
    #[error("Invalid Configuration: region `{0}` is not a valid host label")]
    InvalidRegion(String),
    /// FIPS together with a custom endpoint.
    #[error("Invalid Configuration: FIPS and custom endpoint are not supported")]
    FipsWithCustomEndpoint,
    /// Dual-stack together with a custom endpoint.
    #[error("Invalid Configuration: Dualstack and custom endpoint are not supported")]
    DualStackWithCustomEndpoint,
    /// The configured endpoint URL cannot be used.
    #[error("invalid endpoint URL `{url}`: {why}; fix the endpoint_url setting")]
    InvalidUrl {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        why: String,
    },
}

/// A base URL requests are sent to: `http` or `https`, with a host, no query or fragment.
///
/// A path prefix is kept for API calls (botocore does the same) but dropped for the
/// authorize URL (protocol.md section 2.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
}

impl Endpoint {
    /// Parses and checks a base URL.
    pub fn parse(url: &str) -> Result<Self, EndpointError> {
        let invalid = |why: &str| EndpointError::InvalidUrl {
            url: url.to_owned(),
            why: why.to_owned(),
        };
        let parsed = Url::parse(url.trim()).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(invalid("there is no host"));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(invalid("a query or fragment is not allowed"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(invalid("credentials in the URL are not allowed"));
        }
        // The serialized form must be a valid `http::Uri`, so request building cannot fail.
        if http::Uri::try_from(parsed.as_str()).is_err() {
            return Err(invalid("not a valid HTTP request target"));
        }
        Ok(Self { url: parsed })
    }

    /// The URL as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// `{scheme}://{host}[:{port}]`, without the path: the base of the authorize URL.
    #[must_use]
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    /// The full request target for an API `path` (starting with `/`) and an encoded query.
    pub(crate) fn target(&self, path: &str, query: &str) -> String {
        let prefix = self.url.path().trim_end_matches('/');
        let mut target = format!("{}{prefix}{path}", self.origin());
        if !query.is_empty() {
            target.push('?');
            target.push_str(query);
        }
        target
    }
}

/// Resolves the endpoint of `service` the way the services' endpoint rule sets do.
pub fn resolve_endpoint(
    params: &EndpointParams,
    service: Service,
) -> Result<Endpoint, EndpointError> {
    if let Some(url) = params.overrides.configured_url(service) {
        if params.use_fips {
            return Err(EndpointError::FipsWithCustomEndpoint);
        }
        if params.use_dual_stack {
            return Err(EndpointError::DualStackWithCustomEndpoint);
        }
        return Endpoint::parse(url);
    }
    let region = params
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or(EndpointError::MissingRegion)?;
    if !is_host_label(region) {
        return Err(EndpointError::InvalidRegion(region.to_owned()));
    }
    let partition = Partition::of(region);
    let (plain, fips) = match service {
        Service::SsoOidc => ("oidc", "oidc-fips"),
        Service::Portal => ("portal.sso", "portal.sso-fips"),
        Service::Sts => ("sts", "sts-fips"),
    };
    let url = match (params.use_fips, params.use_dual_stack) {
        (true, true) => format!(
            "https://{fips}.{region}.{}",
            partition.dual_stack_dns_suffix
        ),
        (true, false) if partition.name == "aws-us-gov" => {
            format!("https://{plain}.{region}.amazonaws.com")
        }
        (true, false) => format!("https://{fips}.{region}.{}", partition.dns_suffix),
        (false, true) => format!(
            "https://{plain}.{region}.{}",
            partition.dual_stack_dns_suffix
        ),
        (false, false) => format!("https://{plain}.{region}.{}", partition.dns_suffix),
    };
    Endpoint::parse(&url)
}

fn is_host_label(label: &str) -> bool {
    label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// One AWS partition: the facts of `partitions.json` needed here (DNS suffixes) and the
/// console's sign-in domains, in the workspace's one partition table ([`Partition::of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    name: &'static str,
    dns_suffix: &'static str,
    dual_stack_dns_suffix: &'static str,
    console: Option<ConsoleDomains>,
}

/// Where a partition's AWS Management Console signs in (the federation endpoint) and lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsoleDomains {
    /// The federation endpoint, e.g. `https://signin.aws.amazon.com/federation`.
    pub federation_endpoint: &'static str,
    /// The console's home, ending in `/`, e.g. `https://console.aws.amazon.com/`.
    pub console_home: &'static str,
    /// The domain under which each region has its own console host
    /// (`https://{region}.{domain}/`), for partitions that have regional console hosts.
    pub regional_console_domain: Option<&'static str>,
}

impl Partition {
    /// The `aws` partition: the default of the rule sets for a region of no known shape.
    pub const AWS: Self = Self {
        name: "aws",
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        console: Some(ConsoleDomains {
            federation_endpoint: "https://signin.aws.amazon.com/federation",
            console_home: "https://console.aws.amazon.com/",
            regional_console_domain: Some("console.aws.amazon.com"),
        }),
    };

    /// The partition whose `regionRegex` matches `region`, in `partitions.json` order; `aws`
    /// otherwise (the rule sets' default). The regexes are `^{prefix}-\w+-\d+$` with the
    /// prefixes `cn`, `eusc-de`, `us-iso`, `us-isob`, `eu-isoe`, `us-isof` and `us-gov` (the
    /// `aws` row lists the commercial prefixes; it is first, and its regex does not match the
    /// two-word prefixes). Matching is case-sensitive, as the regexes are.
    #[must_use]
    pub fn of(region: &str) -> Self {
        for (prefixes, partition) in PARTITIONS {
            if prefixes
                .iter()
                .any(|prefix| matches_region_regex(region, prefix))
            {
                return *partition;
            }
        }
        Self::AWS
    }

    /// The partition's name: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, ...
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The DNS suffix of regional endpoints, e.g. `amazonaws.com`.
    #[must_use]
    pub const fn dns_suffix(&self) -> &'static str {
        self.dns_suffix
    }

    /// The DNS suffix of dual-stack endpoints, e.g. `api.aws`.
    #[must_use]
    pub const fn dual_stack_dns_suffix(&self) -> &'static str {
        self.dual_stack_dns_suffix
    }

    /// The console's domains; `None` for the partitions without a console federation
    /// endpoint we know of (the isolated and sovereign ones).
    #[must_use]
    pub const fn console(&self) -> Option<ConsoleDomains> {
        self.console
    }
}

/// The partitions of `partitions.json` with their region prefixes, in its order.
const PARTITIONS: &[(&[&str], Partition)] = &[
    (
        &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
        Partition::AWS,
    ),
    (
        &["cn"],
        Partition {
            name: "aws-cn",
            dns_suffix: "amazonaws.com.cn",
            dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
            console: Some(ConsoleDomains {
                federation_endpoint: "https://signin.amazonaws.cn/federation",
                console_home: "https://console.amazonaws.cn/",
                regional_console_domain: None,
            }),
        },
    ),
    (
        &["eusc-de"],
        Partition {
            name: "aws-eusc",
            dns_suffix: "amazonaws.eu",
            dual_stack_dns_suffix: "api.amazonwebservices.eu",
            console: None,
        },
    ),
    (
        &["us-iso"],
        Partition {
            name: "aws-iso",
            dns_suffix: "c2s.ic.gov",
            dual_stack_dns_suffix: "api.aws.ic.gov",
            console: None,
        },
    ),
    (
        &["us-isob"],
        Partition {
            name: "aws-iso-b",
            dns_suffix: "sc2s.sgov.gov",
            dual_stack_dns_suffix: "api.aws.scloud",
            console: None,
        },
    ),
    (
        &["eu-isoe"],
        Partition {
            name: "aws-iso-e",
            dns_suffix: "cloud.adc-e.uk",
            dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
            console: None,
        },
    ),
    (
        &["us-isof"],
        Partition {
            name: "aws-iso-f",
            dns_suffix: "csp.hci.ic.gov",
            dual_stack_dns_suffix: "api.aws.hci.ic.gov",
            console: None,
        },
    ),
    (
        &["us-gov"],
        Partition {
            name: "aws-us-gov",
            dns_suffix: "amazonaws.com",
            dual_stack_dns_suffix: "api.aws",
            console: Some(ConsoleDomains {
                federation_endpoint: "https://signin.amazonaws-us-gov.com/federation",
                console_home: "https://console.amazonaws-us-gov.com/",
                regional_console_domain: None,
            }),
        },
    ),
];

/// `^{prefix}-\w+-\d+$` without a regex engine.
fn matches_region_regex(region: &str, prefix: &str) -> bool {
    let Some(rest) = region
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
    else {
        return false;
    };
    let Some((word, digits)) = rest.rsplit_once('-') else {
        return false;
    };
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(region: &str, fips: bool, dual: bool, service: Service, expected: &str) {
        let params = EndpointParams {
            region: Some(region.to_owned()),
            use_fips: fips,
            use_dual_stack: dual,
            overrides: EndpointOverrides::default(),
        };
        let endpoint = resolve_endpoint(&params, service).unwrap();
        assert_eq!(
            endpoint.origin(),
            expected,
            "{region} fips={fips} dual={dual}"
        );
    }

    #[test]
    fn partitions_fips_and_dual_stack() {
        use Service::{Portal, SsoOidc};
        check(
            "us-east-1",
            false,
            false,
            SsoOidc,
            "https://oidc.us-east-1.amazonaws.com",
        );
        check(
            "us-east-1",
            false,
            false,
            Portal,
            "https://portal.sso.us-east-1.amazonaws.com",
        );
        check(
            "us-east-1",
            true,
            false,
            SsoOidc,
            "https://oidc-fips.us-east-1.amazonaws.com",
        );
        check(
            "us-east-1",
            false,
            true,
            SsoOidc,
            "https://oidc.us-east-1.api.aws",
        );
        check(
            "us-east-2",
            true,
            true,
            Portal,
            "https://portal.sso-fips.us-east-2.api.aws",
        );
        check(
            "cn-north-1",
            false,
            false,
            SsoOidc,
            "https://oidc.cn-north-1.amazonaws.com.cn",
        );
        check(
            "cn-north-1",
            false,
            true,
            Portal,
            "https://portal.sso.cn-north-1.api.amazonwebservices.com.cn",
        );
        check(
            "us-gov-west-1",
            true,
            false,
            SsoOidc,
            "https://oidc.us-gov-west-1.amazonaws.com",
        );
        check(
            "us-gov-west-1",
            true,
            false,
            Portal,
            "https://portal.sso.us-gov-west-1.amazonaws.com",
        );
        check(
            "us-gov-west-1",
            true,
            true,
            SsoOidc,
            "https://oidc-fips.us-gov-west-1.api.aws",
        );
        check(
            "us-iso-east-1",
            false,
            false,
            SsoOidc,
            "https://oidc.us-iso-east-1.c2s.ic.gov",
        );
        check(
            "us-isob-east-1",
            false,
            false,
            SsoOidc,
            "https://oidc.us-isob-east-1.sc2s.sgov.gov",
        );
        check(
            "eu-isoe-west-1",
            false,
            false,
            Portal,
            "https://portal.sso.eu-isoe-west-1.cloud.adc-e.uk",
        );
        check(
            "us-isof-south-1",
            false,
            false,
            SsoOidc,
            "https://oidc.us-isof-south-1.csp.hci.ic.gov",
        );
        check(
            "eusc-de-east-1",
            false,
            false,
            SsoOidc,
            "https://oidc.eusc-de-east-1.amazonaws.eu",
        );
        // Unknown shapes fall back to the `aws` partition, as the rule sets do.
        check(
            "mars-central-1",
            false,
            false,
            SsoOidc,
            "https://oidc.mars-central-1.amazonaws.com",
        );
    }

    #[test]
    fn rule_set_errors() {
        let mut params = EndpointParams::default();
        assert_eq!(
            resolve_endpoint(&params, Service::SsoOidc),
            Err(EndpointError::MissingRegion)
        );
        params.region = Some("us-east-1/evil".to_owned());
        assert!(matches!(
            resolve_endpoint(&params, Service::SsoOidc),
            Err(EndpointError::InvalidRegion(_))
        ));
        params.overrides.profile = Some("http://localhost:4566".to_owned());
        params.use_fips = true;
        let err = resolve_endpoint(&params, Service::Portal).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid Configuration: FIPS and custom endpoint are not supported"
        );
        params.use_fips = false;
        params.use_dual_stack = true;
        let err = resolve_endpoint(&params, Service::Portal).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid Configuration: Dualstack and custom endpoint are not supported"
        );
    }

    #[test]
    fn override_precedence_and_ignore_switch() {
        let mut overrides = EndpointOverrides {
            profile: Some("http://profile".to_owned()),
            ..EndpointOverrides::default()
        };
        assert_eq!(
            overrides.configured_url(Service::SsoOidc),
            Some("http://profile")
        );
        overrides.services_sso = Some("http://services-sso".to_owned());
        assert_eq!(
            overrides.configured_url(Service::Portal),
            Some("http://services-sso")
        );
        assert_eq!(
            overrides.configured_url(Service::SsoOidc),
            Some("http://profile")
        );
        overrides.services_sso_oidc = Some("http://services-oidc".to_owned());
        assert_eq!(
            overrides.configured_url(Service::SsoOidc),
            Some("http://services-oidc")
        );
        overrides.env_global = Some("http://global".to_owned());
        assert_eq!(
            overrides.configured_url(Service::SsoOidc),
            Some("http://global")
        );
        overrides.env_sso_oidc = Some("http://env-oidc".to_owned());
        overrides.env_sso = Some(String::new());
        assert_eq!(
            overrides.configured_url(Service::SsoOidc),
            Some("http://env-oidc")
        );
        assert_eq!(
            overrides.configured_url(Service::Portal),
            Some("http://global")
        );
        overrides.profile_ignore_configured_endpoint_urls = Some("TRUE".to_owned());
        assert_eq!(overrides.configured_url(Service::Portal), None);
        // The environment variable wins over the profile setting.
        overrides.env_ignore_configured_endpoint_urls = Some("false".to_owned());
        assert_eq!(
            overrides.configured_url(Service::Portal),
            Some("http://global")
        );
    }

    #[test]
    fn custom_endpoint_keeps_path_prefix_for_api_calls_only() {
        let endpoint = Endpoint::parse("http://127.0.0.1:4566/prefix/").unwrap();
        assert_eq!(
            endpoint.target("/token", ""),
            "http://127.0.0.1:4566/prefix/token"
        );
        assert_eq!(endpoint.origin(), "http://127.0.0.1:4566");
        assert!(Endpoint::parse("ftp://x").is_err());
        assert!(Endpoint::parse("https://x/?q=1").is_err());
        assert!(Endpoint::parse("not a url").is_err());
    }
}
