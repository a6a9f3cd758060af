//! Choosing the login flow, with this host's facts: the pure policy is
//! [`sso_oidc::headless`] (precedence, detection rules, the reasons); this module reads what
//! it needs from the [`Env`], the [`Platform`] and the filesystem.

use sso_oidc::headless::{Desktop, FlowChoice, HostFacts, LoginFlowError};

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

/// [`sso_oidc::headless::choose_login_flow`] with the variables of `env` and the desktop of
/// `platform`.
///
/// # Errors
///
/// [`LoginFlowError`] when `env_override` or `config_setting` names no flow.
pub(crate) fn choose_login_flow(
    env: &Env,
    platform: Platform,
    host: &HostFacts,
    flag_device_code: bool,
    env_override: Option<&str>,
    config_setting: Option<&str>,
    legacy_profile: bool,
) -> Result<FlowChoice, LoginFlowError> {
    sso_oidc::headless::choose_login_flow(
        &|name| env.var(name),
        desktop(platform),
        host,
        flag_device_code,
        env_override,
        config_setting,
        legacy_profile,
    )
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
