//! Choosing the login flow: PKCE with the local browser, paste-back PKCE, or the device code.
//!
//! [`choose_login_flow`] is a pure function of the environment (a variable lookup), the kind of
//! [`Desktop`] the platform has, a few host facts ([`HostFacts`], probed by the caller, which
//! owns the filesystem and the terminal) and what the user asked for. The precedence, highest
//! first:
//!
//! 1. `--use-device-code`;
//! 2. the `SSO_LOGIN_FLOW` environment variable ([`LOGIN_FLOW_ENV`]);
//! 3. the sso-session's `sso_login_flow` setting ([`LOGIN_FLOW_SETTING`]);
//! 4. a legacy profile (no `sso_session`): device code, as in the AWS CLI, which cannot use
//!    PKCE without an sso-session;
//! 5. detection: PKCE when a browser can be opened here; otherwise paste-back PKCE when stdin is
//!    a terminal (the user can paste the redirected URL, and PKCE's protection is kept), and the
//!    device code when it is not.
//!
//! A legacy profile never gets a PKCE flow: an explicit `pkce` or `paste` is then replaced by
//! the device code, and the reason says so.
//!
//! "No browser here" means any of: an SSH session (`SSH_CONNECTION`, `SSH_CLIENT` or `SSH_TTY`
//! set) without a forwarded display; Linux (not WSL, where `wslview` opens the Windows browser)
//! or another Unix without `DISPLAY` and `WAYLAND_DISPLAY`; a container (`/.dockerenv`,
//! `/run/.containerenv`, the `container` variable, `KUBERNETES_SERVICE_HOST`) without a display;
//! CI (`CI` set), whatever the display, since nobody sits at that browser. `BROWSER` set
//! overrides all of these: whoever set it (VS Code's remote sessions do) made opening work.
//!
//! The chosen flow comes with a one-line [`FlowChoice::reason`] for the CLI to print.

use std::fmt;
use std::str::FromStr;

/// The environment variable that overrides the configured login flow.
pub const LOGIN_FLOW_ENV: &str = "SSO_LOGIN_FLOW";

/// The sso-session setting that chooses the login flow.
pub const LOGIN_FLOW_SETTING: &str = "sso_login_flow";

/// How `sso login` obtains the user's authorization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoginFlow {
    /// Authorization code with PKCE, the browser opened here and redirected to the loopback
    /// listener.
    Pkce,
    /// The device code (RFC 8628): a URL and a code to enter on any device.
    DeviceCode,
    /// Authorization code with PKCE, the URL opened anywhere and the redirected URL pasted back
    /// into the terminal (the loopback listener still runs, whichever arrives first wins).
    Paste,
}

impl LoginFlow {
    /// Every flow, in the order their names are listed in messages.
    pub const ALL: [Self; 3] = [Self::Pkce, Self::DeviceCode, Self::Paste];

    /// The name used in `sso_login_flow` and `SSO_LOGIN_FLOW`: `pkce`, `device-code`, `paste`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pkce => "pkce",
            Self::DeviceCode => "device-code",
            Self::Paste => "paste",
        }
    }

    /// Whether this flow uses PKCE (and so needs an sso-session).
    pub fn is_pkce(self) -> bool {
        matches!(self, Self::Pkce | Self::Paste)
    }

    /// How the flow is named at the start of a [`FlowChoice::reason`].
    fn label(self) -> &'static str {
        match self {
            Self::Pkce => "browser (PKCE)",
            Self::DeviceCode => "device code",
            Self::Paste => "paste-back (PKCE)",
        }
    }
}

impl fmt::Display for LoginFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A login flow name that is not one of `pkce`, `device-code`, `paste`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown login flow `{value}`: expected one of pkce, device-code, paste")]
pub struct ParseLoginFlowError {
    /// The rejected value, trimmed.
    pub value: String,
}

impl FromStr for LoginFlow {
    type Err = ParseLoginFlowError;

    /// Accepts `pkce`, `device-code` and `paste`, ignoring ASCII case and surrounding
    /// whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = s.trim();
        Self::ALL
            .into_iter()
            .find(|flow| flow.as_str().eq_ignore_ascii_case(value))
            .ok_or_else(|| ParseLoginFlowError {
                value: value.to_owned(),
            })
    }
}

/// Where the chosen flow came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChoiceSource {
    /// The caller asked for it (the CLI's `--use-device-code`).
    Flag,
    /// The `SSO_LOGIN_FLOW` environment variable.
    Environment,
    /// The sso-session's `sso_login_flow` setting.
    Config,
    /// The profile is a legacy one (no `sso_session`).
    LegacyProfile,
    /// Detected from the environment and the host.
    Detected,
}

