//! The `sso configure` and `sso configure sso-session` wizards (protocol.md §5.1, §5.2), as a
//! sequence of steps over a [`Terminal`] and a [`WizardBackend`].
//!
//! The wizard decides what to ask and what to print, with the AWS CLI's exact prompt strings;
//! the backend does everything that needs the libraries (reading the config, signing in,
//! listing accounts and roles, writing the file). Tests drive it with a scripted terminal and a
//! fake backend.
//!
//! Every answer can come from a flag, which skips its question. In non-interactive mode the
//! current value stands in for pressing Enter, and anything still missing fails naming the
//! flags to pass.

use crate::error::{CliError, LoginTarget};
use crate::output::{AccountView, sort_accounts};
use crate::picker::{MenuStart, pick};
use crate::term::Terminal;
use crate::values::{
    AccountId, CliOutputFormat, DEFAULT_SCOPE, InvalidValue, ProfileName, Region, RoleName, Scopes,
    SessionName, StartUrl,
};

/// An `[sso-session]` section already in the config file, with its raw values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SessionSummary {
    /// The section name.
    pub name: String,
    /// `sso_start_url`, if set.
    pub start_url: Option<String>,
    /// `sso_region`, if set.
    pub region: Option<String>,
    /// `sso_registration_scopes`, if set.
    pub scopes: Option<String>,
}

/// The current values of a profile, shown in `[brackets]`; all raw and possibly invalid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProfileDefaults {
    /// `sso_session`.
    pub sso_session: Option<String>,
    /// `sso_start_url` (legacy profiles).
    pub sso_start_url: Option<String>,
    /// `sso_region` (legacy profiles).
    pub sso_region: Option<String>,
    /// `sso_account_id`.
    pub sso_account_id: Option<String>,
    /// `sso_role_name`.
    pub sso_role_name: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// `output`.
    pub output: Option<String>,
}

/// What to sign in to, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoginRequest {
    /// The sso-session, or `None` for a legacy profile.
    pub session: Option<SessionName>,
    /// The start URL.
    pub start_url: StartUrl,
    /// The identity center's region.
    pub region: Region,
    /// Scopes to register, if any are configured.
    pub scopes: Option<Scopes>,
    /// Ignore a cached token (a new session must not reuse an old attempt's token).
    pub force_new: bool,
    /// Use the device code flow.
    pub use_device_code: bool,
    /// Print the URL instead of opening a browser.
    pub no_browser: bool,
}

/// Why listing accounts or roles failed.
#[derive(Debug)]
pub(crate) enum ListError {
    /// The portal answered `UnauthorizedException`: the token is no longer accepted (revoked or
    /// expired on the server). The wizard signs in again, or fails with "login required".
    Unauthorized,
    /// Anything else stops the wizard.
    Failed(CliError),
}

/// The sso-session part of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionPlan {
    /// The section name.
    pub name: SessionName,
    /// `sso_start_url`.
    pub start_url: StartUrl,
    /// `sso_region`.
    pub region: Region,
    /// `sso_registration_scopes`; `None` keeps an existing section without the key.
    pub scopes: Option<Scopes>,
    /// Whether the section already existed (its other keys are kept).
    pub existing: bool,
}

/// Where a profile gets its sign-in settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SsoTarget {
    /// `sso_session = NAME` plus the `[sso-session NAME]` section.
    Session(SessionPlan),
    /// The legacy format: `sso_start_url` and `sso_region` in the profile itself.
    Legacy {
        /// `sso_start_url`.
        start_url: StartUrl,
        /// `sso_region`.
        region: Region,
    },
}

/// Everything `sso configure` writes, in the order of §5.1 step 11.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigurePlan {
    /// The profile (`default` is written as `[default]`).
    pub profile: ProfileName,
    /// Sign-in settings.
    pub sso: SsoTarget,
    /// `sso_account_id`, unless listing was not allowed.
    pub account_id: Option<AccountId>,
    /// `sso_role_name`, unless listing was not allowed.
    pub role_name: Option<RoleName>,
    /// `region`; `None` writes nothing.
    pub region: Option<Region>,
    /// `output`; `None` writes nothing.
    pub output: Option<CliOutputFormat>,
}

