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
//!    [`sequential_walk`]);
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
//! (the workspace forbids `unsafe`, so no `wait4`). Everything is std-only and never leaves
//! 127.0.0.1.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::{Map, Value};
use sha1::{Digest as _, Sha1};

use crate::local::{Emulator, TempHome, exe, http_get, http_post, target_dir};

/// The sso-session and profile of the temporary HOME.
const SESSION: &str = "bench";
const PROFILE: &str = "bench";
/// A role assumed with the SSO profile's credentials (items 7 and 8).
const CHAINED_PROFILE: &str = "bench-chained";
const CHAINED_ROLE_ARN: &str = "arn:aws:iam::222222222222:role/BenchChained";
const START_URL: &str = "https://d-9067bench00.awsapps.com/start";
/// The emulator's first account and role (docs/emulator.md, "Seed").
const ACCOUNT_ID: &str = "111111111111";
const ROLE_NAME: &str = "AdministratorAccess";

/// Runs of the warm and cold paths.
const RUNS: usize = 30;
/// Runs under `/usr/bin/time` for the peak RSS.
const RSS_RUNS: usize = 5;
/// Runs of `sso list roles` (the sequential walk runs once: it takes seconds).
const LIST_RUNS: usize = 3;
/// Processes of the refresh storm.
const STORM: usize = 32;
/// Retry pause of the sequential walk after a 429.
const SEQUENTIAL_RETRY_PAUSE: Duration = Duration::from_millis(100);
/// `max_result` of the sequential walk's pages: the API's largest, as `sso` requests.
const SEQUENTIAL_PAGE_SIZE: u32 = 100;
/// The emulator's latency in items 4 and 5 (`latency_ms` of their knobs).
const PORTAL_LATENCY: Duration = Duration::from_millis(20);

