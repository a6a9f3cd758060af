//! Where STS requests go and which region signs them (protocol.md §11.5).
//!
//! Regional endpoints by default (`https://sts.{region}.{partition suffix}`, FIPS and dual-stack
//! variants), the global `https://sts.amazonaws.com` for `aws-global`, for no region at all, and
//! for the legacy global regions when `sts_regional_endpoints = legacy`; configured endpoint URLs
//! (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, `[services]` `sts`, `endpoint_url`) win over all
//! of it. Partitions, FIPS and dual-stack come from `sso_oidc::resolve_endpoint`, so the
//! workspace has one partition table. Every input is a value: the driver reads the environment
//! and the config file.

use sso_oidc::{Endpoint, EndpointError, EndpointOverrides, EndpointParams, Service};

/// The region of the global endpoint's signature, and of a custom endpoint without a region.
pub const GLOBAL_SIGNING_REGION: &str = "us-east-1";

/// The global endpoint.
pub const GLOBAL_ENDPOINT: &str = "https://sts.amazonaws.com";

/// The regions botocore sends to the global endpoint under `sts_regional_endpoints = legacy`
/// (`botocore/args.py`, `LEGACY_GLOBAL_STS_REGIONS`).
pub const LEGACY_GLOBAL_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// `sts_regional_endpoints` / `AWS_STS_REGIONAL_ENDPOINTS` (botocore; the AWS CLI v2 ignores
/// the setting and always behaves as [`RegionalEndpoints::Regional`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RegionalEndpoints {
    /// `regional`: every region uses its own endpoint (the default since botocore 1.40.0).
    #[default]
    Regional,
    /// `legacy`: the [`LEGACY_GLOBAL_REGIONS`] use the global endpoint.
    Legacy,
}

impl RegionalEndpoints {
    /// Parses the raw setting; an empty or missing value is the default.
    ///
    /// # Errors
    ///
    /// Any value other than `regional` or `legacy` (botocore's
    /// `InvalidSTSRegionalEndpointsConfigError`; the comparison is case-insensitive there too).
    pub fn parse(raw: Option<&str>) -> Result<Self, StsEndpointError> {
        let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(Self::default());
        };
        if value.eq_ignore_ascii_case("regional") {
            Ok(Self::Regional)
        } else if value.eq_ignore_ascii_case("legacy") {
            Ok(Self::Legacy)
        } else {
            Err(StsEndpointError::InvalidRegionalEndpoints(value.to_owned()))
        }
    }
}

/// The inputs of STS endpoint resolution, as plain values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StsEndpointParams {
    /// The chain's region (`--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
    /// `region`); `None` means the global endpoint, as botocore's `aws-global` fallback.
    pub region: Option<String>,
    /// `use_fips_endpoint` / `AWS_USE_FIPS_ENDPOINT`.
    pub use_fips: bool,
    /// `use_dualstack_endpoint` / `AWS_USE_DUALSTACK_ENDPOINT`.
    pub use_dual_stack: bool,
    /// `sts_regional_endpoints` / `AWS_STS_REGIONAL_ENDPOINTS`.
    pub regional_endpoints: RegionalEndpoints,
    /// Configured endpoint URLs; the STS fields are `env_sts` and `services_sts`.
    pub overrides: EndpointOverrides,
}

/// A resolved STS endpoint: where to send, and the region in the signature's scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsEndpoint {
    /// The base URL; requests are `POST` to it.
    pub endpoint: Endpoint,
    /// The SigV4 signing region.
    pub signing_region: String,
}

impl StsEndpoint {
    /// An endpoint given directly (tests, the emulator), signed for `signing_region`.
    ///
    /// # Errors
    ///
    /// The URL is not an `http`/`https` base URL.
    pub fn custom(url: &str, signing_region: &str) -> Result<Self, StsEndpointError> {
        Ok(Self {
            endpoint: Endpoint::parse(url)?,
            signing_region: signing_region.to_owned(),
        })
    }
}

