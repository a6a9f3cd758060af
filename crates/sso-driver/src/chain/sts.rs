//! The STS hops of the chain: AssumeRole and AssumeRoleWithWebIdentity over the driver's
//! [`Transport`], with `sso-sts` building, signing and parsing, the STS endpoint of the active
//! profile (protocol.md §11.5), the SDKs' retry rules, and the AWS CLI's assumed-role cache in
//! `~/.aws/cli/cache` (read before any request, written after each call, §11.4).

use std::time::Duration;

use sso_cache::{AssumeRoleKeyArgs, AssumedRoleCredentials, CacheDir, CacheError, CacheKey};
use sso_config::ProfileView;
use sso_sts::{
    AssumeRoleParams, AssumedRole, CallerIdentity, EndpointOverrides, RegionalEndpoints,
    SigningCredentials, StsEndpoint, StsEndpointParams, StsResponseError, WebIdentityParams,
    WebIdentityToken,
};

use super::{AssumeRole, ChainError, WebIdentity};
use crate::clock::WallClock;
use crate::context::AwsContext;
use crate::credentials::{Credentials, EXPIRY_WINDOW};
use crate::http::{TransportError, full_jitter_backoff};
use crate::prompt::MfaCode;
use crate::transport::Transport;

/// Attempts per STS call (botocore's standard retry mode).
const STS_ATTEMPTS: u32 = 3;

