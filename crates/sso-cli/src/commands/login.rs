//! `sso login`: sign in to an sso-session (or a legacy profile) and cache the token.
//!
//! The driver's sign-in ([`Sso::sign_in`]) resolves the login and picks the flow:
//! `--use-device-code`, then `SSO_LOGIN_FLOW`, then
//! `sso_login_flow` in the config, then the device code for legacy profiles, then detection
//! (PKCE with a browser here; paste-back PKCE in an SSH session, a container or CI when stdin is
//! a terminal; the device code otherwise). Unless the choice is the ordinary one (the flag, or
//! PKCE with a browser here), this module prints it in one line on stderr. A device code chosen because
//! no browser can be used here is not opened in one either.
//!
//! When the browser does not open (the opener cannot be started or exits with a failure, see
//! the driver's `browser`), PKCE says so in one line at once and signs in with
//! the fallback flow (paste-back with a terminal on stdin, else the device code); the device
//! code says so and shows the code as usual.
//!
//! Paste-back PKCE runs the PKCE login without opening a browser, prints the authorize URL and
//! asks for the address the browser ends on; a thread reads stdin, checks each line with
//! `sso_oidc::callback` (asking again on a bad one, never echoing it) and hands the accepted
//! query to the driver, which races it against the loopback listener.
//!
//! The AWS CLI's texts (protocol.md §2.8) go to **stderr**, so that the URL and the code reach
//! the user even when stdout is redirected and the sign-in can be finished on another device;
//! `--qr` adds a QR code of the URL and `--copy` sends it to the clipboard through OSC 52. A
//! [`crate::spinner::Spinner`] shows the time left while waiting (not while pasting: it would
//! draw over the input). On success stdout gets `Successfully logged into Start URL: {url}` and
//! which login is signed in until when. The driver runs the login on its
//! handle's one-thread runtime.

use std::io::{BufRead, IsTerminal as _};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sso_driver::Sso;
use sso_driver::env::Env;
use sso_driver::prompt::{Prompt, UserCode};
use sso_driver::sso::signin::BrowserError;
use sso_driver::sso::signin::VanityError;
use sso_driver::sso::signin::{FlowChoice, LoginFlow, LoginFlowError};
use sso_driver::sso::signin::{LoginOutcome, PastedQueries};
use sso_driver::sso::signin::{SignInError, SignInEvent, SignInPrompt, SignInRequest, SignedIn};
use sso_driver::sso::{Selection, SsoTarget};

use crate::Context;
use crate::convert;
use crate::error::CliError;
use crate::spinner::{Spinner, format_left};

/// The options of `sso login`: what to sign in to, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoginOptions {
    /// What to sign in to.
    pub(crate) target: Selection,
    /// How.
    pub(crate) sign_in: SignIn,
}

/// The question of paste-back PKCE, printed after the authorize URL.
pub(crate) const PASTE_PROMPT: &str = "After signing in, your browser shows a page that cannot be reached; copy its address and paste it here:";

/// Runs `sso login`.
pub(crate) fn run(ctx: &Context, options: LoginOptions) -> Result<(), CliError> {
    let sso = convert::open(&ctx.env, options.target)?;
    let signed_in = sign_in(&sso, None, &options.sign_in)?;
    crate::write_stdout(&success_text(
        &signed_in.outcome,
        &signed_in.target,
        signed_in.ended_unix_ms,
    ))
}

/// How to sign in, as `sso login` and the configure wizard share it: the driver's request
/// (`--use-device-code`, `--no-browser`, `--redirect-port`) and how this terminal hands the
/// URL over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SignIn {
    /// The driver's request; whether stdin is a terminal is filled in at sign-in.
    pub(crate) request: SignInRequest,
    /// `--qr`, already off when stderr is not a terminal.
    pub(crate) qr: bool,
    /// `--copy`.
    pub(crate) copy: bool,
}

/// Signs in the way `sso login` does ([`Sso::sign_in`], or [`Sso::sign_in_to`] `target`),
/// with the terminal prompt, its lines and the spinner on stderr.
pub(crate) fn sign_in(
    sso: &Sso,
    target: Option<&SsoTarget>,
    request: &SignIn,
) -> Result<SignedIn, CliError> {
    let sign_in_request = SignInRequest {
        stdin_is_terminal: std::io::stdin().is_terminal(),
        ..request.request
    };
    let prompt = TerminalPrompt {
        handoff: Handoff::new(request.qr, request.copy, sso.config().env()),
        ..TerminalPrompt::default()
    };
    let result = match target {
        Some(target) => sso.sign_in_to(target, &sign_in_request, &prompt),
        None => sso.sign_in(&sign_in_request, &prompt),
    };
    result.map_err(sign_in_error)
}

