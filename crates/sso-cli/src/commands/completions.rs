//! `sso completions SHELL`: print a completion script.
//!
//! For bash, zsh and fish the script is clap's dynamic registration: at each Tab the shell asks
//! `sso` itself (`COMPLETE=SHELL sso -- WORDS...`), which answers from the clap definition plus
//! what only this machine knows: profile names (config and credentials files), sso-session
//! names and account ids (the profiles' `sso_account_id`), read from the files at that moment.
//! PowerShell and Elvish get clap's static script (commands and flags).

use std::cell::RefCell;

use clap::CommandFactory as _;
use clap_complete::engine::CompletionCandidate;
use sso_driver::Sso;
use sso_driver::env::Env;
use sso_driver::sso::Selection;

use crate::args::Cli;
use crate::error::CliError;

/// The environment variable the dynamic registration sets to ask for candidates.
pub(crate) const COMPLETE_VAR: &str = "COMPLETE";

thread_local! {
    /// The environment of the request [`answer_request`] is answering: clap calls the
    /// candidate functions (`profile_candidates`...) without arguments, so they find it here.
    /// `None` outside a request.
    static REQUEST_ENV: RefCell<Option<Env>> = const { RefCell::new(None) };
}

/// Answers a completion request when the shell's registration asks for one
/// ([`COMPLETE_VAR`] set in `env`): prints the candidates and returns `true`; `false` for a
/// normal run.
pub(crate) fn answer_request(args: &[std::ffi::OsString], env: &Env) -> bool {
    // Only a shell name is a request: a stray `COMPLETE=1` in the environment must not turn
    // every run into a silent no-op.
    let shells = ["bash", "zsh", "fish", "powershell", "elvish"];
    if !env
        .var(COMPLETE_VAR)
        .is_some_and(|v| shells.contains(&v.as_str()))
    {
        return false;
    }
    let current_dir = std::env::current_dir().ok();
    REQUEST_ENV.with_borrow_mut(|slot| *slot = Some(env.clone()));
    // An error in the middle of a Tab has nowhere useful to go: no candidates.
    // clap_complete reads `COMPLETE` (and its own `_CLAP_*` variables) from the process
    // environment itself: it has no way to take ours.
    let answered = clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(COMPLETE_VAR)
        .try_complete(args.iter().cloned(), current_dir.as_deref())
        .unwrap_or(true);
    REQUEST_ENV.with_borrow_mut(|slot| *slot = None);
    answered
}

/// Renders the completion script for `shell`.
pub(crate) fn script(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    let dynamic: Option<&dyn clap_complete::env::EnvCompleter> = match shell {
        clap_complete::Shell::Bash => Some(&clap_complete::env::Bash),
        clap_complete::Shell::Zsh => Some(&clap_complete::env::Zsh),
        clap_complete::Shell::Fish => Some(&clap_complete::env::Fish),
        _ => None,
    };
    match dynamic {
        Some(completer) => {
            if completer
                .write_registration(COMPLETE_VAR, "sso", "sso", "sso", &mut out)
                .is_err()
            {
                out.clear();
            }
        }
        None => clap_complete::generate(shell, &mut Cli::command(), "sso", &mut out),
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs `sso completions`.
pub(crate) fn run(shell: clap_complete::Shell) -> Result<(), CliError> {
    crate::write_stdout(&script(shell))
}

/// The loaded files, or nothing (a broken config, or no request being answered, completes
/// nothing rather than failing).
fn context() -> Option<Sso> {
    let env = REQUEST_ENV.with_borrow(Clone::clone)?;
    let sso = Sso::load(&env, Selection::Default).ok()?;
    sso.require_files().ok()?;
    Some(sso)
}

/// Profile names of the config and credentials files, for `--profile` and `sso use`.
pub(crate) fn profile_candidates() -> Vec<CompletionCandidate> {
    let Some(sso) = context() else {
        return Vec::new();
    };
    let aws = sso.config();
    sso.profile_names()
        .into_iter()
        .map(|name| {
            let help = aws
                .profiles()
                .profile(&name)
                .and_then(|props| {
                    let account = props.get_str("sso_account_id")?;
                    let role = props.get_str("sso_role_name").unwrap_or_default();
                    Some(format!("{account} {role}"))
                })
                .or_else(|| {
                    aws.profiles()
                        .profile(&name)
                        .and_then(|props| props.get_str("role_arn"))
                        .map(str::to_owned)
                });
            candidate(&name, help)
        })
        .collect()
}

/// `[sso-session NAME]` names, for `--sso-session`.
pub(crate) fn session_candidates() -> Vec<CompletionCandidate> {
    let Some(sso) = context() else {
        return Vec::new();
    };
    sso.config()
        .profiles()
        .sso_sessions()
        .iter()
        .map(|(name, props)| candidate(name, props.get_str("sso_start_url").map(str::to_owned)))
        .collect()
}

/// Account ids the profiles name (`sso_account_id`), each with the profiles that use it.
pub(crate) fn account_candidates() -> Vec<CompletionCandidate> {
    let Some(sso) = context() else {
        return Vec::new();
    };
    let aws = sso.config();
    let mut accounts: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (name, props) in aws.profiles().profiles() {
        if let Some(account) = props.get_str("sso_account_id") {
            accounts
                .entry(account.trim().to_owned())
                .or_default()
                .push(name.clone());
        }
    }
    accounts
        .into_iter()
        .map(|(account, profiles)| candidate(&account, Some(profiles.join(", "))))
        .collect()
}

/// One candidate; names from files are made printable before they reach the terminal.
fn candidate(value: &str, help: Option<String>) -> CompletionCandidate {
    let value = crate::term::printable(value).into_owned();
    let help = help.map(|h| crate::term::printable(&h).into_owned());
    CompletionCandidate::new(value).help(help.map(Into::into))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script() {
        for shell in [
            clap_complete::Shell::PowerShell,
            clap_complete::Shell::Elvish,
        ] {
            let script = script(shell);
            assert!(script.contains("export-credentials"), "{shell:?}");
            assert!(script.contains("sso-session"), "{shell:?}");
        }
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
        ] {
            let script = script(shell);
            assert!(script.contains("COMPLETE="), "{shell:?}: {script}");
        }
    }
}
