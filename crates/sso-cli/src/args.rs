//! The command line as clap sees it: structs as close to the flags as possible.
//!
//! This is the first of two stages (ripgrep's `LowArgs`): nothing here reads the environment
//! beyond what clap's `env` attributes do, and nothing here knows about the libraries.
//! [`crate::options`] turns these structs into validated, typed options.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Environment variables, shown at the end of `sso --help` after the exit codes.
const ENVIRONMENT_HELP: &str = "Environment:
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

/// The end of `sso --help`: the exit-code table ([`crate::error::exit_code::TABLE`], the one
/// definition) and the environment variables.
fn after_long_help() -> String {
    format!(
        "{}\n{ENVIRONMENT_HELP}",
        crate::error::exit_code::help_text()
    )
}

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
pub(crate) const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("SSO_VERSION_SUFFIX"));

/// The `sso` command line.
#[derive(Debug, Parser)]
#[command(
    name = "sso",
    version = VERSION,
    about = "Sign in to AWS IAM Identity Center and export temporary AWS credentials",
    long_about = LONG_ABOUT,
    after_long_help = after_long_help(),
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// `--profile` before the command (`sso --profile dev exec -- ...`).
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Options that apply to every command.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The heading of the options that are not a command's own.
const GLOBAL_OPTIONS: &str = "Global options";

/// `--profile`'s short help.
const PROFILE_HELP: &str = "Profile to use from ~/.aws/config";

/// `--profile`'s long help.
const PROFILE_LONG_HELP: &str = "Profile to use from ~/.aws/config.

Falls back to AWS_PROFILE, then AWS_DEFAULT_PROFILE, then `default`. May also come before the \
command: `sso --profile NAME COMMAND`.";

/// `--profile`, on the commands that use a profile (and before any command), shown with the
/// global options: it is the AWS CLI's global `--profile`, but a command that takes no profile
/// does not list or accept it.
#[derive(Debug, Args)]
pub struct ProfileArg {
    /// The profile.
    #[arg(long, value_name = "NAME", add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::profile_candidates), help_heading = GLOBAL_OPTIONS, display_order = 0, help = PROFILE_HELP,
          long_help = PROFILE_LONG_HELP)]
    pub profile: Option<String>,
}

/// [`ProfileArg`] of a command with subcommands that all use it (`sso list`).
#[derive(Debug, Args)]
pub struct SubcommandsProfileArg {
    /// The profile.
    #[arg(long, global = true, value_name = "NAME", add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::profile_candidates), help_heading = GLOBAL_OPTIONS, display_order = 0,
          help = PROFILE_HELP, long_help = PROFILE_LONG_HELP)]
    pub profile: Option<String>,
}

/// Flags accepted before or after any command, shown under their own heading: only those that
/// every command uses.
#[derive(Debug, Args)]
#[command(next_help_heading = GLOBAL_OPTIONS)]
pub struct GlobalArgs {
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
    #[command(long_about = LIST_LONG_ABOUT)]
    List(ListArgs),

    /// Print a shell completion script.
    #[command(long_about = COMPLETIONS_LONG_ABOUT)]
    Completions(CompletionsArgs),

    /// Show sessions, token expiry and cached role credentials.
    #[command(long_about = STATUS_LONG_ABOUT)]
    Status(StatusArgs),

    /// Run a command with credentials in its environment.
    #[command(long_about = EXEC_LONG_ABOUT)]
    Exec(ExecArgs),

    /// Write a profile for every account and role you can use.
    #[command(long_about = populate_long_about())]
    Populate(PopulateArgs),

    /// Open the AWS console signed in as a profile's role.
    #[command(long_about = CONSOLE_LONG_ABOUT)]
    Console(ConsoleArgs),

    /// Show who a profile's credentials are: account, ARN, and when they and the login expire.
    #[command(long_about = WHOAMI_LONG_ABOUT)]
    Whoami(WhoamiArgs),

    /// Serve a profile's credentials to SDKs on 127.0.0.1 (container credentials).
    #[command(long_about = SERVE_LONG_ABOUT)]
    Serve(ServeArgs),
    /// Print the shell function that lets `sso use` switch the current shell.
    #[command(long_about = SHELL_INIT_LONG_ABOUT)]
    ShellInit(ShellInitArgs),

