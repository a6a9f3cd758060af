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
//! - [`role_credentials`] is the whole provider: the warm path first; on a miss, a usable SSO
//!   token from [`crate::token::fresh_token`] (refreshed single-flight when needed, never a
//!   browser login), then `GetRoleCredentials`, and the entry written back atomically in the
//!   AWS CLI's format (`{"ProviderType": "sso", "Credentials": {...}}`) so that `aws`, boto3
//!   and the next `sso` call reuse it.
//!
//! Like the AWS CLI, an unparsable cache entry counts as a miss and is overwritten, and a
//! failure to write the entry back is logged (`tracing::warn!`) without failing the call: the
//! credentials are good either way.
//!
//! [`profile_source`] comes first for a profile that may not be an SSO profile: it decides,
//! with the SDKs' precedence, whether the profile's credentials are static keys, a
//! `credential_process` or SSO ([`ProfileSource`]), without running or reading anything but
//! the already loaded files. [`Credentials`] is the one shape all three end in.
//!
//! ```no_run
//! use sso_driver::clock::{SystemClock, WallClock as _};
//! use sso_driver::context::AwsContext;
//! use sso_driver::env::Env;
//! use sso_driver::http::{HttpClient, HttpConfig};
//! use sso_driver::{convert, credentials};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let env = Env::process();
//! let ctx = AwsContext::load(&env, Some("dev"))?;
//! let target = ctx.target_for_profile("dev")?;
//! let cli_cache = ctx.cli_cache().ok_or("no home directory")?;
//! let sso_cache = ctx.sso_cache().ok_or("no home directory")?;
//!
//! // Warm path: no runtime, no HTTP client.
//! let now = convert::unix_ms_to_cache_time(SystemClock.now_unix_ms());
//! let credentials = match credentials::cached_role_credentials(&cli_cache, &target, now)? {
//!     Some(credentials) => credentials,
//!     // Miss: refresh the token if needed, call GetRoleCredentials, write the cache.
//!     None => {
//!         let http = HttpClient::new(HttpConfig::default(), &env)?;
//!         credentials::role_credentials(&http, &sso_cache, &cli_cache, &target, &SystemClock)
//!             .await?
//!     }
//! };
//! assert!(credentials.access_key_id.starts_with("ASIA"));
//! # Ok(()) }
//! ```

use std::time::Duration;

use sso_cache::{CacheDir, CacheError, CacheKey, RoleCredentials, SecretAccessKey, SessionToken};
use sso_config::{Origin, Properties, ResolveError};

use crate::clock::WallClock;
use crate::context::{AwsContext, ContextError, SsoTarget};
use crate::convert;
use crate::portal::{self, PortalError};
use crate::process::{self, ProcessError};
use crate::token::{self, TokenError};
use crate::transport::Transport;

/// Cached role credentials are used while more than this remains (15 minutes).
pub const EXPIRY_WINDOW: Duration = sso_cache::EXPIRY_WINDOW;