/// The login flow to run and why, in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowChoice {
    /// The flow.
    pub flow: LoginFlow,
    /// One line for the user, e.g. `device code: SSH session (SSH_CONNECTION is set) and no
    /// display, and stdin is not a terminal`.
    pub reason: String,
    /// Where the choice came from.
    pub source: ChoiceSource,
    /// Whether detection found no way to open a browser here (computed whatever the source,
    /// so the CLI can warn when an explicit `pkce` is likely to fail).
    pub headless: bool,
}

/// An invalid `SSO_LOGIN_FLOW` or `sso_login_flow` value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginFlowError {
    /// `SSO_LOGIN_FLOW` names no flow.
    #[error("invalid {LOGIN_FLOW_ENV}: {0}")]
    Environment(#[source] ParseLoginFlowError),
    /// `sso_login_flow` names no flow.
    #[error("invalid {LOGIN_FLOW_SETTING} in the sso-session: {0}")]
    Config(#[source] ParseLoginFlowError),
}

/// Whether the platform's graphical session shows in the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Desktop {
    /// Linux (not WSL) and the other Unixes: a display is reachable only through `DISPLAY` or
    /// `WAYLAND_DISPLAY` (forwarded over SSH or mounted into a container counts).
    DisplayVariables,
    /// macOS, Windows and WSL (through `wslview`): always a desktop, but over SSH it is the
    /// remote machine's, not the user's.
    Always,
}

/// Facts about the host that need the filesystem or the terminal, gathered by the caller so
/// that [`choose_login_flow`] stays pure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostFacts {
    /// `/.dockerenv` exists (Docker).
    pub dockerenv: bool,
    /// `/run/.containerenv` exists (Podman).
    pub containerenv: bool,
    /// Standard input is a terminal, so a pasted URL can be read.
    pub stdin_is_terminal: bool,
}

/// Chooses the login flow; see the [module documentation](self) for the precedence and the
/// detection rules.
///
/// `var` looks an environment variable up (unset, empty and not-Unicode values as `None`);
/// `env_override` is the value of `SSO_LOGIN_FLOW` and `config_setting` that of the
/// sso-session's `sso_login_flow`; `legacy_profile` says the profile has no `sso_session`.
/// Fails only when one of those two values names no flow.
pub fn choose_login_flow(
    var: &dyn Fn(&str) -> Option<String>,
    desktop: Desktop,
    host: &HostFacts,
    flag_device_code: bool,
    env_override: Option<&str>,
    config_setting: Option<&str>,
    legacy_profile: bool,
) -> Result<FlowChoice, LoginFlowError> {
    let detection = no_browser_here(var, desktop, host);
    let headless = detection.is_some();
    let choice = |flow: LoginFlow, source: ChoiceSource, why: String| FlowChoice {
        flow,
        reason: format!("{}: {why}", flow.label()),
        source,
        headless,
    };
    if flag_device_code {
        return Ok(choice(
            LoginFlow::DeviceCode,
            ChoiceSource::Flag,
            "asked for by the caller".to_owned(),
        ));
    }
    let explicit = match (env_override, config_setting) {
        (Some(value), _) => Some((
            value
                .parse::<LoginFlow>()
                .map_err(LoginFlowError::Environment)?,
            ChoiceSource::Environment,
        )),
        (None, Some(value)) => Some((
            value.parse::<LoginFlow>().map_err(LoginFlowError::Config)?,
            ChoiceSource::Config,
        )),
        (None, None) => None,
    };
    if let Some((flow, source)) = explicit {
        let origin = match source {
            ChoiceSource::Environment => format!("{LOGIN_FLOW_ENV}={flow}"),
            _ => format!("{LOGIN_FLOW_SETTING} = {flow} in the sso-session"),
        };
        if legacy_profile && flow.is_pkce() {
            return Ok(choice(
                LoginFlow::DeviceCode,
                ChoiceSource::LegacyProfile,
                format!("legacy profile without sso_session cannot use PKCE ({origin} ignored)"),
            ));
        }
        return Ok(choice(flow, source, origin));
    }
    if legacy_profile {
        return Ok(choice(
            LoginFlow::DeviceCode,
            ChoiceSource::LegacyProfile,
            "legacy profile without sso_session cannot use PKCE".to_owned(),
        ));
    }
    Ok(match detection {
        None if var("BROWSER").is_some() => choice(
            LoginFlow::Pkce,
            ChoiceSource::Detected,
            "BROWSER is set".to_owned(),
        ),
        None => choice(
            LoginFlow::Pkce,
            ChoiceSource::Detected,
            "a browser can be opened here".to_owned(),
        ),
        Some(why) if host.stdin_is_terminal => {
            choice(LoginFlow::Paste, ChoiceSource::Detected, why)
        }
        Some(why) => choice(
            LoginFlow::DeviceCode,
            ChoiceSource::Detected,
            format!("{why}, and stdin is not a terminal"),
        ),
    })
}

