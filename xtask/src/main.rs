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
mod public_api;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, Result, bail};

const HELP: &str = "\
cargo xtask <command>

Commands:
  ci            fmt --check, clippy -D warnings, the whole test suite, conformance, docs with
                -D warnings, cargo-deny, then `cargo package --workspace`
  docs          `cargo doc --no-deps --workspace` with RUSTDOCFLAGS=-D warnings
  deny          `cargo deny check` licenses, bans, sources; advisories when the RustSec
                database can be fetched (skipped with a note otherwise)
  man DIR       write the man pages (sso.1, sso-<command>.1) into DIR (clap_mangen)
  completions DIR  write the shell completions of `sso` into DIR (bash, zsh, fish, PowerShell,
                elvish)
  public-api    compare each publishable library's public API (rustdoc JSON, RUSTC_BOOTSTRAP=1)
                with its committed crates/NAME/public-api.txt; [--bless] rewrites the listings
  package       `cargo package --workspace`: packs every publishable crate and builds each
                from its tarball, as crates.io would
  conformance   run the conformance harness (SDK suites, recorded exchanges, round-trips)
                extra arguments go to the harness: [--shared PATH] [SUITE...]
  demo          the README's main job: the `sso` binary against the bundled emulator
  bench         whole-process timings of the release `sso` against the emulator and the
                config-parse criterion bench; prints a table, writes docs/benchmarks.md
                [--with-aws-config] item 3 against aws-config (bench-compare/, slow to build)
                [--criterion] also run `cargo bench --workspace`
  tidy          repository hygiene checks (also run by `cargo test`)
  fuzz TARGET   run a cargo-fuzz target from fuzz/ (needs cargo-fuzz)
  fuzz-ci       every fuzz target for a fixed time (default 20 s each, [--seconds N]), starting
                from its regression seeds in fuzz/regressions/TARGET (needs cargo-fuzz)
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
        "docs" => docs(&root),
        "public-api" => public_api::run(&root, &rest),
        "man" => match rest.first() {
            Some(dir) => cargo(
                &root,
                &[
                    "run",
                    "--quiet",
                    "--locked",
                    "-p",
                    "sso-cli",
                    "--example",
                    "man",
                    "--",
                    dir,
                ],
            ),
            None => bail!("usage: cargo xtask man DIR"),
        },
        "completions" => match rest.first() {
            Some(dir) => completions(&root, Path::new(dir)),
            None => bail!("usage: cargo xtask completions DIR"),
        },
        "deny" => deny(&root),
        "package" => package(&root),
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
        "fuzz-ci" => fuzz_ci(&root, &rest),
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
    docs(root)?;
    public_api::run(root, &[])?;
    deny(root)?;
    // Last: it builds every publishable crate again from its tarball (a separate target dir).
    package(root)?;
    eprintln!("xtask ci: all green in {:.0?}", started.elapsed());
    Ok(())
}

/// `cargo package --workspace` for the publishable members: packs each, then builds each from
/// its tarball with the others as a local registry, as crates.io would see them.
fn package(root: &Path) -> Result<()> {
    let unpublished: Vec<String> = public_api::packages(root)?
        .into_iter()
        .filter(|p| !p.publishable)
        .map(|p| p.name)
        .collect();
    forget_verified_sources(root, &unpublished);
    // `--allow-dirty`: `cargo xtask ci` runs on work in progress too; CI's clone is clean anyway.
    let mut args = vec!["package", "--workspace", "--locked", "--allow-dirty"];
    for name in &unpublished {
        args.extend(["--exclude", name.as_str()]);
    }
    cargo(root, &args)
}

/// Removes what an earlier `cargo package` unpacked of our crates from its temporary registry
/// (`$CARGO_HOME/registry/src/-HASH/sso-*`; the hash is that of `target/package`'s path).
/// Cargo treats a registry crate as immutable and does not unpack the same version again, so a
/// second run with the same version and target dir would verify against the first run's
/// sources, and reuse what it compiled of them (a registry crate's fingerprint ignores its
/// sources). So the unpacked copies and the fingerprints of our crates in the target dir go
/// (the workspace crates are rebuilt once). Only directories of that local registry (their
/// names start with `-`) are touched in `CARGO_HOME`.
fn forget_verified_sources(root: &Path, unpublished: &[String]) {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    if let Ok(fingerprints) = std::fs::read_dir(target.join("debug").join(".fingerprint")) {
        for unit in fingerprints.flatten() {
            if unit.file_name().to_string_lossy().starts_with("sso-") {
                // Best effort: a missing fingerprint only means a rebuild.
                let _ = std::fs::remove_dir_all(unit.path());
            }
        }
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry").join("src")) else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(&src) else {
        return;
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        let Ok(crates) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for unpacked in crates.flatten() {
            let name = unpacked.file_name().to_string_lossy().into_owned();
            let ours = name.starts_with("sso-")
                && !unpublished
                    .iter()
                    .any(|u| name.starts_with(&format!("{u}-")));
            if ours {
                // Best effort: a leftover only matters when its sources are stale.
                let _ = std::fs::remove_dir_all(unpacked.path());
            }
        }
    }
}