/// A failed sign-in as the user sees it.
fn sign_in_error(error: SignInError) -> CliError {
    match error {
        SignInError::Setup(error) => convert::sso_error(error),
        SignInError::Vanity {
            source,
            start_url,
            origin,
        } => {
            const HELP: &str =
                "check sso_start_url: it should be your AWS access portal URL or redirect to it";
            match (source, origin) {
                (VanityError::Transport(source), _) => CliError::Network {
                    endpoint: start_url,
                    source,
                },
                (other, Some(origin)) => convert::setting_error(&origin, &other.to_string(), HELP),
                (other, None) => CliError::Failed {
                    message: other.to_string(),
                    help: Some(HELP.to_owned()),
                },
            }
        }
        SignInError::LoginFlow { source, setting } => match (&source, setting) {
            (LoginFlowError::Config(_), Some(value)) => convert::setting_error(
                value.origin(),
                &source.to_string(),
                "set sso_login_flow to pkce, paste or device-code, or remove it",
            ),
            (LoginFlowError::Config(_), None) => usage(
                source.to_string(),
                "set sso_login_flow to pkce, paste or device-code",
            ),
            _ => usage(
                source.to_string(),
                "set SSO_LOGIN_FLOW to pkce, paste or device-code, or unset it",
            ),
        },
        error @ SignInError::RedirectPort { .. } => {
            let help = "fix or remove sso_redirect_port (--redirect-port overrides it)";
            let message = error.to_string();
            match error {
                SignInError::RedirectPort {
                    setting: Some(value),
                    ..
                } => convert::setting_error(value.origin(), &message, help),
                _ => usage(message, help),
            }
        }
        SignInError::Login { source, target } => convert::login_error(source, &target),
        other => CliError::Bug {
            message: other.to_string(),
        },
    }
}

/// The line for a vanity start URL whose portal is in another region than `sso_region`.
fn portal_region_line(configured: &SsoTarget, region: &str) -> String {
    let place = match &configured.session_name {
        Some(session) => format!("--sso-session {}", crate::error::shell_word(session)),
        None => format!(
            "--profile {}",
            crate::error::shell_word(configured.profile.as_deref().unwrap_or("default"))
        ),
    };
    let at = configured
        .origins
        .region
        .as_ref()
        .map(|origin| format!(" ({})", crate::term::printable(&origin.to_string())))
        .unwrap_or_default();
    format!(
        "Note: {} leads to the portal in {region}, not sso_region {}{at}; signing in there. To fix the config: sso configure set sso_region {region} {place}\n",
        crate::term::printable(&configured.start_url),
        crate::term::printable(&configured.region),
    )
}

