//! The credential-process scenarios: warm and cold `export-credentials` (items 1 and 2), the
//! refresh storm (6), the chained profile warm and cold (7 and 8) and `sso prompt` (9).
//!
//! Each measures `sso` in the bench HOME, checks the emulator's counters where the item sets a
//! rule on network calls, and adds its row to the [`Report`].

use std::fs::File;
use std::path::Path;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use super::emulator::NETWORK_COUNTERS;
use super::measure::{RSS_RUNS, RUNS, cold_runs, median, p90, peak_rss, time_quiet};
use super::report::{Report, kib_to_mib, ms};
use super::sso::{PROFILE, SESSION, Sso, chained_export_args, export_args};
use crate::local::Emulator;

/// Processes of the refresh storm.
const STORM: usize = 32;

/// Issue 7's targets.
const WARM_MAX_RATIO: f64 = 3.0;

const WARM_MAX_RSS_KIB: u64 = 8 * 1024;

/// Issue 14's target for the chained warm path.
const CHAINED_WARM_MAX_RATIO: f64 = 2.0;

/// Issue 16's target for `sso prompt`, run on every shell prompt.
const PROMPT_MAX_RATIO: f64 = 3.0;

/// 1: warm `export-credentials` next to `/bin/true`, interleaved run by run.
pub(super) fn warm(sso: &Sso, report: &mut Report) -> Result<()> {
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
pub(super) fn cold(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
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

/// 9: `sso prompt` reading the config and the token cache, next to `/bin/true`, interleaved.
pub(super) fn prompt(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
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
pub(super) fn chained_warm(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
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
pub(super) fn chained_cold(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
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
pub(super) fn storm(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
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
