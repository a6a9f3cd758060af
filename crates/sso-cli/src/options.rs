//! The second stage of argument handling (ripgrep's `HiArgs`): validated, typed options built
//! from [`crate::args::Cli`] and the few environment variables clap does not read itself.
//!
//! Values are parsed with [`crate::values`]; a bad value is a usage error (exit code 2) that
//! names the flag. The environment is passed in as a function so tests do not touch the
//! process environment.
//!
//! The profile is what the user named, nothing more: `--profile` becomes
//! [`Selection::Profile`], `--sso-session` [`Selection::Session`], and neither
//! [`Selection::Default`]. Which profile that means (`AWS_PROFILE`, `AWS_DEFAULT_PROFILE`,
//! `default`) is the driver's to decide, once ([`sso_driver::Sso::profile_name`] and
//! [`sso_driver::Sso::profile_source`] say what it decided).

use std::ffi::OsString;

use sso_driver::sso::Selection;
use sso_driver::sso::signin::SignInRequest;

use crate::args::{
    Cli, Command, ConfigureArgs, ConfigureFlags, ConfigureSessionArgs, ConfigureSubcommand,
    ExportCredentialsArgs, ExportFormat, ListCommand, ListFormat, StatusFormat,
};
use crate::commands::login::{LoginOptions, SignIn};
use crate::commands::populate::PopulateOptions;
use crate::error::CliError;
use crate::values::{
    AccountId, CliOutputFormat, InvalidValue, ProfileName, Region, RoleName, Scopes, SessionName,
    StartUrl,
};
use crate::wizard::{ConfigureAnswers, SessionAnswers, SessionChoice};

/// Everything `main_impl` needs to run a command.
#[derive(Debug)]
pub(crate) struct Invocation {
    /// Options of every command.
    pub global: GlobalOptions,
    /// The command with its validated options.
    pub command: CommandOptions,
}

/// Options of every command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalOptions {
    /// `--profile` as the user typed it (before or after the command); `None` when not given.
    pub profile: Option<ProfileName>,
    /// `--debug`.
    pub debug: bool,
    /// Whether to use colours on stderr (off with `--no-color`, NO_COLOR, or no terminal).
    pub color: bool,
}

impl GlobalOptions {
    /// The driver's selection for a command that takes `--profile`: the profile named, else
    /// [`Selection::Default`] (the driver then selects `AWS_PROFILE`, `AWS_DEFAULT_PROFILE` or
    /// `default`, and the credential commands start with the environment's keys).
    pub fn selection(&self) -> Selection {
        match &self.profile {
            Some(profile) => Selection::Profile(profile.as_str().to_owned()),
            None => Selection::Default,
        }
    }
}

/// A command and its validated options.
#[derive(Debug)]
pub(crate) enum CommandOptions {
    /// `sso configure`.
    Configure(ConfigureAnswers),
    /// `sso configure sso-session`.
    ConfigureSession(SessionAnswers),
    /// `sso login`.
    Login(LoginOptions),
    /// `sso logout`; `None` signs out of everything.
    Logout {
        /// `--sso-session`.
        session: Option<SessionName>,
    },
    /// `sso export-credentials`.
    ExportCredentials {
        /// `--format`.
        format: ExportFormat,
        /// `--wait-for-login SECS`.
        wait_for_login: Option<u64>,
        /// `--credentials-file [NAME]`: the section to write instead of printing.
        credentials_file: Option<CredentialsSection>,
    },
    /// `sso configure list-profiles`.
    ConfigureListProfiles,
    /// `sso configure list`.
    ConfigureList,
    /// `sso configure get`.
    ConfigureGet {
        /// KEY.
        key: String,
        /// `--sso-session`.
        session: Option<SessionName>,
    },
    /// `sso configure set`.
    ConfigureSet {
        /// KEY.
        key: String,
        /// VALUE.
        value: String,
        /// `--sso-session`.
        session: Option<SessionName>,
    },
    /// `sso list accounts`.
    ListAccounts {
        /// Whose token to use.
        target: Selection,
        /// `--output`.
        format: ListFormat,
    },
    /// `sso list roles`.
    ListRoles {
        /// Whose token to use.
        target: Selection,
        /// `--account-id`; `None` lists every account's roles.
        account_id: Option<AccountId>,
        /// `--output`.
        format: ListFormat,
    },
    /// `sso completions`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// `sso status`.
    Status {
        /// `--output`.
        format: StatusFormat,
        /// `--check`: ask the portal whether each cached token is still accepted.
        check: bool,
    },
    /// `sso exec`.
    Exec {
        /// The program and its arguments.
        command: Vec<OsString>,
        /// `--server`: serve container credentials instead of passing keys.
        server: bool,
    },
    /// `sso whoami`.
    Whoami {
        /// `--output`.
        format: StatusFormat,
    },
    /// `sso populate`.
    Populate(PopulateOptions),
    /// `sso console`.
    Console {
        /// `--destination`.
        destination: Option<String>,
        /// `--print` (or `--no-browser`): print the URL instead of opening it.
        print: bool,
        /// `--service`, `--region`, `--browser`, `--firefox-container`.
        open: crate::commands::console::ConsoleOpen,
    },
    /// `sso serve`.
    Serve {
        /// `--port` (0: any free port).
        port: u16,
    },
    /// `sso shell-init`.
    ShellInit {
        /// The shell.
        shell: crate::shell::Shell,
    },
    /// `sso use`.
    Use(crate::commands::shell::UseOptions),
    /// `sso prompt`.
    Prompt,
}

