//! The command line as clap sees it: structs as close to the flags as possible.
//!
//! This is the first of two stages (ripgrep's `LowArgs`): nothing here reads the environment
//! beyond what clap's `env` attributes do, and nothing here knows about the libraries.
//! [`crate::options`] turns these structs into validated, typed options.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes and environment variables, shown at the end of `sso --help`.
///
/// Kept in step with `crate::error::exit_code` by the `exit_codes_in_help_match` test.
const EXIT_CODES_HELP: &str = "Exit codes:
  0    success
  1    failure (network, server refusal, bad configuration, cache problems, ...)
  2    usage error (unknown flag, missing value, conflicting flags)
  3    login required: no valid token, or it expired and could not be refreshed;
       run `sso login` and try again
  130  interrupted (Ctrl-C, or Esc in a menu)

Environment:
  AWS_PROFILE, AWS_DEFAULT_PROFILE   profile to use when --profile is not given
  AWS_CONFIG_FILE                    config file (default ~/.aws/config)
  AWS_SHARED_CREDENTIALS_FILE        credentials file (default ~/.aws/credentials)
  AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL
                                     endpoint overrides
  AWS_CA_BUNDLE                      extra CA certificates (PEM)
  HTTPS_PROXY, NO_PROXY              proxy settings
  NO_COLOR                           disable colours when set to a non-empty value
  BROWSER                            browser command used by `sso login` and `sso console`
  SSO_LOGIN_FLOW                     login flow of `sso login`: pkce, paste or device-code
                                     (beats sso_login_flow in the config; --use-device-code
                                     beats both)
  SSO_FEDERATION_ENDPOINT            federation endpoint of `sso console` (for tests and
                                     proxies; default: the region's signin.aws endpoint)";

/// Checked by a unit test so that the help text cannot drift from the constants.
#[cfg(test)]
pub(crate) const HELP_EXIT_CODES: [(u8, &str); 5] = {
    use crate::error::exit_code;
    [
        (exit_code::OK, "0    success"),
        (exit_code::FAILURE, "1    failure"),
        (exit_code::USAGE, "2    usage error"),
        (exit_code::LOGIN_REQUIRED, "3    login required"),
        (exit_code::INTERRUPTED, "130  interrupted"),
    ]
};

const LONG_ABOUT: &str = "\
Sign in to AWS IAM Identity Center (AWS SSO) and hand temporary credentials to other tools.

`sso` reads and writes the same files as the AWS CLI v2 (~/.aws/config and the token cache in \
~/.aws/sso/cache), so the two can be used side by side.

Examples:
  sso configure --profile dev             create or update a profile, step by step
  sso login --sso-session my-sso          sign in (opens a browser)
  sso login --use-device-code             sign in on a machine without a browser
  sso export-credentials --format env     print credentials as shell exports
  sso list accounts                       show the accounts you can use
  sso logout                              sign out of every session

Use it as a credential_process in ~/.aws/config:
  [profile dev]
  credential_process = sso export-credentials --profile dev";

/// `sso --version`: the crate version and, when built from a git checkout, the commit
/// (see build.rs).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("SSO_VERSION_SUFFIX"));

/// The `sso` command line.
#[derive(Debug, Parser)]
#[command(
    name = "sso",
    version = VERSION,
    about = "Sign in to AWS IAM Identity Center and export temporary AWS credentials",
    long_about = LONG_ABOUT,
    after_long_help = EXIT_CODES_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options that apply to every command.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted before or after any command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Profile to use from ~/.aws/config.
    ///
    /// Falls back to AWS_PROFILE, then AWS_DEFAULT_PROFILE, then `default`.
    #[arg(long, global = true, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Log what happens (HTTP exchanges, cache decisions) to stderr.
    ///
    /// Secrets (tokens, keys, codes) are never logged, at any level.
    #[arg(long, global = true)]
    pub debug: bool,

    /// Do not use colours.
    ///
    /// Colours are also off when NO_COLOR is set to a non-empty value or stderr is not a
    /// terminal.
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "built once per process; boxing would only obscure the clap definition"
)]
pub enum Command {
    /// Create or update a profile that gets credentials from IAM Identity Center.
    #[command(long_about = CONFIGURE_LONG_ABOUT)]
    Configure(ConfigureArgs),

