//! `CliError`, the one user-facing error path, and the documented exit codes.
//!
//! Every failure the outside world can cause (a bad config file, an expired login, the network,
//! a refusing server, a broken cache, a wrong flag, Ctrl-C) is a variant here, with a help line
//! saying what to run next and an exit code from [`exit_code`].
//! Anything else is a bug and says so ([`CliError::Bug`]).
//! The libraries never see miette: the wiring layer converts their errors into these variants.

use std::io;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

/// Exit codes of `sso`, documented in `sso --help` (from [`exit_code::TABLE`]) and
/// docs/user-guide.md. 0, 1, 2, 3 and 130 never change meaning; the others are stable too.
pub(crate) mod exit_code {
    /// Success.
    pub(crate) const OK: u8 = 0;
    /// A failure not covered by a more specific code.
    pub(crate) const FAILURE: u8 = 1;
    /// The command line was wrong (clap uses 2 for its own errors too), or a question must be
    /// answered and cannot be asked.
    pub(crate) const USAGE: u8 = 2;
    /// A login is required: no valid token, it expired and could not be refreshed, or the server
    /// no longer accepts it.
    pub(crate) const LOGIN_REQUIRED: u8 = 3;
    /// Denied: the sign-in request was denied (by the user or the server), or the server refused
    /// access to an account or role.
    pub(crate) const DENIED: u8 = 4;
    /// Timed out waiting for the user: the sign-in was not completed in time.
    pub(crate) const TIMED_OUT: u8 = 5;
    /// A configuration problem: a syntax error, an unknown profile or sso-session, a missing or
    /// invalid setting in the config or credentials file (or the environment).
    pub(crate) const CONFIG: u8 = 6;
    /// A network problem: a server could not be reached or did not answer.
    pub(crate) const NETWORK: u8 = 7;
    /// `sso exec`: the command was found but cannot be executed (as shells report it).
    pub(crate) const CANNOT_EXECUTE: u8 = 126;
    /// `sso exec`: the command was not found (as shells report it).
    pub(crate) const NOT_FOUND: u8 = 127;
    /// Interrupted or cancelled by the user (128 + SIGINT, as shells report it).
    pub(crate) const INTERRUPTED: u8 = 130;

    /// Every code with its meaning, in the words of `sso --help` and the user guide.
    pub(crate) const TABLE: &[(u8, &str)] = &[
        (OK, "success"),
        (
            FAILURE,
            "failure not covered below (server error, cache, file access, ...)",
        ),
        (
            USAGE,
            "usage error: bad or missing flags, or a question with no terminal",
        ),
        (
            LOGIN_REQUIRED,
            "login required: no valid token, or the server rejects it; run `sso login`",
        ),
        (
            DENIED,
            "denied: the sign-in was denied, or access to the account or role was refused",
        ),
        (
            TIMED_OUT,
            "timed out: the sign-in was not completed in time",
        ),
        (
            CONFIG,
            "configuration problem: syntax error, unknown profile or sso-session, bad setting",
        ),
        (
            NETWORK,
            "network problem: a server could not be reached (DNS, proxy, TLS, timeout)",
        ),
        (CANNOT_EXECUTE, "sso exec: the command cannot be executed"),
        (NOT_FOUND, "sso exec: the command was not found"),
        (
            INTERRUPTED,
            "interrupted or cancelled (Ctrl-C, or Esc in a menu)",
        ),
    ];

    /// The exit-code section of `sso --help`, built from [`TABLE`].
    pub(crate) fn help_text() -> String {
        let mut out = String::from("Exit codes:\n");
        for (code, meaning) in TABLE {
            out.push_str(&format!("  {code:<4} {meaning}\n"));
        }
        out.push_str("  (sso exec passes the command's own exit code on)\n");
        out
    }
}

/// A cause kept as a boxed error so that its chain is rendered.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a login applies to, rendered as the flags to pass to `sso login`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginTarget {
    /// An `[sso-session NAME]` section.
    Session(String),
    /// A profile, for legacy profiles without an sso-session.
    Profile(String),
}

impl std::fmt::Display for LoginTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Session(name) => write!(f, "--sso-session {}", shell_word(name)),
            Self::Profile(name) => write!(f, "--profile {}", shell_word(name)),
        }
    }
}

