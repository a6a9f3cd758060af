//! `sso status [--output text|json]`: every login in the config and what the caches hold.
//!
//! One row per `[sso-session NAME]` and per legacy start URL (profiles with `sso_start_url`
//! and no `sso_session`): its token cache file, what the file says of the token (`cached` and
//! unexpired, `expired`, `none`), when the token expires, and whether it can refresh itself (a
//! refresh token and a live client registration). Then every SSO role-credential entry of
//! `~/.aws/cli/cache`, with the profiles it belongs to and its expiry. A login whose token
//! expires within 15 minutes and cannot be refreshed gets the expiry warning line under its
//! table (the `expiry` module). Nothing is sent over the network and nothing is written: a
//! cached token may still have been revoked on the server.
//!
//! With `--check`, every unexpired cached token is shown to the portal, all at once, one cheap
//! call each ([`sso_driver::portal::check_tokens`]); the token column then says `valid`,
//! `revoked` (the portal answered 401) or `unknown` (no verdict, with the reason).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{Value, json};
use sso_cache::{CachedToken, Timestamp};
use sso_driver::clock::{SystemClock, WallClock as _};
use sso_driver::context::{AwsContext, SsoTarget};
use sso_driver::portal::TokenCheck;
use sso_driver::{credentials, token};

use crate::Context;
use crate::args::StatusFormat;
use crate::convert;
use crate::error::CliError;

/// One login (sso-session or legacy start URL) and its token.
#[derive(Debug)]
struct LoginStatus {
    session: Option<String>,
    start_url: String,
    region: String,
    profiles: Vec<String>,
    token_cache: Option<PathBuf>,
    signed_in: bool,
    expires_at: Option<Timestamp>,
    can_refresh: bool,
    /// The token expires within 15 minutes and cannot be refreshed: the warning line.
    expiry_warning: Option<String>,
    problem: Option<String>,
    /// The portal endpoint and token to check with `--check` (unexpired tokens only).
    check_input: Option<(sso_oidc::Endpoint, sso_oidc::AccessToken)>,
    /// The portal's verdict with `--check`.
    check: Option<Verdict>,
}

/// What `--check` found for one token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Valid,
    Revoked,
    Unknown(String),
}

