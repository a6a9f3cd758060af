//! The login inventory of `sso status`: every login the config names and what the caches hold
//! of it, read from the files alone (no network, nothing written), plus the portal's verdict on
//! each unexpired token when asked ([`crate::Sso::status`]).
//!
//! One [`LoginStatus`] per `[sso-session NAME]` and per legacy start URL (profiles with
//! `sso_start_url` and no `sso_session`, grouped by URL: their token is keyed by it), then one
//! [`RoleStatus`] per SSO role-credential entry of `~/.aws/cli/cache`, with the profiles whose
//! role it caches.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sso_cache::{CacheDir, CacheError, CachedToken, Timestamp};
use sso_oidc::{AccessToken, Endpoint};

use crate::context::{AwsContext, ContextError, SsoTarget};
use crate::credentials;
use crate::portal::TokenCheck;
use crate::token;

/// One login (sso-session or legacy start URL) and its cached token.
#[derive(Debug)]
#[non_exhaustive]
pub struct LoginStatus {
    /// The sso-session's name; `None` for a legacy login.
    pub session: Option<String>,
    /// The start URL (as resolved, else as written).
    pub start_url: String,
    /// The SSO region (as resolved, else as written).
    pub region: String,
    /// The profiles that sign in through this login.
    pub profiles: Vec<String>,
    /// The resolved login, when its settings resolve.
    pub target: Option<SsoTarget>,
    /// The token's cache file.
    pub token_cache: Option<PathBuf>,
    /// A token is cached and has not expired.
    pub signed_in: bool,
    /// When the cached token expires.
    pub expires_at: Option<Timestamp>,
    /// The token can refresh itself (a refresh token and a live registration; never legacy).
    pub can_refresh: bool,
    /// The token expires within 15 minutes and cannot be refreshed
    /// ([`crate::Sso::expires_without_refresh`]).
    pub expires_soon_without_refresh: bool,
    /// Why the login or its token could not be read.
    pub problem: Option<String>,
    /// The portal's verdict, when a check was asked for and the token had not expired.
    pub check: Option<TokenVerdict>,
    check_input: Option<(Endpoint, AccessToken)>,
}

/// What the portal said of one cached token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenVerdict {
    /// The portal accepted it.
    Valid,
    /// The portal answered 401: revoked or expired on the server.
    Revoked,
    /// No verdict, and why.
    Unknown(String),
}

/// One SSO role-credential cache entry.
#[derive(Debug)]
#[non_exhaustive]
pub struct RoleStatus {
    /// The cache file.
    pub path: PathBuf,
    /// The account, as the entry says.
    pub account_id: Option<String>,
    /// The profiles whose role this entry caches.
    pub profiles: Vec<String>,
    /// When the credentials expire.
    pub expiration: Option<Timestamp>,
    /// They have not expired.
    pub valid: bool,
    /// Why the entry could not be read.
    pub problem: Option<String>,
}

/// The whole inventory.
#[derive(Debug)]
#[non_exhaustive]
pub struct Status {
    /// Every login of the config.
    pub logins: Vec<LoginStatus>,
    /// Every SSO role-credential entry.
    pub roles: Vec<RoleStatus>,
}

/// Every login of `aws` and its cached token at `now`.
pub(crate) fn logins(aws: &AwsContext, now: Timestamp) -> Vec<LoginStatus> {
    let profiles = aws.profiles();
    let sso_cache = aws.sso_cache();
    let mut out = Vec::new();
    for (name, section) in profiles.sso_sessions() {
        let users: Vec<String> = profiles
            .profiles()
            .iter()
            .filter(|(_, p)| p.get_str("sso_session") == Some(name.as_str()))
            .map(|(p, _)| p.clone())
            .collect();
        let target = aws.target_for_session(name);
        let fallback = |key: &str| section.get_str(key).unwrap_or_default().to_owned();
        out.push(login_status(
            target,
            Some(name.clone()),
            fallback("sso_start_url"),
            fallback("sso_region"),
            users,
            sso_cache.as_ref(),
            now,
        ));
    }
    let mut legacy: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, section) in profiles.profiles() {
        if section.get_str("sso_session").is_none()
            && let Some(url) = section.get_str("sso_start_url")
        {
            legacy.entry(url.to_owned()).or_default().push(name.clone());
        }
    }
    for (start_url, users) in legacy {
        let Some(first) = users.first() else { continue };
        let target = aws.target_for_profile(first);
        let region = profiles
            .profile(first)
            .and_then(|p| p.get_str("sso_region"))
            .unwrap_or_default()
            .to_owned();
        out.push(login_status(
            target,
            None,
            start_url,
            region,
            users,
            sso_cache.as_ref(),
            now,
        ));
    }
    out
}

