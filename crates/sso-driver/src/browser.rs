//! Opening a URL in the user's browser, without blocking and without deciding what to print.
//!
//! The command is chosen by a pure function, [`browser_commands`], from the URL, `$BROWSER` and
//! the [`Platform`]: `$BROWSER` first (split on `:` like Python's `webbrowser`, which the AWS CLI
//! uses, with `%s` replaced by the URL), then `wslview` in WSL, `xdg-open` on Linux, `open` on
//! macOS, `cmd /c start` on Windows (protocol.md §2.8).
//! [`open_url`] tries the candidates in order, each detached with stdio null: one that cannot
//! be started, or that exits with a failure status within [`EXIT_GRACE`] (`BROWSER=/bin/false`,
//! `xdg-open` without a desktop), is skipped; one that exits successfully or is still running
//! then (a browser that stays in the foreground) counts as opened. When none opens, the
//! [`BrowserError`] says what happened to each, so the caller can say so at once and fall back.

use std::ffi::OsString;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::env::Env;

/// The operating system families that open URLs differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Platform {
    /// Linux, possibly under the Windows Subsystem for Linux.
    Linux {
        /// Whether the kernel is WSL's (see [`is_wsl`]).
        wsl: bool,
    },
    /// macOS.
    MacOs,
    /// Windows.
    Windows,
    /// Any other Unix (the BSDs): `xdg-open` is the best guess.
    OtherUnix,
}

impl Platform {
    /// The platform this process runs on; on Linux it reads `/proc/sys/kernel/osrelease`.
    pub(crate) fn current() -> Self {
        if cfg!(target_os = "macos") {
            Self::MacOs
        } else if cfg!(windows) {
            Self::Windows
        } else if cfg!(target_os = "linux") {
            let osrelease =
                std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
            Self::Linux {
                wsl: is_wsl(&osrelease),
            }
        } else {
            Self::OtherUnix
        }
    }
}

/// Whether the contents of `/proc/sys/kernel/osrelease` name a WSL kernel.
///
/// WSL 1 reports e.g. `4.4.0-19041-Microsoft`, WSL 2 `5.15.90.1-microsoft-standard-WSL2`.
pub(crate) fn is_wsl(osrelease: &str) -> bool {
    osrelease.to_ascii_lowercase().contains("microsoft")
}

/// One way to open the URL: a program and its arguments, the URL already substituted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BrowserCommand {
    /// The program, looked up in `PATH` unless it contains a path separator.
    pub program: String,
    /// The arguments.
    pub args: Vec<String>,
}

/// The commands to try in order to open `url`.
///
/// `browser_var` is `$BROWSER`: a list separated by `:` (`;` on Windows) of commands, each
/// split into words like a shell would (quotes respected, no expansion); `%s` in a word is
/// replaced by the URL, and without any `%s` the URL becomes the last argument. The platform's
/// opener follows, so a stale `$BROWSER` entry does not prevent opening.
pub(crate) fn browser_commands(
    url: &str,
    browser_var: Option<&str>,
    platform: Platform,
) -> Vec<BrowserCommand> {
    let mut commands = Vec::new();
    let separator = if platform == Platform::Windows {
        ';'
    } else {
        ':'
    };
    for entry in browser_var.unwrap_or_default().split(separator) {
        let mut words = split_words(entry, platform != Platform::Windows);
        if words.is_empty() {
            continue;
        }
        if words.iter().any(|word| word.contains("%s")) {
            for word in &mut words {
                *word = word.replace("%s", url);
            }
        } else {
            words.push(url.to_owned());
        }
        let program = words.remove(0);
        commands.push(BrowserCommand {
            program,
            args: words,
        });
    }
    let opener = |program: &str, args: &[&str]| BrowserCommand {
        program: program.to_owned(),
        args: args.iter().map(|arg| (*arg).to_owned()).collect(),
    };
    match platform {
        Platform::Linux { wsl: true } => {
            commands.push(opener("wslview", &[url]));
            commands.push(opener("xdg-open", &[url]));
        }
        Platform::Linux { wsl: false } | Platform::OtherUnix => {
            commands.push(opener("xdg-open", &[url]))
        }
        Platform::MacOs => commands.push(opener("open", &[url])),
        Platform::Windows => {
            // `start` runs inside cmd, where `&`, `|`, `<`, `>`, `^`, `(`, `)` and `%` are
            // special; an authorize URL always contains `&`. The empty title keeps `start` from
            // taking a quoted URL for the window title.
            commands.push(opener("cmd", &["/c", "start", "", &escape_for_cmd(url)]));
        }
    }
    commands
}

