//! The use-case API: [`Sso`], one handle per invocation, and one method per thing a user does.
//!
//! The handle is made once from the environment and the user's [`Selection`] (a profile or an
//! sso-session, or neither: the default chain). It reads `~/.aws/config` and
//! `~/.aws/credentials` once, and owns what every use case shares: the loaded config, both
//! caches, the clock, an HTTP client built on first need (it loads the TLS trust roots) and a
//! one-thread runtime built on first need. Its methods are synchronous and return domain values
//! for the caller to render; none of them prints (interaction goes through [`Prompt`]).
//!
//! Like aws-config's providers, each use case is one call with the chain hidden inside:
//!
//! ```no_run
//! use sso_driver::env::Env;
//! use sso_driver::prompt::SilentPrompt;
//! use sso_driver::sso::{CredentialsRequest, Selection, Sso};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Credentials for profile `dev`, exactly as `aws configure export-credentials --profile dev`
//! // finds them: a warm cache entry costs no runtime, no TLS and no network.
//! let sso = Sso::load(&Env::process(), Selection::Profile("dev".into()))?;
//! // `SilentPrompt`: nobody to ask for an MFA code.
//! let resolved = sso.credentials(&CredentialsRequest::default(), &SilentPrompt)?;
//! println!("{}", resolved.credentials.access_key_id);
//!
//! // The accounts the login behind `dev` can see (its token is refreshed when needed).
//! for account in sso.accounts()? {
//!     println!("{} {:?}", account.account_id, account.account_name);
//! }
//!
//! // What is signed in, from the caches alone.
//! for login in Sso::load(&Env::process(), Selection::Default)?.status(false)?.logins {
//!     println!("{} signed in: {}", login.start_url, login.signed_in);
//! }
//! # Ok(())
//! # }
//! ```

pub mod configure;
pub mod console;
pub mod settings;
pub mod signin;
pub mod status;

// The domain values the use cases return and the errors they fail with, named where the API
// is: an embedder (and the CLI) needs no other module of the driver.
pub use crate::chain::{
    ChainError, Identity, Login, MetadataError, Resolved, SourceError, SourceKind, StsCallError,
};
pub use crate::context::{AwsContext, ContextError, ProfileSource, SsoTarget, SyntaxError};
pub use crate::credentials::{Credentials, CredentialsError, ProcessSource};
pub use crate::http::ClientBuildError;
pub use crate::logout::LogoutError;
pub use crate::portal::{Account, MAX_PAGE_SIZE, PoolStats, PortalError, Role, RoleListing};
pub use crate::process::ProcessError;
pub use crate::token::TokenError;
pub use sso_config::populate::{
    DEFAULT_TEMPLATE, PLACEHOLDERS, Plan, PopulateError, ProfileTemplate,
};

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sso_cache::{CacheDir, CacheKey, Timestamp};
use sso_config::{LocationError, ProfileView};
use sso_oidc::AccessToken;

use crate::chain;
use crate::clock::{SystemClock, WallClock};
use crate::config_file;
pub use crate::config_file::ConfigWriteError;
use crate::http::{HttpClient, HttpConfig};
use crate::logout::RoleRef;
use crate::portal::{self, PoolConfig};
use crate::prompt::Prompt;
use crate::settings::SettingsError;
use crate::sso::signin::{SignInError, SignInPrompt, SignInRequest, SignedIn};
use crate::sso::status::Status;
use crate::token;
use crate::transport::{SharedTransport, Transport};
use sso_config::populate::{self, PlanOptions, RoleEntry};

/// Now, from the system clock, as the caches compare it.
pub fn now() -> Timestamp {
    Timestamp::from_unix_ms(SystemClock.now_unix_ms())
}

/// The text of the file `origin` points into, read again (bounded, as the config is read), to
/// show the lines around a problem; `None` when it cannot be read.
pub fn file_text(origin: &sso_config::Origin) -> Option<String> {
    config_file::read(std::path::Path::new(&*origin.file))
        .ok()
        .flatten()
}

/// What the user selected: the one input besides the environment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Selection {
    /// Nothing named: `AWS_PROFILE`, `AWS_DEFAULT_PROFILE` or `default`; for credentials, the
    /// environment's keys come first (the SDKs' default chain).
    #[default]
    Default,
    /// A profile the user named (`--profile`): its settings only.
    Profile(String),
    /// An sso-session the user named (`--sso-session`); the selected profile, when it exists,
    /// supplies endpoint and `ca_bundle` settings.
    Session(String),
}