/// What the wizard needs from the rest of the program; the wiring layer implements it over
/// `sso-config` and `sso-driver`.
pub(crate) trait WizardBackend {
    /// The `[sso-session]` sections in the config file.
    fn existing_sessions(&self) -> Vec<SessionSummary>;

    /// The current values of a profile; empty if it does not exist.
    fn profile_defaults(&self, profile: &ProfileName) -> ProfileDefaults;

    /// The region of a vanity start URL (§5.4); `None` for AWS-owned hosts or on any failure.
    fn resolve_region(&mut self, start_url: &StartUrl) -> Option<Region>;

    /// Signs in, printing what the user must do (on the same terminal). `Ok(true)` when a
    /// cached token was reused without signing in.
    fn login(&mut self, request: &LoginRequest) -> Result<bool, CliError>;

    /// All accounts (every page) with the token of the last login.
    fn list_accounts(&mut self) -> Result<Vec<AccountView>, ListError>;

    /// All role names of an account (every page).
    fn list_roles(&mut self, account_id: &AccountId) -> Result<Vec<String>, ListError>;

    /// Writes the profile and, with [`SsoTarget::Session`], the session section (§5.3).
    fn write_profile(&mut self, plan: &ConfigurePlan) -> Result<(), CliError>;

    /// Writes an `[sso-session]` section (`sso configure sso-session`).
    fn write_session(&mut self, plan: &SessionPlan) -> Result<(), CliError>;
}

/// The session answer given as a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SessionChoice {
    /// `--sso-session NAME`.
    Named(SessionName),
    /// `--sso-session ''`: the legacy format.
    Legacy,
}

/// Answers of `sso configure` given as flags; each one skips its question.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ConfigureAnswers {
    /// `--profile`, or the profile AWS_PROFILE / AWS_DEFAULT_PROFILE selected (as the driver
    /// reports it); asked at the end when absent.
    pub profile: Option<ProfileName>,
    /// `--sso-session`.
    pub sso_session: Option<SessionChoice>,
    /// `--sso-start-url`.
    pub sso_start_url: Option<StartUrl>,
    /// `--sso-region`.
    pub sso_region: Option<Region>,
    /// `--sso-registration-scopes`.
    pub scopes: Option<Scopes>,
    /// `--account-id`.
    pub account_id: Option<AccountId>,
    /// `--role-name`.
    pub role_name: Option<RoleName>,
    /// `--region`.
    pub region: Option<Region>,
    /// `--output`.
    pub output: Option<CliOutputFormat>,
    /// `--non-interactive`.
    pub non_interactive: bool,
    /// `--use-device-code`.
    pub use_device_code: bool,
    /// `--no-browser`.
    pub no_browser: bool,
}

/// Answers of `sso configure sso-session` given as flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SessionAnswers {
    /// `--sso-session`.
    pub name: Option<SessionName>,
    /// `--sso-start-url`.
    pub sso_start_url: Option<StartUrl>,
    /// `--sso-region`.
    pub sso_region: Option<Region>,
    /// `--sso-registration-scopes`.
    pub scopes: Option<Scopes>,
    /// `--non-interactive`.
    pub non_interactive: bool,
}

const LEGACY_WARNING: &str = "WARNING: Configuring using legacy format (e.g. without an SSO session).\nConsider re-running `sso configure` and providing a session name.\n";
const REJECTED: &str =
    "The cached sign-in is no longer accepted by IAM Identity Center; signing in again.\n";

