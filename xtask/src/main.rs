//! Project automation, reached through `cargo xtask` (alias in `.cargo/config.toml`).
//!
//! Everything is plain Rust over `std::process::Command` so that nothing needs installing beyond
//! cargo. xtask depends on no product crate: it drives them through cargo.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "xtask talks to a terminal"
)]

mod bench;
mod demo;
mod local;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, Result, bail};

const HELP: &str = "\
cargo xtask <command>

Commands:
  ci            fmt --check, clippy -D warnings, the whole test suite, then conformance
  conformance   run the conformance harness (SDK suites, recorded exchanges, round-trips)
                extra arguments go to the harness: [--shared PATH] [SUITE...]
  demo          the README's main job: the `sso` binary against the bundled emulator
  bench         whole-process timings of the release `sso` against the emulator and the
                config-parse criterion bench; prints a table, writes docs/benchmarks.md
                [--with-aws-config] item 3 against aws-config (bench-compare/, slow to build)
                [--criterion] also run `cargo bench --workspace`
  tidy          repository hygiene checks (also run by `cargo test`)
  fuzz TARGET   run a cargo-fuzz target from fuzz/ (needs cargo-fuzz)
";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let root = project_root();
    match command.as_str() {
        "ci" => ci(&root),
        "conformance" => conformance(&root, &rest),
        "demo" => demo::run(&root),
        "browse" => match rest.first() {
            Some(url) => demo::browse(url),
            None => bail!("usage: cargo xtask browse URL"),
        },
        "bench" => bench::run(&root, &rest),
        "tidy" => {
            let problems = tidy::check(&root)?;
            if problems.is_empty() {
                println!("tidy: ok");
                Ok(())
            } else {
                for problem in &problems {
                    eprintln!("{problem}");
                }
                bail!("tidy found {} problem(s)", problems.len())
            }
        }
        "fuzz" => fuzz(&root, &rest),
        "" | "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{HELP}"),
    }
}

/// The repository root: the parent of this crate's manifest directory.
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs `cargo ARGS` in `root`, echoing the command, and fails if it fails.
pub(crate) fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("could not start `{cargo}`"))?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

fn ci(root: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    cargo(root, &["fmt", "--all", "--", "--check"])?;
    cargo(
        root,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    cargo(root, &["test", "--workspace", "--locked"])?;
    conformance(root, &[])?;
    eprintln!("xtask ci: all green in {:.0?}", started.elapsed());
    Ok(())
}

fn conformance(root: &Path, rest: &[String]) -> Result<()> {
    let mut args = vec!["run", "--quiet", "--locked", "-p", "sso-conformance", "--"];
    args.extend(rest.iter().map(String::as_str));
    cargo(root, &args)
}

fn fuzz(root: &Path, rest: &[String]) -> Result<()> {
    let Some(target) = rest.first() else {
        bail!("usage: cargo xtask fuzz TARGET [-- LIBFUZZER ARGS]");
    };
    let fuzz_dir = root.join("fuzz");
    let mut args = vec!["fuzz", "run", target.as_str()];
    args.extend(rest[1..].iter().map(String::as_str));
    eprintln!("$ cargo {} (in fuzz/, RUSTC_BOOTSTRAP=1)", args.join(" "));
    let status = Command::new("cargo")
        .args(&args)
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(&fuzz_dir)
        .status()
        .context("could not start `cargo fuzz` (install it with `cargo install cargo-fuzz`)")?;
    if !status.success() {
        bail!("fuzzing stopped: {status}");
    }
    Ok(())
}