    /// Switch the current shell to a profile (set up with `sso shell-init`).
    #[command(long_about = USE_LONG_ABOUT)]
    Use(UseArgs),

    /// Print the active profile and its time left, for a shell prompt.
    #[command(long_about = PROMPT_LONG_ABOUT)]
    Prompt,
}

impl Command {
    /// `--profile` as given after the command, on the commands that take one.
    pub fn profile_flag(&self) -> Option<&str> {
        match self {
            Self::Configure(ConfigureArgs { subcommand, flags }) => match subcommand {
                None => flags.profile.profile.as_deref(),
                Some(ConfigureSubcommand::SsoSession(_) | ConfigureSubcommand::ListProfiles) => {
                    None
                }
                Some(ConfigureSubcommand::Sso(flags)) => flags.profile.profile.as_deref(),
                Some(ConfigureSubcommand::ExportCredentials(args)) => {
                    args.profile.profile.as_deref()
                }
                Some(ConfigureSubcommand::List(args)) => args.profile.profile.as_deref(),
                Some(ConfigureSubcommand::Get(args)) => args.profile.profile.as_deref(),
                Some(ConfigureSubcommand::Set(args)) => args.profile.profile.as_deref(),
            },
            Self::Login(LoginArgs { profile, .. })
            | Self::Logout(LogoutArgs { profile, .. })
            | Self::ExportCredentials(ExportCredentialsArgs { profile, .. })
            | Self::Exec(ExecArgs { profile, .. })
            | Self::Populate(PopulateArgs { profile, .. })
            | Self::Console(ConsoleArgs { profile, .. })
            | Self::Whoami(WhoamiArgs { profile, .. })
            | Self::Serve(ServeArgs { profile, .. }) => profile.profile.as_deref(),
            Self::List(ListArgs { profile, .. }) => profile.profile.as_deref(),
            Self::Completions(_) | Self::Status(_) => None,
            Self::ShellInit(_) | Self::Use(_) | Self::Prompt => None,
        }
    }
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
  sso configure --profile dev --non-interactive \\
      --sso-session my-sso --sso-start-url https://my-sso.awsapps.com/start \\
      --sso-region us-east-1 --account-id 123456789012 --role-name ReadOnly
  sso configure sso-session --sso-session my-sso";

const LOGIN_LONG_ABOUT: &str = "\
Sign in to IAM Identity Center and cache an access token in ~/.aws/sso/cache.

By default the browser opens a sign-in page (authorization code with PKCE, answered on a \
loopback port of 127.0.0.1). Use --use-device-code when the browser runs on another machine.

Where no browser can be opened here (an SSH session or a container without a display, CI), \
`sso login` says so in one line and picks another flow: paste-back PKCE when stdin is a \
terminal (open the printed URL on any device, then paste the address of the page it ends on \
into the terminal), the device code otherwise. The same happens, after one line saying so, \
when the browser command (BROWSER, xdg-open, open) cannot be started or fails. Choose the flow \
yourself with SSO_LOGIN_FLOW=pkce|paste|device-code or `sso_login_flow` in the [sso-session] \
section; --use-device-code wins over both.

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
`region`, else the SSO region), in that region's partition (aws, aws-cn or aws-us-gov); \
--region picks another.

