//! The user's AWS setup as one value: where the files are, what they say, and which SSO login a
//! profile or sso-session means.
//!
//! [`AwsContext::load`] reads `~/.aws/config` and `~/.aws/credentials` (honouring
//! `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE` and the home-directory rules of
//! `sso-config`), from an [`Env`] given as data. A missing file is an empty file, as for the AWS
//! CLI. [`AwsContext::target_for_profile`] and [`AwsContext::target_for_session`] turn a name
//! into an [`SsoTarget`]: start URL, SSO region, scopes, the two endpoints (with every override
//! the SDKs honour) and the cache keys. Everything else in the driver starts from an
//! `SsoTarget`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sso_cache::{CacheDir, CacheKey, Login, RegistrationFlow, RegistrationKeyArgs};
use sso_config::{
    Document, FileKind, FileLocations, LocationError, Platform, ProfileSet, ProfileView,
    Properties, ResolveError,
};
use sso_oidc::{Endpoint, EndpointError, EndpointOverrides, EndpointParams, FlowConfig, Service};

use crate::env::Env;

pub use sso_config::ProfileSource;

/// The environment variables that decide where the files are and which profile is selected.
const LOCATION_VARS: &[&str] = &[
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "HOME",
    "USERPROFILE",
    "HOMEDRIVE",
    "HOMEPATH",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
];

/// Why the AWS setup could not be loaded or a login target resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// No home directory, and a file location needs one.
    #[error(transparent)]
    Location(#[from] LocationError),
    /// A config or credentials file exists but cannot be read.
    #[error("could not read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The config file is not UTF-8, so it can be neither read nor edited safely.
    #[error("{} is not valid UTF-8 text; fix or re-save it as UTF-8", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The config or credentials file has a syntax error for which the SDKs refuse the whole
    /// file (the first one; [`SyntaxError`] holds the text to show around it).
    #[error(transparent)]
    Syntax(Box<SyntaxError>),
    /// The profile or sso-session is missing, incomplete or inconsistent.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// No endpoint can be built for the SSO region or the configured override.
    #[error("no {service} endpoint for region `{region}`: {source}")]
    Endpoint {
        /// `SSO-OIDC` or `SSO portal`.
        service: &'static str,
        /// The SSO region.
        region: String,
        /// Why.
        source: EndpointError,
    },
}

/// A syntax error in the config or credentials file: the SDKs (botocore's `ConfigParseError`,
/// the cross-SDK profile-parser suite) refuse such a file, so nothing reads or edits it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}:{}:{}: {}", path.display(), diagnostic.line, diagnostic.column, diagnostic.message)]
pub struct SyntaxError {
    /// The file.
    pub path: PathBuf,
    /// Its text, to show the line around the problem.
    pub text: String,
    /// The first problem of severity error.
    pub diagnostic: sso_config::Diagnostic,
}

impl SyntaxError {
    /// The first error-severity diagnostic of `document` (parsed from `text`), if any.
    #[must_use]
    pub fn first_in(path: &Path, text: &str, document: &Document) -> Option<Self> {
        document
            .diagnostics()
            .iter()
            .find(|d| d.severity == sso_config::Severity::Error)
            .map(|diagnostic| Self {
                path: path.to_path_buf(),
                text: text.to_owned(),
                diagnostic: diagnostic.clone(),
            })
    }
}

/// The loaded AWS setup: the environment, the two files and their merged profiles.
#[derive(Debug, Clone)]
pub struct AwsContext {
    env: Env,
    home: Option<PathBuf>,
    config_path: PathBuf,
    credentials_path: PathBuf,
    config_text: Option<String>,
    credentials_text: Option<String>,
    profiles: ProfileSet,
    selected_profile: String,
    profile_source: ProfileSource,
}

