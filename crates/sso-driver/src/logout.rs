//! `sso logout`: revoke and delete cached SSO tokens and delete cached SSO role credentials,
//! exactly as `aws sso logout` does (protocol.md §6), optionally limited to one sso-session.
//!
//! Without a session ([`logout`] with `only_session: None`):
//!
//! 1. every `*.json` file in `~/.aws/sso/cache` whose JSON object has a string `accessToken`
//!    gets a portal `Logout` call in its `region` (when it has one), whatever the answer, and is
//!    deleted;
//! 2. every file in `~/.aws/cli/cache` with `"ProviderType": "sso"` is deleted;
//! 3. client registrations, unparsable files and other providers' credential files stay; a
//!    missing directory is fine;
//! 4. in both directories, temporary files that cache writers killed mid-write left behind
//!    (they may hold tokens) are deleted once older than a minute
//!    ([`sso_cache::CacheDir::remove_stale_temp_files`]); younger ones may be a write in
//!    progress. This also happens with a session.
//! 5. the lock files beside deleted entries go with them, and so does every other lock file
//!    nobody holds (leftovers of crashed processes); a lock in use is left to its holder, which
//!    deletes it when done (docs/cache.md, "Locks").
//!
//! The portal endpoint of a token's region is resolved like the SDKs do, with the
//! environment's overrides (`AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL`,
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, `AWS_USE_FIPS_ENDPOINT`,
//! `AWS_USE_DUALSTACK_ENDPOINT`): a token file does not say which profile wrote it, so profile
//! settings cannot apply.
//!
//! With a session (`only_session: Some(target)`), only that session's token file
//! (`sha1(session name).json`) is revoked (at the target's portal endpoint, which includes the
//! profile's overrides) and deleted, and only its role-credential entries. Those entries are
//! named by SHA-1 of `{"accountId","roleName","sessionName"}` (protocol.md §4.5), which cannot
//! be inverted, so the caller passes the `(account id, role name)` pairs to look for (the CLI
//! passes every profile of the config that uses the session); an entry is deleted when the key
//! of one of those pairs names an existing `"ProviderType": "sso"` file. Credentials cached for
//! a role that no profile names stay until they expire. The lock files beside the deleted
//! entries (and the session token's, even without a token) are deleted when nobody holds them.

use std::path::PathBuf;

use sso_cache::{CacheDir, CacheError, CacheKey};
use sso_oidc::{Endpoint, portal};

use crate::context::SsoTarget;
use crate::env::Env;
use crate::transport::Transport;

/// What a logout did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct LogoutReport {
    /// Token files deleted.
    pub tokens_removed: Vec<PathBuf>,
    /// Role-credential files deleted.
    pub credentials_removed: Vec<PathBuf>,
    /// Portal `Logout` calls that succeeded.
    pub revoked: usize,
    /// Portal `Logout` calls that failed (ignored, as the AWS CLI does).
    pub revoke_failures: usize,
}

/// Why a logout could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogoutError {
    /// A cache directory could not be listed or a file deleted (the error names it).
    #[error(transparent)]
    Cache(#[from] CacheError),
}

/// An `(account id, role name)` pair whose cached role credentials belong to a session.
pub(crate) type RoleRef = (String, String);

