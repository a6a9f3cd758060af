//! Writes the `sso(1)` manual page and one page per subcommand (`sso-login(1)`, ...) as roff.
//!
//! `cargo xtask man DIR` runs it; the release archives ship its output. Usage:
//! `cargo run -p sso-cli --example man -- DIR`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory as _;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), b"usage: man DIR\n");
        return ExitCode::FAILURE;
    };
    match write_pages(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = format!("man: {}: {error}\n", dir.display());
            let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
            ExitCode::FAILURE
        }
    }
}

fn write_pages(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let command = sso_cli::Cli::command();
    // `generate_to` writes sso.1 and sso-<subcommand>.1 for every visible subcommand.
    clap_mangen::generate_to(command, dir)
}
