//! End-to-end tests of `sso shell-init`, `sso use` and `sso prompt`: the functions of
//! `sso shell-init` run in real bash, zsh and fish (skipped with a note when a shell is not
//! installed), with the built `sso` first on PATH, against the emulator.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use sso_emulator::BlockingEmulator;

use super::credentials::{Home, emulator};

/// A profile name and a region that would run commands if they reached a shell unquoted.
const EVIL_NAME: &str = "evil$(touch pwned1)`touch pwned2`'x&&touch pwned3";
const EVIL_REGION: &str = "$(touch pwned4)';touch pwned5;'`touch pwned6`";

/// The shells, how to load the function, and how to read the last status.
#[derive(Debug, Clone, Copy)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    const ALL: [Self; 3] = [Self::Bash, Self::Zsh, Self::Fish];

    fn program(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Zsh => "zsh",
            Self::Fish => "fish",
        }
    }

    fn flags(self) -> &'static [&'static str] {
        match self {
            Self::Bash => &["--norc", "--noprofile", "-c"],
            Self::Zsh => &["-f", "-c"],
            Self::Fish => &["--no-config", "-c"],
        }
    }

    /// Loads the function; bash and zsh with `set -u`, which it must survive.
    fn init(self) -> &'static str {
        match self {
            Self::Bash => "set -u\neval \"$(sso shell-init bash)\"\n",
            Self::Zsh => "set -u\neval \"$(sso shell-init zsh)\"\n",
            Self::Fish => "sso shell-init fish | source\n",
        }
    }

    fn status(self) -> &'static str {
        match self {
            Self::Fish => "$status",
            Self::Bash | Self::Zsh => "$?",
        }
    }

    fn set(self, name: &str, value: &str) -> String {
        match self {
            Self::Fish => format!("set -gx {name} {value}\n"),
            Self::Bash | Self::Zsh => format!("export {name}={value}\n"),
        }
    }

    /// Whether the shell can be run here; prints the skip note when not.
    #[allow(clippy::print_stderr)]
    fn available(self) -> bool {
        let found = Command::new(self.program())
            .args(self.flags())
            .arg("exit 0")
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|output| output.status.success());
        if !found {
            eprintln!(
                "skipping the {} end-to-end test: {} is not installed (.ci/run installs it)",
                self.program(),
                self.program()
            );
        }
        found
    }
}

/// Runs `script` in `shell` with HOME, the emulator's endpoints and the built `sso` first on
/// PATH, in HOME.
fn run_shell(
    shell: Shell,
    home: &Home,
    emu: &BlockingEmulator,
    script: &str,
    stdin: &str,
) -> Output {
    let input_path = home.path().join("stdin");
    std::fs::write(&input_path, stdin).unwrap();
    let input = std::fs::File::open(&input_path).unwrap();
    let bin = insta_cmd::get_cargo_bin("sso");
    let bin_dir = bin.parent().unwrap();
    let mut path = std::ffi::OsString::from(bin_dir);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    Command::new(shell.program())
        .args(shell.flags())
        .arg(format!("{}{script}", shell.init()))
        .current_dir(home.path())
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env("EVIL_NAME", EVIL_NAME)
        .env("AWS_ENDPOINT_URL_SSO", emu.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", emu.url())
        .stdin(Stdio::from(input))
        .output()
        .unwrap()
}

/// The `AWS_*` variables of each `env` printed after a `--- NAME STATUS` line.
fn sections(stdout: &str) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let mut sections = BTreeMap::new();
    let mut current: Option<(String, String, BTreeMap<String, String>)> = None;
    for line in stdout.lines() {
        if let Some(header) = line.strip_prefix("--- ") {
            if let Some((name, status, vars)) = current.take() {
                sections.insert(name, (status, vars));
            }
            let (name, status) = header.split_once(' ').unwrap();
            current = Some((name.to_owned(), status.to_owned(), BTreeMap::new()));
        } else if let Some((_, _, vars)) = current.as_mut()
            && let Some((name, value)) = line.split_once('=')
            && name.starts_with("AWS_")
            && !name.starts_with("AWS_ENDPOINT_URL")
        {
            vars.insert(name.to_owned(), value.to_owned());
        }
    }
    if let Some((name, status, vars)) = current {
        sections.insert(name, (status, vars));
    }
    sections
}

fn names(vars: &BTreeMap<String, String>) -> Vec<&str> {
    vars.keys().map(String::as_str).collect()
}