The browser: --browser CMD, else the profile's `sso_console_browser`, else BROWSER, else the \
system's opener. --firefox-container opens the console in a Firefox container named after the \
profile (the \"Open external links in a container\" extension), so several accounts can be \
signed in side by side.

Examples:
  sso console --profile dev
  sso console --profile dev --service s3 --region eu-west-1
  sso console --profile dev --destination https://console.aws.amazon.com/s3/home
  sso console --profile dev --firefox-container
  sso console --profile dev --browser 'chromium --incognito'
  sso console --profile dev --print | pbcopy";

const LOGOUT_LONG_ABOUT: &str = "\
Sign out: revoke cached access tokens and delete them, and delete cached SSO role credentials.

Without --sso-session this signs out of every session, as `aws sso logout` does. Client \
registrations are kept. Nothing is printed; the exit code is 0 even if revoking fails. \
A corrupt token file of a configured login cannot be revoked; it is deleted and named on stderr.

Examples:
  sso logout                         # every session
  sso logout --sso-session my-sso";

const LIST_LONG_ABOUT: &str = "\
List the accounts or roles you can use, with the token of the profile or sso-session.

Examples:
  sso list accounts
  sso list roles --account-id 123456789012
  sso list roles --sso-session my-sso --output json";

const STATUS_LONG_ABOUT: &str = "\
Show every login in the config with what its token file says (cached, expired, none), until \
when, and whether it can refresh itself; then the cached role credentials. Nothing is sent \
over the network unless --check is given, so a cached token may have been revoked meanwhile.

Examples:
  sso status
  sso status --check                 # ask the portal: valid or revoked
  sso status --output json";

const EXEC_LONG_ABOUT: &str = "\
Run a command with a profile's credentials in its environment (AWS_ACCESS_KEY_ID, \
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_REGION). The exit \
code is the command's; 127 when it is not found, 126 when it cannot be executed.

With --server, the command gets no keys: `sso` serves the credentials on 127.0.0.1 while the \
command runs (as `sso serve` does) and passes AWS_CONTAINER_CREDENTIALS_FULL_URI and \
AWS_CONTAINER_AUTHORIZATION_TOKEN instead, so a command that runs for hours keeps getting \
fresh credentials (aws-vault's --ecs-server).

Examples:
  sso exec --profile dev -- aws s3 ls
  sso exec --profile dev -- terraform plan
  sso exec --server --profile dev -- terraform apply";

const SERVE_LONG_ABOUT: &str = "\
Serve a profile's credentials on 127.0.0.1 in the container-credentials format (what ECS and \
EKS Pod Identity serve), renewed from the profile's source before they expire, until Ctrl-C.

Prints the variables to give the SDKs: AWS_CONTAINER_CREDENTIALS_FULL_URI and \
AWS_CONTAINER_AUTHORIZATION_TOKEN (a random token; requests without it get 401 or 403). Any \
profile `sso export-credentials` handles works. When a sign-in is needed, requests get a 503 \
saying what to run; after `sso login` they succeed again, without a restart.

The server listens on 127.0.0.1 only, and the SDKs accept plain http only to a loopback \
address, so a container reaches it with `docker run --network host` (not through \
host.docker.internal).

Examples:
  sso serve --profile dev
  sso serve --profile dev --port 9911
  sso exec --server --profile dev -- aws s3 ls      (serve only while one command runs)";

const WHOAMI_LONG_ABOUT: &str = "\
Show who a profile's credentials are, as STS GetCallerIdentity says (the account, the ARN and \
the user id), with the profile, its sso-session, and when the credentials and the login expire.

Credentials come as for `sso export-credentials` (any source: SSO, role_arn chains, web \
identity, credential_process, static keys); the call goes to the profile's STS endpoint.

Examples:
  sso whoami
  sso whoami --profile dev
  sso whoami --profile dev --output json";

/// The long help of `sso populate`: the placeholders and the default template come from the
/// driver's definitions.
fn populate_long_about() -> String {
    use sso_driver::sso::{DEFAULT_TEMPLATE, PLACEHOLDERS};
    let placeholders: Vec<String> = PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect();
    format!(
        "Write a profile for every account and role you can use in an sso-session.

Profile names come from --template; placeholders: {}.
Default template: {DEFAULT_TEMPLATE}

Examples:
  sso populate --sso-session my-sso --dry-run
  sso populate --sso-session my-sso --template '{{account_name}}-{{role_name}}' --region eu-west-1
  sso populate --sso-session my-sso --prune",
        placeholders.join(", ")
    )
}

const EXPORT_LONG_ABOUT: &str = "\
Print temporary credentials for a profile, in the same bytes as `aws configure \
export-credentials`.

The token is refreshed if needed, but this command never opens a browser: if you must sign in \
again it exits with code 3, unless `--wait-for-login SECS` (or `sso_wait_for_login`) lets it \
wait for a sign-in already in progress in another sso process.

Examples:
  credential_process = sso export-credentials --profile dev      (in ~/.aws/config)
  eval \"$(sso export-credentials --profile dev --format env)\"
  credential_process = sso export-credentials --profile dev --wait-for-login 120      (IDE plugins)
  sso export-credentials --profile dev --credentials-file        (writes [dev])";

const COMPLETIONS_LONG_ABOUT: &str = "\
Print a shell completion script to stdout.

For bash, zsh and fish the script asks `sso` at each Tab, so it also completes the names in your \
files as they are then: profiles for --profile and `sso use`, sso-sessions for --sso-session, \
and the account ids of your profiles for --account-id. PowerShell and Elvish complete commands \
and flags.

Examples:
  sso completions bash > ~/.local/share/bash-completion/completions/sso
  sso completions zsh > ~/.zfunc/_sso
  sso completions fish > ~/.config/fish/completions/sso.fish";

const SHELL_INIT_LONG_ABOUT: &str = "\
Print a shell function named `sso` that wraps the binary, so that `sso use` can change the \
environment of the shell it runs in. Other commands run the binary as before. Add it to the \
shell's startup file.

Examples:
  eval \"$(sso shell-init bash)\"                            (in ~/.bashrc)
  eval \"$(sso shell-init zsh)\"                             (in ~/.zshrc)
  sso shell-init fish | source                             (in ~/.config/fish/config.fish)
  sso shell-init powershell | Out-String | Invoke-Expression   (in $PROFILE)";

const USE_LONG_ABOUT: &str = "\
Switch the current shell to a profile: set AWS_PROFILE, AWS_REGION and AWS_DEFAULT_REGION (when \
the profile has a region; otherwise they are removed) and the profile's credentials \
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION) for \
tools that cannot sign in themselves. Needs the function of `sso shell-init` in the shell.

Credentials come as `sso export-credentials --profile PROFILE` gets them (any profile: SSO, \
role_arn chains, web identity, credential_process, static keys); when the login must be signed \
in again, `sso use` signs in first, as `sso login` does. Without PROFILE, a menu lists the \
profiles (type to filter). Menus and messages go to stderr; only shell code goes to stdout, and \
nothing at all when the command fails.

Examples:
  sso use dev                    # profile, region and credentials
  sso use dev --profile-only     # profile and region; removes credential variables
  sso use                        # pick a profile from a menu
  sso use --unset                # remove everything `sso use` sets";

const PROMPT_LONG_ABOUT: &str = "\
Print the profile of this shell (AWS_PROFILE) and the time its credentials have left, e.g. \
`dev 42m`, for a shell prompt. Reads AWS_CREDENTIAL_EXPIRATION, else the SSO token cache; \
never signs in, never locks, never goes to the network. Prints nothing when no profile is set.

Examples:
  PS1='$(sso prompt) \\$ '                         (bash)
  setopt prompt_subst; PROMPT='$(sso prompt) %# '  (zsh)
  [custom.sso]                                     (starship.toml)
  command = \"sso prompt\"
  when = \"test -n \\\"$AWS_PROFILE\\\"\"";

/// `sso shell-init`.
#[derive(Debug, Args)]
pub struct ShellInitArgs {
    /// The shell to write the function for.
    #[arg(value_enum)]
    pub shell: crate::shell::Shell,
}

/// `sso use`.
#[derive(Debug, Args)]
pub struct UseArgs {
    /// The profile to switch to (default: pick one from a menu).
    #[arg(value_name = "PROFILE", add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::profile_candidates))]
    pub profile: Option<String>,

    /// Set only the profile and region, not credentials (and remove credential variables).
    #[arg(long)]
    pub profile_only: bool,

    /// Remove every variable `sso use` sets.
    #[arg(long, conflicts_with_all = ["profile", "profile_only"])]
    pub unset: bool,

    /// The shell to print code for; passed by the function of `sso shell-init`.
    #[arg(long, value_enum, hide = true)]
    pub shell: Option<crate::shell::Shell>,
}

/// `sso configure`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConfigureArgs {
    /// Configure an [sso-session] section only, without a profile.
    #[command(subcommand)]
    pub subcommand: Option<ConfigureSubcommand>,

    /// The wizard's answers given as flags.
    #[command(flatten)]
    pub flags: ConfigureFlags,
}

/// The flags of `sso configure` (and of its `aws` spelling, `sso configure sso`).
#[derive(Debug, Args)]
pub struct ConfigureFlags {
    /// Name of the sso-session to use or create (`''` selects the legacy format without one).
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::session_candidates), long, value_name = "NAME")]
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
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::account_candidates), long, value_name = "ID")]
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

    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// Subcommands of `sso configure`.