/// Why an STS call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StsCallError {
    /// No STS endpoint for the configured region or override.
    #[error("no STS endpoint: {0}")]
    Endpoint(#[source] sso_sts::StsEndpointError),
    /// A profile setting about the endpoint is unusable.
    #[error("{0}")]
    Setting(String),
    /// The request could not be signed.
    #[error(transparent)]
    Sign(#[from] sso_sts::SignError),
    /// STS refused (its code and message, as the AWS CLI words them).
    #[error("{source} (role {role_arn})")]
    Refused {
        /// The role asked for.
        role_arn: String,
        /// STS's answer.
        #[source]
        source: StsResponseError,
    },
    /// STS refused `GetCallerIdentity` (the credentials are not valid).
    #[error("{0}")]
    IdentityRefused(#[source] StsResponseError),
    /// No response.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// Where STS calls of this chain go: one endpoint for every hop, from the active profile and
/// the environment.
pub(super) struct StsSettings {
    endpoint: StsEndpoint,
}

impl StsSettings {
    pub(super) fn of(ctx: &AwsContext) -> Result<Self, ChainError> {
        let env = ctx.env();
        let view = ctx
            .profiles()
            .profile(ctx.selected_profile())
            .map(ProfileView);
        let region = env
            .first_var(&["AWS_REGION", "AWS_DEFAULT_REGION"])
            .or_else(|| view.and_then(|v| v.region()).map(|v| v.as_str().to_owned()));
        let flag = |var: &str, profile: Option<bool>| match env.var(var) {
            Some(value) => value.trim().eq_ignore_ascii_case("true"),
            None => profile == Some(true),
        };
        let setting = |error: sso_config::ResolveError| StsCallError::Setting(error.to_string());
        let use_fips = flag(
            "AWS_USE_FIPS_ENDPOINT",
            view.map(|v| v.use_fips_endpoint())
                .transpose()
                .map_err(setting)?
                .flatten(),
        );
        let use_dual_stack = flag(
            "AWS_USE_DUALSTACK_ENDPOINT",
            view.map(|v| v.use_dualstack_endpoint())
                .transpose()
                .map_err(setting)?
                .flatten(),
        );
        let services_sts = view
            .and_then(|v| v.services())
            .and_then(|name| ctx.profiles().services(name.as_str()))
            .and_then(|section| section.get("sts"))
            .and_then(|block| block.sub_property("endpoint_url"))
            .map(str::to_owned);
        let overrides = EndpointOverrides {
            env_sts: env.var("AWS_ENDPOINT_URL_STS"),
            env_global: env.var("AWS_ENDPOINT_URL"),
            env_ignore_configured_endpoint_urls: env.var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
            services_sts,
            profile: view
                .and_then(|v| v.endpoint_url())
                .map(|v| v.as_str().to_owned()),
            profile_ignore_configured_endpoint_urls: view
                .and_then(|v| v.0.get_str("ignore_configured_endpoint_urls"))
                .map(str::to_owned),
            ..EndpointOverrides::default()
        };
        let regional = env.var("AWS_STS_REGIONAL_ENDPOINTS").or_else(|| {
            view.and_then(|v| v.0.get_str("sts_regional_endpoints"))
                .map(str::to_owned)
        });
        let regional_endpoints =
            RegionalEndpoints::parse(regional.as_deref()).map_err(StsCallError::Endpoint)?;
        let endpoint = sso_sts::resolve_sts_endpoint(&StsEndpointParams {
            region,
            use_fips,
            use_dual_stack,
            regional_endpoints,
            overrides,
        })
        .map_err(StsCallError::Endpoint)?;
        Ok(Self { endpoint })
    }
}

/// The cache key of an assume-role hop, as the AWS CLI computes it.
pub(super) fn assume_role_key(role: &AssumeRole) -> CacheKey {
    CacheKey::for_assumed_role(&AssumeRoleKeyArgs {
        role_arn: &role.role_arn,
        role_session_name: role.session_name.as_deref(),
        external_id: role.external_id.as_deref(),
        serial_number: role.mfa_serial.as_deref(),
        duration_seconds: role.duration_seconds.map(u64::from),
        policy: None,
    })
}

/// The cache key of a web identity source, as the AWS CLI computes it.
pub(super) fn web_identity_key(web: &WebIdentity) -> CacheKey {
    CacheKey::for_assumed_role(&AssumeRoleKeyArgs {
        role_arn: &web.role_arn,
        role_session_name: web.session_name.as_deref(),
        ..AssumeRoleKeyArgs::default()
    })
}

/// The cached entry under `key` while valid for more than 15 minutes; an unreadable or
/// unparsable entry is a miss (botocore's `JSONFileCache`).
fn read_cached(cli: &CacheDir, key: &CacheKey, now: sso_cache::Timestamp) -> Option<Credentials> {
    match cli.read::<AssumedRoleCredentials>(key) {
        Ok(Some(entry)) if entry.is_fresh(now, EXPIRY_WINDOW) => Some(from_entry(entry)),
        Ok(_) => None,
        Err(CacheError::Bad { path, reason }) => {
            tracing::warn!(path = %path.display(), %reason, "ignoring an unusable assumed-role cache entry");
            None
        }
        Err(error) => {
            tracing::warn!(%error, "cannot read the assumed-role cache");
            None
        }
    }
}

/// Runs `fetch` (an STS call) once for all concurrent callers needing the entry `key`, across
/// processes, through the shared protocol ([`crate::single_flight::fetch_once`]: lock, read
/// again, fetch only if still missing or stale, write); without a cache directory it just
/// fetches.
pub(super) async fn fetch_once<F, Fut>(
    cli: Option<&CacheDir>,
    key: &CacheKey,
    clock: &dyn WallClock,
    fetch: F,
) -> Result<Credentials, ChainError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<AssumedRoleCredentials, ChainError>>,
{
    let entry = match cli {
        None => fetch().await?,
        Some(cli) => {
            let now = sso_cache::Timestamp::from_unix_ms(clock.now_unix_ms());
            let fresh = |entry: &AssumedRoleCredentials| entry.is_fresh(now, EXPIRY_WINDOW);
            crate::single_flight::fetch_once(cli, key, fresh, fetch).await?
        }
    };
    Ok(from_entry(entry))
}

pub(super) fn cached_assume_role(
    cli: &CacheDir,
    role: &AssumeRole,
    now: sso_cache::Timestamp,
) -> Option<Credentials> {
    read_cached(cli, &assume_role_key(role), now)
}

pub(super) fn cached_web_identity(
    cli: &CacheDir,
    web: &WebIdentity,
    now: sso_cache::Timestamp,
) -> Option<Credentials> {
    read_cached(cli, &web_identity_key(web), now)
}

fn from_entry(entry: AssumedRoleCredentials) -> Credentials {
    Credentials {
        access_key_id: entry.access_key_id,
        secret_access_key: entry.secret_access_key,
        session_token: Some(entry.session_token),
        expiration: Some(entry.expiration),
        account_id: entry.account_id,
    }
}

/// botocore's default session name: `botocore-session-<unix seconds>`.
fn default_session_name(clock: &dyn WallClock) -> String {
    format!("botocore-session-{}", clock.now_unix_ms() / 1000)
}

pub(super) async fn assume_role<T: Transport>(
    transport: &T,
    settings: &StsSettings,
    role: &AssumeRole,
    source: &Credentials,
    token_code: Option<MfaCode>,
    clock: &dyn WallClock,
) -> Result<AssumedRoleCredentials, ChainError> {
    let mut params = AssumeRoleParams::new(
        role.role_arn.clone(),
        role.session_name
            .clone()
            .unwrap_or_else(|| default_session_name(clock)),
    );
    params.external_id.clone_from(&role.external_id);
    params.duration_seconds = role.duration_seconds;
    params.serial_number.clone_from(&role.mfa_serial);
    params.token_code = token_code;
    let signing = signing_credentials(source);
    tracing::debug!(profile = %role.profile, role_arn = %role.role_arn, "AssumeRole");
    let (assumed, response) = call(
        transport,
        refused_by(&role.role_arn),
        || {
            let now = sso_sts::Timestamp::from_unix_ms(clock.now_unix_ms());
            Ok(sso_sts::assume_role_request(
                &settings.endpoint,
                &params,
                &signing,
                now,
            )?)
        },
        sso_sts::parse_assume_role,
    )
    .await?;
    Ok(entry_of(&assumed, &response))
}

pub(super) async fn assume_role_with_web_identity<T: Transport>(
    transport: &T,
    settings: &StsSettings,
    web: &WebIdentity,
    clock: &dyn WallClock,
) -> Result<AssumedRoleCredentials, ChainError> {
    // Read on every call, sent unchanged (botocore: no stripping).
    let token =
        std::fs::read_to_string(&web.token_file).map_err(|source| ChainError::TokenFile {
            path: web.token_file.clone(),
            source,
        })?;
    let params = WebIdentityParams {
        role_arn: web.role_arn.clone(),
        role_session_name: web
            .session_name
            .clone()
            .unwrap_or_else(|| default_session_name(clock)),
        web_identity_token: WebIdentityToken::new(token),
        duration_seconds: None,
        policy: None,
    };
    tracing::debug!(role_arn = %web.role_arn, "AssumeRoleWithWebIdentity");
    let (assumed, response) = call(
        transport,
        refused_by(&web.role_arn),
        || {
            Ok(sso_sts::assume_role_with_web_identity_request(
                &settings.endpoint,
                &params,
            ))
        },
        sso_sts::parse_assume_role_with_web_identity,
    )
    .await?;
    Ok(entry_of(&assumed, &response))
}

/// Sends the request `build` makes until it succeeds or is not retryable (429, 5xx, throttling
/// and transient codes; transport failures), at most [`STS_ATTEMPTS`] times.
async fn call<T: Transport, R>(
    transport: &T,
    refused: impl Fn(StsResponseError) -> StsCallError,
    build: impl Fn() -> Result<http::Request<Vec<u8>>, StsCallError>,
    parse: fn(&http::Response<Vec<u8>>) -> Result<R, StsResponseError>,
) -> Result<(R, Meta), StsCallError> {
    let mut attempt = 1;
    loop {
        let outcome = transport.send_once(build()?).await;
        let retryable = match &outcome {
            Err(error) => error.kind().is_retryable(),
            Ok(response) => {
                let status = response.status().as_u16();
                status == 429
                    || (500..600).contains(&status)
                    || parse(response).err().is_some_and(|e| e.is_retryable())
            }
        };
        if retryable && attempt < STS_ATTEMPTS {
            let delay = full_jitter_backoff(
                attempt,
                Duration::from_millis(100),
                Duration::from_secs(2),
                fastrand::f64(),
            );
            tracing::debug!(attempt, ?delay, "retrying the STS call");
            tokio::time::sleep(delay).await;
            attempt += 1;
            continue;
        }
        let response = outcome?;
        let output = parse(&response).map_err(&refused)?;
        let meta = Meta {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .filter_map(|(name, value)| {
                    Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
                })
                .collect(),
            retries: attempt - 1,
        };
        return Ok((output, meta));
    }
}

/// How a refusal of an AssumeRole call for `role_arn` reads.
fn refused_by(role_arn: &str) -> impl Fn(StsResponseError) -> StsCallError + '_ {
    move |source| StsCallError::Refused {
        role_arn: role_arn.to_owned(),
        source,
    }
}

/// `GetCallerIdentity` with `credentials` (`sso whoami`), retried as the other STS calls.
pub(super) async fn caller_identity<T: Transport>(
    transport: &T,
    settings: &StsSettings,
    credentials: &Credentials,
    clock: &dyn WallClock,
) -> Result<CallerIdentity, StsCallError> {
    let signing = signing_credentials(credentials);
    tracing::debug!("GetCallerIdentity");
    let (identity, _) = call(
        transport,
        StsCallError::IdentityRefused,
        || {
            let now = sso_sts::Timestamp::from_unix_ms(clock.now_unix_ms());
            Ok(sso_sts::get_caller_identity_request(
                &settings.endpoint,
                &signing,
                now,
            )?)
        },
        sso_sts::parse_get_caller_identity,
    )
    .await?;
    Ok(identity)
}

/// The signing form of credentials from any source.
fn signing_credentials(source: &Credentials) -> SigningCredentials {
    SigningCredentials {
        access_key_id: source.access_key_id.clone(),
        secret_access_key: source.secret_access_key.clone(),
        session_token: source.session_token.clone(),
    }
}

/// What botocore records of the response in `ResponseMetadata`.
struct Meta {
    status: u16,
    headers: Vec<(String, String)>,
    retries: u32,
}

/// The cache entry of `assumed`, in the AWS CLI's format (the parsed STS response).
fn entry_of(assumed: &AssumedRole, meta: &Meta) -> AssumedRoleCredentials {
    let account_id = assumed
        .assumed_role_user
        .as_ref()
        .and_then(|user| user.account_id())
        .map(str::to_owned);
    let credentials = &assumed.credentials;
    let mut entry = AssumedRoleCredentials {
        access_key_id: credentials.access_key_id.clone(),
        secret_access_key: credentials.secret_access_key.clone(),
        session_token: credentials.session_token.clone(),
        expiration: credentials.expiration,
        account_id,
        credentials_unknown: sso_cache::UnknownFields::default(),
        assumed_role_user: assumed.assumed_role_user.as_ref().map(|user| {
            sso_cache::AssumedRoleUser {
                assumed_role_id: user.assumed_role_id.clone(),
                arn: user.arn.clone(),
            }
        }),
        response: sso_cache::UnknownFields::default(),
    };
    for (name, value) in [
        (
            "SubjectFromWebIdentityToken",
            &assumed.subject_from_web_identity_token,
        ),
        ("Provider", &assumed.provider),
        ("Audience", &assumed.audience),
        ("SourceIdentity", &assumed.source_identity),
    ] {
        if let Some(value) = value {
            entry
                .response
                .insert(name, serde_json::Value::from(value.as_str()));
        }
    }
    if let Some(size) = assumed.packed_policy_size {
        entry
            .response
            .insert("PackedPolicySize", serde_json::Value::from(size));
    }
    let headers: Vec<(&str, &str)> = meta
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    entry.set_response_metadata(
        assumed.request_id.as_deref(),
        meta.status,
        &headers,
        meta.retries,
    );
    entry
}
