//! `sso configure` and `sso configure sso-session`: run the wizards of [`crate::wizard`] over
//! the [`ConfigureBackend`] (sso-config and sso-driver) on the real terminal.

use sso_driver::Sso;
use sso_driver::sso::{ProfileSource, Selection};

use crate::Context;
use crate::commands::configure_backend::ConfigureBackend;
use crate::convert;
use crate::error::CliError;
use crate::term::CrosstermTerminal;
use crate::values::ProfileName;
use crate::wizard::{self, ConfigureAnswers, SessionAnswers};

/// Runs `sso configure`.
pub(crate) fn run(ctx: &Context, mut answers: ConfigureAnswers) -> Result<(), CliError> {
    let selection = match &answers.profile {
        Some(profile) => Selection::Profile(profile.as_str().to_owned()),
        None => Selection::Default,
    };
    let sso = convert::open(&ctx.env, selection)?;
    if answers.profile.is_none() {
        answers.profile = profile_from_environment(&sso)?;
    }
    let mut backend = ConfigureBackend::new(sso);
    let mut terminal = CrosstermTerminal::new(ctx.global.color);
    wizard::configure(&mut terminal, &mut backend, answers).map(drop)
}

/// Runs `sso configure sso-session`.
pub(crate) fn run_session(ctx: &Context, answers: SessionAnswers) -> Result<(), CliError> {
    let mut backend = ConfigureBackend::new(convert::open(&ctx.env, ctx.global.selection())?);
    let mut terminal = CrosstermTerminal::new(ctx.global.color);
    wizard::configure_session(&mut terminal, &mut backend, answers).map(drop)
}

/// The profile that `AWS_PROFILE` or `AWS_DEFAULT_PROFILE` selected (the driver's
/// [`Sso::profile_source`]): the wizard configures it without asking, as `aws configure sso`
/// does. `None` when no variable selected one (the name is then asked at the end). The wizard
/// writes the name into the config file, so it must be one `--profile` would accept.
fn profile_from_environment(sso: &Sso) -> Result<Option<ProfileName>, CliError> {
    let ProfileSource::Env(variable) = sso.profile_source() else {
        return Ok(None);
    };
    ProfileName::parse(sso.profile_name())
        .map(Some)
        .map_err(|error| CliError::Usage {
            message: format!("invalid value for {variable}: {}", error.reason()),
            help: Some(format!(
                "unset {variable}, or name the profile with --profile"
            )),
        })
}
