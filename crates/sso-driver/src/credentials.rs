//! The credential provider of SSO profiles: role credentials for `sso_account_id` and
//! `sso_role_name`, shared with the AWS CLI through `~/.aws/cli/cache` (protocol.md §4.5).
//!
//! Two entry points, for the two paths of every `credential_process` call:
//!
//! - [`cached_role_credentials`] is the **warm path**: synchronous, no runtime, no network, no
//!   TLS. It computes the AWS CLI's cache key (SHA-1 of `{"accountId","roleName",
//!   "sessionName"|"startUrl"}`), reads that one file and returns the credentials when they are
//!   valid for more than 15 minutes ([`EXPIRY_WINDOW`], botocore's
//!   `CachedCredentialFetcher` rule).
//! - [`role_credentials_with`] is the whole provider: the warm path first; on a miss, a usable SSO
//!   token from [`crate::token::fresh_token`] (refreshed single-flight when needed, never a
//!   browser login), then `GetRoleCredentials`, and the entry written back atomically in the
//!   AWS CLI's format (`{"ProviderType": "sso", "Credentials": {...}}`) so that `aws`, boto3
//!   and the next `sso` call reuse it. The fetch is single-flight across processes
//!   (`single_flight::fetch_once`): the entry's lock is taken, the entry read again,
//!   and only a caller that still finds it missing or stale calls `GetRoleCredentials`.
//!
//! Like the AWS CLI, an unparsable cache entry counts as a miss and is overwritten, and a
//! failure to write the entry back is logged (`tracing::warn!`) without failing the call: the
//! credentials are good either way. It can wait for a sign-in in progress in another process
//! instead of failing ([`CredentialOptions::wait_for_login`]).
//!
//! [`Credentials`] is the one shape every source ends in; which source a profile uses, and the
//! whole chain beyond SSO, is [`crate::chain`]'s job; embedders reach both through
//! [`crate::Sso::credentials`].

use std::time::Duration;

use sso_cache::{CacheDir, CacheError, CacheKey, RoleCredentials, SecretAccessKey, SessionToken};
use sso_config::Origin;

use crate::clock::WallClock;
use crate::context::SsoTarget;
use crate::portal::{self, PortalError};
use crate::process::{self, ProcessError};
use crate::single_flight;
use crate::token::{self, TokenError};
use crate::transport::Transport;

/// Cached role credentials are used while more than this remains (15 minutes).
pub(crate) const EXPIRY_WINDOW: Duration = sso_cache::EXPIRY_WINDOW;

/// Why no role credentials could be returned. Each message says what to run next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The profile has SSO login settings but no role: it can sign in, not give credentials.
    #[error(
        "The profile \"{profile}\" is configured to use SSO but is missing required configuration: {}",
        missing.join(", ")
    )]
    NotARoleProfile {
        /// The profile (or the sso-session, for a target without a profile).
        profile: String,
        /// The missing keys: `sso_role_name`, `sso_account_id`, in the AWS CLI's order.
        missing: Vec<&'static str>,
    },
    /// No usable SSO token: not logged in, expired, refresh failed, unreadable cache.
    #[error("{source}; the {login} needs a new sign-in")]
    Token {
        /// The login, as [`SsoTarget::describe`] names it (``sso-session `my-sso` ``).
        login: String,
        /// Why.
        #[source]
        source: TokenError,
    },
    /// `GetRoleCredentials` failed. A 401 means the token is no longer accepted (sign in
    /// again); a 403 that the user may not use this role.
    #[error("could not get credentials for role {role_name} in account {account_id}: {source}")]
    Portal {
        /// `sso_account_id`.
        account_id: String,
        /// `sso_role_name`.
        role_name: String,
        /// The portal's answer or the transport failure.
        #[source]
        source: PortalError,
    },
    /// The role-credential cache could not be read (permissions); fix the file or directory
    /// it names.
    #[error("cannot read the role-credential cache: {0}")]
    Cache(#[source] CacheError),
}

impl CredentialsError {
    /// Whether a new `sso login` fixes this error.
    #[must_use]
    pub fn needs_login(&self) -> bool {
        match self {
            Self::Token { .. } => true,
            Self::Portal { source, .. } => source.is_unauthorized(),
            _ => false,
        }
    }
}