impl AwsContext {
    /// Reads the config and credentials files that `env` points at. `cli_profile` is
    /// `--profile`, which beats `AWS_PROFILE` and `AWS_DEFAULT_PROFILE`.
    pub fn load(env: &Env, cli_profile: Option<&str>) -> Result<Self, ContextError> {
        let platform = Platform::current();
        let vars: BTreeMap<String, String> = LOCATION_VARS
            .iter()
            .filter_map(|name| env.var(name).map(|value| ((*name).to_owned(), value)))
            .collect();
        let FileLocations {
            config,
            credentials,
        } = sso_config::file_locations(&vars, platform)?;
        let home = sso_config::home_dir(&vars, platform).map(PathBuf::from);
        let config_path = PathBuf::from(config);
        let credentials_path = PathBuf::from(credentials);
        let config_text = read_optional(&config_path)?;
        let credentials_text = read_optional(&credentials_path)?;
        if let Some(bytes) = &config_text
            && std::str::from_utf8(bytes).is_err()
        {
            return Err(ContextError::NotUtf8 { path: config_path });
        }
        let config_text = config_text.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        let credentials_text =
            credentials_text.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        let mut profiles = ProfileSet::new();
        if let Some(text) = &config_text {
            let document = Document::parse(text);
            if let Some(error) = SyntaxError::first_in(&config_path, text, &document) {
                return Err(ContextError::Syntax(Box::new(error)));
            }
            profiles.merge(
                &config_path.display().to_string(),
                &document,
                FileKind::Config,
            );
        }
        if let Some(text) = &credentials_text {
            let document = Document::parse(text);
            if let Some(error) = SyntaxError::first_in(&credentials_path, text, &document) {
                return Err(ContextError::Syntax(Box::new(error)));
            }
            profiles.merge(
                &credentials_path.display().to_string(),
                &document,
                FileKind::Credentials,
            );
        }
        let (selected_profile, profile_source) = sso_config::select_profile(&vars, cli_profile);
        Ok(Self {
            env: env.clone(),
            home,
            config_path,
            credentials_path,
            config_text,
            credentials_text,
            profiles,
            selected_profile,
            profile_source,
        })
    }

    /// A context with no files: the environment only (no home directory to find them in).
    /// Every profile reads as missing and there are no caches.
    pub fn without_files(env: &Env) -> Self {
        let vars: BTreeMap<String, String> = LOCATION_VARS
            .iter()
            .filter_map(|name| env.var(name).map(|value| ((*name).to_owned(), value)))
            .collect();
        let (selected_profile, profile_source) = sso_config::select_profile(&vars, None);
        Self {
            env: env.clone(),
            home: None,
            config_path: PathBuf::new(),
            credentials_path: PathBuf::new(),
            config_text: None,
            credentials_text: None,
            profiles: ProfileSet::new(),
            selected_profile,
            profile_source,
        }
    }

    /// The environment this context was loaded from.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The merged profiles, sso-sessions and services sections.
    pub fn profiles(&self) -> &ProfileSet {
        &self.profiles
    }

    /// The profile selected by `--profile`, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, or `default`
    /// ([`sso_config::select_profile`], the one place that rule is written). Any name is taken
    /// as it is, as the SDKs take it; one that no file defines is reported as missing where a
    /// profile is needed.
    pub fn selected_profile(&self) -> &str {
        &self.selected_profile
    }

    /// Where the name of [`AwsContext::selected_profile`] came from: named by the caller, an
    /// environment variable, or nothing (`default`).
    pub fn profile_source(&self) -> ProfileSource {
        self.profile_source
    }

    /// The config file's path (it may not exist yet).
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The credentials file's path (it may not exist).
    pub fn credentials_path(&self) -> &Path {
        &self.credentials_path
    }

    /// The config file's text as read, or `None` when it does not exist.
    pub fn config_text(&self) -> Option<&str> {
        self.config_text.as_deref()
    }

    /// The credentials file's text as read, or `None` when it does not exist.
    pub fn credentials_text(&self) -> Option<&str> {
        self.credentials_text.as_deref()
    }

    /// `~/.aws/sso/cache`: tokens and client registrations.
    pub fn sso_cache(&self) -> Option<CacheDir> {
        self.home
            .as_ref()
            .map(|home| CacheDir::new(home.join(".aws").join("sso").join("cache")))
    }

