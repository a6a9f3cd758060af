//! `sso configure list-profiles`, `list`, `get` and `set`: the AWS CLI's config questions, answered
//! by the driver's handle ([`sso_driver::Sso::describe`] and its neighbours) and printed in the
//! AWS CLI's format.

use sso_driver::sso::Selection;
use sso_driver::sso::settings::{KeyPath, SettingsError, Source};

use crate::Context;
use crate::commands::export_credentials::MfaTerminal;
use crate::convert;
use crate::error::CliError;
use crate::values::SessionName;

/// `sso configure list-profiles`: one name a line, as `aws configure list-profiles`.
pub(crate) fn list_profiles(ctx: &Context) -> Result<(), CliError> {
    let sso = convert::open(&ctx.env, Selection::Default)?;
    let text: String = sso
        .profile_names()
        .iter()
        .map(|name| format!("{}\n", crate::term::printable(name)))
        .collect();
    crate::write_stdout(&text)
}

/// `sso configure get KEY`, of the selected profile.
pub(crate) fn get(ctx: &Context, key: &str, session: Option<&SessionName>) -> Result<(), CliError> {
    let sso = convert::open(&ctx.env, ctx.global.selection())?;
    let path = sso
        .key_path(key, session.map(SessionName::as_str))
        .map_err(settings_error)?;
    match sso.get_setting(&path).map_err(settings_error)? {
        Some(value) => crate::write_stdout(&format!("{}\n", crate::term::printable(&value))),
        // Exit code 1 (not the config-problem code), as `aws configure get`: scripts test it.
        None => Err(CliError::Failed {
            message: format!(
                "`{}` is not set in {}",
                key_name(&path),
                section_name(&path)
            ),
            help: Some(format!("set it with `sso configure set {key} VALUE`")),
        }),
    }
}

/// `sso configure set KEY VALUE`, in the selected profile.
pub(crate) fn set(
    ctx: &Context,
    key: &str,
    value: &str,
    session: Option<&SessionName>,
) -> Result<(), CliError> {
    let sso = convert::open(&ctx.env, ctx.global.selection())?;
    sso.set_setting(key, value, session.map(SessionName::as_str))
        .map_err(settings_error)?;
    Ok(())
}

/// `sso configure list`: the AWS CLI's four rows, `%10s %24s %16s    %s`; the profile's row
/// says where the driver selected it ([`sso_driver::Sso::profile_source`]).
pub(crate) fn list(ctx: &Context) -> Result<(), CliError> {
    let sso = convert::open(&ctx.env, ctx.global.selection())?;
    let described = sso.describe(&MfaTerminal);
    let mut out = row("Name", "Value", "Type", "Location");
    out += &row("----", "-----", "----", "--------");
    let profile_value = described.profile.value.clone();
    out += &value_row("profile", profile_value, &described.profile.source);
    out += &value_row(
        "access_key",
        described.access_key.value,
        &described.access_key.source,
    );
    out += &value_row(
        "secret_key",
        described.secret_key.value,
        &described.secret_key.source,
    );
    out += &value_row("region", described.region.value, &described.region.source);
    crate::write_stdout(&out)
}

/// One row; the value and location come from files and the environment, so they are passed
/// through [`crate::term::printable`].
fn row(name: &str, value: &str, kind: &str, location: &str) -> String {
    let value = crate::term::printable(value);
    let location = crate::term::printable(location);
    format!("{name:>10} {value:>24} {kind:>16}    {location}\n")
}

fn value_row(name: &str, value: Option<String>, source: &Source) -> String {
    let (kind, location) = match source {
        Source::NotSet => ("None".to_owned(), "None".to_owned()),
        Source::CommandLine => ("manual".to_owned(), "--profile".to_owned()),
        Source::Env(var) => ("env".to_owned(), (*var).to_owned()),
        Source::ConfigFile(path) => ("config-file".to_owned(), path.display().to_string()),
        Source::CredentialsFile(path) => (
            "shared-credentials-file".to_owned(),
            path.display().to_string(),
        ),
        Source::Provider(name) => ((*name).to_owned(), String::new()),
        _ => ("unknown".to_owned(), String::new()),
    };
    let value = value.unwrap_or_else(|| "<not set>".to_owned());
    row(name, &value, &kind, &location)
}

fn section_name(path: &KeyPath) -> String {
    path.section().to_string()
}

fn key_name(path: &KeyPath) -> String {
    match &path.sub_key {
        Some(sub) => format!("{}.{sub}", path.key),
        None => path.key.clone(),
    }
}

/// A [`SettingsError`] as the user sees it.
pub(crate) fn settings_error(error: SettingsError) -> CliError {
    match error {
        SettingsError::Write(error) => convert::config_write_error(error),
        SettingsError::Edit { path, source } => convert::config_edit_error(&source, &path),
        error @ (SettingsError::BadKeyPath { .. } | SettingsError::NotAValue { .. }) => {
            CliError::Usage {
                message: error.to_string(),
                help: Some("see `sso configure get --help`".to_owned()),
            }
        }
        other => CliError::Usage {
            message: other.to_string(),
            help: None,
        },
    }
}
