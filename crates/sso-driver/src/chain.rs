//! The credential chain: credentials for a selection (a profile named explicitly, or none),
//! from every source the AWS CLI and SDKs know, behind one call.
//!
//! [`Sso::credentials`](crate::Sso::credentials) is the use case the CLI (`export-credentials`,
//! `exec`, `console`) and embedders call. Over the handle's loaded files, it **plans** the
//! source with botocore's
//! precedence (`plan`: environment keys unless a profile is named, then the profile's own
//! source, then container credentials, then IMDS) and then:
//!
//! 1. tries the **warm path** synchronously (`cached`): environment and static keys, SSO role
//!    credentials and assumed-role credentials from `~/.aws/cli/cache` while valid for more than
//!    15 minutes (the AWS CLI's key and format, shared with `aws` both ways), a
//!    `credential_process` run. No tokio runtime, no HTTP client, no TLS, no network;
//! 2. only on a miss takes the handle's transport and runtime (built then, on first need) and
//!    resolves the source: SSO (token refreshed single-flight, `GetRoleCredentials`), AssumeRole hops in
//!    order (MFA codes asked through [`Prompt::mfa_code`]), AssumeRoleWithWebIdentity, container
//!    credentials, IMDSv2, each assumed role written back to the cache.
//!
//! Every network call goes through the handle's [`Transport`], so the conformance harness
//! replays the SDK's recorded traffic through exactly this code
//! ([`Sso::with_transport`](crate::Sso::with_transport)), and tests count calls against the
//! emulator.
//!
//! Secrets (keys, session tokens, web identity tokens, container authorization tokens, MFA
//! codes) live in zeroizing types with redacting `Debug` and never reach an error message.

mod metadata;
mod plan;
mod sts;

use std::path::PathBuf;
use std::time::Duration;

use sso_cache::CacheDir;
use sso_config::{Origin, ProfileView};

use crate::Sso;
use crate::clock::WallClock;
use crate::context::{AwsContext, ContextError, SsoTarget, WAIT_FOR_LOGIN_KEY};
use crate::credentials::{self, CredentialOptions, Credentials, CredentialsError, ProcessSource};
use crate::http::ClientBuildError;
use crate::process::ProcessError;
use crate::prompt::Prompt;
use crate::transport::Transport;

pub use self::metadata::MetadataError;
pub(crate) use self::metadata::{ContainerSource, ImdsSource};
pub use self::sts::StsCallError;

/// The credentials of a selection and what the commands that use them also need.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Resolved {
    /// The credentials.
    pub credentials: Credentials,
    /// The profile whose settings applied (`None` for environment keys).
    pub profile: Option<String>,
    /// The region for clients: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's
    /// `region`.
    pub region: Option<String>,
    /// The SSO login behind the credentials, when the profile itself is an SSO profile.
    pub sso_target: Option<SsoTarget>,
    /// Where they came from.
    pub kind: SourceKind,
    /// For an SSO profile, with `check_login_expiry` asked: when its token expires, if
    /// that is within 15 minutes and the token cannot be refreshed
    /// (see [`crate::Sso::expires_without_refresh`]); time to sign in before a long job.
    pub expires_without_refresh: Option<sso_cache::Timestamp>,
}

/// The kind of source that produced credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceKind {
    /// `AWS_ACCESS_KEY_ID` and friends.
    Environment,
    /// `aws_access_key_id` in the config or credentials file.
    Static,
    /// `credential_process`.
    Process,
    /// SSO role credentials.
    Sso,
    /// `role_arn` (AssumeRole).
    AssumeRole,
    /// `web_identity_token_file` (AssumeRoleWithWebIdentity).
    WebIdentity,
    /// Container credentials (ECS, EKS Pod Identity).
    Container,
    /// The EC2 instance metadata service.
    InstanceMetadata,
}

/// A planned source, resolved by `cached` and [`resolve`].
#[derive(Debug, Clone)]
enum Source {
    Env(Credentials),
    Static(Credentials),
    Process(ProcessSource),
    Sso(Box<SsoTarget>),
    AssumeRole(Box<AssumeRole>),
    WebIdentity(Box<WebIdentity>),
    Container(ContainerSource),
    Imds(ImdsSource),
}

