//! Converting the libraries' errors into [`CliError`]s: the one place that decides how a driver
//! or config failure is shown and which exit code it gets.
//!
//! Errors with a position in a file (`ResolveError` with an origin) become
//! [`CliError::Config`], rendered with the file's text around the problem.

use std::path::Path;

use sso_config::{Origin, ResolveError};
use sso_driver::Sso;
use sso_driver::env::Env;
use sso_driver::sso::Selection;
use sso_driver::sso::{ContextError, SsoTarget};

use crate::error::{CliError, LoginTarget, shell_word};

/// The `User-Agent` of every request `sso` sends.
pub(crate) const USER_AGENT: &str = concat!("sso/", env!("CARGO_PKG_VERSION"));

/// The use-case handle for `selection` over `env` (the command's [`crate::Context::env`]), with
/// the config's warnings (what the SDKs ignore) on stderr, one line each.
pub(crate) fn open(env: &Env, selection: Selection) -> Result<Sso, CliError> {
    let sso = open_quiet(env, selection)?;
    sso.require_files().map_err(context_error)?;
    for warning in sso.config().profiles().warnings() {
        crate::term::eprint(&format!(
            "warning: {}: {}\n",
            warning.origin, warning.message
        ));
    }
    Ok(sso)
}

/// [`open`] over `env`, without the warnings: the credential commands, whose stderr belongs to
/// the tool that runs them.
pub(crate) fn open_quiet(env: &Env, selection: Selection) -> Result<Sso, CliError> {
    Ok(Sso::load(env, selection)
        .map_err(context_error)?
        .user_agent(USER_AGENT))
}