/// Where `sso export-credentials --credentials-file` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CredentialsSection {
    /// `--credentials-file` without a name: the section of the selected profile.
    SelectedProfile,
    /// `--credentials-file NAME`.
    Named(ProfileName),
}

/// What `Invocation::new` needs to know about the process besides the parsed flags.
#[derive(Clone, Copy)]
pub(crate) struct Environment<'a> {
    /// Reads an environment variable; `None` when unset.
    pub var: &'a dyn Fn(&str) -> Option<String>,
    /// Whether stderr is a terminal.
    pub stderr_is_terminal: bool,
}

impl Invocation {
    /// Validates the parsed command line.
    pub(crate) fn new(cli: Cli, env: Environment<'_>) -> Result<Self, CliError> {
        let no_color_env = (env.var)("NO_COLOR").is_some_and(|v| !v.is_empty());
        // `--profile` after the command wins over one before it. Only what the user typed:
        // AWS_PROFILE and AWS_DEFAULT_PROFILE are the driver's to read.
        let profile_flag = cli
            .command
            .profile_flag()
            .or(cli.profile.profile.as_deref())
            .map(str::to_owned);
        let profile_on_command_line = profile_flag.is_some();
        let profile = profile_flag
            .map(|p| parse_flag("--profile", &p, ProfileName::parse))
            .transpose();
        // The commands of the shell integration use no `--profile` given before them (`sso use`
        // reads its own): a bad one must not break every prompt.
        let profile = match (&cli.command, profile) {
            (Command::Prompt | Command::ShellInit(_) | Command::Use(_), Err(_)) => None,
            (_, profile) => profile?,
        };
        let global = GlobalOptions {
            profile,
            debug: cli.global.debug,
            color: !cli.global.no_color && !no_color_env && env.stderr_is_terminal,
        };
        let selector = |session: Option<String>| -> Result<Selection, CliError> {
            match session {
                Some(session) => {
                    if profile_on_command_line {
                        return Err(CliError::Usage {
                            message: "--profile and --sso-session cannot be used together".into(),
                            help: Some("pass only one of them".into()),
                        });
                    }
                    let session = parse_flag("--sso-session", &session, SessionName::parse)?;
                    Ok(Selection::Session(session.as_str().to_owned()))
                }
                None => Ok(global.selection()),
            }
        };
        let export = |args: ExportCredentialsArgs| -> Result<CommandOptions, CliError> {
            let credentials_file = match args.credentials_file {
                None => None,
                Some(name) if name.is_empty() => Some(CredentialsSection::SelectedProfile),
                Some(name) => Some(CredentialsSection::Named(parse_flag(
                    "--credentials-file",
                    &name,
                    ProfileName::parse,
                )?)),
            };
            Ok(CommandOptions::ExportCredentials {
                format: args.format,
                wait_for_login: args.wait_for_login,
                credentials_file,
            })
        };
        let command = cli.command;
        let command = match command {
            Command::Configure(ConfigureArgs {
                subcommand: Some(subcommand),
                ..
            }) => match subcommand {
                ConfigureSubcommand::SsoSession(args) => {
                    CommandOptions::ConfigureSession(session_answers(args)?)
                }
                ConfigureSubcommand::ExportCredentials(args) => export(args)?,
                ConfigureSubcommand::ListProfiles => CommandOptions::ConfigureListProfiles,
                ConfigureSubcommand::List(_) => CommandOptions::ConfigureList,
                ConfigureSubcommand::Get(args) => CommandOptions::ConfigureGet {
                    key: args.key,
                    session: opt_flag("--sso-session", args.sso_session, SessionName::parse)?,
                },
                ConfigureSubcommand::Set(args) => CommandOptions::ConfigureSet {
                    key: args.key,
                    value: args.value,
                    session: opt_flag("--sso-session", args.sso_session, SessionName::parse)?,
                },
                ConfigureSubcommand::Sso(flags) => {
                    CommandOptions::Configure(configure_answers(flags, global.profile.clone())?)
                }
            },
            Command::Configure(args) => {
                CommandOptions::Configure(configure_answers(args.flags, global.profile.clone())?)
            }
            Command::Login(args) => CommandOptions::Login(LoginOptions {
                target: selector(args.sso_session)?,
                sign_in: SignIn {
                    request: SignInRequest {
                        use_device_code: args.use_device_code,
                        no_browser: args.no_browser,
                        redirect_port: args.redirect_port,
                        ..SignInRequest::default()
                    },
                    // A QR code drawn into a pipe or a log is only noise.
                    qr: args.qr && env.stderr_is_terminal,
                    copy: args.copy,
                },
            }),
            Command::Logout(args) => CommandOptions::Logout {
                session: opt_flag("--sso-session", args.sso_session, SessionName::parse)?,
            },
            Command::ExportCredentials(args) => export(args)?,
            Command::List(args) => match args.what {
                ListCommand::Accounts(args) => CommandOptions::ListAccounts {
                    target: selector(args.sso_session)?,
                    format: args.output,
                },
                ListCommand::Roles(args) => CommandOptions::ListRoles {
                    target: selector(args.sso_session)?,
                    account_id: opt_flag("--account-id", args.account_id, AccountId::parse)?,
                    format: args.output,
                },
            },
            Command::Completions(args) => CommandOptions::Completions { shell: args.shell },
            Command::Status(args) => CommandOptions::Status {
                format: args.output,
                check: args.check,
            },
            Command::Whoami(args) => CommandOptions::Whoami {
                format: args.output,
            },
            Command::Exec(args) => CommandOptions::Exec {
                command: args.command,
                server: args.server,
            },
            Command::Populate(args) => CommandOptions::Populate(PopulateOptions {
                session: opt_flag("--sso-session", args.sso_session, SessionName::parse)?,
                template: args.template,
                region: opt_flag("--region", args.region, Region::parse)?,
                prune: args.prune,
                dry_run: args.dry_run,
            }),
            Command::Console(args) => CommandOptions::Console {
                destination: args.destination,
                print: args.print,
                open: crate::commands::console::ConsoleOpen {
                    service: args.service,
                    region: opt_flag("--region", args.region, Region::parse)?,
                    browser: args.browser,
                    firefox_container: args.firefox_container,
                },
            },
            Command::Serve(args) => CommandOptions::Serve { port: args.port },
            Command::ShellInit(args) => CommandOptions::ShellInit { shell: args.shell },
            // `sso --profile dev use` names the profile as `sso use dev` does.
            Command::Use(args) => {
                CommandOptions::Use(use_options(args, cli.profile.profile.clone())?)
            }
            Command::Prompt => CommandOptions::Prompt,
        };
        Ok(Self { global, command })
    }
}