impl Source {
    fn kind(&self) -> SourceKind {
        match self {
            Self::Env(_) => SourceKind::Environment,
            Self::Static(_) => SourceKind::Static,
            Self::Process(_) => SourceKind::Process,
            Self::Sso(_) => SourceKind::Sso,
            Self::AssumeRole(_) => SourceKind::AssumeRole,
            Self::WebIdentity(_) => SourceKind::WebIdentity,
            Self::Container(_) => SourceKind::Container,
            Self::Imds(_) => SourceKind::InstanceMetadata,
        }
    }

    /// The SSO login at the root of the source, if any.
    fn login(&self) -> Option<&SsoTarget> {
        match self {
            Self::Sso(target) => Some(target),
            Self::AssumeRole(role) => role.source.login(),
            _ => None,
        }
    }

    /// Whether resolving may talk to a metadata endpoint (short timeouts then).
    fn uses_metadata(&self) -> bool {
        match self {
            Self::Container(_) | Self::Imds(_) => true,
            Self::AssumeRole(role) => role.source.uses_metadata(),
            _ => false,
        }
    }
}

/// One AssumeRole hop: a profile's `role_arn` and settings, and where its source credentials
/// come from.
#[derive(Debug, Clone)]
struct AssumeRole {
    profile: String,
    role_arn: String,
    session_name: Option<String>,
    external_id: Option<String>,
    mfa_serial: Option<String>,
    duration_seconds: Option<u32>,
    source: Source,
}

/// AssumeRoleWithWebIdentity settings.
#[derive(Debug, Clone)]
struct WebIdentity {
    role_arn: String,
    session_name: Option<String>,
    token_file: PathBuf,
}