/// The one line that says the browser did not open and what happens instead.
pub(crate) fn browser_failed_line(error: &BrowserError, fallback: LoginFlow) -> String {
    let instead = match fallback {
        LoginFlow::Paste => "paste-back",
        LoginFlow::DeviceCode => "the device code",
        LoginFlow::Pkce => "the browser",
    };
    format!(
        "{}; signing in with {instead} instead.\n",
        capitalized(&error.to_string())
    )
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The one line that tells which flow was chosen and why, or `None` for the ordinary choices
/// (`--use-device-code`, or PKCE because a browser can be opened here).
pub(crate) fn choice_line(choice: &FlowChoice) -> Option<String> {
    if sso_driver::sso::signin::is_ordinary(choice) {
        return None;
    }
    let warning = if choice.flow == LoginFlow::Pkce && choice.headless {
        " (but no browser seems to be available here; SSO_LOGIN_FLOW=paste works without one)"
    } else {
        ""
    };
    Some(format!("Signing in with {}{warning}", choice.reason))
}

fn usage(message: String, help: &str) -> CliError {
    CliError::Usage {
        message,
        help: Some(help.to_owned()),
    }
}

/// What stdout shows after a successful login.
pub(crate) fn success_text(outcome: &LoginOutcome, target: &SsoTarget, now_unix_ms: u64) -> String {
    let left = Duration::from_millis(
        u64::try_from(outcome.expires_at.unix_millis())
            .unwrap_or(0)
            .saturating_sub(now_unix_ms),
    );
    let refresh = if outcome.refreshable {
        "; it is refreshed automatically"
    } else {
        ""
    };
    format!(
        "Successfully logged into Start URL: {}\nSigned in to {} until {} (in {}){refresh}.\n",
        outcome.start_url,
        target.describe(),
        outcome.expires_at,
        format_left(left),
    )
}

/// The device-code prompt, as the AWS CLI words it (protocol.md §2.8), plus the complete
/// verification URL when the browser is opened too.
pub(crate) fn user_code_text(code: &UserCode<'_>, browser_opening: bool) -> String {
    let mut text = if browser_opening {
        format!(
            "Attempting to open your default browser.\nIf the browser does not open or you wish to use a different device to authorize this request, open the following URL:\n\n{}\n\nThen enter the code:\n\n{}\n",
            code.verification_uri, code.user_code
        )
    } else {
        format!(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{}\n\nThen enter the code:\n\n{}\n",
            code.verification_uri, code.user_code
        )
    };
    if let Some(complete) = code.verification_uri_complete {
        text.push_str(&format!(
            "\nAlternatively, you may visit the following URL which will autofill the code upon loading:\n{complete}\n"
        ));
    }
    text
}

/// The authorization-code prompt, as the AWS CLI words it (protocol.md §2.8).
pub(crate) fn authorize_url_text(url: &str, browser_opening: bool) -> String {
    if browser_opening {
        format!(
            "Attempting to open your default browser. If the browser does not open, open the following URL.\nIf you are unable to open the URL on this device, run this command again with the '--use-device-code' option.\n\n{url}\n"
        )
    } else {
        format!(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{url}\n"
        )
    }
}

/// The paste-back prompt: where to go and how long this waits, before the handoff (QR, copy)
/// and [`PASTE_PROMPT`].
pub(crate) fn paste_text(url: &str) -> String {
    format!(
        "Open the following URL in a browser on any device and sign in within {} minutes:\n\n{url}\n",
        sso_oidc::REDIRECT_TIMEOUT.as_secs() / 60
    )
}

/// What `--qr` and `--copy` add after a URL: decided once per login.
#[derive(Debug, Clone, Default)]
pub(crate) struct Handoff {
    /// Draw a QR code (only set when stderr is a terminal).
    qr: bool,
    /// `--copy`: the terminal's OSC 52 wrapping, or why the URL cannot be copied.
    copy: Option<Result<Osc52, &'static str>>,
}

/// How this terminal takes OSC 52: directly or through tmux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Osc52 {
    Direct,
    Tmux,
}

impl Handoff {
    fn new(qr: bool, copy: bool, env: &Env) -> Self {
        let copy =
            copy.then(|| copy_support(|name| env.var(name), std::io::stderr().is_terminal()));
        Self { qr, copy }
    }

    /// The lines for `url`, given the terminal's width.
    fn text(&self, url: &str, columns: Option<u16>) -> String {
        let mut text = String::new();
        if self.qr {
            text.push_str(&qr_text(url, columns));
        }
        match self.copy {
            None => {}
            Some(Ok(mode)) => {
                let sequence = crate::clipboard::osc52_sequence(url);
                text.push_str(&match mode {
                    Osc52::Direct => sequence,
                    Osc52::Tmux => crate::clipboard::tmux_passthrough(&sequence),
                });
                text.push_str(
                    "\nThe URL was copied to the clipboard through the terminal (OSC 52).\n",
                );
            }
            Some(Err(why)) => {
                text.push_str(&format!(
                    "\nCould not copy the URL to the clipboard: {why}; copy it from above.\n"
                ));
            }
        }
        text
    }
}

/// Whether `--copy` can work here: OSC 52 on a terminal known to honour it.
fn copy_support(
    env: impl Fn(&str) -> Option<String>,
    stderr_is_terminal: bool,
) -> Result<Osc52, &'static str> {
    if !stderr_is_terminal {
        return Err("stderr is not a terminal");
    }
    if !crate::clipboard::terminal_supports_osc52(&env) {
        return Err("this terminal is not known to support OSC 52 clipboard writes");
    }
    Ok(if env("TMUX").is_some_and(|v| !v.is_empty()) {
        Osc52::Tmux
    } else {
        Osc52::Direct
    })
}