/// Why a use case of [`Sso`] failed, besides the errors of its own domain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The selection does not name a usable login, or the files cannot be read.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// There is no home directory, so no caches under `~/.aws`.
    #[error("cannot find the home directory, so not the AWS caches under ~/.aws")]
    NoHome,
    /// The HTTP client cannot be built (`ca_bundle`, proxies).
    #[error(transparent)]
    Client(#[from] ClientBuildError),
    /// The async runtime could not start.
    #[error("could not start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// No usable SSO token for `target`.
    #[error("{source}")]
    Token {
        /// Why.
        #[source]
        source: TokenError,
        /// The login it was for.
        target: Box<SsoTarget>,
    },
    /// The portal refused or could not be reached for `target`.
    #[error("{source}")]
    Portal {
        /// Why.
        #[source]
        source: PortalError,
        /// The login it was for.
        target: Box<SsoTarget>,
    },
    /// Signing out could not finish.
    #[error(transparent)]
    Logout(#[from] LogoutError),
    /// A cache directory could not be listed.
    #[error(transparent)]
    Cache(#[from] sso_cache::CacheError),
    /// A config or credentials file edit failed; the file is unchanged.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The config file could not be written; it is unchanged.
    #[error(transparent)]
    ConfigWrite(#[from] ConfigWriteError),
    /// `populate` needs an sso-session, and the login is a legacy `sso_start_url` profile.
    #[error(
        "profile `{profile}` uses the legacy sso_start_url form; populate needs an sso-session"
    )]
    LegacyLogin {
        /// The profile.
        profile: String,
    },
    /// The populate plan was refused (two profiles would get the same name, ...); the file is
    /// unchanged.
    #[error(transparent)]
    Populate(#[from] PopulateError),
    /// The driver broke one of its own rules: a bug.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// What `populate` writes (see [`Sso::populate`]).
#[derive(Debug, Clone, Default)]
pub struct PopulateRequest {
    /// How profiles are named.
    pub template: ProfileTemplate,
    /// `region` of every populated profile.
    pub region: Option<String>,
    /// Remove the profiles populate created whose role is no longer assigned.
    pub prune: bool,
    /// Plan only: the file is not written and the outcome carries the diff.
    pub dry_run: bool,
}

/// What [`Sso::populate`] did or would do.
#[derive(Debug)]
#[non_exhaustive]
pub struct Populated {
    /// The plan that was written (or, with `dry_run`, would be).
    pub plan: Plan,
    /// The config file.
    pub path: PathBuf,
    /// With `dry_run`, the unified diff of the file.
    pub diff: Option<String>,
    /// Accounts whose roles could not be listed, and why: their profiles were left as they were.
    pub failed: BTreeMap<String, PortalError>,
}

/// What [`Sso::credentials`] and [`Sso::whoami`] need besides the selection.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CredentialsRequest {
    /// How long an SSO source waits for a sign-in in another process (`--wait-for-login`);
    /// `None`: the login's `sso_wait_for_login`, else no wait.
    pub wait_for_login: Option<Duration>,
    /// Fill [`Resolved::expires_without_refresh`] (one more token-file read).
    pub check_login_expiry: bool,
    /// Only the selected profile's own source, as the SDKs' profile provider resolves it: no
    /// environment keys, no container or IMDS credentials after it.
    pub profile_only: bool,
}

impl CredentialsRequest {
    /// Waits up to `wait` for a sign-in elsewhere.
    #[must_use]
    pub fn wait_for_login(mut self, wait: Option<Duration>) -> Self {
        self.wait_for_login = wait;
        self
    }

    /// Also reports whether the login behind the credentials expires soon without refresh.
    #[must_use]
    pub fn check_login_expiry(mut self, check: bool) -> Self {
        self.check_login_expiry = check;
        self
    }

    /// Only the selected profile's own source (the SDKs' profile provider).
    #[must_use]
    pub fn profile_only(mut self, profile_only: bool) -> Self {
        self.profile_only = profile_only;
        self
    }
}

/// A usable SSO access token ([`Sso::access_token`]) and when it expires.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Token {
    /// The bearer token of the portal's calls (redacting, zeroized on drop).
    pub access_token: AccessToken,
    /// When it expires.
    pub expires_at: Timestamp,
}

/// What [`Sso::sign_out`] did besides revoking and deleting.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct SignedOut {
    /// Token files of configured logins that could not be read as tokens (so not revoked) and
    /// were deleted all the same.
    pub corrupt_removed: Vec<PathBuf>,
}