/// How long an opener may take to fail before it counts as opened: `xdg-open`, `open`,
/// `wslview` and `cmd /c start` hand the URL over and exit within it; a browser started directly
/// through `BROWSER` stays running.
pub(crate) const EXIT_GRACE: Duration = Duration::from_secs(1);

/// No browser could be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// Every candidate command failed to start or exited with a failure status.
    #[error("no browser could be opened ({})", describe_attempts(.attempts))]
    NotOpened {
        /// What happened to each command tried, in order.
        attempts: Vec<FailedAttempt>,
    },
}

/// One command that did not open a browser.
#[derive(Debug)]
#[non_exhaustive]
pub struct FailedAttempt {
    /// The program that was tried.
    pub program: String,
    /// Why it did not open one.
    pub failure: AttemptFailure,
}

/// Why a command did not open a browser.
#[derive(Debug)]
#[non_exhaustive]
pub enum AttemptFailure {
    /// It could not be started (not found, not executable).
    Spawn(std::io::Error),
    /// It exited with a failure status right after it started.
    Exited(ExitStatus),
}

fn describe_attempts(attempts: &[FailedAttempt]) -> String {
    if attempts.is_empty() {
        return "no command to try".to_owned();
    }
    let described: Vec<String> = attempts
        .iter()
        .map(|attempt| match &attempt.failure {
            AttemptFailure::Spawn(error) if error.kind() == std::io::ErrorKind::NotFound => {
                format!("`{}` was not found", attempt.program)
            }
            AttemptFailure::Spawn(error) => {
                format!("`{}` could not be started: {error}", attempt.program)
            }
            AttemptFailure::Exited(status) => match status.code() {
                Some(code) => format!("`{}` exited with status {code}", attempt.program),
                None => format!("`{}` was killed ({status})", attempt.program),
            },
        })
        .collect();
    described.join("; ")
}

/// Opens `url` with the first command from [`browser_commands`] that opens it (see the module
/// documentation); returns that command.
///
/// Blocks for at most [`EXIT_GRACE`] per command tried. A command that opened is left running
/// in its own process group, reaped by a background thread.
pub(crate) fn open_url(
    url: &str,
    env: &Env,
    platform: Platform,
) -> Result<BrowserCommand, BrowserError> {
    open_with(browser_commands(
        url,
        env.var("BROWSER").as_deref(),
        platform,
    ))
}

/// Tries `commands` in order, like [`open_url`] does with its candidates.
pub(crate) fn open_with(commands: Vec<BrowserCommand>) -> Result<BrowserCommand, BrowserError> {
    let mut attempts = Vec::new();
    for command in commands {
        match start(&command) {
            Ok(()) => {
                tracing::debug!(program = %command.program, "browser started");
                return Ok(command);
            }
            Err(failure) => {
                tracing::debug!(program = %command.program, ?failure, "browser command failed");
                attempts.push(FailedAttempt {
                    program: command.program,
                    failure,
                });
            }
        }
    }
    Err(BrowserError::NotOpened { attempts })
}

