//! `sso status` (planned): sessions, token expiry and profiles. Arguments only for now.

use crate::Context;
use crate::args::StatusFormat;
use crate::error::CliError;

/// Runs `sso status`.
pub fn run(_ctx: &Context, _format: StatusFormat) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "status",
        help: "this command is planned; `aws configure list` shows part of it",
    })
}