fn login_status(
    target: Result<SsoTarget, ContextError>,
    session: Option<String>,
    start_url: String,
    region: String,
    profiles: Vec<String>,
    sso_cache: Option<&CacheDir>,
    now: Timestamp,
) -> LoginStatus {
    let mut status = LoginStatus {
        session,
        start_url,
        region,
        profiles,
        target: None,
        token_cache: None,
        signed_in: false,
        expires_at: None,
        can_refresh: false,
        expires_soon_without_refresh: false,
        problem: None,
        check: None,
        check_input: None,
    };
    let target = match target {
        Ok(target) => target,
        Err(error) => {
            status.problem = Some(error.to_string());
            return status;
        }
    };
    status.start_url.clone_from(&target.start_url);
    status.region.clone_from(&target.region);
    if let Some(cache) = sso_cache {
        status.token_cache = Some(cache.entry_path(&target.token_key()));
        match token::cached_token(cache, &target) {
            Ok(Some(entry)) => describe_token(&mut status, &entry, &target, now),
            Ok(None) => {}
            Err(error) => status.problem = Some(error.to_string()),
        }
    } else {
        status.problem = Some("no home directory".to_owned());
    }
    status.target = Some(target);
    status
}

fn describe_token(
    status: &mut LoginStatus,
    entry: &CachedToken,
    target: &SsoTarget,
    now: Timestamp,
) {
    status.signed_in = !entry.is_expired(now);
    status.expires_at = Some(entry.expires_at);
    if status.signed_in {
        status.check_input = Some((target.portal_endpoint.clone(), entry.access_token.clone()));
    }
    // Legacy logins never refresh, whatever the file holds.
    status.can_refresh = !target.is_legacy() && entry.can_refresh(now);
    status.expires_soon_without_refresh = token::expires_without_refresh(entry, target, now, false);
}

/// The tokens to show the portal: `(index into logins, endpoint, token)`, taken out of them.
pub(crate) fn check_inputs(logins: &mut [LoginStatus]) -> Vec<(usize, (Endpoint, AccessToken))> {
    logins
        .iter_mut()
        .enumerate()
        .filter_map(|(index, login)| login.check_input.take().map(|input| (index, input)))
        .collect()
}

/// The portal's answer as a verdict.
pub(crate) fn verdict(check: TokenCheck) -> TokenVerdict {
    match check {
        TokenCheck::Valid => TokenVerdict::Valid,
        TokenCheck::Rejected => TokenVerdict::Revoked,
        TokenCheck::Unknown(error) => TokenVerdict::Unknown(error.to_string()),
    }
}

/// Every SSO role-credential entry of `aws`'s CLI cache at `now`, with its owners.
///
/// # Errors
///
/// [`CacheError::Io`] when the cache directory cannot be listed.
pub(crate) fn roles(aws: &AwsContext, now: Timestamp) -> Result<Vec<RoleStatus>, CacheError> {
    let Some(cli_cache) = aws.cli_cache() else {
        return Ok(Vec::new());
    };
    // Which profiles use which entry: the key of every SSO profile with a role.
    let mut owners: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for name in aws.profiles().profiles().keys() {
        let Ok(target) = aws.target_for_profile(name) else {
            continue;
        };
        if let Ok(key) = credentials::role_cache_key(&target) {
            owners
                .entry(cli_cache.entry_path(&key))
                .or_default()
                .push(name.clone());
        }
    }
    let mut out: Vec<RoleStatus> = cli_cache
        .list_sso_credentials()?
        .into_iter()
        .map(|file| {
            let (expiration, problem) = match file.expiration {
                Ok(at) => (Some(at), None),
                Err(reason) => (None, Some(reason.to_string())),
            };
            RoleStatus {
                profiles: owners.get(&file.path).cloned().unwrap_or_default(),
                path: file.path,
                account_id: file.account_id,
                valid: expiration.is_some_and(|at| at > now),
                expiration,
                problem,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.profiles, &a.path).cmp(&(&b.profiles, &b.path)));
    Ok(out)
}