/// Why no browser can be opened here, or `None` when one can (the detection of
/// [`choose_login_flow`], whatever the user asked for).
pub fn no_browser_here(
    var: &dyn Fn(&str) -> Option<String>,
    desktop: Desktop,
    host: &HostFacts,
) -> Option<String> {
    if var("BROWSER").is_some() {
        return None;
    }
    let first_set = |names: &[&'static str]| names.iter().copied().find(|n| var(n).is_some());
    let mut signals = Vec::new();
    if let Some(name) = first_set(&["CI"]) {
        signals.push(format!("CI ({name} is set)"));
    }
    let ssh = first_set(&["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]);
    let container = if host.dockerenv {
        Some("/.dockerenv exists")
    } else if host.containerenv {
        Some("/run/.containerenv exists")
    } else if var("container").is_some() {
        Some("container is set")
    } else if var("KUBERNETES_SERVICE_HOST").is_some() {
        Some("KUBERNETES_SERVICE_HOST is set")
    } else {
        None
    };
    // Whether a graphical session is reachable: on Linux and the BSDs through DISPLAY or
    // WAYLAND_DISPLAY (forwarded over SSH or mounted into a container counts). macOS, Windows
    // and WSL (through `wslview`) always have a desktop, but over SSH it is the remote
    // machine's, not the user's: `None`.
    let display = match desktop {
        Desktop::DisplayVariables => Some(first_set(&["DISPLAY", "WAYLAND_DISPLAY"]).is_some()),
        Desktop::Always => None,
    };
    let display_missing = display == Some(false);
    if let Some(name) = ssh
        && display != Some(true)
    {
        signals.push(format!("SSH session ({name} is set)"));
    }
    if let Some(marker) = container
        && display != Some(true)
    {
        signals.push(format!("container ({marker})"));
    }
    if display_missing {
        signals.push("no display".to_owned());
    }
    if signals.is_empty() {
        return None;
    }
    let last = signals.pop().unwrap_or_default();
    if signals.is_empty() {
        Some(last)
    } else {
        Some(format!("{} and {last}", signals.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{
        ChoiceSource, Desktop, FlowChoice, HostFacts, LoginFlow, LoginFlowError,
        ParseLoginFlowError, choose_login_flow,
    };

    /// The platforms of the driver's `browser::Platform`, as desktops.
    const LINUX: Desktop = Desktop::DisplayVariables;
    const WSL: Desktop = Desktop::Always;
    const MACOS: Desktop = Desktop::Always;
    const WINDOWS: Desktop = Desktop::Always;
    const OTHER_UNIX: Desktop = Desktop::DisplayVariables;

    /// An environment as the driver's `Env` reads it: empty values are unset.
    struct Vars(BTreeMap<String, String>);

    impl Vars {
        fn of(vars: &[(&str, &str)]) -> Self {
            Self(
                vars.iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            )
        }

        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).filter(|v| !v.is_empty()).cloned()
        }
    }
    const TTY: HostFacts = HostFacts {
        dockerenv: false,
        containerenv: false,
        stdin_is_terminal: true,
    };
    const PIPE: HostFacts = HostFacts {
        dockerenv: false,
        containerenv: false,
        stdin_is_terminal: false,
    };

    fn detect(vars: &[(&str, &str)], desktop: Desktop, host: HostFacts) -> FlowChoice {
        let env = Vars::of(vars);
        choose_login_flow(&|n| env.var(n), desktop, &host, false, None, None, false)
            .expect("no setting to reject")
    }

    #[test]
    fn login_flow_names_round_trip_and_errors_list_the_choices() {
        for flow in LoginFlow::ALL {
            assert_eq!(flow.as_str().parse::<LoginFlow>(), Ok(flow));
            assert_eq!(flow.to_string(), flow.as_str());
        }
        assert_eq!(
            " Device-Code\n".parse::<LoginFlow>(),
            Ok(LoginFlow::DeviceCode)
        );
        let error = "browser".parse::<LoginFlow>().unwrap_err();
        assert_eq!(
            error,
            ParseLoginFlowError {
                value: "browser".to_owned()
            }
        );
        assert_eq!(
            error.to_string(),
            "unknown login flow `browser`: expected one of pkce, device-code, paste"
        );
        assert!(LoginFlow::Paste.is_pkce() && !LoginFlow::DeviceCode.is_pkce());
    }

    /// One detection case: variables, desktop, host facts, expected flow and reason.
    type Case = (
        &'static [(&'static str, &'static str)],
        Desktop,
        HostFacts,
        LoginFlow,
        &'static str,
    );

    /// Detection per environment.
    #[test]
    fn detection_table() {
        let docker = HostFacts {
            dockerenv: true,
            ..TTY
        };
        let podman_pipe = HostFacts {
            containerenv: true,
            ..PIPE
        };
        let desktop: &[(&str, &str)] = &[("DISPLAY", ":0")];
        let ssh: &[(&str, &str)] = &[("SSH_CONNECTION", "10.0.0.2 5000 10.0.0.1 22")];
        #[rustfmt::skip]
        let table: &[Case] = &[
            (desktop, LINUX, TTY, LoginFlow::Pkce, "browser (PKCE): a browser can be opened here"),
            (&[("WAYLAND_DISPLAY", "wayland-0")], LINUX, PIPE, LoginFlow::Pkce,
                "browser (PKCE): a browser can be opened here"),
            (&[], MACOS, TTY, LoginFlow::Pkce, "browser (PKCE): a browser can be opened here"),
            (&[], WINDOWS, PIPE, LoginFlow::Pkce, "browser (PKCE): a browser can be opened here"),
            (&[], WSL, TTY, LoginFlow::Pkce, "browser (PKCE): a browser can be opened here"),
            (&[], LINUX, TTY, LoginFlow::Paste, "paste-back (PKCE): no display"),
            (&[], LINUX, PIPE, LoginFlow::DeviceCode,
                "device code: no display, and stdin is not a terminal"),
            (&[], OTHER_UNIX, TTY, LoginFlow::Paste, "paste-back (PKCE): no display"),
            (ssh, LINUX, TTY, LoginFlow::Paste,
                "paste-back (PKCE): SSH session (SSH_CONNECTION is set) and no display"),
            (ssh, LINUX, PIPE, LoginFlow::DeviceCode,
                "device code: SSH session (SSH_CONNECTION is set) and no display, and stdin is not a terminal"),
            (&[("SSH_TTY", "/dev/pts/0")], MACOS, TTY, LoginFlow::Paste,
                "paste-back (PKCE): SSH session (SSH_TTY is set)"),
            (&[("SSH_CLIENT", "10.0.0.2 5000 22")], WSL, TTY, LoginFlow::Paste,
                "paste-back (PKCE): SSH session (SSH_CLIENT is set)"),
            // X11 forwarding: the browser opens on the user's display.
            (&[("SSH_CONNECTION", "x"), ("DISPLAY", "localhost:10.0")], LINUX, TTY, LoginFlow::Pkce,
                "browser (PKCE): a browser can be opened here"),
            (&[], LINUX, docker, LoginFlow::Paste,
                "paste-back (PKCE): container (/.dockerenv exists) and no display"),
            (&[], LINUX, podman_pipe, LoginFlow::DeviceCode,
                "device code: container (/run/.containerenv exists) and no display, and stdin is not a terminal"),
            (&[("container", "podman")], LINUX, TTY, LoginFlow::Paste,
                "paste-back (PKCE): container (container is set) and no display"),
            (&[("KUBERNETES_SERVICE_HOST", "10.96.0.1")], LINUX, PIPE, LoginFlow::DeviceCode,
                "device code: container (KUBERNETES_SERVICE_HOST is set) and no display, and stdin is not a terminal"),
            (&[("CI", "true"), ("DISPLAY", ":99")], LINUX, PIPE, LoginFlow::DeviceCode,
                "device code: CI (CI is set), and stdin is not a terminal"),
            (&[("CI", "1")], MACOS, PIPE, LoginFlow::DeviceCode,
                "device code: CI (CI is set), and stdin is not a terminal"),
            (&[("CI", "1"), ("SSH_TTY", "x")], LINUX, TTY, LoginFlow::Paste,
                "paste-back (PKCE): CI (CI is set), SSH session (SSH_TTY is set) and no display"),
            // An empty variable counts as unset.
            (&[("SSH_CONNECTION", ""), ("DISPLAY", ":0")], LINUX, TTY, LoginFlow::Pkce,
                "browser (PKCE): a browser can be opened here"),
            (&[("DISPLAY", "")], LINUX, TTY, LoginFlow::Paste, "paste-back (PKCE): no display"),
            // BROWSER wins over every headless signal.
            (&[("BROWSER", "/vscode/helper"), ("SSH_CONNECTION", "x"), ("CI", "1")], LINUX, docker,
                LoginFlow::Pkce, "browser (PKCE): BROWSER is set"),
        ];
        for (vars, platform, host, flow, reason) in table {
            let choice = detect(vars, *platform, *host);
            assert_eq!(
                (choice.flow, choice.reason.as_str()),
                (*flow, *reason),
                "{vars:?} {platform:?} {host:?}"
            );
            assert_eq!(choice.source, ChoiceSource::Detected);
            assert_eq!(choice.headless, *flow != LoginFlow::Pkce);
            assert!(!choice.reason.contains('\n'));
        }
    }

    #[test]
    fn precedence_flag_env_config_legacy_detection() {
        let env = Vars::of(&[("SSH_CONNECTION", "x")]);
        let choose = |flag, env_override, config, legacy| {
            choose_login_flow(
                &|n| env.var(n),
                LINUX,
                &TTY,
                flag,
                env_override,
                config,
                legacy,
            )
            .expect("valid settings")
        };
        let flag = choose(true, Some("pkce"), Some("paste"), false);
        assert_eq!(
            (flag.flow, flag.source, flag.reason.as_str()),
            (
                LoginFlow::DeviceCode,
                ChoiceSource::Flag,
                "device code: asked for by the caller"
            )
        );
        assert!(flag.headless);
        let from_env = choose(false, Some("pkce"), Some("device-code"), false);
        assert_eq!(
            (from_env.flow, from_env.source, from_env.reason.as_str()),
            (
                LoginFlow::Pkce,
                ChoiceSource::Environment,
                "browser (PKCE): SSO_LOGIN_FLOW=pkce"
            )
        );
        let from_config = choose(false, None, Some("device-code"), false);
        assert_eq!(
            (
                from_config.flow,
                from_config.source,
                from_config.reason.as_str()
            ),
            (
                LoginFlow::DeviceCode,
                ChoiceSource::Config,
                "device code: sso_login_flow = device-code in the sso-session"
            )
        );
        let legacy = choose(false, None, None, true);
        assert_eq!(
            (legacy.flow, legacy.source, legacy.reason.as_str()),
            (
                LoginFlow::DeviceCode,
                ChoiceSource::LegacyProfile,
                "device code: legacy profile without sso_session cannot use PKCE"
            )
        );
        let legacy_paste = choose(false, Some("paste"), None, true);
        assert_eq!(
            (legacy_paste.flow, legacy_paste.reason.as_str()),
            (
                LoginFlow::DeviceCode,
                "device code: legacy profile without sso_session cannot use PKCE (SSO_LOGIN_FLOW=paste ignored)"
            )
        );
        let legacy_device = choose(false, Some("device-code"), None, true);
        assert_eq!(legacy_device.source, ChoiceSource::Environment);
        let detected = choose(false, None, None, false);
        assert_eq!(
            (detected.flow, detected.source),
            (LoginFlow::Paste, ChoiceSource::Detected)
        );
    }

    #[test]
    fn invalid_settings_are_errors_naming_their_origin() {
        let env = Vars::of(&[]);
        let error = choose_login_flow(&|n| env.var(n), LINUX, &TTY, false, Some("qr"), None, false)
            .unwrap_err();
        assert!(matches!(error, LoginFlowError::Environment(_)));
        assert_eq!(
            error.to_string(),
            "invalid SSO_LOGIN_FLOW: unknown login flow `qr`: expected one of pkce, device-code, paste"
        );
        let error = choose_login_flow(&|n| env.var(n), LINUX, &TTY, false, None, Some("x"), false)
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid sso_login_flow in the sso-session: ")
        );
        // The flag wins even over an invalid value, which is then never read.
        let choice = choose_login_flow(&|n| env.var(n), LINUX, &TTY, true, Some("qr"), None, false)
            .expect("flag wins");
        assert_eq!(choice.flow, LoginFlow::DeviceCode);
    }
}