/// A QR code of `url` with a line saying what it is, or why it is not shown.
pub(crate) fn qr_text(url: &str, columns: Option<u16>) -> String {
    let width = match crate::qr::qr_width(url) {
        Ok(width) => width,
        Err(error) => return format!("\n({error})\n"),
    };
    if let Some(columns) = columns
        && usize::from(columns) < width
    {
        return format!(
            "\n(The QR code needs {width} columns and the terminal has {columns}; widen it or use the URL.)\n"
        );
    }
    match crate::qr::render_qr(url) {
        Ok(code) => format!("\nOr scan this QR code with a phone:\n\n{code}\n"),
        Err(error) => format!("\n({error})\n"),
    }
}

/// Reads pasted callback addresses from `input` until one is accepted and handed to `send`.
///
/// Every line goes through [`sso_driver::sso::signin::parse_pasted_callback`] and, when
/// `expected_state` is known, [`sso_driver::sso::signin::check_state`]; a rejected line gets the
/// reason (which never repeats the line) and the question again. End of input or a read error
/// stops reading: the loopback listener may still get the browser.
pub(crate) fn read_pasted(
    input: impl BufRead,
    output: &mut dyn std::io::Write,
    expected_state: Option<&str>,
    send: impl FnOnce(String) -> bool,
) {
    // Writes to stderr have nowhere to report failure.
    for line in input.lines() {
        let Ok(line) = line else {
            break;
        };
        let accepted = sso_driver::sso::signin::parse_pasted_callback(&line).and_then(|query| {
            match expected_state {
                Some(state) => sso_driver::sso::signin::check_state(&query, state).map(|()| query),
                None => Ok(query),
            }
        });
        match accepted {
            Ok(query) => {
                let _ = writeln!(output, "Got it; finishing the sign-in.");
                let _ = output.flush();
                // A closed channel means the login already ended (the browser came back first).
                let _ = send(query);
                return;
            }
            Err(error) => {
                let _ = writeln!(output, "Not accepted: {error}.\nPaste the address again:");
                let _ = output.flush();
            }
        }
    }
    let _ = writeln!(
        output,
        "Standard input was closed; still waiting for a browser to return to this machine."
    );
    let _ = output.flush();
}

/// The `state` parameter of an authorize URL.
fn authorize_state(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(key, _)| key == "state")
        .map(|(_, value)| value.into_owned())
}

/// The [`Prompt`] of the terminal: texts on stderr, then a spinner with the time left; in
/// paste-back mode, the question and a stdin reader instead of the spinner.
#[derive(Debug, Default)]
pub(crate) struct TerminalPrompt {
    spinner: Mutex<Option<Spinner>>,
    device_code: Mutex<bool>,
    /// `--qr` and `--copy`.
    handoff: Handoff,
    /// Paste-back PKCE: where the stdin reader sends accepted queries, taken when the
    /// authorize URL is shown.
    paste: Mutex<Option<tokio::sync::mpsc::Sender<String>>>,
    /// Paste-back PKCE: no spinner over the user's input.
    pasting: AtomicBool,
}

impl TerminalPrompt {
    fn say(text: &str) {
        crate::term::eprint(text);
    }

    pub(crate) fn stop_spinner(&self) {
        let spinner = self
            .spinner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(spinner) = spinner {
            spinner.finish();
        }
    }

    fn handoff(&self, url: &str) -> String {
        let columns = crossterm::terminal::size().ok().map(|(columns, _)| columns);
        self.handoff.text(url, columns)
    }

    /// Starts the thread that reads pasted addresses from stdin.
    fn start_paste_reader(&self, url: &str) {
        let sender = self
            .paste
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let Some(sender) = sender else {
            return;
        };
        let state = authorize_state(url);
        let spawned = std::thread::Builder::new()
            .name("paste-reader".to_owned())
            .spawn(move || {
                let stdin = std::io::stdin();
                read_pasted(
                    stdin.lock(),
                    &mut std::io::stderr(),
                    state.as_deref(),
                    |query| sender.blocking_send(query).is_ok(),
                );
            });
        if let Err(error) = spawned {
            // The loopback listener still works.
            tracing::warn!(%error, "cannot read pasted addresses");
        }
    }
}

