//! `sso list accounts` and `sso list roles`.
//!
//! Both get a usable token for the login (refreshing it when needed, never opening a browser),
//! list every page through `sso_driver::portal`, convert into the view types of
//! [`crate::output`] and print. `sso list roles` without `--account-id` lists every account's
//! roles concurrently ([`sso_driver::portal::list_all_roles`]), with a progress bar on stderr
//! when stderr is a terminal. An account whose roles cannot be listed is reported on stderr
//! after the roles of the others are printed, and the command then fails (exit code 1).

use std::io::IsTerminal as _;

use sso_driver::portal;

use crate::Context;
use crate::args::ListFormat;
use crate::commands::session::Session;
use crate::convert;
use crate::error::CliError;
use crate::options::LoginSelector;
use crate::output::{self, AccountView, RoleView};
use crate::values::AccountId;

/// Runs `sso list accounts`.
pub fn run_accounts(
    ctx: &Context,
    target: LoginSelector,
    format: ListFormat,
) -> Result<(), CliError> {
    let session = Session::open(&target)?;
    let runtime = crate::runtime()?;
    let accounts = runtime.block_on(async {
        let token = session.token().await?;
        portal::list_accounts(&session.http, &session.target.portal_endpoint, &token)
            .await
            .map_err(|e| convert::portal_error(e, &session.target))
    })?;
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
pub fn run_roles(
    ctx: &Context,
    target: LoginSelector,
    account_id: Option<AccountId>,
    format: ListFormat,
) -> Result<(), CliError> {
    let session = Session::open(&target)?;
    let runtime = crate::runtime()?;
    let endpoint = &session.target.portal_endpoint;
    let (roles, failure) = runtime.block_on(async {
        let token = session.token().await?;
        if let Some(account_id) = &account_id {
            let roles = portal::list_roles(&session.http, endpoint, &token, account_id.as_str())
                .await
                .map_err(|e| convert::portal_error(e, &session.target))?;
            return Ok::<_, CliError>((roles, None));
        }
        let accounts = portal::list_accounts(&session.http, endpoint, &token)
            .await
            .map_err(|e| convert::portal_error(e, &session.target))?;
        let ids: Vec<String> = accounts.into_iter().map(|a| a.account_id).collect();
        let listing = session.all_roles(&token, &ids).await;
        let mut roles = Vec::new();
        let mut failure = None;
        for (account_id, result) in listing.results {
            match result {
                Ok(found) => roles.extend(found),
                Err(error) if error.is_unauthorized() => {
                    return Err(convert::portal_error(error, &session.target));
                }
                Err(error) => {
                    crate::term::eprint(&format!(
                        "warning: could not list the roles of account {account_id}: {error}\n"
                    ));
                    failure.get_or_insert(error);
                }
            }
        }
        Ok((roles, failure))
    })?;
    let views: Vec<RoleView> = roles
        .into_iter()
        .map(|r| RoleView {
            account_id: r.account_id,
            role_name: r.role_name,
        })
        .collect();
    print_roles(ctx, &views, format)?;
    match failure {
        Some(error) => Err(convert::portal_error(error, &session.target)),
        None => Ok(()),
    }
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
