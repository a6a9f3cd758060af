//! `sso shell-init`, `sso use` and `sso prompt`: switching the current shell to a profile, as
//! Granted's `assume` does.
//!
//! `sso shell-init SHELL` prints a function named `sso` ([`crate::shell::init_script`]); the
//! function runs `sso use --shell SHELL ...` and evaluates its stdout only when it exits 0. So
//! `sso use` prints nothing but shell code on stdout ([`crate::shell::render`], every value
//! quoted), and only after everything succeeded: the menu, sign-in prompts and messages go to
//! stderr.
//!
//! The credentials come from the driver's chain as `export-credentials --profile P` gets them,
//! with the variables a previous `sso use` set left out of the environment it sees (so that
//! the new profile's region is not the old one's). When the login must be signed in again, the
//! sign-in of `sso login` runs first and the credentials are asked for once more.
//!
//! `sso prompt` reads only the environment, the config and one token file (of the SSO login
//! behind the profile, [`Sso::cached_login`]): no lock, no network, no sign-in.

use std::time::Duration;

use sso_config::ProfileView;
use sso_driver::Sso;
use sso_driver::env::Env;
use sso_driver::sso::{ProfileSource, Selection};

use crate::Context;
use crate::commands::export_credentials::{self, isoformat};
use crate::commands::login::{self, SignIn};
use crate::convert;
use crate::error::{CliError, LoginTarget};
use crate::export::{UnsafeValue, is_credential_text};
use crate::picker::{self, MenuStart};
use crate::shell::{self, Assignment, Shell, VarName};
use crate::term::{self, CrosstermTerminal};
use crate::values::ProfileName;

/// What `sso use` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UseAction {
    /// Switch to a profile.
    Switch {
        /// The profile; `None` asks with a menu.
        profile: Option<ProfileName>,
        /// Whether to set credentials too (not `--profile-only`).
        credentials: bool,
    },
    /// `--unset`: remove every variable `sso use` sets.
    Unset,
}

/// The options of `sso use`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UseOptions {
    /// `--shell`, passed by the function of `sso shell-init`; `None` when run without it.
    pub shell: Option<Shell>,
    /// What to do.
    pub action: UseAction,
}

/// Runs `sso shell-init SHELL`.
pub(crate) fn shell_init(shell: Shell) -> Result<(), CliError> {
    crate::write_stdout(&shell::init_script(shell))
}

/// Runs `sso use`.
pub(crate) fn run_use(ctx: &Context, options: UseOptions) -> Result<(), CliError> {
    let Some(shell) = options.shell else {
        return Err(CliError::Usage {
            message: "`sso use` changes the current shell, which needs the function of `sso shell-init`".to_owned(),
            help: Some(
                "add `eval \"$(sso shell-init bash)\"` to ~/.bashrc (zsh: `eval \"$(sso shell-init zsh)\"` in ~/.zshrc; fish: `sso shell-init fish | source` in ~/.config/fish/config.fish), open a new shell, and run `sso use` again".to_owned(),
            ),
        });
    };
    let changes = match options.action {
        UseAction::Unset => VarName::ALL.map(Assignment::Unset).to_vec(),
        UseAction::Switch {
            profile,
            credentials,
        } => {
            let profile = match profile {
                Some(profile) => profile,
                None => pick_profile(ctx)?,
            };
            switch(ctx, &profile, credentials)?
        }
    };
    let code = shell::render(shell, &changes).map_err(|error| CliError::BadConfig {
        message: error.to_string(),
        help: Some("remove the NUL character from the config file".to_owned()),
    })?;
    crate::write_stdout(&code)
}

/// The changes that switch the shell to `profile`, with credentials or without.
fn switch(
    ctx: &Context,
    profile: &ProfileName,
    credentials: bool,
) -> Result<Vec<Assignment>, CliError> {
    let mut changes = vec![Assignment::Set(
        VarName::PROFILE,
        profile.as_str().to_owned(),
    )];
    let (region, until) = if credentials {
        let env = env_without_our_variables(&ctx.env);
        let resolved = credentials_signing_in(ctx, &env, profile)?;
        let creds = &resolved.credentials;
        let expiration = creds.expiration.map(isoformat);
        let values = [
            (VarName::ACCESS_KEY_ID, Some(creds.access_key_id.as_str())),
            (
                VarName::SECRET_ACCESS_KEY,
                Some(creds.secret_access_key.expose_secret()),
            ),
            (
                VarName::SESSION_TOKEN,
                creds.session_token.as_ref().map(|t| t.expose_secret()),
            ),
            (VarName::CREDENTIAL_EXPIRATION, expiration.as_deref()),
        ];
        let mut credential_changes = Vec::with_capacity(values.len());
        for (name, value) in values {
            credential_changes.push(match value {
                // The same refusal as `export-credentials`: quoting would make any value safe
                // here, but such a value is not a credential.
                Some(value) if !is_credential_text(value) => {
                    return Err(UnsafeValue {
                        variable: name.as_str(),
                    }
                    .into());
                }
                Some(value) => Assignment::Set(name, value.to_owned()),
                None => Assignment::Unset(name),
            });
        }
        changes.extend(region_changes(resolved.region.as_deref()));
        changes.extend(credential_changes);
        (resolved.region.clone(), creds.expiration)
    } else {
        let sso = convert::open(&ctx.env, Selection::Profile(profile.as_str().to_owned()))?;
        let region = sso
            .config()
            .profiles()
            .profile(profile.as_str())
            .ok_or_else(|| CliError::ProfileNotFound {
                profile: profile.as_str().to_owned(),
                path: "the config or credentials file".to_owned(),
            })?;
        let region = ProfileView(region).region().map(|v| v.as_str().to_owned());
        changes.extend(region_changes(region.as_deref()));
        changes.extend(VarName::CREDENTIALS.map(Assignment::Unset));
        (region, None)
    };
    let region = region
        .map(|region| format!(" in {region}"))
        .unwrap_or_default();
    let until = until
        .map(|at| format!("; credentials until {at}"))
        .unwrap_or_default();
    term::eprint(&format!("Using profile `{profile}`{region}{until}\n"));
    Ok(changes)
}

