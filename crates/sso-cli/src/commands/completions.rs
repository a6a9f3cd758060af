//! `sso completions SHELL`: print a completion script generated from the clap definition.

use clap::CommandFactory as _;

use crate::args::Cli;
use crate::error::CliError;

/// Renders the completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sso", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs `sso completions`.
pub fn run(shell: clap_complete::Shell) -> Result<(), CliError> {
    crate::write_stdout(&script(shell))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_commands() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::PowerShell,
            clap_complete::Shell::Elvish,
        ] {
            let script = script(shell);
            assert!(script.contains("export-credentials"), "{shell:?}");
            assert!(script.contains("sso-session"), "{shell:?}");
        }
    }
}
