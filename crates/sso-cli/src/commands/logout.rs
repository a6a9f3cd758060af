//! `sso logout`: revoke and delete cached tokens and delete cached SSO role credentials
//! (protocol.md §6). Without a session, every cached token, as `aws sso logout` does.
//!
//! With `--sso-session NAME`, only that session's token and the role credentials of the
//! profiles that use the session (their `sso_account_id` and `sso_role_name`) are removed: the
//! role-credential file names are hashes that cannot be traced back to a session otherwise.
//! Revocation failures are ignored. A token file of a configured login that cannot be read as
//! a token (corrupt) cannot be revoked; it is deleted all the same, and that is said on stderr.
//! Nothing else is printed.

use crate::Context;
use crate::convert;
use crate::error::CliError;
use crate::values::SessionName;

/// Runs `sso logout`; `session` limits it to one sso-session.
pub(crate) fn run(ctx: &Context, session: Option<SessionName>) -> Result<(), CliError> {
    let sso = convert::open(&ctx.env, ctx.global.selection())?;
    let signed_out = sso
        .sign_out(session.as_ref().map(SessionName::as_str))
        .map_err(convert::sso_error)?;
    for path in signed_out.corrupt_removed {
        crate::term::eprint(&format!(
            "Removed the corrupt token file {} (it could not be revoked).\n",
            path.display()
        ));
    }
    Ok(())
}