    /// `~/.aws/cli/cache`: role credentials, as the AWS CLI caches them.
    pub fn cli_cache(&self) -> Option<CacheDir> {
        self.home
            .as_ref()
            .map(|home| CacheDir::new(home.join(".aws").join("cli").join("cache")))
    }

    /// The login behind profile `profile`: its sso-session, or its legacy `sso_start_url`.
    pub fn target_for_profile(&self, profile: &str) -> Result<SsoTarget, ContextError> {
        let properties =
            self.profiles
                .profile(profile)
                .ok_or_else(|| ResolveError::ProfileNotFound {
                    profile: profile.to_owned(),
                })?;
        self.target_of(profile, properties)
    }

    /// [`AwsContext::target_for_profile`] of a profile the caller already looked up: the
    /// profile's section is looked up once per resolution.
    pub(crate) fn target_of(
        &self,
        profile: &str,
        properties: &Properties,
    ) -> Result<SsoTarget, ContextError> {
        let settings = self.profiles.resolve_sso_of(profile, properties)?;
        let view = Some(ProfileView(properties));
        let login = |key| self.login_value(settings.session_name(), Some(properties), key);
        let (login_flow, redirect_port, wait_for_login) = (
            login(LOGIN_FLOW_KEY),
            login(REDIRECT_PORT_KEY),
            login(WAIT_FOR_LOGIN_KEY),
        );
        let (oidc_endpoint, portal_endpoint) =
            self.endpoints(settings.region.as_str(), Some(properties))?;
        Ok(SsoTarget {
            profile: Some(profile.to_owned()),
            session_name: settings.session_name().map(str::to_owned),
            start_url: settings.start_url.as_str().to_owned(),
            region: settings.region.as_str().to_owned(),
            origins: LoginOrigins::of(&settings.start_url, &settings.region),
            scopes: settings.registration_scopes().to_vec(),
            account_id: settings.account_id.as_ref().map(|v| v.as_str().to_owned()),
            role_name: settings.role_name.as_ref().map(|v| v.as_str().to_owned()),
            profile_region: view.and_then(|v| v.region()).map(|v| v.as_str().to_owned()),
            login_flow,
            redirect_port,
            wait_for_login,
            oidc_endpoint,
            portal_endpoint,
            sign_in_url: None,
        })
    }

    /// The value of the login setting `key`, with its place in the file, where the login's
    /// settings are: its sso-session's section, else its profile's.
    fn login_value(
        &self,
        session: Option<&str>,
        profile: Option<&Properties>,
        key: &str,
    ) -> Option<sso_config::Value> {
        session
            .and_then(|name| self.profiles.sso_session(name))
            .and_then(|section| section.get(key))
            .or_else(|| profile.and_then(|section| section.get(key)))
            .cloned()
    }

    /// The login behind `[sso-session NAME]`, as `sso login --sso-session NAME` uses it. The
    /// selected profile's endpoint settings apply when that profile exists.
    pub fn target_for_session(&self, session: &str) -> Result<SsoTarget, ContextError> {
        let settings = self.profiles.resolve_sso_session(session)?;
        let login = |key| self.login_value(Some(session), None, key);
        let (login_flow, redirect_port, wait_for_login) = (
            login(LOGIN_FLOW_KEY),
            login(REDIRECT_PORT_KEY),
            login(WAIT_FOR_LOGIN_KEY),
        );
        let profile = self.profiles.profile(&self.selected_profile);
        let (oidc_endpoint, portal_endpoint) = self.endpoints(settings.region.as_str(), profile)?;
        Ok(SsoTarget {
            profile: None,
            session_name: Some(settings.name.clone()),
            start_url: settings.start_url.as_str().to_owned(),
            region: settings.region.as_str().to_owned(),
            origins: LoginOrigins::of(&settings.start_url, &settings.region),
            scopes: settings.registration_scopes.clone(),
            account_id: None,
            role_name: None,
            profile_region: None,
            login_flow,
            redirect_port,
            wait_for_login,
            oidc_endpoint,
            portal_endpoint,
            sign_in_url: None,
        })
    }