/// Quotes a word for a POSIX shell when it needs it, so help lines can be pasted.
pub(crate) fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@+=,".contains(c));
    if plain {
        word.to_owned()
    } else {
        crate::shell::quote_posix(word)
    }
}

/// A problem at a known place in the config or credentials file, rendered with the source
/// around it; build it with [`CliError::config`].
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{path}:{line}:{column}: {message}")]
#[diagnostic(code(sso::config))]
pub struct ConfigError {
    /// The file, as shown to the user.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, a lowercase fragment.
    pub message: String,
    /// The file text, rendered around the span.
    #[source_code]
    pub source_code: NamedSource<String>,
    /// The offending bytes.
    #[label("{label}")]
    pub span: SourceSpan,
    /// The label under the span.
    pub label: String,
    /// What to do.
    #[help]
    pub help: String,
}

/// Every failure `sso` reports to the user.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum CliError {
    /// The config or credentials file has a problem at a known place.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<ConfigError>),

    /// The profile does not exist.
    #[error("profile `{profile}` was not found in {path}")]
    #[diagnostic(
        code(sso::profile_not_found),
        help(
            "run `sso configure --profile {}` to create it, or check --profile and AWS_PROFILE",
            shell_word(profile)
        )
    )]
    ProfileNotFound {
        /// The profile asked for.
        profile: String,
        /// The config file searched.
        path: String,
    },

    /// A setting that the command needs is not configured.
    #[error("missing required configuration: `{key}` in {section}")]
    #[diagnostic(code(sso::missing_setting), help("{help}"))]
    MissingSetting {
        /// The section, e.g. `[profile dev]`.
        section: String,
        /// The key, e.g. `sso_region`.
        key: String,
        /// What to do, e.g. "run `sso configure --profile dev`".
        help: String,
    },

    /// There is no cached token, or it cannot be used.
    #[error("you are not logged in for `{target}`")]
    #[diagnostic(code(sso::login_required), help("run `sso login {target}`"))]
    LoginRequired {
        /// What to log in to.
        target: LoginTarget,
    },

    /// The cached token expired and cannot be refreshed (no refresh token).
    #[error("the login for `{target}` expired at {expired_at}")]
    #[diagnostic(code(sso::token_expired), help("run `sso login {target}`"))]
    TokenExpired {
        /// What to log in to.
        target: LoginTarget,
        /// When it expired, as printed.
        expired_at: String,
    },

    /// Refreshing the token failed; a new login is needed.
    #[error("could not refresh the login for `{target}`")]
    #[diagnostic(code(sso::refresh_failed), help("run `sso login {target}`"))]
    RefreshFailed {
        /// What to log in to.
        target: LoginTarget,
        /// Why the refresh failed.
        #[source]
        source: BoxError,
    },

    /// A request could not be sent or no answer came back.
    #[error("could not reach {endpoint}")]
    #[diagnostic(
        code(sso::network),
        help(
            "check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY, AWS_CA_BUNDLE), then try again"
        )
    )]
    Network {
        /// The endpoint or operation, e.g. `oidc.us-east-1.amazonaws.com`.
        endpoint: String,
        /// The transport failure.
        #[source]
        source: BoxError,
    },

    /// The server answered with an error.
    #[error("{operation} was refused: {code}: {message}")]
    #[diagnostic(code(sso::server_refused), help("{help}"))]
    ServerRefused {
        /// The operation, e.g. `CreateToken`.
        operation: String,
        /// The error code the server sent, e.g. `invalid_grant`.
        code: String,
        /// The server's description.
        message: String,
        /// What to do.
        help: String,
    },

    /// A cache file or directory could not be read or written.
    #[error("cannot access the cache at {}", path.display())]
    #[diagnostic(
        code(sso::cache_permissions),
        help(
            "the cache directory must belong to you (mode 0700, files 0600); fix its ownership or remove it"
        )
    )]
    CachePermissions {
        /// The file or directory.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: io::Error,
    },

    /// A cache file is not in the expected format.
    #[error("the cache file {} is corrupt: {detail}", path.display())]
    #[diagnostic(
        code(sso::cache_corrupt),
        help("delete it and run `sso login {target}`")
    )]
    CacheCorrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
        /// What to log in to afterwards.
        target: LoginTarget,
    },

    /// The configuration (files or environment) is wrong where no place in a file can be shown.
    #[error("{message}")]
    #[diagnostic(code(sso::config))]
    BadConfig {
        /// What is wrong.
        message: String,
        /// What to do.
        #[help]
        help: Option<String>,
    },

    /// The user or the server denied the sign-in, or the server refused access.
    #[error("{message}")]
    #[diagnostic(code(sso::denied), help("{help}"))]
    Denied {
        /// What was denied.
        message: String,
        /// What to do.
        help: String,
    },

    /// Waiting for the user to finish something (the sign-in) took too long.
    #[error("{message}")]
    #[diagnostic(code(sso::timed_out), help("{help}"))]
    TimedOut {
        /// What timed out.
        message: String,
        /// What to do.
        help: String,
    },

    /// Something failed that is neither the user's input nor the network (a listener, a
    /// callback from another sign-in, ...).
    #[error("{message}")]
    #[diagnostic(code(sso::failed))]
    Failed {
        /// What failed.
        message: String,
        /// What to do.
        #[help]
        help: Option<String>,
    },

    /// `sso exec`: the command does not exist.
    #[error("command not found: {program}")]
    #[diagnostic(
        code(sso::command_not_found),
        help("check the spelling and PATH, or give the command's full path")
    )]
    CommandNotFound {
        /// The command as given.
        program: String,
    },

    /// `sso exec`: the command exists but cannot be run.
    #[error("cannot execute {program}")]
    #[diagnostic(
        code(sso::command_not_executable),
        help("check that it is a program or script you may execute (chmod +x)")
    )]
    CommandNotExecutable {
        /// The command as given.
        program: String,
        /// Why it cannot be run.
        #[source]
        source: io::Error,
    },

    /// A flag or argument is wrong in a way clap cannot check.
    #[error("{message}")]
    #[diagnostic(code(sso::usage))]
    Usage {
        /// What is wrong.
        message: String,
        /// What to do instead.
        #[help]
        help: Option<String>,
    },

    /// `--non-interactive` was given but answers are missing.
    #[error("--non-interactive: missing {}", flags.join(", "))]
    #[diagnostic(
        code(sso::missing_flags),
        help("pass the missing flags, or run without --non-interactive to be asked")
    )]
    MissingFlags {
        /// The flags, e.g. `--sso-start-url`.
        flags: Vec<String>,
    },

    /// A question must be asked but there is no terminal to ask it on.
    #[error("cannot ask for {what}: standard input is not a terminal")]
    #[diagnostic(
        code(sso::no_terminal),
        help("give the answer as a flag ({flag}), or run the command in a terminal")
    )]
    NoTerminal {
        /// What would have been asked.
        what: String,
        /// The flag that answers it.
        flag: String,
    },

    /// The identity center returned no accounts.
    #[error("no AWS accounts are available to you")]
    #[diagnostic(
        code(sso::no_accounts),
        help("ask your administrator to assign you to an account")
    )]
    NoAccounts,

    /// The identity center returned no roles for an account.
    #[error("no roles are available for the account {account_id}")]
    #[diagnostic(
        code(sso::no_roles),
        help("ask your administrator to assign you a permission set in this account")
    )]
    NoRoles {
        /// The account.
        account_id: String,
    },

    /// A bulk command finished, but part of it failed; what succeeded was kept.
    #[error("{summary}")]
    #[diagnostic(code(sso::incomplete), help("{help}"))]
    Incomplete {
        /// What failed, e.g. "could not list the roles of 2 accounts".
        summary: String,
        /// What to do.
        help: String,
    },

    /// The user pressed Ctrl-C while `sso` waited (for a sign-in, the network, ...).
    #[error("interrupted")]
    #[diagnostic(code(sso::interrupted))]
    Interrupted,

    /// The user pressed Esc or Ctrl-C in a menu or at a question.
    #[error("cancelled")]
    #[diagnostic(code(sso::cancelled))]
    Cancelled,

    /// Writing to standard output failed (a broken pipe exits quietly with 0).
    #[error("cannot write to standard output")]
    #[diagnostic(code(sso::stdout))]
    Stdout {
        /// The IO error.
        #[source]
        source: io::Error,
    },

    /// The terminal could not be read or written.
    #[error("terminal error while {doing}")]
    #[diagnostic(code(sso::terminal))]
    Terminal {
        /// What was going on, e.g. `reading an answer`.
        doing: &'static str,
        /// The IO error.
        #[source]
        source: io::Error,
    },

    /// A file other than the cache could not be read or written.
    #[error("cannot {action} {}", path.display())]
    #[diagnostic(
        code(sso::io),
        help("check that the file exists and that you may access it")
    )]
    File {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: io::Error,
    },

    /// A credential value holds characters that real credentials never have, so it was not
    /// printed where a shell could evaluate it.
    #[error(transparent)]
    #[diagnostic(
        code(sso::unsafe_credentials),
        help(
            "the value came from a cached file in ~/.aws/cli/cache or from the server; run `sso logout` and sign in again, and report it if it persists"
        )
    )]
    UnsafeCredentials(#[from] crate::export::UnsafeValue),

    /// Something that should not happen did.
    #[error("internal error: {message}")]
    #[diagnostic(
        code(sso::bug),
        help(
            "this is a bug in sso; please report it with the output of the same command run with --debug"
        )
    )]
    Bug {
        /// What went wrong.
        message: String,
    },
}