    /// Sign in and cache an access token.
    #[command(long_about = LOGIN_LONG_ABOUT)]
    Login(LoginArgs),

    /// Sign out: revoke and delete cached tokens and role credentials.
    #[command(long_about = LOGOUT_LONG_ABOUT)]
    Logout(LogoutArgs),

    /// Print temporary credentials for a profile (for credential_process or a shell).
    #[command(long_about = EXPORT_LONG_ABOUT)]
    ExportCredentials(ExportCredentialsArgs),

    /// List the accounts or roles you can use.
    List(ListArgs),

    /// Print a shell completion script.
    #[command(long_about = COMPLETIONS_LONG_ABOUT)]
    Completions(CompletionsArgs),

    /// Show sessions, token expiry and cached role credentials.
    Status(StatusArgs),

    /// Run a command with credentials in its environment.
    Exec(ExecArgs),

    /// Write a profile for every account and role you can use.
    Populate(PopulateArgs),

    /// Open the AWS console signed in as a profile's role.
    #[command(long_about = CONSOLE_LONG_ABOUT)]
    Console(ConsoleArgs),
}

const CONFIGURE_LONG_ABOUT: &str = "\
Create or update a profile that gets credentials from IAM Identity Center.

Asks for an sso-session name, start URL and region, signs in, lets you pick an account and a \
role, and writes the profile (and the [sso-session] section) to ~/.aws/config. The current \
value of each setting is shown in [brackets]; press Enter to keep it.

Every answer can also be given as a flag; a flag skips its question. With --account-id and \
--role-name given, no sign-in happens. --non-interactive never asks and fails naming the flags \
that are missing.

Examples:
  sso configure --profile dev
  sso configure --profile dev --sso-session my-sso --sso-start-url https://my-sso.awsapps.com/start \\
      --sso-region us-east-1 --account-id 123456789012 --role-name ReadOnly --non-interactive
  sso configure sso-session --sso-session my-sso";

const LOGIN_LONG_ABOUT: &str = "\
Sign in to IAM Identity Center and cache an access token in ~/.aws/sso/cache.

By default the browser opens a sign-in page (authorization code with PKCE, answered on a \
loopback port of 127.0.0.1). Use --use-device-code when the browser runs on another machine.

Where no browser can be opened here (an SSH session or a container without a display, CI), \
`sso login` says so in one line and picks another flow: paste-back PKCE when stdin is a \
terminal (open the printed URL on any device, then paste the address of the page it ends on \
into the terminal), the device code otherwise. Choose the flow yourself with \
SSO_LOGIN_FLOW=pkce|paste|device-code or `sso_login_flow` in the [sso-session] section; \
--use-device-code wins over both.

Examples:
  sso login                          # the profile from --profile / AWS_PROFILE / default
  sso login --sso-session my-sso
  sso login --profile dev --no-browser
  sso login --use-device-code --qr   # scan the code with a phone
  sso login --redirect-port 8400     # after `ssh -L 8400:127.0.0.1:8400 host`";

const CONSOLE_LONG_ABOUT: &str = "\
Open the AWS Management Console signed in as a profile's role.

Gets the profile's role credentials as `sso export-credentials` does (refreshing the token if \
needed, never opening a sign-in), exchanges them at the federation endpoint for a sign-in \
token, and opens the console's sign-in URL in the browser. The URL signs in whoever opens it \
within 15 minutes, so it is printed only with --print, or when no browser can be opened here.

The console opens in the profile's region (AWS_REGION, AWS_DEFAULT_REGION, the profile's \
`region`, else the SSO region), in that region's partition (aws, aws-cn or aws-us-gov).

