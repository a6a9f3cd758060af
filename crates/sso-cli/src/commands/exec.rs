//! `sso exec [--profile P] -- CMD ARGS...`: run a command with a profile's credentials in its
//! environment (any profile `export-credentials` handles: the driver's whole credential
//! chain).
//!
//! The child gets `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_CREDENTIAL_EXPIRATION` (the `+00:00` form `export-credentials --format env` prints) and,
//! when the profile has a `region`, `AWS_REGION` and `AWS_DEFAULT_REGION`. Credentials without a
//! session token or an expiry (static keys) remove those two variables instead, so that none
//! inherited from the caller is paired with them. `AWS_PROFILE` and
//! `AWS_DEFAULT_PROFILE` are removed so that no tool resolves the profile again on its own
//! instead of using the credentials given. Everything else (stdin, stdout, stderr, the rest of
//! the environment, the working directory) is inherited.
//!
//! On Unix, `sso` replaces itself with the command (`execvp`, through
//! `std::os::unix::process::CommandExt::exec`): signals (Ctrl-C, SIGTERM from a supervisor),
//! the exit status and job control then reach the command directly with nothing in between to
//! forward or translate them. Elsewhere the command is spawned and waited for, and its exit
//! code becomes `sso`'s. A command that does not exist exits 127, one that cannot be executed
//! 126, as in shells.
//!
//! With `--server` the child gets no keys: `sso` serves the credentials on `127.0.0.1` while
//! the child runs ([`sso_driver::serve`], renewed before they expire) and passes
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` and `AWS_CONTAINER_AUTHORIZATION_TOKEN`, removing every
//! variable that would win over them ([`SHADOWING_VARIABLES`]). `sso` then stays as the
//! child's parent: it ignores Ctrl-C (the child, in the same process group, gets it and
//! decides) and exits with the child's code (128 + the signal when a signal ended it).

use std::ffi::OsString;
use std::process::Command;

use sso_driver::sso::Selection;

use crate::Context;
use crate::commands::export_credentials::{isoformat, profile_credentials};
use crate::commands::serve::{ChainSource, SHADOWING_VARIABLES, require_temporary, serve_error};
use crate::error::CliError;

/// Runs `sso exec`.
pub(crate) fn run(ctx: &Context, command: Vec<OsString>, server: bool) -> Result<(), CliError> {
    let selection = ctx.global.selection();
    let Some((program, args)) = command.split_first() else {
        return Err(CliError::Usage {
            message: "no command to run".to_owned(),
            help: Some("pass it after `--`: sso exec -- aws s3 ls".to_owned()),
        });
    };
    if server {
        return run_with_server(ctx, selection, program, args);
    }
    let resolved = profile_credentials(&ctx.env, &selection)?;
    let credentials = &resolved.credentials;
    let mut child = Command::new(program);
    child
        .args(args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE")
        .env("AWS_ACCESS_KEY_ID", &credentials.access_key_id)
        .env(
            "AWS_SECRET_ACCESS_KEY",
            credentials.secret_access_key.expose_secret(),
        );
    match &credentials.session_token {
        Some(token) => child.env("AWS_SESSION_TOKEN", token.expose_secret()),
        None => child.env_remove("AWS_SESSION_TOKEN"),
    };
    match credentials.expiration {
        Some(expiration) => child.env("AWS_CREDENTIAL_EXPIRATION", isoformat(expiration)),
        None => child.env_remove("AWS_CREDENTIAL_EXPIRATION"),
    };
    if let Some(region) = &resolved.region {
        child
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region);
    }
    drop(resolved);
    run_command(child, program)
}

/// `sso exec --server`: serves the credentials while the child runs, and exits with its code.
fn run_with_server(
    ctx: &Context,
    selection: Selection,
    program: &OsString,
    args: &[OsString],
) -> Result<(), CliError> {
    // Fetched up front: a missing sign-in fails here, as `sso exec` does, not in the child.
    let resolved = profile_credentials(&ctx.env, &selection)?;
    require_temporary(&resolved.credentials)?;
    let region = resolved.region.clone();
    let source = std::sync::Arc::new(ChainSource::new(ctx.env.clone(), selection));
    let server = sso_driver::serve::BlockingServer::start(
        0,
        source,
        std::sync::Arc::new(sso_driver::serve::SystemClock),
        Some(resolved.credentials),
    )
    .map_err(|error| serve_error(error, 0))?;
    let mut child = Command::new(program);
    child.args(args);
    for name in SHADOWING_VARIABLES {
        child.env_remove(name);
    }
    child
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.server().url())
        .env(
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            server.server().token().expose_secret(),
        );
    if let Some(region) = &region {
        child
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region);
    }
    server
        .ignore_interrupts()
        .map_err(|source| CliError::Failed {
            message: format!("cannot handle Ctrl-C while serving credentials: {source}"),
            help: None,
        })?;
    let status = child
        .status()
        .map_err(|error| spawn_error(program, error))?;
    drop(server);
    // The binary's only way to pass an arbitrary exit code on: `CliError` codes are fixed.
    std::process::exit(exit_code_of(status));
}

/// The exit code of a finished child as shells report it: its code, or 128 + the signal
/// that ended it.
fn exit_code_of(status: std::process::ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    1
}

#[cfg(unix)]
fn run_command(mut child: Command, program: &OsString) -> Result<(), CliError> {
    use std::os::unix::process::CommandExt as _;
    // Only returns on failure.
    let error = child.exec();
    Err(spawn_error(program, error))
}

#[cfg(not(unix))]
fn run_command(mut child: Command, program: &OsString) -> Result<(), CliError> {
    let status = child
        .status()
        .map_err(|error| spawn_error(program, error))?;
    // The binary's only way to pass an arbitrary exit code on: `CliError` codes are fixed.
    std::process::exit(status.code().unwrap_or(1));
}

/// A command that could not be started, with the shells' codes: 127 when it does not exist,
/// 126 when it exists but cannot be executed.
fn spawn_error(program: &OsString, source: std::io::Error) -> CliError {
    let program = program.to_string_lossy().into_owned();
    match source.kind() {
        std::io::ErrorKind::NotFound => CliError::CommandNotFound { program },
        _ => CliError::CommandNotExecutable { program, source },
    }
}