#[derive(Debug, Subcommand)]
pub enum ConfigureSubcommand {
    /// Create or update an [sso-session] section; no sign-in happens.
    SsoSession(ConfigureSessionArgs),
    /// The same as `sso configure` (the AWS CLI's spelling, `aws configure sso`).
    Sso(ConfigureFlags),
    /// The same as `sso export-credentials` (the AWS CLI's spelling).
    #[command(long_about = EXPORT_LONG_ABOUT)]
    ExportCredentials(ExportCredentialsArgs),
    /// List the profiles of the config and credentials files, as `aws configure list-profiles`.
    ListProfiles,
    /// Show where each setting of the current profile comes from, as `aws configure list`.
    #[command(long_about = CONFIGURE_LIST_LONG_ABOUT)]
    List(ConfigureListArgs),
    /// Print one setting of a profile or sso-session, as `aws configure get`.
    #[command(long_about = CONFIGURE_GET_LONG_ABOUT)]
    Get(ConfigureGetArgs),
    /// Write one setting of a profile or sso-session, as `aws configure set`.
    #[command(long_about = CONFIGURE_SET_LONG_ABOUT)]
    Set(ConfigureSetArgs),
}

const CONFIGURE_LIST_LONG_ABOUT: &str = "\
Show the current profile, its credentials (masked) and its region, and where each comes from: \
--profile, an environment variable, the config file or the credentials file, in the columns of \
`aws configure list`.