impl Verdict {
    fn as_str(&self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Revoked => "revoked",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// One SSO role-credential cache entry.
#[derive(Debug)]
struct RoleStatus {
    path: PathBuf,
    account_id: Option<String>,
    profiles: Vec<String>,
    expiration: Option<Timestamp>,
    valid: bool,
    problem: Option<String>,
}

/// Runs `sso status`; `check` asks the portal about each cached token.
pub fn run(_ctx: &Context, format: StatusFormat, check: bool) -> Result<(), CliError> {
    let aws = convert::load_context(None)?;
    let now = Timestamp::from_unix_ms(SystemClock.now_unix_ms());
    let mut logins = logins(&aws, now);
    if check {
        check_logins(&aws, &mut logins)?;
    }
    let roles = roles(&aws, now)?;
    let text = match format {
        StatusFormat::Json => render_json(&logins, &roles),
        StatusFormat::Text => render_text(&logins, &roles),
    };
    crate::write_stdout(&text)
}

/// Fills in [`LoginStatus::check`] for every login with an unexpired cached token.
fn check_logins(aws: &AwsContext, logins: &mut [LoginStatus]) -> Result<(), CliError> {
    let inputs: Vec<(usize, (sso_oidc::Endpoint, sso_oidc::AccessToken))> = logins
        .iter_mut()
        .enumerate()
        .filter_map(|(index, login)| login.check_input.take().map(|input| (index, input)))
        .collect();
    if inputs.is_empty() {
        return Ok(());
    }
    let http = convert::http_client_for_profile(aws, None)?;
    let (indices, tokens): (Vec<usize>, Vec<_>) = inputs.into_iter().unzip();
    let verdicts = crate::runtime()?.block_on(sso_driver::portal::check_tokens(&http, tokens));
    for (index, verdict) in indices.into_iter().zip(verdicts) {
        logins[index].check = Some(match verdict {
            TokenCheck::Valid => Verdict::Valid,
            TokenCheck::Rejected => Verdict::Revoked,
            TokenCheck::Unknown(error) => Verdict::Unknown(error.to_string()),
            _ => Verdict::Unknown("unrecognised answer".to_owned()),
        });
    }
    Ok(())
}

fn logins(aws: &AwsContext, now: Timestamp) -> Vec<LoginStatus> {
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
    // Legacy profiles, grouped by start URL (their token is keyed by it).
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
    target: Result<SsoTarget, sso_driver::context::ContextError>,
    session: Option<String>,
    start_url: String,
    region: String,
    profiles: Vec<String>,
    sso_cache: Option<&sso_cache::CacheDir>,
    now: Timestamp,
) -> LoginStatus {
    let mut status = LoginStatus {
        session,
        start_url,
        region,
        profiles,
        token_cache: None,
        signed_in: false,
        expires_at: None,
        can_refresh: false,
        expiry_warning: None,
        problem: None,
        check_input: None,
        check: None,
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
    let Some(cache) = sso_cache else {
        status.problem = Some("no home directory".to_owned());
        return status;
    };
    status.token_cache = Some(cache.entry_path(&target.token_key()));
    match token::cached_token(cache, &target) {
        Ok(Some(entry)) => describe_token(&mut status, &entry, &target, now),
        Ok(None) => {}
        Err(error) => status.problem = Some(error.to_string()),
    }
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
    if token::expires_without_refresh(entry, target, now, false) {
        status.expiry_warning = Some(crate::expiry::warning_line(target, entry.expires_at, now));
    }
}

fn roles(aws: &AwsContext, now: Timestamp) -> Result<Vec<RoleStatus>, CliError> {
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
    let files = cli_cache
        .list_sso_credentials()
        .map_err(|error| match error {
            sso_cache::CacheError::Io { path, source, .. } => {
                CliError::CachePermissions { path, source }
            }
            other => CliError::Bug {
                message: other.to_string(),
            },
        })?;
    let mut out: Vec<RoleStatus> = files
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

fn opt_time(at: Option<Timestamp>) -> Value {
    at.map_or(Value::Null, |at| Value::String(at.to_string()))
}

fn render_json(logins: &[LoginStatus], roles: &[RoleStatus]) -> String {
    let logins: Vec<Value> = logins
        .iter()
        .map(|l| {
            json!({
                "ssoSession": l.session,
                "startUrl": l.start_url,
                "region": l.region,
                "profiles": l.profiles,
                "tokenCache": l.token_cache.as_ref().map(|p| p.display().to_string()),
                "signedIn": l.signed_in,
                "token": token_state(l),
                "check": l.check.as_ref().map(Verdict::as_str),
                "expiresAt": opt_time(l.expires_at),
                "canRefresh": l.can_refresh,
                "expiresSoonWithoutRefresh": l.expiry_warning.is_some(),
                "problem": l.problem.clone().or_else(|| match &l.check {
                    Some(Verdict::Unknown(reason)) => Some(reason.clone()),
                    _ => None,
                }),
            })
        })
        .collect();
    let roles: Vec<Value> = roles
        .iter()
        .map(|r| {
            json!({
                "cacheFile": r.path.display().to_string(),
                "accountId": r.account_id,
                "profiles": r.profiles,
                "expiration": opt_time(r.expiration),
                "valid": r.valid,
                "problem": r.problem,
            })
        })
        .collect();
    let document = json!({ "logins": logins, "roleCredentials": roles });
    // Serializing a Value cannot fail.
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}

fn render_text(logins: &[LoginStatus], roles: &[RoleStatus]) -> String {
    let mut out = String::new();
    if logins.is_empty() {
        out.push_str("No SSO logins are configured; run `sso configure` to add one.\n");
    } else {
        let rows: Vec<Vec<String>> = logins
            .iter()
            .map(|l| {
                let name = l
                    .session
                    .clone()
                    .unwrap_or_else(|| format!("{} (legacy)", l.start_url));
                let problem = l.problem.clone().or_else(|| match &l.check {
                    Some(Verdict::Unknown(reason)) => Some(reason.clone()),
                    _ => None,
                });
                vec![
                    name,
                    token_state(l).to_owned(),
                    l.expires_at.map(|at| at.to_string()).unwrap_or_default(),
                    if l.can_refresh { "yes" } else { "no" }.to_owned(),
                    problem.unwrap_or_else(|| {
                        l.token_cache
                            .as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default()
                    }),
                ]
            })
            .collect();
        table(
            &mut out,
            &["LOGIN", "TOKEN", "EXPIRES", "REFRESH", "TOKEN CACHE"],
            &rows,
        );
        for warning in logins.iter().filter_map(|l| l.expiry_warning.as_deref()) {
            out.push_str(warning);
        }
    }
    out.push('\n');
    if roles.is_empty() {
        out.push_str("No cached SSO role credentials.\n");
    } else {
        let rows: Vec<Vec<String>> = roles
            .iter()
            .map(|r| {
                vec![
                    if r.profiles.is_empty() {
                        "-".to_owned()
                    } else {
                        r.profiles.join(",")
                    },
                    r.account_id.clone().unwrap_or_default(),
                    r.expiration.map(|at| at.to_string()).unwrap_or_default(),
                    match (&r.problem, r.valid) {
                        (Some(problem), _) => problem.clone(),
                        (None, true) => "valid".to_owned(),
                        (None, false) => "expired".to_owned(),
                    },
                    r.path.display().to_string(),
                ]
            })
            .collect();
        table(
            &mut out,
            &["PROFILE", "ACCOUNT", "EXPIRES", "STATE", "CACHE FILE"],
            &rows,
        );
    }
    out
}

/// The token column: what the file says (`cached`, `expired`, `none`, `error`), or with
/// `--check` what the portal says (`valid`, `revoked`, `unknown`).
fn token_state(login: &LoginStatus) -> &'static str {
    match (
        &login.problem,
        &login.check,
        login.signed_in,
        login.expires_at,
    ) {
        (Some(_), _, _, _) => "error",
        (None, Some(verdict), _, _) => verdict.as_str(),
        (None, None, true, _) => "cached",
        (None, None, false, Some(_)) => "expired",
        (None, None, false, None) => "none",
    }
}

/// Appends an aligned table: columns two spaces apart, the last one not padded.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}
