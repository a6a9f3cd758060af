//! `sso exec` (planned): run a command with a profile's credentials in its environment.
//! Arguments only for now.

use std::ffi::OsString;

use crate::Context;
use crate::error::CliError;
use crate::values::ProfileName;

/// Runs `sso exec`.
pub fn run(_ctx: &Context, _profile: ProfileName, _command: Vec<OsString>) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "exec",
        help: "this command is planned; meanwhile use `eval \"$(sso export-credentials --format env)\"`",
    })
}
