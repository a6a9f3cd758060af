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
//! call each ([`sso_driver::Sso::status`]); the token column then says `valid`,
//! `revoked` (the portal answered 401) or `unknown` (no verdict, with the reason).

use std::fmt::Write as _;

use serde_json::{Value, json};
use sso_cache::Timestamp;
use sso_driver::sso::Selection;
use sso_driver::sso::status::{LoginStatus, RoleStatus, TokenVerdict};

use crate::Context;
use crate::args::StatusFormat;
use crate::convert;
use crate::error::CliError;

/// Runs `sso status`; `check` asks the portal about each cached token.
pub(crate) fn run(ctx: &Context, format: StatusFormat, check: bool) -> Result<(), CliError> {
    let sso = convert::open(&ctx.env, Selection::Default)?;
    let status = sso.status(check).map_err(convert::sso_error)?;
    let now = sso.now();
    let text = match format {
        StatusFormat::Json => render_json(&status.logins, &status.roles),
        StatusFormat::Text => render_text(&status.logins, &status.roles, now),
    };
    crate::write_stdout(&text)
}

/// The `--check` column's word for a verdict.
fn verdict_word(verdict: &TokenVerdict) -> &'static str {
    match verdict {
        TokenVerdict::Valid => "valid",
        TokenVerdict::Revoked => "revoked",
        _ => "unknown",
    }
}

/// Why the portal gave no verdict, when it gave none.
fn unknown_reason(login: &LoginStatus) -> Option<String> {
    match &login.check {
        Some(TokenVerdict::Unknown(reason)) => Some(reason.clone()),
        _ => None,
    }
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
                "check": l.check.as_ref().map(verdict_word),
                "expiresAt": opt_time(l.expires_at),
                "canRefresh": l.can_refresh,
                "expiresSoonWithoutRefresh": l.expires_soon_without_refresh,
                "problem": l.problem.clone().or_else(|| unknown_reason(l)),
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

fn render_text(logins: &[LoginStatus], roles: &[RoleStatus], now: Timestamp) -> String {
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
                let problem = l.problem.clone().or_else(|| unknown_reason(l));
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
        for login in logins.iter().filter(|l| l.expires_soon_without_refresh) {
            if let (Some(target), Some(expires_at)) = (&login.target, login.expires_at) {
                out.push_str(&crate::expiry::warning_line(target, expires_at, now));
            }
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
        (None, Some(verdict), _, _) => verdict_word(verdict),
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
