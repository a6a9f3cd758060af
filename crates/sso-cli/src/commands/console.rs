//! `sso console` (planned): open the AWS console signed in as a profile. Arguments only for now.

use crate::Context;
use crate::error::CliError;
use crate::values::ProfileName;

/// Runs `sso console`.
pub fn run(
    _ctx: &Context,
    _profile: ProfileName,
    _destination: Option<String>,
) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "console",
        help: "this command is planned; meanwhile sign in through your access portal",
    })
}
