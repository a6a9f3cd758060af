//! `sso populate`: write a profile for every account and role of an sso-session.
//!
//! One call, [`sso_driver::Sso::populate`]: it lists the accounts, then every account's roles
//! concurrently (the adaptive pool; the progress bar on stderr is this module's), plans the edit
//! with `sso_config::populate` (idempotent, only ever prunes profiles it created, every other
//! byte of the file kept), and writes the file once, atomically, under the file's lock (the plan
//! is made from the file as it is then, so a concurrent edit is kept). `--dry-run` prints the
//! unified diff instead. Accounts whose roles could not be listed are reported at the end (exit
//! code 1); their profiles are neither added nor pruned, and the rest of the file is still
//! written.

use sso_driver::sso::{PLACEHOLDERS, ProfileTemplate};
use sso_driver::sso::{PopulateRequest, Populated, Selection};

use crate::Context;
use crate::convert;
use crate::error::CliError;
use crate::term::eprint as warn;

/// The options of `sso populate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PopulateOptions {
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
pub(crate) fn run(ctx: &Context, options: PopulateOptions) -> Result<(), CliError> {
    let template = match &options.template {
        Some(text) => ProfileTemplate::parse(text).map_err(|error| CliError::Usage {
            message: format!("--template: {error}"),
            help: Some(format!("use the placeholders {}", PLACEHOLDERS.join(", "))),
        })?,
        None => ProfileTemplate::default(),
    };
    let selection = match &options.session {
        Some(session) => Selection::Session(session.as_str().to_owned()),
        None => ctx.global.selection(),
    };
    let sso = convert::open(&ctx.env, selection)?;
    let request = PopulateRequest {
        template,
        region: options.region.as_ref().map(|r| r.as_str().to_owned()),
        prune: options.prune,
        dry_run: options.dry_run,
    };
    let bar = crate::commands::list::progress_bar(0);
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let populated = sso.populate(&request, &progress);
    bar.finish_and_clear();
    let Populated {
        plan,
        path,
        diff,
        failed,
        ..
    } = populated.map_err(populate_error)?;
    crate::expiry::warn_login(&sso, true);
    for (account_id, error) in &failed {
        warn(&format!(
            "warning: could not list the roles of account {account_id}: {error}\n"
        ));
    }
    if let Some(diff) = diff {
        crate::write_stdout(&diff)?;
    }
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
                failed.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
            help: "their profiles were left as they were; run `sso populate` again to retry"
                .to_owned(),
        })
    }
}

/// A failed populate as the user sees it.
fn populate_error(error: sso_driver::sso::Error) -> CliError {
    use sso_driver::sso::Error;
    match error {
        Error::LegacyLogin { .. } => CliError::Usage {
            message: error.to_string(),
            help: Some(
                "pass --sso-session NAME, or create one with `sso configure sso-session`"
                    .to_owned(),
            ),
        },
        Error::Populate(error) => CliError::Usage {
            message: error.to_string(),
            help: Some("choose a --template that gives every account and role its own name".into()),
        },
        Error::ConfigWrite(error) => convert::config_write_error(error),
        other => convert::sso_error(other),
    }
}