Examples:
  sso console --profile dev
  sso console --profile dev --destination https://console.aws.amazon.com/s3/home
  sso console --profile dev --print | pbcopy";

const LOGOUT_LONG_ABOUT: &str = "\
Sign out: revoke cached access tokens and delete them, and delete cached SSO role credentials.

Without --sso-session this signs out of every session, as `aws sso logout` does. Client \
registrations are kept. Nothing is printed; the exit code is 0 even if revoking fails.";

const EXPORT_LONG_ABOUT: &str = "\
Print temporary credentials for a profile, in the same bytes as `aws configure \
export-credentials`.

The token is refreshed if needed, but this command never opens a browser: if you must sign in \
again it exits with code 3.

Examples:
  credential_process = sso export-credentials --profile dev      (in ~/.aws/config)
  eval \"$(sso export-credentials --profile dev --format env)\"";

const COMPLETIONS_LONG_ABOUT: &str = "\
Print a shell completion script to stdout.

Examples:
  sso completions bash > ~/.local/share/bash-completion/completions/sso
  sso completions zsh > ~/.zfunc/_sso
  sso completions fish > ~/.config/fish/completions/sso.fish";

/// `sso configure`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConfigureArgs {
    /// Configure an [sso-session] section only, without a profile.
    #[command(subcommand)]
    pub subcommand: Option<ConfigureSubcommand>,

    /// Name of the sso-session to use or create (`''` selects the legacy format without one).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,

    /// Start URL of your IAM Identity Center portal.
    #[arg(long, value_name = "URL")]
    pub sso_start_url: Option<String>,

    /// Region of your IAM Identity Center instance, e.g. us-east-1.
    #[arg(long, value_name = "REGION")]
    pub sso_region: Option<String>,

    /// Comma-separated scopes to register (default: sso:account:access).
    #[arg(long, value_name = "SCOPES")]
    pub sso_registration_scopes: Option<String>,

    /// Account to use (twelve digits); skips the account menu.
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,

    /// Role (permission set) to use; skips the role menu.
    #[arg(long, value_name = "ROLE")]
    pub role_name: Option<String>,

    /// Default region for AWS clients using this profile (the `region` key).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Default output format of the AWS CLI for this profile (the `output` key).
    #[arg(long, value_name = "FORMAT", value_parser = crate::values::CLI_OUTPUT_FORMATS)]
    pub output: Option<String>,

    /// Never prompt; fail naming the flags that are missing.
    #[arg(long)]
    pub non_interactive: bool,

    /// Sign in with the device code flow instead of a loopback redirect.
    #[arg(long)]
    pub use_device_code: bool,

    /// Print the sign-in URL instead of opening a browser.
    #[arg(long)]
    pub no_browser: bool,
}

/// Subcommands of `sso configure`.
#[derive(Debug, Subcommand)]
pub enum ConfigureSubcommand {
    /// Create or update an [sso-session] section; no sign-in happens.
    SsoSession(ConfigureSessionArgs),
}

/// `sso configure sso-session`.
#[derive(Debug, Args)]
pub struct ConfigureSessionArgs {
    /// Name of the sso-session to create or update.
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,

    /// Start URL of your IAM Identity Center portal.
    #[arg(long, value_name = "URL")]
    pub sso_start_url: Option<String>,

    /// Region of your IAM Identity Center instance, e.g. us-east-1.
    #[arg(long, value_name = "REGION")]
    pub sso_region: Option<String>,

    /// Comma-separated scopes to register (default: sso:account:access).
    #[arg(long, value_name = "SCOPES")]
    pub sso_registration_scopes: Option<String>,

    /// Never prompt; fail naming the flags that are missing.
    #[arg(long)]
    pub non_interactive: bool,
}