/// The account and role of a profile target.
///
/// # Errors
///
/// [`CredentialsError::NotARoleProfile`] naming the missing keys, as the AWS CLI words it.
pub(crate) fn role_of(target: &SsoTarget) -> Result<(&str, &str), CredentialsError> {
    match (&target.account_id, &target.role_name) {
        (Some(account), Some(role)) => Ok((account, role)),
        (account, role) => {
            let missing = sso_config::missing_role_keys(account.is_some(), role.is_some());
            let profile = target
                .profile
                .clone()
                .or_else(|| target.session_name.clone())
                .unwrap_or_else(|| "default".to_owned());
            Err(CredentialsError::NotARoleProfile { profile, missing })
        }
    }
}

/// The role-credential cache key of a profile target (protocol.md §4.5).
///
/// # Errors
///
/// [`CredentialsError::NotARoleProfile`] when the profile has no account or role.
pub(crate) fn role_cache_key(target: &SsoTarget) -> Result<CacheKey, CredentialsError> {
    let (account, role) = role_of(target)?;
    Ok(CacheKey::for_role_credentials(
        account,
        role,
        target.login(),
    ))
}

/// The cached role credentials of `target` when they are valid for more than
/// [`EXPIRY_WINDOW`] at `now`; `Ok(None)` when missing, stale or unparsable.
///
/// Synchronous and network-free: the warm path of `sso export-credentials`.
///
/// # Errors
///
/// [`CredentialsError::NotARoleProfile`], or [`CredentialsError::Cache`] when the file exists
/// but cannot be read.
pub(crate) fn cached_role_credentials(
    cli_cache: &CacheDir,
    target: &SsoTarget,
    now: sso_cache::Timestamp,
) -> Result<Option<RoleCredentials>, CredentialsError> {
    let key = role_cache_key(target)?;
    match cli_cache.read::<RoleCredentials>(&key) {
        Ok(Some(credentials)) if credentials.is_fresh(now, EXPIRY_WINDOW) => Ok(Some(credentials)),
        Ok(Some(_)) | Ok(None) => Ok(None),
        Err(CacheError::Bad { path, reason }) => {
            // botocore's JSONFileCache treats an unreadable entry as a miss, then rewrites it.
            tracing::warn!(path = %path.display(), %reason, "ignoring an unusable role-credential cache entry");
            Ok(None)
        }
        Err(error) => Err(CredentialsError::Cache(error)),
    }
}

/// Role credentials for `target`: from the cache when valid for more than 15 minutes, else
/// fetched with a fresh SSO token and written to the cache in the AWS CLI's format.
///
/// `sso_cache` is `~/.aws/sso/cache` (tokens), `cli_cache` is `~/.aws/cli/cache` (role
/// credentials); see [`crate::context::AwsContext::sso_cache`] and
/// [`crate::context::AwsContext::cli_cache`]. Never opens a browser. The fetch is single-flight
/// across processes (`single_flight::fetch_once`): N callers missing the same entry
/// at once make one `GetRoleCredentials` call.
///
/// # Errors
///
/// [`CredentialsError`]; [`CredentialsError::needs_login`] tells whether `sso login` helps.
#[cfg(test)]
pub(crate) async fn role_credentials<T: Transport>(
    transport: &T,
    sso_cache: &CacheDir,
    cli_cache: &CacheDir,
    target: &SsoTarget,
    clock: &dyn WallClock,
) -> Result<RoleCredentials, CredentialsError> {
    role_credentials_with(
        transport,
        sso_cache,
        cli_cache,
        target,
        clock,
        &CredentialOptions::default(),
    )
    .await
}

/// How [`role_credentials_with`] gets a token when there is no usable one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct CredentialOptions {
    /// When the token is missing or expired and another process is signing in to this login,
    /// wait up to this long for that sign-in ([`token::fresh_token_or_wait`]); zero (the
    /// default) fails at once.
    pub wait_for_login: Duration,
    /// The caller has just read the entry ([`cached_role_credentials`]) and found it missing or
    /// stale: it is read again only under its lock.
    pub checked_cache: bool,
}

impl CredentialOptions {
    /// Options that wait up to `wait` for a sign-in in progress elsewhere.
    #[must_use]
    pub(crate) fn wait_for_login(wait: Duration) -> Self {
        Self {
            wait_for_login: wait,
            checked_cache: false,
        }
    }

    /// Whether the caller has just found the entry missing or stale.
    #[must_use]
    pub(crate) fn checked_cache(mut self, checked: bool) -> Self {
        self.checked_cache = checked;
        self
    }
}