/// `sso completions SHELL` for every shell clap_complete knows, into `dir`, named as each
/// shell looks for them.
fn completions(root: &Path, dir: &Path) -> Result<()> {
    cargo(
        root,
        &[
            "build", "--quiet", "--locked", "-p", "sso-cli", "--bin", "sso",
        ],
    )?;
    let sso = root
        .join("target")
        .join("debug")
        .join(format!("sso{}", std::env::consts::EXE_SUFFIX));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (shell, file) in [
        ("bash", "sso.bash"),
        ("zsh", "_sso"),
        ("fish", "sso.fish"),
        ("powershell", "_sso.ps1"),
        ("elvish", "sso.elv"),
    ] {
        let output = Command::new(&sso)
            .args(["completions", shell])
            .output()
            .with_context(|| format!("running {}", sso.display()))?;
        if !output.status.success() {
            bail!(
                "`sso completions {shell}` failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::fs::write(dir.join(file), &output.stdout)
            .with_context(|| format!("writing {}", dir.join(file).display()))?;
    }
    Ok(())
}

/// API docs of every crate, with rustdoc's warnings (broken links, bad HTML) as errors.
fn docs(root: &Path) -> Result<()> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command
        .args(["doc", "--no-deps", "--workspace", "--locked"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(root);
    eprintln!("$ RUSTDOCFLAGS='-D warnings' cargo doc --no-deps --workspace --locked");
    let status = command.status().context("could not start cargo doc")?;
    if !status.success() {
        bail!("`cargo doc` found problems ({status})");
    }
    Ok(())
}

/// `cargo deny` with deny.toml. The advisory database lives on GitHub: where it cannot be
/// fetched, the advisories check is skipped with a note (the other checks need no network
/// beyond the crates registry).
fn deny(root: &Path) -> Result<()> {
    let installed = Command::new("cargo")
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !installed {
        bail!("cargo-deny is not installed: `cargo install cargo-deny --locked` (.ci/run does)");
    }
    cargo(root, &["deny", "check", "licenses", "bans", "sources"])?;
    eprintln!("$ cargo deny fetch db");
    let fetched = Command::new("cargo")
        .args(["deny", "fetch", "db"])
        .current_dir(root)
        .output()
        .context("could not start cargo deny")?;
    if fetched.status.success() {
        cargo(root, &["deny", "check", "advisories"])
    } else {
        eprintln!(
            "note: the RustSec advisory database could not be fetched, so `cargo deny check \
             advisories` was skipped here; it runs where the database is reachable (GitHub CI)"
        );
        Ok(())
    }
}

fn conformance(root: &Path, rest: &[String]) -> Result<()> {
    let mut args = vec!["run", "--quiet", "--locked", "-p", "sso-conformance", "--"];
    args.extend(rest.iter().map(String::as_str));
    cargo(root, &args)
}

/// Seconds each target runs in `cargo xtask fuzz-ci` unless `--seconds` says otherwise.
const FUZZ_CI_SECONDS: u32 = 20;

/// `cargo xtask fuzz-ci`: builds every target of fuzz/ once, then runs each for a fixed time.
/// libFuzzer first replays the scratch corpus (fuzz/corpus/TARGET, git-ignored, where it adds
/// what it finds) and the committed regression seeds (fuzz/regressions/TARGET: inputs that once
/// crashed a target), so a regression fails within the first second.
fn fuzz_ci(root: &Path, rest: &[String]) -> Result<()> {
    let seconds = match rest {
        [] => FUZZ_CI_SECONDS,
        [flag, n] if flag == "--seconds" => n.parse().context("--seconds takes a whole number")?,
        _ => bail!("usage: cargo xtask fuzz-ci [--seconds N]"),
    };
    let fuzz_dir = root.join("fuzz");
    let mut targets = Vec::new();
    for entry in
        std::fs::read_dir(fuzz_dir.join("fuzz_targets")).context("listing fuzz/fuzz_targets")?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "rs")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            targets.push(stem.to_owned());
        }
    }
    targets.sort();
    if targets.is_empty() {
        bail!("no fuzz targets in fuzz/fuzz_targets");
    }
    let started = std::time::Instant::now();
    cargo_fuzz(&fuzz_dir, &["fuzz", "build"])?;
    let max_time = format!("-max_total_time={seconds}");
    for target in &targets {
        let corpus = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .with_context(|| format!("creating {}", corpus.display()))?;
        let corpus = corpus.display().to_string();
        let mut args = vec!["fuzz", "run", target.as_str(), corpus.as_str()];
        let seeds = fuzz_dir.join("regressions").join(target);
        let seeds = seeds.display().to_string();
        if Path::new(&seeds).is_dir() {
            args.push(&seeds);
        }
        args.extend(["--", max_time.as_str()]);
        cargo_fuzz(&fuzz_dir, &args)?;
    }
    eprintln!(
        "xtask fuzz-ci: {} targets, {seconds} s each, no crash in {:.0?}",
        targets.len(),
        started.elapsed()
    );
    Ok(())
}

/// Runs `cargo ARGS` in fuzz/ with `RUSTC_BOOTSTRAP=1` (cargo-fuzz needs nightly flags).
fn cargo_fuzz(fuzz_dir: &Path, args: &[&str]) -> Result<()> {
    eprintln!("$ cargo {} (in fuzz/, RUSTC_BOOTSTRAP=1)", args.join(" "));
    let status = Command::new("cargo")
        .args(args)
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(fuzz_dir)
        .status()
        .context(
            "could not start `cargo fuzz` (install it with `cargo install cargo-fuzz --locked`)",
        )?;
    if !status.success() {
        bail!("`cargo {}` failed: {status}", args.join(" "));
    }
    Ok(())
}

fn fuzz(root: &Path, rest: &[String]) -> Result<()> {
    let Some(target) = rest.first() else {
        bail!("usage: cargo xtask fuzz TARGET [-- LIBFUZZER ARGS]");
    };
    let mut args = vec!["fuzz", "run", target.as_str()];
    args.extend(rest[1..].iter().map(String::as_str));
    cargo_fuzz(&root.join("fuzz"), &args)
}