/// Runs `sso configure`: asks, signs in, picks, writes, and prints the conclusion.
pub(crate) fn configure(
    terminal: &mut dyn Terminal,
    backend: &mut dyn WizardBackend,
    answers: ConfigureAnswers,
) -> Result<ConfigurePlan, CliError> {
    let defaults = answers
        .profile
        .as_ref()
        .map(|profile| backend.profile_defaults(profile))
        .unwrap_or_default();
    let sessions = backend.existing_sessions();
    let mut ask = Asker::new(terminal, !answers.non_interactive);

    // Steps 1 to 4: the session, or the legacy start URL and region.
    let choice = match answers.sso_session.clone() {
        Some(choice) => Some(choice),
        None => {
            let format = match &defaults.sso_session {
                Some(_) => Format::Bracketed,
                None => Format::Custom("SSO session name (Recommended): "),
            };
            let answer = ask.value(
                Question {
                    text: "SSO session name",
                    format,
                    current: defaults.sso_session.clone(),
                    required: false,
                    flag: "--sso-session",
                },
                SessionName::parse,
            )?;
            match answer {
                Some(name) => Some(SessionChoice::Named(name)),
                // Non-interactive mode must decide explicitly (`--sso-session ''` for legacy).
                None if !ask.interactive => {
                    ask.missing.push("--sso-session");
                    None
                }
                None => Some(SessionChoice::Legacy),
            }
        }
    };
    if choice == Some(SessionChoice::Legacy) {
        ask.emphasis(LEGACY_WARNING)?;
    }
    let existing = match &choice {
        Some(SessionChoice::Named(name)) => sessions.iter().find(|s| s.name == name.as_str()),
        _ => None,
    };
    let (url_default, region_default) = match existing {
        Some(session) => (session.start_url.clone(), session.region.clone()),
        None => (defaults.sso_start_url.clone(), defaults.sso_region.clone()),
    };
    // An existing session's valid values are used without asking (step 3).
    let url_known =
        existing.and_then(|_| url_default.as_deref().and_then(|u| StartUrl::parse(u).ok()));
    let region_known = existing.and_then(|_| {
        region_default
            .as_deref()
            .and_then(|r| Region::parse(r).ok())
    });
    let start_url = match (answers.sso_start_url.clone(), url_known) {
        (Some(url), _) | (None, Some(url)) => Some(url),
        (None, None) => ask.value(
            Question::bracketed("SSO start URL", url_default, true, "--sso-start-url"),
            StartUrl::parse,
        )?,
    };
    let region = match (answers.sso_region.clone(), region_known) {
        (Some(region), _) | (None, Some(region)) => Some(region),
        (None, None) => match start_url
            .as_ref()
            .and_then(|url| backend.resolve_region(url))
        {
            Some(region) => Some(region),
            None => ask.value(
                Question::bracketed("SSO region", region_default, true, "--sso-region"),
                Region::parse,
            )?,
        },
    };
    let scopes = match (&choice, existing) {
        (Some(SessionChoice::Named(_)), None) => match answers.scopes.clone() {
            Some(scopes) => Some(scopes),
            None => ask.value(
                Question::bracketed(
                    "SSO registration scopes",
                    Some(DEFAULT_SCOPE.to_owned()),
                    true,
                    "--sso-registration-scopes",
                ),
                Scopes::parse,
            )?,
        },
        (Some(SessionChoice::Named(_)), Some(session)) => answers.scopes.clone().or_else(|| {
            session
                .scopes
                .as_deref()
                .and_then(|s| Scopes::parse(s).ok())
        }),
        _ => None,
    };
    if !ask.missing.is_empty() {
        return Err(ask.missing_flags());
    }
    let (Some(choice), Some(start_url), Some(region)) = (choice, start_url, region) else {
        return Err(CliError::Bug {
            message: "the configure wizard has no session, start URL or region".to_owned(),
        });
    };
    let sso = match choice {
        SessionChoice::Legacy => SsoTarget::Legacy { start_url, region },
        SessionChoice::Named(name) => SsoTarget::Session(SessionPlan {
            name,
            start_url,
            region,
            scopes,
            existing: existing.is_some(),
        }),
    };

    // Steps 5 to 7: sign in and pick an account and a role, unless both are known.
    let (mut account_id, mut role_name) = (answers.account_id.clone(), answers.role_name.clone());
    if !ask.interactive {
        account_id = account_id.or_else(|| parse_opt(&defaults.sso_account_id, AccountId::parse));
        role_name = role_name.or_else(|| parse_opt(&defaults.sso_role_name, RoleName::parse));
    }
    if account_id.is_none() || role_name.is_none() {
        let request = login_request(&sso, &answers);
        let reused = backend.login(&request)?;
        let current = Current {
            account_id: defaults.sso_account_id.as_deref(),
            role_name: defaults.sso_role_name.as_deref(),
        };
        let given = (account_id.clone(), role_name.clone());
        let picked = match pick_account_and_role(&mut ask, backend, given.0, given.1, current)? {
            Some(picked) => picked,
            // The portal rejected a reused token: sign in again, once, when a user is there.
            None if reused && ask.interactive => {
                ask.say(REJECTED)?;
                backend.login(&LoginRequest {
                    force_new: true,
                    ..request
                })?;
                pick_account_and_role(&mut ask, backend, account_id, role_name, current)?
                    .ok_or_else(|| login_required(&sso, answers.profile.as_ref()))?
            }
            None => return Err(login_required(&sso, answers.profile.as_ref())),
        };
        account_id = Some(picked.0);
        role_name = Some(picked.1);
    }

    // Steps 8 to 10: client region, output format, profile name.
    let region = match answers.region.clone() {
        Some(region) => Some(region),
        None => ask.value(
            Question::bracketed(
                "Default client Region",
                defaults.region.clone(),
                false,
                "--region",
            ),
            Region::parse,
        )?,
    };
    let output = match answers.output.clone() {
        Some(output) => Some(output),
        None => ask.value(
            Question::bracketed(
                "CLI default output format (json if not specified)",
                defaults.output.clone(),
                false,
                "--output",
            ),
            CliOutputFormat::parse,
        )?,
    };
    let profile = match answers.profile.clone() {
        Some(profile) => profile,
        None => {
            let suggestion = match (&account_id, &role_name) {
                (Some(account), Some(role)) => Some(format!("{role}-{account}")),
                _ => None,
            };
            ask.value(
                Question::bracketed("Profile name", suggestion, true, "--profile"),
                ProfileName::parse,
            )?
            .ok_or_else(|| ask.missing_flags())?
        }
    };

    // Steps 11 and 12: write and conclude.
    let plan = ConfigurePlan {
        profile,
        sso,
        account_id,
        role_name,
        region,
        output,
    };
    backend.write_profile(&plan)?;
    let conclusion = if plan.account_id.is_some() && plan.role_name.is_some() {
        if plan.profile.is_default() {
            "The AWS CLI is now configured to use the default profile.\nRun the following command to verify your configuration:\n\naws sts get-caller-identity\n".to_owned()
        } else {
            format!(
                "To use this profile, specify the profile name using --profile, as shown:\n\naws sts get-caller-identity --profile {}\n",
                crate::error::shell_word(plan.profile.as_str())
            )
        }
    } else {
        format!(
            "Successfully configured SSO for profile: {}\n",
            plan.profile
        )
    };
    ask.say(&conclusion)?;
    Ok(plan)
}