/// Why a profile's configuration gives no usable source (found while planning, before any
/// request). Each variant with an origin points at the line to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The files cannot be loaded, or the profile does not exist, or its SSO settings do not
    /// resolve.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// `AWS_ACCESS_KEY_ID` is set but not its secret.
    #[error("Partial credentials found in env, missing: {missing}")]
    PartialEnv {
        /// The missing variable.
        missing: &'static str,
    },
    /// `AWS_CREDENTIAL_EXPIRATION` is not an RFC 3339 time.
    #[error("AWS_CREDENTIAL_EXPIRATION is not an RFC 3339 time")]
    BadEnvExpiration,
    /// One of `aws_access_key_id` and `aws_secret_access_key` without the other.
    #[error("the profile \"{profile}\" sets `{present}` but not `{missing}`")]
    PartialStatic {
        /// The profile.
        profile: String,
        /// The key that is set.
        present: &'static str,
        /// The key that is missing.
        missing: &'static str,
        /// Where `present` is set.
        origin: Origin,
    },
    /// Nothing gives credentials.
    #[error("Unable to retrieve credentials: no credentials found for the profile \"{profile}\"")]
    NoCredentials {
        /// The profile.
        profile: String,
        /// The profile's header, when it exists.
        origin: Option<Origin>,
    },
    /// `role_arn` without `source_profile` or `credential_source`.
    #[error(
        "the profile \"{profile}\" sets role_arn but neither source_profile nor credential_source"
    )]
    NoSource {
        /// The profile.
        profile: String,
        /// Where `role_arn` is set.
        origin: Origin,
    },
    /// Both `source_profile` and `credential_source`.
    #[error("The profile \"{profile}\" contains both source_profile and credential_source.")]
    BothSources {
        /// The profile.
        profile: String,
        /// Where `credential_source` is set.
        origin: Origin,
    },
    /// `credential_source` names no known source (the names are case-sensitive).
    #[error(
        "The credential source \"{name}\" referenced in profile \"{profile}\" is not valid (Environment, Ec2InstanceMetadata or EcsContainer)."
    )]
    BadCredentialSource {
        /// The profile.
        profile: String,
        /// The value.
        name: String,
        /// Where it is set.
        origin: Origin,
    },
    /// The `credential_source` gives nothing (no keys in the environment, no container
    /// variables, IMDS disabled).
    #[error(
        "No credentials found in credential_source \"{name}\" referenced in profile \"{profile}\""
    )]
    EmptyCredentialSource {
        /// The profile.
        profile: String,
        /// The value.
        name: String,
        /// Where it is set.
        origin: Origin,
    },
    /// `source_profile` names a profile that does not exist.
    #[error(
        "The source_profile \"{source_profile}\" referenced in the profile \"{profile}\" does not exist."
    )]
    SourceProfileNotFound {
        /// The profile that references it.
        profile: String,
        /// The missing profile.
        source_profile: String,
        /// Where `source_profile` is set.
        origin: Origin,
    },
    /// The source profile gives no credentials.
    #[error("The source profile \"{source_profile}\" (of \"{profile}\") must have credentials.")]
    SourceWithoutCredentials {
        /// The profile that references it.
        profile: String,
        /// The source profile.
        source_profile: String,
        /// Where `source_profile` is set.
        origin: Origin,
    },
    /// `source_profile` leads back to a profile already in the chain.
    #[error(
        "Infinite loop in credential configuration detected: profile cycle {}",
        chain.join(" -> ")
    )]
    Cycle {
        /// The profiles, outermost first, ending with the repeated one.
        chain: Vec<String>,
        /// Where the `source_profile` that closes the cycle is set.
        origin: Origin,
    },
    /// `web_identity_token_file` without `role_arn`.
    #[error("`web_identity_token_file` was specified but `role_arn` was missing")]
    WebIdentityWithoutRole {
        /// Where the token file is set (`None` when it comes from the environment).
        origin: Option<Origin>,
    },
    /// A container or IMDS setting is unusable.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// The `credential_process` would run `sso` for a profile it is already resolving.
    #[error("Credential process resolution detected an infinite loop, profile cycle: {}", chain.join(" -> "))]
    ProcessCycle {
        /// The chain, ending with the repeated profile: `a -> b -> a`.
        chain: Vec<String>,
        /// Where the profile's `credential_process` is set.
        origin: Origin,
    },
    /// The most nested `credential_process` profiles are already being
    /// resolved.
    #[error("Maximum recursive credential process resolution reached ({}).\nProfiles seen: {}", credentials::MAX_PROFILE_CHAIN, chain.join(" -> "))]
    TooDeep {
        /// The chain so far, then this profile.
        chain: Vec<String>,
        /// Where the profile's `credential_process` is set.
        origin: Origin,
    },
}

impl SourceError {
    /// Where in the config or credentials file the problem is, when there is a place.
    #[must_use]
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Self::PartialStatic { origin, .. }
            | Self::NoSource { origin, .. }
            | Self::BothSources { origin, .. }
            | Self::BadCredentialSource { origin, .. }
            | Self::EmptyCredentialSource { origin, .. }
            | Self::SourceProfileNotFound { origin, .. }
            | Self::SourceWithoutCredentials { origin, .. }
            | Self::Cycle { origin, .. }
            | Self::ProcessCycle { origin, .. }
            | Self::TooDeep { origin, .. } => Some(origin),
            Self::NoCredentials { origin, .. } | Self::WebIdentityWithoutRole { origin } => {
                origin.as_ref()
            }
            _ => None,
        }
    }
}

