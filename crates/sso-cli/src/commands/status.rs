//! `sso status [--output text|json]`: every login in the config and what the caches hold.
//!
//! One row per `[sso-session NAME]` and per legacy start URL (profiles with `sso_start_url`
//! and no `sso_session`): its token cache file, whether it is signed in (a token that has not
//! expired), when the token expires, and whether it can refresh itself (a refresh token and a
//! live client registration). Then every SSO role-credential entry of `~/.aws/cli/cache`, with
//! the profiles it belongs to and its expiry. A login whose token expires within 15 minutes and
//! cannot be refreshed gets the expiry warning line under its table (the `expiry` module).
//! Nothing is sent over the network and nothing is written.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{Value, json};
use sso_cache::{CachedToken, Timestamp};
use sso_driver::clock::{SystemClock, WallClock as _};
use sso_driver::context::{AwsContext, SsoTarget};
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

/// Runs `sso status`.
pub fn run(_ctx: &Context, format: StatusFormat) -> Result<(), CliError> {
    let aws = convert::load_context(None)?;
    let now = sso_driver::convert::unix_ms_to_cache_time(SystemClock.now_unix_ms());
    let logins = logins(&aws, now);
    let roles = roles(&aws, now)?;
    let text = match format {
        StatusFormat::Json => render_json(&logins, &roles),
        StatusFormat::Text => render_text(&logins, &roles),
    };
    crate::write_stdout(&text)
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
                "expiresAt": opt_time(l.expires_at),
                "canRefresh": l.can_refresh,
                "expiresSoonWithoutRefresh": l.expiry_warning.is_some(),
                "problem": l.problem,
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
                let signed_in = match (&l.problem, l.signed_in, l.expires_at) {
                    (Some(_), _, _) => "error".to_owned(),
                    (None, true, _) => "yes".to_owned(),
                    (None, false, Some(_)) => "expired".to_owned(),
                    (None, false, None) => "no".to_owned(),
                };
                vec![
                    name,
                    signed_in,
                    l.expires_at.map(|at| at.to_string()).unwrap_or_default(),
                    if l.can_refresh { "yes" } else { "no" }.to_owned(),
                    l.problem.clone().unwrap_or_else(|| {
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
            &["LOGIN", "SIGNED IN", "EXPIRES", "REFRESH", "TOKEN CACHE"],
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