/// Why no STS endpoint could be resolved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StsEndpointError {
    /// The endpoint rules refused the inputs (bad region, bad URL).
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// `sts_regional_endpoints` has a value other than `regional` or `legacy`.
    #[error(
        "sts_regional_endpoints is `{0}`, but it must be `regional` or `legacy`; fix the setting or AWS_STS_REGIONAL_ENDPOINTS"
    )]
    InvalidRegionalEndpoints(String),
}

/// Resolves the STS endpoint and signing region the way botocore does (protocol.md §11.5).
///
/// # Errors
///
/// An unusable configured URL or region.
pub fn resolve_sts_endpoint(params: &StsEndpointParams) -> Result<StsEndpoint, StsEndpointError> {
    let region = params
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if let Some(url) = params.overrides.configured_url(Service::Sts) {
        // botocore drops the FIPS and dual-stack builtins when an endpoint URL is configured.
        return StsEndpoint::custom(url, region.unwrap_or(GLOBAL_SIGNING_REGION));
    }
    // Pseudo-regions such as `us-west-2-fips` mean FIPS in that region.
    let (region, use_fips) = match region {
        Some(r) => match r.strip_suffix("-fips").or_else(|| r.strip_prefix("fips-")) {
            Some(base) => (Some(base), true),
            None => (Some(r), params.use_fips),
        },
        None => (None, params.use_fips),
    };
    let variant = use_fips || params.use_dual_stack;
    let global = match region {
        None => !variant,
        Some("aws-global") => !variant,
        Some(r) => {
            params.regional_endpoints == RegionalEndpoints::Legacy
                && !variant
                && LEGACY_GLOBAL_REGIONS.contains(&r)
        }
    };
    if global {
        return StsEndpoint::custom(GLOBAL_ENDPOINT, GLOBAL_SIGNING_REGION);
    }
    // A variant of the global endpoint is the us-east-1 one (the rule set maps aws-global there).
    let region = match region {
        None | Some("aws-global") => GLOBAL_SIGNING_REGION,
        Some(r) => r,
    };
    let endpoint = sso_oidc::resolve_endpoint(
        &EndpointParams {
            region: Some(region.to_owned()),
            use_fips,
            use_dual_stack: params.use_dual_stack,
            overrides: EndpointOverrides::default(),
        },
        Service::Sts,
    )?;
    Ok(StsEndpoint {
        endpoint,
        signing_region: region.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(region: Option<&str>, fips: bool, dual: bool) -> (String, String) {
        let params = StsEndpointParams {
            region: region.map(str::to_owned),
            use_fips: fips,
            use_dual_stack: dual,
            ..StsEndpointParams::default()
        };
        let resolved = resolve_sts_endpoint(&params).unwrap();
        (
            resolved.endpoint.as_str().to_owned(),
            resolved.signing_region,
        )
    }

    /// The rule set's table (protocol.md §11.5, `TestSTSEndpoints`).
    #[test]
    fn regional_fips_dual_stack_and_partitions() {
        let table: &[(Option<&str>, bool, bool, &str, &str)] = &[
            (
                Some("us-east-1"),
                false,
                false,
                "https://sts.us-east-1.amazonaws.com/",
                "us-east-1",
            ),
            (
                Some("eu-west-1"),
                false,
                false,
                "https://sts.eu-west-1.amazonaws.com/",
                "eu-west-1",
            ),
            (
                Some("cn-north-1"),
                false,
                false,
                "https://sts.cn-north-1.amazonaws.com.cn/",
                "cn-north-1",
            ),
            (
                Some("us-west-2"),
                true,
                false,
                "https://sts-fips.us-west-2.amazonaws.com/",
                "us-west-2",
            ),
            (
                Some("us-west-2-fips"),
                false,
                false,
                "https://sts-fips.us-west-2.amazonaws.com/",
                "us-west-2",
            ),
            (
                Some("us-gov-west-1"),
                true,
                false,
                "https://sts.us-gov-west-1.amazonaws.com/",
                "us-gov-west-1",
            ),
            (
                Some("us-east-1"),
                false,
                true,
                "https://sts.us-east-1.api.aws/",
                "us-east-1",
            ),
            (
                Some("us-east-1"),
                true,
                true,
                "https://sts-fips.us-east-1.api.aws/",
                "us-east-1",
            ),
            (
                Some("us-iso-east-1"),
                false,
                false,
                "https://sts.us-iso-east-1.c2s.ic.gov/",
                "us-iso-east-1",
            ),
            (
                Some("aws-global"),
                false,
                false,
                "https://sts.amazonaws.com/",
                "us-east-1",
            ),
            (
                None,
                false,
                false,
                "https://sts.amazonaws.com/",
                "us-east-1",
            ),
            (
                None,
                true,
                false,
                "https://sts-fips.us-east-1.amazonaws.com/",
                "us-east-1",
            ),
        ];
        for (region, fips, dual, url, signing) in table {
            assert_eq!(
                resolve(*region, *fips, *dual),
                ((*url).to_owned(), (*signing).to_owned()),
                "{region:?} fips={fips} dual={dual}"
            );
        }
    }

    #[test]
    fn legacy_setting_sends_the_old_regions_to_the_global_endpoint() {
        let mut params = StsEndpointParams {
            region: Some("eu-west-1".to_owned()),
            regional_endpoints: RegionalEndpoints::parse(Some("LEGACY")).unwrap(),
            ..StsEndpointParams::default()
        };
        let global = resolve_sts_endpoint(&params).unwrap();
        assert_eq!(global.endpoint.as_str(), "https://sts.amazonaws.com/");
        assert_eq!(global.signing_region, "us-east-1");
        params.region = Some("ap-east-1".to_owned());
        let regional = resolve_sts_endpoint(&params).unwrap();
        assert_eq!(
            regional.endpoint.as_str(),
            "https://sts.ap-east-1.amazonaws.com/"
        );
        params.region = Some("eu-west-1".to_owned());
        params.use_fips = true;
        assert_eq!(
            resolve_sts_endpoint(&params).unwrap().endpoint.as_str(),
            "https://sts-fips.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            RegionalEndpoints::parse(None),
            Ok(RegionalEndpoints::Regional)
        );
        assert_eq!(
            RegionalEndpoints::parse(Some("")),
            Ok(RegionalEndpoints::Regional)
        );
        let err = RegionalEndpoints::parse(Some("global")).unwrap_err();
        assert!(err.to_string().contains("`global`"), "{err}");
    }

    #[test]
    fn configured_urls_win_and_keep_the_client_region_for_signing() {
        let mut params = StsEndpointParams {
            region: Some("eu-west-1".to_owned()),
            use_fips: true,
            use_dual_stack: true,
            ..StsEndpointParams::default()
        };
        params.overrides.profile = Some("http://profile.example".to_owned());
        params.overrides.services_sts = Some("http://services.example".to_owned());
        let resolved = resolve_sts_endpoint(&params).unwrap();
        assert_eq!(resolved.endpoint.as_str(), "http://services.example/");
        assert_eq!(resolved.signing_region, "eu-west-1");
        params.overrides.env_global = Some("http://global.example".to_owned());
        params.overrides.env_sts = Some("http://aws.sts-env-override".to_owned());
        assert_eq!(
            resolve_sts_endpoint(&params).unwrap().endpoint.as_str(),
            "http://aws.sts-env-override/"
        );
        params.overrides.env_sts = None;
        assert_eq!(
            resolve_sts_endpoint(&params).unwrap().endpoint.as_str(),
            "http://global.example/"
        );
        params.region = None;
        assert_eq!(
            resolve_sts_endpoint(&params).unwrap().signing_region,
            "us-east-1"
        );
        params.overrides.env_global = Some("ftp://nope".to_owned());
        assert!(matches!(
            resolve_sts_endpoint(&params),
            Err(StsEndpointError::Endpoint(EndpointError::InvalidUrl { .. }))
        ));
    }

    #[test]
    fn a_bad_region_is_an_error() {
        let params = StsEndpointParams {
            region: Some("not a region".to_owned()),
            ..StsEndpointParams::default()
        };
        assert!(matches!(
            resolve_sts_endpoint(&params),
            Err(StsEndpointError::Endpoint(EndpointError::InvalidRegion(_)))
        ));
    }
}