/// Why no credentials could be returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The configuration gives no usable source.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// SSO role credentials failed (login needed, portal refusal, cache).
    #[error("{error}")]
    Sso {
        /// Why.
        #[source]
        error: CredentialsError,
        /// The SSO login whose role credentials failed.
        target: Box<SsoTarget>,
    },
    /// The `credential_process` failed.
    #[error("Unable to retrieve credentials for the profile \"{}\": {error}", process.profile)]
    Process {
        /// Why.
        #[source]
        error: ProcessError,
        /// The process that failed (its origin points at the line).
        process: Box<ProcessSource>,
    },
    /// An STS call (AssumeRole, AssumeRoleWithWebIdentity) failed.
    #[error(transparent)]
    Sts(#[from] StsCallError),
    /// Container credentials or IMDS failed.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// `mfa_serial` is set and no code could be asked for.
    #[error(
        "the profile \"{profile}\" needs an MFA code for {mfa_serial}, and no terminal can ask for it"
    )]
    MfaUnavailable {
        /// The profile with `mfa_serial`.
        profile: String,
        /// `mfa_serial`.
        mfa_serial: String,
    },
    /// The web identity token file cannot be read.
    #[error("cannot read the web identity token file {}: {source}", path.display())]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// No home directory for `~/.aws/cli/cache` or `~/.aws/sso/cache`.
    #[error("cannot find the home directory, so not the AWS caches under ~/.aws")]
    NoHome,
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] ClientBuildError),
    /// The async runtime could not start.
    #[error("could not start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// A setting of the login has a value it cannot have.
    #[error("invalid {key} `{}`: expected {expected}", value.as_str().trim())]
    InvalidSetting {
        /// The key, e.g. `sso_wait_for_login`.
        key: &'static str,
        /// The value, with where it is set.
        value: Box<sso_config::Value>,
        /// What it should be.
        expected: &'static str,
    },
}

impl ChainError {
    /// Whether a new `sso login` fixes this error.
    #[must_use]
    pub fn needs_login(&self) -> bool {
        matches!(self, Self::Sso { error, .. } if error.needs_login())
    }
}

/// What [`credentials_in`] needs besides the handle.
pub(crate) struct Options<'a> {
    /// Asks for MFA codes (the CLI's terminal prompt).
    pub(crate) prompt: &'a dyn Prompt,
    /// How long an SSO source waits for a sign-in in progress in another process when it has
    /// no usable token (`--wait-for-login`); `None`: the login's `sso_wait_for_login`
    /// ([`WAIT_FOR_LOGIN_KEY`]), else no wait.
    pub(crate) wait_for_login: Option<Duration>,
    /// Whether to fill [`Resolved::expires_without_refresh`] (one more token-file read).
    pub(crate) check_login_expiry: bool,
    /// Only the selected profile's own source (the SDKs' profile provider): no environment
    /// keys, no container or IMDS fallback.
    pub(crate) profile_only: bool,
}

/// The longest accepted `sso_wait_for_login`, in seconds (an hour).
pub(crate) const MAX_WAIT_FOR_LOGIN_SECS: u64 = 3600;

/// How long the SSO source `target` waits for a sign-in elsewhere: `flag`, else the login's
/// `sso_wait_for_login` (0 to [`MAX_WAIT_FOR_LOGIN_SECS`] seconds), else zero.
fn wait_for_login(target: &SsoTarget, flag: Option<Duration>) -> Result<Duration, ChainError> {
    if let Some(wait) = flag {
        return Ok(wait);
    }
    let Some(value) = &target.wait_for_login else {
        return Ok(Duration::ZERO);
    };
    match value.as_str().trim().parse::<u64>() {
        Ok(secs) if secs <= MAX_WAIT_FOR_LOGIN_SECS => Ok(Duration::from_secs(secs)),
        _ => Err(ChainError::InvalidSetting {
            key: WAIT_FOR_LOGIN_KEY,
            value: Box::new(value.clone()),
            expected: "a number of seconds from 0 to 3600",
        }),
    }
}

/// The source the handle's selection plans to: `explicit` when the profile was named (no
/// environment keys), `profile_only` for the profile's own source alone.
fn plan_of(ctx: &AwsContext, explicit: bool, profile_only: bool) -> Result<Source, ChainError> {
    if profile_only {
        Ok(plan::plan_profile(ctx, ctx.selected_profile())?)
    } else {
        Ok(plan::plan(ctx, explicit)?)
    }
}

/// Credentials for the handle's selection: the one call of the use case (see the module
/// documentation); `explicit`: the selected profile was named, so environment keys are not
/// used.
///
/// Synchronous: a warm path (environment or static keys, a cached SSO or assumed-role entry)
/// starts no runtime and builds no HTTP client.
pub(crate) fn credentials_in(
    sso: &Sso,
    explicit: bool,
    options: Options<'_>,
) -> Result<Resolved, ChainError> {
    let source = plan_of(sso.config(), explicit, options.profile_only)?;
    credentials_of(sso, &source, options)
}