    /// A target built from values rather than the config file (the configure wizard, before it
    /// writes anything).
    pub fn target_from_values(
        &self,
        session_name: Option<&str>,
        start_url: &str,
        region: &str,
        scopes: &[String],
    ) -> Result<SsoTarget, ContextError> {
        let (oidc_endpoint, portal_endpoint) = self.endpoints(region, None)?;
        Ok(SsoTarget {
            profile: None,
            session_name: session_name.map(str::to_owned),
            start_url: start_url.to_owned(),
            region: region.to_owned(),
            origins: LoginOrigins::default(),
            scopes: scopes.to_vec(),
            account_id: None,
            role_name: None,
            profile_region: None,
            login_flow: None,
            redirect_port: None,
            wait_for_login: None,
            oidc_endpoint,
            portal_endpoint,
            sign_in_url: None,
        })
    }

    /// `target` signing in at the portal a vanity start URL resolved to
    /// (the vanity probe of a sign-in): [`SsoTarget::sign_in_url`] set and, when the portal's
    /// host names another region than `sso_region`, that region with its endpoints (the
    /// configured one could not sign in). Cache keys stay those of the configured start URL.
    ///
    /// # Errors
    ///
    /// No endpoint for the portal's region.
    pub fn signing_in_at(
        &self,
        target: &SsoTarget,
        resolved: &crate::vanity::Resolved,
    ) -> Result<SsoTarget, ContextError> {
        let mut signing_in = target.clone();
        signing_in.sign_in_url = Some(resolved.url.clone());
        if let Some(region) = resolved.region.as_ref().filter(|r| **r != target.region) {
            let (oidc_endpoint, portal_endpoint) = self.endpoints(
                region,
                target
                    .profile
                    .as_deref()
                    .and_then(|p| self.profiles.profile(p)),
            )?;
            signing_in.region.clone_from(region);
            signing_in.oidc_endpoint = oidc_endpoint;
            signing_in.portal_endpoint = portal_endpoint;
        }
        Ok(signing_in)
    }

    /// The SSO-OIDC and portal endpoints for `region`, with the overrides of the environment
    /// and of `profile`.
    fn endpoints(
        &self,
        region: &str,
        profile: Option<&Properties>,
    ) -> Result<(Endpoint, Endpoint), ContextError> {
        let view = profile.map(ProfileView);
        let services_block = |key: &str| -> Option<String> {
            let services = view?.services()?;
            let section = self.profiles.services(services.as_str())?;
            section
                .get(key)
                .and_then(|block| block.sub_property("endpoint_url"))
                .map(str::to_owned)
        };
        let mut params = env_endpoint_params(&self.env, region);
        if let Some(view) = view {
            params.overrides.services_sso_oidc = services_block("sso_oidc");
            params.overrides.services_sso = services_block("sso");
            params.overrides.profile = view.endpoint_url().map(|v| v.as_str().to_owned());
            params.overrides.profile_ignore_configured_endpoint_urls = view
                .0
                .get_str("ignore_configured_endpoint_urls")
                .map(str::to_owned);
            if self.env.var("AWS_USE_FIPS_ENDPOINT").is_none() {
                params.use_fips = view.use_fips_endpoint()? == Some(true);
            }
            if self.env.var("AWS_USE_DUALSTACK_ENDPOINT").is_none() {
                params.use_dual_stack = view.use_dualstack_endpoint()? == Some(true);
            }
        }
        let endpoint = |service, name| {
            sso_oidc::resolve_endpoint(&params, service).map_err(|source| ContextError::Endpoint {
                service: name,
                region: region.to_owned(),
                source,
            })
        };
        Ok((
            endpoint(Service::SsoOidc, "SSO-OIDC")?,
            endpoint(Service::Portal, "SSO portal")?,
        ))
    }
}

/// The portal endpoint of `region` with only the environment's overrides and switches
/// (`AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL`, `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`,
/// `AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT`): for a cached token that names its
/// region but no profile (logout).
pub(crate) fn env_portal_endpoint(env: &Env, region: &str) -> Result<Endpoint, EndpointError> {
    sso_oidc::resolve_endpoint(&env_endpoint_params(env, region), Service::Portal)
}