/// Runs `sso configure sso-session` (§5.2): asks, writes, and prints how to sign in. No login.
pub(crate) fn configure_session(
    terminal: &mut dyn Terminal,
    backend: &mut dyn WizardBackend,
    answers: SessionAnswers,
) -> Result<SessionPlan, CliError> {
    let sessions = backend.existing_sessions();
    let mut ask = Asker::new(terminal, !answers.non_interactive);
    let name = match answers.name.clone() {
        Some(name) => Some(name),
        None => ask.value(
            Question {
                text: "SSO session name",
                format: Format::Custom("SSO session name: "),
                current: None,
                required: true,
                flag: "--sso-session",
            },
            SessionName::parse,
        )?,
    };
    let existing = name
        .as_ref()
        .and_then(|name| sessions.iter().find(|s| s.name == name.as_str()));
    let existing_value = |get: fn(&SessionSummary) -> Option<String>| existing.and_then(get);
    let start_url = match answers.sso_start_url.clone() {
        Some(url) => Some(url),
        None => ask.value(
            Question::bracketed(
                "SSO start URL",
                existing_value(|s| s.start_url.clone()),
                true,
                "--sso-start-url",
            ),
            StartUrl::parse,
        )?,
    };
    let region = match answers.sso_region.clone() {
        Some(region) => Some(region),
        None => match start_url
            .as_ref()
            .and_then(|url| backend.resolve_region(url))
        {
            Some(region) => Some(region),
            None => ask.value(
                Question::bracketed(
                    "SSO region",
                    existing_value(|s| s.region.clone()),
                    true,
                    "--sso-region",
                ),
                Region::parse,
            )?,
        },
    };
    let scopes = match answers.scopes.clone() {
        Some(scopes) => Some(scopes),
        None => ask.value(
            Question::bracketed(
                "SSO registration scopes",
                existing_value(|s| s.scopes.clone()).or_else(|| Some(DEFAULT_SCOPE.to_owned())),
                true,
                "--sso-registration-scopes",
            ),
            Scopes::parse,
        )?,
    };
    let (Some(name), Some(start_url), Some(region), Some(scopes)) =
        (name, start_url, region, scopes)
    else {
        return Err(ask.missing_flags());
    };
    let plan = SessionPlan {
        name,
        start_url,
        region,
        scopes: Some(scopes),
        existing: existing.is_some(),
    };
    backend.write_session(&plan)?;
    ask.say(&format!(
        "\nCompleted configuring SSO session: {name}\nRun the following to login and refresh access token for this session:\n\nsso login --sso-session {quoted}\n",
        name = plan.name,
        quoted = crate::error::shell_word(plan.name.as_str())
    ))?;
    Ok(plan)
}

