//! Shell code that a shell evaluates: the functions of `sso shell-init` and the variable
//! assignments `sso use` prints for them.
//!
//! Every value put into shell code goes through [`quote`], which single-quotes it in the
//! shell's own syntax, so that no character of it (`'`, `$(...)`, backticks, `;`, a newline)
//! is ever interpreted: profile names and regions come from config files, and are as untrusted
//! as a server's answer. [`crate::error::shell_word`] (words in help lines, which the user may
//! paste) uses the same POSIX quoting ([`quote_posix`]).
//!
//! Credentials are not only quoted: like `export-credentials`, `sso use` refuses any value that
//! is not [`crate::export::is_credential_text`].

use clap::ValueEnum;

/// A shell that `sso shell-init` and `sso use` write code for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// bash (also sh-compatible shells that have `local`).
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell (Windows PowerShell 5.1 and PowerShell 7).
    Powershell,
}

impl Shell {
    /// Every shell, in the order of the help.
    pub const ALL: [Self; 4] = [Self::Bash, Self::Zsh, Self::Fish, Self::Powershell];

    /// The name as on the command line (`bash`, `zsh`, `fish`, `powershell`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Zsh => "zsh",
            Self::Fish => "fish",
            Self::Powershell => "powershell",
        }
    }
}

/// The name of an environment variable that `sso use` sets or removes.
///
/// Only our own constants: a variable name is never taken from input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VarName(&'static str);

impl VarName {
    /// `AWS_PROFILE`.
    pub(crate) const PROFILE: Self = Self("AWS_PROFILE");
    /// `AWS_REGION`.
    pub(crate) const REGION: Self = Self("AWS_REGION");
    /// `AWS_DEFAULT_REGION`.
    pub(crate) const DEFAULT_REGION: Self = Self("AWS_DEFAULT_REGION");
    /// `AWS_ACCESS_KEY_ID`.
    pub(crate) const ACCESS_KEY_ID: Self = Self("AWS_ACCESS_KEY_ID");
    /// `AWS_SECRET_ACCESS_KEY`.
    pub(crate) const SECRET_ACCESS_KEY: Self = Self("AWS_SECRET_ACCESS_KEY");
    /// `AWS_SESSION_TOKEN`.
    pub(crate) const SESSION_TOKEN: Self = Self("AWS_SESSION_TOKEN");
    /// `AWS_CREDENTIAL_EXPIRATION`.
    pub(crate) const CREDENTIAL_EXPIRATION: Self = Self("AWS_CREDENTIAL_EXPIRATION");

    /// The region variables.
    pub(crate) const REGIONS: [Self; 2] = [Self::REGION, Self::DEFAULT_REGION];
    /// The credential variables.
    pub(crate) const CREDENTIALS: [Self; 4] = [
        Self::ACCESS_KEY_ID,
        Self::SECRET_ACCESS_KEY,
        Self::SESSION_TOKEN,
        Self::CREDENTIAL_EXPIRATION,
    ];
    /// Everything `sso use` may set, in the order it prints them.
    pub(crate) const ALL: [Self; 7] = [
        Self::PROFILE,
        Self::REGION,
        Self::DEFAULT_REGION,
        Self::ACCESS_KEY_ID,
        Self::SECRET_ACCESS_KEY,
        Self::SESSION_TOKEN,
        Self::CREDENTIAL_EXPIRATION,
    ];

    /// The name.
    pub(crate) fn as_str(self) -> &'static str {
        self.0
    }
}

/// One change to the shell's environment.
///
/// `Debug` never shows the values: they may be secrets.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Assignment {
    /// Set and export the variable.
    Set(VarName, String),
    /// Remove the variable (no error when it is not set).
    Unset(VarName),
}

impl std::fmt::Debug for Assignment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Set(name, _) => write!(f, "Set({}, <value>)", name.as_str()),
            Self::Unset(name) => write!(f, "Unset({})", name.as_str()),
        }
    }
}

/// A value that no shell can hold: it contains a NUL character (environment variables end at
/// the first one). The value itself is never repeated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the value of {variable} contains a NUL character; it was not printed")]
pub(crate) struct NulInValue {
    /// The variable whose value was refused.
    pub variable: &'static str,
}