/// Logs out of every cached login, or of `only_session` (see the module documentation).
///
/// `session_roles` is used only with `only_session`; `env` supplies the endpoint overrides for
/// tokens of other regions.
pub(crate) async fn logout<T: Transport>(
    transport: &T,
    sso_cache: &CacheDir,
    cli_cache: &CacheDir,
    only_session: Option<&SsoTarget>,
    session_roles: &[RoleRef],
    env: &Env,
) -> Result<LogoutReport, LogoutError> {
    let mut report = LogoutReport::default();
    let tokens = sso_cache.list_tokens()?;
    match only_session {
        None => {
            for file in tokens {
                if let Some(region) = &file.region {
                    match portal_endpoint(region, env) {
                        Ok(endpoint) => {
                            revoke(transport, &endpoint, &file.access_token, &mut report).await;
                        }
                        Err(error) => {
                            tracing::debug!(%error, region, "no portal endpoint; not revoking");
                        }
                    }
                }
                if sso_cache.remove(&file.path)? {
                    report.tokens_removed.push(file.path);
                }
            }
            for file in cli_cache.list_sso_credentials()? {
                if cli_cache.remove(&file.path)? {
                    report.credentials_removed.push(file.path);
                }
            }
            // Lock files left by crashed processes, whatever entry they were for.
            sso_cache.remove_unused_locks()?;
            cli_cache.remove_unused_locks()?;
        }
        Some(target) => {
            let token_path = sso_cache.entry_path(&target.token_key());
            for file in tokens.into_iter().filter(|f| f.path == token_path) {
                revoke(
                    transport,
                    &target.portal_endpoint,
                    &file.access_token,
                    &mut report,
                )
                .await;
                if sso_cache.remove(&file.path)? {
                    report.tokens_removed.push(file.path);
                }
            }
            sso_cache.remove_locks(&token_path);
            let wanted: Vec<PathBuf> = session_roles
                .iter()
                .map(|(account, role)| {
                    cli_cache.entry_path(&CacheKey::for_role_credentials(
                        account,
                        role,
                        target.login(),
                    ))
                })
                .collect();
            for file in cli_cache.list_sso_credentials()? {
                if wanted.contains(&file.path) && cli_cache.remove(&file.path)? {
                    report.credentials_removed.push(file.path);
                }
            }
        }
    }
    // Temporary files of cache writers killed mid-write may hold tokens too.
    let now = std::time::SystemTime::now();
    let temp_files =
        sso_cache.remove_stale_temp_files(now)? + cli_cache.remove_stale_temp_files(now)?;
    tracing::debug!(
        temp_files,
        tokens = report.tokens_removed.len(),
        credentials = report.credentials_removed.len(),
        revoked = report.revoked,
        revoke_failures = report.revoke_failures,
        "logged out"
    );
    Ok(report)
}

/// Deletes the token files of `keys` that exist but cannot be read as a token (not JSON, no
/// `accessToken`, a wrong type): [`logout`] cannot revoke them and skips them, but a sign-out
/// must not leave them behind. Files that read as tokens, and missing files, are left alone.
/// Returns the files deleted.
///
/// # Errors
///
/// [`LogoutError::Cache`] when a file cannot be read or deleted.
pub(crate) fn remove_unreadable_tokens(
    sso_cache: &CacheDir,
    keys: &[CacheKey],
) -> Result<Vec<PathBuf>, LogoutError> {
    let mut removed = Vec::new();
    for key in keys {
        match sso_cache.read::<sso_cache::CachedToken>(key) {
            Ok(_) => {}
            Err(CacheError::Bad { path, reason }) => {
                tracing::debug!(path = %path.display(), %reason, "deleting an unreadable token file");
                if sso_cache.remove(&path)? {
                    removed.push(path);
                }
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(removed)
}

/// Calls portal `Logout` with `token`; failures are counted and logged, never returned.
async fn revoke<T: Transport>(
    transport: &T,
    endpoint: &Endpoint,
    token: &sso_cache::AccessToken,
    report: &mut LogoutReport,
) {
    let request = portal::logout(endpoint, token);
    let outcome = match transport.send(request).await {
        Ok(response) => portal::parse_logout(&response).map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    };
    match outcome {
        Ok(()) => report.revoked += 1,
        Err(error) => {
            tracing::debug!(%error, "portal Logout failed; deleting the token anyway");
            report.revoke_failures += 1;
        }
    }
}

/// The portal endpoint of `region` with the environment's overrides
/// ([`crate::context::env_portal_endpoint`]).
pub(crate) fn portal_endpoint(
    region: &str,
    env: &Env,
) -> Result<Endpoint, sso_oidc::EndpointError> {
    crate::context::env_portal_endpoint(env, region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_endpoint_honours_the_environment() {
        let plain = portal_endpoint("eu-west-1", &Env::from_vars::<&str, &str>([])).unwrap();
        assert_eq!(
            plain.as_str(),
            "https://portal.sso.eu-west-1.amazonaws.com/"
        );
        let env = Env::from_vars([("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")]);
        assert_eq!(
            portal_endpoint("eu-west-1", &env).unwrap().as_str(),
            "http://127.0.0.1:9/"
        );
    }
}