/// [`role_credentials`] with options.
///
/// # Errors
///
/// As [`role_credentials`].
pub(crate) async fn role_credentials_with<T: Transport>(
    transport: &T,
    sso_cache: &CacheDir,
    cli_cache: &CacheDir,
    target: &SsoTarget,
    clock: &dyn WallClock,
    options: &CredentialOptions,
) -> Result<RoleCredentials, CredentialsError> {
    let (account_id, role_name) = role_of(target)?;
    let now = sso_cache::Timestamp::from_unix_ms(clock.now_unix_ms());
    if !options.checked_cache
        && let Some(credentials) = cached_role_credentials(cli_cache, target, now)?
    {
        tracing::debug!("using cached role credentials");
        return Ok(credentials);
    }
    // The token first (itself single-flight), so that the credential entry's lock is never
    // held while a refresh or a sign-in elsewhere is awaited.
    let token =
        token::fresh_token_or_wait(transport, sso_cache, target, clock, options.wait_for_login)
            .await
            .map_err(|source| CredentialsError::Token {
                login: target.describe(),
                source,
            })?;
    let access_token = token.access_token.clone();
    let key = role_cache_key(target)?;
    let fresh = |cached: &RoleCredentials| {
        cached.is_fresh(
            sso_cache::Timestamp::from_unix_ms(clock.now_unix_ms()),
            EXPIRY_WINDOW,
        )
    };
    single_flight::fetch_once(cli_cache, &key, fresh, || async {
        portal::get_role_credentials(
            transport,
            &target.portal_endpoint,
            &access_token,
            account_id,
            role_name,
            sso_oidc::Timestamp::from_unix_ms(clock.now_unix_ms()),
        )
        .await
        .map_err(|source| CredentialsError::Portal {
            account_id: account_id.to_owned(),
            role_name: role_name.to_owned(),
            source,
        })
    })
    .await
}

// --- Any profile: the shapes the chain shares. ---

/// The environment variable that carries the profiles whose `credential_process` is being run,
/// comma-separated, outermost first: `sso` sets it for the process it starts and refuses a
/// profile already in it. It is `sso`'s own, not the AWS CLI's `_AWS_CLI_PROFILE_CHAIN`, so
/// that `aws configure export-credentials --profile P` on a profile whose `credential_process`
/// is `sso export-credentials --profile P` (a common setup) is not taken for a loop.
pub(crate) const PROFILE_CHAIN_ENV: &str = "SSO_PROFILE_CHAIN";

/// At this many profiles in [`PROFILE_CHAIN_ENV`], no further `credential_process` is run (the
/// AWS CLI's limit).
pub(crate) const MAX_PROFILE_CHAIN: usize = 4;

/// Credentials of any profile, whatever their source.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Credentials {
    /// `AccessKeyId`; not a secret on its own.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: SecretAccessKey,
    /// `SessionToken`; absent for long-term keys.
    pub session_token: Option<SessionToken>,
    /// When they expire; absent for credentials that do not.
    pub expiration: Option<sso_cache::Timestamp>,
    /// The account they belong to, when known.
    pub account_id: Option<String>,
}

impl From<RoleCredentials> for Credentials {
    fn from(credentials: RoleCredentials) -> Self {
        Self {
            access_key_id: credentials.access_key_id,
            secret_access_key: credentials.secret_access_key,
            session_token: Some(credentials.session_token),
            expiration: Some(credentials.expiration),
            account_id: credentials.account_id,
        }
    }
}

/// A profile's `credential_process`, ready to run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProcessSource {
    /// The profile.
    pub profile: String,
    /// The command line, run through the platform shell.
    pub command: String,
    /// The profile's `aws_account_id`, used when the output has no `AccountId`.
    pub account_id: Option<String>,
    /// Where `credential_process` is set.
    pub origin: Origin,
    /// `SSO_PROFILE_CHAIN` for the process: the chain this `sso` runs in, then `profile`.
    pub chain: Vec<String>,
}

impl ProcessSource {
    /// Runs the command with `SSO_PROFILE_CHAIN` set to [`ProcessSource::chain`] and reads the
    /// credentials it prints (`process::run_credential_process`).
    ///
    /// # Errors
    ///
    /// [`ProcessError`]; its message never quotes what the process printed.
    pub fn run(&self) -> Result<Credentials, ProcessError> {
        let chain = self.chain.join(",");
        process::run_credential_process(
            &self.command,
            self.account_id.as_deref(),
            &[(PROFILE_CHAIN_ENV, chain.as_str())],
        )
    }
}
