//! `sso configure` and `sso configure sso-session`: run the wizards of [`crate::wizard`] over
//! the [`ConfigureBackend`] (sso-config and sso-driver) on the real terminal.

use sso_driver::sso::Selection;

use crate::Context;
use crate::commands::configure_backend::ConfigureBackend;
use crate::convert;
use crate::error::CliError;
use crate::term::CrosstermTerminal;
use crate::wizard::{self, ConfigureAnswers, SessionAnswers};

/// Runs `sso configure`.
pub(crate) fn run(ctx: &Context, answers: ConfigureAnswers) -> Result<(), CliError> {
    let selection = match &answers.profile {
        Some(profile) => Selection::Profile(profile.as_str().to_owned()),
        None => Selection::Default,
    };
    let mut backend = ConfigureBackend::new(convert::open(selection)?);
    let mut terminal = CrosstermTerminal::new(ctx.global.color);
    wizard::configure(&mut terminal, &mut backend, answers).map(drop)
}

/// Runs `sso configure sso-session`.
pub(crate) fn run_session(ctx: &Context, answers: SessionAnswers) -> Result<(), CliError> {
    let selection = match &ctx.global.profile {
        Some(profile) => Selection::Profile(profile.as_str().to_owned()),
        None => Selection::Default,
    };
    let mut backend = ConfigureBackend::new(convert::open(selection)?);
    let mut terminal = CrosstermTerminal::new(ctx.global.color);
    wizard::configure_session(&mut terminal, &mut backend, answers).map(drop)
}