/// Who the credentials of the handle's selection are, as STS `GetCallerIdentity` says (`sso
/// whoami`), with where they came from and when they and the login behind them expire.
///
/// The credentials come from [`credentials_in`]'s path (warm or not); the STS call goes to
/// the selected profile's STS endpoint (protocol.md §11.5, §11.11).
pub(crate) fn whoami_in(
    sso: &Sso,
    explicit: bool,
    options: Options<'_>,
) -> Result<Identity, ChainError> {
    let ctx = sso.config();
    let source = plan_of(ctx, explicit, options.profile_only)?;
    let resolved = credentials_of(sso, &source, options)?;
    let settings = sts::StsSettings::of(ctx)?;
    let transport = sso.transport(source.uses_metadata())?;
    let runtime = sso.runtime_or_io().map_err(ChainError::Runtime)?;
    let caller = runtime.block_on(sts::caller_identity(
        transport,
        &settings,
        &resolved.credentials,
        sso.clock(),
    ))?;
    let login = cached_login(&source, &Caches::of(ctx), sso.now());
    Ok(Identity {
        caller,
        resolved,
        login,
    })
}

/// The SSO login at the root of `source` and its cached token's lifetime at `now`, without
/// refreshing; `None` when there is no SSO login or no token.
fn cached_login(source: &Source, caches: &Caches, now: sso_cache::Timestamp) -> Option<Login> {
    let target = source.login()?;
    let token = crate::token::cached_token(caches.sso.as_ref()?, target).ok()??;
    Some(Login {
        target: target.clone(),
        expires_at: token.expires_at,
        refreshable: !target.is_legacy() && token.can_refresh(now),
    })
}

/// [`cached_login`] of the source planned for a loaded context (`explicit`: as for
/// [`credentials_in`]); `None` also when no source can be planned.
pub(crate) fn login_in(
    ctx: &AwsContext,
    explicit: bool,
    now: sso_cache::Timestamp,
) -> Option<Login> {
    let source = plan::plan(ctx, explicit).ok()?;
    cached_login(&source, &Caches::of(ctx), now)
}

/// What [`crate::Sso::whoami`] returns.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Identity {
    /// STS's answer: account, ARN and user id.
    pub caller: sso_sts::CallerIdentity,
    /// The credentials and where they came from.
    pub resolved: Resolved,
    /// The SSO login at the root of the source (the profile's own, or its `source_profile`
    /// chain's), when there is one and a token is cached for it.
    pub login: Option<Login>,
}

/// An SSO login behind credentials: its settings and its cached token's lifetime.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Login {
    /// The login (sso-session or legacy settings).
    pub target: SsoTarget,
    /// When the cached access token expires.
    pub expires_at: sso_cache::Timestamp,
    /// Whether the token can be refreshed without a new sign-in (an sso-session login with a
    /// refresh token).
    pub refreshable: bool,
}

/// [`credentials_in`] once the source is planned: the warm path, else the source resolved
/// over the handle's transport (the metadata client for a chain that reaches a metadata
/// endpoint) on its runtime.
fn credentials_of(
    sso: &Sso,
    source: &Source,
    options: Options<'_>,
) -> Result<Resolved, ChainError> {
    let ctx = sso.config();
    let now = sso.now();
    let caches = Caches::of(ctx);
    if let Some(credentials) = cached(source, &caches, now)? {
        tracing::debug!(kind = ?source.kind(), "credentials without a network call");
        let expiry = login_expiry(source, &caches, now, false, options.check_login_expiry);
        return Ok(resolved(ctx, source, credentials, expiry));
    }
    let transport = sso.transport(source.uses_metadata())?;
    let runtime = sso.runtime_or_io().map_err(ChainError::Runtime)?;
    let resolver = Resolver {
        transport,
        ctx,
        caches: &caches,
        prompt: options.prompt,
        clock: sso.clock(),
        wait: options.wait_for_login,
    };
    let credentials = runtime.block_on(resolver.resolve(source, Warm::Missed))?;
    let now = sso.now();
    let expiry = login_expiry(source, &caches, now, true, options.check_login_expiry);
    Ok(resolved(ctx, source, credentials, expiry))
}