impl Prompt for TerminalPrompt {
    fn show_user_code(&self, code: &UserCode<'_>, browser_opening: bool) {
        *self
            .device_code
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        let url = code
            .verification_uri_complete
            .unwrap_or(code.verification_uri);
        Self::say(&format!(
            "{}{}",
            user_code_text(code, browser_opening),
            self.handoff(url)
        ));
    }

    fn show_authorize_url(&self, url: &str, browser_opening: bool) {
        if self.pasting.load(Ordering::Relaxed) {
            Self::say(&format!(
                "{}{}\n{PASTE_PROMPT}\n",
                paste_text(url),
                self.handoff(url)
            ));
            self.start_paste_reader(url);
        } else {
            Self::say(&format!(
                "{}{}",
                authorize_url_text(url, browser_opening),
                self.handoff(url)
            ));
        }
    }

    fn browser_failed(&self, error: &BrowserError) {
        Self::say(&format!("{}.\n", capitalized(&error.to_string())));
    }

    fn waiting(&self, deadline_unix_ms: u64) {
        if self.pasting.load(Ordering::Relaxed) {
            return;
        }
        let deadline = Instant::now() + sso_driver::prompt::time_until(deadline_unix_ms);
        let device = *self
            .device_code
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let message = if device {
            "waiting for the code to be approved"
        } else {
            "waiting for approval in the browser"
        };
        Self::say("\n");
        let spinner = Spinner::start(message, deadline);
        *self
            .spinner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(spinner);
    }

    fn signed_in(&self, _start_url: &str) {
        self.stop_spinner();
    }

    fn waiting_for_sign_in(&self, holder: Option<&sso_cache::LockHolder>) {
        Self::say(&format!("{}\n", waiting_text(holder)));
    }

    fn taking_over(&self) {
        Self::say("That sign-in ended without signing in; signing in here.\n");
    }
}

impl SignInPrompt for TerminalPrompt {
    fn event(&self, event: &SignInEvent<'_>) {
        match event {
            SignInEvent::PortalRegion { configured, region } => {
                Self::say(&portal_region_line(configured, region));
            }
            SignInEvent::FlowChosen(choice) => {
                if let Some(line) = choice_line(choice) {
                    Self::say(&format!("{line}\n"));
                }
            }
            SignInEvent::BrowserFailed { error, fallback } => {
                Self::say(&browser_failed_line(error, *fallback));
            }
            _ => {}
        }
    }

    fn attempt_started(&self, flow: LoginFlow) -> Option<PastedQueries> {
        let paste = flow == LoginFlow::Paste;
        self.pasting.store(paste, Ordering::Relaxed);
        if !paste {
            return None;
        }
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        *self
            .paste
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(sender);
        Some(PastedQueries::new(receiver))
    }

    fn attempt_ended(&self) {
        self.stop_spinner();
    }
}

/// The line shown while another process signs in to the same login.
pub(crate) fn waiting_text(holder: Option<&sso_cache::LockHolder>) -> String {
    match holder {
        Some(holder) => format!(
            "Another sso process is signing in: waiting for the sign-in started by pid {} at {} UTC (Ctrl-C to stop).",
            holder.pid,
            hour_minute(holder.since)
        ),
        None => "Another sso process is signing in: waiting for it (Ctrl-C to stop).".to_owned(),
    }
}