/// The use-case handle (see the module documentation).
pub struct Sso {
    aws: AwsContext,
    selection: Selection,
    /// Why the files were not read (no home directory), for use cases that need them.
    no_files: Option<LocationError>,
    user_agent: String,
    /// The transport the embedder injected; else the handle builds its own clients.
    injected: Option<SharedTransport>,
    /// The handle's own HTTP client, built on first need.
    http: OnceLock<SharedTransport>,
    /// The same client with botocore's short timeouts, for chains that reach a metadata
    /// endpoint (built on first need; a laptop has no IMDS, and must not wait for one).
    metadata_http: OnceLock<SharedTransport>,
    clock: Arc<dyn WallClock>,
    runtime: OnceLock<Arc<tokio::runtime::Runtime>>,
    /// Fixed PKCE entropy for replays; `None`: the operating system's random bytes.
    entropy: Option<sso_oidc::Entropy>,
    /// The selected login, resolved on first need (endpoints included).
    login: OnceLock<SsoTarget>,
    /// The last access token read, and whose it is: one token read per login and handle.
    token: std::sync::Mutex<Option<(CacheKey, Token)>>,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field("selection", &self.selection)
            .field("profile", &self.aws.selected_profile())
            .field("user_agent", &self.user_agent)
            .field("injected_transport", &self.injected.is_some())
            .finish_non_exhaustive()
    }
}

impl Sso {
    /// Reads the config and credentials files that `env` points at, once, for `selection`.
    ///
    /// Without a home directory (containers, CI) and with nothing selected, there are no
    /// files rather than an error: credentials can still come from the environment or a
    /// metadata endpoint.
    ///
    /// # Errors
    ///
    /// [`ContextError`]: a file that cannot be read, is not UTF-8 or has a syntax error the
    /// SDKs refuse; no home directory for a named profile or sso-session.
    pub fn load(env: &crate::env::Env, selection: Selection) -> Result<Self, ContextError> {
        let cli_profile = match &selection {
            Selection::Profile(name) => Some(name.as_str()),
            Selection::Default | Selection::Session(_) => None,
        };
        let (aws, no_files) = match AwsContext::load(env, cli_profile) {
            Ok(aws) => (aws, None),
            Err(ContextError::Location(error)) if selection == Selection::Default => {
                (AwsContext::without_files(env), Some(error))
            }
            Err(error) => return Err(error),
        };
        Ok(Self {
            aws,
            selection,
            no_files,
            user_agent: concat!("sso-driver/", env!("CARGO_PKG_VERSION")).to_owned(),
            injected: None,
            http: OnceLock::new(),
            metadata_http: OnceLock::new(),
            clock: Arc::new(SystemClock),
            runtime: OnceLock::new(),
            entropy: None,
            login: OnceLock::new(),
            token: std::sync::Mutex::default(),
        })
    }

