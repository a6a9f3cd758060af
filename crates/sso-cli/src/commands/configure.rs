//! `sso configure` and `sso configure sso-session`: run the wizards of [`crate::wizard`].
//!
//! Wiring: build a `WizardBackend` over sso-config and sso-driver, then call
//! `wizard::configure(&mut CrosstermTerminal::new(ctx.global.color), &mut backend, answers)`.

use crate::Context;
use crate::error::CliError;
use crate::wizard::{ConfigureAnswers, SessionAnswers};

/// Runs `sso configure`.
pub fn run(_ctx: &Context, _answers: ConfigureAnswers) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "configure",
        help: "use `aws configure sso` for now",
    })
}

/// Runs `sso configure sso-session`.
pub fn run_session(_ctx: &Context, _answers: SessionAnswers) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "configure sso-session",
        help: "use `aws configure sso-session` for now",
    })
}
