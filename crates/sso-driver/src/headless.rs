//! This host's facts for the login-flow policy of [`sso_oidc::headless`] (precedence, detection
//! rules, the reasons): the container markers on the filesystem, the [`Platform`]'s desktop, and
//! the detection over an [`Env`].

use sso_oidc::headless::{Desktop, HostFacts};

use crate::browser::Platform;
use crate::env::Env;

/// The host facts of this machine: the container marker files; `stdin_is_terminal` comes from
/// the caller, which owns the terminal.
pub(crate) fn probe_host(stdin_is_terminal: bool) -> HostFacts {
    HostFacts {
        dockerenv: std::path::Path::new("/.dockerenv").exists(),
        containerenv: std::path::Path::new("/run/.containerenv").exists(),
        stdin_is_terminal,
    }
}

/// Whether `platform`'s graphical session shows in the environment.
pub(crate) fn desktop(platform: Platform) -> Desktop {
    match platform {
        Platform::Linux { wsl: false } | Platform::OtherUnix => Desktop::DisplayVariables,
        Platform::Linux { wsl: true } | Platform::MacOs | Platform::Windows => Desktop::Always,
    }
}

/// Whether no browser can be opened here ([`sso_oidc::headless::no_browser_here`] with the
/// variables of `env`, the desktop of `platform` and this machine's container markers).
pub(crate) fn no_browser_here(env: &Env, platform: Platform, stdin_is_terminal: bool) -> bool {
    sso_oidc::headless::no_browser_here(
        &|name| env.var(name),
        desktop(platform),
        &probe_host(stdin_is_terminal),
    )
    .is_some()
}

#[cfg(test)]
mod tests {
    use sso_oidc::headless::Desktop;

    use super::{desktop, probe_host};
    use crate::browser::Platform;

    #[test]
    fn probe_reports_the_terminal_it_is_given() {
        assert!(probe_host(true).stdin_is_terminal);
        assert!(!probe_host(false).stdin_is_terminal);
    }

    #[test]
    fn only_linux_and_other_unixes_need_a_display_variable() {
        assert_eq!(
            desktop(Platform::Linux { wsl: false }),
            Desktop::DisplayVariables
        );
        assert_eq!(desktop(Platform::OtherUnix), Desktop::DisplayVariables);
        for platform in [
            Platform::Linux { wsl: true },
            Platform::MacOs,
            Platform::Windows,
        ] {
            assert_eq!(desktop(platform), Desktop::Always);
        }
    }
}
