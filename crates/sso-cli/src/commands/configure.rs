//! `sso configure` and `sso configure sso-session`: run the wizards of [`crate::wizard`] over
//! the [`ConfigureBackend`] (sso-config and sso-driver) on the real terminal.

use crate::Context;
use crate::commands::configure_backend::ConfigureBackend;
use crate::convert;
use crate::error::CliError;
use crate::term::CrosstermTerminal;
use crate::wizard::{self, ConfigureAnswers, SessionAnswers};

/// Runs `sso configure`.
pub fn run(ctx: &Context, answers: ConfigureAnswers) -> Result<(), CliError> {
    let profile = answers.profile.as_ref().map(|p| p.as_str().to_owned());
    let aws = convert::load_context(profile.as_deref())?;
    let mut backend = ConfigureBackend::new(aws, profile.as_deref())?;
    let mut terminal = CrosstermTerminal::new(ctx.global.color);
    wizard::configure(&mut terminal, &mut backend, answers).map(drop)
}

/// Runs `sso configure sso-session`.
pub fn run_session(ctx: &Context, answers: SessionAnswers) -> Result<(), CliError> {
    let cli_profile = ctx.global.profile.as_ref().map(|p| p.as_str().to_owned());
    let aws = convert::load_context(cli_profile.as_deref())?;
    let mut backend = ConfigureBackend::new(aws, None)?;
    let mut terminal = CrosstermTerminal::new(ctx.global.color);
    wizard::configure_session(&mut terminal, &mut backend, answers).map(drop)
}