Credentials from a provider (SSO, credential_process) are fetched as `export-credentials` does \
(never opening a browser); when that fails they show as <not set>.";

const CONFIGURE_GET_LONG_ABOUT: &str = "\
Print one setting, as `aws configure get`: the merged value of the current profile (the \
credentials file wins over the config file), or of the sso-session given with --sso-session. \
Exit code 1 and nothing on stdout when it is not set.

KEY is a key of the current profile (`region`), a sub-key (`s3.max_concurrency`), or names the \
profile: `default.region`, `profile.dev.region`, or `dev.region` when `dev` is a profile.

Examples:
  sso configure get region --profile dev
  sso configure get profile.dev.sso_account_id
  sso configure get sso_start_url --sso-session my-sso";

const CONFIGURE_SET_LONG_ABOUT: &str = "\
Write one setting, as `aws configure set`: into the config file's [profile NAME] (or [default]) \
section, or its [sso-session NAME] section with --sso-session. aws_access_key_id, \
aws_secret_access_key and aws_session_token go to the credentials file instead (created 0600). \
Only the edited line changes: comments, blank lines and the order of everything else stay.

KEY is spelled as for `sso configure get` (`region`, `s3.max_concurrency`, `profile.dev.region`, \
`default.region`).

Examples:
  sso configure set region eu-west-1 --profile dev
  sso configure set profile.dev.output json
  sso configure set sso_region us-east-2 --sso-session my-sso";

/// `sso configure get`.
#[derive(Debug, Args)]
pub struct ConfigureGetArgs {
    /// The key, e.g. `region`, `s3.max_concurrency` or `profile.dev.region`.
    #[arg(value_name = "KEY")]
    pub key: String,

    /// Read the [sso-session NAME] section instead of a profile.
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::session_candidates), long, value_name = "NAME")]
    pub sso_session: Option<String>,

    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// `sso configure set`.
#[derive(Debug, Args)]
pub struct ConfigureSetArgs {
    /// The key, e.g. `region`, `s3.max_concurrency` or `profile.dev.region`.
    #[arg(value_name = "KEY")]
    pub key: String,

    /// The value to write.
    #[arg(value_name = "VALUE", allow_hyphen_values = true)]
    pub value: String,