/// Starts `command` and watches it for [`EXIT_GRACE`].
fn start(command: &BrowserCommand) -> Result<(), AttemptFailure> {
    let mut process = Command::new(OsString::from(&command.program));
    process
        .args(&command.args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so Ctrl-C in the terminal does not reach the browser.
        process.process_group(0);
    }
    let mut child = process.spawn().map_err(AttemptFailure::Spawn)?;
    let deadline = Instant::now() + EXIT_GRACE;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(AttemptFailure::Exited(status)),
            // Cannot tell: it started, so count it as opened.
            Err(_) => break,
            Ok(None) if Instant::now() >= deadline => break,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    // Still running: reap it later so it does not linger as a zombie; nobody waits for this
    // thread.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

/// Splits a command line into words: whitespace separates, single and double quotes group,
/// and with `backslash_escapes` (not on Windows, where it separates paths) a backslash outside
/// single quotes escapes the next character. No variable expansion.
fn split_words(line: &str, backslash_escapes: bool) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if backslash_escapes => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            '\\' if backslash_escapes => {
                in_word = true;
                word.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Escapes cmd.exe's metacharacters with `^` so `start` receives the URL intact.
fn escape_for_cmd(url: &str) -> String {
    let mut out = String::with_capacity(url.len() + 8);
    for c in url.chars() {
        if matches!(c, '&' | '|' | '<' | '>' | '^' | '(' | ')' | '%' | '!' | '"') {
            out.push('^');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{BrowserCommand, Platform, browser_commands, is_wsl, split_words};

    const URL: &str = "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH&x=1";

    fn command(program: &str, args: &[&str]) -> BrowserCommand {
        BrowserCommand {
            program: program.to_owned(),
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
        }
    }

    #[test]
    fn wsl_is_detected_from_osrelease() {
        assert!(is_wsl("5.15.90.1-microsoft-standard-WSL2\n"));
        assert!(is_wsl("4.4.0-19041-Microsoft\n"));
        assert!(!is_wsl("6.8.0-45-generic\n"));
        assert!(!is_wsl(""));
    }

    #[test]
    fn platform_openers() {
        let linux = Platform::Linux { wsl: false };
        assert_eq!(
            browser_commands(URL, None, linux),
            [command("xdg-open", &[URL])]
        );
        assert_eq!(
            browser_commands(URL, None, Platform::Linux { wsl: true }),
            [command("wslview", &[URL]), command("xdg-open", &[URL])]
        );
        assert_eq!(
            browser_commands(URL, None, Platform::MacOs),
            [command("open", &[URL])]
        );
        assert_eq!(
            browser_commands(URL, None, Platform::OtherUnix),
            [command("xdg-open", &[URL])]
        );
        assert_eq!(
            browser_commands(URL, None, Platform::Windows),
            [command(
                "cmd",
                &[
                    "/c",
                    "start",
                    "",
                    "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH^&x=1"
                ]
            )]
        );
    }

    #[test]
    fn browser_variable_comes_first_and_substitutes_the_url() {
        let linux = Platform::Linux { wsl: false };
        assert_eq!(
            browser_commands(URL, Some("wslview"), linux),
            [command("wslview", &[URL]), command("xdg-open", &[URL])]
        );
        assert_eq!(
            browser_commands(
                URL,
                Some("firefox --new-tab %s:/usr/bin/chromium '--app=%s' --x"),
                linux
            ),
            [
                command("firefox", &["--new-tab", URL]),
                command("/usr/bin/chromium", &[&format!("--app={URL}"), "--x"]),
                command("xdg-open", &[URL]),
            ]
        );
        // Empty entries and an empty variable are skipped.
        assert_eq!(
            browser_commands(URL, Some("::"), linux),
            [command("xdg-open", &[URL])]
        );
        assert_eq!(
            browser_commands(URL, Some("C:\\b.exe;other"), Platform::Windows)[..2],
            [command("C:\\b.exe", &[URL]), command("other", &[URL])]
        );
    }

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(split_words("  a  b\tc ", true), ["a", "b", "c"]);
        assert_eq!(
            split_words(r#"'/Applications/My Browser' "x y" z\ w """#, true),
            ["/Applications/My Browser", "x y", "z w", ""]
        );
        assert_eq!(
            split_words(r"C:\Tools\b.exe --x", false),
            [r"C:\Tools\b.exe", "--x"]
        );
        assert!(split_words("   ", true).is_empty());
    }
}
