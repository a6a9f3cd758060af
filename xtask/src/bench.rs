//! `cargo xtask bench`: whole-process timings of the release `sso` binary against the bundled
//! emulator, plus the config-parse criterion numbers; prints a markdown table and writes
//! `docs/benchmarks.md` (issue 7).
//!
//! Builds `sso` and `sso-emulator` in release, starts the emulator on 127.0.0.1, makes a
//! temporary HOME with one sso-session and one profile pointing at it (through
//! `AWS_ENDPOINT_URL_SSO_OIDC` / `AWS_ENDPOINT_URL_SSO`), signs in once with the device code (the
//! emulator auto-approves), then measures:
//!
//! 1. warm `sso export-credentials --format process` (role credentials cached): median and p90
//!    wall time and peak RSS, next to `/bin/true` measured the same way (runs interleaved);
//! 2. the cold path (valid token, `~/.aws/cli/cache` deleted before each run): median wall time
//!    and the emulator's GetRoleCredentials count per run (must be 1);
//! 3. config parse + resolve of the 2,500-profile file: the sso-config criterion bench, or with
//!    `--with-aws-config` the comparison against aws-config's loader in `bench-compare/`;
//! 4. `sso list roles --output json` over 300 accounts x 3 roles with 20 ms latency and a 429 on
//!    every 10th portal call, against a sequential walk of the same API done here (see
//!    [`portal`]);
//! 5. `sso populate` over 1,000 accounts x 3 roles under the same conditions, twice (the second
//!    run must change nothing);
//! 6. a refresh storm: the cached token expired, no role credentials cached, 32 concurrent
//!    `sso export-credentials` processes; exactly one CreateToken refresh and one
//!    GetRoleCredentials are allowed;
//! 7. a chained profile (the SSO profile as `source_profile` of a role, issue 14) warm, with the
//!    assumed-role credentials cached: median wall next to `/bin/true` and the SSO warm path of
//!    item 1 (runs interleaved), and the emulator's counters (no call at all);
//! 8. the same profile cold (valid token, `~/.aws/cli/cache` deleted before each run): exactly
//!    one GetRoleCredentials and one AssumeRole per run.
//! 9. `sso prompt` (issue 16) with `AWS_PROFILE` set and no `AWS_CREDENTIAL_EXPIRATION`, so it
//!    reads the config and the token cache: median wall next to `/bin/true` (runs interleaved),
//!    and the emulator's counters (no call at all).
//!
//! Wall times are taken around `spawn` and `wait` of the process (stdout and stderr to
//! `/dev/null` for the short runs). Peak RSS comes from `/usr/bin/time -f %M` in separate runs
//! (the workspace forbids `unsafe`, so no `wait4`). Nothing leaves 127.0.0.1.
//!
//! The scenarios are in [`credentials`] (items 1, 2 and 6 to 9), [`portal`] (4 and 5, with the
//! sequential walk) and [`criterion`] (3); [`measure`] times processes and sums up the runs,
//! [`sso`] and [`emulator`] drive the two binaries, and [`report`] prints the table and writes
//! the document. This file only parses the flags and runs the items in order.

mod credentials;
mod criterion;
mod emulator;
mod measure;
mod portal;
mod report;
mod sso;

use std::path::Path;

use anyhow::{Context as _, Result, bail};

use self::report::Report;
use self::sso::Sso;
use crate::local::{Emulator, TempHome, exe, target_dir};

const USAGE: &str = "usage: cargo xtask bench [--with-aws-config] [--criterion]";

/// Runs `cargo xtask bench ARGS`.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut with_aws_config = false;
    let mut criterion = false;
    for arg in args {
        match arg.as_str() {
            "--with-aws-config" => with_aws_config = true,
            "--criterion" => criterion = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                println!(
                    "  --with-aws-config  item 3 against aws-config's loader (bench-compare/, compiles aws-config)"
                );
                println!("  --criterion        also run `cargo bench --workspace` afterwards");
                return Ok(());
            }
            other => bail!("unknown option `{other}`\n{USAGE}"),
        }
    }

    let mut report = Report::default();
    let build = [
        "build",
        "--release",
        "--locked",
        "-p",
        "sso-cli",
        "-p",
        "sso-emulator",
        "--bins",
    ];
    crate::cargo(root, &build)?;
    report.command(format!("cargo {}", build.join(" ")));
    let release = target_dir(root).join("release");
    let emulator_bin = release.join(exe("sso-emulator"));
    // The `sso` measured is a copy, as `cargo install` and packages install it: the file the
    // linker wrote starts measurably slower while it stays in the page cache as written.
    let installed = TempHome::new("sso-bench-bin")?;
    let sso_bin = installed.path.join(exe("sso"));
    std::fs::copy(release.join(exe("sso")), &sso_bin)
        .with_context(|| format!("copying sso to {}", sso_bin.display()))?;

    let home = TempHome::new("sso-bench")?;
    let emulator_args = [
        "--port",
        "0",
        "--accounts",
        "300",
        "--roles",
        "3",
        "--auto-approve",
        "--no-enforce-poll-interval",
        "--poll-interval-secs",
        "1",
        "--seed",
        "7",
    ];
    let emulator = Emulator::start(&emulator_bin, &emulator_args)?;
    report.command(format!("sso-emulator {}", emulator_args.join(" ")));
    eprintln!(
        "bench: emulator on {}, HOME {}",
        emulator.url,
        home.path.display()
    );
    let sso = Sso {
        bin: sso_bin,
        home: home.path.clone(),
        url: emulator.url.clone(),
    };
    sso.write_config()?;
    sso.login(&mut report)?;

    credentials::warm(&sso, &mut report)?;
    credentials::cold(&sso, &emulator, &mut report)?;
    credentials::chained_warm(&sso, &emulator, &mut report)?;
    credentials::chained_cold(&sso, &emulator, &mut report)?;
    credentials::prompt(&sso, &emulator, &mut report)?;
    credentials::storm(&sso, &emulator, &mut report)?;
    portal::list_roles(&sso, &emulator, &mut report)?;
    portal::populate(&sso, &emulator, &mut report)?;
    drop(emulator);
    criterion::config_parse(root, with_aws_config, &mut report)?;

    let table = report.table();
    println!("{table}");
    let doc = report.document(&table)?;
    let path = root.join("docs").join("benchmarks.md");
    std::fs::write(&path, doc).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("bench: wrote {}", path.display());
    let missed = report.missed();
    if missed > 0 {
        eprintln!("bench: {missed} measurement(s) missed their target (flagged in the table)");
    }

    if criterion {
        crate::cargo(root, &["bench", "--workspace", "--locked"])?;
    }
    Ok(())
}
