//! `sso populate` (planned): write a profile for every account and role of a session.
//! Arguments only for now.

use crate::Context;
use crate::error::CliError;

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
pub fn run(_ctx: &Context, _options: PopulateOptions) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "populate",
        help: "this command is planned; meanwhile run `sso configure` once per account and role",
    })
}