impl CliError {
    /// Builds a [`CliError::Config`] from a file's text and the byte range of the problem.
    ///
    /// The line and column are computed from `span` (1-based, columns in characters).
    /// A span past the end of `text` is clamped to its end.
    pub fn config(
        path: &Path,
        text: String,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        let start = floor_char_boundary(&text, span.start.min(text.len()));
        let end = floor_char_boundary(&text, span.end.clamp(start, text.len()));
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..start].chars().count() + 1;
        let shown = path.display().to_string();
        // Control characters in the file must not reach the terminal; same-length
        // replacement keeps the span valid.
        let text = match crate::term::printable_same_length(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(clean) => clean,
        };
        Self::Config(Box::new(ConfigError {
            path: shown.clone(),
            line,
            column,
            message: message.into(),
            source_code: NamedSource::new(shown, text),
            span: SourceSpan::from(start..end),
            label: label.into(),
            help: help.into(),
        }))
    }

    /// The documented exit code for this error (the one table: [`exit_code::TABLE`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::LoginRequired { .. } | Self::TokenExpired { .. } | Self::RefreshFailed { .. } => {
                exit_code::LOGIN_REQUIRED
            }
            Self::Usage { .. } | Self::MissingFlags { .. } | Self::NoTerminal { .. } => {
                exit_code::USAGE
            }
            Self::Denied { .. } => exit_code::DENIED,
            Self::TimedOut { .. } => exit_code::TIMED_OUT,
            Self::Config(_)
            | Self::BadConfig { .. }
            | Self::ProfileNotFound { .. }
            | Self::MissingSetting { .. } => exit_code::CONFIG,
            Self::Network { .. } => exit_code::NETWORK,
            Self::CommandNotFound { .. } => exit_code::NOT_FOUND,
            Self::CommandNotExecutable { .. } => exit_code::CANNOT_EXECUTE,
            Self::Interrupted | Self::Cancelled => exit_code::INTERRUPTED,
            Self::Stdout { source } if source.kind() == io::ErrorKind::BrokenPipe => exit_code::OK,
            Self::ServerRefused { .. }
            | Self::CachePermissions { .. }
            | Self::CacheCorrupt { .. }
            | Self::NoAccounts
            | Self::NoRoles { .. }
            | Self::Incomplete { .. }
            | Self::Failed { .. }
            | Self::Stdout { .. }
            | Self::Terminal { .. }
            | Self::File { .. }
            | Self::UnsafeCredentials(_)
            | Self::Bug { .. } => exit_code::FAILURE,
        }
    }

    /// Whether the error is a closed stdout (`sso ... | head`), which exits quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Stdout { source } if source.kind() == io::ErrorKind::BrokenPipe)
    }

    /// Wraps an error from writing to stdout.
    pub fn stdout(source: io::Error) -> Self {
        Self::Stdout { source }
    }
}

