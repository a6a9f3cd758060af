//! `sso logout`: revoke and delete cached tokens and delete cached SSO role credentials
//! (protocol.md §6). Without a session, every cached token, as `aws sso logout` does.
//!
//! With `--sso-session NAME`, only that session's token and the role credentials of the
//! profiles that use the session (their `sso_account_id` and `sso_role_name`) are removed: the
//! role-credential file names are hashes that cannot be traced back to a session otherwise.
//! Revocation failures are ignored. A token file of a configured login that cannot be read as
//! a token (corrupt) cannot be revoked; it is deleted all the same, and that is said on stderr.
//! Nothing else is printed.

use sso_cache::CacheKey;
use sso_driver::context::AwsContext;
use sso_driver::logout::RoleRef;

use crate::Context;
use crate::convert;
use crate::error::CliError;
use crate::values::SessionName;

/// Runs `sso logout`; `session` limits it to one sso-session.
pub fn run(ctx: &Context, session: Option<SessionName>) -> Result<(), CliError> {
    let cli_profile = ctx.global.profile.as_ref().map(|p| p.as_str().to_owned());
    let aws = convert::load_context(cli_profile.as_deref())?;
    let sso_cache = convert::sso_cache(&aws)?;
    let cli_cache = convert::cli_cache(&aws)?;
    let target = session
        .as_ref()
        .map(|name| aws.target_for_session(name.as_str()))
        .transpose()
        .map_err(convert::context_error)?;
    let roles = session
        .as_ref()
        .map(|name| roles_of_session(&aws, name.as_str()))
        .unwrap_or_default();
    let http = convert::http_client_for_profile(&aws, None)?;
    let runtime = crate::runtime()?;
    runtime
        .block_on(sso_driver::logout::logout(
            &http,
            &sso_cache,
            &cli_cache,
            target.as_ref(),
            &roles,
            aws.env(),
        ))
        .map_err(convert::logout_error)?;
    let keys = match &target {
        Some(target) => vec![target.token_key()],
        None => token_keys(&aws),
    };
    let removed = sso_driver::logout::remove_unreadable_tokens(&sso_cache, &keys)
        .map_err(convert::logout_error)?;
    for path in removed {
        crate::term::eprint(&format!(
            "Removed the corrupt token file {} (it could not be revoked).\n",
            path.display()
        ));
    }
    Ok(())
}

/// The token cache keys of every login in the config: each sso-session, and the start URL of
/// each legacy profile.
fn token_keys(aws: &AwsContext) -> Vec<CacheKey> {
    let profiles = aws.profiles();
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
fn roles_of_session(aws: &AwsContext, session: &str) -> Vec<RoleRef> {
    aws.profiles()
        .profiles()
        .keys()
        .filter_map(|name| aws.target_for_profile(name).ok())
        .filter(|target| target.session_name.as_deref() == Some(session))
        .filter_map(|target| Some((target.account_id?, target.role_name?)))
        .collect()
}
