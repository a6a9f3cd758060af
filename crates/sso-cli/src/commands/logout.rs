//! `sso logout`: revoke and delete cached tokens and delete cached SSO role credentials
//! (protocol.md §6). Without a session, every cached token, as `aws sso logout` does.
//!
//! With `--sso-session NAME`, only that session's token and the role credentials of the
//! profiles that use the session (their `sso_account_id` and `sso_role_name`) are removed: the
//! role-credential file names are hashes that cannot be traced back to a session otherwise.
//! Nothing is printed; revocation failures are ignored.

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
    Ok(())
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