/// Issue 7's targets.
const WARM_MAX_RATIO: f64 = 3.0;
const WARM_MAX_RSS_KIB: u64 = 8 * 1024;
/// Issue 14's target for the chained warm path.
const CHAINED_WARM_MAX_RATIO: f64 = 2.0;
/// Issue 16's target for `sso prompt`, run on every shell prompt.
const PROMPT_MAX_RATIO: f64 = 3.0;
const LIST_MIN_SPEEDUP: f64 = 12.0;

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
    let sso_bin = release.join(exe("sso"));
    let emulator_bin = release.join(exe("sso-emulator"));

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

    warm(&sso, &mut report)?;
    cold(&sso, &emulator, &mut report)?;
    chained_warm(&sso, &emulator, &mut report)?;
    chained_cold(&sso, &emulator, &mut report)?;
    prompt(&sso, &emulator, &mut report)?;
    storm(&sso, &emulator, &mut report)?;
    list_roles(&sso, &emulator, &mut report)?;
    populate(&sso, &emulator, &mut report)?;
    drop(emulator);
    config_parse(root, with_aws_config, &mut report)?;

    let table = report.table();
    println!("{table}");
    let doc = report.document(&table)?;
    let path = root.join("docs").join("benchmarks.md");
    std::fs::write(&path, doc).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("bench: wrote {}", path.display());
    let missed = report.rows.iter().filter(|r| r.met == Some(false)).count();
    if missed > 0 {
        eprintln!("bench: {missed} measurement(s) missed their target (flagged in the table)");
    }

    if criterion {
        crate::cargo(root, &["bench", "--workspace", "--locked"])?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The measurements.

/// 1: warm `export-credentials` next to `/bin/true`, interleaved run by run.
fn warm(sso: &Sso, report: &mut Report) -> Result<()> {
    eprintln!("bench: 1. warm export-credentials");
    let args = export_args();
    // The first call caches the role credentials; check it prints them.
    let first = sso.command(&args).output().context("starting sso")?;
    if !first.status.success() || !String::from_utf8_lossy(&first.stdout).contains("AccessKeyId") {
        bail!(
            "`sso {}` failed ({}): {}",
            args.join(" "),
            first.status,
            String::from_utf8_lossy(&first.stderr)
        );
    }
    let true_bin = Path::new("/bin/true");
    for _ in 0..3 {
        time_quiet(&mut sso.command(&args))?;
        time_quiet(&mut sso.plain_command(true_bin, &[]))?;
    }
    let mut sso_times = Vec::with_capacity(RUNS);
    let mut true_times = Vec::with_capacity(RUNS);
    let mut failures = 0;
    for _ in 0..RUNS {
        let (elapsed, status) = time_quiet(&mut sso.command(&args))?;
        failures += usize::from(!status.success());
        sso_times.push(elapsed);
        let (elapsed, _) = time_quiet(&mut sso.plain_command(true_bin, &[]))?;
        true_times.push(elapsed);
    }
    let sso_rss = peak_rss(&sso.command(&args));
    let true_rss = peak_rss(&sso.plain_command(true_bin, &[]));
    report.command(format!("sso {}   # x{RUNS}, warm", args.join(" ")));
    report.command(format!("/bin/true   # x{RUNS}, interleaved with the above"));
    report.command(format!(
        "/usr/bin/time -f %M sso {}   # x{RSS_RUNS}, and the same for /bin/true",
        args.join(" ")
    ));

    let (sso_median, sso_p90) = (median(&sso_times), p90(&sso_times));
    let (true_median, true_p90) = (median(&true_times), p90(&true_times));
    let ratio = sso_median.as_secs_f64() / true_median.as_secs_f64().max(1e-9);
    report.row(
        "1",
        "warm `export-credentials --format process`: wall",
        format!(
            "median {} / p90 {} ({RUNS} runs, {failures} failed); `/bin/true` median {} / p90 {}; ratio {ratio:.2}x",
            ms(sso_median),
            ms(sso_p90),
            ms(true_median),
            ms(true_p90)
        ),
        format!("<= {WARM_MAX_RATIO}x `/bin/true`"),
        Some(ratio <= WARM_MAX_RATIO && failures == 0),
    );
    let (rss_text, rss_met) = match (sso_rss, true_rss) {
        (Some(s), Some(t)) => (
            format!(
                "{:.1} MiB (max of {RSS_RUNS}); `/bin/true` {:.1} MiB",
                kib_to_mib(s),
                kib_to_mib(t)
            ),
            Some(s < WARM_MAX_RSS_KIB),
        ),
        (Some(s), None) => (
            format!("{:.1} MiB (max of {RSS_RUNS})", kib_to_mib(s)),
            Some(s < WARM_MAX_RSS_KIB),
        ),
        _ => ("not measured (no GNU `/usr/bin/time`)".to_owned(), None),
    };
    report.row(
        "1",
        "warm `export-credentials`: peak RSS",
        rss_text,
        "< 8 MiB".to_owned(),
        rss_met,
    );
    Ok(())
}

/// 2: the cold path, one GetRoleCredentials per run.
fn cold(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 2. cold export-credentials");
    let args = export_args();
    let runs = cold_runs(sso, emulator, &args, &["get_role_credentials"])?;
    report.command(format!(
        "rm -rf ~/.aws/cli/cache && sso {}   # x{RUNS}",
        args.join(" ")
    ));
    report.row(
        "2",
        "cold `export-credentials` (valid token, no cached role credentials): wall",
        format!(
            "median {} / p90 {} ({RUNS} runs, {} failed); GetRoleCredentials {} in {RUNS} runs ({} runs with a count other than 1); CreateToken {}",
            ms(median(&runs.times)),
            ms(p90(&runs.times)),
            runs.failures,
            runs.total("get_role_credentials"),
            runs.off,
            runs.total("create_token")
        ),
        "exactly 1 GetRoleCredentials per run".to_owned(),
        Some(runs.off == 0 && runs.failures == 0),
    );
    Ok(())
}

/// [`RUNS`] cold runs of one command.
struct ColdRuns {
    times: Vec<Duration>,
    failures: usize,
    /// Runs in which one of the expected counters moved by anything but 1.
    off: usize,
    before: Stats,
    after: Stats,
}

impl ColdRuns {
    /// How much `counter` moved over all the runs.
    fn total(&self, counter: &str) -> u64 {
        self.after
            .get(counter)
            .saturating_sub(self.before.get(counter))
    }
}

/// Runs `sso ARGS` [`RUNS`] times, each after deleting `~/.aws/cli/cache`, reading the
/// emulator's counters around every run; each of `expected` must move by exactly 1 per run.
fn cold_runs(sso: &Sso, emulator: &Emulator, args: &[&str], expected: &[&str]) -> Result<ColdRuns> {
    let mut times = Vec::with_capacity(RUNS);
    let mut failures = 0;
    let mut off = 0;
    let before = emulator.stats()?;
    for _ in 0..RUNS {
        sso.clear_role_cache()?;
        let start = emulator.stats()?;
        let (elapsed, status) = time_quiet(&mut sso.command(args))?;
        let end = emulator.stats()?;
        failures += usize::from(!status.success());
        if expected
            .iter()
            .any(|name| end.get(name).saturating_sub(start.get(name)) != 1)
        {
            off += 1;
        }
        times.push(elapsed);
    }
    let after = emulator.stats()?;
    Ok(ColdRuns {
        times,
        failures,
        off,
        before,
        after,
    })
}

/// The emulator's calls that cost a network round trip for a credentials command.
const NETWORK_COUNTERS: &[&str] = &[
    "create_token",
    "get_role_credentials",
    "assume_role",
    "assume_role_with_web_identity",
    "container_credentials",
    "imds_token",
];

/// 9: `sso prompt` reading the config and the token cache, next to `/bin/true`, interleaved.
fn prompt(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 9. sso prompt");
    let prompt = || {
        let mut command = sso.command(&["prompt"]);
        command.env("AWS_PROFILE", PROFILE);
        command
    };
    let first = prompt().output().context("starting sso")?;
    let shown = String::from_utf8_lossy(&first.stdout).trim().to_owned();
    if !first.status.success() || !shown.starts_with(&format!("{PROFILE} ")) {
        bail!(
            "`sso prompt` printed {shown:?} ({}): {}",
            first.status,
            String::from_utf8_lossy(&first.stderr)
        );
    }
    let true_bin = Path::new("/bin/true");
    for _ in 0..3 {
        time_quiet(&mut prompt())?;
        time_quiet(&mut sso.plain_command(true_bin, &[]))?;
    }
    let before = emulator.stats()?;
    let mut prompt_times = Vec::with_capacity(RUNS);
    let mut true_times = Vec::with_capacity(RUNS);
    let mut failures = 0;
    for _ in 0..RUNS {
        let (elapsed, status) = time_quiet(&mut prompt())?;
        failures += usize::from(!status.success());
        prompt_times.push(elapsed);
        let (elapsed, _) = time_quiet(&mut sso.plain_command(true_bin, &[]))?;
        true_times.push(elapsed);
    }
    let after = emulator.stats()?;
    let network: u64 = NETWORK_COUNTERS
        .iter()
        .map(|name| after.get(name).saturating_sub(before.get(name)))
        .sum();
    report.command(format!(
        "AWS_PROFILE={PROFILE} sso prompt   # x{RUNS}, interleaved with /bin/true (prints `{shown}`)"
    ));
    let (prompt_median, prompt_p90) = (median(&prompt_times), p90(&prompt_times));
    let true_median = median(&true_times);
    let ratio = prompt_median.as_secs_f64() / true_median.as_secs_f64().max(1e-9);
    report.row(
        "9",
        "`sso prompt` (config + token cache, no `AWS_CREDENTIAL_EXPIRATION`): wall",
        format!(
            "median {} / p90 {} ({RUNS} runs, {failures} failed); `/bin/true` median {}; ratio {ratio:.2}x; {network} network calls",
            ms(prompt_median),
            ms(prompt_p90),
            ms(true_median)
        ),
        format!("<= {PROMPT_MAX_RATIO}x `/bin/true`, 0 network calls"),
        Some(ratio <= PROMPT_MAX_RATIO && failures == 0 && network == 0),
    );
    Ok(())
}

/// 7: warm chained `export-credentials` next to `/bin/true` and the SSO warm path, interleaved.
fn chained_warm(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 7. warm chained export-credentials");
    let chained = chained_export_args();
    let direct = export_args();
    // The first call assumes the role and caches it; check it prints the role's keys.
    let first = sso.command(&chained).output().context("starting sso")?;
    if !first.status.success()
        || !String::from_utf8_lossy(&first.stdout).contains("ASIAEMUBENCHCHAINED")
    {
        bail!(
            "`sso {}` failed ({}): {}",
            chained.join(" "),
            first.status,
            String::from_utf8_lossy(&first.stderr)
        );
    }
    let true_bin = Path::new("/bin/true");
    for _ in 0..3 {
        time_quiet(&mut sso.command(&chained))?;
        time_quiet(&mut sso.command(&direct))?;
        time_quiet(&mut sso.plain_command(true_bin, &[]))?;
    }
    let before = emulator.stats()?;
    let mut chained_times = Vec::with_capacity(RUNS);
    let mut direct_times = Vec::with_capacity(RUNS);
    let mut true_times = Vec::with_capacity(RUNS);
    let mut failures = 0;
    for _ in 0..RUNS {
        let (elapsed, status) = time_quiet(&mut sso.command(&chained))?;
        failures += usize::from(!status.success());
        chained_times.push(elapsed);
        let (elapsed, status) = time_quiet(&mut sso.command(&direct))?;
        failures += usize::from(!status.success());
        direct_times.push(elapsed);
        let (elapsed, _) = time_quiet(&mut sso.plain_command(true_bin, &[]))?;
        true_times.push(elapsed);
    }
    let after = emulator.stats()?;
    let calls: u64 = NETWORK_COUNTERS
        .iter()
        .map(|name| after.get(name).saturating_sub(before.get(name)))
        .sum();
    report.command(format!(
        "sso {}   # x{RUNS}, warm, interleaved with `sso {}` and /bin/true",
        chained.join(" "),
        direct.join(" ")
    ));
    let chained_median = median(&chained_times);
    let true_median = median(&true_times);
    let ratio = chained_median.as_secs_f64() / true_median.as_secs_f64().max(1e-9);
    report.row(
        "7",
        "warm chained profile (SSO → role, assumed-role credentials cached): wall",
        format!(
            "median {} / p90 {} ({RUNS} runs, {failures} failed); SSO warm path median {}; `/bin/true` median {}; ratio {ratio:.2}x `/bin/true`; {calls} network calls in {RUNS} runs",
            ms(chained_median),
            ms(p90(&chained_times)),
            ms(median(&direct_times)),
            ms(true_median)
        ),
        format!("<= {CHAINED_WARM_MAX_RATIO}x `/bin/true`, 0 network calls"),
        Some(ratio <= CHAINED_WARM_MAX_RATIO && calls == 0 && failures == 0),
    );
    Ok(())
}

/// 8: the chained profile cold: one GetRoleCredentials and one AssumeRole per run.
fn chained_cold(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 8. cold chained export-credentials");
    let args = chained_export_args();
    let runs = cold_runs(
        sso,
        emulator,
        &args,
        &["get_role_credentials", "assume_role"],
    )?;
    report.command(format!(
        "rm -rf ~/.aws/cli/cache && sso {}   # x{RUNS}",
        args.join(" ")
    ));
    report.row(
        "8",
        "cold chained profile (valid token, nothing cached): wall",
        format!(
            "median {} / p90 {} ({RUNS} runs, {} failed); GetRoleCredentials {}, AssumeRole {} in {RUNS} runs ({} runs with other counts); CreateToken {}",
            ms(median(&runs.times)),
            ms(p90(&runs.times)),
            runs.failures,
            runs.total("get_role_credentials"),
            runs.total("assume_role"),
            runs.off,
            runs.total("create_token")
        ),
        "exactly 1 GetRoleCredentials and 1 AssumeRole per run".to_owned(),
        Some(runs.off == 0 && runs.failures == 0),
    );
    Ok(())
}

/// 6: 32 concurrent `export-credentials` with an expired token and no cached role credentials.
fn storm(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 6. refresh storm");
    let args = export_args();
    sso.expire_token()?;
    sso.clear_role_cache()?;
    let before = emulator.stats()?;
    let logs = sso.home.join("storm");
    std::fs::create_dir_all(&logs)?;
    let started = Instant::now();
    let mut children = Vec::with_capacity(STORM);
    for i in 0..STORM {
        let stdout = File::create(logs.join(format!("{i}.out")))?;
        let stderr = File::create(logs.join(format!("{i}.err")))?;
        let child = sso
            .command(&args)
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .context("starting sso")?;
        children.push(Some(child));
    }
    let mut statuses: Vec<Option<ExitStatus>> = vec![None; STORM];
    let deadline = started + Duration::from_secs(120);
    while statuses.iter().any(Option::is_none) {
        for (slot, status) in children.iter_mut().zip(statuses.iter_mut()) {
            if status.is_none()
                && let Some(child) = slot
                && let Some(done) = child.try_wait()?
            {
                *status = Some(done);
            }
        }
        if Instant::now() > deadline {
            for child in children.iter_mut().flatten() {
                let _ = child.kill();
                let _ = child.wait();
            }
            bail!("the refresh storm did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let wall = started.elapsed();
    let after = emulator.stats()?;
    let mut failed = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        let out = std::fs::read_to_string(logs.join(format!("{i}.out"))).unwrap_or_default();
        if !status.is_some_and(|s| s.success()) || !out.contains("AccessKeyId") {
            let err = std::fs::read_to_string(logs.join(format!("{i}.err"))).unwrap_or_default();
            failed.push(format!(
                "#{i} ({}): {}",
                status.map_or("?".to_owned(), |s| s.to_string()),
                err.lines().next().unwrap_or("").trim()
            ));
        }
    }
    for line in &failed {
        eprintln!("bench: storm process {line}");
    }
    let refreshes =
        after.get("create_token_refresh_token") - before.get("create_token_refresh_token");
    let creates = after.get("create_token") - before.get("create_token");
    let grc = after.get("get_role_credentials") - before.get("get_role_credentials");
    report.command(format!(
        "expiresAt of ~/.aws/sso/cache/<sha1(\"{SESSION}\")>.json set to 2000-01-01T00:00:00Z, rm -rf ~/.aws/cli/cache, then {STORM} x `sso {}` at once",
        args.join(" ")
    ));
    report.row(
        "6",
        "refresh storm: 32 concurrent `export-credentials`, expired token, no cached role credentials",
        format!(
            "{} until all exited; {} of {STORM} succeeded; CreateToken {creates} (refresh grant {refreshes}); GetRoleCredentials {grc}",
            ms(wall),
            STORM - failed.len()
        ),
        "all exit 0, exactly 1 CreateToken and 1 GetRoleCredentials".to_owned(),
        Some(failed.is_empty() && refreshes == 1 && creates == 1 && grc == 1),
    );
    Ok(())
}

/// 4: `sso list roles` against the sequential walk, 300 x 3, 20 ms, 429 every 10th call.
fn list_roles(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 4. list roles, 300 accounts x 3 roles, 20 ms, 429 every 10th call");
    let knobs = r#"{"accounts":300,"roles_per_account":3,"latency_ms":20,"throttle_every":10}"#;
    emulator.configure(knobs)?;
    report.command(format!("POST /emulator/config {knobs}"));
    let args = [
        "list",
        "roles",
        "--sso-session",
        SESSION,
        "--output",
        "json",
    ];
    let mut times = Vec::new();
    let mut failures = 0;
    let mut counters = Counters::default();
    for _ in 0..LIST_RUNS {
        let before = emulator.stats()?;
        let run = sso.run_logged(&args, Duration::from_secs(300))?;
        let after = emulator.stats()?;
        let roles = run.stdout.matches("\"roleName\"").count();
        if !run.status.success() || roles != 900 {
            failures += 1;
            eprintln!(
                "bench: `sso {}` exited {} with {roles} roles: {}",
                args.join(" "),
                run.status,
                run.stderr.trim()
            );
        }
        counters = Counters::delta(&before, &after);
        times.push(run.wall);
    }
    report.command(format!("sso {}   # x{LIST_RUNS}", args.join(" ")));
    let token = sso.access_token()?;
    let before = emulator.stats()?;
    let started = Instant::now();
    let walk = sequential_walk(&emulator.url, &token)?;
    let sequential = started.elapsed();
    let after = emulator.stats()?;
    let seq_counters = Counters::delta(&before, &after);
    report.command(
        "sequential walk (xtask): ListAccounts pages (max_result=100), then ListAccountRoles per account one after the other; 429 -> sleep 100 ms, retry".to_owned(),
    );
    let ours = median(&times);
    let speedup = sequential.as_secs_f64() / ours.as_secs_f64().max(1e-9);
    // Issue 7's "about 7 s": the walk's calls times the latency, without its retry pauses.
    let calls = u32::try_from(seq_counters.list_accounts + seq_counters.list_account_roles)
        .unwrap_or(u32::MAX);
    let calls_x_latency = PORTAL_LATENCY * calls;
    let speedup_vs_latency = calls_x_latency.as_secs_f64() / ours.as_secs_f64().max(1e-9);
    report.row(
        "4",
        "`sso list roles --output json`, 300 accounts x 3 roles, 20 ms latency, 429 every 10th call",
        format!(
            "median {} of {LIST_RUNS} ({failures} failed; last run: {counters}) vs sequential walk {} ({} roles, {} failed; {seq_counters}): **{speedup:.1}x** (vs the walk's calls x 20 ms, {}: {speedup_vs_latency:.1}x)",
            secs(ours),
            secs(sequential),
            walk.roles,
            walk.failures,
            secs(calls_x_latency)
        ),
        format!(">= {LIST_MIN_SPEEDUP}x faster, zero failures"),
        Some(speedup >= LIST_MIN_SPEEDUP && failures == 0 && walk.failures == 0),
    );
    Ok(())
}

/// 5: `sso populate` over 1,000 x 3 under the same conditions, twice.
fn populate(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 5. populate, 1,000 accounts x 3 roles");
    let knobs = r#"{"accounts":1000,"roles_per_account":3,"latency_ms":20,"throttle_every":10}"#;
    emulator.configure(knobs)?;
    report.command(format!("POST /emulator/config {knobs}"));
    let args = ["populate", "--sso-session", SESSION];
    let config = sso.home.join(".aws").join("config");

    let before = emulator.stats()?;
    let first = sso.run_logged(&args, Duration::from_secs(600))?;
    let after = emulator.stats()?;
    let first_counters = Counters::delta(&before, &after);
    let text = std::fs::read_to_string(&config).context("reading the populated config")?;
    let profiles = text.matches("[profile ").count();

    let before = emulator.stats()?;
    let second = sso.run_logged(&args, Duration::from_secs(600))?;
    let after = emulator.stats()?;
    let second_counters = Counters::delta(&before, &after);
    let unchanged = std::fs::read_to_string(&config)? == text;
    report.command(format!("sso {}   # twice", args.join(" ")));

    for (name, run) in [("first", &first), ("second", &second)] {
        if !run.status.success() {
            eprintln!(
                "bench: {name} `sso populate` exited {}: {}",
                run.status,
                run.stderr.trim()
            );
        }
    }
    let summary = |run: &Logged| {
        run.stderr
            .lines()
            .find(|line| line.contains("profiles") && line.contains("unchanged"))
            .map_or_else(|| "no summary".to_owned(), |line| line.trim().to_owned())
    };
    let ok = first.status.success() && second.status.success() && unchanged;
    report.row(
        "5",
        "`sso populate`, 1,000 accounts x 3 roles, 20 ms latency, 429 every 10th call",
        format!(
            "first {} (exit {}; {first_counters}; `{}`; {profiles} profiles in the file); second {} (exit {}; {second_counters}; file {})",
            secs(first.wall),
            code(first.status),
            summary(&first).replace(&config.display().to_string(), "~/.aws/config"),
            secs(second.wall),
            code(second.status),
            if unchanged { "unchanged" } else { "CHANGED" }
        ),
        "zero failures; second run changes nothing".to_owned(),
        Some(ok),
    );
    Ok(())
}

/// 3: the criterion numbers of the 2,500-profile config.
fn config_parse(root: &Path, with_aws_config: bool, report: &mut Report) -> Result<()> {
    eprintln!("bench: 3. config parse + resolve (criterion)");
    if with_aws_config {
        let dir = root.join("bench-compare");
        let results = criterion(&dir, &["bench"])?;
        report.command("cd bench-compare && cargo bench".to_owned());
        let find = |name: &str| results.iter().find(|r| r.name.ends_with(name));
        let ours = find("sso_config_parse_and_resolve");
        let theirs = find("aws_config_profile_load");
        let text = match (ours, theirs) {
            (Some(o), Some(t)) => format!(
                "sso-config {} vs aws-config `profile::load` {} (**{:.1}x**)",
                o.mid,
                t.mid,
                t.mid_ns / o.mid_ns.max(1e-9)
            ),
            _ => format!("could not read the criterion output: {results:?}"),
        };
        report.row(
            "3",
            "config parse + resolve, 2,500 profiles (criterion, median estimate)",
            text,
            "none (comparison)".to_owned(),
            None,
        );
    } else {
        let results = criterion(
            root,
            &["bench", "-p", "sso-config", "--bench", "parse", "--locked"],
        )?;
        report.command("cargo bench -p sso-config --bench parse --locked".to_owned());
        let text = if results.is_empty() {
            "could not read the criterion output".to_owned()
        } else {
            results
                .iter()
                .map(|r| {
                    format!(
                        "{}: {}",
                        r.name.rsplit('/').next().unwrap_or(&r.name),
                        r.mid
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        report.row(
            "3",
            "config parse + resolve, 2,500 profiles (criterion, median estimate; aws-config not run: pass `--with-aws-config`)",
            text,
            "none (comparison)".to_owned(),
            None,
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The sequential baseline.

/// What [`sequential_walk`] found.
struct Walk {
    roles: usize,
    failures: usize,
}

/// The baseline of item 4: what a simple client does, one blocking request at a time.
///
/// `GET /assignment/accounts` page after page ([`SEQUENTIAL_PAGE_SIZE`] per page, as `sso`
/// requests), then `GET /assignment/roles?account_id=…` for each account in order, following
/// `nextToken`.
/// A 429 is retried after a fixed 100 ms pause (at most 20 times per request); any other
/// non-200 answer counts as a failure and skips that account. One TCP connection per request
/// (on loopback that costs well under a millisecond against 20 ms latency).
fn sequential_walk(url: &str, token: &str) -> Result<Walk> {
    let mut accounts = Vec::new();
    let listed = follow_pages(
        url,
        token,
        ("/assignment/accounts", &[]),
        ("accountList", "accountId"),
        &mut accounts,
    )?;
    if !listed {
        bail!("the sequential walk could not list the accounts");
    }
    let mut roles = 0;
    let mut failures = 0;
    for account in &accounts {
        let mut names = Vec::new();
        let listed = follow_pages(
            url,
            token,
            ("/assignment/roles", &[("account_id", account)]),
            ("roleList", "roleName"),
            &mut names,
        )?;
        failures += usize::from(!listed);
        roles += names.len();
    }
    Ok(Walk { roles, failures })
}

/// `GET PATH?max_result=…&QUERY` page after page, following `nextToken`, adding the `FIELD` of
/// every entry of each page's `LIST` to `values`; whether the last page was reached (`false`
/// after an error answer or a page that is not the JSON expected).
fn follow_pages(
    url: &str,
    token: &str,
    (path, query): (&str, &[(&str, &str)]),
    (list, field): (&str, &str),
    values: &mut Vec<String>,
) -> Result<bool> {
    let page_size = SEQUENTIAL_PAGE_SIZE.to_string();
    let mut next: Option<String> = None;
    loop {
        let mut pairs = vec![("max_result", page_size.as_str())];
        pairs.extend_from_slice(query);
        if let Some(next) = &next {
            pairs.push(("next_token", next));
        }
        let Some(page) = portal_get(&format!("{url}{path}"), &pairs, token)?
            .and_then(|body| PortalPage::parse(&body, list, field).ok())
        else {
            return Ok(false);
        };
        values.extend(page.values);
        next = page.next_token;
        if next.is_none() {
            return Ok(true);
        }
    }
}

/// One page of `ListAccounts` or `ListAccountRoles`.
struct PortalPage {
    /// The `field` of every entry of the page's list.
    values: Vec<String>,
    next_token: Option<String>,
}

impl PortalPage {
    /// Reads `{"LIST": [{"FIELD": "...", ...}, ...], "nextToken": "..."}`.
    fn parse(body: &str, list: &str, field: &str) -> Result<Self> {
        let page: Value = serde_json::from_str(body).context("a portal page that is not JSON")?;
        let values = page[list]
            .as_array()
            .context("a portal page without its list")?
            .iter()
            .filter_map(|entry| entry[field].as_str())
            .map(str::to_owned)
            .collect();
        let next_token = page["nextToken"].as_str().map(str::to_owned);
        Ok(Self { values, next_token })
    }
}

/// One portal GET with the retry-after-429 rule; `None` for any other error answer.
fn portal_get(url: &str, query: &[(&str, &str)], token: &str) -> Result<Option<String>> {
    for _ in 0..=20 {
        let response = http_get(url, query, &[("x-amz-sso_bearer_token", token)])?;
        match response.status {
            200 => return Ok(Some(response.body)),
            429 => std::thread::sleep(SEQUENTIAL_RETRY_PAUSE),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------------
// The `sso` binary in the temporary HOME.

struct Sso {
    bin: PathBuf,
    home: PathBuf,
    url: String,
}

/// A finished long run.
struct Logged {
    wall: Duration,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn chained_export_args() -> [&'static str; 5] {
    [
        "export-credentials",
        "--profile",
        CHAINED_PROFILE,
        "--format",
        "process",
    ]
}

fn export_args() -> [&'static str; 5] {
    [
        "export-credentials",
        "--profile",
        PROFILE,
        "--format",
        "process",
    ]
}

impl Sso {
    /// `program ARGS` with the environment every run gets (and nothing else).
    fn plain_command(&self, program: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &self.url)
            .env("AWS_ENDPOINT_URL_SSO", &self.url)
            .env("AWS_ENDPOINT_URL_STS", &self.url)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        command
    }

    fn command(&self, args: &[&str]) -> Command {
        self.plain_command(&self.bin, args)
    }

    fn write_config(&self) -> Result<()> {
        let aws = self.home.join(".aws");
        std::fs::create_dir_all(&aws)?;
        let config = format!(
            "[profile {PROFILE}]\n\
             sso_session = {SESSION}\n\
             sso_account_id = {ACCOUNT_ID}\n\
             sso_role_name = {ROLE_NAME}\n\
             region = us-east-1\n\
             \n\
             [sso-session {SESSION}]\n\
             sso_start_url = {START_URL}\n\
             sso_region = us-east-1\n\
             sso_registration_scopes = sso:account:access\n\
             \n\
             [profile {CHAINED_PROFILE}]\n\
             role_arn = {CHAINED_ROLE_ARN}\n\
             source_profile = {PROFILE}\n\
             role_session_name = bench\n"
        );
        std::fs::write(aws.join("config"), config).context("writing ~/.aws/config")
    }

    /// `sso login --use-device-code`; the emulator auto-approves.
    fn login(&self, report: &mut Report) -> Result<()> {
        let args = [
            "login",
            "--sso-session",
            SESSION,
            "--use-device-code",
            "--no-browser",
        ];
        let run = self.run_logged(&args, Duration::from_secs(60))?;
        if !run.status.success() {
            bail!(
                "`sso {}` exited with {}: {}",
                args.join(" "),
                run.status,
                run.stderr.trim()
            );
        }
        report.command(format!(
            "sso {}   # the emulator auto-approves ({})",
            args.join(" "),
            secs(run.wall)
        ));
        if !self.token_file().is_file() {
            bail!(
                "no token cache file at {} after `sso login`",
                self.token_file().display()
            );
        }
        Ok(())
    }

    /// Runs `sso ARGS` with stdout and stderr captured through files, within `timeout`.
    fn run_logged(&self, args: &[&str], timeout: Duration) -> Result<Logged> {
        let out_path = self.home.join("run.out");
        let err_path = self.home.join("run.err");
        let mut command = self.command(args);
        command
            .stdout(File::create(&out_path)?)
            .stderr(File::create(&err_path)?);
        let started = Instant::now();
        let mut child = command.spawn().context("starting sso")?;
        let status = wait_until(&mut child, started + timeout)
            .with_context(|| format!("`sso {}`", args.join(" ")))?;
        let wall = started.elapsed();
        Ok(Logged {
            wall,
            status,
            stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        })
    }

    /// `~/.aws/sso/cache/<sha1 of the session name>.json`.
    fn token_file(&self) -> PathBuf {
        self.home
            .join(".aws")
            .join("sso")
            .join("cache")
            .join(format!("{}.json", sha1_hex(SESSION.as_bytes())))
    }

    /// The token cache file as a JSON object.
    fn token(&self) -> Result<Map<String, Value>> {
        let text = std::fs::read_to_string(self.token_file()).context("reading the token")?;
        serde_json::from_str(&text).context("the token cache file is not a JSON object")
    }

    fn access_token(&self) -> Result<String> {
        self.token()?
            .get("accessToken")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .context("no accessToken in the token cache file")
    }

    /// Sets the cached token's `expiresAt` in the past, keeping everything else (in order).
    fn expire_token(&self) -> Result<()> {
        let mut token = self.token()?;
        let expires_at = token
            .get_mut("expiresAt")
            .context("no expiresAt in the token cache file")?;
        *expires_at = Value::from("2000-01-01T00:00:00Z");
        let text = serde_json::to_string(&token).context("writing the token")?;
        std::fs::write(self.token_file(), text).context("writing the token")
    }

    fn clear_role_cache(&self) -> Result<()> {
        let dir = self.home.join(".aws").join("cli").join("cache");
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing {}", dir.display())),
        }
    }
}

/// Runs `command` with its output discarded; the wall time around spawn and wait.
fn time_quiet(command: &mut Command) -> Result<(Duration, ExitStatus)> {
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let started = Instant::now();
    let status = command.status().context("starting a timed process")?;
    Ok((started.elapsed(), status))
}

/// The largest peak RSS (KiB) of [`RSS_RUNS`] runs under `/usr/bin/time -f %M`.
fn peak_rss(command: &Command) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    if !time.is_file() {
        return None;
    }
    let out = std::env::temp_dir().join(format!("sso-bench-rss-{}", std::process::id()));
    let mut peak = None;
    for _ in 0..RSS_RUNS {
        let mut wrapped = Command::new(time);
        wrapped
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&out)
            .arg(command.get_program())
            .args(command.get_args())
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in command.get_envs() {
            if let Some(value) = value {
                wrapped.env(key, value);
            }
        }
        let status = wrapped.status().ok()?;
        if !status.success() {
            return None;
        }
        let kib: u64 = std::fs::read_to_string(&out)
            .ok()?
            .lines()
            .last()?
            .trim()
            .parse()
            .ok()?;
        peak = Some(peak.map_or(kib, |p: u64| p.max(kib)));
    }
    let _ = std::fs::remove_file(&out);
    peak
}

fn wait_until(child: &mut Child, deadline: Instant) -> Result<ExitStatus> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

// ---------------------------------------------------------------------------------------------
// The emulator.

impl Emulator {
    fn stats(&self) -> Result<Stats> {
        let response = http_get(&format!("{}/emulator/stats", self.url), &[], &[])?;
        if response.status != 200 {
            bail!("GET /emulator/stats answered {}", response.status);
        }
        let counters = serde_json::from_str(&response.body)
            .context("GET /emulator/stats answered something other than a JSON object")?;
        Ok(Stats(counters))
    }

    fn configure(&self, json: &str) -> Result<()> {
        let response = http_post(&format!("{}/emulator/config", self.url), Some(json))?;
        if response.status != 200 {
            bail!(
                "POST /emulator/config {json} answered {}: {}",
                response.status,
                response.body
            );
        }
        Ok(())
    }
}

/// The JSON object of `GET /emulator/stats`: a counter per name.
struct Stats(Map<String, Value>);

impl Stats {
    /// The counter's value; 0 for a counter the emulator does not keep.
    fn get(&self, counter: &str) -> u64 {
        self.0.get(counter).and_then(Value::as_u64).unwrap_or(0)
    }
}

/// Portal calls between two [`Stats`].
#[derive(Default)]
struct Counters {
    list_accounts: u64,
    list_account_roles: u64,
    throttled: u64,
}

impl Counters {
    fn delta(before: &Stats, after: &Stats) -> Self {
        let d = |name: &str| after.get(name).saturating_sub(before.get(name));
        Self {
            list_accounts: d("list_accounts"),
            list_account_roles: d("list_account_roles"),
            throttled: d("throttled"),
        }
    }
}

impl std::fmt::Display for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} calls: ListAccounts {}, ListAccountRoles {}, 429s {}",
            self.list_accounts + self.list_account_roles,
            self.list_accounts,
            self.list_account_roles,
            self.throttled
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Criterion output.

#[derive(Debug)]
struct CriterionResult {
    name: String,
    /// The middle estimate as criterion prints it, e.g. `1.2345 ms`.
    mid: String,
    mid_ns: f64,
}

/// Runs `cargo ARGS` in `dir` and reads criterion's `time: [low mid high]` lines from stdout.
fn criterion(dir: &Path, args: &[&str]) -> Result<Vec<CriterionResult>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ cargo {} (in {})", args.join(" "), dir.display());
    let output = Command::new(&cargo)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not start `{cargo}`"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprint!("{stdout}");
    if !output.status.success() {
        bail!("`cargo {}` failed ({})", args.join(" "), output.status);
    }
    Ok(parse_criterion(&stdout))
}

fn parse_criterion(stdout: &str) -> Vec<CriterionResult> {
    let mut results = Vec::new();
    let mut last_name = String::new();
    for line in stdout.lines() {
        if let Some(at) = line.find("time:") {
            let name = line[..at].trim();
            let name = if name.is_empty() {
                last_name.clone()
            } else {
                name.to_owned()
            };
            let inner = line[at..]
                .split_once('[')
                .and_then(|(_, rest)| rest.split_once(']'))
                .map_or("", |(inner, _)| inner);
            let fields: Vec<&str> = inner.split_whitespace().collect();
            if let [_, _, value, unit, _, _] = fields.as_slice()
                && let Ok(number) = value.parse::<f64>()
            {
                let scale = match *unit {
                    "ps" => 1e-3,
                    "ns" => 1.0,
                    "µs" | "us" => 1e3,
                    "ms" => 1e6,
                    "s" => 1e9,
                    _ => f64::NAN,
                };
                results.push(CriterionResult {
                    name,
                    mid: format!("{value} {unit}"),
                    mid_ns: number * scale,
                });
            }
        } else if !line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            last_name = line.trim().to_owned();
        }
    }
    results
}

// ---------------------------------------------------------------------------------------------
// The report.

#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    commands: Vec<String>,
}

struct Row {
    item: &'static str,
    what: String,
    result: String,
    target: String,
    /// `None`: no target.
    met: Option<bool>,
}

impl Report {
    fn row(
        &mut self,
        item: &'static str,
        what: &str,
        result: String,
        target: String,
        met: Option<bool>,
    ) {
        self.rows.push(Row {
            item,
            what: what.to_owned(),
            result,
            target,
            met,
        });
    }

    fn command(&mut self, command: String) {
        self.commands.push(command);
    }

    fn table(&self) -> String {
        let mut rows = self.rows.iter().collect::<Vec<_>>();
        rows.sort_by_key(|r| r.item);
        let mut out = String::from(
            "| # | measurement | result | target | met |\n| --- | --- | --- | --- | --- |\n",
        );
        for row in rows {
            let met = match row.met {
                Some(true) => "yes",
                Some(false) => "**MISSED**",
                None => "n/a",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {met} |",
                row.item,
                row.what.replace('|', "\\|"),
                row.result.replace('|', "\\|"),
                row.target.replace('|', "\\|")
            );
        }
        out
    }

    fn document(&self, table: &str) -> Result<String> {
        let date = capture("date", &["-u", "+%Y-%m-%d %H:%M:%S UTC"]);
        let uname = capture("uname", &["-a"]);
        let nproc = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|line| line.starts_with("model name"))
                    .and_then(|line| line.split_once(':'))
                    .map(|(_, model)| model.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let mut doc = String::new();
        doc.push_str("# Benchmarks\n\n");
        doc.push_str("Generated by `cargo xtask bench` (xtask/src/bench.rs); do not edit by hand, run it again.\n\n");
        let _ = writeln!(doc, "- Date: {date}");
        let _ = writeln!(doc, "- Machine: `{uname}`");
        let _ = writeln!(doc, "- CPUs: {nproc} ({cpu})");
        let _ = writeln!(doc, "- Load average at the end: {}", load.trim());
        doc.push_str(
            "\n**These numbers are noisy.** The machine is small (2 cores) and shared with other \
             builds and tests while the benchmark runs; the emulator, the measured processes and \
             the bench itself share those cores too. Compare runs on the same machine only, and \
             rerun before reading much into a difference of a few tens of percent.\n\n",
        );
        doc.push_str("## Results\n\n");
        doc.push_str(table);
        doc.push_str(
            "\nRows whose target is missed are flagged **MISSED**; targets are issue 7's (items 7 \
             and 8: issue 14's; item 9: issue 16's).\n\n",
        );
        doc.push_str("## Method\n\n");
        doc.push_str(
            "- Everything runs against `sso-emulator` on 127.0.0.1 (release builds), with a temporary \
             HOME holding one `[sso-session bench]` (start URL, `us-east-1`, scope \
             `sso:account:access`) and one `[profile bench]` (account 111111111111, role \
             AdministratorAccess), plus `[profile bench-chained]` (`role_arn` in account \
             222222222222, `source_profile = bench`, `role_session_name = bench`), reached through \
             `AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL_SSO` and `AWS_ENDPOINT_URL_STS`. Each \
             process gets only `HOME`, `PATH`, those three variables and `NO_COLOR`.\n\
             - Wall time is measured by xtask around spawn and wait of the process (stdout and \
             stderr to `/dev/null` for items 1 and 2, to files otherwise). Item 1 interleaves the \
             `sso` and `/bin/true` runs after 3 unmeasured warm-up runs of each; p90 is the 27th of \
             30 sorted runs. Peak RSS is the largest `%M` of `/usr/bin/time` over 5 separate runs \
             (8 MiB = 8192 KiB).\n\
             - Items 2 and 8 read `GET /emulator/stats` before and after every run; item 7 before \
             and after all its runs, and counts CreateToken, GetRoleCredentials, AssumeRole, \
             AssumeRoleWithWebIdentity, container and IMDS calls as network calls. Item 7 \
             interleaves the chained profile, the SSO profile of item 1 and `/bin/true` run by \
             run. Item 8 deletes `~/.aws/cli/cache` (SSO role and assumed-role credentials) \
             before each run. Item 9 runs `sso prompt` with `AWS_PROFILE=bench` added to that \
             environment, interleaved with `/bin/true`, and reads the counters around all its \
             runs.\n\
             - Item 6 edits only the `expiresAt` of the token cache file \
             (`~/.aws/sso/cache/<sha1(session name)>.json`); the refresh token and client \
             registration stay valid. Wall time runs from the first spawn until the last process \
             has exited (polled every millisecond).\n\
             - Items 4 and 5 reconfigure the running emulator through `POST /emulator/config`; \
             throttling counts every portal call, so the 429s land on whichever call is the 10th.\n\
             - The sequential walk of item 4 is done by xtask itself: blocking HTTP/1.1 over \
             loopback, `GET /assignment/accounts` page after page with `max_result=100` (the \
             API's largest page, as `sso` requests), then `GET /assignment/roles?account_id=…` \
             for each account one after the other, following `nextToken`; a 429 is retried after \
             a fixed 100 ms sleep (at most 20 times), and any other error counts as a failure. \
             The access token is read from the token cache file. This is the floor for a client \
             that makes one call at a time: (pages + accounts) x latency, plus the pauses. Issue \
             7's \"about 7 s\" is the calls x latency part alone; row 4 also gives the speedup \
             against that figure, but its target is judged against the measured walk.\n\
             - Item 3 comes from criterion's `time: [low mid high]` line (the middle value).\n\n",
        );
        doc.push_str("## Commands\n\n");
        doc.push_str(
            "All of this is `cargo xtask bench` (add `--with-aws-config` for the aws-config \
             comparison of item 3). It runs, in this order (every `sso` with \
             `HOME=<temporary> AWS_ENDPOINT_URL_SSO_OIDC=<emulator> AWS_ENDPOINT_URL_SSO=<emulator> \
             AWS_ENDPOINT_URL_STS=<emulator>`):\n\n",
        );
        doc.push_str("```sh\n");
        for command in &self.commands {
            doc.push_str(command);
            doc.push('\n');
        }
        doc.push_str("```\n");
        Ok(doc)
    }
}

/// The trimmed stdout of a small command, or `unknown`.
fn capture(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        )
}

// ---------------------------------------------------------------------------------------------
// Small helpers: statistics, formatting, SHA-1.

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

/// The nearest-rank 90th percentile.
fn p90(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * 9).div_ceil(10);
    sorted[rank.saturating_sub(1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn code(status: ExitStatus) -> String {
    status
        .code()
        .map_or_else(|| status.to_string(), |c| c.to_string())
}

/// SHA-1 in lower-case hex: the token cache file's name is the SHA-1 of the session name.
fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .fold(String::with_capacity(40), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_known_digests() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            sha1_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    #[test]
    fn criterion_lines_are_read() {
        let out = "config_2500_profiles/keep_nothing_baseline\n                        time:   [1.0000 ms 1.5000 ms 2.0000 ms]\n                        thrpt:  [1 MiB/s 2 MiB/s 3 MiB/s]\nFound 2 outliers\nshort   time:   [10.0 µs 12.5 µs 13.0 µs]\n";
        let results = parse_criterion(out);
        assert_eq!(results.len(), 2);
        assert_eq!(
            results[0].name,
            "config_2500_profiles/keep_nothing_baseline"
        );
        assert_eq!(results[0].mid, "1.5000 ms");
        assert_eq!(results[1].name, "short");
        assert!((results[1].mid_ns - 12_500.0).abs() < 1e-6);
    }

    #[test]
    fn portal_pages_are_read() {
        let body = r#"{"accountList":[{"accountId":"111111111111"},{"accountId": "2"}],"nextToken":"emu-next-x"}"#;
        let page = PortalPage::parse(body, "accountList", "accountId").unwrap();
        assert_eq!(page.values, ["111111111111", "2"]);
        assert_eq!(page.next_token.as_deref(), Some("emu-next-x"));
        let last = PortalPage::parse(
            r#"{"roleList":[],"nextToken":null}"#,
            "roleList",
            "roleName",
        );
        assert!(last.unwrap().next_token.is_none());
        assert!(PortalPage::parse("<html>", "roleList", "roleName").is_err());
    }

    #[test]
    fn stats_counters_are_read_by_exact_name() {
        let body = r#"{"create_token":3,"create_token_refresh_token":1}"#;
        let stats = Stats(serde_json::from_str(body).unwrap());
        assert_eq!(stats.get("create_token"), 3);
        assert_eq!(stats.get("create_token_refresh_token"), 1);
        assert_eq!(stats.get("assume_role"), 0);
    }

    #[test]
    fn percentiles() {
        let times: Vec<Duration> = (1..=30).map(Duration::from_millis).collect();
        assert_eq!(median(&times), Duration::from_micros(15_500));
        assert_eq!(p90(&times), Duration::from_millis(27));
    }
}
