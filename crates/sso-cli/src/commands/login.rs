//! `sso login`: sign in to an sso-session (or a legacy profile) and cache the token.
//!
//! Wiring: resolve `target` with sso-driver, run the flow, show the code/URL on stdout as
//! protocol.md §2.8 does, show a [`crate::spinner::Spinner`] while waiting, and print
//! `Successfully logged into Start URL: {url}`.

use crate::Context;
use crate::error::CliError;
use crate::options::LoginSelector;

/// How to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOptions {
    /// What to sign in to.
    pub target: LoginSelector,
    /// `--use-device-code`.
    pub use_device_code: bool,
    /// `--no-browser`.
    pub no_browser: bool,
    /// `--redirect-port`.
    pub redirect_port: Option<u16>,
}

/// Runs `sso login`.
pub fn run(_ctx: &Context, _options: LoginOptions) -> Result<(), CliError> {
    Err(CliError::NotWired {
        command: "login",
        help: "use `aws sso login` for now",
    })
}