/// The endpoint parameters that come from the environment alone.
fn env_endpoint_params(env: &Env, region: &str) -> EndpointParams {
    let flag = |name: &str| {
        env.var(name)
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
    };
    EndpointParams {
        region: Some(region.to_owned()),
        use_fips: flag("AWS_USE_FIPS_ENDPOINT"),
        use_dual_stack: flag("AWS_USE_DUALSTACK_ENDPOINT"),
        overrides: EndpointOverrides {
            env_sso_oidc: env.var("AWS_ENDPOINT_URL_SSO_OIDC"),
            env_sso: env.var("AWS_ENDPOINT_URL_SSO"),
            env_global: env.var("AWS_ENDPOINT_URL"),
            env_ignore_configured_endpoint_urls: env.var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
            ..EndpointOverrides::default()
        },
    }
}

/// The per-session (or per-profile) setting that picks the login flow: `pkce`, `device-code`
/// or `paste`.
pub(crate) const LOGIN_FLOW_KEY: &str = sso_oidc::headless::LOGIN_FLOW_SETTING;

/// The per-session (or per-profile) setting that fixes the PKCE loopback port, for users who
/// forward it with `ssh -L`; `--redirect-port` wins over it.
pub(crate) const REDIRECT_PORT_KEY: &str = "sso_redirect_port";

/// The per-session (or per-profile) setting of callers that cannot sign in
/// (`credential_process`): how many seconds to wait for a sign-in in progress in another
/// process before failing; `--wait-for-login` wins over it.
pub(crate) const WAIT_FOR_LOGIN_KEY: &str = "sso_wait_for_login";

/// One SSO login: what to sign in to and where, and where its cache entries live.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoTarget {
    /// The profile it was resolved from, if any.
    pub profile: Option<String>,
    /// The sso-session name; `None` for a legacy profile.
    pub session_name: Option<String>,
    /// `sso_start_url` as written (legacy token cache keys hash it byte for byte).
    pub start_url: String,
    /// `sso_region`.
    pub region: String,
    /// Where `sso_start_url` and `sso_region` are written (`None` for a login made from values
    /// rather than the files), so a problem with them is shown at its line.
    pub origins: LoginOrigins,
    /// `sso_registration_scopes` (empty when not configured).
    pub scopes: Vec<String>,
    /// `sso_account_id` of the profile.
    pub account_id: Option<String>,
    /// `sso_role_name` of the profile.
    pub role_name: Option<String>,
    /// The profile's `region` (for the services, not SSO).
    pub profile_region: Option<String>,
    /// `sso_login_flow` of the session (or of a legacy profile), as written, with its place in
    /// the file.
    pub login_flow: Option<sso_config::Value>,
    /// `sso_redirect_port` of the session (or of a legacy profile), as written, with its place
    /// in the file (a bad value is reported there).
    pub redirect_port: Option<sso_config::Value>,
    /// `sso_wait_for_login` of the session (or of a legacy profile), as written, with its
    /// place in the file.
    pub wait_for_login: Option<sso_config::Value>,
    /// The SSO-OIDC endpoint.
    pub oidc_endpoint: Endpoint,
    /// The portal endpoint.
    pub portal_endpoint: Endpoint,
    /// Where a vanity start URL leads (protocol.md §5.4), once resolved
    /// ([`AwsContext::signing_in_at`]): the sign-in sends it as `issuerUrl` or `startUrl`,
    /// while cache keys and the token keep [`Self::start_url`]. `None`: sign in at the start
    /// URL as written.
    pub sign_in_url: Option<String>,
}

/// Where the settings that name a login are in the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginOrigins {
    /// `sso_start_url`.
    pub start_url: Option<sso_config::Origin>,
    /// `sso_region`.
    pub region: Option<sso_config::Origin>,
}

impl LoginOrigins {
    fn of(start_url: &sso_config::Value, region: &sso_config::Value) -> Self {
        Self {
            start_url: Some(start_url.origin().clone()),
            region: Some(region.origin().clone()),
        }
    }
}

impl SsoTarget {
    /// Whether this is a legacy profile (no sso-session): no PKCE, no refresh.
    pub fn is_legacy(&self) -> bool {
        self.session_name.is_none()
    }