    /// The `User-Agent` of every request (default `sso-driver/VERSION`).
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sends every request of this handle through `transport` instead of the HTTP client the
    /// handle would build (with the profile's `ca_bundle`, proxies and retries): recorded
    /// traffic, a test double, or an HTTP stack of the embedder's own.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::Selection, transport::{Transport, TransportError}};
    /// /// Answers every request with 503 (a transport returns every status; the driver reads it).
    /// struct Unavailable;
    ///
    /// impl Transport for Unavailable {
    ///     async fn send(
    ///         &self,
    ///         _request: http::Request<Vec<u8>>,
    ///     ) -> Result<http::Response<Vec<u8>>, TransportError> {
    ///         Ok(http::Response::builder().status(503).body(Vec::new()).expect("a response"))
    ///     }
    /// }
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sso = Sso::load(&Env::process(), Selection::Session("corp".into()))?
    ///     .with_transport(Unavailable);
    /// assert!(sso.accounts().is_err());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn with_transport(mut self, transport: impl Transport + 'static) -> Self {
        self.injected = Some(SharedTransport::new(transport));
        self
    }

    /// Reads the time from `clock` instead of the system clock: token and credential
    /// expiries, polling deadlines, signing dates (for replayed traffic and tests).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, clock::WallClock, env::Env, sso::Selection};
    /// /// A clock stopped at one instant (milliseconds since the epoch).
    /// struct Stopped(u64);
    ///
    /// impl WallClock for Stopped {
    ///     fn now_unix_ms(&self) -> u64 {
    ///         self.0
    ///     }
    /// }
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sso = Sso::load(&Env::process(), Selection::Default)?.with_clock(Stopped(1_629_147_173_000));
    /// assert_eq!(sso.now().to_rfc3339_seconds(), "2021-08-16T20:52:53Z");
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn with_clock(mut self, clock: impl WallClock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Signs in with fixed PKCE entropy (the verifier's and `state`'s bytes) instead of the
    /// operating system's random bytes, so that a recorded exchange replays byte for byte.
    /// Known entropy makes the verifier and `state` guessable: tests and replays only.
    #[must_use]
    pub fn with_pkce_entropy(mut self, entropy: sso_oidc::Entropy) -> Self {
        self.entropy = Some(entropy);
        self
    }

    /// The fixed PKCE entropy, when one was given.
    pub(crate) fn pkce_entropy(&self) -> Option<&sso_oidc::Entropy> {
        self.entropy.as_ref()
    }

    /// Runs the network calls of this handle on `runtime` instead of a one-thread runtime of
    /// its own (built on first need). The methods still block: call them outside `runtime`'s
    /// own `block_on`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use sso_driver::{Sso, env::Env, sso::Selection};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // An application with a runtime of its own lends it to the handle, from a blocking thread.
    /// let runtime = Arc::new(tokio::runtime::Runtime::new()?);
    /// let sso = Sso::load(&Env::process(), Selection::Session("corp".into()))?
    ///     .with_runtime(Arc::clone(&runtime));
    /// let accounts = std::thread::spawn(move || sso.accounts()).join().expect("no panic")?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn with_runtime(mut self, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        self.runtime = OnceLock::from(runtime);
        self
    }

    /// The loaded files and environment.
    pub fn config(&self) -> &AwsContext {
        &self.aws
    }

    /// The selected profile: the one named, else `AWS_PROFILE`, `AWS_DEFAULT_PROFILE` or
    /// `default`.
    pub fn profile_name(&self) -> &str {
        self.aws.selected_profile()
    }

    /// Where [`Sso::profile_name`] came from: [`ProfileSource::Named`] for
    /// [`Selection::Profile`], else the environment variable, or [`ProfileSource::Default`].
    pub fn profile_source(&self) -> ProfileSource {
        self.aws.profile_source()
    }

    /// What was selected.
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// The SSO login the selection means: the named sso-session, else the selected profile's;
    /// resolved once per handle.
    ///
    /// # Errors
    ///
    /// [`ContextError`] when the profile or sso-session is missing or incomplete.
    pub fn login(&self) -> Result<SsoTarget, ContextError> {
        if let Some(target) = self.login.get() {
            return Ok(target.clone());
        }
        self.require_files()?;
        let target = match &self.selection {
            Selection::Session(name) => self.aws.target_for_session(name),
            Selection::Profile(name) => self.aws.target_for_profile(name),
            Selection::Default => self.aws.target_for_profile(self.aws.selected_profile()),
        }?;
        Ok(self.login.get_or_init(|| target).clone())
    }

    /// Now, as the caches compare it, from the handle's clock ([`Sso::with_clock`]).
    pub fn now(&self) -> Timestamp {
        Timestamp::from_unix_ms(self.clock.now_unix_ms())
    }

    /// The handle's clock.
    pub(crate) fn clock(&self) -> &dyn WallClock {
        &*self.clock
    }

    // --- Signing in. ---

    /// Signs in to the selected login the way `sso login` does (see [`signin`]): a
    /// vanity start URL probed for its portal, the flow chosen from the request, the
    /// environment, the config and this host, and a fallback when PKCE cannot open a browser.
    /// The token and registration are written to the cache.
    ///
    /// # Errors
    ///
    /// [`SignInError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, prompt::SilentPrompt, sso::{Selection, signin::SignInRequest}};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sso = Sso::load(&Env::process(), Selection::Session("corp".into()))?;
    /// // `SilentPrompt` shows nothing; a real caller implements `SignInPrompt` to show the code.
    /// let request = SignInRequest { use_device_code: true, ..Default::default() };
    /// let signed_in = sso.sign_in(&request, &SilentPrompt)?;
    /// println!("signed in until {}", signed_in.outcome.expires_at);
    /// # Ok(()) }
    /// ```
    pub fn sign_in(
        &self,
        request: &SignInRequest,
        prompt: &dyn SignInPrompt,
    ) -> Result<SignedIn, SignInError> {
        let target = self.login().map_err(Error::Context)?;
        crate::sso::signin::sign_in(self, &target, request, prompt)
    }

    /// [`Sso::sign_in`] to `target`, a login that need not be in the files (the configure
    /// wizard signs in before it writes them).
    ///
    /// # Errors
    ///
    /// [`SignInError`].
    pub fn sign_in_to(
        &self,
        target: &SsoTarget,
        request: &SignInRequest,
        prompt: &dyn SignInPrompt,
    ) -> Result<SignedIn, SignInError> {
        crate::sso::signin::sign_in(self, target, request, prompt)
    }

    // --- Credentials. ---

    /// Credentials for the selection: the whole chain of `aws configure export-credentials`
    /// (environment keys unless a profile was named, then the profile's source: assume-role
    /// chains, web identity, SSO, `credential_process`, static keys; then container and IMDS
    /// credentials). A warm path (environment or static keys, a cached SSO or assumed-role
    /// entry) starts no runtime and builds no HTTP client. `prompt` is asked for MFA codes.
    ///
    /// # Errors
    ///
    /// [`ChainError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, prompt::SilentPrompt, sso::{CredentialsRequest, Selection}};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // `aws configure export-credentials --profile dev`, waiting up to a minute for a
    /// // sign-in that another process has started.
    /// let sso = Sso::load(&Env::process(), Selection::Profile("dev".into()))?;
    /// let request = CredentialsRequest::default()
    ///     .wait_for_login(Some(std::time::Duration::from_secs(60)));
    /// let resolved = sso.credentials(&request, &SilentPrompt)?;
    /// println!("{:?} from {:?}, region {:?}", resolved.credentials.expiration, resolved.kind, resolved.region);
    /// # Ok(()) }
    /// ```
    pub fn credentials(
        &self,
        request: &CredentialsRequest,
        prompt: &dyn Prompt,
    ) -> Result<Resolved, ChainError> {
        chain::credentials_in(self, self.explicit(), Self::chain_options(request, prompt))
    }

    /// Who the selection's credentials are, as STS `GetCallerIdentity` says, with where they
    /// came from and the SSO login behind them (`sso whoami`).
    ///
    /// # Errors
    ///
    /// [`ChainError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, prompt::SilentPrompt, sso::{CredentialsRequest, Selection}};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sso = Sso::load(&Env::process(), Selection::Profile("dev".into()))?;
    /// let identity = sso.whoami(&CredentialsRequest::default(), &SilentPrompt)?;
    /// println!("{} in {}", identity.caller.arn, identity.caller.account);
    /// # Ok(()) }
    /// ```
    pub fn whoami(
        &self,
        request: &CredentialsRequest,
        prompt: &dyn Prompt,
    ) -> Result<Identity, ChainError> {
        chain::whoami_in(self, self.explicit(), Self::chain_options(request, prompt))
    }

    /// Writes `credentials` into section `[section]` of the credentials file, atomically
    /// (0600). Returns the file's path.
    ///
    /// # Errors
    ///
    /// [`SettingsError`]; the file is unchanged on error.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, prompt::SilentPrompt, sso::{CredentialsRequest, Selection}};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // `sso export-credentials --profile dev --credentials-file dev-keys`: for tools that
    /// // only read ~/.aws/credentials.
    /// let sso = Sso::load(&Env::process(), Selection::Profile("dev".into()))?;
    /// let resolved = sso.credentials(&CredentialsRequest::default(), &SilentPrompt)?;
    /// let path = sso.write_credentials("dev-keys", &resolved.credentials)?;
    /// # Ok(()) }
    /// ```
    pub fn write_credentials(
        &self,
        section: &str,
        credentials: &Credentials,
    ) -> Result<PathBuf, SettingsError> {
        crate::settings::write_credentials(&self.aws, section, credentials)
    }

    /// The SSO login behind the selection's credentials (the profile's own, or the one at the
    /// root of its `source_profile` chain) and its cached token's lifetime, from the files
    /// alone: nothing is refreshed or sent (`sso prompt`, `sso whoami`). `None` when the
    /// credentials come from no SSO login, or it has no token.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::Selection};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A prompt segment: how long the login behind `dev` lasts, without a network call.
    /// let sso = Sso::load(&Env::process(), Selection::Profile("dev".into()))?;
    /// if let Some(login) = sso.cached_login() {
    ///     println!("{} until {}", login.target.describe(), login.expires_at);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn cached_login(&self) -> Option<Login> {
        chain::login_in(&self.aws, self.explicit(), self.now())
    }

    /// When the cached token of `target` expires, if it expires within 15 minutes and cannot
    /// be refreshed (`refresh_tried`: the caller just went through the refreshing provider).
    pub fn expires_without_refresh(
        &self,
        target: &SsoTarget,
        refresh_tried: bool,
    ) -> Option<Timestamp> {
        let cache = self.aws.sso_cache()?;
        let cached = token::cached_token(&cache, target).ok()??;
        token::expires_without_refresh(&cached, target, self.now(), refresh_tried)
            .then_some(cached.expires_at)
    }

    // --- The portal. ---

    /// A usable access token for the selected login, refreshed when needed (never a new
    /// sign-in); read once per handle.
    ///
    /// # Errors
    ///
    /// [`Error::Token`] when there is none (sign in again), and the setup errors.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::Selection};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // The bearer token for a portal call of one's own (the SDKs' SSO token provider).
    /// let token = Sso::load(&Env::process(), Selection::Session("corp".into()))?.access_token()?;
    /// println!("valid until {}", token.expires_at);
    /// # Ok(()) }
    /// ```
    pub fn access_token(&self) -> Result<Token, Error> {
        self.access_token_of(&self.login()?)
    }

    /// Every account the selected login can see.
    ///
    /// # Errors
    ///
    /// [`Error::Token`], [`Error::Portal`], and the setup errors.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::Selection};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // `sso list accounts` and the roles of the first account, with one token read.
    /// let sso = Sso::load(&Env::process(), Selection::Session("corp".into()))?;
    /// let accounts = sso.accounts()?;
    /// if let Some(first) = accounts.first() {
    ///     for role in sso.roles(&first.account_id)? {
    ///         println!("{} {}", role.account_id, role.role_name);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn accounts(&self) -> Result<Vec<Account>, Error> {
        self.accounts_of(&self.login()?)
    }

    /// The roles of one account.
    ///
    /// # Errors
    ///
    /// As [`Sso::accounts`].
    pub fn roles(&self, account_id: &str) -> Result<Vec<Role>, Error> {
        self.roles_of(&self.login()?, account_id)
    }

    /// The roles of every account in `account_ids`, listed concurrently by the adaptive pool;
    /// `progress(done, total)` is called as accounts finish. Accounts that failed are in the
    /// listing, not an error.
    ///
    /// # Errors
    ///
    /// [`Error::Token`] and the setup errors.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::Selection};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sso = Sso::load(&Env::process(), Selection::Session("corp".into()))?;
    /// let ids: Vec<String> = sso.accounts()?.into_iter().map(|a| a.account_id).collect();
    /// let listing = sso.all_roles(&ids, &|done, total| eprintln!("{done}/{total}"))?;
    /// for role in listing.roles() {
    ///     println!("{} {}", role.account_id, role.role_name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn all_roles(
        &self,
        account_ids: &[String],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<RoleListing, Error> {
        let target = self.login()?;
        let token = self.access_token_of(&target)?.access_token;
        let listing = self.runtime()?.block_on(portal::list_all_roles(
            self.http()?,
            &target.portal_endpoint,
            &token,
            account_ids,
            &PoolConfig::default(),
            progress,
        ));
        tracing::debug!(stats = ?listing.stats, "listed the roles of every account");
        Ok(listing)
    }

    /// A profile for every account and role of the selected sso-session, written into the
    /// config file once, atomically, under its lock (`sso populate`). The plan is made from the
    /// file as it is under the lock, so a concurrent edit is kept; it only ever prunes profiles
    /// it created, and keeps every other byte. Accounts whose roles cannot be listed keep
    /// their profiles and are reported in [`Populated::failed`].
    ///
    /// # Errors
    ///
    /// [`Error::LegacyLogin`], [`Error::Populate`] (nothing written), [`Error::ConfigWrite`],
    /// a 401 of the portal as [`Error::Portal`], and the errors of [`Sso::accounts`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::{PopulateRequest, Selection}};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sso = Sso::load(&Env::process(), Selection::Session("corp".into()))?;
    /// let request = PopulateRequest { dry_run: true, ..Default::default() };
    /// let populated = sso.populate(&request, &|_, _| {})?;
    /// print!("{}", populated.diff.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub fn populate(
        &self,
        request: &PopulateRequest,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Populated, Error> {
        let target = self.login()?;
        let Some(session) = target.session_name.clone() else {
            return Err(Error::LegacyLogin {
                profile: target.profile.unwrap_or_else(|| "default".to_owned()),
            });
        };
        let accounts = self.accounts()?;
        let ids: Vec<String> = accounts.iter().map(|a| a.account_id.clone()).collect();
        let listing = self.all_roles(&ids, progress)?;
        let names: BTreeMap<&str, &Account> = accounts
            .iter()
            .map(|a| (a.account_id.as_str(), a))
            .collect();
        let mut entries = Vec::new();
        let mut failed = BTreeMap::new();
        for (account_id, result) in listing.results {
            match result {
                Ok(roles) => entries.extend(roles.into_iter().map(|role| {
                    let account = names.get(account_id.as_str());
                    RoleEntry {
                        account_id: account_id.clone(),
                        account_name: account.and_then(|a| a.account_name.clone()),
                        email: account.and_then(|a| a.email_address.clone()),
                        role_name: role.role_name,
                    }
                })),
                Err(error) if error.is_unauthorized() => return Err(portal_error(error, target)),
                Err(error) => {
                    failed.insert(account_id, error);
                }
            }
        }
        let options = PlanOptions {
            region: request.region.clone(),
            prune: request.prune,
            failed_accounts: failed.keys().cloned().collect::<BTreeSet<_>>(),
        };
        let make_plan =
            |text: &str| populate::plan(text, &session, &entries, &request.template, &options);
        let path = self.aws.config_path().to_path_buf();
        if request.dry_run {
            let original = self.aws.config_text().unwrap_or("");
            let plan = make_plan(original)?;
            let shown = path.display().to_string();
            let diff = populate::unified_diff(original, &plan.new_text, &shown, &shown);
            return Ok(Populated {
                plan,
                path,
                diff: Some(diff),
                failed,
            });
        }
        let mut planned = None;
        config_file::edit(&path, |current| {
            let plan = make_plan(current).map_err(config_file::Refusal::Invalid)?;
            let text = plan.new_text.clone();
            planned = Some(plan);
            Ok(text)
        })
        .map_err(|error| match error {
            config_file::EditFailed::Invalid(error) => Error::Populate(error),
            config_file::EditFailed::Write(error) => Error::ConfigWrite(error),
        })?;
        let plan = planned.ok_or(Error::Internal("the populate edit ran without a plan"))?;
        Ok(Populated {
            plan,
            path,
            diff: None,
            failed,
        })
    }

    /// A portal error of the selected login, with the login attached.
    pub fn portal_error(&self, source: PortalError) -> Error {
        match self.login() {
            Ok(target) => portal_error(source, target),
            Err(error) => Error::Context(error),
        }
    }

    // --- Status and sign-out. ---

    /// Every login of the config and what the caches hold of it, with the portal's verdict on
    /// each unexpired token when `check` (one cheap call each, all at once).
    ///
    /// # Errors
    ///
    /// [`Error::Cache`] when the role-credential cache cannot be listed; with `check`, the
    /// setup errors of the HTTP client.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::Selection};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let status = Sso::load(&Env::process(), Selection::Default)?.status(true)?;
    /// for login in &status.logins {
    ///     println!("{}: signed in {}, portal says {:?}", login.start_url, login.signed_in, login.check);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn status(&self, check: bool) -> Result<Status, Error> {
        self.require_files()?;
        let now = self.now();
        let mut logins = crate::sso::status::logins(&self.aws, now);
        let inputs = crate::sso::status::check_inputs(&mut logins);
        if check && !inputs.is_empty() {
            let (indices, tokens): (Vec<usize>, Vec<_>) = inputs.into_iter().unzip();
            let verdicts = self
                .runtime()?
                .block_on(portal::check_tokens(self.http()?, tokens));
            for (index, verdict) in indices.into_iter().zip(verdicts) {
                if let Some(login) = logins.get_mut(index) {
                    login.check = Some(crate::sso::status::verdict(verdict));
                }
            }
        }
        let roles = crate::sso::status::roles(&self.aws, now)?;
        Ok(Status { logins, roles })
    }

    /// Signs out, as `aws sso logout` does: every cached token is revoked (failures ignored)
    /// and deleted, and every cached SSO role credential deleted; with `session`, only that
    /// sso-session's token and the role credentials of the profiles that use it.
    ///
    /// # Errors
    ///
    /// [`Error::Logout`] when a cache file cannot be read or deleted, and the setup errors.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::Selection};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // `aws sso logout --sso-session corp`; `None` signs out of every login.
    /// Sso::load(&Env::process(), Selection::Default)?.sign_out(Some("corp"))?;
    /// # Ok(()) }
    /// ```
    pub fn sign_out(&self, session: Option<&str>) -> Result<SignedOut, Error> {
        self.require_files()?;
        let sso_cache = self.sso_cache()?;
        let cli_cache = self.aws.cli_cache().ok_or(Error::NoHome)?;
        let target = session
            .map(|name| self.aws.target_for_session(name))
            .transpose()?;
        let roles = session
            .map(|name| self.roles_of_session(name))
            .unwrap_or_default();
        self.runtime()?.block_on(crate::logout::logout(
            self.http()?,
            &sso_cache,
            &cli_cache,
            target.as_ref(),
            &roles,
            self.aws.env(),
        ))?;
        let keys = match &target {
            Some(target) => vec![target.token_key()],
            None => self.token_keys(),
        };
        let corrupt_removed = crate::logout::remove_unreadable_tokens(&sso_cache, &keys)?;
        Ok(SignedOut { corrupt_removed })
    }

    /// The token cache keys of every login in the config: each sso-session, and the start URL
    /// of each legacy profile.
    fn token_keys(&self) -> Vec<CacheKey> {
        let profiles = self.aws.profiles();
        let sessions = profiles
            .sso_sessions()
            .keys()
            .map(|name| CacheKey::for_session(name));
        let legacy = profiles.profiles().values().filter_map(|section| {
            match (
                section.get_str("sso_session"),
                section.get_str("sso_start_url"),
            ) {
                (None, Some(url)) => Some(CacheKey::for_start_url(url)),
                _ => None,
            }
        });
        let mut keys: Vec<CacheKey> = sessions.chain(legacy).collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// The `(account, role)` pairs of every profile that signs in through `session`.
    fn roles_of_session(&self, session: &str) -> Vec<RoleRef> {
        self.aws
            .profiles()
            .profiles()
            .keys()
            .filter_map(|name| self.aws.target_for_profile(name).ok())
            .filter(|target| target.session_name.as_deref() == Some(session))
            .filter_map(|target| Some((target.account_id?, target.role_name?)))
            .collect()
    }

    // --- Shared parts. ---

    /// The files were read: there is a home directory, as every use case but credentials
    /// needs ([`Sso::load`] reads no files for the default chain without one).
    ///
    /// # Errors
    ///
    /// [`ContextError::Location`] when the files could not be located.
    pub fn require_files(&self) -> Result<(), ContextError> {
        match &self.no_files {
            Some(error) => Err(ContextError::Location(error.clone())),
            None => Ok(()),
        }
    }

    fn explicit(&self) -> bool {
        matches!(self.selection, Selection::Profile(_))
    }

    fn chain_options<'a>(
        request: &CredentialsRequest,
        prompt: &'a dyn Prompt,
    ) -> chain::Options<'a> {
        chain::Options {
            prompt,
            wait_for_login: request.wait_for_login,
            check_login_expiry: request.check_login_expiry,
            profile_only: request.profile_only,
        }
    }

    /// `~/.aws/sso/cache`.
    fn sso_cache(&self) -> Result<CacheDir, Error> {
        self.aws.sso_cache().ok_or(Error::NoHome)
    }

    /// The transport: the injected one, else the handle's HTTP client, built on first use
    /// with the selected profile's `ca_bundle`.
    pub(crate) fn http(&self) -> Result<&SharedTransport, Error> {
        Ok(self.transport(false)?)
    }

    /// [`Sso::http`], or with `metadata` the client with short timeouts for a chain that
    /// reaches a container or instance metadata endpoint.
    pub(crate) fn transport(&self, metadata: bool) -> Result<&SharedTransport, ClientBuildError> {
        if let Some(injected) = &self.injected {
            return Ok(injected);
        }
        let cell = if metadata {
            &self.metadata_http
        } else {
            &self.http
        };
        if let Some(http) = cell.get() {
            return Ok(http);
        }
        let mut config = HttpConfig::default().user_agent(self.user_agent.clone());
        if let Some(path) = self
            .aws
            .profiles()
            .profile(self.aws.selected_profile())
            .and_then(|props| ProfileView(props).ca_bundle())
        {
            config = config.ca_bundle(path.as_str());
        }
        if metadata {
            // botocore: 1 s for IMDS, 2 s for container credentials.
            config = config
                .connect_timeout(Duration::from_secs(2))
                .read_timeout(Duration::from_secs(5));
        }
        let client = SharedTransport::new(HttpClient::new(config, self.aws.env())?);
        Ok(cell.get_or_init(|| client))
    }

    /// The runtime: the injected one, else a one-thread runtime built on first use.
    pub(crate) fn runtime(&self) -> Result<&tokio::runtime::Runtime, Error> {
        self.runtime_or_io().map_err(Error::Runtime)
    }

    /// [`Sso::runtime`], failing with the IO error.
    pub(crate) fn runtime_or_io(&self) -> std::io::Result<&tokio::runtime::Runtime> {
        if let Some(runtime) = self.runtime.get() {
            return Ok(runtime);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(self.runtime.get_or_init(|| Arc::new(runtime)))
    }
}

pub(crate) fn portal_error(source: PortalError, target: SsoTarget) -> Error {
    Error::Portal {
        source,
        target: Box::new(target),
    }
}