/// `AWS_REGION` and `AWS_DEFAULT_REGION` set to `region`, or removed (a previous profile's
/// region must not stay).
fn region_changes(region: Option<&str>) -> Vec<Assignment> {
    match region {
        Some(region) => VarName::REGIONS
            .map(|name| Assignment::Set(name, region.to_owned()))
            .to_vec(),
        None => VarName::REGIONS.map(Assignment::Unset).to_vec(),
    }
}

/// `env` without the variables `sso use` sets: a previous `sso use`'s region would otherwise
/// become the new profile's (`AWS_REGION` wins over the profile's `region`).
fn env_without_our_variables(env: &Env) -> Env {
    env.without(&VarName::ALL.map(VarName::as_str))
}

/// The profile's credentials; when its login must be signed in again, signs in as `sso login`
/// does (prompts on stderr) and asks once more.
fn credentials_signing_in(
    ctx: &Context,
    env: &Env,
    profile: &ProfileName,
) -> Result<sso_driver::sso::Resolved, CliError> {
    let selection = || Selection::Profile(profile.as_str().to_owned());
    let credentials =
        || export_credentials::credentials(&export_credentials::open(env, selection())?, None);
    match credentials() {
        Err(
            CliError::LoginRequired { target }
            | CliError::TokenExpired { target, .. }
            | CliError::RefreshFailed { target, .. },
        ) => {
            sign_in(ctx, &target)?;
            credentials()
        }
        other => other,
    }
}

/// Signs in to `target` with the flow `sso login` would choose; everything on stderr.
fn sign_in(ctx: &Context, target: &LoginTarget) -> Result<(), CliError> {
    let selection = match target {
        LoginTarget::Session(name) => Selection::Session(name.clone()),
        LoginTarget::Profile(name) => Selection::Profile(name.clone()),
    };
    term::eprint(&format!("Signing in first (`sso login {target}`).\n"));
    let sso = convert::open(&ctx.env, selection)?;
    let signed_in = login::sign_in(&sso, None, &SignIn::default())?;
    term::eprint(&login::success_text(
        &signed_in.outcome,
        &signed_in.target,
        signed_in.ended_unix_ms,
    ));
    Ok(())
}

/// Asks for a profile with the menu on stderr (a numbered list without a terminal), opened on
/// the profile the environment selects (the driver's choice: `AWS_PROFILE`, then
/// `AWS_DEFAULT_PROFILE`).
fn pick_profile(ctx: &Context) -> Result<ProfileName, CliError> {
    let sso = convert::open(&ctx.env, Selection::Default)?;
    let mut names = sso.profile_names();
    names.sort();
    if names.is_empty() {
        return Err(CliError::BadConfig {
            message: "there is no profile to use in the config or credentials file".to_owned(),
            help: Some("create one with `sso configure --profile NAME`".to_owned()),
        });
    }
    let rows: Vec<ProfileRow> = names
        .iter()
        .map(|name| ProfileRow::of(name, sso.config().profiles().profile(name)))
        .collect();
    let labels = ProfileRow::labels(&rows);
    let current = match sso.profile_source() {
        ProfileSource::Env(_) => Some(sso.profile_name()),
        _ => None,
    };
    let start = MenuStart {
        default: current.and_then(|current| names.iter().position(|name| name == current)),
        ask_if_single: true,
    };
    let mut terminal = CrosstermTerminal::on_stderr(ctx.global.color);
    let index = picker::pick(&mut terminal, &labels, start)?;
    let name = names.get(index).ok_or_else(|| CliError::Bug {
        message: "the menu chose an item it was not given".to_owned(),
    })?;
    ProfileName::parse(name).map_err(|error| CliError::BadConfig {
        message: format!("the profile name `{name}` cannot be used: {error}"),
        help: None,
    })
}

/// One line of the profile menu: name, account, role and login.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ProfileRow {
    name: String,
    account: String,
    role: String,
    login: String,
}

