//! `sso export-credentials`: print a profile's credentials (protocol.md §7).
//!
//! Wiring: get credentials from sso-driver (refreshing the token if needed, never opening a
//! browser), convert them into [`ExportCredentials`] and call [`print`].

use crate::Context;
use crate::args::ExportFormat;
use crate::error::CliError;
use crate::export::{self, ExportCredentials};
use crate::values::ProfileName;

/// Runs `sso export-credentials`.
pub fn run(_ctx: &Context, _profile: ProfileName, _format: ExportFormat) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "export-credentials",
        help: "use `aws configure export-credentials` for now",
    })
}

/// Prints credentials to stdout in the given format.
pub fn print(credentials: &ExportCredentials, format: ExportFormat) -> Result<(), CliError> {
    crate::write_stdout(&export::render(credentials, format))
}