/// The error when the portal does not accept the token of `sso`.
fn login_required(sso: &SsoTarget, profile: Option<&ProfileName>) -> CliError {
    let target = match (sso, profile) {
        (SsoTarget::Session(plan), _) => LoginTarget::Session(plan.name.as_str().to_owned()),
        (SsoTarget::Legacy { .. }, Some(profile)) => {
            LoginTarget::Profile(profile.as_str().to_owned())
        }
        (SsoTarget::Legacy { .. }, None) => LoginTarget::Profile("default".to_owned()),
    };
    CliError::LoginRequired { target }
}

fn login_request(sso: &SsoTarget, answers: &ConfigureAnswers) -> LoginRequest {
    match sso {
        SsoTarget::Legacy { start_url, region } => LoginRequest {
            session: None,
            start_url: start_url.clone(),
            region: region.clone(),
            scopes: None,
            force_new: false,
            use_device_code: answers.use_device_code,
            no_browser: answers.no_browser,
        },
        SsoTarget::Session(plan) => LoginRequest {
            session: Some(plan.name.clone()),
            start_url: plan.start_url.clone(),
            region: plan.region.clone(),
            scopes: plan.scopes.clone(),
            // A new session must not reuse a token from an earlier attempt (§5.1 step 5).
            force_new: !plan.existing,
            use_device_code: answers.use_device_code,
            no_browser: answers.no_browser,
        },
    }
}

/// The account and role the profile has now: the menus open on them, so that Enter keeps them.
#[derive(Debug, Clone, Copy, Default)]
struct Current<'a> {
    account_id: Option<&'a str>,
    role_name: Option<&'a str>,
}

/// Where a menu opens for the profile's `current` value among `values`: on it when it is still
/// there; when it is gone, the user is told and must choose, even among one.
fn menu_start(
    ask: &mut Asker<'_>,
    values: &[&str],
    current: Option<&str>,
    what: &str,
) -> Result<MenuStart, CliError> {
    let Some(current) = current else {
        return Ok(MenuStart::default());
    };
    match values.iter().position(|v| *v == current) {
        Some(index) => Ok(MenuStart {
            default: Some(index),
            ask_if_single: false,
        }),
        None => {
            ask.say(&format!(
                "The profile's {what} {current} is no longer available to you; choose another.\n"
            ))?;
            Ok(MenuStart {
                default: None,
                ask_if_single: true,
            })
        }
    }
}