fn use_options(
    args: crate::args::UseArgs,
    profile_before_command: Option<String>,
) -> Result<crate::commands::shell::UseOptions, CliError> {
    use crate::commands::shell::{UseAction, UseOptions};
    let action = if args.unset {
        UseAction::Unset
    } else {
        UseAction::Switch {
            profile: opt_flag(
                "PROFILE",
                args.profile.or(profile_before_command),
                ProfileName::parse,
            )?,
            credentials: !args.profile_only,
        }
    };
    Ok(UseOptions {
        shell: args.shell,
        action,
    })
}

fn configure_answers(
    args: ConfigureFlags,
    profile: Option<ProfileName>,
) -> Result<ConfigureAnswers, CliError> {
    let sso_session = match args.sso_session {
        None => None,
        Some(name) if name.trim().is_empty() => Some(SessionChoice::Legacy),
        Some(name) => Some(SessionChoice::Named(parse_flag(
            "--sso-session",
            &name,
            SessionName::parse,
        )?)),
    };
    Ok(ConfigureAnswers {
        profile,
        sso_session,
        sso_start_url: opt_flag("--sso-start-url", args.sso_start_url, StartUrl::parse)?,
        sso_region: opt_flag("--sso-region", args.sso_region, Region::parse)?,
        scopes: opt_flag(
            "--sso-registration-scopes",
            args.sso_registration_scopes,
            Scopes::parse,
        )?,
        account_id: opt_flag("--account-id", args.account_id, AccountId::parse)?,
        role_name: opt_flag("--role-name", args.role_name, RoleName::parse)?,
        region: opt_flag("--region", args.region, Region::parse)?,
        output: opt_flag("--output", args.output, CliOutputFormat::parse)?,
        non_interactive: args.non_interactive,
        use_device_code: args.use_device_code,
        no_browser: args.no_browser,
    })
}

