//! `sso list accounts` and `sso list roles`.
//!
//! Wiring: get a token for `target` from sso-driver, list every page, convert into the view
//! types of [`crate::output`] and call [`print_accounts`] / [`print_roles`].

use crate::Context;
use crate::args::ListFormat;
use crate::error::CliError;
use crate::options::LoginSelector;
use crate::output::{self, AccountView, RoleView};
use crate::values::AccountId;

/// Runs `sso list accounts`.
pub fn run_accounts(
    _ctx: &Context,
    _target: LoginSelector,
    _format: ListFormat,
) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "list accounts",
        help: "use `aws sso list-accounts --access-token ...` for now",
    })
}

/// Runs `sso list roles`.
pub fn run_roles(
    _ctx: &Context,
    _target: LoginSelector,
    _account_id: Option<AccountId>,
    _format: ListFormat,
) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "list roles",
        help: "use `aws sso list-account-roles --access-token ... --account-id ...` for now",
    })
}

/// Prints accounts to stdout.
pub fn print_accounts(
    ctx: &Context,
    accounts: &[AccountView],
    format: ListFormat,
) -> Result<(), CliError> {
    crate::write_stdout(&output::render_accounts(accounts, format, ctx.stdout_color))
}

/// Prints roles to stdout.
pub fn print_roles(ctx: &Context, roles: &[RoleView], format: ListFormat) -> Result<(), CliError> {
    crate::write_stdout(&output::render_roles(roles, format, ctx.stdout_color))
}
