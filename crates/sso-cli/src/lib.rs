//! The `sso` command line: argument parsing, prompts, output and exit codes over `sso-driver`.
//!
//! This crate is only the CLI definition plus glue (ripgrep's `crates/core`): the libraries do
//! the work and never print. Arguments pass through two stages, `args` (clap, close to the
//! flags) and `options` (validated, typed). Each command opens one `sso_driver::Sso` for its
//! selection, makes its use-case call and renders the result. Every failure the user can cause
//! is a `CliError` with a documented exit code; [`main_impl`] renders it with miette. Every
//! module is private: [`main_impl`] and [`Cli`] (for the manual pages) are the public face.
//!
//! Module map: `commands` has one module per command; `export`, `shell` and `output`
//! render what goes to stdout; `term`, `picker` and `wizard` are the interactive parts;
//! `spinner` shows progress on stderr; `qr` and `clipboard` hand a URL to another device
//! or app.

#![deny(missing_docs)]

use std::ffi::OsString;
use std::io::{self, IsTerminal as _, Write as _};
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};
use sso_driver::env::Env;

mod args;
mod clipboard;
mod commands;
mod convert;
mod error;
mod expiry;
mod export;
mod options;
mod output;
mod picker;
mod qr;
mod shell;
mod spinner;
mod term;
mod values;
mod warnings;
mod wizard;

pub use crate::args::Cli;
use crate::error::{CliError, exit_code};
use crate::options::{CommandOptions, Environment, GlobalOptions, Invocation};

/// What every command gets besides its own options.
#[derive(Debug, Clone)]
pub struct Context {
    /// Options of every command.
    pub global: GlobalOptions,
    /// Whether stdout may carry colours (a terminal, and colours not disabled).
    pub stdout_color: bool,
    /// The environment every command reads its variables from (the one [`main_with_args`]
    /// creates): nothing reads the process environment behind it.
    pub env: Env,
}

/// Runs `sso` with the process's arguments and returns its exit code.
pub fn main_impl() -> ExitCode {
    main_with_args(std::env::args_os())
}

/// Runs `sso` with the given arguments (the first is the program name) over the process
/// environment, read only through the one [`Env`] made here.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    let env = Env::process();
    // A Tab in a shell set up with `sso completions`: answer with candidates, nothing else.
    if commands::completions::answer_request(&args, &env) {
        return ExitCode::from(exit_code::OK);
    }
    let no_color_flag = args.iter().skip(1).any(|a| a == "--no-color");
    let debug_flag = args.iter().skip(1).any(|a| a == "--debug");
    // `Env::var` reads empty values as unset, as NO_COLOR wants.
    let no_color_env = env.var("NO_COLOR").is_some();
    let mut command = Cli::command();
    if no_color_flag || no_color_env {
        command = command.color(clap::ColorChoice::Never);
    }
    let matches = match command.try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(error) => {
            // Help and version go to stdout with code 0; usage errors to stderr with code 2.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(exit_code::USAGE));
        }
    };
    let stderr_is_terminal = io::stderr().is_terminal();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(exit_code::USAGE);
        }
    };
    let var = |name: &str| env.var(name);
    let environment = Environment {
        var: &var,
        stderr_is_terminal,
    };
    let (result, color) = match Invocation::new(cli, environment) {
        Ok(invocation) => {
            let color = invocation.global.color;
            init_tracing(&invocation.global);
            let stdout_color = !no_color_flag && !no_color_env && io::stdout().is_terminal();
            (run(invocation, stdout_color, env), color)
        }
        Err(error) => (
            Err(error),
            !no_color_flag && !no_color_env && stderr_is_terminal,
        ),
    };
    match result {
        Ok(()) => ExitCode::from(exit_code::OK),
        Err(error) if error.is_broken_pipe() => ExitCode::from(exit_code::OK),
        Err(error) => {
            let rendered = error::render(&error, color, debug_flag);
            let _ = io::stderr().lock().write_all(rendered.as_bytes());
            ExitCode::from(error.exit_code())
        }
    }
}

/// Dispatches a validated invocation to its command.
fn run(invocation: Invocation, stdout_color: bool, env: Env) -> Result<(), CliError> {
    let ctx = Context {
        global: invocation.global,
        stdout_color,
        env,
    };
    match invocation.command {
        CommandOptions::Configure(answers) => commands::configure::run(&ctx, answers),
        CommandOptions::ConfigureSession(answers) => {
            commands::configure::run_session(&ctx, answers)
        }
        CommandOptions::Login(options) => commands::login::run(&ctx, options),
        CommandOptions::Logout { session } => commands::logout::run(&ctx, session),
        CommandOptions::ExportCredentials {
            format,
            wait_for_login,
            credentials_file,
        } => commands::export_credentials::run(&ctx, format, wait_for_login, credentials_file),
        CommandOptions::ConfigureListProfiles => commands::settings::list_profiles(&ctx),
        CommandOptions::ConfigureList => commands::settings::list(&ctx),
        CommandOptions::ConfigureGet { key, session } => {
            commands::settings::get(&ctx, &key, session.as_ref())
        }
        CommandOptions::ConfigureSet {
            key,
            value,
            session,
        } => commands::settings::set(&ctx, &key, &value, session.as_ref()),
        CommandOptions::ListAccounts { target, format } => {
            commands::list::run_accounts(&ctx, target, format)
        }
        CommandOptions::ListRoles {
            target,
            account_id,
            format,
        } => commands::list::run_roles(&ctx, target, account_id, format),
        CommandOptions::Completions { shell } => commands::completions::run(shell),
        CommandOptions::Status { format, check } => commands::status::run(&ctx, format, check),
        CommandOptions::Exec { command, server } => commands::exec::run(&ctx, command, server),
        CommandOptions::Whoami { format } => commands::whoami::run(&ctx, format),
        CommandOptions::Populate(options) => commands::populate::run(&ctx, options),
        CommandOptions::Console {
            destination,
            print,
            open,
        } => commands::console::run(&ctx, destination, print, &open),
        CommandOptions::Serve { port } => commands::serve::run(&ctx, port),
        CommandOptions::ShellInit { shell } => commands::shell::shell_init(shell),
        CommandOptions::Use(options) => commands::shell::run_use(&ctx, options),
        CommandOptions::Prompt => commands::shell::run_prompt(&ctx),
    }
}

/// `--debug` logs at debug level to stderr; otherwise only warnings are shown, one line each
/// in the CLI's warning style ([`warnings`]).
/// Secrets never reach the logs: the libraries keep them in redacting newtypes.
fn init_tracing(global: &GlobalOptions) {
    let level = if global.debug {
        tracing::Level::DEBUG
    } else {
        tracing::Level::WARN
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(io::stderr)
        .with_ansi(global.color);
    let installed = if global.debug {
        builder.with_target(true).try_init()
    } else {
        builder.event_format(warnings::WarningLine).try_init()
    };
    if installed.is_ok() && global.debug {
        tracing::debug!("debug logging enabled; secrets (tokens, keys, codes) are never logged");
    }
}

/// The runtime of the commands that go to the network: one thread, IO and timers. Never built
/// on the warm path of `export-credentials`.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::Bug {
            message: format!("could not start the async runtime: {error}"),
        })
}

/// Writes command output to stdout; a closed pipe becomes a quiet exit.
pub fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(CliError::stdout)
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