/// Steps 6 and 7; `None` when the portal refused to list (the caller prints why). The menus
/// open on the profile's `current` account and role.
fn pick_account_and_role(
    ask: &mut Asker<'_>,
    backend: &mut dyn WizardBackend,
    account_id: Option<AccountId>,
    role_name: Option<RoleName>,
    current: Current<'_>,
) -> Result<Option<(AccountId, RoleName)>, CliError> {
    let account_id = match account_id {
        Some(account_id) => account_id,
        None => {
            let mut accounts = match backend.list_accounts() {
                Ok(accounts) => accounts,
                Err(ListError::Unauthorized) => return Ok(None),
                Err(ListError::Failed(error)) => return Err(error),
            };
            sort_accounts(&mut accounts);
            if accounts.is_empty() {
                return Err(CliError::NoAccounts);
            }
            let ids: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
            let start = menu_start(ask, &ids, current.account_id, "account")?;
            let chosen = match accounts.as_slice() {
                [] => return Err(CliError::NoAccounts),
                [only] if !start.ask_if_single => {
                    ask.say(&format!(
                        "The only AWS account available to you is: {}\n",
                        only.account_id
                    ))?;
                    only
                }
                many => {
                    ask.say(&match many.len() {
                        1 => "There is 1 AWS account available to you.\n".to_owned(),
                        n => format!("There are {n} AWS accounts available to you.\n"),
                    })?;
                    ask.require_interactive("--account-id")?;
                    let labels: Vec<String> = many.iter().map(AccountView::label).collect();
                    &many[pick(&mut *ask.terminal, &labels, start)?]
                }
            };
            let account_id = AccountId::parse(&chosen.account_id).map_err(|e| CliError::Bug {
                message: format!("the portal returned an invalid account id: {e}"),
            })?;
            ask.say(&format!("Using the account ID {account_id}\n"))?;
            account_id
        }
    };
    let role_name = match role_name {
        Some(role_name) => role_name,
        None => {
            let mut roles = match backend.list_roles(&account_id) {
                Ok(roles) => roles,
                Err(ListError::Unauthorized) => return Ok(None),
                Err(ListError::Failed(error)) => return Err(error),
            };
            roles.sort_by_key(|role| (role.to_lowercase(), role.clone()));
            if roles.is_empty() {
                return Err(CliError::NoRoles {
                    account_id: account_id.to_string(),
                });
            }
            // The current role only counts in the current account.
            let current_role = current
                .role_name
                .filter(|_| current.account_id == Some(account_id.as_str()));
            let names: Vec<&str> = roles.iter().map(String::as_str).collect();
            let start = menu_start(ask, &names, current_role, "role")?;
            let chosen = match roles.as_slice() {
                [] => {
                    return Err(CliError::NoRoles {
                        account_id: account_id.to_string(),
                    });
                }
                [only] if !start.ask_if_single => {
                    ask.say(&format!("The only role available to you is: {only}\n"))?;
                    only.clone()
                }
                many => {
                    ask.say(&match many.len() {
                        1 => "There is 1 role available to you.\n".to_owned(),
                        n => format!("There are {n} roles available to you.\n"),
                    })?;
                    ask.require_interactive("--role-name")?;
                    many[pick(&mut *ask.terminal, many, start)?].clone()
                }
            };
            let role_name = RoleName::parse(&chosen).map_err(|e| CliError::Bug {
                message: format!("the portal returned an invalid role name: {e}"),
            })?;
            ask.say(&format!("Using the role name \"{role_name}\"\n"))?;
            role_name
        }
    };
    Ok(Some((account_id, role_name)))
}

fn parse_opt<T>(value: &Option<String>, parse: fn(&str) -> Result<T, InvalidValue>) -> Option<T> {
    value.as_deref().and_then(|value| parse(value).ok())
}