fn session_answers(args: ConfigureSessionArgs) -> Result<SessionAnswers, CliError> {
    Ok(SessionAnswers {
        name: opt_flag("--sso-session", args.sso_session, SessionName::parse)?,
        sso_start_url: opt_flag("--sso-start-url", args.sso_start_url, StartUrl::parse)?,
        sso_region: opt_flag("--sso-region", args.sso_region, Region::parse)?,
        scopes: opt_flag(
            "--sso-registration-scopes",
            args.sso_registration_scopes,
            Scopes::parse,
        )?,
        non_interactive: args.non_interactive,
    })
}

fn parse_flag<T>(
    flag: &str,
    value: &str,
    parse: fn(&str) -> Result<T, InvalidValue>,
) -> Result<T, CliError> {
    parse(value).map_err(|e| CliError::Usage {
        message: format!("invalid value for {flag}: {}", e.reason()),
        help: None,
    })
}

fn opt_flag<T>(
    flag: &str,
    value: Option<String>,
    parse: fn(&str) -> Result<T, InvalidValue>,
) -> Result<Option<T>, CliError> {
    value.map(|v| parse_flag(flag, &v, parse)).transpose()
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str], vars: &[(&str, &str)]) -> Result<Invocation, CliError> {
        let cli = Cli::try_parse_from(args).unwrap();
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let var = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Invocation::new(
            cli,
            Environment {
                var: &var,
                stderr_is_terminal: true,
            },
        )
    }

    #[test]
    fn the_environment_selects_no_profile_here() {
        // AWS_PROFILE and AWS_DEFAULT_PROFILE are the driver's to read: the CLI passes on only
        // what the user typed.
        let vars = [("AWS_PROFILE", "env"), ("AWS_DEFAULT_PROFILE", "ci")];
        let invocation = parse(&["sso", "export-credentials"], &vars).unwrap();
        assert_eq!(invocation.global.selection(), Selection::Default);
        let invocation = parse(&["sso", "--profile", "dev", "export-credentials"], &vars).unwrap();
        assert_eq!(
            invocation.global.selection(),
            Selection::Profile("dev".to_owned())
        );
        // A name `--profile` would refuse is not a usage error in AWS_PROFILE: the driver takes
        // it as the SDKs do, and reports the profile as missing where one is needed.
        assert!(parse(&["sso", "login"], &[("AWS_PROFILE", "a]b")]).is_ok());
        let error = parse(&["sso", "--profile", "a]b", "login"], &[]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error.to_string().starts_with("invalid value for --profile"),
            "{error}"
        );
        // Nor does a bad `--profile` before them break the shell integration's commands.
        assert!(parse(&["sso", "--profile", "a]b", "prompt"], &[]).is_ok());
    }

    #[test]
    fn profile_goes_before_or_after_the_commands_that_use_it_only() {
        let selection =
            |args: &[&str], vars: &[(&str, &str)]| parse(args, vars).unwrap().global.selection();
        let named = |name: &str| Selection::Profile(name.to_owned());
        let aws_profile = [("AWS_PROFILE", "env"), ("AWS_DEFAULT_PROFILE", "ci")];
        assert_eq!(
            selection(&["sso", "export-credentials"], &aws_profile),
            Selection::Default
        );
        assert_eq!(
            selection(&["sso", "--profile", "a", "exec", "--", "x"], &aws_profile),
            named("a")
        );
        assert_eq!(
            selection(&["sso", "exec", "--profile", "b", "--", "x"], &aws_profile),
            named("b")
        );
        // After the command wins over before it.
        assert_eq!(
            selection(&["sso", "--profile", "a", "login", "--profile", "b"], &[]),
            named("b")
        );
        assert_eq!(
            selection(&["sso", "list", "--profile", "c", "accounts"], &[]),
            named("c")
        );
        assert_eq!(
            selection(&["sso", "list", "roles", "--profile", "d"], &[]),
            named("d")
        );
        // AWS_PROFILE is not a typed --profile: --sso-session still goes with it.
        assert!(parse(&["sso", "login", "--sso-session", "s"], &aws_profile).is_ok());
        for args in [
            &["sso", "completions", "bash", "--profile", "x"][..],
            &["sso", "status", "--profile", "x"],
            &["sso", "configure", "sso-session", "--profile", "x"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }

    #[test]
    fn colours_follow_flag_and_no_color() {
        assert!(parse(&["sso", "logout"], &[]).unwrap().global.color);
        assert!(
            !parse(&["sso", "--no-color", "logout"], &[])
                .unwrap()
                .global
                .color
        );
        assert!(
            !parse(&["sso", "logout"], &[("NO_COLOR", "1")])
                .unwrap()
                .global
                .color
        );
        assert!(
            parse(&["sso", "logout"], &[("NO_COLOR", "")])
                .unwrap()
                .global
                .color
        );
    }

    #[test]
    fn login_takes_a_session_or_a_profile_but_not_both() {
        let invocation = parse(&["sso", "login", "--sso-session", "my-sso"], &[]).unwrap();
        assert!(matches!(
            invocation.command,
            CommandOptions::Login(LoginOptions { target: Selection::Session(ref s), .. }) if s == "my-sso"
        ));
        let error = parse(
            &[
                "sso",
                "login",
                "--profile",
                "dev",
                "--sso-session",
                "my-sso",
            ],
            &[],
        )
        .unwrap_err();
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn qr_is_off_when_stderr_is_not_a_terminal() {
        let login = |stderr_is_terminal: bool| {
            let cli = Cli::try_parse_from(["sso", "login", "--qr", "--copy"]).unwrap();
            let var = |_: &str| None;
            let invocation = Invocation::new(
                cli,
                Environment {
                    var: &var,
                    stderr_is_terminal,
                },
            )
            .unwrap();
            match invocation.command {
                CommandOptions::Login(options) => options,
                other => panic!("expected login, got {other:?}"),
            }
        };
        let on_terminal = login(true);
        assert!(on_terminal.sign_in.qr && on_terminal.sign_in.copy);
        let piped = login(false);
        assert!(!piped.sign_in.qr && piped.sign_in.copy);
    }

    #[test]
    fn console_print_has_a_no_browser_alias() {
        for flag in ["--print", "--no-browser"] {
            let invocation = parse(&["sso", "console", flag], &[]).unwrap();
            assert!(matches!(
                invocation.command,
                CommandOptions::Console { print: true, .. }
            ));
        }
        let invocation = parse(&["sso", "console"], &[]).unwrap();
        assert!(matches!(
            invocation.command,
            CommandOptions::Console { print: false, .. }
        ));
    }

    #[test]
    fn bad_values_are_usage_errors_naming_the_flag() {
        let error = parse(&["sso", "configure", "--account-id", "12"], &[]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error
                .to_string()
                .starts_with("invalid value for --account-id"),
            "{error}"
        );
        let error = parse(&["sso", "configure", "--sso-start-url", "d-abc123"], &[]).unwrap_err();
        assert!(error.to_string().contains("--sso-start-url"), "{error}");
    }

    #[test]
    fn an_empty_session_flag_selects_the_legacy_format() {
        let invocation = parse(&["sso", "configure", "--sso-session", ""], &[]).unwrap();
        let CommandOptions::Configure(answers) = invocation.command else {
            panic!("expected configure");
        };
        assert_eq!(answers.sso_session, Some(SessionChoice::Legacy));
    }

    #[test]
    fn configure_sso_session_is_a_subcommand() {
        let invocation = parse(
            &[
                "sso",
                "configure",
                "sso-session",
                "--sso-session",
                "my-sso",
                "--non-interactive",
            ],
            &[],
        )
        .unwrap();
        let CommandOptions::ConfigureSession(answers) = invocation.command else {
            panic!("expected configure sso-session");
        };
        assert_eq!(answers.name.unwrap().as_str(), "my-sso");
        assert!(answers.non_interactive);
    }
}