/// `sso login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Sign in to this sso-session instead of the profile's.
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,

    /// Use the device code flow: show a code to enter on any device.
    #[arg(long)]
    pub use_device_code: bool,

    /// Print the sign-in URL instead of opening a browser.
    #[arg(long)]
    pub no_browser: bool,

    /// Loopback port for the browser redirect (default: `sso_redirect_port`, else any free port).
    ///
    /// Fix the port when the browser runs on another machine and reaches this one through
    /// `ssh -L PORT:127.0.0.1:PORT host`.
    #[arg(long, value_name = "PORT", conflicts_with = "use_device_code",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub redirect_port: Option<u16>,

    /// Also show the sign-in URL as a QR code, to open it on a phone.
    ///
    /// The code is drawn on stderr only when stderr is a terminal.
    #[arg(long)]
    pub qr: bool,

    /// Copy the sign-in URL to the clipboard through the terminal (OSC 52).
    ///
    /// Works over SSH and in containers with terminals that support it (iTerm2, kitty,
    /// WezTerm, Windows Terminal, tmux with passthrough, ...); otherwise says it could not.
    #[arg(long)]
    pub copy: bool,
}

/// `sso logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Sign out of this sso-session only (default: every cached token).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
}

/// `sso export-credentials`.
#[derive(Debug, Args)]
pub struct ExportCredentialsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Process)]
    pub format: ExportFormat,
}

/// The formats of `export-credentials`, named as the AWS CLI names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// JSON for credential_process: {"Version": 1, "AccessKeyId": ...}.
    Process,
    /// Shell exports: `export AWS_ACCESS_KEY_ID=...`.
    Env,
    /// Shell variables without export: `AWS_ACCESS_KEY_ID=...`.
    EnvNoExport,
    /// PowerShell: `$Env:AWS_ACCESS_KEY_ID="..."`.
    Powershell,
    /// Windows cmd: `set AWS_ACCESS_KEY_ID=...`.
    WindowsCmd,
    /// fish: `set -gx AWS_ACCESS_KEY_ID "..."`.
    Fish,
}

/// `sso list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// What to list.
    #[command(subcommand)]
    pub what: ListCommand,
}

/// What `sso list` lists.
#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// List the accounts you can use.
    Accounts(ListAccountsArgs),
    /// List the roles you can use, in one account or in all of them.
    Roles(ListRolesArgs),
}

/// `sso list accounts`.
#[derive(Debug, Args)]
pub struct ListAccountsArgs {
    /// Use this sso-session's token instead of the profile's.
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,
}

/// `sso list roles`.
#[derive(Debug, Args)]
pub struct ListRolesArgs {
    /// Only this account (default: every account you can use).
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,

    /// Use this sso-session's token instead of the profile's.
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,
}

/// Output formats of `sso list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Stable JSON, sorted, for scripts.
    Json,
    /// Aligned columns for people.
    Table,
    /// Tab-separated values, one item per line.
    Text,
}

/// `sso completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `sso status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub output: StatusFormat,
}

/// Output formats of `sso status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// Human-readable lines.
    Text,
    /// JSON for scripts.
    Json,
}

/// `sso exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The command to run and its arguments, after `--`.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

/// `sso populate`.
#[derive(Debug, Args)]
pub struct PopulateArgs {
    /// The sso-session whose accounts and roles become profiles.
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,

    /// Profile name template, e.g. `{account_name}-{role_name}`.
    #[arg(long, value_name = "TEMPLATE")]
    pub template: Option<String>,

    /// The `region` key of the written profiles.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Remove profiles of this session whose account or role is gone.
    #[arg(long)]
    pub prune: bool,

    /// Show what would change without writing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `sso console`.
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Console page to open after signing in (default: the console home of the region).
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,

    /// Print the sign-in URL to stdout instead of opening a browser.
    ///
    /// Anyone who opens the URL within 15 minutes is signed in as the role: do not share it.
    #[arg(long, visible_alias = "no-browser")]
    pub print: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_in_help_match() {
        for (code, line) in HELP_EXIT_CODES {
            assert!(
                EXIT_CODES_HELP.contains(line),
                "exit code {code} is not documented as {line:?}"
            );
            assert!(line.starts_with(&code.to_string()));
        }
    }
}