    /// What the user would call it: `sso-session NAME` or `start URL URL`.
    pub fn describe(&self) -> String {
        match &self.session_name {
            Some(name) => format!("sso-session `{name}`"),
            None => format!("start URL {}", self.start_url),
        }
    }

    /// The token cache entry: SHA-1 of the session name, or of the start URL for legacy
    /// profiles.
    pub fn token_key(&self) -> CacheKey {
        match &self.session_name {
            Some(name) => CacheKey::for_session(name),
            None => CacheKey::for_start_url(&self.start_url),
        }
    }

    /// The login part of the role-credential cache key.
    pub fn login(&self) -> Login<'_> {
        match &self.session_name {
            Some(name) => Login::Session(name),
            None => Login::StartUrl(&self.start_url),
        }
    }

    /// The client-registration cache entry for a flow (protocol.md §4.2): PKCE registrations
    /// always carry scopes (the default one when none are configured).
    pub fn registration_key(&self, flow: RegistrationFlow) -> CacheKey {
        let default_scopes = [sso_oidc::DEFAULT_SCOPE.to_owned()];
        let scopes: Option<&[String]> = match flow {
            RegistrationFlow::AuthorizationCode if self.scopes.is_empty() => Some(&default_scopes),
            _ if self.scopes.is_empty() => None,
            _ => Some(&self.scopes),
        };
        CacheKey::for_registration(&RegistrationKeyArgs {
            start_url: &self.start_url,
            region: &self.region,
            scopes,
            session_name: self.session_name.as_deref(),
        })
    }

    /// The flow configuration, with a cached registration to reuse if any.
    pub fn flow_config(&self, registration: Option<sso_oidc::ClientRegistration>) -> FlowConfig {
        let mut config = FlowConfig::new(
            self.oidc_endpoint.clone(),
            self.sign_in_url
                .clone()
                .unwrap_or_else(|| self.start_url.clone()),
            self.region.clone(),
        );
        config.scopes = self.scopes.clone();
        config.session_name = self.session_name.clone();
        config.registration = registration;
        config
    }
}

/// The file's bytes, or `None` if it does not exist: a regular file of at most
/// [`crate::config_file::MAX_FILE_BYTES`].
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, ContextError> {
    sso_cache::file::read_regular(path, crate::config_file::MAX_FILE_BYTES)
        .map(|bytes| bytes.map(|bytes| bytes.to_vec()))
        .map_err(|error| ContextError::Read {
            path: path.to_path_buf(),
            source: error.into_io_error(),
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const CONFIG: &str = "\
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev

[sso-session corp]
sso_region = eu-west-1
sso_start_url = https://d-123.awsapps.com/start
sso_login_flow = device-code

[profile legacy]
sso_start_url = https://d-456.awsapps.com/start
sso_region = us-east-1
sso_account_id = 222222222222
sso_role_name = Ops
";

    #[test]
    fn a_target_knows_where_its_login_is_written() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("config");
        std::fs::write(&config, CONFIG).unwrap();
        let env = Env::from_vars([
            ("HOME", home.path().to_str().unwrap()),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ]);
        let aws = AwsContext::load(&env, None).unwrap();
        let line = |origin: Option<&sso_config::Origin>| origin.map(|o| o.line);

        for target in [
            aws.target_for_session("corp").unwrap(),
            aws.target_for_profile("dev").unwrap(),
        ] {
            assert_eq!(line(target.origins.region.as_ref()), Some(7));
            assert_eq!(line(target.origins.start_url.as_ref()), Some(8));
            assert_eq!(
                line(target.login_flow.as_ref().map(sso_config::Value::origin)),
                Some(9)
            );
        }
        let legacy = aws.target_for_profile("legacy").unwrap();
        assert_eq!(line(legacy.origins.start_url.as_ref()), Some(12));
        assert_eq!(line(legacy.origins.region.as_ref()), Some(13));

        let from_answers = aws
            .target_from_values(Some("new"), "https://x.awsapps.com/start", "us-east-1", &[])
            .unwrap();
        assert_eq!(from_answers.origins, LoginOrigins::default());
    }
}
