//! `sso populate`: write a profile for every account and role of an sso-session.
//!
//! Lists the accounts, then every account's roles concurrently (the adaptive pool of
//! `sso_driver::portal::list_all_roles`, with a progress bar on stderr), plans the edit with
//! `sso_driver::populate::plan` (pure: idempotent, only ever prunes profiles it created,
//! every other byte of the file kept), and writes the file once, atomically, under the
//! file's lock (`sso_driver::config_file::edit`: the plan is made from the file as it is then,
//! so a concurrent edit is kept). `--dry-run` prints the unified diff instead. Accounts whose roles could not be listed are reported at the end (exit code 1);
//! their profiles are neither added nor pruned, and the rest of the file is still written.

use std::collections::{BTreeMap, BTreeSet};

use sso_driver::config_file;
use sso_driver::populate::{self, PlanOptions, ProfileTemplate, RoleEntry};
use sso_driver::portal;

use crate::Context;
use crate::commands::session::Session;
use crate::convert;
use crate::error::CliError;
use crate::options::LoginSelector;
use crate::term::eprint as warn;

/// The options of `sso populate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulateOptions {
    /// `--sso-session`.
    pub session: Option<crate::values::SessionName>,
    /// `--template`.
    pub template: Option<String>,
    /// `--region`.
    pub region: Option<crate::values::Region>,
    /// `--prune`.
    pub prune: bool,
    /// `--dry-run`.
    pub dry_run: bool,
}

/// Runs `sso populate`.
pub fn run(ctx: &Context, options: PopulateOptions) -> Result<(), CliError> {
    let template = match &options.template {
        Some(text) => ProfileTemplate::parse(text).map_err(|error| CliError::Usage {
            message: format!("--template: {error}"),
            help: Some(format!(
                "use the placeholders {}",
                populate::PLACEHOLDERS.join(", ")
            )),
        })?,
        None => ProfileTemplate::default(),
    };
    let selector = match &options.session {
        Some(session) => LoginSelector::Session(session.clone()),
        None => LoginSelector::Profile(ctx.global.profile_or_default()),
    };
    let session = Session::open(&selector)?;
    let Some(session_name) = session.target.session_name.clone() else {
        return Err(CliError::Usage {
            message: format!(
                "profile `{}` uses the legacy sso_start_url form; populate needs an sso-session",
                session.target.profile.as_deref().unwrap_or("default")
            ),
            help: Some(
                "pass --sso-session NAME, or create one with `sso configure sso-session`"
                    .to_owned(),
            ),
        });
    };
    let runtime = crate::runtime()?;
    let endpoint = &session.target.portal_endpoint;
    let (accounts, listing) = runtime.block_on(async {
        let token = session.token().await?;
        let accounts = portal::list_accounts(&session.http, endpoint, &token)
            .await
            .map_err(|e| convert::portal_error(e, &session.target))?;
        let ids: Vec<String> = accounts.iter().map(|a| a.account_id.clone()).collect();
        let listing = session.all_roles(&token, &ids).await;
        Ok::<_, CliError>((accounts, listing))
    })?;

    let names: BTreeMap<&str, &portal::Account> = accounts
        .iter()
        .map(|a| (a.account_id.as_str(), a))
        .collect();
    let mut entries = Vec::new();
    let mut failed = BTreeSet::new();
    for (account_id, result) in &listing.results {
        match result {
            Ok(roles) => entries.extend(roles.iter().map(|role| {
                let account = names.get(account_id.as_str());
                RoleEntry {
                    account_id: account_id.clone(),
                    account_name: account.and_then(|a| a.account_name.clone()),
                    email: account.and_then(|a| a.email_address.clone()),
                    role_name: role.role_name.clone(),
                }
            })),
            Err(error) if error.is_unauthorized() => {
                return Err(CliError::LoginRequired {
                    target: convert::login_target(&session.target),
                });
            }
            Err(error) => {
                warn(&format!(
                    "warning: could not list the roles of account {account_id}: {error}\n"
                ));
                failed.insert(account_id.clone());
            }
        }
    }

    let plan_options = PlanOptions {
        region: options.region.as_ref().map(|r| r.as_str().to_owned()),
        prune: options.prune,
        failed_accounts: failed.clone(),
    };
    let make_plan = |text: &str| {
        populate::plan(text, &session_name, &entries, &template, &plan_options).map_err(|error| {
            CliError::Usage {
                message: error.to_string(),
                help: Some(
                    "choose a --template that gives every account and role its own name".into(),
                ),
            }
        })
    };

    let path = session.aws.config_path();
    let plan = if options.dry_run {
        let original = session.aws.config_text().unwrap_or("");
        let plan = make_plan(original)?;
        let shown = path.display().to_string();
        let diff = populate::unified_diff(original, &plan.new_text, &shown, &shown);
        crate::write_stdout(&diff)?;
        plan
    } else {
        // Planned again from the file as it is under the lock, so concurrent edits are kept.
        let mut planned = None;
        config_file::edit(path, |current| {
            let plan = make_plan(current).map_err(config_file::Refusal::Invalid)?;
            let text = plan.new_text.clone();
            planned = Some(plan);
            Ok(text)
        })
        .map_err(|error| match error {
            config_file::EditFailed::Invalid(error) => error,
            config_file::EditFailed::Write(error) => convert::config_write_error(error),
        })?;
        planned.ok_or_else(|| CliError::Bug {
            message: "the populate edit ran without a plan".to_owned(),
        })?
    };
    for conflict in &plan.conflicts {
        warn(&format!("warning: skipped {conflict}\n"));
    }
    let verb = if options.dry_run { "would be " } else { "" };
    let mut summary = format!(
        "{} profiles {verb}added, {} {verb}updated, {} {verb}removed, {} unchanged in {}",
        plan.added.len(),
        plan.updated.len(),
        plan.removed.len(),
        plan.unchanged.len(),
        path.display()
    );
    if !plan.stale.is_empty() && !options.prune {
        summary.push_str(&format!(
            "; {} no longer assigned (run with --prune to remove them)",
            plan.stale.len()
        ));
    }
    warn(&format!("{summary}\n"));
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Incomplete {
            summary: format!(
                "could not list the roles of {} account(s): {}",
                failed.len(),
                failed.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            help: "their profiles were left as they were; run `sso populate` again to retry"
                .to_owned(),
        })
    }
}