/// `value` as one single-quoted word of `shell`, never interpreted by it.
///
/// - bash, zsh: `'...'`, each `'` written as `'\''` (close, escaped quote, reopen);
/// - fish: `'...'`, with `\` and `'` escaped by a backslash (the only escapes inside fish's
///   single quotes);
/// - PowerShell: `'...'`, each single quote doubled, including the typographic ones
///   (`‘ ’ ‚ ‛`), which PowerShell also takes as single quotes.
///
/// A newline stays a newline inside the quotes in every shell. NUL cannot be quoted (no shell
/// keeps it); [`render`] refuses such values before quoting.
pub(crate) fn quote(shell: Shell, value: &str) -> String {
    match shell {
        Shell::Bash | Shell::Zsh => quote_posix(value),
        Shell::Fish => {
            let mut out = String::with_capacity(value.len() + 2);
            out.push('\'');
            for c in value.chars() {
                if matches!(c, '\\' | '\'') {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('\'');
            out
        }
        Shell::Powershell => {
            let mut out = String::with_capacity(value.len() + 2);
            out.push('\'');
            for c in value.chars() {
                if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
                    out.push(c);
                }
                out.push(c);
            }
            out.push('\'');
            out
        }
    }
}

/// `value` as one single-quoted word of a POSIX shell (sh, bash, zsh): `'...'` with each `'`
/// written as `'\''`.
pub(crate) fn quote_posix(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// The shell code that makes `changes` in `shell`, one line per change; nothing is printed
/// for a value with a NUL character (the whole code is refused).
pub(crate) fn render(shell: Shell, changes: &[Assignment]) -> Result<String, NulInValue> {
    let mut out = String::new();
    for change in changes {
        let line = match change {
            Assignment::Set(name, value) => {
                if value.contains('\0') {
                    return Err(NulInValue {
                        variable: name.as_str(),
                    });
                }
                let (name, value) = (name.as_str(), quote(shell, value));
                match shell {
                    Shell::Bash | Shell::Zsh => format!("export {name}={value}\n"),
                    Shell::Fish => format!("set -gx {name} {value}\n"),
                    Shell::Powershell => format!("$Env:{name} = {value}\n"),
                }
            }
            Assignment::Unset(name) => {
                let name = name.as_str();
                match shell {
                    Shell::Bash | Shell::Zsh => format!("unset {name}\n"),
                    Shell::Fish => format!("set -e {name}\n"),
                    Shell::Powershell => {
                        format!("Remove-Item Env:{name} -ErrorAction SilentlyContinue\n")
                    }
                }
            }
        };
        out.push_str(&line);
    }
    Ok(out)
}

/// The function `sso shell-init SHELL` prints: `sso use ...` runs `sso use --shell SHELL ...`
/// and evaluates what it prints, only when it succeeded; `--help` is shown, not evaluated; any
/// other command runs the binary as it is.
pub(crate) fn init_script(shell: Shell) -> String {
    match shell {
        Shell::Bash | Shell::Zsh => POSIX_INIT.replace("{shell}", shell.name()),
        Shell::Fish => FISH_INIT.to_owned(),
        Shell::Powershell => POWERSHELL_INIT.to_owned(),
    }
}

/// bash and zsh. `local` and the assignment are separate so that `$?` is the binary's status.
const POSIX_INIT: &str = r#"# sso shell integration: `sso use PROFILE` switches this shell to PROFILE.
# Added by `eval "$(sso shell-init {shell})"`; see `sso use --help`.
sso() {
  if [ "${1-}" = use ]; then
    shift
    case " $* " in
      *" -h "* | *" --help "*)
        command sso use "$@"
        return
        ;;
    esac
    local __sso_code
    __sso_code="$(command sso use --shell {shell} "$@")" || return
    eval "$__sso_code"
  else
    command sso "$@"
  fi
}
"#;

/// fish: `set` keeps the status of its command substitution; the lines are joined again
/// before `source`, whose status is dropped (`set -e` of a variable that is not set is 4).
const FISH_INIT: &str = r#"# sso shell integration: `sso use PROFILE` switches this shell to PROFILE.
# Added by `sso shell-init fish | source`; see `sso use --help`.
function sso --wraps sso --description 'sso; `sso use PROFILE` switches this shell'
    if test (count $argv) -gt 0; and test "$argv[1]" = use
        if contains -- --help $argv[2..-1]; or contains -- -h $argv[2..-1]
            command sso $argv
            return
        end
        set -l __sso_code (command sso use --shell fish $argv[2..-1])
        or return
        string join \n -- $__sso_code | source
        return 0
    else
        command sso $argv
    end
end
"#;

/// PowerShell: the binary is found as an application, so that the function does not call
/// itself.
const POWERSHELL_INIT: &str = r#"# sso shell integration: `sso use PROFILE` switches this shell to PROFILE.
# Added by `sso shell-init powershell | Out-String | Invoke-Expression`; see `sso use --help`.
function sso {
    $ssoBinary = Get-Command -Name sso -CommandType Application -ErrorAction Stop | Select-Object -First 1
    if ($args.Count -gt 0 -and $args[0] -eq 'use') {
        $rest = @($args | Select-Object -Skip 1)
        if ($rest -contains '--help' -or $rest -contains '-h') {
            & $ssoBinary @args
            return
        }
        $ssoCode = & $ssoBinary use --shell powershell @rest | Out-String
        if ($LASTEXITCODE -ne 0) { return }
        Invoke-Expression $ssoCode
    } else {
        & $ssoBinary @args
    }
}
"#;

#[cfg(test)]
pub(crate) mod tests;