/// The default chain (or the explicitly selected profile) of a loaded context, resolved over
/// `transport` without the warm path first.
#[cfg(test)]
async fn resolve<T: Transport>(
    transport: &T,
    ctx: &AwsContext,
    explicit: bool,
    prompt: &dyn Prompt,
    clock: &dyn WallClock,
) -> Result<Resolved, ChainError> {
    let source = plan::plan(ctx, explicit)?;
    let caches = Caches::of(ctx);
    let resolver = Resolver {
        transport,
        ctx,
        caches: &caches,
        prompt,
        clock,
        wait: None,
    };
    let credentials = resolver.resolve(&source, Warm::Unchecked).await?;
    Ok(resolved(ctx, &source, credentials, None))
}

/// [`Resolved::expires_without_refresh`] of an SSO `source`, when `check`; `refresh_tried`:
/// the token was just fetched through the refreshing provider.
fn login_expiry(
    source: &Source,
    caches: &Caches,
    now: sso_cache::Timestamp,
    refresh_tried: bool,
    check: bool,
) -> Option<sso_cache::Timestamp> {
    let Source::Sso(target) = source else {
        return None;
    };
    if !check {
        return None;
    }
    let token = crate::token::cached_token(caches.sso.as_ref()?, target).ok()??;
    crate::token::expires_without_refresh(&token, target, now, refresh_tried)
        .then_some(token.expires_at)
}

fn resolved(
    ctx: &AwsContext,
    source: &Source,
    credentials: Credentials,
    expires_without_refresh: Option<sso_cache::Timestamp>,
) -> Resolved {
    let env = ctx.env();
    let profile = (!matches!(source, Source::Env(_))).then(|| ctx.selected_profile().to_owned());
    let region = env
        .first_var(&["AWS_REGION", "AWS_DEFAULT_REGION"])
        .or_else(|| match source {
            // The SSO target read the profile's region when it resolved the profile.
            Source::Sso(target) => target.profile_region.clone(),
            _ => profile
                .as_deref()
                .and_then(|p| ctx.profiles().profile(p))
                .and_then(|props| ProfileView(props).region())
                .map(|value| value.as_str().to_owned()),
        });
    let sso_target = match source {
        Source::Sso(target) => Some((**target).clone()),
        _ => None,
    };
    Resolved {
        credentials,
        profile,
        region,
        sso_target,
        kind: source.kind(),
        expires_without_refresh,
    }
}

/// The two cache directories (absent without a home directory).
struct Caches {
    sso: Option<CacheDir>,
    cli: Option<CacheDir>,
}

impl Caches {
    fn of(ctx: &AwsContext) -> Self {
        Self {
            sso: ctx.sso_cache(),
            cli: ctx.cli_cache(),
        }
    }

    fn cli(&self) -> Result<&CacheDir, ChainError> {
        self.cli.as_ref().ok_or(ChainError::NoHome)
    }
}

/// The warm path: credentials available without a network call, or `None`.
fn cached(
    source: &Source,
    caches: &Caches,
    now: sso_cache::Timestamp,
) -> Result<Option<Credentials>, ChainError> {
    match source {
        Source::Env(credentials) | Source::Static(credentials) => Ok(Some(credentials.clone())),
        Source::Process(process) => run_process(process).map(Some),
        Source::Sso(target) => {
            let Some(cli) = caches.cli.as_ref() else {
                return Ok(None);
            };
            Ok(credentials::cached_role_credentials(cli, target, now)
                .map_err(|error| sso_error(error, target))?
                .map(Credentials::from))
        }
        Source::AssumeRole(role) => Ok(caches
            .cli
            .as_ref()
            .and_then(|cli| sts::cached_assume_role(cli, role, now))),
        Source::WebIdentity(web) => Ok(caches
            .cli
            .as_ref()
            .and_then(|cli| sts::cached_web_identity(cli, web, now))),
        Source::Container(_) | Source::Imds(_) => Ok(None),
    }
}

fn sso_error(error: CredentialsError, target: &SsoTarget) -> ChainError {
    ChainError::Sso {
        error,
        target: Box::new(target.clone()),
    }
}

