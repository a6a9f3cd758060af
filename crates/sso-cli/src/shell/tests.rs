//! The quoting, checked by the real shells where they are installed: every value printed by
//! [`render`] must come back byte for byte, and nothing in it may run.

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;

use super::*;

/// A separator between the values the shells print back; the generated values never contain it.
const SEP: &str = "<<sso-sep-7f3a>>";

/// Values that would run something or break out of naive quoting.
const HOSTILE: &[&str] = &[
    "",
    "plain",
    "it's",
    "'",
    "''",
    "'\\''",
    "\\",
    "\\'",
    "a\\",
    "$(touch pwned)",
    "`touch pwned`",
    "'; touch pwned; '",
    "\"; touch pwned; \"",
    "$HOME",
    "${HOME}",
    "(touch pwned)",
    "{touch,pwned}",
    "a\nexport PWNED=1",
    "x'\ntouch pwned\n'",
    "a\r\nb",
    "*",
    "~",
    "=ls",
    "!!",
    "%PATH%",
    "$Env:PATH",
    "‘; touch pwned; ’",
    "’; New-Item pwned; ‘",
    "\u{1b}[31mred",
    "tab\there",
    "é😀",
];

/// The program and the flags that run a script without reading any startup file.
fn shell_command(shell: Shell) -> Option<(&'static str, &'static [&'static str])> {
    match shell {
        Shell::Bash => Some(("bash", &["--norc", "--noprofile", "-c"])),
        Shell::Zsh => Some(("zsh", &["-f", "-c"])),
        Shell::Fish => Some(("fish", &["--no-config", "-c"])),
        Shell::Powershell => None,
    }
}

/// Runs `script` in `shell` in the directory `cwd`; `None` (with a note) when the shell is not
/// installed.
#[allow(clippy::print_stderr)]
pub(crate) fn run_in(shell: Shell, cwd: &Path, script: &str) -> Option<std::process::Output> {
    let (program, flags) = shell_command(shell)?;
    let output = Command::new(program)
        .args(flags)
        .arg(script)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", cwd)
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .output();
    match output {
        Ok(output) => Some(output),
        Err(error) => {
            eprintln!("skipping the {program} round trip: {program} cannot be run ({error})");
            None
        }
    }
}

/// The values as `shell` sees them after evaluating [`render`]'s code for each, or `None` when
/// the shell is not installed.
fn round_trip(shell: Shell, values: &[String]) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let print = format!("printf '%s{SEP}' \"$AWS_PROFILE\"\n");
    let mut script = String::new();
    for value in values {
        script += &render(shell, &[Assignment::Set(VarName::PROFILE, value.clone())]).unwrap();
        script += &print;
    }
    let output = run_in(shell, dir.path(), &script)?;
    assert!(
        output.status.success(),
        "{shell:?} failed: {}\nscript:\n{script}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        entries.iter().all(|name| name != "pwned"),
        "{shell:?} ran a command from a value: {entries:?}\nscript:\n{script}"
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut printed: Vec<String> = stdout.split(SEP).map(str::to_owned).collect();
    assert_eq!(printed.pop().as_deref(), Some(""), "{stdout:?}");
    Some(printed)
}

#[test]
fn hostile_values_come_back_unchanged_and_run_nothing_in_real_shells() {
    let values: Vec<String> = HOSTILE.iter().map(|v| (*v).to_owned()).collect();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        if let Some(printed) = round_trip(shell, &values) {
            assert_eq!(printed, values, "{shell:?}");
        }
    }
}

#[test]
fn posix_quoting() {
    assert_eq!(quote(Shell::Bash, "dev"), "'dev'");
    assert_eq!(quote(Shell::Zsh, ""), "''");
    assert_eq!(quote(Shell::Bash, "it's"), r"'it'\''s'");
    assert_eq!(quote(Shell::Bash, "$(id)\n`id`"), "'$(id)\n`id`'");
}

#[test]
fn fish_quoting_escapes_only_backslash_and_quote() {
    assert_eq!(quote(Shell::Fish, "dev"), "'dev'");
    assert_eq!(quote(Shell::Fish, r"it's \ $x"), r"'it\'s \\ $x'");
}

#[test]
fn powershell_quoting_doubles_every_kind_of_single_quote() {
    assert_eq!(quote(Shell::Powershell, "dev"), "'dev'");
    assert_eq!(quote(Shell::Powershell, "it's"), "'it''s'");
    assert_eq!(
        quote(Shell::Powershell, "‘a’ ‚b‛ $x `n"),
        "'‘‘a’’ ‚‚b‛‛ $x `n'"
    );
}