/// How a prompt is written.
#[derive(Debug, Clone, Copy)]
enum Format {
    /// `"{text} [{current}]: "`, with `None` when there is no current value.
    Bracketed,
    /// A fixed prompt.
    Custom(&'static str),
}

#[derive(Debug)]
struct Question {
    text: &'static str,
    format: Format,
    current: Option<String>,
    required: bool,
    flag: &'static str,
}

impl Question {
    fn bracketed(
        text: &'static str,
        current: Option<String>,
        required: bool,
        flag: &'static str,
    ) -> Self {
        Self {
            text,
            format: Format::Bracketed,
            current,
            required,
            flag,
        }
    }
}

/// Asks questions, or in non-interactive mode answers them with the current values and
/// collects the flags that are missing.
struct Asker<'t> {
    terminal: &'t mut dyn Terminal,
    interactive: bool,
    missing: Vec<&'static str>,
}

impl<'t> Asker<'t> {
    fn new(terminal: &'t mut dyn Terminal, interactive: bool) -> Self {
        Self {
            terminal,
            interactive,
            missing: Vec::new(),
        }
    }

    fn say(&mut self, text: &str) -> Result<(), CliError> {
        self.terminal
            .write(text)
            .map_err(|source| CliError::Terminal {
                doing: "writing",
                source,
            })
    }

    fn emphasis(&mut self, text: &str) -> Result<(), CliError> {
        self.terminal
            .write_emphasis(text)
            .map_err(|source| CliError::Terminal {
                doing: "writing",
                source,
            })
    }

    fn missing_flags(&self) -> CliError {
        CliError::MissingFlags {
            flags: self.missing.iter().map(|flag| (*flag).to_owned()).collect(),
        }
    }

    fn require_interactive(&mut self, flag: &'static str) -> Result<(), CliError> {
        if self.interactive {
            Ok(())
        } else {
            self.missing.push(flag);
            Err(self.missing_flags())
        }
    }

    /// Asks until the answer parses. Enter keeps the current value; `None` means no value
    /// (allowed only when not required, or in non-interactive mode with the flag recorded).
    fn value<T>(
        &mut self,
        question: Question,
        parse: fn(&str) -> Result<T, InvalidValue>,
    ) -> Result<Option<T>, CliError> {
        if !self.interactive {
            return match &question.current {
                Some(current) => parse(current).map(Some).map_err(|e| CliError::Usage {
                    message: format!(
                        "the current value of \"{}\" is invalid: {}",
                        question.text,
                        e.reason()
                    ),
                    help: Some(format!("pass {} with a valid value", question.flag)),
                }),
                None => {
                    if question.required {
                        self.missing.push(question.flag);
                    }
                    Ok(None)
                }
            };
        }
        let prompt = match question.format {
            Format::Bracketed => format!(
                "{} [{}]: ",
                question.text,
                question.current.as_deref().unwrap_or("None")
            ),
            Format::Custom(prompt) => prompt.to_owned(),
        };
        loop {
            self.say(&prompt)?;
            let line = self
                .terminal
                .read_line()
                .map_err(|source| CliError::Terminal {
                    doing: "reading an answer",
                    source,
                })?;
            let Some(line) = line else {
                // End of input: Ctrl-D on a terminal, or a script that ran out of answers.
                return Err(if self.terminal.is_tty() {
                    CliError::Cancelled
                } else {
                    CliError::NoTerminal {
                        what: question.text.to_owned(),
                        flag: question.flag.to_owned(),
                    }
                });
            };
            let answer = match line.trim() {
                "" => question.current.clone(),
                typed => Some(typed.to_owned()),
            };
            match answer {
                None if question.required => self.say("A value is required.\n")?,
                None => return Ok(None),
                Some(answer) => match parse(&answer) {
                    Ok(value) => return Ok(Some(value)),
                    Err(e) => self.say(&format!("Invalid value: {}.\n", e.reason()))?,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests;