/// A failure of the use-case handle as the user sees it.
pub(crate) fn sso_error(error: sso_driver::sso::Error) -> CliError {
    use sso_driver::sso::Error;
    match error {
        Error::Context(error) => context_error(error),
        Error::NoHome => no_home(),
        Error::Client(error) => client_build_error(error),
        Error::Token { source, target } => sso_token_error(source, &target),
        Error::Portal { source, target } => portal_error(source, &target),
        Error::Logout(error) => logout_error(error),
        Error::Cache(sso_cache::CacheError::Io { path, source, .. }) => {
            CliError::CachePermissions { path, source }
        }
        Error::Settings(error) => crate::commands::settings::settings_error(error),
        Error::ConfigWrite(error) => config_write_error(error),
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

/// A syntax error of the config or credentials file, shown at its line with a caret.
pub(crate) fn syntax_error(error: &sso_driver::sso::SyntaxError) -> CliError {
    CliError::config(
        &error.path,
        error.text.clone(),
        error.diagnostic.span.clone(),
        &error.diagnostic.message,
        "here",
        "fix or remove this line: the AWS CLI and SDKs refuse the file as it is, and sso neither reads nor edits it",
    )
}

fn no_home() -> CliError {
    CliError::BadConfig {
        message: "cannot find the home directory, so not the AWS caches under ~/.aws".to_owned(),
        help: Some("set HOME (USERPROFILE on Windows)".to_owned()),
    }
}

/// What `sso login` flags would sign in to `target` again.
pub(crate) fn login_target(target: &SsoTarget) -> LoginTarget {
    match (&target.session_name, &target.profile) {
        (Some(session), _) => LoginTarget::Session(session.clone()),
        (None, Some(profile)) => LoginTarget::Profile(profile.clone()),
        (None, None) => LoginTarget::Profile("default".to_owned()),
    }
}

/// A [`ContextError`] as the user sees it.
pub(crate) fn context_error(error: ContextError) -> CliError {
    match error {
        ContextError::Location(error) => CliError::BadConfig {
            message: error.to_string(),
            help: None,
        },
        ContextError::Read { path, source } => CliError::File {
            action: "read",
            path,
            source,
        },
        ContextError::NotUtf8 { path } => CliError::File {
            action: "read",
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the file is not valid UTF-8; fix or re-save it as UTF-8",
            ),
            path,
        },
        ContextError::Resolve(error) => resolve_error(&error),
        ContextError::Syntax(error) => syntax_error(&error),
        ContextError::Endpoint {
            service,
            region,
            source,
        } => CliError::BadConfig {
            message: format!("no {service} endpoint for the SSO region `{region}`: {source}"),
            help: Some(
                "check sso_region in your config, and AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL_SSO / AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT".to_owned(),
            ),
        },
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

/// A [`ResolveError`], shown at its place in the file when it has one.
pub(crate) fn resolve_error(error: &ResolveError) -> CliError {
    let help = match error {
        ResolveError::ProfileNotFound { profile } => {
            return CliError::ProfileNotFound {
                profile: profile.clone(),
                path: "the config or credentials file".to_owned(),
            };
        }
        ResolveError::SessionNotFound { session, .. } => format!(
            "add an [sso-session {session}] section with `sso configure sso-session --sso-session {}`, or fix the name",
            shell_word(session)
        ),
        ResolveError::MissingSsoValues { .. } => {
            "run `sso configure` to set the profile up, or add the missing keys".to_owned()
        }
        ResolveError::Inconsistent { key, .. } => {
            format!("remove `{key}` from the profile or make it match the sso-session")
        }
        ResolveError::MissingCredentialValues { .. } => {
            "add sso_account_id and sso_role_name to the profile (`sso configure` does it)"
                .to_owned()
        }
        ResolveError::StartUrlNotHttps { .. } => {
            "change sso_start_url to its https:// form".to_owned()
        }
        ResolveError::ServicesNotFound { services, .. } => {
            format!("add a [services {services}] section or remove the `services` key")
        }
        _ => "fix the value in the config file".to_owned(),
    };
    match error.origin() {
        Some(origin) => at_origin(origin, &error.to_string(), &help),
        None => CliError::BadConfig {
            message: error.to_string(),
            help: Some(help),
        },
    }
}

/// A bad setting shown at its place in the config file (`file:line:column`), with the file's
/// text around it when it can be read.
pub(crate) fn setting_error(origin: &Origin, message: &str, help: &str) -> CliError {
    at_origin(origin, message, help)
}

/// A config error pointing at `origin`, with the file's text when it can be read.
fn at_origin(origin: &Origin, message: &str, help: &str) -> CliError {
    let path = Path::new(&*origin.file);
    let Some(text) = sso_driver::sso::file_text(origin) else {
        return CliError::BadConfig {
            message: format!("{origin}: {message}"),
            help: Some(help.to_owned()),
        };
    };
    let start = offset_of(&text, origin.line, origin.column);
    let end = text[start..]
        .find(['\n', '\r'])
        .map_or(text.len(), |n| start + n);
    CliError::config(path, text, start..end, message, "here", help)
}

/// The byte offset of a 1-based line and character column.
fn offset_of(text: &str, line: u32, column: u32) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        match text[offset..].find('\n') {
            Some(n) => offset += n + 1,
            None => return text.len(),
        }
    }
    let rest = &text[offset..];
    offset
        + rest
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(rest.len(), |(i, _)| i)
}

// --- Credentials, portal and token errors (export-credentials, exec, list, status). ---

/// A [`sso_driver::sso::ClientBuildError`] as the user sees it.
pub(crate) fn client_build_error(error: sso_driver::sso::ClientBuildError) -> CliError {
    use sso_driver::sso::ClientBuildError;
    match error {
        ClientBuildError::CaBundleUnreadable { path, source, .. } => CliError::File {
            action: "read",
            path,
            source,
        },
        error @ (ClientBuildError::CaBundleInvalid { .. }
        | ClientBuildError::InvalidProxy { .. }) => CliError::BadConfig {
            message: error.to_string(),
            help: Some(
                "fix AWS_CA_BUNDLE / ca_bundle, or HTTPS_PROXY / HTTP_PROXY / ALL_PROXY".to_owned(),
            ),
        },
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

/// A [`sso_cache::CacheError`] as the user sees it; `target` is what to log in to after
/// removing a corrupt file.
pub(crate) fn cache_error(error: sso_cache::CacheError, target: &SsoTarget) -> CliError {
    use sso_cache::CacheError;
    match error {
        CacheError::Missing { .. } => CliError::LoginRequired {
            target: login_target(target),
        },
        CacheError::Bad { path, reason } => CliError::CacheCorrupt {
            path,
            detail: reason.to_string(),
            target: login_target(target),
        },
        CacheError::Io { path, source, .. } => CliError::CachePermissions { path, source },
        CacheError::LockTimeout { path, waited } => CliError::File {
            action: "lock",
            source: std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "another process held the lock for {} s; retry, or delete the lock file if no sso or aws process is running",
                    waited.as_secs()
                ),
            ),
            path,
        },
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

/// A [`sso_driver::sso::TokenError`] (no usable SSO token) as the user sees it.
pub(crate) fn sso_token_error(error: sso_driver::sso::TokenError, target: &SsoTarget) -> CliError {
    use sso_driver::sso::TokenError;
    match error {
        TokenError::NotLoggedIn { .. } => CliError::LoginRequired {
            target: login_target(target),
        },
        TokenError::BadCache(error) | TokenError::Write(error) => cache_error(error, target),
        TokenError::Expired { expired_at, .. } => CliError::TokenExpired {
            target: login_target(target),
            expired_at: expired_at.to_string(),
        },
        TokenError::RefreshFailed { source, .. } => CliError::RefreshFailed {
            target: login_target(target),
            source: Box::new(source),
        },
        TokenError::LockTimeout { path, .. } => CliError::File {
            action: "lock",
            source: std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "another sso process is still refreshing the token; retry when it is done",
            ),
            path,
        },
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

/// A [`sso_driver::sso::PortalError`] as the user sees it: a 401 means signing in again.
pub(crate) fn portal_error(error: sso_driver::sso::PortalError, target: &SsoTarget) -> CliError {
    use sso_driver::sso::PortalError;
    if error.is_unauthorized() {
        return CliError::LoginRequired {
            target: login_target(target),
        };
    }
    match error {
        PortalError::Transport { source, .. } => CliError::Network {
            endpoint: source.url().to_owned(),
            source: Box::new(source),
        },
        PortalError::Response(error) => match error.service_error() {
            Some(service) if service.status == 403 => CliError::Denied {
                message: format!(
                    "the SSO portal refused access: {}: {}",
                    service.code.as_str(),
                    service.description().unwrap_or("no message")
                ),
                help: "check sso_account_id and sso_role_name; your administrator may not have assigned you this role".to_owned(),
            },
            Some(service) => {
                let help = if service.status == 404 {
                    "check sso_account_id and sso_role_name; your administrator may not have assigned you this role".to_owned()
                } else if error.is_retryable() {
                    "the SSO portal is busy or failing; try again in a moment".to_owned()
                } else {
                    format!("run `sso login {}` and try again", login_target(target))
                };
                let operation = match &error {
                    sso_oidc::ResponseError::Service { operation, .. } => operation.to_string(),
                    _ => "the SSO portal call".to_owned(),
                };
                CliError::ServerRefused {
                    operation,
                    code: service.code.as_str().to_owned(),
                    message: service.description().unwrap_or("no message").to_owned(),
                    help,
                }
            }
            None => CliError::Network {
                endpoint: "the SSO portal".to_owned(),
                source: Box::new(error),
            },
        },
        error @ PortalError::RepeatedToken { .. } => CliError::Network {
            endpoint: "the SSO portal".to_owned(),
            source: Box::new(error),
        },
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

/// A [`sso_driver::sso::CredentialsError`] as the user sees it.
pub(crate) fn credentials_error(
    error: sso_driver::sso::CredentialsError,
    target: &SsoTarget,
) -> CliError {
    use sso_driver::sso::CredentialsError;
    match error {
        CredentialsError::NotARoleProfile { profile, missing } => CliError::MissingSetting {
            section: format!("[profile {profile}]"),
            key: missing.join("`, `"),
            help: format!(
                "add sso_account_id and sso_role_name to the profile, or run `sso configure --profile {}`",
                shell_word(&profile)
            ),
        },
        CredentialsError::Token { source, .. } => sso_token_error(source, target),
        CredentialsError::Portal { source, .. } => portal_error(source, target),
        CredentialsError::Cache(error) => cache_error(error, target),
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

// --- Login and logout errors (login, logout). ---

/// A [`sso_driver::sso::signin::LoginError`] as the user sees it.
pub(crate) fn login_error(
    error: sso_driver::sso::signin::LoginError,
    target: &SsoTarget,
) -> CliError {
    use sso_driver::sso::signin::LoginError;
    let again = format!("run `sso login {}` again", login_target(target));
    match error {
        LoginError::Denied { description } => CliError::Denied {
            message: match description {
                Some(description) => format!("the sign-in was denied: {description}"),
                None => "the sign-in was denied".to_owned(),
            },
            help: format!("{again} and approve the request"),
        },
        LoginError::DeviceCodeExpired => CliError::TimedOut {
            message: "the device code expired before the sign-in was approved".to_owned(),
            help: format!("{again} and approve the request before the code expires"),
        },
        LoginError::PortInUse { port } => CliError::Failed {
            message: format!(
                "port {port} on 127.0.0.1 is in use, so the sign-in cannot listen on it for the browser's redirect"
            ),
            help: Some(format!(
                "stop what listens there (an old `ssh -L {port}:127.0.0.1:{port}` forwarding, or another `sso login`), \
                 or choose another port with --redirect-port (and forward that one with `ssh -L`), \
                 or remove --redirect-port and sso_redirect_port to use any free port"
            )),
        },
        error @ LoginError::BrowserTimeout { .. } => CliError::TimedOut {
            message: error.to_string(),
            help: format!(
                "run `sso login {} --use-device-code` to sign in with a code on any device",
                login_target(target)
            ),
        },
        LoginError::Listener(error) => CliError::Failed {
            message: error.to_string(),
            help: Some(
                "use --use-device-code to sign in without the 127.0.0.1 listener".to_owned(),
            ),
        },
        error @ LoginError::BadCallback { .. } => CliError::Failed {
            message: error.to_string(),
            help: Some(format!("{again}, or use --use-device-code")),
        },
        LoginError::Service {
            operation,
            code,
            description,
            ..
        } => CliError::ServerRefused {
            operation: operation.to_string(),
            code,
            message: description.unwrap_or_else(|| "no description".to_owned()),
            help: format!("check sso_start_url and sso_region, then {again}"),
        },
        LoginError::BadResponse(error) => CliError::ServerRefused {
            operation: "SSO-OIDC".to_owned(),
            code: "malformed response".to_owned(),
            message: error.to_string(),
            help: "check the endpoint configuration (AWS_ENDPOINT_URL_SSO_OIDC, sso_region)"
                .to_owned(),
        },
        error @ LoginError::Transport { .. } => CliError::Network {
            endpoint: target.oidc_endpoint.as_str().to_owned(),
            source: Box::new(error),
        },
        LoginError::CacheWrite { source, .. } => cache_error(source, target),
        LoginError::Cancelled => CliError::Interrupted,
        LoginError::BrowserNotOpened(error) => CliError::Failed {
            message: error.to_string(),
            help: Some(format!(
                "run `sso login {} --use-device-code`, or --no-browser to open the URL yourself",
                login_target(target)
            )),
        },
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

/// A [`sso_driver::sso::LogoutError`] as the user sees it.
pub(crate) fn logout_error(error: sso_driver::sso::LogoutError) -> CliError {
    use sso_driver::sso::LogoutError;
    match error {
        LogoutError::Cache(sso_cache::CacheError::Io { path, source, .. }) => {
            CliError::CachePermissions { path, source }
        }
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

// --- Configure wizard errors (configure, configure sso-session). ---

/// A portal failure while the wizard lists accounts or roles: `UnauthorizedException` means the
/// token is no longer accepted (the wizard signs in again or fails with "login required", where
/// the AWS CLI would write a profile without account and role); anything else stops it.
pub(crate) fn wizard_list_error(
    error: sso_driver::sso::PortalError,
    target: &SsoTarget,
) -> crate::wizard::ListError {
    if error.is_unauthorized() {
        crate::wizard::ListError::Unauthorized
    } else {
        crate::wizard::ListError::Failed(portal_error(error, target))
    }
}

/// A [`sso_driver::sso::ConfigWriteError`] as the user sees it: every case fails the
/// command, and the file is unchanged.
pub(crate) fn config_write_error(error: sso_driver::sso::ConfigWriteError) -> CliError {
    use sso_driver::sso::ConfigWriteError;
    use std::io::{Error, ErrorKind};
    let (action, path, source) = match error {
        ConfigWriteError::Io { path, source } => ("write", path, source),
        ConfigWriteError::Read(error) => {
            ("read", error.path().to_path_buf(), error.into_io_error())
        }
        ConfigWriteError::NotUtf8 { path } => (
            "read",
            path,
            Error::new(
                ErrorKind::InvalidData,
                "the file is not valid UTF-8; fix or re-save it as UTF-8",
            ),
        ),
        ConfigWriteError::ReadOnly { path } => (
            "write",
            path,
            Error::new(
                ErrorKind::PermissionDenied,
                "the file is read-only, so sso leaves it alone; make it writable (chmod u+w) to let sso edit it",
            ),
        ),
        ConfigWriteError::Conflict { path, detail } => (
            "write",
            path,
            Error::other(format!(
                "{detail} changed while sso was editing the file; nothing was written, run the command again"
            )),
        ),
        ConfigWriteError::LockTimeout { path, lock, waited } => (
            "write",
            path,
            Error::other(format!(
                "another process held its lock {} for {} s; retry, or delete the lock file if no other sso is running",
                lock.display(),
                waited.as_secs()
            )),
        ),
        other => {
            return CliError::Bug {
                message: other.to_string(),
            };
        }
    };
    CliError::File {
        action,
        path,
        source,
    }
}

/// A refused config edit (a value the file format cannot hold) as the user sees it.
pub(crate) fn config_edit_error(error: &sso_config::EditError, path: &Path) -> CliError {
    let message = match error {
        sso_config::EditError::UnrepresentableValue { key, value, reason } => format!(
            "{key} {value:?} cannot be stored in {}: {reason}",
            path.display()
        ),
        other => format!("cannot write {}: {other}", path.display()),
    };
    CliError::Usage {
        message,
        help: Some(
            "choose a value without line breaks, control characters, surrounding spaces, a leading `#` or `;`, or ` #`/` ;` inside"
                .to_owned(),
        ),
    }
}

// --- Credential sources of any profile (export-credentials, exec, console). ---

/// A [`sso_driver::sso::ChainError`] (no credentials for the selection) as the user sees it.
pub(crate) fn chain_error(error: sso_driver::sso::ChainError) -> CliError {
    use sso_driver::sso::ChainError;
    match error {
        ChainError::Source(error) => source_error(error),
        ChainError::Sso { error, target } => credentials_error(error, &target),
        ChainError::Process { error, process } => process_error(&error, &process),
        ChainError::Client(error) => client_build_error(error),
        ChainError::NoHome => no_home(),
        ChainError::MfaUnavailable { .. } => CliError::Usage {
            message: error.to_string(),
            help: Some(
                "run the command in a terminal, or use a profile without mfa_serial".to_owned(),
            ),
        },
        ChainError::InvalidSetting { key, ref value, .. } => setting_error(
            value.origin(),
            &error.to_string(),
            &format!("fix or remove {key}"),
        ),
        ChainError::Sts(sso_driver::sso::StsCallError::Transport(source)) => CliError::Network {
            endpoint: source.url().to_owned(),
            source: Box::new(source),
        },
        ChainError::Sts(sso_driver::sso::StsCallError::Refused { ref source, .. })
            if source.service_error().is_some_and(|e| e.status == 403) =>
        {
            CliError::Denied {
                message: format!("Unable to retrieve credentials: {error}"),
                help: "check that the source credentials may assume the role (its trust policy, external_id, mfa_serial)".to_owned(),
            }
        }
        ChainError::Sts(sso_driver::sso::StsCallError::IdentityRefused(_)) => {
            CliError::Denied {
                message: format!("STS did not accept the credentials: {error}"),
                help: "the credentials may have been revoked or the keys deactivated; sign in again or check the profile's keys".to_owned(),
            }
        }
        other => CliError::Failed {
            message: format!("Unable to retrieve credentials: {other}"),
            help: Some("check the profile's role_arn, source and the network".to_owned()),
        },
    }
}

/// A [`sso_driver::sso::SourceError`] (the profile gives no usable credential source)
/// as the user sees it, at its place in the config or credentials file.
pub(crate) fn source_error(error: sso_driver::sso::SourceError) -> CliError {
    use sso_driver::sso::SourceError;
    let error = match error {
        SourceError::Context(error) => return context_error(error),
        other => other,
    };
    let help = match &error {
        SourceError::PartialStatic { missing, .. } => {
            format!("add `{missing}` to the profile, or remove the key it does set")
        }
        SourceError::NoCredentials { profile, .. } => format!(
            "run `sso configure --profile {}` for an SSO role, or set role_arn with source_profile, credential_process, or aws_access_key_id and aws_secret_access_key",
            shell_word(profile)
        ),
        SourceError::Cycle { .. } => "break the cycle of source_profile references".to_owned(),
        SourceError::ProcessCycle { .. } => "the credential_process runs sso for a profile that is already being resolved; point it at another profile, e.g. one with the SSO settings".to_owned(),
        SourceError::TooDeep { .. } => "shorten the chain of credential_process profiles".to_owned(),
        _ => "fix the profile".to_owned(),
    };
    match error.origin() {
        Some(origin) => setting_error(origin, &error.to_string(), &help),
        None => CliError::BadConfig {
            message: error.to_string(),
            help: Some(help),
        },
    }
}

/// A failed `credential_process` as the user sees it, at the line that configures it. The
/// process's own output is never shown here (it may hold secrets); its stderr was passed
/// through.
pub(crate) fn process_error(
    error: &sso_driver::sso::ProcessError,
    source: &sso_driver::sso::ProcessSource,
) -> CliError {
    setting_error(
        &source.origin,
        &format!(
            "Unable to retrieve credentials for the profile \"{}\": {error}",
            source.profile
        ),
        "run the command yourself: it must exit with 0 and print JSON with \"Version\": 1, \"AccessKeyId\" and \"SecretAccessKey\"",
    )
}
