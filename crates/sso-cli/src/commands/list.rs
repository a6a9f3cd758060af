//! `sso list accounts` and `sso list roles`.
//!
//! Both ask the driver's handle ([`Sso::accounts`], [`Sso::roles`]: a usable token for the
//! login, refreshed when needed, never a browser; every page), convert into the view types of
//! `crate::output` and print. `sso list roles` without `--account-id` lists every account's
//! roles concurrently ([`Sso::all_roles`]), with a progress bar on stderr
//! when stderr is a terminal. An account whose roles cannot be listed is reported on stderr
//! after the roles of the others are printed, and the command then fails (exit code 1).

use std::io::IsTerminal as _;

use sso_driver::Sso;
use sso_driver::sso::{RoleListing, Selection};

use crate::Context;
use crate::args::ListFormat;
use crate::convert;
use crate::error::CliError;
use crate::output::{self, AccountView, RoleView};
use crate::values::AccountId;

/// Runs `sso list accounts`.
pub(crate) fn run_accounts(
    ctx: &Context,
    target: Selection,
    format: ListFormat,
) -> Result<(), CliError> {
    let sso = convert::open(&ctx.env, target)?;
    let accounts = sso.accounts().map_err(convert::sso_error)?;
    crate::expiry::warn_login(&sso, true);
    let views: Vec<AccountView> = accounts
        .into_iter()
        .map(|a| AccountView {
            account_id: a.account_id,
            account_name: a.account_name,
            email_address: a.email_address,
        })
        .collect();
    print_accounts(ctx, &views, format)
}

/// Runs `sso list roles`.
pub(crate) fn run_roles(
    ctx: &Context,
    target: Selection,
    account_id: Option<AccountId>,
    format: ListFormat,
) -> Result<(), CliError> {
    let sso = convert::open(&ctx.env, target)?;
    let (roles, failure) = match &account_id {
        Some(account_id) => (
            sso.roles(account_id.as_str()).map_err(convert::sso_error)?,
            None,
        ),
        None => {
            let accounts = sso.accounts().map_err(convert::sso_error)?;
            let ids: Vec<String> = accounts.into_iter().map(|a| a.account_id).collect();
            let listing = all_roles(&sso, &ids)?;
            let mut roles = Vec::new();
            let mut failure = None;
            for (account_id, result) in listing.results {
                match result {
                    Ok(found) => roles.extend(found),
                    Err(error) if error.is_unauthorized() => {
                        return Err(convert::sso_error(sso.portal_error(error)));
                    }
                    Err(error) => {
                        crate::term::eprint(&format!(
                            "warning: could not list the roles of account {account_id}: {error}\n"
                        ));
                        failure.get_or_insert(error);
                    }
                }
            }
            (roles, failure)
        }
    };
    crate::expiry::warn_login(&sso, true);
    let views: Vec<RoleView> = roles
        .into_iter()
        .map(|r| RoleView {
            account_id: r.account_id,
            role_name: r.role_name,
        })
        .collect();
    print_roles(ctx, &views, format)?;
    match failure {
        Some(error) => Err(convert::sso_error(sso.portal_error(error))),
        None => Ok(()),
    }
}

/// The roles of every account in `ids`, with a progress bar on stderr.
pub(crate) fn all_roles(sso: &Sso, ids: &[String]) -> Result<RoleListing, CliError> {
    let bar = progress_bar(ids.len());
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let listing = sso.all_roles(ids, &progress).map_err(convert::sso_error);
    bar.finish_and_clear();
    listing
}

/// Prints accounts to stdout.
pub(crate) fn print_accounts(
    ctx: &Context,
    accounts: &[AccountView],
    format: ListFormat,
) -> Result<(), CliError> {
    crate::write_stdout(&output::render_accounts(accounts, format, ctx.stdout_color))
}

/// Prints roles to stdout.
pub(crate) fn print_roles(
    ctx: &Context,
    roles: &[RoleView],
    format: ListFormat,
) -> Result<(), CliError> {
    crate::write_stdout(&output::render_roles(roles, format, ctx.stdout_color))
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
pub(crate) fn progress_bar(total: usize) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("listing roles {bar:30} {pos}/{len} accounts")
    {
        bar.set_style(style);
    }
    bar
}