/// Why no role credentials could be returned. Each message says what to run next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The profile has SSO login settings but no role: it can sign in, not give credentials.
    #[error(
        "The profile \"{profile}\" is configured to use SSO but is missing required configuration: {}; add them to the profile (`sso configure --profile {profile}` does it)",
        missing.join(", ")
    )]
    NotARoleProfile {
        /// The profile (or the sso-session, for a target without a profile).
        profile: String,
        /// The missing keys: `sso_role_name`, `sso_account_id`, in the AWS CLI's order.
        missing: Vec<&'static str>,
    },
    /// No usable SSO token: not logged in, expired, refresh failed, unreadable cache.
    #[error("{source}; run `sso login {login}`")]
    Token {
        /// The `sso login` flags that sign in again, e.g. `--sso-session my-sso`.
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

/// The `sso login` flags for `target`: `--sso-session NAME`, or `--profile P` for a legacy
/// profile.
fn login_flags(target: &SsoTarget) -> String {
    match (&target.session_name, &target.profile) {
        (Some(session), _) => format!("--sso-session {session}"),
        (None, Some(profile)) => format!("--profile {profile}"),
        (None, None) => format!("--profile default (start URL {})", target.start_url),
    }
}

/// The account and role of a profile target.
///
/// # Errors
///
/// [`CredentialsError::NotARoleProfile`] naming the missing keys, as the AWS CLI words it.
pub fn role_of(target: &SsoTarget) -> Result<(&str, &str), CredentialsError> {
    match (&target.account_id, &target.role_name) {
        (Some(account), Some(role)) => Ok((account, role)),
        (account, role) => {
            let mut missing = Vec::new();
            if role.is_none() {
                missing.push("sso_role_name");
            }
            if account.is_none() {
                missing.push("sso_account_id");
            }
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
pub fn role_cache_key(target: &SsoTarget) -> Result<CacheKey, CredentialsError> {
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
pub fn cached_role_credentials(
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
/// [`crate::context::AwsContext::cli_cache`]. Never opens a browser.
///
/// # Errors
///
/// [`CredentialsError`]; [`CredentialsError::needs_login`] tells whether `sso login` helps.
pub async fn role_credentials<T: Transport>(
    transport: &T,
    sso_cache: &CacheDir,
    cli_cache: &CacheDir,
    target: &SsoTarget,
    clock: &dyn WallClock,
) -> Result<RoleCredentials, CredentialsError> {
    let (account_id, role_name) = role_of(target)?;
    let now = convert::unix_ms_to_cache_time(clock.now_unix_ms());
    if let Some(credentials) = cached_role_credentials(cli_cache, target, now)? {
        tracing::debug!("using cached role credentials");
        return Ok(credentials);
    }
    let token = token::fresh_token(transport, sso_cache, target, clock)
        .await
        .map_err(|source| CredentialsError::Token {
            login: login_flags(target),
            source,
        })?;
    let access_token = sso_oidc::AccessToken::new(token.access_token.expose_secret());
    let credentials = portal::get_role_credentials(
        transport,
        &target.portal_endpoint,
        &access_token,
        account_id,
        role_name,
    )
    .await
    .map_err(|source| CredentialsError::Portal {
        account_id: account_id.to_owned(),
        role_name: role_name.to_owned(),
        source,
    })?;
    let key = role_cache_key(target)?;
    if let Err(error) = cli_cache.write(&key, &credentials) {
        tracing::warn!(%error, "could not cache the role credentials");
    }
    Ok(credentials)
}

// --- Any profile: static keys, credential_process or SSO. ---

/// The environment variable that carries the profiles whose `credential_process` is being run,
/// comma-separated, outermost first: `sso` sets it for the process it starts and refuses a
/// profile already in it. It is `sso`'s own, not the AWS CLI's `_AWS_CLI_PROFILE_CHAIN`, so
/// that `aws configure export-credentials --profile P` on a profile whose `credential_process`
/// is `sso export-credentials --profile P` (a common setup) is not taken for a loop.
pub const PROFILE_CHAIN_ENV: &str = "SSO_PROFILE_CHAIN";

/// At this many profiles in [`PROFILE_CHAIN_ENV`], no further `credential_process` is run (the
/// AWS CLI's limit).
pub const MAX_PROFILE_CHAIN: usize = 4;

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

/// Where a profile's credentials come from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ProfileSource {
    /// `aws_access_key_id`, `aws_secret_access_key` and optionally `aws_session_token`, in the
    /// config or credentials file (the latter wins for a key set in both).
    Static(Credentials),
    /// `credential_process`: run it with [`ProcessSource::run`].
    Process(ProcessSource),
    /// SSO keys (`sso_session`, `sso_start_url`, `sso_account_id`, ...): the warm path is
    /// [`cached_role_credentials`], the whole provider [`role_credentials`].
    Sso(Box<SsoTarget>),
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
    /// [`PROFILE_CHAIN_ENV`] for the process: the chain this `sso` runs in, then `profile`.
    pub chain: Vec<String>,
}

impl ProcessSource {
    /// Runs the command with [`PROFILE_CHAIN_ENV`] set to [`ProcessSource::chain`] and reads the
    /// credentials it prints ([`process::run_credential_process`]).
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

/// Why a profile has no usable credential source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The profile does not exist, or its SSO settings do not resolve.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// The profile assumes a role (`role_arn`) or uses web identity
    /// (`web_identity_token_file`), which `sso` does not do.
    #[error(
        "the profile \"{profile}\" gets its credentials with `{key}`{detail}, which sso does not support"
    )]
    Unsupported {
        /// The profile.
        profile: String,
        /// `role_arn` or `web_identity_token_file`.
        key: &'static str,
        /// The rest of the setup in words, e.g. ` (role_arn arn:...; source_profile base)`.
        detail: String,
        /// Where `key` is set.
        origin: Origin,
    },
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
    /// Nothing in the profile gives credentials.
    #[error("Unable to retrieve credentials: no credentials found in the profile \"{profile}\"")]
    NoCredentials {
        /// The profile.
        profile: String,
        /// The profile's header.
        origin: Origin,
    },
    /// The `credential_process` would run `sso` for a profile it is already resolving.
    #[error("Credential process resolution detected an infinite loop, profile cycle: {}", chain.join(" -> "))]
    Cycle {
        /// The chain, ending with the repeated profile: `a -> b -> a`.
        chain: Vec<String>,
        /// Where the profile's `credential_process` is set.
        origin: Origin,
    },
    /// [`MAX_PROFILE_CHAIN`] `credential_process` profiles are already being resolved.
    #[error("Maximum recursive credential process resolution reached ({MAX_PROFILE_CHAIN}).\nProfiles seen: {}", chain.join(" -> "))]
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
            Self::Context(_) => None,
            Self::Unsupported { origin, .. }
            | Self::PartialStatic { origin, .. }
            | Self::NoCredentials { origin, .. }
            | Self::Cycle { origin, .. }
            | Self::TooDeep { origin, .. } => Some(origin),
        }
    }
}

/// The keys whose presence makes a profile an SSO profile (the Rust SDK's test).
const SSO_KEYS: &[&str] = &[
    "sso_account_id",
    "sso_region",
    "sso_role_name",
    "sso_start_url",
    "sso_session",
];

/// Where the credentials of `profile` come from, with the SDKs' precedence (the Rust SDK's
/// profile provider; protocol.md §7):
///
/// 1. `role_arn`: assuming a role, [`SourceError::Unsupported`];
/// 2. `web_identity_token_file`: [`SourceError::Unsupported`];
/// 3. any SSO key (`sso_session`, `sso_start_url`, `sso_region`, `sso_account_id`,
///    `sso_role_name`): [`ProfileSource::Sso`], resolved as `sso login` resolves it;
/// 4. `credential_process`: [`ProfileSource::Process`], unless the profile is already in the
///    [`PROFILE_CHAIN_ENV`] of `ctx`'s environment ([`SourceError::Cycle`]) or that chain is
///    [`MAX_PROFILE_CHAIN`] long ([`SourceError::TooDeep`]);
/// 5. `aws_access_key_id` and `aws_secret_access_key`: [`ProfileSource::Static`];
/// 6. else [`SourceError::NoCredentials`].
///
/// Only the loaded files and the environment are read: nothing is spawned or fetched, so the
/// warm path of an SSO profile costs what [`AwsContext::target_for_profile`] costs.
/// (botocore checks static keys of the credentials file before `credential_process`; a profile
/// that sets both is rare and the SDKs disagree, so the Rust SDK's order is kept.)
///
/// # Errors
///
/// [`SourceError`].
pub fn profile_source(ctx: &AwsContext, profile: &str) -> Result<ProfileSource, SourceError> {
    let Some(properties) = ctx.profiles().profile(profile) else {
        return Err(ContextError::Resolve(ResolveError::ProfileNotFound {
            profile: profile.to_owned(),
        })
        .into());
    };
    if let Some(role_arn) = properties.get("role_arn") {
        let via = ["source_profile", "credential_source"]
            .iter()
            .find_map(|key| {
                properties
                    .get_str(key)
                    .map(|value| format!("; {key} {value}"))
            })
            .unwrap_or_default();
        return Err(SourceError::Unsupported {
            profile: profile.to_owned(),
            key: "role_arn",
            detail: format!(" ({}{via})", role_arn.as_str()),
            origin: role_arn.origin().clone(),
        });
    }
    if let Some(token_file) = properties.get("web_identity_token_file") {
        return Err(SourceError::Unsupported {
            profile: profile.to_owned(),
            key: "web_identity_token_file",
            detail: String::new(),
            origin: token_file.origin().clone(),
        });
    }
    if SSO_KEYS.iter().any(|key| properties.get(key).is_some()) {
        let target = ctx.target_for_profile(profile)?;
        return Ok(ProfileSource::Sso(Box::new(target)));
    }
    if let Some(command) = properties.get("credential_process") {
        let chain = profile_chain(ctx);
        let mut next = chain.clone();
        next.push(profile.to_owned());
        let origin = command.origin().clone();
        if chain.iter().any(|seen| seen == profile) {
            return Err(SourceError::Cycle {
                chain: next,
                origin,
            });
        }
        if chain.len() >= MAX_PROFILE_CHAIN {
            return Err(SourceError::TooDeep {
                chain: next,
                origin,
            });
        }
        return Ok(ProfileSource::Process(ProcessSource {
            profile: profile.to_owned(),
            command: command.as_str().to_owned(),
            account_id: properties.get_str("aws_account_id").map(str::to_owned),
            origin,
            chain: next,
        }));
    }
    static_source(profile, properties)
}

/// The profiles in [`PROFILE_CHAIN_ENV`], outermost first.
fn profile_chain(ctx: &AwsContext) -> Vec<String> {
    ctx.env()
        .var(PROFILE_CHAIN_ENV)
        .map(|chain| {
            chain
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Step 5 and 6 of [`profile_source`].
fn static_source(profile: &str, properties: &Properties) -> Result<ProfileSource, SourceError> {
    const KEY_ID: &str = "aws_access_key_id";
    const SECRET: &str = "aws_secret_access_key";
    match (properties.get(KEY_ID), properties.get(SECRET)) {
        (Some(key_id), Some(secret)) => Ok(ProfileSource::Static(Credentials {
            access_key_id: key_id.as_str().to_owned(),
            secret_access_key: SecretAccessKey::new(secret.as_str()),
            session_token: properties
                .get_str("aws_session_token")
                .filter(|token| !token.is_empty())
                .map(SessionToken::new),
            expiration: None,
            account_id: properties.get_str("aws_account_id").map(str::to_owned),
        })),
        (Some(key_id), None) => Err(SourceError::PartialStatic {
            profile: profile.to_owned(),
            present: KEY_ID,
            missing: SECRET,
            origin: key_id.origin().clone(),
        }),
        (None, Some(secret)) => Err(SourceError::PartialStatic {
            profile: profile.to_owned(),
            present: SECRET,
            missing: KEY_ID,
            origin: secret.origin().clone(),
        }),
        (None, None) => Err(SourceError::NoCredentials {
            profile: profile.to_owned(),
            origin: properties.origin().clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::env::Env;

    const CONFIG: &str = "\
[profile sso]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnly
credential_process = never-run
aws_access_key_id = AKIANEVER
aws_secret_access_key = never

[profile process]
credential_process = my-helper --profile x
aws_account_id = 222222222222
aws_access_key_id = AKIANEVER
aws_secret_access_key = never

[profile static]
aws_access_key_id = AKIASTATIC
aws_secret_access_key = from-config

[profile role]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = static
sso_session = my-sso

[profile web]
web_identity_token_file = /tmp/token
credential_process = never-run

[profile half]
aws_access_key_id = AKIAHALF

[profile empty]
region = us-east-1

[sso-session my-sso]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
";

    const CREDENTIALS: &str = "\
[static]
aws_secret_access_key = from-credentials
aws_session_token = tok
";

    fn context(chain: Option<&str>) -> (tempfile::TempDir, AwsContext) {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let credentials = dir.path().join("credentials");
        std::fs::write(&config, CONFIG).unwrap();
        std::fs::write(&credentials, CREDENTIALS).unwrap();
        let mut vars = vec![
            ("HOME".to_owned(), dir.path().display().to_string()),
            ("AWS_CONFIG_FILE".to_owned(), config.display().to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                credentials.display().to_string(),
            ),
        ];
        if let Some(chain) = chain {
            vars.push((PROFILE_CHAIN_ENV.to_owned(), chain.to_owned()));
        }
        let ctx = AwsContext::load(&Env::from_vars(vars), None).unwrap();
        (dir, ctx)
    }

    #[test]
    fn sso_keys_beat_process_and_static_keys() {
        let (_dir, ctx) = context(None);
        let ProfileSource::Sso(target) = profile_source(&ctx, "sso").unwrap() else {
            panic!("not SSO");
        };
        assert_eq!(target.role_name.as_deref(), Some("ReadOnly"));
    }

    #[test]
    fn process_beats_static_keys_and_carries_the_chain() {
        let (_dir, ctx) = context(Some("outer"));
        let ProfileSource::Process(process) = profile_source(&ctx, "process").unwrap() else {
            panic!("not a process");
        };
        assert_eq!(process.command, "my-helper --profile x");
        assert_eq!(process.account_id.as_deref(), Some("222222222222"));
        assert_eq!(process.chain, ["outer", "process"]);
    }

    #[test]
    fn static_keys_merge_both_files() {
        let (_dir, ctx) = context(None);
        let ProfileSource::Static(credentials) = profile_source(&ctx, "static").unwrap() else {
            panic!("not static");
        };
        assert_eq!(credentials.access_key_id, "AKIASTATIC");
        assert_eq!(
            credentials.secret_access_key.expose_secret(),
            "from-credentials"
        );
        assert_eq!(credentials.session_token.unwrap().expose_secret(), "tok");
        assert!(credentials.expiration.is_none());
        // Debug never shows the secret.
        let (_dir, ctx) = context(None);
        let shown = format!("{:?}", profile_source(&ctx, "static").unwrap());
        assert!(!shown.contains("from-credentials"), "{shown}");
    }

    #[test]
    fn role_arn_and_web_identity_are_unsupported_before_anything_else() {
        let (_dir, ctx) = context(None);
        let error = profile_source(&ctx, "role").unwrap_err();
        let text = error.to_string();
        assert!(
            matches!(
                error,
                SourceError::Unsupported {
                    key: "role_arn",
                    ..
                }
            ),
            "{text}"
        );
        assert!(
            text.contains("arn:aws:iam::123456789012:role/Admin; source_profile static"),
            "{text}"
        );
        assert_eq!(error.origin().unwrap().line, 20);
        let error = profile_source(&ctx, "web").unwrap_err();
        assert!(
            matches!(
                error,
                SourceError::Unsupported {
                    key: "web_identity_token_file",
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn half_static_keys_empty_and_missing_profiles_are_errors() {
        let (_dir, ctx) = context(None);
        let error = profile_source(&ctx, "half").unwrap_err();
        assert!(
            matches!(
                error,
                SourceError::PartialStatic {
                    missing: "aws_secret_access_key",
                    ..
                }
            ),
            "{error}"
        );
        let error = profile_source(&ctx, "empty").unwrap_err();
        assert!(
            matches!(error, SourceError::NoCredentials { .. }),
            "{error}"
        );
        assert!(
            error.to_string().contains("no credentials found"),
            "{error}"
        );
        let error = profile_source(&ctx, "nope").unwrap_err();
        assert!(
            matches!(
                error,
                SourceError::Context(ContextError::Resolve(ResolveError::ProfileNotFound { .. }))
            ),
            "{error}"
        );
    }

    #[test]
    fn a_profile_already_in_the_chain_is_a_cycle() {
        let (_dir, ctx) = context(Some("a, process,b"));
        let error = profile_source(&ctx, "process").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Credential process resolution detected an infinite loop, profile cycle: a -> process -> b -> process"
        );
        let (_dir, ctx) = context(Some("a,b,c,d"));
        let error = profile_source(&ctx, "process").unwrap_err();
        assert!(matches!(error, SourceError::TooDeep { .. }), "{error}");
        // SSO and static profiles never run a process, so the chain does not matter to them.
        let (_dir, ctx) = context(Some("sso,static"));
        assert!(profile_source(&ctx, "sso").is_ok());
        assert!(profile_source(&ctx, "static").is_ok());
    }
}