/// A HOME with the shared config plus a profile with a hostile name and region, signed in.
fn home_with_evil_profile(emu: &BlockingEmulator) -> Home {
    let home = Home::new(emu.url());
    let config = home.path().join(".aws/config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    // A name outside the SDKs' identifier characters is written shell-quoted, as botocore
    // reads it (`shlex`).
    let quoted = EVIL_NAME.replace('\'', "'\"'\"'");
    text.push_str(&format!(
        "\n[profile '{quoted}']\nsso_session = my-sso\nregion = {EVIL_REGION}\n"
    ));
    std::fs::write(&config, text).unwrap();
    home.log_in(emu);
    home
}

fn assert_nothing_ran(home: &Path) {
    for n in 1..=6 {
        assert!(
            !home.join(format!("pwned{n}")).exists(),
            "a value from the config ran `touch pwned{n}`"
        );
    }
}

#[test]
fn use_switches_real_shells_and_unset_clears_them() {
    let emu = emulator();
    for shell in Shell::ALL {
        if !shell.available() {
            continue;
        }
        let home = home_with_evil_profile(&emu);
        let status = shell.status();
        let script = format!(
            "{stale}\
             sso use dev; echo \"--- use {status}\"; env\n\
             sso use no-such-profile; echo \"--- missing {status}\"; env\n\
             sso use legacy --profile-only; echo \"--- profile-only {status}\"; env\n\
             sso use \"$EVIL_NAME\" --profile-only; echo \"--- evil {status}\"; env\n\
             sso use --profile-only; echo \"--- picked {status}\"; env\n\
             sso use --unset; echo \"--- unset {status}\"; env\n\
             sso use --help > /dev/null; echo \"--- help {status}\"\n\
             sso --version > /dev/null; echo \"--- other {status}\"\n\
             sso > /dev/null 2>&1; echo \"--- bare {status}\"\n",
            stale = shell.set("AWS_REGION", "stale-region"),
        );
        // The menu without a terminal is a numbered list on stderr, answered on the shell's
        // stdin (fish gives a command substitution the shell's stdin, not the function's);
        // `dev` is the second of the sorted profiles (default, dev, evil..., legacy, ...).
        let output = run_shell(shell, &home, &emu, &script, "2\n");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let context = format!("{shell:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(output.status.success(), "{context}");
        assert_nothing_ran(home.path());
        let sections = sections(&stdout);

        let (status, vars) = &sections["use"];
        assert_eq!(status, "0", "{context}");
        assert_eq!(
            names(vars),
            [
                "AWS_ACCESS_KEY_ID",
                "AWS_CREDENTIAL_EXPIRATION",
                "AWS_DEFAULT_REGION",
                "AWS_PROFILE",
                "AWS_REGION",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN"
            ],
            "{context}"
        );
        assert_eq!(vars["AWS_PROFILE"], "dev");
        // The profile's region, not the one left in the shell.
        assert_eq!(vars["AWS_REGION"], "eu-west-1", "{context}");
        assert_eq!(vars["AWS_DEFAULT_REGION"], "eu-west-1");
        assert!(vars["AWS_ACCESS_KEY_ID"].starts_with("ASIA"), "{context}");
        assert!(vars["AWS_CREDENTIAL_EXPIRATION"].ends_with("+00:00"));

        // A failure changes nothing and its status reaches the shell.
        let (status, after_failure) = &sections["missing"];
        assert_ne!(status, "0", "{context}");
        assert_eq!(after_failure, vars, "{context}");

        let (status, vars) = &sections["profile-only"];
        assert_eq!(status, "0", "{context}");
        // `legacy` has no region: the previous one is removed, and so are the keys.
        assert_eq!(names(vars), ["AWS_PROFILE"], "{context}");
        assert_eq!(vars["AWS_PROFILE"], "legacy");

        let (status, vars) = &sections["evil"];
        assert_eq!(status, "0", "{context}");
        assert_eq!(vars["AWS_PROFILE"], EVIL_NAME, "{context}");
        assert_eq!(vars["AWS_REGION"], EVIL_REGION, "{context}");

        let (status, vars) = &sections["picked"];
        assert_eq!(status, "0", "{context}");
        assert_eq!(vars["AWS_PROFILE"], "dev", "{context}");
        assert!(stderr.contains("2) dev"), "{context}");

        let (status, vars) = &sections["unset"];
        assert_eq!(status, "0", "{context}");
        assert!(vars.is_empty(), "{context}");

        assert_eq!(sections["help"].0, "0", "{context}");
        assert_eq!(sections["other"].0, "0", "{context}");
        // `sso` alone shows the usage (exit code 2), also with `set -u`.
        assert_eq!(sections["bare"].0, "2", "{context}");
    }
}

#[test]
fn use_signs_in_on_the_way_when_the_login_is_missing() {
    let emu = emulator();
    if !Shell::Bash.available() {
        return;
    }
    if Command::new("curl").arg("--version").output().is_err() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("curl is not installed; skipping the sign-in on the way");
        }
        return;
    }
    let home = Home::new(emu.url());
    let bin = insta_cmd::get_cargo_bin("sso");
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c"])
        .arg("eval \"$(sso shell-init bash)\"; sso use dev; echo \"--- use $?\"; env")
        .current_dir(home.path())
        .env_clear()
        .env("HOME", home.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.parent().unwrap().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("NO_COLOR", "1")
        .env("BROWSER", "curl -s -L -o /dev/null %s")
        .env("AWS_ENDPOINT_URL_SSO", emu.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", emu.url())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let context = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    let sections = sections(&stdout);
    let (status, vars) = &sections["use"];
    assert_eq!(status, "0", "{context}");
    assert!(vars["AWS_ACCESS_KEY_ID"].starts_with("ASIA"), "{context}");
    assert!(stderr.contains("Signing in first"), "{context}");
    assert!(stderr.contains("Successfully logged into"), "{context}");
    assert_eq!(emu.stats().get_role_credentials, 1);
}

#[test]
fn use_without_the_shell_function_prints_no_code() {
    let emu = emulator();
    let home = Home::new(emu.url());
    home.log_in(&emu);
    let output = home.run(&["use", "dev"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sso shell-init"), "{stderr}");
    assert_eq!(emu.stats().get_role_credentials, 0);
}

#[test]
fn failed_use_prints_nothing_on_stdout() {
    let emu = emulator();
    let home = Home::new(emu.url());
    home.log_in(&emu);
    let output = home.run(&["use", "--shell", "bash", "no-such-profile"]);
    assert_ne!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
}

#[test]
fn use_prints_quoted_code_for_each_shell() {
    let emu = emulator();
    let home = Home::new(emu.url());
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = home.run(&["use", "--shell", shell, "--profile-only", "dev"]);
        assert!(output.status.success());
        let code = String::from_utf8(output.stdout).unwrap();
        insta::assert_snapshot!(format!("use_profile_only_{shell}"), code);
    }
    // `--profile` before the command names the profile too.
    let named = home.run(&["use", "--shell", "bash", "--profile-only", "dev"]);
    let before = home.run(&[
        "--profile",
        "dev",
        "use",
        "--shell",
        "bash",
        "--profile-only",
    ]);
    assert!(before.status.success());
    assert_eq!(before.stdout, named.stdout);
    let output = home.run(&["use", "--shell", "bash", "--unset"]);
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap(), @r"
    unset AWS_PROFILE
    unset AWS_REGION
    unset AWS_DEFAULT_REGION
    unset AWS_ACCESS_KEY_ID
    unset AWS_SECRET_ACCESS_KEY
    unset AWS_SESSION_TOKEN
    unset AWS_CREDENTIAL_EXPIRATION
    ");
}

#[test]
fn prompt_shows_the_profile_and_time_left() {
    let emu = emulator();
    let home = Home::new(emu.url());
    let run = |vars: &[(&str, &str)]| {
        let mut command = home.sso();
        command.arg("prompt");
        for (name, value) in vars {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{vars:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(run(&[]), "");
    // Without an expiry or a token: the profile alone.
    assert_eq!(run(&[("AWS_PROFILE", "dev")]), "dev\n");
    let in_42_minutes = super::credentials::now()
        .saturating_add(std::time::Duration::from_secs(42 * 60 + 30))
        .to_string();
    assert_eq!(
        run(&[
            ("AWS_PROFILE", "dev"),
            ("AWS_CREDENTIAL_EXPIRATION", &in_42_minutes)
        ]),
        "dev 42m\n"
    );
    assert_eq!(
        run(&[
            ("AWS_PROFILE", "dev"),
            ("AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00+00:00")
        ]),
        "dev expired\n"
    );
    // `--profile-only`: the SSO token's time, from the cache.
    home.log_in(&emu);
    let shown = run(&[("AWS_PROFILE", "dev")]);
    assert!(shown == "dev 59m\n" || shown == "dev 1h00m\n", "{shown:?}");
    // A role chain shows the time of the SSO login at its source.
    let config = home.path().join(".aws/config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[profile chained]\nrole_arn = arn:aws:iam::222222222222:role/Deploy\nsource_profile = dev\n\n\
         [profile loop]\nrole_arn = arn:aws:iam::222222222222:role/Deploy\nsource_profile = loop\n",
    );
    std::fs::write(&config, text).unwrap();
    let shown = run(&[("AWS_PROFILE", "chained")]);
    assert!(
        shown == "chained 59m\n" || shown == "chained 1h00m\n",
        "{shown:?}"
    );
    assert_eq!(run(&[("AWS_PROFILE", "loop")]), "loop\n");
    // Terminal escapes in the name never reach the prompt.
    assert_eq!(run(&[("AWS_PROFILE", "a\u{1b}]0;title\u{7}b")]), "ab\n");
    assert_eq!(emu.stats().create_token, 0);
}

#[test]
fn help_of_the_shell_commands() {
    for command in ["shell-init", "use", "prompt"] {
        insta_cmd::assert_cmd_snapshot!(
            format!("{command}_help"),
            super::sso().args([command, "--help"])
        );
    }
}