#[test]
fn nul_is_refused_without_repeating_the_value() {
    let error = render(
        Shell::Bash,
        &[Assignment::Set(VarName::REGION, "us\0east".to_owned())],
    )
    .unwrap_err();
    assert_eq!(
        error,
        NulInValue {
            variable: "AWS_REGION"
        }
    );
    assert!(!error.to_string().contains("east"));
}

#[test]
fn debug_never_shows_values() {
    let shown = format!(
        "{:?}",
        Assignment::Set(VarName::SECRET_ACCESS_KEY, "s3cret".to_owned())
    );
    assert!(!shown.contains("s3cret"), "{shown}");
}

#[test]
fn assignments_in_every_shell() {
    let changes = [
        Assignment::Set(VarName::PROFILE, "o'neil".to_owned()),
        Assignment::Set(VarName::REGION, "eu-west-1".to_owned()),
        Assignment::Unset(VarName::SESSION_TOKEN),
    ];
    let all: String = Shell::ALL
        .iter()
        .map(|&shell| format!("# {}\n{}", shell.name(), render(shell, &changes).unwrap()))
        .collect();
    insta::assert_snapshot!(all, @r"
    # bash
    export AWS_PROFILE='o'\''neil'
    export AWS_REGION='eu-west-1'
    unset AWS_SESSION_TOKEN
    # zsh
    export AWS_PROFILE='o'\''neil'
    export AWS_REGION='eu-west-1'
    unset AWS_SESSION_TOKEN
    # fish
    set -gx AWS_PROFILE 'o\'neil'
    set -gx AWS_REGION 'eu-west-1'
    set -e AWS_SESSION_TOKEN
    # powershell
    $Env:AWS_PROFILE = 'o''neil'
    $Env:AWS_REGION = 'eu-west-1'
    Remove-Item Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue
    ");
}

#[test]
fn bash_init_script() {
    insta::assert_snapshot!(init_script(Shell::Bash));
}

#[test]
fn zsh_init_script() {
    insta::assert_snapshot!(init_script(Shell::Zsh));
}

#[test]
fn fish_init_script() {
    insta::assert_snapshot!(init_script(Shell::Fish));
}

#[test]
fn powershell_init_script() {
    insta::assert_snapshot!(init_script(Shell::Powershell));
}

/// Any character but NUL, with the ones shells care about much more often than chance.
fn value() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\'', '"', '\\', '$', '`', '(', ')', '{', '}', ';', '&', '|', '<', '>', '\n', '\r', '\t',
        ' ', '!', '*', '?', '[', ']', '~', '#', '%', '=', '^', '\u{2018}', '\u{2019}', '\u{201a}',
        '\u{201b}', '\u{1b}', '\u{85}', 'é',
    ]);
    let any_char = any::<char>().prop_filter("no NUL", |c| *c != '\0');
    prop::collection::vec(prop_oneof![3 => special, 1 => any_char], 0..24)
        .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Each case runs one process per shell over a batch of values.
    #[test]
    fn any_value_round_trips_through_real_shells(values in prop::collection::vec(value(), 1..16)) {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            if let Some(printed) = round_trip(shell, &values) {
                prop_assert_eq!(&printed, &values, "{:?}", shell);
            }
        }
    }

    /// The quoted word is one word: it starts and ends with a quote, and every quote inside is
    /// escaped the shell's way.
    #[test]
    fn quoted_words_are_closed(value in value()) {
        for shell in Shell::ALL {
            let quoted = quote(shell, &value);
            prop_assert!(quoted.starts_with('\'') && quoted.ends_with('\''));
            prop_assert!(quoted.len() >= value.len() + 2);
        }
        let posix = quote(Shell::Bash, &value);
        prop_assert_eq!(posix[1..posix.len() - 1].replace(r"'\''", "'"), value.clone());
        let powershell = quote(Shell::Powershell, &value);
        let mut unquoted = powershell[1..powershell.len() - 1].to_owned();
        for q in ['\'', '\u{2018}', '\u{2019}', '\u{201a}', '\u{201b}'] {
            unquoted = unquoted.replace(&format!("{q}{q}"), &q.to_string());
        }
        prop_assert_eq!(unquoted, value);
    }
}