impl ProfileRow {
    /// The row of profile `name` with its settings (none for a name without a section).
    fn of(name: &str, properties: Option<&sso_config::Properties>) -> Self {
        let get = |key: &str| {
            properties
                .and_then(|p| p.get(key))
                .map(|v| v.as_str().to_owned())
        };
        let role_arn = get("role_arn");
        let account = get("sso_account_id")
            .or_else(|| {
                // arn:aws:iam::ACCOUNT:role/NAME
                role_arn
                    .as_deref()
                    .and_then(|arn| arn.split(':').nth(4))
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let role = get("sso_role_name")
            .or_else(|| {
                role_arn
                    .as_deref()
                    .and_then(|arn| arn.rsplit('/').next())
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let login = get("sso_session")
            .or_else(|| get("sso_start_url"))
            .or_else(|| get("source_profile").map(|p| format!("via {p}")))
            .or_else(|| get("credential_process").map(|_| "credential_process".to_owned()))
            .or_else(|| get("web_identity_token_file").map(|_| "web identity".to_owned()))
            .or_else(|| get("aws_access_key_id").map(|_| "static keys".to_owned()))
            .unwrap_or_default();
        Self {
            name: name.to_owned(),
            account,
            role,
            login,
        }
    }

    /// The rows as aligned columns (the picker filters on the whole line).
    fn labels(rows: &[Self]) -> Vec<String> {
        let width = |f: fn(&Self) -> &str| {
            rows.iter()
                .map(|row| f(row).chars().count())
                .max()
                .unwrap_or(0)
        };
        let (name_w, account_w, role_w) = (
            width(|r| &r.name),
            width(|r| &r.account),
            width(|r| &r.role),
        );
        rows.iter()
            .map(|row| {
                let line = format!(
                    "{:<name_w$}  {:<account_w$}  {:<role_w$}  {}",
                    row.name, row.account, row.role, row.login
                );
                line.trim_end().to_owned()
            })
            .collect()
    }
}

/// Runs `sso prompt`: `PROFILE TIME-LEFT` of the shell's `AWS_PROFILE`, or nothing.
pub(crate) fn run_prompt(ctx: &Context) -> Result<(), CliError> {
    let env = &ctx.env;
    let Some(profile) = env.var("AWS_PROFILE").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    // Any error (a broken config, no home directory) leaves the expiry unknown: a prompt
    // must never fail.
    let expires_at = env
        .var("AWS_CREDENTIAL_EXPIRATION")
        .and_then(|text| sso_cache::Timestamp::parse(text.trim()).ok())
        .or_else(|| {
            let sso = Sso::load(env, Selection::Profile(profile.clone())).ok()?;
            Some(sso.cached_login()?.expires_at)
        });
    let now = sso_driver::sso::now();
    let left = expires_at.map(|at| at.unix_millis().saturating_sub(now.unix_millis()));
    let segment = prompt_segment(&profile, left);
    crate::write_stdout(&format!("{}\n", term::printable(&segment)))
}

/// `dev 42m`: the profile and the time left (`1h05m`, `42m`, `30s`, `expired`), or the profile
/// alone when the expiry is unknown. `left_ms` is milliseconds until the expiry.
pub(crate) fn prompt_segment(profile: &str, left_ms: Option<i64>) -> String {
    let Some(left_ms) = left_ms else {
        return profile.to_owned();
    };
    let Ok(left) = u64::try_from(left_ms) else {
        return format!("{profile} expired");
    };
    let left = Duration::from_millis(left).as_secs();
    let time = match (left / 3600, left / 60 % 60) {
        _ if left == 0 => "expired".to_owned(),
        (0, 0) => format!("{left}s"),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h{m:02}m"),
    };
    format!("{profile} {time}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_segments() {
        assert_eq!(prompt_segment("dev", None), "dev");
        assert_eq!(prompt_segment("dev", Some(42 * 60_000 + 5_000)), "dev 42m");
        assert_eq!(prompt_segment("dev", Some(3_725_000)), "dev 1h02m");
        assert_eq!(prompt_segment("dev", Some(30_500)), "dev 30s");
        assert_eq!(prompt_segment("dev", Some(999)), "dev expired");
        assert_eq!(prompt_segment("dev", Some(-5)), "dev expired");
    }

    #[test]
    fn menu_rows_show_account_role_and_login() {
        let config = "\
[profile dev]
sso_session = my-sso
sso_account_id = 111111111111
sso_role_name = ReadOnly

[profile chained]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = dev

[profile keys]
aws_access_key_id = AKIA
";
        let document = sso_config::Document::parse(config);
        let profiles = sso_config::ProfileSet::from_documents(Some(("config", &document)), None);
        let rows: Vec<ProfileRow> = ["chained", "dev", "keys", "missing"]
            .iter()
            .map(|name| ProfileRow::of(name, profiles.profile(name)))
            .collect();
        insta::assert_snapshot!(ProfileRow::labels(&rows).join("\n"), @r"
        chained  222222222222  Deploy    via dev
        dev      111111111111  ReadOnly  my-sso
        keys                             static keys
        missing
        ");
    }
}