/// `HH:MM` of a UTC time.
fn hour_minute(at: sso_cache::Timestamp) -> String {
    // `YYYY-MM-DDTHH:MM:SSZ`.
    at.to_string().get(11..16).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use sso_driver::sso::signin::{HostFacts, LOGIN_FLOW_ENV};

    use super::*;

    #[test]
    fn device_texts_match_the_aws_cli() {
        let code = UserCode::new(
            "https://device.sso.us-east-1.amazonaws.com/",
            "ABCD-EFGH",
            Some("https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH"),
            0,
        );
        insta::assert_snapshot!(user_code_text(&code, true), @r"
        Attempting to open your default browser.
        If the browser does not open or you wish to use a different device to authorize this request, open the following URL:

        https://device.sso.us-east-1.amazonaws.com/

        Then enter the code:

        ABCD-EFGH

        Alternatively, you may visit the following URL which will autofill the code upon loading:
        https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH
        ");
        assert!(user_code_text(&code, false).starts_with(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\nhttps://device.sso.us-east-1.amazonaws.com/\n"
        ));
    }

    fn choose(vars: &[(&str, &str)], stdin_is_terminal: bool, flag: bool) -> FlowChoice {
        let env = Env::from_vars(vars.iter().copied());
        let host = HostFacts {
            stdin_is_terminal,
            ..HostFacts::default()
        };
        let env_override = env.var(LOGIN_FLOW_ENV);
        sso_oidc::headless::choose_login_flow(
            &|name| env.var(name),
            sso_oidc::headless::Desktop::DisplayVariables,
            &host,
            flag,
            env_override.as_deref(),
            None,
            false,
        )
        .unwrap()
    }

    #[test]
    fn the_choice_is_one_line_unless_it_is_the_ordinary_one() {
        let ssh = ("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22");
        assert_eq!(
            choice_line(&choose(&[ssh], true, false)).as_deref(),
            Some(
                "Signing in with paste-back (PKCE): SSH session (SSH_CONNECTION is set) and no display"
            )
        );
        assert_eq!(
            choice_line(&choose(&[ssh], false, false)).as_deref(),
            Some(
                "Signing in with device code: SSH session (SSH_CONNECTION is set) and no display, and stdin is not a terminal"
            )
        );
        assert_eq!(
            choice_line(&choose(&[ssh, ("SSO_LOGIN_FLOW", "paste")], false, false)).as_deref(),
            Some("Signing in with paste-back (PKCE): SSO_LOGIN_FLOW=paste")
        );
        assert_eq!(
            choice_line(&choose(&[ssh, ("SSO_LOGIN_FLOW", "pkce")], true, false)).as_deref(),
            Some(
                "Signing in with browser (PKCE): SSO_LOGIN_FLOW=pkce (but no browser seems to be available here; SSO_LOGIN_FLOW=paste works without one)"
            )
        );
        // The ordinary choices say nothing: the AWS CLI's texts follow.
        assert_eq!(choice_line(&choose(&[ssh], true, true)), None);
        assert_eq!(
            choice_line(&choose(&[("DISPLAY", ":0")], true, false)),
            None
        );
        for line in [
            choice_line(&choose(&[ssh], true, false)),
            choice_line(&choose(&[ssh, ("SSO_LOGIN_FLOW", "pkce")], true, false)),
        ] {
            assert!(!line.unwrap().contains('\n'));
        }
    }

    #[test]
    fn the_wait_for_another_sign_in_names_its_process() {
        let holder = sso_cache::LockHolder {
            pid: 4242,
            since: sso_cache::Timestamp::parse("2026-12-05T09:02:59Z").unwrap(),
        };
        assert_eq!(
            waiting_text(Some(&holder)),
            "Another sso process is signing in: waiting for the sign-in started by pid 4242 at 09:02 UTC (Ctrl-C to stop)."
        );
        assert_eq!(
            waiting_text(None),
            "Another sso process is signing in: waiting for it (Ctrl-C to stop)."
        );
    }

    #[test]
    fn the_portal_region_note_points_at_sso_region() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("config");
        std::fs::write(
            &config,
            "[sso-session corp]\nsso_start_url = https://sso.example.com/start\nsso_region = us-east-1\n",
        )
        .unwrap();
        let env = sso_driver::env::Env::from_vars([
            ("HOME", home.path().to_str().unwrap()),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ]);
        let sso = Sso::load(&env, Selection::Session("corp".into())).unwrap();
        let line = portal_region_line(&sso.login().unwrap(), "eu-west-1");
        let at = format!("{}:3:1", config.display());
        assert!(
            line.starts_with(&format!(
                "Note: https://sso.example.com/start leads to the portal in eu-west-1, not sso_region us-east-1 ({at}); signing in there."
            )),
            "{line}"
        );
        assert!(line.ends_with("sso configure set sso_region eu-west-1 --sso-session corp\n"));
    }

    #[test]
    fn a_browser_that_does_not_open_falls_back_to_what_detection_would_choose() {
        // What the driver reports when no browser command was left to try.
        let error = sso_driver::sso::signin::BrowserError::NotOpened {
            attempts: Vec::new(),
        };
        assert_eq!(
            browser_failed_line(&error, LoginFlow::Paste),
            "No browser could be opened (no command to try); signing in with paste-back instead.\n"
        );
        assert!(
            paste_text("u").starts_with(
                "Open the following URL in a browser on any device and sign in within 10 minutes:"
            ),
            "{}",
            paste_text("u")
        );
    }

    const STATE: &str = "0f3c1a2b-aaaa-4bbb-8ccc-123456789abc";
    const CODE: &str = "the-secret-auth-code";

    fn paste(input: &str) -> (String, Option<String>) {
        let mut output = Vec::new();
        let mut sent = None;
        read_pasted(
            std::io::Cursor::new(input.as_bytes()),
            &mut output,
            Some(STATE),
            |query| {
                sent = Some(query);
                true
            },
        );
        (String::from_utf8(output).unwrap(), sent)
    }

    #[test]
    fn paste_reader_asks_again_until_a_good_address_and_never_echoes() {
        let good = format!("http://127.0.0.1:4321/oauth/callback?code={CODE}&state={STATE}");
        let other = format!("http://127.0.0.1:4000/oauth/callback?code={CODE}&state=other-state");
        let input = format!("hello\n\n{other}\n{good}\nnot read\n");
        let (output, sent) = paste(&input);
        assert_eq!(sent, Some(format!("code={CODE}&state={STATE}")));
        insta::assert_snapshot!(output, @r"
        Not accepted: that is not the sign-in callback: paste the whole address from the browser's address bar (it starts with http://127.0.0.1:).
        Paste the address again:
        Not accepted: nothing was pasted.
        Paste the address again:
        Not accepted: that address is from another login (its state does not match this one): paste the address from the sign-in started here.
        Paste the address again:
        Got it; finishing the sign-in.
        ");
        assert!(!output.contains(CODE));
    }

    #[test]
    fn paste_reader_stops_at_end_of_input() {
        let (output, sent) = paste("garbage");
        assert_eq!(sent, None);
        assert!(
            output.ends_with("Standard input was closed; still waiting for a browser to return to this machine.\n"),
            "{output}"
        );
    }

    #[test]
    fn authorize_state_is_read_from_the_url() {
        assert_eq!(
            authorize_state("https://oidc.example/authorize?response_type=code&state=abc%2Dd&x=1")
                .as_deref(),
            Some("abc-d")
        );
        assert_eq!(authorize_state("not a url"), None);
    }

    #[test]
    fn handoff_qr_and_copy() {
        const URL: &str = "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH";
        assert_eq!(Handoff::default().text(URL, Some(200)), "");
        let qr = Handoff {
            qr: true,
            copy: None,
        };
        let text = qr.text(URL, Some(200));
        assert!(
            text.starts_with("\nOr scan this QR code with a phone:\n\n"),
            "{text}"
        );
        assert!(text.contains(&crate::qr::render_qr(URL).unwrap()));
        assert_eq!(
            qr.text(URL, Some(20)),
            format!(
                "\n(The QR code needs {} columns and the terminal has 20; widen it or use the URL.)\n",
                crate::qr::qr_width(URL).unwrap()
            )
        );
        let copy = |vars: &[(&str, &str)], tty: bool| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Handoff {
                qr: false,
                copy: Some(copy_support(
                    |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
                    tty,
                )),
            }
            .text(URL, None)
        };
        let sequence = crate::clipboard::osc52_sequence(URL);
        assert_eq!(
            copy(&[("TERM", "xterm-kitty")], true),
            format!(
                "{sequence}\nThe URL was copied to the clipboard through the terminal (OSC 52).\n"
            )
        );
        assert!(
            copy(&[("TERM", "xterm-kitty"), ("TMUX", "/tmp/t,1,0")], true)
                .starts_with(&crate::clipboard::tmux_passthrough(&sequence))
        );
        assert!(copy(&[("TERM", "xterm-kitty"), ("TMUX", "")], true).starts_with(&sequence));
        assert_eq!(
            copy(&[("TERM", "xterm-256color")], true),
            "\nCould not copy the URL to the clipboard: this terminal is not known to support OSC 52 clipboard writes; copy it from above.\n"
        );
        assert_eq!(
            copy(&[("TERM", "xterm-kitty")], false),
            "\nCould not copy the URL to the clipboard: stderr is not a terminal; copy it from above.\n"
        );
    }

    #[test]
    fn authorize_texts_match_the_aws_cli() {
        insta::assert_snapshot!(authorize_url_text("https://x/authorize?a=b", true), @r"
        Attempting to open your default browser. If the browser does not open, open the following URL.
        If you are unable to open the URL on this device, run this command again with the '--use-device-code' option.

        https://x/authorize?a=b
        ");
        assert_eq!(
            authorize_url_text("u", false),
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\nu\n"
        );
    }
}