/// Renders an error the way `sso` prints it on stderr, with or without colours: the message,
/// where (the file around the problem), its causes and what to do next. The internal code
/// (`sso::login_required`, ...) is shown only with `debug` (`--debug`).
///
/// Messages, help, labels and causes often carry text from outside (a server's error message,
/// a callback's `error_description`), so they are passed through [`crate::term::printable`]
/// before miette adds its own styling. A cancel or an interrupt is one short line.
pub(crate) fn render(error: &CliError, color: bool, debug: bool) -> String {
    if matches!(error, CliError::Cancelled | CliError::Interrupted) && !debug {
        return format!("{error}\n");
    }
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let shown = Shown::new(error, debug);
    let mut out = String::new();
    if handler.render_report(&mut out, &shown).is_err() {
        // The handler only fails on a formatter error; fall back to the plain message.
        out = format!("error: {}\n", shown.message);
    }
    out
}

/// A [`CliError`] as it is shown: its texts through [`crate::term::printable`], its source
/// snippet and spans as they are, its internal code only when `debug`.
#[derive(Debug)]
struct Shown<'a> {
    error: &'a CliError,
    debug: bool,
    message: String,
    help: Option<String>,
    cause: Option<Box<Cause>>,
}

/// One link of the cause chain, printable.
#[derive(Debug)]
struct Cause {
    message: String,
    source: Option<Box<Self>>,
}

