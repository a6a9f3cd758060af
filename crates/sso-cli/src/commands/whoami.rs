//! `sso whoami [--profile P] [--output text|json]`: who the credentials of a profile are, as
//! STS `GetCallerIdentity` says, with the profile, its sso-session, and when the credentials
//! and the login behind them expire ([`sso_driver::Sso::whoami`]: the driver resolves,
//! calls and reads the token cache; this module renders).

use serde_json::{Value, json};
use sso_driver::sso::CredentialsRequest;
use sso_driver::sso::{Identity, SourceKind};

use crate::Context;
use crate::args::StatusFormat;
use crate::commands::export_credentials::{self, MfaTerminal};
use crate::convert;
use crate::error::CliError;
use crate::expiry::time_left;
use crate::term::printable;

/// Runs `sso whoami` for the selection of `--profile` (environment keys first without it).
pub(crate) fn run(ctx: &Context, format: StatusFormat) -> Result<(), CliError> {
    let sso = export_credentials::open(&ctx.env, ctx.global.selection())?;
    let identity = sso
        .whoami(&CredentialsRequest::default(), &MfaTerminal)
        .map_err(convert::chain_error)?;
    let now = sso.now();
    crate::write_stdout(&match format {
        StatusFormat::Text => render_text(&identity, now),
        StatusFormat::Json => render_json(&identity),
    })
}

/// Where the credentials came from, in words.
fn source_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Environment => "environment variables",
        SourceKind::Static => "static keys in the config or credentials file",
        SourceKind::Process => "credential_process",
        SourceKind::Sso => "IAM Identity Center",
        SourceKind::AssumeRole => "AssumeRole",
        SourceKind::WebIdentity => "AssumeRoleWithWebIdentity",
        SourceKind::Container => "container credentials",
        SourceKind::InstanceMetadata => "EC2 instance metadata",
        _ => "other",
    }
}

fn render_text(identity: &Identity, now: sso_cache::Timestamp) -> String {
    let caller = &identity.caller;
    let resolved = &identity.resolved;
    let mut rows: Vec<(&str, String)> = vec![
        ("Account", printable(&caller.account).into_owned()),
        ("ARN", printable(&caller.arn).into_owned()),
        ("User ID", printable(&caller.user_id).into_owned()),
    ];
    if let Some(profile) = &resolved.profile {
        rows.push(("Profile", printable(profile).into_owned()));
    }
    rows.push(("Source", source_name(resolved.kind).to_owned()));
    rows.push((
        "Credentials",
        match resolved.credentials.expiration {
            Some(at) => format!("expire at {at} (in {})", time_left(at, now)),
            None => "long-term keys, no expiry".to_owned(),
        },
    ));
    if let Some(login) = &identity.login {
        let target = &login.target;
        let name = target.session_name.as_deref().map_or_else(
            || format!("{} (legacy)", printable(&target.start_url)),
            |session| format!("sso-session {}", printable(session)),
        );
        let refresh = if login.refreshable {
            "refreshes itself"
        } else {
            "cannot be refreshed"
        };
        rows.push((
            "Login",
            format!(
                "{name}: expires at {} (in {}), {refresh}",
                login.expires_at,
                time_left(login.expires_at, now)
            ),
        ));
    }
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(label, value)| format!("{label:<width$}  {value}\n"))
        .collect()
}

/// The JSON document: `UserId`, `Account` and `Arn` as `aws sts get-caller-identity` names
/// them, then what `sso` adds.
fn render_json(identity: &Identity) -> String {
    let caller = &identity.caller;
    let resolved = &identity.resolved;
    let opt_time = |at: Option<sso_cache::Timestamp>| {
        at.map_or(Value::Null, |at| Value::String(at.to_string()))
    };
    let login = identity.login.as_ref();
    let document = json!({
        "UserId": caller.user_id,
        "Account": caller.account,
        "Arn": caller.arn,
        "Profile": resolved.profile,
        "Source": source_name(resolved.kind),
        "CredentialsExpiration": opt_time(resolved.credentials.expiration),
        "SsoSession": login.and_then(|l| l.target.session_name.clone()),
        "SsoStartUrl": login.map(|l| l.target.start_url.clone()),
        "LoginExpiration": opt_time(login.map(|l| l.expires_at)),
        "LoginRefreshable": login.map(|l| l.refreshable),
    });
    // Serializing a Value cannot fail.
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}