    /// Write into the [sso-session NAME] section instead of a profile.
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::session_candidates), long, value_name = "NAME")]
    pub sso_session: Option<String>,

    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// `sso configure list`.
#[derive(Debug, Args)]
pub struct ConfigureListArgs {
    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// `sso configure sso-session`.
#[derive(Debug, Args)]
pub struct ConfigureSessionArgs {
    /// Name of the sso-session to create or update.
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::session_candidates), long, value_name = "NAME")]
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
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::session_candidates), long, value_name = "NAME")]
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

    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// `sso logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Sign out of this sso-session only (default: every cached token).
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::session_candidates), long, value_name = "NAME")]
    pub sso_session: Option<String>,

    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// `sso export-credentials`.
#[derive(Debug, Args)]
pub struct ExportCredentialsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Process)]
    pub format: ExportFormat,
    /// When you must sign in and another sso process is signing in to this login, wait up to
    /// SECS for it instead of exiting with code 3 (default 0; the config key
    /// `sso_wait_for_login` sets it per sso-session or profile).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub wait_for_login: Option<u64>,

    /// Write the credentials into the section named NAME in ~/.aws/credentials instead of printing
    /// them (default NAME: the profile's).
    ///
    /// Only the three key lines of that section change; the file is written atomically and
    /// left readable by you alone (0600). For tools and containers that read only that file.
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "",
          conflicts_with = "format")]
    pub credentials_file: Option<String>,

    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
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
    /// `--profile`, also after `accounts` or `roles`.
    #[command(flatten)]
    pub profile: SubcommandsProfileArg,

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
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::session_candidates), long, value_name = "NAME")]
    pub sso_session: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,
}

/// `sso list roles`.
#[derive(Debug, Args)]
pub struct ListRolesArgs {
    /// Only this account (default: every account you can use).
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::account_candidates), long, value_name = "ID")]
    pub account_id: Option<String>,

    /// Use this sso-session's token instead of the profile's.
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::session_candidates), long, value_name = "NAME")]
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

    /// Ask the SSO portal whether each cached token is still accepted (one call per login,
    /// all at once); without it nothing is sent and the token column says what the file says.
    #[arg(long)]
    pub check: bool,
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
    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Serve the credentials on 127.0.0.1 while the command runs and pass
    /// AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN instead of keys.
    #[arg(long)]
    pub server: bool,

    /// The command to run and its arguments, after `--`.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

/// `sso whoami`.
#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub output: StatusFormat,

    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// `sso populate`.
#[derive(Debug, Args)]
pub struct PopulateArgs {
    /// The sso-session whose accounts and roles become profiles.
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::commands::completions::session_candidates), long, value_name = "NAME")]
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

    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// `sso console`.
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Console page to open after signing in (default: the console home of the region).
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,

    /// Open this service's console page, e.g. `s3`, `ec2`, `cloudformation`.
    #[arg(long, value_name = "SERVICE", conflicts_with = "destination")]
    pub service: Option<String>,

    /// The region the console opens in (default: AWS_REGION, the profile's region, the SSO
    /// region).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// The browser command to open the URL with (the URL is its last argument); default: the
    /// profile's `sso_console_browser`, else BROWSER, else the system's opener.
    #[arg(long, value_name = "CMD")]
    pub browser: Option<String>,

    /// Open in a Firefox container named after the profile (needs Firefox's "Open external
    /// links in a container" extension; the browser defaults to `firefox`).
    #[arg(long)]
    pub firefox_container: bool,

    /// Print the sign-in URL to stdout instead of opening a browser.
    ///
    /// Anyone who opens the URL within 15 minutes is signed in as the role: do not share it.
    #[arg(long, visible_alias = "no-browser")]
    pub print: bool,

    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// `sso serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port on 127.0.0.1 (0: a free port chosen by the system).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub port: u16,

    /// `--profile`.
    #[command(flatten)]
    pub profile: ProfileArg,
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
    fn every_exit_code_is_in_the_help() {
        let help = Cli::command().render_long_help().to_string();
        for (code, meaning) in crate::error::exit_code::TABLE {
            assert!(
                help.contains(&format!("{code:<4} {meaning}")),
                "exit code {code} is not in `sso --help`"
            );
        }
    }
}