fn printable(text: impl std::fmt::Display) -> String {
    crate::term::printable(&text.to_string()).into_owned()
}

impl<'a> Shown<'a> {
    fn new(error: &'a CliError, debug: bool) -> Self {
        let mut causes = Vec::new();
        let mut next = std::error::Error::source(error);
        while let Some(cause) = next {
            causes.push(printable(cause));
            next = cause.source();
        }
        let cause = causes.into_iter().rev().fold(None, |source, message| {
            Some(Box::new(Cause { message, source }))
        });
        Self {
            error,
            debug,
            message: printable(error),
            help: error.help().map(printable),
            cause,
        }
    }
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|cause| cause as _)
    }
}

impl Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        if self.debug { self.error.code() } else { None }
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.error.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.error.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let labels = self.error.labels()?.map(|label| {
            let text = label.label().map(printable);
            if label.primary() {
                miette::LabeledSpan::new_primary_with_span(text, *label.inner())
            } else {
                miette::LabeledSpan::new_with_span(text, *label.inner())
            }
        });
        Some(Box::new(labels))
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|cause| cause as _)
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_point_at_line_and_column() {
        let text = "[profile dev]\nsso_session = my-sso\nsso_region = \n".to_owned();
        let start = text.find("sso_region").unwrap();
        let error = CliError::config(
            Path::new("/home/me/.aws/config"),
            text,
            start..start + 10,
            "sso_region has no value",
            "empty value",
            "run `sso configure --profile dev`",
        );
        insta::assert_snapshot!(render(&error, false, false), @r"
          × /home/me/.aws/config:3:1: sso_region has no value
           ╭─[/home/me/.aws/config:3:1]
         2 │ sso_session = my-sso
         3 │ sso_region = 
           · ─────┬────
           ·      ╰── empty value
           ╰────
          help: run `sso configure --profile dev`
        ");
        assert_eq!(error.exit_code(), exit_code::CONFIG);
    }

    #[test]
    fn login_errors_say_what_to_run() {
        let error = CliError::LoginRequired {
            target: LoginTarget::Session("my sso".to_owned()),
        };
        insta::assert_snapshot!(render(&error, false, false), @r"
          × you are not logged in for `--sso-session 'my sso'`
          help: run `sso login --sso-session 'my sso'`
        ");
        assert_eq!(error.exit_code(), exit_code::LOGIN_REQUIRED);
    }

    #[test]
    fn causes_are_rendered() {
        let error = CliError::RefreshFailed {
            target: LoginTarget::Profile("dev".to_owned()),
            source: "invalid_grant: the refresh token expired".into(),
        };
        let out = render(&error, false, false);
        assert!(
            out.contains("invalid_grant: the refresh token expired"),
            "{out}"
        );
        assert!(out.contains("run `sso login --profile dev`"), "{out}");
    }

    /// One error of every variant. The exhaustive match in [`variant_index`] makes a new
    /// variant a compile error here until it is added, and the test below fails until a sample
    /// of it is added: no variant can go without a code from the table.
    fn samples() -> Vec<CliError> {
        let io = || io::Error::from(io::ErrorKind::PermissionDenied);
        let target = || LoginTarget::Session("s".to_owned());
        vec![
            CliError::config(Path::new("c"), "x".to_owned(), 0..1, "m", "l", "h"),
            CliError::ProfileNotFound {
                profile: "p".to_owned(),
                path: "c".to_owned(),
            },
            CliError::MissingSetting {
                section: "[profile p]".to_owned(),
                key: "k".to_owned(),
                help: "h".to_owned(),
            },
            CliError::LoginRequired { target: target() },
            CliError::TokenExpired {
                target: target(),
                expired_at: "t".to_owned(),
            },
            CliError::RefreshFailed {
                target: target(),
                source: "e".into(),
            },
            CliError::Network {
                endpoint: "e".to_owned(),
                source: "e".into(),
            },
            CliError::ServerRefused {
                operation: "o".to_owned(),
                code: "c".to_owned(),
                message: "m".to_owned(),
                help: "h".to_owned(),
            },
            CliError::CachePermissions {
                path: "p".into(),
                source: io(),
            },
            CliError::CacheCorrupt {
                path: "p".into(),
                detail: "d".to_owned(),
                target: target(),
            },
            CliError::BadConfig {
                message: "m".to_owned(),
                help: None,
            },
            CliError::Denied {
                message: "m".to_owned(),
                help: "h".to_owned(),
            },
            CliError::TimedOut {
                message: "m".to_owned(),
                help: "h".to_owned(),
            },
            CliError::Failed {
                message: "m".to_owned(),
                help: None,
            },
            CliError::CommandNotFound {
                program: "p".to_owned(),
            },
            CliError::CommandNotExecutable {
                program: "p".to_owned(),
                source: io(),
            },
            CliError::Usage {
                message: "m".to_owned(),
                help: None,
            },
            CliError::MissingFlags { flags: vec![] },
            CliError::NoTerminal {
                what: "w".to_owned(),
                flag: "f".to_owned(),
            },
            CliError::NoAccounts,
            CliError::NoRoles {
                account_id: "a".to_owned(),
            },
            CliError::Incomplete {
                summary: "s".to_owned(),
                help: "h".to_owned(),
            },
            CliError::Interrupted,
            CliError::Cancelled,
            CliError::Stdout { source: io() },
            CliError::Terminal {
                doing: "d",
                source: io(),
            },
            CliError::File {
                action: "read",
                path: "p".into(),
                source: io(),
            },
            CliError::UnsafeCredentials(crate::export::UnsafeValue {
                variable: "AWS_SESSION_TOKEN",
            }),
            CliError::Bug {
                message: "m".to_owned(),
            },
        ]
    }

    /// The position of a variant; exhaustive, without a wildcard, on purpose.
    fn variant_index(error: &CliError) -> usize {
        match error {
            CliError::Config(_) => 0,
            CliError::ProfileNotFound { .. } => 1,
            CliError::MissingSetting { .. } => 2,
            CliError::LoginRequired { .. } => 3,
            CliError::TokenExpired { .. } => 4,
            CliError::RefreshFailed { .. } => 5,
            CliError::Network { .. } => 6,
            CliError::ServerRefused { .. } => 7,
            CliError::CachePermissions { .. } => 8,
            CliError::CacheCorrupt { .. } => 9,
            CliError::BadConfig { .. } => 10,
            CliError::Denied { .. } => 11,
            CliError::TimedOut { .. } => 12,
            CliError::Failed { .. } => 13,
            CliError::CommandNotFound { .. } => 14,
            CliError::CommandNotExecutable { .. } => 15,
            CliError::Usage { .. } => 16,
            CliError::MissingFlags { .. } => 17,
            CliError::NoTerminal { .. } => 18,
            CliError::NoAccounts => 19,
            CliError::NoRoles { .. } => 20,
            CliError::Incomplete { .. } => 21,
            CliError::Interrupted => 22,
            CliError::Cancelled => 23,
            CliError::Stdout { .. } => 24,
            CliError::Terminal { .. } => 25,
            CliError::File { .. } => 26,
            CliError::Bug { .. } => 27,
            CliError::UnsafeCredentials(_) => 28,
        }
    }

    #[test]
    fn every_variant_maps_to_a_documented_code() {
        let samples = samples();
        let mut indices: Vec<usize> = samples.iter().map(variant_index).collect();
        indices.sort_unstable();
        indices.dedup();
        let expected: Vec<usize> = (0..indices.len()).collect();
        assert_eq!(indices, expected, "a variant has no sample");
        assert_eq!(indices.len(), samples.len(), "a variant has two samples");
        let documented: Vec<u8> = exit_code::TABLE.iter().map(|(code, _)| *code).collect();
        for error in &samples {
            let code = error.exit_code();
            assert!(
                documented.contains(&code),
                "{error:?} exits {code}, which the table does not document"
            );
            assert_ne!(code, exit_code::OK, "{error:?} exits 0");
        }
    }

    #[test]
    fn exit_codes_follow_the_documented_table() {
        let code_of = |name: &str| {
            samples()
                .into_iter()
                .find(|e| format!("{e:?}").starts_with(name))
                .map(|e| e.exit_code())
        };
        assert_eq!(code_of("Interrupted"), Some(130));
        assert_eq!(code_of("Cancelled"), Some(130));
        assert_eq!(code_of("MissingFlags"), Some(2));
        assert_eq!(code_of("Usage"), Some(2));
        assert_eq!(code_of("LoginRequired"), Some(3));
        assert_eq!(code_of("Denied"), Some(exit_code::DENIED));
        assert_eq!(code_of("TimedOut"), Some(exit_code::TIMED_OUT));
        assert_eq!(code_of("Config"), Some(exit_code::CONFIG));
        assert_eq!(code_of("ProfileNotFound"), Some(exit_code::CONFIG));
        assert_eq!(code_of("Network"), Some(exit_code::NETWORK));
        assert_eq!(code_of("CommandNotFound"), Some(127));
        assert_eq!(code_of("CommandNotExecutable"), Some(126));
        let pipe = CliError::stdout(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(pipe.is_broken_pipe());
        assert_eq!(pipe.exit_code(), 0);
        let other = CliError::stdout(io::Error::from(io::ErrorKind::PermissionDenied));
        assert_eq!(other.exit_code(), 1);
        let mut codes: Vec<u8> = exit_code::TABLE.iter().map(|(code, _)| *code).collect();
        let count = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), count, "a code is listed twice");
    }

    #[test]
    fn internal_codes_only_with_debug() {
        let error = CliError::Usage {
            message: "bad".to_owned(),
            help: Some("do this".to_owned()),
        };
        assert!(!render(&error, false, false).contains("sso::usage"));
        assert!(render(&error, false, true).contains("sso::usage"));
        assert_eq!(render(&CliError::Cancelled, false, false), "cancelled\n");
    }

    #[test]
    fn text_from_servers_reaches_the_terminal_without_control_characters() {
        let hostile = "ForbiddenException: \u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}cleared\u{9b}31m\r";
        let error = CliError::ServerRefused {
            operation: "GetRoleCredentials".to_owned(),
            code: "ForbiddenException".to_owned(),
            message: hostile.to_owned(),
            help: format!("the server said {hostile}"),
        };
        let nested = CliError::RefreshFailed {
            target: LoginTarget::Profile("dev".to_owned()),
            source: hostile.into(),
        };
        for error in [error, nested] {
            for color in [false, true] {
                let out = render(&error, color, false);
                assert!(out.contains("cleared"), "{out}");
                assert!(!out.contains("52;c"), "{out:?}");
                let controls: Vec<char> = out
                    .chars()
                    .filter(|c| c.is_control() && *c != '\n')
                    .collect();
                if color {
                    // Only miette's own styling: SGR sequences.
                    assert!(!out.contains("\u{1b}]") && !out.contains("[2J"), "{out:?}");
                } else {
                    assert!(controls.is_empty(), "{out:?}");
                }
            }
        }
    }

    #[test]
    fn config_snippets_are_shown_without_control_characters() {
        let text = "[profile dev]\nsso_region = \u{1b}[2J\u{1b}]52;c;x\u{7}\n".to_owned();
        let start = text.find("sso_region").unwrap();
        let error = CliError::config(
            Path::new("config"),
            text,
            start..start + 10,
            "bad",
            "here",
            "fix it",
        );
        let out = render(&error, false, false);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    }

    #[test]
    fn colour_is_only_used_when_asked() {
        let error = CliError::NoAccounts;
        assert!(!render(&error, false, false).contains('\u{1b}'));
        assert!(render(&error, true, false).contains('\u{1b}'));
    }
}
