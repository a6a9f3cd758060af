//! `sso logout`: revoke and delete cached tokens and delete cached SSO role credentials
//! (protocol.md §6). Without a session, every cached token, as `aws sso logout` does.

use crate::Context;
use crate::error::CliError;
use crate::values::SessionName;

/// Runs `sso logout`; `session` limits it to one sso-session.
pub fn run(_ctx: &Context, _session: Option<SessionName>) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "logout",
        help: "use `aws sso logout` for now",
    })
}