fn run_process(process: &ProcessSource) -> Result<Credentials, ChainError> {
    tracing::debug!(profile = %process.profile, chain = %process.chain.join(","), "credentials from the credential_process");
    process.run().map_err(|error| ChainError::Process {
        error,
        process: Box::new(process.clone()),
    })
}

/// Whether the caller has just looked for `source`'s cached entry ([`cached`]) and found none:
/// then it is read again only under the entry's lock, not once more before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Warm {
    /// The warm path just missed.
    Missed,
    /// Not looked at yet (the hops of a chain).
    Unchecked,
}

/// What every hop of a resolution shares.
struct Resolver<'a, T> {
    transport: &'a T,
    ctx: &'a AwsContext,
    caches: &'a Caches,
    prompt: &'a dyn Prompt,
    clock: &'a dyn WallClock,
    /// `--wait-for-login`, for an SSO hop.
    wait: Option<Duration>,
}

impl<'a, T: Transport> Resolver<'a, T> {
    /// Resolves `source`, hop by hop, over the transport.
    fn resolve(
        &'a self,
        source: &'a Source,
        warm: Warm,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Credentials, ChainError>> + Send + 'a>,
    > {
        let Self {
            transport,
            ctx,
            caches,
            prompt,
            clock,
            wait,
        } = *self;
        let unchecked = warm == Warm::Unchecked;
        Box::pin(async move {
            let now = sso_cache::Timestamp::from_unix_ms(clock.now_unix_ms());
            match source {
                Source::Env(credentials) | Source::Static(credentials) => Ok(credentials.clone()),
                Source::Process(process) => run_process(process),
                Source::Sso(target) => {
                    let sso = caches.sso.as_ref().ok_or(ChainError::NoHome)?;
                    let options = CredentialOptions::wait_for_login(wait_for_login(target, wait)?)
                        .checked_cache(!unchecked);
                    let credentials = credentials::role_credentials_with(
                        transport,
                        sso,
                        caches.cli()?,
                        target,
                        clock,
                        &options,
                    )
                    .await
                    .map_err(|error| sso_error(error, target))?;
                    Ok(Credentials::from(credentials))
                }
                Source::AssumeRole(role) => {
                    if let Some(credentials) = caches
                        .cli
                        .as_ref()
                        .filter(|_| unchecked)
                        .and_then(|cli| sts::cached_assume_role(cli, role, now))
                    {
                        tracing::debug!(profile = %role.profile, "cached assumed-role credentials");
                        return Ok(credentials);
                    }
                    let key = sts::assume_role_key(role);
                    sts::fetch_once(caches.cli.as_ref(), &key, clock, || async {
                        let source_credentials =
                            self.resolve(&role.source, Warm::Unchecked).await?;
                        let token_code = match &role.mfa_serial {
                            None => None,
                            Some(serial) => Some(prompt.mfa_code(serial).ok_or_else(|| {
                                ChainError::MfaUnavailable {
                                    profile: role.profile.clone(),
                                    mfa_serial: serial.clone(),
                                }
                            })?),
                        };
                        let settings = sts::StsSettings::of(ctx)?;
                        sts::assume_role(
                            transport,
                            &settings,
                            role,
                            &source_credentials,
                            token_code,
                            clock,
                        )
                        .await
                    })
                    .await
                }
                Source::WebIdentity(web) => {
                    if let Some(credentials) = caches
                        .cli
                        .as_ref()
                        .filter(|_| unchecked)
                        .and_then(|cli| sts::cached_web_identity(cli, web, now))
                    {
                        return Ok(credentials);
                    }
                    let key = sts::web_identity_key(web);
                    sts::fetch_once(caches.cli.as_ref(), &key, clock, || async {
                        let settings = sts::StsSettings::of(ctx)?;
                        sts::assume_role_with_web_identity(transport, &settings, web, clock).await
                    })
                    .await
                }
                Source::Container(container) => Ok(container.fetch(transport).await?),
                Source::Imds(imds) => Ok(imds.fetch(transport).await?),
            }
        })
    }
}

#[cfg(test)]
mod tests;
